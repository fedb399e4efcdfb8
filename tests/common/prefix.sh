# The programs built again with a scratch prefix compiled in (the
# recorder takes its configuration path from the build, never from the
# user), for tests/root/rec_root.sh, tests/root/sshd_root.sh and
# bench/rec.sh; sourced.
#
#   prefix_build SRCDIR CONFIG_STATUS BUILDDIR PREFIX TARGET...
#       configure BUILDDIR from SRCDIR with CONFIG_STATUS's options and
#       PREFIX (its etc, var and run below it), then make the TARGETs.
#       Returns 1 with REPLY saying why.
#   prefix_install BUILDDIR PREFIX SCRATCH
#       install the programs as a package does (breakglass-rec setuid and
#       setgid to the breakglass account, from account.sh), the spool and
#       run folders, an auditor key pair SCRATCH/a1.key and .pub, a host
#       key and the configuration (prefix_config PREFIX "").  Returns 1
#       with REPLY saying why.
#   prefix_config PREFIX RECORDER [MORE]
#       write PREFIX/etc/breakglass/breakglass.json: the paths below
#       PREFIX (the spool $SPOOL_DIR if set; the escrow public key
#       $ESCROW_KEY if set), the members RECORDER of "recorder" and MORE
#       at the top level (JSON text, each without its leading comma).
#   prefix_verdict NAME SESSION WANT
#       pass NAME-verify when breakglass-replay verify of SESSION (in the
#       spool below $P, read with $S/a1.key) exits WANT, else fail it
#   prefix_cat NAME SESSION [OPTION...]
#       breakglass-replay cat [OPTION...] of that SESSION into $S/NAME.cat,
#       its errors into $S/NAME.cat.err
#
# A source tree configured in place cannot configure a second build
# ("source directory already configured"): its files are then copied
# beside BUILDDIR and cleaned of that build first.
# shellcheck shell=sh

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

prefix_config() {
	pc_etc=$1/etc/breakglass
	printf '{"paths": {"users_dir": "%s/users", "state_dir": "%s/var/lib",
  "run_dir": "%s/run/breakglass", "spool_dir": "%s", "audit_log": "%s/var/log/audit.jsonl",
  "host_key": "%s/host.key", "auditor_keys": ["%s/auditors/a1.pub"]%s},
 "recorder": {%s}%s}\n' "$pc_etc" "$1" "$1" "${SPOOL_DIR:-$1/var/spool/breakglass}" "$1" \
		"$pc_etc" "$pc_etc" "${ESCROW_KEY:+, \"escrow_keys\": [\"$ESCROW_KEY\"]}" "$2" \
		"${3:+, $3}" > "$pc_etc/breakglass.json"
}

prefix_install() {
	pi_b=$1 pi_p=$2 pi_s=$3
	pi_etc=$pi_p/etc/breakglass
	{ install -d -m 755 "$pi_p/bin" "$pi_etc" "$pi_etc/auditors" "$pi_p/var/spool" \
		"$pi_p/var/log" &&
		install -m 755 "$pi_b/ctl/breakglassctl" "$pi_b/replay/breakglass-replay" "$pi_p/bin/" &&
		install -o breakglass -g breakglass -m 6711 "$pi_b/recorder/breakglass-rec" "$pi_p/bin/" &&
		install -d -o breakglass -g breakglass -m 700 "$pi_p/var/spool/breakglass" &&
		install -d -o root -g breakglass -m 750 "$pi_p/run/breakglass"; } ||
		{ REPLY="cannot install into $pi_p"; return 1; }
	prefix_config "$pi_p" ""
	"$pi_p/bin/breakglassctl" keygen auditor -o "$pi_s/a1" > "$pi_s/keygen.out" 2>&1 &&
		install -m 644 "$pi_s/a1.pub" "$pi_etc/auditors/a1.pub" &&
		"$pi_p/bin/breakglassctl" keygen host >> "$pi_s/keygen.out" 2>&1 &&
		"$pi_p/bin/breakglassctl" check-config > "$pi_s/check.out" 2>&1 ||
		{ REPLY="keys or configuration: $(cat "$pi_s/keygen.out" "$pi_s/check.out")"; return 1; }
}

prefix_verdict() {
	"$P/bin/breakglass-replay" verify -k "$S/a1.key" --host-pub "$P/etc/breakglass/host.key.pub" \
		"$P/var/spool/breakglass/$2" > "$S/$1.verify" 2>&1
	pv_rc=$?
	if [ "$pv_rc" = "$3" ]; then
		pass "$1-verify"
	else
		fail "$1-verify" "exit $pv_rc, wanted $3: $(cat "$S/$1.verify")"
	fi
}

prefix_cat() {
	pt_name=$1 pt_sid=$2
	shift 2
	"$P/bin/breakglass-replay" cat -k "$S/a1.key" --host-pub "$P/etc/breakglass/host.key.pub" \
		"$@" "$P/var/spool/breakglass/$pt_sid" > "$S/$pt_name.cat" 2> "$S/$pt_name.cat.err"
}
