/* Tests for pam_breakglass.so's two-person rule through the real PAM
 * stack: an approver's code, and each way an approval is refused. */
#include "config.h"

#include <grp.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "pam_harness.h"
#include "test_pam.h"

/* alice's code and a code of approver p, both of now. */
static void codes_of(const struct person *p, char mine[16], char theirs[16])
{
	time_t now = ph_fresh_now();

	ph_code_at(&ph_people[ALICE], now, mine);
	ph_code_at(p, now, theirs);
}

void test_approval_by_bob(void **state)
{
	char mine[16], theirs[16];
	struct talk t;

	(void)state;
	codes_of(&ph_people[BOB], mine, theirs);
	assert_int_equal(ph_login("alice", mine, "bob", theirs, &t), PAM_SUCCESS);
	ph_assert_last_auth("alice", "success", "");
	ph_assert_last_member("approver", "bob");
}

/* alice asks and name answers as approver with p's code of now (or a
 * wrong one): refused for reason, with message. */
static void approval_refused(const char *name, const struct person *p, bool wrong,
			     const char *reason, const char *message)
{
	char mine[16], theirs[16];
	struct talk t;

	codes_of(p, mine, theirs);
	if (wrong)
		ph_wrong_code(p, time(NULL), theirs);
	ph_assert_refused("alice", reason, ph_login("alice", mine, name, theirs, &t), &t, message);
}

void test_approval_empty_answer(void **state)
{
	(void)state;
	approval_refused("", &ph_people[BOB], false, "bad_approver_input",
			 "approver's name must not be empty");
}

void test_approval_self(void **state)
{
	(void)state;
	approval_refused("alice", &ph_people[ALICE], false, "self_approval",
			 "cannot approve your own");
}

void test_approval_not_an_approver(void **state)
{
	(void)state;
	approval_refused("dave", &ph_people[DAVE], false, "not_an_approver", "not an approver");
}

void test_approval_wrong_code(void **state)
{
	(void)state;
	approval_refused("bob", &ph_people[BOB], true, "bad_approver_code", "Approval failed");
}

void test_approval_code_replayed(void **state)
{
	char mine[16], theirs[16], daves[16];
	struct talk t;

	(void)state;
	codes_of(&ph_people[BOB], mine, theirs);
	ph_code_at(&ph_people[DAVE], time(NULL), daves);
	assert_int_equal(ph_login("alice", mine, "bob", theirs, &t), PAM_SUCCESS);
	ph_assert_refused("dave", "approver_code_reused",
			  ph_login("dave", daves, "bob", theirs, &t), &t, "Approval failed");
}

/* %group: the running user approves through their primary group. */
void test_approval_through_group(void **state)
{
	const char *me = ph_people[ME].name;
	struct group *gr = getgrgid(getegid());
	char extra[512], mine[16], theirs[16];
	struct talk t;

	(void)state;
	assert_non_null(gr);
	assert_int_equal(bg_snprintf(extra, sizeof(extra),
				     "\"auth\": {" LOCKOUT(100, 900) APPROVAL("\"%%%s\"") "}",
				     gr->gr_name), BG_OK);
	ph_reconfigure(extra);
	codes_of(&ph_people[ME], mine, theirs);
	assert_int_equal(ph_login("alice", mine, me, theirs, &t), PAM_SUCCESS);
	ph_assert_last_member("approver", me);
	/* bob is not in that group (nor in /etc/passwd); dave asks, as
	 * alice's code of this step is spent. */
	ph_code_at(&ph_people[DAVE], time(NULL), mine);
	ph_code_at(&ph_people[BOB], time(NULL), theirs);
	ph_assert_refused("dave", "not_an_approver", ph_login("dave", mine, "bob", theirs, &t),
			  &t, "not an approver");
}
