# Helpers for the script tests (POSIX sh), sourced by each tests/*/*.sh.
#
#   need_root          skip the test (exit 77) unless running as root
#   scratch_init       make $SCRATCH, removed again when the script exits
#   scratch_path       S = $SCRATCH resolved, refused if it has odd characters
#   root_scratch       scratch_init + scratch_path for the root tests: below a
#                      root-owned folder, mode 755 (the programs trust
#                      nothing below a folder others control)
#   pass NAME          count a passed check
#   fail NAME DETAIL   count a failed check and show why
#   pass_unless NAME WHY FILE...
#                      pass NAME if WHY is empty, else fail it with WHY
#                      and the first lines of each FILE
#   subst S A B        REPLY = S with every A replaced by B
#   re_quote S         REPLY = S quoted for grep -E
#   show N FILE        the first N lines of FILE, indented, unprintables as ?
#   finish             print "NAME: P passed, F failed" and exit 1 on failure
#
# Exit statuses follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.

TEST_NAME=$(basename "$0" .sh)
SCRATCH=
tests_passed=0
tests_failed=0

# A problem with the test itself, not with the program under test.
hard_error() {
	printf '%s: error: %s\n' "$TEST_NAME" "$*" >&2
	exit 99
}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		printf '%s: skipped: must be run as root\n' "$TEST_NAME" >&2
		exit 77
	fi
}

scratch_cleanup() {
	if [ -n "$SCRATCH" ] && [ -d "$SCRATCH" ]; then
		rm -rf -- "$SCRATCH"
	fi
}

scratch_init() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX") ||
		hard_error "cannot make a scratch directory under ${TMPDIR:-/tmp}"
	trap scratch_cleanup EXIT
	# A signal ends the script through exit, so the EXIT trap still runs.
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# The resolved name, as programs print it; its plain characters let it go
# unquoted into JSON, sed and grep -E patterns.
scratch_path() {
	S=$(cd "$SCRATCH" && pwd -P) || hard_error "cannot enter $SCRATCH"
	case $S in
	*[!A-Za-z0-9/._-]*) hard_error "scratch directory name $S has unusual characters" ;;
	esac
}

root_scratch() {
	if [ -n "${TMPDIR-}" ] && [ "$(stat -c %u "$TMPDIR" 2> /dev/null)" != 0 ]; then
		TMPDIR=/tmp
	fi
	scratch_init
	chmod 755 "$SCRATCH"
	scratch_path
}

pass() {
	tests_passed=$((tests_passed + 1))
	printf 'PASS: %s\n' "$1"
}

fail() {
	tests_failed=$((tests_failed + 1))
	printf 'FAIL: %s\n' "$1"
	if [ -n "${2-}" ]; then
		printf '%s\n' "$2" | sed 's/^/    /'
	fi
}

pass_unless() {
	_name=$1 _why=$2
	shift 2
	if [ -z "$_why" ]; then
		pass "$_name"
		return
	fi
	_detail="problem:$_why"
	for _f in "$@"; do
		_detail="$_detail
  $(basename "$_f"):
$(show 12 "$_f")"
	done
	fail "$_name" "$_detail"
}

finish() {
	printf '%s: %d passed, %d failed\n' "$TEST_NAME" \
		"$tests_passed" "$tests_failed"
	if [ "$tests_failed" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# REPLY = $1 with every $2 replaced by $3.
subst() {
	_s=$1
	REPLY=
	while :; do
		case $_s in
		*"$2"*)
			REPLY=$REPLY${_s%%"$2"*}$3
			_s=${_s#*"$2"}
			;;
		*) break ;;
		esac
	done
	REPLY=$REPLY$_s
}

# REPLY = $1 quoted for use in an extended regular expression.
re_quote() {
	REPLY=$(printf '%s\n' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g')
}

# The first $1 lines of file $2, indented, for failure reports.
show() {
	if [ ! -s "$2" ]; then
		echo "      (empty)"
		return
	fi
	sed -n "1,${1}p" "$2" | tr -c '[:print:]\n' '?' | sed 's/^/      /'
	[ "$(wc -l < "$2")" -le "$1" ] || echo "      ..."
}
