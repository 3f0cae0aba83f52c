/* params.c --- ocf:tandem:pgsql's parameter table: its meta-data and its validation */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pgsql.h"

static const char *const sync_modes[] = { "off", "on", "strict", NULL };

static bool
check_start_opts(const char *v, char *why, size_t len)
{
	return pg_start_opts_ok(v, why, len);
}

static bool
check_shell_path(const char *v, char *why, size_t len)
{
	return pg_shell_path_ok(v, why, len);
}

static bool
check_conninfo(const char *v, char *why, size_t len)
{
	/* The agent adds user, application_name and passfile itself: a
	 * password here would end up in postgresql.auto.conf. */
	if (strstr(v, "password") != NULL) {
		snprintf(why, len, "must not hold a password: use passfile");
		return false;
	}
	return true;
}

/* A pgBackRest stanza name: letters, digits, '-', '_' and '.' (it names
 * the repository's directories). */
static bool
check_stanza(const char *value, char *why, size_t len)
{
	if (value[0] == '\0' || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
				     != strlen(value)) {
		snprintf(why, len, "a stanza name has letters, digits, '-', '_' and '.' only");
		return false;
	}
	return true;
}

/* Names as in PAF (ocf:heartbeat:pgsqlms) where the meaning is the same,
 * so a migration is a change of provider. */
