#!/bin/sh
# revoke_root.sh: breakglassctl revoke over whole emergency logins on the
# real sshd (tests/common/sshd.sh), the user driven by expect
# (revoke_root.exp): by user with the recorder as login shell, by
# session id under ForceCommand, --all, a recorder that does not answer,
# and a one-minute grant that expires.  Each time the user is told
# why, the transcript records who revoked and why and still verifies
# complete, no process of the session is left (setsid, double fork,
# disown, a job deaf to SIGHUP), and the audit log has the revocation.
# Then the refusals: a bad reason, an unknown session, wrong usage.
# Needs root and a writable cgroup2 mount; skipped otherwise.
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
CREATED_ACCOUNT=
EXP_PID=
cleanup() {
	[ -z "$EXP_PID" ] || kill "$EXP_PID" 2> /dev/null
	sshd_stop
	users_remove
	account_release
	scratch_cleanup
}
root_scratch
trap cleanup EXIT
P=$S/prefix
B=$S/build
REC=$P/bin/breakglass-rec
CTL=$P/bin/breakglassctl
CONF=$P/etc/breakglass/breakglass.json
AUDIT=$P/var/log/audit.jsonl

prefix_build "$TESTS_SRCDIR/.." "$STATUS" "$B" "$P" recorder/breakglass-rec \
	ctl/breakglassctl replay/breakglass-replay pam/pam_breakglass.la || hard_error "$REPLY"
account_take || hard_error "$REPLY"
prefix_install "$B" "$P" "$S" || hard_error "$REPLY"
prefix_config "$P" '"flush_ms": 100'

# One user per login: a TOTP code is good once.
user_add bgr-a "$REC" -m
UA=$REPLY
user_add bgr-b "$REC" -m
UB=$REPLY
user_add bgr-c /bin/bash -m
UC=$REPLY
user_add bgr-d "$REC" -m
UD=$REPLY
user_add bgr-e "$REC" -m
UE=$REPLY
for u in "$UA" "$UB" "$UC" "$UD" "$UE"; do
	user_enroll "$CTL" "$CONF" "$u" && [ -n "$REPLY" ] ||
		hard_error "enroll $u: $(cat "$S/enroll-$u.err")"
	eval "SECRET_$(printf %s "$u" | cut -c 5)=\$REPLY"
done

sshd_prepare "$B/pam/.libs/pam_breakglass.so" "$CONF"
sshd_start "AllowUsers $UA $UB $UC $UD $UE" "Match User $UC" "	ForceCommand $REC"

TICKET=INC-4711

# wait_login NAME USER SECRET END [WAIT]: revoke_root.exp for USER in the
# background (EXP_PID) until the session waits; SID its id.
wait_login() {
	rm -f "$S/ready"
	env BGT_PORT="$PORT" BGT_USER="$2" BGT_SECRET="$3" BGT_TICKET="$TICKET" \
		BGT_READY="$S/ready" BGT_END="$4" BGT_WAIT="${5:-30}" \
		timeout 120 expect -f "$TESTS_SRCDIR/root/revoke_root.exp" > "$S/$1.out" 2>&1 < /dev/null &
	EXP_PID=$!
	_i=0
	while [ ! -e "$S/ready" ] && [ $_i -lt 600 ] && kill -0 "$EXP_PID" 2> /dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -e "$S/ready" ] || { fail "$1-login" "$(show 30 "$S/$1.out")"; return 1; }
	SID=$(sed -n 's/.*"event":"session_open".*"session":"\([0-9a-f]*\)".*/\1/p' "$AUDIT" |
		tail -n 1)
}

