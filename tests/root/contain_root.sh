#!/bin/sh
# contain_root.sh: containment over a whole emergency login on the real
# sshd (Debian's, run on a loopback port with pam_wrapper loading its PAM
# service from a scratch folder), pam_breakglass.so and breakglass-rec as
# the user's login shell, all built with a scratch prefix and installed as
# a package would, the user driven by expect (contain_root.exp): the
# recorder, below sshd's PAM process, claims the grant; the session is
# contained in its cgroup; the user can neither signal the recorder nor
# claim the grant again; what the session left behind is killed; the
# transcript verifies.  Both set-ups: the recorder as login shell, then
# as ForceCommand.  Needs root and a writable cgroup2 mount; skipped
# otherwise.
#
# Environment (set by `make check`): TESTS_SRCDIR, TESTS_BUILDDIR.

LC_ALL=C
export LC_ALL
. "$TESTS_SRCDIR/common/lib.sh"
. "$TESTS_SRCDIR/common/account.sh"
. "$TESTS_SRCDIR/common/prefix.sh"
. "$TESTS_SRCDIR/common/users.sh"
. "$TESTS_SRCDIR/common/sshd.sh"

need_root
sshd_need
STATUS=$TESTS_BUILDDIR/../config.status
[ -x "$STATUS" ] || hard_error "no config.status beside $TESTS_BUILDDIR"

umask 022
U=
CREATED_ACCOUNT=
cleanup() {
	sshd_stop
	users_remove
	account_release
	scratch_cleanup
}
root_scratch
trap cleanup EXIT
P=$S/prefix
B=$S/build
ETC=$P/etc/breakglass
REC=$P/bin/breakglass-rec

prefix_build "$TESTS_SRCDIR/.." "$STATUS" "$B" "$P" recorder/breakglass-rec ctl/breakglassctl \
	replay/breakglass-replay pam/pam_breakglass.la || hard_error "$REPLY"
account_take || hard_error "$REPLY"
prefix_install "$B" "$P" "$S" || hard_error "$REPLY"
prefix_config "$P" '"flush_ms": 100' \
	'"auth": {"ticket_pattern": "^INC-[0-9]+$", "justification_min": 10}'

user_add bgc "$REC" -m
U=$REPLY
SECRET=$("$P/bin/breakglassctl" enroll "$U" 2> /dev/null |
	sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' | head -n 1)
[ -n "$SECRET" ] || hard_error "no TOTP secret from enroll"

sshd_prepare "$B/pam/.libs/pam_breakglass.so" "$ETC/breakglass.json"

# login MODE: one login through contain_root.exp and every check, each named
# contained-MODE-...
login() {
	mark=$(wc -l < "$P/var/log/audit.jsonl")
	BGT_PORT=$PORT BGT_USER=$U BGT_SECRET=$SECRET BGT_REC=$REC \
		expect -f "$TESTS_SRCDIR/root/contain_root.exp" > "$S/$1.out" 2>&1 < /dev/null
	RC=$?
	sleep 1
	tail -n "+$((mark + 1))" "$P/var/log/audit.jsonl" > "$S/$1.audit"
	SID=$(sed -n 's/.*"event":"session_open".*"session":"\([0-9a-f]*\)".*/\1/p' "$S/$1.audit" | head -n 1)
	# The terminal ends its lines with CR LF.
	OUT=$S/$1.txt
	tr -d '\r' < "$S/$1.out" > "$OUT"
	n=contained-$1

	why=
	[ "$RC" = 3 ] || why="$why expect exit $RC (the session's exit status 3 wanted);"
	[ -n "$SID" ] || why="$why no session_open event;"
	[ -z "$why" ] && pass "$n-login-recorded" || fail "$n-login-recorded" "$why $(show 30 "$OUT")"

	grep -q "0::/breakglass/$SID/user\$" "$OUT" && pass "$n-session-contained" ||
		fail "$n-session-contained" "$(show 30 "$OUT")"
	grep -q '"event":"session_open".*"containment":"cgroup"' "$S/$1.audit" &&
		pass "$n-audit-says-contained" || fail "$n-audit-says-contained" "$(show 5 "$S/$1.audit")"

	grep -q -x "Uid:	$ru	$ru	$ru	$ru" "$OUT" && grep -q -x "Gid:	$rg	$rg	$rg	$rg" "$OUT" &&
		pass "$n-recorder-ids-are-the-accounts" ||
		fail "$n-recorder-ids-are-the-accounts" "$(grep -e Uid -e Gid "$OUT")"

	why=
	for sig in 0 STOP TERM KILL; do
		grep -q -x "sig-$sig-rc=1" "$OUT" || why="$why kill -$sig did not fail;"
	done
	[ "$(grep -c 'Operation not permitted' "$OUT")" -ge 4 ] || why="$why not 4 EPERM;"
	grep -q still-here "$OUT" || why="$why the recorder did not survive;"
	[ -z "$why" ] && pass "$n-recorder-unsignalable" ||
		fail "$n-recorder-unsignalable" "$why $(show 30 "$OUT")"

	grep -q "already claimed by another recorder" "$OUT" && grep -q -x "claim-rc=1" "$OUT" &&
		grep '"event":"recording","result":"failure","reason":"refused"' "$S/$1.audit" |
		grep -q "\"session\":\"$SID\".*\"note\":\"the grant of this session was already claimed" &&
		pass "$n-second-claim-refused-and-audited" ||
		fail "$n-second-claim-refused-and-audited" "$(show 30 "$OUT") $(show 10 "$S/$1.audit")"

	left=$(ps -o pid=,stat=,args= -u "$U" | awk '$2 !~ /^Z/')
	why=
	[ -z "$left" ] || why="$why still running: $left;"
	[ ! -e "$CGM/breakglass/$SID" ] || why="$why $CGM/breakglass/$SID is still there;"
	[ -z "$why" ] && pass "$n-leftovers-killed-cgroup-removed" ||
		fail "$n-leftovers-killed-cgroup-removed" "$why"

	"$P/bin/breakglass-replay" verify -k "$S/a1.key" --host-pub "$ETC/host.key.pub" \
		"$P/var/spool/breakglass/$SID" > "$S/$1.verify" 2>&1 &&
		pass "$n-transcript-complete" || fail "$n-transcript-complete" "$(cat "$S/$1.verify")"
}

ru=$(id -u breakglass) rg=$(id -g breakglass)
# The supported set-up: the recorder is the login shell.
sshd_start
login shell
# ForceCommand: bash runs the recorder (after ~/.bashrc, see
# breakglass-rec(8)); every check above holds too.
usermod -s /bin/bash "$U" || hard_error "usermod"
sshd_start "ForceCommand $REC"
login forcecommand
finish
