/* log.c --- logging through libqb: syslog, stderr and the cluster log file */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "tandem/log.h"
#include "tandem/ocf.h"

static bool initialised;
static int file_target = -1;

static bool
debug_wanted(void)
{
	const char *v = getenv("HA_debug");
	bool on = false;

	if (v == NULL)
		v = getenv("PCMK_debug");
	return v != NULL && tandem_parse_bool(v, &on) && on;
}

static void
enable(int target, int priority, const char *format)
{
	qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", priority);
	qb_log_format_set(target, format);
	qb_log_ctl(target, QB_LOG_CONF_ENABLED, QB_TRUE);
}

void
tandem_log_init(const char *agent)
{
	char name[256];
	const char *file;
	int priority;

	if (initialised)
		return;
	initialised = true;
	priority = debug_wanted() ? LOG_DEBUG : LOG_INFO;
	if (getenv("OCF_RESOURCE_INSTANCE") != NULL)
		snprintf(name, sizeof(name), "tandem-%s(%s)", agent, tandem_ocf_instance());
	else
		snprintf(name, sizeof(name), "tandem-%s", agent);

	qb_log_init(name, LOG_DAEMON, priority);
	/* qb_log_init enables syslog with no filter beyond its own level. */
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", priority);
	qb_log_format_set(QB_LOG_SYSLOG, "%p: %b");
	enable(QB_LOG_STDERR, priority, "%N[%P]: %p: %b");

	file = getenv("HA_LOGFILE");
	if (file == NULL || *file == '\0')
		file = getenv("PCMK_logfile");
	if (file != NULL && *file != '\0' && strcmp(file, "none") != 0
	    && strcmp(file, "/dev/null") != 0) {
		file_target = qb_log_file_open(file);
		if (file_target >= 0)
			enable(file_target, priority, "%t %H %N[%P]: %p: %b");
	}
}

int
tandem_log_file_target(void)
{
	return file_target;
}

void
tandem_log_fini(void)
{
	if (!initialised)
		return;
	qb_log_fini();
	initialised = false;
	file_target = -1;
}
