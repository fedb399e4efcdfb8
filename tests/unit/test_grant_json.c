/* Tests for the one grant serializer (lib/evidence/grant.c): the bytes of
 * the grant file and of the recorder's meta event, members left out or
 * refused. */
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
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/evidence/grant.h"
#include "helpers.h"
#include "test_grant.h"

#define HEAD "{\"version\":1,\"session\":\"" ID "\",\"user\":\"alice\",\"uid\":1000," \
	"\"ticket\":\"INC-4711\",\"justification\":"
#define TAIL "\"start\":1700000000,\"expires\":1700003600}"
/* The justification, escaped to ASCII in the file and raw in the event. */
#define WHY_FILE "\"r\\u00E9paration \\\"db\\\"\","
#define WHY_META "\"r\xc3\xa9paration \\\"db\\\"\","
#define OPTIONALS "\"approver\":\"bob\",\"rhost\":\"192.0.2.7\",\"tty\":\"pts/3\"," \
	"\"mfa\":\"totp\","

static void grant(struct bg_grant *g, bool full)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->session, ID, sizeof(g->session));
	g->service = (char *)"sshd";
	g->user = (char *)"alice";
	g->uid = 1000;
	g->ticket = (char *)"INC-4711";
	g->justification = (char *)"r\xc3\xa9paration \"db\"";
	g->approver = full ? (char *)"bob" : NULL;
	g->rhost = full ? (char *)"192.0.2.7" : NULL;
	g->tty = full ? (char *)"pts/3" : NULL;
	g->mfa = full ? (char *)"totp" : NULL;
	g->start = 1700000000;
	g->expires = 1700003600;
}

static void expect_json(const struct bg_grant *g, enum bg_grant_form form, const char *want)
{
	char *got = (char *)1;

	assert_int_equal(bg_grant_json(g, form, &got), BG_OK);
	assert_string_equal(got, want);
	free(got);
}

/* Today's bytes in both places: the file ASCII-only with every member,
 * the meta event UTF-8 with a false ticket_unverified left out; the PAM
 * service is in neither. */
void test_grant_json_bytes_of_both_forms(void **state)
{
	static const char *const want[2][2] = {
		{ HEAD WHY_FILE OPTIONALS "\"ticket_unverified\":false," TAIL,
		  "{\"grant\":" HEAD WHY_META OPTIONALS TAIL "}" },
		{ HEAD WHY_FILE OPTIONALS "\"ticket_unverified\":true," TAIL,
		  "{\"grant\":" HEAD WHY_META OPTIONALS "\"ticket_unverified\":true," TAIL "}" },
	};
	struct bg_grant g;
	int unverified;

	(void)state;
	grant(&g, true);
	for (unverified = 0; unverified < 2; unverified++) {
		g.ticket_unverified = unverified == 1;
		expect_json(&g, BG_GRANT_FILE, want[unverified][0]);
		expect_json(&g, BG_GRANT_META, want[unverified][1]);
	}
}

/* The login process is in the file after the other members, never in
 * the meta event (the transcript's bytes stay as they were). */
void test_grant_json_login_process_file_only(void **state)
{
	struct bg_grant g;

	(void)state;
	grant(&g, true);
	g.login_pid = 4242;
	g.login_start = 9876543210ULL;
	expect_json(&g, BG_GRANT_FILE, HEAD WHY_FILE OPTIONALS "\"ticket_unverified\":false,"
		    "\"start\":1700000000,\"expires\":1700003600,"
		    "\"login_pid\":4242,\"login_start\":9876543210}");
	expect_json(&g, BG_GRANT_META, "{\"grant\":" HEAD WHY_META OPTIONALS TAIL "}");
}

/* Unknown approver, rhost, tty and mfa are left out, not null. */
void test_grant_json_leaves_out_missing_optionals(void **state)
{
	struct bg_grant g;

	(void)state;
	grant(&g, false);
	expect_json(&g, BG_GRANT_FILE, HEAD WHY_FILE "\"ticket_unverified\":false," TAIL);
	expect_json(&g, BG_GRANT_META, "{\"grant\":" HEAD WHY_META TAIL "}");
}

/* What bg_grant_write puts on disk is the file form, byte for byte. */
void test_grant_json_is_what_the_file_holds(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], *want, *disk;
	struct bg_grant g;
	size_t len;

	grant(&g, true);
	assert_int_equal(bg_grant_write(f->dir, &g, (gid_t)-1), BG_OK);
	assert_true(snprintf(path, sizeof(path), "%s/%s.json", f->dir, ID) < (int)sizeof(path));
	assert_non_null(disk = th_slurp(path, &len));
	assert_int_equal(bg_grant_json(&g, BG_GRANT_FILE, &want), BG_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(disk, want, len);
	free(want);
	free(disk);
}

/* A grant without who or why, or with a string that is not UTF-8, is
 * written in neither form, and nothing is handed out. */
void test_grant_json_refuses_missing_or_bad_members(void **state)
{
	static const enum bg_grant_form forms[] = { BG_GRANT_FILE, BG_GRANT_META };
	char bad[] = "bad\xff";
	struct bg_grant g;
	char *out;
	size_t i, f;

	(void)state;
	for (i = 0; i < 6; i++) {
		for (f = 0; f < 2; f++) {
			grant(&g, true);
			if (i == 0)
				g.user = NULL;
			else if (i == 1)
				g.ticket = NULL;
			else if (i == 2)
				g.justification = NULL;
			else if (i == 3)
				g.user = bad;
			else if (i == 4)
				g.rhost = bad;
			else
				g.mfa = bad;
			out = (char *)1;
			print_message("case %zu, form %zu\n", i, f);
			assert_int_equal(bg_grant_json(&g, forms[f], &out), BG_EINVAL);
			assert_null(out);
		}
	}
}
