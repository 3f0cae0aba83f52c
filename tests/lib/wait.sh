# wait.sh --- waits that decide on the reading they matched
# shellcheck shell=bash
#
#   wait_for SECONDS DESC READ [ARGS...]
#       Runs READ every half second until it succeeds or SECONDS pass.
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
wait_for() {
	local limit=$1 desc=$2 seen=""
	shift 2
	local end=$((SECONDS + limit))
	while :; do
		if seen=$("$@" 2>&1); then
			return 0
		fi
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.5
	done
	printf '%s: gave up after %s s; last reading:\n%s\n' "$desc" "$limit" "$seen" >&2
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
