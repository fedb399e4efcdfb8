# account.sh: the breakglass account for the root scripts that need it
# (tests/root/*.sh and bench/rec.sh); sourced by each.
# shellcheck shell=sh disable=SC2034 # CREATED_ACCOUNT is the caller's

# account_take: wait until no other such script holds the account (a lock
# kept until this shell exits: each removes the account it added, which
# would pull it from under the other's recorder), then add it if it is
# missing (CREATED_ACCOUNT=1: the caller removes it at exit).  Non-zero
# with the reason in REPLY.
account_take() {
	_lock=/run/lock
	[ -d "$_lock" ] || _lock=/tmp
	{ exec 9> "$_lock/breakglass-account.lock" && flock 9; } ||
		{ REPLY="cannot take $_lock/breakglass-account.lock"; return 1; }
	id breakglass > /dev/null 2>&1 && return 0
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin breakglass ||
		{ REPLY="cannot add the breakglass account"; return 1; }
	CREATED_ACCOUNT=1
}

# account_release: remove the account if account_take added it.
# Non-zero when userdel refuses (a process still runs as it).
account_release() {
	[ -n "$CREATED_ACCOUNT" ] || return 0
	userdel breakglass > /dev/null 2>&1 || return 1
	CREATED_ACCOUNT=
}
