/* log.c --- logging through libqb: syslog, stderr and the cluster log file */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "tandem/log.h"
#include "tandem/ocf.h"

/* libqb's entry points, resolved when it is loaded (see log.h). */
static struct {
	void *handle;
	void (*init)(const char *name, int32_t facility, uint8_t priority);
	int32_t (*ctl)(int32_t target, enum qb_log_conf conf_type, int32_t arg);
	int32_t (*filter_ctl)(int32_t value, enum qb_log_filter_conf c,
			      enum qb_log_filter_type type, const char *text, uint8_t priority);
	void (*format_set)(int32_t t, const char *format);
	int32_t (*file_open)(const char *filename);
	void (*fini)(void);
	void (*log_va)(const char *function, const char *filename, const char *format,
		       uint8_t priority, uint32_t lineno, uint32_t tags, va_list ap);
} qb;

static struct {
	bool recorded;          //!< tandem_log_init() was called
	bool started;           //!< libqb is loaded and set up
	bool failed;            //!< libqb could not be loaded: stderr only
	int priority;
	int file_target;
	char name[256];
} state = { .file_target = -1 };

static bool
debug_wanted(void)
{
	const char *v = getenv("HA_debug");
	bool on = false;

	if (v == NULL)
		v = getenv("PCMK_debug");
	return v != NULL && tandem_parse_bool(v, &on) && on;
}

void
tandem_log_init(const char *agent)
{
	if (state.recorded)
		return;
	state.recorded = true;
	state.priority = debug_wanted() ? LOG_DEBUG : LOG_INFO;
	if (getenv("OCF_RESOURCE_INSTANCE") != NULL)
		snprintf(state.name, sizeof(state.name), "tandem-%s(%s)", agent, tandem_ocf_instance());
	else
		snprintf(state.name, sizeof(state.name), "tandem-%s", agent);
}

static bool
load_qb(void)
{
	qb.handle = dlopen(TANDEM_LIBQB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (qb.handle == NULL)
		return false;
	*(void **)&qb.init = dlsym(qb.handle, "qb_log_init");
	*(void **)&qb.ctl = dlsym(qb.handle, "qb_log_ctl");
	*(void **)&qb.filter_ctl = dlsym(qb.handle, "qb_log_filter_ctl");
	*(void **)&qb.format_set = dlsym(qb.handle, "qb_log_format_set");
	*(void **)&qb.file_open = dlsym(qb.handle, "qb_log_file_open");
	*(void **)&qb.fini = dlsym(qb.handle, "qb_log_fini");
	*(void **)&qb.log_va = dlsym(qb.handle, "qb_log_from_external_source_va");
	return qb.init && qb.ctl && qb.filter_ctl && qb.format_set && qb.file_open && qb.fini
	       && qb.log_va;
}

static void
enable(int target, const char *format)
{
	qb.filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", (uint8_t)state.priority);
	qb.format_set(target, format);
	qb.ctl(target, QB_LOG_CONF_ENABLED, QB_TRUE);
}

static bool
start(void)
{
	const char *file;

	if (state.started || state.failed)
		return state.started;
	if (!state.recorded)
		tandem_log_init("agent");
	if (!load_qb()) {
		state.failed = true;
		return false;
	}
	state.started = true;
	qb.init(state.name, LOG_DAEMON, (uint8_t)state.priority);
	enable(QB_LOG_SYSLOG, "%p: %b");
	enable(QB_LOG_STDERR, "%N[%P]: %p: %b");
	file = getenv("HA_LOGFILE");
	if (file == NULL || *file == '\0')
		file = getenv("PCMK_logfile");
	if (file != NULL && *file != '\0' && strcmp(file, "none") != 0
	    && strcmp(file, "/dev/null") != 0) {
		state.file_target = qb.file_open(file);
		if (state.file_target >= 0)
			enable(state.file_target, "%T %H %N[%P]: %p: %b");
	}
	return true;
}

int
tandem_log_enabled(int priority)
{
	if (!state.recorded)
		tandem_log_init("agent");
	return priority <= state.priority;
}

void
tandem_log_at(const char *function, const char *file, int line, int priority, const char *fmt, ...)
{
	va_list ap;

	if (!tandem_log_enabled(priority))
		return;
	va_start(ap, fmt);
	if (start()) {
		qb.log_va(function, file, fmt, (uint8_t)priority, (uint32_t)line, 0, ap);
	} else {
		/* Without libqb the message still reaches stderr. */
		fprintf(stderr, "%s: ", state.name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

int
tandem_log_file_target(void)
{
	return state.file_target;
}

void
tandem_log_fini(void)
{
	if (state.started)
		qb.fini();
	if (qb.handle != NULL)
		dlclose(qb.handle);
	memset(&qb, 0, sizeof(qb));
	memset(&state, 0, sizeof(state));
	state.file_target = -1;
}
