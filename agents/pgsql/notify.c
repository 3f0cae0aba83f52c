/* notify.c --- ocf:tandem:pgsql notifications: the election's pre-promote, PgBouncer, standbys leaving */
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
#include <sys/file.h>
#include <sys/resource.h>
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
#include "instance.h"

/* The lock post-promote's detached child holds while it deletes the last
 * election's value (state "election.lock"): a pre-promote that came
 * sooner would see its own value deleted after it.  Returns the open fd
 * (closed by the caller: that unlocks), or -1.  wait_ms 0: held by this
 * process only from the start (the child inherits it). */
static int
election_lock(int64_t wait_ms)
{
	char path[512];
	int fd;
	tandem_deadline until = tandem_deadline_in(wait_ms);

	state_path(path, sizeof(path), "election.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0)
		if (errno != EWOULDBLOCK || !tandem_deadline_sleep(until, 10)) {
			if (wait_ms > 0)
				tandem_log(LOG_WARNING, "the last election's value is still being cleared: "
					   "publishing anyway");
			break;
		}
	return fd;
}

/* Every running instance says how much WAL it holds, and on which
 * timeline (PAF's pre-promote, on the true end of WAL), or withdraws an
 * earlier election's value when it cannot tell: promote takes what attrd
 * holds once its barrier is back as this election's (pgsql.h); and what
 * promote must wait for. */
static void
pre_promote(struct pg *pg, const struct tandem_ocf_notify *n)
{
	char value[PG_ELECTION_VALUE_MAX], expected[2048], now[32];
	int64_t t = time(NULL);

	pg_election_expected(n, expected, sizeof(expected));
	write_state("candidates", expected);
	{
		/* A switchover's old primary: never preferred on a tie. */
		char demoted[2048] = "";
		size_t used = 0;

		for (size_t i = 0; i < n->demote.n && used < sizeof(demoted); i++)
			used += (size_t)snprintf(demoted + used, sizeof(demoted) - used, "%.63s\n", n->demote.names[i]);
		write_state("demoted", used < sizeof(demoted) ? demoted : "");
	}
	snprintf(now, sizeof(now), "%lld", (long long)t);
	write_state("pre-promote", now);
	(void)observe(pg);
	{
		char why[256];
		struct pg_candidate self;
		int lock = election_lock(2000);

		if (pg->seen.answered) {
			/* The timeline travels with the LSN, in one value, read at once. */
			replay_settle(pg, 1000);
			election_self(pg, &self);
			pg_election_format(&self, t, value, sizeof(value));
			if (tandem_attr_send(PG_ATTR_LSN, value, true, pg->ctx->deadline, why, sizeof(why)) != 0)
				tandem_log(LOG_WARNING, "could not publish this node's LSN: %s", why);
			else
				tandem_log(LOG_INFO, "pre-promote: this node holds WAL up to %s", value);
		} else if (tandem_attr_delete(PG_ATTR_LSN, true, pg->ctx->deadline, why, sizeof(why)) != 0) {
			/* A busy server's LSN is unknown: no value, rather than an old one. */
			tandem_log(LOG_WARNING, "could not withdraw this node's earlier LSN: %s", why);
		}
		if (lock >= 0)
			close(lock);
	}
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
	/* Pacemaker waits for the notification, not for this. */
	pid = tandem_fork_detached();
	if (pid != 0) {
		if (pid < 0)
			tandem_log(LOG_WARNING, "could not fork to wait for the new primary: resuming PgBouncer now");
		else
			return;
	} else {
		pg->ctx->deadline = tandem_deadline_in(until - wall_ms() > 0 ? until - wall_ms() : 0);
		while (!(answered = remote_is_primary(pg, &tli, NULL) == 1) && tandem_deadline_sleep(pg->ctx->deadline, 100))
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

	/* Only the primary acts, and Pacemaker's list says which node it is:
	 * every other node is spared a session with its server (two rounds,
	 * pre and post, on every node of a failover's path). */
	if (n->stop.n == 0 || !tandem_uname_list_has(&n->promoted, pg->node) || observe(pg) != PG_ROLE_PRIMARY)
		return;
	for (size_t i = 0; i < n->stop.n; i++) {
		const char *name = n->stop.names[i];
		char stmt[256], *q;
		PGresult *r;
		size_t k = 0;

		if (strcmp(name, pg->node) == 0)
			continue;
		/* Its stop deletes its score and its start may set one: what
		 * this node cached of it is no longer what is there. */
		tandem_promotion_forget(name);
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

/* This election is over: its values are cleared (a node that cannot
 * publish in the next withdraws its own too; pre_promote).  From a
 * detached child: Pacemaker starts the VIP only once every node's
 * post-promote has ended, and a spawn is most of one. */
static void
forget_election(struct pg *pg)
{
	char why[256];
	/* Taken before the fork, so no pre-promote slips in before the
	 * child holds it; the child's copy of the fd keeps it until it ends. */
	int lock = election_lock(0);
	pid_t pid = tandem_fork_detached();

	if (pid > 0) {
		if (lock >= 0)
			close(lock);
		return;
	}
	/* Every node's child runs while the scheduler and the VIP's start
	 * follow: on shared cores it yields to them (nice 19, inherited by
	 * its attrd_updater). */
	if (pid == 0)
		(void)setpriority(PRIO_PROCESS, 0, 19);
	if (tandem_attr_delete(PG_ATTR_LSN, true, pg->ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_WARNING, "could not clear this election's LSN: %s", why);
	if (lock >= 0)
		close(lock);
	if (pid == 0)
		_exit(0);
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
	 * wal_retrieve_retry_interval, 5 s by default).  Only the node
	 * Pacemaker lists as promoted connects to ask (a restart in place
	 * after a kill -9 runs this round on every node). */
	if (strcmp(n.type, "pre") == 0 && strcmp(n.operation, "start") == 0
	    && tandem_uname_list_has(&n.promoted, pg.node) && observe(&pg) == PG_ROLE_PRIMARY)
		primary_duties(&pg, false);
	if (strcmp(n.type, "post") == 0 && strcmp(n.operation, "promote") == 0)
		pgbouncer_resume(&pg);
	if (strcmp(n.type, "post") == 0 && strcmp(n.operation, "promote") == 0)
		forget_election(&pg);
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
