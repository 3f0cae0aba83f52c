/* main.c --- ocf:tandem:pgsql: action table and dispatch */
#include "config.h"

#include "pgsql.h"

static const struct tandem_action pg_actions[] = {
	{ "start", pg_start, 120, 0, -1, NULL },
	{ "stop", pg_stop, 120, 0, -1, NULL },
	{ "monitor", pg_monitor, 10, 2, 0, "Unpromoted" },
	{ "monitor", pg_monitor, 10, 1, 0, "Promoted" },
	{ "promote", pg_promote, 30, 0, -1, NULL },
	{ "demote", pg_demote, 120, 0, -1, NULL },
	{ "notify", pg_notify, 60, 0, -1, NULL },
	{ "reload", pg_reload, 20, 0, -1, NULL },
	{ "validate-all", pg_validate_all, 10, 0, -1, NULL },
	{ "meta-data", NULL, 5, 0, -1, NULL },
};

static const struct tandem_agent pg_agent = {
	.name = "pgsql",
	.shortdesc = "PostgreSQL hot-standby group (promotable clone)",
	.longdesc =
		"Runs one PostgreSQL primary and its streaming standbys as a promotable clone "
		"(notify=true). Every instance starts as a standby; the most advanced standby is the "
		"one promoted; synchronous replication is kept so a failover loses no acknowledged "
		"commit (sync_mode); a former primary rejoins by itself through pg_rewind, and an "
		"empty node is cloned with pg_basebackup. A monitor is one libpq connection and one "
		"query, no child process. Parameter names follow ocf:heartbeat:pgsqlms (PAF).",
	.params = pg_params,
	.n_params = PG_N_PARAMS,
	.actions = pg_actions,
	.n_actions = sizeof(pg_actions) / sizeof(pg_actions[0]),
	.validate = pg_validate,
};

int
main(int argc, char **argv)
{
	return tandem_ocf_main(&pg_agent, argc, argv);
}
