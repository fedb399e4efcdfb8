# The programs built again with a scratch prefix compiled in (the
# recorder takes its configuration path from the build, never from the
# user), for tests/root/rec_root.sh and bench/rec.sh; sourced.
#
#   prefix_build SRCDIR CONFIG_STATUS BUILDDIR PREFIX TARGET...
#       configure BUILDDIR from SRCDIR with CONFIG_STATUS's options and
#       PREFIX (its etc, var and run below it), then make the TARGETs.
#       Returns 1 with REPLY saying why.
#
# A source tree configured in place cannot configure a second build
# ("source directory already configured"): its files are then copied
# beside BUILDDIR and cleaned of that build first.

prefix_build() {
	pb_src=$1 pb_status=$2 pb_build=$3 pb_prefix=$4
	shift 4
	pb_targets=$*
	if [ -f "$pb_src/config.status" ]; then
		mkdir "$pb_build.src" || { REPLY="cannot make $pb_build.src"; return 1; }
		(tar -C "$pb_src" --exclude=./.git --exclude=./build -cf - . |
			tar -C "$pb_build.src" -xf -) ||
			{ REPLY="cannot copy $pb_src"; return 1; }
		make -C "$pb_build.src" distclean > "$pb_build.src.log" 2>&1 ||
			{ REPLY="make distclean of the copy failed: $(tail -n 5 "$pb_build.src.log")"; return 1; }
		pb_src=$pb_build.src
	fi
	eval "set -- $("$pb_status" --config)"
	mkdir "$pb_build" || { REPLY="cannot make $pb_build"; return 1; }
	(cd "$pb_build" && "$pb_src/configure" "$@" --srcdir="$pb_src" --prefix="$pb_prefix" \
		--sysconfdir="$pb_prefix/etc" --localstatedir="$pb_prefix/var" \
		--runstatedir="$pb_prefix/run" > configure.log 2>&1) ||
		{ REPLY="configure failed: $(tail -n 5 "$pb_build/configure.log")"; return 1; }
	# shellcheck disable=SC2086
	make -C "$pb_build" -j2 $pb_targets > "$pb_build/make.log" 2>&1 ||
		{ REPLY="build failed: $(tail -n 15 "$pb_build/make.log")"; return 1; }
}
