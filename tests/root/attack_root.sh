#!/bin/sh
# attack_root.sh: a hostile emergency user against the next login's
# terminal, over the real sshd (tests/common/sshd.sh), driven by expect
# (attack_root.exp).  Session A starts a helper (attack_hunter.c, built
# here) that waits for the user's next pty, opens it at once, writes a
# mark into it and reads from it; then session B of the same user logs
# in.  B's recorder must refuse (the helper non-dumpable: "hides its open
# files"; dumpable: "already holds the terminal open"), or the helper's
# open must have failed (exclusive mode): either way nothing the helper
# wrote shows on B's terminal unrecorded, nothing B typed reaches it, and
# a B that got a shell has a complete transcript with what its client
# saw.  Then attack 5: from A, the recorder started with B's session id
# under lowered limits is refused and B's recording goes on.  When A
# ends, none of its processes, the helpers included, is left.  Both
# set-ups: the recorder as login shell, and bash with ForceCommand.
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
command -v cc > /dev/null 2>&1 || hard_error "cc not found"
STATUS=$TESTS_BUILDDIR/../config.status
[ -x "$STATUS" ] || hard_error "no config.status beside $TESTS_BUILDDIR"

umask 022
CREATED_ACCOUNT=
EXP_PID=
cleanup() {
	[ -z "$EXP_PID" ] || kill "$EXP_PID" 2> /dev/null
	for _f in "$S"/*/*.hunt; do
		[ -f "$_f" ] || continue
		_pid=$(sed -n 's/^ready pid \([0-9]*\) .*/\1/p' "$_f")
		[ -z "$_pid" ] || kill -KILL "$_pid" 2> /dev/null
	done
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
SPOOL=$P/var/spool/breakglass

prefix_build "$TESTS_SRCDIR/.." "$STATUS" "$B" "$P" recorder/breakglass-rec ctl/breakglassctl \
	replay/breakglass-replay pam/pam_breakglass.la || hard_error "$REPLY"
account_take || hard_error "$REPLY"
prefix_install "$B" "$P" "$S" || hard_error "$REPLY"
# Concurrent logins of the user allowed: by default (grant.concurrent
# refuse, revoke_root.sh) B would be refused at session open while A
# runs; here the recorder's own guard is what is attacked.
prefix_config "$P" '"flush_ms": 100' \
	'"auth": {"ticket_pattern": "^INC-[0-9]+$", "justification_min": 10, "totp": {"window": 10}},
 "grant": {"concurrent": "allow"}'
cc -o "$S/hunter" "$TESTS_SRCDIR/root/attack_hunter.c" > "$S/cc.out" 2>&1 ||
	hard_error "cc attack_hunter.c: $(cat "$S/cc.out")"
chmod 755 "$S/hunter"

user_add bga "$REC" -m
U=$REPLY
user_enroll "$P/bin/breakglassctl" "$ETC/breakglass.json" "$U" && SECRET=$REPLY &&
	[ -n "$SECRET" ] || hard_error "enroll: $(cat "$S/enroll-$U.err")"
sshd_prepare "$B/pam/.libs/pam_breakglass.so" "$ETC/breakglass.json"

MARK=HUNTED-$$-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
TYPED=typed-$$-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')

# session_id FILE: the id B showed (bsid=ID.), behind the shell's escapes.
session_id() {
	grep -o 'bsid=[0-9a-f]\{32\}\.' "$1" | head -n 1 | sed 's/^bsid=\(.*\)\.$/\1/'
}

# transcript NAME SID: SID's transcript verifies; its text in $S/NAME.cat.
transcript() {
	prefix_verdict "$1" "$2" 0
	prefix_cat "$1" "$2"
}

# hunted MODE LABEL: the checks of one B login with a hunter in A.
hunted() {
	D=$S/$1 n=$1-$2
	out=$D/$2.txt hunt=$D/$2.hunt
	tr -d '\r' < "$D/$2.out" > "$out"
	what=$(sed -n "s/^RESULT $2 \\([a-z]*\\)\$/\\1/p" "$S/$1.txt")
	case $2 in
	hide) want="hides its open files" ;;
	*) want="already holds the terminal open" ;;
	esac
	case $what in
	refused)
		why=
		grep -q "$want" "$out" || why=" no \"$want\";"
		grep -q "open pts/[0-9]* ok" "$hunt" || why="$why the hunter did not open the pty;"
		! grep -q "bgb> " "$out" || why="$why B got a shell;"
		pass_unless "$n-refused-or-exclusive" "$why" "$out" "$hunt"
		# Before the refusal the hunter may have written: no recorder
		# ran yet.  After it, nothing may show.
		why=
		! sed -n '/no shell is started/,$p' "$out" | grep -q -F -e "$MARK" ||
			why=" the mark after the refusal;"
		pass_unless "$n-no-unrecorded-mark" "$why" "$out"
		;;
	shell)
		why=
		grep -q "open pts/[0-9]* failed: Device or resource busy" "$hunt" ||
			why=" the hunter's open did not fail with EBUSY;"
		! grep -q "open pts/[0-9]* ok" "$hunt" || why="$why the hunter opened B's pty;"
		pass_unless "$n-refused-or-exclusive" "$why" "$out" "$hunt"
		sid=$(session_id "$out")
		transcript "$n" "$sid"
		why=
		grep -q -F -e "$TYPED-$2-42" "$S/$n.cat" || why=" B's output is not in its transcript;"
		! grep -q -F -e "$MARK" "$out" || why="$why the hunter's mark is on B's terminal;"
		pass_unless "$n-no-unrecorded-mark" "$why" "$out" "$S/$n.cat"
		;;
	*)
		fail "$n-refused-or-exclusive" "no result: $(show 30 "$S/$1.txt")"
		;;
	esac
	why=
	! grep "^stole" "$hunt" | grep -q -F -e "$TYPED" || why=" the hunter read B's typing;"
	pass_unless "$n-input-not-stolen" "$why" "$hunt"
}

