#!/bin/bash
# repair.sh --- how long each of ocf:tandem:pgsql's repairs takes, beside the clone by hand it replaces
#
#   tests/bench/repair.sh [BUILD_DIR]
# Two nodes on this machine (tests/pgsql/nodes.sh: a primary n1, a
# standby n2), a database of REPAIR_MB MiB (default 1024, pgbench's
# tables), a pgBackRest repository archiving n1's WAL.  Each way a
# standby falls out is made for real, then the agent's start (what
# Pacemaker's recovery runs) repairs it; timed from that start until the
# primary sees the node streaming:
#   clone         an empty data directory (a replaced disk): pg_basebackup
#   repository    the same, with pgbackrest_stanza: pgbackrest restore,
#                 then the archive and the primary
#   archive       down while the primary wrote REPAIR_MB/4 MiB of WAL past
#                 max_slot_wal_keep_size: its slot invalidated, the WAL
#                 gone from the primary; the primary's monitor drops and
#                 makes the slot again (timed on its own), the standby
#                 catches up from the archive
#   rewind        a former primary with REWIND_COMMITS (1000) commits the
#                 new primary never got, crashed: pg_rewind
# The anchor is what a person does without the agent (PAF's documentation
# for a node that cannot rejoin): empty it, pg_basebackup -R, start,
# measured on the same node and database in the same run.  A benchmark:
# it prints figures and fails only when a repair does not end streaming
# with the newest commit, when the agent did not say the repair named
# (clone, repository, rewind), or when the fault was not the one named.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$top}")
AGENT=$build/agents/pgsql/pgsql
. "$top/tests/lib/pg.sh"
BIN=$(pg_bindir)
. "$top/tests/lib/wait.sh"
MB=${REPAIR_MB:-1024}
REWIND_COMMITS=${REWIND_COMMITS:-1000}
[ "$(id -u)" = 0 ] || { echo "repair.sh: run as root" >&2; exit 2; }
[ -x "$AGENT" ] || { echo "repair.sh: build $AGENT first" >&2; exit 2; }
command -v pgbackrest >/dev/null || { echo "repair.sh: pgbackrest is not installed (tests/deps.sh)" >&2; exit 5; }
# shellcheck disable=SC2034 # read by nodes.sh
NODES="n1 n2" T_PREFIX=tdrepair
. "$top/tests/pgsql/nodes.sh"
rc=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, b - a }'; }  # since T0 [DECIMALS]
# until_streaming PRIMARY NODE: waits (up to 15 min) until NODE streams
# and holds the newest commit; sets STREAMED to the seconds since $T0.
until_streaming() {
	local last end=$((SECONDS + 900))
	last=$(sql "$1" "SELECT max(n) FROM acked")
	while [ "$SECONDS" -lt "$end" ]; do
		if streams_to "$1" "$2" && [ "$(sql "$2" "SELECT count(*) FROM acked WHERE n = $last")" = 1 ]; then
			STREAMED=$(since "$T0")
			return 0
		fi
		sleep 0.1
	done
	echo "# gave up after 15 min: $1's pg_stat_replication: $(sql "$1" "SELECT application_name, state FROM pg_stat_replication")"
	tail -n 5 "$T/$2/log" | sed 's/^/#   /'
	STREAMED=-
	rc=1
	return 1
}
commit() { sql "$1" "SET synchronous_commit = local; INSERT INTO acked SELECT coalesce(max(n), 0) + 1 FROM acked" >/dev/null; }
# wal_from PRIMARY MiB: writes at least MiB of WAL (updates of pgbench's accounts).
wal_from() {
	local start
	start=$(sql "$1" "SELECT pg_current_wal_lsn()")
	while [ "$(sql "$1" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$start') < $2::bigint * 1048576")" = t ]; do
		sql "$1" "SET synchronous_commit = local; UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 10 = (random() * 9)::int" >/dev/null
	done
}
# said WORD: the last agent run's log says WORD (which repair it did).
said() {
	grep -q "$1" <<<"$ERR" && return 0
	echo "# the agent did not say '$1':"
	sed 's/^/#   /' <<<"$ERR"
	rc=1
	return 1
}
declare -A took what
row() { took[$1]=$2; what[$1]=$3; echo "# $1: $2 s ($3)"; }

