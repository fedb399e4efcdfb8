# The cases of rec_root.sh (sourced by it, after the set-up).

# ---- pipes: binary data both ways, exit status, closed stdin ---------------

head -c 10485760 /dev/urandom > "$S/in.bin"
grant "$UA" 600
ID=$REPLY

# ---- breakglassctl sessions: a granted session, no recorder yet ------------

"$P/bin/breakglassctl" sessions > "$S/sessions.out" 2> "$S/sessions.err"
rc=$?
why=
[ "$rc" = 0 ] || why=" exit $rc;"
head -n 1 "$S/sessions.out" | grep -q '^SESSION  *USER  *TICKET  *START  *EXPIRES  *RECORDER  *CONTAINMENT$' ||
	why="$why no header;"
grep -Eq "^$ID  +$UA  +INC-77  +[0-9T:-]+Z  +[0-9T:-]+Z  +-  +none\$" "$S/sessions.out" ||
	why="$why the session is not listed as granted, no recorder, uncontained;"
pass_unless sessions-lists-the-grant "$why" "$S/sessions.out" "$S/sessions.err"
as "$UA" "$ID" "$REC" -c 'cat' < "$S/in.bin" > "$S/pipe.out" 2> "$S/pipe.err"
expect_rc pipe-exit $? 0
same_sha pipe-output-delivered "$S/in.bin" "$S/pipe.out"
prefix_verdict pipe "$ID" 0
prefix_cat pipe "$ID"
# The banner (on stderr) is recorded first, then what the command printed.
tail -n +2 "$S/pipe.cat" > "$S/pipe.data"
same_sha pipe-output-recorded "$S/in.bin" "$S/pipe.data"
prefix_cat pipe-in "$ID" --input
same_sha pipe-input-recorded "$S/in.bin" "$S/pipe-in.cat"
grep -q "recorded for ticket INC-77" "$S/pipe.err" && pass pipe-banner-on-stderr ||
	fail pipe-banner-on-stderr "$(show 3 "$S/pipe.err")"

grant "$UA" 600
as "$UA" "$REPLY" "$REC" -c 'exit 7' < /dev/null > /dev/null 2> "$S/exit7.err"
expect_rc exit-status-kept $? 7

grant "$UA" 600
as "$UA" "$REPLY" timeout 60 "$REC" -c 'cat; echo after-eof' < /dev/null \
	> "$S/devnull.out" 2> "$S/devnull.err"
rc=$?
[ "$rc" = 0 ] && grep -q after-eof "$S/devnull.out" && pass stdin-devnull-no-hang ||
	fail stdin-devnull-no-hang "exit $rc: $(show 3 "$S/devnull.out")"
grant "$UA" 600
as "$UA" "$REPLY" timeout 60 "$REC" -c 'cat; echo after-eof' <&- > "$S/closed.out" 2> "$S/closed.err"
rc=$?
[ "$rc" = 0 ] && grep -q after-eof "$S/closed.out" && pass stdin-closed-no-hang ||
	fail stdin-closed-no-hang "exit $rc: $(show 3 "$S/closed.out") $(show 3 "$S/closed.err")"

# ---- the command of a non-interactive session ------------------------------

# cmd_recorded NAME SESSION WANT: the transcript (second event) and the
# signed manifest (last member) hold the command objects WANT.
cmd_recorded() {
	prefix_verdict "$1" "$2" 0
	prefix_cat "$1" "$2" --json
	[ "$(sed -n 2p "$S/$1.cat")" = "{\"t\":0,\"segment\":0,\"type\":\"meta\",\"meta\":{\"command\":$3}}" ] &&
		pass "$1-in-transcript" || fail "$1-in-transcript" "$(show 3 "$S/$1.cat")"
	grep -q -F ",\"command\":$3,\"signature\":\"" "$SPOOL/$2/manifest.json" &&
		pass "$1-in-manifest" || fail "$1-in-manifest" "$(cut -c 1-600 "$SPOOL/$2/manifest.json")"
}

