#!/bin/sh
# replay_cli.sh: drive `breakglass-replay verify` and `cat` on a copy of the
# committed fixture (tests/format/fixtures/format-v1, see its README) and on
# tampered copies.  Table rows:
#   v NAME STATUS REGEX... -- ARGS  verify: exit STATUS, one line per REGEX
#   c NAME STATUS FILE -- ARGS      cat: exit STATUS, stdout equal to FILE
#   cj NAME STATUS EVENTS -- ARGS   cat --json: a line per line of EVENTS
#   u NAME ARGS                     exit 1, a usage message on stderr
#   e NAME REGEX -- ARGS            exit 1, a message matching REGEX
#   tamper NAME BASE REGEX CHANGE   session BASE changed by CHANGE: verify
#                                   says tampered (REGEX) and exits 4, with
#                                   or without keys; cat exits 4, having
#                                   printed a prefix of the real output
# In a REGEX @C@, @T@, @S@ and @D@ stand for the complete and truncated
# sessions, the scratch directory and the session at hand, @NP@ for
# "; host key not pinned" (all regex-quoted).

LC_ALL=C
export LC_ALL
: "${TESTS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
# By hand, outside `make check`: the program of an in-tree build.
: "${BREAKGLASS_REPLAY:=$TESTS_SRCDIR/../replay/breakglass-replay}"
: "${MKESCROW:=$TESTS_SRCDIR/cli/mkescrow}"
. "$TESTS_SRCDIR/common/lib.sh"

[ -x "$BREAKGLASS_REPLAY" ] || hard_error "no program at $BREAKGLASS_REPLAY"
umask 077
scratch_init
scratch_path
ESC=$(printf '\033')
NL='
'

