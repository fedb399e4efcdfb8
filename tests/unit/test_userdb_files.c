/* Tests for loading enrollment records (lib/userdb.c) from hostile
 * files, and from files or directories that are not safe to trust. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/base/buf.h"
#include "breakglass/config/conf.h"
#include "breakglass/login/userdb.h"
#include "helpers.h"
#include "test_userdb.h"

#define KEY "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define NULLS9 "null,null,null,null,null,null,null,null,null"
#define V1 "1"
#define U "\"alice\""
#define C "\"2024-01-02T03:04:05Z\""
#define K "\"" KEY "\""
#define H9 "\"@H@\"," NULLS9
/* A record with one field replaced; @H@ stands for a real hash. */
#define REC(ver, user, created, key, codes, extra)				\
	"{\"version\":" ver ",\"user\":" user ",\"created\":" created		\
	",\"totp_key\":" key ",\"recovery_codes\":[" codes "]" extra "}"
#define GOOD REC(V1, U, C, K, H9, "")

/* tmpl with @H@ replaced by hash and @M@ by hash with other parameters. */
static char *expand(const char *tmpl, const char *hash, size_t *len)
{
	struct bg_buf b, other;
	const char *p;
	int r = BG_OK;

	bg_buf_init(&b, 1 << 20);
	bg_buf_init(&other, 1024);
	p = strstr(hash, "m=16384,");
	assert_non_null(p);
	assert_int_equal(bg_buf_append(&other, hash, (size_t)(p - hash)), BG_OK);
	assert_int_equal(bg_buf_appendf(&other, "m=4194304,%s", p + 8), BG_OK);
	while (r == BG_OK && *tmpl != '\0') {
		if (strncmp(tmpl, "@H@", 3) == 0 || strncmp(tmpl, "@M@", 3) == 0) {
			p = tmpl[1] == 'H' ? hash : bg_buf_str(&other);
			r = bg_buf_append(&b, p, strlen(p));
			tmpl += 3;
		} else {
			r = bg_buf_append(&b, tmpl++, 1);
		}
	}
	assert_int_equal(r, BG_OK);
	bg_buf_free(&other);
	*len = b.len;
	return b.data;
}

static void expect_load(struct fixture *f, const char *name, const void *text,
			size_t len, mode_t mode, int expect)
{
	struct bg_user *u = (struct bg_user *)1;
	char *p;

	print_message("case: %s\n", name);
	p = th_write(f->users, "alice.json", text, len, mode);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &u), expect);
	if (expect == BG_OK)
		bg_userdb_free(u);
	else
		assert_null(u);
	free(p);
}

