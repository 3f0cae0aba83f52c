#!/bin/bash
# integration_test.sh --- ocf:tandem:pgsql against three real PostgreSQL instances
#
# Three "nodes" on this machine (tests/pgsql/nodes.sh), driven as
# pacemaker-execd drives the agent: action argument, OCF_RESKEY_*, notify
# variables.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
# shellcheck disable=SC2034 # read by nodes.sh
AGENT=${PGSQL_AGENT:-${abs_top_builddir:-$top}/agents/pgsql/pgsql}
. "$top/tests/lib/pg.sh"
BIN=$(pg_bindir)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"

if [ "$(id -u)" != 0 ] || [ ! -x "$BIN/initdb" ]; then
	echo "1..0 # SKIP needs root and PostgreSQL"
	exit 77
fi
. "$top/tests/pgsql/nodes.sh"

echo "# a first node, made by initdb as an admin would"
first_node n1

echo "# bootstrap: start (always a standby), promote, clone two standbys"
ra n1 monitor
tap_is "$RC" 7 "probe of a stopped cluster: not running"
ra n1 start
tap_is "$RC" 0 "start n1 (as a standby: no primary yet)"
tap_ok "n1 has standby.signal" test -f "$T/n1/data/standby.signal"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$RC" 0 "monitor n1: standby"
tap_is "$(cat "$T/attrs/n1/master-pgsqld" 2>/dev/null)" 1 "a standby nobody ranks gets score 1 (bootstrap)"
notify n1 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n1
tap_like "$(attr n1 tandem-pgsql-lsn-pgsqld)" '^1:[0-9A-F]+/[0-9A-F]+@[0-9]+$' "pre-promote publishes n1's timeline and LSN, stamped with the time"
ra n1 promote
tap_is "$RC" 0 "promote n1"
vip_to n1
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 8 "monitor n1: primary"
tap_like "$(attr n1 tandem-pgsql-last-failover-pgsqld)" '^promoted at ' "promotion leaves a failover record"
ra n1 promote
tap_is "$RC" 0 "promote of the primary succeeds (idempotent)"
notify n1 pre start OCF_RESKEY_CRM_meta_notify_start_uname="n2 n3" OCF_RESKEY_CRM_meta_notify_promoted_uname=n1
tap_is "$(sql n1 "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('tandem_n2','tandem_n3')")" 2 \
	"pre-start: the primary makes the slots of the standbys about to start"
for n in n2 n3; do
	ra $n start
	tap_is "$RC" 0 "start $n: empty, cloned from the primary with pg_basebackup"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	ra $n monitor OCF_RESKEY_CRM_meta_interval=16000
	tap_is "$RC" 0 "monitor $n: standby"
done
ra n2 start
tap_is "$RC" 0 "second start of a standby succeeds"
notify n1 post start OCF_RESKEY_CRM_meta_notify_start_uname="n2 n3"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 8 "monitor n1 with two standbys"
tap_is "$(sql n1 "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('tandem_n2','tandem_n3')")" 2 \
	"the primary keeps a slot per standby"
tap_ok "both standbys stream" sh -c "[ \$(runuser -u postgres -- $BIN/psql -h $T/n1/sock -d postgres -XAtqc \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'\") = 2 ]"
tap_is "$(sql n1 "SHOW synchronous_standby_names")" 'ANY 1 ("n2", "n3")' \
	"sync_mode=on names exactly the streaming standbys"
tap_is "$(attr n1 tandem-pgsql-sync-pgsqld)" sync "the primary says replication is synchronous"
tap_is "$(cat "$T/attrs/n2/master-pgsqld")/$(cat "$T/attrs/n3/master-pgsqld")/$(cat "$T/attrs/n1/master-pgsqld")" \
	"1000/999/1001" "scores: the primary 1001, standbys by WAL received"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_CHECK_LEVEL=10
tap_is "$RC" 8 "deep monitor (OCF_CHECK_LEVEL=10): the primary commits"
pm=$(head -1 "$T/n1/data/postmaster.pid")
kill -STOP "$pm"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_CRM_meta_timeout=3000
kill -CONT "$pm"
tap_is "$RC" 9 "a hung postmaster fails the primary's monitor, within its timeout"
tap_like "$ERR" 'primary is down \(pg_control: in production, postmaster not answering\)' "reason: not answering"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 8 "and it recovers when the postmaster does"
ra n3 monitor
tap_is "$RC" 0 "probe of a running standby: exact"
ra n1 monitor
tap_is "$RC" 8 "probe of a running primary: exact"

echo "# neighbours on the stream: Barman's pg_receivewal, a CDC tool named with blanks, a comma and quotes"
receivewal() { # receivewal DIR APPLICATION_NAME: a WAL receiver of the primary, in the background
	mkdir -p "$T/$1" && chown postgres "$T/$1"
	runuser -u postgres -- "$BIN/pg_receivewal" -D "$T/$1" --synchronous -d \
		"host=$T/n1/sock port=5432 user=replicator passfile=$T/pgpass application_name='$2'" 2>/dev/null &
}
receivewal barman barman_receive_wal
receivewal cdc 'Debezium Streaming, "x"'
neighbours_stream() { [ "$(sql n1 "SELECT count(*) FROM pg_stat_replication WHERE application_name IN ('barman_receive_wal', 'Debezium Streaming, \"x\"') AND state = 'streaming'")" = 2 ]; }
tap_ok "two neighbours stream from the primary" tap_wait 30 neighbours_stream
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 8 "the primary's monitor reads every walsender's name: healthy"
tap_is "$(sql n1 "SHOW synchronous_standby_names")" 'ANY 1 ("n2", "n3")' \
	"neighbours are never synchronous voters"
tap_is "$(cat "$T/attrs/crm_config/tandem-pgsql-commits-pgsqld" 2>/dev/null)" "primary=n1 sync=n2,n3" \
	"nor named in the commit record"
tap_is "$(attr n1 tandem-pgsql-neighbours-pgsqld)" \
	'"Debezium Streaming, "x"" streaming, 0 MiB behind; "barman_receive_wal" streaming, 0 MiB behind' \
	"the primary shows them, and their lag"
tap_is "$(find "$T/attrs" -iname '*barman*' -o -iname '*debezium*' | wc -l)" 0 "no score or attribute is set for them"
# Twenty in all: more than are shown, none of them a voter.
for i in $(seq 1 18); do receivewal "more$i" "receiver $i"; done
twenty_stream() { [ "$(sql n1 "SELECT count(*) FROM pg_stat_replication WHERE application_name NOT IN ('n2', 'n3') AND state = 'streaming'")" = 20 ]; }
tap_ok "twenty neighbours stream from the primary" tap_wait 30 twenty_stream
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC/$(sql n1 "SHOW synchronous_standby_names")" '8/ANY 1 ("n2", "n3")' \
	"with twenty, the primary is healthy and its voters are its standbys"
tap_like "$(attr n1 tandem-pgsql-neighbours-pgsqld)" '; and 4 more$' "sixteen are shown, the others counted"
pkill -TERM -f "pg_receivewal -D $T/(barman|cdc|more[0-9]+)"
wait
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(attr n1 tandem-pgsql-neighbours-pgsqld)" none "gone, the primary shows none"

echo "# writes, acknowledged by a synchronous standby"
acked=0
for i in $(seq 1 200); do
	sql n1 "INSERT INTO acked VALUES ($i)" >/dev/null && acked=$i
done
tap_is "$acked" 200 "200 rows committed on the primary"

