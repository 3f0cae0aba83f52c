/* params.c --- ocf:tandem:pgbouncer's parameter table: its meta-data and its validation */
#include "config.h"

#include <stdio.h>

#include "pgbouncer.h"

const struct tandem_param pgb_params[PGB_N_PARAMS] = {
	[PGB_CONFIG] = { "config", TANDEM_PARAM_STRING, "/etc/pgbouncer/pgbouncer.ini", false, false, false,
		"pgbouncer.ini",
		"PgBouncer's configuration file. Its databases should point at the write VIP (so after "
		"any failover new server connections reach the new primary) and pool_mode should be "
		"transaction: PAUSE waits for transactions to end, and in session mode it would wait "
		"for clients to leave.",
		.check = tandem_param_check_absolute },
	[PGB_BINARY] = { "pgbouncer", TANDEM_PARAM_STRING, "/usr/sbin/pgbouncer", false, false, false,
		"pgbouncer program", "The pgbouncer program.", .check = tandem_param_check_absolute },
	[PGB_USER] = { "user", TANDEM_PARAM_STRING, "postgres", false, false, false,
		"System user", "The user pgbouncer runs as." },
	[PGB_ADMIN] = { "admin", TANDEM_PARAM_STRING,
		"host=/var/run/postgresql port=6432 dbname=pgbouncer user=pgbouncer", false, false, false,
		"Admin console (libpq conninfo)",
		"How the agent reaches PgBouncer's admin console: a libpq connection string naming the "
		"pgbouncer database and a user in admin_users. No password here: use passfile." },
	[PGB_PASSFILE] = { "passfile", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Password file for the admin user",
		"A .pgpass-format file with the admin user's password, readable by root only.",
		.check = tandem_param_check_absolute },
	[PGB_PIDFILE] = { "pidfile", TANDEM_PARAM_STRING, "/var/run/postgresql/pgbouncer.pid", false, false,
		false, "pid file", "The pidfile setting of pgbouncer.ini (stop's TERM/KILL backstop).",
		.check = tandem_param_check_absolute },
	[PGB_PAUSE_TIMEOUT] = { "pause_timeout", TANDEM_PARAM_INTEGER, "30", false, false, false,
		"Longest pause (s)",
		"A PAUSE (made by ocf:tandem:pgsql around a planned switchover, or by hand) that monitor "
		"sees lasting longer than this is ended with RESUME and logged: a pause must never "
		"become an outage.",
		.min = 1, .max = 3600 },
};
