/* Tests for reading grant files (lib/grant.c) that are malformed,
 * hostile, too large, unsafe or someone else's. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/evidence/grant.h"
#include "helpers.h"
#include "test_grant.h"

#define OTHER_ID "fedcba9876543210fedcba9876543210"

/* Members of a valid grant file, to build hostile ones from. */
#define M_V "\"version\":1"
#define M_S "\"session\":\"" ID "\""
#define M_U "\"user\":\"alice\""
#define M_UID "\"uid\":1000"
#define M_T "\"ticket\":\"INC-1\""
#define M_J "\"justification\":\"db down\""
#define M_ST "\"start\":100"
#define M_EX "\"expires\":200"
#define M_LP "\"login_pid\":4242"
#define M_LS "\"login_start\":123456"
#define M_TAIL M_T "," M_J "," M_ST "," M_EX
#define VALID "{" M_V "," M_S "," M_U "," M_UID "," M_TAIL "}"
/* A valid grant with one member changed or added after the others. */
#define WITH(m) "{" M_V "," M_S "," M_U "," M_UID "," M_TAIL "," m "}"

enum kind { PLAIN, SYMLINK, HUGE, DIRECTORY };

#define TEXT(s) s, sizeof(s) - 1
/* A malformed grant in a file that is itself fine. */
#define BAD(name, s) { name, TEXT(s), 0640, PLAIN, BG_EINVAL }
/* A valid grant with member m replaced by r (a "," to drop it). */
#define NO_V "{" M_S "," M_U "," M_UID "," M_TAIL "}"
#define NO_S(r) "{" M_V r M_U "," M_UID "," M_TAIL "}"
#define NO_U(r) "{" M_V "," M_S r M_UID "," M_TAIL "}"
#define NO_UID(r) "{" M_V "," M_S "," M_U r M_TAIL "}"
#define NO_T(r) "{" M_V "," M_S "," M_U "," M_UID r M_J "," M_ST "," M_EX "}"
#define NO_J(r) "{" M_V "," M_S "," M_U "," M_UID "," M_T r M_ST "," M_EX "}"
#define NO_TIMES(r) "{" M_V "," M_S "," M_U "," M_UID "," M_T "," M_J r "}"

static const struct hostile {
	const char *name;
	const char *text;
	size_t len;
	mode_t mode;
	enum kind kind;
	int expect;
} hostile[] = {
	{ "valid 0640 (control)", TEXT(VALID), 0640, PLAIN, BG_OK },
	{ "valid 0600 (control)", TEXT(VALID), 0600, PLAIN, BG_OK },
	BAD("not JSON", "grant alice until tomorrow"),
	BAD("empty file", ""),
	BAD("truncated", "{" M_V "," M_S "," M_U ",\"uid\":10"),
	BAD("NUL byte in a string", NO_U(",\"user\":\"ali\0ce\",")),
	BAD("NUL byte after the object", VALID "\0"),
	BAD("escaped NUL", WITH("\"tty\":\"pts\\u0000x\"")),
	BAD("invalid UTF-8", WITH("\"rhost\":\"h\xff\xfe\"")),
	BAD("overlong UTF-8 slash", WITH("\"tty\":\"\xc0\xaf\"")),
	BAD("trailing garbage", VALID " x"),
	BAD("top-level array", "[" VALID "]"),
	BAD("unknown extra key", WITH("\"shell\":\"/bin/sh\"")),
	BAD("duplicate key", WITH("\"user\":\"root\"")),
	BAD("no version", NO_V),
	BAD("no session", NO_S(",")),
	BAD("no user", NO_U(",")),
	BAD("no uid", NO_UID(",")),
	BAD("no ticket", NO_T(",")),
	BAD("no justification", NO_J(",")),
	BAD("no start", NO_TIMES("," M_EX)),
	BAD("no expires", NO_TIMES("," M_ST)),
	BAD("uid as string", NO_UID(",\"uid\":\"1000\",")),
	BAD("start as real", NO_TIMES(",\"start\":100.0," M_EX)),
	BAD("approver null", WITH("\"approver\":null")),
	BAD("approver a number", WITH("\"approver\":7")),
	BAD("version 2", "{\"version\":2," M_S "," M_U "," M_UID "," M_TAIL "}"),
	BAD("version as string", "{\"version\":\"1\"," M_S "," M_U "," M_UID "," M_TAIL "}"),
	BAD("session of another file", NO_S(",\"session\":\"" OTHER_ID "\",")),
	BAD("negative uid", NO_UID(",\"uid\":-1,")),
	BAD("uid beyond INT_MAX", NO_UID(",\"uid\":4294967296,")),
	BAD("negative start", NO_TIMES(",\"start\":-5,\"expires\":10")),
	BAD("expires before start", NO_TIMES(",\"start\":200,\"expires\":199")),
	BAD("escape sequence in ticket", NO_T(",\"ticket\":\"\\u001b[2J\",")),
	BAD("control character in user", NO_U(",\"user\":\"al\\u0007ice\",")),
	BAD("newline in justification", NO_J(",\"justification\":\"a\\nb\",")),
	BAD("C1 CSI in tty", WITH("\"tty\":\"\\u009b2J\"")),
	{ "login process (control)", TEXT(WITH(M_LP "," M_LS)), 0640, PLAIN, BG_OK },
	BAD("login_pid without login_start", WITH(M_LP)),
	BAD("login_start without login_pid", WITH(M_LS)),
	BAD("login_pid 0", WITH("\"login_pid\":0," M_LS)),
	BAD("negative login_pid", WITH("\"login_pid\":-1," M_LS)),
	BAD("login_pid beyond INT_MAX", WITH("\"login_pid\":2147483648," M_LS)),
	BAD("login_pid as string", WITH("\"login_pid\":\"4242\"," M_LS)),
	BAD("negative login_start", WITH(M_LP ",\"login_start\":-2")),
	BAD("login_start as real", WITH(M_LP ",\"login_start\":1.5")),
	BAD("login_pid null", WITH("\"login_pid\":null," M_LS)),
	{ "huge file", NULL, 0, 0640, HUGE, BG_ETOOBIG },
	{ "group-writable file", TEXT(VALID), 0660, PLAIN, BG_EUNSAFE },
	{ "world-writable file", TEXT(VALID), 0602, PLAIN, BG_EUNSAFE },
	{ "symlink to a valid grant", TEXT(VALID), 0640, SYMLINK, BG_EUNSAFE },
	{ "directory", NULL, 0, 0750, DIRECTORY, BG_EUNSAFE },
};

