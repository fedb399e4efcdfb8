#!/bin/sh
# redact_root.sh: the recorder's redaction and escrow over a real sshd
# (tests/common/sshd.sh), in both set-ups: the recorder as login shell,
# and bash with the recorder as ForceCommand.  In each, the user (under
# expect, redact_root.exp) types a secret at a sudo-like prompt inside
# script, at ssh's prompt inside tmux, to passwd, to read -s and at a
# raw-mode prompt, then commands blind after stty -echo in dash.  Every
# secret must be in no view an auditor has (cat, --input, --json, the
# spool's bytes), marked as a span of its length, and recovered exactly,
# once, with the escrow key; the blind commands must be flagged by
# verify and cat and recovered too.  Needs root; skipped otherwise.
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
for tool in tmux script passwd chpasswd dash; do
	command -v "$tool" > /dev/null 2>&1 ||
		hard_error "$tool not found (tools/test installs tmux; the rest comes with Debian)"
done
STATUS=$TESTS_BUILDDIR/../config.status
[ -x "$STATUS" ] || hard_error "no config.status beside $TESTS_BUILDDIR"

umask 022
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

# ---- build, install, configure with an escrow key ---------------------------

prefix_build "$TESTS_SRCDIR/.." "$STATUS" "$B" "$P" recorder/breakglass-rec \
	ctl/breakglassctl replay/breakglass-replay pam/pam_breakglass.la || hard_error "$REPLY"
account_take || hard_error "$REPLY"
prefix_install "$B" "$P" "$S" || hard_error "$REPLY"
CTL=$P/bin/breakglassctl
CONF=$P/etc/breakglass/breakglass.json
SPOOL=$P/var/spool/breakglass
# The investigators' key pair: the secret half stays with them ($S/e1.key),
# the public half is the bastion's escrow key.
ESCROW_KEY=$P/etc/breakglass/escrow/e1.pub
{ "$CTL" keygen auditor -o "$S/e1" > "$S/keygen-e1.out" 2>&1 &&
	install -d -m 755 "$P/etc/breakglass/escrow" &&
	install -m 644 "$S/e1.pub" "$ESCROW_KEY" &&
	prefix_config "$P" '"flush_ms": 100' &&
	"$CTL" check-config > "$S/check.out" 2>&1; } ||
	hard_error "escrow key: $(cat "$S/keygen-e1.out" "$S/check.out" 2> /dev/null)"

# The two set-ups; each user has a password (not one sshd asks for: its
# only method is the PAM module's), for passwd to ask.
user_add bgx-l "$P/bin/breakglass-rec" -m
UL=$REPLY
user_add bgx-f /bin/bash -m
UF=$REPLY
TAG_L=l$$x$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
TAG_F=f$$x$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
printf '%s:cur-%s\n%s:cur-%s\n' "$UL" "$TAG_L" "$UF" "$TAG_F" | chpasswd ||
	hard_error "chpasswd failed"
user_enroll "$CTL" "$CONF" "$UL" && SECRET_L=$REPLY &&
	user_enroll "$CTL" "$CONF" "$UF" && SECRET_F=$REPLY &&
	[ -n "$SECRET_L" ] && [ -n "$SECRET_F" ] ||
	hard_error "enroll: $(cat "$S"/enroll-*.err)"

# nobody may try passwords, so that ssh inside the session asks for one:
# it is not in AllowUsers, and has none, so it never gets in.
sshd_prepare "$B/pam/.libs/pam_breakglass.so" "$CONF"
sshd_start "AllowUsers $UL $UF" "Match User $UF" "	ForceCommand $P/bin/breakglass-rec" \
	"Match User nobody" "	PasswordAuthentication yes" "	AuthenticationMethods password"

# ---- the sessions -------------------------------------------------------------

# login NAME USER SECRET TAG: redact_root.exp as USER; its output in
# $S/NAME.out, its status in RC, SID the one spool folder it added.
login() {
	ls "$SPOOL" > "$S/spool.before"
	env BGT_PORT="$PORT" BGT_USER="$2" BGT_SECRET="$3" BGT_TAG="$4" BGT_TICKET=INC-4711 \
		BGT_JUSTIFICATION="Secrets rotate after the database failover" \
		timeout 120 expect -f "$TESTS_SRCDIR/root/redact_root.exp" > "$S/$1.out" 2>&1 < /dev/null
	RC=$?
	# The session closes in sshd after the client has gone.
	sleep 0.5
	ls "$SPOOL" > "$S/spool.after"
	grep -v -x -F -f "$S/spool.before" "$S/spool.after" > "$S/$1.spool"
	SID=$(head -n 1 "$S/$1.spool")
	why=
	[ "$RC" = 0 ] || why=" redact_root.exp exit status $RC;"
	[ "$(wc -l < "$S/$1.spool")" = 1 ] || why="$why not one new spool folder;"
	pass_unless "$1-session" "$why" "$S/$1.out" "$S/$1.spool" "$S/sshd.log"
}

