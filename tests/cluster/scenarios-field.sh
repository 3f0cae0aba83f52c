# scenarios-field.sh --- faults as they happen in the field (issue #16), sourced by scenarios.sh
# shellcheck shell=bash
#
# Each is a scenario_<name> of the failure matrix, with its helpers and
# checks there (primary, attr, client_*, watch_*, verify, healthy).  Every
# node loss is a power cut as it really happens: the link goes dark, then
# every process dies (fence_tandem_ns off).

# others OF: the nodes other than OF, one per line.
others() { local n; for n in "${CL_NODES[@]}"; do [ "$n" != "$1" ] && echo "$n"; done; }

# commit_record NODE: the cluster property the primary keeps (pgsql's commit record).
commit_record() {
	node_exec "$1" crm_attribute --type crm_config --name tandem-pgsql-commits-pgsqld --query --quiet 2>/dev/null
}

# READs for wait_for (tests/lib/wait.sh): each prints what it saw.
read_primary_is() { local p; p=$(primary "$2"); echo "primary: [${p}] (want $1)"; [ "$p" = "$1" ]; }
read_refused() { local v; v=$(attr "$1" tandem-pgsql-refused-pgsqld); echo "tandem-pgsql-refused-pgsqld on $1: '$v'"; [ -n "$v" ]; }
read_acked_beyond() { local a; a=$(acked_now); echo "acknowledged so far: $a (want more than $1)"; [ "$a" -gt "$1" ]; }
read_sync_names() {
	local v
	v=$(sqlon "$1" "SHOW synchronous_standby_names" postgres)
	echo "synchronous_standby_names on $1: '$v' (want '$2')"
	[ "$v" = "$2" ]
}

# The witness layout of the README: one node never runs PostgreSQL.
witness_on() { # witness_on PRIMARY WITNESS
	node_exec "$1" pcs resource ban pgsqld-clone "$2" >/dev/null 2>&1
	wait_for 120 "witness: $2 left the synchronous set" read_sync_names "$1" "ANY 1 (\"$3\")"
}
# witness_off ON WITNESS: the ban lifted, from ON (a node in the cluster:
# one that has just booted may not have joined yet, and pcs would fail there).
read_unbanned() {
	local c
	c=$(node_exec "$1" cibadmin -Q -o constraints 2>/dev/null | grep -c "cli-ban-pgsqld-clone-on-$2\"")
	echo "ban constraints of pgsqld-clone on $2: $c"
	[ "$c" = 0 ]
}
witness_off() {
	node_exec "$1" pcs resource clear pgsqld-clone "$2" >/dev/null 2>&1
	wait_for 60 "witness: the ban of $2 lifted" read_unbanned "$1" "$2" ||
		{ node_exec "$1" pcs resource clear pgsqld-clone "$2" >/dev/null 2>&1; read_unbanned "$1" "$2"; }
}

# witness_layout NAME SECONDS: the start of scenario NAME in the witness
# layout (one node banned from the database, the primary's one synchronous
# standby), the client committing for SECONDS and the watch on.  Sets P
# (the primary), S (its standby) and W (the witness).
witness_layout() {
	P=$(the_primary)
	read -r S W < <(others "$P" | tr '\n' ' ')
	witness_on "$P" "$W" "$S"
	tap_result $? "$1: $W is a witness, $S the one synchronous standby of $P"
	client_start "$2"
	watch_start
	sleep 3
}

scenario_last_standby_cut() { # the primary's one standby cut, link first: commits stall only until Pacemaker says it is lost
	local p s w a0
	witness_layout last_standby_cut 40
	p=$P s=$S w=$W
	a0=$(acked_now)
	say "cut of $s, the last synchronous standby (link first)"
	node_poweroff "$s"
	# PostgreSQL alone would hold every commit for wal_sender_timeout
	# (60 s): the client commits for 40 s in all.
	wait_for 45 "last_standby_cut: commits after the cut" read_acked_beyond "$((a0 + 50))"
	tap_result $? "last_standby_cut: commits go on once Pacemaker has declared $s lost"
	# The record is written before the primary stops waiting: read once,
	# now.  The state shown is published after: waited for.
	tap_is "$(commit_record "$p")" "primary=$p sync=" "last_standby_cut: the commit record names $p alone"
	wait_for 10 "last_standby_cut: $p shows replication asynchronous" read_sync "$p" "async (degraded)"
	tap_result $? "last_standby_cut: the primary says replication is asynchronous"
	client_wait
	node_boot "$s"
	witness_off "$p" "$w"
	watch_stop
	verify last_standby_cut "$p" same no
}

scenario_double_failure() { # primary cut, its standby promoted and writing alone, cut too; the old primary back alone with a witness
	local p s w before lost
	witness_layout double_failure 30
	p=$P s=$S w=$W
	say "cut of $p, the primary (link first)"
	node_poweroff "$p"
	wait_for 60 "double_failure: $s promoted" read_primary_is "$s" "$s"
	tap_result $? "double_failure: $s, the synchronous standby, is promoted"
	before=$(acked_now)
	wait_for 30 "double_failure: $s acknowledges commits alone" read_acked_beyond "$((before + 100))"
	say "cut of $s, the new primary, after $(($(acked_now) - before)) commits it acknowledged alone"
	node_poweroff "$s"
	client_stop
	watch_stop
	say "$p boots again, alone with the witness $w"
	node_boot "$p"
	wait_for 240 "double_failure: $p says why it is not promoted" read_refused "$p"
	tap_result $? "double_failure: $p is not promoted, and says why: $(attr "$p" tandem-pgsql-refused-pgsqld)"
	tap_is "$(primary "$p")" "" "double_failure: no primary (the cluster waits for $s or an admin)"
	tap_ok "double_failure: $p runs as a standby" unpromoted_has "$p" "$p"
	say "the admin promotes $p knowingly (the README's command)"
	node_exec "$p" crm_attribute --type crm_config --name tandem-pgsql-commits-pgsqld --update "primary=$p" >/dev/null
	wait_for 120 "double_failure: $p promoted by the admin" read_primary_is "$p" "$p"
	tap_result $? "double_failure: $p is promoted once the admin names it"
	lost=$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$p" "SELECT n FROM acked" | sort -u) | wc -l)
	say "double_failure: $lost commits acknowledged by $s alone are not on $p: the loss the admin accepted"
	# What the admin does next, as the README says: the node that held
	# the abandoned commits is cloned again (its timeline may bear the
	# same number as the new primary's, with another history), its data
	# directory moved aside (the abandoned commits are in its pg_wal).
	mv "${CL_DIR:?}/$s/var-lib-postgresql/${PGDATA#/var/lib/postgresql/}" \
		"${CL_DIR:?}/$s/var-lib-postgresql/${PGDATA#/var/lib/postgresql/}.abandoned"
	node_boot "$s"
	witness_off "$p" "$w"
	healthy 240
	tap_result $? "double_failure: healthy again: $s rejoined (rewound), $w a standby again"
	tap_is "$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$(primary "$(any_up)")" "SELECT n FROM acked" | sort -u) | wc -l)" \
		"$lost" "double_failure: nothing more than what the admin accepted is missing"
}

