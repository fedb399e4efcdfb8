#!/bin/sh
# check_config_cli.sh: feed `breakglassctl check-config` hostile and malformed
# configuration files and check the exit status and every message.
#
# Each row of the TABLE (check_config_cases.sh) is one case:
#
#   check NAME ERRORS [REGEX...] -- WRITER [ARG...]
#
# WRITER makes the file $F (mode 0600) in the scratch directory; the
# program is run as `$BREAKGLASSCTL -c $CONF check-config` ($CONF is $F
# unless the writer says otherwise).  ERRORS is the number of errors
# expected: 0 means exit status 0, the effective configuration on stdout
# and no error line; N > 0 means exit status 1, nothing on stdout, exactly N
# "error:" lines and a last line "$CONF: N error(s)".  Every REGEX (grep -E)
# must match a line of stderr.  In a REGEX, @F@ stands for $CONF and @S@
# for the scratch directory (both regex-quoted).  No case may let a raw ESC
# byte reach stdout or stderr.
#
# Writers take a printf format: \\ is one backslash (so a JSON escape is
# written \\u001b), \NNN is the byte with octal value NNN, %% is a percent.
# In it @P@ stands for a "paths" member naming key files in the scratch
# directory, @K@ for the same two keys without the "paths" wrapper, and
# @S@ for the scratch directory.  `w_key a.b.c VALUE` writes a file with
# the key nested one object per line, so the leaf key of depth D sits on
# line D + 1, column 2D + 1.

LC_ALL=C
export LC_ALL
: "${TESTS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
# By hand, outside `make check`: the program of an in-tree build.
: "${BREAKGLASSCTL:=$TESTS_SRCDIR/../ctl/breakglassctl}"
: "${TESTS_BUILDDIR:=$TESTS_SRCDIR}"
. "$TESTS_SRCDIR/common/lib.sh"

[ -x "$BREAKGLASSCTL" ] || hard_error "no program at $BREAKGLASSCTL"
umask 077
scratch_init
# The resolved name, as the program prints it in directory messages.
scratch_path
ESC=$(printf '\033')

# Key files the cases point at.
: > "$S/hk"
: > "$S/ak"
: > "$S/hk-gw"
chmod 600 "$S/hk" "$S/ak"
chmod 664 "$S/hk-gw"
ln -s "$S/ak" "$S/ak-link"
mkdir "$S/gwdir"
: > "$S/gwdir/hk"
chmod 600 "$S/gwdir/hk"
chmod 777 "$S/gwdir"

# REPLY = a writer's format with the placeholders filled in.
expand() {
	subst "$1" @P@ '"paths": {@K@}'
	subst "$REPLY" @K@ '"host_key": "@S@/hk", "auditor_keys": ["@S@/ak"]'
	subst "$REPLY" @S@ "$S"
}

# ---- writers -------------------------------------------------------------

w() {
	expand "$1"
	# shellcheck disable=SC2059 # the format is the point
	printf "$REPLY" > "$F" && chmod 600 "$F"
}

w_mode() {
	w "$2" && chmod "$1" "$F"
}

w_link() {
	_f=$F
	F=$_f.target
	w "$1" || return 1
	F=$_f
	ln -s "$F.target" "$F"
}

w_missing() {
	rm -f "$F"
}

w_dir() {
	mkdir "$F"
}

w_conf() {
	CONF=$1
}

# w_key DOTTED.KEY VALUE: the key nested one object per line.
w_key() {
	_rest=$1 _body='{\n' _tail='' _ind=''
	while :; do
		case $_rest in
		*.*) ;;
		*) break ;;
		esac
		_ind="$_ind  "
		_body="$_body$_ind\"${_rest%%.*}\": {\n"
		_tail="\n$_ind}$_tail"
		_rest=${_rest#*.}
	done
	_body="$_body$_ind  \"$_rest\": $2"
	case $1 in
	paths.*) w "$_body,\n$_ind  @K@$_tail\n}\n" ;;
	*) w "$_body$_tail,\n  @P@\n}\n" ;;
	esac
}

# N nested arrays as the value of grant (jansson stops at depth 2048).
w_deep() {
	_open='' _close='' _i=0
	while [ "$_i" -lt "$1" ]; do
		_open="${_open}[[[[[[[[[["
		_close="$_close]]]]]]]]]]"
		_i=$((_i + 10))
	done
	w "{\n  \"grant\": $_open$_close,\n  @P@\n}\n"
}