# The recorder as login shell: sshd runs it as breakglass-rec -c COMMAND.
grant "$UA" 600
ID=$REPLY
as "$UA" "$ID" "$REC" -c 'echo hi; id' < /dev/null > "$S/cmd-c.out" 2> "$S/cmd-c.err"
expect_rc cmd-login-shell-exit $? 0
cmd_recorded cmd-login-shell "$ID" \
	'[{"source":"-c","text":"echo hi; id","length":11,"truncated":false}]'
# Under ForceCommand: what the client asked for is in SSH_ORIGINAL_COMMAND,
# here with an escape, a newline and a byte that is not UTF-8 (kept as hex).
grant "$UA" 600
ID=$REPLY
as "$UA" "$ID" env "SSH_ORIGINAL_COMMAND=$(printf 'echo \033[31mred\nid #\377')" "$REC" \
	< /dev/null > "$S/cmd-ssh.out" 2> "$S/cmd-ssh.err"
expect_rc cmd-forcecommand-exit $? 0
grep -q -x "uid=$(id -u "$UA").*" "$S/cmd-ssh.out" && pass cmd-forcecommand-ran ||
	fail cmd-forcecommand-ran "$(show 3 "$S/cmd-ssh.out")"
cmd_recorded cmd-forcecommand "$ID" \
	'[{"source":"SSH_ORIGINAL_COMMAND","hex":"6563686f201b5b33316d7265640a69642023ff","length":19,"truncated":false}]'
# Both: -c is what runs, SSH_ORIGINAL_COMMAND what the client asked for.
grant "$UA" 600
ID=$REPLY
as "$UA" "$ID" env "SSH_ORIGINAL_COMMAND=scp -t /tmp" "$REC" -c /usr/lib/openssh/sftp-server \
	< /dev/null > /dev/null 2> "$S/cmd-both.err"
cmd_recorded cmd-both "$ID" '[{"source":"-c","text":"/usr/lib/openssh/sftp-server","length":28,"truncated":false},{"source":"SSH_ORIGINAL_COMMAND","text":"scp -t /tmp","length":11,"truncated":false}]'
# 100 000 bytes (an argument holds at most 128 KiB): 65536 kept, the cut said.
grant "$UA" 600
ID=$REPLY
long=$(head -c 99998 /dev/zero | tr '\0' a)
as "$UA" "$ID" "$REC" -c ": $long" < /dev/null > /dev/null 2> "$S/cmd-long.err"
expect_rc cmd-long-exit $? 0
cmd_recorded cmd-long "$ID" "[{\"source\":\"-c\",\"text\":\": $(printf '%s' "$long" | cut -c 1-65534)\",\"length\":100000,\"truncated\":true}]"

# ---- what the child gets ---------------------------------------------------

grant "$UA" 600
ID=$REPLY
EXTRA_ENV="LD_PRELOAD=/nonexistent.so BREAKGLASS_CONFIG=/etc/passwd BASH_ENV=/tmp/x FOO=bar LANG=C.UTF-8" \
	as "$UA" "$ID" "$REC" -c 'tr "\0" "\n" < /proc/$$/environ; ls /proc/$$/fd; id -u; id -G; :' \
	< /dev/null > "$S/env.out" 2> "$S/env.err"
why=
for bad in LD_PRELOAD BREAKGLASS_CONFIG BASH_ENV FOO; do
	! grep -q "^$bad=" "$S/env.out" || why="$why $bad passed;"
done
for want in "BREAKGLASS_SESSION=$ID" "LANG=C.UTF-8" "USER=$UA" "LOGNAME=$UA" \
	"HOME=$(getent passwd "$UA" | cut -d: -f6)" "SHELL=/bin/bash"; do
	grep -q -x -F "$want" "$S/env.out" || why="$why no $want;"
done
names=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$S/env.out" |
	grep -v -x -E 'TERM|LANG|LC_[A-Z_]+|TZ|SSH_[A-Z_]+|HOME|USER|LOGNAME|SHELL|PATH|BREAKGLASS_SESSION|PWD|OLDPWD')
