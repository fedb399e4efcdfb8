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

need_root
for tool in expect oathtool useradd userdel ssh ssh-keygen make; do
	command -v "$tool" > /dev/null 2>&1 ||
		hard_error "$tool not found (tools/test installs it)"
done
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || hard_error "no $SSHD (tools/test installs openssh-server)"
WRAPPER=$(ldconfig -p | awk '/libpam_wrapper\.so / { print $NF; exit }')
[ -n "$WRAPPER" ] || hard_error "no libpam_wrapper.so (tools/test installs libpam-wrapper)"
CGM=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ -z "$CGM" ] || [ ! -w "$CGM/cgroup.procs" ]; then
	printf '%s: skipped: no writable cgroup2 mount (sessions cannot be contained)\n' "$TEST_NAME" >&2
	exit 77
fi
STATUS=$TESTS_BUILDDIR/../config.status
[ -x "$STATUS" ] || hard_error "no config.status beside $TESTS_BUILDDIR"

umask 022
U=
SSHD_PID=
CREATED_ACCOUNT=
cleanup() {
	[ -z "$SSHD_PID" ] || kill "$SSHD_PID" 2> /dev/null
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

# The PAM service sshd loads through pam_wrapper; everything else denied.
mkdir -p "$S/pam" /run/sshd
M=$B/pam/.libs/pam_breakglass.so
for t in auth account session; do
	printf '%s required %s config=%s\n' "$t" "$M" "$ETC/breakglass.json"
done > "$S/pam/sshd"
printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' \
	> "$S/pam/other"
ssh-keygen -q -t ed25519 -N '' -f "$S/hostkey" || hard_error "ssh-keygen"
# A module built with AddressSanitizer needs its runtime loaded first.
PRELOAD=$WRAPPER
ASAN=$(ldd "$M" | awk '$1 ~ /^libasan\.so/ { print $3 }')
[ -z "$ASAN" ] || PRELOAD="$ASAN $WRAPPER"
# sshd_start [CONFIG-LINE]: sshd on a free loopback port (it binds
# before it goes to the background), with CONFIG-LINE added; PORT.
sshd_start() {
	[ -z "$SSHD_PID" ] || kill "$SSHD_PID"
	SSHD_PID=
	sleep 1
	for try in 1 2 3 4 5; do
		PORT=$((20000 + ($$ * 7 + try * 131) % 20000))
		printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nUsePAM yes\nKbdInteractiveAuthentication yes\nPasswordAuthentication no\nPubkeyAuthentication no\nPidFile %s\n%s\n' \
			"$PORT" "$S/hostkey" "$S/sshd.pid" "${1-}" > "$S/sshd_config"
		if LD_PRELOAD=$PRELOAD PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$S/pam \
			ASAN_OPTIONS=detect_leaks=0 "$SSHD" -f "$S/sshd_config" -E "$S/sshd.log"; then
			sleep 1
			SSHD_PID=$(cat "$S/sshd.pid" 2> /dev/null)
			[ -n "$SSHD_PID" ] && return 0
		fi
	done
	hard_error "sshd did not start: $(tail -n 5 "$S/sshd.log")"
}

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
		pass "$n-second-claim-refused" || fail "$n-second-claim-refused" "$(show 30 "$OUT")"

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
