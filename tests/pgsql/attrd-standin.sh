#!/bin/bash
# attrd-standin.sh --- attrd_updater and crm_attribute for tests/pgsql, outside a cluster
#
# Pacemaker's attribute daemon answers only inside a running cluster; the
# cluster harness (tests/cluster) drives the real one.  For the agent's
# integration tests against real PostgreSQL instances on one machine, this
# keeps each "node"'s attributes as files under $ATTR_DIR/<node>/, with the
# command lines and output formats of Pacemaker 2.1's tools.  The node is
# the caller's OCF_RESKEY_CRM_meta_on_node, as in a real cluster; like
# Pacemaker 2.1.5's attrd_updater, that variable narrows -Q -A to its node.
set -u
node=${OCF_RESKEY_CRM_meta_on_node:-}
mode=${0##*/}
# Every call, for the tests that count the agent's spawns.
printf '%s %s\n' "$mode" "$*" >>"${ATTR_DIR:?}/calls"
name="" value="" target=$node query=0 all=0 delete=0
case $mode in
attrd_updater)
	while [ $# -gt 0 ]; do
		case $1 in
		-n) name=$2; shift ;;
		-U|-B) value=$2; shift ;;
		-d) shift ;;   # dampening: attrd's business, not this stand-in's
		-N) target=$2; shift ;;
		-Q) query=1 ;;
		-A) all=1 ;;
		-D) delete=1 ;;
		-p) ;;
		*) echo "attrd_updater: unknown option $1" >&2; exit 64 ;;
		esac
		shift
	done ;;
crm_attribute)
	name="master-${OCF_RESOURCE_INSTANCE:?}"
	while [ $# -gt 0 ]; do
		case $1 in
		--promotion|--quiet) ;;
		--lifetime) shift ;;
		# A cluster property: one for the whole cluster, kept in crm_config/.
		--type) [ "$2" = crm_config ] && target=crm_config; shift ;;
		--name) name=$2; shift ;;
		--node) target=$2; shift ;;
		--update) value=$2; shift ;;
		--query) query=1 ;;
		--delete) delete=1 ;;
		*) echo "crm_attribute: unknown option $1" >&2; exit 64 ;;
		esac
		shift
	done ;;
*) echo "attrd-standin: called as $mode" >&2; exit 64 ;;
esac
dir=$ATTR_DIR
if [ $query = 1 ] && [ $all = 1 ] && [ -z "$node" ]; then
	target='*'
else
	[ -n "$target" ] || { echo "attrd-standin: no node (OCF_RESKEY_CRM_meta_on_node or -N)" >&2; exit 64; }
	mkdir -p "$dir/$target"
fi
if [ $delete = 1 ]; then
	rm -f "$dir/$target/$name"
elif [ $query = 1 ] && [ $all = 1 ]; then
	found=0
	for f in "$dir"/$target/"$name"; do
		[ -f "$f" ] || continue
		h=${f%/*}; h=${h##*/}
		echo "name=\"$name\" host=\"$h\" value=\"$(cat "$f")\""
		found=1
	done
	[ $found = 1 ] || { echo "Could not query value of $name: attribute does not exist" >&2; exit 105; }
elif [ $query = 1 ]; then
	[ -f "$dir/$target/$name" ] || { echo "Could not query value of $name: attribute does not exist" >&2; exit 105; }
	if [ "$mode" = crm_attribute ]; then cat "$dir/$target/$name"; echo
	else echo "name=\"$name\" host=\"$target\" value=\"$(cat "$dir/$target/$name")\""; fi
elif [ "$target" = crm_config ] && [ -e "$dir/crm_config.refuse" ]; then
	# A CIB that cannot take a write now (an election, a busy DC).
	echo "Error performing operation: Timer expired" >&2
	exit 124
else
	printf '%s' "$value" >"$dir/$target/$name.tmp" && mv "$dir/$target/$name.tmp" "$dir/$target/$name"
fi
