#!/bin/sh
# start-bitbucket.sh --- the stand-in's start script, laid out as Bitbucket Server's bin/
#
# Like Bitbucket's: needs BITBUCKET_HOME, starts the "JVM" in the
# background with its output in the home's log directory, writes its pid
# to CATALINA_PID (default <install>/work/catalina.pid) and returns.
set -eu
bin=$(cd "$(dirname "$0")" && pwd)
install=$(dirname "$bin")
: "${BITBUCKET_HOME:?BITBUCKET_HOME is not set}"
pidfile=${CATALINA_PID:-$install/work/catalina.pid}
mkdir -p "$BITBUCKET_HOME/log" "$(dirname "$pidfile")"
# As catalina.sh: a live pid in the file aborts, a stale one is removed,
# and the script itself writes the new pid as soon as it has launched.
if [ -s "$pidfile" ]; then
	if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "Bitbucket appears to still be running with PID $(cat "$pidfile"). Start aborted." >&2
		exit 1
	fi
	rm -f "$pidfile"
fi
# The JVM: JAVA_HOME's when set, else the bundled JRE (install.sh).
nohup "${JAVA_HOME:-$install/jre}/bin/java" "$install/stash-double.py" -Dbitbucket.home="$BITBUCKET_HOME" \
	>>"$BITBUCKET_HOME/log/atlassian-bitbucket.log" 2>&1 </dev/null &
echo $! >"$pidfile"
# Bitbucket's script returns once the JVM is launched, not once it is up.
echo "Starting Atlassian Bitbucket as the current user"