# second_login NAME USER SECRET: while USER's session waits, another
# login of USER is refused at session open (grant.concurrent refuse, the
# default): told why, no shell, audited.
second_login() {
	_m=$(wc -l < "$AUDIT")
	env BGT_PORT="$PORT" BGT_USER="$2" BGT_SECRET="$3" BGT_TICKET="$TICKET" BGT_OFFSET=30 \
		BGT_REFUSED="another emergency session or process of yours is running" \
		timeout 60 expect -f "$TESTS_SRCDIR/root/revoke_root.exp" > "$S/$1-second.out" 2>&1 < /dev/null
	_rc=$?
	sleep 0.5
	why=
	[ "$_rc" = 0 ] || why=" expect exit $_rc;"
	tail -n "+$((_m + 1))" "$AUDIT" | grep '"event":"session_open","result":"failure","reason":"concurrent_session"' |
		grep -q -F -e "\"note\":\"session $SID is still open\"" || why="$why no concurrent_session event;"
	pass_unless "$1-second-login-refused" "$why" "$S/$1-second.out"
}

# revoke_case NAME USER SECRET HOW REASON: USER logs in and waits; then
# breakglassctl revoke HOW --reason REASON (HOW "session" stands for the
# session's id), and every check, each named NAME-...
revoke_case() {
	n=$1 u=$2 secret=$3 how=$4 reason=$5
	mark=$(wc -l < "$AUDIT")
	wait_login "$n" "$u" "$secret" "access revoked: $reason" || return
	[ "$n" != shell ] || second_login "$n" "$u" "$secret"
	"$CTL" -c "$CONF" sessions > "$S/$n.sessions" 2>&1
	[ "$how" = session ] && how=$SID
	# shellcheck disable=SC2086 # HOW is one or two words
	"$CTL" -c "$CONF" revoke $how --reason "$reason" > "$S/$n.ctl" 2>&1
	rc=$?
	wait "$EXP_PID"
	erc=$?
	EXP_PID=
	sleep 0.5
	tail -n "+$((mark + 1))" "$AUDIT" > "$S/$n.audit"

	why=
	[ "$rc" = 0 ] || why=" breakglassctl revoke exit $rc;"
	grep -q "^revoked $SID (user $u, ticket $TICKET): ended after [0-9.]* s\$" "$S/$n.ctl" ||
		why="$why no 'revoked $SID ... ended after' line;"
	grep -q "^$SID  *$u " "$S/$n.sessions" || why="$why the session was not listed before;"
	pass_unless "$n-revoked" "$why" "$S/$n.ctl" "$S/$n.sessions"
	sed -n 's/.*ended after \([0-9.]*\) s$/revoke took \1 s/p' "$S/$n.ctl"

	[ "$erc" = 0 ] && pass "$n-user-told-why" || fail "$n-user-told-why" "expect exit $erc: $(show 40 "$S/$n.out")"

	left=$(ps -o pid=,stat=,args= -u "$u" | awk '$2 !~ /^Z/')
	why=
	[ -z "$left" ] || why=" still running: $left;"
	[ ! -e "$CGM/breakglass/$SID" ] || why="$why $CGM/breakglass/$SID is still there;"
	[ ! -e "$P/run/breakglass/$SID.revoked" ] || why="$why the revocation outlived the session;"
	pass_unless "$n-nothing-left" "$why" /dev/null

	prefix_verdict "$n" "$SID" 0
	prefix_cat "$n" "$SID" --json
	why=
	grep -q -F -e "{\"revoked\":{\"by\":\"root\",\"by_uid\":0,\"reason\":\"$reason\",\"time\":\"" \
		"$S/$n.cat" || why=" no meta event naming who revoked and why;"
	grep -q -F -e "access revoked: $reason" "$S/$n.cat" || why="$why the notice is not recorded;"
	grep -q -F -e '"ended_by_recorder":true' "$S/$n.cat" || why="$why the end is not the recorder's;"
	pass_unless "$n-transcript-says-who-and-why" "$why" "$S/$n.cat" "$S/$n.cat.err"

	grep -q -F -e "\"event\":\"revoke\",\"result\":\"success\"" "$S/$n.audit" &&
		grep "\"event\":\"revoke\"" "$S/$n.audit" | grep -q -F -e "\"session\":\"$SID\",\"note\":\"$reason\"" &&
		pass "$n-audited" || fail "$n-audited" "$(show 10 "$S/$n.audit")"
}

