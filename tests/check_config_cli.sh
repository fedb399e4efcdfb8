#!/bin/sh
# check_config_cli.sh: feed `breakglassctl check-config` hostile and malformed
# configuration files and check the exit status and every message.
#
# Each row of the TABLE below is one case:
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
: "${BREAKGLASSCTL:=/tmp/b1/ctl/breakglassctl}"
: "${TESTS_SRCDIR:=/work/main/tests}"
: "${TESTS_BUILDDIR:=$TESTS_SRCDIR}"
. "$TESTS_SRCDIR/lib.sh"

[ -x "$BREAKGLASSCTL" ] || hard_error "no program at $BREAKGLASSCTL"
umask 077
scratch_init
# The resolved name, as the program prints it in directory messages.
S=$(cd "$SCRATCH" && pwd -P) || hard_error "cannot enter $SCRATCH"
case $S in
*[!A-Za-z0-9/._-]*) hard_error "scratch directory name $S has unusual characters" ;;
esac
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

# Show at most N lines of a file with unprintable bytes made visible.

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

# Not JSON, or not the JSON we want: one error with jansson's location.
check empty-file 1 '^@F@:1:1: error: .\[. or .\{. expected near end of file$' \
	-- w ''
check whitespace-only 1 '^@F@:3:3: error: .\[. or .\{. expected near end of file$' \
	-- w '  \n\t\n   '
check truncated 1 '^@F@:3:24: error: .\}. expected near end of file$' \
	-- w '{\n  "auth": {\n    "totp": {"digits": 6'
check trailing-garbage 1 '^@F@:4:1: error: end of file expected near .\{.$' \
	-- w '{\n  @P@\n}\n{}\n'
check byte-order-mark 1 '^@F@:1:1: error: .* expected near .\\xef\\xbb\\xbf.$' \
	-- w '\357\273\277{\n  @P@\n}\n'
check nul-byte 1 '^@F@:2:35: error: control character 0x0 near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\000b"}},\n  @P@\n}\n'
check nul-escape 1 '^@F@:2:43: error: \\x5cu0000 is not allowed without JSON_ALLOW_NUL' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\\u0000b"}},\n  @P@\n}\n'
check nul-escape-in-key 1 '^@F@:2:12: error: NUL byte in object key not supported' \
	-- w '{\n  "a\\u0000b": 1,\n  @P@\n}\n'
check utf8-byte-ff 1 '^@F@:2:35: error: unable to decode byte 0xff near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\377b"}},\n  @P@\n}\n'
check utf8-overlong-slash 1 '^@F@:2:35: error: unable to decode byte 0xc0 near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\300\257b"}},\n  @P@\n}\n'
check utf8-lone-continuation 1 '^@F@:2:35: error: unable to decode byte 0x80 near ."a.$' \
	-- w '{\n  "auth": {"prompts": {"ticket": "a\200b"}},\n  @P@\n}\n'
check raw-escape-byte 1 '^@F@:4:15: error: control character 0x1b near' \
	-- w_key auth.prompts.code '"\033[2J"'
# The column is where jansson gives up, which depends on its depth limit.
check deep-nesting 1 '^@F@:2:[0-9]+: error: maximum parsing depth reached near .\[.$' \
	-- w_deep 5000
check duplicate-key 1 '^@F@:3:9: error: duplicate object key near ."grant".$' \
	-- w '{\n  "grant": {"max_minutes": 60},\n  "grant": {"max_minutes": 90},\n  @P@\n}\n'
check huge-number 1 '^@F@:4:42: error: too big integer near .99999999999999999999.$' \
	-- w_key auth.lockout.lock_seconds 99999999999999999999
check top-level-array 1 '^@F@: error: the top level must be an object \(got array\)$' \
	-- w '[\n  {@P@}\n]\n'
check top-level-string 1 '^@F@:1:6: error: .* expected near ."auth".$' \
	-- w '"auth"\n'

# The whole file refused before it is parsed.
check huge-string 1 '^@F@: error: cannot use this file: is [0-9]+ bytes, more than the limit of 262144 bytes$' \
	-- w_big 10000000
check size-over-limit-by-one 1 '^@F@: error: cannot use this file: is 262145 bytes, more than the limit of 262144 bytes$' \
	-- w_pad 262145
