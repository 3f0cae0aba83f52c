#!/bin/bash
# integration_test.sh --- ocf:tandem:pgbouncer against a real PgBouncer and a real PostgreSQL
#
# PostgreSQL and PgBouncer on Unix sockets in a directory of the test's own
# (no TCP), run as postgres; the agent driven as pacemaker-execd drives it.
# Also the admin-console half of a planned switchover: a PAUSE that lasts
# past pause_timeout is ended by monitor.  VALGRIND, when set, prefixes
# every agent run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
AGENT=${PGBOUNCER_AGENT:-${abs_top_builddir:-$top}/agents/pgbouncer/pgbouncer}
. "$top/tests/lib/pg.sh"
BIN=$(pg_bindir)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"

if [ "$(id -u)" != 0 ] || [ ! -x "$BIN/initdb" ] || [ ! -x /usr/sbin/pgbouncer ]; then
	echo "1..0 # SKIP needs root, PostgreSQL and PgBouncer"
	exit 77
fi
T=$(mktemp -d /tmp/tdpgb.XXXXXX)
chmod 755 "$T"
cleanup() {
	[ -f "$T/sock/pgb.pid" ] && kill -9 "$(cat "$T/sock/pgb.pid")" 2>/dev/null
	[ -f "$T/db/postmaster.pid" ] && runuser -u postgres -- "$BIN/pg_ctl" -D "$T/db" -m immediate -w stop >/dev/null 2>&1
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
install -d -o postgres "$T/db" "$T/sock" "$T/rsctmp"
runuser -u postgres -- "$BIN/initdb" -D "$T/db" -A trust >/dev/null 2>&1
runuser -u postgres -- "$BIN/pg_ctl" -D "$T/db" -w -s -l "$T/db/startup.log" \
	-o "-c listen_addresses= -c port=5499 -c unix_socket_directories=$T/sock" start
ADMIN_PW=adm-$$-secret
cat >"$T/pgbouncer.ini" <<INI
[databases]
postgres = host=$T/sock port=5499 dbname=postgres
app-db = host=$T/sock port=5499 dbname=postgres
[pgbouncer]
listen_addr =
listen_port = 6499
unix_socket_dir = $T/sock
pidfile = $T/sock/pgb.pid
logfile = $T/sock/pgb.log
auth_type = plain
auth_file = $T/userlist.txt
admin_users = pgbouncer
pool_mode = transaction
INI
printf '"pgbouncer" "%s"\n"postgres" "client-pw"\n' "$ADMIN_PW" >"$T/userlist.txt"
printf '*:*:*:postgres:client-pw\n' >"$T/clientpass"
chmod 600 "$T/clientpass"
chown postgres "$T/clientpass"
printf '*:*:*:pgbouncer:%s\n' "$ADMIN_PW" >"$T/adminpass"
chmod 600 "$T/adminpass"
chown postgres "$T/pgbouncer.ini" "$T/userlist.txt"

# ra ACTION [NAME=value...]: the agent as execd runs it; sets RC, ERR.
ra() {
	local action=$1
	shift
	# shellcheck disable=SC2086
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$T/rsctmp" \
		OCF_RESOURCE_INSTANCE=pgbouncer OCF_RESKEY_CRM_meta_timeout=10000 \
		OCF_RESKEY_config="$T/pgbouncer.ini" OCF_RESKEY_pidfile="$T/sock/pgb.pid" \
		OCF_RESKEY_admin="host=$T/sock port=6499 dbname=pgbouncer user=pgbouncer" \
		OCF_RESKEY_passfile="$T/adminpass" \
		"$@" ${VALGRIND:-} "$AGENT" "$action" >"$T/out" 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
	cat "$T/err" >>"$T/agent.log"
}
admin() { "$BIN/psql" "host=$T/sock port=6499 dbname=pgbouncer user=pgbouncer passfile=$T/adminpass" -XAtq -c "$1" 2>&1; }
client() { runuser -u postgres -- "$BIN/psql" "host=$T/sock port=6499 dbname=postgres user=postgres connect_timeout=3 passfile=$T/clientpass" -XAtq -c "$1" 2>&1; }

echo "# meta-data and bad input"
ra meta-data
tap_is "$RC" 0 "meta-data"
ra validate-all
tap_is "$RC" 0 "validate-all of a good configuration"
ra validate-all OCF_RESKEY_pgbouncer=/nonexistent/pgbouncer
tap_is "$RC" 5 "a pgbouncer program that is not there: 5"
ra validate-all OCF_RESKEY_config=/nonexistent.ini
tap_is "$RC" 5 "a config that is not there: this node's fault, 5 (6 would stop every node)"
tap_like "$ERR" 'ocf-exit-reason:config "/nonexistent.ini" is not a readable file' "one clear line"
ra validate-all OCF_RESKEY_user=no-such-user-here
tap_is "$RC" 5 "a user that does not exist: this node's, 5"
ra validate-all OCF_RESKEY_passfile=/nonexistent
tap_is "$RC" 5 "a passfile that is not there: this node's, 5"
ra validate-all OCF_RESKEY_pause_timeout=0
tap_is "$RC" 6 "pause_timeout below 1: 6"
ra monitor
tap_is "$RC" 7 "probe before any start: not running"

echo "# start, monitor, clients"
ra start
tap_is "$RC" 0 "start"
ra monitor OCF_RESKEY_CRM_meta_interval=5000
tap_is "$RC" 0 "monitor: running"
tap_is "$(client 'SELECT 42')" 42 "a client's query goes through PgBouncer"

echo "# transient versus persistent: PgBouncer silent for a moment, then for longer than a monitor"
pgb_pid=$(cat "$T/sock/pgb.pid")
kill -STOP "$pgb_pid"
# Woken once the agent has seen a reading fail (its log says so), however
# slowly it runs (valgrind): the fault is transient by construction.
: >"$T/err"
(for _ in $(seq "$(scaled 300)"); do grep -q 'failed once' "$T/err" 2>/dev/null && break; sleep 0.1; done
	kill -CONT "$pgb_pid") &
ra monitor OCF_RESKEY_CRM_meta_interval=5000
wait
tap_is "$RC" 0 "monitor: silent for one reading of a 10 s monitor is no failure (read again, 2 s a reading)"
tap_like "$(cat "$T/agent.log")" 'answered at reading [0-9]+: a transient failure, not a failed resource' \
	"and the log says it was read again"
kill -STOP "$pgb_pid"
ra monitor OCF_RESKEY_CRM_meta_interval=5000 OCF_RESKEY_CRM_meta_timeout=3000
kill -CONT "$pgb_pid"
tap_is "$RC" 1 "monitor: silent for the whole monitor is a failure"
tap_like "$ERR" 'ocf-exit-reason:pgbouncer \(pid [0-9]+\) does not answer its admin console: ' "in one line"
ra monitor OCF_RESKEY_CRM_meta_interval=5000
tap_is "$RC" 0 "answering again: running"
ra start
tap_is "$RC" 0 "start of a running PgBouncer succeeds"
tap_ok "the admin password never reaches a log" sh -c "! grep -q '$ADMIN_PW' '$T/agent.log'"

echo "# a pause never becomes an outage"
admin "PAUSE postgres" >/dev/null
admin 'PAUSE "app-db"' >/dev/null
ra monitor OCF_RESKEY_CRM_meta_interval=5000 OCF_RESKEY_pause_timeout=2
tap_is "$RC" 0 "paused: still running"
tap_like "$(admin 'SHOW DATABASES' | grep '^postgres|' | cut -d'|' -f12)" '^1$' "and left paused within pause_timeout"
sleep 3
ra monitor OCF_RESKEY_CRM_meta_interval=5000 OCF_RESKEY_pause_timeout=2
tap_is "$RC" 0 "paused longer than pause_timeout: still running"
tap_like "$ERR" 'warning: paused for [0-9]+s, longer than pause_timeout: RESUME' "monitor says it resumes"
tap_is "$(admin 'SHOW DATABASES' | grep '^postgres|' | cut -d'|' -f12)" 0 "and PgBouncer is resumed"
tap_is "$(admin 'SHOW DATABASES' | grep '^app-db|' | cut -d'|' -f12)" 0 "app-db too, a name that needs quoting (pgbouncer #537)"
tap_is "$(client 'SELECT 43')" 43 "clients are served again"

echo "# failures"
kill -STOP "$(cat "$T/sock/pgb.pid")"
ra monitor OCF_RESKEY_CRM_meta_interval=5000 OCF_RESKEY_CRM_meta_timeout=3000
tap_is "$RC" 1 "a hung PgBouncer: failure within the monitor's timeout"
tap_like "$ERR" 'ocf-exit-reason:pgbouncer \(pid [0-9]+\) does not answer its admin console' "reason says so"
kill -CONT "$(cat "$T/sock/pgb.pid")"
ra stop
tap_is "$RC" 0 "stop (SHUTDOWN through the admin console)"
tap_ok "it is gone" sh -c "! kill -0 $(cat "$T/sock/pgb.pid" 2>/dev/null || echo 999999) 2>/dev/null"
ra stop
tap_is "$RC" 0 "stop of a stopped PgBouncer succeeds"
ra monitor
tap_is "$RC" 7 "monitor after stop: not running"
ra start
pid=$(cat "$T/sock/pgb.pid")
kill -9 "$pid"
sleep 0.3
ra monitor OCF_RESKEY_CRM_meta_interval=5000
tap_is "$RC" 7 "killed (-9): not running, Pacemaker restarts it"
ra start
tap_is "$RC" 0 "start after a crash"
kill -STOP "$(cat "$T/sock/pgb.pid")"
ra stop OCF_RESKEY_CRM_meta_timeout=6000
tap_is "$RC" 0 "stop of a hung PgBouncer escalates to KILL"
tap_like "$ERR" 'still runs: terminating it' "the log says so"

echo "# what the pid file's owner plants there (docs/security.md)"
sleep 100000 &
sentinel=$!
ra start
tap_is "$RC" 0 "start"
# A hung PgBouncer whose pid file names a root process (corosync's place):
# stop's escalation must not reach that process.
real=$(cat "$T/sock/pgb.pid")
kill -STOP "$real"
runuser -u postgres -- sh -c 'echo "$1" >"$2"' sh "$sentinel" "$T/sock/pgb.pid"
ra stop OCF_RESKEY_CRM_meta_timeout=6000
tap_ok "a hung PgBouncer, its pid file naming a root process: stop signals nothing of root's" kill -0 "$sentinel"
tap_like "$RC $ERR" '^[01] ' "and ends by itself with an OCF code ($RC)"
kill -KILL "$real"
rm -f "$T/sock/pgb.pid"
ra monitor OCF_RESKEY_CRM_meta_interval=5000
tap_is "$RC" 7 "monitor: not running"
rm -f "$T/sock/pgb.pid"
runuser -u postgres -- mkfifo "$T/sock/pgb.pid"
# Killed when it outlives its own deadline (10 s) many times over: the
# open of a FIFO never returns by itself.
VALGRIND="timeout -s KILL $(scaled 30)" ra monitor OCF_RESKEY_CRM_meta_interval=5000
tap_is "$RC" 7 "a FIFO at the pid file: monitor answers by itself, not running"
VALGRIND="timeout -s KILL $(scaled 30)" ra stop
tap_is "$RC" 0 "and stop succeeds"
kill "$sentinel"
rm -f "$T/sock/pgb.pid"
tap_done
