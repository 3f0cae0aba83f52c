# netns.sh --- test hosts in network namespaces, joined by a bridge in a namespace of its own
# shellcheck shell=bash
#
# Sourced by tests.  Nothing is added to the host's own interfaces: the
# bridge lives in the "switch" namespace, every host is a namespace with an
# eth0 whose peer is a port of that bridge.  Addresses are documentation
# ranges (192.0.2.0/24, 2001:db8::/64) that leave no namespace.
#
#   netns_init PREFIX        name the set and arrange cleanup on exit
#   netns_host NAME IPV4 IPV6  a host on the bridge with eth0 addressed
#   netns_exec NAME cmd...   run a command in the host
#   netns_mac NAME [IF]      the MAC address of eth0 (or IF)
#   netns_cleanup            remove every namespace of the set

NETNS_PREFIX=
NETNS_HOSTS=()

netns_cleanup() {
	local h
	for h in "${NETNS_HOSTS[@]}" sw; do
		ip netns pids "${NETNS_PREFIX}$h" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "${NETNS_PREFIX}$h" 2>/dev/null || true
	done
	NETNS_HOSTS=()
	return 0
}

netns_init() {
	NETNS_PREFIX=$1
	trap netns_cleanup EXIT
	# A run killed before its trap left namespaces behind: clear every
	# namespace of this prefix, not only those this shell knows of.
	local ns
	for ns in $(ip netns list | awk -v p="$NETNS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	netns_cleanup
	ip netns add "${NETNS_PREFIX}sw"
	ip -n "${NETNS_PREFIX}sw" link set lo up
	ip -n "${NETNS_PREFIX}sw" link add br0 type bridge
	# No STP delay, and no multicast snooping to lose neighbour discovery.
	ip -n "${NETNS_PREFIX}sw" link set br0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
	ip -n "${NETNS_PREFIX}sw" link set br0 up
}

# netns_port NAME IFNAME: one more interface of host NAME on the bridge.
netns_port() {
	local name=$1 ifname=$2 ns="${NETNS_PREFIX}$1" peer="p${1}${2}"
	ip link add "$ifname" netns "$ns" type veth peer name "$peer" netns "${NETNS_PREFIX}sw"
	ip -n "${NETNS_PREFIX}sw" link set "$peer" master br0 up
	ip -n "$ns" link set "$ifname" up
	echo "$peer"
}

netns_host() {
	local name=$1 v4=$2 v6=$3 ns="${NETNS_PREFIX}$1"
	NETNS_HOSTS+=("$name")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	netns_port "$name" eth0 >/dev/null
	[ -n "$v4" ] && ip -n "$ns" addr add "$v4/24" dev eth0
	[ -n "$v6" ] && ip -n "$ns" addr add "$v6/64" dev eth0 nodad
	# Stable neighbour tables: no address in the test moves by itself.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_ra=0 net.ipv6.conf.eth0.keep_addr_on_down=1
	return 0
}

netns_exec() {
	local name=$1
	shift
	ip netns exec "${NETNS_PREFIX}$name" "$@"
}

netns_mac() {
	ip -n "${NETNS_PREFIX}$1" -o link show "${2:-eth0}" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}