echo "# n1: a primary with $MB MiB of pgbench tables and a pgBackRest archive; n2 its standby"
first_node n1
archive_setup n1
ra n1 start
notify n1 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n1
ra n1 promote
[ "$RC" = 0 ] || { echo "# promote n1: $ERR"; exit 1; }
vip_to n1
pgbackrest_as n1 stanza-create >/dev/null || { pgbackrest_as n1 stanza-create; exit 1; }
runuser -u postgres -- "$BIN/pgbench" -h "$T/n1/sock" -i -q -s $((MB * 10 / 155)) postgres >/dev/null 2>&1 ||
	{ echo "# pgbench -i failed"; exit 1; }
commit n1
echo "# database: $(sql n1 "SELECT pg_size_pretty(pg_database_size('postgres'))")"

echo "# anchor: n2 cloned by hand (pg_basebackup -R with its slot, then started)"
# Every copy after the first reads a warm page cache: so does the first.
tar -cf - -C "$T/n1" data >/dev/null
T0=$(now)
runuser -u postgres -- "$BIN/pg_basebackup" -d "host=$T/vip user=replicator passfile=$T/pgpass application_name=n2" \
	-D "$T/n2/data" -X stream -R -C -S tandem_n2 -c fast || { echo "# pg_basebackup failed"; exit 1; }
archive_lines n2
pg_on n2 start
until_streaming n1 n2 && row anchor "$STREAMED" "pg_basebackup -R, start: by hand"
pg_on n2 stop -m fast
rm -rf "$T/n2/data"

echo "# clone: n2's data directory empty (a replaced disk); the agent's start"
notify n1 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n2 OCF_RESKEY_CRM_meta_notify_promoted_uname=n1
T0=$(now)
ra n2 start
[ "$RC" = 0 ] || { echo "# start n2: $ERR"; rc=1; }
said 'is empty: cloning it from the primary' && until_streaming n1 n2 && row clone "$STREAMED" "pg_basebackup by the agent's start"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000

echo "# repository: the same, restored from pgBackRest's latest backup (pgbackrest_stanza)"
pgbackrest_as n1 backup --type=full >/dev/null || { pgbackrest_as n1 backup --type=full | tail -3; exit 1; }
commit n1
ra n2 stop
rm -rf "$T/n2/data"
T0=$(now)
ra n2 start OCF_RESKEY_pgbackrest_stanza=tandem PGBACKREST_CONFIG="$T/pgbackrest.conf"
[ "$RC" = 0 ] || { echo "# start n2: $ERR"; rc=1; }
said 'restoring it from pgBackRest stanza' && until_streaming n1 n2 && row repository "$STREAMED" "pgbackrest restore, then the archive and the primary"
# From here on n2 archives (and restores) with its own data directory:
# pgbackrest restore wrote a restore_command that finds its repository
# through /etc/pgbackrest.conf, as on a real node, not this test's.
sed -i '/^restore_command/d' "$T/n2/data/postgresql.auto.conf"
archive_lines n2
pg_on n2 restart -m fast
until_streaming n1 n2

