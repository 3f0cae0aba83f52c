/* monitor.c --- ocf:tandem:pgsql monitor: the primary's and the standby's duties */
#include "config.h"

#include <ctype.h>
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

/* A standby silent and behind at the same flush LSN as the last reading
 * is stalled (pg_standby_silent says why two readings): state
 * "silent-<node>" holds that LSN. */
static void
mark_stalled(struct pg *pg)
{
	for (size_t i = 0; i < pg->facts.n_standbys; i++) {
		struct pg_standby *sb = &pg->facts.standbys[i];
		char what[80], seen[24] = "", lsn[18];

		snprintf(what, sizeof(what), "silent-%s", sb->name);
		if (!pg_standby_silent(&pg->facts, sb)) {
			if (read_state(what, seen, sizeof(seen)) && seen[0] != '\0')
				write_state(what, "");
			continue;
		}
		tandem_lsn_str(sb->flush, lsn);
		sb->stalled = read_state(what, seen, sizeof(seen)) && strcmp(seen, lsn) == 0;
		if (!sb->stalled)
			write_state(what, lsn);
	}
}

/* Whether name is a word of list (names separated by blanks). */
static bool
listed_in(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

/* The standbys whose nodes publish a non-empty attr (a why), as a
 * space-separated list into out; was: the last list, kept for a node
 * when the attribute cannot be read, and compared to say a change once
 * (said: "%s <said>" / "%s <unsaid>"). */
static void
flagged(struct pg *pg, const char *attr, const char *was, char *out, size_t len, const char *said,
	const char *unsaid)
{
	const struct pg_facts *f = &pg->facts;
	char **nodes = NULL, **values = NULL, why[256];
	size_t n_all = 0, used = 0;
	bool all = tandem_attr_get_all(attr, &nodes, &values, &n_all, pg->ctx->deadline, why, sizeof(why)) == 0;

	if (!all)
		tandem_log(LOG_WARNING, "could not read %s: %s", attr, why);
	out[0] = '\0';
	for (size_t i = 0; i < f->n_standbys; i++) {
		const char *name = f->standbys[i].name;
		bool now = all ? false : listed_in(was, name);

		for (size_t k = 0; all && k < n_all; k++)
			now = now || (strcmp(nodes[k], name) == 0 && values[k][0] != '\0');
		if (now != listed_in(was, name))
			tandem_log(LOG_NOTICE, "%s %s", name, now ? said : unsaid);
		if (now && used + strlen(name) + 2 < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", name);
	}
	if (all)
		free_pairs(nodes, values, n_all);
}

/* What the primary must know of each standby that no reply of its shows,
 * looked at every PG_MAINTENANCE_LOOK_S when look is set (a spawn per
 * standby, and one per attribute for all) and kept in state "standbys" as
 * four lines: the time, those whose nodes are in maintenance (pcs node
 * maintenance: no monitor runs there and no notification reaches them, so
 * no election can count on them), those that may never be promoted
 * (PG_ATTR_NEVER, which each standby publishes), those never synchronous
 * (PG_ATTR_NO_SYNC, likewise).  None of them is a synchronous voter (the
 * commit record follows); the first two are not promotable.  A reading
 * that fails keeps the last; an old list (this node last primary long
 * ago) says nothing. */
static void
look_standbys(struct pg *pg, bool look)
{
	char state[3300] = "", maint[1024] = "", never[1024] = "", nosync[1024] = "", *line, *save = NULL;
	struct pg_facts *f = &pg->facts;
	long long at = 0, now = (long long)time(NULL);

	{
		/* Four lines: read_state reads one. */
		char path[512];
		FILE *in;

		state_path(path, sizeof(path), "standbys");
		in = fopen(path, "r");
		if (in != NULL) {
			state[fread(state, 1, sizeof(state) - 1, in)] = '\0';
			fclose(in);
		}
	}
	line = strtok_r(state, "\n", &save);
	at = line != NULL ? atoll(line) : 0;
	if (at > 0 && now >= at && now - at < 3 * PG_MAINTENANCE_LOOK_S) {
		char *lists[] = { maint, never, nosync };

		for (size_t i = 0; i < 3; i++) {
			line = strtok_r(NULL, "\n", &save);
			snprintf(lists[i], 1024, "%s", line != NULL && strcmp(line, "-") != 0 ? line : "");
		}
	}
	if (look && (at <= 0 || now < at || now - at >= PG_MAINTENANCE_LOOK_S)) {
		char m[1024] = "", text[3300];
		size_t um = 0;

		for (size_t i = 0; i < f->n_standbys; i++) {
			const char *name = f->standbys[i].name;
			int on = node_in_maintenance(pg, name);
			bool was = listed_in(maint, name);

			if (on < 0)
				on = was;
			if (on != was)
				tandem_log(LOG_NOTICE, on ? "%s is in maintenance: out of the synchronous set and of "
						       "elections until it is out of it" : "%s is out of maintenance", name);
			if (on && um + strlen(name) + 2 < sizeof(m))
				um += (size_t)snprintf(m + um, sizeof(m) - um, "%s%s", um ? " " : "", name);
		}
		snprintf(maint, sizeof(maint), "%s", m);
		flagged(pg, PG_ATTR_NEVER, never, m, sizeof(m), "may never be promoted: out of the synchronous set",
			"may be promoted again");
		snprintf(never, sizeof(never), "%s", m);
		flagged(pg, PG_ATTR_NO_SYNC, nosync, m, sizeof(m), "is never synchronous (its role): out of the "
			"synchronous set", "may be synchronous again");
		snprintf(nosync, sizeof(nosync), "%s", m);
		snprintf(text, sizeof(text), "%lld\n%s\n%s\n%s\n", now, maint[0] ? maint : "-", never[0] ? never : "-",
			 nosync[0] ? nosync : "-");
		write_state("standbys", text);
	}
	for (size_t i = 0; i < f->n_standbys; i++) {
		f->standbys[i].maintenance = listed_in(maint, f->standbys[i].name);
		f->standbys[i].never = listed_in(never, f->standbys[i].name);
		f->standbys[i].no_vote = listed_in(nosync, f->standbys[i].name);
	}
}

/* Whether node may be promoted, said once when it changes (state
 * "unfit-<node>"): the line an admin finds when a switchover to it is
 * refused (its score is -INFINITY: PG_SCORE_FORBIDDEN). */
static void
say_fitness(const char *node, const char *unfit)
{
	char what[80], was[128] = "";

	snprintf(what, sizeof(what), "unfit-%s", node);
	(void)read_state(what, was, sizeof(was));
	if (strcmp(was, unfit != NULL ? unfit : "") == 0)
		return;
	write_state(what, unfit != NULL ? unfit : "");
	if (unfit != NULL)
		tandem_log(LOG_NOTICE, "%s may not be promoted, nor a switchover go to it: %s", node, unfit);
	else if (was[0] != '\0')
		tandem_log(LOG_NOTICE, "%s may be promoted again (was: %s)", node, was);
}

/* Whether this node was promoted less than PG_SETTLE_S ago (state
 * "promoted-at", written by promote). */
static bool
settling(void)
{
	char buf[32];
	int64_t at = read_state("promoted-at", buf, sizeof(buf)) ? atoll(buf) : 0;
	int64_t now = time(NULL);

	return at > 0 && now >= at && now - at < PG_SETTLE_S;
}

/* A .partial segment the archive refuses (pg_archive_may_skip says when
 * that is harmless) is marked archived, so the WAL after it reaches the
 * archive again; said once, as it happens. */
static void
skip_refused_partial(struct pg *pg)
{
	const char *stuck = pg->facts.archive_stuck;
	uint32_t tli;

	if (!pg_archive_may_skip(stuck, pg->facts.timeline, &tli))
		return;
	if (tandem_pgdata_mark_archived(pg->datadir, pg->uid, stuck) != 0) {
		if (errno != ENOENT)
			tandem_log(LOG_WARNING, "could not mark %s archived: %s", stuck, strerror(errno));
		return;
	}
	tandem_log(LOG_WARNING, "archive_command failed on %s, the end of timeline %" PRIu32
		   " as this node left it, and archived nothing since (the archive most likely holds"
		   " another node's copy, promoted from the same timeline): marked archived, as PostgreSQL"
		   " never restores a .partial file and timeline %" PRIu32 " begins with the same WAL",
		   stuck, tli, pg->facts.timeline);
}

/* The checkpoints begun so far (pg_stat_checkpointer from 17, before it
 * pg_stat_bgwriter), as an SQL expression. */
static const char *
checkpoints_sql(struct pg *pg)
{
	return PQserverVersion(pg->conn) >= 170000
		       ? "(SELECT num_timed + num_requested FROM pg_stat_checkpointer)"
		       : "(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)";
}

/* What the commit record keeps of a synchronous set changed before the
 * members in force caught up (pg_narrow_step): the members it left, as
 * the plain list in state "narrow-from" (old, "" when none), and the k it
 * still claims when k grew, in "narrow-k" (*pending_k, -1 when none); the
 * mark in "narrow-mark".  One step per monitor. */
static void
narrowing(struct pg *pg, const char *names, char *old, size_t len, int *pending_k)
{
	char mark_s[32] = "", k_s[16] = "";
	uint64_t mark = 0;

	*pending_k = -1;
	if (read_state("narrow-k", k_s, sizeof(k_s)) && isdigit((unsigned char)k_s[0]))
		*pending_k = atoi(k_s);
	if (!read_state("narrow-from", old, len))
		old[0] = '\0';
	old[strcspn(old, "\n")] = '\0';
	if (old[0] == '\0' && *pending_k < 0)
		return;
	if (read_state("narrow-mark", mark_s, sizeof(mark_s)) && !tandem_lsn_parse(mark_s, &mark))
		mark = 0;
	switch (pg_narrow_step(&pg->facts, names, old, *pending_k, mark)) {
	case PG_NARROW_MARK: {
		/* Read now, after the leavers were seen asynchronous (the
		 * monitor's query read the WAL end before them), and only
		 * while the checkpointer waits in its main loop or between the
		 * writes of a spread checkpoint: a set that grew from none
		 * holds commits back only once the checkpointer has reloaded
		 * (sync_standbys_defined), which it does not inside an
		 * immediate checkpoint (promote asks for one). */
		char ckpt_s[32] = "", query[512];
		long long ckpt_then = -1;
		PGresult *r;

		if (read_state("narrow-checkpoints", ckpt_s, sizeof(ckpt_s)) && isdigit((unsigned char)ckpt_s[0]))
			ckpt_then = atoll(ckpt_s);
		/* Or two checkpoints begun since the apply (each begins after
		 * the checkpointer's reload): where the wait event says nothing
		 * (PostgreSQL 13 naps unreported, or track_activities off) or
		 * checkpoints run back to back. */
		if (ckpt_then >= 0)
			snprintf(ckpt_s, sizeof(ckpt_s), "%lld", ckpt_then + 2);
		snprintf(query, sizeof(query), "SELECT pg_current_wal_lsn(), (SELECT count(*) FROM pg_stat_activity WHERE "
			 "backend_type = 'checkpointer' AND wait_event IN ('CheckpointerMain', 'CheckpointWriteDelay')) "
			 "+ (%s >= %s)::int", checkpoints_sql(pg), ckpt_then >= 0 ? ckpt_s : "9223372036854775807");
		r = sql(pg, query);
		if (r != NULL && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1), "0") != 0
		    && tandem_lsn_parse(PQgetvalue(r, 0, 0), &mark) && mark != 0)
			write_state("narrow-mark", tandem_lsn_str(mark, mark_s));
		else if (r == NULL)
			tandem_log(LOG_WARNING, "could not read the mark the commit record waits for: %s", pg->why);
		PQclear(r);
		break;
	}
	case PG_NARROW_DONE:
		if (names[0] != '\0')
			tandem_log(LOG_INFO, "the synchronous set in force ('%s') holds every acknowledged commit %d "
				   "times%s%s%s: the commit record says so", names, pg_sync_num(names),
				   old[0] != '\0' ? " (without '" : "", old, old[0] != '\0' ? "', which left it)" : "");
		write_state("narrow-from", "");
		write_state("narrow-k", "");
		write_state("narrow-mark", "");
		old[0] = '\0';
		*pending_k = -1;
		break;
	case PG_NARROW_WAIT:
		break;
	}
}

