/* What the two files of test_login share: a scripted conversation, the
 * fixture, logins and the audit event they leave. */
#ifndef BREAKGLASS_TESTS_TEST_LOGIN_H
#define BREAKGLASS_TESTS_TEST_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "breakglass/config/conf.h"
#include "breakglass/login/login.h"
#include "breakglass/login/userdb.h"
#include "httpd.h"

#define STEPS 8
#define BIG (1024 * 1024)
#define WHY "Restoring the primary database after disk loss"

/* One scripted answer: bytes[len], or with bytes NULL a failed ask. */
struct answer {
	const char *bytes;
	size_t len;
};

/* A conversation: answers given in order, and what was asked and told. */
struct script {
	const struct answer *answers;
	size_t n, next;
	char prompt[STEPS][160];
	bool echo[STEPS];
	size_t asked;
	char told[STEPS][512];
	bool error[STEPS];
	size_t ntold;
};

struct fixture {
	char *dir;
	struct bg_config *cfg;
	struct bg_user *key;    /* one TOTP key, saved under each user's name */
	struct th_httpd *httpd;
	json_t *ev;             /* the last audit event read, and its line */
	char *line;
};

/* The code an authenticator app shows now (every user has the same key). */
struct answer code_now(struct fixture *f, char *buf, size_t len);
/* Log user in with answers[n]; s and lg tell what happened. */
int run(struct fixture *f, const char *user, const struct answer *answers,
	size_t n, struct script *s, struct bg_login *lg);
/* Check the audit log is `lines` lines of printable ASCII, the last one
 * with result and reason (NULL: none); keep it in f->ev and f->line. */
void expect_event(struct fixture *f, size_t lines, const char *result,
		  const char *reason);

/* test_login_hostile.c: hostile answers refused, unechoed. */
void test_login_hostile_answers_are_refused_unechoed(void **state);

#endif