check size-at-limit 0 -- w_pad 262144
check group-writable 1 '^@F@: error: cannot use this file: file is writable by group or others \(mode 0664\)$' \
	-- w_mode 664 '{\n  @P@\n}\n'
check world-writable 1 '^@F@: error: cannot use this file: file is writable by group or others \(mode 0602\)$' \
	-- w_mode 602 '{\n  @P@\n}\n'
check symlink 1 '^@F@: error: cannot use this file: is a symbolic link \(refused: name the file itself\)$' \
	-- w_link '{\n  @P@\n}\n'
check missing-file 1 '^@F@: error: cannot use this file: No such file or directory$' \
	-- w_missing
check directory 1 '^@F@: error: cannot use this file: is not a regular file$' \
	-- w_dir
check device 1 '^@F@: error: cannot use this file: is not a regular file$' \
	-- w_conf /dev/null

# Wrong types.
check string-for-integer 1 '^@F@:4:7: error: auth\.lockout\.max_failures: must be an integer \(got string\)$' \
	-- w_key auth.lockout.max_failures '"5"'
check integer-for-string 1 '^@F@:4:7: error: auth\.prompts\.ticket: must be a string \(got integer\)$' \
	-- w_key auth.prompts.ticket 5
check object-for-array 1 '^@F@:4:7: error: auth\.approval\.approvers: must be an array of strings \(got object\)$' \
	-- w_key auth.approval.approvers '{}'
check string-for-array 1 '^@F@:3:5: error: paths\.auditor_keys: must be an array of strings \(got string\)$' \
	-- w '{\n  "paths": {\n    "auditor_keys": "@S@/ak",\n    "host_key": "@S@/hk"\n  }\n}\n'
check array-for-section 1 '^@F@:2:3: error: auth: must be an object \(got array\)$' \
	-- w_key auth '[]'
check string-for-section 1 '^@F@:2:3: error: grant: must be an object \(got string\)$' \
	-- w_key grant '"60"'
check boolean-for-number 1 '^@F@:4:7: error: auth\.totp\.window: must be an integer \(got boolean\)$' \
	-- w_key auth.totp.window true
check integer-for-boolean 1 '^@F@:4:7: error: auth\.approval\.required: must be true or false \(got integer\)$' \
	-- w_key auth.approval.required 1
check null-for-integer 1 '^@F@:3:5: error: grant\.max_minutes: must be an integer \(got null\)$' \
	-- w_key grant.max_minutes null
check real-for-integer 1 '^@F@:3:5: error: grant\.max_minutes: must be an integer \(got number with a fraction\)$' \
	-- w_key grant.max_minutes 5.5
check exponent-for-integer 1 '^@F@:3:5: error: grant\.max_minutes: must be an integer \(got number with a fraction\)$' \
	-- w_key grant.max_minutes 3e1
check integer-for-word 1 '^@F@:3:5: error: recorder\.input: must be one of redact-when-no-echo, record, redact \(got integer\)$' \
	-- w_key recorder.input 1

# Numbers out of range.
check negative-number 1 '^@F@:4:7: error: auth\.lockout\.lock_seconds: must be between 1 and 604800 \(got -1\)$' \
	-- w_key auth.lockout.lock_seconds -1
check over-int32 1 '^@F@:4:7: error: auth\.lockout\.window_seconds: must be between 1 and 604800 \(got 2147483648\)$' \
	-- w_key auth.lockout.window_seconds 2147483648
check just-over-max 1 '^@F@:4:7: error: auth\.totp\.digits: must be between 6 and 8 \(got 9\)$' \
	-- w_key auth.totp.digits 9
check just-under-min 1 '^@F@:4:7: error: auth\.totp\.digits: must be between 6 and 8 \(got 5\)$' \
	-- w_key auth.totp.digits 5
check segment-bytes-under-min 1 '^@F@:3:5: error: recorder\.segment_bytes: must be between 65536 and 1073741824 \(got 65535\)$' \
	-- w_key recorder.segment_bytes 65535
check auditor-keys-empty 1 '^@F@:4:5: error: paths\.auditor_keys: must have 1 to 16 entries \(got 0\)$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/hk",\n    "auditor_keys": []\n  }\n}\n'

