#!/bin/bash
# scenarios.sh --- the failure matrix: faults injected for real into a real cluster
#
#   scenarios.sh BUILD_DIR          (make check-cluster; TAP output)
# One cluster of CLUSTER_NODES nodes (default 3) is built, provisioned and
# configured as the README says; then each scenario starts from a healthy
# cluster, runs a client committing numbered rows through the VIP,
# injects its fault, waits for recovery and checks: the expected node is
# primary, the VIP answers there, every acknowledged row is on it, there
# never were two primaries, the failed node is back as a standby.  On a
# failure every node's logs and state are saved and the folder printed.
set -u
build=$(realpath "${1:-.}")
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/cluster/cluster.sh"
. "$top/tests/lib/wait.sh"
WRITER=$build/tests/cluster/writer
# shellcheck disable=SC2034 # cluster.sh reads it
CL_REAPER=$build/tests/lib/reaper
N=${CLUSTER_NODES:-3}
VIP=192.0.2.100
RO_VIP=192.0.2.101
STASH_VIP=192.0.2.110
# CLUSTER_STACK=paf runs the anchor instead (PAF + IPaddr2, configure-paf.sh)
# for tests/bench/failover.sh: the faults and the measures are the same,
# nothing is asserted of it.  CLUSTER_EXTRAS=0 leaves Stash and PgBouncer out.
# CLUSTER_COLLECT=always saves the diagnostics of passing scenarios too.
STACK=${CLUSTER_STACK:-tandem}
EXTRAS=${CLUSTER_EXTRAS:-1}
# CLUSTER_ARCHIVE=1: a WAL archive in a pgBackRest repository every node
# reaches (provision-node.sh's ARCHIVE_REPO); after each scenario
# pgbackrest check passes on the primary and its timeline's history is in
# the archive.
ARCHIVE=${CLUSTER_ARCHIVE:-0}
# CLUSTER_TLS=1 (with Stash and PgBouncer, the matrix's default):
# replication over TLS, the standbys checking the primary's certificate
# for the VIP's address (sslmode=verify-full, docs/security.md).  The
# benchmark's cluster runs as PAF's does, without.
TLS=${CLUSTER_TLS:-$EXTRAS}
[ "$STACK" = tandem ] || TLS=0
SCEN=${CLUSTER_SCENARIOS:-kill9 poweroff partition switchover switchover_lagging switchover_back switchover_pgbouncer pgbouncer_stuck poweroff_pgbouncer lagging standby_loss strict last_standby_cut double_failure lost_slot wiped_standby replaced_disk clock_skew two_databases neighbours site_loss maintenance never_sync never_promote delayed timeline_fork stash_crash stash_maintenance stash_error stash_dbdown stash_poweroff chaos}
DIAG=$CL_DIR-diagnostics

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
[ -x "$WRITER" ] || { echo "Bail out! build $WRITER first"; exit 1; }

say() { echo "# $(date +%T) $*"; }
crm() { node_exec "$1" crm_mon -1 2>/dev/null; }
# The cluster's state as NODE sees it, from crm_mon's XML (an API: its text
# changes between Pacemaker versions), read with XPath.
mon_xml() { node_exec "$1" crm_mon -1 --output-as=xml 2>/dev/null; }
# xvalues XPATH: the values of the attributes XPATH selects in the XML on stdin, one a line.
xvalues() { xmllint --xpath "$1" - 2>/dev/null | grep -o '"[^"]*"' | tr -d '"'; }
# role_nodes ROLE: the nodes where pgsqld-clone has ROLE, in the XML on stdin
# (Pacemaker 2.0 wrote Master and Slave).
role_nodes() {
	local old=$1
	case $1 in Promoted) old=Master ;; Unpromoted) old=Slave ;; esac
	xvalues "//clone[@id='pgsqld-clone']/resource[@role='$1' or @role='$old']/node/@name"
}
# started_on RESOURCE: the nodes where RESOURCE runs, in the XML on stdin.
started_on() { xvalues "//resource[@id='$1'][@role='Started']/node/@name"; }
words() { tr '\n' ' ' | sed 's/ *$//'; }
# primary [NODE]: the promoted node, as NODE (default n1) sees it.
primary() { mon_xml "${1:-n1}" | role_nodes Promoted | head -n 1; }
# unpromoted_has NODE [ASKED]: NODE is an unpromoted (standby) instance.
# the_primary: the promoted node, read until one is seen (a reading taken
# while the cluster settles, or a crm_mon that failed, shows none); the
# answer is that reading's.  Empty after 60 s, and says so.
the_primary() {
	local p="" _i
	for _i in $(seq "$(scaled 60)"); do
		p=$(primary "$(any_up)")
		[ -n "$p" ] && break
		sleep 1
	done
	[ -n "$p" ] || echo "# no primary seen in 60 s" >&2
	echo "$p"
}

unpromoted_has() { mon_xml "${2:-$(any_up)}" | role_nodes Unpromoted | grep -qx "$1"; }
# read_unpromoted NODE [FROM]: (a READ for wait_for) NODE runs as a standby.
read_unpromoted() {
	local u
	u=$(mon_xml "${2:-$(any_up)}" | role_nodes Unpromoted | words)
	echo "unpromoted: [$u] (want $1 among them)"
	grep -qw "$1" <<<"$u"
}
any_up() { local n; for n in "${CL_NODES[@]}"; do node_exec "$n" true 2>/dev/null && { echo "$n"; return; }; done; }
# failcount RESOURCE NODE: Pacemaker's fail count of RESOURCE on NODE.
failcount() { node_exec "$(any_up)" crm_failcount --query -r "$1" -N "$2" 2>/dev/null | sed -n 's/.*value=\([0-9A-Z]*\).*/\1/p'; }
# The node's own psql (PGBIN): Debian's /usr/bin/psql is a Perl wrapper,
# three times the CPU of a call, and the watch below calls it ten times a second.
sqlon() { node_exec "$1" runuser -u postgres -- "$PGBIN/psql" -h /run/postgresql -XAtq -d "${3:-app}" -c "$2" 2>/dev/null; }
# attr NODE NAME: a node attribute's value, as the node itself sees it,
# read from attrd_updater's XML (Pacemaker 3.0's text escapes quotes).
attr() {
	node_exec "$1" attrd_updater -Q -N "$1" -n "$2" --output-as=xml 2>/dev/null |
		xmllint --xpath 'string((//attribute)[1]/@value)' - 2>/dev/null
}
# standbys ban|clear PRIMARY: stop (or let run again) the instance on every
# other node; a pcs that fails is tried once more, on any node, and said.
standbys() {
	local n
	[ -n "$2" ] || { echo "# standbys $1: no primary named" >&2; return 1; }
	for n in "${CL_NODES[@]}"; do
		[ "$n" != "$2" ] || continue
		node_exec "$2" pcs resource "$1" pgsqld-clone "$n" >/dev/null 2>&1 ||
			node_exec "$(any_up)" pcs resource "$1" pgsqld-clone "$n" >/dev/null 2>&1 ||
			echo "# pcs resource $1 pgsqld-clone $n failed twice" >&2
	done
	return 0
}

# healthy [SECONDS]: one primary, every other node a standby, replication synchronous.
healthy() {
	local limit out p n end
	limit=$(scaled "${1:-180}")
	end=$((SECONDS + limit))
	while :; do
		n=$(any_up)
		out=$(mon_xml "$n")
		p=$(role_nodes Promoted <<<"$out")
		# One reading decides: the roles and the VIP from this XML, the
		# sync state asked of the primary it names.
		if [ -n "$p" ] && [ "$(wc -w <<<"$p")" = 1 ] && [ "$(role_nodes Unpromoted <<<"$out" | wc -w)" = $((N - 1)) ] &&
			[ "$(started_on pgsql-vip <<<"$out")" = "$p" ] &&
			{ [ "$STACK" = paf ] || [ "$(attr "$p" tandem-pgsql-sync-pgsqld)" = sync ]; }; then
			return 0
		fi
		[ "$SECONDS" -lt "$end" ] || break
		sleep 2
	done
	gave_up
	echo "#   gave up after $limit s (${1:-180} s scaled); last reading (from $n): promoted [$(words <<<"$p")]," \
		"unpromoted [$(role_nodes Unpromoted <<<"$out" | words)], pgsql-vip on [$(started_on pgsql-vip <<<"$out" | words)]," \
		"sync '$( [ -n "$p" ] && [ "$STACK" != paf ] && attr "$(head -n 1 <<<"$p")" tandem-pgsql-sync-pgsqld)'"
	crm "$n" | sed 's/^/#   /'
	return 1
}

