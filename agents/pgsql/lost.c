/* lost.c --- what a rewound node held past the fork, which the cluster gave up
 *
 * A node rewound onto the new primary's timeline (a former primary, or a
 * standby that replayed its WAL) loses what was committed after the
 * histories diverged: commits no standby acknowledged (synchronous_commit
 * = local, an asynchronous cluster) or, when the admin promoted a node
 * knowingly without every acknowledged commit, the commits only this node
 * held.  Its WAL is saved before the rewind (start.c, save_wal); this
 * decodes it with pg_waldump, from where the histories diverged, into a
 * report beside it: each transaction's xid, commit time and the relations
 * it wrote, so the DBA can replay or reconcile what a failover cost.
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/attr.h"
#include "tandem/log.h"
#include "tandem/safefs.h"
#include "tandem/spawn.h"
#include "tandem/waldump.h"
#include "instance.h"

#define LOST_REPORT "lost-transactions.txt"
#define LOST_MAX_XACTS 10000                    //!< listed one per line; the rest counted
#define LOST_MAX_OUTPUT (32 * 1024 * 1024)      //!< of pg_waldump's text read

/* Writes the report into saved (a directory system_user owns, made by
 * save_wal), through its checked descriptor.  False when it could not. */
static bool
write_report(struct pg *pg, const char *saved, const char *text, size_t len)
{
	char base[256], why[512];
	int parent = tandem_safefs_parent(saved, base, sizeof(base));
	int fd = parent < 0 ? -1 : tandem_safefs_dir(parent, base, pg->uid, why, sizeof(why));
	bool ok = fd >= 0 && tandem_safefs_replace(fd, LOST_REPORT, text, len, pg->uid, pg->gid) == 0;

	if (fd < 0 && parent >= 0)
		tandem_log(LOG_WARNING, "%s", why);
	if (fd >= 0)
		close(fd);
	if (parent >= 0)
		close(parent);
	return ok;
}

/* pg_waldump over saved, from start on timeline tli, only rmgr's records:
 * its output (NULL when it did not run; *cut when it was cut short). */
static char *
waldump(struct pg *pg, const char *saved, const char *tli, const char *start, const char *rmgr,
	tandem_deadline d, bool *cut)
{
	char prog[4200];
	const char *argv[] = { prog, "--path", saved, "--timeline", tli, "--start", start, "--rmgr", rmgr, NULL };
	struct tandem_spawn_opts o = { .user = pg->user, .cwd = "/", .max_output = LOST_MAX_OUTPUT };
	struct tandem_spawn_result res = { 0 };
	char *out = NULL;

	snprintf(prog, sizeof(prog), "%s/pg_waldump", pg->bindir);
	/* pg_waldump ends with an error where the WAL it has ends: its output
	 * is what counts, unless it could not run at all. */
	if (tandem_spawn_run(argv, &o, d, &res) != 0 || res.status == -1 || res.out == NULL)
		tandem_log(LOG_WARNING, "pg_waldump --rmgr %s did not run: %.200s", rmgr,
			   res.err != NULL ? res.err : "no output");
	else {
		*cut = *cut || res.timed_out || strlen(res.out) >= LOST_MAX_OUTPUT;
		out = res.out;
		res.out = NULL;
	}
	tandem_spawn_result_free(&res);
	return out;
}

/* The report, from the Transaction records (which committed, in order)
 * followed by the Heap records (what each wrote); false when it could
 * not be written. */
static bool
report(struct pg *pg, const char *saved, const char *tli, const char *start, const char *dump, bool cut)
{
	struct tandem_wal_xact *x = calloc(LOST_MAX_XACTS, sizeof(*x));
	size_t n = 0, total = 0, len = 0;
	char *text = NULL, value[1024], why[256];
	FILE *f = x != NULL ? open_memstream(&text, &len) : NULL;
	bool ok = false;

	if (f == NULL) {
		free(x);
		return false;
	}
	n = tandem_waldump_commits(dump, x, LOST_MAX_XACTS, &total);
	fprintf(f, "# The transactions committed on timeline %s after %s, where the new primary's history\n"
		"# leaves it, that this node's WAL held: not on the new primary.  %zu transaction(s)%s.\n"
		"# One per line: xid, commit\n"
		"# time, where its commit record is, the relations its rows were written to\n"
		"# (tablespace/database/relfilenode: in that database, SELECT pg_filenode_relation(0,\n"
		"# relfilenode) names the table, if the new primary has it).\n",
		tli, start, total, cut ? "; pg_waldump's output was cut short: there may be more" : "");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "xid %" PRIu32 " committed %s at %s:", x[i].xid, x[i].committed, x[i].lsn);
		for (size_t r = 0; r < x[i].n_rels; r++)
			fprintf(f, " %" PRIu32 "/%" PRIu32 "/%" PRIu32, x[i].rels[r].spc, x[i].rels[r].db,
				x[i].rels[r].rel);
		fprintf(f, x[i].more_rels ? " and more\n" : "\n");
	}
	if (total > n)
		fprintf(f, "# and %zu more transactions\n", total - n);
	if (fclose(f) == 0 && write_report(pg, saved, text, len)) {
		ok = true;
		if (total == 0)
			snprintf(value, sizeof(value), "none: no transaction committed on timeline %s after %s", tli,
				 start);
		else
			snprintf(value, sizeof(value), "%zu transaction%s committed on timeline %s after %s, the "
				 "first at %s, the last at %s: %s/%s", total, total == 1 ? "" : "s", tli, start,
				 x[0].committed, x[n - 1].committed, saved, LOST_REPORT);
		tandem_log(total > 0 ? LOG_WARNING : LOG_INFO, "not on the new primary: %s", value);
		if (tandem_attr_set(PG_ATTR_LOST, value, false, pg->ctx->deadline, why, sizeof(why)) != 0)
			tandem_log(LOG_WARNING, "could not publish %s: %s", PG_ATTR_LOST, why);
	}
	free(text);
	free(x);
	return ok;
}

void
report_lost(struct pg *pg, const char *saved, const char *diverged, uint32_t timeline)
{
	char start[32], tli[16], *commits, *rows, *dump;
	const char *at = strstr(diverged, "WAL location ");
	bool cut = false;
	pid_t pid;

	if (at == NULL || sscanf(at, "WAL location %31[0-9A-F/]", start) != 1 || timeline == 0) {
		tandem_log(LOG_WARNING, "no report of what this node committed past the fork: where the "
			   "histories diverged is unknown (\"%s\")", diverged);
		return;
	}
	snprintf(tli, sizeof(tli), "%" PRIu32, timeline);
	/* A report, not the rejoin: decoded by a detached child, so the
	 * start does not wait for it (the WAL may be large), within the
	 * start's own deadline. */
	pid = tandem_fork_detached();
	if (pid > 0)
		return;
	if (pid == 0)
		(void)setpriority(PRIO_PROCESS, 0, 19);
	commits = waldump(pg, saved, tli, start, "Transaction", pg->ctx->deadline, &cut);
	rows = commits != NULL ? waldump(pg, saved, tli, start, "Heap", pg->ctx->deadline, &cut) : NULL;
	if (commits != NULL && asprintf(&dump, "%s\n%s", commits, rows != NULL ? rows : "") >= 0) {
		if (!report(pg, saved, tli, start, dump, cut))
			tandem_log(LOG_WARNING, "could not write the report of what this node committed past the "
				   "fork into \"%s\"", saved);
		free(dump);
	}
	free(commits);
	free(rows);
	if (pid == 0)
		_exit(0);
}
