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
# The bounds of every wait: scaled (tests/lib/wait.sh).
. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"

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
	TAP_GAVE_UP=""
	"$@" >/dev/null 2>&1
	tap_result $? "$desc" "command failed: $*${TAP_GAVE_UP:+ ($TAP_GAVE_UP)}"
}

tap_like() {
	printf '%s' "$1" | grep -Eq -- "$2"
	tap_result $? "$3" "'$1' does not match /$2/"
}

# tap_wait SECONDS cmd...: polls cmd every 0.1 s until it succeeds or the
# bound passes (SECONDS stretched for this machine: tests/lib/wait.sh's
# scaled).  The bound is a guard against hanging, not a measurement; on
# giving up, what cmd last printed goes to stderr (and into the log).
tap_wait() {
	local asked=$1 limit end seen=""
	shift
	limit=$(scaled "$asked")
	end=$((SECONDS + limit))
	# cmd runs in this shell (it may set the test's variables, as ra sets
	# RC), its output kept aside for the give-up.
	seen=$(mktemp)
	while :; do
		"$@" >"$seen" 2>&1 && { rm -f "$seen"; return 0; }
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.1
	done
	# Said on stderr, and kept for tap_ok (which silences the command).
	TAP_GAVE_UP=$(printf 'gave up after %s s (%s s scaled by %s); last output: %s' \
		"$limit" "$asked" "$TANDEM_WAIT_SCALE" "$(tr '\n' ' ' <"$seen" | cut -c1-300)")
	echo "# tap_wait $*: $TAP_GAVE_UP" >&2
	rm -f "$seen"
	declare -F gave_up >/dev/null && gave_up
	return 1
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" = 0 ]
}