# Unknown keys.
check unknown-top-level-key 1 '^@F@:2:3: error: bogus: unknown key$' \
	-- w_key bogus 1
check unknown-nested-key 1 '^@F@:4:7: error: auth\.lockout\.bogus: unknown key$' \
	-- w_key auth.lockout.bogus 1
check unknown-key-in-paths 1 '^@F@:3:5: error: paths\.bogus: unknown key$' \
	-- w_key paths.bogus '"/x"'
check escape-in-key 1 '^@F@:2:3: error: \\x1b\[2Jred: unknown key$' \
	-- w '{\n  "\\u001b[2Jred": 1,\n  @P@\n}\n'
check escaped-key-names 1 '^@F@:4:7: error: auth\.lockout\.bogus: unknown key$' \
	-- w '{\n  "au\\u0074h": {\n    "lo\\u0063kout": {\n      "bogus": 1\n    }\n  },\n  @P@\n}\n'
# A dotted name is not a path into the tree: these are unknown keys
# (otherwise they would also set a key twice without a duplicate error).
check dotted-key-name 1 '^@F@:2:3: error: auth\.lockout\.max_failures: unknown key$' \
	-- w '{\n  "auth.lockout.max_failures": 3,\n  @P@\n}\n'
check dotted-section-name 1 '^@F@:3:3: error: auth\.lockout: unknown key$' \
	-- w '{\n  "auth": {"lockout": {"max_failures": 7}},\n  "auth.lockout": {"max_failures": 3},\n  @P@\n}\n'

# Strings that are the wrong shape.
check bad-regex 1 '^@F@:3:5: error: auth\.ticket_pattern: invalid regular expression "\(INC-\[0-9\]\+": .+$' \
	-- w_key auth.ticket_pattern '"(INC-[0-9]+"'
check relative-path 1 '^@F@:3:5: error: paths\.audit_log: must be an absolute path \(got "var/log"\)$' \
	-- w_key paths.audit_log '"var/log"'
check dotdot-path 1 '^@F@:3:5: error: paths\.state_dir: must not contain \. or \.\. components \(got "/var/lib/\.\./\.\./etc"\)$' \
	-- w_key paths.state_dir '"/var/lib/../../etc"'
check empty-path-component 1 '^@F@:3:5: error: paths\.run_dir: must not contain empty components or end in / \(got "/run//breakglass"\)$' \
	-- w_key paths.run_dir '"/run//breakglass"'
check control-in-prompt 1 '^@F@:4:7: error: auth\.prompts\.ticket: must not contain control characters \(got "\\x1b\[2J"\)$' \
	-- w_key auth.prompts.ticket '"\\u001b[2J"'
check osc-in-prompt 1 '^@F@:4:7: error: auth\.prompts\.approver: must not contain control characters \(got "\\x1b\]0;owned\\x07"\)$' \
	-- w_key auth.prompts.approver '"\\u001b]0;owned\\u0007"'
check newline-in-bucket 1 '^@F@:3:5: error: storage\.bucket: must not contain control characters \(got "a\\x0ab"\)$' \
	-- w_key storage.bucket '"a\\nb"'
check long-prompt 1 '^@F@:4:7: error: auth\.prompts\.code: must be 1 to 128 characters long \(got 129\)$' \
	-- w_key auth.prompts.code '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'
check unknown-storage-type 1 '^@F@:3:5: error: storage\.type: must be one of file, s3, http \(got "ftp"\)$' \
	-- w_key storage.type '"ftp"'
check unknown-fail-policy 1 '^@F@:4:7: error: auth\.ticket_check\.fail_policy: must be one of closed, open \(got "maybe"\)$' \
	-- w_key auth.ticket_check.fail_policy '"maybe"'
check url-wrong-scheme 1 '^@F@:4:7: error: auth\.ticket_check\.url: must be an http:// or https:// URL$' \
	-- w_key auth.ticket_check.url '"ftp://itsm.example/t/{ticket}"'
check url-no-host 1 '^@F@:3:5: error: notify\.webhook_url: must name a host$' \
	-- w_key notify.webhook_url '"https:///hooks"'
check bad-approver-name 1 '^@F@:6:9: error: auth\.approval\.approvers\[1\]: must be a user name or %group \(letters, digits, \. _ -\) \(got "a b"\)$' \
	-- w '{\n  "auth": {\n    "approval": {\n      "approvers": [\n        "alice",\n        "a b"\n      ]\n    }\n  },\n  @P@\n}\n'

