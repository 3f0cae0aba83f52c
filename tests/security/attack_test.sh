#!/bin/bash
# attack_test.sh --- the attack lane of ocf:tandem:pgsql: what the postgres account plants where the agent works as root
#
# The agent runs as root.  The postgres account owns the data directory,
# its parent and the server's socket directory, and every database
# superuser can act as it (COPY ... TO PROGRAM).  First, the life of two
# nodes (bootstrap, promote, clone, crash, failover, rewind, demote, stop)
# runs with every action under strace: every path the agent's own process
# names in a file system call (its children run as postgres) is found,
# and each component of those paths in a directory the postgres account
# can write is a place to plant.  Then, for each place and each
# primitive, the life runs again up to the last action that named the
# place, with the primitive planted before each of those actions:
#   link   a symbolic link to a root-owned file (a directory where a
#          directory was) holding a secret
#   fifo   a named pipe where a file was read (an open that never returns)
#   pid    postmaster.pid naming a root process, then postgres's sleep
#          (a pid reused by another program)
# After each action: the root-owned targets kept their owner, mode and
# content; the secret is nowhere the postgres account or the attributes
# show; no sentinel process got a signal; the action ended by itself with
# an OCF code, never 6 (a fault of this node stops no other).
#
# Environment: PGSQL_AGENT (the agent to attack: an older build shows
# what this test finds there), ATTACK_ONLY (a regular expression: only the
# places it matches, for a developer).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
# shellcheck disable=SC2034 # read by nodes.sh
AGENT=${PGSQL_AGENT:-${abs_top_builddir:-$top}/agents/pgsql/pgsql}
. "$top/tests/lib/pg.sh"
BIN=$(pg_bindir)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"

if [ "$(id -u)" != 0 ] || [ ! -x "$BIN/initdb" ] || ! command -v strace >/dev/null; then
	echo "1..0 # SKIP needs root, PostgreSQL and strace"
	exit 77
fi
NODES="n1 n2"
# shellcheck disable=SC2034 # read by nodes.sh
T_PREFIX=tdatk
. "$top/tests/pgsql/nodes.sh"

