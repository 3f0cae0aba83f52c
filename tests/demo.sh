#!/bin/bash
# demo.sh --- the README's first command: installs, builds, installs Tandem, and shows the VIP failing over
#
# Two nodes and a client, each a network namespace on a bridge of its own
# (192.0.2.0/24, nothing leaves them).  Each node runs a small TCP service;
# the client asks it for an answer every 50 ms through the virtual IP.
# This script plays Pacemaker's part for now: it runs the installed
# ocf:tandem:vip agent with the same actions and environment pacemaker-execd
# would, monitors every second, and on a failed monitor stops the VIP on the
# failed node and starts it on the other.  (A real Pacemaker cluster takes
# over with the cluster issue.)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "demo: run as root (apt-get, make install, network namespaces)" >&2; exit 2; }

echo "== installing dependencies, building, installing"
bash tests/deps.sh
autoreconf -fi >/dev/null 2>&1
mkdir -p _build/demo
(cd _build/demo && "$top/configure" -q --prefix=/usr && make -j2 >/dev/null && make install >/dev/null)
AGENT=/usr/lib/ocf/resource.d/tandem/vip
echo "installed $AGENT"

. tests/lib/netns.sh
work=$(mktemp -d)
netns_init tdemo-
trap 'netns_cleanup; rm -rf "$work"' EXIT
netns_host node1 192.0.2.11 ""
netns_host node2 192.0.2.12 ""
netns_host client 192.0.2.20 ""
VIP=192.0.2.100

ra() { # ra NODE ACTION: the agent as pacemaker-execd runs it; prints rc and reason
	local node=$1 action=$2 rc=0
	netns_exec "$node" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf \
		OCF_RESOURCE_INSTANCE=db-vip OCF_RESKEY_ip=$VIP OCF_RESKEY_cidr_netmask=24 \
		OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval="${3:-0}" \
		"$AGENT" "$action" >"$work/out" 2>"$work/err" || rc=$?
	printf '  %-6s %-8s rc=%d %s\n' "$node" "$action" "$rc" \
		"$(sed -n 's/^ocf-exit-reason://p' "$work/err" | tail -1)"
	return $rc
}

service='
import socketserver, socket
class H(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            for line in self.rfile:
                self.wfile.write(b"ok " + socket.gethostname().encode() + b" " + line)
        except OSError:
            pass  # reset by the VIP stop: the point of destroy_sockets
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
S(("0.0.0.0", 7000), H).serve_forever()'
for n in node1 node2; do
	# A subshell that exits at once: the service is nobody's job to report.
	(netns_exec "$n" unshare --uts sh -c "hostname $n; exec python3 -c '$service'" >/dev/null 2>&1 &)
done

client='
import socket, sys, time
vip, seconds = sys.argv[1], float(sys.argv[2])
end = time.monotonic() + seconds
n = acked = failed = 0
last_ok = None
longest = 0.0
conn = None
while time.monotonic() < end:
    n += 1
    try:
        if conn is None:
            conn = socket.create_connection((vip, 7000), timeout=0.3)
            f = conn.makefile("rb")
        conn.sendall(b"%d\n" % n)
        reply = f.readline()
        if not reply:
            raise OSError("closed")
        now = time.monotonic()
        if last_ok is not None:
            longest = max(longest, now - last_ok)
        last_ok = now
        acked += 1
        print(reply.decode().strip(), flush=True)
    except OSError as e:
        failed += 1
        print("failed %d: %s" % (n, e), flush=True)
        conn = None
    time.sleep(0.05)
print("SUMMARY %d %d %.2f" % (acked, failed, longest), flush=True)'

echo
echo "== start: the VIP on node1"
ra node1 start
netns_exec node1 ip -o -4 addr show dev eth0 | awk '{print "  node1 eth0: " $4}'
echo
echo "== a client asks a question every 50 ms through $VIP for 12 s"
netns_exec client python3 -c "$client" "$VIP" 12 >"$work/client" 2>&1 &
cpid=$!
for i in 1 2 3; do sleep 1; ra node1 monitor 1000; done
echo "  client so far: $(grep -c '^ok node1' "$work/client") answers from node1"
echo
echo "== failure: node1 loses its link"
netns_exec node1 ip link set eth0 down
failed_at=$(date +%s.%N)
until ra node1 monitor 1000; do
	echo "== Pacemaker's reaction: stop on node1, start on node2"
	ra node1 stop || true
	ra node2 start
	break
done
netns_exec node2 ip -o -4 addr show dev eth0 | awk '{print "  node2 eth0: " $4}'
for i in 1 2 3; do sleep 1; ra node2 monitor 1000; done
wait $cpid || true
echo
echo "== the client's view"
grep -m1 -B1 -A1 'ok node2' "$work/client" | sed 's/^/  /'
read -r acked failed longest < <(sed -n 's/^SUMMARY //p' "$work/client")
echo
echo "== summary"
echo "  answers: $acked ($(grep -c '^ok node1' "$work/client") from node1, $(grep -c '^ok node2' "$work/client") from node2), failed attempts: $failed"
echo "  longest gap between two answers (the outage the client saw): ${longest} s"
ra node2 stop
echo "  cleaned up: namespaces removed on exit"