# Rules between keys.
check url-without-ticket 1 '^@F@:4:7: error: auth\.ticket_check\.url: must contain \{ticket\}, where the ticket id goes$' \
	-- w_key auth.ticket_check.url '"https://itsm.example/t/"'
check approval-empty-approvers 1 '^@F@:5:7: error: auth\.approval\.approvers: must name at least one approver when auth\.approval\.required is true$' \
	-- w '{\n  "auth": {\n    "approval": {\n      "required": true,\n      "approvers": []\n    }\n  },\n  @P@\n}\n'
check approval-no-approvers-key 1 '^@F@: error: auth\.approval\.approvers: must name at least one approver when auth\.approval\.required is true$' \
	-- w_key auth.approval.required true
check justification-min-over-max 1 '^@F@:3:5: error: auth\.justification_min: must not exceed auth\.justification_max \(100\)$' \
	-- w '{\n  "auth": {\n    "justification_min": 500,\n    "justification_max": 100\n  },\n  @P@\n}\n'
check grant-default-over-max 1 '^@F@:3:5: error: grant\.default_minutes: must not exceed grant\.max_minutes \(30\)$' \
	-- w '{\n  "grant": {\n    "default_minutes": 60,\n    "max_minutes": 30\n  },\n  @P@\n}\n'
check s3-missing-keys 4 \
	'^@F@: error: storage\.endpoint: is required when storage\.type is "s3"$' \
	'^@F@: error: storage\.bucket: is required when storage\.type is "s3"$' \
	'^@F@: error: storage\.region: is required when storage\.type is "s3"$' \
	'^@F@: error: storage\.credentials_file: is required when storage\.type is "s3"$' \
	-- w_key storage.type '"s3"'
check http-missing-endpoint 1 '^@F@: error: storage\.endpoint: is required when storage\.type is "http"$' \
	-- w_key storage.type '"http"'
check three-independent-mistakes 3 \
	'^@F@:4:7: error: auth\.lockout\.max_failures: must be between 1 and 1000 \(got 0\)$' \
	'^@F@:9:5: error: grant\.bogus: unknown key$' \
	'^@F@:12:5: error: paths\.spool_dir: must be an absolute path \(got "spool/breakglass"\)$' \
	-- w '{\n  "auth": {\n    "lockout": {\n      "max_failures": 0\n    }\n  },\n  "grant": {\n    "default_minutes": 30,\n    "bogus": true\n  },\n  "paths": {\n    "spool_dir": "spool/breakglass",\n    @K@\n  }\n}\n'

# Key and credential files named by the configuration.
check host-key-group-writable 1 '^@F@:3:5: error: paths\.host_key: @S@/hk-gw is refused: file is writable by group or others \(mode 0664\)$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/hk-gw",\n    "auditor_keys": ["@S@/ak"]\n  }\n}\n'
check host-key-missing-warns 0 '^@F@:3:5: warning: paths\.host_key: @S@/no-such\.key does not exist yet: No such file or directory$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/no-such.key",\n    "auditor_keys": ["@S@/ak"]\n  }\n}\n'
check host-key-in-unsafe-dir 1 '^@F@:3:5: error: paths\.host_key: @S@/gwdir/hk is refused: directory is writable by group or others \(mode 0777\) \(@S@/gwdir\)$' \
	-- w '{\n  "paths": {\n    "host_key": "@S@/gwdir/hk",\n    "auditor_keys": ["@S@/ak"]\n  }\n}\n'
check auditor-key-symlink 1 '^@F@:5:7: error: paths\.auditor_keys\[1\]: @S@/ak-link is refused: is a symbolic link \(refused: name the file itself\)$' \
	-- w '{\n  "paths": {\n    "auditor_keys": [\n      "@S@/ak",\n      "@S@/ak-link"\n    ],\n    "host_key": "@S@/hk"\n  }\n}\n'
check credentials-file-group-writable 1 '^@F@:3:5: error: storage\.credentials_file: @S@/hk-gw is refused: file is writable by group or others \(mode 0664\)$' \
	-- w_key storage.credentials_file '"@S@/hk-gw"'

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
