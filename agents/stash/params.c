/* params.c --- ocf:tandem:stash's parameter table: its meta-data and its validation */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stash.h"

static bool
check_url(const char *v, char *why, size_t len)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		snprintf(why, len, "not an http:// or https:// URL");
		return false;
	}
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(why, len, "a URL holds no blank or control character");
			return false;
		}
	return true;
}

const struct tandem_param stash_params[STASH_N_PARAMS] = {
	[STASH_INSTALL_DIR] = { "install_dir", TANDEM_PARAM_STRING, NULL, true, false, false,
		"Installation directory",
		"Where Bitbucket Server or Stash is installed: the directory holding "
		"bin/start-bitbucket.sh and bin/stop-bitbucket.sh (Bitbucket) or bin/start-stash.sh "
		"and bin/stop-stash.sh (Stash). Both product generations are supported; the scripts "
		"found say which.",
		.check = tandem_param_check_absolute },
	[STASH_HOME_DIR] = { "home_dir", TANDEM_PARAM_STRING, NULL, true, true, false,
		"Home directory (BITBUCKET_HOME / STASH_HOME)",
		"The application's home directory, passed to the start script as BITBUCKET_HOME or "
		"STASH_HOME. It must be on storage that moves with the resource (a DRBD device or a "
		"shared filesystem started before this resource in the same group), owned by user. "
		"Start refuses while another process on this node uses it.",
		.check = tandem_param_check_absolute },
	[STASH_USER] = { "user", TANDEM_PARAM_STRING, "atlbitbucket", false, false, false,
		"System user",
		"The user the start and stop scripts run as (Atlassian's installers create "
		"atlbitbucket, or atlstash for Stash)." },
	[STASH_STATUS_URL] = { "status_url", TANDEM_PARAM_STRING, "http://localhost:7990/status", false,
		false, false, "Health check URL",
		"The /status endpoint, with the context path if there is one "
		"(http://localhost:7990/stash/status). No other URL: they redirect to the maintenance "
		"page during backups, which would look like a failure.",
		.check = check_url },
	[STASH_JAVA_HOME] = { "java_home", TANDEM_PARAM_STRING, NULL, false, false, false,
		"JAVA_HOME",
		"The Java installation the start script uses (JAVA_HOME); unset, the script's own "
		"choice.",
		.check = tandem_param_check_absolute },
	[STASH_PIDFILE] = { "pidfile", TANDEM_PARAM_STRING, NULL, false, false, false,
		"JVM pid file",
		"The file the JVM's pid is written to; unset, install_dir/work/catalina.pid (Tomcat's "
		"default). When set, the scripts get it as CATALINA_PID. Stop escalates to TERM and "
		"KILL on that process, and only if it uses home_dir.",
		.check = tandem_param_check_absolute },
	[STASH_TRANSITION_GRACE] = { "transition_grace", TANDEM_PARAM_INTEGER, "120", false, false, false,
		"Grace for STARTING / STOPPING outside start and stop (s)",
		"How long monitor accepts /status answering 503 STARTING or STOPPING when no start "
		"or stop is under way before it reports a failure.",
		.min = 0, .max = 86400 },
	[STASH_DB_CHECK] = { "db_check", TANDEM_PARAM_BOOLEAN, "false", false, false, false,
		"Check the database before failing",
		"When Stash is unhealthy (ERROR, stuck STARTING, no answer), ask its PostgreSQL "
		"(jdbc.url from shared/bitbucket.properties or stash-config.properties; every host of a "
		"multi-host URL) whether it answers. If it does not, report running and say so in the "
		"log and in the node attribute tandem-stash-db-<resource>: the guide's advice is to do nothing, as "
		"Stash on another node would fail the same way." },
};