# attack MODE: A, the hunted Bs, attack 5 and the end of A.
attack() {
	D=$S/$1
	{ mkdir "$D" && chown "$U" "$D"; } || hard_error "mkdir $D"
	ls "$SPOOL" > "$D/spool.before"
	BGT_PORT=$PORT BGT_USER=$U BGT_SECRET=$SECRET BGT_LOGINS=$LOGINS BGT_REC=$REC \
		BGT_HUNTER=$S/hunter \
		BGT_MARK=$MARK BGT_TYPED=$TYPED BGT_DIR=$D \
		timeout 150 expect -f "$TESTS_SRCDIR/root/attack_root.exp" > "$S/$1.out" 2>&1 < /dev/null &
	EXP_PID=$!
	wait "$EXP_PID"
	RC=$?
	EXP_PID=
	# A, two hunted Bs, the B of attack 5.
	LOGINS=$((LOGINS + 4))
	tr -d '\r' < "$S/$1.out" > "$S/$1.txt"
	if [ "$RC" != 3 ]; then
		fail "$1-dialogue" "expect exit $RC: $(tail -n 30 "$S/$1.txt")"
		return
	fi
	pass "$1-dialogue"

	hunted "$1" hide
	hunted "$1" plain

	n=$1-a5
	tr -d '\r' < "$D/a5.out" > "$D/a5.txt"
	why=
	grep -q -x "A5 soft 1" "$S/$1.txt" || why=" the recorder under soft limits was not refused;"
	grep -q -x "A5 hard 1" "$S/$1.txt" || why="$why the recorder under hard limits was not refused;"
	grep -q -e "was not started by the login" -e "already claimed" "$D/a5.txt" ||
		why="$why no refusal of the claim;"
	grep -q "hard limit of" "$D/a5.txt" || why="$why no refusal of the hard limits;"
	! grep -q "PWNED" "$D/a5.txt" || why="$why the command ran;"
	grep -e "breakglass-rec:" -e "^A5 " "$D/a5.txt" "$S/$1.txt" > "$D/a5.refusals"
	pass_unless "$n-refused" "$why" "$D/a5.refusals"
	sid=$(session_id "$D/a5.txt")
	transcript "$n" "$sid"
	why=
	grep -q -F -e "$TYPED-a5-42" "$S/$n.cat" || why=" before;"
	grep -q -F -e "$TYPED-a5-after-42" "$S/$n.cat" || why="$why after;"
	! grep -q PWNED "$S/$n.cat" || why="$why PWNED;"
	pass_unless "$n-recording-unaffected" "$why" "$S/$n.cat"

	# A has ended: none of its processes, the hunters included, is left.
	sleep 1
	why=
	for pid in $(sed -n 's/^HUNTER \([0-9]*\)$/\1/p' "$S/$1.txt" | tr '\n' ' '); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2> /dev/null)
		[ -z "$st" ] || [ "$st" = Z ] || why="$why hunter $pid still runs;"
	done
	left=$(ps -o pid=,stat=,args= -u "$U" | awk '$2 !~ /^Z/')
	[ -z "$left" ] || why="$why still running: $left;"
	pass_unless "$1-nothing-of-a-left" "$why"

	# Every transcript made verifies.
	why=
	new=0
	for dir in "$SPOOL"/*; do
		sid=${dir##*/}
		! grep -q -x -F -e "$sid" "$D/spool.before" || continue
		new=$((new + 1))
		"$P/bin/breakglass-replay" verify -k "$S/a1.key" --host-pub "$ETC/host.key.pub" \
			"$dir" > "$D/verify.out" 2>&1 || why="$why $sid: $(cat "$D/verify.out");"
	done
	# A's, and one for each B that got a shell (attack 5's always): a
	# refused B has none.
	want=$((1 + $(grep -c '^RESULT [a-z0-9]* shell$' "$S/$1.txt")))
	[ "$new" = "$want" ] || why="$why $new transcripts, not $want;"
	pass_unless "$1-transcripts-complete" "$why"
}

LOGINS=0
T0=$(date +%s)
# The supported set-up: the recorder is the login shell.
sshd_start
attack shell
# ForceCommand: bash runs the recorder.
usermod -s /bin/bash "$U" || hard_error "usermod"
sshd_start "ForceCommand $REC"
attack forcecommand
printf '%s: the attacks took %s s\n' "$TEST_NAME" "$(($(date +%s) - T0))"
finish
