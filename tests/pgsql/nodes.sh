# nodes.sh --- PostgreSQL "nodes" on one machine, driven by ocf:tandem:pgsql as execd drives it
# shellcheck shell=bash disable=SC2154,SC2034 # top and AGENT are the caller's; RC and ERR are for it
#
# Sourced by tests/pgsql/integration_test.sh and tests/bench/repair.sh,
# after tests/lib/pg.sh (BIN) and with AGENT and top set.  Each node of
# NODES (default "n1 n2 n3") is a data directory and a socket directory
# under $T (Unix sockets only, all on port 5432).  $T/vip is a symbolic
# link to the primary's socket directory: moving it is moving the virtual
# IP.  Node attributes go to attrd-standin.sh, since the attribute daemon
# needs a running cluster (tests/cluster has the real one).  VALGRIND,
# when set, prefixes every agent run.
NODES=${NODES:-n1 n2 n3}
T=$(mktemp -d "/tmp/${T_PREFIX:-tdpg}.XXXXXX")
chmod 755 "$T"
cleanup() {
	for n in $NODES; do
		[ -f "$T/$n/data/postmaster.pid" ] && runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$n/data" -m immediate -w stop >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/bin" "$T/attrs"
ln -s "$top/tests/pgsql/attrd-standin.sh" "$T/bin/attrd_updater"
ln -s "$top/tests/pgsql/attrd-standin.sh" "$T/bin/crm_attribute"
for n in $NODES; do
	mkdir -p "$T/$n/sock" "$T/$n/rsctmp"
	chown postgres:postgres "$T/$n" "$T/$n/sock"
done
SECRET=s3cret-pw-$$
printf '*:*:*:replicator:%s\n' "$SECRET" >"$T/pgpass"
chown postgres:postgres "$T/pgpass"
chmod 600 "$T/pgpass"

# ra NODE ACTION [NAME=value...]: the agent as execd runs it; sets RC, ERR.
ra() {
	local n=$1 action=$2
	shift 2
	# shellcheck disable=SC2086
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$T/$n/rsctmp" \
		OCF_RESOURCE_INSTANCE=pgsqld OCF_RESKEY_CRM_meta_on_node=$n OCF_RESKEY_CRM_meta_timeout=${RA_TIMEOUT_MS:-60000} \
		OCF_RESKEY_CRM_meta_notify=true OCF_RESKEY_CRM_meta_promoted_max=1 \
		OCF_RESKEY_pgdata="$T/$n/data" OCF_RESKEY_pghost="$T/$n/sock" \
		OCF_RESKEY_start_opts="-c unix_socket_directories=$T/$n/sock" \
		OCF_RESKEY_primary_conninfo="host=$T/vip port=5432" OCF_RESKEY_passfile="$T/pgpass" \
		OCF_RESKEY_logfile="$T/$n/log" ATTR_DIR="$T/attrs" \
		TANDEM_ATTRD_UPDATER="$T/bin/attrd_updater" TANDEM_CRM_ATTRIBUTE="$T/bin/crm_attribute" \
		"$@" ${VALGRIND:-} "$AGENT" "$action" >"$T/out" 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
	cat "$T/err" >>"$T/agent.log"
}
# The server's own psql: Debian's /usr/bin/psql is a Perl wrapper, three
# times the CPU of a call (the waits below poll with it).
sql() { runuser -u postgres -- "$BIN/psql" -h "$T/$1/sock" -p 5432 -d postgres -XAtq -c "$2" 2>&1; }
attr() { cat "$T/attrs/$1/$2" 2>/dev/null; }
vip_to() { ln -sfn "$T/$1/sock" "$T/vip"; }
notify() { # notify NODE TYPE OP [NAME=value...]: a notification with every node a clone node
	local n=$1 type=$2 op=$3
	shift 3
	ra "$n" notify OCF_RESKEY_CRM_meta_notify_type="$type" OCF_RESKEY_CRM_meta_notify_operation="$op" \
		OCF_RESKEY_CRM_meta_notify_all_uname="$NODES" "$@"
}
# procs NODE: the pids of a node's PostgreSQL processes (they run in its data directory).
procs() { for p in $(pgrep -x postgres); do [ "$(readlink /proc/$p/cwd)" = "$T/$1/data" ] && echo "$p"; done; }
# pg_on NODE start|stop|promote|restart [PG_CTL-ARGS...]: pg_ctl, behind the agent's back.
pg_on() {
	local n=$1 what=$2
	shift 2
	case $what in
	start | restart) runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$n/data" -w -s -l "$T/$n/log" "$what" \
		-o "-c unix_socket_directories=$T/$n/sock" "$@" >/dev/null ;;
	*) runuser -u postgres -- "$BIN/pg_ctl" -D "$T/$n/data" -w -s "$what" "$@" ;;
	esac
}
# streams_to PRIMARY STANDBY: STANDBY streams from PRIMARY.
# Prints what it saw otherwise: the primary's walsenders, the standby's receiver.
streams_to() {
	local seen
	seen=$(sql "$1" "SELECT application_name || ' ' || state FROM pg_stat_replication")
	[ "$(grep -cx "$2 streaming" <<<"$seen")" = 1 ] && return 0
	echo "walsenders on $1: ${seen:-none}; receiver on $2: $(sql "$2" "SELECT coalesce(status, '') || ' ' || coalesce(sender_host, '') FROM pg_stat_wal_receiver")"
	return 1
}

