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
# CL_ROOT (empty: the host's own /) is a Debian root every node runs in
# instead (tests/versions/roots.sh trixie-cluster): the node's setup mounts
# its private directories, its /proc, /sys, /dev, /run, /dev/shm and /tmp
# at the root's paths, binds the source tree ($top) and CL_DIR at the same
# paths inside, and chroots there before it becomes the reaper; node_exec
# enters the same root.  The fence agent is installed in the root's
# /usr/sbin (Pacemaker runs it there); the power switch (cl_fence_server),
# the client namespace and its writer stay on the host.
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
. "$top/tests/lib/wait.sh"

# CL_PREFIX names this cluster's namespaces; another prefix is another
# cluster, beside it (tests/run-all.sh runs two at once), its state in
# a directory of its own (the fence agent finds its spool by the prefix).
CL_PREFIX=${CL_PREFIX:-tdc-}
case $CL_PREFIX in
tdc-) CL_DIR=/var/tmp/tandem-cluster ;;
t[a-z0-9]*-) CL_DIR=/var/tmp/tandem-cluster-${CL_PREFIX%-} ;;
*) echo "cluster: CL_PREFIX '$CL_PREFIX' is not t[a-z0-9]*-" >&2; return 1 2>/dev/null || exit 1 ;;
esac
CL_NODES=()
CL_ROOT=${CL_ROOT:-}

cl_ip() { echo "192.0.2.1${1#n}"; }

