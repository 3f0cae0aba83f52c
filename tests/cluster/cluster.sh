# cluster.sh --- a real Pacemaker + Corosync cluster on one machine, each node a set of namespaces
# shellcheck shell=bash
#
# Sourced.  Every node is a network namespace on a bridge of its own
# (192.0.2.0/24; the bridge lives in the "switch" namespace, nothing is
# added to the host's interfaces) plus private mount, UTS and PID
# namespaces (its own /proc: a process sees only its node's, as on a
# machine), held open by an anchor, the node's PID 1 (CL_REAPER: it reaps
# orphans as init would), with its own hostname, /run, /dev/shm
# and its own copies of Corosync's, Pacemaker's and PostgreSQL's state
# directories.  corosync and pacemakerd from Debian's packages run in it.
#
#   cluster_init N            N nodes n1..nN and a client namespace
#   node_boot NAME            (re)boot a node: namespaces, corosync, pacemakerd
#   node_exec NAME cmd...     run a command on a node
#   node_poweroff NAME        what the fence agent does
#   cluster_wait_online N     until N nodes are online, with quorum
#   cluster_collect DIR       logs and state of every node, for a failed run
#   cluster_destroy           everything down and removed (also on exit)

top=${top:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$top/tests/lib/netns.sh"

CL_PREFIX=tdc-
CL_DIR=/var/tmp/tandem-cluster
CL_NODES=()

cl_ip() { echo "192.0.2.1${1#n}"; }

cl_corosync_conf() {
	local n=${#CL_NODES[@]} i
	cat <<CONF
totem {
	version: 2
	cluster_name: tandem
	transport: knet
	token: 1000
	# Not raised by 650 ms for every node past two (the default): the
	# token stays 1000 ms on three nodes, and consensus 1200 ms.
	token_coefficient: 0
	crypto_cipher: none
	crypto_hash: none
}
nodelist {
CONF
	for i in "${!CL_NODES[@]}"; do
		printf '\tnode {\n\t\tring0_addr: %s\n\t\tname: %s\n\t\tnodeid: %d\n\t}\n' \
			"$(cl_ip "${CL_NODES[$i]}")" "${CL_NODES[$i]}" $((i + 1))
	done
	cat <<CONF
}
quorum {
	provider: corosync_votequorum
$([ "$n" = 2 ] && printf '\ttwo_node: 1')
}
logging {
	to_logfile: yes
	logfile: /var/log/corosync/corosync.log
	to_syslog: no
	timestamp: on
}
CONF
}

cluster_init() {
	local n=$1 i name
	cluster_destroy
	netns_init "$CL_PREFIX"
	trap cluster_destroy EXIT
	CL_NODES=()
	for i in $(seq 1 "$n"); do CL_NODES+=("n$i"); done
	install -m 0755 "$top/tests/cluster/fence_tandem_ns" /usr/sbin/fence_tandem_ns
	mkdir -p "$CL_DIR"
	for name in "${CL_NODES[@]}"; do
		local d=$CL_DIR/$name
		mkdir -p "$d"/{etc-corosync,var-lib-corosync,var-log-pacemaker,var-log-corosync,var-lib-postgresql,netns-host}
		mkdir -p "$d"/var-lib-pacemaker/{cib,pengine,blackbox,cores}
		chown -R hacluster:haclient "$d/var-lib-pacemaker" "$d/var-log-pacemaker"
		chown postgres:postgres "$d/var-lib-postgresql"
		netns_host "$name" "$(cl_ip "$name")" ""
	done
	for name in "${CL_NODES[@]}"; do
		cl_corosync_conf >"$CL_DIR/$name/etc-corosync/corosync.conf"
	done
	mkdir -p "$CL_DIR/fence-spool"
	cl_fence_server &
	CL_FENCE_SERVER=$!
	netns_host client 192.0.2.20 ""
}

cl_anchor() { cat "$CL_DIR/$1/anchor" 2>/dev/null; }

node_exec() {
	local name=$1
	shift
	nsenter -t "$(cl_anchor "$name")" -m -u -n -p -- "$@"
}

# The node's view of the machine: everything of its own bound in place.
cl_node_setup() {
	local name=$1 d=$CL_DIR/$1
	cat <<SETUP
set -e
hostname $name
mount --rbind /run/netns $d/netns-host
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/netns /run/resource-agents /run/postgresql /run/crm /run/lock /run/user
mount --rbind $d/netns-host /run/netns
chown postgres:postgres /run/postgresql
chmod 2775 /run/postgresql
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount --bind $d/etc-corosync /etc/corosync
mount --bind $d/var-lib-corosync /var/lib/corosync
mount --bind $d/var-lib-pacemaker /var/lib/pacemaker
mount --bind $d/var-log-pacemaker /var/log/pacemaker
mount --bind $d/var-log-corosync /var/log/corosync
mount --bind $d/var-lib-postgresql /var/lib/postgresql
# PID 1 of the node: it reaps the node's orphans, as init would.
exec ${CL_REAPER:?set CL_REAPER to tests/lib/reaper} sleep infinity
SETUP
}

node_boot() {
	local name=$1 i
	node_poweroff "$name" 2>/dev/null
	ip -n "$CL_PREFIX$name" addr add "$(cl_ip "$name")/24" dev eth0
	ip -n "${CL_PREFIX}sw" link set "p${name}eth0" up
	rm -f "$CL_DIR/$name/anchor"
	(ip netns exec "$CL_PREFIX$name" unshare --mount --uts --pid --fork --mount-proc --propagation private \
		bash -c "$(cl_node_setup "$name")" >"$CL_DIR/$name/anchor.log" 2>&1 & echo $! >"$CL_DIR/$name/unshare")
	for i in $(seq 200); do
		# The anchor is the node's PID 1, unshare's child, once its setup
		# is done and it runs the reaper (unshare has other children first).
		[ -s "$CL_DIR/$name/anchor" ] ||
			pgrep -P "$(cat "$CL_DIR/$name/unshare")" -x reaper >"$CL_DIR/$name/anchor" || true
		[ "$(nsenter -t "$(cl_anchor "$name")" -u hostname 2>/dev/null)" = "$name" ] &&
			nsenter -t "$(cl_anchor "$name")" -m test -d /run/netns 2>/dev/null &&
			nsenter -t "$(cl_anchor "$name")" -m mountpoint -q /var/lib/postgresql && break
		sleep 0.1
	done
	node_exec "$name" corosync >/dev/null 2>&1
	node_exec "$name" env PCMK_logfile=/var/log/pacemaker/pacemaker.log \
		setsid pacemakerd </dev/null >/dev/null 2>&1 &
	disown $! 2>/dev/null || true
}

node_poweroff() {
	TANDEM_FENCE_DIRECT=1 PATH=/usr/sbin:$PATH fence_tandem_ns off <<<"port=$1
prefix=$CL_PREFIX" >/dev/null 2>&1
}

# The power switch: fence_tandem_ns, run by Pacemaker inside a node, cannot
# reach another node's processes (its own PID namespace); it leaves a
# request in the spool and this loop, on the host, carries it out.
cl_fence_server() {
	local req action port rc
	while [ -d "$CL_DIR/fence-spool" ]; do
		for req in "$CL_DIR"/fence-spool/*.req; do
			[ -e "$req" ] || continue
			read -r action port <"$req" || true
			rm -f "$req"
			case $action in off|reboot|on|status) ;; *) continue ;; esac
			case $port in '' | *[!a-z0-9-]*) continue ;; esac
			rc=0
			TANDEM_FENCE_DIRECT=1 PATH=/usr/sbin:$PATH fence_tandem_ns "$action" <<<"port=$port
prefix=$CL_PREFIX" >/dev/null 2>&1 || rc=$?
			echo "$rc" >"${req%.req}.tmp" && mv "${req%.req}.tmp" "${req%.req}.done"
		done
		sleep 0.1
	done
}

# cluster_wait_online N [SECONDS]: N nodes online in a partition with quorum.
cluster_wait_online() {
	local want=$1 limit=${2:-90} i out
	for i in $(seq $((limit * 2))); do
		out=$(node_exec "${CL_NODES[0]}" crm_mon -1 2>/dev/null) || true
		if printf '%s\n' "$out" | grep -q 'partition with quorum' &&
			[ "$(printf '%s\n' "$out" | sed -n 's/.*Online: \[ \(.*\) \].*/\1/p' | wc -w)" = "$want" ]; then
			return 0
		fi
		sleep 0.5
	done
	printf '%s\n' "$out" >&2
	return 1
}

cluster_collect() {
	local dest=$1 name
	mkdir -p "$dest"
	for name in "${CL_NODES[@]}"; do
		mkdir -p "$dest/$name"
		cp -r "$CL_DIR/$name/var-log-pacemaker" "$CL_DIR/$name/var-log-corosync" "$dest/$name/" 2>/dev/null
		cp "$CL_DIR/$name"/var-lib-postgresql/*.log "$dest/$name/" 2>/dev/null
		node_exec "$name" crm_mon -1 -A >"$dest/$name/crm_mon.txt" 2>&1
	done
}

cluster_destroy() {
	local name
	[ -n "${CL_FENCE_SERVER:-}" ] && kill "$CL_FENCE_SERVER" 2>/dev/null
	CL_FENCE_SERVER=
	for name in "${CL_NODES[@]}"; do node_poweroff "$name"; done
	netns_cleanup
	rm -rf "$CL_DIR"
	CL_NODES=()
	return 0
}
