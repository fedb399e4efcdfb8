/* Tests for pam_breakglass.so's hand-over from sshd's authenticating
 * child to its session process: forged, malformed, foreign, spent, stale
 * or unsafe tokens open no session, and refusals do not spend the token. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/grant.h"
#include "helpers.h"
#include "pam_harness.h"
#include "test_pam_sshd.h"

#define HEX31 "0123456789abcdef0123456789abcde"
/* A remembered login as lib/grant.c writes it: session, user, uid, start
 * and expiry to fill in. */
#define REMEMBERED "{\"version\":1,\"session\":\"%s\",\"user\":\"%s\",\"uid\":%ld," \
	"\"ticket\":\"" TICKET "\",\"justification\":\"" WHY "\",\"mfa\":\"totp\"," \
	"\"ticket_unverified\":false,\"start\":%lld,\"expires\":%lld}"

/* A random token is not the one the login left: the real one still works. */
void test_forged_token_refused(void **state)
{
	char token[64], forged[BG_SESSION_ID_LEN + 1], id[BG_SESSION_ID_LEN + 1];
	struct answers a;

	(void)state;
	child_token(token);
	assert_int_equal(bg_grant_new_id(forged), BG_OK);
	assert_token_refused(ph_people[ME].name, forged);
	assert_true(ph_logged("no break-glass authentication"));
	assert_int_equal(ph_count_grants(), 0);
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 0);
	close_and_end(open_with(token, id, &a));
}

/* A remembered login in dir/name for me whose session member is token. */
static void plant(const char *dir, const char *name, const char *token)
{
	char text[1024], *path;
	time_t now = time(NULL);

	assert_int_equal(bg_snprintf(text, sizeof(text), REMEMBERED, token, ph_people[ME].name,
				     (long)geteuid(), (long long)now, (long long)now + 60), BG_OK);
	path = th_write(dir, name, text, strlen(text), 0600);
	free(path);
}

/* Each token names a file planted where it points, which a module that
 * took the token as a file name would accept. */
void test_malformed_tokens_refused(void **state)
{
	static const char *const rows[][2] = {
		{ "../x", "../x.json" },
		{ HEX31, HEX31 ".json" },
		{ HEX31 "0f", HEX31 "0f.json" },
		{ "", ".json" },
		{ "0123456789ABCDEF0123456789ABCDEF", "0123456789ABCDEF0123456789ABCDEF.json" },
		{ HEX31 "/", HEX31 "/.json" },
	};
	char dir[PATH_MAX], id[BG_SESSION_ID_LEN + 1], sub[PATH_MAX];
	struct answers a;
	size_t i;

	(void)state;
	make_auth_dir(dir);
	assert_int_equal(bg_snprintf(sub, sizeof(sub), "%s/" HEX31, dir), BG_OK);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (i = 0; i < N_ELEMS(rows); i++) {
		print_message("token \"%s\"\n", rows[i][0]);
		plant(dir, rows[i][1], rows[i][0]);
		assert_token_refused(ph_people[ME].name, rows[i][0]);
	}
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 0);
	/* The same file under a well-formed name opens the session. */
	plant(dir, HEX31 "0.json", HEX31 "0");
	close_and_end(open_with(HEX31 "0", id, &a));
}

/* The login was me's: another name in the parent gets nothing from it. */
void test_token_of_another_user_refused(void **state)
{
	char token[64], id[BG_SESSION_ID_LEN + 1];
	struct answers a;

	(void)state;
	child_token(token);
	assert_token_refused("alice", token);
	assert_token_refused("nobody", token);
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 0);
	/* Refusals do not spend it: the right user's session opens. */
	close_and_end(open_with(token, id, &a));
}

void test_token_used_twice_refused(void **state)
{
	char token[64], id[BG_SESSION_ID_LEN + 1];
	struct answers a;
	pam_handle_t *first;

	(void)state;
	child_token(token);
	first = open_with(token, id, &a);
	assert_token_refused(ph_people[ME].name, token);
	assert_int_equal(ph_count_grants(), 1);
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 1);
	close_and_end(first);
}

/* Remembered logins written as the module writes them, then aged or
 * opened up: only the row as the module left it is accepted. */
void test_stale_or_unsafe_remembered_login_refused(void **state)
{
	static const struct {
		long start, expires;    /* seconds from now */
		mode_t mode;
		bool ok;
	} rows[] = {
		{ -900, -600, 0640, false },    /* expired */
		{ -400, -1, 0640, false },      /* just expired */
		{ 60, 360, 0640, false },       /* not yet valid */
		{ 0, 300, 0660, false },        /* group-writable */
		{ 0, 300, 0642, false },        /* writable by others */
		{ 0, 300, 0640, true },
	};
	char dir[PATH_MAX], path[PATH_MAX], id[BG_SESSION_ID_LEN + 1];
	struct bg_grant g;
	struct answers a;
	time_t now = time(NULL);
	size_t i;

	(void)state;
	make_auth_dir(dir);
	for (i = 0; i < N_ELEMS(rows); i++) {
		memset(&g, 0, sizeof(g));
		assert_int_equal(bg_grant_new_id(g.session), BG_OK);
		g.user = (char *)ph_people[ME].name;
		g.uid = (long)geteuid();
		g.ticket = (char *)TICKET;
		g.justification = (char *)WHY;
		g.mfa = (char *)"totp";
		g.start = now + rows[i].start;
		g.expires = now + rows[i].expires;
		assert_int_equal(bg_grant_write(dir, &g, (gid_t)-1), BG_OK);
		assert_int_equal(bg_snprintf(path, sizeof(path), "%s/%s.json", dir, g.session),
				 BG_OK);
		assert_int_equal(chmod(path, rows[i].mode), 0);
		print_message("row %zu\n", i);
		if (rows[i].ok)
			close_and_end(open_with(g.session, id, &a));
		else
			assert_token_refused(ph_people[ME].name, g.session);
	}
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 1);
}
