#!/bin/bash
# failover.sh --- failover measured side by side: Tandem (pgsql + vip) against PAF (pgsqlms + IPaddr2)
#
#   tests/bench/failover.sh [BUILD_DIR]
# The same cluster of tests/cluster/ (three nodes; CLUSTER_NODES=5 for
# five: how the agents' share grows with the node count), the same fencing, monitor
# intervals and client (a numbered commit every 20 ms through the VIP),
# the same faults (PostgreSQL kill -9 on the primary, a planned switchover,
# the primary's node powered off then booted again), run once with
# Tandem and once with PAF + IPaddr2 configured as PAF's documentation
# says.  Per fault: the longest time without an acknowledged commit, the
# client's failed attempts, acknowledged commits lost, and whether the old
# primary came back as a standby by itself; and the CPU the monitors of
# the database and its VIP use per minute, all nodes together.  A benchmark: what it asserts
# is Tandem's part (scenarios.sh); PAF's figures are only printed.  With
# TANDEM_SUMMARY, Tandem's figures come from that check-cluster run (the
# full configuration, Stash and PgBouncer included) instead of a run here.
# With CL_ROOT (tests/versions/roots.sh's trixie-cluster, Tandem installed
# in it by tests/cluster/trixie.sh), every node runs in that root: Pacemaker
# 3.0 and PAF 2.3.0 of Debian 13, PostgreSQL 17.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top}")
# Power-off last: PAF cannot bring the old primary back by itself.
faults=${FAILOVER_FAULTS:-kill9 switchover poweroff}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
stacks="tandem paf"
# TANDEM_SUMMARY: the "# summary:" lines of a make check-cluster of this
# same run (tests/run-all.sh has one): Tandem's side is not run twice.
# With TANDEM_SUMMARY_DONE, that matrix runs beside this benchmark: its
# summary is read once that file exists (its run has ended), after PAF's.
[ -n "${TANDEM_SUMMARY:-}" ] && stacks=paf
for stack in $stacks; do
	CLUSTER_STACK=$stack CLUSTER_EXTRAS=0 CLUSTER_SCENARIOS="$faults" \
		"$build/tests/lib/reaper" bash "$top/tests/cluster/scenarios.sh" "$build" >"$out/$stack.log" 2>&1 ||
		{ [ $stack = tandem ] && rc=1; }
	grep -E '^(ok|not ok)' "$out/$stack.log" | sed "s/^/[$stack] /"
	sed -n "s/^# summary: //p" "$out/$stack.log" >"$out/$stack.tsv"
done
if [ -n "${TANDEM_SUMMARY:-}" ]; then
	if [ -n "${TANDEM_SUMMARY_DONE:-}" ]; then
		# Bounded by that run's own bounds: only its failure to end reaches this.
		for _ in $(seq 5400); do [ -e "$TANDEM_SUMMARY_DONE" ] && break; sleep 1; done
		[ -e "$TANDEM_SUMMARY_DONE" ] || echo "failover: no $TANDEM_SUMMARY_DONE after 5400 s: Tandem's side is not known" >&2
	fi
	sed -n "s/^# summary: //p" "$TANDEM_SUMMARY" 2>/dev/null >"$out/tandem.tsv"
fi
echo
echo "Failover, ${CLUSTER_NODES:-3} nodes${CL_ROOT:+ in $CL_ROOT}${CLUSTER_HOG:+, stress-ng --cpu $CLUSTER_HOG beside}, fencing on, token ${CLUSTER_TOKEN:-1000} ms, monitors 1 s / 2 s, a commit every 20 ms (one run):"
printf '%-11s | %-44s | %-44s\n' "" "ocf:tandem:pgsql + ocf:tandem:vip" "ocf:heartbeat:pgsqlms + IPaddr2"
printf '%-11s | %9s %7s %6s %9s | %9s %7s %6s %9s\n' fault "gap ms" failed lost rejoined "gap ms" failed lost rejoined
for f in $faults; do
	read -r _ tg tf _ tl tr < <(grep "^$f " "$out/tandem.tsv" || echo "$f - - - - -")
	read -r _ pg pf _ pl pr < <(grep "^$f " "$out/paf.tsv" || echo "$f - - - - -")
	printf '%-11s | %9s %7s %6s %9s | %9s %7s %6s %9s\n' "$f" "$tg" "$tf" "$tl" "$tr" "$pg" "$pf" "$pl" "$pr"
done
# scenarios.sh's "cpu" line: every node's agents, database + VIP monitors, quiet cluster.
tc=$(sed -n 's/^cpu //p' "$out/tandem.tsv")
pc=$(sed -n 's/^cpu //p' "$out/paf.tsv")
printf '%-11s | %-44s | %-44s\n' "CPU/minute" "${tc:--} ms (${CLUSTER_NODES:-3} nodes' monitors)" "${pc:--} ms (${CLUSTER_NODES:-3} nodes' monitors)"
[ -n "$tc" ] && [ -n "$pc" ] && [ "$tc" -gt 0 ] &&
	echo "PAF + IPaddr2's monitors cost $(awk -v p="$pc" -v t="$tc" 'BEGIN { printf "%.1f", p / t }')x the CPU of Tandem's."
# scenarios.sh's "timeline" lines (tests/cluster/timeline.awk, from the
# nodes' Pacemaker logs): when each step ended, in seconds after the fault.
step_of() { # step_of STACK FAULT KEY
	sed -n "s/^timeline $2\( .*\)\{0,1\} $3=\([0-9.]*\).*/\2/p" "$out/$1.tsv" | head -1
}
echo
echo "Where the seconds went, s after the fault (every node's Pacemaker log; - : not in this failover):"
printf '%-11s %-22s | %9s | %9s\n' fault step Tandem PAF
for f in $faults; do
	grep -q "^timeline $f " "$out/tandem.tsv" "$out/paf.tsv" 2>/dev/null || continue
	for k in lost sched fence notify-pre-promote promote vip aborts; do
		t=$(step_of tandem "$f" "$k")
		pv=$(step_of paf "$f" "$k")
		printf '%-11s %-22s | %9s | %9s\n' "$f" "$k" "${t:--}" "${pv:--}"
	done
done
echo "(lost: corosync declares the node lost; sched: the first scheduler run; fence: fencing done;"
echo " notify-pre-promote: the pre-promote round initiated; promote: done; vip: VIP started;"
echo " aborts: transitions aborted between the fault and the VIP's start.)"
exit $rc