void test_userdb_hostile_files(void **state)
{
	static const struct { const char *name, *text; size_t len; int expect; } cases[] = {
		{ "valid", GOOD, 0, BG_OK },
		{ "all codes used", REC(V1, U, C, K, "null," NULLS9, ""), 0, BG_OK },
		{ "empty", "", 0, BG_EINVAL },
		{ "truncated", "{\"version\":1,\"user\":\"alice\",\"totp_key\":\"GEZ", 0, BG_EINVAL },
		{ "NUL byte", "{\"version\":1,\0\"user\":\"alice\"}", 29, BG_EINVAL },
		{ "escaped NUL", REC(V1, "\"al\\u0000ice\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "invalid UTF-8", REC(V1, "\"al\xff" "ce\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "byte order mark", "\xef\xbb\xbf" GOOD, 0, BG_EINVAL },
		{ "trailing garbage", GOOD " x", 0, BG_EINVAL },
		{ "top-level array", "[" GOOD "]", 0, BG_EINVAL },
		{ "top-level string", "\"alice\"", 0, BG_EINVAL },
		{ "extra key", REC(V1, U, C, K, H9, ",\"admin\":true"), 0, BG_EINVAL },
		{ "renamed key", "{\"version\":1,\"user\":\"alice\",\"Created\":" C
		  ",\"totp_key\":" K ",\"recovery_codes\":[" H9 "]}", 0, BG_EINVAL },
		{ "duplicate key", REC(V1, U, C, K, H9, ",\"user\":\"alice\""), 0, BG_EINVAL },
		{ "missing key", "{\"version\":1,\"user\":\"alice\",\"totp_key\":" K
		  ",\"recovery_codes\":[" H9 "]}", 0, BG_EINVAL },
		{ "version 2", REC("2", U, C, K, H9, ""), 0, BG_EINVAL },
		{ "version string", REC("\"1\"", U, C, K, H9, ""), 0, BG_EINVAL },
		{ "version real", REC("1.0", U, C, K, H9, ""), 0, BG_EINVAL },
		{ "other user", REC(V1, "\"bob\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "user case", REC(V1, "\"ALICE\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "user number", REC(V1, "5", C, K, H9, ""), 0, BG_EINVAL },
		{ "created 30 February", REC(V1, U, "\"2024-02-30T00:00:00Z\"", K, H9, ""), 0, BG_EINVAL },
		{ "created hour 24", REC(V1, U, "\"2024-01-02T24:00:00Z\"", K, H9, ""), 0, BG_EINVAL },
		{ "created with offset", REC(V1, U, "\"2024-01-02T03:04:05+01:00\"", K, H9, ""), 0, BG_EINVAL },
		{ "created with space", REC(V1, U, "\"2024-01-02 03:04:05Z\"", K, H9, ""), 0, BG_EINVAL },
		{ "created number", REC(V1, U, "1704164645", K, H9, ""), 0, BG_EINVAL },
		{ "key short", REC(V1, U, C, "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ\"", H9, ""), 0, BG_EINVAL },
		{ "key long", REC(V1, U, C, "\"" KEY "GEZDGNBV\"", H9, ""), 0, BG_EINVAL },
		{ "key padded", REC(V1, U, C, "\"" KEY "====\"", H9, ""), 0, BG_EINVAL },
		{ "key lower case", REC(V1, U, C, "\"gezdgnbvgy3tqojqgezdgnbvgy3tqojq\"", H9, ""), 0, BG_EINVAL },
		{ "key not base32", REC(V1, U, C, "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1\"", H9, ""), 0, BG_EINVAL },
		{ "key with space", REC(V1, U, C, "\"GEZDGNBV GY3TQOJQGEZDGNBVGY3TQOJ\"", H9, ""), 0, BG_EINVAL },
		{ "key number", REC(V1, U, C, "12345", H9, ""), 0, BG_EINVAL },
		{ "9 codes", REC(V1, U, C, K, NULLS9, ""), 0, BG_EINVAL },
		{ "11 codes", REC(V1, U, C, K, "null,null," NULLS9, ""), 0, BG_EINVAL },
		{ "codes object", "{\"version\":1,\"user\":\"alice\",\"created\":" C
		  ",\"totp_key\":" K ",\"recovery_codes\":{}}", 0, BG_EINVAL },
		{ "code argon2i", REC(V1, U, C, K, "\"$argon2i$v=19$m=16384,t=2,p=1$"
		  "c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g\","
		  NULLS9, ""), 0, BG_EINVAL },
		{ "code garbage", REC(V1, U, C, K, "\"$argon2id$garbage\"," NULLS9, ""), 0, BG_EINVAL },
		{ "code costly", REC(V1, U, C, K, "\"@M@\"," NULLS9, ""), 0, BG_EINVAL },
		{ "code empty", REC(V1, U, C, K, "\"\"," NULLS9, ""), 0, BG_EINVAL },
		{ "code number", REC(V1, U, C, K, "5," NULLS9, ""), 0, BG_EINVAL },
		{ "code false", REC(V1, U, C, K, "false," NULLS9, ""), 0, BG_EINVAL },
	};
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_user *real;
	struct bg_buf big;
	char *text;
	size_t i, len;

	/* A genuine hash, so that only the case's defect can be refused. */
	assert_int_equal(bg_userdb_new("alice", &real, &codes), BG_OK);
	assert_int_equal(mkdir(f->users, 0700), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].len != 0) {
			expect_load(f, cases[i].name, cases[i].text, cases[i].len,
				    0600, cases[i].expect);
			continue;
		}
		text = expand(cases[i].text, real->recovery[0], &len);
		expect_load(f, cases[i].name, text, len, 0600, cases[i].expect);
		free(text);
	}
	bg_buf_init(&big, 1 << 20);
	for (i = 0; i < 3000; i++)      /* deeper than jansson's 2048 */
		assert_int_equal(bg_buf_append(&big, "[", 1), BG_OK);
	expect_load(f, "deep nesting", big.data, big.len, 0600, BG_EINVAL);
	bg_buf_reset(&big);
	text = expand(GOOD, real->recovery[0], &len);
	assert_int_equal(bg_buf_append(&big, text, len - 1), BG_OK);
	for (i = 0; i < 70000; i++)
		assert_int_equal(bg_buf_append(&big, " ", 1), BG_OK);
	assert_int_equal(bg_buf_append(&big, "}", 1), BG_OK);
	expect_load(f, "huge", big.data, big.len, 0600, BG_EINVAL);
	free(text);
	bg_buf_free(&big);
	bg_userdb_free(real);
	bg_recovery_codes_free(&codes);
}

void test_userdb_unsafe_files(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	char path[PATH_MAX], other[PATH_MAX];
	struct bg_user *u, *back = NULL;

	u = enroll(f, &codes);
	assert_int_equal(bg_userdb_path(f->cfg, "alice", path, sizeof(path)), BG_OK);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(chmod(path, 0600), 0);
	/* Not ours: as root, give it away; otherwise trust someone else. */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 12345, 12345), 0);
		assert_int_equal(bg_userdb_load(f->cfg, "alice", 0, &back), BG_EUNSAFE);
		assert_int_equal(chown(path, 0, 0), 0);
	} else {
		assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid() + 1, &back),
				 BG_EUNSAFE);
	}
	assert_int_equal(chmod(f->users, 0770), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(chmod(f->users, 0700), 0);
	/* A symbolic link to a perfectly good record. */
	assert_true(snprintf(other, sizeof(other), "%s/real.json", f->dir) < (int)sizeof(other));
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_null(back);
	bg_userdb_free(u);
	bg_recovery_codes_free(&codes);
}
