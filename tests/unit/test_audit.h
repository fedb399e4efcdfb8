/* What test_audit and test_auditverify share (test_audit_fixture.c): the
 * fixture, a log read back by lines, and the checks of the verifier. */
#ifndef BREAKGLASS_TESTS_TEST_AUDIT_H
#define BREAKGLASS_TESTS_TEST_AUDIT_H

#include <limits.h>
#include <stddef.h>

#include "breakglass/audit/audit.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ZEROS63 "000000000000000000000000000000000000000000000000000000000000000"
#define ZEROS "0" ZEROS63

struct fixture {
	char *dir;
	char logdir[PATH_MAX], log[PATH_MAX], tmp[PATH_MAX];
	struct bg_config *cfg;
};

/* A whole file, NUL-terminated, and where each of its lines starts. */
struct text {
	char *data;
	size_t len, n, start[64];       /* start[n] == len */
};

int audit_setup(void **state);
int audit_teardown(void **state);
/* An event of alice's with this uid; n of them appended from first_uid. */
struct bg_audit_event event_for(long uid);
void append_n(struct fixture *f, long first_uid, int n);
/* Read the file at path into t. */
void read_text(const char *path, struct text *t);
/* verify on path gives bad line want, or, with want 0, want_lines intact;
 * and, unless why_want is NULL, that reason. */
void expect(const char *label, const char *path, size_t want,
	    size_t want_lines, const char *why_want);
/* The next character of the same kind (digit, hex letter, letter). */
char bump(char c);

/* test_audit_file.c: the log's directory and file, concurrent writers. */
void test_audit_fifty_processes_append_at_once(void **state);
void test_audit_creates_private_dir_and_file(void **state);
void test_audit_refuses_bad_places(void **state);
void test_audit_append_refuses_corrupt_tail(void **state);

#endif
