#!/bin/bash
# man_test.sh --- every agent's man page, made from its meta-data, renders cleanly and lists every parameter
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
build=${abs_top_builddir:-$top}
. "$top/tests/lib/tap.sh"

command -v man >/dev/null || { echo "1..0 # SKIP man is not installed"; exit 77; }
warnings=$(mktemp)
trap 'rm -f "$warnings"' EXIT
for agent in vip pgsql stash pgbouncer; do
	page="$build/man/ocf_tandem_$agent.7"
	tap_ok "ocf_tandem_$agent(7) was built" test -s "$page"
	text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man --warnings -l "$page" 2>"$warnings")
	tap_is "$(cat "$warnings")" "" "ocf_tandem_$agent(7) renders without a warning"
	missing=""
	for p in $("$build/agents/$agent/$agent" meta-data | sed -n 's/.*<parameter name="\([^"]*\)".*/\1/p'); do
		grep -q "^ *$p\b" <<<"$text" || missing="$missing $p"
	done
	tap_is "$missing" "" "ocf_tandem_$agent(7) describes every parameter"
	tap_like "$text" "^ +ocf_tandem_$agent - " "ocf_tandem_$agent(7) has its NAME line"
done
tap_done
