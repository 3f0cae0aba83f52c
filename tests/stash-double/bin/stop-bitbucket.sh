#!/bin/sh
# stop-bitbucket.sh --- the stand-in's stop script, laid out as Bitbucket Server's bin/
#
# Like Tomcat's shutdown: TERM to the pid in CATALINA_PID, then waits a
# little (not forever) for it to go; what is left is the caller's problem.
set -eu
bin=$(cd "$(dirname "$0")" && pwd)
install=$(dirname "$bin")
pidfile=${CATALINA_PID:-$install/work/catalina.pid}
[ -s "$pidfile" ] || { echo "no pid file: not running"; exit 0; }
pid=$(cat "$pidfile")
kill -TERM "$pid" 2>/dev/null || { echo "stale pid file"; exit 0; }
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && { echo "Bitbucket did not stop in 3 s" >&2; exit 1; }
rm -f "$pidfile"
echo "Stopped Atlassian Bitbucket"
