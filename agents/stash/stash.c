/* stash.c --- ocf:tandem:stash's actions: start, stop, monitor, validate */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tandem/attr.h"
#include "tandem/log.h"
#include "tandem/pq.h"
#include "tandem/proc.h"
#include "tandem/safefs.h"
#include "tandem/spawn.h"
#include "stash.h"

#define POLL_MS 1000            /* between /status checks while starting */
#define MAX_BODY 4096           /* /status says one word */

/* Everything an action knows about the instance. */
struct stash {
	struct tandem_ctx *ctx;
	const struct tandem_params *p;
	bool bitbucket;                 //!< Bitbucket's scripts (else Stash's)
	char start[PATH_MAX], stop[PATH_MAX], pidfile[PATH_MAX];
	char env_home[PATH_MAX + 16], env_java[PATH_MAX + 16], env_pid[PATH_MAX + 16];
	char uses_home[4][PATH_MAX + 24]; //!< what a process using home_dir holds
	const char *uses[5];
	char java[PATH_MAX];            //!< the JVM's program: java_home's, or any "java"
	uid_t uid;                      //!< user's
	bool user_known;
};

static const char *
param(const struct stash *s, enum stash_param i)
{
	return tandem_param_str(s->p, i);
}

static void
stash_init(struct stash *s, struct tandem_ctx *ctx)
{
	const char *install, *home;
	struct passwd *pw;

	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->p = ctx->params;
	install = param(s, STASH_INSTALL_DIR);
	home = param(s, STASH_HOME_DIR);
	snprintf(s->start, sizeof(s->start), "%s/bin/start-bitbucket.sh", install);
	s->bitbucket = access(s->start, F_OK) == 0;
	if (!s->bitbucket)
		snprintf(s->start, sizeof(s->start), "%s/bin/start-stash.sh", install);
	snprintf(s->stop, sizeof(s->stop), "%s/bin/stop-%s.sh", install, s->bitbucket ? "bitbucket" : "stash");
	if (tandem_param_given(s->p, STASH_PIDFILE)) {
		snprintf(s->pidfile, sizeof(s->pidfile), "%s", param(s, STASH_PIDFILE));
		/* catalina.sh writes its pid where CATALINA_PID says. */
		snprintf(s->env_pid, sizeof(s->env_pid), "CATALINA_PID=%s", s->pidfile);
	} else
		snprintf(s->pidfile, sizeof(s->pidfile), "%s/work/catalina.pid", install);
	snprintf(s->env_home, sizeof(s->env_home), "%s=%s", s->bitbucket ? "BITBUCKET_HOME" : "STASH_HOME", home);
	if (tandem_param_given(s->p, STASH_JAVA_HOME))
		snprintf(s->env_java, sizeof(s->env_java), "JAVA_HOME=%s", param(s, STASH_JAVA_HOME));
	/* Both generations' ways of naming the home: the environment the
	 * start script exports, and the JVM's system properties. */
	snprintf(s->uses_home[0], sizeof(s->uses_home[0]), "BITBUCKET_HOME=%s", home);
	snprintf(s->uses_home[1], sizeof(s->uses_home[1]), "STASH_HOME=%s", home);
	snprintf(s->uses_home[2], sizeof(s->uses_home[2]), "-Dbitbucket.home=%s", home);
	snprintf(s->uses_home[3], sizeof(s->uses_home[3]), "-Dstash.home=%s", home);
	for (size_t i = 0; i < 4; i++)
		s->uses[i] = s->uses_home[i];
	s->uses[4] = NULL;
	/* The JVM is java_home's java when set; else whichever java the
	 * start script finds (its bundled jre/, setenv.sh's JAVA_HOME). */
	if (tandem_param_given(s->p, STASH_JAVA_HOME))
		snprintf(s->java, sizeof(s->java), "%s/bin/java", param(s, STASH_JAVA_HOME));
	else
		snprintf(s->java, sizeof(s->java), "java");
	pw = getpwnam(param(s, STASH_USER));
	s->user_known = pw != NULL;
	s->uid = pw != NULL ? pw->pw_uid : (uid_t)-1;
}

static bool
uses_home(const struct stash *s, pid_t pid)
{
	return tandem_proc_has_entry(pid, "environ", s->uses) || tandem_proc_has_entry(pid, "cmdline", s->uses);
}

