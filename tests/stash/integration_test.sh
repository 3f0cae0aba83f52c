#!/bin/bash
# integration_test.sh --- ocf:tandem:stash against the Bitbucket stand-in, row by row of the HA guide
#
# One network namespace of its own (the stand-in listens on its loopback);
# an installation laid out as Bitbucket's (bin/start-bitbucket.sh,
# bin/stop-bitbucket.sh) holding tests/stash-double, a home directory owned
# by the run-as user, and for db_check a real PostgreSQL on the
# namespace's loopback.  The agent is driven as pacemaker-execd drives it;
# node attributes go to tests/pgsql/attrd-standin.sh.  VALGRIND, when set,
# prefixes every agent run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${abs_top_srcdir:-$here/../..}
AGENT=${STASH_AGENT:-${abs_top_builddir:-$top}/agents/stash/stash}
. "$top/tests/lib/pg.sh"
BIN=$(pg_bindir)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/netns.sh"

if [ "$(id -u)" != 0 ] || [ ! -x "$BIN/initdb" ] || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs root, python3 and PostgreSQL"
	exit 77
fi
RUNAS=nobody
T=$(mktemp -d /tmp/tdstash.XXXXXX)
chmod 755 "$T"
cleanup() {
	[ -f "$T/db/postmaster.pid" ] && runuser -u postgres -- "$BIN/pg_ctl" -D "$T/db" -m immediate -w stop >/dev/null 2>&1
	netns_cleanup
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
netns_init "tds$$-"
trap cleanup EXIT
netns_host s1 192.0.2.31 ""
ip -n "tds$$-s1" link set lo up

# The installation and the home, as Bitbucket's installer lays them out.
"$top/tests/stash-double/install.sh" "$T/install"
mkdir -p "$T/home/shared" "$T/rsctmp" "$T/attrs" "$T/bin"
cat >"$T/home/shared/bitbucket.properties" <<'P'
# written by the setup wizard
server.port=7990
jdbc.driver=org.postgresql.Driver
jdbc.url=jdbc\:postgresql\://127.0.0.1\:5499,localhost\:5499/bitbucket?targetServerType\=primary
jdbc.user=bitbucket
jdbc.password=not-used-by-the-agent
P
chown -R "$RUNAS" "$T/home" "$T/install/work"
ln -s "$top/tests/pgsql/attrd-standin.sh" "$T/bin/attrd_updater"
PIDFILE=$T/install/work/catalina.pid

# ra ACTION [NAME=value...]: the agent as execd runs it; sets RC, ERR.
# RA_BOUND: seconds after which it is killed, as execd does at the timeout.
ra() {
	local action=$1
	shift
	# shellcheck disable=SC2086
	ip netns exec "tds$$-s1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$T/rsctmp" \
		OCF_RESOURCE_INSTANCE=stash OCF_RESKEY_CRM_meta_on_node=s1 OCF_RESKEY_CRM_meta_timeout=20000 \
		OCF_RESKEY_install_dir="$T/install" OCF_RESKEY_home_dir="$T/home" OCF_RESKEY_user=$RUNAS \
		OCF_RESKEY_status_url=http://127.0.0.1:7990/status ATTR_DIR="$T/attrs" \
		TANDEM_ATTRD_UPDATER="$T/bin/attrd_updater" \
		"$@" ${RA_BOUND:+timeout -s KILL "$RA_BOUND"} ${VALGRIND:-} "$AGENT" "$action" >"$T/out" 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
	cat "$T/err" >>"$T/agent.log"
}
mode() { echo "$1" >"$T/home/double-mode"; }
# as_user USER COMMAND... &: COMMAND as USER in the namespace, in the
# background only: the subshell execs it (nor does setpriv fork), so $! is
# COMMAND's pid.
as_user() { exec ip netns exec "tds$$-s1" setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups "${@:2}"; }
jvm_pid() { cat "$PIDFILE" 2>/dev/null; }

echo "# meta-data and bad input: one clear line, the right code"
ra meta-data
tap_is "$RC" 0 "meta-data"
tap_like "$(cat "$T/out")" 'name="monitor" timeout="30s" interval="15s"' "meta-data advises the guide's monitor: every 15 s, 30 s timeout"
ra validate-all
tap_is "$RC" 0 "validate-all of a good configuration"
ra validate-all OCF_RESKEY_install_dir=/nonexistent
tap_is "$RC" 5 "no start script in install_dir: 5"
tap_like "$ERR" 'ocf-exit-reason:no executable bin/start-bitbucket.sh or bin/start-stash.sh in /nonexistent' "it says which"
ra validate-all OCF_RESKEY_home_dir=/nonexistent
tap_is "$RC" 5 "home_dir that does not exist on this node: 5 (6 would stop it everywhere)"
ra validate-all OCF_RESKEY_home_dir="$T/rsctmp"
tap_is "$RC" 5 "home_dir owned by another user on this node: 5"
tap_like "$ERR" "ocf-exit-reason:home_dir \"$T/rsctmp\" belongs to uid 0, not to $RUNAS" "it names the owner"
ra validate-all OCF_RESKEY_status_url=ftp://127.0.0.1/status
tap_is "$RC" 6 "a status_url that is not http(s): 6"
tap_like "$ERR" 'status_url' "the reason names the parameter"
ra validate-all OCF_RESKEY_java_home=/nonexistent
tap_is "$RC" 5 "java_home without bin/java: 5"
ra validate-all OCF_RESKEY_user=no-such-user-here
tap_is "$RC" 5 "a user that does not exist on this node: 5"
ra validate-all OCF_RESKEY_transition_grace=soon
tap_is "$RC" 6 "transition_grace that is not a number: 6"
ra dance
tap_is "$RC" 3 "an unknown action: 3"
ra stop OCF_RESKEY_home_dir=/nonexistent
tap_is "$RC" 0 "stop with a configuration that never validated succeeds (nothing can run)"
ra monitor
tap_is "$RC" 7 "probe before any start: not running"

echo "# start: through STARTING to RUNNING"
echo 2 >"$T/home/double-start-seconds"
ra start
tap_is "$RC" 0 "start waits through 503 STARTING until RUNNING"
pid=$(jvm_pid)
tap_ok "the JVM runs as $RUNAS" test "$(ps -o user= -p "$pid" 2>/dev/null)" = "$RUNAS"
tap_like "$(tr '\0' '\n' </proc/"$pid"/environ)" "BITBUCKET_HOME=$T/home" "it was given BITBUCKET_HOME"
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 0 "monitor: RUNNING"
ra start
tap_is "$RC" 0 "start of a running instance succeeds"
tap_is "$(jvm_pid)" "$pid" "and starts nothing new"

echo "# monitor: the guide's table"
mode maintenance
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 0 "200 MAINTENANCE: running (backups put it there), never a failure"
tap_like "$ERR" 'MAINTENANCE.*not a failure' "and it says so"
mode first_run
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 0 "200 FIRST_RUN: running"
tap_like "$ERR" 'warning: .*FIRST_RUN.*not configured yet' "with a warning"
mode error
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 1 "500 ERROR: failure (restart in place, then failover by migration-threshold)"
tap_like "$ERR" 'ocf-exit-reason:http://127.0.0.1:7990/status: ERROR \(HTTP 500\): Stash reports an error' "reason: one line"
mode undeployed
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 6 "404: a hard error that does not bounce between nodes"
tap_like "$ERR" 'failed to deploy.*another node would fail too' "reason says why"
mode garbage
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_CRM_meta_timeout=3000
tap_is "$RC" 1 "200 with a body that is not /status's JSON, for the whole monitor: failure"
echo "# transient versus persistent: one reading that is not /status's is no failure"
# Back to RUNNING once the agent has seen a reading fail (its log says
# so), however slowly it runs (valgrind): transient by construction.
: >"$T/err"
(for _ in $(seq "$(scaled 300)"); do grep -q 'failed once' "$T/err" 2>/dev/null && break; sleep 0.1; done
	mode running) &
ra monitor OCF_RESKEY_CRM_meta_interval=15000
wait
tap_is "$RC" 0 "a body that is not /status's for one reading of a 20 s monitor: read again, RUNNING"
tap_like "$(cat "$T/agent.log")" "Stash's /status answered at reading [0-9]+: a transient failure" "and the log says so"
mode redirect
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 6 "a redirect from /status: a configuration error"
tap_like "$ERR" 'HTTP 302 to https://localhost:8443/status' "it names where it points"
mode starting
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_transition_grace=2
tap_is "$RC" 0 "503 STARTING outside start: running within the grace"
sleep 3
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_transition_grace=2
tap_is "$RC" 1 "503 STARTING for longer than transition_grace: failure"
mode running
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_transition_grace=2
tap_is "$RC" 0 "back to RUNNING"
mode stopping
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_transition_grace=2
tap_is "$RC" 0 "a new STOPPING starts a new grace"
mode hang
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_CRM_meta_timeout=3000
tap_is "$RC" 1 "a hanging /status: failure within the monitor's own timeout, never a hang"
tap_like "$ERR" 'no answer in time' "reason says so"

echo "# database awareness (db_check): do nothing when the database is down"
mode error
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_db_check=true
tap_is "$RC" 0 "ERROR and PostgreSQL down: no restart, no failover (the guide)"
tap_like "$ERR" 'warning: .*its database does not answer.*database 127.0.0.1:5499,localhost:5499' "the log says why and names the hosts"
tap_is "$(cat "$T/attrs/s1/tandem-stash-db-stash" 2>/dev/null)" unreachable "node attribute tandem-stash-db-stash=unreachable"
install -d -o postgres "$T/db"
runuser -u postgres -- "$BIN/initdb" -D "$T/db" -A trust >/dev/null 2>&1
ip netns exec "tds$$-s1" runuser -u postgres -- "$BIN/pg_ctl" -D "$T/db" -w -s -l "$T/db/startup.log" \
	-o "-c listen_addresses=127.0.0.1 -c port=5499 -c unix_socket_directories=$T/db" start
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_db_check=true
tap_is "$RC" 1 "ERROR with its database answering: failure, a restart may help"
tap_is "$(cat "$T/attrs/s1/tandem-stash-db-stash" 2>/dev/null)" reachable "tandem-stash-db-stash=reachable"
mode running
ra validate-all OCF_RESKEY_db_check=true
tap_is "$RC" 0 "validate with db_check reads jdbc.url (escaped colons, two hosts)"
sed 's/^jdbc.url=.*/jdbc.url=jdbc:mysql:\/\/db\/bitbucket/' "$T/home/shared/bitbucket.properties" >"$T/home/shared/p"
mv "$T/home/shared/p" "$T/home/shared/bitbucket.properties"
ra validate-all OCF_RESKEY_db_check=true
tap_is "$RC" 5 "db_check with a jdbc.url that is not PostgreSQL's, read from the home as this node sees it: 5"
tap_like "$ERR" 'db_check: jdbc.url in .*bitbucket.properties: not a jdbc:postgresql: URL' "reason names the file"
# The home is the Stash user's: a FIFO in place of the file would hold
# root's open for ever (RA_BOUND ends it, as execd's timeout would).
cp "$T/home/shared/bitbucket.properties" "$T/props.saved"
rm "$T/home/shared/bitbucket.properties"
runuser -u "$RUNAS" -- mkfifo "$T/home/shared/bitbucket.properties"
RA_BOUND=$(scaled 30) ra validate-all OCF_RESKEY_db_check=true
tap_is "$RC" 5 "a FIFO planted as bitbucket.properties: validate refuses at once (5), never waits on it"
rm "$T/home/shared/bitbucket.properties"
# A link the Stash user planted there, to a file only root may read: the
# agent reads the properties as that user, so root's file stays unread.
printf 'jdbc.url=jdbc:mysql://root-only-%s/x\n' "$$" >"$T/root-only.properties"
chmod 600 "$T/root-only.properties"
runuser -u "$RUNAS" -- ln -s "$T/root-only.properties" "$T/home/shared/bitbucket.properties"
ra validate-all OCF_RESKEY_db_check=true
tap_is "$RC" 5 "a link to a file of root's planted as bitbucket.properties: this node's fault (5)"
tap_like "$ERR" "bitbucket.properties could not be read as $RUNAS: .*Permission denied" "read as the Stash user, refused by the file system"
rm "$T/home/shared/bitbucket.properties"
install -o "$RUNAS" -m 600 "$T/props.saved" "$T/home/shared/bitbucket.properties"
tap_unlike_password() { ! grep -q 'not-used-by-the-agent' "$T/agent.log"; }
tap_ok "the database password never reaches a log" tap_unlike_password

echo "# crash, Tomcat failure, stop"
mode refuse
# The double closes its listener at the first request it gets in this mode.
ra monitor OCF_RESKEY_CRM_meta_interval=15000
sleep 0.5
ra monitor OCF_RESKEY_CRM_meta_interval=15000 OCF_RESKEY_CRM_meta_timeout=3000
tap_is "$RC" 1 "connection refused for the whole monitor while the JVM is alive: failure (Tomcat failed)"
tap_like "$ERR" 'JVM is alive but Tomcat does not listen' "reason says so"
mode running
ra stop
tap_is "$RC" 0 "stop"
tap_ok "the JVM is gone" sh -c "! kill -0 $pid 2>/dev/null"
ra stop
tap_is "$RC" 0 "stop of a stopped instance succeeds"
ra monitor
tap_is "$RC" 7 "after stop: not running"
ra start
tap_is "$RC" 0 "start again"
pid=$(jvm_pid)
kill -9 "$pid"
sleep 0.5
ra monitor OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 7 "JVM killed (-9): not running, Pacemaker restarts it in place"
ra stop
tap_is "$RC" 0 "stop after a crash"
tap_ok "and it removes the crashed JVM's pid file" test ! -e "$PIDFILE"

echo "# stop escalates; never two instances on one home"
echo 0.2 >"$T/home/double-start-seconds"
ra start
tap_is "$RC" 0 "start (a quick one)"; [ "$RC" = 0 ] || { echo "$ERR" | sed "s/^/#   /"; echo "# pidfile $(cat "$PIDFILE"; ls -la "$PIDFILE")"; ps -eo pid,stat,user,args | grep -v grep | grep "stash-double\|$(cat "$PIDFILE")" | sed "s/^/#   /"; }
pid=$(jvm_pid)
mode ignore-term
# The stop script's 3 s, TERM, KILL: a timeout stretched for a loaded machine.
ra stop OCF_RESKEY_CRM_meta_timeout=$(($(scaled 12) * 1000))
tap_is "$RC" 0 "stop of a JVM that ignores TERM (and its stop script fails) succeeds"
tap_ok "the JVM was killed" sh -c "! kill -0 $pid 2>/dev/null"
tap_like "$ERR" "JVM $pid still uses $T/home: terminating it" "the log says what was killed"
mode running
# Another instance on the home: a JVM of the same user, started by hand.
as_user "$RUNAS" env BITBUCKET_HOME="$T/home" "$T/install/jre/bin/java" -c 'import time; time.sleep(300)' &
intruder=$!
jvm_up() { [ "$(readlink "/proc/$intruder/exe")" = "$T/install/jre/bin/java" ] && grep -qz "^BITBUCKET_HOME=" "/proc/$intruder/environ"; }
tap_ok "a JVM of $RUNAS started by hand uses the home" tap_wait 10 jvm_up
ra start
tap_is "$RC" 1 "start refuses while another JVM of $RUNAS uses the home directory"
tap_like "$ERR" "ocf-exit-reason:JVM [0-9]+ of $RUNAS already uses $T/home on this node" "reason names it"
tap_ok "nothing was started" test ! -s "$PIDFILE"
kill "$intruder"
wait "$intruder" 2>/dev/null

echo "# what only looks like an instance (issue 26): found by what it is, never signalled"
# Any local user can run a process with BITBUCKET_HOME in its environment;
# an admin's shell as the run-as user may carry it (the guide exports it).
as_user daemon env BITBUCKET_HOME="$T/home" sleep 300 &
foreign=$!
as_user "$RUNAS" env BITBUCKET_HOME="$T/home" sleep 300 &
shell=$!
env_up() { grep -qz "^BITBUCKET_HOME=" "/proc/$foreign/environ" && grep -qz "^BITBUCKET_HOME=" "/proc/$shell/environ"; }
tap_ok "another user's process and $RUNAS's shell name the home" tap_wait 10 env_up
ra start
tap_is "$RC" 0 "start goes on beside another user's process and $RUNAS's shell that name the home"
tap_ok "the Stash JVM runs" sh -c "kill -0 \$(cat $PIDFILE)"
ra stop
tap_is "$RC" 0 "stop"
tap_ok "stop signalled neither of them" kill -0 "$foreign" "$shell"
# A JVM that is not java_home's, when java_home is set.
as_user "$RUNAS" "$T/install/jre/bin/java" -c 'import time; time.sleep(300)' "-Dbitbucket.home=$T/home" &
other_java=$!
mkdir -p "$T/jdk/bin"
cp "$T/install/jre/bin/java" "$T/jdk/bin/java"
ra start OCF_RESKEY_java_home="$T/jdk"
tap_is "$RC" 0 "with java_home set, a java of another JRE using the home is not this instance: start goes on"
ra stop OCF_RESKEY_java_home="$T/jdk"
tap_is "$RC" 0 "and stop"
tap_ok "and left that java alone" kill -0 "$other_java"
kill "$foreign" "$shell" "$other_java"
wait "$foreign" "$shell" "$other_java" 2>/dev/null
# A FIFO planted as the pid file: root's open of it would wait for a
# writer for ever (Pacemaker's timeout, here RA_BOUND, ends the action).
rm -f "$PIDFILE"
runuser -u "$RUNAS" -- mkfifo "$PIDFILE"
RA_BOUND=$(scaled 30) ra start
tap_is "$RC" 1 "a FIFO at the pid file: start refuses at once, in one line"
tap_like "$ERR" "ocf-exit-reason:the pid file $PIDFILE is not a regular file: not starting" "reason says what is there"
RA_BOUND=$(scaled 30) ra stop
tap_is "$RC" 0 "and stop: nothing runs"
tap_ok "the FIFO is left" test -p "$PIDFILE"
rm -f "$PIDFILE"

echo "# pid files"
sleep 300 &
unrelated=$!
echo "$unrelated" >"$PIDFILE"
chown "$RUNAS" "$PIDFILE"
ra start
tap_is "$RC" 0 "a pid file naming a live process that does not use the home is stale: start goes on"
tap_ok "start did not touch that process" kill -0 "$unrelated"
ra stop
tap_ok "stop left the unrelated process alone" kill -0 "$unrelated"
kill "$unrelated"
wait "$unrelated" 2>/dev/null
ra start OCF_RESKEY_pidfile="$T/home/log/bitbucket.pid"
tap_is "$RC" 0 "start with pidfile set"
tap_ok "the scripts were given it as CATALINA_PID" test -s "$T/home/log/bitbucket.pid"
ra stop OCF_RESKEY_pidfile="$T/home/log/bitbucket.pid"
tap_is "$RC" 0 "stop with pidfile set"

echo "# start stops at what will not get better"
mode undeployed
ra start
tap_is "$RC" 6 "start meets a 404: 6 at once, not a wait for the timeout"
ra stop
mode running
echo "server.context-path=/stash" >>"$T/home/shared/bitbucket.properties"
ra start OCF_RESKEY_status_url=http://127.0.0.1:7990/stash/status
tap_is "$RC" 0 "a context path in status_url works"; [ "$RC" = 0 ] || echo "$ERR" | sed "s/^/#   /"
ra monitor OCF_RESKEY_status_url=http://127.0.0.1:7990/status OCF_RESKEY_CRM_meta_interval=15000
tap_is "$RC" 6 "the URL without it is answered with a redirect: a configuration error"
ra stop OCF_RESKEY_status_url=http://127.0.0.1:7990/stash/status
tap_is "$RC" 0 "stop"
tap_done
