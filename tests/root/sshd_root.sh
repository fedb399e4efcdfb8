#!/bin/sh
# sshd_root.sh: an emergency login over a real sshd, as a bastion runs it:
# Debian's sshd on a 127.0.0.1 port with its PAM service (pam_breakglass
# for auth and session) loaded through pam_wrapper, the user's login
# shell the setuid recorder, all built here with a scratch prefix; the
# user is an ssh client under expect (sshd_root.exp).  Checks an
# interactive session (its transcript, a nested password prompt, the
# audit events), a wrong code, and a command session with the recorder
# as login shell and as ForceCommand.  Needs root; skipped otherwise.
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
cleanup() {
	sshd_stop
	# A recorder the user could stop (a failed signals case) stays behind.
	if [ -s "$S/recorder.ids" ]; then
		_pid=$(sed -n 's/^pid \([0-9]*\)$/\1/p' "$S/recorder.ids")
		[ -z "$_pid" ] || kill -KILL "$_pid" 2> /dev/null
	fi
	users_remove
	account_release
	scratch_cleanup
}
root_scratch
trap cleanup EXIT
P=$S/prefix
B=$S/build

# ---- build, install, configure ---------------------------------------------

prefix_build "$TESTS_SRCDIR/.." "$STATUS" "$B" "$P" recorder/breakglass-rec \
	ctl/breakglassctl replay/breakglass-replay pam/pam_breakglass.la || hard_error "$REPLY"
account_take || hard_error "$REPLY"
prefix_install "$B" "$P" "$S" || hard_error "$REPLY"
prefix_config "$P" '"flush_ms": 100'
CTL=$P/bin/breakglassctl
CONF=$P/etc/breakglass/breakglass.json
SPOOL=$P/var/spool/breakglass
AUDIT=$P/var/log/audit.jsonl

# The emergency users: the recorder is their login shell (sshd needs no
# /etc/shells entry for it; only pam_shells and chsh read that file).
user_add bgs-a "$P/bin/breakglass-rec" -m
UA=$REPLY
user_add bgs-b "$P/bin/breakglass-rec" -m
UB=$REPLY
# The other supported set-up: bash, the recorder as ForceCommand.
user_add bgs-c /bin/bash -m
UC=$REPLY
user_enroll "$CTL" "$CONF" "$UA" && SECRET_A=$REPLY &&
	user_enroll "$CTL" "$CONF" "$UB" && SECRET_B=$REPLY &&
	user_enroll "$CTL" "$CONF" "$UC" && SECRET_C=$REPLY &&
	[ -n "$SECRET_A" ] && [ -n "$SECRET_B" ] && [ -n "$SECRET_C" ] ||
	hard_error "enroll: $(cat "$S"/enroll-*.err)"

# ---- the sshd ---------------------------------------------------------------

sshd_prepare "$B/pam/.libs/pam_breakglass.so" "$CONF"
sshd_start "AllowUsers $UA $UB $UC" "Match User $UC" "	ForceCommand $P/bin/breakglass-rec"

TICKET=INC-4711
JUSTIFICATION="Payment workers are stuck, restart needed"

# login NAME MODE USER SECRET [VAR=VALUE...]: sshd_root.exp for USER;
# its output in $S/NAME.out, the audit lines it added in $S/NAME.audit,
# the spool folders it added in $S/NAME.spool, its status in RC.
login() {
	_name=$1 _mode=$2 _user=$3 _secret=$4
	shift 4
	_mark=$(wc -l < "$AUDIT")
	ls "$SPOOL" > "$S/spool.before"
	env BGT_PORT="$PORT" BGT_USER="$_user" BGT_SECRET="$_secret" BGT_MODE="$_mode" \
		BGT_TICKET="$TICKET" BGT_JUSTIFICATION="$JUSTIFICATION" "$@" \
		timeout 90 expect -f "$TESTS_SRCDIR/root/sshd_root.exp" > "$S/$_name.out" 2>&1 < /dev/null
	RC=$?
	# The session closes in sshd after the client has gone.
	sleep 0.5
	tail -n "+$((_mark + 1))" "$AUDIT" > "$S/$_name.audit"
	ls "$SPOOL" > "$S/spool.after"
	grep -v -x -F -f "$S/spool.before" "$S/spool.after" > "$S/$_name.spool"
}

# has FILE STRING...: does one line of FILE hold every STRING?
has() {
	_f=$1
	shift
	_pat=
	for _s in "$@"; do
		re_quote "$_s"
		_pat="$_pat${_pat:+.*}$REPLY"
	done
	grep -q -E -e "$_pat" "$_f"
}

# session NAME: SID = the one spool folder NAME added; its verdict.
session() {
	SID=$(head -n 1 "$S/$1.spool")
	pass_unless "$1-one-transcript" \
		"$([ "$(wc -l < "$S/$1.spool")" = 1 ] || echo " not one new spool folder;")" \
		"$S/$1.spool" "$S/$1.out"
	prefix_verdict "$1" "$SID" 0
}

# ---- an interactive emergency session ----------------------------------------

