#!/bin/bash
# token.sh --- what a shorter corosync token costs and gains: false failovers on a loaded machine, outage per power cut
#
#   tests/bench/token.sh [BUILD_DIR]
# The cluster of tests/cluster/ (three nodes, Tandem), run once per token
# of TOKENS (default "1000 500", ms), each with TOKEN_HOG CPU hogs
# (stress-ng --cpu, default 1) beside the nodes the whole time, the way
# production hosts are busy: first QUIET_SECONDS (600) of a client and
# nothing else (scenarios.sh's quiet: every membership corosync formed
# without a node, fencing, promotion and failed operation counted), then
# TOKEN_CUTS power cuts of the primary (default 2), each with the write
# outage its client saw and when corosync declared the node lost.  A
# benchmark: it prints the table; what it asserts is scenarios.sh's
# (nothing acknowledged lost, never two primaries).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top}")
tokens=${TOKENS:-1000 500}
hog=${TOKEN_HOG:-1}
quiet=${QUIET_SECONDS:-600}
cuts=""
for _ in $(seq "${TOKEN_CUTS:-2}"); do cuts+=" poweroff"; done
command -v stress-ng >/dev/null || { echo "token.sh: stress-ng is not installed (tests/deps.sh)" >&2; exit 5; }
out=$(mktemp -d)
# Kept when a run failed, for its logs (each token's whole output).
trap '[ "$rc" = 0 ] && rm -rf "$out" || echo "token.sh: logs kept in $out"' EXIT
rc=0
for t in $tokens; do
	CLUSTER_TOKEN=$t CLUSTER_HOG=$hog QUIET_SECONDS=$quiet CLUSTER_EXTRAS=0 CLUSTER_SCENARIOS="quiet$cuts" \
		"$build/tests/lib/reaper" bash "$top/tests/cluster/scenarios.sh" "$build" >"$out/$t.log" 2>&1 || rc=1
	[ "$rc" = 0 ] || grep -E '^#   |gave up' "$out/$t.log" | tail -n 20
	grep -E '^(ok|not ok)' "$out/$t.log" | sed "s/^/[token $t] /"
	sed -n "s/^# summary: //p" "$out/$t.log" >"$out/$t.tsv"
done
echo
echo "Corosync's token, 3 nodes, Tandem, stress-ng --cpu $hog beside the cluster the whole time (one run each):"
printf '%-8s | %-52s | %-40s\n' "" "quiet, $quiet s of a client, nothing injected" "power cut of the primary, link first"
printf '%-8s | %8s %6s %7s %8s %6s %10s | %13s %24s\n' token "no-node" late fenced promoted failed "max gap ms" "node lost, s" "outage ms (each cut)"
for t in $tokens; do
	read -r _ _ _ _ lost late fences promotes failed gap _ < <(grep '^quiet ' "$out/$t.tsv" || echo "quiet - - - - - - - - -")
	lost_at=$(sed -n 's/^timeline poweroff.* lost=\([0-9.]*\).*/\1/p' "$out/$t.tsv" | tr '\n' ' ')
	gaps=$(awk '$1 == "poweroff" { printf "%s ", $2 }' "$out/$t.tsv")
	printf '%-8s | %8s %6s %7s %8s %6s %10s | %13s %24s\n' "$t ms" "$lost" "$late" "$fences" "$promotes" "$failed" "$gap" \
		"${lost_at:--}" "${gaps:--}"
done
echo "(no-node: memberships corosync formed without a node, a node declared lost; late: 'Token has not been"
echo " received' warnings, at 75 % of the token; fenced, promoted: fencing actions and promotions nobody asked"
echo " for; failed: failed pgsqld operations; node lost: corosync's verdict, s after the cut; outage: the"
echo " longest time without an acknowledged commit.)"
exit $rc