const struct tandem_param pg_params[PG_N_PARAMS] = {
	[PG_BINDIR] = { "bindir", TANDEM_PARAM_STRING, NULL, false, false, false,
		"PostgreSQL binaries",
		"Directory of the PostgreSQL programs (postgres, pg_ctl, pg_rewind, pg_basebackup). "
		"By default, that of the major version the data directory's PG_VERSION names: "
		"/usr/lib/postgresql/N/bin (Debian, Ubuntu), else /usr/pgsql-N/bin (PGDG RPMs); an "
		"empty node takes the primary's major before it is cloned. Left unset, a major "
		"upgrade (pg_upgradecluster) needs no change here.",
		.check = check_shell_path },
	[PG_PGDATA] = { "pgdata", TANDEM_PARAM_STRING, "/var/lib/postgresql/15/main", false, true, false,
		"Configuration directory",
		"The directory pg_ctl -D is given: where postgresql.conf is. On Debian, "
		"/etc/postgresql/N/main with datadir set to /var/lib/postgresql/N/main (N: the major, "
		"17 on Debian 13).",
		.check = check_shell_path },
	[PG_DATADIR] = { "datadir", TANDEM_PARAM_STRING, NULL, false, true, false,
		"Data directory",
		"The data_directory of the instance, when it is not pgdata.",
		.check = tandem_param_check_absolute },
	[PG_PGHOST] = { "pghost", TANDEM_PARAM_STRING, "/var/run/postgresql", false, false, false,
		"Socket directory",
		"Where the agent connects to the local instance: its Unix socket directory." },
	[PG_PGPORT] = { "pgport", TANDEM_PARAM_INTEGER, "5432", false, false, false,
		"Port", "The port of the local instance.", 1, 65535 },
	[PG_SYSTEM_USER] = { "system_user", TANDEM_PARAM_STRING, "postgres", false, false, false,
		"System user", "The system user that owns the data directory and runs PostgreSQL." },
	[PG_START_OPTS] = { "start_opts", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Extra postgres options",
		"Extra options for postgres, as \"-c name=value\". Only letters, digits, spaces and "
		"_.=/:,- are accepted: pg_ctl hands them to a shell.",
		.check = check_start_opts },
	[PG_LOGFILE] = { "logfile", TANDEM_PARAM_STRING, "/dev/null", false, false, false,
		"Server log before the logging collector",
		"Where pg_ctl sends the server's output (pg_ctl -l). pg_ctl puts it in a shell command, "
		"as it does pgdata and bindir: none of the three may hold '\"', '`', '$' or '\\'.",
		.check = check_shell_path },
	[PG_MAXLAG] = { "maxlag", TANDEM_PARAM_INTEGER, "0", false, false, false,
		"Maximum lag for promotion (bytes)",
		"A standby more than this many bytes of WAL behind the primary may not be promoted, "
		"both while the primary runs and when it is lost. 0: no limit.", 0, (1LL << 50) },
	[PG_PRIMARY_CONNINFO] = { "primary_conninfo", TANDEM_PARAM_STRING, NULL, true, false, false,
		"How standbys reach the primary",
		"libpq connection parameters to the primary, normally its virtual IP: "
		"\"host=192.0.2.100 port=5432\". The agent adds user (replication_user), "
		"application_name (the node name) and passfile; a standby's also gets dbname=postgres "
		"unless this names a database, for logical_failover's slot synchronization.",
		.hide_value = true, .check = check_conninfo },
	[PG_REPLICATION_USER] = { "replication_user", TANDEM_PARAM_STRING, "replicator", false, false, false,
		"Replication role", "The role standbys stream WAL and clone (pg_basebackup) as." },
	[PG_PASSFILE] = { "passfile", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Password file",
		"A libpq password file for replication_user, readable by system_user only. Passwords "
		"never appear on a command line or in a log.", .check = tandem_param_check_absolute },
	[PG_SYNC_MODE] = { "sync_mode", TANDEM_PARAM_SELECT, "on", false, false, false,
		"Synchronous replication",
		"on: the agent keeps synchronous_standby_names naming exactly the standbys that are "
		"streaming and caught up, and only those may be promoted, so no acknowledged commit "
		"is lost; with no such standby it falls back to asynchronous (logged, and shown in the "
		"tandem-pgsql-sync-<resource> attribute). strict: as on, but writes wait rather than go "
		"asynchronous. off: asynchronous, as PAF.", .options = sync_modes },
	[PG_SYNC_COUNT] = { "sync_count", TANDEM_PARAM_INTEGER, "1", false, false, true,
		"Synchronous copies of each commit",
		"How many standbys confirm each commit before it is acknowledged (ANY k in "
		"synchronous_standby_names). The standbys then elect a new primary by themselves "
		"while no more than sync_count - 1 of them are lost with the primary. Under on, fewer "
		"when fewer standbys stream; under strict, writes wait for sync_count.",
		.min = 1, .max = PG_MAX_STANDBYS },
	[PG_AUTO_REWIND] = { "auto_rewind", TANDEM_PARAM_BOOLEAN, "true", false, false, false,
		"Rejoin a former primary with pg_rewind",
		"A former primary that comes back is rewound against the new primary (its diverged "
		"WAL is copied aside first) and started as a standby. Needs wal_log_hints or data "
		"checksums. false: refuse, as PAF does." },
	[PG_SLOT_WAL_KEEP] = { "max_slot_wal_keep_size", TANDEM_PARAM_STRING, "4GB", false, false, false,
		"WAL kept for a lost standby",
		"max_slot_wal_keep_size the primary is given: the replication slot of a dead standby "
		"cannot hold more WAL than this, so it cannot fill the primary's disk." },
	[PG_REPAIR_KEEP] = { "repair_keep", TANDEM_PARAM_INTEGER, "1", false, false, false,
		"Data directories kept aside by a repair",
		"A standby that cannot follow the primary (the WAL it needs is gone from the primary, "
		"its history forked) is repaired at its next start: rewound with pg_rewind where that "
		"applies, else cloned again with pg_basebackup. Before a clone, its data directory is "
		"renamed aside (DATADIR.repaired-<UTC time>) and the newest repair_keep of those are "
		"kept; the clone goes ahead only if the filesystem has room for a copy of it besides. "
		"0: the old data directory is removed before the clone. The WAL a rewind saves aside "
		"(DATADIR.diverged-<UTC time>) is kept the same way, the newest always.", 0, 100 },
	[PG_PGBACKREST_STANZA] = { "pgbackrest_stanza", TANDEM_PARAM_STRING, NULL, false, false, true,
		"Clone from this pgBackRest stanza",
		"When set, a node with no data (a new node, a repair's clone) is restored from the "
		"stanza's latest backup in the pgBackRest repository (pgbackrest restore --type=standby, "
		"with the node's own /etc/pgbackrest.conf) and catches up from the archive and the "
		"primary, instead of copying the whole database from the primary with pg_basebackup: "
		"for databases too large to copy from a busy primary.", .check = check_stanza },
	[PG_PGBOUNCER_ADMIN] = { "pgbouncer_admin", TANDEM_PARAM_STRING, NULL, false, false, false,
		"This node's PgBouncer admin console (libpq conninfo)",
		"When set, a planned switchover (pcs resource move --promoted, a node put in standby) "
		"pauses this node's PgBouncer before the primary is demoted (PAUSE waits for "
		"transactions in flight, then no query reaches PostgreSQL) and resumes it once the new "
		"primary answers through primary_conninfo: clients wait instead of failing. For "
		"example host=/var/run/postgresql port=6432 dbname=pgbouncer user=pgbouncer "
		"passfile=/root/.pgpass-pgbouncer. A failover skips the pause.",
		.hide_value = true, .check = check_conninfo },
	[PG_PGBOUNCER_PAUSE] = { "pgbouncer_pause_timeout", TANDEM_PARAM_INTEGER, "10", false, false, false,
		"Longest PgBouncer pause of a switchover (s)",
		"The longest pause: PAUSE must finish within it (transactions in flight must end), and "
		"PgBouncer is resumed when it has passed even if the new primary does not answer yet "
		"(and it is logged): a pause must never become an outage.",
		.min = 1, .max = 600 },
	[PG_LOGICAL_FAILOVER] = { "logical_failover", TANDEM_PARAM_BOOLEAN, "true", false, false, false,
		"Carry logical replication slots across a failover",
		"On PostgreSQL 17 and later with wal_level = logical: the standbys synchronize the "
		"primary's failover slots (the agent turns on sync_replication_slots and "
		"hot_standby_feedback on them; their primary_conninfo carries dbname=postgres unless "
		"primary_conninfo names another database, which replication_user must be allowed to "
		"connect to), and the primary's logical walsenders send nothing the standbys that may be "
		"promoted have not flushed (the agent keeps synchronized_standby_slots naming their "
		"slots). A subscriber or CDC tool whose slot was made with failover = true goes on from "
		"the new primary after a failover or a switchover. false: these settings are the "
		"admin's (ALTER SYSTEM RESET synchronized_standby_slots on every node when turning it "
		"off: the agent's last value stays)." },
};