# first_node NODE: a first node, made by initdb as an admin would, with
# the replication role and what pg_rewind needs from its source; stopped.
first_node() {
	local n=$1 f
	runuser -u postgres -- "$BIN/initdb" -D "$T/$n/data" -U postgres --auth-local=peer --no-sync >/dev/null
	cat >>"$T/$n/data/postgresql.conf" <<CONF
listen_addresses = ''
password_encryption = 'scram-sha-256'
# A standby that goes silent holds commits until the agent acts, never
# until PostgreSQL's own timeout gives up on it.
wal_sender_timeout = 0
wal_log_hints = on
fsync = off
wal_keep_size = '64MB'
# Room for twenty neighbours beside the standbys.
max_wal_senders = 30
CONF
	cat >"$T/$n/data/pg_hba.conf" <<HBA
local all postgres peer
local replication replicator scram-sha-256
local postgres replicator scram-sha-256
HBA
	pg_on "$n" start
	sql "$n" "CREATE ROLE replicator LOGIN REPLICATION PASSWORD '$SECRET'" >/dev/null
	# What pg_rewind needs from its source, as the PostgreSQL documentation lists.
	for f in "pg_ls_dir(text, boolean, boolean)" "pg_stat_file(text, boolean)" "pg_read_binary_file(text)" \
		"pg_read_binary_file(text, bigint, bigint, boolean)"; do
		sql "$n" "GRANT EXECUTE ON FUNCTION pg_catalog.$f TO replicator" >/dev/null
	done
	sql "$n" "CREATE TABLE acked (n int PRIMARY KEY)" >/dev/null
	pg_on "$n" stop
}

# archive_setup NODE...: a pgBackRest repository under $T (stanza
# "tandem") and archive_command / restore_command in each NODE's
# postgresql.conf, as pgBackRest's user guide sets them.  On a real node
# pg1-path is the one data directory, set in its /etc/pgbackrest.conf;
# here the nodes share a host: each names its own (pg_rewind and
# pg_basebackup copy it along: the same cluster, the same system
# identifier, which is what archive-get checks).
archive_setup() {
	local n
	install -d -o postgres -g postgres "$T/repo" "$T/pgbr"
	cat >"$T/pgbackrest.conf" <<CONF
[global]
repo1-path=$T/repo
log-path=$T/pgbr
lock-path=$T/pgbr
[tandem]
pg1-port=5432
CONF
	chmod 644 "$T/pgbackrest.conf"
	for n in "$@"; do archive_lines "$n"; done
}
# archive_lines NODE: NODE's own archive_command and restore_command,
# appended to its postgresql.conf (the last setting wins: a clone copies
# its source's).
archive_lines() {
	local pgbr="pgbackrest --config=$T/pgbackrest.conf --stanza=tandem --pg1-path=$T/$1/data"
	cat >>"$T/$1/data/postgresql.conf" <<CONF
archive_mode = on
archive_command = '$pgbr archive-push %p'
restore_command = '$pgbr archive-get %f "%p"'
CONF
}
# pgbackrest_as NODE COMMAND...: pgBackRest run as postgres for NODE's data directory.
pgbackrest_as() {
	runuser -u postgres -- pgbackrest --config="$T/pgbackrest.conf" --stanza=tandem \
		--pg1-path="$T/$1/data" --pg1-socket-path="$T/$1/sock" "${@:2}" 2>&1
}
