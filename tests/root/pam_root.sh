#!/bin/sh
# pam_root.sh: the real PAM stack as an administrator uses it: enroll with
# breakglassctl, log in through a pam.d service with pamtester answered by
# expect and oathtool, then check the audit log, the grant, a wrong code,
# unlock and unenroll.  Needs root (useradd, /etc/pam.d); skipped otherwise.
#
# Environment (set by `make check`): BREAKGLASSCTL, BREAKGLASS_PAM_MODULE
# (absolute path of pam_breakglass.so), TESTS_SRCDIR.

LC_ALL=C
export LC_ALL
. "$TESTS_SRCDIR/common/lib.sh"
. "$TESTS_SRCDIR/common/account.sh"
. "$TESTS_SRCDIR/common/users.sh"

need_root
[ -x "${BREAKGLASSCTL-}" ] || hard_error "no program at BREAKGLASSCTL=${BREAKGLASSCTL-}"
case ${BREAKGLASS_PAM_MODULE-} in
/*) [ -f "$BREAKGLASS_PAM_MODULE" ] ||
	hard_error "no module at $BREAKGLASS_PAM_MODULE" ;;
*) hard_error "BREAKGLASS_PAM_MODULE must be an absolute path" ;;
esac
for tool in pamtester expect oathtool useradd userdel; do
	command -v "$tool" > /dev/null 2>&1 ||
		hard_error "$tool not found (tools/test installs it)"
done
[ -d /etc/pam.d ] || hard_error "no /etc/pam.d"

umask 077
SERVICE=bgtest-$$
PAMFILE=/etc/pam.d/$SERVICE
cleanup() {
	users_remove
	rm -f -- "$PAMFILE"
	account_release
	scratch_cleanup
}
root_scratch
trap cleanup EXIT
# The account the session's cgroup is delegated to (containment).
CREATED_ACCOUNT=
account_take || hard_error "$REPLY"

# ---- configuration, users, service -----------------------------------------

CONF=$S/breakglass.json
AUDIT=$S/log/audit.jsonl
RUN_DIR=$S/run
USERS_DIR=$S/users
: > "$S/host.key"
: > "$S/auditor.pub"
chmod 600 "$S/host.key" "$S/auditor.pub"
mkdir -m 700 "$S/log"
printf '{
  "paths": {
    "users_dir": "%s", "state_dir": "%s/state", "run_dir": "%s",
    "spool_dir": "%s/spool", "audit_log": "%s", "host_key": "%s/host.key",
    "auditor_keys": ["%s/auditor.pub"]
  },
  "auth": {
    "ticket_pattern": "^(INC|CHG)-[0-9]{1,10}$", "justification_min": 20,
    "totp": { "digits": 6, "period_seconds": 30, "window": 1 }
  }
}
' "$USERS_DIR" "$S" "$RUN_DIR" "$S" "$AUDIT" "$S" "$S" > "$CONF" ||
	hard_error "cannot write $CONF"
chmod 600 "$CONF"
"$BREAKGLASSCTL" -c "$CONF" check-config > "$S/check.out" 2>&1 ||
	hard_error "the test configuration is refused:
$(show 10 "$S/check.out")"

user_add bgt-alice /usr/sbin/nologin -M
ALICE=$REPLY
user_add bgt-bob /usr/sbin/nologin -M
BOB=$REPLY

printf 'auth required %s config=%s\naccount required %s config=%s\nsession required %s config=%s\n' \
	"$BREAKGLASS_PAM_MODULE" "$CONF" "$BREAKGLASS_PAM_MODULE" "$CONF" \
	"$BREAKGLASS_PAM_MODULE" "$CONF" > "$PAMFILE" || hard_error "cannot write $PAMFILE"
chmod 644 "$PAMFILE"

# A module built with AddressSanitizer needs its runtime loaded first.
PRELOAD=
if command -v ldd > /dev/null 2>&1; then
	PRELOAD=$(ldd "$BREAKGLASS_PAM_MODULE" | awk '$1 ~ /^libasan\.so/ { print $3 }')
fi

TICKET=INC-4242
JUSTIFICATION="Database primary is down, failover needed"

# pam_login NAME MODE USER SECRET OPS...: pamtester under expect, answered
# by pam_root.exp (which says what MODE is); the transcript goes to
# $S/NAME.out, the audit lines it added to $S/NAME.audit, and the exit
# status to RC.
pam_login() {
	name=$1 mode=$2 user=$3 secret=$4
	shift 4
	mark=$(wc -l < "$AUDIT")
	BGT_SERVICE=$SERVICE BGT_USER=$user BGT_SECRET=$secret BGT_MODE=$mode \
		BGT_OPS="$*" BGT_TICKET=$TICKET BGT_JUSTIFICATION=$JUSTIFICATION \
		BGT_CODES=$S/codes BGT_PRELOAD=$PRELOAD \
		expect -f "$TESTS_SRCDIR/root/pam_root.exp" > "$S/$name.out" 2>&1 < /dev/null
	RC=$?
	tail -n "+$((mark + 1))" "$AUDIT" > "$S/$name.audit"
}

# has FILE STRING: does FILE hold STRING (fixed text)?
has() {
	grep -q -F -e "$2" "$1"
}

# count FILE STRING...: REPLY = number of lines of FILE holding every STRING.
count() {
	_f=$1
	shift
	cp "$_f" "$S/count.tmp"
	for _s in "$@"; do
		grep -F -e "$_s" "$S/count.tmp" > "$S/count.next"
		mv "$S/count.next" "$S/count.tmp"
	done
	REPLY=$(wc -l < "$S/count.tmp")
	REPLY=$((REPLY + 0))
}

# session_of FILE EVENT: REPLY = the "session" member of EVENT's line.
session_of() {
	REPLY=$(sed -n "s/.*\"event\":\"$2\".*\"session\":\"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1)
}

is_hex32() {
	[ "${#1}" -eq 32 ] && case $1 in *[!0-9a-f]*) false ;; esac
}

# ---- enrollment ------------------------------------------------------------

# enroll USER: REPLY = the base32 secret of the printed otpauth:// URI.
enroll() {
	why=
	user_enroll "$BREAKGLASSCTL" "$CONF" "$1" || why="$why exit status $?;"
	uri=$URI
	[ -n "$uri" ] || why="$why no otpauth://totp/ line;"
	for want in "issuer=" "secret=" "algorithm=SHA1" "digits=6" "period=30"; do
		case $uri in
		*[?\&]"$want"*) ;;
		*) why="$why no $want in the URI;" ;;
		esac
	done
	case $uri in
	otpauth://totp/*"$1"*\?*) ;;
	*) why="$why the account does not name $1;" ;;
	esac
	[ "${#REPLY}" -ge 16 ] || why="$why no base32 secret;"
	pass_unless "enroll-$1" "$why" "$S/enroll-$1.out" "$S/enroll-$1.err"
}

enroll "$ALICE"
SECRET_A=$REPLY
enroll "$BOB"
SECRET_B=$REPLY
if [ -z "$SECRET_A" ] || [ -z "$SECRET_B" ]; then
	fail logins-tried "no secret from enroll: the logins cannot be tried"
	finish
fi

code=$(oathtool --totp -b "$SECRET_A" 2>&1)
case $code in
[0-9][0-9][0-9][0-9][0-9][0-9]) pass oathtool-reads-the-secret ;;
*) fail oathtool-reads-the-secret "oathtool --totp -b SECRET said: $code" ;;
esac

mode=$(stat -c '%a %U' "$USERS_DIR/$ALICE.json" 2>&1)
pass_unless enrollment-is-root-only \
	"$([ "$mode" = "600 root" ] || echo " $USERS_DIR/$ALICE.json: $mode, not 600 root")"

# ---- a whole login: authenticate, account, session open and close ----------

pam_login full now "$ALICE" "$SECRET_A" authenticate acct_mgmt open_session close_session
why=
[ "$RC" -eq 0 ] || why="$why pamtester exit status $RC;"
has "$S/full.out" "pamtester: successfully authenticated" || why="$why not authenticated;"
has "$S/full.out" "pamtester: account management done." || why="$why no account management;"
has "$S/full.out" "pamtester: successfully opened a session" || why="$why no session opened;"
has "$S/full.out" "session has successfully been closed" || why="$why session not closed;"
has "$S/full.out" "This session is recorded." || why="$why no banner;"
pass_unless login-with-current-code "$why" "$S/full.out"

why=
count "$S/full.audit" '"event":"auth"'
[ "$REPLY" -eq 1 ] || why="$why $REPLY auth events, not 1;"
count "$S/full.audit" '"event":"auth","result":"success"' "\"user\":\"$ALICE\"" \
	"\"ticket\":\"$TICKET\"" "\"justification\":\"$JUSTIFICATION\"" '"mfa":"totp"'
[ "$REPLY" -eq 1 ] || why="$why no auth success with user, ticket, justification, mfa;"
session_of "$S/full.audit" session_open
SID=$REPLY
is_hex32 "$SID" || why="$why session_open has no 32-hex session ($SID);"
count "$S/full.audit" '"event":"session_open","result":"success"' '"expires":"'
[ "$REPLY" -eq 1 ] || why="$why session_open without expires;"
count "$S/full.audit" '"event":"session_close","result":"success"' "\"session\":\"$SID\""
[ "$REPLY" -eq 1 ] || why="$why no session_close for session $SID;"
pass_unless audit-of-the-login "$why" "$S/full.audit"

# Containment (required by default): the session had its cgroup, which
# the close removed.
CGM=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ -n "$CGM" ] && [ -w "$CGM/cgroup.procs" ]; then
	why=
	count "$S/full.audit" '"event":"session_open","result":"success"' '"containment":"cgroup"'
	[ "$REPLY" -eq 1 ] || why="$why session_open does not say containment cgroup;"
	[ ! -e "$CGM/breakglass/$SID" ] || why="$why $CGM/breakglass/$SID left behind;"
	pass_unless session-contained-then-cgroup-removed "$why" "$S/full.audit"
else
	printf 'SKIP: containment (no writable cgroup2 mount)\n'
fi

left=
# The auth/ directory of remembered logins stays, empty: the token is spent.
[ ! -d "$RUN_DIR" ] || left=$(find "$RUN_DIR" -mindepth 1 ! -path "$RUN_DIR/auth" 2>&1)
pass_unless close-removes-the-grant "$([ -z "$left" ] || echo " left in $RUN_DIR: $left")"

# The code just accepted, sent again: refused, whatever step it is now.
pam_login replay replay "$ALICE" "$SECRET_A" authenticate
why=
[ "$RC" -ne 0 ] || why="$why pamtester exit status 0;"
! has "$S/replay.out" "successfully authenticated" || why="$why authenticated;"
count "$S/replay.audit" '"event":"auth","result":"failure","reason":"code_reused"' \
	"\"user\":\"$ALICE\""
[ "$REPLY" -eq 1 ] || why="$why no auth failure with reason code_reused;"
pass_unless used-code-refused "$why" "$S/replay.out" "$S/replay.audit"

# ---- a session left open: the grant ----------------------------------------

# The step of the first login is spent (replay protection): the next
# step's code, inside the window, is the one to use now.
pam_login open next "$ALICE" "$SECRET_A" authenticate open_session
why=
[ "$RC" -eq 0 ] || why="$why pamtester exit status $RC;"
has "$S/open.out" "pamtester: successfully opened a session" || why="$why no session opened;"
pass_unless login-with-next-step-code "$why" "$S/open.out" "$S/open.audit"

session_of "$S/open.audit" session_open
SID2=$REPLY
why=
ls -A "$RUN_DIR" 2>&1 | grep -v '^auth$' > "$S/run.list" || why="$why no $RUN_DIR;"
[ "$(wc -l < "$S/run.list")" -eq 1 ] || why="$why not exactly one file in $RUN_DIR;"
GRANT=$RUN_DIR/$(head -n 1 "$S/run.list" | tr -c 'A-Za-z0-9._\n-' '?')
id=$(basename "$GRANT" .json)
is_hex32 "$id" && [ "$GRANT" = "$RUN_DIR/$id.json" ] || why="$why name is not <32 hex>.json;"
[ "$id" = "$SID2" ] || why="$why not the session of the audit event ($SID2);"
mode=$(stat -c '%a %U' "$GRANT" 2>&1)
[ "$mode" = "640 root" ] || why="$why mode and owner $mode, not 640 root;"
if getent group breakglass > /dev/null 2>&1; then
	group=$(stat -c '%G' "$GRANT")
	[ "$group" = breakglass ] || why="$why group $group, not breakglass;"
fi
if command -v python3 > /dev/null 2>&1; then
	python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
want = {"session": sys.argv[2], "user": sys.argv[3], "ticket": sys.argv[4],
        "justification": sys.argv[5]}
bad = [k for k in want if g.get(k) != want[k]]
if not isinstance(g.get("expires"), int) or not isinstance(g.get("start"), int) \
   or g["expires"] <= g["start"]:
    bad.append("start/expires")
sys.exit("wrong or missing: " + ", ".join(bad) if bad else 0)
' "$GRANT" "$SID2" "$ALICE" "$TICKET" "$JUSTIFICATION" > "$S/grant.check" 2>&1 ||
		why="$why $(tr '\n' ' ' < "$S/grant.check");"
else
	has "$GRANT" "\"user\":\"$ALICE\"" || why="$why no user member;"
	has "$GRANT" "\"ticket\":\"$TICKET\"" || why="$why no ticket member;"
fi
pass_unless grant-of-an-open-session "$why" "$GRANT" "$S/run.list"
# pamtester ended without closing that session: its (empty) cgroup stays.
CG2=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)/breakglass/$SID2
[ -z "$SID2" ] || [ ! -d "$CG2" ] || rmdir "$CG2/user" "$CG2/rec" "$CG2"

# ---- a wrong code, unlock, unenroll ----------------------------------------

pam_login wrong wrong "$BOB" "$SECRET_B" authenticate
why=
[ "$RC" -ne 0 ] || why="$why pamtester exit status 0;"
! has "$S/wrong.out" "successfully authenticated" || why="$why authenticated;"
has "$S/wrong.out" "Verification failed." || why="$why no error message;"
count "$S/wrong.audit" '"event":"auth","result":"failure","reason":"bad_code"' "\"user\":\"$BOB\""
[ "$REPLY" -eq 1 ] || why="$why no auth failure with reason bad_code;"
pass_unless wrong-code-refused "$why" "$S/wrong.out" "$S/wrong.audit"

# The administrator: breakglassctl runs with the kernel's login uid set to
# ACTOR's, as after "ssh ACTOR@bastion" and sudo, when this kernel lets root
# set it; else the event names whoever this test runs as.
ACTOR=daemon
if sh -c 'echo "$1" > /proc/self/loginuid' sh "$(id -u "$ACTOR")" 2> /dev/null; then
	as_admin() {
		sh -c 'echo "$1" > /proc/self/loginuid && shift && exec "$@"' sh \
			"$(id -u "$ACTOR")" "$@"
	}
	ACTOR_WANT="\"actor\":\"$ACTOR\",\"actor_uid\":$(id -u "$ACTOR"),"
else
	as_admin() { "$@"; }
	uid=$(cat /proc/self/loginuid 2> /dev/null || echo 4294967295)
	[ "$uid" != 4294967295 ] || uid=$(id -u)
	ACTOR_WANT="\"actor\":\"$(id -n -u "$uid")\",\"actor_uid\":$uid,"
fi

# ctl NAME CMD USER REGEX: breakglassctl CMD USER, run by the
# administrator, exits 0, says REGEX and audits the event CMD with its
# actor.
ctl() {
	mark=$(wc -l < "$AUDIT")
	as_admin "$BREAKGLASSCTL" -c "$CONF" "$2" "$3" > "$S/$1.out" 2>&1
	rc=$?
	why=
	[ "$rc" -eq 0 ] || why="$why exit status $rc;"
	grep -q -E -e "$4" "$S/$1.out" || why="$why no line matches /$4/;"
	tail -n "+$((mark + 1))" "$AUDIT" > "$S/$1.audit"
	count "$S/$1.audit" "\"event\":\"$2\",\"result\":\"success\"" "\"user\":\"$3\"" \
		"$ACTOR_WANT"
	[ "$REPLY" -eq 1 ] || why="$why no $2 audit event naming the actor ($ACTOR_WANT);"
	pass_unless "$1" "$why" "$S/$1.out" "$S/$1.audit"
}
ctl unlock unlock "$BOB" "^Unlocked $BOB\\.\$"
ctl unenroll unenroll "$BOB" "^Unenrolled $BOB\\.\$"
pass_unless unenroll-removes-the-record \
	"$([ ! -e "$USERS_DIR/$BOB.json" ] || echo " $USERS_DIR/$BOB.json is still there")"

pam_login unenrolled now "$BOB" "$SECRET_B" authenticate
why=
[ "$RC" -ne 0 ] || why="$why pamtester exit status 0;"
! has "$S/unenrolled.out" "successfully authenticated" || why="$why authenticated;"
count "$S/unenrolled.audit" '"event":"auth","result":"failure","reason":"not_enrolled"' \
	"\"user\":\"$BOB\""
[ "$REPLY" -eq 1 ] || why="$why no auth failure with reason not_enrolled;"
pass_unless unenrolled-user-refused "$why" "$S/unenrolled.out" "$S/unenrolled.audit"

# ---- the log as a whole -----------------------------------------------------

"$BREAKGLASSCTL" -c "$CONF" audit-verify > "$S/verify.out" 2>&1
rc=$?
why=
[ "$rc" -eq 0 ] || why="$why exit status $rc;"
has "$S/verify.out" "hash chain intact" || why="$why no verdict;"
pass_unless audit-verify "$why" "$S/verify.out"

# No secret and no code sent may be in the log (hashes left out: hex).
sed 's/,"prev":"[0-9a-f]*","hash":"[0-9a-f]*"}$//' "$AUDIT" > "$S/audit.text"
why=
for s in "$SECRET_A" "$SECRET_B" $(sort -u "$S/codes"); do
	! has "$S/audit.text" "$s" || why="$why $s is in the audit log;"
done
[ -s "$S/codes" ] || why="$why no code was sent;"
pass_unless no-secret-or-code-in-audit "$why"

finish
