#!/bin/sh
# rec.sh: the throughput of breakglass-rec against `script -q` with a log
# file (issue 5): the same terminal-like text through each, alternately,
# inside one outer pty, as ratios of wall and CPU time.  Root only: the
# recorder is installed setuid and setgid to a breakglass account in a
# scratch prefix, as tests/rec_root.sh does, and run as a test user.
#
# usage: rec.sh [-s MB] [-n ROUNDS] [-d DIR] CONFIG_STATUS SRCDIR
#   -s MB      text to send, in 10^6 bytes (default 200)
#   -n ROUNDS  rounds of one script run and one recorder run (default 5)
#   -d DIR     where the scratch directory goes (default $TMPDIR or /tmp;
#              root-owned, not mounted nosuid)
# Exit status: 0 both targets met, 2 one missed, 1 the benchmark could
# not run or a check failed, 77 not root.

LC_ALL=C
export LC_ALL
ME=rec.sh
SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
WALL_MAX=1.10
CPU_MAX=1.3

die() {
	printf '%s: %s\n' "$ME" "$*" >&2
	exit 1
}

# ---- inside the outer pty: the timed runs ----------------------------------

# measure TAG CMD...: CMD's wall and user+sys CPU seconds (itself and every
# process it waited for) into $S/t.TAG as "wall user sys rc".
measure() {
	_tag=$1
	shift
	if [ -n "$GNU_TIME" ]; then
		"$GNU_TIME" -f '%e %U %S' -o "$S/t.$_tag" "$@"
		_rc=$?
		# the last line: a failed command's status line comes first
		printf '%s %s\n' "$(tail -n 1 "$S/t.$_tag")" "$_rc" > "$S/t.$_tag"
		return
	fi
	# No GNU time: the shell's children times before and after (a
	# redirected builtin runs in this shell, a piped one would not).
	times > "$S/times.0"
	_t0=$(date +%s.%N)
	"$@"
	_rc=$?
	_t1=$(date +%s.%N)
	times > "$S/times.1"
	awk -v t0="$_t0" -v t1="$_t1" -v rc="$_rc" '
		function sec(s) { sub(/s$/, "", s); split(s, a, "m"); return a[1] * 60 + a[2] }
		FNR == 2 { u[n + 0] = sec($1); s[n++ + 0] = sec($2) }
		END { printf "%.2f %.2f %.2f %s\n", t1 - t0, u[1] - u[0], s[1] - s[0], rc }' \
		"$S/times.0" "$S/times.1" > "$S/t.$_tag"
}

# timed TAG SESSION CMD...: measure CMD as the test user (real ids, own
# groups), with the minimal environment sshd would leave.
timed() {
	_tag=$1 _id=$2
	shift 2
	measure "$_tag" setpriv --reuid="$USR" --regid="$USR" --init-groups env -i \
		PATH=/usr/bin:/bin TERM=xterm SHELL=/bin/bash BREAKGLASS_SESSION="$_id" \
		ASAN_OPTIONS=detect_leaks=0 "$@"
}

run_script() {
	timed "a$1" - script -q -c "cat $FILE" "$S/log/typescript"
	{ wc -c < "$S/log/typescript" || echo 0; } > "$S/size.a$1" 2> /dev/null
	rm -f "$S/log/typescript"
	sync
}

run_rec() {
	timed "b$1" "$(sed -n "$1p" "$S/ids")" "$REC" -c "cat $FILE"
	sync
}

in_pty() {
	# A known size, the same for both (the outer pty starts at 0x0).
	stty rows 50 cols 160 || exit 1
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		# which goes first alternates, against drift in the machine's load
		if [ $((i % 2)) = 1 ]; then
			run_script "$i"
			run_rec "$i"
		else
			run_rec "$i"
			run_script "$i"
		fi
		i=$((i + 1))
	done
	: > "$S/pty.done"
}

if [ "${1-}" = --in-pty ]; then
	in_pty
	exit 0
fi

# ---- options and checks ----------------------------------------------------

MB=200
ROUNDS=5
DIR=
while getopts s:n:d: opt; do
	case $opt in
	s) MB=$OPTARG ;;
	n) ROUNDS=$OPTARG ;;
	d) DIR=$OPTARG ;;
	*) die "usage: rec.sh [-s MB] [-n ROUNDS] [-d DIR] CONFIG_STATUS SRCDIR" ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 2 ] || die "usage: rec.sh [-s MB] [-n ROUNDS] [-d DIR] CONFIG_STATUS SRCDIR"
