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
# the CIB (describe only reads; resource move needs a live cluster: the
# cluster scenarios run it).
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$top/README.md" | sed -n 's/^ *\(pcs .*\)$/\1/p' |
	grep -v -e 'describe' -e 'resource move' >"$cib.cmds"
while IFS= read -r line; do
	# The README's words, split as the shell would split them, and no more.
	eval "set -- $line"
	shift
	out=$(pcs -f "$cib" "$@" 2>&1)
	tap_result $? "README: ${line:0:70}" "$out"
done <"$cib.cmds"
rm -f "$cib.cmds"
tap_ok "the README's commands made a promotable pgsqld-clone" sh -c "pcs -f $cib resource config pgsqld-clone | grep -q 'promotable=true'"
tap_ok "the README's commands made the Stash group: filesystem, then Stash, then its VIP" sh -c \
	"pcs -f $cib resource config stash-group | grep -E 'Resource: (stash-fs|stash|stash-vip) ' | awk '{print \$2}' | tr '\n' ' ' | grep -qx 'stash-fs stash stash-vip '"
tap_ok "the README's commands start Stash after the database's VIP when both move" sh -c \
	"pcs -f $cib constraint order config | grep -qF 'start pgsql-vip then start stash-group (kind:Optional)'"
tap_ok "the README's commands made a PgBouncer clone and gave pgsql its admin console" sh -c \
	"pcs -f $cib resource config pgbouncer-clone >/dev/null && pcs -f $cib resource config pgsqld | grep -q 'pgbouncer_admin='"
tap_done
