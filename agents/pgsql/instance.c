/* instance.c --- ocf:tandem:pgsql: the instance as every action sees it (observe, run, attributes, state files, the commit record) */
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

/* Points the four programs at dir. */
void
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

void
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

void
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

const char *
pgbackrest_program(void)
{
	const char *p = getenv("TANDEM_PGBACKREST");

	return p != NULL ? p : PG_PGBACKREST;
}

/* Runs a PostgreSQL program as system_user; output kept in res. */
int
run_as(struct pg *pg, const char *const argv[], struct tandem_spawn_result *res)
{
	return run_with(pg, argv, NULL, NULL, res);
}

int
run_with(struct pg *pg, const char *const argv[], bool (*until)(void *arg), void *arg,
	 struct tandem_spawn_result *res)
{
	struct tandem_spawn_opts o = { .user = pg->user, .cwd = "/", .until = until, .until_arg = arg };
	int r = tandem_spawn_run(argv, &o, pg->ctx->deadline, res);

	if (r != 0 || res->timed_out || (res->status != 0 && !res->stopped)) {
		const char *err = res->err != NULL && *res->err ? res->err : res->out;

		snprintf(pg->why, sizeof(pg->why), "%s %s: %s", strrchr(argv[0], '/') + 1, argv[1],
			 res->timed_out ? "timed out" : last_line(err));
		return -1;
	}
	return 0;
}

int
run_simple(struct pg *pg, const char *const argv[])
{
	return run_until(pg, argv, NULL, NULL);
}

int
run_until(struct pg *pg, const char *const argv[], bool (*until)(void *arg), void *arg)
{
	struct tandem_spawn_result res;
	int r = run_with(pg, argv, until, arg, &res);

	tandem_spawn_result_free(&res);
	return r;
}

/* Connects to the local instance as system_user, through its socket:
 * peer authentication sees the effective uid at connect(), so the agent
 * borrows system_user's identity for that call only. */
bool
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
PGresult *
sql(struct pg *pg, const char *statement)
{
	if (pg->conn == NULL)
		return NULL;
	return tandem_pq_query(&pg->conn, statement, pg->ctx->deadline, pg->why, sizeof(pg->why));
}

bool
alter_system(struct pg *pg, const char *const *settings, size_t n)
{
	PGresult *r = NULL;

	for (size_t i = 0; i + 1 < n; i += 2) {
		char stmt[2400], *q;

		if (pg->conn == NULL) {
			snprintf(pg->why, sizeof(pg->why), "no connection to the server");
			return false;
		}
		q = PQescapeLiteral(pg->conn, settings[i + 1], strlen(settings[i + 1]));
		if (q == NULL || strlen(q) > 2048) {
			snprintf(pg->why, sizeof(pg->why), "%s: value too long or not escaped", settings[i]);
			PQfreemem(q);
			return false;
		}
		snprintf(stmt, sizeof(stmt), "ALTER SYSTEM SET %s = %s", settings[i], q);
		PQfreemem(q);
		r = sql(pg, stmt);
		if (r == NULL)
			return false;
		PQclear(r);
	}
	r = sql(pg, "SELECT pg_reload_conf()");
	if (r == NULL)
		return false;
	PQclear(r);
	return true;
}