[ -z "$names" ] || why="$why unexpected: $names;"
[ "$why" = "" ] && pass child-environment-allow-listed || fail child-environment-allow-listed "$why"
fds=$(grep -x -E '[0-9]+' "$S/env.out" | tr '\n' ' ')
uid_a=$(id -u "$UA")
case $fds in
"0 1 2 $uid_a "*) pass child-fds-0-1-2-and-user-ids ;;
*) fail child-fds-0-1-2-and-user-ids "fds and uid: $fds" ;;
esac
! grep -q -w "$(getent group breakglass | cut -d: -f3)" "$S/env.out" &&
	pass child-not-in-breakglass-group || fail child-not-in-breakglass-group "$(cat "$S/env.out")"

# ---- what the user cannot do -----------------------------------------------

why=
as "$UA" x ls "$SPOOL" > /dev/null 2>&1 && why="$why can list the spool;"
as "$UA" x cat "$SPOOL/$ID/000000.bgr" > /dev/null 2>&1 && why="$why can read a segment;"
as "$UA" x touch "$SPOOL/x" > /dev/null 2>&1 && why="$why can write the spool;"
as "$UA" x ls "$RUN" > /dev/null 2>&1 && why="$why can list the grants;"
[ -z "$why" ] && pass user-kept-out-of-spool-and-grants || fail user-kept-out-of-spool-and-grants "$why"

grant "$UA" 600
ID=$REPLY
as_bg "$UA" "$ID" "$REC" -c 'sleep 30' < /dev/null > /dev/null 2>&1
RECPID=$!
sleep 2
why=
[ "$(readlink "/proc/$RECPID/exe")" = "$REC" ] || why="$why $RECPID is not the recorder;"
as "$UA" x "$B/tests/root/ptrace_probe" "$RECPID" > "$S/ptrace.out" 2>&1 && why="$why ptrace attached;"
grep -q refused "$S/ptrace.out" || why="$why probe said: $(cat "$S/ptrace.out");"
as "$UA" x cat "/proc/$RECPID/environ" > /dev/null 2>&1 && why="$why environ readable;"
as "$UA" x cat "/proc/$RECPID/mem" > /dev/null 2>&1 && why="$why mem readable;"
[ -z "$why" ] && pass recorder-not-traceable || fail recorder-not-traceable "$why"
kill -KILL "$RECPID" 2> /dev/null
wait "$RECPID" 2> /dev/null

# ---- refusals: no shell ----------------------------------------------------

MARKER=$(getent passwd "$UA" | cut -d: -f6)/marker
refused() {
	rm -f "$MARKER"
	as "$UA" "$2" "$REC" -c "touch $MARKER" < /dev/null > "$S/$1.out" 2> "$S/$1.err"
	_rc=$?
	if [ "$_rc" = 1 ] && [ ! -e "$MARKER" ] && grep -q "$3" "$S/$1.err"; then
		pass "refused-$1"
	else
		fail "refused-$1" "exit $_rc, marker $([ -e "$MARKER" ] && echo made): $(show 3 "$S/$1.err")"
	fi
}
grant "$UB" 600
refused other-users-grant "$REPLY" "not for this user"
grant "$UA" -5
refused expired-grant "$REPLY" "expired"
grant "$UA" 600 "$UA"
refused user-owned-grant "$REPLY" "no valid grant"
refused malformed-id "../../etc/passwd" "no emergency access grant"
refused unknown-id "0123456789abcdef0123456789abcdef" "no valid grant"

# ---- the grant: claimed once, by a recorder of the login that opened it ----

