#!/bin/sh
# check_config_root.sh: who may own a configuration file, the directories
# above it and the key files it names.  Needs root (to chown, and to run
# breakglassctl as nobody with setpriv from util-linux); skipped otherwise.
#
# A file is trusted when it and every directory above it are owned by root
# or by the effective user of breakglassctl, and none of them is writable
# by group or others.

LC_ALL=C
export LC_ALL
: "${TESTS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
# By hand, outside `make check`: the program of an in-tree build.
: "${BREAKGLASSCTL:=$TESTS_SRCDIR/../ctl/breakglassctl}"
: "${TESTS_BUILDDIR:=$TESTS_SRCDIR}"
. "$TESTS_SRCDIR/common/lib.sh"
. "$TESTS_SRCDIR/common/account.sh"

need_root
[ -x "$BREAKGLASSCTL" ] || hard_error "no program at $BREAKGLASSCTL"
NOBODY_UID=$(id -u nobody 2> /dev/null) || hard_error "no user nobody"
NOBODY_GID=$(id -g nobody)
# A uid that is neither root nor nobody; it needs no passwd entry.
OTHER_UID=$((NOBODY_UID - 1))
umask 077
# Root-owned, and searchable by nobody for the unprivileged runs.
root_scratch

# Key files the configurations point at: root-owned and unreadable by
# nobody, which only needs to look at them.
: > "$S/hk"
: > "$S/ak"
chmod 600 "$S/hk" "$S/ak"



# conf FILE [HOST_KEY]: a valid configuration, root-owned, mode 0600.
conf() {
	printf '{\n  "paths": {\n    "host_key": "%s",\n    "auditor_keys": ["%s"]\n  }\n}\n' \
		"${2:-$S/hk}" "$S/ak" > "$1" && chmod 600 "$1"
}


# rcheck NAME STATUS REGEX FILE [RUNNER...]: run check-config on FILE
# (through RUNNER, e.g. setpriv) and expect exit STATUS.  On status 0 the
# configuration must be on stdout and no error or warning on stderr; on 1
# stdout must be empty, a stderr line must match REGEX (@F@ stands for
# FILE, @S@ for the scratch directory) and the last line must give the
# count of 1 error.
rcheck() {
	name=$1 want=$2 pat=$3 file=$4
	shift 4
	out=$S/$name.out err=$S/$name.err
	"$@" "$BREAKGLASSCTL" -c "$file" check-config > "$out" 2> "$err"
	rc=$?
	why=
	[ "$rc" -eq "$want" ] || why="$why exit status $rc;"
	if [ "$want" -eq 0 ]; then
		[ "$(head -c 1 "$out")" = "{" ] || why="$why no configuration on stdout;"
		[ ! -s "$err" ] || why="$why messages on stderr;"
		expect="exit 0, the configuration on stdout, nothing on stderr"
	else
		re_quote "$file"
		subst "$pat" @F@ "$REPLY"
		pat=$REPLY
		re_quote "$S"
		subst "$pat" @S@ "$REPLY"
		pat=$REPLY
		[ ! -s "$out" ] || why="$why output on stdout;"
		grep -q -E -e "$pat" "$err" || why="$why no line matches /$pat/;"
		[ "$(tail -n 1 "$err")" = "$file: 1 error" ] || why="$why wrong count line;"
		expect="exit 1, stderr matching /$pat/, then \"$file: 1 error\""
	fi
	if [ -z "$why" ]; then
		pass "$name"
		return
	fi
	fail "$name" "problem:$why
expected: $expect
actual: exit $rc, stderr:
$(show 6 "$err")
  stdout:
$(show 6 "$out")"
}

# ---- as root ---------------------------------------------------------------

conf "$S/other.json"
chown "$NOBODY_UID" "$S/other.json"
chmod 644 "$S/other.json"
rcheck config-owned-by-nobody 1 \
	"^@F@: error: cannot use this file: file is owned by uid $NOBODY_UID, not by root or uid 0\$" \
	"$S/other.json"