cl_corosync_conf() {
	local n=${#CL_NODES[@]} i
	cat <<CONF
totem {
	version: 2
	cluster_name: tandem
	transport: knet
	# CLUSTER_TOKEN: another token, in ms (tests/bench/token.sh weighs 500).
	token: ${CLUSTER_TOKEN:-1000}
	# Not raised by 650 ms for every node past two (the default): the
	# token stays as set on three nodes and more, consensus 1.2 times it.
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
	if [ -n "$CL_ROOT" ]; then
		[ -x "$CL_ROOT/usr/sbin/pacemakerd" ] || { echo "cluster: CL_ROOT=$CL_ROOT has no pacemakerd" >&2; return 1; }
		install -m 0755 "$top/tests/cluster/fence_tandem_ns" "$CL_ROOT/usr/sbin/fence_tandem_ns"
		# The node's PID 1, where the root sees it (CL_DIR is bound in).
		mkdir -p "$CL_DIR/bin"
		install -m 0755 "${CL_REAPER:?set CL_REAPER to tests/lib/reaper}" "$CL_DIR/bin/reaper"
		mkdir -p "$CL_ROOT$top" "$CL_ROOT$CL_DIR"
	fi
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

# cl_nsenter NAME ARGS...: nsenter into NAME's anchor (and its root, if any).
cl_nsenter() {
	local pid
	pid=$(cl_anchor "$1") || return 1
	shift
	if [ -n "$CL_ROOT" ]; then
		nsenter -t "$pid" -r -w "$@"
	else
		nsenter -t "$pid" "$@"
	fi
}

node_exec() {
	local name=$1
	shift
	cl_nsenter "$name" -m -u -n -p -- "$@"
}

# The node's view of the machine: everything of its own bound in place.
# In a root (R), the same mounts at R's paths, then chroot R.  Names in it
# are fixed or checked ([a-z0-9]), paths the harness's own.
cl_node_setup() {
	local name=$1 d=$CL_DIR/$1 r=$CL_ROOT
	printf 'set -e\nhostname %q\n' "$name"
	printf 'r=%q d=%q top=%q cl=%q\n' "$r" "$d" "$top" "$CL_DIR"
	if [ -n "$r" ]; then
		cat <<'SETUP'
# The root's own /proc (this PID namespace's), /sys (this network
# namespace's), the host's devices with a /dev/shm of the node's, a /tmp.
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
# Made again here: under the new /tmp, the tree or CL_DIR may be (a
# checkout in /tmp), and their mount points with them.
mkdir -p "$r$top" "$r$cl"
mount --rbind "$top" "$r$top"
mount --rbind "$cl" "$r$cl"
SETUP
	fi
	cat <<'SETUP'
mount --rbind /run/netns "$d/netns-host"
mount -t tmpfs -o mode=0755 tmpfs "$r/run"
mkdir -p "$r/run/netns" "$r/run/resource-agents" "$r/run/postgresql" "$r/run/crm" "$r/run/lock" "$r/run/user"
mount --rbind "$d/netns-host" "$r/run/netns"
SETUP
	if [ -z "$r" ]; then
		echo 'mount -t tmpfs -o mode=1777 tmpfs /dev/shm'
	fi
	cat <<'SETUP'
mount --bind "$d/etc-corosync" "$r/etc/corosync"
mount --bind "$d/var-lib-corosync" "$r/var/lib/corosync"
mount --bind "$d/var-lib-pacemaker" "$r/var/lib/pacemaker"
mount --bind "$d/var-log-pacemaker" "$r/var/log/pacemaker"
mount --bind "$d/var-log-corosync" "$r/var/log/corosync"
mount --rbind "$d/var-lib-postgresql" "$r/var/lib/postgresql"
SETUP
	# PID 1 of the node: it reaps the node's orphans, as init would.
	if [ -n "$r" ]; then
		# Users and groups by the root's own names (its ids may differ).
		cat <<'SETUP'
chroot "$r" chown postgres:postgres /run/postgresql /var/lib/postgresql
chroot "$r" chmod 2775 /run/postgresql
chroot "$r" chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
exec chroot "$r" "$cl/bin/reaper" sleep infinity
SETUP
	else
		cat <<'SETUP'
chown postgres:postgres /run/postgresql
chmod 2775 /run/postgresql
SETUP
		printf 'exec %q sleep infinity\n' "${CL_REAPER:?set CL_REAPER to tests/lib/reaper}"
	fi
}

node_boot() {
	local name=$1 i
	node_poweroff "$name" 2>/dev/null
	ip -n "$CL_PREFIX$name" addr add "$(cl_ip "$name")/24" dev eth0
	ip -n "${CL_PREFIX}sw" link set "p${name}eth0" up
	rm -f "$CL_DIR/$name/anchor"
	(ip netns exec "$CL_PREFIX$name" unshare --mount --uts --pid --fork --mount-proc --propagation private \
		bash -c "$(cl_node_setup "$name")" >"$CL_DIR/$name/anchor.log" 2>&1 & echo $! >"$CL_DIR/$name/unshare")
	local up=no host=""
	for i in $(seq "$(scaled 200)"); do
		# The anchor is the node's PID 1, unshare's child, once its setup
		# is done and it runs the reaper (unshare has other children first).
		[ -s "$CL_DIR/$name/anchor" ] ||
			pgrep -P "$(cat "$CL_DIR/$name/unshare")" -x reaper >"$CL_DIR/$name/anchor" || true
		host=$(cl_nsenter "$name" -u hostname 2>/dev/null) || host=""
		[ "$host" = "$name" ] &&
			cl_nsenter "$name" -m test -d /run/netns 2>/dev/null &&
			cl_nsenter "$name" -m -p mountpoint -q /var/lib/postgresql && up=yes && break
		sleep 0.1
	done
	if [ "$up" = no ]; then
		echo "cluster: $name did not come up in 20 s: anchor '$(cl_anchor "$name")', hostname '$host'; its setup said:" >&2
		tail -n 5 "$CL_DIR/$name/anchor.log" >&2
	fi
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

# cl_online WANT: (a READ for wait_for) WANT nodes online in a partition
# with quorum, as the first node sees it, from crm_mon's XML.
cl_online() {
	local xml q on
	xml=$(node_exec "${CL_NODES[0]}" crm_mon -1 --output-as=xml 2>/dev/null)
	q=$(xmllint --xpath 'string(//summary/current_dc/@with_quorum)' - <<<"$xml" 2>/dev/null)
	on=$(xmllint --xpath "//nodes/node[@online='true']/@name" - <<<"$xml" 2>/dev/null | grep -o '"[^"]*"' | tr -d '"' | tr '\n' ' ')
	echo "with quorum: ${q:-?}; online: [${on% }] (want $1 nodes)"
	[ "$q" = true ] && [ "$(wc -w <<<"$on")" = "$1" ]
}

# cluster_wait_online N [SECONDS]: N nodes online in a partition with quorum.
cluster_wait_online() {
	wait_for "${2:-90}" "cluster: $1 nodes online with quorum" cl_online "$1"
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
	# A scenario's own file systems (replaced_disk's data disk), deepest first.
	awk -v d="$CL_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$CL_DIR"
	CL_NODES=()
	return 0
}