/* A valid grant of more than 64 KiB, so size alone is what is wrong. */
static char *huge_text(size_t pad, size_t *len)
{
	static const char head[] = "{" M_V "," M_S "," M_U "," M_UID "," M_T "," M_ST "," M_EX
				   ",\"justification\":\"";
	char *t = malloc(sizeof(head) + pad + 2);

	assert_non_null(t);
	memcpy(t, head, sizeof(head) - 1);
	memset(t + sizeof(head) - 1, 'a', pad);
	memcpy(t + sizeof(head) - 1 + pad, "\"}", 2);
	*len = sizeof(head) - 1 + pad + 2;
	return t;
}

static void plant(const char *dir, const struct hostile *h)
{
	char path[PATH_MAX], *p = NULL, *huge;
	size_t len;

	assert_true(snprintf(path, sizeof(path), "%s/%s.json", dir, ID) < (int)sizeof(path));
	switch (h->kind) {
	case PLAIN:
		p = th_write(dir, ID ".json", h->text, h->len, h->mode);
		break;
	case HUGE:
		huge = huge_text(70 * 1024, &len);
		p = th_write(dir, ID ".json", huge, len, h->mode);
		free(huge);
		break;
	case SYMLINK:
		p = th_write(dir, "real.json", h->text, h->len, h->mode);
		assert_int_equal(symlink(p, path), 0);
		break;
	case DIRECTORY:
		assert_int_equal(mkdir(path, h->mode), 0);
		break;
	}
	free(p);
}

void test_grant_read_hostile_files(void **state)
{
	struct fixture *f = *state;
	struct bg_grant *got;
	char path[PATH_MAX];
	size_t i;
	int r;

	assert_true(snprintf(path, sizeof(path), "%s/%s.json", f->dir, ID) < (int)sizeof(path));
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		print_message("grant file: %s\n", hostile[i].name);
		plant(f->dir, &hostile[i]);
		got = (struct bg_grant *)1;
		r = bg_grant_read(f->dir, ID, geteuid(), &got);
		assert_int_equal(r, hostile[i].expect);
		if (r == BG_OK) {
			assert_string_equal(got->session, ID);
			assert_string_equal(got->user, "alice");
			assert_null(got->approver);
		} else {
			assert_null(got);
		}
		bg_grant_free(got);
		if (hostile[i].kind == DIRECTORY)
			assert_int_equal(rmdir(path), 0);
		else
			assert_int_equal(unlink(path), 0);
	}
}

void test_grant_large_under_limit_accepted(void **state)
{
	struct fixture *f = *state;
	struct bg_grant *got;
	size_t len;
	char *t = huge_text(60 * 1024, &len);
	char *p = th_write(f->dir, ID ".json", t, len, 0640);

	assert_int_equal(bg_grant_read(f->dir, ID, geteuid(), &got), BG_OK);
	assert_int_equal(strlen(got->justification), 60 * 1024);
	bg_grant_free(got);
	free(t);
	free(p);
}

void test_grant_foreign_owner_refused_as_root(void **state)
{
	struct fixture *f = *state;
	struct bg_grant *got;
	char *p;

	if (geteuid() != 0) {
		print_message("not root: cannot give a file away, skipped\n");
		skip();
	}
	p = th_write(f->dir, ID ".json", VALID, strlen(VALID), 0640);
	assert_int_equal(chown(p, 65534, other_gid()), 0);
	assert_int_equal(bg_grant_read(f->dir, ID, 0, &got), BG_EUNSAFE);
	assert_null(got);
	/* The same file is fine for the account it belongs to. */
	assert_int_equal(bg_grant_read(f->dir, ID, 65534, &got), BG_OK);
	bg_grant_free(got);
	free(p);
}