# A private copy of the fixture: git keeps no modes, and the tests change it.
F=$S/fx
cp -R "$TESTS_SRCDIR/format/fixtures/format-v1" "$F" || hard_error "cannot copy the fixture"
chmod 0600 "$F"/keys/*.key || hard_error "chmod"
chmod 0644 "$F"/keys/*.pub || hard_error "chmod"
CS=5e55104e0102030405060708090a0b0c
TS=7a0ca7edfeedface0000000000000001
C=$F/$CS T=$F/$TS
K1=$F/keys/auditor1.key K2=$F/keys/auditor2.key HP=$F/keys/host.pub
mkdir "$S/r" "$S/t" || hard_error "mkdir"

# ---- helpers -----------------------------------------------------------------

run() {
	OUT=$S/r/$1.out ERR=$S/r/$1.err why=''
	shift
	"$BREAKGLASS_REPLAY" "$@" > "$OUT" 2> "$ERR"
	RC=$?
}

rc() { [ "$RC" -eq "$1" ] || why="$why exit status $RC, not $1;"; }

# The byte of value $1.
byte() { printf "\\$(printf %o "$1")"; }

# REPLY = regex $1 with the placeholders filled in.
re_quote "$C"; QC=$REPLY
re_quote "$T"; QT=$REPLY
re_quote "$S"; QS=$REPLY
pat() {
	if [ "${D-}" != "${QD_OF-}" ]; then
		re_quote "$D"
		QD=$REPLY QD_OF=$D
	fi
	subst "$1" @C@ "$QC"; subst "$REPLY" @T@ "$QT"; subst "$REPLY" @S@ "$QS"
	subst "$REPLY" @D@ "${QD-}"; subst "$REPLY" @NP@ '; host key not pinned'
}

# Pass NAME if $why is empty, else fail it with the expectation and output.
result() {
	[ -n "$why" ] || { pass "$1"; return; }
	fail "$1" "problem:$why
expected: $2
actual: exit $RC, stdout:
$(show 6 "$OUT")
  stderr:
$(show 6 "$ERR")"
}

# No raw control character but newline in file $1.
no_ctl() {
	[ "$(tr -dc '\000-\011\013-\037\177' < "$1" | wc -c)" -eq 0 ] ||
		why="$why raw control characters in $(basename "$1");"
}

# The file $1 is a prefix of the file $2 (cmp on the length of $1).
is_prefix() {
	_n=$(($(wc -c < "$1")))
	[ "$_n" -le "$(($(wc -c < "$2")))" ] && cmp -s -n "$_n" "$1" "$2"
}

v() {
	name=$1 want=$2 pats=$S/r/$1.pats
	shift 2
	: > "$pats"
	while [ "$1" != -- ]; do
		printf '%s\n' "$1" >> "$pats"
		shift
	done
	shift
	run "$name" verify "$@"
	rc "$want"
	[ "$(wc -l < "$pats")" -eq "$(wc -l < "$OUT")" ] || why="$why not one line per session;"
	_i=0
	while IFS= read -r _re; do
		_i=$((_i + 1))
		pat "$_re"
		sed -n "${_i}p" "$OUT" | grep -q -E -x -e "$REPLY" ||
			why="$why line $_i does not match /$REPLY/;"
	done < "$pats"
	no_ctl "$OUT"
	case " $* " in
	*" --host-pub "*) ! grep -q 'not pinned' "$OUT" || why="$why \"not pinned\" though pinned;" ;;
	*) ! grep -E ': (complete|truncated): ' "$OUT" | grep -q -v '; host key not pinned$' ||
		why="$why a verdict without \"; host key not pinned\";" ;;
	esac
	result "verify-$name" "exit $want, lines: $(tr '\n' ' ' < "$pats")"
}

c() {
	name=$1 want=$2 expect=$3
	shift 4
	for sess; do :; done
	run "$name" cat "$@"
	rc "$want"
	cmp -s "$OUT" "$expect" || why="$why stdout differs from $(basename "$expect");"
	re_quote "breakglass-replay: $sess: truncated: "
	case $want in
	0) [ ! -s "$ERR" ] || why="$why stderr not empty;" ;;
	3) grep -q -E -e "^$REPLY." "$ERR" || why="$why no truncated message;" ;;
	esac
	result "cat-$name" "exit $want, stdout = $(basename "$expect")"
}

u() {
	name=$1
	shift
	run "$name" "$@"
	rc 1
	[ ! -s "$OUT" ] || why="$why output on stdout;"
	grep -q -i usage "$ERR" || why="$why no usage message on stderr;"
	# The message names the program, not the command (getopt uses argv[0]).
	head -n 1 "$ERR" | grep -q '^breakglass-replay: ' || why="$why first line not \"breakglass-replay: ...\";"
	result "usage-$name" "exit 1, nothing on stdout, \"breakglass-replay: ...\" and a usage message on stderr"
}

e() {
	name=$1
	pat "$2"
	re=$REPLY
	shift 3
	run "$name" "$@"
	rc 1
	cat "$OUT" "$ERR" | grep -q -E -e "$re" || why="$why no message matching /$re/;"
	! grep -q -E ': (complete|truncated|tampered):' "$OUT" || why="$why a verdict was given;"
	[ "$1" != cat ] || [ ! -s "$OUT" ] || why="$why cat wrote on stdout;"
	result "error-$name" "exit 1 and a message matching /$re/"
}

# Flip the lowest bit of the byte at $2 in file $1: an offset, -N from the
# end, or @TEXT for the first byte of TEXT in the file.
flip() {
	_sz=$(($(wc -c < "$1")))
	case $2 in
	-*) _o=$((_sz + $2)) ;;
	@*) _o=$(grep -b -o -F -e "${2#@}" "$1" | head -n 1 | cut -d: -f1) ;;
	*) _o=$2 ;;
	esac
	[ -n "$_o" ] && [ "$_o" -lt "$_sz" ] || hard_error "flip $1 $2: no such byte"
	byte $(($(od -A n -t u1 -j "$_o" -N 1 "$1") ^ 1)) |
		dd of="$1" bs=1 seek="$_o" count=1 conv=notrunc 2> /dev/null
}
swap() { mv "$1" "$1.tmp" && mv "$2" "$1" && mv "$1.tmp" "$2"; }
cut_at() { head -c "$2" "$1" > "$1.tmp" && mv "$1.tmp" "$1"; }

tamper() {
	name=$1 base=$2 reason=$3
	shift 3
	D=$S/t/$name/${base##*/}
	mkdir -p "$S/t/$name" && cp -R "$base" "$D" || hard_error "copy for $name"
	(cd "$D" && "$@") || hard_error "change for $name: $*"
	full=$F/truncated.out
	[ "$base" != "$C" ] || full=$F/complete.out
	pat "@D@: tampered: .*($reason).*"
	re=$REPLY
	all=
	for keys in "" "--host-pub $HP" "-k $K1 --host-pub $HP"; do
		# shellcheck disable=SC2086 # the key options are split on purpose
		run "$name.verify" verify $keys "$D"
		rc 4
		[ "$(wc -l < "$OUT")" -eq 1 ] && grep -q -E -x -e "$re" "$OUT" ||
			why="$why no line /$re/;"
		no_ctl "$OUT"
		[ -z "$why" ] || all="$all verify $keys:$why"
	done
	run "$name.cat" cat -k "$K1" --host-pub "$HP" "$D"
	CATLEN=$(($(wc -c < "$OUT")))
	rc 4
	pat '^breakglass-replay: @D@: tampered: .'
	grep -q -E -e "$REPLY" "$ERR" || why="$why no tampered message;"
	is_prefix "$OUT" "$full" || why="$why stdout is not a prefix of ${full##*/};"
	[ -z "$why" ] || all="$all cat:$why"
	why=$all
	result "tamper-$name" "verify and cat exit 4, verify says /$re/, cat prints a prefix"
}