grant "$UA" 600
ID=$REPLY
as_bg "$UA" "$ID" "$REC" -c 'sleep 3' < /dev/null > /dev/null 2>&1
RECPID=$!
sleep 1
refused claimed-twice "$ID" "already claimed by another recorder"
wait "$RECPID"
expect_rc first-claim-records $? 0
prefix_verdict first-claim "$ID" 0
refused claimed-after-the-end "$ID" "already claimed by another recorder"
# Another process (not an ancestor), this shell with another start time
# (its pid reused), and an older grant without a login process.
sleep 60 &
OTHER=$!
start_of "$OTHER"
grant "$UA" 600 root "$OTHER,$REPLY"
refused not-below-the-login "$REPLY" "not started by the login"
kill "$OTHER"
start_of $$
grant "$UA" 600 root "$$,$((REPLY + 1))"
refused login-pid-reused "$REPLY" "not started by the login"
grant "$UA" 600 root ""
refused grant-without-login "$REPLY" "does not name the login"
[ ! -e "$SPOOL/$REPLY" ] && pass refused-claim-leaves-no-trace ||
	fail refused-claim-leaves-no-trace "$SPOOL/$REPLY exists"

# ---- limits the caller lowered: raised, or the recorder refuses ------------

# limited NAME PRLIMIT-OPTION: a 3 MB command through a recorder that
# the user starts under that limit; RC, and $S/NAME.out, $S/NAME.err.
limited() {
	grant "$UA" 600
	ID=$REPLY
	as "$UA" "$ID" prlimit "$2" "$REC" -c "head -c 3000000 /dev/zero | tr '\\0' x; touch $MARKER" \
		< /dev/null > "$S/$1.out" 2> "$S/$1.err"
	RC=$?
}
# Soft limits only: raised for the recording.
for lim in "f:--fsize=1:" "n:--nofile=4:"; do
	name=soft-${lim%%:*}-raised
	rm -f "$MARKER"
	limited "$name" "${lim#*:}"
	prefix_cat "$name" "$ID"
	n=$(tail -n +2 "$S/$name.cat" | tr -d -c x | wc -c)
	if [ "$RC" = 0 ] && [ "$n" = 3000000 ] && [ -e "$MARKER" ]; then
		prefix_verdict "$name" "$ID" 0
		pass "$name"
	else
		fail "$name" "exit $RC, $n bytes recorded: $(show 3 "$S/$name.err")"
	fi
