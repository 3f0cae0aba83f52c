/* promote.c --- ocf:tandem:pgsql promote: the election and the promotion */
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
#include "instance.h"

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

/* Writes a mark of this promote's own (PG_ATTR_BARRIER) and waits (up
 * to 2 s, or half the time left) until this node's attrd shows it: every
 * value published before it, each node's pre-promote among them, is then
 * here too (attrd applies updates in Corosync's one order; pgsql.h).  No
 * clock is compared: nodes' clocks may disagree. */
static void
election_barrier(struct pg *pg)
{
	char mark[64], why[256], *seen = NULL;
	struct timespec ts;
	int64_t half = tandem_deadline_left(pg->ctx->deadline) / 2;
	tandem_deadline wait = tandem_deadline_cap(pg->ctx->deadline, half < 2000 ? half : 2000);
	bool here = false;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(mark, sizeof(mark), "%ld.%lld.%09ld", (long)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
	if (tandem_attr_send(PG_ATTR_BARRIER, mark, true, pg->ctx->deadline, why, sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not write the election's barrier: %s", why);
		return;
	}
	while (!here) {
		if (tandem_attr_get(PG_ATTR_BARRIER, NULL, &seen, pg->ctx->deadline, why, sizeof(why)) != 0)
			tandem_log(LOG_WARNING, "could not read the election's barrier: %s", why);
		here = seen != NULL && strcmp(seen, mark) == 0;
		free(seen);
		seen = NULL;
		if (!here && !tandem_deadline_sleep(wait, 20)) {
			tandem_log(LOG_WARNING, "the election's barrier did not come back in time: reading the "
				   "candidates anyway");
			return;
		}
	}
}

/* This election's candidates, this node left out, read once the barrier
 * is back.  A candidate whose value is not here yet is waited for (up to
 * 5 s, or half the time left: an update the attribute daemon had to queue
 * comes later).  Returns how many are still missing (*missing names one);
 * the caller must not elect without them. */
static size_t
candidates(struct pg *pg, struct pg_candidate *out, size_t max, size_t *n_out, char ***nodes,
	   char ***values, size_t *n, const char **missing)
{
	static char expected[32][64], asked[32][64];
	char why[256];
	size_t n_asked = 0;
	size_t n_expected = expected_candidates(expected, 32), absent;
	int64_t half;
	tandem_deadline wait;

	election_barrier(pg);
	half = tandem_deadline_left(pg->ctx->deadline) / 2;
	wait = tandem_deadline_cap(pg->ctx->deadline, half < 5000 ? half : 5000);
	for (;;) {
		if (tandem_attr_get_all(PG_ATTR_LSN, nodes, values, n, pg->ctx->deadline, why, sizeof(why)) != 0) {
			tandem_log(LOG_WARNING, "could not read the candidates' LSNs: %s", why);
			*n = 0;
		}
		absent = pg_election_gather(pg->node, *nodes, *values, *n, (const char (*)[64])expected,
					    n_expected, out, max, n_out, missing);
		/* A candidate whose node is in maintenance never publishes (no
		 * notification reaches it): asked at once, not waited for; the
		 * election goes on without it, and the commit record says
		 * whether it may (its primary took it out of the synchronous
		 * set; if the record still names it, the election is refused
		 * as for any node away).  Each node asked once. */
		while (absent > 0 && !in_names(asked, n_asked, *missing) && n_asked < 32) {
			char gone[64];
			size_t k = 0;

			snprintf(gone, sizeof(gone), "%s", *missing);
			snprintf(asked[n_asked++], sizeof(asked[0]), "%s", gone);
			if (node_in_maintenance(pg, gone) != 1)
				break;
			tandem_log(LOG_WARNING, "%s is in maintenance: this election goes on without it", gone);
			for (size_t e = 0; e < n_expected; e++)
				if (strcmp(expected[e], gone) != 0)
					memmove(expected[k++], expected[e], sizeof(expected[0]));
			n_expected = k;
			absent = pg_election_gather(pg->node, *nodes, *values, *n, (const char (*)[64])expected,
						    n_expected, out, max, n_out, missing);
		}
		if (absent == 0 || !tandem_deadline_sleep(wait, 100))
			break;
		free_pairs(*nodes, *values, *n);
	}
	for (size_t i = 0; i < *n; i++)
		tandem_log(absent > 0 ? LOG_WARNING : LOG_DEBUG, "election: %s published \"%s\"",
			   (*nodes)[i], (*values)[i]);
	return absent;
}

/* What promote reads besides the candidates' LSNs: the lost primary's
 * LSN as it published it (the highest value of PG_ATTR_PRIMARY_LSN, 0
 * when none) and the commit record (record_rc as read_commit_record
 * returns it; why when it failed).  Read by a child while promote waits
 * for the candidates: two Pacemaker tools' starts off the failover's path. */
struct beside_reading {
	uint64_t published;
	int record_rc;
	struct pg_commit_record record;
	char why[300];
};

static void
read_beside(struct pg *pg, struct beside_reading *b)
{
	char **nodes, **values, why[256];
	uint64_t lsn;
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	if (tandem_attr_get_all(PG_ATTR_PRIMARY_LSN, &nodes, &values, &n, pg->ctx->deadline, why,
				sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not read %s: %s", PG_ATTR_PRIMARY_LSN, why);
	} else {
		for (size_t i = 0; i < n; i++)
			if (tandem_lsn_parse(values[i], &lsn) && lsn > b->published)
				b->published = lsn;
		free_pairs(nodes, values, n);
	}
	if (pg->mode != PG_SYNC_OFF)
		b->record_rc = read_commit_record(pg, &b->record, b->why, sizeof(b->why));
}

/* The child's side: "<published, hex> <record_rc> <record or why>". */
static void
beside_child(void *arg, char *out, size_t len)
{
	struct beside_reading b;
	char rec[1400] = "";

	read_beside(arg, &b);
	if (b.record_rc == 1)
		pg_commit_record_format(&b.record, rec, sizeof(rec));
	snprintf(out, len, "%" PRIx64 " %d %s", b.published, b.record_rc,
		 b.record_rc == 1 ? rec : b.record_rc < 0 ? b.why : "");
}

static bool
beside_parse(const char *text, struct beside_reading *b)
{
	int used = 0;

	memset(b, 0, sizeof(*b));
	if (sscanf(text, "%" SCNx64 " %d %n", &b->published, &b->record_rc, &used) != 2 || used == 0
	    || b->record_rc < -1 || b->record_rc > 1)
		return false;
	if (b->record_rc == 1)
		return pg_commit_record_parse(text + used, &b->record);
	snprintf(b->why, sizeof(b->why), "%s", text + used);
	return true;
}

/* A child's side: this node's score as the primary's; out says why not. */
static void
score_child(void *arg, char *out, size_t len)
{
	struct pg *pg = arg;

	if (tandem_promotion_set(PG_SCORE_PRIMARY, pg->ctx->deadline, out, len) == 0)
		out[0] = '\0';
	else if (out[0] == '\0')
		snprintf(out, len, "failed");
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

/* A standby's pg_wal may hold segments of older timelines that nothing
 * marked: the one a crashed primary was writing (complete only once
 * full, so never .ready), a standby's copy of a timeline's last segment,
 * the copies pg_rewind makes.  In recovery PostgreSQL leaves them be; once
 * promoted, the first checkpoint that removes one marks it .ready
 * (xlog.c, XLogArchiveCheckDone) and archive_command sends this node's
 * copy.  The archive already holds that name, written by the timeline's
 * primary or the node promoted from it, with other bytes after the switch
 * point: a safe archive_command refuses it (pgBackRest: "already exists
 * in the archive with a different checksum"), for ever, and every later
 * segment waits behind it, piles up in pg_wal and is never archived.  They
 * are marked archived first, as a walreceiver marks each segment it
 * receives: this node owes the archive nothing of a timeline it did not
 * write to the end (.ready files, what it wrote as that timeline's
 * primary and did not archive, are left to the archiver). */
static void
mark_older_archived(struct pg *pg, uint32_t tli)
{
	char first[32];
	int n;

	if (tli <= 1)
		return;
	n = tandem_pgdata_mark_older_archived(pg->datadir, pg->uid, pg->gid, tli, first, sizeof(first));
	if (n < 0)
		tandem_log(LOG_WARNING, "could not mark older timelines' WAL archived: %s", strerror(errno));
	else if (n > 0)
		tandem_log(LOG_INFO, "marked %d segment(s) of older timelines archived (%s%s): copies the archive"
			   " holds from their own primary", n, first, n > 1 ? ", ..." : "");
}

/* pg_rewind (before PostgreSQL 16) reads the new timeline from the
 * source's pg_control, which only a checkpoint writes: until then a former
 * primary looks undiverged (the pg_rewind docs' caveat for a recently
 * promoted source).  The promotion's own checkpoint is spread
 * (checkpoint_completion_target) and an immediate one writes every dirty
 * buffer first: seconds on a busy primary, and the VIP waits for promote.
 * So a detached child asks for it, on its own connection, within what is
 * left of promote's timeout; rejoin_if_diverged waits for it on the node
 * that needs it. */
static void
checkpoint_detached(struct pg *pg)
{
	struct pg cp;
	struct timespec t0, t1;
	PGresult *r;
	pid_t pid = tandem_fork_detached();

	if (pid > 0)
		return;
	if (pid < 0) {
		/* No child: asked here, as before, within half the time left. */
		tandem_deadline full = pg->ctx->deadline;

		tandem_log(LOG_WARNING, "could not fork for the checkpoint after promotion (%s): asking for it now",
			   strerror(errno));
		pg->ctx->deadline = tandem_deadline_cap(full, tandem_deadline_left(full) / 2);
		r = sql(pg, "CHECKPOINT");
		pg->ctx->deadline = full;
		if (r == NULL)
			tandem_log(LOG_WARNING, "checkpoint after promotion did not finish: %s", pg->why);
		PQclear(r);
		if (pg->conn == NULL && !local_connect(pg, full))
			tandem_log(LOG_WARNING, "could not reconnect: %s", pg->why);
		return;
	}
	/* The parent's session is not this child's to use or end. */
	cp = *pg;
	cp.conn = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = local_connect(&cp, cp.ctx->deadline) ? sql(&cp, "CHECKPOINT") : NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r == NULL)
		tandem_log(LOG_WARNING, "checkpoint after promotion did not finish: %s", cp.why);
	else
		tandem_log(LOG_INFO, "checkpoint after promotion done in %lld ms",
			   (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	PQclear(r);
	if (cp.conn != NULL)
		PQfinish(cp.conn);
	_exit(0);
}

int
pg_promote(struct tandem_ctx *ctx)
{
	struct pg_candidate others[32], me;
	char **nodes = NULL, **values = NULL, secs[48], a[18], b[18], record[256], reason[600];
	const char *missing = NULL;
	const struct pg_candidate *better = NULL;
	const struct pg_commit_record *rec_in_force = NULL;
	enum pg_promote_verdict verdict;
	uint64_t self, primary_lsn;
	size_t n_pairs = 0, n = 0, absent;
	struct tandem_beside bs, sc;
	struct beside_reading br;
	bool beside, scoring;
	int rc;
	enum pg_role role;
	struct pg pg;
	int64_t since;

	pg_init(&pg, ctx);
	/* While this node was a standby, other nodes set every score (its own
	 * among them): what it set itself, when last primary, is no guide.
	 * A skipped write of its own 1001 left it below the old primary's,
	 * and a switchover's pcs then saw the move undone without its
	 * constraint, and kept the constraint. */
	tandem_promotion_forget_all();
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
	replay_settle(&pg, 1000);
	election_self(&pg, &me);
	self = me.lsn;
	beside = tandem_beside_start(&bs, beside_child, &pg) == 0;
	absent = candidates(&pg, others, 32, &n, &nodes, &values, &n_pairs, &missing);
	if (beside) {
		char text[2048];

		if (tandem_beside_collect(&bs, pg.ctx->deadline, text, sizeof(text)) != 0) {
			tandem_log(LOG_WARNING, "the reading beside the election failed (%s): read again",
				   strerror(errno));
			beside = false;
		} else if (!beside_parse(text, &br)) {
			tandem_log(LOG_WARNING, "the reading beside the election is not understood (\"%.200s\"): "
				   "read again", text);
			beside = false;
		}
	}
	{
		char demoted[32][64];
		size_t n_demoted = read_names("demoted", demoted, 32);

		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < n_demoted; k++)
				if (strcmp(others[i].name, demoted[k]) == 0)
					others[i].demoted = true;
	}
	if (absent > 0) {
		/* As PAF: never elect without every candidate's LSN, it may
		 * hold more WAL; a new transition brings a new pre-promote. */
		tandem_ocf_exit_reason("%s published no LSN for this election in time: not promoting without it",
				       missing);
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (!beside)
		read_beside(&pg, &br);
	if (pg.mode != PG_SYNC_OFF && br.record_rc < 0) {
		snprintf(reason, sizeof(reason), "the commit record cannot be read: %s", br.why);
		refuse_promotion(&pg, reason, true);
		tandem_ocf_exit_reason("not promoting: %s", reason);
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	/* sync_mode=off: asynchronous by choice, no record (any standby may
	 * be promoted, as with PAF); none written yet: nothing to meet. */
	if (pg.mode != PG_SYNC_OFF && br.record_rc == 1)
		rec_in_force = &br.record;
	/* One decision (issue 28): the winner by timeline, then LSN, and
	 * whether that winner holds every acknowledged commit. */
	verdict = pg_elect(&me, others, n, rec_in_force, br.published, tandem_param_int(pg.p, PG_MAXLAG),
			   &better, &primary_lsn, reason, sizeof(reason));
	if (verdict == PG_PROMOTE_UNKNOWN) {
		/* As a missing value: a new transition brings a new pre-promote. */
		tandem_ocf_exit_reason("not promoting: %s", reason);
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (verdict == PG_PROMOTE_REFUSED) {
		refuse_promotion(&pg, reason, true);
		tandem_ocf_exit_reason("not promoting: %s", reason);
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (verdict == PG_PROMOTE_BEHIND) {
		/* As PAF: make the better node the choice, and fail on purpose
		 * so Pacemaker computes a new transition. */
		set_score(&pg, better->name, PG_SCORE_BEST);
		/* A tie lost on replay only: second choice, not forbidden (if
		 * the level node cannot be promoted, this one still may). */
		set_score(&pg, NULL, better->tli == me.tli && better->lsn == self ? PG_SCORE_BEST - 1
										  : PG_SCORE_FORBIDDEN);
		if (better->tli == me.tli && better->lsn == self)
			tandem_ocf_exit_reason("%s holds as much WAL as this node (%s) and has replayed it all, "
					       "this node only to %s: it must be promoted instead", better->name,
					       tandem_lsn_str(self, a), tandem_lsn_str(me.replayed, b));
		else if (better->tli == me.tli)
			tandem_ocf_exit_reason("%s holds more WAL than this node (%s): it must be promoted instead",
					       better->name, tandem_lsn_str(self, a));
		else
			tandem_ocf_exit_reason("%s is on a newer timeline (%" PRIu32 ") than this node (%" PRIu32
					       ", %s): it must be promoted instead", better->name, better->tli, me.tli,
					       tandem_lsn_str(self, a));
		free_pairs(nodes, values, n_pairs);
		pg_close(&pg);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (verdict == PG_PROMOTE_OK && pg.mode != PG_SYNC_OFF) {
		/* The record now names this node alone before the promotion,
		 * since nothing acknowledges a commit of the new primary's but
		 * itself until its standbys stream again. */
		char why[256];
		struct pg_commit_record rec = { .n_sync = 0 };

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
	/* The new primary's own score, set by a child while PostgreSQL
	 * promotes (each takes tens of ms, and the VIP waits for both);
	 * primary_duties finds it cached, or sets it if the child could not.
	 * Set once this node is chosen: if the promotion then fails, it is
	 * the node Pacemaker tries again either way. */
	mark_older_archived(&pg, me.tli);
	scoring = tandem_beside_start(&sc, score_child, &pg) == 0;
	rc = promote_server(&pg);
	if (scoring) {
		char text[300] = "";

		if (tandem_beside_collect(&sc, pg.ctx->deadline, text, sizeof(text)) != 0 || text[0] != '\0')
			tandem_log(LOG_WARNING, "could not set this node's promotion score beside the promotion: %s",
				   text[0] != '\0' ? text : strerror(errno));
	}
	if (rc != 0) {
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
	checkpoint_detached(&pg);
	{
		const char *keep[] = { "max_slot_wal_keep_size", tandem_param_str(pg.p, PG_SLOT_WAL_KEEP) };

		if (!alter_system(&pg, keep, 2))
			tandem_log(LOG_WARNING, "could not set max_slot_wal_keep_size: %s", pg.why);
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
	snprintf(secs, sizeof(secs), "%lld", (long long)time(NULL));
	write_state("promoted-at", secs);
	primary_duties(&pg, true);
	clear_refusal(&pg);
	pg_close(&pg);
	return TANDEM_OCF_SUCCESS;
}
