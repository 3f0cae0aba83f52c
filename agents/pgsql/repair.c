/* repair.c --- ocf:tandem:pgsql: a standby that cannot follow, found by the monitor and repaired by start */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tandem/attr.h"
#include "tandem/bouncer.h"
#include "tandem/log.h"
#include "tandem/pq.h"
#include "tandem/proc.h"
#include "tandem/safefs.h"
#include "tandem/spawn.h"
#include "instance.h"

/* Whether the WAL this node replayed (to self_end, on timeline tli) goes
 * past where the primary's history leaves tli (its TIMELINE_HISTORY; its
 * own end when on the same timeline): a fork, by PostgreSQL's own rule
 * (the recovery point, not what was only received, which a timeline
 * switch overwrites).  The walsender does not always
 * refuse it: asked from a segment start before the fork point, it streams
 * up to it, while this node's startup process, past it, logs "new
 * timeline ... forked off current database system timeline ... before
 * current recovery point" and loops (xlogrecovery.c).  1 forked (why
 * set), 0 not, -1 unknown. */
static int
past_the_fork(PGconn **c, uint32_t tli, uint32_t primary_tli, uint64_t primary_end, uint64_t self_end,
	      tandem_deadline d, char *why, size_t len)
{
	char cmd[48], a[18], b[18];
	uint64_t left = primary_end;
	bool bad = false, found = true;

	if (tli != primary_tli) {
		PGresult *r;

		snprintf(cmd, sizeof(cmd), "TIMELINE_HISTORY %" PRIu32, primary_tli);
		r = tandem_pq_query_simple(c, cmd, d, why, len);
		if (r == NULL || PQntuples(r) != 1 || PQnfields(r) < 2) {
			PQclear(r);
			return -1;
		}
		found = pg_history_switchpoint(PQgetvalue(r, 0, 1), tli, &left, &bad);
		PQclear(r);
		if (bad) {
			snprintf(why, len, "the primary's history of timeline %" PRIu32 " does not parse", primary_tli);
			return -1;
		}
		if (!found) {
			snprintf(why, len, "timeline %" PRIu32 " (this node's) is not in the primary's history "
				 "(timeline %" PRIu32 ")", tli, primary_tli);
			return 1;
		}
	}
	if (self_end <= left)
		return 0;
	if (tli != primary_tli)
		snprintf(why, len, "this node replayed WAL to %s on timeline %" PRIu32 ", past %s where the "
			 "primary's history leaves it for timeline %" PRIu32, tandem_lsn_str(self_end, a), tli,
			 tandem_lsn_str(left, b), primary_tli);
	else
		snprintf(why, len, "this node replayed WAL to %s on timeline %" PRIu32 ", past the primary's end %s "
			 "on a timeline of the same number: another history", tandem_lsn_str(self_end, a), tli,
			 tandem_lsn_str(left, b));
	return 1;
}

/* Where the primary's history (TIMELINE_HISTORY primary_tli over c)
 * leaves the timeline of this node's newest WAL file: 1 with *tli and *at,
 * 0 when that is the primary's timeline or not in its history, -1
 * unknown (why). */
static int
received_fork(struct pg *pg, PGconn **c, uint32_t primary_tli, uint32_t *tli, uint64_t *at, tandem_deadline d,
	      char *why, size_t len)
{
	char cmd[48];
	bool bad = false, found;
	PGresult *r;

	if (tandem_pgdata_wal_timeline(pg->datadir, tli) != 0 || *tli == 0 || *tli >= primary_tli)
		return 0;
	snprintf(cmd, sizeof(cmd), "TIMELINE_HISTORY %" PRIu32, primary_tli);
	r = tandem_pq_query_simple(c, cmd, d, why, len);
	if (r == NULL || PQntuples(r) != 1 || PQnfields(r) < 2) {
		PQclear(r);
		return -1;
	}
	found = pg_history_switchpoint(PQgetvalue(r, 0, 1), *tli, at, &bad);
	PQclear(r);
	return bad ? -1 : found ? 1 : 0;
}

/* Whether this standby, running but not streaming, can follow the
 * primary, asked of the primary as its walreceiver asks, with the same
 * rights (a replication connection as replication_user): IDENTIFY_SYSTEM,
 * then START_REPLICATION from the start of the segment where the WAL it
 * holds ends, on the timeline it replays (pg_control's minimum recovery
 * point's, or its last restartpoint's).  Returns 1 yes (or nothing to ask
 * yet); 0 no, with why and *repair: "clone" (the WAL it needs is gone from
 * the primary, SQLSTATE 58P01), "rewind" (a fork: its WAL past where the
 * primary's history leaves its timeline, XX000, or a later timeline), or
 * NULL (the primary is another database cluster: a configuration error,
 * not repaired); -1 unknown (no primary reachable
 * within 2 s, or an answer that tells nothing about this node). */
