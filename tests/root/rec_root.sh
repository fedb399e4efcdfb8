#!/bin/sh
# rec_root.sh: breakglass-rec as a package installs it, setuid and setgid
# to a breakglass account, in a scratch prefix (built here with that
# prefix compiled in), driving real sessions as test users: pipes and a
# pty (under expect, rec_root.exp), what the transcript holds, what the
# child gets, what the user cannot do to the recorder, refusals, expiry,
# SIGKILL and a full disk.  Needs root; skipped otherwise.
#
# Environment (set by `make check`): TESTS_SRCDIR, TESTS_BUILDDIR.

LC_ALL=C
export LC_ALL
. "$TESTS_SRCDIR/common/lib.sh"
. "$TESTS_SRCDIR/common/account.sh"
. "$TESTS_SRCDIR/common/prefix.sh"
. "$TESTS_SRCDIR/common/users.sh"

need_root
for tool in expect useradd userdel setpriv prlimit sha256sum timeout make; do
	command -v "$tool" > /dev/null 2>&1 ||
		hard_error "$tool not found (tools/test installs it)"
done
STATUS=$TESTS_BUILDDIR/../config.status
[ -x "$STATUS" ] || hard_error "no config.status beside $TESTS_BUILDDIR"

umask 022
CREATED_ACCOUNT=
MOUNTED=
cleanup() {
	[ -z "$MOUNTED" ] || umount "$MOUNTED" 2> /dev/null
	users_remove
	account_release
	scratch_cleanup
}
root_scratch
trap cleanup EXIT
P=$S/prefix

# ---- build with the scratch prefix, install setuid -------------------------

prefix_build "$TESTS_SRCDIR/.." "$STATUS" "$S/build" "$P" recorder/breakglass-rec \
	ctl/breakglassctl replay/breakglass-replay tests/root/ptrace_probe tests/root/contain_login ||
	hard_error "$REPLY"

account_take || hard_error "$REPLY"
user_add bgr-a /bin/bash -m
UA=$REPLY
user_add bgr-b /bin/bash -m
UB=$REPLY

B=$S/build
SPOOL=$P/var/spool/breakglass
RUN=$P/run/breakglass
ETC=$P/etc/breakglass
REC=$P/bin/breakglass-rec
REPLAY=$P/bin/breakglass-replay
prefix_install "$B" "$P" "$S" || hard_error "$REPLY"

# config EXTRA: the compiled-in configuration, with recorder members EXTRA;
# containment best-effort (these sessions have no PAM module to make their
# cgroup) unless CONTAINMENT says otherwise.
config() {
	prefix_config "$P" "\"flush_ms\": 100, \"segment_seconds\": 2, \"containment\": \"${CONTAINMENT:-best-effort}\"$1"
}
config ""
# A new host key is an administrative change: audited with who made it
# (the login uid, else the uid this test runs as).
uid=$(cat /proc/self/loginuid 2> /dev/null || echo 4294967295)
[ "$uid" != 4294967295 ] || uid=$(id -u)
want="\"event\":\"keygen_host\",\"result\":\"success\",\"service\":\"breakglassctl\",\"actor\":\"$(id -n -u "$uid")\",\"actor_uid\":$uid,"
grep -q -F -e "$want" "$P/var/log/audit.jsonl" && pass keygen-host-audited-with-actor ||
	fail keygen-host-audited-with-actor "no line with $want: $(show 3 "$P/var/log/audit.jsonl")"

# ---- helpers ---------------------------------------------------------------

# start_of PID: REPLY = the start time of process PID (field 22 of its
# stat line, counted after the name, which may hold spaces).
start_of() {
	REPLY=$(sed 's/.*) //' "/proc/$1/stat" | cut -d ' ' -f 20)
}

# grant USER SECONDS [OWNER [LOGIN]]: a grant for USER ending in SECONDS
# (may be negative), as the PAM module writes it, its login process this
# shell (the recorders' ancestor) or LOGIN ("PID,START", or "" for none);
# REPLY = its session id.
grant() {
	start_of $$
	login=${4-$$,$REPLY}
	REPLY=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	now=$(date +%s)
	printf '{"version":1,"session":"%s","user":"%s","uid":%s,"ticket":"INC-77","justification":"restart the stuck payment workers","mfa":"totp","start":%s,"expires":%s%s}' \
		"$REPLY" "$1" "$(id -u "$1")" "$((now - 60))" "$((now + $2))" \
		"${login:+,\"login_pid\":${login%,*},\"login_start\":${login#*,}}" > "$RUN/$REPLY.json"
	chown "${3:-root}:breakglass" "$RUN/$REPLY.json"
	chmod 640 "$RUN/$REPLY.json"
}

# as USER SESSION CMD...: CMD as USER (real ids, own groups), with a
# minimal environment plus anything in EXTRA_ENV.
as() {
	_u=$1 _id=$2
	shift 2
	# shellcheck disable=SC2086
	setpriv --reuid="$_u" --regid="$_u" --init-groups env -i PATH=/usr/bin:/bin \
		TERM=xterm BREAKGLASS_SESSION="$_id" ASAN_OPTIONS=detect_leaks=0 $EXTRA_ENV "$@"
}

# as_bg USER SESSION CMD...: as, in the background, $! being the
# recorder itself (exec all the way down).
as_bg() {
	_u=$1 _id=$2
	shift 2
	(exec setpriv --reuid="$_u" --regid="$_u" --init-groups env -i PATH=/usr/bin:/bin \
		TERM=xterm BREAKGLASS_SESSION="$_id" ASAN_OPTIONS=detect_leaks=0 "$@") &
}

expect_rc() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "exit $2, wanted $3: $(show 5 "$S/$1.err")"; fi
}

same_sha() {
	if [ "$(sha256sum < "$2")" = "$(sha256sum < "$3")" ]; then pass "$1"; else fail "$1" "$2 and $3 differ"; fi
}

. "$TESTS_SRCDIR/root/rec_root_cases.sh"
finish
