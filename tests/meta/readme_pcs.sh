#!/bin/bash
# readme_pcs.sh --- the README's pcs lines, run against an empty CIB file: the docs stay true
#
# Needs the agents installed (pcs reads their meta-data).  Each pcs command
# of the README (continuation lines joined) runs with -f on a scratch CIB;
# prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
cib=$(mktemp)
trap 'rm -f "$cib"' EXIT
cibadmin --empty >"$cib"
# Join "\" continuations, keep the lines that start with "pcs " and change
# the CIB (describe only reads; resource move and node attribute need a
# live cluster, its nodes: the cluster scenarios run them).
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$top/README.md" | sed -n 's/^ *\(pcs .*\)$/\1/p' |
	grep -v -e 'describe' -e 'resource move' -e 'node attribute' >"$cib.cmds"
while IFS= read -r line; do
	# The README's words, split as the shell would split them, and no more.
	eval "set -- $line"
	shift
	out=$(pcs -f "$cib" "$@" 2>&1)
	tap_result $? "README: ${line:0:70}" "$out"
done <"$cib.cmds"
rm -f "$cib.cmds"
# What they made, read from the CIB's XML (pcs's text changes between
# versions: 0.12 prints constraints unlike 0.11).
# xcount XPATH: how many nodes XPATH selects in the CIB.
xcount() { xmllint --xpath "count($1)" "$cib" 2>/dev/null; }
clone_meta="//clone[@id='pgsqld-clone']/meta_attributes/nvpair"
tap_is "$(xcount "${clone_meta}[@name='promotable' and @value='true'] | ${clone_meta}[@name='notify' and @value='true'] | ${clone_meta}[@name='promoted-max' and @value='1']")" 3 \
	"the README's commands made a promotable pgsqld-clone, notify=true and promoted-max=1 on the clone"
tap_is "$(xcount "//primitive[@id='pgsqld']/meta_attributes/nvpair[@name='notify' or @name='promoted-max']")" 0 \
	"the README's commands put no clone option on the primitive (pcs 0.12's 'promotable meta' without --future would)"
tap_is "$(xmllint --xpath "//group[@id='stash-group']/primitive/@id" "$cib" 2>/dev/null | grep -o '"[^"]*"' | tr -d '"' | tr '\n' ' ')" \
	"stash-fs stash stash-vip " "the README's commands made the Stash group: filesystem, then Stash, then its VIP"
tap_is "$(xcount "//rsc_order[@first='pgsql-vip' and @first-action='start' and @then='stash-group' and @then-action='start' and @kind='Optional']")" 1 \
	"the README's commands start Stash after the database's VIP when both move"
tap_is "$(xcount "//clone[@id='pgbouncer-clone']/primitive[@type='pgbouncer'] | //primitive[@id='pgsqld']/instance_attributes/nvpair[@name='pgbouncer_admin']")" 2 \
	"the README's commands made a PgBouncer clone and gave pgsql its admin console"
tap_is "$(xcount "//nvpair[@name='target-role']")" 0 "the README's commands leave nothing disabled"
tap_done