revoke_case shell "$UA" "$SECRET_a" "--user $UA" "INC-4711 closed by the incident lead"
revoke_case forcecommand "$UC" "$SECRET_c" session "wrong ticket, log in again"
revoke_case all "$UB" "$SECRET_b" --all "all emergency access withdrawn"

# A recorder that does not answer (root stopped it): after --wait, root
# kills the session through its cgroup, says so, and audits a failure.
mark=$(wc -l < "$AUDIT")
if wait_login stopped "$UD" "$SECRET_d" "never shown"; then
	pid=$("$CTL" -c "$CONF" sessions | awk -v s="$SID" '$1 == s { print $6 }')
	[ -n "$pid" ] && kill -STOP "$pid"
	"$CTL" -c "$CONF" revoke --user "$UD" --wait 1 --reason "never shown" > "$S/stopped.ctl" 2>&1
	rc=$?
	wait "$EXP_PID"
	EXP_PID=
	sleep 0.5
	tail -n "+$((mark + 1))" "$AUDIT" > "$S/stopped.audit"
	left=$(ps -o pid=,stat=,args= -u "$UD" | awk '$2 !~ /^Z/')
	why=
	[ -n "$pid" ] || why=" no recorder listed;"
	[ "$rc" = 1 ] || why="$why exit $rc;"
	grep -q "did not end the session in time: every process of it was killed" "$S/stopped.ctl" ||
		why="$why no message;"
	[ -z "$left" ] || why="$why still running: $left;"
	grep -q '"event":"revoke","result":"failure","reason":"recorder_unresponsive"' \
		"$S/stopped.audit" || why="$why no failure event;"
	pass_unless stopped-recorder-session-killed "$why" "$S/stopped.ctl" "$S/stopped.audit"
fi

# ---- expiry ---------------------------------------------------------------

# A one-minute grant ends the same way, background jobs and all.
prefix_config "$P" '"flush_ms": 100' '"grant": {"default_minutes": 1, "max_minutes": 1}'
mark=$(wc -l < "$AUDIT")
if wait_login expiry "$UE" "$SECRET_e" "the emergency access has expired" 100; then
	wait "$EXP_PID"
	erc=$?
	EXP_PID=
	sleep 0.5
	left=$(ps -o pid=,stat=,args= -u "$UE" | awk '$2 !~ /^Z/')
	why=
	[ "$erc" = 0 ] || why=" expect exit $erc;"
	[ -z "$left" ] || why="$why still running: $left;"
	[ ! -e "$CGM/breakglass/$SID" ] || why="$why $CGM/breakglass/$SID is still there;"
	pass_unless expiry-ends-everything "$why" "$S/expiry.out"
	prefix_verdict expiry "$SID" 0
fi

# ---- refusals: nothing is revoked -------------------------------------------

ESC=$(printf '\033')
"$CTL" -c "$CONF" revoke --all --reason "clear$ESC[2J" > "$S/bad-reason.out" 2>&1
rc=$?
why=
[ "$rc" = 1 ] || why=" exit $rc;"
grep -q "revoke: the reason contains a control character" "$S/bad-reason.out" || why="$why no reason message;"
pass_unless bad-reason-refused "$why" "$S/bad-reason.out"

"$CTL" -c "$CONF" revoke 0123456789abcdef0123456789abcdef > "$S/unknown.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "no open emergency session 0123456789abcdef" "$S/unknown.out" &&
	pass unknown-session-refused || fail unknown-session-refused "exit $rc: $(cat "$S/unknown.out")"

why=
for args in "" "--all --user $UA" "--user" "--all --wait 0" "--all --wait x" "a b"; do
	# shellcheck disable=SC2086 # the arguments are words
	"$CTL" -c "$CONF" revoke $args > "$S/usage.out" 2>&1
	rc=$?
	[ "$rc" = 1 ] && grep -q "usage: revoke" "$S/usage.out" || why="$why '$args' exit $rc;"
done
pass_unless usage-refused "$why" "$S/usage.out"
[ -z "$(ls "$P/run/breakglass" | grep '\.revoked$')" ] && pass refusals-revoke-nothing ||
	fail refusals-revoke-nothing "$(ls "$P/run/breakglass")"

finish