echo "# archive: n2 down while n1 writes $((MB / 4)) MiB of WAL; its slot invalidated, the WAL gone from n1"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
ra n2 stop
sql n1 "ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'" >/dev/null
sql n1 "ALTER SYSTEM SET wal_keep_size = 0" >/dev/null
sql n1 "SELECT pg_reload_conf()" >/dev/null
seg=$(runuser -u postgres -- env LC_ALL=C "$BIN/pg_controldata" -D "$T/n2/data" | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
wal_from n1 $((MB / 4))
commit n1
sql n1 "SELECT pg_switch_wal()" >/dev/null
# PostgreSQL removes a segment only once archive_command took it.
archived_all() {
	local r
	r=$(sql n1 "SELECT (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') || ' segments to archive, slot ' || coalesce((SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'tandem_n2'), 'none')")
	sql n1 "CHECKPOINT" >/dev/null
	echo "n1: $r (want 0 segments to archive, slot lost)"
	[ "$r" = "0 segments to archive, slot lost" ]
}
wait_for 300 "n1 archived everything, n2's slot lost" archived_all || rc=1
oldest=$(sql n1 "SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'")
if [ -n "$seg" ] && [ -n "$oldest" ] && [ "${seg:8}" \< "${oldest:8}" ]; then
	echo "# n1 no longer holds $seg, where n2's replay stands (its oldest: $oldest)"
else
	echo "# n1 still holds $seg (its oldest: $oldest): not the fault this row measures"
	rc=1
fi
T0=$(now)
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
slot_took=$(since "$T0" 2)
status=$(sql n1 "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'tandem_n2'")
if [ "$status" != reserved ] && [ "$status" != extended ]; then
	echo "# the primary's monitor did not make the slot again: its wal_status is '$status'"
	rc=1
else
	row slot "$slot_took" "the primary's monitor: the lost slot dropped and made again"
fi
notify n1 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n2 OCF_RESKEY_CRM_meta_notify_promoted_uname=n1
T0=$(now)
ra n2 start
[ "$RC" = 0 ] || { echo "# start n2: $ERR"; rc=1; }
until_streaming n1 n2 && row archive "$STREAMED" "$((MB / 4)) MiB of WAL restored from the archive, then streaming"
sql n1 "ALTER SYSTEM RESET max_slot_wal_keep_size" >/dev/null
sql n1 "ALTER SYSTEM RESET wal_keep_size" >/dev/null
sql n1 "SELECT pg_reload_conf()" >/dev/null

echo "# rewind: n2 stopped, n1 goes on alone ($REWIND_COMMITS commits of a row each), crashes; n2 promoted; n1 comes back"
ra n2 stop
# What a lost primary holds that its standby never got: the commits of
# its last moments (with synchronous replication, none acknowledged).
runuser -u postgres -- env PGOPTIONS="-c synchronous_commit=local" "$BIN/pgbench" -h "$T/n1/sock" -n -c 1 -t "$REWIND_COMMITS" -b simple-update postgres >/dev/null 2>&1 ||
	{ echo "# pgbench on n1 failed"; rc=1; }
# shellcheck disable=SC2046 # one pid per word
kill -9 $(procs n1) 2>/dev/null
pg_on n2 start
pg_on n2 promote
sql n2 "CHECKPOINT" >/dev/null   # as the agent's promote does: pg_rewind reads the new timeline from pg_control
vip_to n2
commit n2
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
T0=$(now)
ra n1 start
[ "$RC" = 0 ] || { echo "# start n1: $ERR"; rc=1; }
said 'rewound "' && until_streaming n2 n1 && row rewind "$STREAMED" "pg_rewind, then streaming"

echo
echo "A standby repaired by ocf:tandem:pgsql's start, against the clone by hand it replaces ($MB MiB database, PostgreSQL $(pg_major), one run):"
printf '%-11s | %9s | %9s | %7s | %s\n' repair "agent s" "by hand s" ratio what
for k in clone repository archive rewind slot; do
	t=${took[$k]:--}
	a=${took[anchor]:--}
	r=-
	[ "$t" != - ] && [ "$a" != - ] && r=$(awk -v t="$t" -v a="$a" 'BEGIN { printf "%.2f", t / a }')
	printf '%-11s | %9s | %9s | %7s | %s\n' "$k" "$t" "$a" "$r" "${what[$k]:-not measured}"
done
echo "(by hand: ${what[anchor]:-not measured}; ratio: agent / by hand, below 1 is faster)"
exit $rc
