/* Tests for writing the signed session manifest (lib/evidence/manifest.c):
 * round trips, the documented bytes, and what it refuses to write;
 * reading is test_manifestread's. */
#include "config.h"

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

#include <sodium.h>

#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/manifestread.h"
#include "helpers.h"
#include "test_manifest.h"

static void test_manifest_round_trip(void **state)
{
	static const struct { size_t n; const char *end; bool complete; } cases[] = {
		{ 0, NULL, false }, { NSEG, NULL, false }, { 0, "2024-03-01T00:00:01.5Z", false },
		{ NSEG, "2024-03-01T00:10:00Z", true }, { 1, "2024-03-01T00:00:00.123456789Z", true },
	};
	struct fixture *f = *state;
	struct bg_manifest *got;
	struct stat st;
	char *path = manifest_path(f);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->m.n_segments = cases[i].n;
		f->m.end = (char *)cases[i].end;
		f->m.complete = cases[i].complete;
		assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_OK);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why,
						  sizeof(f->why)), BG_OK);
		assert_string_equal(f->why, "");
		assert_same(&f->m, got);
		bg_manifest_free(got);
		/* Without a trusted key: the key it carries. */
		assert_int_equal(bg_manifestread_load(f->dir, NULL, &got, NULL, 0), BG_OK);
		assert_same(&f->m, got);
		bg_manifest_free(got);
	}
	free(path);
}

/* The exact text of FORMAT.md section 8, built here independently. */
static void test_manifest_file_has_the_documented_bytes(void **state)
{
	struct fixture *f = *state;
	char s[33], id[33], pk[65], h0[65], h1[65], want[2048], *path = manifest_path(f), *text;
	unsigned char msg[2048], sig[crypto_sign_BYTES];
	size_t len = 0, plen;

	f->m.n_segments = 2;
	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_OK);
	sodium_bin2hex(s, sizeof(s), f->m.session, 16);
	sodium_bin2hex(id, sizeof(id), f->host->pub.id, 16);
	sodium_bin2hex(pk, sizeof(pk), f->host->pub.pk, 32);
	sodium_bin2hex(h0, sizeof(h0), f->seg[0].hash, 32);
	sodium_bin2hex(h1, sizeof(h1), f->seg[1].hash, 32);
	plen = (size_t)snprintf(want, sizeof(want), "{\"version\":1,\"session\":\"%s\","
		"\"host\":\"bastion-1\",\"host_key_id\":\"%s\",\"host_public\":\"%s\","
		"\"user\":\"alice\",\"ticket\":\"INC-42 \\\"quoted\\\" \\\\ caf\\u00E9\","
		"\"start\":\"2024-02-29T23:59:59Z\",\"end\":null,\"complete\":false,\"segments\":["
		"{\"n\":0,\"hash\":\"%s\",\"bytes\":1000},{\"n\":1,\"hash\":\"%s\",\"bytes\":1007}]",
		s, id, pk, h0, h1);
	text = th_slurp(path, &len);
	assert_non_null(text);
	assert_int_equal(len, plen + TAIL_LEN);
	assert_memory_equal(text, want, plen);
	assert_memory_equal(text + plen, MARK, sizeof(MARK) - 1);
	assert_memory_equal(text + len - 2, "\"}", 2);
	assert_int_equal(sodium_hex2bin(sig, sizeof(sig), text + plen + sizeof(MARK) - 1,
					2 * sizeof(sig), NULL, NULL, NULL), 0);
	memcpy(msg, "BGMAN-v1", 8);
	memcpy(msg + 8, text, plen);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, 8 + plen, f->host->pub.pk), 0);
	msg[8 + 10] ^= 1;
	assert_int_not_equal(crypto_sign_verify_detached(sig, msg, 8 + plen, f->host->pub.pk), 0);
	free(text);
	free(path);
}