# A standby away past max_slot_wal_keep_size (issue #18; Patroni #3641):
# its slot invalidated, the WAL it needs removed from the primary.  It
# must come back streaming with no manual step.
read_wal_gone() { # read_wal_gone PRIMARY STANDBY: the segment STANDBY restarts from is no longer on PRIMARY
	local need oldest
	need=$(node_exec "$2" "$PGBIN/pg_controldata" -D "$PGDATA" 2>/dev/null | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
	oldest=$(sqlon "$1" "SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'" postgres)
	echo "$2 needs WAL from segment '$need'; the oldest on $1: '$oldest'"
	# Timelines aside (the first 8 digits), segments compare as text.
	[ -n "$need" ] && [ -n "$oldest" ] && [[ "${need:8}" < "${oldest:8}" ]]
}
read_not_running() { # read_not_running NODE ASKED
	if unpromoted_has "$1" "$2"; then echo "$1 still runs as a standby"; return 1; fi
	echo "$1 runs no instance"
}
read_same_rows() { # read_same_rows PRIMARY STANDBY
	local a b
	a=$(sqlon "$1" "SELECT count(*) FROM acked") b=$(sqlon "$2" "SELECT count(*) FROM acked")
	echo "rows: $a on $1, $b on $2"
	[ -n "$a" ] && [ "$a" = "$b" ]
}
read_streams() { # read_streams PRIMARY STANDBY
	local st
	st=$(sqlon "$1" "SELECT state FROM pg_stat_replication WHERE application_name = '$2'" postgres)
	echo "$2 in $1's pg_stat_replication: '$st'"
	[ "$st" = streaming ]
}
scenario_lost_slot() {
	local p s
	p=$(primary "$(any_up)")
	s=$(others "$p" | head -n 1)
	client_start 90
	watch_start
	sleep 3
	say "$s stopped (pcs resource ban) while $p writes more WAL than its slot may keep"
	node_exec "$p" pcs resource ban pgsqld-clone "$s" >/dev/null 2>&1
	wait_for 60 "lost_slot: $s stopped" read_not_running "$s" "$p"
	sqlon "$p" "ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'" postgres >/dev/null
	sqlon "$p" "ALTER SYSTEM SET wal_keep_size = 0" postgres >/dev/null
	sqlon "$p" "SELECT pg_reload_conf()" postgres >/dev/null
	for _ in 1 2 3 4 5 6; do
		sqlon "$p" "SELECT pg_switch_wal()" postgres >/dev/null
		sleep 0.3
		sqlon "$p" "CHECKPOINT" postgres >/dev/null
	done
	# Its slot is invalidated (wal_status lost) at a checkpoint; the
	# primary then makes a new one, which reserves WAL from then on only.
	wait_for 60 "lost_slot: the WAL $s needs is removed from $p" read_wal_gone "$p" "$s"
	tap_result $? "lost_slot: the WAL $s needs is gone from $p (its slot invalidated) while it is away"
	say "$s allowed back (pcs resource clear)"
	node_exec "$p" pcs resource clear pgsqld-clone "$s" >/dev/null 2>&1
	wait_for 240 "lost_slot: $s streams again" read_streams "$p" "$s"
	tap_result $? "lost_slot: $s streams again, with no manual step"
	if [ "$ARCHIVE" = 1 ]; then
		# restore_command brings it what the primary removed: catching
		# up, which the monitor tells from "cannot follow" (replay moves).
		tap_is "$(attr "$s" tandem-pgsql-repair-pgsqld)" "" \
			"lost_slot: with the WAL archive, $s caught up from it: nothing repaired"
	else
		tap_like "$(attr "$s" tandem-pgsql-repair-pgsqld)" 'cloned again: .*removed' \
			"lost_slot: $s says what was repaired, when and why"
	fi
	sqlon "$p" "ALTER SYSTEM RESET max_slot_wal_keep_size" postgres >/dev/null
	sqlon "$p" "ALTER SYSTEM RESET wal_keep_size" postgres >/dev/null
	sqlon "$p" "SELECT pg_reload_conf()" postgres >/dev/null
	client_wait
	watch_stop
	# The failed monitor that found it is history now: cleared as an admin would.
	node_exec "$p" pcs resource cleanup pgsqld-clone >/dev/null 2>&1
	verify lost_slot "$p" same no
	wait_for 60 "lost_slot: $s holds what $p holds" read_same_rows "$p" "$s"
	tap_result $? "lost_slot: $s holds every row the primary holds"
}

# Two ocf:tandem:pgsql resources in one cluster (resource-agents #591, PAF
# PR #66): a second PostgreSQL cluster on every node (port 5433), its own
# resource, VIP and client.  Both primaries on one node, which loses power:
# each resource elects its own most advanced standby, from its own
# attributes, and neither loses an acknowledged commit.
VIP2=192.0.2.102
# role2_nodes ROLE: the nodes where pgsqld2-clone has ROLE, in the XML on stdin.
role2_nodes() { xvalues "//clone[@id='pgsqld2-clone']/resource[@role='$1']/node/@name"; }
sql2on() { node_exec "$1" runuser -u postgres -- "$PGBIN/psql" -h /run/postgresql -p 5433 -XAtq -d "${3:-app}" -c "$2" 2>/dev/null; }
read_healthy2() { # read_healthy2 PRIMARY: the second database's primary, standbys, VIP, sync state
	local out p u v s
	out=$(mon_xml "$(any_up)")
	p=$(role2_nodes Promoted <<<"$out" | words) u=$(role2_nodes Unpromoted <<<"$out" | words)
	v=$(started_on pgsql2-vip <<<"$out" | words) s=$(attr "$1" tandem-pgsql-sync-pgsqld2)
	echo "pgsqld2: promoted [$p], unpromoted [$u], pgsql2-vip on [$v], sync '$s' (want $1 promoted, $((N - 1)) standbys, the VIP there, sync)"
	[ "$p" = "$1" ] && [ "$(wc -w <<<"$u")" = $((N - 1)) ] && [ "$v" = "$1" ] && [ "$s" = sync ]
}
# Both resources' scores and synchronous states, every node: one line.
scores_line() {
	local n out=""
	for n in "${CL_NODES[@]}"; do
		out+="$n:$(attr "$n" master-pgsqld)/$(attr "$n" master-pgsqld2)/$(attr "$n" tandem-pgsql-sync-pgsqld)/$(attr "$n" tandem-pgsql-sync-pgsqld2) "
	done
	echo "$out"
}
read_ranked() { # every node's promotion score of both resources, 0 or more
	local n a b ok=0
	for n in "${CL_NODES[@]}"; do
		a=$(attr "$n" master-pgsqld) b=$(attr "$n" master-pgsqld2)
		[ -n "$a" ] && [ -n "$b" ] && [ "$a" -ge 0 ] && [ "$b" -ge 0 ] || ok=1
	done
	echo "scores (pgsqld/pgsqld2/sync/sync2): $(scores_line)(want every score 0 or more)"
	return $ok
}
scenario_two_databases() {
	local p n s0 s changed=0 p2 missing2 major
	p=$(primary "$(any_up)")
	major=$(basename "${PGDATA%/main}")
	say "a second PostgreSQL cluster (port 5433) on $p, its resource pgsqld2 and VIP $VIP2, as the README says"
	# shellcheck disable=SC2154 # top: scenarios.sh's, which sources this file
	node_exec "$p" bash "$top/tests/cluster/provision-node.sh" "$p" "$p" 192.0.2.0/24 second 5433 >/dev/null
	node_exec "$p" bash -s -- "$p" "$VIP2" "$major" >/dev/null 2>&1 <<'PCS'
set -e
p=$1 vip2=$2 major=$3 cib=$(mktemp)
pcs cluster cib "$cib"
pcs -f "$cib" resource create pgsqld2 ocf:tandem:pgsql pgdata=/var/lib/postgresql/$major/second pgport=5433 \
	primary_conninfo="host=$vip2 port=5433" passfile=/var/lib/postgresql/.pgpass-replication sync_mode=on \
	logfile=/var/lib/postgresql/postgresql-second.log \
	op start timeout=120s op stop timeout=120s op promote timeout=30s op demote timeout=120s op notify timeout=60s \
	op monitor interval=1s timeout=10s role=Promoted op monitor interval=2s timeout=10s role=Unpromoted --disabled
pcs -f "$cib" resource promotable pgsqld2 meta notify=true promoted-max=1 promoted-node-max=1 clone-max=1 clone-node-max=1
pcs -f "$cib" resource enable pgsqld2-clone
pcs -f "$cib" resource create pgsql2-vip ocf:tandem:vip ip="$vip2" cidr_netmask=24 op monitor interval=2s timeout=10s
pcs -f "$cib" constraint colocation add pgsql2-vip with Promoted pgsqld2-clone score=INFINITY
pcs -f "$cib" constraint order promote pgsqld2-clone then start pgsql2-vip symmetrical=false
pcs -f "$cib" constraint order demote pgsqld2-clone then stop pgsql2-vip symmetrical=false
pcs -f "$cib" constraint location pgsqld2-clone prefers "$p=100"
pcs cluster cib-push "$cib"
PCS
	wait_for 120 "two_databases: pgsqld2 promoted on $p" read_promoted2 "$p"
	node_exec "$p" pcs resource meta pgsqld2-clone clone-max="$N" >/dev/null 2>&1
	node_exec "$p" pcs constraint remove "location-pgsqld2-clone-$p-100" >/dev/null 2>&1
	wait_for 240 "two_databases: the second database healthy" read_healthy2 "$p"
	tap_result $? "two_databases: pgsqld2 promoted on $p beside pgsqld, $((N - 1)) synchronous standbys, its VIP there"
	# A quiet cluster: neither resource's scores or sync state move the
	# other's, once every standby of both is ranked (a clone that has just
	# started streaming is ranked a moment after the primary is healthy).
	wait_for 120 "two_databases: every standby of both resources ranked" read_ranked
	tap_result $? "two_databases: every standby of both resources ranked: $(scores_line)"
	s0=$(scores_line)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 1
		s=$(scores_line)
		[ "$s" = "$s0" ] || { changed=1; say "two_databases: attributes changed: [$s0] -> [$s]"; }
	done
	tap_is "$changed" 0 "two_databases: each resource's scores and sync state stay put in a quiet cluster ($s0)"
	client_start 30
	(netns_exec client "$WRITER" "host=$VIP2 port=5433 dbname=app user=app passfile=$CL_DIR/client.pgpass connect_timeout=2 tcp_user_timeout=2000 keepalives=1 keepalives_idle=2 keepalives_interval=1 keepalives_count=2" \
		30 20 "$CL_DIR/acked2" >"$CL_DIR/writer2.out" 2>&1 &)
	watch_start
	sleep 5
	say "power cut of $p, primary of both (link first)"
	node_poweroff "$p"
	client_wait
	for _ in $(seq "$(scaled 120)"); do grep -q '^acked ' "$CL_DIR/writer2.out" 2>/dev/null && break; sleep 1; done
	say "the second database's client: $(grep '^acked ' "$CL_DIR/writer2.out")"
	fenced "$p"
	node_boot "$p"
	watch_stop
	verify two_databases "$p" other yes
	p2=$(mon_xml "$(any_up)" | role2_nodes Promoted | head -n 1)
	wait_for 240 "two_databases: the second database healthy again" read_healthy2 "$p2"
	tap_result $? "two_databases: pgsqld2 failed over to $p2, its VIP with it, synchronous again"
	tap_ok "two_databases: pgsqld2's new primary is not the node that lost power" test -n "$p2" -a "$p2" != "$p"
	missing2=$(comm -23 <(sort -u "$CL_DIR/acked2") <(sql2on "$p2" "SELECT n FROM acked" | sort -u) | wc -l)
	tap_is "$missing2" 0 "two_databases: all $(wc -l <"$CL_DIR/acked2") commits acknowledged by the second database are on its primary"
	tap_like "$(attr "$p2" tandem-pgsql-last-failover-pgsqld2)" 'gap 0 bytes' \
		"two_databases: pgsqld2's election knew its own lost primary's LSN, not pgsqld's"
	wait_for 180 "two_databases: $p back as pgsqld2's standby" read_unpromoted2 "$p"
	tap_result $? "two_databases: $p is back as a standby of both"
	node_exec "$(any_up)" pcs resource delete pgsql2-vip >/dev/null 2>&1
	node_exec "$(any_up)" pcs resource delete pgsqld2-clone >/dev/null 2>&1
	healthy 120 >/dev/null
}
read_promoted2() { local v; v=$(mon_xml "$(any_up)" | role2_nodes Promoted | words); echo "pgsqld2 promoted on [$v] (want $1)"; [ "$v" = "$1" ]; }
read_unpromoted2() { local v; v=$(mon_xml "$(any_up)" | role2_nodes Unpromoted | words); echo "pgsqld2 unpromoted on [$v] (want $1 among them)"; grep -qw "$1" <<<"$v"; }

# A standby whose disk was replaced (issue #18): its node off, its data
# directory gone, the node back.  Cloned again, with no manual step.
scenario_wiped_standby() {
	local p s
	p=$(primary "$(any_up)")
	s=$(others "$p" | head -n 1)
	client_start 40
	watch_start
	sleep 3
	say "$s powered off (link first); its data directory removed, as a replaced disk; $s boots"
	node_poweroff "$s"
	# Booted before the others have fenced it, it would be fenced again as it comes up.
	fenced "$s"
	rm -rf "${CL_DIR:?}/$s/var-lib-postgresql/${PGDATA#/var/lib/postgresql/}"
	node_boot "$s"
	wait_for 240 "wiped_standby: $s streams again" read_streams "$p" "$s"
	tap_result $? "wiped_standby: $s is cloned again and streams, with no manual step"
	client_wait
	watch_stop
	verify wiped_standby "$p" same no
	wait_for 60 "wiped_standby: $s holds what $p holds" read_same_rows "$p" "$s"
	tap_result $? "wiped_standby: $s holds every row the primary holds"
}

# Issue 28 (item 4): one node's clock 30 s behind the others'.  The nodes
# of this cluster share the host's clock (namespaces), so the agent on that
# node runs under libfaketime (FAKETIME=-30s, bound over the installed
# agent in that node's mount namespace): every time it reads and stamps is
# 30 s behind (the library the same path in the host and the nodes' roots).  A switchover to the other standby: its promote counts the
# skewed node's election value (the old agent took it for a previous
# election's and refused the promote, for want of it).
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
read_clock_behind() { # read_clock_behind SECONDS: libfaketime's clock is that far behind
	local now skewed
	now=$(date +%s)
	skewed=$(LD_PRELOAD=$FAKETIME_LIB FAKETIME=-$1s date +%s)
	echo "the host's clock $now, libfaketime's ($FAKETIME_LIB) $skewed"
	[ -n "$FAKETIME_LIB" ] && [ $((now - skewed)) -ge $(($1 - 2)) ]
}
scenario_clock_skew() {
	local p t s agent=/usr/lib/ocf/resource.d/tandem/pgsql fc
	p=$(primary "$(any_up)")
	t=$(others "$p" | head -n 1)
	s=$(others "$p" | tail -n 1)
	read_clock_behind 30 >"$CL_DIR/clock" 2>&1
	tap_result $? "clock_skew: libfaketime sets a clock 30 s behind" "$(cat "$CL_DIR/clock")"
	cp "${CL_ROOT:-}$agent" "$CL_DIR/pgsql-real"    # the nodes' own (a Debian 13 root's in trixie.sh)
	printf '#!/bin/sh\nLD_PRELOAD=%s FAKETIME=-30s exec %s "$@"\n' "$FAKETIME_LIB" "$CL_DIR/pgsql-real" >"$CL_DIR/pgsql-skewed"
	chmod 755 "$CL_DIR/pgsql-skewed"
	node_exec "$s" mount --bind "$CL_DIR/pgsql-skewed" "$agent"
	fc=$(failcount pgsqld "$t")
	move_promoted "$p" "$t" "$s's clock 30 s behind"
	client_wait
	watch_stop
	verify clock_skew "$p" other yes
	tap_is "$(primary "$t")" "$t" "clock_skew: the chosen node is primary"
	tap_is "$(failcount pgsqld "$t")" "$fc" "clock_skew: $t's promote did not fail (fail count as before)"
	node_exec "$s" umount "$agent"
	[ "$(move_constraints)" = 0 ] || node_exec "$(any_up)" pcs resource clear pgsqld-clone >/dev/null 2>&1
}

# Issue 28 (item 6): one standby's replaced disk.  Its data directory
# becomes a fresh file system's root (root's, holding lost+found; a
# tmpfs here) while it is off.  Its start is refused for that node alone (5, with the
# reason); the primary and the other standby go on.  Then the admin does
# what the reason says (the empty mount point: the agent gives it to
# postgres and clones into it) and cleans up; the node streams again.
# start_refused NODE: NODE's start failed for good (fail count INFINITY),
# and the primary is still serving after the cluster settled on it.
start_refused() {
	local fc
	fc=$(failcount pgsqld "$1")
	echo "fail count of pgsqld on $1: ${fc:-none}"
	[ "$fc" = INFINITY ]
}
scenario_replaced_disk() {
	local p s dir
	p=$(primary "$(any_up)")
	s=$(others "$p" | head -n 1)
	dir=${CL_DIR:?}/$s/var-lib-postgresql/${PGDATA#/var/lib/postgresql/}
	client_start 40
	watch_start
	sleep 3
	say "$s powered off (link first); its data directory a new file system's root (root's, lost+found); $s boots"
	node_poweroff "$s"
	fenced "$s"
	rm -rf "$dir"
	# The new disk: a file system mounted there (the host's mount, which
	# each boot of the node binds in; cluster_destroy unmounts it).
	mkdir -m 755 "$dir" && mount -t tmpfs -o mode=0755,size=256m tmpfs "$dir" && mkdir -m 700 "$dir/lost+found"
	node_boot "$s"
	wait_for 240 "replaced_disk: $s's start refused" start_refused "$s"
	tap_result $? "replaced_disk: $s's start is refused for good, on $s only"
	node_exec "$p" crm_resource --wait --timeout="$(scaled 60)s" >/dev/null 2>&1
	tap_is "$(primary "$p")" "$p" "replaced_disk: $p is still the primary once the cluster settled (rc 6 stopped every node)"
	tap_like "$(mon_xml "$p" | xvalues "//failure[@node='$s']/@exitreason")" 'holds only lost\+found: use a directory below the mount point' \
		"replaced_disk: the reason Pacemaker shows says what is wrong"
	say "the admin's fix: the mount point emptied, pcs resource cleanup"
	rmdir "$dir/lost+found"
	node_exec "$p" pcs resource cleanup pgsqld node="$s" >/dev/null 2>&1
	wait_for 240 "replaced_disk: $s streams again" read_streams "$p" "$s"
	tap_result $? "replaced_disk: $s is cloned into the empty mount point and streams"
	client_wait
	watch_stop
	verify replaced_disk "$p" same no
	# The later scenarios run on the matrix's own layout: the disk taken
	# out again (a 256 MB one would fill), the node cloned into its
	# directory once more.
	say "$s off again, its disk taken out (the mount point removed), booted"
	node_poweroff "$s"
	fenced "$s"
	umount "$dir" && rmdir "$dir"
	node_boot "$s"
	wait_for 240 "replaced_disk: $s streams from its own directory" read_streams "$p" "$s"
	tap_result $? "replaced_disk: $s, its disk taken out, is cloned into a new directory and streams"
}

# Issue 28 (item 0): LSNs compared across timelines.  The primary writes
# WAL its standbys never receive and loses power; a standby is promoted
# (a new timeline, forked where its WAL ended) and acknowledges commits
# with the other; both lose power; the old primary and that standby come
# back.  The old primary's LSN, on the old timeline, is the larger
# number; the standby holds every acknowledged commit and must win.
# read_serving_primary: a node promoted and not failed (a node back from a
# power cut is probed as a crashed primary, role Promoted, failed, first),
# whose PostgreSQL says it is out of recovery; that reading's node is kept
# in $CL_DIR/serving (wait_for runs a READ in a subshell).
read_serving_primary() {
	local p
	p=$(mon_xml "$(any_up)" | xvalues "//clone[@id='pgsqld-clone']/resource[(@role='Promoted' or @role='Master') and @failed='false']/node/@name" | words)
	echo "promoted, not failed: [$p] (want one, out of recovery)"
	[ -n "$p" ] && [ "$(wc -w <<<"$p")" = 1 ] && [ "$(sqlon "$p" "SELECT NOT pg_is_in_recovery()" postgres)" = t ] &&
		echo "$p" >"$CL_DIR/serving"
}
tli_of() { sqlon "$1" "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int" postgres; }

scenario_timeline_fork() { # old primary back with more WAL on an older timeline: the node with the acknowledged commits wins
	local p q r n lsn_p tli_p tli_q before won
	# Three nodes: the primary, the standby it promotes, the one that follows.
	[ "$N" = 3 ] || { say "timeline_fork: written for 3 nodes, skipped with $N"; return 0; }
	p=$(the_primary)
	watch_start
	# The primary's monitor (every second) would forbid standbys silent
	# while behind (PG_STALL_S): from here on, the primary's node freezes
	# (its pacemaker-execd stopped, so no operation of it runs), as a node
	# about to lose power, whatever this machine's load stretches below.
	node_exec "$p" pkill -STOP -x pacemaker-execd
	say "replication from $p cut (nft on its standbys: their packets to port 5432 dropped)"
	for n in $(others "$p"); do replication_cut "$n"; done
	# WAL no standby receives: a few MB of rows, then segment switches
	# (each a 16 MB step of the LSN); synchronous_commit=local, as the
	# standbys are cut.  Its end and timeline read in the same session.
	# One transaction (psql -c), and the table's database/relfilenode.
	IFS='|' read -r lsn_p tli_p rel_p < <(sqlon "$p" "SET synchronous_commit = local;
		CREATE TABLE diverged AS SELECT g AS n, repeat('x', 1000) AS pad FROM generate_series(1, 4000) g;
		DO \$\$ BEGIN FOR i IN 1..12 LOOP INSERT INTO diverged VALUES (-i, ''); PERFORM pg_switch_wal(); END LOOP; END \$\$;
		SELECT pg_current_wal_lsn(), ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,
			(SELECT oid FROM pg_database WHERE datname = current_database()) || '/' || pg_relation_filenode('diverged')")
	say "cut of $p, the primary (link first), at $lsn_p on timeline $tli_p"
	node_poweroff "$p"
	# Its link is dark: nothing more can reach the standbys.
	for n in $(others "$p"); do replication_mend "$n"; done
	# The node serving as primary: a promote that failed (a standby that
	# found another more advanced) shows that node Promoted a moment.
	wait_for 90 "timeline_fork: a standby promoted" read_serving_primary
	tap_result $? "timeline_fork: a standby is promoted after $p's loss"
	q=$(cat "$CL_DIR/serving" 2>/dev/null)
	r=$(others "$p" | grep -vx "$q")
	wait_for 120 "timeline_fork: $r streams synchronously from $q" read_sync "$q" sync
	tap_result $? "timeline_fork: $r is $q's synchronous standby"
	client_start 60
	before=$(acked_now)
	wait_for 50 "timeline_fork: $q acknowledges commits" read_acked_beyond "$((before + 400))"
	client_stop
	tap_is "$(commit_record "$q")" "primary=$q sync=$r" "timeline_fork: the commit record names $q and $r"
	# The trap the old election fell into: the larger LSN is the old timeline's.
	tli_q=$(tli_of "$q")
	tap_is "$(sqlon "$q" "SELECT pg_current_wal_lsn() < '$lsn_p'::pg_lsn" postgres)/$((${tli_q:-0} > ${tli_p:-0}))" "t/1" \
		"timeline_fork: $q is on a newer timeline than $p ($tli_p), at a smaller LSN than $p's $lsn_p"
	say "cut of $q, the new primary, and $r, its standby, after $(acked_now) acknowledged commits"
	node_poweroff "$q"
	node_poweroff "$r"
	say "$p (old timeline, more WAL) and $r (the acknowledged commits) boot"
	node_boot "$p"
	node_boot "$r"
	rm -f "$CL_DIR/serving"
	wait_for 240 "timeline_fork: a primary" read_serving_primary
	won=$(cat "$CL_DIR/serving" 2>/dev/null)
	tap_is "$won" "$r" "timeline_fork: $r, on the newer timeline with every acknowledged commit, is promoted, not $p"
	tap_is "$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$won" "SELECT n FROM acked" | sort -u) | wc -l)" 0 \
		"timeline_fork: all $(acked_now) acknowledged commits are on the new primary ($won)"
	tap_is "$(sqlon "$won" "SELECT to_regclass('diverged') IS NULL")" t \
		"timeline_fork: what $p wrote after the fork is not on the new primary"
	node_boot "$q"
	watch_stop
	# Both former primaries rejoin as standbys (rewound); never two primaries.
	verify timeline_fork "$p" other yes
	wait_for 180 "timeline_fork: $q back as a standby" read_unpromoted "$q" "$won"
	tap_result $? "timeline_fork: $q is back as a standby"
	# What the rewind gave up, decoded from the WAL $p kept aside (issue
	# 28, item 7): the transaction that wrote diverged.
	wait_for 60 "timeline_fork: $p reports what it held past the fork" read_lost "$p"
	tap_result $? "timeline_fork: $p says what it held past the fork: $(attr "$p" tandem-pgsql-lost-transactions-pgsqld)"
	tap_is "$(grep -c "^xid [0-9]* committed .*: .*1663/$rel_p\b" "$(lost_report "$p")" 2>&1)" 1 \
		"timeline_fork: its report lists the one transaction that wrote diverged ($rel_p), which the new primary lacks"
}
read_lost() { # read_lost NODE: NODE's report of what its rewind gave up is published
	local v
	v=$(attr "$1" tandem-pgsql-lost-transactions-pgsqld)
	echo "tandem-pgsql-lost-transactions-pgsqld on $1: '$v'"
	[ -n "$v" ]
}
lost_report() { # lost_report NODE: the host's path of the report NODE's attribute names
	local v
	v=$(attr "$1" tandem-pgsql-lost-transactions-pgsqld)
	v=${v##*: }
	echo "${CL_DIR:?}/$1/var-lib-postgresql/${v#/var/lib/postgresql/}"
}

# Neighbours on the stream (the field: Barman's receiver blocked every
# failover, a receiver named with a blank got the primary restarted).
# Two WAL receivers on the VIP from the client host, as Barman and a CDC
# tool connect, and eighteen more (twenty neighbours, more than the
# primary shows): never synchronous voters nor in the commit record, and
# the primary's power cut fails over as without them.  The client's
# pg_receivewal is the nodes' own major (it refuses a newer server): in a
# root (Debian 13's matrix), the root's, run chrooted there from the
# client's network namespace, its files under the root's CL_DIR.
read_shown() { # read_shown NODE: NODE's neighbours attribute names Barman's, and counts those past sixteen
	local v
	v=$(attr "$1" tandem-pgsql-neighbours-pgsqld)
	echo "tandem-pgsql-neighbours-pgsqld on $1: '$v' (want Barman's streaming, and 4 more)"
	[[ $v == *'"barman_receive_wal" streaming'*'; and 4 more' ]]
}
read_neighbours() { # read_neighbours NODE COUNT: COUNT of them stream from NODE
	local c
	c=$(sqlon "$1" "SELECT count(*) FROM pg_stat_replication WHERE application_name !~ '^n[0-9]+$' AND state = 'streaming'" postgres)
	echo "$1: $c neighbours streaming (want $2)"
	[ "$c" = "$2" ]
}
scenario_neighbours() {
	local p rec names here=${CL_ROOT:-}$CL_DIR in=()
	[ -n "${CL_ROOT:-}" ] && in=(chroot "$CL_ROOT")
	p=$(primary "$(any_up)")
	mkdir -p "$here"
	printf '*:*:*:replicator:%s\n' "${TANDEM_REPLICATION_PASSWORD:-tandem-replication}" >"$here/replication.pgpass"
	chmod 600 "$here/replication.pgpass"
	rm -rf "$here/barman" "$here/cdc" && mkdir -p "$here/barman" "$here/cdc"
	(netns_exec client "${in[@]}" "$PGBIN/pg_receivewal" -D "$CL_DIR/barman" --synchronous -d \
		"host=$VIP user=replicator passfile=$CL_DIR/replication.pgpass application_name=barman_receive_wal" \
		>"$CL_DIR/barman.log" 2>&1 &)
	(netns_exec client "${in[@]}" "$PGBIN/pg_receivewal" -D "$CL_DIR/cdc" -d \
		"host=$VIP user=replicator passfile=$CL_DIR/replication.pgpass application_name='Debezium Streaming'" \
		>"$CL_DIR/cdc.log" 2>&1 &)
	for i in $(seq 1 18); do
		rm -rf "$here/more$i" && mkdir -p "$here/more$i"
		(netns_exec client "${in[@]}" "$PGBIN/pg_receivewal" -D "$CL_DIR/more$i" -d \
			"host=$VIP user=replicator passfile=$CL_DIR/replication.pgpass application_name='receiver $i'" \
			>/dev/null 2>&1 &)
	done
	wait_for 60 "neighbours: twenty stream from $p" read_neighbours "$p" 20
	tap_result $? "neighbours: Barman's pg_receivewal, a CDC tool and eighteen more stream from the primary ($p)" \
		"$(tail -n 3 "$CL_DIR/barman.log" "$CL_DIR/cdc.log")"
	# Two monitors' time: a primary that could not read their names would
	# have been failed meanwhile.
	sleep 5
	tap_is "$(failcount pgsqld "$p")" 0 "neighbours: the primary's monitor reads them (no failure)"
	names=$(sqlon "$p" "SHOW synchronous_standby_names" postgres)
	# The clone's standbys only (one may still be catching up from the
	# last scenario): never a neighbour.
	tap_like "$names" '^ANY 1 \("n[0-9]"(, "n[0-9]")?\)$' "neighbours: only the clone's standbys are synchronous voters ($names)"
	rec=$(commit_record "$p")
	tap_like "$rec" "^primary=$p sync=n[0-9](,n[0-9])?\$" "neighbours: nor named in the commit record ($rec)"
	wait_for 30 "neighbours: shown on $p" read_shown "$p"
	tap_result $? "neighbours: the primary shows them, sixteen by name"
	client_start 30
	watch_start
	sleep 5
	say "power-off of $p, the neighbours streaming from it"
	node_poweroff "$p"
	client_wait
	say "$p boots again"
	node_boot "$p"
	watch_stop
	pkill -TERM -f "pg_receivewal -D $CL_DIR/(barman|cdc|more[0-9]+)" 2>/dev/null
	rm -rf "$here"/more*
	verify neighbours "$p" other yes
}

# A logical subscriber outside the cluster (issue 27): another PostgreSQL
# on the client's host (the host's newest major, Debian 12's 15 in CI: a
# reporting database) subscribed through the VIP to the table the client writes, on
# a slot made with failover = true, as a CDC tool makes its own.  Across a
# power cut of the primary and then a switchover it goes on from each new
# primary, with every acknowledged row exactly once: PostgreSQL 17 carries
# such slots to the standbys (the nodes run it here with wal_level
# logical); before 17 there is nothing to carry, and the scenario says so.
SUB_PORT=5499
subsql() {
	netns_exec client runuser -u postgres -- "$SUB_BIN/psql" -h "$CL_DIR/sub" -p "$SUB_PORT" -XAtq -d postgres \
		-c "$1" 2>&1
}
read_sub_ready() { # read_sub_ready: the initial copy done, the apply worker streaming
	local v
	v=$(subsql "SELECT (SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r') || ' ' ||
		(SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL AND relid IS NULL)")
	echo "subscriber: tables not ready, apply workers: '$v' (want 0 1)"
	[ "$v" = "0 1" ]
}
read_slot_synced() { # read_slot_synced NODE: the subscriber's slot synchronized there, ready for a failover
	local v
	v=$(sqlon "$1" "SELECT synced AND NOT temporary AND NOT conflicting FROM pg_replication_slots
		WHERE slot_name = 'reporting'" postgres)
	echo "slot reporting on $1: synced and ready: '$v' (want t)"
	[ "$v" = t ]
}
read_no_slot() { # read_no_slot: no node holds the subscriber's slot any more
	local n v held=""
	for n in "${CL_NODES[@]}"; do
		v=$(sqlon "$n" "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'reporting'" postgres)
		[ "$v" = 0 ] || held="$held $n:'$v'"
	done
	echo "nodes holding slot reporting:${held:- none} (want none)"
	[ -z "$held" ]
}
read_sub_level() { # read_sub_level PRIMARY: the subscriber holds as many rows as the primary
	local a b
	a=$(sqlon "$1" "SELECT count(*) FROM acked")
	b=$(subsql "SELECT count(*) FROM acked")
	echo "rows: primary $1 '$a', subscriber '$b' (want equal)"
	[ -n "$a" ] && [ "$a" = "$b" ]
}
scenario_subscriber() {
	local p q n v sub=$CL_DIR/sub
	p=$(the_primary)
	v=$(sqlon "$p" "SELECT current_setting('server_version_num')::int >= 170000 AND current_setting('wal_level') = 'logical'" postgres)
	if [ "$v" != t ]; then
		say "subscriber: slots are carried from PostgreSQL 17 on with wal_level logical; skipped here"
		return 0
	fi
	SUB_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin | sort -V | tail -1)
	rm -rf "$sub" && install -d -o postgres -g postgres -m 0700 "$sub"
	printf '*:*:*:app:app\n' >"$sub/app.pgpass"
	chown postgres:postgres "$sub/app.pgpass" && chmod 600 "$sub/app.pgpass"
	runuser -u postgres -- "$SUB_BIN/initdb" -D "$sub/data" -U postgres --auth=peer >/dev/null
	# A lost connection is noticed in seconds, and tried again each second.
	printf "listen_addresses = ''\nport = %s\nunix_socket_directories = '%s'\nwal_receiver_timeout = 5s\nwal_retrieve_retry_interval = 1s\n" \
		"$SUB_PORT" "$sub" >>"$sub/data/postgresql.conf"
	netns_exec client runuser -u postgres -- "$SUB_BIN/pg_ctl" -D "$sub/data" -l "$sub/log" -w -s start
	# The publication, and the slot with failover = true (a subscriber of
	# 17 says so in CREATE SUBSCRIPTION; one of 15 is given the slot).
	# One statement a call: a slot is not made in a transaction that wrote.
	sqlon "$p" "ALTER ROLE app REPLICATION" postgres
	sqlon "$p" "CREATE TABLE IF NOT EXISTS acked (n bigint PRIMARY KEY)"
	sqlon "$p" "ALTER TABLE acked OWNER TO app"
	sqlon "$p" "CREATE PUBLICATION reporting FOR TABLE acked"
	v=$(sqlon "$p" "SELECT slot_name FROM pg_create_logical_replication_slot('reporting', 'pgoutput', false, false, true)")
	tap_is "$v" reporting "subscriber: the publication and its failover slot are made on $p"
	# No primary key here: a row sent twice would show.
	subsql "CREATE TABLE acked (n bigint)" >/dev/null
	subsql "CREATE SUBSCRIPTION reporting CONNECTION 'host=$VIP dbname=app user=app passfile=$sub/app.pgpass connect_timeout=2 tcp_user_timeout=2000 keepalives=1 keepalives_idle=2 keepalives_interval=1 keepalives_count=2'
		PUBLICATION reporting WITH (create_slot = false, slot_name = 'reporting')" >/dev/null
	# One client run throughout (its numbers would repeat in a second):
	# rows to copy, to stream while the standbys take the slot, and
	# through both faults; stopped at the end.
	client_start 3600
	wait_for 120 "subscriber: ready" read_sub_ready
	tap_result $? "subscriber: it copies the table and streams from $p" "$(tail -n 5 "$sub/log")"
	for n in $(others "$p"); do
		wait_for 120 "subscriber: slot synchronized on $n" read_slot_synced "$n"
		tap_result $? "subscriber: its slot is synchronized on the standby $n"
	done
	# What keeps the subscriber from ever being ahead of a node that may
	# be promoted: both standbys' slots.
	tap_is "$(sqlon "$p" "SHOW synchronized_standby_slots" postgres)" \
		"$(for n in $(others "$p"); do echo "tandem_$n"; done | sort | paste -sd,)" \
		"subscriber: the primary's logical walsenders wait for both standbys (synchronized_standby_slots)"
	watch_start
	sleep 5
	say "power cut of $p, the subscriber streaming from it"
	node_poweroff "$p"
	wait_for 120 "subscriber: a new primary" read_serving_primary
	tap_result $? "subscriber: another node is promoted"
	q=$(cat "$CL_DIR/serving" 2>/dev/null)
	say "$p boots again"
	node_boot "$p"
	wait_for 180 "subscriber: $p back as a standby" read_unpromoted "$p" "$q"
	tap_result $? "subscriber: $p is back as a standby"
	# The former primary's own copy (made there as a primary) gives way
	# to the new primary's, synchronized.
	wait_for 120 "subscriber: slot synchronized on $p" read_slot_synced "$p"
	tap_result $? "subscriber: the former primary $p synchronizes the slot again"
	wait_for 60 "subscriber: $p ranked" read_score_from "$p" $((1001 - ${#CL_NODES[@]}))
	tap_result $? "subscriber: $p is ranked by the new primary, a switchover may go to it"
	say "switchover from $q to $p"
	v=$(node_exec "$(any_up)" timeout 150 pcs resource move pgsqld-clone "$p" --promoted 2>&1)
	tap_is "$?" 0 "subscriber: pcs resource move to $p succeeds" "$(tr '\n' ' ' <<<"$v" | cut -c1-300)"
	[ "$(move_constraints)" = 0 ] || node_exec "$(any_up)" pcs resource clear pgsqld-clone >/dev/null 2>&1
	sleep 5
	client_stop
	[ "${ACKED:-0}" -gt 0 ]
	tap_result $? "subscriber: the client committed through both ($ACKED)" "$(tail -n 3 "$CL_DIR/writer.out")"
	watch_stop
	verify subscriber "$q" other yes
	p=$(primary "$(any_up)")
	wait_for 120 "subscriber: level with $p" read_sub_level "$p"
	tap_result $? "subscriber: it streams from the new primary $p and holds its rows" "$(tail -n 5 "$sub/log")"
	tap_is "$(subsql "SELECT count(*) - count(DISTINCT n) FROM acked")" 0 "subscriber: no row twice"
	tap_is "$(comm -23 <(sort -u "$CL_DIR/acked") <(subsql "SELECT n FROM acked" | sort -u) | wc -l)" 0 \
		"subscriber: all $(acked_now) acknowledged rows are on the subscriber"
	# Gone with the subscription: its slot on the primary, then the
	# standbys' synchronized copies.
	subsql "DROP SUBSCRIPTION reporting" >/dev/null
	netns_exec client runuser -u postgres -- "$SUB_BIN/pg_ctl" -D "$sub/data" -w -s -m fast stop
	sqlon "$p" "SELECT pg_drop_replication_slot('reporting') FROM pg_replication_slots WHERE slot_name = 'reporting'" >/dev/null
	sqlon "$p" "DROP PUBLICATION reporting"
	sqlon "$p" "ALTER ROLE app NOREPLICATION" postgres
	wait_for 120 "subscriber: its slot gone" read_no_slot
	tap_result $? "subscriber: its slot is gone from every node with the subscription"
}

# A standby in maintenance (pcs node maintenance: its monitor stops, no
# notification reaches it) when the primary loses power (the field: every
# promote waited for its election value and refused, no primary).  The
# primary takes it out of the synchronous set and the commit record, so
# the other standby holds every acknowledged commit and is promoted; out
# of maintenance, the node follows the new primary.
read_sync_without() { # read_sync_without PRIMARY NODE: neither the synchronous set nor the record names NODE
	local names rec
	names=$(sqlon "$1" "SHOW synchronous_standby_names" postgres)
	rec=$(commit_record "$1")
	echo "synchronous_standby_names '$names', commit record '$rec' (want a standby, not $2)"
	[ -n "$names" ] && [[ $names != *"\"$2\""* ]] && [[ $rec =~ ^primary=$1\ sync=n[0-9] ]] && [[ ,${rec#* sync=}, != *",$2,"* ]]
}
# standby_apart NAME PCS_ARGS...: of 3 nodes, P the primary, A a standby
# set apart by pcs PCS_ARGS (the word NODE standing for A), B the other;
# the primary takes A out of the synchronous set and the commit record.
standby_apart() {
	local name=$1
	shift
	P=$(the_primary)
	A=$(others "$P" | head -n 1)
	B=$(others "$P" | sed -n 2p)
	wait_for 60 "$name: the record names both standbys" read_record_both "$P"
	say "$name: pcs ${*//NODE/$A}"
	node_exec "$(any_up)" pcs "${@//NODE/$A}" >/dev/null
	wait_for 60 "$name: $A out of the synchronous set" read_sync_without "$P" "$A"
	tap_result $? "$name: the primary takes $A out of the synchronous set and the commit record ($(commit_record "$P"))"
}
scenario_maintenance() {
	local p m s
	[ "$N" = 3 ] || { say "maintenance: written for 3 nodes, skipped with $N"; return 0; }
	standby_apart maintenance node maintenance NODE
	p=$P m=$A s=$B
	client_start 20
	watch_start
	sleep 5
	say "power cut of $p, $m in maintenance"
	node_poweroff "$p"
	wait_for 120 "maintenance: a new primary" read_serving_primary
	tap_result $? "maintenance: a standby is promoted while $m is in maintenance"
	tap_is "$(cat "$CL_DIR/serving" 2>/dev/null)" "$s" "maintenance: $s is the new primary"
	client_wait
	say "$m out of maintenance; $p boots again"
	node_exec "$(any_up)" pcs node unmaintenance "$m" >/dev/null
	node_boot "$p"
	watch_stop
	verify maintenance "$p" other yes
	wait_for 240 "maintenance: $m streams from $s" read_streams "$s" "$m"
	tap_result $? "maintenance: $m, out of maintenance, streams from the new primary"
}

# A node never synchronous (a standby across a slow link, whose latency
# every commit would wait for: pcs node attribute NODE
# tandem-pgsql-role-pgsqld=never-sync): out of the synchronous set and the
# commit record, still a standby streaming; its role cleared, back in both.
scenario_never_sync() {
	local p a
	[ "$N" = 3 ] || { say "never_sync: written for 3 nodes, skipped with $N"; return 0; }
	standby_apart never_sync node attribute NODE tandem-pgsql-role-pgsqld=never-sync
	p=$P a=$A
	tap_is "$(attr "$a" tandem-pgsql-never-sync-pgsqld)" "its role is never-sync (tandem-pgsql-role)" \
		"never_sync: $a says so (tandem-pgsql-never-sync-pgsqld)"
	wait_for 30 "never_sync: $a streams from $p" read_streams "$p" "$a"
	tap_result $? "never_sync: $a still streams from $p, a standby"
	node_exec "$(any_up)" pcs node attribute "$a" tandem-pgsql-role-pgsqld= >/dev/null
	wait_for 60 "never_sync: $a back in the record" read_record_both "$p"
	tap_result $? "never_sync: its role cleared, $a is synchronous again ($(commit_record "$p"))"
}

# A node that may never be promoted (a reporting replica, another site's
# node: pcs node attribute NODE tandem-pgsql-role-pgsqld=never-promote)
# holding more WAL than the other standby when the primary is lost (the
# field: every promote refused, "NODE holds more WAL", and Pacemaker would
# not promote it: no primary).  It is no synchronous voter, so the other
# standby holds every acknowledged commit and is promoted; what the
# never-promote node held beyond was acknowledged by nobody, and it is
# rewound to follow.  The other standby is made to lag by its link: the
# primary's replication traffic to it slowed to 1 Mbit/s on the switch
# (it keeps replying, so it stays a streaming, synchronous standby).
slow_replication() { # slow_replication NODE: replication traffic to NODE at 1 Mbit/s
	local sw=${CL_PREFIX}sw dev=p${1}eth0
	ip netns exec "$sw" tc qdisc add dev "$dev" root handle 1: htb default 10 r2q 100000 &&
		ip netns exec "$sw" tc class add dev "$dev" parent 1: classid 1:10 htb rate 10gbit &&
		ip netns exec "$sw" tc class add dev "$dev" parent 1: classid 1:20 htb rate 1mbit &&
		ip netns exec "$sw" tc filter add dev "$dev" parent 1: protocol ip u32 match ip sport 5432 0xffff flowid 1:20
}
fast_replication() { ip netns exec "${CL_PREFIX}sw" tc qdisc del dev "p${1}eth0" root 2>/dev/null; }
read_forbidden() { local s; s=$(score_of "$1"); echo "promotion score of $1: '$s' (want -INFINITY)"; [ "$s" = -1000000 ] || [ "$s" = -INFINITY ]; }
read_ahead() { # read_ahead PRIMARY X S LSN: X has flushed LSN, S has not
	local v
	v=$(sqlon "$1" "SELECT string_agg(application_name || '=' || (flush_lsn >= '$4')::text, ' '
		ORDER BY application_name) FROM pg_stat_replication WHERE application_name IN ('$2', '$3')" postgres)
	echo "flushed $4: $v (want $2=true $3=false)"
	[[ " $v " == *" $2=true "* ]] && [[ " $v " == *" $3=false "* ]]
}
# ahead_then_cut NAME P X S: X, which may not be promoted, receives WAL
# nobody acknowledges that S, slowed, does not; P loses power: S is
# promoted, not X.
ahead_then_cut() {
	local name=$1 p=$2 x=$3 s=$4 lsn
	client_start 15
	watch_start
	client_wait
	slow_replication "$s"
	tap_result $? "$name: replication to $s slowed (tc on the switch)"
	sqlon "$p" "SET synchronous_commit = local; CREATE TABLE IF NOT EXISTS bulk (n int); INSERT INTO bulk SELECT generate_series(1, 600000)"
	lsn=$(sqlon "$p" "SELECT pg_current_wal_lsn()" postgres)
	wait_for 60 "$name: $x ahead of $s" read_ahead "$p" "$x" "$s" "$lsn"
	tap_result $? "$name: $x holds WAL to $lsn, $s does not"
	say "power cut of $p, $x ahead of $s"
	node_poweroff "$p"
	wait_for 120 "$name: a new primary" read_serving_primary
	tap_result $? "$name: a standby is promoted"
	tap_is "$(cat "$CL_DIR/serving" 2>/dev/null)" "$s" "$name: $s, not $x, is the new primary"
	fast_replication "$s"
}
scenario_never_promote() {
	local p x s
	[ "$N" = 3 ] || { say "never_promote: written for 3 nodes, skipped with $N"; return 0; }
	standby_apart never_promote node attribute NODE tandem-pgsql-role-pgsqld=never-promote
	p=$P x=$A s=$B
	wait_for 60 "never_promote: $x unpromotable" read_forbidden "$x"
	tap_result $? "never_promote: $x is never promotable (-INFINITY)"
	ahead_then_cut never_promote "$p" "$x" "$s"
	say "$x may be promoted again; $p boots again"
	node_exec "$(any_up)" pcs node attribute "$x" tandem-pgsql-role-pgsqld= >/dev/null
	node_boot "$p"
	watch_stop
	verify never_promote "$p" other yes
	wait_for 240 "never_promote: $x streams from $s" read_streams "$s" "$x"
	tap_result $? "never_promote: $x, rewound past the WAL only it held, streams from the new primary"
	sqlon "$(primary "$(any_up)")" "DROP TABLE IF EXISTS bulk"
}

# A delayed standby (recovery_min_apply_delay, a guard against a mistaken
# DROP) receives everything and replays it late (the field: it won the
# election with the most WAL, and its promotion replayed the whole delay
# before the VIP moved).  Unless its role says promotable, it is no
# synchronous voter and never promoted.  What it received past the new
# primary's fork, not replayed, is set aside (its startup process would
# replay it before streaming), and it follows the new primary once its
# replay reaches the fork (PostgreSQL streams one timeline at a time), its
# delay kept: 30 s here, so that the scenario does not wait an hour.
read_replayed_level() { # read_replayed_level PRIMARY STANDBY: STANDBY replayed PRIMARY's WAL end, streaming
	local v
	v=$(sqlon "$1" "SELECT state || ' ' || (replay_lsn >= pg_current_wal_lsn())::text FROM pg_stat_replication
		WHERE application_name = '$2'" postgres)
	echo "$2 on $1: '$v' (want 'streaming true')"
	[ "$v" = "streaming true" ]
}
read_delay() { local v; v=$(sqlon "$1" "SHOW recovery_min_apply_delay" postgres); echo "recovery_min_apply_delay on $1: '$v' (want '$2')"; [ "$v" = "$2" ]; }
scenario_delayed() {
	local p x s
	[ "$N" = 3 ] || { say "delayed: written for 3 nodes, skipped with $N"; return 0; }
	P=$(the_primary)
	p=$P x=$(others "$P" | head -n 1) s=$(others "$P" | sed -n 2p)
	wait_for 60 "delayed: the record names both standbys" read_record_both "$p"
	say "delayed: $x replays 30 s late (ALTER SYSTEM SET recovery_min_apply_delay = '30s')"
	sqlon "$x" "ALTER SYSTEM SET recovery_min_apply_delay = '30s'" postgres >/dev/null
	sqlon "$x" "SELECT pg_reload_conf()" postgres >/dev/null
	wait_for 60 "delayed: $x out of the synchronous set" read_sync_without "$p" "$x"
	tap_result $? "delayed: the primary takes $x out of the synchronous set and the commit record ($(commit_record "$p"))"
	wait_for 60 "delayed: $x unpromotable" read_forbidden "$x"
	tap_result $? "delayed: $x is never promotable (-INFINITY)"
	ahead_then_cut delayed "$p" "$x" "$s"
	say "$p boots again"
	node_boot "$p"
	watch_stop
	verify delayed "$p" other yes
	wait_for 240 "delayed: $x streams from $s" read_streams "$s" "$x"
	tap_result $? "delayed: $x, what it received past the fork set aside, streams from the new primary"
	tap_ok "delayed: and still replays 30 s late" read_delay "$x" 30s
	tap_like "$(attr "$x" tandem-pgsql-repair-pgsqld)" "WAL past the fork set aside" \
		"delayed: what $x received past the fork was set aside, not replayed (tandem-pgsql-repair-pgsqld)"
	sqlon "$x" "ALTER SYSTEM RESET recovery_min_apply_delay" postgres >/dev/null
	sqlon "$x" "SELECT pg_reload_conf()" postgres >/dev/null
	wait_for 60 "delayed: $x no longer delayed" read_delay "$x" 0
	# Level with the new primary before the next scenario: its replay
	# of what it holds, all on the new primary's history.
	wait_for 120 "delayed: $x replays level with $s" read_replayed_level "$s" "$x"
	tap_result $? "delayed: $x, no longer delayed, replays everything $s has, no repair needed"
	sqlon "$(primary "$(any_up)")" "DROP TABLE IF EXISTS bulk"
}

# A whole site's power lost (the field: after it, the old primary gone for
# good and its two standbys back, no primary ever; each refused itself
# against an empty list of nodes present).  Between them the standbys hold
# every acknowledged commit (the record names both): the more advanced is
# promoted, with every one of them.
read_record_both() { # read_record_both PRIMARY: the record names it and two standbys
	local r
	r=$(commit_record "$1")
	echo "commit record: '$r' (want primary=$1 and two standbys)"
	[[ $r =~ ^primary=$1\ sync=n[0-9],n[0-9]$ ]]
}
scenario_site_loss() {
	local p n won
	[ "$N" = 3 ] || { say "site_loss: written for 3 nodes, skipped with $N"; return 0; }
	p=$(the_primary)
	# A standby back from the last scenario joins the set once level.
	wait_for 60 "site_loss: the record names both standbys" read_record_both "$p"
	tap_result $? "site_loss: the commit record names both standbys ($(commit_record "$p"))"
	client_start 20
	watch_start
	sleep 5
	say "power cut of every node (each link first), the primary $p first"
	node_poweroff "$p"
	for n in $(others "$p"); do node_poweroff "$n"; done
	client_wait
	watch_stop
	say "$(others "$p" | words) boot again; $p stays off"
	for n in $(others "$p"); do node_boot "$n"; done
	wait_for 240 "site_loss: a primary" read_serving_primary
	tap_result $? "site_loss: one of the standbys is promoted, the primary gone"
	won=$(cat "$CL_DIR/serving" 2>/dev/null)
	tap_is "$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$won" "SELECT n FROM acked" | sort -u) | wc -l)" 0 \
		"site_loss: all $(acked_now) acknowledged commits are on the new primary ($won)"
	say "$p boots again"
	node_boot "$p"
	verify site_loss "$p" other yes
}

# Two synchronous copies of each commit (sync_count=2: ANY 2 of the four
# standbys of a five-node cluster): the primary and a standby lose power at
# once (links first).  Each acknowledged commit is on two standbys, so on
# one of the three left: they elect the most advanced by themselves, with
# every commit.  Under ANY 1 the same loss waits for a person (the lost
# standby may hold the only copy of some).
read_record_any2() { # read_record_any2 PRIMARY: the record names it, four standbys and any=2
	local r
	r=$(commit_record "$1")
	echo "commit record: '$r' (want primary=$1, four standbys, any=2)"
	[[ $r =~ ^primary=$1\ sync=n[0-9](,n[0-9]){3}\ any=2$ ]]
}
read_sync_any() { # read_sync_any NODE K: NODE's synchronous_standby_names is ANY K of four
	local v
	v=$(sqlon "$1" "SHOW synchronous_standby_names" postgres)
	echo "synchronous_standby_names on $1: '$v' (want ANY $2 of four)"
	[[ $v =~ ^ANY\ $2\ \(\"n[0-9]\"(,\ \"n[0-9]\"){3}\)$ ]]
}
scenario_quorum() {
	local p s won
	[ "$N" -ge 5 ] || { say "quorum: written for five nodes, skipped with $N"; return 0; }
	p=$(the_primary)
	node_exec "$(any_up)" pcs resource update pgsqld sync_count=2 >/dev/null
	tap_result $? "quorum: pcs resource update pgsqld sync_count=2"
	wait_for 120 "quorum: the record names ANY 2 of four" read_record_any2 "$p"
	tap_result $? "quorum: the commit record names the four standbys, two copies each ($(commit_record "$p"))"
	tap_ok "quorum: synchronous_standby_names is ANY 2 of them" read_sync_any "$p" 2
	client_start 30
	watch_start
	sleep 5
	s=$(others "$p" | head -n 1)
	say "power cut of $p and $s at once (each link first)"
	node_poweroff "$p"
	node_poweroff "$s"
	wait_for 240 "quorum: a primary among the three left" read_serving_primary
	tap_result $? "quorum: the three standbys left elect a primary by themselves"
	won=$(cat "$CL_DIR/serving" 2>/dev/null)
	client_wait
	tap_is "$(comm -23 <(sort -u "$CL_DIR/acked") <(sqlon "$won" "SELECT n FROM acked" | sort -u) | wc -l)" 0 \
		"quorum: all $(acked_now) acknowledged commits are on the new primary ($won)"
	say "$p and $s boot again"
	node_boot "$p"
	node_boot "$s"
	watch_stop
	verify quorum "$p" other yes
	wait_for 180 "quorum: $s back as a standby" read_unpromoted "$s" "$(primary "$(any_up)")"
	tap_result $? "quorum: $s is back as a standby"
	node_exec "$(any_up)" pcs resource update pgsqld sync_count=1 >/dev/null
	wait_for 60 "quorum: back to ANY 1" read_sync_any "$(the_primary)" 1
	tap_result $? "quorum: sync_count=1 again: ANY 1 of the four"
}
