#!/bin/bash
# metadata_test.sh --- every agent's meta-data validates against both OCF schemas Debian ships
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
build=${abs_top_builddir:-$top}
. "$top/tests/lib/tap.sh"

RNG=/usr/share/resource-agents/metadata.rng
DTD_DIR=/usr/share/resource-agents
for agent in vip pgsql stash pgbouncer; do
	bin="$build/agents/$agent/$agent"
	xml=$("$bin" meta-data)
	tap_is "$?" 0 "$agent meta-data exits 0"
	printf '%s\n' "$xml" | xmllint --noout --relaxng "$RNG" - >/dev/null 2>&1
	tap_is "$?" 0 "$agent meta-data validates against metadata.rng (OCF 1.1)"
	# ocf-tester checks the DTD; the document names it relative to its dir.
	(cd "$DTD_DIR" && printf '%s\n' "$xml" | xmllint --noout --valid - >/dev/null 2>&1)
	tap_is "$?" 0 "$agent meta-data validates against ra-api-1.dtd"
	tap_like "$xml" "<resource-agent name=\"$agent\"" "$agent meta-data names the agent"
	# Every parameter the agent reads appears once: the table is the one source.
	dups=$(printf '%s\n' "$xml" | sed -n 's/.*<parameter name="\([^"]*\)".*/\1/p' | sort | uniq -d)
	tap_is "$dups" "" "$agent meta-data lists each parameter once"
done
# A broken document must fail the same check, or the check proves nothing.
printf '<resource-agent name="x"><version>1.1</version></resource-agent>\n' \
	| xmllint --noout --relaxng "$RNG" - >/dev/null 2>&1
tap_is "$?" 3 "a document without parameters and actions fails metadata.rng"
tap_done
