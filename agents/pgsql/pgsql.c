/* pgsql.c --- ocf:tandem:pgsql's actions: what each one asks of PostgreSQL and Pacemaker */
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
#include "tandem/spawn.h"
#include "pgsql.h"

#define SEGMENT (16ULL << 20)   /* attribute granularity for LSNs on display */

static void state_path(char *buf, size_t len, const char *what);
static bool read_state(const char *what, char *buf, size_t len);
static void write_state(const char *what, const char *text);
static bool take_flag(const char *what);
static void write_flag(const char *what, bool yes);
static void free_pairs(char **nodes, char **values, size_t n);

/* Everything an action knows about the instance. */
struct pg {
	struct tandem_ctx *ctx;
	const struct tandem_params *p;
	const char *pgdata, *datadir, *user, *node;
	char node_buf[256];
	char bindir[4096];
	bool bindir_auto;       //!< bindir not given: from PG_VERSION (or the primary's major)
	char postgres[4200], pg_ctl[4200], pg_rewind[4200], pg_basebackup[4200];
	enum pg_sync_mode mode;
	uid_t uid;
	gid_t gid;
	PGconn *conn;
	struct pg_facts facts;
	struct pg_seen seen;
	struct tandem_pgcontrol control;
	char why[512];
};

static int follow_or_repair(struct pg *pg);

/* Points the four programs at dir. */
static void
set_bindir(struct pg *pg, const char *dir)
{
	snprintf(pg->bindir, sizeof(pg->bindir), "%s", dir);
	snprintf(pg->postgres, sizeof(pg->postgres), "%s/postgres", dir);
	snprintf(pg->pg_ctl, sizeof(pg->pg_ctl), "%s/pg_ctl", dir);
	snprintf(pg->pg_rewind, sizeof(pg->pg_rewind), "%s/pg_rewind", dir);
	snprintf(pg->pg_basebackup, sizeof(pg->pg_basebackup), "%s/pg_basebackup", dir);
}

/* bindir when the admin gave none: the major the data directory's
 * PG_VERSION names, so one configuration serves 15 today and 17 after
 * pg_upgradecluster; with no data yet, the newest major installed (start
 * asks the primary before it clones: clone_from_primary). */
static void
default_bindir(struct pg *pg)
{
	char dir[4096];
	int major = tandem_pgdata_version(pg->datadir);

	if (major < 0)
		major = tandem_pg_newest_major();
	if (major < 0)
		major = 0;      /* nothing installed: validation says which program is missing */
	tandem_pg_bindir(major, dir, sizeof(dir));
	set_bindir(pg, dir);
}

static void
pg_init(struct pg *pg, struct tandem_ctx *ctx)
{
	const char *on_node = tandem_ocf_meta("on_node");
	struct passwd *pw;

	memset(pg, 0, sizeof(*pg));
	pg->ctx = ctx;
	pg->p = ctx->params;
	pg->pgdata = tandem_param_str(pg->p, PG_PGDATA);
	pg->datadir = tandem_param_given(pg->p, PG_DATADIR) ? tandem_param_str(pg->p, PG_DATADIR) : pg->pgdata;
	pg->user = tandem_param_str(pg->p, PG_SYSTEM_USER);
	pg->mode = (enum pg_sync_mode)tandem_param_int(pg->p, PG_SYNC_MODE);
	pg->bindir_auto = !tandem_param_given(pg->p, PG_BINDIR);
	if (pg->bindir_auto)
		default_bindir(pg);
	else
		set_bindir(pg, tandem_param_str(pg->p, PG_BINDIR));
	if (on_node != NULL && *on_node != '\0') {
		snprintf(pg->node_buf, sizeof(pg->node_buf), "%s", on_node);
	} else {
		struct utsname u;

		uname(&u);
		snprintf(pg->node_buf, sizeof(pg->node_buf), "%s", u.nodename);
	}
	pg->node = pg->node_buf;
	pw = getpwnam(pg->user);
	if (pw != NULL) {
		pg->uid = pw->pw_uid;
		pg->gid = pw->pw_gid;
	}
}

static void
pg_close(struct pg *pg)
{
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg->conn = NULL;
}

/* The last non-empty line of a program's output: where PostgreSQL's
 * tools put the error that made them fail. */
static const char *
last_line(const char *text)
{
	static char line[400];
	const char *end, *start;

	if (text == NULL || *text == '\0')
		return "failed";
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(line, sizeof(line), "%.*s", (int)(end - start), start);
	return line[0] != '\0' ? line : "failed";
}

/* Runs a PostgreSQL program as system_user; output kept in res. */
static int
run_as(struct pg *pg, const char *const argv[], struct tandem_spawn_result *res)
{
	struct tandem_spawn_opts o = { .user = pg->user, .cwd = "/" };
	int r = tandem_spawn_run(argv, &o, pg->ctx->deadline, res);

	if (r != 0 || res->timed_out || res->status != 0) {
		const char *err = res->err != NULL && *res->err ? res->err : res->out;

		snprintf(pg->why, sizeof(pg->why), "%s %s: %s", strrchr(argv[0], '/') + 1, argv[1],
			 res->timed_out ? "timed out" : last_line(err));
		return -1;
	}
	return 0;
}

static int
run_simple(struct pg *pg, const char *const argv[])
{
	struct tandem_spawn_result res;
	int r = run_as(pg, argv, &res);

	tandem_spawn_result_free(&res);
	return r;
}

/* Connects to the local instance as system_user, through its socket:
 * peer authentication sees the effective uid at connect(), so the agent
 * borrows system_user's identity for that call only. */
static bool
local_connect(struct pg *pg, tandem_deadline deadline)
{
	char port[16];
	const char *keys[] = { "host", "port", "dbname", "user", NULL };
	const char *vals[] = { tandem_param_str(pg->p, PG_PGHOST), port, "postgres", pg->user, NULL };
	bool switched = false;

	snprintf(port, sizeof(port), "%lld", tandem_param_int(pg->p, PG_PGPORT));
	if (geteuid() == 0 && pg->uid != 0) {
		switched = setegid(pg->gid) == 0 && seteuid(pg->uid) == 0;
		if (!switched)
			(void)setegid(0);
	}
	pg->conn = tandem_pq_connect(keys, vals, deadline, pg->why, sizeof(pg->why));
	if (switched && (seteuid(0) != 0 || setegid(0) != 0))
		tandem_log(LOG_ERR, "could not take back root's identity");
	return pg->conn != NULL;
}

/* Whether the local server answers at all (PQping: any reply but "cannot
 * connect now" is PQPING_OK, "too many clients" included). */
static PGPing
local_ping(struct pg *pg)
{
	char port[16];
	const char *keys[] = { "host", "port", "dbname", "user", NULL };
	const char *vals[] = { tandem_param_str(pg->p, PG_PGHOST), port, "postgres", pg->user, NULL };

	snprintf(port, sizeof(port), "%lld", tandem_param_int(pg->p, PG_PGPORT));
	return tandem_pq_ping(keys, vals, tandem_deadline_cap(pg->ctx->deadline, 2000));
}

/* One statement; the result or NULL (why says). */
static PGresult *
sql(struct pg *pg, const char *statement)
{
	if (pg->conn == NULL)
		return NULL;
	return tandem_pq_query(&pg->conn, statement, pg->ctx->deadline, pg->why, sizeof(pg->why));
}

static bool
query_facts(struct pg *pg)
{
	PGresult *r = sql(pg, PG_MONITOR_QUERY);
	bool ok;

	if (r == NULL)
		return false;
	ok = PQntuples(r) == 1
	     && pg_parse_facts(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
			       PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5),
			       PQgetvalue(r, 0, 6), PQgetvalue(r, 0, 7), PQgetvalue(r, 0, 8), &pg->facts);
	if (!ok)
		snprintf(pg->why, sizeof(pg->why), "unexpected answer to the monitor query");
	PQclear(r);
	return ok;
}

static bool
postmaster_alive(struct pg *pg)
{
	char path[4096];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/postmaster.pid", pg->datadir);
	return tandem_pidfile_check(path, "postgres", &pid) == TANDEM_PIDFILE_ALIVE;
}

static pid_t
postmaster_pid(struct pg *pg)
{
	char path[4096];
	pid_t pid = 0;

	snprintf(path, sizeof(path), "%s/postmaster.pid", pg->datadir);
	return tandem_pidfile_check(path, "postgres", &pid) == TANDEM_PIDFILE_ALIVE ? pid : 0;
}

/* One reading of the local instance (tandem_reread): a live postmaster
 * that answered the monitor query, or answered a ping without giving a
 * session (every slot taken: alive), or no postmaster at all.  A live
 * postmaster that does not answer is not a reading. */
static bool
observe_once(void *arg)
{
	struct pg *pg = arg;

	pg->seen.postmaster_alive = postmaster_alive(pg);
	if (!pg->seen.postmaster_alive)
		return true;
	if ((pg->conn != NULL || local_connect(pg, pg->ctx->deadline)) && query_facts(pg)) {
		pg->seen.answered = true;
		pg->seen.recovery = pg->facts.recovery;
		return true;
	}
	if (pg->conn == NULL && local_ping(pg) == PQPING_OK) {
		pg->seen.busy = true;
		tandem_log(LOG_WARNING, "the server answers but gives the agent no session: %s", pg->why);
		return true;
	}
	pg_close(pg);
	return false;
}

/* Everything this node can see of the instance, within the deadline: a
 * running postmaster that does not answer is asked again (tandem_reread:
 * one dropped connection never restarts a primary). */
static enum pg_role
observe(struct pg *pg)
{
	char why[512];

	memset(&pg->seen, 0, sizeof(pg->seen));
	tandem_reread(pg->ctx->deadline, observe_once, pg, "the local PostgreSQL");
	if (!pg->seen.answered) {
		int r = tandem_pgcontrol_read(pg->datadir, &pg->control, why, sizeof(why));

		pg->seen.control_ok = r == 0;
		pg->seen.no_cluster = r == -ENOENT && tandem_pgdata_version(pg->datadir) < 0;
		if (r != 0 && !pg->seen.no_cluster)
			snprintf(pg->why, sizeof(pg->why), "%s", why);
	}
	pg->seen.control_state = pg->control.state;
	return pg_decide_role(&pg->seen);
}

