#!/bin/sh
# tools/check-layers passes on this tree, and catches each kind of
# breach planted in a copy: an upward include, a program reaching a layer
# it may not use, a circle, a file outside the layer folders, an unknown
# folder, a header that does not exist.
: "${TESTS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$TESTS_SRCDIR/common/lib.sh"

top=$TESTS_SRCDIR/..
check=$top/tools/check-layers
scratch_init
scratch_path

if out=$("$check" "$top" 2>&1); then
	pass "this tree keeps the layer rule"
else
	fail "this tree keeps the layer rule" "$out"
fi

# plant NAME FILE LINE WANT: copy the tree, append LINE to FILE, expect
# check-layers to fail with WANT (a fixed string) in its output.
plant() {
	rm -rf "$S/t"
	mkdir "$S/t" || hard_error "mkdir"
	(cd "$top" && tar -cf - lib include pam ctl recorder replay) | tar -C "$S/t" -xf - ||
		hard_error "cannot copy the tree"
	mkdir -p "$(dirname "$S/t/$2")"
	printf '%s\n' "$3" >> "$S/t/$2"
	out=$("$check" "$S/t" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -qF -- "$4"; then
		pass "$1"
	else
		fail "$1" "exit $rc, wanted 1 and: $4
$out"
	fi
}

plant "base including login" lib/base/buf.c '#include "breakglass/login/totp.h"' \
	"lib/base/buf.c:"
plant "a header reaching up" include/breakglass/evidence/keys.h \
	'#include "breakglass/audit/audit.h"' "evidence may not include audit"
plant "replay reaching the login layer" replay/cat.c '#include "breakglass/login/totp.h"' \
	"replay may not include login"
plant "a circle inside one layer" include/breakglass/base/error.h \
	'#include "breakglass/base/text.h"' "include circle among:"
plant "a file outside the layer folders" lib/stray.c '/* stray */' \
	"lib/stray.c:1: not in a layer folder"
plant "a folder not in the table" lib/extra/x.c '#include "breakglass/base/buf.h"' \
	"folder 'extra' is not in the layer table"
plant "a header that does not exist" lib/base/buf.c '#include "breakglass/base/nosuch.h"' \
	"breakglass/base/nosuch.h: no such header"
plant "a flat include" lib/base/buf.c '#include "breakglass/buf.h"' \
	"breakglass/buf.h is not in a layer folder"

out=$("$check" "$S/nowhere" 2>&1)
[ $? = 2 ] && pass "a folder without the tree is misuse (exit 2)" ||
	fail "a folder without the tree is misuse (exit 2)" "$out"
finish