static int
follow_check(struct pg *pg, const char **repair, char *why, size_t len)
{
	char ci[2048], state[6], at[18];
	const char *keys[] = { "dbname", "replication", NULL };
	const char *vals[] = { ci, "true", NULL };
	tandem_deadline d = tandem_deadline_cap(pg->ctx->deadline, 2000);
	struct tandem_pgcontrol control;
	PGconn *c;
	PGresult *r;
	uint64_t sysid = 0, end = 0, start, seg, fork = 0;
	uint32_t tli, primary_tli = 0, wal_tli = 0;
	int rc = -1;

	*repair = NULL;
	if (tandem_pgcontrol_read(pg->datadir, &control, why, len) != 0)
		return -1;
	conninfo(pg, ci, sizeof(ci));
	c = tandem_pq_connect(keys, vals, d, why, len);
	if (c == NULL)
		return -1;
	r = tandem_pq_query_simple(&c, "IDENTIFY_SYSTEM", d, why, len);
	if (r != NULL && PQntuples(r) == 1 && PQnfields(r) >= 3) {
		sysid = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		primary_tli = (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
		rc = tandem_lsn_parse(PQgetvalue(r, 0, 2), &end) ? 1 : -1;
	}
	PQclear(r);
	tli = control.min_recovery_tli > control.timeline ? control.min_recovery_tli : control.timeline;
	seg = control.wal_segment_size > 0 ? control.wal_segment_size : SEGMENT;
	/* Where its walreceiver would ask from: the end of what it holds
	 * (received, or replayed when that is further), not what it replayed:
	 * replay may lag (recovery_min_apply_delay, a long query), and the
	 * primary keeps WAL from the standby's flush position only. */
	start = pg_election_lsn(&pg->facts);
	start -= start % seg;
	if (rc != 1) {
		if (rc < 0 && why[0] == '\0')
			snprintf(why, len, "unexpected answer to IDENTIFY_SYSTEM");
	} else if (sysid != control.system_identifier) {
		/* A configuration error (primary_conninfo names another
		 * cluster), never repaired by copying that cluster here. */
		snprintf(why, len, "primary_conninfo reaches another database cluster (system identifier %" PRIu64
			 ", this node's %" PRIu64 ")", sysid, control.system_identifier);
		rc = 0;
	} else if (tli > primary_tli) {
		snprintf(why, len, "this node is on timeline %" PRIu32 ", past the primary's %" PRIu32, tli,
			 primary_tli);
		*repair = "rewind";
		rc = 0;
	} else if (past_the_fork(&c, tli, primary_tli, end, pg->facts.replayed, d, why, len) == 1) {
		*repair = "rewind";
		rc = 0;
	} else if (c != NULL && received_fork(pg, &c, primary_tli, &wal_tli, &fork, d, why, len) == 1
		   && wal_past(pg, wal_tli, fork, false, NULL, 0) > 0) {
		/* Received, not replayed (a delayed standby): its startup
		 * process reads pg_wal before it streams, so it would replay
		 * it, and stream nothing meanwhile. */
		snprintf(why, len, "this node holds WAL of timeline %" PRIu32 " past %s, where the primary's history "
			 "leaves it, not replayed yet", wal_tli, tandem_lsn_str(fork, at));
		*repair = "rewind";
		rc = 0;
	} else if (start < end && c != NULL) {
		rc = tandem_pq_stream_from(c, tli, start, d, state, why, len);
		/* 58P01 (undefined_file): the segment is removed.  XX000: the
		 * walsender's "not in this server's history" or "ahead of the
		 * WAL flush position", a fork.  Any other refusal (the primary
		 * shutting down, 57P01, 57P03) tells nothing about this node. */
		if (rc == 0 && strcmp(state, "58P01") == 0)
			*repair = "clone";
		else if (rc == 0 && strcmp(state, "XX000") == 0)
			*repair = "rewind";
		else if (rc == 0)
			rc = -1;
		if (rc == 0)
			snprintf(why + strlen(why), len - strlen(why), " (asked from %s on timeline %" PRIu32 ")",
				 tandem_lsn_str(start, at), tli);
	}
	if (c != NULL)
		PQfinish(c);
	return rc;
}

/* How long a standby goes without streaming before its monitor asks the
 * primary whether it can follow at all, and how often it asks again (s).
 * A start or a failover streams again well within it; the walreceiver
 * retries every wal_retrieve_retry_interval (5 s). */
#define PG_FOLLOW_CHECK_S 10

/* Said once, said until the restart that repairs it: true (the exit
 * reason set) while the repair noted is pending and the same postmaster
 * runs.  Back to success until the next check, the monitor had Pacemaker
 * drop the recovery it planned and count each new failure until
 * migration-threshold banned the node (CI's timeline_fork). */
static bool
repair_said(struct pg *pg)
{
	char text[700], pid[24];
	pid_t postmaster;
	size_t word;

	if (!read_state("repair", text, sizeof(text)) || text[0] == '\0'
	    || !read_state("repair-postmaster", pid, sizeof(pid)) || (postmaster = postmaster_pid(pg)) <= 0
	    || atoll(pid) != (long long)postmaster)
		return false;
	word = strcspn(text, " ");
	tandem_ocf_exit_reason("this standby cannot follow the primary: %s; its restart will %.*s it",
			       text[word] != '\0' ? text + word + 1 : text, (int)word, text);
	return true;
}

/* WAL received past where the newest timeline this node knows (its newest
 * history file in pg_wal, which its walreceiver fetched from the new
 * primary) leaves the timeline of its newest WAL files, and not replayed
 * yet: a delayed standby at a failover, streaming or not.  Its startup
 * process would replay it once its replay reaches the fork (PostgreSQL
 * reads an older timeline's segment where the newer one's is not here
 * yet).  Looked at from pg_wal alone every PG_FOLLOW_CHECK_S; when found,
 * the repair its restart makes (the segments set aside, streamed again
 * from the primary).  An OCF code: success when there is none. */
int
received_fork_look(struct pg *pg)
{
	char history[65536], why[600], text[700], pid[24], a[18];
	uint32_t tli = 0, newest;
	uint64_t at = 0;
	bool bad = false;

	if (repair_said(pg))
		return TANDEM_OCF_ERR_GENERIC;
	if (tandem_ocf_seen_for("fork-look", true) < PG_FOLLOW_CHECK_S)
		return TANDEM_OCF_SUCCESS;
	tandem_ocf_seen_for("fork-look", false);
	if (tandem_pgdata_wal_timeline(pg->datadir, &tli) != 0 || tli == 0)
		return TANDEM_OCF_SUCCESS;
	newest = tli;
	while (newest < UINT32_MAX && tandem_pgdata_history_read(pg->datadir, newest + 1, history, sizeof(history)) >= 0)
		newest++;
	if (newest == tli || tandem_pgdata_history_read(pg->datadir, newest, history, sizeof(history)) < 0
	    || !pg_history_switchpoint(history, tli, &at, &bad) || bad || wal_past(pg, tli, at, false, NULL, 0) <= 0)
		return TANDEM_OCF_SUCCESS;
	snprintf(why, sizeof(why), "this node holds WAL of timeline %" PRIu32 " past %s, where timeline %" PRIu32
		 " leaves it, not replayed yet", tli, tandem_lsn_str(at, a), newest);
	snprintf(text, sizeof(text), "rewind %s", why);
	write_state("repair", text);
	snprintf(pid, sizeof(pid), "%lld", (long long)postmaster_pid(pg));
	write_state("repair-postmaster", pid);
	tandem_ocf_exit_reason("this standby cannot follow the primary: %s; its restart will rewind it", why);
	return TANDEM_OCF_ERR_GENERIC;
}

/* The monitor's share: 0, or an error when this standby cannot follow,
 * leaving the repair its start will make.  Pacemaker's recovery of a
 * failed unpromoted instance is stop, start: the start repairs. */
int
follow_or_repair(struct pg *pg)
{
	const char *repair;
	char why[600], text[700], replayed[18], last[24] = "", pid[24];

	if (repair_said(pg))
		return TANDEM_OCF_ERR_GENERIC;
	if (tandem_ocf_seen_for("not-streaming", true) < PG_FOLLOW_CHECK_S)
		return TANDEM_OCF_SUCCESS;
	tandem_ocf_seen_for("not-streaming", false); /* asked again in PG_FOLLOW_CHECK_S */
	/* Replay that goes on (from an archive's restore_command, from WAL
	 * already here) is catching up, whatever streaming does. */
	tandem_lsn_str(pg->facts.replayed, replayed);
	read_state("replayed-at-check", last, sizeof(last));
	write_state("replayed-at-check", replayed);
	if (last[0] != '\0' && strcmp(last, replayed) != 0)
		return TANDEM_OCF_SUCCESS;
	why[0] = '\0';
	switch (follow_check(pg, &repair, why, sizeof(why))) {
	case 1:
		return TANDEM_OCF_SUCCESS;
	case -1:
		tandem_log(LOG_INFO, "not streaming, and could not ask the primary: %s", why);
		return TANDEM_OCF_SUCCESS;
	}
	if (repair == NULL) {
		tandem_ocf_exit_reason("this standby cannot follow the primary: %s", why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	snprintf(text, sizeof(text), "%s %s", repair, why);
	write_state("repair", text);
	snprintf(pid, sizeof(pid), "%lld", (long long)postmaster_pid(pg));
	write_state("repair-postmaster", pid);
	tandem_ocf_exit_reason("this standby cannot follow the primary: %s; its restart will %s it", why,
			       strcmp(repair, "clone") == 0 ? "clone" : "rewind");
	return TANDEM_OCF_ERR_GENERIC;
}

/* Bytes under path (regular files), or -1. */
static int64_t tree_bytes_total;
static int
tree_bytes_add(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F)
		tree_bytes_total += st->st_size;
	return 0;
}

static int64_t
tree_bytes(const char *path)
{
	tree_bytes_total = 0;
	return nftw(path, tree_bytes_add, 16, FTW_PHYS) == 0 ? tree_bytes_total : -1;
}

/* Removes path (contents_only: what it holds, the directory kept), never
 * into another filesystem, as system_user: everything there is that
 * user's, and so is any link in it or in its parent, so root never deletes
 * through a name that user could have planted (issue 26).  rm and find
 * never follow a link given or met.  False with a log line. */
static bool
remove_tree(struct pg *pg, const char *path, bool contents_only)
{
	const char *rm[] = { "/bin/rm", "-rf", "--one-file-system", "--", path, NULL };
	const char *empty[] = { "/usr/bin/find", path, "-xdev", "-mindepth", "1", "-delete", NULL };
	const struct tandem_spawn_opts as_owner = { .user = pg->user };
	struct tandem_spawn_result res;
	bool ok = tandem_spawn_run(contents_only ? empty : rm, &as_owner, pg->ctx->deadline, &res) == 0
		  && res.status == 0;

	if (!ok)
		tandem_log(LOG_WARNING, "could not remove \"%s\"%s as %s: %s", path, contents_only ? "'s contents" : "",
			   pg->user, res.err != NULL ? res.err : "");
	tandem_spawn_result_free(&res);
	return ok;
}

void
prune_aside(struct pg *pg, const char *what, long long keep)
{
	char dir[4096], prefix[512], names[64][256], path[4400];
	const char *base = strrchr(pg->datadir, '/');
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", base != NULL && base != pg->datadir ? (int)(base - pg->datadir) : 1,
		 base != NULL ? pg->datadir : ".");
	snprintf(prefix, sizeof(prefix), "%s.%s-", base != NULL ? base + 1 : pg->datadir, what);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < 64)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i + (size_t)keep < n; i++) {
		snprintf(path, sizeof(path), "%.4095s/%.255s", dir, names[i]);
		if (remove_tree(pg, path, false))
			tandem_log(LOG_INFO, "removed \"%s\" (repair_keep=%lld)", path, keep);
	}
}

