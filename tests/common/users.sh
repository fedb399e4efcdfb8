# users.sh: the test users of the root scripts (tests/root/*.sh), made
# with useradd and removed again by the caller's cleanup; sourced after
# lib.sh, with $S set.
#
#   user_add NAME SHELL [USERADD-OPTION...]
#                   REPLY = a new user NAME-PID (cut to 32 characters)
#                   with login shell SHELL
#   users_remove    end the processes of every user added, remove them
#   user_enroll CTL CONF USER
#                   breakglassctl enroll USER (its output kept in
#                   $S/enroll-USER.out and .err); URI = the otpauth://
#                   line printed, REPLY = its base32 secret (empty if
#                   none); the status is enroll's
# shellcheck shell=sh disable=SC2034 # URI is the caller's

CREATED_USERS=

user_add() {
	REPLY=$(printf '%s-%s' "$1" "$$" | cut -c 1-32)
	_shell=$2
	shift 2
	useradd "$@" -s "$_shell" "$REPLY" > "$S/useradd.err" 2>&1 ||
		hard_error "useradd $REPLY failed: $(cat "$S/useradd.err")"
	CREATED_USERS="$CREATED_USERS $REPLY"
}

users_remove() {
	for _u in $CREATED_USERS; do
		pkill -KILL -u "$_u" 2> /dev/null
		_home=$(getent passwd "$_u" | cut -d: -f6)
		_r=
		case $_home in /home/"$_u") [ ! -d "$_home" ] || _r=-r ;; esac
		userdel $_r "$_u" > /dev/null 2>&1 ||
			printf '%s: cannot remove test user %s\n' "$TEST_NAME" "$_u" >&2
	done
	CREATED_USERS=
}

user_enroll() {
	"$1" -c "$2" enroll "$3" > "$S/enroll-$3.out" 2> "$S/enroll-$3.err"
	_rc=$?
	URI=$(grep '^otpauth://totp/' "$S/enroll-$3.out" | head -n 1)
	REPLY=$(printf '%s\n' "$URI" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
	return $_rc
}