# ---- what the fixture holds --------------------------------------------------

# --input: the bytes of the in events, and a marker per in_redacted event
# (the fixture withholds 11 bytes, which the sha256 in .events confirms).
RED11=$(printf '\013\000\000\000' | sha256sum | cut -c 1-64)
grep -q "^0 3 3100000 4 $RED11\$" "$F/complete.events" ||
	hard_error "the fixture's in_redacted event is not the expected 11 bytes"
input_stream() {
	_off=0
	while read -r _seg _type _t _len _sha; do
		case $_type in
		2) tail -c +$((_off + 1)) "$2" | head -c "$_len"; _off=$((_off + _len)) ;;
		3) printf '[redacted: 11 bytes]' ;;
		esac
	done < "$1"
}
input_stream "$F/complete.events" "$F/complete.in" > "$S/complete.input"
input_stream "$F/truncated.events" "$F/truncated.in" > "$S/truncated.input"

# Each line of a `cat --json` output, as the file dir/LINE holding the data
# of the event (dir/LINE.b64 for base64), and "segment type t" on stdout,
# the type as its number in the format.  Members are found by their first
# occurrence; the data is the string decoded, or for meta the object with
# only its non-ASCII \u escapes decoded (as the writer was given it).
JSON_SPLIT='
BEGIN { split("out in in_redacted resize meta", name, " "); for (i in name) num[name[i]] = i }
function get(k,  p, s) {
	if ((p = index($0, "\"" k "\":")) == 0)
		return "-"
	s = substr($0, p + length(k) + 3)
	if (substr(s, 1, 1) != "\"")
		return match(s, /^[0-9]+/) ? substr(s, 1, RLENGTH) : "?"
	s = substr(s, 2)
	return substr(s, 1, index(s, "\"") - 1)
}
function hv(h,  i, v) {
	for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
	return v
}
function utf8(u) {
	if (u < 128) printf "%c", u > f
	else if (u < 2048) printf "%c%c", 192 + int(u / 64), 128 + u % 64 > f
	else printf "%c%c%c", 224 + int(u / 4096), 128 + int(u / 64) % 64, 128 + u % 64 > f
}
function le(v, n) { for (; n > 0; n--) { printf "%c", v % 256 > f; v = int(v / 256) } }
function str(mode,  key, n, i, ch, e, h) {
	key = "\"" mode "\":" (mode == "text" ? "\"" : "")
	n = split(substr($0, index($0, key) + length(key)), ch, "") - (mode == "meta")
	for (i = 1; i <= n; i++) {
		if (ch[i] == "\"" && mode == "text")
			return
		if (ch[i] != "\\") {
			printf "%s", ch[i] > f
			continue
		}
		e = ch[++i]
		if (e == "u") {
			h = ch[i + 1] ch[i + 2] ch[i + 3] ch[i + 4]
			i += 4
			if (hv(h) < 128 && mode == "meta")
				printf "\\u%s", h > f
			else
				utf8(hv(h))
		} else if (mode == "meta") {
			printf "\\%s", e > f
		} else {
			printf "%s", substr("\"\\/\b\f\n\r\t", index("\"\\/bfnrt", e), 1) > f
		}
	}
}
{
	ty = get("type")
	f = dir "/" NR (index($0, "\"base64\":\"") ? ".b64" : "")
	printf "" > f
	if (f ~ /b64$/) print get("base64") > f
	else if (ty == "out" || ty == "in") str("text")
	else if (ty == "in_redacted") le(get("bytes"), 4)
	else if (ty == "resize") { le(get("cols"), 2); le(get("rows"), 2) }
	else if (ty == "meta") str("meta")
	close(f)
	print get("segment"), (ty in num ? num[ty] : "?" ty), get("t")
}'