/* Attributes, written only when their value changes (lib/attr caches). */
static void
publish(struct pg *pg, const char *name, const char *value, bool private_)
{
	char why[256];

	if (tandem_attr_set(name, value, private_, pg->ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "could not set attribute %s: %s", name, why);
}

static void
publish_lsn(struct pg *pg, const char *name, uint64_t lsn)
{
	char buf[18];

	/* On display only: a granularity of one segment keeps a busy node
	 * from spawning attrd_updater on every monitor. */
	publish(pg, name, tandem_lsn_str(lsn - lsn % SEGMENT, buf), false);
}

static void
set_score(struct pg *pg, const char *node, long long score)
{
	char why[256];
	int r = node == NULL ? tandem_promotion_set(score, pg->ctx->deadline, why, sizeof(why))
			     : tandem_promotion_set_node(node, score, pg->ctx->deadline, why, sizeof(why));

	if (r != 0)
		tandem_log(LOG_WARNING, "could not set the promotion score of %s to %lld: %s",
			   node != NULL ? node : pg->node, score, why);
}

/* The clone's nodes, as the last notification listed them (state "nodes"). */
/* Node names from the state file what, one per line. */
static size_t
read_names(const char *what, char names[][64], size_t max)
{
	char path[512], line[256];
	size_t n = 0;
	FILE *f;

	state_path(path, sizeof(path), what);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			snprintf(names[n++], 64, "%.63s", line);
	}
	fclose(f);
	return n;
}

static size_t
known_nodes(char names[][64], size_t max)
{
	return read_names("nodes", names, max);
}

/* Writes names, one per line, to state file what (atomically). */
static void
write_names(const char *what, char names[][64], size_t n)
{
	char path[512], tmp[540];
	FILE *f;

	state_path(path, sizeof(path), what);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

/* The nodes that run, ran or are about to run an instance: the cluster's
 * nodes less those that never have (a witness, banned from the database:
 * no slot, no WAL kept for it). */
static size_t
database_nodes(char names[][64], size_t max)
{
	return read_names("database-nodes", names, max);
}

static bool
in_names(char names[][64], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* What a notification says of the clone's nodes: all of them ("nodes"),
 * and those that have had an instance ("database-nodes", kept across
 * notifications, less nodes no longer in the cluster). */
static void
remember_nodes(const struct tandem_ocf_notify *ntf)
{
	const struct tandem_uname_list *lists[] = { &ntf->active, &ntf->start, &ntf->promote, &ntf->demote,
						    &ntf->promoted, &ntf->unpromoted, &ntf->stop };
	char all[32][64], had[32][64], db[32][64];
	size_t n_all = 0, n_had, n_db = 0;

	if (ntf->all.n == 0)
		return;
	for (size_t i = 0; i < ntf->all.n && n_all < 32; i++)
		snprintf(all[n_all++], 64, "%.63s", ntf->all.names[i]);
	write_names("nodes", all, n_all);
	n_had = database_nodes(had, 32);
	for (size_t i = 0; i < n_all; i++) {
		bool ran = in_names(had, n_had, all[i]);

		for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]) && !ran; l++)
			ran = tandem_uname_list_has(lists[l], all[i]);
		if (ran)
			snprintf(db[n_db++], 64, "%.63s", all[i]);
	}
	write_names("database-nodes", db, n_db);
}

/* Reads the commit record.  Returns 1 with *r filled, 0 when there is none
 * (a cluster that never had a primary under sync_mode on or strict), -1 when
 * it cannot be read or parsed (why says). */
static int
read_commit_record(struct pg *pg, struct pg_commit_record *r, char *why, size_t len)
{
	char *value = NULL;
	int rc;

	if (tandem_cluster_prop_get(PG_COMMIT_RECORD, &value, pg->ctx->deadline, why, len) != 0)
		return -1;
	if (value == NULL || value[0] == '\0') {
		free(value);
		return 0;
	}
	rc = pg_commit_record_parse(value, r) ? 1 : -1;
	if (rc < 0)
		snprintf(why, len, "cluster property %s-%.80s is not \"primary=NODE sync=NODE,...\": \"%.100s\"",
			 PG_COMMIT_RECORD, tandem_ocf_instance(), value);
	free(value);
	return rc;
}

/* Writes the commit record, unless this primary last wrote the same (the
 * transient directory keeps what it wrote: a reboot writes it again);
 * force: whatever it wrote (a promotion: another primary has written
 * since).  Returns false with why set. */
static bool
write_commit_record(struct pg *pg, const struct pg_commit_record *r, bool force, char *why, size_t len)
{
	char value[1200], last[1200] = "";

	pg_commit_record_format(r, value, sizeof(value));
	if (!force && read_state("commit-record", last, sizeof(last)) && strcmp(last, value) == 0)
		return true;
	if (tandem_cluster_prop_set(PG_COMMIT_RECORD, value, pg->ctx->deadline, why, len) != 0)
		return false;
	write_state("commit-record", value);
	tandem_log(LOG_INFO, "commit record: %s", value);
	return true;
}

/* The record of this primary with the synchronous standbys that names
 * (a synchronous_standby_names value) lists, plus those of also. */
static void
record_of(struct pg *pg, const char *names, const char *also, struct pg_commit_record *r)
{
	char members[PG_MAX_STANDBYS][64];
	size_t n = pg_sync_members(names, members, PG_MAX_STANDBYS);

	memset(r, 0, sizeof(*r));
	snprintf(r->primary, sizeof(r->primary), "%.63s", pg->node);
	for (size_t i = 0; i < n; i++)
		snprintf(r->sync[r->n_sync++], sizeof(r->sync[0]), "%.63s", members[i]);
	if (also == NULL)
		return;
	n = pg_sync_members(also, members, PG_MAX_STANDBYS);
	for (size_t i = 0; i < n && r->n_sync < PG_MAX_STANDBYS; i++) {
		bool dup = false;

		for (size_t k = 0; k < r->n_sync; k++)
			dup = dup || strcmp(r->sync[k], members[i]) == 0;
		if (!dup)
			snprintf(r->sync[r->n_sync++], sizeof(r->sync[0]), "%.63s", members[i]);
	}
}

/* The primary's duties on each monitor and at promotion: slots, scores,
 * synchronous names, the commit record. */
static void
primary_duties(struct pg *pg, bool promoting)
{
	const struct pg_facts *f = &pg->facts;
	struct pg_score scores[PG_MAX_STANDBYS];
	char nodes[32][64], db[32][64], names[512], stmt[1024];
	size_t n_db;
	size_t n = pg_rank_standbys(f, pg->mode, tandem_param_int(pg->p, PG_MAXLAG), scores,
				    PG_MAX_STANDBYS);
	size_t n_nodes = known_nodes(nodes, 32);
	bool degraded = false, names_change;

	if (!pg->seen.answered)
		return;         /* no facts to act on (a busy server) */
	set_score(pg, NULL, PG_SCORE_PRIMARY);
	/* What is only on display waits for the first monitor (a second
	 * later) when promoting: each is a spawn, and the VIP waits for promote. */
	if (!promoting) {
		char tli[16], record[256], why[256];

		publish_lsn(pg, PG_ATTR_PRIMARY_LSN, f->current);
		snprintf(tli, sizeof(tli), "%" PRIu32, f->timeline);
		publish(pg, PG_ATTR_TIMELINE, tli, false);
		if (read_state("failover", record, sizeof(record)) && record[0] != '\0') {
			if (tandem_attr_set(PG_ATTR_FAILOVER, record, false, pg->ctx->deadline, why, sizeof(why)) == 0)
				write_state("failover", "");
			else
				tandem_log(LOG_WARNING, "could not publish the failover record: %s", why);
			/* What this node showed as a standby is no longer true. */
			if (tandem_attr_delete(PG_ATTR_RECEIVED, false, pg->ctx->deadline, why, sizeof(why)) != 0
			    || tandem_attr_delete(PG_ATTR_REPLAYED, false, pg->ctx->deadline, why, sizeof(why)) != 0)
				tandem_log(LOG_WARNING, "could not clear the standby's LSNs: %s", why);
		}
	}
	/* A clone node that is not streaming at all may not be promoted:
	 * its data is as old as its last connection. */
	for (size_t k = 0; k < n_nodes; k++) {
		bool streaming = strcmp(nodes[k], pg->node) == 0;

		for (size_t i = 0; i < n && !streaming; i++)
			streaming = strcmp(scores[i].name, nodes[k]) == 0;
		if (!streaming)
			set_score(pg, nodes[k], PG_SCORE_FORBIDDEN);
	}
	pg_sync_names(f, pg->mode, f->sync_names, names, sizeof(names), &degraded);
	names_change = strcmp(names, f->sync_names) != 0;
	/* Scores fall before a standby leaves the synchronous set and rise
	 * after it joins, so Pacemaker never sees one promotable that lacks
	 * acknowledged commits. */
	for (size_t i = 0; i < n; i++)
		if (scores[i].score < 0 || !names_change)
			set_score(pg, scores[i].name, scores[i].score);
	/* The commit record changes before the synchronous set does when the
	 * set grows or empties (it must name every node a commit may be on, or
	 * the primary alone), and after when a standby only leaves it: until
	 * then it names both the old and the new set. */
	if (pg->mode != PG_SYNC_OFF) {
		struct pg_commit_record rec;
		char why[256];

		if (names_change && names[0] != '\0')
			record_of(pg, names, f->sync_names, &rec);
		else
			record_of(pg, names, NULL, &rec);
		if (!write_commit_record(pg, &rec, false, why, sizeof(why)))
			tandem_log(LOG_ERR, "could not write the commit record: %s", why);
	}
	if (names_change) {
		PGresult *r;
		bool applied;
		char *quoted = PQescapeLiteral(pg->conn, names, strlen(names));

		snprintf(stmt, sizeof(stmt), "ALTER SYSTEM SET synchronous_standby_names = %s",
			 quoted != NULL ? quoted : "''");
		PQfreemem(quoted);
		r = sql(pg, stmt);
		if (r != NULL) {
			PQclear(r);
			r = sql(pg, "SELECT pg_reload_conf()");
		}
		applied = r != NULL;
		if (!applied)
			tandem_log(LOG_ERR, "could not set synchronous_standby_names: %s", pg->why);
		else
			tandem_log(LOG_INFO, "synchronous_standby_names: '%s' (was '%s')", names, f->sync_names);
		PQclear(r);
		for (size_t i = 0; i < n; i++)
			if (scores[i].score >= 0)
				set_score(pg, scores[i].name, scores[i].score);
		if (pg->mode != PG_SYNC_OFF && names[0] != '\0' && applied) {
			struct pg_commit_record rec;
			char why[256];

			record_of(pg, names, NULL, &rec);
			if (!write_commit_record(pg, &rec, false, why, sizeof(why)))
				tandem_log(LOG_ERR, "could not write the commit record: %s", why);
		}
	}
	if (pg->mode != PG_SYNC_OFF) {
		const char *state = names[0] != '\0' ? (f->n_standbys > 0 ? "sync" : "waiting (strict)")
						     : "async (degraded)";

		if (degraded && names_change)
			tandem_log(LOG_WARNING, "no standby is streaming: replication is asynchronous until one is");
		if (!promoting)
			publish(pg, PG_ATTR_SYNC, state, false);
	}
	/* One slot per node that has run the database, so WAL a standby
	 * still needs is kept (within max_slot_wal_keep_size); none for a
	 * witness (issue #16), and a witness's left by an earlier version,
	 * unused, is dropped. */
	n_db = database_nodes(db, 32);
	for (size_t k = 0; k < n_nodes; k++) {
		char slot[80];
		PGresult *r;

		if (strcmp(nodes[k], pg->node) == 0)
			continue;
		if (n_db > 0 && !in_names(db, n_db, nodes[k])) {
			pg_slot_name(nodes[k], (const char (*)[64])nodes, n_nodes, slot, sizeof(slot));
			if (!pg_has_slot(f, slot))
				continue;
			snprintf(stmt, sizeof(stmt), "SELECT pg_drop_replication_slot(slot_name) FROM "
				 "pg_replication_slots WHERE slot_name = '%s' AND NOT active", slot);
			r = sql(pg, stmt);
			if (r != NULL && PQntuples(r) > 0)
				tandem_log(LOG_INFO, "slot %s dropped: %s never runs the database", slot, nodes[k]);
			PQclear(r);
			continue;
		}
		pg_slot_name(nodes[k], (const char (*)[64])nodes, n_nodes, slot, sizeof(slot));
		if (pg_has_slot(f, slot))
			continue;
		/* Missing, or invalidated (its standby down past
		 * max_slot_wal_keep_size): an invalidated slot is dropped first
		 * (Patroni #3641), in the same statement, and the new one
		 * reserves WAL from now on.  The standby, if it needs WAL already
		 * gone, finds out by itself (follow_check) and is repaired. */
		snprintf(stmt, sizeof(stmt), "SELECT d.lost, pg_create_physical_replication_slot('%s', true) FROM"
			 " (SELECT count(pg_drop_replication_slot(slot_name)) AS lost FROM pg_replication_slots s"
			 "  WHERE slot_name = '%s' AND NOT active AND (wal_status = 'lost'"
			 "  OR to_jsonb(s) ->> 'invalidation_reason' IS NOT NULL)) d", slot, slot);
		r = sql(pg, stmt);
		if (r == NULL)
			tandem_log(LOG_WARNING, "could not create slot %s: %s", slot, pg->why);
		else if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "0") != 0)
			tandem_log(LOG_WARNING, "slot %s was invalidated (its standby was away past "
				   "max_slot_wal_keep_size): dropped and made again", slot);
		PQclear(r);
	}
}

