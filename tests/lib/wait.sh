# wait.sh --- waits that decide on the reading they matched
# shellcheck shell=bash
#
#   wait_for SECONDS DESC READ [ARGS...]
#       Runs READ every half second until it succeeds or SECONDS (scaled)
#       pass.
#       READ prints what it saw and returns 0 when that reading is the one
#       waited for: the decision is that run's, never a second look (a
#       cluster in the middle of a transition reads differently a moment
#       later).  A failed reading (a crm_mon that could not connect) is
#       retried like any other.  On giving up, prints DESC and the last
#       reading to stderr and returns 1.
#
#   promoted_on NODE        (a READ for wait_for) the clone pgsqld-clone is
#       promoted on NODE, read from crm_mon's XML, not its text (pcs and
#       crm_mon change their text between versions; the XML is an API).
#
#   wait_scale              sets TANDEM_WAIT_SCALE: how many times a bound
#       written for a fast idle machine is stretched on this one.  Every
#       bound of the waits here (wait_for, tap_wait, scaled) is a guard
#       against hanging, never a measure.
#   scaled SECONDS          SECONDS stretched so (for hand-made loops).
#
# The unit is what every wait here is made of: a process start from bash
# (fork, exec, exit, reap), the median of three batches of fifty,
# measured once per run (tests/run-all.sh exports it; a test run alone
# measures its own).  The bounds were written where that costs about
# 1 ms on an idle machine; here they are stretched by twice the ratio (a
# run loads the machine it measured idle: process starts cost two to
# three times more meanwhile), three times at least, ten at most, and
# never past ten minutes (a bound already longer stays as it is): nothing
# here takes ten minutes unless it has failed.
wait_scale() {
	[ -n "${TANDEM_WAIT_SCALE:-}" ] && return 0
	local t0 us=()
	for _ in 1 2 3; do
		t0=${EPOCHREALTIME/[.,]/}
		for _ in $(seq 50); do /bin/true; done
		us+=($(((${EPOCHREALTIME/[.,]/} - t0) / 50)))
	done
	TANDEM_START_US=$(printf '%s\n' "${us[@]}" | sort -n | sed -n 2p)
	TANDEM_WAIT_SCALE=$(((2 * TANDEM_START_US + 999) / 1000))
	[ "$TANDEM_WAIT_SCALE" -ge 3 ] || TANDEM_WAIT_SCALE=3
	[ "$TANDEM_WAIT_SCALE" -le 10 ] || TANDEM_WAIT_SCALE=10
	export TANDEM_WAIT_SCALE TANDEM_START_US
}
#
# TANDEM_GAVE_UP (a file name, set by a harness whose steps depend on each
# other, as a cluster scenario's): once a wait has given up, the file is
# made and every later bound is one second, so the checks that follow take
# one reading each instead of each waiting its own bound in vain; the
# harness removes it when it has recovered.
scaled() {
	local s
	wait_scale
	if [ -n "${TANDEM_GAVE_UP:-}" ] && [ -e "$TANDEM_GAVE_UP" ]; then
		echo 1
		return
	fi
	s=$(($1 * TANDEM_WAIT_SCALE))
	[ "$s" -le 600 ] || s=$(($1 > 600 ? $1 : 600))
	echo "$s"
}
gave_up() { # gave_up: note that a wait gave up (TANDEM_GAVE_UP)
	[ -z "${TANDEM_GAVE_UP:-}" ] || : >"$TANDEM_GAVE_UP"
}
wait_scale

wait_for() {
	local asked=$1 limit desc=$2 seen=""
	limit=$(scaled "$1")
	shift 2
	local end=$((SECONDS + limit))
	while :; do
		if seen=$("$@" 2>&1); then
			return 0
		fi
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.5
	done
	printf '%s: gave up after %s s (%s s scaled by %s); last reading:\n%s\n' \
		"$desc" "$limit" "$asked" "$TANDEM_WAIT_SCALE" "$seen" >&2
	gave_up
	return 1
}

# The nodes where pgsqld-clone (or $CLONE) is promoted, one per line, from XML.
# Pacemaker 2.1 and 3.0 write role="Promoted"; 2.0 wrote "Master".
promoted_nodes() {
	crm_mon -1 --output-as=xml 2>/dev/null |
		xmllint --xpath "//clone[@id='${CLONE:-pgsqld-clone}']/resource[@role='Promoted' or @role='Master']/node/@name" - 2>/dev/null |
		sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d'
}

promoted_on() {
	local got
	got=$(promoted_nodes)
	echo "promoted: [${got//$'\n'/ }] (want $1)"
	[ "$got" = "$1" ]
}
