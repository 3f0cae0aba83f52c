/* main.c --- ocf:tandem:stash: action table and dispatch */
#include "config.h"

#include "stash.h"

/* The guide's advice: a monitor every 15 s (not more often: a garbage
 * collection pause is not a failure) with a 30 s timeout (the first check
 * after startup is slow); a start long enough for a large instance. */
static const struct tandem_action stash_actions[] = {
	{ "start", stash_start, 300, 0, -1, NULL },
	{ "stop", stash_stop, 120, 0, -1, NULL },
	{ "monitor", stash_monitor, 30, 15, 0, NULL },
	{ "validate-all", stash_validate_all, 30, 0, -1, NULL },
	{ "meta-data", NULL, 5, 0, -1, NULL },
};

static const struct tandem_agent stash_agent = {
	.name = "stash",
	.shortdesc = "Atlassian Stash / Bitbucket Server in cold standby",
	.longdesc =
		"Runs one Bitbucket Server (or Stash) instance as Atlassian's high availability guide "
		"describes for a cold standby: health from the /status endpoint, restart in place by "
		"Pacemaker, failover with a virtual IP when that does not help (migration-threshold). "
		"MAINTENANCE (backups, migrations) is running, not a failure; a 404 (the application "
		"failed to deploy) is a configuration error that does not bounce between nodes; with "
		"db_check, an unhealthy instance whose database does not answer is left alone, as the "
		"guide advises. Start refuses while another process on the node uses the home "
		"directory.",
	.params = stash_params,
	.n_params = STASH_N_PARAMS,
	.actions = stash_actions,
	.n_actions = sizeof(stash_actions) / sizeof(stash_actions[0]),
	.validate = stash_validate,
};

int
main(int argc, char **argv)
{
	return tandem_ocf_main(&stash_agent, argc, argv);
}