/* Whether the commit record lets this node be promoted, with present the
 * other nodes of this election (none outside one).  No record, or
 * sync_mode off (asynchronous by choice: any standby may be promoted, as
 * with PAF), allows it.  A record that cannot be read does not. */
static bool
may_be_promoted(struct pg *pg, const char *const *present, size_t n, char *why, size_t len)
{
	struct pg_commit_record rec;
	char err[300];
	int r;

	if (pg->mode == PG_SYNC_OFF)
		return true;
	r = read_commit_record(pg, &rec, err, sizeof(err));
	if (r < 0) {
		snprintf(why, len, "the commit record cannot be read: %s", err);
		return false;
	}
	return r == 0 || pg_commit_record_allows(&rec, pg->node, present, n, why, len);
}

/* The refusal's attribute gone, if this node showed one (a spawn then only). */
static void
clear_refusal(struct pg *pg)
{
	char why[256];

	if (take_flag("refusal-shown")
	    && tandem_attr_delete(PG_ATTR_REFUSED, false, pg->ctx->deadline, why, sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not clear %s: %s", PG_ATTR_REFUSED, why);
		write_flag("refusal-shown", true);
	}
}

/* This node stays unpromoted: no score, and why, on display and in the
 * log, once until it changes. */
static void
refuse_promotion(struct pg *pg, const char *reason, bool first)
{
	char why[256];

	set_score(pg, NULL, PG_SCORE_FORBIDDEN);
	write_flag("refused", true);
	write_flag("refusal-shown", true);
	if (tandem_attr_set(PG_ATTR_REFUSED, reason, false, pg->ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "could not set %s: %s", PG_ATTR_REFUSED, why);
	if (first)
		tandem_log(LOG_WARNING, "not promotable: %s", reason);
}

static int
standby_duties(struct pg *pg)
{
	const struct pg_facts *f = &pg->facts;
	char why[256], tli[16];
	long long score;
	bool set = false, refused;

	publish_lsn(pg, PG_ATTR_RECEIVED, f->received);
	publish_lsn(pg, PG_ATTR_REPLAYED, f->replayed);
	/* The primary's end as last reported to us, kept on this node (no
	 * spawn): when the primary's node is lost, Pacemaker forgets its
	 * attributes, and pre-promote publishes this instead. */
	if (f->upstream != 0) {
		char lsn[18];

		write_state("upstream", tandem_lsn_str(f->upstream, lsn));
	}
	snprintf(tli, sizeof(tli), "%" PRIu32, f->timeline);
	if (f->timeline != 0)
		publish(pg, PG_ATTR_TIMELINE, tli, false);
	/* Streaming: the primary ranks us.  Not streaming (no primary yet,
	 * the cluster's first start): a standby with no score at all gets 1,
	 * so that one of them can be promoted, after pre-promote compares. */
	if (f->timeline != 0) {
		tandem_ocf_seen_for("not-streaming", false);
		return TANDEM_OCF_SUCCESS;
	}
	if (tandem_promotion_get(&score, &set, pg->ctx->deadline, why, sizeof(why)) != 0)
		return follow_or_repair(pg);
	/* A node the commit record does not name may lack acknowledged
	 * commits (it was away while another primary went on alone): no
	 * score, until the record names it (the README: an admin promoting it
	 * knowingly).  Asked only while unranked or refused: no spawn on a
	 * streaming standby's monitor. */
	refused = take_flag("refused");
	if (!set || refused) {
		char reason[400];

		if (may_be_promoted(pg, NULL, 0, reason, sizeof(reason))) {
			/* Cleared first: Pacemaker may promote the moment the
			 * score rises, and cancel this monitor with SIGKILL. */
			clear_refusal(pg);
			set_score(pg, NULL, PG_SCORE_BOOTSTRAP);
		} else {
			refuse_promotion(pg, reason, !refused);
		}
	}
	return follow_or_repair(pg);
}

/* OCF_CHECK_LEVEL 10 on a primary: a transaction that must commit.
 * synchronous_commit is local for it, so a missing standby is not what
 * fails it; a full disk or a hung WAL writer is (PAF #111, #188). */
static bool
commit_check(struct pg *pg)
{
	PGresult *r = sql(pg, "SELECT set_config('synchronous_commit', 'local', true), pg_current_xact_id()");

	PQclear(r);
	return r != NULL;
}

/* OCF_CHECK_LEVEL 10, the disk: a commit writes only WAL, into a segment
 * already there, and goes on succeeding while clients' writes already fail
 * to extend their tables.  Less room than one WAL segment on the data or
 * the WAL filesystem is a primary that cannot go on (PostgreSQL would
 * PANIC at the next segment). */
static bool
space_check(struct pg *pg)
{
	uint64_t left, segment = 16ULL << 20;
	const char *where;
	char why[256];
	struct tandem_pgcontrol control;

	/* The instance's own segment size (initdb --wal-segsize), from pg_control. */
	if (tandem_pgcontrol_read(pg->datadir, &control, why, sizeof(why)) == 0 && control.wal_segment_size > 0)
		segment = control.wal_segment_size;
	if (tandem_pgdata_space_left(pg->datadir, &left, &where) != 0) {
		tandem_log(LOG_WARNING, "could not read the space left on %s: %s", pg->datadir, strerror(errno));
		return true;
	}
	if (left >= segment)
		return true;
	tandem_ocf_exit_reason("%s is full: %" PRIu64 " bytes left, less than one WAL segment", where, left);
	return false;
}

int
pg_monitor(struct tandem_ctx *ctx)
{
	struct pg pg;
	enum pg_role role;
	int rc;

	pg_init(&pg, ctx);
	role = observe(&pg);
	rc = pg_role_rc(role);
	if (pg.seen.busy) {
		/* Alive, its role from pg_control: nothing else is known this
		 * time (no scores, no synchronous set, no deep check). */
		pg_close(&pg);
		return rc;
	}
	switch (role) {
	case PG_ROLE_PRIMARY:
		if (ctx->check_level >= 10 && !commit_check(&pg)) {
			tandem_ocf_exit_reason("primary cannot commit: %s", pg.why);
			rc = TANDEM_OCF_FAILED_PROMOTED;
			break;
		}
		if (ctx->check_level >= 10 && !space_check(&pg)) {
			rc = TANDEM_OCF_FAILED_PROMOTED;
			break;
		}
		primary_duties(&pg, false);
		break;
	case PG_ROLE_STANDBY:
		rc = standby_duties(&pg);
		break;
	case PG_ROLE_CRASHED_PRIMARY:
		tandem_ocf_exit_reason("primary is down (pg_control: %s, postmaster %s)",
				       tandem_pg_state_str(pg.control.state),
				       pg.seen.postmaster_alive ? "not answering" : "gone");
		break;
	case PG_ROLE_BROKEN:
		tandem_ocf_exit_reason("instance is not healthy (pg_control: %s, postmaster %s): %s",
				       pg.seen.control_ok ? tandem_pg_state_str(pg.control.state) : "unreadable",
				       pg.seen.postmaster_alive ? "not answering" : "gone", pg.why);
		break;
	case PG_ROLE_STOPPED:
		if (ctx->probe)
			tandem_log(LOG_DEBUG, "probe: not running");
		break;
	}
	pg_close(&pg);
	return rc;
}

/* Validation. */

static bool
owned_by(const char *path, uid_t uid, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(why, len, "\"%s\" does not exist", path);
		return false;
	}
	if (st.st_uid != uid) {
		snprintf(why, len, "\"%s\" is not owned by the system_user", path);
		return false;
	}
	return true;
}

static bool
dir_empty_or_missing(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* The major version bindir's postgres reports: "postgres (PostgreSQL) 15.4".
 * Asking costs a process (most of a monitor's time), so the answer is kept
 * in the transient directory beside the binary's identity (device, inode,
 * size, mtime): an upgrade of the binary asks again. */
static int
bindir_version(struct pg *pg)
{
	const char *argv[] = { pg->postgres, "--version", NULL };
	struct tandem_spawn_result res;
	char path[512], id[128], line[160];
	struct stat st;
	const char *p;
	int v = -1;
	FILE *f;

	if (stat(pg->postgres, &st) != 0)
		return -1;
	snprintf(id, sizeof(id), "%llu %llu %lld %lld", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtime);
	state_path(path, sizeof(path), "postgres-version");
	f = fopen(path, "r");
	if (f != NULL) {
		size_t n = strlen(id);

		if (fgets(line, sizeof(line), f) != NULL && strncmp(line, id, n) == 0 && line[n] == ' ')
			v = atoi(line + n + 1);
		fclose(f);
		if (v > 0)
			return v;
	}
	if (tandem_spawn_run(argv, NULL, pg->ctx->deadline, &res) == 0 && res.status == 0
	    && (p = strstr(res.out, ") ")) != NULL)
		v = atoi(p + 2);
	tandem_spawn_result_free(&res);
	if (v > 0 && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s %d\n", id, v);
		fclose(f);
	}
	return v;
}

/* The clone's meta attributes that the election depends on, checked at
 * start and promote, as PAF's pgsql_validate_all does: without
 * notify=true no node hears of a promotion, so the WAL election (which
 * runs in pre-promote) is silently skipped and the standby Pacemaker
 * happens to prefer is promoted; with more than one promoted instance
 * there would be two primaries.  pcs 0.12's hint "promotable meta
 * notify=true" without --future puts notify on the primitive, where it
 * reaches the agent but not the clone: CRM_meta_notify is set by
 * Pacemaker from the clone's notify. */
static int
check_clone_meta(void)
{
	const char *notify = tandem_ocf_meta("notify");
	long long promoted = tandem_ocf_meta_count("promoted_max", -1);
	long long master = tandem_ocf_meta_count("master_max", -1);  /* Pacemaker 2.0's name */
	bool on = false;

	if (notify == NULL || !tandem_parse_bool(notify, &on) || !on) {
		tandem_ocf_exit_reason("the clone needs notify=true (it is \"%s\"): without notifications "
				       "no WAL election runs before a promotion",
				       notify != NULL ? notify : "unset");
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (promoted > 1 || master > 1) {
		tandem_ocf_exit_reason("the clone allows %lld promoted instances: one primary only "
				       "(promoted-max=1)", promoted > master ? promoted : master);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	return TANDEM_OCF_SUCCESS;
}

/* Whether a boolean setting of the data directory's configuration is
 * off, asked of postgres -C, which reads the same files the server does
 * (and works while it runs).  False when it cannot tell. */
static bool
setting_off(struct pg *pg, const char *name)
{
	const char *argv[] = { pg->postgres, "-C", name, "-D", pg->pgdata, NULL };
	struct tandem_spawn_result res;
	bool off = false;

	if (run_as(pg, argv, &res) == 0)
		off = strncmp(res.out, "off", 3) == 0;
	tandem_spawn_result_free(&res);
	return off;
}

/* Validation before each action.  What a recurring monitor, a notify,
 * a demote or a stop needs is only that the programs are there: a fatal
 * code from them would stop the database on every node for a fault of
 * one file, so the data directory is judged at start, promote and
 * validate-all, where a refusal keeps one node out and says why. */
int
pg_validate(struct tandem_ctx *ctx)
{
	struct pg pg;
	const char *progs[4];
	const char *action = ctx->action->name;
	char why[512];
	int version, bin, rc;

	pg_init(&pg, ctx);
	progs[0] = pg.postgres;
	progs[1] = pg.pg_ctl;
	progs[2] = pg.pg_rewind;
	progs[3] = pg.pg_basebackup;
	for (size_t i = 0; i < 4; i++) {
		if (!tandem_spawn_executable(progs[i])) {
			tandem_ocf_exit_reason("program \"%s\" is missing (bindir%s)", progs[i],
					       pg.bindir_auto ? ", from the data directory's PG_VERSION" : "");
			return TANDEM_OCF_ERR_INSTALLED;
		}
	}
	if (getpwnam(pg.user) == NULL) {
		tandem_ocf_exit_reason("system_user \"%s\" does not exist", pg.user);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (strcmp(action, "start") != 0 && strcmp(action, "promote") != 0
	    && strcmp(action, "validate-all") != 0)
		return TANDEM_OCF_SUCCESS;
	if (strcmp(action, "validate-all") != 0 && (rc = check_clone_meta()) != TANDEM_OCF_SUCCESS)
		return rc;
	/* The node's name is its standby's application_name, which PostgreSQL
	 * cuts to NAMEDATALEN - 1 bytes: a longer one would never match
	 * synchronous_standby_names or pg_stat_replication (Patroni #470). */
	if (strlen(pg.node) > PG_NAME_MAX) {
		tandem_ocf_exit_reason("node name \"%.40s...\" is %zu bytes: a standby's application_name "
				       "holds %d at most (give the node a shorter name in Pacemaker)",
				       pg.node, strlen(pg.node), PG_NAME_MAX);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (dir_empty_or_missing(pg.datadir))
		return TANDEM_OCF_SUCCESS;      /* start clones it with pg_basebackup */
	if (!owned_by(pg.datadir, pg.uid, why, sizeof(why))) {
		tandem_ocf_exit_reason("datadir: %s", why);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	version = tandem_pgdata_version(pg.datadir);
	if (version < 0) {
		tandem_ocf_exit_reason("\"%s\" is not a PostgreSQL data directory (no PG_VERSION)", pg.datadir);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	bin = bindir_version(&pg);
	if (bin != version) {
		tandem_ocf_exit_reason("\"%s\" holds PostgreSQL %d but bindir has PostgreSQL %d",
				       pg.datadir, version, bin);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (tandem_pgcontrol_read(pg.datadir, &pg.control, why, sizeof(why)) != 0) {
		tandem_ocf_exit_reason("%s", why);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	/* pg_control holds wal_log_hints as the server last ran: a cluster
	 * fresh from initdb has it off whatever postgresql.conf says. */
	if (tandem_param_bool(pg.p, PG_AUTO_REWIND) && !pg.control.wal_log_hints
	    && pg.control.data_checksum_version == 0 && setting_off(&pg, "wal_log_hints")) {
		tandem_ocf_exit_reason("auto_rewind needs wal_log_hints = on or data checksums in \"%s\"",
				       pg.datadir);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (version >= 17 && strcmp(action, "promote") != 0 && setting_off(&pg, "allow_alter_system")) {
		tandem_ocf_exit_reason("allow_alter_system is off in \"%s\": the agent sets "
				       "synchronous_standby_names and max_slot_wal_keep_size with ALTER SYSTEM",
				       pg.pgdata);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	return TANDEM_OCF_SUCCESS;
}

int
pg_validate_all(struct tandem_ctx *ctx)
{
	(void)ctx;
	return TANDEM_OCF_SUCCESS;      /* pg_validate ran before every action */
}

/* Standby configuration. */

static void
conninfo(struct pg *pg, char *out, size_t len)
{
	const char *passfile = tandem_param_str(pg->p, PG_PASSFILE);
	size_t used = (size_t)snprintf(out, len, "%s user=%s application_name=%s",
				       tandem_param_str(pg->p, PG_PRIMARY_CONNINFO),
				       tandem_param_str(pg->p, PG_REPLICATION_USER), pg->node);

	if (passfile != NULL && used < len)
		snprintf(out + used, len - used, " passfile=%s", passfile);
}

/* Writes path with content, owned by system_user, mode 0600, atomically. */
static bool
write_owned(struct pg *pg, const char *path, const char *content)
{
	char tmp[4200];
	int fd;
	size_t len = strlen(content);
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.tandem", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	ok = write(fd, content, len) == (ssize_t)len && fchown(fd, pg->uid, pg->gid) == 0
	     && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		return true;
	unlink(tmp);
	return false;
}

static bool
quote_into(char *out, size_t len, const char *value)
{
	size_t used = 0;

	if (len < 3)
		return false;
	out[used++] = '\'';
	for (const char *p = value; *p != '\0'; p++) {
		if (used + 3 >= len)
			return false;
		if (*p == '\'')
			out[used++] = '\'';
		out[used++] = *p;
	}
	out[used++] = '\'';
	out[used] = '\0';
	return true;
}

/* standby.signal, and primary_conninfo / primary_slot_name in
 * postgresql.auto.conf (the settings ALTER SYSTEM would write; the server
 * is stopped here, so the agent writes them itself). */
static bool
configure_standby(struct pg *pg)
{
	char path[4096], ci[2048], quoted[4200], slot[80], *content;
	size_t cap = 65536, used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/standby.signal", pg->datadir);
	if (!write_owned(pg, path, "")) {
		snprintf(pg->why, sizeof(pg->why), "could not write \"%.300s\": %s", path, strerror(errno));
		return false;
	}
	content = calloc(1, cap);
	if (content == NULL)
		return false;
	snprintf(path, sizeof(path), "%s/postgresql.auto.conf", pg->datadir);
	f = fopen(path, "r");
	if (f != NULL) {
		char line[4096];

		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "primary_conninfo", 16) == 0 || strncmp(line, "primary_slot_name", 17) == 0)
				continue;
			used += (size_t)snprintf(content + used, cap - used, "%s", line);
			if (used >= cap)
				break;
		}
		fclose(f);
	}
	conninfo(pg, ci, sizeof(ci));
	{
		char nodes[32][64];

		pg_slot_name(pg->node, (const char (*)[64])nodes, known_nodes(nodes, 32), slot, sizeof(slot));
	}
	if (used >= cap || !quote_into(quoted, sizeof(quoted), ci)) {
		free(content);
		snprintf(pg->why, sizeof(pg->why), "postgresql.auto.conf or primary_conninfo too long");
		return false;
	}
	snprintf(content + used, cap - used, "primary_conninfo = %s\nprimary_slot_name = '%s'\n", quoted, slot);
	if (!write_owned(pg, path, content)) {
		snprintf(pg->why, sizeof(pg->why), "could not write \"%.300s\": %s", path, strerror(errno));
		free(content);
		return false;
	}
	free(content);
	return true;
}

/* The primary's major version (PQserverVersion / 10000), asked over a
 * replication connection (what pg_hba.conf grants replication_user), or
 * -1 with pg->why set. */
static int
primary_major(struct pg *pg, const char *ci)
{
	const char *keys[] = { "dbname", "replication", NULL };
	const char *vals[] = { ci, "true", NULL };
	PGconn *c = tandem_pq_connect(keys, vals, pg->ctx->deadline, pg->why, sizeof(pg->why));
	int v;

	if (c == NULL)
		return -1;
	v = PQserverVersion(c);
	PQfinish(c);
	return v >= 100000 ? v / 10000 : -1;
}

/* A node with no data is cloned from the primary (pg_basebackup).  With
 * bindir left to its default, the programs are those of the primary's
 * major: the clone must be run by the version that wrote it. */
static int
clone_from_primary(struct pg *pg)
{
	char ci[2048];
	const char *argv[] = { pg->pg_basebackup, "--pgdata", pg->datadir, "--dbname", ci,
			       "--wal-method=stream", "--checkpoint=fast", "--no-password", NULL };

	conninfo(pg, ci, sizeof(ci));
	if (pg->bindir_auto) {
		char dir[4096];
		int major = primary_major(pg, ci);

		if (major < 0) {
			tandem_ocf_exit_reason("could not ask the primary its version before cloning: %s", pg->why);
			return TANDEM_OCF_ERR_GENERIC;
		}
		if (!tandem_pg_bindir(major, dir, sizeof(dir))) {
			tandem_ocf_exit_reason("the primary runs PostgreSQL %d, which is not installed here "
					       "(no \"%s/postgres\")", major, dir);
			return TANDEM_OCF_ERR_INSTALLED;
		}
		set_bindir(pg, dir);
	}
	if (mkdir(pg->datadir, 0700) != 0 && errno != EEXIST) {
		tandem_ocf_exit_reason("could not create \"%s\": %s", pg->datadir, strerror(errno));
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (chown(pg->datadir, pg->uid, pg->gid) != 0 || chmod(pg->datadir, 0700) != 0) {
		tandem_ocf_exit_reason("could not give \"%s\" to %s: %s", pg->datadir, pg->user, strerror(errno));
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_log(LOG_INFO, "\"%s\" is empty: cloning it from the primary", pg->datadir);
	if (run_simple(pg, argv) != 0) {
		tandem_ocf_exit_reason("could not clone the primary: %s", pg->why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_SUCCESS;
}

/* Copies the regular files of pg_wal aside before a rewind overwrites
 * them: what the former primary wrote after the timelines diverged. */
static bool
save_wal(struct pg *pg, char *dest, size_t len, char *last, size_t last_len)
{
	char src[4096], from[8192], to[8192], buf[65536];
	struct dirent *e;
	DIR *d;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(src, sizeof(src), "%s/pg_wal", pg->datadir);
	snprintf(dest, len, "%s.diverged-%04d%02d%02dT%02d%02d%02dZ", pg->datadir, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	last[0] = '\0';
	if (mkdir(dest, 0700) != 0 || chown(dest, pg->uid, pg->gid) != 0)
		return false;
	d = opendir(src);
	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL) {
		int in, out;
		ssize_t n;

		if (strlen(e->d_name) != 24 || strspn(e->d_name, "0123456789ABCDEF") != 24)
			continue;
		if (strcmp(e->d_name, last) > 0)
			snprintf(last, last_len, "%.24s", e->d_name);
		snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dest, e->d_name);
		in = open(from, O_RDONLY | O_CLOEXEC);
		out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		if (out >= 0 && fchown(out, pg->uid, pg->gid) != 0)
			tandem_log(LOG_WARNING, "could not give %s to %s", to, pg->user);
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	closedir(d);
	return true;
}

/* Is the primary_conninfo target a primary right now?  1 yes (and *tli is
 * its timeline), 0 no, -1 unreachable. */
static int
remote_is_primary(struct pg *pg, uint32_t *tli)
{
	char ci[2048], why[512];
	const char *keys[] = { "dbname", NULL, NULL };
	const char *vals[] = { ci, NULL, NULL };
	tandem_deadline d = tandem_deadline_cap(pg->ctx->deadline, 5000);
	PGconn *c;
	PGresult *r;
	int is = -1;

	/* Connected as replication_user to the postgres database: the same
	 * rights a standby has, nothing more. */
	conninfo(pg, ci, sizeof(ci));
	snprintf(ci + strlen(ci), sizeof(ci) - strlen(ci), " dbname=postgres");
	keys[0] = "dbname";
	c = tandem_pq_connect(keys, vals, d, why, sizeof(why));
	if (c == NULL)
		return -1;
	r = tandem_pq_query(&c, "SELECT NOT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN 0"
			    " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END",
			    d, why, sizeof(why));
	if (r != NULL && PQntuples(r) == 1) {
		is = PQgetvalue(r, 0, 0)[0] == 't';
		*tli = (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	if (c != NULL)
		PQfinish(c);
	return is;
}

/* Whether this standby, running but not streaming, can follow the
 * primary, asked of the primary as its walreceiver asks, with the same
 * rights (a replication connection as replication_user): IDENTIFY_SYSTEM,
 * then START_REPLICATION from the start of the segment its replay stopped
 * in, on the timeline it replays (pg_control's minimum recovery point's,
 * or its last restartpoint's).  Returns 1 yes (or nothing to ask yet), 0
 * no, with why and *repair ("clone": the WAL it needs is gone from the
 * primary, SQLSTATE 58P01, or the primary is another database cluster;
 * "rewind": the primary refuses that point, its history forked before
 * it), -1 unknown (no primary reachable within 2 s). */
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
	uint64_t sysid = 0, end = 0, start, seg;
	uint32_t tli, primary_tli = 0;
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
	start = pg->facts.replayed - pg->facts.replayed % seg;
	if (rc != 1) {
		if (rc < 0 && why[0] == '\0')
			snprintf(why, len, "unexpected answer to IDENTIFY_SYSTEM");
	} else if (sysid != control.system_identifier) {
		snprintf(why, len, "the primary is another database cluster (system identifier %" PRIu64
			 ", this node's %" PRIu64 ")", sysid, control.system_identifier);
		*repair = "clone";
		rc = 0;
	} else if (tli > primary_tli) {
		snprintf(why, len, "this node is on timeline %" PRIu32 ", past the primary's %" PRIu32, tli,
			 primary_tli);
		*repair = "rewind";
		rc = 0;
	} else if (start < end && c != NULL) {
		rc = tandem_pq_stream_from(c, tli, start, d, state, why, len);
		if (rc == 0) {
			*repair = strcmp(state, "58P01") == 0 ? "clone" : "rewind";
			snprintf(why + strlen(why), len - strlen(why), " (asked from %s on timeline %" PRIu32 ")",
				 tandem_lsn_str(start, at), tli);
		}
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

/* The monitor's share: 0, or an error when this standby cannot follow,
 * leaving the repair its start will make.  Pacemaker's recovery of a
 * failed unpromoted instance is stop, start: the start repairs. */
static int
follow_or_repair(struct pg *pg)
{
	const char *repair;
	char why[600], text[700];

	if (tandem_ocf_seen_for("not-streaming", true) < PG_FOLLOW_CHECK_S)
		return TANDEM_OCF_SUCCESS;
	tandem_ocf_seen_for("not-streaming", false); /* asked again in PG_FOLLOW_CHECK_S */
	why[0] = '\0';
	switch (follow_check(pg, &repair, why, sizeof(why))) {
	case 1:
		return TANDEM_OCF_SUCCESS;
	case -1:
		tandem_log(LOG_INFO, "not streaming, and could not ask the primary: %s", why);
		return TANDEM_OCF_SUCCESS;
	}
	snprintf(text, sizeof(text), "%s %s", repair, why);
	write_state("repair", text);
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

/* Removes the oldest DATADIR.repaired-* beyond keep. */
static void
prune_aside(struct pg *pg, long long keep)
{
	char dir[4096], prefix[512], names[64][256], path[4400];
	const char *base = strrchr(pg->datadir, '/');
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", base != NULL && base != pg->datadir ? (int)(base - pg->datadir) : 1,
		 base != NULL ? pg->datadir : ".");
	snprintf(prefix, sizeof(prefix), "%s.repaired-", base != NULL ? base + 1 : pg->datadir);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < 64)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i + (size_t)keep < n; i++) {
		const char *rm[] = { "/bin/rm", "-rf", "--one-file-system", path, NULL };
		struct tandem_spawn_result res;

		snprintf(path, sizeof(path), "%.4095s/%.255s", dir, names[i]);
		if (tandem_spawn_run(rm, NULL, pg->ctx->deadline, &res) == 0 && res.status == 0)
			tandem_log(LOG_INFO, "removed \"%s\" (repair_keep=%lld)", path, keep);
		else
			tandem_log(LOG_WARNING, "could not remove \"%s\"", path);
		tandem_spawn_result_free(&res);
	}
}

/* A clone in place of a data directory that cannot follow: renamed aside
 * (kept, repair_keep) or removed (repair_keep=0), then cloned from the
 * primary.  Refused when the filesystem has no room for a copy besides
 * what is kept. */
static int
reclone(struct pg *pg, const char *why)
{
	long long keep = tandem_param_int(pg->p, PG_REPAIR_KEEP);
	int64_t size = tree_bytes(pg->datadir);
	uint64_t left = 0;
	const char *where = pg->datadir;
	char aside[4200];
	time_t now = time(NULL);
	struct tm tm;

	if (keep > 0) {
		if (size < 0 || tandem_pgdata_space_left(pg->datadir, &left, &where) != 0
		    || left < (uint64_t)size) {
			tandem_ocf_exit_reason("cannot clone again (%s): no room on %s for a copy of \"%s\" "
					       "(%" PRId64 " bytes, %" PRIu64 " left) beside it; free space, or set "
					       "repair_keep=0", why, where, pg->datadir, size, left);
			return TANDEM_OCF_ERR_GENERIC;
		}
		gmtime_r(&now, &tm);
		snprintf(aside, sizeof(aside), "%s.repaired-%04d%02d%02dT%02d%02d%02dZ", pg->datadir,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (rename(pg->datadir, aside) != 0) {
			tandem_ocf_exit_reason("could not set \"%s\" aside: %s", pg->datadir, strerror(errno));
			return TANDEM_OCF_ERR_GENERIC;
		}
		tandem_log(LOG_WARNING, "\"%s\" cannot follow (%s): set aside as \"%s\", cloning again",
			   pg->datadir, why, aside);
		prune_aside(pg, keep);
	} else {
		const char *rm[] = { "/bin/rm", "-rf", "--one-file-system", pg->datadir, NULL };
		struct tandem_spawn_result res;
		bool ok = tandem_spawn_run(rm, NULL, pg->ctx->deadline, &res) == 0 && res.status == 0;

		tandem_spawn_result_free(&res);
		if (!ok) {
			tandem_ocf_exit_reason("could not empty \"%s\" to clone it again", pg->datadir);
			return TANDEM_OCF_ERR_GENERIC;
		}
		tandem_log(LOG_WARNING, "\"%s\" cannot follow (%s): removed (repair_keep=0), cloning again",
			   pg->datadir, why);
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

/* Data that may have diverged from the running primary's timeline is
 * rewound (pg_rewind) before it streams: a former primary (pg_control: shut
 * down, or in production after a crash), or a standby shut down on an
 * older timeline than the primary's (it may have replayed past the fork,
 * and PostgreSQL then refuses to follow).  The diverged WAL is saved first
 * and the range is reported. */
static int
rejoin_if_diverged(struct pg *pg, bool forked, bool *rewound)
{
	char ci[2048], src[2100], dest[4200], last[32], line[256] = "";
	const char *dry[] = { pg->pg_rewind, "--target-pgdata", pg->datadir, "--source-server", src,
			      "--dry-run", NULL };
	const char *real[] = { pg->pg_rewind, "--target-pgdata", pg->datadir, "--source-server", src, NULL };
	struct tandem_spawn_result res;
	const char *div;
	bool was_primary = pg->control.state == TANDEM_PG_SHUTDOWNED
			   || pg->control.state == TANDEM_PG_IN_PRODUCTION;
	uint32_t tli = 0;
	int remote;

	*rewound = false;
	/* A crashed standby recovers by itself as a standby (and single-user
	 * crash recovery, which pg_rewind needs, refuses standby mode).
	 * forked: the primary has refused this standby's point (its monitor
	 * asked), whatever pg_control shows. */
	if (!forked && !was_primary && pg->control.state != TANDEM_PG_SHUTDOWNED_IN_RECOVERY)
		return TANDEM_OCF_SUCCESS;
	remote = remote_is_primary(pg, &tli);
	if (remote != 1) {
		/* No primary to compare with: start as a standby, which cannot
		 * accept a write; the election decides who leads. */
		if (was_primary)
			tandem_log(LOG_INFO, "former primary, and no other primary reachable: starting as a standby");
		return TANDEM_OCF_SUCCESS;
	}
	if (!forked && !was_primary && pg->control.timeline >= tli)
		return TANDEM_OCF_SUCCESS;
	if (!tandem_param_bool(pg->p, PG_AUTO_REWIND)) {
		tandem_ocf_exit_reason("this node %s and another primary runs: auto_rewind is off, "
				       "rewind \"%s\" with pg_rewind by hand",
				       was_primary ? "was a primary" : "is on an older timeline", pg->datadir);
		return TANDEM_OCF_ERR_GENERIC;
	}
	conninfo(pg, ci, sizeof(ci));
	snprintf(src, sizeof(src), "%s dbname=postgres", ci);
	if (pg->control.state == TANDEM_PG_IN_PRODUCTION) {
		/* pg_rewind wants a clean shutdown and, in --dry-run, does not
		 * run the crash recovery itself: do it as it would. */
		const char *single[] = { pg->postgres, "--single", "-F", "-D", pg->pgdata, "template1", NULL };

		tandem_log(LOG_INFO, "former primary crashed: completing its crash recovery first");
		if (run_simple(pg, single) != 0) {
			tandem_ocf_exit_reason("crash recovery of \"%s\" failed: %s", pg->datadir, pg->why);
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	if (run_as(pg, dry, &res) != 0) {
		tandem_ocf_exit_reason("pg_rewind cannot rejoin \"%s\": %s; re-clone it (empty the "
				       "directory and start)", pg->datadir, pg->why);
		tandem_spawn_result_free(&res);
		return TANDEM_OCF_ERR_GENERIC;
	}
	div = strstr(res.out, "servers diverged at WAL location ");
	if (div == NULL)
		div = strstr(res.err, "servers diverged at WAL location ");
	if (div != NULL)
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(div, "\n"), div);
	if (strstr(res.out, "no rewind required") != NULL || strstr(res.err, "no rewind required") != NULL) {
		tandem_log(LOG_INFO, "%s has not diverged: no rewind needed",
			   was_primary ? "former primary" : "standby on an older timeline");
		tandem_spawn_result_free(&res);
		return TANDEM_OCF_SUCCESS;
	}
	tandem_spawn_result_free(&res);
	if (!save_wal(pg, dest, sizeof(dest), last, sizeof(last))) {
		tandem_ocf_exit_reason("could not save the diverged WAL of \"%s\" to \"%s\": %s", pg->datadir,
				       dest, strerror(errno));
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_log(LOG_WARNING, "%s diverged (%s); its WAL up to segment %s is saved in \"%s\"",
		   was_primary ? "former primary" : "standby", line[0] ? line : "diverging point unknown",
		   last[0] ? last : "(none)", dest);
	if (run_as(pg, real, &res) != 0) {
		tandem_ocf_exit_reason("pg_rewind failed: %s; re-clone \"%s\" (empty it and start)", pg->why,
				       pg->datadir);
		tandem_spawn_result_free(&res);
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_spawn_result_free(&res);
	tandem_log(LOG_INFO, "rewound \"%s\" to the new primary's timeline", pg->datadir);
	*rewound = true;
	return TANDEM_OCF_SUCCESS;
}

/* The repair a monitor left ("clone WHY" or "rewind WHY", follow_or_repair),
 * made by start: pg_rewind where the history forked, falling back to a
 * clone when the rewind cannot run or finds nothing to rewind (the
 * standby would loop again); a clone when the WAL is gone.  Logged, and
 * shown in PG_ATTR_REPAIR. */
static int
repair_standby(struct pg *pg, const char *repair)
{
	const char *why = strchr(repair, ' ') != NULL ? strchr(repair, ' ') + 1 : "";
	bool rewound = false;
	int rc;

	if (strncmp(repair, "rewind ", 7) == 0 && tandem_param_bool(pg->p, PG_AUTO_REWIND)) {
		tandem_log(LOG_WARNING, "this standby could not follow (%s): rewinding it", why);
		rc = rejoin_if_diverged(pg, true, &rewound);
		if (rc == TANDEM_OCF_SUCCESS && rewound) {
			show_repair(pg, "rewound", why);
			write_state("repair", "");
			return rc;
		}
		tandem_log(LOG_WARNING, "%s: cloning it again",
			   rc == TANDEM_OCF_SUCCESS ? "pg_rewind found nothing to rewind" : "pg_rewind could not repair it");
	}
	rc = reclone(pg, why);
	if (rc == TANDEM_OCF_SUCCESS) {
		show_repair(pg, "cloned again", why);
		write_state("repair", "");
	}
	return rc;
}

/* What pg_ctl -t gets: the seconds left of the action, times share, less
 * one for the agent's own reply; at least 1. */
static const char *
seconds_left(struct pg *pg, double share, char buf[32])
{
	long long left = (long long)((double)tandem_deadline_left(pg->ctx->deadline) * share / 1000) - 1;

	snprintf(buf, 32, "%lld", left >= 1 ? left : 1);
	return buf;
}

static int
start_server(struct pg *pg)
{
	char secs[32];
	const char *opts = tandem_param_str(pg->p, PG_START_OPTS);
	const char *argv[] = { pg->pg_ctl, "start", "-D", pg->pgdata, "-w", "-t", secs, "-s",
			       "-l", tandem_param_str(pg->p, PG_LOGFILE),
			       opts != NULL ? "-o" : NULL, opts, NULL };
	seconds_left(pg, 1.0, secs);
	return run_simple(pg, argv);
}

int
pg_start(struct tandem_ctx *ctx)
{
	struct pg pg;
	enum pg_role role;
	int rc;

	pg_init(&pg, ctx);
	role = observe(&pg);
	pg_close(&pg);
	switch (role) {
	case PG_ROLE_STANDBY:
		tandem_log(LOG_INFO, "already running as a standby");
		return TANDEM_OCF_SUCCESS;
	case PG_ROLE_PRIMARY:
		/* Never two primaries: a primary is only made by promote. */
		tandem_ocf_exit_reason("instance already runs as a primary outside Pacemaker's control");
		return TANDEM_OCF_ERR_GENERIC;
	case PG_ROLE_BROKEN:
		if (pg.seen.postmaster_alive) {
			tandem_ocf_exit_reason("a postmaster runs but does not answer: %s", pg.why);
			return TANDEM_OCF_ERR_GENERIC;
		}
		break;
	default:
		break;
	}
	if (dir_empty_or_missing(pg.datadir)) {
		rc = clone_from_primary(&pg);
		if (rc != TANDEM_OCF_SUCCESS)
			return rc;
	} else if (pg.seen.control_ok) {
		char repair[800];
		bool rewound;

		if (read_state("repair", repair, sizeof(repair)) && repair[0] != '\0')
			rc = repair_standby(&pg, repair);
		else
			rc = rejoin_if_diverged(&pg, false, &rewound);
		if (rc != TANDEM_OCF_SUCCESS)
			return rc;
	}
	if (!configure_standby(&pg)) {
		tandem_ocf_exit_reason("%s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (start_server(&pg) != 0) {
		tandem_ocf_exit_reason("could not start PostgreSQL: %s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	role = observe(&pg);
	pg_close(&pg);
	if (role != PG_ROLE_STANDBY) {
		tandem_ocf_exit_reason("started, but the instance is %s, not a standby", pg_role_str(role));
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_log(LOG_INFO, "started as a standby of %s", tandem_param_str(pg.p, PG_PRIMARY_CONNINFO));
	return TANDEM_OCF_SUCCESS;
}

static int
stop_server(struct pg *pg)
{
	char secs[32];
	const char *fast[] = { pg->pg_ctl, "stop", "-D", pg->pgdata, "-m", "fast", "-w", "-t", secs, "-s", NULL };
	const char *immediate[] = { pg->pg_ctl, "stop", "-D", pg->pgdata, "-m", "immediate", "-w", "-t", "5",
				    "-s", NULL };
	pid_t pid;

	/* Fast for the first two thirds of the time, then immediate, then
	 * SIGKILL: stop must succeed, or the node is fenced. */
	seconds_left(pg, 2.0 / 3, secs);
	if (run_simple(pg, fast) == 0 || !postmaster_alive(pg))
		return 0;
	tandem_log(LOG_WARNING, "fast shutdown did not finish (%s): immediate", pg->why);
	if (run_simple(pg, immediate) == 0 || !postmaster_alive(pg))
		return 0;
	pid = postmaster_pid(pg);
	if (pid > 0 && tandem_proc_terminate(pid, 1000, pg->ctx->deadline))
		return 0;
	return -1;
}

int
pg_stop(struct tandem_ctx *ctx)
{
	struct pg pg;
	char why[256];

	pg_init(&pg, ctx);
	if (!postmaster_alive(&pg)) {
		tandem_log(LOG_INFO, "not running");
	} else if (stop_server(&pg) != 0) {
		tandem_ocf_exit_reason("could not stop PostgreSQL: %s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	/* A stop for good takes the score away.  A restart in place (the
	 * notification said it) keeps it: a crashed primary is then started
	 * and promoted again where it is, holding every commit, as PAF does,
	 * instead of a failover that moves the VIP and must rewind it.  The
	 * election still compares its WAL with every standby's. */
	if (take_flag("restart"))
		tandem_log(LOG_INFO, "restarted in place: promotion score kept");
	else if (tandem_promotion_delete(ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_DEBUG, "promotion score not deleted: %s", why);
	return TANDEM_OCF_SUCCESS;
}

int
pg_demote(struct tandem_ctx *ctx)
{
	bool stop_follows = take_flag("stop-follows");
	int rc;

	/* Pre-demote said whether this node's stop comes next in the same
	 * transition (a crashed primary's recovery, a node put in standby):
	 * then the stop is all, and no start as a standby in between delays
	 * the promotion elsewhere (0.4 s of a kill -9 failover).  Should the
	 * stop not come, the standby's monitor reports it not running. */
	rc = pg_stop(ctx);
	if (rc != TANDEM_OCF_SUCCESS || stop_follows)
		return rc;
	return pg_start(ctx);
}

/* Promotion. */

static void
state_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s/tandem-pgsql-%s-%s", tandem_ocf_rsctmp(),
		 tandem_ocf_instance(), what);
}

/* The nodes pre-promote expects to publish an LSN: the clone's active
 * instances, as the notification listed them. */
static size_t
expected_candidates(char names[][64], size_t max)
{
	return read_names("candidates", names, max);
}

/* When this node's pre-promote ran (0 if never). */
static int64_t
pre_promote_time(void)
{
	char buf[32];

	return read_state("pre-promote", buf, sizeof(buf)) ? atoll(buf) : 0;
}

/* This election's candidates, this node left out.  An update reaches this
 * node's attrd a little after the notification that made it has ended,
 * and attrd may still hold a previous election's value: wait (up to 5 s,
 * or half the time left) until every expected candidate's value of this
 * election is here.  Returns how many are still missing (*missing names
 * one); the caller must not elect without them. */
static size_t
candidates(struct pg *pg, struct pg_candidate *out, size_t max, size_t *n_out, char ***nodes,
	   char ***values, size_t *n, const char **missing)
{
	static char expected[32][64];
	char why[256];
	size_t n_expected = expected_candidates(expected, 32), absent;
	int64_t half = tandem_deadline_left(pg->ctx->deadline) / 2;
	int64_t since = pre_promote_time() - PG_ELECTION_SKEW_S;
	tandem_deadline wait = tandem_deadline_cap(pg->ctx->deadline, half < 5000 ? half : 5000);

	for (;;) {
		if (tandem_attr_get_all(PG_ATTR_LSN, nodes, values, n, pg->ctx->deadline, why, sizeof(why)) != 0) {
			tandem_log(LOG_WARNING, "could not read the candidates' LSNs: %s", why);
			*n = 0;
		}
		absent = pg_election_gather(pg->node, *nodes, *values, *n, (const char (*)[64])expected,
					    n_expected, since, out, max, n_out, missing);
		if (absent == 0 || !tandem_deadline_sleep(wait, 100))
			break;
		free_pairs(*nodes, *values, *n);
	}
	for (size_t i = 0; i < *n; i++)
		tandem_log(absent > 0 ? LOG_WARNING : LOG_DEBUG, "election since %lld: %s published \"%s\"",
			   (long long)since, (*nodes)[i], (*values)[i]);
	return absent;
}

static void
free_pairs(char **nodes, char **values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(nodes[i]);
		free(values[i]);
	}
	free(nodes);
	free(values);
}

/* The lost primary's last known LSN: the highest it published itself (gone
 * with its node if the node was lost) or any standby saw it report. */
static uint64_t
last_primary_lsn(struct pg *pg)
{
	const char *names[] = { PG_ATTR_PRIMARY_LSN, PG_ATTR_UPSTREAM };
	uint64_t best = 0, lsn;

	for (size_t k = 0; k < 2; k++) {
		char **nodes, **values, why[256];
		size_t n = 0;

		if (tandem_attr_get_all(names[k], &nodes, &values, &n, pg->ctx->deadline, why,
					sizeof(why)) != 0) {
			tandem_log(LOG_WARNING, "could not read %s: %s", names[k], why);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (tandem_lsn_parse(values[i], &lsn) && lsn > best)
				best = lsn;
		free_pairs(nodes, values, n);
	}
	return best;
}

/* Ends recovery: pg_promote() over the monitor's connection, then
 * pg_is_in_recovery() every 10 ms (pg_ctl promote -w and pg_promote's own
 * wait look every 100 ms, and the VIP waits for this).  pg_ctl when the
 * function cannot be called. */
static int
promote_server(struct pg *pg)
{
	char secs[48];
	const char *argv[] = { pg->pg_ctl, "promote", "-D", pg->pgdata, "-w", "-t", secs, "-s", NULL };
	PGresult *r = sql(pg, "SELECT pg_promote(false)");
	bool sent = r != NULL && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	const char *why = r == NULL ? pg->why : "it returned false";

	PQclear(r);
	if (!sent) {
		tandem_log(LOG_INFO, "pg_promote() failed (%s): pg_ctl promote instead", why);
		pg_close(pg);
		seconds_left(pg, 1.0, secs);
		return run_simple(pg, argv);
	}
	for (;;) {
		bool recovery = true;

		if (pg->conn != NULL || local_connect(pg, pg->ctx->deadline)) {
			r = sql(pg, "SELECT pg_is_in_recovery()");
			recovery = r == NULL || PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), "f") != 0;
			if (r == NULL && pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_BAD)
				pg_close(pg);
			PQclear(r);
		}
		if (!recovery)
			return 0;
		if (!tandem_deadline_sleep(pg->ctx->deadline, 10)) {
			snprintf(pg->why, sizeof(pg->why), "still in recovery when the promote timeout ran out");
			return -1;
		}
	}
}

int
pg_promote(struct tandem_ctx *ctx)
{
	struct pg_candidate others[32];
	char **nodes = NULL, **values = NULL, secs[48], a[18], b[18], record[256];
	const char *better = NULL, *missing = NULL;
	enum pg_promote_verdict verdict;
	uint64_t self, primary_lsn;
	size_t n_pairs = 0, n = 0;
	enum pg_role role;
	struct pg pg;
	int64_t since;

	pg_init(&pg, ctx);
	role = observe(&pg);
	if (role == PG_ROLE_PRIMARY) {
		pg_close(&pg);
		tandem_log(LOG_INFO, "already the primary");
		return TANDEM_OCF_SUCCESS;
	}
	if (role == PG_ROLE_STANDBY && pg.seen.busy) {
		tandem_ocf_exit_reason("cannot promote: the standby gives the agent no session to read its LSN (%s)",
				       pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (role != PG_ROLE_STANDBY) {
		pg_close(&pg);
		/* As pg_ctl's do_promote: only a server in recovery is promoted. */
		tandem_ocf_exit_reason("cannot promote: the instance is %s", pg_role_str(role));
		return TANDEM_OCF_ERR_GENERIC;
	}
	self = pg_election_lsn(&pg.facts);
	if (candidates(&pg, others, 32, &n, &nodes, &values, &n_pairs, &missing) > 0) {
		/* As PAF: never elect without every candidate's LSN, it may
		 * hold more WAL; a new transition brings a new pre-promote. */
		tandem_ocf_exit_reason("%s published no LSN for this election in time: not promoting without it",
				       missing);
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	primary_lsn = last_primary_lsn(&pg);
	verdict = pg_may_promote(pg.node, self, others, n, primary_lsn, tandem_param_int(pg.p, PG_MAXLAG),
				 &better);
	if (verdict == PG_PROMOTE_BEHIND) {
		/* As PAF: make the better node the choice, and fail on purpose
		 * so Pacemaker computes a new transition. */
		set_score(&pg, better, PG_SCORE_BEST);
		set_score(&pg, NULL, PG_SCORE_FORBIDDEN);
		tandem_ocf_exit_reason("%s holds more WAL than this node (%s): it must be promoted instead",
				       better, tandem_lsn_str(self, a));
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (verdict == PG_PROMOTE_OK && pg.mode != PG_SYNC_OFF) {
		/* The commit record: this election must hold a node with every
		 * acknowledged commit.  Then it names this node alone before the
		 * promotion, since nothing acknowledges a commit of the new
		 * primary's but itself until its standbys stream again. */
		const char *present[32];
		char reason[400], why[256], expected[32][64];
		struct pg_commit_record rec = { .n_sync = 0 };
		size_t n_present = 0, n_expected = expected_candidates(expected, 32);

		/* In the election: published a value for it, and running in this
		 * transition (a node being stopped, a lost one, is not). */
		for (size_t i = 0; i < n; i++)
			if (in_names(expected, n_expected, others[i].name))
				present[n_present++] = others[i].name;
		if (!may_be_promoted(&pg, present, n_present, reason, sizeof(reason))) {
			refuse_promotion(&pg, reason, true);
			tandem_ocf_exit_reason("not promoting: %s", reason);
			free_pairs(nodes, values, n_pairs);
			pg_close(&pg);
			return TANDEM_OCF_ERR_GENERIC;
		}
		snprintf(rec.primary, sizeof(rec.primary), "%.63s", pg.node);
		if (!write_commit_record(&pg, &rec, true, why, sizeof(why))) {
			tandem_ocf_exit_reason("not promoting: could not write the commit record: %s", why);
			free_pairs(nodes, values, n_pairs);
			pg_close(&pg);
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	free_pairs(nodes, values, n_pairs);
	if (verdict == PG_PROMOTE_LAGGING) {
		set_score(&pg, NULL, PG_SCORE_FORBIDDEN);
		tandem_ocf_exit_reason("this node (%s) is more than maxlag behind the lost primary (%s)",
				       tandem_lsn_str(self, a), tandem_lsn_str(primary_lsn, b));
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (promote_server(&pg) != 0) {
		pg_close(&pg);
		tandem_ocf_exit_reason("could not promote: %s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	role = observe(&pg);
	if (role != PG_ROLE_PRIMARY) {
		pg_close(&pg);
		tandem_ocf_exit_reason("promoted, but the instance is %s", pg_role_str(role));
		return TANDEM_OCF_ERR_GENERIC;
	}
	{
		/* pg_rewind reads the new timeline from this node's pg_control,
		 * which only a checkpoint writes: without it a former primary
		 * looks undiverged (the PostgreSQL docs' caveat for a recently
		 * promoted source).  At most half the time left. */
		tandem_deadline full = pg.ctx->deadline;
		PGresult *r;

		pg.ctx->deadline = tandem_deadline_cap(full, tandem_deadline_left(full) / 2);
		r = sql(&pg, "CHECKPOINT");
		pg.ctx->deadline = full;
		if (r == NULL) {
			tandem_log(LOG_WARNING, "checkpoint after promotion did not finish: %s", pg.why);
			if (pg.conn == NULL && !local_connect(&pg, full))
				tandem_log(LOG_WARNING, "could not reconnect: %s", pg.why);
		}
		PQclear(r);
	}
	{
		PGresult *r;
		char stmt[256], *q = PQescapeLiteral(pg.conn, tandem_param_str(pg.p, PG_SLOT_WAL_KEEP),
						    strlen(tandem_param_str(pg.p, PG_SLOT_WAL_KEEP)));

		snprintf(stmt, sizeof(stmt), "ALTER SYSTEM SET max_slot_wal_keep_size = %s", q ? q : "'-1'");
		PQfreemem(q);
		r = sql(&pg, stmt);
		if (r != NULL) {
			PQclear(r);
			r = sql(&pg, "SELECT pg_reload_conf()");
		}
		if (r == NULL)
			tandem_log(LOG_WARNING, "could not set max_slot_wal_keep_size: %s", pg.why);
		PQclear(r);
	}
	/* The failover record: what this promotion cost. */
	since = pre_promote_time() > 0 ? time(NULL) - pre_promote_time() : -1;
	snprintf(record, sizeof(record), "promoted at %s; last known primary LSN %s; gap %" PRIu64 " bytes; %s",
		 tandem_lsn_str(self, a), primary_lsn ? tandem_lsn_str(primary_lsn, b) : "unknown",
		 primary_lsn > self ? primary_lsn - self : 0,
		 since >= 0 ? (snprintf(secs, sizeof(secs), "%llds after pre-promote", (long long)since), secs)
			    : "no pre-promote seen");
	tandem_log(LOG_NOTICE, "failover record: %s", record);
	/* On display only: the first monitor publishes it, one spawn less
	 * before the VIP can start. */
	write_state("failover", record);
	primary_duties(&pg, true);
	clear_refusal(&pg);
	pg_close(&pg);
	return TANDEM_OCF_SUCCESS;
}

/* The first line of state file what into buf (empty when the file is);
 * false when there is no such file. */
static bool
read_state(const char *what, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	buf[0] = '\0';
	state_path(path, sizeof(path), what);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return true;
}

static void
write_state(const char *what, const char *text)
{
	char path[512];
	FILE *f;

	state_path(path, sizeof(path), what);
	f = fopen(path, "w");
	if (f == NULL) {
		tandem_log(LOG_WARNING, "could not write %s: %s", path, strerror(errno));
		return;
	}
	fputs(text, f);
	if (fclose(f) != 0)
		tandem_log(LOG_WARNING, "could not write %s: %s", path, strerror(errno));
}

/* A yes/no the notification leaves for the action that follows. */
static void
write_flag(const char *what, bool yes)
{
	write_state(what, yes ? "yes" : "");
}

/* Reads the flag and clears it: it answers one action only. */
static bool
take_flag(const char *what)
{
	char buf[8];

	read_state(what, buf, sizeof(buf));
	write_state(what, "");
	return strcmp(buf, "yes") == 0;
}

/* Every running instance says how much WAL it holds, stamped with the
 * time so promote tells this election from an earlier one (PAF's
 * pre-promote, on the true end of WAL); and what promote must wait for. */
static void
pre_promote(struct pg *pg, const struct tandem_ocf_notify *n)
{
	/* Every instance that will be running when promote reads the values:
	 * standbys, the node being promoted, a primary being demoted (a
	 * standby by then), less those being stopped (a lost primary is one,
	 * and will never answer). */
	const struct tandem_uname_list *lists[] = { &n->unpromoted, &n->promote, &n->demote };
	char value[48], up[64] = "", expected[2048] = "", now[32];
	int64_t t = time(NULL);

	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *name = lists[l]->names[i];
			size_t len = strlen(expected);

			if (!tandem_uname_list_has(&n->stop, name))
				snprintf(expected + len, sizeof(expected) - len, "%s\n", name);
		}
	write_state("candidates", expected);
	snprintf(now, sizeof(now), "%lld", (long long)t);
	write_state("pre-promote", now);
	(void)observe(pg);
	if (pg->seen.answered) {        /* a busy server's LSN is unknown: it publishes none */
		char why[256];

		pg_election_format(pg_election_lsn(&pg->facts), t, value, sizeof(value));
		if (tandem_attr_send(PG_ATTR_LSN, value, true, pg->ctx->deadline, why, sizeof(why)) != 0)
			tandem_log(LOG_WARNING, "could not publish this node's LSN: %s", why);
		else
			tandem_log(LOG_INFO, "pre-promote: this node holds WAL up to %s", value);
	}
	if (read_state("upstream", up, sizeof(up)) && tandem_lsn_parse(up, &(uint64_t){ 0 }))
		publish(pg, PG_ATTR_UPSTREAM, up, true);
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PgBouncer around a planned switchover (pgbouncer_admin): paused before
 * the demote, so no query reaches a primary that is going away and clients
 * wait instead of failing; resumed once the new primary answers through
 * primary_conninfo (the VIP).  Pacemaker moves the VIP only after the
 * post-promote notifications are done (the old node, a standby by then,
 * holds it meanwhile), so post-promote cannot wait for it: a helper
 * process does, detached, for what is left of pgbouncer_pause_timeout. */
static void
pgbouncer_pause(struct pg *pg)
{
	const char *admin = tandem_param_str(pg->p, PG_PGBOUNCER_ADMIN);
	tandem_deadline d = tandem_deadline_cap(pg->ctx->deadline, tandem_param_int(pg->p, PG_PGBOUNCER_PAUSE) * 1000);
	char why[256], now[32];

	if (admin == NULL || admin[0] == '\0')
		return;
	if (tandem_bouncer_pause(admin, d, why, sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not pause PgBouncer before the demote (%s): resuming it", why);
		if (tandem_bouncer_resume(admin, pg->ctx->deadline, why, sizeof(why)) != 0)
			tandem_log(LOG_WARNING, "could not resume PgBouncer: %s", why);
		return;
	}
	snprintf(now, sizeof(now), "%lld", (long long)wall_ms());
	write_state("pgbouncer-paused", now);
	tandem_log(LOG_NOTICE, "PgBouncer paused for a planned switchover");
}

static void
pgbouncer_resume(struct pg *pg)
{
	const char *admin = tandem_param_str(pg->p, PG_PGBOUNCER_ADMIN);
	char path[512], buf[32] = "", why[256];
	long long since;
	int64_t until;
	uint32_t tli;
	bool answered = false;
	pid_t pid;

	if (admin == NULL || admin[0] == '\0')
		return;
	if (!read_state("pgbouncer-paused", buf, sizeof(buf)))
		return;         /* not paused by us: a failover */
	since = atoll(buf);
	state_path(path, sizeof(path), "pgbouncer-paused");
	until = since + tandem_param_int(pg->p, PG_PGBOUNCER_PAUSE) * 1000;
	pg_close(pg);
	fflush(NULL);
	pid = fork();
	if (pid != 0) {
		if (pid < 0)
			tandem_log(LOG_WARNING, "could not fork to wait for the new primary: resuming PgBouncer now");
		else
			return;
	} else {
		/* Out of the agent's process group and session: Pacemaker waits
		 * for the notification, not for this. */
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		pg->ctx->deadline = tandem_deadline_in(until - wall_ms() > 0 ? until - wall_ms() : 0);
		while (!(answered = remote_is_primary(pg, &tli) == 1) && tandem_deadline_sleep(pg->ctx->deadline, 100))
			;
	}
	if (tandem_bouncer_resume(admin, tandem_deadline_in(5000), why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "could not resume PgBouncer: %s", why);
	else
		tandem_log(answered ? LOG_NOTICE : LOG_WARNING, "PgBouncer resumed after a %lld ms pause (%s)",
			   (long long)wall_ms() - since,
			   answered ? "the new primary answers" : "pgbouncer_pause_timeout ran out first");
	unlink(path);
	if (pid == 0)
		_exit(0);
}

/* Standbys leaving (stopped, or their node lost: Pacemaker stops them by
 * fencing it), on the primary: they leave the synchronous set at once and
 * their walsenders are ended.  A node cut off sends nothing, and its
 * walsender would hold every commit until wal_sender_timeout (60 s by
 * default) while the monitor, seeing it still "streaming", kept it in the
 * set (PAF #218, Patroni #3468).  Pacemaker's word comes within seconds. */
static void
standbys_leaving(struct pg *pg, const struct tandem_ocf_notify *n)
{
	struct pg_facts *f = &pg->facts;
	bool any = false;

	if (n->stop.n == 0 || observe(pg) != PG_ROLE_PRIMARY)
		return;
	for (size_t i = 0; i < n->stop.n; i++) {
		const char *name = n->stop.names[i];
		char stmt[256], *q;
		PGresult *r;
		size_t k = 0;

		if (strcmp(name, pg->node) == 0)
			continue;
		for (size_t j = 0; j < f->n_standbys; j++)
			if (strcmp(f->standbys[j].name, name) != 0)
				f->standbys[k++] = f->standbys[j];
		any = any || k != f->n_standbys;
		f->n_standbys = k;
		q = PQescapeLiteral(pg->conn, name, strlen(name));
		if (q == NULL)
			continue;
		snprintf(stmt, sizeof(stmt), "SELECT pg_terminate_backend(pid) FROM pg_stat_replication "
			 "WHERE application_name = %s", q);
		PQfreemem(q);
		r = sql(pg, stmt);
		if (r != NULL && PQntuples(r) > 0)
			tandem_log(LOG_INFO, "%s is being stopped: its walsender ended", name);
		PQclear(r);
	}
	if (any)
		primary_duties(pg, false);
}

int
pg_notify(struct tandem_ctx *ctx)
{
	struct tandem_ocf_notify n;
	struct pg pg;

	if (tandem_ocf_notify_parse(NULL, &n) != 0) {
		tandem_log(LOG_WARNING, "notify without a type or operation: ignored");
		return TANDEM_OCF_SUCCESS;
	}
	pg_init(&pg, ctx);
	remember_nodes(&n);
	tandem_log(LOG_DEBUG, "notify %s-%s", n.type, n.operation);
	if (strcmp(n.type, "pre") == 0 && strcmp(n.operation, "promote") == 0)
		pre_promote(&pg, &n);
	if (strcmp(n.type, "pre") == 0 && strcmp(n.operation, "demote") == 0)
		write_flag("stop-follows", pg_stop_follows_demote(&n, pg.node));
	if (strcmp(n.type, "pre") == 0 && (strcmp(n.operation, "demote") == 0 || strcmp(n.operation, "stop") == 0))
		write_flag("restart", pg_restarts_in_place(&n, pg.node));
	if (strcmp(n.type, "pre") == 0 && strcmp(n.operation, "demote") == 0 && pg_planned_demote(&n))
		pgbouncer_pause(&pg);
	if (strcmp(n.operation, "stop") == 0)
		standbys_leaving(&pg, &n);
	/* A standby about to start finds its slot there already (its first
	 * connection would fail without it, and retry only after
	 * wal_retrieve_retry_interval, 5 s by default). */
	if (strcmp(n.type, "pre") == 0 && strcmp(n.operation, "start") == 0 && observe(&pg) == PG_ROLE_PRIMARY)
		primary_duties(&pg, false);
	if (strcmp(n.type, "post") == 0 && strcmp(n.operation, "promote") == 0)
		pgbouncer_resume(&pg);
	if (strcmp(n.type, "post") == 0 && strcmp(n.operation, "promote") == 0) {
		/* This election is over: its LSNs must not count in the next. */
		char why[256];

		if (tandem_attr_delete(PG_ATTR_LSN, true, ctx->deadline, why, sizeof(why)) != 0
		    || tandem_attr_delete(PG_ATTR_UPSTREAM, true, ctx->deadline, why, sizeof(why)) != 0)
			tandem_log(LOG_WARNING, "could not clear this election's LSNs: %s", why);
	}
	pg_close(&pg);
	tandem_ocf_notify_free(&n);
	return TANDEM_OCF_SUCCESS;
}

int
pg_reload(struct tandem_ctx *ctx)
{
	(void)ctx;
	/* Every parameter is read again by each action: nothing to do. */
	return TANDEM_OCF_SUCCESS;
}