# `cat --json`: one object per line of the .events file, with the same
# segment, type and time, and data of the same length and sha256.
cj() {
	name=$1 want=$2 events=$3 ev=$S/r/$1.ev
	shift 4
	run "$name" cat --json "$@"
	rc "$want"
	! grep -q '[^ -~]' "$OUT" || why="$why a line that is not printable ASCII;"
	! grep -v -q -x -E '\{".*\}' "$OUT" || why="$why a line that is not an object;"
	mkdir "$ev" && awk -v dir="$ev" "$JSON_SPLIT" "$OUT" > "$ev.fields" ||
		hard_error "cannot split $OUT"
	for _b in "$ev"/*.b64; do
		[ ! -e "$_b" ] || base64 -d < "$_b" > "${_b%.b64}" || why="$why bad base64;"
	done
	_n=$(($(wc -l < "$OUT")))
	: > "$ev.len"
	: > "$ev.sha"
	# shellcheck disable=SC2046 # the files 1 to N
	if [ "$_n" -gt 0 ]; then
		(cd "$ev" && wc -c $(seq "$_n") | head -n "$_n" | awk '{ print $1 }') > "$ev.len"
		(cd "$ev" && sha256sum $(seq "$_n") | cut -c 1-64) > "$ev.sha"
	fi
	paste -d ' ' "$ev.fields" "$ev.len" "$ev.sha" > "$ev.got"
	if ! cmp -s "$ev.got" "$events"; then
		_l=$(cmp "$ev.got" "$events" 2>&1 | sed -n 's/.* line \([0-9]*\)$/\1/p')
		why="$why line ${_l:-?} is \"$(sed -n "${_l:-1}p" "$ev.got")\", not \"$(sed -n "${_l:-1}p" "$events")\";"
	fi
	result "cat-json-$name" "exit $want, one JSON line per line of ${events##*/}"
}

# ---- the cases ---------------------------------------------------------------

v complete-pinned 0 '@C@: complete: .+' -- --host-pub "$HP" "$C"
v truncated-pinned 3 '@T@: truncated: .+' -- --host-pub "$HP" "$T"
v complete-unpinned 0 '@C@: complete: .+@NP@' -- "$C"
v truncated-unpinned 3 '@T@: truncated: .+@NP@' -- "$T"
v both-key1-pinned 3 '@C@: complete: .+' '@T@: truncated: .+' -- -k "$K1" --host-pub "$HP" "$C" "$T"
v both-key1-unpinned 3 '@T@: truncated: .+@NP@' '@C@: complete: .+@NP@' -- -k "$K1" "$T" "$C"
v complete-key2 0 '@C@: complete: .+' -- --host-pub "$HP" -k "$K2" "$C"
v truncated-key2-not-recipient 1 '@T@: error: not a recipient of this session.*' -- -k "$K2" --host-pub "$HP" "$T"
v complete-twice 0 '@C@: complete: .+' '@C@: complete: .+' -- --host-pub "$HP" "$C" "$C"
v no-such-session 1 '@S@/nope: error: .+' -- --host-pub "$HP" "$S/nope"
v error-outweighs-truncated 1 '@T@: truncated: .+' '@S@/nope: error: .+' '@C@: complete: .+' -- --host-pub "$HP" "$T" "$S/nope" "$C"

