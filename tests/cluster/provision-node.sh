#!/bin/bash
# provision-node.sh --- prepares PostgreSQL on one cluster node, as the README tells admins to
#
#   provision-node.sh NODE FIRST_NODE SUBNET [CLUSTER PORT]
# Runs on the node (inside its namespaces, or on a VM).  The first node gets
# a data directory (initdb) with replication set up; the others get only
# the password file: Tandem clones them with pg_basebackup at their first
# start.  Idempotent.  The node's newest PostgreSQL major (Debian's layout:
# /usr/lib/postgresql/NN/bin, /var/lib/postgresql/NN/CLUSTER, CLUSTER main
# on port 5432 unless given: a second database cluster beside the first).
set -euo pipefail
. "$(dirname "$0")/../lib/pg.sh"
node=$1 first=$2 subnet=$3 cluster=${4:-main} port=${5:-5432}
bin=$(pg_bindir)
major=$(basename "$(dirname "$bin")")
data=/var/lib/postgresql/$major/$cluster
pass=/var/lib/postgresql/.pgpass-replication
secret=${TANDEM_REPLICATION_PASSWORD:-tandem-replication}

install -d -o postgres -g postgres -m 0700 "/var/lib/postgresql/$major"
# ARCHIVE_REPO: a WAL archive in a pgBackRest repository there (a directory
# every node reaches, standing in for NFS), as pgBackRest's user guide
# sets one up: its configuration on every node, archive_command and
# restore_command in postgresql.conf (standbys get it with their clone).
if [ -n "${ARCHIVE_REPO:-}" ]; then
	# Made here: the node's postgres (its root's uid) owns it.
	install -d -o postgres -g postgres -m 0750 "$ARCHIVE_REPO" /var/lib/postgresql/pgbackrest
	cat >/var/lib/postgresql/pgbackrest.conf <<CONF
[global]
repo1-path=$ARCHIVE_REPO
log-path=/var/lib/postgresql/pgbackrest
lock-path=/var/lib/postgresql/pgbackrest
[$cluster]
pg1-path=$data
pg1-port=$port
pg1-socket-path=/run/postgresql
CONF
	chmod 644 /var/lib/postgresql/pgbackrest.conf
fi
# TLS_DIR: replication over TLS (docs/security.md): every node trusts
# the CA (root.crt); the first node's data directory holds the server's
# certificate and key, which each clone copies.
if [ -n "${TLS_DIR:-}" ]; then
	install -m 0644 "$TLS_DIR/root.crt" /var/lib/postgresql/root.crt
fi
umask 077
printf '*:*:*:replicator:%s\n' "$secret" >"$pass"
chown postgres:postgres "$pass"
chmod 600 "$pass"
[ "$node" = "$first" ] || exit 0
[ -f "$data/PG_VERSION" ] && exit 0
runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
	--data-checksums >/dev/null
cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '*'
port = $port
unix_socket_directories = '/run/postgresql'
wal_log_hints = on
wal_keep_size = '256MB'
hot_standby = on
# Room for twenty neighbours beside the standbys (the neighbours scenario).
max_wal_senders = 30
CONF
# As the README advises: a crashed server's start (kill -9, restart in
# place) fsyncs every file of its data directory before recovery, unless
# one syncfs(2) per filesystem does it (PostgreSQL 14+, Linux).
[ "$major" -lt 14 ] || echo "recovery_init_sync_method = syncfs" >>"$data/postgresql.conf"
# From 17 on, logical decoding as a CDC tool or a subscriber needs it: its
# failover slots are carried to the standbys (logical_failover).
[ "$major" -lt 17 ] || echo "wal_level = logical" >>"$data/postgresql.conf"
if [ -n "${ARCHIVE_REPO:-}" ]; then
	pgbr="pgbackrest --config=/var/lib/postgresql/pgbackrest.conf --stanza=$cluster"
	cat >>"$data/postgresql.conf" <<CONF
archive_mode = on
archive_command = '$pgbr archive-push %p'
restore_command = '$pgbr archive-get %f "%p"'
CONF
fi
replication=host
if [ -n "${TLS_DIR:-}" ]; then
	install -o postgres -g postgres -m 0644 "$TLS_DIR/server.crt" "$data/server.crt"
	install -o postgres -g postgres -m 0600 "$TLS_DIR/server.key" "$data/server.key"
	echo "ssl = on" >>"$data/postgresql.conf"
	replication=hostssl # replication without TLS is refused
fi
cat >"$data/pg_hba.conf" <<HBA
local all postgres peer
local replication replicator scram-sha-256
$replication replication replicator $subnet scram-sha-256
host postgres replicator $subnet scram-sha-256
host all app $subnet scram-sha-256
HBA
runuser -u postgres -- "$bin/pg_ctl" -D "$data" -w -s -l /dev/null start
PSQL=/usr/bin/psql
run() { runuser -u postgres -- $PSQL -h /run/postgresql -p "$port" -XAtq -d postgres -c "$1" >/dev/null; }
run "CREATE ROLE replicator LOGIN REPLICATION PASSWORD '$secret'"
for f in "pg_ls_dir(text, boolean, boolean)" "pg_stat_file(text, boolean)" "pg_read_binary_file(text)" \
	"pg_read_binary_file(text, bigint, bigint, boolean)"; do
	run "GRANT EXECUTE ON FUNCTION pg_catalog.$f TO replicator"
done
run "CREATE ROLE app LOGIN PASSWORD 'app'"
run "CREATE DATABASE app OWNER app"
if [ -n "${ARCHIVE_REPO:-}" ]; then
	runuser -u postgres -- pgbackrest --config=/var/lib/postgresql/pgbackrest.conf --stanza="$cluster" stanza-create
	runuser -u postgres -- pgbackrest --config=/var/lib/postgresql/pgbackrest.conf --stanza="$cluster" check
fi
runuser -u postgres -- "$bin/pg_ctl" -D "$data" -w -s stop
