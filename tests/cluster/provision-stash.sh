#!/bin/bash
# provision-stash.sh --- prepares Bitbucket (or its stand-in) on one cluster node, as the README tells admins to
#
#   provision-stash.sh INSTALL_DIR HOME_DIR [SOURCE]
# Runs on the node.  The user atlbitbucket, the installation in INSTALL_DIR
# (copied from SOURCE, an unpacked Bitbucket or tests/stash-double, unless
# it is there already) and the home directory it owns.  HOME_DIR is on
# storage every node reaches (a shared filesystem; DRBD would mount it
# only where Stash runs); its bitbucket.properties names the database
# through the pgsql VIP.  Idempotent.
set -euo pipefail
install=$1 home=$2 src=${3:-}
vip=${STASH_DB_VIP:-192.0.2.100}
id atlbitbucket >/dev/null 2>&1 || useradd --system --home-dir "$home" --no-create-home --shell /usr/sbin/nologin atlbitbucket
if [ ! -x "$install/bin/start-bitbucket.sh" ] && [ -n "$src" ]; then
	if [ -x "$src/install.sh" ]; then
		"$src/install.sh" "$install"   # the stand-in, with its "JRE"
	else
		mkdir -p "$install"
		cp -a "$src"/. "$install"/
	fi
fi
install -d -o atlbitbucket "$install/work" "$home" "$home/shared" "$home/log"
props=$home/shared/bitbucket.properties
[ -f "$props" ] || {
	printf 'server.port=7990\njdbc.driver=org.postgresql.Driver\n'
	printf 'jdbc.url=jdbc\\:postgresql\\://%s\\:5432/bitbucket\n' "$vip"
	printf 'jdbc.user=bitbucket\n'
} >"$props"
chown atlbitbucket "$props"
