/* What the two files of test_pam_sshd share: sshd's side of the PAM
 * conversation, and logins and sessions as sshd's processes run them. */
#ifndef BREAKGLASS_TESTS_TEST_PAM_SSHD_H
#define BREAKGLASS_TESTS_TEST_PAM_SSHD_H

#include <limits.h>
#include <stddef.h>

#include <security/pam_appl.h>

#include "breakglass/evidence/grant.h"

/* sshd's side of a conversation: answers to the prompts in order, and
 * the messages shown. */
struct answers {
	const char *v[4];
	size_t next;
	char shown[2048];
};

/* me's token from a fresh login in a child. */
void child_token(char token[64]);
/* Account and session for user with token: both refused. */
void assert_token_refused(const char *user, const char *token);
/* Account and session for me with token: both pass, the session id is
 * in id, and the token no longer in the PAM environment. */
pam_handle_t *open_with(const char *token, char id[BG_SESSION_ID_LEN + 1],
			struct answers *a);
/* Close the session and end the handle, both successfully. */
void close_and_end(pam_handle_t *ph);
/* run_dir/auth, as the module makes it, into dir. */
void make_auth_dir(char dir[PATH_MAX]);

/* test_pam_sshd_tokens.c: tokens that open nothing. */
void test_forged_token_refused(void **state);
void test_malformed_tokens_refused(void **state);
void test_token_of_another_user_refused(void **state);
void test_token_used_twice_refused(void **state);
void test_stale_or_unsafe_remembered_login_refused(void **state);

#endif