/* Renames the data directory to aside, within its parent's descriptor,
 * once the entry is seen to be (or to link to) a directory system_user
 * owns: never a rename of what a link postgres planted in a parent it owns
 * names elsewhere (issue 26).  False with an exit reason. */
static bool
set_aside(struct pg *pg, const char *aside)
{
	char base[256], why[512];
	const char *name = strrchr(aside, '/');
	int parent = tandem_safefs_parent(pg->datadir, base, sizeof(base));
	int fd = parent < 0 ? -1 : tandem_safefs_dir(parent, base, pg->uid, why, sizeof(why));

	if (parent < 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	if (fd >= 0) {
		close(fd);
		if (renameat(parent, base, parent, name != NULL ? name + 1 : aside) == 0) {
			close(parent);
			return true;
		}
		snprintf(why, sizeof(why), "%s", strerror(errno));
	}
	if (parent >= 0)
		close(parent);
	tandem_ocf_exit_reason("could not set \"%s\" aside: %s", pg->datadir, why);
	return false;
}

/* A clone in place of a data directory that cannot follow: renamed aside
 * (kept: keep > 0, repair_keep) or emptied (keep 0), then cloned from the
 * primary.  Refused when the filesystem has no room for a copy besides
 * what is kept. */
static int
reclone(struct pg *pg, const char *why, long long keep)
{
	int64_t size;
	uint64_t left = 0;
	const char *where = pg->datadir;
	char aside[4200];
	uint32_t tli;

	/* Nothing is moved or removed unless a primary answers to clone from. */
	if (remote_is_primary(pg, &tli, NULL) != 1) {
		tandem_ocf_exit_reason("cannot clone again (%s): no primary answers at primary_conninfo now", why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (keep > 0) {
		/* Only walked when it is to be kept (a large directory takes a while). */
		size = tree_bytes(pg->datadir);
		if (size < 0 || tandem_pgdata_space_left(pg->datadir, &left, &where) != 0
		    || left < (uint64_t)size) {
			tandem_ocf_exit_reason("cannot clone again (%s): no room on %s for a copy of \"%s\" "
					       "(%" PRId64 " bytes, %" PRIu64 " left) beside it; free space, or set "
					       "repair_keep=0", why, where, pg->datadir, size, left);
			return TANDEM_OCF_ERR_GENERIC;
		}
		beside_datadir(pg, "repaired", aside, sizeof(aside));
		if (!set_aside(pg, aside))
			return TANDEM_OCF_ERR_GENERIC;
		tandem_log(LOG_WARNING, "\"%s\" must be cloned again (%s): set aside as \"%s\"",
			   pg->datadir, why, aside);
		prune_aside(pg, "repaired", keep);
	} else {
		if (!remove_tree(pg, pg->datadir, true)) {
			tandem_ocf_exit_reason("could not empty \"%s\" to clone it again", pg->datadir);
			return TANDEM_OCF_ERR_GENERIC;
		}
		tandem_log(LOG_WARNING, "\"%s\" must be cloned again (%s): emptied%s, cloning again", pg->datadir, why,
			   tandem_param_int(pg->p, PG_REPAIR_KEEP) == 0 ? " (repair_keep=0)" : "");
	}
	return clone_from_primary(pg);
}

/* Shows the last repair on this node: when, what, why. */
static void
show_repair(struct pg *pg, const char *what, const char *why)
{
	char text[800], when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(text, sizeof(text), "%s %s: %s", when, what, why);
	publish(pg, PG_ATTR_REPAIR, text, false);
}

/* Before a standby starts whose replay has not diverged (pg_rewind found
 * nothing to rewind): WAL it received past where the primary's history
 * leaves its timeline (a delayed standby) is set aside, so that its
 * startup process, which reads pg_wal before it streams, takes those
 * segments from the primary and its history instead.  Returns 1 when some
 * were (logged), 0 when there is nothing to set aside (or the primary
 * did not answer), 2 when the primary no longer holds the segment of the
 * fork (only a clone can follow), -1 when they could not be moved here
 * (why set: the start fails). */
static int
set_aside_received_fork(struct pg *pg, char *why, size_t len)
{
	char ci[2048], dest[4200] = "", a[18], state[6];
	const char *keys[] = { "dbname", "replication", NULL };
	const char *vals[] = { ci, "true", NULL };
	tandem_deadline d = tandem_deadline_cap(pg->ctx->deadline, 2000);
	uint64_t seg = pg->control.wal_segment_size > 0 ? pg->control.wal_segment_size : SEGMENT;
	PGconn *c;
	PGresult *r;
	uint32_t primary_tli = 0, tli = 0;
	uint64_t at = 0;
	int n = 0, serves;

	why[0] = '\0';
	conninfo(pg, ci, sizeof(ci));
	c = tandem_pq_connect(keys, vals, d, why, len);
	if (c == NULL)
		return 0;
	r = tandem_pq_query_simple(&c, "IDENTIFY_SYSTEM", d, why, len);
	if (r != NULL && PQntuples(r) == 1 && PQnfields(r) >= 2)
		primary_tli = (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	if (primary_tli == 0 || c == NULL || received_fork(pg, &c, primary_tli, &tli, &at, d, why, len) != 1
	    || wal_past(pg, tli, at, false, NULL, 0) <= 0) {
		if (c != NULL)
			PQfinish(c);
		return 0;
	}
	/* The segment of the fork is set aside too (its tail is the lost
	 * primary's): this node takes it again from the primary. */
	serves = tandem_pq_stream_from(c, tli, at - at % seg, d, state, why, len);
	PQfinish(c);
	if (serves == 0 && strcmp(state, "58P01") == 0)
		return 2;
	if (serves != 1) {
		/* Nothing known (the primary busy, or gone meanwhile): started
		 * as it is, its monitor asks again; a failed start would keep
		 * it out for good. */
		tandem_log(LOG_WARNING, "WAL of timeline %" PRIu32 " past %s, received and not replayed, left in place: "
			   "the primary did not say it holds that segment (%s)", tli, tandem_lsn_str(at - at % seg, a),
			   why);
		return 0;
	}
	n = wal_past(pg, tli, at, true, dest, sizeof(dest));
	if (n < 0) {
		snprintf(why, len, "could not set aside the WAL of timeline %" PRIu32 " past %s, received and not "
			 "replayed: %s", tli, tandem_lsn_str(at, a), pg->why);
		return -1;
	}
	tandem_log(LOG_WARNING, "%d segments of timeline %" PRIu32 " from %s on, received past where the primary's "
		   "history leaves it and not replayed, set aside in \"%s\": this node streams them again from "
		   "the primary", n, tli, tandem_lsn_str(at, a), dest);
	return n > 0;
}

/* The repair a monitor left ("clone WHY" or "rewind WHY", follow_or_repair),
 * made by start: pg_rewind where the history forked, falling back to a
 * clone only when the rewind cannot run (a rewind that finds nothing to
 * do starts it as it is); a clone when the WAL is gone.  Logged, and
 * shown in PG_ATTR_REPAIR. */
int
repair_standby(struct pg *pg, const char *repair)
{
	const char *why = strchr(repair, ' ') != NULL ? strchr(repair, ' ') + 1 : "";
	bool rewound = false;
	int rc;

	if (strncmp(repair, "rewind ", 7) == 0 && !tandem_param_bool(pg->p, PG_AUTO_REWIND)) {
		tandem_ocf_exit_reason("this standby's history forked from the primary's (%s): auto_rewind is "
				       "off, rewind \"%s\" with pg_rewind by hand", why, pg->datadir);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (strncmp(repair, "rewind ", 7) == 0) {
		bool cannot;

		tandem_log(LOG_WARNING, "this standby could not follow (%s): rewinding it", why);
		rc = rejoin_if_diverged(pg, true, &rewound, &cannot);
		if (rc == TANDEM_OCF_SUCCESS) {
			/* Nothing to rewind: its history is the primary's after
			 * all (the monitor guessed its timeline from pg_control,
			 * which a restart brings up to date).  Never a clone for
			 * that: started as it is. */
			char aside_why[600];
			int aside = rewound ? 0 : set_aside_received_fork(pg, aside_why, sizeof(aside_why));

			if (aside < 0) {
				tandem_ocf_exit_reason("%s", aside_why);
				return TANDEM_OCF_ERR_GENERIC;
			}
			if (aside == 2)
				return clone_again(pg, "the primary no longer holds the WAL this node needs to follow "
						   "it past what it received from the lost primary");
			if (rewound)
				show_repair(pg, "rewound", why);
			else if (aside == 1)
				show_repair(pg, "WAL past the fork set aside", why);
			else
				tandem_log(LOG_INFO, "pg_rewind found nothing to rewind: starting it as it is");
			write_state("repair", "");
			return rc;
		}
		tandem_log(LOG_WARNING, "pg_rewind could not repair it: cloning it again");
	}
	return clone_again(pg, why);
}

/* A repair by a clone (reclone, keeping keep copies aside), shown in
 * PG_ATTR_REPAIR with why. */
static int
cloned_again(struct pg *pg, const char *why, long long keep)
{
	int rc = reclone(pg, why, keep);

	if (rc == TANDEM_OCF_SUCCESS) {
		show_repair(pg, "cloned again", why);
		write_state("repair", "");
	}
	return rc;
}

/* The last repair: the old data directory kept aside while there is
 * room (repair_keep). */
int
clone_again(struct pg *pg, const char *why)
{
	return cloned_again(pg, why, tandem_param_int(pg->p, PG_REPAIR_KEEP));
}

/* A clone cut short holds nothing of its own: emptied in place, as
 * system_user, and cloned again.  Never set aside: that would take room
 * for nothing and prune an older copy that may hold a former primary's
 * only commits (repair_keep). */
int
reclone_cut_short(struct pg *pg)
{
	return cloned_again(pg, "a clone cut short: no global/pg_control", 0);
}