# The client: commits through the VIP for SECONDS, one row per 20 ms.
client_start() {
	printf '*:*:*:app:app\n' >"$CL_DIR/client.pgpass"
	chmod 600 "$CL_DIR/client.pgpass"
	(netns_exec client "$WRITER" "${CLIENT_CONNINFO:-host=$VIP dbname=app user=app} passfile=$CL_DIR/client.pgpass connect_timeout=2 tcp_user_timeout=2000 keepalives=1 keepalives_idle=2 keepalives_interval=1 keepalives_count=2" \
		"$1" 20 "$CL_DIR/acked" >"$CL_DIR/writer.out" 2>&1 &)
	sleep 1
}
# This cluster's writer only: another cluster may run beside it (CL_DIR).
client_stop() { pkill -TERM -f "^$WRITER .* $CL_DIR/acked\$" 2>/dev/null; client_wait; }
client_wait() {
	local _i
	for _i in $(seq "$(scaled 120)"); do
		grep -q '^acked ' "$CL_DIR/writer.out" 2>/dev/null && break
		sleep 1
	done
	read -r _ ACKED _ FAILED _ GAP_MS < <(grep "^acked " "$CL_DIR/writer.out") ||
		{ echo "# the client gave no result in 120 s; it wrote:"; tail -n 5 "$CL_DIR/writer.out" | sed 's/^/#   /'; }
}

# Two primaries at once, ever?  Every node asked every 300 ms.
watch_start() {
	rm -f "$CL_DIR/primaries"
	(while [ ! -f "$CL_DIR/watch.stop" ]; do
		c=0
		for n in "${CL_NODES[@]}"; do
			[ "$(sqlon "$n" "SELECT NOT pg_is_in_recovery()" postgres)" = t ] && c=$((c + 1))
		done
		echo "$c" >>"$CL_DIR/primaries"
		sleep 0.3
	done) &
	WATCH=$!
}
watch_stop() {
	touch "$CL_DIR/watch.stop"
	wait "$WATCH" 2>/dev/null
	rm -f "$CL_DIR/watch.stop"
	MAX_PRIMARIES=$(sort -n "$CL_DIR/primaries" | tail -1)
}

# agents_cpu SECONDS: the CPU every node's resource agents used in SECONDS
# of a quiet cluster (monitors only), in ms per minute: what each node's
# pacemaker-execd reaped (its children's user+system time, their own
# children's included), summed over the nodes.
execd_ticks() {
	local n pid sum=0 u s
	for n in "${CL_NODES[@]}"; do
		pid=$(node_exec "$n" pgrep -x pacemaker-execd)
		read -r u s < <(node_exec "$n" awk '{ print $16, $17 }' "/proc/$pid/stat")
		sum=$((sum + u + s))
	done
	echo "$sum"
}
agents_cpu() {
	local t0 t1 tick
	tick=$(getconf CLK_TCK)
	t0=$(execd_ticks)
	sleep "$1"
	t1=$(execd_ticks)
	echo $(( (t1 - t0) * 1000 / tick * 60 / $1 ))
}

# The checks every scenario ends with.
verify() { # verify NAME OLD_PRIMARY EXPECT(other|same|any) BACK(yes|no)
	local name=$1 old=$2 expect=$3 back=$4 p missing rejoined=no
	if [ "$STACK" = paf ]; then
		# The anchor: measured, not judged (a former primary it cannot
		# bring back would keep the cluster from ever looking healthy).
		healthy 90
		p=$(primary "$(any_up)")
		missing=$( { [ -n "$p" ] && sqlon "$p" "SELECT n FROM acked"; } | sort -u | comm -13 - <(sort -u "$CL_DIR/acked") | wc -l)
		unpromoted_has "$old" && rejoined=yes
		[ "$p" = "$old" ] && rejoined=stayed
		[ -n "$p" ] || { missing="?"; rejoined="no-primary"; }
		say "$name (paf): primary ${p:-none}, ${GAP_MS} ms without a commit, $FAILED failed attempts, $missing acknowledged lost, $old rejoined: $rejoined"
		echo "$name $GAP_MS $FAILED $ACKED $missing $rejoined" >>"$CL_DIR/summary"
		return
	fi
	healthy 240
	tap_result $? "$name: the cluster is healthy again (a primary, every other node a standby, synchronous)"
	p=$(primary "$(any_up)")
	if [ "$expect" = other ]; then
		[ -n "$p" ] && [ "$p" != "$old" ]
		tap_result $? "$name: another node ($p) is primary" "old primary $old"
	fi
	tap_ok "$name: the VIP answers on the primary ($p)" sh -c "ip -n ${CL_PREFIX}$p -o addr show | grep -q ' $VIP/' && ip netns exec ${CL_PREFIX}client ping -c1 -W2 $VIP"
	missing=$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$p" "SELECT n FROM acked" | sort -u) | wc -l)
	tap_is "$missing" 0 "$name: all $(wc -l <"$CL_DIR/acked") acknowledged commits are on the primary"
	tap_is "$MAX_PRIMARIES" 1 "$name: never two primaries"
	if [ "$back" = yes ]; then
		# A node that has just booted is probed after the cluster already
		# looks healthy: a crashed primary's probe fails, and Pacemaker's
		# recovery (stop, start: the rewind) follows.  Waited for.
		wait_for 180 "$name: $old back as a standby" read_unpromoted "$old" "$p"
		tap_result $? "$name: $old is back as a standby"
	fi
	unpromoted_has "$old" "$p" && rejoined=yes
	[ "$p" = "$old" ] && rejoined=stayed
	say "$name: client saw ${GAP_MS} ms without a commit, $FAILED failed attempts, $ACKED commits"
	echo "$name $GAP_MS $FAILED $ACKED $missing $rejoined" >>"$CL_DIR/summary"
	if [ "$TAP_FAILED" != 0 ] || [ "${CLUSTER_COLLECT:-}" = always ]; then
		cluster_collect "$DIAG/$name"
		say "diagnostics of $name saved in $DIAG/$name"
	fi
}

# archive_checked NAME: after scenario NAME, with CLUSTER_ARCHIVE=1, the
# archive took what the primary wrote (pgbackrest check: a WAL switch,
# archived within archive-timeout) and the history of its timeline (a new
# primary's first file: without it no standby could follow from the archive).
read_history() {
	if ls "$CL_DIR"/pgbackrest-repo/archive/main/*/"$1".history* >/dev/null 2>&1; then
		echo "$1.history is in the archive"
		return 0
	fi
	echo "no $1.history in $CL_DIR/pgbackrest-repo/archive/main/*/"
	return 1
}
archive_checked() {
	local p out rc tli
	p=$(primary "$(any_up)")
	# check switches WAL and waits for the segment in the archive: that
	# wait (archive-timeout, 60 s) stretched for this machine's load.
	out=$(node_exec "$p" runuser -u postgres -- pgbackrest --config=/var/lib/postgresql/pgbackrest.conf --stanza=main \
		--archive-timeout="$(scaled 60)" check 2>&1)
	rc=$?
	tap_result "$rc" "$1: pgbackrest check passes on the primary ($p)" "$(tail -n 2 <<<"$out")"
	tli=$(sqlon "$p" "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)" postgres)
	if [ -n "$tli" ] && [ "$tli" != 00000001 ]; then
		wait_for 60 "$1: the history of timeline $tli archived" read_history "$tli"
		tap_result $? "$1: the history of $p's timeline ($tli) is in the archive"
	fi
}

