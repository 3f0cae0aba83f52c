#!/bin/bash
# demo.sh --- the README's first command: a real Pacemaker cluster on this machine, failing over
#
# Installs what is missing, builds and installs Tandem, then brings up two
# cluster nodes and a client as network namespaces on a bridge of their own
# (192.0.2.0/24; nothing touches the host's interfaces): real corosync and
# pacemakerd, PostgreSQL, fencing, configured with pcs as the README
# says.  A client commits a numbered row every 20 ms through the VIP; the
# primary node is powered off; the standby takes over; the old primary
# boots, is rewound and rejoins.  A summary follows, then everything is
# removed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "demo: run as root (apt-get, make install, namespaces)" >&2; exit 2; }
build=$top/_build/demo
if [ -z "${TANDEM_DEMO_REAPED:-}" ]; then
	echo "== installing dependencies, building, installing"
	bash tests/deps.sh demo
	autoreconf -fi >/dev/null 2>&1
	mkdir -p "$build"
	(cd "$build" && "$top/configure" -q && make -j2 >/dev/null && make install >/dev/null &&
		make tests/lib/reaper tests/cluster/writer >/dev/null)
	# Killed daemons must be reaped, as init would (tests/lib/reaper.c).
	TANDEM_DEMO_REAPED=1 exec "$build/tests/lib/reaper" bash "$0" "$@"
fi

# shellcheck disable=SC2034 # cluster.sh reads it
CL_REAPER=$build/tests/lib/reaper
. tests/cluster/cluster.sh
VIP=192.0.2.100
step() { echo; echo "== $(date +%T) $*"; }
status() { node_exec "$1" crm_mon -1 -A 2>/dev/null | sed -n '/Node List/,$p' | sed 's/^/   /'; }
primary() { node_exec "$1" crm_mon -1 2>/dev/null | sed -n 's/.*Promoted: \[ \(n[0-9]*\) \].*/\1/p'; }
healthy() {
	local out
	for _ in $(seq 120); do
		out=$(node_exec "$1" crm_mon -1 2>/dev/null || true)
		printf '%s\n' "$out" | grep -q 'Promoted: \[' && printf '%s\n' "$out" | grep -q 'Unpromoted: \[' &&
			printf '%s\n' "$out" | grep -q 'pgsql-vip.*Started' && return 0
		sleep 2
	done
	return 1
}

step "two nodes: corosync and pacemakerd in namespaces"
cluster_init 2
node_boot n1
node_boot n2
cluster_wait_online 2 120
step "PostgreSQL on n1 (initdb), the cluster configured with pcs"
for n in n1 n2; do node_exec "$n" bash "$top/tests/cluster/provision-node.sh" "$n" n1 192.0.2.0/24; done
node_exec n1 bash "$top/tests/cluster/configure-cluster.sh" "$VIP" 192.0.2.101 n1 n2 >/dev/null 2>&1
healthy n1
status n1

step "a client commits a row every 20 ms through $VIP for 60 s"
printf '*:*:*:app:app\n' >"$CL_DIR/client.pgpass"
chmod 600 "$CL_DIR/client.pgpass"
(netns_exec client "$build/tests/cluster/writer" \
	"host=$VIP dbname=app user=app passfile=$CL_DIR/client.pgpass connect_timeout=2 tcp_user_timeout=2000" \
	60 20 "$CL_DIR/acked" >"$CL_DIR/writer.out" 2>/dev/null &)
sleep 10
old=$(primary n1)
step "power-off of the primary node, $old ($(wc -l <"$CL_DIR/acked") commits so far)"
node_poweroff "$old"
other=$([ "$old" = n1 ] && echo n2 || echo n1)
for _ in $(seq 30); do [ "$(primary "$other")" = "$other" ] && break; sleep 1; done
status "$other"
step "$old boots again: pg_rewind, then a standby"
sleep 5
node_boot "$old"
healthy "$other" || true
sleep 4
status "$other"
if grep -q 'Failed Resource Actions' <<<"$(node_exec "$other" crm_mon -1 2>/dev/null)"; then
	echo "   The failed action above is Pacemaker's record of what it found when $old came"
	echo "   back: its first look (probe) saw a primary that had crashed, \"promoted (failed)\"."
	echo "   That answer is what made the agent rewind it into a standby. The record stays"
	echo "   until an admin clears it, as one does once the cause is understood:"
	echo "   # pcs resource cleanup pgsqld"
	node_exec "$other" pcs resource cleanup pgsqld >/dev/null 2>&1 || true
	sleep 2
	status "$other"
fi
for _ in $(seq 90); do grep -q '^acked ' "$CL_DIR/writer.out" && break; sleep 1; done
read -r _ acked _ failed _ gap < <(grep '^acked ' "$CL_DIR/writer.out")
p=$(primary "$other")
lost=$(comm -23 <(sort -u "$CL_DIR/acked") \
	<(node_exec "$p" runuser -u postgres -- psql -h /run/postgresql -d app -XAtqc 'SELECT n FROM acked' | sort -u) | wc -l)
step "summary"
if grep -q "Unpromoted: \[.*$old.*\]" <<<"$(node_exec "$other" crm_mon -1 2>/dev/null)"; then
	back="$old is back as a standby"
else
	back="$old is NOT back as a standby (see crm_mon above)"
fi
echo "   primary before: $old; after: $p; $back"
echo "   commits acknowledged to the client: $acked; failed attempts: $failed"
echo "   write outage (longest gap between two acknowledged commits): $((gap / 1000)).$(printf '%03d' $((gap % 1000))) s"
echo "   acknowledged commits lost: $lost"
echo "   (everything is removed on exit)"