mkdir "$S/nbdir"
chown "$NOBODY_UID:$NOBODY_GID" "$S/nbdir"
chmod 755 "$S/nbdir"
conf "$S/nbdir/in-nobody-dir.json"
rcheck directory-owned-by-nobody 1 \
	"^@F@: error: cannot use this file: directory is owned by uid $NOBODY_UID, not by root or uid 0 \\(@S@/nbdir\\)\$" \
	"$S/nbdir/in-nobody-dir.json"

chown 0:0 "$S/other.json"
rcheck config-chowned-back-to-root 0 '' "$S/other.json"

: > "$S/hk-nobody"
chmod 600 "$S/hk-nobody"
chown "$NOBODY_UID" "$S/hk-nobody"
conf "$S/key-owned-by-nobody.json" "$S/hk-nobody"
rcheck key-file-owned-by-nobody 1 \
	"^@F@:3:5: error: paths\\.host_key: @S@/hk-nobody is refused: file is owned by uid $NOBODY_UID, not by root or uid 0\$" \
	"$S/key-owned-by-nobody.json"

# The host key belongs to the recorder's account (keygen host hands it
# over): that account is trusted for it, never for an auditor key.
CREATED_ACCOUNT=
trap 'account_release; scratch_cleanup' EXIT
account_take || hard_error "$REPLY"
BG_UID=$(id -u breakglass)
: > "$S/hk-bg"
chmod 600 "$S/hk-bg"
chown breakglass "$S/hk-bg"
conf "$S/host-key-of-breakglass.json" "$S/hk-bg"
rcheck host-key-owned-by-breakglass 0 '' "$S/host-key-of-breakglass.json"
printf '{\n  "paths": {\n    "host_key": "%s",\n    "auditor_keys": ["%s"]\n  }\n}\n' \
	"$S/hk" "$S/hk-bg" > "$S/auditor-key-of-breakglass.json"
chmod 600 "$S/auditor-key-of-breakglass.json"
rcheck auditor-key-owned-by-breakglass 1 \
	"^@F@:4:22: error: paths\\.auditor_keys\\[0\\]: @S@/hk-bg is refused: file is owned by uid $BG_UID, not by root or uid 0\$" \
	"$S/auditor-key-of-breakglass.json"
account_release ||
	printf '%s: cannot remove the breakglass account this added\n' "$TEST_NAME" >&2

# ---- as nobody -------------------------------------------------------------

if ! command -v setpriv > /dev/null 2>&1; then
	printf '%s: setpriv (util-linux) not found: unprivileged cases not run\n' \
		"$TEST_NAME"
	fail setpriv-available "setpriv is needed to run breakglassctl as nobody"
	finish
fi
AS_NOBODY="setpriv --reuid=$NOBODY_UID --regid=$NOBODY_GID --clear-groups"

# Root-owned (0644, in a root-owned 0755 directory) is trusted by anyone;
# the key files are root-only but are checked without being read.
conf "$S/root-owned.json"
chmod 644 "$S/root-owned.json"
# shellcheck disable=SC2086 # AS_NOBODY is a command line
rcheck nobody-reads-root-owned-config 0 '' "$S/root-owned.json" $AS_NOBODY

conf "$S/nobody-owned.json"
chown "$NOBODY_UID" "$S/nobody-owned.json"
# shellcheck disable=SC2086
rcheck nobody-reads-own-config 0 '' "$S/nobody-owned.json" $AS_NOBODY

conf "$S/other-user.json"
chmod 644 "$S/other-user.json"
chown "$OTHER_UID" "$S/other-user.json"
# shellcheck disable=SC2086
rcheck nobody-refuses-other-users-config 1 \
	"^@F@: error: cannot use this file: file is owned by uid $OTHER_UID, not by root or uid $NOBODY_UID\$" \
	"$S/other-user.json" $AS_NOBODY

conf "$S/root-group-writable.json"
chmod 664 "$S/root-group-writable.json"
# shellcheck disable=SC2086
rcheck nobody-refuses-group-writable-config 1 \
	"^@F@: error: cannot use this file: file is writable by group or others \\(mode 0664\\)\$" \
	"$S/root-group-writable.json" $AS_NOBODY

finish