case $MB$ROUNDS in
*[!0-9]*) die "-s and -n take positive whole numbers" ;;
esac
[ "$MB" -gt 0 ] && [ "$ROUNDS" -gt 0 ] || die "-s and -n take positive whole numbers"
STATUS=$1
SRCDIR=$2
if [ "$(id -u)" != 0 ]; then
	printf '%s: skipped: must be run as root (it installs breakglass-rec setuid and adds users)\n' \
		"$ME" >&2
	exit 77
fi
[ -x "$STATUS" ] || die "$STATUS: no config.status there"
[ -x "$SRCDIR/configure" ] || die "$SRCDIR: no configure there"
. "$SRCDIR/tests/common/account.sh"
. "$SRCDIR/tests/common/prefix.sh"
for tool in script setpriv useradd userdel pkill make awk od stty sync truncate mkfifo du; do
	command -v "$tool" > /dev/null 2>&1 || die "$tool not found"
done
GNU_TIME=
if /usr/bin/time -f %e -o /dev/null true 2> /dev/null; then
	GNU_TIME=/usr/bin/time
else
	printf '%s: no GNU time (Debian package "time"); using the shell'"'"'s times\n' "$ME"
fi
eval "set -- $("$STATUS" --config)"
case " $* " in
*--enable-sanitizers*)
	printf '%s: warning: a sanitizer build; its figures mean nothing\n' "$ME" ;;
esac
if [ -z "$DIR" ]; then
	DIR=${TMPDIR:-/tmp}
	# The recorder trusts nothing below a directory others control.
	[ "$(stat -c %u "$DIR" 2> /dev/null)" = 0 ] || DIR=/tmp
fi
case $(findmnt -n -o OPTIONS -T "$DIR" 2> /dev/null) in
*nosuid*) die "$DIR is mounted nosuid: the recorder could not run setuid there (use -d)" ;;
esac

umask 022
S=
USR=
CREATED_ACCOUNT=
OUTER=
cleanup() {
	[ -z "$OUTER" ] || kill "$OUTER" 2> /dev/null
	if [ -n "$USR" ]; then
		pkill -KILL -u "$USR" 2> /dev/null
		userdel -r "$USR" > /dev/null 2>&1 ||
			printf '%s: cannot remove the test user %s\n' "$ME" "$USR" >&2
	fi
	account_release ||
		printf '%s: cannot remove the breakglass account this added; in use?\n' "$ME" >&2
	[ -z "$S" ] || rm -rf -- "$S"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
S=$(mktemp -d "$DIR/bg-bench-rec.XXXXXX") || die "cannot make a directory in $DIR"
S=$(cd "$S" && pwd -P) || die "cannot enter $S"
case $S in
*[!A-Za-z0-9/._-]*) die "$S: unusual characters (it goes into JSON unquoted)" ;;
esac
chmod 755 "$S"
P=$S/prefix

# ---- build with the scratch prefix, install setuid (as rec_root.sh) --------

printf '%s: building the recorder for %s\n' "$ME" "$P"
prefix_build "$SRCDIR" "$STATUS" "$S/build" "$P" recorder/breakglass-rec ctl/breakglassctl \
	replay/breakglass-replay || die "$REPLY"

account_take || die "$REPLY"
USR=$(printf 'bgbench-%s' "$$" | cut -c 1-32)
useradd -m -s /bin/bash "$USR" > "$S/useradd.err" 2>&1 ||
	{ USR=; die "useradd failed: $(cat "$S/useradd.err")"; }

B=$S/build
SPOOL=$P/var/spool/breakglass
RUN=$P/run/breakglass
ETC=$P/etc/breakglass
REC=$P/bin/breakglass-rec
REPLAY=$P/bin/breakglass-replay
# The recorder's settings are the defaults: what a package would run.
prefix_install "$B" "$P" "$S" || die "$REPLY"
install -d -o "$USR" -g "$USR" -m 700 "$S/log" || die "install failed"

# One grant a round, as the PAM module writes it (FORMAT.md section 3).
uid=$(id -u "$USR")
now=$(date +%s)
: > "$S/ids"
i=1
while [ "$i" -le "$ROUNDS" ]; do
	id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	printf '{"version":1,"session":"%s","user":"%s","uid":%s,"ticket":"BENCH-1","justification":"throughput benchmark","mfa":"totp","start":%s,"expires":%s}' \
		"$id" "$USR" "$uid" "$((now - 60))" "$((now + 86400))" > "$RUN/$id.json" &&
		chown root:breakglass "$RUN/$id.json" && chmod 640 "$RUN/$id.json" ||
		die "cannot write a grant"
	echo "$id" >> "$S/ids"
	i=$((i + 1))
done