echo "# a standby whose walreceiver stalls (a dead link, replies gone): streaming to pg_stat_replication, not promotable"
# walreceiver PIDS of NODE (it runs in its data directory).
walreceiver() { for p in $(pgrep -f "postgres: .*walreceiver"); do [ "$(readlink /proc/$p/cwd)" = "$T/$1/data" ] && echo "$p"; done; }
# READ for wait_for: n3 silent since SECONDS, as the primary sees it.
read_silent() {
	local v
	v=$(sql n1 "SELECT state || ' ' || coalesce(extract(epoch FROM now() - reply_time)::int, -1) || ' ' || (flush_lsn < pg_current_wal_lsn()) FROM pg_stat_replication WHERE application_name = 'n3'")
	sql n1 "INSERT INTO acked VALUES (1000 + (random() * 1000000)::int) ON CONFLICT DO NOTHING" >/dev/null
	echo "n3 in n1's pg_stat_replication: state, seconds since its reply, behind: '$v' (want streaming, >= $1, true)"
	set -- "$1" $v
	[ "$2" = streaming ] && [ "$3" -ge "$1" ] && [ "$4" = true ]
}
wr=$(walreceiver n3)
kill -STOP $wr
wait_for 60 "n3 silent and behind" read_silent 6
tap_result $? "n3's walreceiver stopped: n1 sees it streaming, behind, silent for 6 s"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(attr n3 master-pgsqld)" 999 "one silent reading is not a stall (a quiet cluster's standby is behind for milliseconds)"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(attr n3 master-pgsqld)" -1000000 "two at the same flush LSN are: -INFINITY, which a switchover's INFINITY cannot outweigh"
tap_like "$(cat "$T/agent.log")" 'n3 may not be promoted, nor a switchover go to it: stalled' "the primary says why, once"
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(grep -c 'n3 may not be promoted, nor a switchover go to it: stalled' "$T/agent.log")" 1 "and not again while it stays so"
kill -CONT $wr
for _ in $(seq "$(scaled 100)"); do
	[ "$(sql n1 "SELECT flush_lsn >= pg_current_wal_lsn() FROM pg_stat_replication WHERE application_name = 'n3'")" = t ] && break
	sleep 0.1
done
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(attr n3 master-pgsqld)" 999 "resumed, level: ranked again"
tap_like "$(cat "$T/agent.log")" 'n3 may be promoted again' "and said"
sql n1 "DELETE FROM acked WHERE n > 1000" >/dev/null

echo "# the primary crashes (kill -9), with WAL its standbys never got"
# n3 is held back: stopped, while n2 alone acknowledges 100 more commits.
ra n3 stop
for i in $(seq 201 300); do
	sql n1 "INSERT INTO acked VALUES ($i)" >/dev/null && acked=$i
done
tap_is "$acked" 300 "100 more rows, acknowledged by n2 while n3 is down"
# n2 goes down too: what n1 commits now (synchronous_commit = local) is
# on n1 alone, the WAL that will diverge.
ra n2 stop
sql n1 "SET synchronous_commit = local; INSERT INTO acked SELECT generate_series(100001, 100100)" >/dev/null
# shellcheck disable=SC2046 # one pid per word
kill -9 $(procs n1)
# Both standbys come back with no primary to catch up from.
ra n2 start
ra n3 start
sleep 0.5
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 9 "monitor of the crashed primary: failed promoted (9)"
tap_like "$ERR" 'ocf-exit-reason:primary is down \(pg_control: in production, postmaster gone\)' "reason says why"
# Pacemaker's recovery of a failed primary: demote, stop, start.
notify n1 pre demote OCF_RESKEY_CRM_meta_notify_demote_uname=n1 OCF_RESKEY_CRM_meta_notify_stop_uname=n1
ra n1 demote
tap_is "$RC" 0 "demote of the crashed primary succeeds"
tap_is "$(procs n1)" "" "its stop comes next: demote does not start it as a standby in between"
ra n1 stop
tap_is "$RC" 0 "stop of the crashed primary succeeds: no manual cleanup (PAF #162)"
ra n1 monitor
tap_is "$RC" 9 "a probe still sees the crashed primary"

echo "# election: the most advanced standby, and only it"
notify n2 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n3 OCF_RESKEY_CRM_meta_notify_unpromoted_uname="n2 n3"
notify n3 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n3 OCF_RESKEY_CRM_meta_notify_unpromoted_uname="n2 n3"
l2=$(attr n2 tandem-pgsql-lsn-pgsqld); l3=$(attr n3 tandem-pgsql-lsn-pgsqld)
# TLI:LSN@time, @the primary's end as the standby last saw it when it
# knows, ,PARENT:FORK where its timeline began when not timeline 1, and
# ;r= where its replay is when behind.
value_re='[0-9]+:[0-9A-F]+/[0-9A-F]+@[0-9]+(@[0-9A-F]+/[0-9A-F]+)?(,[0-9]+:[0-9A-F]+/[0-9A-F]+)?(;r=[0-9A-F]+/[0-9A-F]+)?'
tap_like "$l2 $l3" "^$value_re $value_re\$" \
	"both standbys published their LSNs ($l2, $l3)"
tap_ok "n3 holds less WAL than n2" test "${l3%@*}" != "${l2%@*}"
rm "$T/attrs/n2/tandem-pgsql-lsn-pgsqld"
ra n3 promote
tap_is "$RC" 1 "promote refuses when a candidate published nothing"
tap_like "$ERR" 'ocf-exit-reason:n2 published no LSN for this election in time' "reason names the silent candidate"
tap_is "$(sql n3 "SELECT pg_is_in_recovery()")" t "n3 is still a standby"
# n2 given the role never-promote: its monitor says so, its value
# carries it, and the more advanced n2 no longer wins; the record still
# naming it (the primary never dropped it), n3's promote says what to do.
echo never-promote >"$T/attrs/n2/tandem-pgsql-role-pgsqld"
ra n2 monitor
tap_is "$RC/$(attr n2 tandem-pgsql-never-promote-pgsqld)" "0/its role is never-promote (tandem-pgsql-role)" \
	"a never-promote node says so"
notify n2 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n3 OCF_RESKEY_CRM_meta_notify_unpromoted_uname="n2 n3"
tap_like "$(attr n2 tandem-pgsql-lsn-pgsqld)" ';n=1$' "its election value says it may never be promoted"
ra n3 promote
tap_is "$RC" 1 "promote of n3, which lacks n2's WAL the record may hold, refuses"
tap_like "$ERR" 'n2 may never be promoted: clear its tandem-pgsql-role node attribute' "and says what an admin can do"
rm -f "$T/attrs/n2/tandem-pgsql-role-pgsqld" "$T/n2/rsctmp/tandem-pgsql-pgsqld-role"
ra n2 monitor
tap_is "$(attr n2 tandem-pgsql-never-promote-pgsqld)" "" "its role cleared, it may be promoted again"
# n2's value as a node whose clock is 30 s behind n3's stamps it: the
# stamp is never compared (issue 28: the old agent took it for a previous
# election's and refused for want of n2's value).
t2=${l2#*@}; t2=${t2%%[@,;]*}
echo "${l2/@$t2/@$((t2 - 30))}" >"$T/attrs/n2/tandem-pgsql-lsn-pgsqld"
ra n3 promote
tap_is "$RC" 1 "promote of the less advanced standby refuses, n2's clock 30 s behind"
tap_like "$ERR" 'ocf-exit-reason:n2 holds more WAL than this node' "reason names the better node"
tap_is "$(cat "$T/attrs/n2/master-pgsqld")/$(cat "$T/attrs/n3/master-pgsqld")" "1000/-1000000" \
	"scores point Pacemaker at n2"
tap_is "$(sql n3 "SELECT pg_is_in_recovery()")" t "n3 is still a standby"
: >"$T/attrs/calls"
ra n2 promote
tap_is "$RC" 0 "promote n2"
tap_is "$(grep -c -- '--promotion .*--update' "$T/attrs/calls")" 1 \
	"promote writes one score, its own: the others' wait for the first monitor (each a spawn and a transition abort before the VIP starts)"
vip_to n2
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_like "$(attr n2 tandem-pgsql-last-failover-pgsqld)" 'gap [0-9]+ bytes' "failover record names the gap (published by the first monitor)"
tap_is "$(attr n2 tandem-pgsql-received-lsn-pgsqld)$(attr n2 tandem-pgsql-replayed-lsn-pgsqld)" "" \
	"the new primary no longer shows the LSNs it had as a standby"
tap_is "$(sql n2 "SELECT count(*) FROM acked WHERE n <= 300")" 300 "every acknowledged row is on the new primary"
notify n2 post promote OCF_RESKEY_CRM_meta_notify_promote_uname=n2
notify n3 post promote OCF_RESKEY_CRM_meta_notify_promote_uname=n2
# From a detached child: the VIP waits for every node's post-promote.
election_left() { printf '%s' "$(attr n2 tandem-pgsql-lsn-pgsqld)$(attr n3 tandem-pgsql-lsn-pgsqld)" >"$T/election-left"; [ ! -s "$T/election-left" ]; }
tap_wait 5 election_left
tap_result $? "post-promote clears the election's LSNs: a stale one never counts in the next" \
	"still there after 5 s: '$(cat "$T/election-left")'"
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 8 "monitor n2: primary"

echo "# the former primary rejoins"
# As Pacemaker does: the primary hears of each start first (pre-start).
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n1 start OCF_RESKEY_auto_rewind=false
tap_is "$RC" 1 "auto_rewind=false: start refuses to stream from a former primary"
tap_like "$ERR" 'auto_rewind is off, rewind' "reason tells what to do"
# An older rewind's saved WAL, which repair_keep=1 prunes.
install -d -o postgres -m 0700 "$T/n1/data.diverged-20000101T000000Z"
ra n1 start
tap_is "$RC" 0 "start n1: rewound, then a standby"
[ "$RC" = 0 ] || { echo "$ERR"; tail -8 "$T/n1/log"; } | sed 's/^/#   /'
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_like "$(cat "$T/agent.log")" 'its WAL up to segment [0-9A-F]{24} is saved in' "diverged WAL saved aside, and said so"
tap_ok "the saved WAL is there" sh -c "ls -d $T/n1/data.diverged-* >/dev/null 2>&1"
tap_is "$(ls -d "$T"/n1/data.diverged-* | wc -l)/$(ls -d "$T"/n1/data.diverged-2000* 2>/dev/null | wc -l)" 1/0 \
	"the older copy is pruned (repair_keep=1)"
# What n1 committed alone, decoded from that WAL by a child the start
# leaves running (issue 28, item 7): the one transaction of 100 rows,
# writing acked (database/relfilenode).
lost_said() { attr n1 tandem-pgsql-lost-transactions-pgsqld | grep .; }
tap_wait 30 lost_said
rel=$(sql n2 "SELECT d.oid || '/' || pg_relation_filenode('acked') FROM pg_database d WHERE datname = current_database()")
report=$(ls -d "$T"/n1/data.diverged-* | tail -n 1)/lost-transactions.txt
tap_is "$(grep -c "^xid [0-9]* committed .*: .*1663/$rel\b" "$report" 2>&1)" 1 \
	"the report beside the saved WAL lists the transaction n1 committed alone, writing acked ($rel)"
tap_like "$(attr n1 tandem-pgsql-lost-transactions-pgsqld)" "^[0-9]+ transactions? committed on timeline [0-9]+ after [0-9A-F]+/[0-9A-F]+, the first at .*: $report\$" \
	"n1's attribute says how many were lost, when, and where the report is"
# The slots a primary demoted in place keeps (pg_rewind empties
# pg_replslot; a demote does not), and another tool's.
sql n1 "SELECT pg_create_physical_replication_slot('tandem_n3', true), pg_create_physical_replication_slot('barman', true)" >/dev/null
ra n1 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$RC" 0 "monitor n1: standby again"
tap_is "$(sql n1 "SELECT string_agg(slot_name, ',') FROM pg_replication_slots")" barman \
	"its monitor dropped the slot it made as a primary (a standby's holds WAL for nobody, up to max_slot_wal_keep_size), not another tool's"
sql n1 "SELECT pg_drop_replication_slot('barman')" >/dev/null
tap_ok "n1 follows the new timeline" sh -c "for i in \$(seq 50); do [ \"\$(runuser -u postgres -- $BIN/psql -h $T/n1/sock -d postgres -XAtqc 'SELECT count(*) FROM acked WHERE n <= 300')\" = 300 ] && exit 0; sleep 0.1; done; exit 1"
tap_is "$(sql n1 "SELECT count(*) FROM acked WHERE n > 100000")" 0 "the diverged local-only rows are gone from n1's live data"

echo "# standby loss and synchronous replication"
ra n1 stop; ra n3 stop
notify n2 post stop OCF_RESKEY_CRM_meta_notify_stop_uname="n1 n3" OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(sql n2 "SHOW synchronous_standby_names")" "" "sync_mode=on, no standby: asynchronous"
tap_is "$(attr n2 tandem-pgsql-sync-pgsqld)" "async (degraded)" "and says so in an attribute"
tap_is "$(sql n2 "INSERT INTO acked VALUES (400) RETURNING n")" 400 "writes go on"
# Stop deletes a node's own score; the primary forbids it where it is set.
tap_like "$(cat "$T/attrs/n1/master-pgsqld" 2>/dev/null)/$(cat "$T/attrs/n3/master-pgsqld" 2>/dev/null)" \
	'^(-1000000)?/(-1000000)?$' "stopped standbys have no positive score"
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n3 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n3 start
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(sql n2 "SHOW synchronous_standby_names")" 'ANY 1 ("n3")' "a standby back: synchronous again"
score=$(attr n3 master-pgsqld)
notify n3 pre stop OCF_RESKEY_CRM_meta_notify_stop_uname=n3 OCF_RESKEY_CRM_meta_notify_start_uname=n3
ra n3 stop
tap_ok "a stop that Pacemaker follows with a start there (recovery in place) keeps the score ($score)" \
	test -n "$score" -a "$(attr n3 master-pgsqld)" = "$score"
ra n3 start
tap_is "$RC" 0 "and the start after it"
ra n3 stop
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_sync_mode=strict
tap_is "$(sql n2 "SHOW synchronous_standby_names")" 'ANY 1 ("n3")' "sync_mode=strict keeps the names: writes wait"
tap_is "$(attr n2 tandem-pgsql-sync-pgsqld)" "waiting (strict)" "and says so"

echo "# a double failure (PAF #26, #180): the primary lost, its one synchronous standby promoted"
echo "# and acknowledging commits alone, lost too; the old primary comes back alone"
record() { cat "$T/attrs/crm_config/tandem-pgsql-commits-pgsqld" 2>/dev/null; }
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n1 start
notify n2 post start OCF_RESKEY_CRM_meta_notify_start_uname=n1
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$(sql n2 "SHOW synchronous_standby_names")" 'ANY 1 ("n1")' "n2 primary, n1 its one synchronous standby"
tap_is "$(record)" "primary=n2 sync=" "a set grown from none: the commit record (a cluster property) names n2 alone"
for _ in $(seq "$(scaled 30)"); do
	[ "$(record)" = "primary=n2 sync=n1" ] && break
	sleep 0.2
	ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
done
tap_is "$(record)" "primary=n2 sync=n1" "then both, once n1 has flushed the WAL as it stood when the set applied"
echo "# the last synchronous standby goes silent (its node cut: no FIN, no RST)"
# shellcheck disable=SC2046 # one pid per word
kill -STOP $(procs n1)
rm -f "$T/stalled.rc"
(sql n2 "INSERT INTO acked VALUES (450)" >/dev/null; echo $? >"$T/stalled.rc") &
sleep 1
tap_ok "a commit waits for n1, which says nothing" test ! -e "$T/stalled.rc"
notify n3 pre stop OCF_RESKEY_CRM_meta_notify_stop_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
sleep 0.5
tap_ok "a standby's notification of it changes nothing (only the primary's acts)" test ! -e "$T/stalled.rc"
touch "$T/attrs/crm_config.refuse"
notify n2 pre stop OCF_RESKEY_CRM_meta_notify_stop_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
sleep 0.5
tap_ok "the commit record cannot be written (the CIB refuses): the commit still waits" test ! -e "$T/stalled.rc"
tap_is "$(sql n2 "SHOW synchronous_standby_names")" 'ANY 1 ("n1")' "and n1 stays in the synchronous set"
tap_is "$(record)" "primary=n2 sync=n1" "which the record names"
rm -f "$T/attrs/crm_config.refuse"
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
for _ in $(seq "$(scaled 300)"); do [ -e "$T/stalled.rc" ] && break; sleep 0.1; done
tap_is "$(cat "$T/stalled.rc" 2>/dev/null)" 0 "Pacemaker's word that n1 is stopped, the record written, releases it: the commit is acknowledged"
tap_is "$(sql n2 "SHOW synchronous_standby_names")" "" "n1 left the synchronous set"
tap_is "$(record)" "primary=n2 sync=" "and the commit record"
# shellcheck disable=SC2046 # one pid per word
kill -CONT $(procs n1)
# The record names n1 once n1 has flushed the WAL written while it was
# out (a set that grows from none): a few monitors after the set.
for _ in $(seq "$(scaled 100)"); do
	ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
	[ "$(record)" = "primary=n2 sync=n1" ] && break
	sleep 0.3
done
tap_is "$(sql n2 "SHOW synchronous_standby_names")" 'ANY 1 ("n1")' "n1 streams again: back in the set"
tap_is "$(record)" "primary=n2 sync=n1" "and in the record"
# shellcheck disable=SC2046 # one pid per word
kill -9 $(procs n2)
notify n1 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n1 OCF_RESKEY_CRM_meta_notify_unpromoted_uname=n1 \
	OCF_RESKEY_CRM_meta_notify_demote_uname=n2 OCF_RESKEY_CRM_meta_notify_stop_uname=n2
ra n1 promote
tap_is "$RC" 0 "n1, the synchronous standby, is promoted"
tap_is "$(record)" "primary=n1 sync=" "the record names n1 alone before it acknowledges anything"
vip_to n1
ra n1 monitor OCF_RESKEY_CRM_meta_interval=15000
alone=0
for i in $(seq 501 550); do
	sql n1 "INSERT INTO acked VALUES ($i)" >/dev/null && alone=$((alone + 1))
done
tap_is "$alone" 50 "50 commits acknowledged by n1 alone"
# shellcheck disable=SC2046 # one pid per word
kill -9 $(procs n1)
ra n2 stop
# Its node restarted: postmaster.pid names a PID another program now has.
setpriv --reuid=postgres --regid=postgres --clear-groups sleep 600 &   # as postgres, so PostgreSQL cannot tell it from a postmaster
foreign=$!
sed -i "1s/.*/$foreign/" "$T/n2/data/postmaster.pid"
ra n2 start
kill "$foreign"
tap_is "$RC" 0 "n2, the old primary, starts alone as a standby (nothing to follow)"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_like "$(cat "$T/agent.log")" 'removed a stale postmaster.pid: PID [0-9]+ runs no postgres' \
	"its stale postmaster.pid (the PID now another program's) removed, and said"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
ra n2 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$RC" 0 "monitor n2: a standby"
tap_is "$(cat "$T/attrs/n2/master-pgsqld" 2>/dev/null)" -1000000 "n2 gets no promotion score: it cannot show it holds every commit"
tap_like "$(attr n2 tandem-pgsql-refused-pgsqld)" '^n1 was primary with no synchronous standby' "a node attribute says why"
# n3 (stopped since the strict section) comes back too, to no primary,
# unranked: its stop took its score away (n2's monitors, while primary,
# may have set one since).
ra n3 stop
ra n3 start
ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_like "$(attr n3 tandem-pgsql-refused-pgsqld)" '^n1 was primary with no synchronous standby' "n3, back alone too, is refused as well"
notify n2 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n2 OCF_RESKEY_CRM_meta_notify_unpromoted_uname=n2 \
	OCF_RESKEY_CRM_meta_notify_demote_uname=n1 OCF_RESKEY_CRM_meta_notify_stop_uname=n1
ra n2 promote
tap_is "$RC" 1 "promote of n2 refuses"
tap_like "$ERR" 'ocf-exit-reason:not promoting: n1 was primary with no synchronous standby' "in one line that names n1"
tap_is "$(sql n2 "SELECT pg_is_in_recovery()")" t "n2 is still a standby"
echo "# the admin promotes n2 knowingly, as the README says"
env ATTR_DIR="$T/attrs" OCF_RESOURCE_INSTANCE=pgsqld "$T/bin/crm_attribute" --type crm_config \
	--name tandem-pgsql-commits-pgsqld --update primary=n2
ra n2 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$(cat "$T/attrs/n2/master-pgsqld" 2>/dev/null)" 1 "n2 promotable again"
tap_is "$(attr n2 tandem-pgsql-refused-pgsqld)" "" "and the refusal cleared"
notify n2 pre promote OCF_RESKEY_CRM_meta_notify_promote_uname=n2 OCF_RESKEY_CRM_meta_notify_unpromoted_uname=n2 \
	OCF_RESKEY_CRM_meta_notify_demote_uname=n1 OCF_RESKEY_CRM_meta_notify_stop_uname=n1
ra n2 promote
tap_is "$RC" 0 "promote n2"
vip_to n2
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 8 "monitor n2: primary"
echo "# n3, refused while no primary ran, streams from the new one: the primary ranks it now"
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n3 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
tap_ok "n3 streams from n2" tap_wait 30 streams_to n2 n3
ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$(attr n3 tandem-pgsql-refused-pgsqld)" "" \
	"its monitor ends the refusal (kept, it was made again, -INFINITY, whenever n3 stopped streaming)"
ra n3 stop

echo "# every connection slot taken, superuser ones too (CloudNativePG #2420)"
sql n2 "ALTER SYSTEM SET max_connections = 8" >/dev/null
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n2/data" -w -s -m fast restart -o "-c unix_socket_directories=$T/n2/sock" >/dev/null
pid_before=$(head -1 "$T/n2/data/postmaster.pid")
sleepers=()
# Each sleeper tries again until it has its session (the checks below take one for a moment).
for _ in $(seq 8); do
	(until runuser -u postgres -- "$BIN/psql" -h "$T/n2/sock" -d postgres -XAtqc "SELECT pg_sleep(60)" >/dev/null 2>&1; do
		sleep 0.2
	done) &
	sleepers+=($!)
done
full=""
for _ in $(seq "$(scaled 150)"); do
	full=$(sql n2 "SELECT 1")
	grep -q "too many clients\|reserved" <<<"$full" && break
	sleep 0.2
done
tap_like "$full" 'too many clients|reserved' "the primary has no slot left"
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_CRM_meta_timeout=5000
tap_is "$RC" 8 "monitor: a live primary, though it gives the agent no session"
ra n2 monitor
tap_is "$RC" 8 "a probe: the same"
tap_is "$(head -1 "$T/n2/data/postmaster.pid")" "$pid_before" "nothing restarted it: every session lives"
kill "${sleepers[@]}" 2>/dev/null
pkill -f "psql -h $T/n2/sock -d postgres -XAtqc SELECT pg_sleep\(60\)" 2>/dev/null
wait "${sleepers[@]}" 2>/dev/null
# Once a slot is free (the sleepers' sessions end a moment after them):
# each node keeps its own postgresql.auto.conf, through rewinds too.
reset_conns() { sql n2 "ALTER SYSTEM RESET max_connections" >/dev/null; }
tap_ok "max_connections reset on n2" tap_wait 30 reset_conns

echo "# bad input: a code and one clear line"
ra n2 validate-all
tap_is "$RC" 0 "validate-all of a healthy primary's data directory (PostgreSQL $(cat "$T/n2/data/PG_VERSION"))"
ra n3 start OCF_RESKEY_CRM_meta_notify=false
tap_is "$RC" 6 "start of a clone without notify=true: not configured (the election would be skipped)"
tap_like "$ERR" '^ocf-exit-reason:the clone needs notify=true' "reason names notify"
ra n3 promote OCF_RESKEY_CRM_meta_notify=
tap_is "$RC" 6 "promote of a clone without notify: not configured"
ra n3 start OCF_RESKEY_CRM_meta_promoted_max=2
tap_is "$RC" 6 "start of a clone with two promoted instances: not configured"
tap_like "$ERR" 'allows 2 promoted instances' "reason names promoted-max"
tap_is "$(procs n3)" "" "nothing half-done: n3 was not started by a refused start"
# shellcheck disable=SC2016 # the $ is the input
ra n3 start OCF_RESKEY_logfile='/tmp/pg-$(touch /tmp/tandem-pwned).log'
tap_is "$RC" 6 "start with a logfile pg_ctl's shell would act on: not configured"
tap_like "$ERR" "logfile.*character '\\\$' is not allowed" "reason names the parameter and the character"
tap_ok "and nothing ran it" test ! -e /tmp/tandem-pwned
# A pg_control format this build does not know (1900, a future major).
cp "$T/n3/data/global/pg_control" "$T/pg_control.n3"
printf '\x6c\x07\x00\x00' | dd of="$T/n3/data/global/pg_control" bs=1 seek=8 conv=notrunc status=none
ra n3 validate-all
tap_is "$RC" 5 "unknown pg_control format: validate-all refuses, for this node only (its agent is older than the data)"
tap_like "$ERR" 'pg_control version 1900, which this agent does not know' "in one line that names it"
ra n3 monitor
tap_is "$RC" 1 "a probe of a stopped node whose pg_control cannot be read: broken, never stopped"
ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$RC" 1 "a recurring monitor: the same, and never a fatal code"
cp "$T/pg_control.n3" "$T/n3/data/global/pg_control"
if [ "$(cat "$T/n3/data/PG_VERSION")" -ge 17 ]; then
	echo "allow_alter_system = off" >>"$T/n3/data/postgresql.conf"
	ra n3 validate-all
	tap_is "$RC" 5 "allow_alter_system = off (17+): this node's data directory, not installed here (5, never 6)"
	tap_like "$ERR" 'allow_alter_system is off' "reason names it"
	sed -i '/^allow_alter_system/d' "$T/n3/data/postgresql.conf"
fi
ra n3 validate-all
tap_is "$RC" 0 "n3 restored: validate-all passes again"
# pg_control holds wal_log_hints as the server last ran: fresh from initdb,
# off, whatever postgresql.conf says (pcs 0.12 runs validate-all at create).
mkdir -p "$T/n4" && chown postgres:postgres "$T/n4"
nosum=()
[ "$(cat "$T/n3/data/PG_VERSION")" -ge 18 ] && nosum=(--no-data-checksums)   # 18's initdb turns them on
runuser -u postgres -- "$BIN/initdb" -D "$T/n4/data" -U postgres --no-sync "${nosum[@]}" >/dev/null
ra n3 validate-all OCF_RESKEY_pgdata="$T/n4/data"
tap_is "$RC" 5 "auto_rewind with neither wal_log_hints nor checksums: this node's data directory (5, never 6)"
tap_like "$ERR" 'auto_rewind needs wal_log_hints = on or data checksums' "reason says what to set"
echo "wal_log_hints = on" >>"$T/n4/data/postgresql.conf"
ra n3 validate-all OCF_RESKEY_pgdata="$T/n4/data"
tap_is "$RC" 0 "wal_log_hints = on in postgresql.conf of a cluster never started: valid"
ra n2 validate-all OCF_RESKEY_bindir=/nonexistent
tap_is "$RC" 5 "bindir without PostgreSQL: not installed"
tap_like "$ERR" '^ocf-exit-reason:program "/nonexistent/postgres" is missing' "reason names the program"
# Issue 28: a fault of this node no longer hides what runs.
ra n2 monitor OCF_RESKEY_bindir=/nonexistent
tap_is "$RC" 8 "a probe with the programs gone still finds the primary (it said 7, not running)"
ra n2 validate-all OCF_RESKEY_pgdata="$T/bin"
tap_is "$RC" 5 "pgdata that is not a cluster (root's): this node's fault (5, never 6)"
ra n2 validate-all OCF_RESKEY_start_opts='-c x=1; rm -rf /'
tap_is "$RC" 6 "start_opts with a shell character: not configured"
ra n2 validate-all OCF_RESKEY_primary_conninfo="host=x password=$SECRET"
tap_is "$RC" 6 "primary_conninfo with a password: not configured"
tap_like "$ERR" 'invalid value for parameter "primary_conninfo": must not hold a password' "reason does not echo it"
ra n2 validate-all OCF_RESKEY_pgbouncer_admin="host=/run/pgb port=6432 dbname=pgbouncer password=$SECRET"
tap_is "$RC" 6 "pgbouncer_admin with a password: not configured"
tap_like "$ERR" 'invalid value for parameter "pgbouncer_admin": must not hold a password' "reason does not echo it"
tap_ok "the secret is in no line the agent wrote" sh -c "! grep -q -- '$SECRET' '$T/err'"
ra n2 validate-all OCF_RESKEY_pgbouncer_pause_timeout=0
tap_is "$RC" 6 "pgbouncer_pause_timeout below 1 s: not configured"
ra n2 validate-all OCF_RESKEY_primary_conninfo=
tap_is "$RC" 6 "no primary_conninfo: not configured"
ra n2 validate-all OCF_RESKEY_sync_mode=maybe
tap_is "$RC" 6 "sync_mode=maybe: not configured"
ra n2 validate-all OCF_RESKEY_system_user=nobody
tap_is "$RC" 5 "a data directory owned by another user: this node's fault (5, never 6)"
# The field report: a standby's disk replaced by a fresh file system.
mkdir -p "$T/fresh/lost+found"
ra n3 start OCF_RESKEY_pgdata="$T/fresh"
tap_is "$RC" 5 "start on a fresh file system's root (lost+found only, root's): this node only, never 6"
tap_like "$ERR" 'holds only lost.found: use a directory below the mount point' "reason says what to do"
long62=node-$(printf 'a%.0s' $(seq 57))
ra n2 validate-all OCF_RESKEY_CRM_meta_on_node="$long62"
tap_is "$RC" 0 "a node name of 62 bytes: valid"
ra n3 start OCF_RESKEY_CRM_meta_on_node="${long62}bc"
tap_is "$RC" 5 "a node name of 64 bytes: this node only (application_name holds 63)"
tap_like "$ERR" 'is 64 bytes: a standby.s application_name holds 63 at most' "reason says why"
ra n2 frob
tap_is "$RC" 3 "unknown action: unimplemented"

echo "# a standby that cannot follow: down past max_slot_wal_keep_size, the WAL it needs gone (patroni #3641)"
# n2 restarted: max_connections back to its default (reset above).
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n2/data" -w -s -m fast restart -o "-c unix_socket_directories=$T/n2/sock" >/dev/null
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n3 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n3 start
tap_is "$RC" 0 "n3 starts as a standby of n2"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_ok "and streams" tap_wait 30 streams_to n2 n3
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
# Its node down for long (here only its server, stopped behind the agent's
# back), while the primary writes more WAL than the slot may keep.
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n3/data" -w -s -m fast stop
sql n2 "ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'" >/dev/null
sql n2 "ALTER SYSTEM SET wal_keep_size = 0" >/dev/null
sql n2 "SELECT pg_reload_conf()" >/dev/null
for i in $(seq 601 606); do
	# n3 is still named synchronous (the agent was not told): local commits.
	sql n2 "SET synchronous_commit = local; INSERT INTO acked VALUES ($i)" >/dev/null
	sql n2 "SELECT pg_switch_wal()" >/dev/null
	sql n2 "CHECKPOINT" >/dev/null
done
tap_is "$(sql n2 "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'tandem_n3'")" lost \
	"n3's slot is invalidated (wal_status lost)"
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n3/data" -w -s start -l "$T/n3/log" \
	-o "-c unix_socket_directories=$T/n3/sock"
# The monitor asks the primary once the standby has not streamed for 10 s.
cannot_follow() { ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000; [ "$RC" != 0 ]; }
tap_wait 30 cannot_follow
tap_is "$RC" 1 "monitor n3: it runs but cannot follow, and says so (not a healthy standby)"
tap_like "$ERR" 'ocf-exit-reason:this standby cannot follow the primary: .*has already been removed' \
	"in one line, the primary's own words"
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
tap_like "$(sql n2 "SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = 'tandem_n3'")" \
	'^(reserved|extended)$' "the primary drops the invalidated slot and makes it again"
tap_like "$(cat "$T/agent.log")" 'slot tandem_n3 was invalidated .*dropped and made again' "and says so"
# Pacemaker's recovery of a failed unpromoted instance: stop, start.
ra n3 stop
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n3 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n3 start
tap_is "$RC" 0 "start n3 repairs it: cloned again"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_ok "its old data directory is kept aside (repair_keep=1)" sh -c "ls -d $T/n3/data.repaired-* >/dev/null 2>&1"
tap_like "$(attr n3 tandem-pgsql-repair-pgsqld)" '^[0-9-]+T[0-9:]+Z cloned again: .*already been removed' \
	"a node attribute says when, what and why"
tap_ok "n3 streams again" tap_wait 30 streams_to n2 n3
tap_is "$(sql n3 "SELECT count(*) FROM acked WHERE n BETWEEN 601 AND 606")" 6 "and holds every commit made while it was away"
ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$RC" 0 "monitor n3: a healthy standby"
echo "# the same again with repair_keep=0: the data directory emptied (as system_user, never root) and cloned in place"
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n3/data" -w -s -m fast stop
for i in $(seq 607 612); do
	sql n2 "SET synchronous_commit = local; INSERT INTO acked VALUES ($i)" >/dev/null
	sql n2 "SELECT pg_switch_wal()" >/dev/null
	sql n2 "CHECKPOINT" >/dev/null
done
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n3/data" -w -s start -l "$T/n3/log" \
	-o "-c unix_socket_directories=$T/n3/sock"
tap_ok "n3 cannot follow again" tap_wait 30 cannot_follow
ra n2 monitor OCF_RESKEY_CRM_meta_interval=15000
ra n3 stop
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n3 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
inode=$(stat -c %i "$T/n3/data")
ra n3 start OCF_RESKEY_repair_keep=0
tap_is "$RC" 0 "start n3 with repair_keep=0 repairs it"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_is "$(stat -c %i "$T/n3/data")/$(find "$T/n3" -maxdepth 1 -name 'data.repaired-*' | wc -l)" "$inode/1" \
	"in the same directory, emptied; nothing more set aside"
tap_like "$(cat "$T/agent.log")" 'emptied \(repair_keep=0\), cloning again' "and says so"
tap_ok "n3 streams again" tap_wait 30 streams_to n2 n3
tap_is "$(sql n3 "SELECT count(*) FROM acked WHERE n BETWEEN 607 AND 612")" 6 "and holds every commit made while it was away"

# The primary's slots keep WAL again as the agent set it: with 32MB,
# n1's slot, valid when n1's start is announced, could be invalidated by
# the checkpoint of n1's own clone (no primary monitor here to make it
# again).  wal_keep_size stays 0 (n1 inherits it below).
sql n2 "ALTER SYSTEM SET max_slot_wal_keep_size = '4GB'" >/dev/null
sql n2 "SELECT pg_reload_conf()" >/dev/null
echo "# a standby past the fork: it replayed WAL the new primary never had (the election did not wait for it)"
# n1, the crashed primary of the double failure, cloned again (as the
# README says of a node whose commits were abandoned) as n2's standby.
ra n1 stop
rm -rf "$T/n1/data"
notify n2 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n2
ra n1 start
tap_is "$RC" 0 "n1, emptied, is cloned again as a standby of n2"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_ok "and streams" tap_wait 30 streams_to n2 n1
streams_to n2 n1 >/dev/null ||
	{ sql n2 "SELECT slot_name, wal_status, restart_lsn, pg_current_wal_lsn() FROM pg_replication_slots"; tail -20 "$T/n1/log"; tail -10 "$T/n2/log"; tail -10 "$T/agent.log"; } | sed 's/^/#   /'
ra n1 stop
# n3 alone receives more; n2 is lost; n1 is promoted behind the agent's
# back, as if the election had not waited for n3.
for i in $(seq 701 705); do sql n2 "SET synchronous_commit = local; INSERT INTO acked VALUES ($i)" >/dev/null; done
replayed_all() { [ "$(sql n3 "SELECT count(*) FROM acked WHERE n BETWEEN 701 AND 705")" = 5 ]; }
tap_ok "n3 replayed 5 commits n1 never got" tap_wait 30 replayed_all
# shellcheck disable=SC2046 # one pid per word
kill -9 $(procs n2)
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n1/data" -w -s start -l "$T/n1/log" -o "-c unix_socket_directories=$T/n1/sock"
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n1/data" -w -s promote
# As the agent's promote does: pg_rewind reads the new timeline from the
# source's pg_control, which only a checkpoint writes.  It also recycles
# the WAL from before the fork (n1's wal_keep_size is 0, cloned from n2):
# PostgreSQL 13's pg_rewind then removes n3's copy too, which the agent
# puts back (restore_common_wal).
sql n1 "CHECKPOINT" >/dev/null
vip_to n1
sql n1 "SET synchronous_commit = local; INSERT INTO acked VALUES (801)" >/dev/null   # its synchronous names are n2's, cloned
forked() { ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000; [ "$RC" != 0 ]; }
tap_wait 40 forked
tap_is "$RC" 1 "monitor n3: past the new primary's fork it cannot follow, and says so"
tap_like "$ERR" "ocf-exit-reason:this standby cannot follow the primary: this node replayed WAL to [0-9A-F/]+ on timeline [0-9]+, past [0-9A-F/]+ where the primary's history leaves it" \
	"in one line: where its replay is, where the primary's history forked (its TIMELINE_HISTORY)"
said=$ERR
ra n3 monitor OCF_RESKEY_CRM_meta_interval=16000
tap_is "$RC/$(head -n 1 <<<"$ERR")" "1/$(head -n 1 <<<"$said")" \
	"the next monitor says the same until the restart: never back to success in between (each new failure counts towards migration-threshold)"
# A setting of n3's own (ALTER SYSTEM on n3: as a delayed standby's
# recovery_min_apply_delay), which pg_rewind would replace with n1's file.
sql n3 "ALTER SYSTEM SET work_mem = '7777kB'" >/dev/null
ra n3 stop
notify n1 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n3 OCF_RESKEY_CRM_meta_notify_promoted_uname=n1
ra n3 start
tap_is "$RC" 0 "start n3 repairs it: rewound (pg_rewind), not cloned"
[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
tap_is "$(sql n3 "SHOW work_mem")/$(sql n1 "SHOW work_mem")" "7777kB/4MB" \
	"n3 keeps its own settings (postgresql.auto.conf), not n1's that pg_rewind copied"
tap_like "$(attr n3 tandem-pgsql-repair-pgsqld)" '^[0-9-]+T[0-9:]+Z rewound: ' "the node attribute says it was rewound, when and why"
tap_ok "n3 streams from n1" tap_wait 30 streams_to n1 n3
has_801() { [ "$(sql n3 "SELECT count(*) FROM acked WHERE n = 801")" = 1 ]; }
tap_ok "and holds what n1 committed" tap_wait 30 has_801
tap_is "$(sql n3 "SELECT count(*) FROM acked WHERE n BETWEEN 701 AND 705")" 0 "and no longer what n1 never had"

echo "# a WAL archive (pgBackRest): a former primary whose WAL from before the fork was recycled rejoins through it"
if command -v pgbackrest >/dev/null; then
	archive_setup n1 n3
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n1/data" -w -s -m fast restart -o "-c unix_socket_directories=$T/n1/sock" >/dev/null
	out=$(pgbackrest_as n1 stanza-create) || echo "$out" | sed 's/^/#   /'
	tap_ok "pgbackrest check passes on the primary n1 (archive_command works)" pgbackrest_as n1 check
	tap_ok "n3 streams from n1" tap_wait 30 streams_to n1 n3
	ra n3 stop
	# n1 goes on alone and recycles the WAL from before the fork: no slot
	# or wal_keep_size holds it, and every segment is archived first.
	sql n1 "ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'" >/dev/null
	sql n1 "ALTER SYSTEM SET wal_keep_size = 0" >/dev/null
	sql n1 "SELECT pg_reload_conf()" >/dev/null
	fork_seg=$(runuser -u postgres -- "$BIN/pg_controldata" -D "$T/n3/data" | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
	for i in $(seq 901 906); do
		sql n1 "SET synchronous_commit = local; INSERT INTO acked VALUES ($i)" >/dev/null
		sql n1 "SELECT pg_switch_wal()" >/dev/null
		sql n1 "CHECKPOINT" >/dev/null
	done
	oldest=$(sql n1 "SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'")
	tap_ok "n1 no longer holds segment $fork_seg, where n3 left it (its oldest: $oldest)" test "${fork_seg:8}" \< "${oldest:8}"
	# PostgreSQL removes a segment only once archive_command took it: it is in the repository.
	archived() { ls "$T"/repo/archive/tandem/*/*/"$fork_seg"* >/dev/null 2>&1; }
	tap_ok "and the archive holds it" archived
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(procs n1)
	# n3 promoted: the fork.  n1 comes back, a former primary whose WAL
	# from the last common checkpoint on is only in the archive.
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n3/data" -w -s start -l "$T/n3/log" -o "-c unix_socket_directories=$T/n3/sock"
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/n3/data" -w -s promote
	# As the agent's promote does: pg_rewind reads the new timeline from pg_control.
	sql n3 "CHECKPOINT" >/dev/null
	vip_to n3
	sql n3 "SET synchronous_commit = local; INSERT INTO acked VALUES (950)" >/dev/null
	notify n3 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n1 OCF_RESKEY_CRM_meta_notify_promoted_uname=n3
	ra n1 start
	tap_is "$RC" 0 "start n1: rewound with the WAL it lacked fetched from the archive (pg_rewind --restore-target-wal)"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	tap_like "$(cat "$T/agent.log")" 'rewound .* fetched from the archive \(restore_command\)' "and says so"
	tap_ok "n1 streams from n3" tap_wait 30 streams_to n3 n1
	has_950() { [ "$(sql n1 "SELECT count(*) FROM acked WHERE n = 950")" = 1 ]; }
	tap_ok "and holds what n3 committed" tap_wait 30 has_950
	tli3=$(sql n3 "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")
	history_archived() { ls "$T"/repo/archive/tandem/*/"$tli3".history* >/dev/null 2>&1; }
	tap_ok "the new timeline's history ($tli3.history) is in the archive" tap_wait 30 history_archived
	# n1's own settings for this section go (a rewind keeps them now).
	sql n1 "ALTER SYSTEM RESET max_slot_wal_keep_size" >/dev/null
	sql n1 "ALTER SYSTEM RESET wal_keep_size" >/dev/null
	sql n1 "SELECT pg_reload_conf()" >/dev/null
	echo "# a node restored from the repository (pgbackrest_stanza), not copied from the primary"
	out=$(pgbackrest_as n3 backup --type=full) || echo "$out" | sed 's/^/#   /'
	tap_like "$(runuser -u postgres -- pgbackrest --config="$T/pgbackrest.conf" --stanza=tandem info 2>&1)" 'full backup' \
		"a full backup of n3 is in the repository"
	ra n2 stop
	rm -rf "$T/n2/data"
	notify n3 pre start OCF_RESKEY_CRM_meta_notify_start_uname=n2 OCF_RESKEY_CRM_meta_notify_promoted_uname=n3
	ra n2 start OCF_RESKEY_pgbackrest_stanza=tandem PGBACKREST_CONFIG="$T/pgbackrest.conf"
	tap_is "$RC" 0 "start n2, emptied, with pgbackrest_stanza: restored from the repository"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	tap_like "$(cat "$T/agent.log")" 'is empty: restoring it from pgBackRest stanza tandem' "and says so"
	tap_ok "n2 has the restore_command pgbackrest wrote" grep -q "^restore_command = .*archive-get" "$T/n2/data/postgresql.auto.conf"
	tap_ok "n2 streams from n3" tap_wait 60 streams_to n3 n2
	has_950_n2() { [ "$(sql n2 "SELECT count(*) FROM acked WHERE n = 950")" = 1 ]; }
	tap_ok "and holds what n3 committed" tap_wait 30 has_950_n2
	ra n2 monitor OCF_RESKEY_CRM_meta_interval=16000 OCF_RESKEY_pgbackrest_stanza=tandem
	tap_is "$RC" 0 "monitor n2: a healthy standby"
	ra n2 validate-all OCF_RESKEY_pgbackrest_stanza=tandem TANDEM_PGBACKREST=/nonexistent/pgbackrest
	tap_is "$RC" 5 "validate-all: pgbackrest_stanza set and the program missing: not installed (5)"
	ra n2 validate-all "OCF_RESKEY_pgbackrest_stanza=a/../b"
	tap_is "$RC" 6 "validate-all: a stanza name with '/': a bad configuration (6)"
else
	tap_skip "pgbackrest is not installed (tests/deps.sh installs it)"
fi
echo "# a primary fenced in its shutdown checkpoint (a demote cut short by fencing), its standby promoted"
# CI's chaos run: pg_control then says "shutting down", neither shut down
# nor in production.  P is the primary of the moment, S its standby.
if command -v pgbackrest >/dev/null; then P=n3 S=n1; else P=n1 S=n3; fi
if command -v strace >/dev/null; then
	# P is cut off from S: S promoted, P commits on alone (diverged WAL).
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$S/data" -w -s promote
	sql "$S" "CHECKPOINT" >/dev/null
	sql "$S" "SET synchronous_commit = local; INSERT INTO acked VALUES (1001)" >/dev/null
	# No checkpoint of P's own under way when its disk turns slow: the
	# shutdown checkpoint would wait for it.
	sql "$P" "CHECKPOINT" >/dev/null
	sql "$P" "SET synchronous_commit = local; INSERT INTO acked SELECT generate_series(300001, 302000)" >/dev/null
	# A slow disk: each write of P's checkpointer to that table takes half
	# a second (stretched for a loaded machine: tests/lib/wait.sh), so its
	# shutdown checkpoint (pg_control "shutting down" first, then the dirty
	# pages, then the checkpoint record) lasts long enough to be cut.  Its other writes are not slowed: with archiving,
	# the segment switch before the checkpoint is written page by page.
	ckpt=""
	for p in $(procs "$P"); do tr '\0' ' ' <"/proc/$p/cmdline" | grep -q checkpointer && ckpt=$p; done
	strace -qq -o /dev/null -p "$ckpt" -P "$T/$P/data/$(sql "$P" "SELECT pg_relation_filepath('acked')")" \
		-e trace=pwrite64,pwritev,pwritev2 -e inject=pwrite64,pwritev,pwritev2:delay_enter=$((500000 * TANDEM_WAIT_SCALE)) &
	tracer=$!
	traced() { [ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$ckpt/status")" = "$tracer" ]; }
	tap_ok "P's checkpointer ($ckpt) is slowed by strace" tap_wait 10 traced
	# Its processes, read now: the cut must follow the reading at once.
	pids=$(procs "$P")
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$P/data" -s -W -m fast stop
	# DBState at byte 16 of pg_control: 3 is DB_SHUTDOWNING (catalog/pg_control.h).
	states=""
	for _ in $(seq "$(scaled 1200)"); do
		st=$(od -An -tu4 -j16 -N4 "$T/$P/data/global/pg_control" | tr -d ' ')
		[ "${states##* }" = "$st" ] || states="$states $st"
		[ "$st" = 3 ] && break
		sleep 0.05
	done
	# The power cut: every process of P dies at once.
	# shellcheck disable=SC2086,SC2046 # one pid per word
	kill -9 $pids $(procs "$P") "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
	tap_like "$(runuser -u postgres -- "$BIN/pg_controldata" -D "$T/$P/data" | grep '^Database cluster state')" \
		'shutting down$' "P died in its shutdown checkpoint: pg_control says \"shutting down\" (states read:$states)"
	ra "$P" monitor
	tap_is "$RC" 9 "a probe of P: a crashed primary (9), as one fenced in production"
	tap_like "$ERR" 'primary is down \(pg_control: shutting down, postmaster gone\)' "reason says so"
	vip_to "$S"
	notify "$S" pre start OCF_RESKEY_CRM_meta_notify_start_uname="$P" OCF_RESKEY_CRM_meta_notify_promoted_uname="$S"
	ra "$P" start
	tap_is "$RC" 0 "start P: crash recovery, rewound, a standby of S, in one start"
	[ "$RC" = 0 ] || { echo "$ERR"; tail -5 "$T/$P/log"; } | sed 's/^/#   /'
	tap_like "$(cat "$T/agent.log")" 'former primary stopped uncleanly \(pg_control: shutting down\): completing its crash recovery' \
		"it says why it recovers first"
	tap_ok "P streams from S" tap_wait 30 streams_to "$S" "$P"
	has_1001() { [ "$(sql "$P" "SELECT count(*) FROM acked WHERE n = 1001")" = 1 ]; }
	tap_ok "and holds what S committed" tap_wait 30 has_1001
	tap_is "$(sql "$P" "SELECT count(*) FROM acked WHERE n > 300000")" 0 "and no longer what only it had"
else
	tap_skip "strace is not installed (tests/deps.sh installs it)"
fi

echo "# a standby promoted with its own copy of an older timeline's archived segment in pg_wal: archiving goes on"
# What a crashed primary leaves of the segment it was writing (never
# complete, so never .ready), or a copy pg_rewind made: an older timeline's
# segment PostgreSQL marked neither way.  The archive holds that name with
# other bytes after the switch point.  Once promoted, the node's first
# checkpoint would queue its copy; pgBackRest refuses it (a different
# checksum) for ever, and every later segment waits behind it (CI's
# timeline_fork, Debian 13).  P is S's standby here, as above.
if command -v pgbackrest >/dev/null && command -v strace >/dev/null; then
	copy=$T/pgbr/$fork_seg
	rm -f "$T/$P/data/pg_wal/$fork_seg" "$T/$P/data/pg_wal/archive_status/$fork_seg".*
	out=$(runuser -u postgres -- pgbackrest --config="$T/pgbackrest.conf" --stanza=tandem --pg1-path="$T/$P/data" \
		archive-get "$fork_seg" "$copy" 2>&1) || echo "$out" | sed 's/^/#   /'
	# Its last byte changed: another node's tail of the same segment.
	printf '\001' | dd of="$copy" bs=1 seek=$(($(stat -c %s "$copy") - 1)) conv=notrunc status=none
	install -o postgres -g postgres -m 600 "$copy" "$T/$P/data/pg_wal/$fork_seg"
	tli_s=$(sql "$S" "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")
	unmarked_older() { [[ ${fork_seg:0:8} < $tli_s ]] && cmp -s "$copy" "$T/$P/data/pg_wal/$fork_seg" && ! ls "$T/$P/data/pg_wal/archive_status/$fork_seg".* 2>/dev/null; }
	tap_ok "$P's pg_wal holds $fork_seg, of a timeline older than S's ($tli_s), marked neither way" unmarked_older
	# S lost: P promoted by the agent.
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(procs "$S")
	notify "$P" pre promote OCF_RESKEY_CRM_meta_notify_promote_uname="$P" OCF_RESKEY_CRM_meta_notify_unpromoted_uname="$P"
	ra "$P" promote
	tap_is "$RC" 0 "promote $P"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	# Marked .done; promote's checkpoint may since have removed it with
	# its mark.  Never .ready: never sent.
	marked() {
		local w=$T/$P/data/pg_wal
		[ ! -e "$w/archive_status/$fork_seg.ready" ] && { [ -e "$w/archive_status/$fork_seg.done" ] || [ ! -e "$w/$fork_seg" ]; }
	}
	tap_ok "promote marked it archived first" marked
	tap_like "$(cat "$T/agent.log")" "marked [0-9]+ segment\\(s\\) of older timelines archived" "and says so"
	vip_to "$P"
	sql "$P" "CHECKPOINT" >/dev/null
	out=$(pgbackrest_as "$P" check --archive-timeout="$(scaled 30)")
	tap_result $? "pgbackrest check passes on the new primary $P: the archiver is not stuck on $fork_seg" "$(tail -n 2 <<<"$out")"
	tap_is "$(sql "$P" "SELECT CASE WHEN last_failed_time > pg_postmaster_start_time() THEN last_failed_wal ELSE 'none' END FROM pg_stat_archiver")" none \
		"and nothing failed to archive since $P started"
else
	tap_skip "pgbackrest or strace is not installed (tests/deps.sh installs them)"
fi
echo "# a standby shut down past a newer timeline's fork, no primary answering: started on its own timeline"
# CI's Debian 13 timeline_fork: a former primary's failed promote was
# recovered (stop, start) before the new primary answered; PostgreSQL
# refused the newest timeline (its history from the archive: "requested
# timeline ... does not contain minimum recovery point"), the start
# failed, and a failed start kept the node out for good.  P is the
# primary on the newest timeline here, S the crashed former primary.
if command -v pgbackrest >/dev/null && command -v strace >/dev/null; then
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$P/data" -w -s -m fast stop
	# S commits once more on its own timeline, past P's fork, and dies.
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$S/data" -w -s start -l "$T/$S/log" -o "-c unix_socket_directories=$T/$S/sock"
	sql "$S" "SET synchronous_commit = local; INSERT INTO acked VALUES (1101)" >/dev/null
	# A checkpoint past the fork: the restartpoint of S's shutdown as a
	# standby makes it the minimum recovery point (PostgreSQL 17 takes the
	# end of crash recovery already).
	sql "$S" "CHECKPOINT" >/dev/null
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(procs "$S")
	# P's timeline history, as the archive's restore_command hands it
	# over: PostgreSQL takes the newest timeline it finds.
	tli_p=$(printf '%08X' "$(runuser -u postgres -- "$BIN/pg_controldata" -D "$T/$P/data" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")")
	install -o postgres -g postgres -m 600 "$T/$P/data/pg_wal/$tli_p.history" "$T/$S/data/pg_wal/"
	ra "$S" start
	tap_is "$RC" 0 "start S, no primary answering: a standby on its own timeline (PostgreSQL refuses the newest)"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	ra "$S" stop
	tap_like "$(runuser -u postgres -- "$BIN/pg_controldata" -D "$T/$S/data" | grep '^Database cluster state')" \
		'shut down in recovery$' "S stopped: shut down in recovery, past P's fork"
	ra "$S" start
	tap_is "$RC" 0 "start S again, no primary answering: on its own timeline (PostgreSQL refuses the newest, archived)"
	[ "$RC" = 0 ] || { echo "$ERR"; grep -v "P00  ERROR\|HINT: is the" "$T/$S/log" | tail -60; tail -15 "$T/agent.log"; } | sed 's/^/#   /'
	tap_like "$(cat "$T/agent.log")" "starting on this node's own timeline [0-9]+, until a primary runs" "and says so"
	tap_is "$(sql "$S" "SELECT pg_is_in_recovery()")" t "S accepts no write"
	# P answers again: S's restart rewinds it onto P's timeline.
	runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$P/data" -w -s start -l "$T/$P/log" -o "-c unix_socket_directories=$T/$P/sock"
	ra "$S" stop
	notify "$P" pre start OCF_RESKEY_CRM_meta_notify_start_uname="$S" OCF_RESKEY_CRM_meta_notify_promoted_uname="$P"
	ra "$S" start
	tap_is "$RC" 0 "once P answers, start S: rewound onto P's timeline"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	tap_ok "S streams from P" tap_wait 30 streams_to "$P" "$S"
else
	tap_skip "pgbackrest or strace is not installed (tests/deps.sh installs them)"
fi
echo "# a tie goes to the standby whose replay is level: the other's replay waits on a query conflict"
# Issue 28: both hold the lost primary's last byte; Pacemaker chose S,
# whose replay waits behind a standby query (max_standby_streaming_delay
# -1: for as long as the query runs).  Its promotion would wait too.
if command -v pgbackrest >/dev/null && command -v strace >/dev/null; then
	X=n2
	ra "$X" stop
	rm -rf "${T:?}/$X/data"
	notify "$P" pre start OCF_RESKEY_CRM_meta_notify_start_uname="$X" OCF_RESKEY_CRM_meta_notify_promoted_uname="$P"
	ra "$X" start
	tap_is "$RC" 0 "$X is cloned again, a standby of $P"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	tap_ok "and streams" tap_wait 30 streams_to "$P" "$X"
	# The primary's monitors: both in the set, then in the record (once
	# they have flushed the WAL as it stood when the set applied).
	recorded() {
		ra "$P" monitor OCF_RESKEY_CRM_meta_interval=15000
		echo "commit record: '$(record)'"
		[[ $(record) =~ ^primary=$P\ sync=($S,$X|$X,$S)$ ]]
	}
	tap_ok "$P's commit record names $S and $X" tap_wait 30 recorded
	sql "$S" "ALTER SYSTEM SET max_standby_streaming_delay = -1" >/dev/null
	sql "$S" "SELECT pg_reload_conf()" >/dev/null
	sql "$P" "CREATE TABLE tie AS SELECT generate_series(1, 1000) AS n" >/dev/null
	tie_there() { [ "$(sql "$S" "SELECT count(*) FROM tie")" = 1000 ]; }
	tap_wait 30 tie_there
	# A reporting query on S holds its snapshot; the primary's VACUUM then
	# removes rows that snapshot still sees.
	mkfifo "$T/hold"
	runuser -u postgres -- "$BIN/psql" -h "$T/$S/sock" -d postgres -XAtq -f "$T/hold" >/dev/null 2>&1 &
	holder=$!
	exec 7<>"$T/hold"   # read-write: never blocks, even if psql is gone
	echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM tie;" >&7
	holding() { [ "$(sql "$S" "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND backend_xmin IS NOT NULL")" = 1 ]; }
	tap_wait 30 holding
	sql "$P" "SET synchronous_commit = local; DELETE FROM tie" >/dev/null
	sql "$P" "VACUUM tie" >/dev/null   # alone: never in a transaction block
	sql "$P" "SET synchronous_commit = local; INSERT INTO acked VALUES (1201)" >/dev/null
	pg_on "$P" stop -m fast
	# Both received the primary's end (its shutdown checkpoint); X
	# replayed it, S did not.
	received() { sql "$1" "SELECT pg_last_wal_receive_lsn()"; }
	tied_up() {
		local s x
		s=$(received "$S") x=$(received "$X")
		echo "S received $s, X received $x, X replayed $(sql "$X" "SELECT pg_last_wal_replay_lsn()"), S replayed $(sql "$S" "SELECT pg_last_wal_replay_lsn()")"
		[ -n "$s" ] && [ "$s" = "$x" ] && [ "$(sql "$X" "SELECT pg_last_wal_replay_lsn() = '$x'")" = t ] &&
			[ "$(sql "$S" "SELECT pg_last_wal_replay_lsn() < '$s'")" = t ]
	}
	tap_ok "$S and $X received the same WAL; $X replayed it, $S waits on the query" tap_wait 30 tied_up
	for n in "$S" "$X"; do
		notify "$n" pre promote OCF_RESKEY_CRM_meta_notify_promote_uname="$S" \
			OCF_RESKEY_CRM_meta_notify_unpromoted_uname="$S $X"
	done
	tap_like "$(attr "$S" tandem-pgsql-lsn-pgsqld)" ';r=[0-9A-F]+/[0-9A-F]+$' "$S published where its replay waits"
	ra "$S" promote
	tap_is "$RC" 1 "promote $S, chosen by Pacemaker: refused, $X has replayed it all"
	tap_like "$ERR" "ocf-exit-reason:$X holds as much WAL as this node .* and has replayed it all, this node only to " \
		"in one line that says so"
	tap_is "$(attr "$X" master-pgsqld)/$(attr "$S" master-pgsqld)" 1000/999 \
		"$X is made Pacemaker's choice, $S the second (not forbidden: it may still be promoted)"
	tap_is "$(sql "$S" "SELECT pg_is_in_recovery()")" t "$S is still a standby"
	ra "$X" promote
	tap_is "$RC" 0 "promote $X"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	tap_is "$(sql "$X" "SELECT count(*) FROM acked WHERE n = 1201")" 1 "$X holds the last commit"
	exec 7>&-
	wait "$holder"

	echo "# a clone cut short (its node lost power mid-clone): the next start clones it again"
	# Issue 30: the partial directory never started, and validate refused
	# it for good ("no PG_VERSION: an interrupted clone?").  Every write of
	# the agent and its pg_basebackup is slowed, so the power cut finds
	# the clone under way.
	vip_to "$X"
	rm -rf "${T:?}/$P/data"
	notify "$X" pre start OCF_RESKEY_CRM_meta_notify_start_uname="$P" OCF_RESKEY_CRM_meta_notify_promoted_uname="$X"
	VALGRIND="strace -f -qq -o /dev/null -e trace=write -e inject=write:delay_enter=20000" ra "$P" start 2>/dev/null &
	cloning=$!
	clone_begun() { [ -e "$T/$P/data/backup_label" ] && [ ! -e "$T/$P/data/global/pg_control" ]; }
	tap_ok "$P is cloning: backup_label written, global/pg_control not yet" tap_wait 30 clone_begun
	# The power cut: the tracer, the agent, its pg_basebackup (and WAL
	# streamer), in one kill: the tracer gone first would let it finish.
	# This start's own processes only, found from its job: another test
	# run beside this one (the version matrix's lanes) has its agents and
	# tracers of the same command line.
	tree() { local c; for c in $(pgrep -P "$1"); do echo "$c"; tree "$c"; done; }
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(tree "$cloning")
	wait "$cloning"
	tap_ok "the clone was cut short" clone_begun
	ra "$P" monitor
	tap_is "$RC" 7 "a probe of $P: not running (nothing there ever ran)"
	ra "$P" validate-all
	tap_is "$RC" 0 "validate-all: valid (start clones it again)"
	# An older copy set aside (an earlier repair's) stays: the half-clone
	# holds nothing to keep, and setting it aside would prune that copy.
	aside=$(ls -d "$T/$P"/data.repaired-* 2>/dev/null)
	inode=$(stat -c %i "$T/$P/data")
	ra "$P" start
	tap_is "$RC" 0 "start $P: cloned again"
	[ "$RC" = 0 ] || echo "$ERR" | sed 's/^/#   /'
	tap_like "$(attr "$P" tandem-pgsql-repair-pgsqld)" '^[0-9-]+T[0-9:]+Z cloned again: a clone cut short' \
		"a node attribute says when and why"
	tap_is "$(stat -c %i "$T/$P/data")|$(ls -d "$T/$P"/data.repaired-* 2>/dev/null)" "$inode|$aside" \
		"emptied in place, nothing set aside, nothing set aside before pruned (repair_keep=1)"
	tap_ok "$P streams from $X" tap_wait 30 streams_to "$X" "$P"
	tap_is "$(sql "$P" "SELECT count(*) FROM acked WHERE n = 1201")" 1 "and holds the last commit"
else
	tap_skip "pgbackrest or strace is not installed (tests/deps.sh installs them)"
fi
tap_ok "the replication password is in no log" sh -c "! grep -q '$SECRET' $T/agent.log $T/n*/log"

tap_done