# A prompt string of $1 bytes.
w_big() {
	{
		printf '{\n  "auth": {"prompts": {"ticket": "'
		head -c "$1" /dev/zero | tr '\0' a
		expand '"}},\n  @P@\n}\n'
		# shellcheck disable=SC2059
		printf "$REPLY"
	} > "$F" && chmod 600 "$F"
}

# A valid file padded with spaces to exactly $1 bytes.
w_pad() {
	w '{\n  @P@\n}\n' || return 1
	_n=$(($1 - $(wc -c < "$F")))
	head -c "$_n" /dev/zero | tr '\0' ' ' >> "$F"
}

# ---- the check -------------------------------------------------------------

run() {
	OUT=$S/$1.out ERR=$S/$1.err
	"$BREAKGLASSCTL" -c "$CONF" check-config > "$OUT" 2> "$ERR"
	RC=$?
}

check() {
	name=$1 want=$2
	shift 2
	: > "$S/patterns"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		printf '%s\n' "$1" >> "$S/patterns"
		shift
	done
	[ $# -gt 1 ] || hard_error "case $name: no writer"
	shift
	F=$S/$name.json CONF=$S/$name.json
	if ! "$@"; then
		fail "$name" "could not write the case file"
		return
	fi
	run "$name"
	re_quote "$CONF"
	fre=$REPLY
	re_quote "$S"
	sre=$REPLY
	why=
	errs=$(grep -c -E "^$fre(:[0-9]+:[0-9]+)?: error: " "$ERR")
	if [ "$want" -eq 0 ]; then
		expect="exit 0, the configuration on stdout, no error"
		[ "$RC" -eq 0 ] || why="$why exit status $RC;"
		[ "$errs" -eq 0 ] || why="$why $errs error lines;"
		[ "$(head -c 1 "$OUT")" = "{" ] || why="$why no JSON object on stdout;"
	else
		[ "$want" -eq 1 ] && s= || s=s
		expect="exit 1, $want error$s, last line \"$CONF: $want error$s\""
		[ "$RC" -eq 1 ] || why="$why exit status $RC;"
		[ "$errs" -eq "$want" ] || why="$why $errs error lines;"
		[ "$(tail -n 1 "$ERR")" = "$CONF: $want error$s" ] ||
			why="$why wrong count line;"
		[ ! -s "$OUT" ] || why="$why output on stdout;"
	fi
	while IFS= read -r pat; do
		subst "$pat" @F@ "$fre"
		subst "$REPLY" @S@ "$sre"
		expect="$expect
      stderr matching: $REPLY"
		grep -q -E -e "$REPLY" "$ERR" || why="$why no line matches /$REPLY/;"
	done < "$S/patterns"
	[ "$(cat "$OUT" "$ERR" | tr -dc '\033' | wc -c)" -eq 0 ] ||
		why="$why raw ESC in the output;"
	if [ -z "$why" ]; then
		pass "$name"
		return
	fi
	fail "$name" "problem:$why
expected: $expect
actual: exit $RC, stderr:
$(show 8 "$ERR")
  stdout:
$(show 3 "$OUT")"
}

# A secret must not appear in stdout or stderr of the last run.
no_leak() {
	for secret in "$@"; do
		# The scratch directory name is random and may hold any letters.
		if sed "s#$S##g" "$OUT" "$ERR" | grep -q -F -e "$secret"; then
			LEAKED="$LEAKED $secret"
		fi
	done
}

# ---- the TABLE -------------------------------------------------------------

. "$TESTS_SRCDIR/cli/check_config_cases.sh"

# ---- beyond the table: valid files and what they print --------------------

# (b) The empty object is a complete configuration (warnings about default
# key files under the system directory are allowed).
check valid-empty-object 0 -- w '{}\n'
name=valid-empty-object-prints-defaults
why=
grep -q '^      "max_failures": 5,$' "$OUT" || why="$why no \"max_failures\": 5;"
grep -q '^  "grant": {$' "$OUT" || why="$why no grant section;"
grep -q '"ticket_pattern": "^(INC|CHG)-\[0-9\]{1,10}\$"' "$OUT" ||
	why="$why no default ticket_pattern;"
if command -v python3 > /dev/null 2>&1; then
	python3 -c 'import json, sys; json.load(sys.stdin)' < "$OUT" 2> /dev/null ||
		why="$why stdout is not JSON (python3);"
fi
# The effective configuration is itself a configuration that prints the same.
F=$S/roundtrip.json CONF=$F
cp "$OUT" "$F" && chmod 600 "$F"
first=$OUT
run roundtrip
[ "$RC" -eq 0 ] || why="$why printed configuration is refused (exit $RC);"
cmp -s "$first" "$OUT" || why="$why printed configuration does not print the same;"
if [ -z "$why" ]; then
	pass "$name"
else
	fail "$name" "problem:$why
actual stdout:
$(show 12 "$first")
round trip stderr:
$(show 5 "$ERR")"
fi

# (c) Credentials in URLs are accepted but never printed.
LEAKED=
check credentials-in-urls 0 -- w '{\n  "auth": {"ticket_check": {"url": "https://user:pw@itsm.example/t/{ticket}?token=abc"}},\n  "notify": {"webhook_url": "https://chat.example/hooks/SECRET123"},\n  @P@\n}\n'
no_leak pw token=abc SECRET123
grep -q '"url": "https://REDACTED@itsm\.example/t/{ticket}?REDACTED"' "$OUT" ||
	LEAKED="$LEAKED (ticket_check.url not shown redacted)"
grep -q '"webhook_url": "https://chat\.example/REDACTED"' "$OUT" ||
	LEAKED="$LEAKED (webhook_url not shown redacted)"
if [ -z "$LEAKED" ]; then
	pass credentials-not-printed
else
	fail credentials-not-printed "printed:$LEAKED
actual stdout:
$(show 200 "$OUT" | grep -i url)"
fi

# A password with an "@" in it: accepted and redacted whole, or refused
# without quoting it; never printed even in part.
LEAKED=
F=$S/at-in-password.json CONF=$F
w '{\n  "auth": {"ticket_check": {"url": "https://user:p@SECRET7@itsm.example/t/{ticket}"}},\n  "notify": {"webhook_url": "https://hook:top@SECRET9@chat.example/x"},\n  @P@\n}\n'
run at-in-password
no_leak SECRET7 SECRET9
if [ -z "$LEAKED" ]; then
	pass at-in-password-not-printed
else
	fail at-in-password-not-printed "expected: neither SECRET7 nor SECRET9 in the output
actual: exit $RC, printed:$LEAKED
$(show 200 "$OUT" | grep -i url)
$(show 5 "$ERR")"
fi

# An invalid URL is refused without being quoted: it may hold a password.
LEAKED=
F=$S/bad-url.json CONF=$F
w '{\n  "auth": {"ticket_check": {"url": "https://user:hunter2@itsm.example/{ticket} x"}},\n  @P@\n}\n'
run bad-url
no_leak hunter2
if [ "$RC" -eq 1 ] && [ -z "$LEAKED" ] &&
	grep -q 'auth\.ticket_check\.url: must not contain spaces' "$ERR"; then
	pass invalid-url-not-quoted
else
	fail invalid-url-not-quoted "exit $RC, leaked:$LEAKED
$(show 5 "$ERR")"
fi

# A file name with terminal escapes is shown escaped in every message.
F="$S/esc${ESC}[2Jname.json" CONF=$F
w '{\n  "grant": {"max_minutes": 0},\n  @P@\n}\n'
run esc-in-file-name
if [ "$RC" -eq 1 ] && grep -q 'esc\\x1b\[2Jname\.json:2:13: error: grant\.max_minutes' "$ERR" &&
	grep -q 'esc\\x1b\[2Jname\.json: 1 error$' "$ERR"; then
	pass escaped-file-name
else
	fail escaped-file-name "exit $RC
$(show 5 "$ERR")"
fi

# (d) Across every case, no raw ESC byte reached stdout or stderr.
n=$(cat "$S"/*.out "$S"/*.err | tr -dc "$ESC" | wc -c)
if [ "$n" -eq 0 ]; then
	pass no-raw-escape-anywhere
else
	fail no-raw-escape-anywhere "$n raw ESC bytes in the outputs: $(grep -l "$ESC" "$S"/*.out "$S"/*.err)"
fi

finish
