#!/bin/bash
# vip_monitor.sh --- monitor cost: ocf:tandem:vip against ocf:heartbeat:IPaddr2, side by side
#
#   tests/bench/vip_monitor.sh [BUILD_DIR] [RUNS]
# In a namespace of its own, one address is added; then a do-nothing
# process (the floor), the Tandem monitor and the IPaddr2 monitor of that
# same address run alternately, RUNS times each (default 50).  Medians of
# wall and CPU time per call, then the ratios the targets are about.  A
# benchmark, not a test: it asserts only that each monitor answered 0.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top}")
runs=${2:-50}
agent=$build/agents/vip/vip
benchrun=$build/tests/bench/benchrun
ipaddr2=/usr/lib/ocf/resource.d/heartbeat/IPaddr2
. "$top/tests/lib/netns.sh"
[ -x "$agent" ] && [ -x "$benchrun" ] || { echo "bench: build first ($agent, $benchrun)" >&2; exit 1; }

bench=$(mktemp -d)
netns_init "tdb$$"
trap 'netns_cleanup; rm -rf "$bench"' EXIT
netns_host n1 192.0.2.11 ""

export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench-vip OCF_RESKEY_ip=192.0.2.100 \
	OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=eth0 OCF_RESKEY_CRM_meta_interval=10000 \
	OCF_RESKEY_CRM_meta_timeout=20000
netns_exec n1 "$agent" start 2>/dev/null
for a in "$agent" "$ipaddr2"; do
	rc=0
	netns_exec n1 "$a" monitor >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] || { echo "bench: $a monitor answered $rc, not 0" >&2; exit 1; }
done

echo "Monitor of one IPv4 address, $runs calls each, alternating (medians):"
netns_exec n1 "$benchrun" "$runs" "$bench/tsv" \
	-- "do-nothing process (/bin/true)" /bin/true \
	-- "ocf:tandem:vip monitor" "$agent" monitor \
	-- "ocf:heartbeat:IPaddr2 monitor" "$ipaddr2" monitor
awk -F'\t' '
	NR == 1 { fw = $2; fc = $3 }
	NR == 2 { tw = $2; tc = $3 }
	NR == 3 { iw = $2; ic = $3 }
	END {
		printf "IPaddr2 / tandem: %.1fx wall, %.1fx CPU  (target: CPU >= 10x)\n", iw / tw, ic / tc
		printf "tandem - do-nothing process: %+.2f ms wall, %+.2f ms CPU  (target: <= 1 ms)\n", tw - fw, tc - fc
	}' "$bench/tsv"
netns_exec n1 "$agent" stop 2>/dev/null
