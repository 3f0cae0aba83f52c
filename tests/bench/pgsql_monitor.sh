#!/bin/bash
# pgsql_monitor.sh --- monitor cost: ocf:tandem:pgsql against ocf:heartbeat:pgsqlms, side by side
#
#   tests/bench/pgsql_monitor.sh [BUILD_DIR] [RUNS]
# PAF's pgsqlms needs a running Pacemaker controller for every action, so
# this brings up the harness's 2-node cluster (tests/cluster/, the agents
# as installed by make install), configured as the README says.  Then, on
# the primary and on the standby, three commands run alternately, RUNS
# times each (default 50): the floor (tests/bench/pqfloor: one libpq
# connection, the agent's one monitor query), `ocf:tandem:pgsql monitor`
# and `ocf:heartbeat:pgsqlms monitor` of the same instance, each through
# /usr/bin/env as the agents need their environment.  Medians of wall and CPU time per
# call (children included), then the ratios the targets are about.  A
# benchmark, not a test: it asserts only that every monitor answered what
# the role says (8 primary, 0 standby).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top}")
runs=${2:-50}
benchrun=$build/tests/bench/benchrun
floor=$build/tests/bench/pqfloor
tandem=/usr/lib/ocf/resource.d/tandem/pgsql
paf=/usr/lib/ocf/resource.d/heartbeat/pgsqlms
for f in "$benchrun" "$floor" "$tandem" "$paf"; do
	[ -x "$f" ] || { echo "bench: $f is missing (build, make install, tests/deps.sh)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces)" >&2; exit 1; }
# shellcheck disable=SC2034 # cluster.sh reads it
CL_REAPER=$build/tests/lib/reaper
. "$top/tests/cluster/cluster.sh"

cluster_init 2
for n in "${CL_NODES[@]}"; do node_boot "$n"; done
cluster_wait_online 2 120 || { echo "bench: the cluster did not form" >&2; exit 1; }
for n in "${CL_NODES[@]}"; do node_exec "$n" bash "$top/tests/cluster/provision-node.sh" "$n" n1 192.0.2.0/24; done
node_exec n1 env CL_PREFIX="$CL_PREFIX" bash "$top/tests/cluster/configure-cluster.sh" 192.0.2.100 192.0.2.101 "${CL_NODES[@]}" >/dev/null
# unpromoted_n2: (a READ for wait_for) n2 is the standby, from crm_mon's XML.
unpromoted_n2() {
	local got
	got=$(node_exec n1 crm_mon -1 --output-as=xml 2>/dev/null |
		xmllint --xpath "//clone[@id='pgsqld-clone']/resource[@role='Unpromoted' or @role='Slave']/node/@name" - 2>/dev/null)
	echo "unpromoted: [$got] (want n2)"
	[ "$(grep -o '"[^"]*"' <<<"$got")" = '"n2"' ]
}
wait_for 120 "bench: n2 did not become the standby" unpromoted_n2 || exit 1
# The nodes' PostgreSQL: the newest major installed there.
bindir=$(node_exec n1 bash -c '. "$1/tests/lib/pg.sh" && pg_bindir' _ "$top")
pgdata=/var/lib/postgresql/$(basename "$(dirname "$bindir")")/main

# pgsqlms asks the CIB for its clone's notify meta attribute: it gets a
# resource of its own, disabled and never probed (resource-discovery=never
# on every node), so Pacemaker never runs it or looks at our instance
# through it.  What it writes (promotion scores) touches nothing Tandem reads.
node_exec n1 bash -c '
	set -e
	c=$(mktemp)
	pcs cluster cib "$c"
	pcs -f "$c" resource create pafbench ocf:heartbeat:pgsqlms bindir="$1" \
		pgdata="$2" pghost=/run/postgresql --disabled
	pcs -f "$c" resource promotable pafbench meta notify=true
	for n in n1 n2; do
		pcs -f "$c" constraint location add "bench-never-$n" pafbench-clone "$n" -- -INFINITY resource-discovery=never
	done
	pcs cluster cib-push "$c"
	rm -f "$c"' _ "$bindir" "$pgdata" >/dev/null 2>&1 || { echo "bench: could not add the pgsqlms resource" >&2; exit 1; }

# The same instance, described to each agent as Pacemaker 2.1.5's execd
# describes a promotable clone's monitor (HA_debug=0 as a production
# cluster runs: no debug logging for either).
common=(OCF_ROOT=/usr/lib/ocf OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 OCF_RESKEY_crm_feature_set=3.16.1
	HA_debug=0 OCF_RESKEY_CRM_meta_timeout=10000 OCF_RESKEY_CRM_meta_notify=true
	OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_CRM_meta_promoted_max=1 OCF_RESKEY_CRM_meta_master_max=1
	OCF_RESKEY_CRM_meta_clone_node_max=1 OCF_RESKEY_CRM_meta_promoted_node_max=1)
tandem_env=(OCF_RESOURCE_INSTANCE=pgsqld OCF_RESKEY_pgdata="$pgdata"
	"OCF_RESKEY_primary_conninfo=host=192.0.2.100 port=5432"
	OCF_RESKEY_passfile=/var/lib/postgresql/.pgpass-replication OCF_RESKEY_sync_mode=on
	OCF_RESKEY_logfile=/var/lib/postgresql/postgresql.log)
paf_env=(OCF_RESOURCE_INSTANCE=pafbench OCF_RESKEY_bindir="$bindir"
	OCF_RESKEY_pgdata="$pgdata" OCF_RESKEY_pghost=/run/postgresql)

# bench NODE ROLE_RC LABEL: the three monitors on NODE, alternately.
bench() {
	local node=$1 want=$2 label=$3 tsv=$CL_DIR/bench-$1.tsv
	echo
	echo "Monitor of the $label ($node), $runs calls each, alternating (medians):"
	node_exec "$node" env "${common[@]}" OCF_RESKEY_CRM_meta_on_node="$node" OCF_RESKEY_CRM_meta_interval=2000 \
		"$benchrun" "$runs" "$tsv" \
		-- "floor: libpq connect + 1 query (C)" /usr/bin/env "$floor" \
			"host=/run/postgresql dbname=postgres user=postgres" monitor postgres \
		-- "ocf:tandem:pgsql monitor" /usr/bin/env "${tandem_env[@]}" "$tandem" monitor \
		-- "ocf:heartbeat:pgsqlms monitor" /usr/bin/env "${paf_env[@]}" "$paf" monitor
	awk -F'\t' -v want="$want" '
		NR == 1 { fw = $2; fc = $3 }
		NR == 2 { tw = $2; tc = $3; trc = $4 }
		NR == 3 { pw = $2; pc = $3; prc = $4 }
		END {
			if (trc != want || prc != want)
				printf "bench: exit codes tandem %s, pgsqlms %s; expected %s\n", trc, prc, want > "/dev/stderr"
			printf "pgsqlms / tandem: %.1fx wall, %.1fx CPU  (target: CPU >= 15x)\n", pw / tw, pc / tc
			printf "tandem / floor: %.2fx wall, %.2fx CPU  (target: <= 1.3x)\n", tw / fw, tc / fc
			exit (trc != want || prc != want)
		}' "$tsv"
}

rc=0
bench n1 8 primary || rc=1
bench n2 0 standby || rc=1
exit $rc