done
# Hard limits too: no unprivileged process may raise them.
for lim in "f:--fsize=1024:file size" "n:--nofile=4:open files"; do
	name=hard-${lim%%:*}-refused
	rest=${lim#*:}
	rm -f "$MARKER"
	limited "$name" "${rest%%:*}"
	if [ "$RC" = 1 ] && [ ! -e "$MARKER" ] && [ ! -e "$SPOOL/$ID" ] &&
		grep -q "hard limit of ${rest#*:}" "$S/$name.err"; then
		pass "$name"
	else
		fail "$name" "exit $RC, marker $([ -e "$MARKER" ] && echo made): $(show 3 "$S/$name.err")"
	fi
done

# ---- SIGKILL: the session ends with it, the flushed part verifies ----------

grant "$UA" 600
ID=$REPLY
as_bg "$UA" "$ID" "$REC" -c 'i=0; while [ $i -lt 600 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done' \
	< /dev/null > "$S/kill.out" 2> /dev/null
RECPID=$!
sleep 3
[ "$(readlink "/proc/$RECPID/exe")" = "$REC" ] || fail killed-the-recorder "$RECPID is not the recorder"
kill -KILL "$RECPID"
wait "$RECPID" 2> /dev/null
sleep 1
prefix_verdict killed "$ID" 3
prefix_cat killed "$ID"
tail -n +2 "$S/killed.cat" > "$S/killed.data"
n=$(wc -c < "$S/killed.data")
if [ "$n" -gt 0 ] && cmp -s -n "$n" "$S/killed.data" "$S/kill.out"; then
	pass killed-transcript-is-what-was-shown
else
	fail killed-transcript-is-what-was-shown "$n bytes recorded, $(wc -c < "$S/kill.out") shown"
fi
pgrep -u "$UA" -f 'line-' > /dev/null && fail killed-child-gone "the session outlived the recorder" ||
	pass killed-child-gone

# ---- a full disk -----------------------------------------------------------

SMALL=$S/small
install -d -o breakglass -g breakglass -m 700 "$SMALL"
if mount -t tmpfs -o size=512k,mode=700,uid="$(id -u breakglass)",gid="$(id -g breakglass)" tmpfs "$SMALL" 2> /dev/null; then
	MOUNTED=$SMALL
	SPOOL_DIR=$SMALL
	config ""
	grant "$UA" 600
	as "$UA" "$REPLY" "$REC" -c 'head -c 3000000 /dev/urandom; echo' < /dev/null > /dev/null 2> "$S/full.err"
	rc=$?
	[ "$rc" != 0 ] && grep -q "recording failed" "$S/full.err" && pass disk-full-terminates ||
		fail disk-full-terminates "exit $rc: $(show 4 "$S/full.err")"
	rm -rf "${SMALL:?}"/*
	config ', "on_disk_full": "continue-unrecorded"'
	grant "$UA" 600
	as "$UA" "$REPLY" "$REC" -c 'head -c 3000000 /dev/urandom; echo' < /dev/null > "$S/cont.out" 2> "$S/cont.err"
	rc=$?
	[ "$rc" = 0 ] && [ "$(wc -c < "$S/cont.out")" -ge 3000000 ] &&
		grep -q "unrecorded" "$S/cont.err" && pass disk-full-continues-unrecorded ||
		fail disk-full-continues-unrecorded "exit $rc: $(show 4 "$S/cont.err")"
	rm -rf "${SMALL:?}"/*
	head -c 600000 /dev/zero > "$SMALL/filler" 2> /dev/null
	config ""
	grant "$UA" 600
	refused disk-full-at-start "$REPLY" "cannot record"
	umount "$SMALL" && MOUNTED=
	SPOOL_DIR=
	config ""
else
	printf 'SKIP: disk-full (cannot mount a tmpfs here)\n'
fi

# ---- a terminal: typed text, redaction, resize, exit, expiry ---------------

run_exp() {
	BGT_REC=$REC BGT_USER=$1 BGT_SESSION=$2 BGT_MODE=$3 \
		expect -f "$TESTS_SRCDIR/root/rec_root.exp" > "$S/$3.exp" 2>&1 < /dev/null
	RC=$?
}
grant "$UA" 600
ID=$REPLY
run_exp "$UA" "$ID" typed
expect_rc pty-exit-status "$RC" 5
prefix_verdict pty "$ID" 0
prefix_cat pty "$ID"
prefix_cat pty-in "$ID" --input
prefix_cat pty-json "$ID" --json
why=
grep -q typed-marker-42 "$S/pty.cat" || why="$why no typed text in the output;"
grep -q -F 'echo typed-marker-$((40 + 2))' "$S/pty-in.cat" || why="$why no typed text in the input;"
grep -q 's3cret' "$S/pty-in.cat" "$S/pty.cat" && why="$why the secret was recorded;"
grep -q '\[redacted: 12 bytes\]' "$S/pty-in.cat" || why="$why no redaction marker;"
grep -q '"type":"resize","cols":100,"rows":40' "$S/pty-json.cat" || why="$why no resize to 100x40;"
grep -q '40 100' "$S/pty.cat" || why="$why the shell did not see 40 100;"
# Interactive: no command, in the transcript or the manifest.
grep -q '"meta":{"command"' "$S/pty-json.cat" && why="$why a command event;"
grep -q '"command"' "$SPOOL/$ID/manifest.json" && why="$why a command in the manifest;"
[ -z "$why" ] && pass pty-transcript || fail pty-transcript "$why $(show 20 "$S/typed.exp")"

# A password at a nested pty: the outer terminal is raw, the prompt rule
# redacts the answer up to its Enter, and the span is marked.
HOME_A=$(getent passwd "$UA" | cut -d: -f6)
printf '%s\n' "printf \"alice@db1's password: \"" 'stty -echo' 'read -r p' 'stty echo' \
	'echo' 'echo "got=${#p}"' 'sleep 1' > "$HOME_A/p.sh" && chmod 644 "$HOME_A/p.sh" ||
	hard_error "cannot write $HOME_A/p.sh"
grant "$UA" 600
ID=$REPLY
run_exp "$UA" "$ID" nested
expect_rc nested-exit-status "$RC" 0
prefix_verdict nested "$ID" 0
prefix_cat nested "$ID"
prefix_cat nested-in "$ID" --input
prefix_cat nested-json "$ID" --json
why=
grep -q -e 'n3sted' -e 'tmux-secret' "$S/nested-in.cat" "$S/nested.cat" "$S/nested-json.cat" &&
	why="$why a secret was recorded;"
grep -q '"type":"in_redacted"' "$S/nested-json.cat" || why="$why no in_redacted event;"
grep -q '"meta":{"redaction":{"bytes":14,"lines":1}}' "$S/nested-json.cat" ||
	why="$why no redaction span of 14 bytes, 1 line (script);"
grep -q '"meta":{"redaction":{"bytes":13,"lines":1}}' "$S/nested-json.cat" ||
	why="$why no redaction span of 13 bytes, 1 line (tmux);"
grep -q '"meta":{"redaction":{"bytes":5,"lines":1}}' "$S/nested-json.cat" ||
	why="$why no redaction span of 5 bytes, 1 line (raw PIN prompt);"
grep -q '4711' "$S/nested-in.cat" && why="$why the PIN was recorded;"
grep -q -F 'echo after-$((6 * 7))' "$S/nested-in.cat" || why="$why input after the answer not recorded;"
grep -q 'redacted input spans' "$S/nested.verify" "$S/nested.cat.err" && why="$why a one-line span flagged;"
[ -z "$why" ] && pass nested-prompt-redacted ||
	fail nested-prompt-redacted "$why $(show 12 "$S/nested-in.cat") $(show 20 "$S/nested.exp")"

# stty -echo hiding commands: still redacted, but flagged by verify and cat.
grant "$UA" 600
ID=$REPLY
run_exp "$UA" "$ID" blind
expect_rc blind-exit-status "$RC" 0
prefix_verdict blind "$ID" 0
prefix_cat blind "$ID" --input
prefix_cat blind-json "$ID" --json
why=
grep -q 'hidden-' "$S/blind.cat" && why="$why the blind commands were recorded as input;"
grep -q '"meta":{"redaction":{"bytes":[0-9]*,"lines":3}}' "$S/blind-json.cat" ||
	why="$why no span of 3 lines;"
grep -q ': complete: .*; redacted input spans 3 lines' "$S/blind.verify" ||
	why="$why verify did not flag it: $(cat "$S/blind.verify");"
grep -q 'warning: redacted input spans 3 lines' "$S/blind.cat.err" ||
	why="$why cat did not warn: $(cat "$S/blind.cat.err");"
[ -z "$why" ] && pass stty-echo-span-flagged ||
	fail stty-echo-span-flagged "$why $(show 20 "$S/blind.exp")"

grant "$UA" 3
ID=$REPLY
run_exp "$UA" "$ID" expire
[ "$RC" = 0 ] && pass expiry-ends-session || fail expiry-ends-session "$(show 20 "$S/expire.exp")"
prefix_verdict expire "$ID" 0
prefix_cat expire "$ID"
grep -q "has expired" "$S/expire.cat" && pass expiry-notice-recorded ||
	fail expiry-notice-recorded "$(show 5 "$S/expire.cat")"

grant "$UA" 600
ID=$REPLY
run_exp "$UA" "$ID" held
[ "$RC" = 1 ] && [ ! -e "$SPOOL/$ID" ] && pass terminal-held-elsewhere-refused ||
	fail terminal-held-elsewhere-refused "exit $RC: $(show 20 "$S/held.exp")"
pkill -KILL -u "$UA" sleep 2> /dev/null

# ---- containment: the session's cgroup, as pam_breakglass(8) makes it -------

CGM=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ -n "$CGM" ] && [ -w "$CGM/cgroup.procs" ]; then
	CONTAINMENT=required
	config ""
	grant "$UA" 600
	refused uncontained-when-required "$REPLY" "not contained in its cgroup"

	# Leftovers of every kind, their pids in PIDS; where the session is;
	# and tries to leave the cgroup or kill it (each must fail).
	H=$(getent passwd "$UA" | cut -d: -f6)
	PIDS=$H/pids
	rm -f "$PIDS"
	grant "$UA" 600
	ID=$REPLY
	CG=$CGM/breakglass/$ID
	cat > "$H/session.sh" <<-END
	setsid nohup sleep 1000 > /dev/null 2>&1 & echo \$! >> $PIDS
	sh -c 'sleep 1001 > /dev/null 2>&1 & echo \$! >> $PIDS'
	sleep 1002 > /dev/null 2>&1 & echo \$! >> $PIDS; disown
	grep '^0::' /proc/self/cgroup
	for f in $CGM/cgroup.procs $CG/cgroup.procs $CG/rec/cgroup.procs $CG/user/cgroup.procs; do
		echo \$\$ > \$f 2> /dev/null && echo left-through-\$f
	done
	echo 1 > $CG/user/cgroup.kill 2> /dev/null && echo could-kill
	grep '^0::' /proc/self/cgroup
	END
	chmod 644 "$H/session.sh"
	# running PIDFILE: the pids of PIDFILE still running (not zombies).
	running() {
		for pid in $(cat "$1"); do
			state=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$pid/stat" 2> /dev/null)
			[ -z "$state" ] || [ "$state" = Z ] || printf '%s(%s) ' "$pid" "$state"
		done
	}
	# The login process looks once the recorder is gone, before it
	# removes the cgroup itself: the recorder must have killed them.
	export PIDS
	"$B/tests/root/contain_login" "$ID" sh -c '
		setpriv --reuid="$0" --regid="$0" --init-groups env -i PATH=/usr/bin:/bin \
			BREAKGLASS_SESSION="$1" ASAN_OPTIONS=detect_leaks=0 "$2" -c ". $3"
		rc=$?
		for pid in $(cat "$PIDS"); do
			state=$(sed -n "s/.*) \(.\).*/\1/p" "/proc/$pid/stat" 2> /dev/null)
			[ -z "$state" ] || [ "$state" = Z ] || echo "after-recorder: $pid $state"
		done
		exit $rc' "$UA" "$ID" "$REC" "$H/session.sh" < /dev/null > "$S/contained.out" 2> "$S/contained.err"
	rc=$?
	why=
	[ "$rc" = 0 ] || why="$why exit $rc;"
	[ "$(grep -c -x "0::/breakglass/$ID/user" "$S/contained.out")" = 2 ] ||
		why="$why not in the user's cgroup;"
	! grep -q -e left-through -e could-kill "$S/contained.out" ||
		why="$why $(grep -e left -e could "$S/contained.out");"
	[ -z "$why" ] && pass contained-user-cannot-leave ||
		fail contained-user-cannot-leave "$why $(show 8 "$S/contained.out") $(show 4 "$S/contained.err")"
	why=
	[ "$(wc -l < "$PIDS")" = 3 ] || why="$why not 3 pids: $(cat "$PIDS");"
	! grep -q after-recorder "$S/contained.out" || why="$why $(grep after-recorder "$S/contained.out");"
	left=$(running "$PIDS")
	[ -z "$left" ] || why="$why still running: $left;"
	[ ! -e "$CG" ] || why="$why $CG is still there;"
	[ -z "$why" ] && pass contained-leftovers-killed || fail contained-leftovers-killed "$why"
	prefix_verdict contained "$ID" 0

	# Contained, the recorder's ids are all the account's once the shell
	# runs: the user may not signal, stop, trace or limit it.
	grant "$UA" 600
	ID=$REPLY
	"$B/tests/root/contain_login" "$ID" setpriv --reuid="$UA" --regid="$UA" --init-groups \
		env -i PATH=/usr/bin:/bin BREAKGLASS_SESSION="$ID" ASAN_OPTIONS=detect_leaks=0 \
		"$REC" -c 'sleep 6; echo survived' < /dev/null > "$S/settled.out" 2> "$S/settled.err" &
	LOGINPID=$!
	sleep 2
	RECPID=$(pgrep -P "$LOGINPID" | head -n 1)
	why=
	[ "$(readlink "/proc/$RECPID/exe")" = "$REC" ] || why="$why $RECPID is not the recorder;"
	ids=$(awk '/^[UG]id:/ { print $2, $3, $4, $5 }' "/proc/$RECPID/status" | tr '\n' ' ')
	want="$(id -u breakglass) $(id -u breakglass) $(id -u breakglass) $(id -u breakglass) "
	want="$want$(id -g breakglass) $(id -g breakglass) $(id -g breakglass) $(id -g breakglass) "
	[ "$ids" = "$want" ] || why="$why ids $ids, not $want;"
	for sig in 0 STOP TERM KILL; do
		as "$UA" x sh -c "kill -$sig $RECPID" > "$S/kill.out" 2>&1 && why="$why kill -$sig worked;"
		grep -q -i "not permitted" "$S/kill.out" || why="$why kill -$sig: $(cat "$S/kill.out");"
	done
	as "$UA" x prlimit --pid "$RECPID" --nofile=4 > /dev/null 2>&1 && why="$why prlimit worked;"
	as "$UA" x "$B/tests/root/ptrace_probe" "$RECPID" > /dev/null 2>&1 && why="$why ptrace attached;"
	state=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$RECPID/stat")
	[ "$state" != T ] || why="$why stopped;"
	# Root sees the session running: its recorder, in its cgroup.
	"$P/bin/breakglassctl" sessions > "$S/sessions-live.out" 2> "$S/sessions-live.err"
	grep -Eq "^$ID  +$UA  +INC-77  +[0-9T:-]+Z  +[0-9T:-]+Z  +$RECPID  +cgroup\$" \
		"$S/sessions-live.out" ||
		why="$why breakglassctl sessions: $(grep -F "$ID" "$S/sessions-live.out" || echo not listed);"
	wait "$LOGINPID"
	rc=$?
	[ "$rc" = 0 ] && grep -q survived "$S/settled.out" || why="$why exit $rc: $(show 3 "$S/settled.err");"
	[ -z "$why" ] && pass contained-recorder-unsignalable || fail contained-recorder-unsignalable "$why"
	prefix_verdict settled "$ID" 0

	# Expiry still ends a contained session, and what it left behind.
	grant "$UA" 3
	ID=$REPLY
	rm -f "$PIDS"
	"$B/tests/root/contain_login" "$ID" sh -c '
		setpriv --reuid="$0" --regid="$0" --init-groups env -i PATH=/usr/bin:/bin \
			BREAKGLASS_SESSION="$1" ASAN_OPTIONS=detect_leaks=0 "$2" -c "
			setsid nohup sleep 1000 > /dev/null 2>&1 & echo \$! >> $PIDS
			trap \"\" HUP TERM; sleep 60"
		rc=$?
		for pid in $(cat "$PIDS"); do
			state=$(sed -n "s/.*) \(.\).*/\1/p" "/proc/$pid/stat" 2> /dev/null)
			[ -z "$state" ] || [ "$state" = Z ] || echo "after-recorder: $pid $state"
		done
		exit $rc' "$UA" "$ID" "$REC" < /dev/null > "$S/cexpire.out" 2> "$S/cexpire.err"
	rc=$?
	why=
	grep -q "has expired" "$S/cexpire.err" || why="$why no expiry notice;"
	! grep -q after-recorder "$S/cexpire.out" || why="$why $(grep after-recorder "$S/cexpire.out");"
	[ -z "$why" ] && pass contained-expiry-kills-all || fail contained-expiry-kills-all \
		"exit $rc $why $(show 4 "$S/cexpire.err") $(show 4 "$S/cexpire.out")"
	CONTAINMENT=
	config ""
else
	printf 'SKIP: containment (no writable cgroup2 mount)\n'
fi
