# The cases of rec_root.sh (sourced by it, after the set-up).

# ---- pipes: binary data both ways, exit status, closed stdin ---------------

head -c 10485760 /dev/urandom > "$S/in.bin"
grant "$UA" 600
ID=$REPLY
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