# timeline NAME FROM [MOVES]: where a failover's seconds went
# (tests/cluster/timeline.awk on every node's Pacemaker log, from FROM, the
# fault's time; MOVES=1 where the VIP moves, so it ends at the VIP's start
# however many transitions come first): printed, and its "steps" line
# kept in the summary for tests/bench/failover.sh.
timeline() {
	local out
	out=$(sort -s -k3,3 "$CL_DIR"/*/var-log-pacemaker/pacemaker.log 2>/dev/null |
		awk -v from="$2" -v vip=pgsql-vip -v rsc=pgsqld -v moves="${3:-0}" -f "$top/tests/cluster/timeline.awk")
	printf '%s\n' "$out" | grep -v '^steps' | sed "s/^/# timeline $1: /"
	printf '%s\n' "$out" | sed -n "s/^steps/timeline $1/p" >>"$CL_DIR/summary"
}

scenario_kill9() { # PostgreSQL killed on the primary
	local p
	p=$(primary "$(any_up)")
	client_start 30
	watch_start
	sleep 5
	say "kill -9 of PostgreSQL on $p"
	local at
	at=$(date +%H:%M:%S.%3N)
	node_exec "$p" sh -c 'kill -9 $(head -1 "$1/postmaster.pid")' _ "$PGDATA"
	client_wait
	watch_stop
	timeline kill9 "$at"
	# Restarted as a standby, the killed primary may hold the most WAL
	# (written, not yet streamed) and be the one the election picks: any
	# node may be primary after, as long as nothing acknowledged is lost.
	verify kill9 "$p" any no
}

# The last time the DC initiated a start of resource $1, in every node's log.
start_initiated() {
	cat "$CL_DIR"/*/var-log-pacemaker/pacemaker.log | grep "Initiating start operation ${1}_start_0" |
		awk '{print $3}' | sort | tail -1
}

scenario_poweroff() { # the primary node loses power; it comes back and rejoins (pg_rewind)
	local p with_stash=0
	p=$(primary "$(any_up)")
	# Stash beside the primary, as in the worst case: both move at once.
	if [ "$STACK" = tandem ] && [ "$EXTRAS" = 1 ]; then
		stash_reset
		node_exec "$p" pcs resource move stash-group "$p" >/dev/null 2>&1
		node_exec "$p" pcs resource clear stash-group >/dev/null 2>&1
		stash_healthy 120 && [ "$(stash_node)" = "$p" ] && with_stash=1
		tap_is "$with_stash" 1 "poweroff: Stash runs beside the primary, on $p, before the fault"
	fi
	client_start 30
	watch_start
	sleep 5
	say "power-off of $p"
	local at
	at=$(date +%H:%M:%S.%3N)
	node_poweroff "$p"
	client_wait
	timeline poweroff "$at" 1
	say "$p boots again"
	node_boot "$p"
	watch_stop
	verify poweroff "$p" other yes
	[ "$STACK" = tandem ] || return 0
	if [ "$with_stash" = 1 ]; then
		# Stash's start in flight would hold back an aborted transition,
		# the VIP's start with it (configure-cluster.sh's order constraint).
		local vip_at stash_at
		vip_at=$(start_initiated pgsql-vip) stash_at=$(start_initiated stash)
		tap_ok "poweroff: the database's VIP started ($vip_at) before Stash did ($stash_at)" \
			test -n "$vip_at" -a -n "$stash_at" -a "$vip_at" \< "$stash_at"
	fi
	local np rec
	np=$(primary "$(any_up)")
	rec=$(attr "$np" tandem-pgsql-last-failover-pgsqld)
	tap_like "$rec" 'last known primary LSN [0-9A-F]+/[0-9A-F]+; gap 0 bytes' \
		"poweroff: the failover record knows the lost primary's LSN, and lost nothing ($rec)"
}

# move_promoted FROM TO: the admin's switchover from FROM to TO (pcs
# resource move --promoted), with the client committing; MOVE_RC its code.
read_no_tandem_slot() { # read_no_tandem_slot NODE: NODE holds no tandem_ slot
	local v
	v=$(sqlon "$1" "SELECT coalesce(string_agg(slot_name, ','), 'none') FROM pg_replication_slots WHERE slot_name LIKE 'tandem\\_%'" postgres)
	echo "tandem_ slots on $1: '$v' (want none)"
	[ "$v" = none ]
}
move_promoted() {
	local out
	client_start 25
	watch_start
	sleep 5
	say "switchover from $1 to $2${3:+, $3}"
	out=$(node_exec "$1" timeout 150 pcs resource move pgsqld-clone "$2" --promoted 2>&1)
	MOVE_RC=$?
	say "pcs resource move to $2: rc $MOVE_RC: $(tr '\n' ' ' <<<"$out" | cut -c1-600)"
}
scenario_switchover() { # planned: pcs resource move --promoted
	local p target n rc
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do [ "$n" != "$p" ] && target=$n && break; done
	move_promoted "$p" "$target"
	rc=$MOVE_RC
	say "promotion scores after the move: $(for n in "${CL_NODES[@]}"; do printf '%s=%s ' "$n" "$(score_of "$n")"; done)"
	client_wait
	watch_stop
	verify switchover "$p" other yes
	tap_is "$(primary "$target")" "$target" "switchover: the chosen node is primary"
	# The demoted primary's slots hold WAL there for nobody: gone.
	wait_for 60 "switchover: $p drops its slots" read_no_tandem_slot "$p"
	tap_result $? "switchover: the demoted primary drops the slots it made as a primary"
	# pcs moves with a constraint it removes once the move is done and
	# would not move back; one left behind pins the primary for good.
	tap_is "$rc/$(move_constraints)" "0/0" "switchover: pcs resource move succeeds and leaves no constraint"
	[ "$(move_constraints)" = 0 ] || node_exec "$(any_up)" pcs resource clear pgsqld-clone >/dev/null 2>&1
}

# replication_cut NODE: NODE's packets to port 5432 dropped (nft, in its
# namespace): its walreceiver's replies and TCP acknowledgements are lost,
# and the primary's walsender shows it streaming until wal_sender_timeout
# while it falls behind.  replication_mend NODE lifts it.
replication_cut() {
	ip netns exec "$CL_PREFIX$1" nft -f - <<NFT
table inet lag {
	chain output { type filter hook output priority 0; policy accept; tcp dport 5432 drop; }
}
NFT
}
replication_mend() { ip netns exec "$CL_PREFIX$1" nft delete table inet lag; }

# READs for wait_for: what the primary's pg_stat_replication says of a
# standby, and the promotion score Pacemaker holds for a node.
read_stalled() { # read_stalled PRIMARY STANDBY SECONDS: no reply for SECONDS while behind
	local v
	v=$(sqlon "$1" "SELECT coalesce(extract(epoch FROM now() - reply_time)::int, -1) || ' ' || (flush_lsn < pg_current_wal_lsn())
		FROM pg_stat_replication WHERE application_name = '$2'" postgres)
	echo "$2 in $1's pg_stat_replication: seconds since its last reply, behind: '$v' (want >= $3, true)"
	[ "${v% *}" -ge "$3" ] 2>/dev/null && [ "${v#* }" = true ]
}
score_of() { attr "$1" master-pgsqld; }
read_score_below() { local s; s=$(score_of "$1"); echo "promotion score of $1: '$s' (want below $2)"; [ -n "$s" ] && [ "$s" -lt "$2" ]; }
read_score_from() { local s; s=$(score_of "$1"); echo "promotion score of $1: '$s' (want $2 or more)"; [ -n "$s" ] && [ "$s" -ge "$2" ]; }
postmaster_since() { sqlon "$1" "SELECT pg_postmaster_start_time()" postgres; }
# The move constraints pcs left behind (cli-prefer-*, cli-ban-*).
move_constraints() { node_exec "$(any_up)" cibadmin -Q -o constraints 2>/dev/null | grep -c 'id="cli-\(prefer\|ban\)-pgsqld-clone'; }

scenario_switchover_lagging() { # planned, to a standby that is not level: refused before anything changes
	local p t="" n since rc out
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do [ "$n" != "$p" ] && [ -z "$t" ] && t=$n; done
	client_start 50
	watch_start
	# Its replies and acknowledgements dropped: the primary's walsender
	# still shows it streaming (until wal_sender_timeout, 60 s) while
	# what it holds falls behind.  Issue #17 saw the target not streaming
	# at all; both are a move to a node that lacks the primary's last WAL.
	say "replication from $t stalled (nft: its packets to port 5432 dropped), then a switchover to it"
	replication_cut "$t"
	wait_for 60 "switchover_lagging: $p sees $t stalled" read_stalled "$p" "$t" 7
	tap_result $? "switchover_lagging: $p's pg_stat_replication shows $t stalled and behind"
	wait_for 30 "switchover_lagging: $t may not be promoted" read_score_below "$t" 0
	tap_result $? "switchover_lagging: the primary forbids promoting $t (promotion score $(score_of "$t"))"
	since=$(postmaster_since "$p")
	out=$(node_exec "$p" timeout 150 pcs resource move pgsqld-clone "$t" --promoted 2>&1)
	rc=$?
	say "pcs resource move to $t: rc $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
	tap_ok "switchover_lagging: the move to $t is refused (pcs rc $rc)" test "$rc" != 0 -a "$rc" != 124
	tap_is "$(primary "$(any_up)")/$(postmaster_since "$p")" "$p/$since" \
		"switchover_lagging: nothing changed: $p is primary, its server never stopped"
	tap_is "$(move_constraints)" 0 "switchover_lagging: no move constraint left behind"
	tap_ok "switchover_lagging: the primary's log says why $t may not be promoted" \
		grep -q "$t may not be promoted" "$CL_DIR/$p/var-log-pacemaker/pacemaker.log"
	# What an admin does after a move that did not end well: the constraint cleared.
	[ "$(move_constraints)" = 0 ] || node_exec "$(any_up)" pcs resource clear pgsqld-clone >/dev/null 2>&1
	say "replication from $t restored; the switchover again, once $t streams"
	replication_mend "$t"
	healthy 240 >/dev/null
	p=$(primary "$(any_up)")
	if [ "$p" != "$t" ]; then
		wait_for 60 "switchover_lagging: $t ranked again" read_score_from "$t" 0
		node_exec "$p" timeout 150 pcs resource move pgsqld-clone "$t" --promoted >/dev/null 2>&1
		tap_result $? "switchover_lagging: the move to $t, level again, succeeds"
	fi
	client_wait
	watch_stop
	verify switchover_lagging "$p" other yes
	tap_is "$(primary "$(any_up)")" "$t" "switchover_lagging: $t is primary"
}

scenario_switchover_back() { # planned, there, back and there again within a minute: each move obeyed, nothing left behind
	local p t="" n dest out rc ranked got="" want=""
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do [ "$n" != "$p" ] && [ -z "$t" ] && t=$n; done
	client_start 75
	watch_start
	# Each node is primary again within a minute of its last time: every
	# score it set then is still in its write-on-change cache while other
	# nodes have set them since (a demoted node refuses itself until it
	# streams).  Field fault: a move refused, or pcs's constraint left.
	for dest in "$t" "$p" "$t"; do
		healthy 120 >/dev/null
		# What an admin waits for: the target a promotable standby again
		# (a demoted primary streams, joins the synchronous set, and is
		# ranked within seconds: while another node's cache held its old
		# rank, it stayed -INFINITY for up to a minute).  Ranked by the
		# primary (1000, 999, ...), not its own bootstrap 1: pcs 0.11
		# refuses a move its simulation says would not stay.
		wait_for 30 "switchover_back: $dest ranked" read_score_from "$dest" $((1001 - ${#CL_NODES[@]})) >/dev/null
		ranked=$?
		say "switchover to $dest; promotion scores: $(for n in "${CL_NODES[@]}"; do printf '%s=%s ' "$n" "$(score_of "$n")"; done)"
		out=$(node_exec "$(any_up)" timeout 150 pcs resource move pgsqld-clone "$dest" --promoted 2>&1)
		rc=$?
		[ "$rc" = 0 ] || say "pcs resource move to $dest: rc $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
		got="$got $dest:ranked=$ranked,rc=$rc,primary=$(primary "$(any_up)"),constraints=$(move_constraints)"
		want="$want $dest:ranked=0,rc=0,primary=$dest,constraints=0"
		[ "$(move_constraints)" = 0 ] || node_exec "$(any_up)" pcs resource clear pgsqld-clone >/dev/null 2>&1
	done
	client_wait
	watch_stop
	verify switchover_back "$p" other yes
	tap_is "$got" "$want" "switchover_back: each target ranked within 30 s, each move done by pcs, the primary where asked, no constraint left"
}

# How many times the pgsql agents have resumed a PgBouncer, all nodes together.
pgbouncer_resumed() {
	cat "$CL_DIR"/*/var-log-pacemaker/pacemaker.log | grep 'tandem-pgsql.*PgBouncer resumed after' | grep -vc log_op_output
}

scenario_switchover_pgbouncer() { # planned, clients through PgBouncer: a pause, never an error
	local p target other n resumed0
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do
		[ "$n" = "$p" ] && continue
		if [ -z "${target:-}" ]; then target=$n; else other=$n; fi
	done
	# Through the PgBouncer of the node that neither loses nor gains the primary.
	CLIENT_CONNINFO="host=$(cl_ip "$other") port=6432 dbname=app user=app" client_start 25
	watch_start
	sleep 5
	resumed0=$(pgbouncer_resumed)
	say "switchover from $p to $target, clients through PgBouncer on $other"
	node_exec "$p" pcs resource move pgsqld-clone "$target" --promoted >/dev/null 2>&1
	client_wait
	watch_stop
	verify switchover_pgbouncer "$p" other yes
	tap_is "$FAILED" 0 "switchover_pgbouncer: no client saw an error (longest wait ${GAP_MS} ms)"
	tap_is "$(( $(pgbouncer_resumed) - resumed0 ))" "${#CL_NODES[@]}" \
		"switchover_pgbouncer: every node's PgBouncer was paused and resumed"
}

scenario_pgbouncer_stuck() { # a pause nobody ends (a switchover that never finishes): PgBouncer's own monitor ends it
	local p other n a0 a1
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do [ "$n" != "$p" ] && other=$n; done
	node_exec "$p" pcs resource update pgbouncer pause_timeout=8 >/dev/null 2>&1
	sleep 6
	CLIENT_CONNINFO="host=$(cl_ip "$other") port=6432 dbname=app user=app" client_start 40
	watch_start
	sleep 4
	say "PgBouncer on $other paused, and nothing will resume it (pause_timeout=8)"
	node_exec "$other" "$PGBIN/psql" "host=/var/run/postgresql port=6432 dbname=pgbouncer user=pgbouncer passfile=/root/.pgpass-pgbouncer" \
		-XAtqc "PAUSE app" >/dev/null 2>&1
	sleep 2
	a0=$(acked_now)
	sleep 2
	tap_is "$(acked_now)" "$a0" "pgbouncer_stuck: while paused, no commit goes through"
	for _ in $(seq "$(scaled 30)"); do
		a1=$(acked_now)
		[ "$a1" -gt "$a0" ] && break
		sleep 1
	done
	tap_ok "pgbouncer_stuck: the pause ended by itself and commits go on ($a0 -> $a1)" test "$a1" -gt "$a0"
	tap_like "$(node_exec "$other" grep -h 'longer than pause_timeout: RESUME' /var/log/pacemaker/pacemaker.log)" \
		'RESUME' "pgbouncer_stuck: the PgBouncer agent's monitor resumed it"
	client_wait
	watch_stop
	verify pgbouncer_stuck "$p" same no
	tap_is "$FAILED" 0 "pgbouncer_stuck: no client saw an error, only a wait (${GAP_MS} ms)"
	node_exec "$p" pcs resource update pgbouncer pause_timeout=30 >/dev/null 2>&1
}

scenario_poweroff_pgbouncer() { # unplanned: the primary's node loses power, clients through PgBouncer
	local p other n
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do [ "$n" != "$p" ] && other=$n; done
	CLIENT_CONNINFO="host=$(cl_ip "$other") port=6432 dbname=app user=app" client_start 30
	watch_start
	sleep 5
	say "power-off of $p, clients through PgBouncer on $other (no pause: a failover)"
	node_poweroff "$p"
	client_wait
	say "$p boots again"
	node_boot "$p"
	watch_stop
	verify poweroff_pgbouncer "$p" other yes
}

scenario_lagging() { # a standby cut from replication falls behind; the primary dies: only the other may win
	local p l="" o="" n
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do
		[ "$n" = "$p" ] && continue
		if [ -z "$l" ]; then l=$n; else o=$n; fi
	done
	client_start 30
	watch_start
	say "replication to $l blocked (nft: its connections to port 5432 dropped): it falls behind"
	replication_cut "$l"
	sleep 10
	say "kill -9 of PostgreSQL on $p; $l is behind, $o is not"
	node_exec "$p" sh -c 'kill -9 $(head -1 "$1/postmaster.pid")' _ "$PGDATA"
	sleep 8
	replication_mend "$l"
	client_wait
	watch_stop
	# The killed primary, restarted as a standby, may hold the most WAL
	# (what it wrote but no standby had yet), and the election may then
	# rightly pick it: the one behind must never be picked.
	verify lagging "$p" any no
	n=$(primary "$(any_up)")
	tap_ok "lagging: the standby that fell behind ($l) was not promoted (the primary is $n)" \
		test -n "$n" -a "$n" != "$l"
}

scenario_partition() { # the primary cut off by a firewall inside its namespace
	local p
	p=$(primary "$(any_up)")
	client_start 30
	watch_start
	sleep 5
	say "network partition of $p (nft: drop all but loopback)"
	ip netns exec "$CL_PREFIX$p" nft -f - <<NFT
table inet partition {
	chain input { type filter hook input priority 0; policy drop; iif lo accept; }
	chain output { type filter hook output priority 0; policy drop; oif lo accept; }
}
NFT
	client_wait
	watch_stop
	# The majority fenced it: its processes are gone.  It boots again
	# with its firewall gone (fence_tandem_ns: as a power cycle would).
	tap_ok "partition: the isolated primary $p was fenced by the majority" sh -c "[ -z \"\$(ip netns pids $CL_PREFIX$p)\" ]"
	node_boot "$p"
	verify partition "$p" other yes
}

# The commits the client had acknowledged so far.
acked_now() { wc -l <"$CL_DIR/acked"; }

# READs for wait_for: the primary's own word on its replication, no
# standby running (the client's commits past a count: read_acked_beyond).
read_sync() { local v; v=$(attr "$1" tandem-pgsql-sync-pgsqld); echo "$1 says replication is '$v' (want '$2')"; [ "$v" = "$2" ]; }
read_no_standby() { # read_no_standby: no node runs an unpromoted instance
	local u
	u=$(mon_xml "$(any_up)" | role_nodes Unpromoted | words)
	echo "unpromoted: [$u] (want none)"
	[ -z "$u" ]
}

scenario_standby_loss() { # sync_mode=on: every standby stopped, writes go on (asynchronous)
	local p a0
	p=$(the_primary)
	# Longer than any machine needs; stopped once the checks are done.
	client_start "$(scaled 30)"
	watch_start
	sleep 3
	say "every standby stopped (pcs resource ban), sync_mode=on"
	standbys ban "$p"
	wait_for 60 "standby_loss: every standby stopped" read_no_standby
	wait_for 30 "standby_loss: $p degraded to asynchronous" read_sync "$p" "async (degraded)"
	tap_result $? "standby_loss: the primary says replication is asynchronous"
	a0=$(acked_now)
	wait_for 30 "standby_loss: writes go on" read_acked_beyond "$a0"
	tap_result $? "standby_loss: with no standby, writes go on (past $a0 acknowledged: $(acked_now))"
	standbys clear "$p"
	wait_for 120 "standby_loss: synchronous again" read_sync "$p" sync
	client_stop
	watch_stop
	verify standby_loss "$p" same no
}

scenario_strict() { # sync_mode=strict: every standby stopped, writes wait, then resume
	local p a0 a1
	p=$(the_primary)
	node_exec "$p" pcs resource update pgsqld sync_mode=strict >/dev/null 2>&1
	healthy 240
	p=$(the_primary)
	client_start "$(scaled 40)"
	watch_start
	sleep 3
	say "every standby stopped (pcs resource ban), sync_mode=strict"
	standbys ban "$p"
	wait_for 60 "strict: every standby stopped" read_no_standby
	# The last commit in flight when the last standby went may still land.
	sleep 2
	a0=$(acked_now)
	sleep 5
	a1=$(acked_now)
	tap_is "$a1" "$a0" "strict: with no standby, no commit is acknowledged (writes wait)"
	standbys clear "$p"
	wait_for 120 "strict: writes resume" read_acked_beyond "$a1"
	tap_result $? "strict: writes resume when a standby is back (past $a1: $(acked_now))"
	client_stop
	watch_stop
	verify strict "$p" same no
	node_exec "$p" pcs resource update pgsqld sync_mode=on >/dev/null 2>&1
	# A changed parameter restarts the clone: the next scenario starts from
	# a healthy cluster, not from the middle of that.
	healthy 240 >/dev/null
}

# Stash (the stand-in: Bitbucket cannot be installed here) and its VIP.
stash_node() { mon_xml "$(any_up)" | started_on stash | head -n 1; }
stash_pid() { node_exec "$1" cat "$CL_DIR/stash-home/log/catalina.pid" 2>/dev/null; }
stash_status() { netns_exec client curl -s -m 3 "http://$STASH_VIP:7990/status" 2>/dev/null; }
stash_mode() { echo "$2" >"$CL_DIR/stash-home/double-mode-$1"; }
stash_starts() { grep -c "Result of start operation for stash on $1" "$CL_DIR/$1/var-log-pacemaker/pacemaker.log"; }
stash_fails() { failcount stash "$1"; }
# stash_healthy [SECONDS]: Stash started, its VIP beside it, /status RUNNING through the VIP.
stash_healthy() {
	local n
	for _ in $(seq $(($(scaled "${1:-120}") / 2))); do
		n=$(stash_node)
		[ -n "$n" ] && [ "$(mon_xml "$n" | started_on stash-vip)" = "$n" ] &&
			[ "$(stash_status)" = '{"state":"RUNNING"}' ] && return 0
		sleep 2
	done
	return 1
}
stash_reset() { # every node's mode back to running, fail counts cleared, the cluster settled
	rm -f "$CL_DIR"/stash-home/double-mode-*
	node_exec "$(any_up)" pcs resource cleanup stash-group >/dev/null 2>&1
	stash_healthy 120
	# No transition left from the scenario before (a node rebooted,
	# the database's VIP moved): the fault's recovery is then decided
	# alone.  Once, after a power-cut scenario, Stash's restart went to
	# another node.
	node_exec "$(any_up)" crm_resource --wait --timeout="$(scaled 60)s" >/dev/null 2>&1 ||
		say "stash_reset: the cluster did not settle within $(scaled 60) s: $(node_exec "$(any_up)" crm_simulate -Ls 2>/dev/null | grep -cE '\* (Start|Stop|Move|Recover|Restart|Promote|Demote) ') actions pending"
}

scenario_stash_crash() { # the JVM killed: restarted in place (the guide: Stash crashes completely)
	local n pid
	stash_reset
	n=$(stash_node); pid=$(stash_pid "$n")
	say "kill -9 of Stash's JVM ($pid) on $n"
	node_exec "$n" kill -9 "$pid"
	sleep 5
	stash_healthy 120
	tap_result $? "stash_crash: Stash answers RUNNING through its VIP again"
	tap_is "$(stash_node)" "$n" "stash_crash: restarted in place, on $n"
	tap_ok "stash_crash: a new JVM" test "$(stash_pid "$n")" != "$pid"
}

scenario_stash_maintenance() { # MAINTENANCE (a backup): nothing happens
	local n pid
	stash_reset
	n=$(stash_node); pid=$(stash_pid "$n")
	say "Stash in MAINTENANCE on $n for 20 s (four monitors)"
	stash_mode "$n" maintenance
	sleep 20
	tap_is "$(stash_status)" '{"state":"MAINTENANCE"}' "stash_maintenance: /status says MAINTENANCE through the VIP"
	tap_is "$(stash_node)/$(stash_pid "$n")" "$n/$pid" "stash_maintenance: no restart, no failover"
	tap_is "$(stash_fails "$n")" 0 "stash_maintenance: no failure counted"
	stash_mode "$n" running
}

scenario_stash_error() { # ERROR that persists: restart in place, then failover with the VIP
	local n m starts0
	stash_reset
	n=$(stash_node)
	starts0=$(stash_starts "$n")
	say "Stash reports ERROR on $n, and goes on reporting it there"
	stash_mode "$n" error
	for _ in $(seq "$(scaled 60)"); do
		m=$(stash_node)
		[ -n "$m" ] && [ "$m" != "$n" ] && break
		sleep 2
	done
	stash_healthy 120
	tap_result $? "stash_error: Stash answers RUNNING through its VIP again"
	m=$(stash_node)
	tap_ok "stash_error: it failed over ($n -> $m), with its VIP" test -n "$m" -a "$m" != "$n"
	tap_ok "stash_error: restarted in place on $n first ($starts0 -> $(stash_starts "$n") starts there), then moved" \
		test "$(stash_starts "$n")" -gt "$starts0"
	stash_mode "$n" running
}

scenario_stash_dbdown() { # its database down: the guide says do nothing
	local n pid p
	stash_reset
	n=$(stash_node); pid=$(stash_pid "$n")
	p=$(primary "$(any_up)")
	say "the database (pgsql, through its VIP) stopped, and Stash on $n reports ERROR"
	node_exec "$p" pcs resource disable pgsqld-clone >/dev/null 2>&1
	for _ in $(seq "$(scaled 60)"); do
		[ "$(sqlon "$p" "SELECT 1" postgres)" = 1 ] || break
		sleep 1
	done
	stash_mode "$n" error
	sleep 20
	tap_is "$(stash_node)/$(stash_pid "$n")" "$n/$pid" "stash_dbdown: no restart, no failover while the database is down"
	tap_is "$(stash_fails "$n")" 0 "stash_dbdown: no failure counted"
	tap_is "$(attr "$n" tandem-stash-db-stash)" unreachable "stash_dbdown: tandem-stash-db-stash=unreachable on $n"
	stash_mode "$n" running
	node_exec "$p" pcs resource enable pgsqld-clone >/dev/null 2>&1
	healthy 240
	tap_result $? "stash_dbdown: the database is back (a primary, synchronous standbys)"
}

scenario_stash_poweroff() { # Stash's node loses power: Stash and its VIP come up elsewhere
	local n m
	stash_reset
	n=$(stash_node)
	say "power-off of $n (Stash's node)"
	node_poweroff "$n"
	sleep 3
	stash_healthy 180
	tap_result $? "stash_poweroff: Stash answers RUNNING through its VIP again"
	m=$(stash_node)
	tap_ok "stash_poweroff: on another node ($n -> $m)" test -n "$m" -a "$m" != "$n"
	say "$n boots again"
	node_boot "$n"
	healthy 240
	tap_result $? "stash_poweroff: the cluster is healthy again"
}

# The chaos loop: CHAOS_COUNT (10) random faults in a row, one client
# committing throughout; each must end in a healthy cluster before the
# next.  At the end every acknowledged commit must be on the primary, and
# there never were two primaries.  CHAOS_SEED replays a run's faults.
# Every node loss is link first (node_poweroff: fence_tandem_ns off), as a
# power cut or a dead switch port is; stall_standby is a standby lost
# silently to PostgreSQL alone: its replication packets dropped, its node
# up, Pacemaker told nothing.
CHAOS_FAULTS=(kill9 kill9_standby poweroff poweroff_standby partition switchover stall_standby)

# fenced NODE: until the survivors have fenced it (crm_mon lists it
# OFFLINE, no longer UNCLEAN): a node booted before that would be fenced
# again as it comes up, and stay off.
fenced() {
	for _ in $(seq "$(scaled 60)"); do
		mon_xml "$(any_up)" | xvalues "//nodes/node[@name='$1'][@online='false'][@unclean='false']/@name" | grep -qx "$1" && return 0
		sleep 1
	done
	return 1
}

# noticed NODE: until Pacemaker has recorded the failure of pgsqld on it
# (the fail counts are cleared before each fault): right after a kill the
# cluster still looks healthy, and a check then would prove nothing.
noticed() {
	local v
	for _ in $(seq "$(scaled 60)"); do
		v=$(failcount pgsqld "$1")
		[[ $v =~ ^([1-9][0-9]*|INFINITY)$ ]] && return 0
		sleep 1
	done
	return 1
}

chaos_fault() { # chaos_fault FAULT: inject it, then what an admin (or a power cycle) would do
	local p s n others=()
	p=$(primary "$(any_up)")
	for n in "${CL_NODES[@]}"; do [ "$n" != "$p" ] && others+=("$n"); done
	s=${others[RANDOM % ${#others[@]}]}
	case $1 in
	kill9 | kill9_standby)
		[ "$1" = kill9 ] || p=$s
		CHAOS_DID="kill -9 of PostgreSQL on $p ($([ "$1" = kill9 ] && echo primary || echo standby))"
		node_exec "$p" sh -c 'kill -9 $(head -1 "$1/postmaster.pid")' _ "$PGDATA"
		noticed "$p" ;;
	poweroff | poweroff_standby)
		[ "$1" = poweroff ] || p=$s
		CHAOS_DID="power-off of $p ($([ "$1" = poweroff ] && echo primary || echo standby)), then its boot"
		node_poweroff "$p"
		fenced "$p"
		node_boot "$p" ;;
	partition)
		CHAOS_DID="network partition of the primary $p, then its boot"
		ip netns exec "$CL_PREFIX$p" nft -f - <<NFT
table inet partition {
	chain input { type filter hook input priority 0; policy drop; iif lo accept; }
	chain output { type filter hook output priority 0; policy drop; oif lo accept; }
}
NFT
		# The majority fences it (its firewall goes with the power).
		fenced "$p"
		node_boot "$p" ;;
	switchover)
		CHAOS_DID="switchover from $p to $s"
		node_exec "$p" pcs resource move pgsqld-clone "$s" --promoted >/dev/null 2>&1
		for _ in $(seq "$(scaled 60)"); do [ "$(primary "$(any_up)")" = "$s" ] && break; sleep 1; done ;;
	stall_standby)
		# Shorter than wal_sender_timeout: the connection lives on, silent.
		CHAOS_DID="replication of the standby $s stalled for 20 s (nft drops its packets to port 5432), then restored"
		replication_cut "$s"
		sleep 20
		replication_mend "$s" ;;
	esac
}

# make check-soak (not in CI's run): SOAK_COUNT faults (100) drawn as chaos
# draws them, each from a healthy cluster with its own client, so that
# each has its own outage; the table per kind of fault is printed at the end.
scenario_soak() {
	local seed=${CHAOS_SEED:-$((RANDOM % 10000))} count=${SOAK_COUNT:-100} i f p np ok missing
	# SOAK_FAULTS: some kinds only (a soak of one kind, a quick try).
	local -a kinds
	read -r -a kinds <<<"${SOAK_FAULTS:-${CHAOS_FAULTS[*]}}"
	RANDOM=$seed
	say "soak: $count faults of ${kinds[*]}, seed $seed (CHAOS_SEED=$seed replays them)"
	for i in $(seq "$count"); do
		f=${kinds[RANDOM % ${#kinds[@]}]}
		node_exec "$(any_up)" pcs resource cleanup pgsqld-clone >/dev/null 2>&1
		healthy 240 >/dev/null
		p=$(primary "$(any_up)")
		sqlon "$p" "TRUNCATE acked" >/dev/null 2>&1
		client_start 3600
		watch_start
		sleep 3
		chaos_fault "$f"
		healthy 240
		ok=$?
		sleep 2
		client_stop
		watch_stop
		np=$(primary "$(any_up)")
		missing=$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$np" "SELECT n FROM acked" | sort -u) | wc -l)
		say "soak $i/$count: $CHAOS_DID: ${GAP_MS} ms without a commit, $FAILED failed attempts, $missing of $ACKED lost, at most $MAX_PRIMARIES primary"
		echo "soak $f $GAP_MS $FAILED $ACKED $missing $MAX_PRIMARIES" >>"$CL_DIR/summary"
		[ "$ok" = 0 ] && [ "$missing" = 0 ] && [ "$MAX_PRIMARIES" = 1 ]
		tap_result $? "soak $i/$count: healthy again after the $CHAOS_DID, nothing acknowledged lost, one primary"
	done
}

# CLUSTER_SCENARIOS=quiet (not in CI's run): QUIET_SECONDS (600) of a
# quiet cluster with its client, nothing injected: what a shorter token
# costs on a loaded machine (CLUSTER_HOG).  Every change Pacemaker made
# that nobody asked for is counted from every node's logs and records:
# nodes declared lost by corosync, fencing, promotions, failed operations.
# Its assertions are the invariants (nothing acknowledged lost, never two
# primaries); the counts are printed and kept in the summary.
log_lines() { # log_lines FILE...: a line count per file, to read from later
	local f
	for f in "$@"; do printf '%s %s\n' "$f" "$(wc -l <"$f" 2>/dev/null || echo 0)"; done
}
since_mark() { # since_mark MARKS: the lines written after MARKS' counts
	local f k
	while read -r f k; do tail -n +"$((k + 1))" "$f" 2>/dev/null; done <"$1"
}
scenario_quiet() {
	local secs=${QUIET_SECONDS:-600} p np lost late fences promotes failed n f missing
	node_exec "$(any_up)" pcs resource cleanup pgsqld-clone >/dev/null 2>&1
	healthy 240
	tap_result $? "quiet: healthy before the quiet run" || return
	p=$(primary "$(any_up)")
	log_lines "$CL_DIR"/*/var-log-corosync/corosync.log >"$CL_DIR/quiet.corosync"
	log_lines "$CL_DIR"/*/var-log-pacemaker/pacemaker.log >"$CL_DIR/quiet.pacemaker"
	say "quiet: $secs s of a client and nothing else (token ${CLUSTER_TOKEN:-1000} ms${CLUSTER_HOG:+, stress-ng --cpu $CLUSTER_HOG beside})"
	client_start "$secs"
	watch_start
	sleep "$secs"
	client_wait
	watch_stop
	np=$(primary "$(any_up)")
	# Every node logs the membership it sees (both sides of a split form
	# their own): the most any one node saw.  Every fencing is logged
	# where it is heard of: counted once, by its id.  A late token is a
	# near miss (corosync warns at 75 % of the token).
	lost=0
	for n in "${CL_NODES[@]}"; do
		f=$(grep "/$n/" "$CL_DIR/quiet.corosync" >"$CL_DIR/quiet.one"; since_mark "$CL_DIR/quiet.one" | grep -c 'Members left')
		[ "$f" -gt "$lost" ] && lost=$f
	done
	late=$(since_mark "$CL_DIR/quiet.corosync" | grep -c 'Token has not been received')
	fences=$(since_mark "$CL_DIR/quiet.pacemaker" | grep -E "Operation '(reboot|off)' targeting .*: OK" | grep -oE 'id=[0-9a-f]+' | sort -u | wc -l)
	promotes=$(since_mark "$CL_DIR/quiet.pacemaker" | grep -c 'Result of promote operation for pgsqld on')
	failed=0
	for n in "${CL_NODES[@]}"; do
		f=$(failcount pgsqld "$n")
		[ "$f" = INFINITY ] && f=1       # a failed start: at least one
		[[ $f =~ ^[0-9]+$ ]] && failed=$((failed + f))
	done
	missing=$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$np" "SELECT n FROM acked" | sort -u) | wc -l)
	say "quiet: $secs s: $lost memberships without a node (corosync), $late late tokens, $fences fencing actions, $promotes promotions, $failed failed pgsqld operations; primary $p then $np; client: ${GAP_MS} ms longest without a commit, $FAILED failed attempts, $ACKED commits"
	echo "quiet ${CLUSTER_TOKEN:-1000} ${CLUSTER_HOG:-0} $secs $lost $late $fences $promotes $failed $GAP_MS $FAILED $ACKED $missing" >>"$CL_DIR/summary"
	tap_is "$missing" 0 "quiet: all $ACKED acknowledged commits are on the primary"
	tap_is "$MAX_PRIMARIES" 1 "quiet: never two primaries"
}

scenario_chaos() {
	local seed=${CHAOS_SEED:-$((RANDOM % 10000))} count=${CHAOS_COUNT:-10} i f first
	RANDOM=$seed
	say "chaos: $count faults, seed $seed (CHAOS_SEED=$seed replays them)"
	node_exec "$(any_up)" pcs resource cleanup pgsqld-clone >/dev/null 2>&1
	healthy 240
	first=$(primary "$(any_up)")
	client_start 3600
	watch_start
	for i in $(seq "$count"); do
		f=${CHAOS_FAULTS[RANDOM % ${#CHAOS_FAULTS[@]}]}
		sleep 3
		chaos_fault "$f"
		say "chaos $i/$count: $CHAOS_DID"
		healthy 240
		tap_result $? "chaos $i/$count: healthy again after the $CHAOS_DID"
		# As an admin would, once it is understood: without it three
		# kills on one node would ban it (migration-threshold=3).
		node_exec "$(any_up)" pcs resource cleanup pgsqld-clone >/dev/null 2>&1
	done
	client_stop
	watch_stop
	verify chaos "$first" any no
}

say "cluster of $N nodes"
cluster_init "$N"
# CLUSTER_HOG=N: N CPU hogs beside the cluster the whole run (the
# benchmarks' loaded machine: tests/bench/token.sh, failover.sh).
if [ -n "${CLUSTER_HOG:-}" ]; then
	command -v stress-ng >/dev/null || { echo "Bail out! CLUSTER_HOG needs stress-ng (tests/deps.sh)"; exit 1; }
	stress-ng --cpu "$CLUSTER_HOG" --quiet &
	HOG=$!
	trap 'kill "$HOG" 2>/dev/null; cluster_destroy' EXIT
fi
for n in "${CL_NODES[@]}"; do node_boot "$n"; done
cluster_wait_online "$N" 120
tap_result $? "corosync and pacemaker: $N nodes online, with quorum"
# The nodes' PostgreSQL: the newest major installed there (the host's, or CL_ROOT's).
PGBIN=$(node_exec n1 bash -c '. "$1/tests/lib/pg.sh" && pg_bindir' _ "$top")
PGDATA=/var/lib/postgresql/$(basename "$(dirname "$PGBIN")")/main
say "nodes: $(node_exec n1 pacemakerd --version | head -n 1), $(node_exec n1 corosync -v | head -n 1), pcs $(node_exec n1 pcs --version), PostgreSQL $PGBIN${CL_ROOT:+, root $CL_ROOT}"
arch=(env)
[ "$ARCHIVE" = 1 ] && arch+=("ARCHIVE_REPO=$CL_DIR/pgbackrest-repo")
if [ "$TLS" = 1 ]; then
	# A certificate authority and the server's certificate, for the VIP's
	# address: whichever node is primary serves it.
	tls=$CL_DIR/tls
	rm -rf "$tls" && mkdir -p "$tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=tandem test CA" \
		-keyout "$tls/root.key" -out "$tls/root.crt" 2>/dev/null &&
		openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$VIP" \
			-keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null &&
		openssl x509 -req -in "$tls/server.csr" -CA "$tls/root.crt" -CAkey "$tls/root.key" -CAcreateserial \
			-days 30 -extfile <(echo "subjectAltName=IP:$VIP") -out "$tls/server.crt" 2>/dev/null
	tap_result $? "a certificate for the VIP's address ($VIP), signed by a CA of the test's"
	arch+=("TLS_DIR=$tls")
fi
for n in "${CL_NODES[@]}"; do
	node_exec "$n" "${arch[@]}" bash "$top/tests/cluster/provision-node.sh" "$n" n1 192.0.2.0/24
	[ "$EXTRAS" = 1 ] || continue
	node_exec "$n" bash "$top/tests/cluster/provision-stash.sh" "$CL_DIR/stash-install" "$CL_DIR/stash-home" \
		"$top/tests/stash-double"
	node_exec "$n" bash "$top/tests/cluster/provision-pgbouncer.sh" "$VIP"
done
if [ "$STACK" = paf ]; then
	# PAF clones nothing: every node gets its standby by hand, named in
	# its own primary_conninfo, before the resource exists.
	pgconf=$PGDATA/postgresql.conf
	for n in "${CL_NODES[@]}"; do
		node_exec "$n" tee /var/lib/postgresql/paf.conf >/dev/null <<CONF
primary_conninfo = 'host=$VIP port=5432 user=replicator application_name=$n passfile=/var/lib/postgresql/.pgpass-replication'
recovery_target_timeline = 'latest'
CONF
	done
	echo "include_if_exists = '/var/lib/postgresql/paf.conf'" | node_exec n1 tee -a "$pgconf" >/dev/null
	node_exec n1 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -s -l /dev/null start
	for n in "${CL_NODES[@]:1}"; do
		node_exec "$n" runuser -u postgres -- env PGPASSFILE=/var/lib/postgresql/.pgpass-replication \
			"$PGBIN/pg_basebackup" -h "$(cl_ip n1)" -U replicator -D "$PGDATA" -X stream
	done
	node_exec n1 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -s stop
	node_exec n1 env CL_PREFIX="$CL_PREFIX" bash "$top/tests/cluster/configure-paf.sh" "$VIP" "${CL_NODES[@]}" >/dev/null
	tap_result $? "configured PAF + IPaddr2, as PAF's documentation says"
elif [ "$EXTRAS" = 1 ]; then
	node_exec n1 env PGBOUNCER=1 STASH_VIP="$STASH_VIP" STASH_INSTALL="$CL_DIR/stash-install" STASH_HOME="$CL_DIR/stash-home" \
		STASH_MONITOR_INTERVAL=5s CL_PREFIX="$CL_PREFIX" TLS="$TLS" bash "$top/tests/cluster/configure-cluster.sh" "$VIP" "$RO_VIP" "${CL_NODES[@]}" >/dev/null
	tap_result $? "configured with pcs as the README says"
else
	node_exec n1 env CL_PREFIX="$CL_PREFIX" TLS="$TLS" bash "$top/tests/cluster/configure-cluster.sh" "$VIP" "$RO_VIP" "${CL_NODES[@]}" >/dev/null
	tap_result $? "configured with pcs as the README says"
fi
healthy 240
tap_result $? "healthy: one primary, $((N - 1)) synchronous standbys"
# tls_ok: (a READ for tap_wait) every standby streams from the primary
# over TLS; prints each one's name, whether TLS and its version.
tls_ok() {
	local r
	r=$(sqlon "$(primary)" "SELECT r.application_name || ':' || s.ssl || ':' || s.version FROM pg_stat_replication r
		JOIN pg_stat_ssl s USING (pid) ORDER BY 1" postgres | words)
	echo "$r"
	[[ $r =~ ^n[0-9]:true:TLS[^\ ]*(\ n[0-9]:true:TLS[^\ ]*){$((N - 2))}$ ]]
}
if [ "$TLS" = 1 ]; then
	tap_wait 30 tls_ok
	tap_result $? "every standby streams over TLS, the primary's certificate checked (sslmode=verify-full)"
fi
# The monitors' cost, of the database and its VIP only (the anchor has
# nothing else): the other resources' monitors are paused meanwhile.
quiet=$(crm "$(any_up)" | grep -oE '(pgsql-ro-vip|stash-group|pgbouncer-clone)' | sort -u)
for r in $quiet; do node_exec n1 pcs resource meta "$r" maintenance=true >/dev/null 2>&1; done
sleep 2
cpu=$(agents_cpu 30)
for r in $quiet; do node_exec n1 pcs resource meta "$r" maintenance=false >/dev/null 2>&1; done
say "monitors of the database and its VIP, $N nodes, quiet: ${cpu} ms of CPU per minute"
echo "cpu $cpu" >>"$CL_DIR/summary"
healthy 120 >/dev/null
. "$top/tests/cluster/scenarios-field.sh"
# A scenario whose wait gave up takes one reading for each check after it
# (tests/lib/wait.sh); then the cluster gets one bound to recover, or the
# matrix ends there: a failure costs minutes, not each later bound in vain.
export TANDEM_GAVE_UP=$CL_DIR/gave-up
for s in $SCEN; do
	rm -f "$TANDEM_GAVE_UP"
	say "scenario: $s"
	before=$TAP_FAILED
	sqlon "$(primary "$(any_up)")" "TRUNCATE acked" >/dev/null 2>&1
	"scenario_$s"
	[ "$ARCHIVE" = 1 ] && [ "$STACK" = tandem ] && archive_checked "$s"
	[ "$TAP_FAILED" = "$before" ] && [ ! -e "$TANDEM_GAVE_UP" ] && continue
	say "scenario $s failed"
	rm -f "$TANDEM_GAVE_UP"
	[ -n "${WATCH:-}" ] && kill -0 "$WATCH" 2>/dev/null && watch_stop
	client_stop 2>/dev/null
	for n in "${CL_NODES[@]}"; do node_exec "$n" true 2>/dev/null || node_boot "$n"; done
	if ! healthy 240; then
		echo "Bail out! the cluster did not recover after scenario $s: the scenarios after it are not run"
		break
	fi
done
if [ "$TLS" = 1 ]; then
	tap_wait 60 tls_ok
	tap_result $? "after every fault, every standby (rewound, cloned again) still streams over TLS"
fi
[ -f "$CL_DIR/summary" ] && sed 's/^/# summary: /' "$CL_DIR/summary"
# The soak's table: per kind of fault, its write outage and what it cost.
if grep -q '^soak ' "$CL_DIR/summary" 2>/dev/null; then
	echo "# Soak, per kind of fault (longest time without an acknowledged commit, each fault's own client):"
	echo "# | fault | count | median outage | worst outage | client errors | acknowledged commits lost | moments with two primaries |"
	echo "# |---|---|---|---|---|---|---|"
	for f in "${CHAOS_FAULTS[@]}"; do
		grep "^soak $f " "$CL_DIR/summary" | sort -k3,3n | awk -v f="$f" '
			{ gap[NR] = $3; err += $4; acked += $5; lost += $6; two += ($7 > 1) }
			END { if (NR == 0) exit
			      med = NR % 2 ? gap[(NR + 1) / 2] : (gap[NR / 2] + gap[NR / 2 + 1]) / 2
			      printf "# | %s | %d | %.1f s | %.1f s | %d | %d of %d | %d |\n", f, NR, med / 1000, gap[NR] / 1000, err, lost, acked, two }'
	done
fi

# Issue #9's benchmark: the same planned switchover, with and without PgBouncer's pause.
if grep -q '^switchover ' "$CL_DIR/summary" 2>/dev/null && grep -q '^switchover_pgbouncer ' "$CL_DIR/summary"; then
	echo "# Planned switchover under load (pcs resource move --promoted), side by side, this run:"
	printf '#   %-34s %15s %14s %15s\n' "" "longest stall" "client errors" "acked lost"
	while read -r name gap failed _ lost _; do
		case $name in
		switchover) label="clients on the VIP" ;;
		switchover_pgbouncer) label="clients through PgBouncer, paused" ;;
		*) continue ;;
		esac
		printf '#   %-34s %12s ms %14s %15s\n' "$label" "$gap" "$failed" "$lost"
	done <"$CL_DIR/summary"
fi
tap_done
