#!/bin/bash
# fulldisk_test.sh --- ocf:tandem:pgsql's monitor of a primary whose disk fills up (PAF #111, #188)
#
# A real PostgreSQL primary with its data directory on a small tmpfs of
# the test's own.  The disk is filled, then clients go on writing until
# PostgreSQL cannot write its WAL.  What is checked: the deep monitor
# (OCF_CHECK_LEVEL=10) answers "primary" only while a commit still goes
# through, and once the disk stops it, the monitor fails, within its own
# timeout, never hanging.  Node attributes go to tests/pgsql/attrd-standin.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
AGENT=${PGSQL_AGENT:-${abs_top_builddir:-$top}/agents/pgsql/pgsql}
. "$top/tests/lib/pg.sh"
BIN=$(pg_bindir)
. "$top/tests/lib/tap.sh"

if [ "$(id -u)" != 0 ] || [ ! -x "$BIN/initdb" ]; then
	echo "1..0 # SKIP needs root and PostgreSQL"
	exit 77
fi
T=$(mktemp -d /tmp/tdfull.XXXXXX)
chmod 755 "$T"
cleanup() {
	[ -f "$T/disk/data/postmaster.pid" ] &&
		runuser -u postgres -- "$BIN/pg_ctl" -D "$T/disk/data" -m immediate -w stop >/dev/null 2>&1
	pkill -9 -f "postgres -D $T/disk/data" 2>/dev/null
	umount "$T/disk" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/disk" "$T/sock" "$T/rsctmp" "$T/attrs" "$T/bin"
mount -t tmpfs -o size=80m,mode=0755 tmpfs "$T/disk" || { echo "1..0 # SKIP cannot mount a tmpfs"; exit 77; }
chown postgres "$T/disk" "$T/sock"
ln -s "$top/tests/pgsql/attrd-standin.sh" "$T/bin/attrd_updater"
ln -s "$top/tests/pgsql/attrd-standin.sh" "$T/bin/crm_attribute"
runuser -u postgres -- "$BIN/initdb" -D "$T/disk/data" -U postgres --auth-local=peer --no-sync >/dev/null
cat >>"$T/disk/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$T/sock'
wal_log_hints = on
max_wal_size = '32MB'
min_wal_size = '32MB'
CONF
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/disk/data" -l "$T/sock/pg.log" -w -s start >/dev/null
sql() { runuser -u postgres -- "$BIN/psql" -h "$T/sock" -d postgres -XAtq -c "$1" 2>&1; }
sql "CREATE TABLE filler (x text)" >/dev/null

# mon: the deep monitor of the primary, as execd runs it; sets RC, ERR.
mon() {
	# shellcheck disable=SC2086
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$T/rsctmp" \
		OCF_RESOURCE_INSTANCE=pgsqld OCF_RESKEY_CRM_meta_on_node=n1 OCF_RESKEY_CRM_meta_timeout=10000 \
		OCF_RESKEY_CRM_meta_interval=15000 OCF_CHECK_LEVEL=10 \
		OCF_RESKEY_pgdata="$T/disk/data" OCF_RESKEY_pghost="$T/sock" ATTR_DIR="$T/attrs" \
		OCF_RESKEY_primary_conninfo="host=$T/sock port=5432" \
		TANDEM_ATTRD_UPDATER="$T/bin/attrd_updater" TANDEM_CRM_ATTRIBUTE="$T/bin/crm_attribute" \
		timeout 120 ${VALGRIND:-} "$AGENT" monitor >/dev/null 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
}

mon
tap_is "$RC" 8 "deep monitor of a healthy primary: 8"
# The disk fills up with something else than PostgreSQL.
dd if=/dev/zero of="$T/disk/other-files" bs=1M >/dev/null 2>&1
tap_ok "the disk is full" sh -c "[ \$(df --output=avail -B1 '$T/disk' | tail -1) -lt 1048576 ]"
# Clients go on writing until PostgreSQL cannot: WAL needs a segment the
# disk cannot hold.  Each statement is bounded; the loop too.
for _ in $(seq "$(scaled 200)"); do
	out=$(timeout 10 runuser -u postgres -- "$BIN/psql" -h "$T/sock" -d postgres -XAtq \
		-c "INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 2000)" 2>&1) || break
done
tap_like "$out" 'No space left on device|could not (write|extend)|terminat|server closed the connection|PANIC' \
	"clients are stopped by the full disk ($(head -1 <<<"$out"))"
mon
tap_like "$RC" '^(1|9)$' "then the deep monitor reports a failed primary (rc $RC: $(head -1 <<<"$ERR"))"
tap_ok "it ended by itself, not at the test's backstop (timeout 120)" test "$RC" != 124
tap_like "$ERR" 'ocf-exit-reason:' "with one line saying why"
tap_done