# spans NAME: from $S/NAME.cat (cat --json with the escrow key), one line
# per redacted span: its bytes, its lines and what the escrow opened of
# it, as JSON escapes it (Enter is \r).
spans() {
	awk '/"type":"in_escrow",/ {
		t = $0
		if (!sub(/.*"text":"/, "", t)) t = "<sealed or binary>"
		sub(/"}$/, "", t)
		text = text t
	}
	/"type":"meta","meta":\{"redaction":/ {
		b = $0; sub(/.*"bytes":/, "", b); sub(/,.*/, "", b)
		l = $0; sub(/.*"lines":/, "", l); sub(/}.*/, "", l)
		print b, l, text
		text = ""
	}' "$S/$1.cat" > "$S/$1.spans"
}

# escrowed NAME ROW SECRET SPAN LINES: SECRET was typed blind, in a span
# of LINES lines that is SPAN as JSON writes it (Enter is \r): no view
# without the escrow key shows SECRET, nor do the spool's bytes; with
# the key it is in one span, of the length of SPAN, holding SPAN exactly.
escrowed() {
	subst "$4" '\r' x
	_len=${#REPLY}
	why=
	grep -l -F -e "$3" "$S/$1.cat" "$S/$1-in.cat" "$S/$1-json.cat" > "$S/$1-$2.seen" &&
		why=" shown without the escrow key: $(tr '\n' ' ' < "$S/$1-$2.seen");"
	grep -r -a -q -F -e "$3" "$SPOOL/$SID" && why="$why in the spool's bytes;"
	_k=$(grep -c -F -e "$3" "$S/$1-esc.spans")
	[ "$_k" = 1 ] || why="$why in $_k spans of the escrow, not 1;"
	grep -q -x -F -e "$_len $5 $4" "$S/$1-esc.spans" ||
		why="$why no span of $_len bytes, $5 lines holding exactly it;"
	pass_unless "$1-$2-escrowed" "$why" "$S/$1-esc.spans"
}

# check NAME TAG: the session NAME, whose secrets end in TAG.
check() {
	prefix_verdict "$1" "$SID" 0
	prefix_cat "$1" "$SID"
	prefix_cat "$1-in" "$SID" --input
	prefix_cat "$1-json" "$SID" --json
	prefix_cat "$1-esc" "$SID" --json --escrow-key "$S/e1.key"
	prefix_cat "$1-esc-in" "$SID" --input --escrow-key "$S/e1.key"
	spans "$1-esc"
	why=
	grep -q -F '[redacted: ' "$S/$1-in.cat" || why=" no [redacted: N bytes] in the input;"
	grep -q '"type":"in_escrow","bytes":[0-9]*,"sealed":true}' "$S/$1-json.cat" ||
		why="$why no sealed in_escrow event without the key;"
	! grep -q -F '[redacted: ' "$S/$1-esc-in.cat" || why="$why the escrow key left some unopened;"
	grep -q -F '[escrowed ' "$S/$1-esc-in.cat" || why="$why no [escrowed N bytes: ...] with the key;"
	grep -q -F 'echo after-$((6 * 7))' "$S/$1-in.cat" ||
		why="$why the input after them is not recorded;"
	# Every span opened whole: as many bytes as its mark says (a JSON
	# escape is one byte here, the input being ASCII).
	awk '{ t = $0; sub(/^[^ ]* [^ ]* /, "", t); gsub(/\\u[0-9a-f][0-9a-f][0-9a-f][0-9a-f]|\\./, "e", t)
		if (length(t) != $1) { print "span " NR ": " $1 " bytes marked, " length(t) " opened"; bad = 1 } }
		END { exit bad }' "$S/$1-esc.spans" > "$S/$1-whole" || why="$why $(cat "$S/$1-whole");"
	pass_unless "$1-views" "$why" "$S/$1-in.cat" "$S/$1-esc-in.cat"

	escrowed "$1" sudo-in-script "sudo-$2" "sudo-$2\\r" 1
	escrowed "$1" ssh-in-tmux "ssh-$2" "ssh-$2\\r" 1
	escrowed "$1" passwd-current "cur-$2" "cur-$2\\r" 1
	escrowed "$1" passwd-new "new-$2" "new-$2\\r" 1
	escrowed "$1" passwd-retype "retype-$2" "retype-$2\\r" 1
	escrowed "$1" read-s "read-$2" "read-$2\\r" 1
	escrowed "$1" raw-prompt "raw-$2" "raw-$2\\r" 1
	_cmd="echo hidden-cmd-$2-\$((6 * 7))"
	escrowed "$1" stty-echo "$_cmd" "$_cmd\\rstty echo\\r" 2

	# The blind commands: flagged (the only span of more than one line),
	# their output recorded as always.
	why=
	grep -q "^$SPOOL/$SID: complete: .*; redacted input spans 2 lines\$" "$S/$1.verify" ||
		why=" verify did not flag it: $(cat "$S/$1.verify");"
	for _v in "" -in -json -esc -esc-in; do
		grep -q -F 'warning: redacted input spans 2 lines (stty -echo?)' "$S/$1$_v.cat.err" ||
			why="$why cat$_v did not warn: $(cat "$S/$1$_v.cat.err");"
	done
	grep -q -F "hidden-cmd-$2-42" "$S/$1.cat" || why="$why their output is not recorded;"
	pass_unless "$1-stty-echo-flagged" "$why" "$S/$1.verify" "$S/$1-esc.spans"
}

login login-shell "$UL" "$SECRET_L" "$TAG_L"
check login-shell "$TAG_L"
login forcecommand "$UF" "$SECRET_F" "$TAG_F"
check forcecommand "$TAG_F"

finish
