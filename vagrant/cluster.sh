#!/bin/bash
# cluster.sh --- forms the Vagrant cluster and creates its resources, once every VM is provisioned
#
#   cluster.sh VIP RO_VIP STASH_VIP NODE...
# Runs on the last VM.  pcs sets the cluster up; fencing is SBD with the
# watchdog (no shared disk: three nodes give the quorum SBD needs); the
# resources come from the namespace cluster's configure-cluster.sh.
set -euo pipefail
vip=$1 ro_vip=$2 stash_vip=$3
shift 3
nodes=("$@")
pcs host auth "${nodes[@]}" -u hacluster -p "${TANDEM_HACLUSTER_PASSWORD:-tandem-demo}"
pcs cluster setup tandem "${nodes[@]}" totem token=3000 --force
pcs stonith sbd enable --watchdog=/dev/watchdog SBD_WATCHDOG_TIMEOUT=10
pcs cluster start --all --wait=120
pcs cluster enable --all
pcs property set stonith-watchdog-timeout=20
FENCE_AGENT=watchdog PGBOUNCER=1 STASH_VIP="$stash_vip" STASH_INSTALL=/opt/tandem-stash \
	STASH_HOME=/var/atlassian/application-data/bitbucket \
	bash /tandem/tests/cluster/configure-cluster.sh "$vip" "$ro_vip" "${nodes[@]}"