c out-complete 0 "$F/complete.out" -- -k "$K1" --host-pub "$HP" "$C"
c out-complete-key2 0 "$F/complete.out" -- -k "$K2" --host-pub "$HP" "$C"
c out-complete-unpinned 0 "$F/complete.out" -- -k "$K1" "$C"
c input-complete 0 "$S/complete.input" -- --input -k "$K1" --host-pub "$HP" "$C"
c out-truncated 3 "$F/truncated.out" -- -k "$K1" --host-pub "$HP" "$T"
c input-truncated 3 "$S/truncated.input" -- -k "$K1" --input "$T"
: > "$S/empty"
c truncated-key2-not-recipient 1 "$S/empty" -- -k "$K2" --host-pub "$HP" "$T"
grep -q 'not a recipient' "$ERR" && pass cat-not-recipient-message ||
	fail cat-not-recipient-message "stderr: $(show 3 "$ERR")"
cj complete 0 "$F/complete.events" -- -k "$K1" --host-pub "$HP" "$C"
cj truncated 3 "$F/truncated.events" -- -k "$K1" --host-pub "$HP" "$T"

# A clean cut after the first record of the segment the manifest does not
# list yet: truncated.  One recipient: the header is 114 + 96 bytes, then
# kind (1), L (4, little-endian), the ciphertext (L), the signature (64).
D=$S/t/cut-at-record/$TS
mkdir -p "${D%/*}" && cp -R "$T" "$D" || hard_error "copy"
# shellcheck disable=SC2046 # four numbers
set -- $(od -A n -t u1 -j 211 -N 4 "$D/000001.bgr")
cut_at "$D/000001.bgr" $((210 + 5 + $1 + 256 * $2 + 65536 * $3 + 16777216 * $4 + 64))
# What is left: the out events up to the first of segment 1.
head -c "$(awk '$2 == 1 { n += $4 } $1 == 1 { print n; exit }' "$F/truncated.events")" \
	"$F/truncated.out" > "$S/cut.out"
v cut-at-record 3 '@D@: truncated: .+' -- -k "$K1" --host-pub "$HP" "$D"
c cut-at-record 3 "$S/cut.out" -- -k "$K1" --host-pub "$HP" "$D"

tamper hdr-magic "$C" 000000 flip 000000.bgr 0
tamper hdr-session-id "$C" 000001 flip 000001.bgr 12
tamper hdr-segment-number "$C" '00000[12]' flip 000001.bgr 28
tamper hdr-host-key-id "$C" 000002 flip 000002.bgr 45
tamper hdr-prev "$C" 000002 flip 000002.bgr 60
tamper hdr-recipient-count "$C" 000000 flip 000000.bgr 88
tamper hdr-sealed-key "$C" 000000 flip 000000.bgr 150
tamper hdr-stream-header "$C" 000001 flip 000001.bgr 290
tamper record-kind "$C" 000000 flip 000000.bgr 306
tamper record-length "$C" 000000 flip 000000.bgr 308
tamper record-ciphertext "$C" 000001 flip 000001.bgr 5000
tamper seg1-signature "$C" 000001 flip 000001.bgr -1
tamper last-signature "$C" 000002 flip 000002.bgr -1
[ "$CATLEN" -lt "$(($(wc -c < "$F/complete.out")))" ] && pass last-record-not-printed ||
	fail last-record-not-printed "cat printed $CATLEN bytes: all of complete.out"
tamper manifest-user "$C" manifest flip manifest.json @alice
tamper manifest-signature "$C" manifest flip manifest.json -3
tamper drop-segment-1 "$C" '00000[12]' rm 000001.bgr
tamper drop-last-segment "$C" 000002 rm 000002.bgr
tamper swap-segments-1-2 "$C" '00000[12]' swap 000001.bgr 000002.bgr
tamper copy-1-over-2 "$C" '00000[12]' cp 000001.bgr 000002.bgr
tamper extra-after-end "$C" '00000[23]' cp 000002.bgr 000003.bgr
tamper other-session-segment "$C" 000000 cp "$T/000000.bgr" 000000.bgr
tamper cut-listed-segment "$C" 000001 cut_at 000001.bgr 5000
tamper cut-inside-record "$T" 000001 cut_at 000001.bgr 400
# A session sealed to auditor1 alone, tampered: tampered whatever the key.
v not-recipient-but-tampered 4 '@D@: tampered: .+' -- -k "$K2" --host-pub "$HP" "$D"

