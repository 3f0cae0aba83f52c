#!/bin/bash
# stash_monitor.sh --- monitor cost: ocf:tandem:stash against `curl -sf` of the same /status, side by side
#
#   tests/bench/stash_monitor.sh [BUILD_DIR] [RUNS]
# In a namespace of its own, the Bitbucket stand-in (tests/stash-double)
# is started by the agent; then a do-nothing process, the agent's monitor
# and `curl -sf` of the same URL (what the guide's example agent runs) go
# alternately, RUNS times each (default 50).  Medians of wall and CPU per
# call.  A benchmark, not a test: it asserts only that both answered 0.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top}")
runs=${2:-50}
agent=$build/agents/stash/stash
benchrun=$build/tests/bench/benchrun
. "$top/tests/lib/netns.sh"
[ -x "$agent" ] && [ -x "$benchrun" ] || { echo "bench: build first ($agent, $benchrun)" >&2; exit 1; }

T=$(mktemp -d /tmp/tdsb.XXXXXX)
chmod 755 "$T"
netns_init "tdsb$$-"
trap 'netns_exec s1 "$agent" stop >/dev/null 2>&1; netns_cleanup; rm -rf "$T"' EXIT
netns_host s1 192.0.2.41 ""
ip -n "tdsb$$-s1" link set lo up
"$top/tests/stash-double/install.sh" "$T/install"
mkdir -p "$T/home/shared"
echo "server.port=7990" >"$T/home/shared/bitbucket.properties"
echo 0.2 >"$T/home/double-start-seconds"
chown -R nobody "$T/home" "$T/install/work"

export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench-stash OCF_RESKEY_install_dir=$T/install \
	OCF_RESKEY_home_dir=$T/home OCF_RESKEY_user=nobody OCF_RESKEY_status_url=http://127.0.0.1:7990/status \
	OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_CRM_meta_timeout=30000 HA_RSCTMP=$T
netns_exec s1 "$agent" start 2>/dev/null
url=$OCF_RESKEY_status_url
for c in "$agent monitor" "/usr/bin/curl -sf $url"; do
	rc=0
	# shellcheck disable=SC2086
	netns_exec s1 $c >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] || { echo "bench: $c answered $rc, not 0" >&2; exit 1; }
done

echo "Monitor of Stash's /status (the stand-in), $runs calls each, alternating (medians):"
netns_exec s1 "$benchrun" "$runs" "$T/tsv" \
	-- "do-nothing process (/bin/true)" /bin/true \
	-- "ocf:tandem:stash monitor" "$agent" monitor \
	-- "curl -sf (the guide's example)" /usr/bin/curl -sf -o /dev/null "$url"
awk -F'\t' '
	NR == 1 { fw = $2; fc = $3 }
	NR == 2 { tw = $2; tc = $3 }
	NR == 3 { cw = $2; cc = $3 }
	END {
		printf "curl / tandem: %.2fx wall, %.2fx CPU\n", cw / tw, cc / tc
		printf "tandem - do-nothing process: %+.2f ms wall, %+.2f ms CPU\n", tw - fw, tc - fc
	}' "$T/tsv"
