/* pgbouncer.c --- ocf:tandem:pgbouncer's actions: start, stop, monitor, validate */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tandem/bouncer.h"
#include "tandem/log.h"
#include "tandem/proc.h"
#include "tandem/spawn.h"
#include "pgbouncer.h"

#define POLL_MS 100

bool
pgb_pause_overdue(int64_t paused_s, int64_t budget_s)
{
	return paused_s >= 0 && paused_s >= budget_s;
}

static const char *
param(const struct tandem_ctx *ctx, enum pgb_param i)
{
	return tandem_param_str(ctx->params, i);
}

/* The admin conninfo, with the passfile (quoted as libpq wants). */
static void
admin_conninfo(const struct tandem_ctx *ctx, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "%s", param(ctx, PGB_ADMIN));

	if (tandem_param_given(ctx->params, PGB_PASSFILE) && k + 16 < len) {
		k += (size_t)snprintf(buf + k, len - k, " passfile='");
		for (const char *p = param(ctx, PGB_PASSFILE); *p != '\0' && k + 3 < len; p++) {
			if (*p == '\'' || *p == '\\')
				buf[k++] = '\\';
			buf[k++] = *p;
		}
		snprintf(buf + k, len - k, "'");
	}
}

static bool
answers(const struct tandem_ctx *ctx, tandem_deadline deadline, bool *paused, char *why, size_t len)
{
	char conninfo[PATH_MAX + 256];
	bool p;

	admin_conninfo(ctx, conninfo, sizeof(conninfo));
	return tandem_bouncer_paused(conninfo, deadline, paused != NULL ? paused : &p, why, len) == 0;
}

/* The pidfile's process, checked before anything is decided on it or sent
 * to it (issue 26): the pidfile a regular file of user's (or root's), its
 * pid pgbouncer's binary run as user, held by a pidfd while checked.
 * 0 with h open; -ESRCH: none runs; -EPERM: it names another process or
 * cannot be trusted (why says which). */
static int
checked_pgbouncer(const struct tandem_ctx *ctx, struct tandem_proc_handle *h, char *why, size_t len)
{
	const struct passwd *pw = getpwnam(param(ctx, PGB_USER));
	pid_t pid = 0;

	switch (tandem_pidfile_read_owned(param(ctx, PGB_PIDFILE), pw != NULL ? pw->pw_uid : 0, &pid)) {
	case TANDEM_PIDFILE_ALIVE:
		break;
	case TANDEM_PIDFILE_UNTRUSTED:
		snprintf(why, len, "pidfile \"%s\" is a link, or not a file of %s's", param(ctx, PGB_PIDFILE),
			 param(ctx, PGB_USER));
		return -EPERM;
	default:
		return -ESRCH;
	}
	h->pid = pid;
	if (pw == NULL) {
		snprintf(why, len, "user \"%s\" does not exist", param(ctx, PGB_USER));
		return -EPERM;
	}
	return tandem_proc_open_checked(pid, param(ctx, PGB_BINARY), pw->pw_uid, h, why, len);
}

static bool
pid_alive(const struct tandem_ctx *ctx, pid_t *pid)
{
	struct tandem_proc_handle h = { 0, -1 };
	char why[256];
	bool ours = checked_pgbouncer(ctx, &h, why, sizeof(why)) == 0;

	*pid = h.pid;
	tandem_proc_handle_close(&h);
	return ours;
}

/* One reading of the admin console (tandem_reread): an answer, or no
 * PgBouncer process at all (a fact: not running), is a reading; a live
 * process that does not answer (its client slots full, a dropped
 * connection) is not, and is read again. */
struct console_reading {
	const struct tandem_ctx *ctx;
	bool paused, gone;
	pid_t pid;
	char why[256];
};

static bool
read_console(void *arg)
{
	struct console_reading *r = arg;

	/* Each reading gets at most 2 s, so a hung one leaves time for more. */
	if (answers(r->ctx, tandem_deadline_cap(r->ctx->deadline, 2000), &r->paused, r->why, sizeof(r->why)))
		return true;
	r->gone = !pid_alive(r->ctx, &r->pid);
	return r->gone;
}

