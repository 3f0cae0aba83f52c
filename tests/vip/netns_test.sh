#!/bin/bash
# netns_test.sh --- ocf:tandem:vip on real interfaces: three hosts and a bridge, in namespaces
#
# Each case drives the agent exactly as pacemaker-execd does (an action
# argument, OCF_RESKEY_* in an otherwise empty environment) and checks what
# the kernel and the other hosts see.  VALGRIND, when set, prefixes every
# agent run (the valgrind pass of CI).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
AGENT=${VIP_AGENT:-${abs_top_builddir:-$top}/agents/vip/vip}
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/netns.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for network namespaces"
	exit 77
fi

TMP=$(mktemp -d)
netns_init "tdv$$"
trap 'netns_cleanup; rm -rf "$TMP"' EXIT
netns_host h1 192.0.2.11 2001:db8::11
netns_host h2 192.0.2.12 2001:db8::12
netns_host c 192.0.2.20 2001:db8::20
H1MAC=$(netns_mac h1)
H2MAC=$(netns_mac h2)

# vip HOST ACTION [NAME=value...]: runs the agent; sets RC and ERR.
vip() {
	local host=$1 action=$2
	shift 2
	# shellcheck disable=SC2086
	netns_exec "$host" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf \
		OCF_RESOURCE_INSTANCE=vip-test "$@" ${VALGRIND:-} "$AGENT" "$action" \
		>"$TMP/out" 2>"$TMP/err"
	RC=$?
	ERR=$(cat "$TMP/err")
}