/* A change of the synchronous set from was to names (non-empty), before
 * it is applied: the members that leave join those still pending in
 * "narrow-from" (a member that stays is harmless there: it is no leaver);
 * a k that grows (from none: 0) keeps the lowest pending in "narrow-k";
 * the mark starts again when a leaver is new or k grows (a mark read
 * under the lower k says nothing of the commits after it).  False when
 * that could not be noted: the change is not to be applied. */
static bool
narrow_begin(const char *was, const char *names)
{
	char pending[1100] = "", m[3 * PG_MAX_STANDBYS][64], now[PG_MAX_STANDBYS][64], list[1100] = "";
	char before[2 * PG_MAX_STANDBYS][64], k_s[16] = "";
	size_t n = 0, n_now = pg_sync_members(names, now, PG_MAX_STANDBYS), used = 0, n_before;
	int k_was = pg_sync_num(was), k_pending = -1;
	bool fresh = false;

	if (read_state("narrow-k", k_s, sizeof(k_s)) && isdigit((unsigned char)k_s[0]))
		k_pending = atoi(k_s);
	if (pg_sync_num(names) > k_was) {
		if (k_pending < 0 || k_was < k_pending)
			k_pending = k_was;
		fresh = true;
	}
	if (read_state("narrow-from", pending, sizeof(pending)))
		pending[strcspn(pending, "\n")] = '\0';
	n_before = pg_sync_members(pending, before, 2 * PG_MAX_STANDBYS);
	n = pg_sync_members(was, m, PG_MAX_STANDBYS);
	for (size_t i = 0; i < n_before && n < sizeof(m) / sizeof(m[0]); i++)
		memcpy(m[n++], before[i], sizeof(m[0]));
	for (size_t i = 0; i < n; i++) {
		bool stays = false, dup = false, known = false;

		for (size_t k = 0; k < n_now; k++)
			stays = stays || strcmp(now[k], m[i]) == 0;
		for (size_t k = 0; k < i; k++)
			dup = dup || strcmp(m[k], m[i]) == 0;
		for (size_t k = 0; k < n_before; k++)
			known = known || strcmp(before[k], m[i]) == 0;
		if (dup || stays || strcmp(m[i], "*") == 0)
			continue;
		fresh = fresh || !known;
		used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0, "%s%s",
					 used ? "," : "", m[i]);
	}
	if (used >= sizeof(list)) {
		tandem_log(LOG_ERR, "the standbys leaving the synchronous set do not fit in its state");
		return false;
	}
	/* The mark first: a pending list with an older mark would let a new
	 * leaver go on WAL read before it left. */
	if (fresh && !write_state("narrow-mark", ""))
		return false;
	if (k_pending >= 0) {
		snprintf(k_s, sizeof(k_s), "%d", k_pending);
		if (!write_state("narrow-k", k_s))
			return false;
	}
	return used == 0 || write_state("narrow-from", list);
}