int
node_in_maintenance(struct pg *pg, const char *node)
{
	char *v = NULL, why[256];
	bool on = false;

	/* Capped: the primary asks for each standby on its monitor's path. */
	if (tandem_node_attr_get(node, "maintenance", false, &v, tandem_deadline_cap(pg->ctx->deadline, 2000), why,
				 sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not read whether %s is in maintenance: %s", node, why);
		return -1;
	}
	if (v != NULL && !tandem_parse_bool(v, &on))
		on = false;
	free(v);
	return on;
}

bool
never_promote(struct pg *pg, char *why, size_t len)
{
	char state[128] = "", *role = state;

	if (read_state("role", state, sizeof(state)))
		role = strchr(state, ' ') != NULL ? strchr(state, ' ') + 1 : state + strlen(state);
	role[strcspn(role, "\n")] = '\0';
	return pg_never_promote(role, pg->facts.apply_delay, why, len);
}

bool
never_sync(void)
{
	char state[128] = "";
	const char *role = "";

	if (read_state("role", state, sizeof(state)) && strchr(state, ' ') != NULL)
		role = strchr(state, ' ') + 1;
	return strncmp(role, "never-sync", 10) == 0 && (role[10] == '\0' || role[10] == '\n');
}

bool
logical_failover(struct pg *pg)
{
	return tandem_param_bool(pg->p, PG_LOGICAL_FAILOVER) && pg->conn != NULL
	       && pg_logical_failover(PQserverVersion(pg->conn), pg->facts.wal_level);
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
	if (ok && PQnfields(r) > 15) {
		struct pg_facts *f = &pg->facts;

		snprintf(f->archive_stuck, sizeof(f->archive_stuck), "%s", PQgetvalue(r, 0, 9));
		snprintf(f->wal_level, sizeof(f->wal_level), "%s", PQgetvalue(r, 0, 10));
		f->feedback = strcmp(PQgetvalue(r, 0, 11), "on") == 0;
		snprintf(f->slot_sync, sizeof(f->slot_sync), "%s", PQgetvalue(r, 0, 12));
		/* Too long to hold: compared, it differs, and is set again. */
		snprintf(f->standby_slots, sizeof(f->standby_slots), "%s", PQgetvalue(r, 0, 13));
		snprintf(f->stale_failover, sizeof(f->stale_failover), "%s", PQgetvalue(r, 0, 14));
		snprintf(f->apply_delay, sizeof(f->apply_delay), "%s", PQgetvalue(r, 0, 15));
	}
	if (ok) {
		/* Only the clone's own walsenders count from here on. */
		char nodes[32][64];
		size_t n_nodes = known_nodes(nodes, 32);

		pg_keep_members(&pg->facts, (const char (*)[64])nodes, n_nodes);
	}
	if (!ok)
		snprintf(pg->why, sizeof(pg->why), "unexpected answer to the monitor query");
	PQclear(r);
	return ok;
}

bool
postmaster_alive(struct pg *pg)
{
	char path[4096];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/postmaster.pid", pg->datadir);
	return tandem_pidfile_check(path, "postgres", &pid) == TANDEM_PIDFILE_ALIVE;
}

pid_t
postmaster_pid(struct pg *pg)
{
	char path[4096];
	pid_t pid = 0;

	snprintf(path, sizeof(path), "%s/postmaster.pid", pg->datadir);
	return tandem_pidfile_check(path, "postgres", &pid) == TANDEM_PIDFILE_ALIVE ? pid : 0;
}

/* DATADIR.<what>-<UTC time, YYYYMMDDTHHMMSSZ>: where a data directory's
 * past is kept beside it (diverged WAL, a directory set aside by a repair). */
void
beside_datadir(struct pg *pg, const char *what, char *out, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(out, len, "%s.%s-%04d%02d%02dT%02d%02d%02dZ", pg->datadir, what, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
datadir_fd(struct pg *pg)
{
	char why[sizeof(pg->why) - 32];
	int fd = tandem_safefs_dir(AT_FDCWD, pg->datadir, pg->uid, why, sizeof(why));

	if (fd < 0)
		snprintf(pg->why, sizeof(pg->why), "data directory refused: %s", why);
	return fd;
}

/* A postmaster.pid left by a node that lost power names a PID that, after
 * the reboot, may belong to another program: PostgreSQL then refuses to
 * start ("lock file already exists ... Is another postmaster (PID n)
 * running?") though none runs.  Removed when its PID runs no postgres, as
 * Debian's pg_ctlcluster does; the file of a live postgres is kept. */
void
remove_stale_pidfile(struct pg *pg)
{
	char path[4096];
	pid_t pid = 0;

	char proc[64], cwd[4096], data[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/postmaster.pid", pg->datadir);
	if (tandem_pidfile_check(path, "postgres", &pid) != TANDEM_PIDFILE_STALE)
		return;
	/* A postmaster's working directory is its data directory, whatever
	 * its name (started through the "postmaster" link): such a process
	 * keeps its file. */
	snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)pid);
	n = pid > 0 ? readlink(proc, cwd, sizeof(cwd) - 1) : -1;
	if (n > 0) {
		cwd[n] = '\0';
		if (realpath(pg->datadir, data) != NULL && strcmp(cwd, data) == 0)
			return;
	}
	/* Removed through the checked data directory (issue 26). */
	int dfd = datadir_fd(pg);

	if (dfd >= 0 && unlinkat(dfd, "postmaster.pid", 0) == 0)
		tandem_log(LOG_WARNING, "removed a stale postmaster.pid: PID %d runs no postgres (the node restarted)",
			   (int)pid);
	else if (dfd < 0 || errno != ENOENT)
		tandem_log(LOG_WARNING, "could not remove the stale \"%s\": %s", path,
			   dfd < 0 ? pg->why : strerror(errno));
	if (dfd >= 0)
		close(dfd);
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
enum pg_role
observe(struct pg *pg)
{
	char why[512];

	memset(&pg->seen, 0, sizeof(pg->seen));
	tandem_reread(pg->ctx->deadline, observe_once, pg, "the local PostgreSQL");
	if (!pg->seen.answered) {
		int r = tandem_pgcontrol_read(pg->datadir, &pg->control, why, sizeof(why));

		pg->seen.control_ok = r == 0;
		/* None yet, or a clone cut short (start clones it again). */
		pg->seen.no_cluster = r == -ENOENT && (tandem_pgdata_version(pg->datadir) < 0
						       || tandem_pgdata_clone_cut_short(pg->datadir));
		if (r != 0 && !pg->seen.no_cluster)
			snprintf(pg->why, sizeof(pg->why), "%s", why);
	}
	pg->seen.control_state = pg->control.state;
	return pg_decide_role(&pg->seen);
}

/* Attributes, written only when their value changes (lib/attr caches). */
void
publish(struct pg *pg, const char *name, const char *value, bool private_)
{
	char why[256];

	if (tandem_attr_set(name, value, private_, pg->ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "could not set attribute %s: %s", name, why);
}

void
publish_lsn(struct pg *pg, const char *name, uint64_t lsn)
{
	char buf[18];

	/* On display only: a granularity of one segment keeps a busy node
	 * from spawning attrd_updater on every monitor. */
	publish(pg, name, tandem_lsn_str(lsn - lsn % SEGMENT, buf), false);
}

void
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
size_t
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

size_t
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
size_t
database_nodes(char names[][64], size_t max)
{
	return read_names("database-nodes", names, max);
}

bool
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
void
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
int
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
bool
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
void
record_of(struct pg *pg, const char *names, const char *also, struct pg_commit_record *r)
{
	char members[PG_MAX_STANDBYS][64];
	size_t n = pg_sync_members(names, members, PG_MAX_STANDBYS);

	memset(r, 0, sizeof(*r));
	snprintf(r->primary, sizeof(r->primary), "%.63s", pg->node);
	for (size_t i = 0; i < n; i++)
		snprintf(r->sync[r->n_sync++], sizeof(r->sync[0]), "%.63s", members[i]);
	record_add(r, also);
}

void
record_add(struct pg_commit_record *r, const char *also)
{
	char members[PG_MAX_STANDBYS][64];
	size_t n;

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

/* Standby configuration. */

void
conninfo(struct pg *pg, char *out, size_t len)
{
	const char *passfile = tandem_param_str(pg->p, PG_PASSFILE);
	size_t used = (size_t)snprintf(out, len, "%s user=%s application_name=%s",
				       tandem_param_str(pg->p, PG_PRIMARY_CONNINFO),
				       tandem_param_str(pg->p, PG_REPLICATION_USER), pg->node);

	if (passfile != NULL && used < len)
		snprintf(out + used, len - used, " passfile=%s", passfile);
}

/* Where this standby last saw its primary's WAL end (state "upstream",
 * written by its monitor), or 0 when unknown. */
uint64_t
known_upstream(void)
{
	char up[32];
	uint64_t lsn;

	return read_state("upstream", up, sizeof(up)) && tandem_lsn_parse(up, &lsn) ? lsn : 0;
}

uint32_t
wal_timeline(struct pg *pg)
{
	struct tandem_pgcontrol control;
	char why[512];
	uint32_t tli = 0, files = 0;

	if (pg->facts.timeline != 0)
		return pg->facts.timeline;
	/* pg_control's timeline is only as new as the last restartpoint or
	 * minimum recovery point: a standby that followed a promotion minutes
	 * before it lost power can still say the old one there (issue 28's
	 * n2).  The WAL files it received are named for their timeline. */
	if (tandem_pgcontrol_read(pg->datadir, &control, why, sizeof(why)) == 0)
		tli = control.min_recovery_tli > control.timeline ? control.min_recovery_tli : control.timeline;
	else
		tandem_log(LOG_WARNING, "the timeline of this node's WAL, without pg_control: %s", why);
	if (tandem_pgdata_wal_timeline(pg->datadir, &files) != 0)
		tandem_log(LOG_WARNING, "could not list \"%s/pg_wal\": %s", pg->datadir, strerror(errno));
	return files > tli ? files : tli;
}

void
election_self(struct pg *pg, struct pg_candidate *c)
{
	char history[65536];
	bool bad = false;

	memset(c, 0, sizeof(*c));
	c->name = pg->node;
	c->present = true;
	c->lsn = pg_election_lsn(&pg->facts);
	if (pg->facts.recovery && pg->facts.replayed < c->lsn)
		c->replayed = pg->facts.replayed != 0 ? pg->facts.replayed : 1;
	c->tli = wal_timeline(pg);
	c->upstream = known_upstream();
	{
		char why[160];

		c->never = never_promote(pg, why, sizeof(why));
	}
	if (c->tli <= 1)
		return;
	if (tandem_pgdata_history_read(pg->datadir, c->tli, history, sizeof(history)) < 0)
		tandem_log(LOG_WARNING, "where timeline %" PRIu32 " began is unknown: %s", c->tli, strerror(errno));
	else if (!pg_history_fork(history, &c->parent, &c->fork, &bad) || c->parent >= c->tli)
		tandem_log(LOG_WARNING, "where timeline %" PRIu32 " began is unknown: its history file %s", c->tli,
			   bad ? "does not parse" : "names no parent before it");
	if (c->parent >= c->tli) {
		c->parent = 0;
		c->fork = 0;
	}
}

void
replay_settle(struct pg *pg, int64_t ms)
{
	tandem_deadline until = tandem_deadline_cap(pg->ctx->deadline, ms);

	while (pg->facts.recovery && pg->facts.replayed < pg->facts.received) {
		PGresult *r;
		uint64_t lsn;
		bool read;

		if (!tandem_deadline_sleep(until, 10))
			return;
		r = sql(pg, "SELECT pg_last_wal_replay_lsn()");
		read = r != NULL && PQntuples(r) == 1
		       && tandem_lsn_parse(PQgetvalue(r, 0, 0), &lsn);
		PQclear(r);
		if (!read)
			return;
		if (lsn > pg->facts.replayed)
			pg->facts.replayed = lsn;
	}
}

/* Is the primary_conninfo target a primary right now?  1 yes (and *tli is
 * its timeline, *ckpt_tli when not NULL its last checkpoint's, as its
 * pg_control has it), 0 no, -1 unreachable. */
int
remote_is_primary(struct pg *pg, uint32_t *tli, uint32_t *ckpt_tli)
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
	/* Asked apart: pg_control read while a checkpoint rewrites it can fail
	 * its CRC, and EXECUTE may be revoked on a hardened install; neither
	 * makes the primary unreachable.  Unknown counts as current. */
	if (ckpt_tli != NULL && is == 1) {
		*ckpt_tli = *tli;
		r = c != NULL ? tandem_pq_query(&c, "SELECT timeline_id FROM pg_control_checkpoint()", d, why,
						sizeof(why))
			      : NULL;
		if (r != NULL && PQntuples(r) == 1)
			*ckpt_tli = (uint32_t)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
		else
			tandem_log(LOG_WARNING, "could not read the primary's last checkpoint timeline: %s", why);
		PQclear(r);
	}
	if (c != NULL)
		PQfinish(c);
	return is;
}

/* What pg_ctl -t gets: the seconds left of the action, times share, less
 * one for the agent's own reply; at least 1. */
const char *
seconds_left(struct pg *pg, double share, char buf[32])
{
	long long left = (long long)((double)tandem_deadline_left(pg->ctx->deadline) * share / 1000) - 1;

	snprintf(buf, 32, "%lld", left >= 1 ? left : 1);
	return buf;
}

/* Promotion. */

void
state_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s/tandem-pgsql-%s-%s", tandem_ocf_rsctmp(),
		 tandem_ocf_instance(), what);
}

void
free_pairs(char **nodes, char **values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(nodes[i]);
		free(values[i]);
	}
	free(nodes);
	free(values);
}

/* The first line of state file what into buf (empty when the file is);
 * false when there is no such file. */
bool
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

bool
write_state(const char *what, const char *text)
{
	char path[512], tmp[540];
	FILE *f;

	/* Whole or not at all: an action killed at its timeout mid-write
	 * leaves the old value, never a truncated one. */
	state_path(path, sizeof(path), what);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		tandem_log(LOG_WARNING, "could not write %s: %s", path, strerror(errno));
		return false;
	}
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		tandem_log(LOG_WARNING, "could not write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

/* A yes/no the notification leaves for the action that follows. */
void
write_flag(const char *what, bool yes)
{
	write_state(what, yes ? "yes" : "");
}

/* Reads the flag and clears it: it answers one action only. */
bool
take_flag(const char *what)
{
	char buf[8];

	read_state(what, buf, sizeof(buf));
	write_state(what, "");
	return strcmp(buf, "yes") == 0;
}
