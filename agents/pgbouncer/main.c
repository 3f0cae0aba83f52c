/* main.c --- ocf:tandem:pgbouncer: action table and dispatch */
#include "config.h"

#include "pgbouncer.h"

static const struct tandem_action pgb_actions[] = {
	{ "start", pgb_start, 30, 0, -1, NULL },
	{ "stop", pgb_stop, 30, 0, -1, NULL },
	{ "monitor", pgb_monitor, 10, 5, 0, NULL },
	{ "validate-all", pgb_validate_all, 10, 0, -1, NULL },
	{ "meta-data", NULL, 5, 0, -1, NULL },
};

static const struct tandem_agent pgb_agent = {
	.name = "pgbouncer",
	.shortdesc = "PgBouncer, managed through its admin console",
	.longdesc =
		"Starts, stops and monitors PgBouncer (a clone on every database node) through its "
		"admin console with libpq: no process is started by monitor. With ocf:tandem:pgsql's "
		"pgbouncer_admin parameter pointing at it, a planned switchover PAUSEs it before the "
		"primary is demoted and RESUMEs it once the new primary answers, so clients wait "
		"instead of failing; monitor ends any pause longer than pause_timeout.",
	.params = pgb_params,
	.n_params = PGB_N_PARAMS,
	.actions = pgb_actions,
	.n_actions = sizeof(pgb_actions) / sizeof(pgb_actions[0]),
	.validate = pgb_validate,
};

int
main(int argc, char **argv)
{
	return tandem_ocf_main(&pgb_agent, argc, argv);
}