# The root-owned targets, in a directory only root can enter, made anew
# before each run (each primitive judged alone).
SECRET_TOKEN=tandem-attack-secret-$$-$RANDOM
make_targets() {
	rm -rf "${T:?}/root"
	install -d -m 700 "$T/root" "$T/root/dir"
	printf '%s\n' "$SECRET_TOKEN" >"$T/root/file"
	printf '%s\n' "$SECRET_TOKEN" >"$T/root/dir/file"
	chmod 600 "$T/root/file" "$T/root/dir/file"
}
make_targets
targets() { stat -c '%n %u %g %a %s %F' "$T/root" "$T/root/file" "$T/root/dir" "$T/root"/dir/*; cat "$T/root/file" "$T/root/dir/file"; }
targets >"$T/targets.ok"
# The sentinels: a root process (corosync's place) and one of postgres's
# that is not PostgreSQL (a pid reused after a crash).
sleep 100000 &
ROOT_SENTINEL=$!
runuser -u postgres -- sleep 100000 &
pg_runuser=$!
disown -a
sleep 0.1
# runuser's own child (another test beside this one may run its sleeps).
PG_SENTINEL=$(pgrep -P "$pg_runuser" -u postgres -x sleep || echo "$pg_runuser")
trap 'kill $ROOT_SENTINEL $PG_SENTINEL 2>/dev/null; cleanup' EXIT

first_node n1
# The archiver's status files are the agent's business at promote and
# rewind; what archives them is not.
printf "archive_mode = on\narchive_command = '/bin/true'\n" >>"$T/n1/data/postgresql.conf"
tar -C "$T" -cf "$T/pristine.tar" n1 n2

# An action of the life: its step number, then ra's arguments.  MODE
# says what runs around it (discover: strace; attack: the plant).
k=0
act() {
	k=$((k + 1))
	case $MODE in
	discover)
		# LeakSanitizer cannot run under ptrace (an ASan build's exit 1).
		VALGRIND="env ASAN_OPTIONS=detect_leaks=0 strace -qq -y -o $T/trace/$k -e trace=open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,chown,lchown,fchownat,chmod,fchmodat,link,linkat,symlink,symlinkat,truncate,utimensat,mknodat" \
			ra "$@"
		echo "$k $1 $2 $RC" >>"$T/life"
		;;
	attack)
		[ "$k" -le "$LAST" ] || return 1
		if [[ " $STEPS " == *" $k "* ]]; then
			plant
			attacked "$@"
			return
		fi
		ra "$@"
		;;
	esac
}
notify_all() { # notify_all TYPE OP [NAME=value...]: every node hears it
	local n
	for n in $NODES; do
		act "$n" notify OCF_RESKEY_CRM_meta_notify_type="$1" OCF_RESKEY_CRM_meta_notify_operation="$2" \
			OCF_RESKEY_CRM_meta_notify_all_uname="$NODES" "${@:3}" || return 1
	done
}
crash() { # crash NODE: every PostgreSQL process of NODE killed
	local p
	for p in $(procs "$1"); do kill -KILL "$p" 2>/dev/null; done
	for p in $(procs "$1"); do while [ -d "/proc/$p" ]; do sleep 0.05; done; done
}

# The life, each step stopping it when the action failed under attack.
life() {
	act n1 start || return
	notify_all pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n1 || return
	act n1 promote || return
	vip_to n1
	act n1 monitor OCF_RESKEY_CRM_meta_interval=15000 || return
	notify_all pre start OCF_RESKEY_CRM_meta_notify_start_uname=n2 OCF_RESKEY_CRM_meta_notify_promoted_uname=n1 || return
	act n2 start || return
	notify_all post start OCF_RESKEY_CRM_meta_notify_start_uname=n2 OCF_RESKEY_CRM_meta_notify_promoted_uname=n1 || return
	act n2 monitor OCF_RESKEY_CRM_meta_interval=16000 || return
	act n1 monitor OCF_RESKEY_CRM_meta_interval=15000 || return
	# A set grown from none: the commit record names n2 once n2 has
	# flushed the WAL as it stood then, a few of n1's monitors later
	# (untraced, so that the life's steps stay the same each run).
	for _ in $(seq "$(scaled 30)"); do
		[ "$(cat "$T/attrs/crm_config/tandem-pgsql-commits-pgsqld" 2>/dev/null)" = "primary=n1 sync=n2" ] && break
		sleep 0.2
		ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
	done
	sql n1 "INSERT INTO acked SELECT generate_series(1, 1000)" >/dev/null
	crash n1
	act n1 monitor OCF_RESKEY_CRM_meta_interval=15000
	act n1 demote
	act n1 stop || return
	notify_all pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n2 OCF_RESKEY_CRM_meta_notify_unpromoted_uname=n2 || return
	act n2 promote || return
	vip_to n2
	notify_all post promote OCF_RESKEY_CRM_meta_notify_promote_uname=n2 || return
	act n2 monitor OCF_RESKEY_CRM_meta_interval=15000 || return
	notify_all pre start OCF_RESKEY_CRM_meta_notify_start_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2 || return
	act n1 start || return
	act n1 monitor OCF_RESKEY_CRM_meta_interval=16000 || return
	act n1 stop || return
	act n2 demote || return
	act n2 monitor OCF_RESKEY_CRM_meta_interval=16000 || return
	act n2 stop
}

# reset: the nodes as the life begins (n1 initdb'd and stopped, n2 empty).
reset() {
	local n p
	for n in $NODES; do for p in $(procs "$n"); do kill -KILL "$p"; done; done
	for n in $NODES; do for p in $(procs "$n"); do while [ -d "/proc/$p" ]; do sleep 0.05; done; done; done
	rm -rf "${T:?}/n1" "$T/n2" "$T/attrs"/*/ "$T/vip"
	tar -C "$T" -xf "$T/pristine.tar"
	make_targets
	k=0
}

echo "# the life of two nodes, every action of the agent traced"
mkdir -p "$T/trace"
MODE=discover
: >"$T/life"
life
tap_is "$(tail -1 "$T/life" | cut -d' ' -f2,3)" "n2 stop" "the life runs to its end unattacked ($(wc -l <"$T/life") actions)"
tap_ok "nothing in it hurt a target" cmp -s "$T/targets.ok" <(targets)
tap_is "$(awk '$4 != 0 && $4 != 7 && $4 != 8 && !($2 == "n1" && ($3 == "monitor" || $3 == "demote"))' "$T/life")" "" \
	"every action succeeded but the crashed primary's monitor and demote" ||
	grep -E 'error|exit-reason' "$T/agent.log" | tail -5 | sed 's/^/#   /'

