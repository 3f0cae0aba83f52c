#!/bin/bash
# configure-paf.sh --- the anchor Tandem replaces, for side-by-side runs: PAF (ocf:heartbeat:pgsqlms) + IPaddr2
#
#   configure-paf.sh VIP NODE...
# Run on one node of a running cluster whose nodes already hold streaming
# standbys of the first node's data (PAF does not clone), each with
# primary_conninfo naming itself (application_name) and
# recovery_target_timeline = latest, as PAF's quick start asks.  The same
# fencing and the same monitor intervals as configure-cluster.sh gives
# Tandem; the constraints of PAF's documentation.
# The node's newest PostgreSQL (tests/lib/pg.sh); pcs 0.11 or 0.12.
set -euo pipefail
. "$(dirname "$0")/../lib/wait.sh"
. "$(dirname "$0")/../lib/pg.sh"
vip=$1
shift
nodes=("$@")
cib=$(mktemp)
trap 'rm -f "$cib"' EXIT
pcs cluster cib "$cib"
pcs -f "$cib" property set stonith-enabled=true
pcs -f "$cib" property set cluster-recheck-interval=30s
pcs -f "$cib" resource defaults update resource-stickiness=10 migration-threshold=3
for n in "${nodes[@]}"; do
	pcs -f "$cib" stonith create "fence-$n" fence_tandem_ns port="$n" ${CL_PREFIX:+prefix="$CL_PREFIX"} \
		pcmk_host_list="$n" pcmk_reboot_action=off op monitor interval=60s
	pcs -f "$cib" constraint location "fence-$n" avoids "$n"
done
pcs -f "$cib" resource create pgsqld ocf:heartbeat:pgsqlms bindir="$(pg_bindir)" \
	pgdata="$(pg_datadir)" pghost=/run/postgresql \
	op start timeout=60s op stop timeout=60s op promote timeout=30s op demote timeout=120s \
	op notify timeout=60s \
	op monitor interval=1s timeout=10s role=Promoted \
	op monitor interval=2s timeout=10s role=Unpromoted --disabled
# As configure-cluster.sh: the clone's options on the clone in pcs 0.11 and 0.12.
pcs -f "$cib" resource promotable pgsqld \
	meta notify=true promoted-max=1 promoted-node-max=1 clone-max=${#nodes[@]} clone-node-max=1
pcs -f "$cib" resource enable pgsqld-clone
pcs -f "$cib" resource create pgsql-vip ocf:heartbeat:IPaddr2 ip="$vip" cidr_netmask=24 \
	op monitor interval=2s timeout=10s
pcs -f "$cib" constraint colocation add pgsql-vip with Promoted pgsqld-clone score=INFINITY
pcs -f "$cib" constraint order promote pgsqld-clone "then" start pgsql-vip symmetrical=false
pcs -f "$cib" constraint order demote pgsqld-clone "then" stop pgsql-vip symmetrical=false
pcs -f "$cib" constraint location pgsqld-clone prefers "${nodes[0]}=100"
pcs cluster cib-push "$cib"
wait_for 180 "configure-paf: ${nodes[0]} was not promoted" promoted_on "${nodes[0]}" || exit 1
pcs constraint remove location-pgsqld-clone-"${nodes[0]}"-100
