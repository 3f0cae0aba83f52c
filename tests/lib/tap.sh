# tap.sh --- Test Anything Protocol output for shell tests
# shellcheck shell=bash
#
#   tap_is GOT WANT DESC      passes when GOT equals WANT
#   tap_ok DESC cmd...        passes when cmd succeeds
#   tap_like TEXT REGEX DESC  passes when TEXT matches REGEX (grep -E)
#   tap_skip WHY              a check that cannot run here, said
#   tap_done                  prints the plan; exits non-zero on a failure

TAP_N=0
TAP_FAILED=0

tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N # SKIP $1"
}

tap_result() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
		[ -n "${3:-}" ] && printf '#   %s\n' "$3"
	fi
	return 0
}

tap_is() {
	[ "$1" = "$2" ]
	tap_result $? "$3" "got '$1', want '$2'"
}

tap_ok() {
	local desc=$1
	shift
	"$@" >/dev/null 2>&1
	tap_result $? "$desc" "command failed: $*"
}

tap_like() {
	printf '%s' "$1" | grep -Eq -- "$2"
	tap_result $? "$3" "'$1' does not match /$2/"
}

# tap_wait SECONDS cmd...: polls cmd every 0.1 s until it succeeds or the
# bound passes.  The bound is a guard against hanging, not a measurement.
tap_wait() {
	local limit=$(($1 * 10)) i=0
	shift
	while [ $i -lt $limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" = 0 ]
}