/* The primary's duties on each monitor and at promotion: slots, scores,
 * synchronous names, the commit record. */
void
primary_duties(struct pg *pg, bool promoting)
{
	const struct pg_facts *f = &pg->facts;
	struct pg_score scores[PG_MAX_STANDBYS];
	char nodes[32][64], db[32][64], names[512], stmt[1024], narrow_old[1100];
	size_t n_db, n;
	size_t n_nodes = known_nodes(nodes, 32);
	bool degraded = false, names_change, weak = false;
	int pending_k;

	if (!pg->seen.answered)
		return;         /* no facts to act on (a busy server) */
	mark_stalled(pg);
	/* Not looked at while promoting: spawns on the failover's path. */
	look_standbys(pg, !promoting);
	n = pg_rank_standbys(f, pg->mode, tandem_param_int(pg->p, PG_MAXLAG), scores, PG_MAX_STANDBYS);
	set_score(pg, NULL, PG_SCORE_PRIMARY);
	/* What is only on display waits for the first monitor (a second
	 * later) when promoting: each is a spawn, and the VIP waits for promote. */
	if (!promoting) {
		char tli[16], record[256], why[256];

		skip_refused_partial(pg);
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
	 * its data is as old as its last connection.  Not written by promote
	 * nor in the PG_SETTLE_S after it (none streams yet: one spawn and
	 * one transition abort per node, while the VIP is to start), where a
	 * commit record keeps them out of the election meanwhile: not with
	 * sync_mode=off, which has none. */
	bool defer = pg->mode != PG_SYNC_OFF && (promoting || settling());

	for (size_t k = 0; k < n_nodes; k++) {
		bool streaming = strcmp(nodes[k], pg->node) == 0;

		for (size_t i = 0; i < n && !streaming; i++)
			streaming = strcmp(scores[i].name, nodes[k]) == 0;
		if (streaming)
			continue;
		if (defer) {
			/* Its own monitor sets its score meanwhile: the rank
			 * this node set before is sent again once it streams. */
			tandem_promotion_forget(nodes[k]);
			continue;
		}
		set_score(pg, nodes[k], PG_SCORE_FORBIDDEN);
		say_fitness(nodes[k], "not connected to this primary");
	}
	for (size_t i = 0; i < n; i++)
		say_fitness(scores[i].name, scores[i].unfit != PG_FIT ? pg_unfit_str(scores[i].unfit) : NULL);
	pg_sync_names(f, pg->mode, (int)tandem_param_int(pg->p, PG_SYNC_COUNT), f->sync_names, names, sizeof(names),
		      &degraded);
	names_change = strcmp(names, f->sync_names) != 0;
	/* A new primary's set begins with it; before, one step. */
	/* A new primary's set in force (its postgresql.auto.conf's, stale)
	 * has acknowledged nothing yet: as a set grown from none. */
	if (promoting) {
		PGresult *c = sql(pg, checkpoints_sql(pg));

		if (!(write_state("narrow-from", "") && write_state("narrow-mark", "") && write_state("narrow-k", "0")
		      && write_state("narrow-checkpoints", c != NULL && PQntuples(c) == 1 ? PQgetvalue(c, 0, 0) : "")))
			weak = true;
		PQclear(c);
	}
	narrowing(pg, f->sync_names, narrow_old, sizeof(narrow_old), &pending_k);
	/* A logical consumer is never ahead of a node that may be promoted:
	 * the slots of both the set decided and the one in force, set before
	 * the commit record and the scores let a joining standby be
	 * promoted; one that leaves goes at the next monitor, after them. */
	if (logical_failover(pg)) {
		char slots[sizeof(f->standby_slots)];
		const char *set[] = { "synchronized_standby_slots", slots };

		if (!pg_standby_slots(f, pg->mode, names, f->sync_names, (const char (*)[64])nodes, n_nodes, slots,
				      sizeof(slots)))
			tandem_log(LOG_WARNING, "synchronized_standby_slots stays '%s': the slots to name do not fit",
				   f->standby_slots);
		else if (strcmp(slots, f->standby_slots) != 0 && !alter_system(pg, set, 2))
			tandem_log(LOG_ERR, "could not set synchronized_standby_slots: %s", pg->why);
		else if (strcmp(slots, f->standby_slots) != 0)
			tandem_log(LOG_INFO, "synchronized_standby_slots: '%s' (was '%s')", slots, f->standby_slots);
	}
	/* Scores fall before a standby leaves the synchronous set and rise
	 * after it joins, so Pacemaker never sees one promotable that lacks
	 * acknowledged commits. */
	for (size_t i = 0; i < n; i++)
		if (scores[i].score < 0 || !names_change)
			set_score(pg, scores[i].name, scores[i].score);
	/* The commit record changes before the synchronous set does when the
	 * set grows or empties (it must name every node a commit may be on, or
	 * the primary alone), and after when a standby only leaves it: until
	 * then it names both the old and the new set.  Before a change it is
	 * written whatever this node last wrote (a write the CIB lost would
	 * otherwise stand), and a record not written keeps the set as it is. */
	if (pg->mode != PG_SYNC_OFF) {
		struct pg_commit_record rec;
		char why[256];

		if (names_change && names[0] != '\0')
			record_of(pg, names, f->sync_names, &rec);
		else
			record_of(pg, names, NULL, &rec);
		/* Members that left and may still hold commits the set lacks. */
		if (names[0] != '\0')
			record_add(&rec, narrow_old);
		/* The copies every acknowledged commit has: the fewest of the
		 * set in force, the one decided and a k still pending (none:
		 * the set grew from nothing, the primary alone holds some). */
		rec.any = pg_sync_num(names);
		if (names_change && f->sync_names[0] != '\0' && pg_sync_num(f->sync_names) < rec.any)
			rec.any = pg_sync_num(f->sync_names);
		if (names_change && f->sync_names[0] == '\0')
			rec.any = 0;
		if (pending_k >= 0 && pending_k < rec.any)
			rec.any = pending_k;
		if (weak)
			rec.any = 0;    /* what it holds back is not noted: claim nothing */
		if (rec.any == 0)
			rec.n_sync = 0;
		if (!write_commit_record(pg, &rec, names_change, why, sizeof(why))) {
			tandem_log(LOG_ERR, "could not write the commit record: %s", why);
			if (names_change)
				tandem_log(LOG_WARNING, "synchronous_standby_names stays '%s' until the commit record is written",
					   f->sync_names);
			snprintf(names, sizeof(names), "%s", f->sync_names);
			names_change = false;
		}
	}
	if (names_change) {
		const char *set[] = { "synchronous_standby_names", names };
		bool applied;

		/* Before it applies: a shrink in force with no pending list
		 * would let the leavers go at the next monitor.  Only names
		 * are added; if the apply fails they are still in the set,
		 * no leavers, and pg_narrow_step lets them go. */
		if (pg->mode != PG_SYNC_OFF && names[0] != '\0' && !narrow_begin(f->sync_names, names)) {
			/* The record written above names both sets, at the
			 * lower k: still true with the old set in force. */
			tandem_log(LOG_WARNING, "synchronous_standby_names stays '%s': what the commit record must "
				   "keep could not be noted", f->sync_names);
		} else {
			PGresult *c = sql(pg, checkpoints_sql(pg));

			/* Before the apply: two more begun after it prove the
			 * checkpointer has reloaded (narrowing). */
			write_state("narrow-checkpoints", c != NULL && PQntuples(c) == 1 ? PQgetvalue(c, 0, 0) : "");
			PQclear(c);
			applied = alter_system(pg, set, 2);
			if (!applied)
				tandem_log(LOG_ERR, "could not set synchronous_standby_names: %s", pg->why);
			else
				tandem_log(LOG_INFO, "synchronous_standby_names: '%s' (was '%s')", names,
					   f->sync_names);
			for (size_t i = 0; i < n; i++)
				if (scores[i].score >= 0)
					set_score(pg, scores[i].name, scores[i].score);
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
	if (!promoting) {
		char shown[1024];

		pg_neighbours_str(f, shown, sizeof(shown));
		publish(pg, PG_ATTR_NEIGHBOURS, shown, false);
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
bool
may_be_promoted(struct pg *pg, const char *const *present, size_t n, char *why, size_t len)
{
	struct pg_commit_record rec;
	char err[300];
	int r;

	if (pg->mode == PG_SYNC_OFF)
		return true;
	r = read_commit_record(pg, &rec, err, sizeof(err));
	return record_allows_promotion(pg, r, &rec, err, present, n, why, len);
}

/* The same with the record already read: read_rc as read_commit_record
 * returned it, err its reason when it failed. */
bool
record_allows_promotion(struct pg *pg, int read_rc, const struct pg_commit_record *rec, const char *err,
			const char *const *present, size_t n, char *why, size_t len)
{
	if (pg->mode == PG_SYNC_OFF)
		return true;
	if (read_rc < 0) {
		snprintf(why, len, "the commit record cannot be read: %s", err);
		return false;
	}
	return read_rc == 0 || pg_commit_record_allows(rec, pg->node, present, n, why, len);
}

/* The refusal's attribute gone, if this node showed one (a spawn then only). */
void
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
void
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

/* The other nodes running an instance now, as their monitors show: each
 * running instance publishes the WAL it received (a standby's every
 * monitor); a stop deletes it, and Pacemaker forgets a lost node's
 * attributes.  Who may stand for the commit record while no election
 * runs: standbys back together after their whole site lost power, the
 * primary gone for good, may hold every acknowledged commit between them
 * (the election then checks it with each one's WAL). */
static size_t
running_others(struct pg *pg, char names[][64], size_t max)
{
	char **nodes, **values, why[256];
	size_t n = 0, k = 0;

	if (tandem_attr_get_all(PG_ATTR_RECEIVED, &nodes, &values, &n, pg->ctx->deadline, why, sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not read which nodes run an instance: %s", why);
		return 0;
	}
	for (size_t i = 0; i < n && k < max; i++)
		if (values[i][0] != '\0' && strcmp(nodes[i], pg->node) != 0)
			snprintf(names[k++], 64, "%.63s", nodes[i]);
	free_pairs(nodes, values, n);
	return k;
}

/* Logical failover slots carried here (logical_failover): the standby's
 * settings for slot synchronization, and failover slots it made as a
 * primary (synchronization stops at one whose name the primary's have,
 * and promoted it would hand a consumer an old position) dropped. */
static void
slot_sync_duties(struct pg *pg)
{
	const struct pg_facts *f = &pg->facts;
	PGresult *r;

	if (!f->feedback || strcmp(f->slot_sync, "on") != 0) {
		const char *set[] = { "hot_standby_feedback", "on", "sync_replication_slots", "on" };

		/* Asked for 30 s, then said once: a setting of higher priority
		 * than postgresql.auto.conf (start_opts' -c) would have it
		 * asked on every monitor. */
		int64_t off = tandem_ocf_seen_for("slot-sync-off", true);

		if (off >= 30) {
			if (!take_flag("slot-sync-warned"))
				tandem_log(LOG_WARNING, "slot synchronization stays off (sync_replication_slots '%s', "
					   "hot_standby_feedback %s): a setting above postgresql.auto.conf wins",
					   f->slot_sync, f->feedback ? "on" : "off");
			write_flag("slot-sync-warned", true);
		} else if (!alter_system(pg, set, 4)) {
			tandem_log(LOG_ERR, "could not turn slot synchronization on: %s", pg->why);
		} else if (off == 0) {
			tandem_log(LOG_INFO, "slot synchronization on: sync_replication_slots and hot_standby_feedback "
				   "(were '%s' and '%s')", f->slot_sync, f->feedback ? "on" : "off");
		}
	} else {
		(void)tandem_ocf_seen_for("slot-sync-off", false);
		(void)take_flag("slot-sync-warned");
	}
	/* Slot synchronization needs a database to connect to: a standby
	 * started by an earlier version has none in primary_conninfo. */
	r = sql(pg, "SELECT current_setting('primary_conninfo')");
	if (r != NULL && PQntuples(r) == 1) {
		PQconninfoOption *opts = PQconninfoParse(PQgetvalue(r, 0, 0), NULL);
		bool has = false;

		for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
			has = has || (strcmp(o->keyword, "dbname") == 0 && o->val != NULL && o->val[0] != '\0');
		/* Given for 30 s, then left (a setting above postgresql.auto.conf). */
		int64_t since = tandem_ocf_seen_for("conninfo-no-dbname", opts != NULL && !has);

		if (opts != NULL && !has && since < 30) {
			char ci[2200];
			const char *set[] = { "primary_conninfo", ci };

			snprintf(ci, sizeof(ci), "dbname=postgres %s", PQgetvalue(r, 0, 0));
			if (alter_system(pg, set, 2))
				tandem_log(LOG_INFO, "primary_conninfo given dbname=postgres, for slot synchronization");
			else
				tandem_log(LOG_ERR, "could not give primary_conninfo a dbname: %s", pg->why);
		}
		PQconninfoFree(opts);
	}
	PQclear(r);
	if (f->stale_failover[0] != '\0') {
		r = sql(pg, "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots s"
			" WHERE slot_type = 'logical' AND NOT active AND (to_jsonb(s) ->> 'failover')::bool"
			" AND NOT (to_jsonb(s) ->> 'synced')::bool");
		if (r != NULL && PQntuples(r) == 1)
			tandem_log(LOG_INFO, "dropped %s failover slot(s) this node made as a primary (%s): the "
				   "primary's are synchronized here", PQgetvalue(r, 0, 0), f->stale_failover);
		else
			tandem_log(LOG_WARNING, "could not drop the failover slots this node made as a primary (%s): %s",
				   f->stale_failover, pg->why);
		PQclear(r);
	}
}

/* The admin's role for this node (PG_ATTR_ROLE), looked at every
 * PG_MAINTENANCE_LOOK_S and kept in state "role" ("TIME VALUE"); a
 * reading that fails keeps the last. */
static void
look_role(struct pg *pg)
{
	char state[128] = "", *v = NULL, why[256], *rest = NULL;
	long long at = strtoll(read_state("role", state, sizeof(state)) ? state : "0", &rest, 10);
	long long now = (long long)time(NULL);

	if (at > 0 && now >= at && now - at < PG_MAINTENANCE_LOOK_S)
		return;
	if (tandem_node_attr_get(pg->node, PG_ATTR_ROLE, true, &v, pg->ctx->deadline, why, sizeof(why)) != 0) {
		tandem_log(LOG_WARNING, "could not read this node's role: %s", why);
		return;
	}
	if (v != NULL && v[0] != '\0' && strcmp(v, "never-promote") != 0 && strcmp(v, "promotable") != 0
	    && strcmp(v, "never-sync") != 0 && (!read_state("role-unknown", why, sizeof(why)) || strcmp(why, v) != 0)) {
		tandem_log(LOG_WARNING, "%s is \"%.60s\": not never-promote, never-sync nor promotable, taken as unset",
			   PG_ATTR_ROLE, v);
		write_state("role-unknown", v);
	}
	snprintf(state, sizeof(state), "%lld %.60s", now, v != NULL ? v : "");
	write_state("role", state);
	free(v);
}

static int
standby_duties(struct pg *pg)
{
	const struct pg_facts *f = &pg->facts;
	char why[256], tli[16], never_why[160];
	long long score;
	bool set = false, refused, never;

	publish_lsn(pg, PG_ATTR_RECEIVED, f->received);
	publish_lsn(pg, PG_ATTR_REPLAYED, f->replayed);
	/* A node that may never be promoted says so (the primary keeps it out
	 * of the synchronous set) and is never promotable by its own score. */
	look_role(pg);
	never = never_promote(pg, never_why, sizeof(never_why));
	publish(pg, PG_ATTR_NEVER, never ? never_why : "", false);
	publish(pg, PG_ATTR_NO_SYNC, never_sync() ? "its role is never-sync (" PG_ATTR_ROLE ")" : "", false);
	/* Slots it made as a primary (demoted, rewound: pg_rewind keeps
	 * pg_replslot) hold WAL here for nobody, up to max_slot_wal_keep_size
	 * each: every standby streams from the primary.  Read by every
	 * monitor's query: no cost once they are gone. */
	if (f->slots[0] != '\0') {
		PGresult *r = sql(pg, "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots"
				  " WHERE slot_name LIKE 'tandem\\_%' AND slot_type = 'physical' AND NOT active");

		if (r != NULL && PQntuples(r) == 1)
			tandem_log(LOG_INFO, "dropped %s slot(s) this node made as a primary (%s): a standby's hold WAL"
				   " for nobody", PQgetvalue(r, 0, 0), f->slots);
		else
			tandem_log(LOG_WARNING, "could not drop the slots this node made as a primary (%s): %s", f->slots,
				   pg->why);
		PQclear(r);
	}
	if (logical_failover(pg))
		slot_sync_duties(pg);
	/* The primary's end as last reported to us, kept on this node (no
	 * spawn): when the primary's node is lost, Pacemaker forgets its
	 * attributes, and pre-promote publishes this instead. */
	if (f->upstream != 0) {
		char lsn[18];

		write_state("upstream", tandem_lsn_str(f->upstream, lsn));
	}
	/* The timeline of the WAL it received (received_tli), or, not
	 * streaming, of the WAL it holds: the one its election value carries. */
	snprintf(tli, sizeof(tli), "%" PRIu32, wal_timeline(pg));
	if (strcmp(tli, "0") != 0)
		publish(pg, PG_ATTR_TIMELINE, tli, false);
	/* Streaming or not: WAL received past the new primary's fork and not
	 * replayed (a delayed standby) is repaired before it is replayed. */
	{
		int rc = received_fork_look(pg);

		if (rc != TANDEM_OCF_SUCCESS)
			return rc;
	}
	/* Streaming: the primary ranks us.  Not streaming (no primary yet,
	 * the cluster's first start): a standby with no score at all gets 1,
	 * so that one of them can be promoted, after pre-promote compares. */
	if (f->timeline != 0) {
		tandem_ocf_seen_for("not-streaming", false);
		/* A refusal made while no primary ranked this node (it came
		 * back alone) is over: the primary's scores decide now.  Kept,
		 * it would be made again, -INFINITY and a transition abort,
		 * the next time this node stops streaming (its primary
		 * crashed and restarting in place, not a promotion). */
		if (take_flag("refused"))
			clear_refusal(pg);
		return TANDEM_OCF_SUCCESS;
	}
	if (never) {
		set_score(pg, NULL, PG_SCORE_FORBIDDEN);
		return follow_or_repair(pg);
	}
	if (tandem_promotion_get(&score, &set, pg->ctx->deadline, why, sizeof(why)) != 0)
		return follow_or_repair(pg);
	/* A node the commit record does not name may lack acknowledged
	 * commits (it was away while another primary went on alone): no
	 * score, unless the nodes running now hold them all between them (the
	 * record's primary, or every node it names), until the record names
	 * it (the README: an admin promoting it knowingly).  Asked only while unranked or refused: no spawn on a
	 * streaming standby's monitor. */
	refused = take_flag("refused");
	if (!set || refused) {
		char reason[400], others[32][64];
		const char *present[32];
		size_t n_present = running_others(pg, others, 32);

		for (size_t i = 0; i < n_present; i++)
			present[i] = others[i];
		if (may_be_promoted(pg, present, n_present, reason, sizeof(reason))) {
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