# The mark is typed as MARK-N-$((6 * 7)): its output line, MARK-N-42,
# is not the echoed command.
MARK=MARK-$$-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
TYPED=n3sted-$$-secret
login session session "$UA" "$SECRET_A" BGT_MARK="$MARK" BGT_TYPED="$TYPED" \
	BGT_IDS="$S/recorder.ids" BGT_SIGNALS="$S/signals" \
	BGT_ACCOUNT="$(id -u breakglass) $(id -g breakglass)"
why=
[ "$RC" = 0 ] || why=" sshd_root.exp exit status $RC;"
pass_unless session-login "$why" "$S/session.out" "$S/sshd.log"
session session
prefix_cat session "$SID"
why=
grep -q -F -e "$MARK-42" "$S/session.cat" || why=" no $MARK-42;"
grep -q "got=${#TYPED}" "$S/session.cat" || why="$why no got=${#TYPED};"
pass_unless session-output-recorded "$why" "$S/session.cat" "$S/session.cat.err"
prefix_cat session-in "$SID" --input
why=
grep -q -F -e "echo $MARK-\$((6 * 7))" "$S/session-in.cat" || why=" the typed mark is not in the input;"
! grep -q -F -e "$TYPED" "$S/session-in.cat" || why="$why the nested password is in the input;"
grep -q 'redacted' "$S/session-in.cat" || why="$why no redacted span;"
pass_unless session-nested-password-redacted "$why" "$S/session-in.cat" "$S/session-in.cat.err"
why=
has "$S/session.audit" '"event":"auth","result":"success"' "\"user\":\"$UA\"" \
	"\"ticket\":\"$TICKET\"" || why=" no auth success;"
has "$S/session.audit" '"event":"session_open","result":"success"' "\"user\":\"$UA\"" ||
	why="$why no session_open;"
has "$S/session.audit" '"event":"session_close","result":"success"' "\"user\":\"$UA\"" \
	"\"session\":\"$SID\"" || why="$why no session_close of $SID;"
pass_unless session-audited "$why" "$S/session.audit"

# The user cannot signal the recorder: once the contained shell runs, all
# its ids are the account's.
why=
grep -q "^exe $P/bin/breakglass-rec\$" "$S/recorder.ids" || why=" the shell's parent is not the recorder;"
pass_unless session-parent-is-recorder "$why" "$S/recorder.ids"
if [ -f "$S/signals" ]; then
	why=
	for sig in 0 STOP TERM KILL; do
		grep -q "^$sig 1 1\$" "$S/signals" || why="$why kill -$sig did not fail with EPERM;"
	done
	pass_unless session-recorder-unsignalable "$why" "$S/signals"
else
	fail session-recorder-unsignalable "the recorder's ids are not all the account's: $(cat "$S/recorder.ids")"
fi

# ---- a wrong code ----------------------------------------------------------

login wrong wrong "$UB" "$SECRET_B"
why=
[ "$RC" = 0 ] || why=" sshd_root.exp exit status $RC;"
has "$S/wrong.audit" '"event":"auth","result":"failure","reason":"bad_code"' "\"user\":\"$UB\"" ||
	why="$why no auth failure bad_code;"
! has "$S/wrong.audit" '"event":"session_open"' || why="$why a session was opened;"
[ ! -s "$S/wrong.spool" ] || why="$why a spool folder was made;"
pass_unless wrong-code-refused "$why" "$S/wrong.out" "$S/wrong.audit" "$S/wrong.spool"

# ---- command sessions ------------------------------------------------------

# command_case NAME USER SECRET SOURCE: ssh USER@HOST 'echo hi; id' runs, and
# the command is in the transcript's meta event and the manifest, taken
# from SOURCE (-c or SSH_ORIGINAL_COMMAND).
command_case() {
	login "$1" command "$2" "$3" BGT_OUT="$S/$1.data"
	why=
	[ "$RC" = 0 ] || why=" ssh exit status $RC;"
	grep -q -x hi "$S/$1.data" || why="$why no line hi;"
	grep -q "^uid=$(id -u "$2")(" "$S/$1.data" || why="$why no id of $2;"
	pass_unless "$1-login" "$why" "$S/$1.out" "$S/$1.data" "$S/sshd.log"
	session "$1"
	prefix_cat "$1" "$SID" --json
	cmd="[{\"source\":\"$4\",\"text\":\"echo hi; id\",\"length\":11,\"truncated\":false}]"
	why=
	grep -q -F -e "\"type\":\"meta\",\"meta\":{\"command\":$cmd}" "$S/$1.cat" ||
		why=" no meta event with the command;"
	grep -q -F -e ",\"command\":$cmd," "$SPOOL/$SID/manifest.json" ||
		why="$why the manifest has no command;"
	has "$S/$1.audit" '"event":"recording","result":"success"' "\"session\":\"$SID\"" \
		'"containment":"cgroup","command":"' 'echo hi; id' || why="$why no recording event with the command;"
	pass_unless "$1-recorded" "$why" "$S/$1.cat" "$SPOOL/$SID/manifest.json" "$S/$1.audit"
}
command_case command "$UB" "$SECRET_B" -c
command_case forcecommand "$UC" "$SECRET_C" SSH_ORIGINAL_COMMAND

finish
