#!/bin/bash
# provision-pgbouncer.sh --- PgBouncer on one cluster node, in front of the write VIP, as the README tells admins to
#
#   provision-pgbouncer.sh VIP
# Runs on the node.  A pgbouncer.ini of Tandem's (transaction pooling, so
# PAUSE waits for transactions, not for clients to leave; every database
# through the write VIP; a short server_login_retry, since after a
# switchover PgBouncer is resumed as the VIP comes up; keepalives of a few
# seconds, or a server connection to a primary that lost power waits for
# its reply for hours), its userlist, and
# the admin console's passfile for the agents (root only).  Idempotent.
set -euo pipefail
vip=$1
ini=/etc/pgbouncer/tandem.ini
admin_pw=${TANDEM_PGBOUNCER_ADMIN_PASSWORD:-tandem-pgbouncer-admin}
install -d -o postgres /var/run/postgresql
cat >"$ini" <<INI
[databases]
app = host=$vip port=5432 dbname=app
[pgbouncer]
listen_addr = *
listen_port = 6432
unix_socket_dir = /var/run/postgresql
pidfile = /var/run/postgresql/pgbouncer.pid
logfile = /var/lib/postgresql/pgbouncer.log
auth_type = plain
auth_file = /etc/pgbouncer/tandem-userlist.txt
admin_users = pgbouncer
pool_mode = transaction
server_login_retry = 1
server_connect_timeout = 3
tcp_keepalive = 1
tcp_keepidle = 2
tcp_keepintvl = 1
tcp_keepcnt = 2
INI
umask 077
printf '"app" "app"\n"pgbouncer" "%s"\n' "$admin_pw" >/etc/pgbouncer/tandem-userlist.txt
chown postgres /etc/pgbouncer/tandem-userlist.txt
chmod 644 "$ini"
printf '*:*:*:pgbouncer:%s\n' "$admin_pw" >/root/.pgpass-pgbouncer
