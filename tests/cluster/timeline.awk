# timeline.awk --- where a failover's seconds go, from the cluster's own Pacemaker logs
#
#   sort -k3,3 NODE/var-log-pacemaker/pacemaker.log... |
#       awk -v from=HH:MM:SS.mmm -v vip=pgsql-vip -v rsc=pgsqld [-v moves=1] -f timeline.awk
#
# Reads every node's pacemaker.log (merged, in time order) from the fault
# (from: the time it was injected, this host's clock, which the nodes
# share) to the VIP's start, and prints one line per step, in seconds
# after the fault: the lost node declared lost, each scheduler run,
# fencing, each notification round and promote (first initiated to last
# result), every transition abort with the change that caused it, the
# VIP's start (or, where the VIP does not move, the scheduler run after
# promote).  Then one "steps" line: the same, as name=seconds, for
# tests/bench/failover.sh's table.  A step the logs do not show is left
# out.
function secs(t,    p) {
	split(t, p, ":")
	return p[1] * 3600 + p[2] * 60 + p[3]
}
function at(t) { return sprintf("%.2f", secs(t) - t0) }
function step(key, what, t) {
	if (!(key in seen)) {
		seen[key] = at(t)
		order[++n] = key
		if (what != "")
			printf "%7s s  %s\n", seen[key], what
	}
}
function done_(key, what, t) {
	if ((key in seen) && !(key in ended)) {
		ended[key] = at(t)
		printf "%7s s  %s\n", ended[key], what
	}
}
BEGIN { t0 = secs(from); over = 0 }
{
	if (over || secs($3) < t0)
		next
}
# The failover ends at the VIP's start; where the VIP does not move (the
# primary recovered in place: moves=0), at the scheduler run after promote.
/(Transition [0-9]+ aborted by|Calculated transition)/ && !moves && after_promote > 0 && !("vip" in seen) {
	over = 1
	next
}
/Calculated transition/ && ("promote" in ended) { after_promote++ }
/state is now lost/ && !lost_seen {
	lost_seen = 1
	step("lost", "node declared lost (corosync membership)", $3)
}
/Calculated transition/ {
	sched++
	printf "%7s s  scheduler: transition calculated\n", at($3)
	step("sched", "", $3)
}
/(Requesting fencing|Requesting peer fencing|Client .* wants to fence)/ { step("fence", "fencing requested", $3) }
/was terminated \(/ { done_("fence", "fencing done", $3) }
/Initiating notify operation/ {
	match($0, rsc "_(pre|post)_notify_[a-z]+_0")
	if (RSTART) {
		op = substr($0, RSTART + length(rsc) + 1, RLENGTH - length(rsc) - 3)
		sub("_notify_", "-", op)
		step("notify-" op, "notifications " op " initiated", $3)
	}
}
/Initiating promote operation/ && index($0, rsc "_promote_0") { step("promote", "promote initiated", $3) }
/Result of promote operation/ && index($0, rsc) { done_("promote", "promote done", $3) }
/Transition [0-9]+ aborted by/ {
	aborts++
	cause = $0
	sub(/.*aborted by /, "", cause)
	sub(/ \|.*/, "", cause)
	printf "%7s s  transition aborted by %s\n", at($3), cause
}
/Initiating start operation/ && index($0, vip "_start_0") { step("vip", "VIP start initiated", $3) }
/Result of start operation for/ && index($0, vip) && ("vip" in seen) {
	done_("vip", "VIP started", $3)
	over = 1
}
END {
	printf "steps"
	for (i = 1; i <= n; i++)
		printf " %s=%s", order[i], (order[i] in ended) ? ended[order[i]] : seen[order[i]]
	printf " aborts=%d scheduler_runs=%d\n", aborts + 0, sched + 0
}