# ---- the text ---------------------------------------------------------------

# A shell session's output with its escapes and CRLFs (prompts, logs, ls -l,
# top refreshes, progress bars, git log), made once as a 4 MB chunk, then
# appended: a looping generator piped into head would never end.
FILE=$S/text
SIZE=$((MB * 1000000))
awk -v LIMIT=4000000 '
function pick(s,  a) { return a[int(rand() * split(s, a, " ")) + 1] }
function hex(n,  s) { for (s = ""; n-- > 0;) s = s substr("0123456789abcdef", int(rand() * 16) + 1, 1); return s }
BEGIN {
	srand(7); E = "\033"; NL = "\r\n"
	for (out = 0; out < LIMIT; out += length(s)) {
		k = int(rand() * 5); t += int(rand() * 30); s = ""
		if (k == 0)
			s = E "[1;32mops@web-" int(rand() * 40) E "[0m:" E "[1;34m~/" pick("src deploy logs etc/nginx srv/app") E "[0m$ " pick("ls journalctl git tail systemctl grep df") " -" pick("l f n 100 u a") NL
		else if (k == 1)
			for (i = 0; i < 20; i++) {
				lv = pick("INFO INFO INFO DEBUG WARN ERROR")
				s = s sprintf("2024-05-01T%02d:%02d:%02d.%03dZ ", int(t / 3600) % 24, int(t / 60) % 60, t % 60, rand() * 1000) E "[" (lv == "ERROR" ? 31 : lv == "WARN" ? 33 : 36) "m" lv E "[0m [worker-" int(rand() * 64) "] " pick("request done started finished retrying accepted") " id=" hex(12) " path=/api/v" int(rand() * 3) "/" pick("orders users payments sessions health") " took " int(rand() * 2000) " ms status=" pick("200 200 200 201 204 404 500") NL
			}
		else if (k == 2)
			for (i = 0; i < 25; i++)
				s = s pick("-rwxr-xr-x -rw-r--r-- drwxr-xr-x lrwxrwxrwx") " " int(rand() * 3 + 1) " " pick("root www-data ops") " " pick("root adm staff") sprintf(" %8d %s %2d %02d:%02d ", rand() * 9999999, pick("Jan Feb Mar Apr May Jun"), rand() * 28 + 1, rand() * 24, rand() * 60) E "[01;3" pick("2 4 6 0") "m" pick("nginx bash python3 libssl.so.3 config.yaml app.log systemd") int(rand() * 100) E "[0m" NL
		else if (k == 3) {
			s = E "[H" E "[2J" E "[1mtop - up " int(rand() * 300) sprintf(" days, load average: %.2f, %.2f, %.2f", rand() * 4, rand() * 4, rand() * 4) E "[m" NL E "[7m    PID USER      PR  NI    VIRT    RES  %CPU  %MEM COMMAND" E "[m" NL
			for (i = 0; i < 20; i++)
				s = s E "[" (i + 8) ";1H" sprintf("%7d %-8s  20   0 %7d %6d %5.1f %5.1f %s", rand() * 99999, pick("root ops www-data postgres"), rand() * 9999999, rand() * 999999, rand() * 100, rand() * 30, pick("postgres nginx java python3 sshd kworker/0:1")) E "[K"
			s = s NL
		} else {
			for (i = 0; i <= 100; i += int(rand() * 10) + 1)
				s = s sprintf("\r%3d%% [%-41s] %d KB/s", i, substr("========================================", 1, int(i * 0.4)) ">", rand() * 90000)
			s = s NL
			for (i = 0; i < 6; i++)
				s = s E "[33mcommit " hex(40) E "[m" NL "Author: " pick("Ana Ben Chen Dara Eli") " <dev" int(rand() * 50) "@example.com>" NL NL "    " pick("Fix Add Remove Refactor Update") " " pick("retry timeout cache parser docs tests") " in " pick("queue.c http.go worker.py main.rs") NL NL
		}
		printf "%s", s
	}
}' > "$S/chunk" || die "cannot generate the text"
: > "$FILE"
while [ "$(wc -c < "$FILE")" -lt "$SIZE" ]; do
	cat "$S/chunk" >> "$FILE" || die "cannot write the text"
done
truncate -s "$SIZE" "$FILE" && chmod 644 "$FILE" || die "cannot cut the text"

# ---- the runs: one outer pty for all of them -------------------------------