# Pinning another host's key: what the real one signed is refused.  The
# key id is BLAKE2b-256 of a context, the type byte 2 and the public key.
key_id() {
	{ printf 'breakglass-key-id-v1\002'; printf '%s' "$1" | tr a-f A-F | basenc --base16 -d; } |
		b2sum -l 256 | cut -c 1-32
}
real=$(tr -d ' \n' < "$HP" | sed 's/.*"public":"\([0-9a-f]*\)".*/\1/')
grep -q "\"id\": *\"$(key_id "$real")\"" "$HP" || hard_error "key ids are not computed as the fixture's"
# The Ed25519 base point: a valid public key that signed nothing here.
other=5866666666666666666666666666666666666666666666666666666666666666
printf '{"version":1,"type":"host-public","id":"%s","public":"%s"}\n' \
	"$(key_id "$other")" "$other" > "$S/other.pub" && chmod 0644 "$S/other.pub"
v other-host-key 4 '@C@: tampered: .+' -- --host-pub "$S/other.pub" "$C"
run other-host-key-cat cat -k "$K1" --host-pub "$S/other.pub" "$C"
rc 4
[ ! -s "$OUT" ] || why="$why cat printed what another key signed;"
result cat-other-host-key "exit 4, nothing on stdout"

# Several sessions at once: tampered outweighs everything.
v tampered-outweighs-all 4 '@T@: truncated: .+' "@S@/t/seg1-signature/$CS: tampered: .+" \
	'@S@/nope: error: .+' '@C@: complete: .+' -- \
	--host-pub "$HP" "$T" "$S/t/seg1-signature/$CS" "$S/nope" "$C"

