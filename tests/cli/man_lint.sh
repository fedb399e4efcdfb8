#!/bin/sh
# Every man page renders without a groff or man warning, and documents
# every configuration key of the schema table.
. "${TESTS_SRCDIR:-$(dirname "$0")/..}/common/lib.sh"

command -v man >/dev/null 2>&1 || { echo "man is not installed"; exit 77; }
src=${TESTS_SRCDIR:-$(dirname "$0")/..}/..
scratch_init

for page in "$src"/docs/*.[1-8].in; do
	name=$(basename "$page" .in)
	sed -e 's|@sysconfdir@|/etc|g; s|@localstatedir@|/var|g; s|@bindir@|/usr/bin|g' \
	    -e 's|@runstatedir@|/run|g; s|@VERSION@|0|g' "$page" >"$SCRATCH/$name"
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$SCRATCH/$name" 2>&1 >/dev/null)
	if [ -z "$warnings" ]; then
		pass "$name renders cleanly"
	else
		fail "$name renders cleanly" "$warnings"
	fi
done

# Each key path of lib/config/confschema.c appears in breakglass.json(5).
keys=$(sed -n 's/^[[:space:]]*\(OBJ\|INT\|STR\|ENUM\)("\([a-z_.]*\)".*/\2/p; s/^[[:space:]]*{ "\([a-z_.]*\)", BG_CK_.*/\1/p' \
	"$src/lib/config/confschema.c")
[ -n "$keys" ] || fail "schema keys found" "no key parsed from lib/config/confschema.c"
MANWIDTH=200 man -l "$SCRATCH/breakglass.json.5" 2>/dev/null >"$SCRATCH/json5.txt"
for k in $keys; do
	if grep -qF -- "$k" "$SCRATCH/json5.txt"; then
		pass "documents $k"
	else
		fail "documents $k" "not found in breakglass.json(5)"
	fi
done
finish
