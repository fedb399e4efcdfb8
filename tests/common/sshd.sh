# sshd.sh: Debian's sshd on a loopback port for the root scripts, as a
# bastion runs it: its PAM service (pam_breakglass for auth, account and
# session, everything else denied) loaded from a scratch folder through
# pam_wrapper.  Sourced after lib.sh, with $S set.
#
#   sshd_need       skip (77) without a writable cgroup2 mount (sessions
#                   are contained); hard error without sshd, ssh, expect,
#                   oathtool or pam_wrapper.  CGM = the cgroup2 mount
#   sshd_prepare MODULE CONFIG
#                   the PAM service (MODULE with config=CONFIG) and a
#                   host key in $S
#   sshd_start [LINE...]
#                   (re)start sshd on a free 127.0.0.1 port with LINEs
#                   added to its configuration (a Match block last);
#                   PORT, SSHD_PID; its log in $S/sshd.log
#   sshd_stop       stop it by pid (the caller's cleanup calls this)
# shellcheck shell=sh

SSHD=/usr/sbin/sshd
SSHD_PID=
SSHD_PRELOAD=
SSHD_ASAN=${ASAN_OPTIONS-}

sshd_need() {
	CGM=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
	if [ -z "$CGM" ] || [ ! -w "$CGM/cgroup.procs" ]; then
		printf '%s: skipped: no writable cgroup2 mount (sessions cannot be contained)\n' \
			"$TEST_NAME" >&2
		exit 77
	fi
	for _tool in expect oathtool ssh ssh-keygen useradd userdel make; do
		command -v "$_tool" > /dev/null 2>&1 ||
			hard_error "$_tool not found (tools/test installs it)"
	done
	[ -x "$SSHD" ] || hard_error "no $SSHD (tools/test installs openssh-server)"
	SSHD_PRELOAD=$(ldconfig -p | awk '/libpam_wrapper\.so / { print $NF; exit }')
	[ -n "$SSHD_PRELOAD" ] || hard_error "no libpam_wrapper.so (tools/test installs libpam-wrapper)"
}

sshd_prepare() {
	mkdir -m 755 "$S/pam.d" || hard_error "mkdir $S/pam.d"
	for _t in auth account session; do
		printf '%s required %s config=%s\n' "$_t" "$1" "$2"
	done > "$S/pam.d/sshd"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\npassword required pam_deny.so\nsession required pam_deny.so\n' \
		> "$S/pam.d/other" || hard_error "cannot write the PAM services"
	ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" > "$S/ssh-keygen.out" 2>&1 ||
		hard_error "ssh-keygen: $(cat "$S/ssh-keygen.out")"
	[ -d /run/sshd ] || install -d -m 755 /run/sshd || hard_error "cannot make /run/sshd"
	# A module built with AddressSanitizer needs its runtime loaded
	# first.  Its leak check at exit is off in sshd: the system calls it
	# makes kill sshd's seccomp-sandboxed pre-authentication child
	# (SIGSYS); pam_root.sh checks the module for leaks.
	_asan=$(ldd "$1" | awk '$1 ~ /^libasan\.so/ { print $3 }')
	[ -z "$_asan" ] || SSHD_PRELOAD="$_asan $SSHD_PRELOAD" SSHD_ASAN=detect_leaks=0
}

sshd_stop() {
	[ -n "$SSHD_PID" ] || return 0
	kill "$SSHD_PID" 2> /dev/null
	wait "$SSHD_PID" 2> /dev/null
	SSHD_PID=
}

sshd_start() {
	sshd_stop
	{
		printf 'ListenAddress 127.0.0.1\nHostKey %s\nPidFile %s/sshd.pid\n' "$S/host_key" "$S"
		printf 'UsePAM yes\nKbdInteractiveAuthentication yes\nPasswordAuthentication no\n'
		printf 'PubkeyAuthentication no\nAuthenticationMethods keyboard-interactive\n'
		printf 'PermitRootLogin no\nPrintMotd no\nPrintLastLog no\nMaxStartups 10\n'
		for _l in "$@"; do
			printf '%s\n' "$_l"
		done
	} > "$S/sshd_config" || hard_error "cannot write $S/sshd_config"
	for _try in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		ASAN_OPTIONS=$SSHD_ASAN LD_PRELOAD=$SSHD_PRELOAD PAM_WRAPPER=1 \
			PAM_WRAPPER_SERVICE_DIR=$S/pam.d \
			"$SSHD" -D -e -f "$S/sshd_config" -p "$PORT" 2> "$S/sshd.log" &
		SSHD_PID=$!
		_n=0
		while [ $_n -lt 50 ]; do
			grep -q "Server listening on 127.0.0.1 port $PORT" "$S/sshd.log" && return 0
			kill -0 "$SSHD_PID" 2> /dev/null || break
			sleep 0.1
			_n=$((_n + 1))
		done
		sshd_stop
		cp "$S/sshd.log" "$S/sshd-$_try.log"
	done
	hard_error "sshd did not start: $(tail -n 5 "$S/sshd.log")"
}