int
pgb_monitor(struct tandem_ctx *ctx)
{
	struct console_reading r = { .ctx = ctx };
	char why[256], conninfo[PATH_MAX + 256];
	int64_t since;

	if (!tandem_reread(ctx->deadline, read_console, &r, "pgbouncer's admin console")) {
		tandem_ocf_exit_reason("pgbouncer (pid %d) does not answer its admin console: %s", (int)r.pid, r.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (r.gone)
		return TANDEM_OCF_NOT_RUNNING;
	since = tandem_ocf_seen_for("paused", r.paused);
	if (pgb_pause_overdue(since, tandem_param_int(ctx->params, PGB_PAUSE_TIMEOUT))) {
		admin_conninfo(ctx, conninfo, sizeof(conninfo));
		tandem_log(LOG_WARNING, "paused for %llds, longer than pause_timeout: RESUME", (long long)since);
		if (tandem_bouncer_resume(conninfo, ctx->deadline, why, sizeof(why)) != 0)
			tandem_log(LOG_ERR, "RESUME failed: %s", why);
		else
			tandem_ocf_seen_for("paused", false);
	} else if (r.paused) {
		tandem_log(LOG_INFO, "paused for %llds (pause_timeout %llds)", (long long)since,
			   tandem_param_int(ctx->params, PGB_PAUSE_TIMEOUT));
	}
	return TANDEM_OCF_SUCCESS;
}

int
pgb_start(struct tandem_ctx *ctx)
{
	const char *argv[] = { param(ctx, PGB_BINARY), "-d", "-q", param(ctx, PGB_CONFIG), NULL };
	struct tandem_spawn_opts opts = { .user = param(ctx, PGB_USER) };
	struct tandem_spawn_result r;
	char why[256] = "";
	int rc;

	if (answers(ctx, ctx->deadline, NULL, why, sizeof(why))) {
		tandem_log(LOG_INFO, "already running");
		return TANDEM_OCF_SUCCESS;
	}
	rc = tandem_spawn_run(argv, &opts, ctx->deadline, &r);
	if (rc != 0 || r.timed_out || r.status != 0) {
		const char *err = r.err != NULL && r.err[0] != '\0' ? r.err : "";

		tandem_ocf_exit_reason("%s -d did not start: %.200s", param(ctx, PGB_BINARY),
				       r.timed_out ? "timed out" : err);
		tandem_spawn_result_free(&r);
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_spawn_result_free(&r);
	while (!answers(ctx, ctx->deadline, NULL, why, sizeof(why)))
		if (!tandem_deadline_sleep(ctx->deadline, POLL_MS)) {
			tandem_ocf_exit_reason("started, but its admin console does not answer (its logfile says why): %s", why);
			return TANDEM_OCF_ERR_GENERIC;
		}
	tandem_log(LOG_NOTICE, "started");
	return TANDEM_OCF_SUCCESS;
}

int
pgb_stop(struct tandem_ctx *ctx)
{
	char why[256], conninfo[PATH_MAX + 256];
	tandem_deadline half = tandem_deadline_cap(ctx->deadline, tandem_deadline_left(ctx->deadline) / 2);
	struct tandem_proc_handle h = { 0, -1 };
	pid_t pid;
	bool ok;
	int rc;

	admin_conninfo(ctx, conninfo, sizeof(conninfo));
	if (answers(ctx, half, NULL, why, sizeof(why))) {
		/* SHUTDOWN ends the connection that sent it: no answer is expected. */
		(void)tandem_bouncer_command(conninfo, "SHUTDOWN", half, why, sizeof(why));
		while ((answers(ctx, half, NULL, why, sizeof(why)) || pid_alive(ctx, &pid))
		       && tandem_deadline_sleep(half, POLL_MS))
			;
	}
	rc = checked_pgbouncer(ctx, &h, why, sizeof(why));
	if (rc == 0) {
		tandem_log(LOG_WARNING, "pgbouncer (pid %d) still runs: terminating it", (int)h.pid);
		ok = tandem_proc_handle_terminate(&h, tandem_deadline_left(ctx->deadline) / 2, ctx->deadline);
		tandem_proc_handle_close(&h);
		if (!ok) {
			tandem_ocf_exit_reason("pgbouncer (pid %d) survived SIGKILL", (int)h.pid);
			return TANDEM_OCF_ERR_GENERIC;
		}
	} else if (rc == -EPERM) {
		/* Never a signal to what is not pgbouncer (issue 26). */
		tandem_log(LOG_WARNING, "not signalling pid %d: %s", (int)h.pid, why);
		if (answers(ctx, tandem_deadline_cap(ctx->deadline, 2000), NULL, why, sizeof(why))) {
			tandem_ocf_exit_reason("pgbouncer still answers, and its pidfile names no pgbouncer of %s's",
					       param(ctx, PGB_USER));
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	tandem_ocf_seen_for("paused", false);
	tandem_log(LOG_INFO, "stopped");
	return TANDEM_OCF_SUCCESS;
}

/* The parameter table has judged every value; what is left is what this
 * node has: its program, its files, its users.  Each is this node's
 * fault, ERR_INSTALLED, which keeps PgBouncer off this node alone (issue
 * 28: ERR_CONFIGURED would stop the clone on every node). */
int
pgb_validate(struct tandem_ctx *ctx)
{
	if (!tandem_spawn_executable(param(ctx, PGB_BINARY)))
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "%s is missing or not executable (pgbouncer)",
					 param(ctx, PGB_BINARY));
	if (access(param(ctx, PGB_CONFIG), R_OK) != 0)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "config \"%s\" is not a readable file on this node",
					 param(ctx, PGB_CONFIG));
	if (getpwnam(param(ctx, PGB_USER)) == NULL)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "user \"%s\" does not exist on this node (user)",
					 param(ctx, PGB_USER));
	if (tandem_param_given(ctx->params, PGB_PASSFILE) && access(param(ctx, PGB_PASSFILE), R_OK) != 0)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "passfile \"%s\" is not readable on this node",
					 param(ctx, PGB_PASSFILE));
	return TANDEM_OCF_SUCCESS;
}

int
pgb_validate_all(struct tandem_ctx *ctx)
{
	(void)ctx;
	return TANDEM_OCF_SUCCESS;
}