/* Whether pid is this home's JVM, found by what it is (issue 26): the
 * java program, run by user, using the home.  Any local user can start a
 * process with BITBUCKET_HOME in its environment, and an admin's shell
 * may carry it: neither is an instance, nor ever signalled.  h is open
 * (the pidfd held) when it is. */
static bool
is_jvm(const struct stash *s, pid_t pid, struct tandem_proc_handle *h)
{
	char why[300];

	if (!s->user_known || tandem_proc_open_checked(pid, s->java, s->uid, h, why, sizeof(why)) != 0)
		return false;
	if (uses_home(s, pid))
		return true;
	tandem_proc_handle_close(h);
	return false;
}

/* The JVM the pidfile names (a regular file of user's or root's, never
 * followed through a link nor a FIFO opened to block), if it is one. */
static bool
jvm(const struct stash *s, struct tandem_proc_handle *h)
{
	pid_t pid;

	return s->user_known && tandem_pidfile_read_owned(s->pidfile, s->uid, &pid) == TANDEM_PIDFILE_ALIVE
	       && is_jvm(s, pid, h);
}

/* Whether the pidfile names a live process: while the start script's JVM
 * is being exec'ed it is not java yet, and its environment unreadable. */
static bool
pidfile_alive(const struct stash *s)
{
	pid_t pid;

	return s->user_known && tandem_pidfile_read_owned(s->pidfile, s->uid, &pid) == TANDEM_PIDFILE_ALIVE
	       && tandem_proc_alive(pid);
}

/* Every JVM on this node using the home directory (is_jvm), handles open. */
static size_t
home_jvms(const struct stash *s, struct tandem_proc_handle *out, size_t max)
{
	pid_t found[32];
	size_t n = tandem_proc_find("environ", s->uses, found, 16), k = 0;

	n += tandem_proc_find("cmdline", s->uses, found + n, 16);
	for (size_t i = 0; i < n && k < max; i++) {
		bool dup = false;

		for (size_t j = 0; j < k && !dup; j++)
			dup = out[j].pid == found[i];
		if (!dup && is_jvm(s, found[i], &out[k]))
			k++;
	}
	return k;
}

static void
close_all(struct tandem_proc_handle *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tandem_proc_handle_close(&h[i]);
}

/* Removes the pid file of a JVM that is gone, only when it is what
 * catalina.sh writes: a regular file of user's or root's, its name taken
 * in its directory without following a link (catalina.sh would refuse to
 * start if the pid it names now belongs to another process).  False when
 * something else is there (a FIFO, a link: planted), said in why. */
static bool
remove_pidfile(const struct stash *s, char *why, size_t len)
{
	char base[256];
	struct stat st;
	bool clear = true;
	int dir = tandem_safefs_parent(s->pidfile, base, sizeof(base));

	if (dir < 0)
		return true;    /* no directory: the start script makes it */
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(st.st_mode) && (st.st_uid == s->uid || st.st_uid == 0)) {
			tandem_log(LOG_INFO, "removing the stale pid file %s", s->pidfile);
			if (unlinkat(dir, base, 0) != 0 && errno != ENOENT)
				tandem_log(LOG_WARNING, "could not remove %s: %s", s->pidfile, strerror(errno));
		} else {
			snprintf(why, len, "the pid file %.400s is %s", s->pidfile,
				 S_ISREG(st.st_mode) ? "owned by another user"
				 : S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
			clear = false;
		}
	}
	close(dir);
	return clear;
}

/* One /status request within the action's deadline. */
static enum stash_health
health(const struct stash *s, tandem_deadline deadline, char *detail, size_t len)
{
	struct tandem_http_result r;
	enum stash_health h;

	tandem_http_get(param(s, STASH_STATUS_URL), 5000, MAX_BODY, deadline, &r);
	h = stash_classify(&r);
	if (r.outcome != TANDEM_HTTP_OK)
		snprintf(detail, len, "%s", r.error);
	else if (h == STASH_REDIRECT)
		snprintf(detail, len, "HTTP %ld to %s", r.status, r.location != NULL ? r.location : "(no Location)");
	else
		snprintf(detail, len, "HTTP %ld", r.status);
	tandem_http_result_free(&r);
	return h;
}