# A session path with ESC and newline is printed escaped, on one line.
odd=$S/odd${ESC}[2J$NL
mkdir "$odd" && cp -R "$C" "$T" "$odd/" || hard_error "odd directory"
D=$S/odd\\x1b[2J\\x0a
v escaped-name 3 "@D@/$CS: complete: .+" "@D@/$TS: truncated: .+" -- --host-pub "$HP" "$odd/$CS" "$odd/$TS"
run escaped-name-cat cat -k "$K1" --host-pub "$HP" "$odd/$TS"
rc 3
no_ctl "$ERR"
pat "^breakglass-replay: @D@/$TS: truncated: "
grep -q -E -e "$REPLY" "$ERR" || why="$why no escaped truncated message;"
result cat-escaped-name "exit 3, the session name escaped on stderr"

# ---- escrow: a session in which "hunter2\r" and "id\r" were typed blind ----
[ -x "$MKESCROW" ] || hard_error "no program at $MKESCROW"
X=$S/escrow
"$MKESCROW" "$X" || hard_error "mkescrow failed"
XS=$X/e5c20000000000000000000000000001
XA=$X/auditor.key XE=$X/escrow.key
printf '[escrowed 8 bytes: hunter2\r]ls\r[escrowed 3 bytes: id\r]' > "$S/escrow.in"
printf '[redacted: 8 bytes]ls\r[redacted: 3 bytes]' > "$S/sealed.in"
c escrow-input 0 "$S/escrow.in" -- -k "$XA" --escrow-key "$XE" --input "$XS"
c escrow-input-short-option 0 "$S/escrow.in" -- -k "$XA" -E "$XE" --input "$XS"
c escrow-input-without-key 0 "$S/sealed.in" -- -k "$XA" --input "$XS"
v escrow-session-verifies 0 "$XS: complete: .+" -- -k "$XA" --host-pub "$X/host.pub" "$XS"
# --json: marked as escrowed, the bytes with the key, only their number without.
run escrow-json cat -k "$XA" --escrow-key "$XE" --json "$XS"
rc 0
grep -q -F '"type":"in_escrow","bytes":8,"text":"hunter2\r"}' "$OUT" ||
	why="$why no opened in_escrow line;"
grep -q -F '"type":"in_redacted","bytes":8}' "$OUT" || why="$why no in_redacted line;"
grep -q '"type":"escrow_keys","recipients":\["[0-9a-f]\{32\}"\]' "$OUT" ||
	why="$why no escrow_keys line;"
result cat-escrow-json "exit 0, in_escrow with the bytes as text"
run escrow-json-without-key cat -k "$XA" --json "$XS"
rc 0
grep -q -F '"type":"in_escrow","bytes":8,"sealed":true}' "$OUT" || why="$why no sealed in_escrow line;"
! grep -q -e hunter2 -e '"text":"id' "$OUT" || why="$why escrowed bytes shown without the key;"
result cat-escrow-json-without-key "exit 0, in_escrow sealed, no bytes"
# Keys that are not escrow keys of this session: said, and nothing opened.
for k in other auditor; do
	run "escrow-wrong-key-$k" cat -k "$XA" --escrow-key "$X/$k.key" --input "$XS"
	rc 1
	cmp -s "$OUT" "$S/sealed.in" || why="$why stdout is not the sealed input;"
	grep -q 'the escrow key is not an escrow recipient of this session' "$ERR" ||
		why="$why no \"not an escrow recipient\" message;"
	result "cat-escrow-wrong-key-$k" "exit 1, redacted markers only, a message"
done
e escrow-key-is-public '@S@/escrow/escrow\.pub.*escrow secret key' -- cat -k "$XA" --escrow-key "$X/escrow.pub" "$XS"
e escrow-key-is-host '@S@/escrow/host\.key.*escrow secret key' -- cat -k "$XA" --escrow-key "$X/host.key" "$XS"
u verify-escrow-key verify --escrow-key "$XE" "$XS"

u no-command
u unknown-command frobnicate "$C"
u unknown-option verify --bogus "$C"
u verify-no-session verify --host-pub "$HP"
u verify-json verify --json "$C"
u missing-option-argument verify -k
u cat-without-key cat --host-pub "$HP" "$C"
u cat-no-session cat -k "$K1"
u cat-two-sessions cat -k "$K1" "$C" "$T"
u cat-input-and-json cat -k "$K1" --input --json "$C"

cp "$K1" "$S/group-readable.key" && chmod 0640 "$S/group-readable.key"
cp "$HP" "$S/group-writable.pub" && chmod 0664 "$S/group-writable.pub"
ln -s "$K1" "$S/link.key"
e key-group-readable '@S@/group-readable\.key.*chmod 600' -- verify -k "$S/group-readable.key" "$C"
e key-group-readable-cat '@S@/group-readable\.key' -- cat -k "$S/group-readable.key" "$C"
e key-symlink '@S@/link\.key' -- cat -k "$S/link.key" "$C"
e key-missing '@S@/missing\.key' -- cat -k "$S/missing.key" "$C"
e key-is-public '@S@/fx/keys/auditor1\.pub.*a public key file \(\.pub\) where the secret one' -- cat -k "$F/keys/auditor1.pub" "$C"
cp "$F/keys/auditor1.pub" "$S/private-public.pub"
e key-is-public-mode-0600 '@S@/private-public\.pub.*a public key file \(\.pub\)' -- cat -k "$S/private-public.pub" "$C"
e key-is-host-secret '@S@/fx/keys/host\.key' -- verify -k "$F/keys/host.key" "$C"
e host-pub-is-auditor-key '@S@/fx/keys/auditor1\.pub' -- verify --host-pub "$F/keys/auditor1.pub" "$C"
e host-pub-is-secret '@S@/fx/keys/host\.key.*a secret key file where the public one' -- verify --host-pub "$F/keys/host.key" "$C"
e host-pub-group-writable '@S@/group-writable\.pub' -- verify --host-pub "$S/group-writable.pub" "$C"
if [ "$(id -u)" = 0 ] && id bgdev > /dev/null 2>&1; then
	cp "$K1" "$S/bgdev.key" && chown bgdev "$S/bgdev.key"
	e key-owned-by-another-user '@S@/bgdev\.key' -- cat -k "$S/bgdev.key" "$C"
fi

run help --help
rc 0
grep -q verify "$OUT" && grep -q cat "$OUT" || why="$why verify and cat not listed;"
result help "exit 0, verify and cat listed on stdout"
run version --version
rc 0
head -n 1 "$OUT" | grep -q -E '^breakglass-replay [0-9]' || why="$why no \"breakglass-replay VERSION\";"
result version "exit 0, \"breakglass-replay VERSION\" on stdout"

finish