load0=$(cut -d ' ' -f 1-3 /proc/loadavg)
printf '%s: %s MB, %s rounds in one pty, load average %s\n' "$ME" "$MB" "$ROUNDS" "$load0"
mkfifo "$S/quiet" || die "mkfifo"
export S USR FILE REC ROUNDS GNU_TIME
# stdin: a FIFO opened read-write, which never ends and never speaks (at
# EOF script would type ^D into the pty); the pty's output goes nowhere.
SHELL=/bin/sh script -q -c "exec /bin/sh '$SELF' --in-pty" \
	/dev/null <> "$S/quiet" > "$S/outer.out" 2>&1 &
OUTER=$!
wait "$OUTER"
OUTER=
[ -e "$S/pty.done" ] || die "the runs in the pty did not finish: $(tail -c 300 "$S/outer.out" | tr -c '[:print:]\n' '?')"
load1=$(cut -d ' ' -f 1-3 /proc/loadavg)

# ---- checks: a broken run posts no figure ----------------------------------

bad=
i=1
while [ "$i" -le "$ROUNDS" ]; do
	read -r _ _ _ rc < "$S/t.a$i" && [ "$rc" = 0 ] || bad="$bad round $i: script exited $rc;"
	[ "$(cat "$S/size.a$i")" -ge "$SIZE" ] || bad="$bad round $i: script logged $(cat "$S/size.a$i") bytes;"
	read -r _ _ _ rc < "$S/t.b$i" && [ "$rc" = 0 ] || bad="$bad round $i: the recorder exited $rc;"
	id=$(sed -n "${i}p" "$S/ids")
	"$REPLAY" verify -k "$S/a1.key" --host-pub "$ETC/host.key.pub" "$SPOOL/$id" \
		> "$S/verify.$i" 2>&1 || bad="$bad round $i: verify: $(tail -n 2 "$S/verify.$i");"
	n=$("$REPLAY" cat -k "$S/a1.key" --host-pub "$ETC/host.key.pub" "$SPOOL/$id" | wc -c)
	[ "$n" -ge "$SIZE" ] || bad="$bad round $i: the recording holds $n bytes of output;"
	echo "$n" > "$S/size.b$i"
	du -s -b "$SPOOL/$id" | cut -f 1 > "$S/stored.$i"
	i=$((i + 1))
done
[ -z "$bad" ] || die "no figures, a check failed:$bad"

# ---- the table ---------------------------------------------------------------

i=1
while [ "$i" -le "$ROUNDS" ]; do
	printf '%s %s %s\n' "$i" "$(cat "$S/t.a$i" "$S/size.a$i" | tr '\n' ' ')" \
		"$(cat "$S/t.b$i" "$S/size.b$i" | tr '\n' ' ')"
	i=$((i + 1))
done > "$S/rounds"
awk -v mb="$MB" -v stored="$(cat "$S/stored.1")" -v wmax="$WALL_MAX" -v cmax="$CPU_MAX" -v l0="$load0" -v l1="$load1" '
function median(v, n,  i, j, x) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{
	# round, script: wall user sys rc logged, recorder: wall user sys rc recorded
	n++; aw[n] = $2; ac[n] = $3 + $4; bw[n] = $7; bc[n] = $8 + $9
	rw[n] = bw[n] / aw[n]; rc[n] = bc[n] / ac[n]
	printf "| %d | %.2f | %.2f (%.2f + %.2f) | %.2f | %.2f (%.2f + %.2f) | %.3f | %.3f |\n", \
		$1, $2, ac[n], $3, $4, $7, bc[n], $8, $9, rw[n], rc[n]
	sa[n] = $6; sb[n] = $11
}
BEGIN {
	print "| round | script wall s | script cpu s (user + sys) | rec wall s | rec cpu s (user + sys) | wall rec/script | cpu rec/script |"
	print "|---|---|---|---|---|---|---|"
}
END {
	mw = median(rw, n); mc = median(rc, n)
	printf "\n%s MB (10^6 bytes); output per run: script logged %d bytes, the recording holds %d\n", mb, sa[1], sb[1]
	printf "the recording takes %d bytes on disk (stored/raw %.3f)\n", stored, stored / (mb * 1e6)
	printf "load average before %s, after %s\n", l0, l1
	printf "medians: script %.2f s wall, %.2f s cpu; recorder %.2f s wall, %.2f s cpu\n", \
		median(aw, n), median(ac, n), median(bw, n), median(bc, n)
	pw = mw <= wmax + 1e-9; pc = mc <= cmax + 1e-9
	printf "median ratio rec/script: wall %.4f (target <= %s) %s, cpu %.4f (target <= %s) %s\n", \
		mw, wmax, pw ? "PASS" : "FAIL", mc, cmax, pc ? "PASS" : "FAIL"
	exit pw && pc ? 0 : 2
}' "$S/rounds"