/* Database awareness: does the PostgreSQL named by jdbc.url answer? */
static const char *
properties_file(const struct stash *s, char *buf, size_t len)
{
	const char *home = param(s, STASH_HOME_DIR);
	const char *names[] = { "shared/bitbucket.properties", "shared/stash-config.properties",
				"stash-config.properties" };

	for (size_t i = 0; i < 3; i++) {
		snprintf(buf, len, "%s/%s", home, names[i]);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

/* The properties file, read as user, never as root: the home is user's,
 * and a link planted there must not lead root's read to a file only root
 * may read (an admin's link to configuration kept elsewhere is followed:
 * Stash itself reads it as user).  dd with iflag=nonblock: a FIFO planted
 * in its place is read as empty at once, never waited on.  NULL with why
 * when it could not be read. */
static char *
read_as_user(const struct stash *s, const char *path, char *why, size_t len)
{
	char in[PATH_MAX + 8];
	const char *argv[] = { "/bin/dd", in, "iflag=nonblock", "bs=65536", "count=1", "status=none", NULL };
	struct tandem_spawn_opts opts = { .user = param(s, STASH_USER), .cwd = "/", .max_output = 1 << 16 };
	struct tandem_spawn_result r;
	char *text = NULL;

	snprintf(in, sizeof(in), "if=%s", path);
	if (tandem_spawn_run(argv, &opts, s->ctx->deadline, &r) == 0 && !r.timed_out && r.status == 0) {
		text = r.out != NULL ? r.out : strdup("");
		r.out = NULL;
	} else {
		const char *err = r.err != NULL && r.err[0] != '\0' ? r.err : r.timed_out ? "timed out" : "dd failed";

		/* Cut to fit: dd's message ends the line, its tail may go. */
		if (snprintf(why, len, "%s could not be read as %s: %s", path, param(s, STASH_USER), err) < 0)
			why[0] = '\0';
		why[strcspn(why, "\n")] = '\0';
	}
	tandem_spawn_result_free(&r);
	return text;
}

/* The database's JDBC URL, parsed; false with why. */
static bool
jdbc(const struct stash *s, struct stash_jdbc *j, char *why, size_t len)
{
	char path[PATH_MAX], *text, *url, reason[128];
	bool ok;

	if (properties_file(s, path, sizeof(path)) == NULL) {
		snprintf(why, len, "no shared/bitbucket.properties or stash-config.properties in %s",
			 param(s, STASH_HOME_DIR));
		return false;
	}
	text = read_as_user(s, path, why, len);
	if (text == NULL)
		return false;
	url = stash_properties_get(text, "jdbc.url");
	free(text);
	if (url == NULL) {
		snprintf(why, len, "%.300s has no jdbc.url", path);
		return false;
	}
	ok = stash_parse_jdbc(url, j, reason, sizeof(reason));
	if (!ok)
		snprintf(why, len, "jdbc.url in %.300s: %s", path, reason);
	free(url);
	return ok;
}

static enum stash_db
database(const struct stash *s, char *hosts, size_t len)
{
	struct stash_jdbc j;
	char why[256], host[1024] = "", port[256] = "";
	const char *keys[] = { "host", "port", "dbname", NULL };
	const char *vals[] = { host, port, "postgres", NULL };
	PGPing r;

	hosts[0] = '\0';
	if (!jdbc(s, &j, why, sizeof(why))) {
		tandem_log(LOG_WARNING, "cannot check the database: %s", why);
		return STASH_DB_UNKNOWN;
	}
	for (size_t i = 0; i < j.n_hosts; i++) {
		size_t h = strlen(host), p = strlen(port), l = strlen(hosts);

		snprintf(host + h, sizeof(host) - h, "%s%s", i ? "," : "", j.hosts[i]);
		snprintf(port + p, sizeof(port) - p, "%s%s", i ? "," : "", j.ports[i]);
		snprintf(hosts + l, len - l, "%s%s:%s", i ? "," : "", j.hosts[i], j.ports[i]);
	}
	if (j.dbname[0] != '\0')
		vals[2] = j.dbname;
	r = tandem_pq_ping(keys, vals, s->ctx->deadline);
	return r == PQPING_OK ? STASH_DB_UP : r == PQPING_NO_ATTEMPT ? STASH_DB_UNKNOWN : STASH_DB_DOWN;
}

static void
publish_db(enum stash_db db)
{
	static const char *const words[] = { "unknown", "reachable", "unreachable" };
	char why[256];

	if (tandem_attr_set(STASH_ATTR_DB, words[db], false, tandem_deadline_in(5000), why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "could not set attribute %s: %s", STASH_ATTR_DB, why);
}

/* Decides, asking the database when a failure might be its fault. */
static struct stash_verdict
judge(const struct stash *s, enum stash_health h, enum stash_phase phase, bool alive, int64_t since,
      char *db_hosts, size_t len)
{
	int64_t grace = tandem_param_int(s->p, STASH_TRANSITION_GRACE);
	struct stash_verdict v = stash_decide(h, phase, alive, since, grace, STASH_DB_UNKNOWN);
	enum stash_db db;

	if (!tandem_param_bool(s->p, STASH_DB_CHECK) || !stash_db_matters(h)
	    || (v.rc == TANDEM_OCF_SUCCESS && !v.wait) || (v.wait && h != STASH_ERROR))
		return v;
	db = database(s, db_hosts, len);
	publish_db(db);
	return stash_decide(h, phase, alive, since, grace, db);
}

static void
say(const struct stash *s, const struct stash_verdict *v, enum stash_health h, const char *detail,
    const char *db_hosts)
{
	if (v->why == NULL)
		return;
	if (!v->wait && v->rc != TANDEM_OCF_SUCCESS && v->rc != TANDEM_OCF_NOT_RUNNING)
		tandem_ocf_exit_reason("%s: %s (%s): %s", param(s, STASH_STATUS_URL), stash_health_str(h), detail,
				       v->why);
	else
		tandem_log(v->level, "%s: %s (%s): %s%s%s", param(s, STASH_STATUS_URL), stash_health_str(h),
			   detail, v->why, db_hosts[0] ? "; database " : "", db_hosts);
}

/* One reading of /status (tandem_reread).  With the JVM alive, no answer,
 * a refused connection or a body that is not /status's (a proxy's error
 * page, a reply cut short) is no reading, and is taken again; a state
 * Stash reports, or a dead JVM, is one. */
struct status_reading {
	struct stash *s;
	enum stash_health h;
	bool alive;
	char detail[300];
};

static bool
read_status(void *arg)
{
	struct status_reading *r = arg;

	struct tandem_proc_handle h;

	r->alive = jvm(r->s, &h);
	if (r->alive)
		tandem_proc_handle_close(&h);
	/* Each reading gets at most 5 s, so a hung one leaves time for more. */
	r->h = health(r->s, tandem_deadline_cap(r->s->ctx->deadline, 5000), r->detail, sizeof(r->detail));
	return !r->alive || !stash_reading_failed(r->h);
}

int
stash_monitor(struct tandem_ctx *ctx)
{
	struct stash s;
	struct stash_verdict v;
	struct status_reading r = { .s = &s };
	char db_hosts[512] = "";
	int64_t left = tandem_deadline_left(ctx->deadline);
	/* Read again until 6 s before the deadline at most: asking the
	 * database (db_check) about a failed reading keeps its share. */
	tandem_deadline reread = left > 12000 ? tandem_deadline_in(left - 6000) : ctx->deadline;

	stash_init(&s, ctx);
	tandem_reread(reread, read_status, &r, "Stash's /status");
	v = judge(&s, r.h, STASH_PHASE_MONITOR, r.alive,
		  tandem_ocf_seen_for("transitional", r.h == STASH_STARTING || r.h == STASH_STOPPING), db_hosts,
		  sizeof(db_hosts));
	if (!r.alive && v.rc == TANDEM_OCF_SUCCESS)
		tandem_log(LOG_WARNING, "%s answers, but %s names no JVM using %s: started outside this agent?",
			   param(&s, STASH_STATUS_URL), s.pidfile, param(&s, STASH_HOME_DIR));
	say(&s, &v, r.h, r.detail, db_hosts);
	if (tandem_param_bool(s.p, STASH_DB_CHECK) && db_hosts[0] == '\0' && v.rc == TANDEM_OCF_SUCCESS
	    && r.h == STASH_RUNNING)
		publish_db(STASH_DB_UP);  /* running Stash has its database */
	return v.rc;
}

/* The environment both scripts get. */
static void
script_env(const struct stash *s, const char *env[4])
{
	size_t k = 0;

	env[k++] = s->env_home;
	if (s->env_java[0] != '\0')
		env[k++] = s->env_java;
	if (s->env_pid[0] != '\0')
		env[k++] = s->env_pid;
	env[k] = NULL;
}

static int
run_script(const struct stash *s, const char *script, tandem_deadline deadline, char *why, size_t len)
{
	const char *argv[] = { script, NULL }, *env[4];
	struct tandem_spawn_opts opts = { .user = param(s, STASH_USER), .cwd = param(s, STASH_INSTALL_DIR) };
	struct tandem_spawn_result r;
	int rc;

	script_env(s, env);
	opts.env_set = env;
	rc = tandem_spawn_run(argv, &opts, deadline, &r);
	if (rc != 0 || r.timed_out || r.status != 0) {
		const char *err = r.err != NULL && r.err[0] != '\0' ? r.err : r.out != NULL ? r.out : "";

		snprintf(why, len, "%s %s: %.200s", script,
			 rc != 0 ? "could not run" : r.timed_out ? "timed out" : "failed", err);
		why[strcspn(why, "\n")] = '\0';
		tandem_spawn_result_free(&r);
		return -1;
	}
	tandem_spawn_result_free(&r);
	return 0;
}

int
stash_start(struct tandem_ctx *ctx)
{
	struct stash s;
	struct tandem_proc_handle h, users[16];
	size_t n;
	char why[512], detail[300], db_hosts[512] = "";
	enum stash_health h_now = STASH_REFUSED;

	stash_init(&s, ctx);
	if (jvm(&s, &h)) {
		tandem_log(LOG_INFO, "JVM %d already runs with %s: waiting for it to be healthy", (int)h.pid,
			   param(&s, STASH_HOME_DIR));
		tandem_proc_handle_close(&h);
	} else {
		/* The guide: never two instances writing the home directory. */
		n = home_jvms(&s, users, 16);
		if (n > 0) {
			tandem_ocf_exit_reason("JVM %d of %s already uses %s on this node: not starting a second instance",
					       (int)users[0].pid, param(&s, STASH_USER), param(&s, STASH_HOME_DIR));
			close_all(users, n);
			return TANDEM_OCF_ERR_GENERIC;
		}
		/* A pid file naming no JVM of this home is stale (a crash, a
		 * node lost with the file on shared storage); anything else
		 * there would have the start script write through it. */
		if (!remove_pidfile(&s, why, sizeof(why))) {
			tandem_ocf_exit_reason("%s: not starting", why);
			return TANDEM_OCF_ERR_GENERIC;
		}
		if (run_script(&s, s.start, tandem_deadline_cap(ctx->deadline, tandem_deadline_left(ctx->deadline) / 2),
			       why, sizeof(why)) != 0) {
			tandem_ocf_exit_reason("%s", why);
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	/* Through STARTING until RUNNING, MAINTENANCE or FIRST_RUN. */
	for (;;) {
		struct stash_verdict v;
		bool alive = pidfile_alive(&s);

		h_now = health(&s, ctx->deadline, detail, sizeof(detail));
		v = judge(&s, h_now, STASH_PHASE_START, alive, 0, db_hosts, sizeof(db_hosts));
		if (!v.wait) {
			say(&s, &v, h_now, detail, db_hosts);
			if (v.rc == TANDEM_OCF_SUCCESS)
				tandem_log(LOG_NOTICE, "started: %s", stash_health_str(h_now));
			return v.rc;
		}
		if (!tandem_deadline_sleep(ctx->deadline, POLL_MS))
			break;
	}
	tandem_ocf_exit_reason("not healthy before the start timeout: last %s (%s)", stash_health_str(h_now), detail);
	return TANDEM_OCF_ERR_GENERIC;
}

int
stash_stop(struct tandem_ctx *ctx)
{
	struct stash s;
	struct tandem_proc_handle h, users[17];
	size_t n;
	char why[512];
	int64_t left;
	bool named;

	stash_init(&s, ctx);
	n = home_jvms(&s, users, 16);
	named = jvm(&s, &h);
	if (named)
		tandem_proc_handle_close(&h);
	if (!named && n == 0) {
		/* A crashed JVM's pid file would name a recycled pid one day. */
		if (!remove_pidfile(&s, why, sizeof(why)))
			tandem_log(LOG_WARNING, "%s: left alone", why);
		tandem_log(LOG_INFO, "not running");
		return TANDEM_OCF_SUCCESS;
	}
	close_all(users, n);
	/* Its own stop script first, with half the time: a clean shutdown. */
	if (access(s.stop, X_OK) == 0
	    && run_script(&s, s.stop, tandem_deadline_cap(ctx->deadline, tandem_deadline_left(ctx->deadline) / 2),
			  why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "%s", why);
	/* Then whatever JVM still uses the home: TERM, and KILL near the end,
	 * each by the pidfd held since it was checked. */
	left = tandem_deadline_left(ctx->deadline);
	n = home_jvms(&s, users, 16);
	if (jvm(&s, &h)) {
		bool known = false;

		for (size_t i = 0; i < n && !known; i++)
			known = users[i].pid == h.pid;
		if (!known)
			users[n++] = h;
		else
			tandem_proc_handle_close(&h);
	}
	for (size_t i = 0; i < n; i++) {
		tandem_log(LOG_WARNING, "JVM %d still uses %s: terminating it", (int)users[i].pid,
			   param(&s, STASH_HOME_DIR));
		if (!tandem_proc_handle_terminate(&users[i], left / 2, ctx->deadline)) {
			tandem_ocf_exit_reason("JVM %d survived SIGKILL", (int)users[i].pid);
			close_all(users, n);
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	close_all(users, n);
	if (!remove_pidfile(&s, why, sizeof(why)))
		tandem_log(LOG_WARNING, "%s: left alone", why);
	tandem_log(LOG_NOTICE, "stopped");
	return TANDEM_OCF_SUCCESS;
}

/* The parameter table has judged every value; what is left is what this
 * node has: its installation, its users, its view of the shared home.
 * Each is this node's fault (issue 28): ERR_INSTALLED keeps Stash off
 * this node alone, where ERR_CONFIGURED would stop it everywhere for a
 * home one node has not mounted; a stat that fails otherwise (an NFS
 * server that does not answer) may pass, ERR_GENERIC. */
int
stash_validate(struct tandem_ctx *ctx)
{
	struct stash s;
	struct passwd *pw;
	struct stat st;
	char why[512];
	int err;

	stash_init(&s, ctx);
	if (!tandem_spawn_executable(s.start))
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "no executable bin/start-bitbucket.sh or "
					 "bin/start-stash.sh in %s (install_dir)", param(&s, STASH_INSTALL_DIR));
	if (!tandem_spawn_executable(s.stop))
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "%s is missing or not executable", s.stop);
	if (s.env_java[0] != '\0') {
		char java[PATH_MAX + 16];

		snprintf(java, sizeof(java), "%s/bin/java", param(&s, STASH_JAVA_HOME));
		if (!tandem_spawn_executable(java))
			return tandem_ocf_refuse(TANDEM_FAULT_NODE, "%s is missing or not executable (java_home)", java);
	}
	pw = getpwnam(param(&s, STASH_USER));
	if (pw == NULL)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "user \"%s\" does not exist on this node (user)",
					 param(&s, STASH_USER));
	err = stat(param(&s, STASH_HOME_DIR), &st) == 0 ? 0 : errno;
	if (err != 0 && err != ENOENT && err != ENOTDIR)
		return tandem_ocf_refuse(TANDEM_FAULT_STATE, "home_dir \"%s\": %s", param(&s, STASH_HOME_DIR),
					 strerror(err));
	if (err != 0 || !S_ISDIR(st.st_mode))
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "home_dir \"%s\" is not a directory on this node",
					 param(&s, STASH_HOME_DIR));
	if (st.st_uid != pw->pw_uid)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "home_dir \"%s\" belongs to uid %u, not to %s",
					 param(&s, STASH_HOME_DIR), (unsigned)st.st_uid, param(&s, STASH_USER));
	if (tandem_param_bool(s.p, STASH_DB_CHECK)) {
		struct stash_jdbc j;

		/* Read from the home as this node sees it. */
		if (!jdbc(&s, &j, why, sizeof(why)))
			return tandem_ocf_refuse(TANDEM_FAULT_NODE, "db_check: %s", why);
	}
	return TANDEM_OCF_SUCCESS;
}

int
stash_validate_all(struct tandem_ctx *ctx)
{
	(void)ctx;
	/* The table and stash_validate ran before any action. */
	return TANDEM_OCF_SUCCESS;
}