static void test_manifest_write_refuses_what_it_would_not_read(void **state)
{
	struct fixture *f = *state;
	struct bg_segment_info *many = calloc(12000, sizeof(*many));
	struct bg_manifest m = f->m;
	struct stat st;
	char *path = manifest_path(f);
	size_t i;

	assert_non_null(many);
	for (i = 0; i < 12000; i++)
		many[i].n = (uint32_t)i;
	m.n_segments = 2;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->other), BG_EINVAL);
	assert_int_equal(bg_manifest_write(f->dir, &m, NULL), BG_EINVAL);
	assert_int_equal(bg_manifest_write(NULL, &m, f->host), BG_EINVAL);
	m.complete = true;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.end = (char *)"2024-02-30T00:00:00Z";
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	m.user = (char *)"al\nice";
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.user = (char *)"al\xffice";       /* not UTF-8 */
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	m.host_public[0] ^= 1;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	m.n_segments = 3;
	m.segments = f->seg + 1;                /* starts at 1 */
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.segments = NULL;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.segments = many;
	many[0].bytes = (uint64_t)1 << 53;      /* beyond what JSON keeps exact */
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	many[0].bytes = 0;
	m.segments = many;
	m.n_segments = 12000;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_ETOOBIG);
	assert_int_equal(lstat(path, &st), -1);
	free(many);
	free(path);
}

/* Replace the first from in the file's text with to (same length). */
static void edit_file(struct fixture *f, const char *from, const char *to)
{
	char *path = manifest_path(f), *text, *at;
	size_t len = 0;

	assert_non_null(text = th_slurp(path, &len));
	assert_non_null(at = strstr(text, from));
	memcpy(at, to, strlen(to));
	put_file(f, text, len);
	free(text);
	free(path);
}

/* The command, when there is one, is the last signed member: its bytes
 * come back exactly, and changing or dropping it breaks the signature. */
static void test_manifest_command_round_trip_and_signed(void **state)
{
	struct fixture *f = *state;
	struct bg_command c[2];
	struct bg_manifest *got;
	char *big = malloc(1024 * 1024 + 1), *text, *at;
	const char *want = ",\"command\":[{\"source\":\"-c\",\"text\":\"echo hi; id\\u001B[2J\","
		"\"length\":15,\"truncated\":false},{\"source\":\"SSH_ORIGINAL_COMMAND\","
		"\"hex\":\"736370202d74202f746d702fff\",\"length\":13,\"truncated\":false}],"
		"\"signature\":\"";
	size_t len = 0, i;

	assert_non_null(big);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	assert_int_equal(bg_command_set(&c[0], BG_COMMAND_ARG, "echo hi; id\x1b[2J"), BG_OK);
	assert_int_equal(bg_command_set(&c[1], BG_COMMAND_SSH, "scp -t /tmp/\xff"), BG_OK);
	f->m.command = c;
	f->m.n_commands = 2;
	text = write_and_slurp(f, &len);
	assert_non_null(at = strstr(text, want));
	/* Right before the signature. */
	assert_int_equal((size_t)(at - text) + strlen(want), len - TAIL_LEN + sizeof(MARK) - 1);
	free(text);
	assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why,
					  sizeof(f->why)), BG_OK);
	assert_same(&f->m, got);
	bg_manifest_free(got);
	/* Changed after signing: refused. */
	edit_file(f, "echo hi", "echo HI");
	assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why,
					  sizeof(f->why)), BG_EINTEGRITY);
	assert_string_equal(f->why, "bad signature");
	free(write_and_slurp(f, &len));
	edit_file(f, "\"truncated\":false}", "\"truncated\":true }");
	assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why,
					  sizeof(f->why)), BG_EINTEGRITY);
	/* 1 MiB: the manifest keeps 64 KiB and says it was cut. */
	free(c[1].bytes);
	assert_int_equal(bg_command_set(&c[1], BG_COMMAND_SSH, big), BG_OK);
	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_OK);
	assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why,
					  sizeof(f->why)), BG_OK);
	assert_true(got->n_commands == 2 && got->command[1].len == BG_COMMAND_MAX &&
		    got->command[1].length == 1024 * 1024);
	bg_manifest_free(got);
	/* Nor written when a reader would refuse it. */
	c[1].source = BG_COMMAND_ARG;
	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_EINVAL);
	c[1].source = BG_COMMAND_SSH;
	c[1].bytes[5] = '\0';
	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_EINVAL);
	f->m.n_commands = 0;
	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_EINVAL);
	f->m.command = NULL;
	for (i = 0; i < 2; i++)
		free(c[i].bytes);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, manifest_setup, manifest_teardown)
		T(test_manifest_round_trip),
		T(test_manifest_file_has_the_documented_bytes),
		T(test_manifest_write_refuses_what_it_would_not_read),
		T(test_manifest_command_round_trip_and_signed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