# The places: each component, below a node's directory, of a path the
# agent named.  rsctmp stands in for /run/resource-agents (root's).
# Names that carry a time stamp are another name each run; a WAL
# segment's name stands for all of them.
python3 "$here/paths.py" "$T" "$T"/trace/* | awk -F'\t' -v t="$T" '
	{ p = substr($3, length(t) + 2); if (p !~ /^n[12]\//) next
	  if (p ~ /^n[12]\/rsctmp(\/|$)/ || p ~ /[0-9]{8}T[0-9]{6}Z/) next
	  n = split(p, c, "/"); q = c[1]
	  for (i = 2; i <= n; i++) { q = q "/" c[i]; print $1, q } }' | sort -k2,2 -k1,1n -u >"$T/named"
# A place per name relative to its node (the same code reads both
# nodes'), on the node whose first step naming it comes first; its
# steps are that node's.
awk '{ split($2, c, "/"); rel = substr($2, 4); g = rel; gsub(/[0-9A-F]{24}/, "SEG", g)
	if (!(g in node) || $1 < first[g]) { node[g] = c[1]; first[g] = $1; place[g] = $2 } }
	END { for (g in place) print place[g] }' "$T/named" | sort >"$T/places"
tap_ok "the life named places in the data directories ($(wc -l <"$T/places"))" grep -q '/data/PG_VERSION$' "$T/places"

# plant: the primitive at the place, as postgres, unless already there.
# shellcheck disable=SC2016 # the arguments are sh's, not this shell's
plant() {
	local dir=${PLACE%/*} base=${PLACE##*/}
	case $PRIM in
	link)
		[ "$(readlink "$T/$PLACE")" = "$TARGET" ] && return
		runuser -u postgres -- sh -c 'cd "$1" && rm -rf "$2" && ln -s "$3" "$2"' sh "$T/$dir" "$base" "$TARGET" ;;
	fifo)
		[ -p "$T/$PLACE" ] && return
		runuser -u postgres -- sh -c 'cd "$1" && rm -rf "$2" && mkfifo -m 600 "$2"' sh "$T/$dir" "$base" ;;
	pid)
		runuser -u postgres -- sh -c 'cd "$1" && rm -rf "$2" && printf "%s\n%s\n0\n5432\n%s\n\n  5432001  0\nready   \n" "$3" "$4" "$5" >"$2"' \
			sh "$T/$dir" "$base" "$PIDNAMED" "$T/${PLACE%%/*}/data" "$T/${PLACE%%/*}/sock" ;;
	esac
}
# attacked NODE ACTION...: the action with the primitive in place, and the checks.
attacked() {
	local why=
	RA_TIMEOUT_MS=20000 timeout_ra "$@"
	[ "$RC" = 124 ] || [ "$RC" = 137 ] && why+=" hung (killed after $(scaled 20) s);"
	[ "$RC" = 6 ] && why+=" returned 6, which stops every node;"
	[ "$RC" -le 9 ] 2>/dev/null || [ "$RC" = 124 ] || [ "$RC" = 137 ] || why+=" returned $RC, no OCF code;"
	cmp -s "$T/targets.ok" <(targets) || why+=" changed a root-owned target: $(diff "$T/targets.ok" <(targets) | grep '^>' | head -2 | tr '\n' ' ');"
	grep -rqF -D skip "$SECRET_TOKEN" "$T/n1" "$T/n2" "$T/attrs" "$T/err" 2>/dev/null &&
		why+=" wrote the secret where it is read: $(grep -rlF -D skip "$SECRET_TOKEN" "$T/n1" "$T/n2" "$T/attrs" "$T/err" 2>/dev/null | head -2 | tr '\n' ' ');"
	kill -0 "$ROOT_SENTINEL" 2>/dev/null || why+=" signalled the root process $ROOT_SENTINEL;"
	kill -0 "$PG_SENTINEL" 2>/dev/null || why+=" signalled postgres's sleep $PG_SENTINEL;"
	if [ -n "$why" ]; then
		printf '%s %s:%s\n' "$1 $2 (step $k)" "$why" " $(tail -1 "$T/err")" >>"$T/harm"
		return 1
	fi
	[ "$RC" = 0 ] || [ "$RC" = 7 ] || [ "$RC" = 8 ] || return 1 # refused: the life ends here
}
# timeout_ra: ra, killed if it outlives its own deadline three times
# over (scaled): the agent answers by its deadline or Pacemaker kills it.
timeout_ra() {
	local n=$1 action=$2
	shift 2
	VALGRIND="timeout -s KILL $(scaled 20)" ra "$n" "$action" "$@"
}

echo "# each place, each primitive"
MODE=attack
while read -r PLACE; do
	[ -n "${ATTACK_ONLY:-}" ] && ! [[ $PLACE =~ $ATTACK_ONLY ]] && continue
	STEPS=$(awk -v p="$PLACE" '$2 == p { printf "%s ", $1 }' "$T/named")
	LAST=${STEPS% }
	LAST=${LAST##* }
	prims="link"
	[ -d "$T/$PLACE" ] && TARGET=$T/root/dir || TARGET=$T/root/file
	# A named pipe where the agent opened an existing file.
	grep -qE "\"[^\"]*${PLACE##*/}\", O_RDONLY" "$T"/trace/* 2>/dev/null && [ ! -d "$T/$PLACE" ] && prims+=" fifo"
	[ "${PLACE##*/}" = postmaster.pid ] && prims+=" pid pid"
	sentinel=$ROOT_SENTINEL
	for PRIM in $prims; do
		PIDNAMED=$sentinel
		[ "$PRIM" = pid ] && sentinel=$PG_SENTINEL
		reset
		: >"$T/harm"
		life
		tap_is "$(cat "$T/harm")" "" "$PLACE, $PRIM$([ "$PRIM" = pid ] && echo " naming $PIDNAMED"): steps $STEPS"
	done
done <"$T/places"
tap_done
