#!/bin/bash
# configure-cluster.sh --- the cluster's resources, with pcs, exactly as the README tells admins
#
#   configure-cluster.sh VIP RO_VIP NODE...
# Run on one node of a running cluster.  Fencing on (fence_tandem_ns here;
# a VM cluster passes its own with FENCE_AGENT, or "watchdog" for SBD's
# watchdog, which needs no fence device), the promotable pgsql
# clone, the VIP on the primary and a read-only VIP on a standby.  With
# TLS=1, replication over TLS (provision-node.sh's TLS_DIR).  With
# STASH_VIP set (and STASH_INSTALL, STASH_HOME, prepared on every node by
# provision-stash.sh), Stash and its VIP as a group in cold standby.  With
# PGBOUNCER set (provision-pgbouncer.sh on every node), PgBouncer on every
# node, paused by pgsql around a planned switchover.  The data directory
# is that of the node's newest PostgreSQL (tests/lib/pg.sh); pgsql finds
# the binaries from its PG_VERSION.  pcs 0.11 and 0.12 both take these
# lines without a deprecation (the README's: tests/meta/readme_pcs.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/wait.sh"
. "$(dirname "$0")/../lib/pg.sh"
vip=$1 ro_vip=$2
shift 2
nodes=("$@")
fence=${FENCE_AGENT:-fence_tandem_ns}
# TLS=1: replication over TLS, the primary's certificate checked against
# the CA provision-node.sh installed (docs/security.md, "Transport").
tls_options=
[ "${TLS:-0}" = 1 ] && tls_options=" sslmode=verify-full sslrootcert=/var/lib/postgresql/root.crt"
cib=$(mktemp)
trap 'rm -f "$cib"' EXIT
pcs cluster cib "$cib"
pcs -f "$cib" property set stonith-enabled=true
pcs -f "$cib" property set cluster-recheck-interval=30s
pcs -f "$cib" resource defaults update resource-stickiness=10 migration-threshold=3
# FENCE_AGENT=watchdog: SBD fences through the watchdog (the VMs), no device.
[ "$fence" = watchdog ] || for n in "${nodes[@]}"; do
	pcs -f "$cib" stonith create "fence-$n" "$fence" port="$n" ${CL_PREFIX:+prefix="$CL_PREFIX"} \
		pcmk_host_list="$n" pcmk_reboot_action=off op monitor interval=60s
	pcs -f "$cib" constraint location "fence-$n" avoids "$n"
done
pcs -f "$cib" resource create pgsqld ocf:tandem:pgsql \
	pgdata="$(pg_datadir)" \
	primary_conninfo="host=$vip port=5432${tls_options}" \
	passfile=/var/lib/postgresql/.pgpass-replication sync_mode=on \
	logfile=/var/lib/postgresql/postgresql.log \
	op start timeout=120s op stop timeout=120s op promote timeout=30s \
	op demote timeout=120s op notify timeout=60s \
	op monitor interval=1s timeout=10s role=Promoted \
	op monitor interval=2s timeout=10s role=Unpromoted --disabled
# "promotable meta" as a command of its own: the clone's options on the
# clone in pcs 0.11 and 0.12 alike (0.12's "create ... promotable meta"
# puts them on the primitive unless --future, which 0.11 does not know).
pcs -f "$cib" resource promotable pgsqld \
	meta notify=true promoted-max=1 promoted-node-max=1 clone-max=1 clone-node-max=1
pcs -f "$cib" resource enable pgsqld-clone
pcs -f "$cib" resource create pgsql-vip ocf:tandem:vip ip="$vip" cidr_netmask=24 \
	op monitor interval=2s timeout=10s
pcs -f "$cib" constraint colocation add pgsql-vip with Promoted pgsqld-clone score=INFINITY
pcs -f "$cib" constraint order promote pgsqld-clone "then" start pgsql-vip symmetrical=false
pcs -f "$cib" constraint order demote pgsqld-clone "then" stop pgsql-vip symmetrical=false
pcs -f "$cib" resource create pgsql-ro-vip ocf:tandem:vip ip="$ro_vip" cidr_netmask=24 \
	op monitor interval=5s timeout=10s
pcs -f "$cib" constraint colocation add pgsql-ro-vip with Unpromoted pgsqld-clone score=100
if [ -n "${STASH_VIP:-}" ]; then
	pcs -f "$cib" resource create stash ocf:tandem:stash install_dir="$STASH_INSTALL" \
		home_dir="$STASH_HOME" user=atlbitbucket pidfile="$STASH_HOME/log/catalina.pid" db_check=true \
		op start timeout=120s op stop timeout=60s \
		op monitor interval="${STASH_MONITOR_INTERVAL:-15s}" timeout=30s \
		meta migration-threshold=2
	pcs -f "$cib" resource create stash-vip ocf:tandem:vip ip="$STASH_VIP" cidr_netmask=24 \
		op monitor interval=5s timeout=10s
	# "group add", not --group (deprecated in pcs 0.12).
	pcs -f "$cib" resource group add stash-group stash stash-vip
	# Stash cannot start without its database (the guide: "Stash on
	# another node will also fail to start"), and a start in flight holds
	# back every action of an aborted transition, the database's VIP
	# included: when both move at once, the VIP goes first.  Optional, so
	# a VIP that only restarts leaves Stash alone.
	pcs -f "$cib" constraint order start pgsql-vip "then" start stash-group kind=Optional symmetrical=false
fi
if [ -n "${PGBOUNCER:-}" ]; then
	admin="host=/var/run/postgresql port=6432 dbname=pgbouncer user=pgbouncer"
	pcs -f "$cib" resource create pgbouncer ocf:tandem:pgbouncer config=/etc/pgbouncer/tandem.ini \
		admin="$admin" passfile=/root/.pgpass-pgbouncer op monitor interval=5s timeout=10s clone
	pcs -f "$cib" resource update pgsqld pgbouncer_admin="$admin passfile=/root/.pgpass-pgbouncer"
fi
# Only the first node has data: it starts alone, is promoted, and the
# others are then cloned from it (growing the group is raising clone-max).
pcs -f "$cib" constraint location pgsqld-clone prefers "${nodes[0]}=100"
pcs cluster cib-push "$cib"
wait_for 180 "configure-cluster: ${nodes[0]} was not promoted" promoted_on "${nodes[0]}" || exit 1
pcs resource meta pgsqld-clone clone-max=${#nodes[@]}
pcs constraint remove location-pgsqld-clone-"${nodes[0]}"-100