reasons() { grep -c '^ocf-exit-reason:' "$TMP/err"; }
# The announcements an earlier start left to a background child (arp_bg,
# arp_count * arp_interval) are over: a control case starts from a quiet LAN.
announcers_done() {
	tap_wait 5 sh -c "! pgrep -f '^$AGENT start' >/dev/null" \
		|| echo "# announcers still running after 5 s: $(pgrep -af "^$AGENT start" | tr '\n' ' ')"
}
has_addr() { netns_exec "$1" ip -o addr show | grep -q " $2/"; }
neigh_mac() { netns_exec c ip neigh show "$1" dev eth0 | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'; }
neigh_is() { [ "$(neigh_mac "$1")" = "$2" ]; }

V4=192.0.2.100
V6=2001:db8::100

echo "# IPv4: start, serve, move with a gratuitous ARP, stop"
vip h1 monitor OCF_RESKEY_ip=$V4
tap_is "$RC" 7 "probe of an absent address: not running"
vip h1 start OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "start on h1"
tap_like "$(netns_exec h1 ip -o -4 addr show dev eth0)" "inet $V4/24 brd 192.0.2.255 " \
	"netmask and broadcast taken from the connected route"
vip h1 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_CRM_meta_interval=10000
tap_is "$RC" 0 "monitor on h1: running"
vip h1 start OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "second start succeeds"
tap_ok "client reaches the address on h1" netns_exec c ping -c1 -W2 $V4
tap_is "$(neigh_mac $V4)" "$H1MAC" "client resolved the address to h1"
vip h1 stop OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "stop on h1"
tap_ok "address gone from h1" sh -c "! ip -n tdv$$h1 -o addr show | grep -q ' $V4/'"
vip h1 stop OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "second stop succeeds"
vip h1 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_CRM_meta_interval=10000
tap_is "$RC" 7 "monitor after stop: not running"
vip h2 start OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "start on h2"
# The client sends nothing here: only h2's announcement can change its cache.
tap_ok "client's cache follows the gratuitous ARP to h2" tap_wait 5 neigh_is $V4 "$H2MAC"
tap_ok "client reaches the address on h2" netns_exec c ping -c1 -W2 $V4
# The control: without announcements the cache stays on the old owner.
vip h2 stop OCF_RESKEY_ip=$V4
announcers_done
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_arp_count=0
# The control: a second later the client's cache does not name h1.  (It
# named h2 here, except twice on a loaded machine, where it no longer
# named h2 by then, for a reason not yet found: it says what it holds.)
sleep 1
seen=$(netns_exec c ip neigh show "$V4" dev eth0)
tap_ok "arp_count=0: the client's cache does not follow to h1 (it says: ${seen:-nothing})" \
	test "$(neigh_mac "$V4")" != "$H1MAC"
vip h1 stop OCF_RESKEY_ip=$V4
vip h2 start OCF_RESKEY_ip=$V4
tap_ok "announced again: the cache follows to h2" tap_wait 5 neigh_is $V4 "$H2MAC"
vip h2 stop OCF_RESKEY_ip=$V4
announcers_done
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_arp_mode=reply
tap_is "$RC" 0 "start with arp_mode=reply"
tap_ok "arp_mode=reply: the cache follows the ARP replies to h1" tap_wait 5 neigh_is $V4 "$H1MAC"
vip h1 stop OCF_RESKEY_ip=$V4
announcers_done
vip h2 start OCF_RESKEY_ip=$V4 OCF_RESKEY_arp_count=0
vip h2 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_CRM_meta_interval=10000
sleep 1
seen=$(netns_exec c ip neigh show "$V4" dev eth0)
tap_ok "a monitor without arp_count_refresh announces nothing: the cache does not follow to h2 (it says: ${seen:-nothing})" \
	test "$(neigh_mac "$V4")" != "$H2MAC"
vip h2 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_arp_count_refresh=2
tap_is "$RC" 0 "monitor with arp_count_refresh=2"
tap_ok "arp_count_refresh: the monitor's announcement moves the cache to h2" tap_wait 5 neigh_is $V4 "$H2MAC"

echo "# interface state"
netns_exec h2 ip link set eth0 down
vip h2 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_CRM_meta_interval=10000
tap_is "$RC" 1 "monitor fails when the interface is down"
tap_like "$ERR" 'ocf-exit-reason:interface "eth0" of address 192.0.2.100 is down' "reason names the interface"
netns_exec h2 ip link set eth0 up
tap_ok "monitor recovers when it is up again" tap_wait 5 sh -c \
	"ip netns exec tdv$$h2 env -i OCF_RESKEY_ip=$V4 $AGENT monitor"
ip -n "tdv$$sw" link set ph2eth0 down
vip h2 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_CRM_meta_interval=10000
tap_is "$RC" 1 "monitor fails when the interface has lost carrier"
tap_like "$ERR" 'has no carrier' "reason says no carrier"
ip -n "tdv$$sw" link set ph2eth0 up
vip h2 stop OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "stop on h2"

echo "# netmask, broadcast and label given"
vip h1 start OCF_RESKEY_ip=192.0.2.101 OCF_RESKEY_nic=eth0 OCF_RESKEY_cidr_netmask=255.255.255.128 OCF_RESKEY_iflabel=vip
tap_is "$RC" 0 "start with a dotted netmask and a label"
tap_like "$(netns_exec h1 ip -o -4 addr show dev eth0)" "inet 192.0.2.101/25 brd 192.0.2.127 .* eth0:vip" \
	"address has /25, its broadcast and the label"
vip h1 stop OCF_RESKEY_ip=192.0.2.101
tap_is "$RC" 0 "stop"

echo "# connections are reset on stop"
(netns_exec h1 python3 -c '
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(8)
conns=[]
while True:
    c,_=s.accept(); conns.append(c)' >/dev/null 2>&1 &)
tap_wait 5 sh -c "ip netns exec tdv$$h1 ss -ltn | grep -q ':7000 '"
client() {
	(netns_exec c python3 -c '
import socket,sys
c=socket.create_connection(("'$V4'", 7000), timeout=5)
print("connected", flush=True)
c.settimeout(None)
try:
    print("eof" if c.recv(1) == b"" else "data", flush=True)
except ConnectionResetError:
    print("reset", flush=True)' >"$1" 2>&1 &)
}
for mode in true false; do
	vip h1 start OCF_RESKEY_ip=$V4
	client "$TMP/client-$mode"
	tap_wait 5 grep -q connected "$TMP/client-$mode"
	vip h1 stop OCF_RESKEY_ip=$V4 OCF_RESKEY_destroy_sockets=$mode
	tap_is "$RC" 0 "stop with destroy_sockets=$mode"
done
tap_ok "destroy_sockets=true: the client got a reset" tap_wait 5 grep -q reset "$TMP/client-true"
tap_ok "destroy_sockets=false: the client still waits" sh -c "sleep 1; [ \"\$(cat $TMP/client-false)\" = connected ]"
tap_is "$(netns_exec h1 ss -Htn state established "( sport = :7000 )" | wc -l)" 1 \
	"only the connection kept by destroy_sockets=false is left"
ip netns pids "tdv$$c" | xargs -r kill -9

echo "# conflicts"
netns_exec h2 ip addr add 192.0.2.150/24 dev eth0
vip h1 start OCF_RESKEY_ip=192.0.2.150
tap_is "$RC" 1 "start of an address another host has fails"
tap_like "$ERR" "ocf-exit-reason:address 192.0.2.150 is already in use on the LAN of \"eth0\" by $H2MAC" \
	"reason names the owner's MAC address"
tap_ok "nothing was added" sh -c "! ip -n tdv$$h1 -o addr show | grep -q ' 192.0.2.150/'"
vip h1 start OCF_RESKEY_ip=192.0.2.150 OCF_RESKEY_probe_ms=0
tap_is "$RC" 0 "probe_ms=0 skips the probe"
vip h1 stop OCF_RESKEY_ip=192.0.2.150

echo "# IPv6: duplicate address detection, neighbour advertisement"
vip h1 start OCF_RESKEY_ip=$V6
tap_is "$RC" 0 "IPv6 start on h1 (after DAD)"
tap_ok "IPv6 address is not tentative" sh -c "ip -n tdv$$h1 -o addr show | grep ' $V6/64' | grep -vq tentative"
tap_ok "client reaches the IPv6 address on h1" netns_exec c ping -c1 -W2 $V6
tap_is "$(neigh_mac $V6)" "$H1MAC" "client resolved the IPv6 address to h1"
vip h1 stop OCF_RESKEY_ip=$V6
tap_is "$RC" 0 "IPv6 stop on h1"
vip h2 start OCF_RESKEY_ip=$V6 OCF_RESKEY_nodad=true
tap_is "$RC" 0 "IPv6 start on h2 with nodad"
tap_ok "client's cache follows the neighbour advertisement to h2" tap_wait 5 neigh_is $V6 "$H2MAC"
tap_ok "client reaches the IPv6 address on h2" netns_exec c ping -c1 -W2 $V6
vip h2 monitor OCF_RESKEY_ip=$V6 OCF_RESKEY_CRM_meta_interval=10000
tap_is "$RC" 0 "IPv6 monitor on h2"
vip h2 stop OCF_RESKEY_ip=$V6
netns_exec h2 ip addr add 2001:db8::150/64 dev eth0 nodad
vip h1 start OCF_RESKEY_ip=2001:db8::150
tap_is "$RC" 1 "IPv6 start of a duplicate fails"
tap_like "$ERR" "ocf-exit-reason:address 2001:db8::150 is a duplicate" "reason says duplicate"
tap_ok "the duplicate was removed again" sh -c "! ip -n tdv$$h1 -o addr show | grep -q ' 2001:db8::150/'"

echo "# interface choice"
netns_port h1 eth1 >/dev/null
netns_exec h1 ip addr add 192.0.2.31/24 dev eth1
vip h1 start OCF_RESKEY_ip=$V4
tap_is "$RC" 5 "two interfaces on the network: start refuses to guess, on this node only (never 6)"
tap_like "$ERR" 'ocf-exit-reason:both "eth[01]" and "eth[01]" of this node have a route covering 192.0.2.100: set nic' \
	"reason asks for nic"
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=eth1
tap_is "$RC" 0 "with nic=eth1 it starts"
tap_ok "address is on eth1" sh -c "ip -n tdv$$h1 -o addr show dev eth1 | grep -q ' $V4/24'"
vip h1 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=eth0 OCF_RESKEY_CRM_meta_interval=10000
tap_is "$RC" 1 "monitor with another nic than the address's fails"
vip h1 stop OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=eth1
netns_exec h1 ip link del eth1
vip h1 start OCF_RESKEY_ip=198.51.100.7
tap_is "$RC" 5 "no route on this node covers the address: not installed here"
tap_like "$ERR" 'ocf-exit-reason:no interface of this node has a route covering 198.51.100.7: set nic and cidr_netmask' \
	"reason says no route"

echo "# bad input: a code and one clear line"
vip h1 validate-all
tap_is "$RC" 6 "missing ip: not configured"
tap_like "$ERR" '^ocf-exit-reason:required parameter "ip" is not set' "reason names the parameter"
tap_is "$(reasons)" 1 "exactly one exit reason line"
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_arp_count=abc
tap_is "$RC" 6 "arp_count=abc: not configured"
tap_like "$ERR" 'invalid value "abc" for parameter "arp_count": not an integer from 0 to 1000' "reason names value and range"
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_cidr_netmask=33
tap_is "$RC" 6 "cidr_netmask=33: not configured"
vip h1 start OCF_RESKEY_ip=$V6 OCF_RESKEY_broadcast=192.0.2.255
tap_is "$RC" 6 "broadcast with IPv6: not configured"
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_arp_mode=loud
tap_is "$RC" 6 "arp_mode=loud: not configured"
tap_like "$ERR" 'expected one of request, reply' "reason lists the choices"
vip h1 start OCF_RESKEY_ip=999.1.1.1
tap_is "$RC" 6 "ip=999.1.1.1: not configured"
vip h1 start OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=nosuch0
tap_is "$RC" 5 "nic missing on this node: not installed (this node only)"
vip h1 monitor OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=nosuch0
tap_is "$RC" 7 "probe with nic missing: not running"
vip h1 stop OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=nosuch0
tap_is "$RC" 0 "stop with nic missing: nothing to stop"
# Issue 28: a fault of this node no longer hides the address from a stop.
vip h1 start OCF_RESKEY_ip=$V4
vip h1 stop OCF_RESKEY_ip=$V4 OCF_RESKEY_nic=nosuch0
tap_is "$RC" 0 "stop with nic missing still removes the address it finds"
tap_ok "the address is gone" sh -c "! ip -n tdv$$h1 -o addr show | grep -q ' $V4/'"
vip h1 frobnicate OCF_RESKEY_ip=$V4
tap_is "$RC" 3 "unknown action: unimplemented"
tap_like "$ERR" '^ocf-exit-reason:unsupported action "frobnicate"' "reason names the action"
netns_exec h1 env -i ${VALGRIND:-} "$AGENT" >/dev/null 2>&1
tap_is "$?" 2 "no action: bad arguments"
vip h1 validate-all OCF_RESKEY_ip=$V4 HA_LOGFILE="$TMP/ha.log" OCF_RESKEY_arp_count=-1
tap_like "$(cat "$TMP/ha.log" 2>/dev/null)" 'tandem-vip\(vip-test\).*error: invalid value "-1" for parameter "arp_count"' \
	"the reason is in the HA_LOGFILE too, tagged with the instance"
vip h1 validate-all OCF_RESKEY_ip=$V4
tap_is "$RC" 0 "validate-all of a good configuration"

echo "# ocf-tester"
if [ -x /usr/sbin/ocf-tester ]; then
	netns_exec h1 /usr/sbin/ocf-tester -n vip-test -o ip=$V4 "$AGENT" >"$TMP/tester" 2>&1
	tap_is "$?" 0 "ocf-tester passes"
	grep -q 'passed all tests' "$TMP/tester" || sed 's/^/#   /' "$TMP/tester"
fi

tap_done
