/* decide.c --- ocf:tandem:pgsql's decisions: role, exit code, scores, sync names, election */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgsql.h"

const char PG_MONITOR_QUERY[] =
	"SELECT pg_is_in_recovery(),"
	" CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END,"
	" pg_last_wal_receive_lsn(),"
	" pg_last_wal_replay_lsn(),"
	" CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver WHERE status = 'streaming')"
	"  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
	/* Every walsender, the clone's (on a tandem_ slot) first: its name in
	 * hex, as any application_name may hold blanks, commas or nothing. */
	" (SELECT string_agg('x' || encode(convert_to(r.application_name, 'UTF8'), 'hex') || ' ' || r.state"
	"   || ' ' || r.sync_state || ' ' || coalesce(r.flush_lsn, '0/0') || ' ' || coalesce(r.replay_lsn, '0/0')"
	"   || ' ' || coalesce((extract(epoch FROM clock_timestamp() - r.reply_time) * 1000)::bigint, -1),"
	"   ',' ORDER BY (s.slot_name LIKE 'tandem\\_%') IS NOT TRUE, r.application_name COLLATE \"C\")"
	"  FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid),"
	" current_setting('synchronous_standby_names'),"
	/* Invalidated slots are left out: to the primary's duties they are
	 * missing, and made again (wal_status lost: its WAL removed; 17+ also
	 * names an invalidation_reason, 18 for idle slots). */
	" (SELECT string_agg(slot_name, ',') FROM pg_replication_slots s WHERE slot_name LIKE 'tandem\\_%'"
	"   AND slot_type = 'physical' AND wal_status IS DISTINCT FROM 'lost' AND to_jsonb(s) ->> 'invalidation_reason' IS NULL),"
	" (SELECT latest_end_lsn FROM pg_stat_wal_receiver),"
	/* The WAL file the archiver is stuck on: it failed, and archived
	 * nothing since (a primary's; NULL otherwise or when it keeps up). */
	" CASE WHEN pg_is_in_recovery() THEN NULL ELSE (SELECT last_failed_wal FROM pg_stat_archiver"
	"  WHERE last_failed_time > coalesce(last_archived_time, '-infinity')) END,"
	/* What logical failover slots need (pg_logical_failover). */
	" current_setting('wal_level'), current_setting('hot_standby_feedback'),"
	" current_setting('sync_replication_slots', true), current_setting('synchronized_standby_slots', true),"
	/* A standby's failover slots that are not synchronized: made while it
	 * was a primary (a standby cannot make one), and slot synchronization
	 * stops at the first whose name the primary's slots have. */
	" CASE WHEN pg_is_in_recovery() THEN (SELECT string_agg(slot_name, ',' ORDER BY slot_name)"
	"  FROM pg_replication_slots s WHERE slot_type = 'logical' AND NOT active"
	"  AND (to_jsonb(s) ->> 'failover')::bool AND NOT (to_jsonb(s) ->> 'synced')::bool) END,"
	" current_setting('recovery_min_apply_delay')";

static bool
lsn_or_zero(const char *s, uint64_t *lsn)
{
	if (s == NULL || *s == '\0') {
		*lsn = 0;
		return true;
	}
	return tandem_lsn_parse(s, lsn);
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "x" and the name's bytes in hex (at most 63, none NUL) into out. */
static bool
parse_hex_name(const char *hex, char *out, size_t len)
{
	size_t n = 0;

	if (*hex++ != 'x')
		return false;
	for (; hex[0] != '\0'; hex += 2) {
		int hi = hex_digit(hex[0]), lo = hex_digit(hex[1]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0) || n + 1 >= len)
			return false;
		out[n++] = (char)(hi << 4 | lo);
	}
	out[n] = '\0';
	return true;
}

static bool
parse_standby(const char *item, struct pg_standby *sb)
{
	char name[130], state[32], sync[32], flush[24], replay[24], reply[24], extra;

	if (sscanf(item, "%129s %31s %31s %23s %23s %23s %c", name, state, sync, flush, replay, reply, &extra) != 6)
		return false;
	memset(sb, 0, sizeof(*sb));
	if (!parse_hex_name(name, sb->name, sizeof(sb->name)))
		return false;
	sb->streaming = strcmp(state, "streaming") == 0;
	sb->sync = strcmp(sync, "sync") == 0 || strcmp(sync, "quorum") == 0;
	return tandem_lsn_parse(flush, &sb->flush) && tandem_lsn_parse(replay, &sb->replay)
	       && tandem_parse_int(reply, -1, 1LL << 50, &sb->reply_ms);
}

bool
pg_parse_facts(const char *recovery, const char *current, const char *received,
	       const char *replayed, const char *timeline, const char *standbys,
	       const char *sync_names, const char *slots, const char *upstream, struct pg_facts *f)
{
	long long tli = 0;

	memset(f, 0, sizeof(*f));
	if (recovery == NULL || (strcmp(recovery, "t") != 0 && strcmp(recovery, "f") != 0))
		return false;
	f->recovery = recovery[0] == 't';
	if (!lsn_or_zero(current, &f->current) || !lsn_or_zero(received, &f->received)
	    || !lsn_or_zero(replayed, &f->replayed) || !lsn_or_zero(upstream, &f->upstream))
		return false;
	if (timeline != NULL && *timeline != '\0'
	    && !tandem_parse_int(timeline, 1, 0xffffffffLL, &tli))
		return false;
	f->timeline = (uint32_t)tli;
	snprintf(f->sync_names, sizeof(f->sync_names), "%s", sync_names != NULL ? sync_names : "");
	if (slots != NULL && strlen(slots) >= sizeof(f->slots))
		return false;
	snprintf(f->slots, sizeof(f->slots), "%s", slots != NULL ? slots : "");
	if (standbys != NULL && *standbys != '\0') {
		char *copy = strdup(standbys), *save = NULL, *item;
		bool ok = copy != NULL;

		for (item = ok ? strtok_r(copy, ",", &save) : NULL; item != NULL;
		     item = strtok_r(NULL, ",", &save)) {
			if (f->n_standbys == PG_MAX_WALSENDERS)
				break;
			if (!parse_standby(item, &f->standbys[f->n_standbys])) {
				ok = false;
				break;
			}
			f->n_standbys++;
		}
		free(copy);
		if (!ok)
			return false;
	}
	return true;
}

enum pg_role
pg_decide_role(const struct pg_seen *s)
{
	if (s->answered)
		return s->recovery ? PG_ROLE_STANDBY : PG_ROLE_PRIMARY;
	if (s->postmaster_alive && s->busy && s->control_ok) {
		/* It answered, only not with a session ("too many clients", every
		 * slot taken, CloudNativePG #2420): a live server, its role the
		 * one pg_control holds.  Restarting it would end every session. */
		if (s->control_state == TANDEM_PG_IN_PRODUCTION)
			return PG_ROLE_PRIMARY;
		if (s->control_state == TANDEM_PG_IN_ARCHIVE_RECOVERY)
			return PG_ROLE_STANDBY;
	}
	if (s->postmaster_alive)
		/* Running but not answering within the whole monitor: broken,
		 * and as a primary a failed one. */
		return s->control_ok && s->control_state == TANDEM_PG_IN_PRODUCTION
			       ? PG_ROLE_CRASHED_PRIMARY : PG_ROLE_BROKEN;
	if (!s->control_ok)
		/* An unreadable pg_control (corrupt, or a format this build does
		 * not know) may hide a crashed primary: never "stopped" then. */
		return s->no_cluster ? PG_ROLE_STOPPED : PG_ROLE_BROKEN;
	if (s->control_state == TANDEM_PG_SHUTDOWNED || s->control_state == TANDEM_PG_SHUTDOWNED_IN_RECOVERY)
		return PG_ROLE_STOPPED;
	if (pg_control_crashed_primary(s->control_state))
		return PG_ROLE_CRASHED_PRIMARY;
	return PG_ROLE_BROKEN;                  /* a standby that crashed, or one starting */
}

bool
pg_control_crashed_primary(enum tandem_pg_state state)
{
	/* In production, in its shutdown checkpoint (a demote or stop cut
	 * short by fencing), or in the crash recovery that follows either:
	 * PostgreSQL sets "in crash recovery" only when it does not recover
	 * as a standby, and a standby stays "in archive recovery" once its
	 * minRecoveryPoint is set (xlogrecovery.c, InitWalRecovery; xlog.c
	 * before PostgreSQL 15), so all three were last a primary. */
	return state == TANDEM_PG_IN_PRODUCTION || state == TANDEM_PG_SHUTDOWNING
	       || state == TANDEM_PG_IN_CRASH_RECOVERY;
}

const char *
pg_role_str(enum pg_role r)
{
	switch (r) {
	case PG_ROLE_STOPPED: return "stopped";
	case PG_ROLE_STANDBY: return "standby";
	case PG_ROLE_PRIMARY: return "primary";
	case PG_ROLE_CRASHED_PRIMARY: return "crashed primary";
	case PG_ROLE_BROKEN: return "broken";
	}
	return "unknown";
}

int
pg_role_rc(enum pg_role r)
{
	switch (r) {
	case PG_ROLE_STOPPED: return TANDEM_OCF_NOT_RUNNING;
	case PG_ROLE_STANDBY: return TANDEM_OCF_SUCCESS;
	case PG_ROLE_PRIMARY: return TANDEM_OCF_RUNNING_PROMOTED;
	case PG_ROLE_CRASHED_PRIMARY: return TANDEM_OCF_FAILED_PROMOTED;
	case PG_ROLE_BROKEN: return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_ERR_GENERIC;
}

uint64_t
pg_election_lsn(const struct pg_facts *f)
{
	if (!f->recovery)
		return f->current;
	return f->received > f->replayed ? f->received : f->replayed;
}

bool
pg_archive_may_skip(const char *failed, uint32_t timeline, uint32_t *partial_tli)
{
	size_t n = failed != NULL ? strlen(failed) : 0;
	unsigned long tli;
	char digits[9];

	/* TTTTTTTTXXXXXXXXYYYYYYYY.partial, as xlog.c names it at promotion. */
	if (n != 24 + strlen(".partial") || strcmp(failed + 24, ".partial") != 0)
		return false;
	for (size_t i = 0; i < 24; i++)
		if (!isxdigit((unsigned char)failed[i]) || islower((unsigned char)failed[i]))
			return false;
	memcpy(digits, failed, 8);
	digits[8] = '\0';
	tli = strtoul(digits, NULL, 16);
	if (tli == 0 || tli >= timeline)
		return false;
	*partial_tli = (uint32_t)tli;
	return true;
}

bool
pg_history_switchpoint(const char *history, uint32_t tli, uint64_t *switchpoint, bool *bad)
{
	const char *line = history;

	*bad = false;
	while (line != NULL && *line != '\0') {
		const char *next = strchr(line, '\n');
		size_t n = next != NULL ? (size_t)(next - line) : strlen(line);
		char buf[128], lsn[32];
		unsigned long parent;

		/* Blank lines and comments are allowed (timeline.c). */
		while (n > 0 && isspace((unsigned char)*line)) {
			line++;
			n--;
		}
		if (n > 0 && *line != '#') {
			snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) - 1 ? n : sizeof(buf) - 1), line);
			if (sscanf(buf, "%lu %31s", &parent, lsn) < 2 || parent == 0 || parent > 0xffffffffUL
			    || !tandem_lsn_parse(lsn, switchpoint)) {
				*bad = true;
				return false;
			}
			if (parent == tli)
				return true;
		}
		line = next != NULL ? next + 1 : NULL;
	}
	return false;
}

bool
pg_history_fork(const char *history, uint32_t *parent, uint64_t *fork, bool *bad)
{
	const char *line = history;
	bool found = false;

	*bad = false;
	while (line != NULL && *line != '\0') {
		const char *next = strchr(line, '\n');
		size_t n = next != NULL ? (size_t)(next - line) : strlen(line);
		char buf[128], lsn[32];
		unsigned long tli;
		uint64_t at;

		while (n > 0 && isspace((unsigned char)*line)) {
			line++;
			n--;
		}
		if (n > 0 && *line != '#') {
			snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) - 1 ? n : sizeof(buf) - 1), line);
			if (sscanf(buf, "%lu %31s", &tli, lsn) < 2 || tli == 0 || tli > 0xffffffffUL
			    || !tandem_lsn_parse(lsn, &at)) {
				*bad = true;
				return false;
			}
			/* The newest ancestor is last (timeline.c writes them in order). */
			*parent = (uint32_t)tli;
			*fork = at;
			found = true;
		}
		line = next != NULL ? next + 1 : NULL;
	}
	return found;
}

bool
pg_standby_silent(const struct pg_facts *f, const struct pg_standby *sb)
{
	return sb->streaming && sb->flush < f->current && (sb->reply_ms < 0 || sb->reply_ms > PG_STALL_MS);
}

const char *
pg_unfit_str(enum pg_unfit u)
{
	switch (u) {
	case PG_FIT: return "fit";
	case PG_UNFIT_NOT_STREAMING: return "not streaming";
	case PG_UNFIT_STALLED: return "stalled: behind, and no reply for over " PG_STR(PG_STALL_S) " s";
	case PG_UNFIT_MAXLAG: return "more than maxlag behind";
	case PG_UNFIT_NOT_SYNC: return "not synchronous";
	case PG_UNFIT_MAINTENANCE: return "its node is in maintenance";
	case PG_UNFIT_NEVER: return "it may never be promoted (" PG_ATTR_ROLE ", or a delayed standby)";
	}
	return "unknown";
}

/* A name a node may have (a host name): what a state file may be named after. */
static bool
plain_name(const char *s)
{
	if (*s == '\0' || *s == '.' || *s == '-')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

size_t
pg_keep_members(struct pg_facts *f, const char (*nodes)[64], size_t n_nodes)
{
	size_t kept = 0;

	f->n_neighbours = 0;
	f->n_neighbours_all = 0;
	for (size_t i = 0; i < f->n_standbys; i++) {
		const struct pg_standby *sb = &f->standbys[i];
		bool member = false;

		for (size_t k = 0; k < n_nodes && !member; k++)
			member = strcmp(nodes[k], sb->name) == 0;
		if (n_nodes == 0)
			member = plain_name(sb->name);
		if (member && kept < PG_MAX_STANDBYS)
			f->standbys[kept++] = *sb;
		else if (!member && f->n_neighbours < PG_MAX_NEIGHBOURS)
			f->neighbours[f->n_neighbours++] = *sb;
		f->n_neighbours_all += !member;
	}
	f->n_standbys = kept;
	return f->n_neighbours;
}

void
pg_neighbours_str(const struct pg_facts *f, char *out, size_t len)
{
	size_t used = 0;

	snprintf(out, len, "none");
	for (size_t i = 0; i < f->n_neighbours && used < len; i++) {
		const struct pg_standby *sb = &f->neighbours[i];
		uint64_t lag = f->current > sb->flush ? f->current - sb->flush : 0;
		int w;

		/* Whole segments (16 MiB): a lag that moves on every monitor
		 * would be an attribute write each time. */
		lag -= lag % (16u << 20);
		w = snprintf(out + used, len - used, "%s\"%s\" %s, %" PRIu64 " MiB behind", i ? "; " : "", sb->name,
			     sb->streaming ? "streaming" : "not streaming", lag >> 20);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (f->n_neighbours_all > f->n_neighbours && used < len)
		snprintf(out + used, len - used, "; and %zu more", f->n_neighbours_all - f->n_neighbours);
}

size_t
pg_rank_standbys(const struct pg_facts *f, enum pg_sync_mode mode, long long maxlag,
		 struct pg_score *out, size_t max)
{
	bool any_sync = false;
	size_t n = 0;

	for (size_t i = 0; i < f->n_standbys; i++)
		any_sync = any_sync || (f->standbys[i].streaming && f->standbys[i].sync);
	for (size_t i = 0; i < f->n_standbys && n < max; i++, n++) {
		const struct pg_standby *sb = &f->standbys[i];
		uint64_t lag = f->current > sb->flush ? f->current - sb->flush : 0;
		long long score;
		uint64_t step = sb->flush / PG_RANK_STEP;
		size_t ahead = 0;

		snprintf(out[n].name, sizeof(out[n].name), "%s", sb->name);
		/* Rank among the others by flush LSN: 1000, 999, ...  In steps
		 * of PG_RANK_STEP, ties by name (the query's order): standbys a
		 * few bytes apart trade places on every monitor otherwise, and
		 * each trade is two CIB writes and an aborted transition.  The
		 * election, not the score, decides on the exact LSN. */
		for (size_t k = 0; k < f->n_standbys; k++) {
			uint64_t other = f->standbys[k].flush / PG_RANK_STEP;

			if (other > step || (other == step && k < i))
				ahead++;
		}
		score = PG_SCORE_BEST - (long long)ahead;
		out[n].unfit = PG_FIT;
		if (sb->maintenance)
			out[n].unfit = PG_UNFIT_MAINTENANCE;
		else if (sb->never)
			out[n].unfit = PG_UNFIT_NEVER;
		else if (!sb->streaming)
			out[n].unfit = PG_UNFIT_NOT_STREAMING;
		else if (sb->stalled)
			out[n].unfit = PG_UNFIT_STALLED;
		else if (maxlag > 0 && lag > (uint64_t)maxlag)
			out[n].unfit = PG_UNFIT_MAXLAG;
		/* Where synchronous standbys exist, only they hold every
		 * acknowledged commit; under strict, nothing else ever may. */
		else if (mode != PG_SYNC_OFF && !sb->sync && (any_sync || mode == PG_SYNC_STRICT))
			out[n].unfit = PG_UNFIT_NOT_SYNC;
		out[n].score = out[n].unfit == PG_FIT ? score : PG_SCORE_FORBIDDEN;
	}
	return n;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
member_of(char m[][64], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i], name) == 0)
			return true;
	return false;
}

enum pg_narrow
pg_narrow_step(const struct pg_facts *f, const char *names, const char *old, int pending_k, uint64_t mark)
{
	char now[PG_MAX_STANDBYS][64], was[PG_MAX_STANDBYS][64];
	size_t n_now = pg_sync_members(names, now, PG_MAX_STANDBYS);
	size_t n_was = pg_sync_members(old, was, PG_MAX_STANDBYS);
	int k = pg_sync_num(names), flushed = 0;
	bool pending = pending_k >= 0 && pending_k < k;

	/* No set: the record names the primary alone, which holds it all. */
	if (n_now == 0)
		return PG_NARROW_DONE;
	for (size_t i = 0; i < n_was; i++) {
		if (member_of(now, n_now, was[i]))
			continue;
		pending = true;
		for (size_t s = 0; s < f->n_standbys; s++)
			if (strcmp(f->standbys[s].name, was[i]) == 0 && f->standbys[s].sync)
				return PG_NARROW_WAIT;
	}
	if (!pending)
		return PG_NARROW_DONE;
	if (mark == 0)
		return PG_NARROW_MARK;
	for (size_t s = 0; s < f->n_standbys; s++)
		if (member_of(now, n_now, f->standbys[s].name) && f->standbys[s].streaming
		    && f->standbys[s].flush >= mark)
			flushed++;
	return flushed >= k ? PG_NARROW_DONE : PG_NARROW_WAIT;
}

bool
pg_wal_name_parse(const char *name, uint64_t seg, uint32_t *tli, uint64_t *segno)
{
	unsigned long long t, hi, lo;
	uint64_t per = seg > 0 ? 0x100000000ULL / seg : 0;
	char x[3][9];

	if (per == 0 || strlen(name) != 24 || strspn(name, "0123456789ABCDEF") != 24)
		return false;
	for (int i = 0; i < 3; i++)
		snprintf(x[i], sizeof(x[i]), "%.8s", name + 8 * i);
	t = strtoull(x[0], NULL, 16);
	hi = strtoull(x[1], NULL, 16);
	lo = strtoull(x[2], NULL, 16);
	if (t == 0 || lo >= per)
		return false;
	*tli = (uint32_t)t;
	*segno = hi * per + lo;
	return true;
}

bool
pg_wal_page_is(const unsigned char *head, size_t n, uint32_t tli, uint64_t segno, uint64_t seg)
{
	uint32_t t;
	uint64_t addr;

	if (n < 16)
		return false;
	memcpy(&t, head + 4, sizeof(t));
	memcpy(&addr, head + 8, sizeof(addr));
	return t == tli && addr == segno * seg;
}

bool
pg_never_promote(const char *role, const char *apply_delay, char *why, size_t len)
{
	why[0] = '\0';
	if (role != NULL && strcmp(role, "never-promote") == 0) {
		snprintf(why, len, "its role is never-promote (" PG_ATTR_ROLE ")");
		return true;
	}
	if (apply_delay != NULL && apply_delay[0] != '\0' && strcmp(apply_delay, "0") != 0
	    && (role == NULL || strcmp(role, "promotable") != 0)) {
		snprintf(why, len, "a delayed standby (recovery_min_apply_delay %.20s), and its role is not promotable",
			 apply_delay);
		return true;
	}
	return false;
}

bool
pg_logical_failover(int server_version, const char *wal_level)
{
	return server_version >= 170000 && wal_level != NULL && strcmp(wal_level, "logical") == 0;
}

static int
cmp_member(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

bool
pg_standby_slots(const struct pg_facts *f, enum pg_sync_mode mode, const char *names, const char *also,
		 const char (*nodes)[64], size_t n_nodes, char *out, size_t len)
{
	char members[2 * PG_MAX_STANDBYS][64], slot[80];
	size_t n = 0, used = 0;

	if (mode != PG_SYNC_OFF) {
		n = pg_sync_members(names, members, PG_MAX_STANDBYS);
		if (also != NULL)
			n += pg_sync_members(also, members + n, PG_MAX_STANDBYS);
	} else {
		for (size_t i = 0; i < f->n_standbys && n < PG_MAX_STANDBYS; i++)
			if (f->standbys[i].streaming && !f->standbys[i].maintenance && !f->standbys[i].never)
				snprintf(members[n++], sizeof(members[0]), "%s", f->standbys[i].name);
	}
	qsort(members, n, sizeof(members[0]), cmp_member);
	if (len == 0)
		return false;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* An admin's '*' names no node; a name twice (names and also)
		 * once; a slot this primary lacks (its own name, a node whose
		 * slot is still to be made) could not be waited for, and
		 * PostgreSQL 17 refuses the setting while it names one. */
		if (strcmp(members[i], "*") == 0 || (i > 0 && strcmp(members[i], members[i - 1]) == 0))
			continue;
		pg_slot_name(members[i], nodes, n_nodes, slot, sizeof(slot));
		if (!pg_has_slot(f, slot))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", slot);
		if (used >= len)
			return false;
	}
	return true;
}

void
pg_sync_names(const struct pg_facts *f, enum pg_sync_mode mode, int count, const char *current,
	      char *out, size_t len, bool *degraded)
{
	const char *names[PG_MAX_STANDBYS];
	size_t n = 0, used;

	*degraded = false;
	out[0] = '\0';
	if (mode == PG_SYNC_OFF)
		return;
	for (size_t i = 0; i < f->n_standbys && n < PG_MAX_STANDBYS; i++)
		if (f->standbys[i].streaming && !f->standbys[i].maintenance && !f->standbys[i].never
		    && !f->standbys[i].no_vote)
			names[n++] = f->standbys[i].name;
	if (count < 1)
		count = 1;
	if (n == 0 || (mode == PG_SYNC_STRICT && n < (size_t)count && current != NULL && current[0] != '\0')) {
		if (mode == PG_SYNC_STRICT)
			snprintf(out, len, "%s", current != NULL ? current : "");
		else
			*degraded = true;
		return;
	}
	/* Under on, as many copies as there are standbys to make them: one
	 * more only lost, the writes would wait for a standby not there. */
	if (mode == PG_SYNC_ON && n < (size_t)count)
		count = (int)n;
	/* Sorted, so the value is stable and an unchanged set costs nothing. */
	qsort(names, n, sizeof(names[0]), cmp_names);
	used = (size_t)snprintf(out, len, "ANY %d (", count);
	for (size_t i = 0; i < n && used < len; i++) {
		used += (size_t)snprintf(out + used, len - used, "%s\"", i ? ", " : "");
		for (const char *p = names[i]; *p != '\0' && used + 3 < len; p++) {
			if (*p == '"')
				out[used++] = '"';
			out[used++] = *p;
		}
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "\"");
	}
	if (used < len)
		snprintf(out + used, len - used, ")");
}

int
pg_sync_num(const char *names)
{
	const char *p = names + strspn(names, " ");
	char *end;
	long k;

	if (*p == '\0')
		return 0;
	if (strncasecmp(p, "ANY", 3) == 0 && (p[3] == ' ' || isdigit((unsigned char)p[3])))
		p += 3;
	else if (strncasecmp(p, "FIRST", 5) == 0 && (p[5] == ' ' || isdigit((unsigned char)p[5])))
		p += 5;
	p += strspn(p, " ");
	if (!isdigit((unsigned char)*p))
		return 1;       /* a plain list: FIRST 1 */
	k = strtol(p, &end, 10);
	end += strspn(end, " ");
	return *end == '(' && k >= 1 && k <= PG_MAX_STANDBYS ? (int)k : 1;
}

bool
pg_start_opts_ok(const char *opts, char *why, size_t len)
{
	for (const char *p = opts; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr(" _.=/:,-", *p) != NULL)
			continue;
		snprintf(why, len, "character '%c' is not allowed (letters, digits, space and _.=/:,- only)", *p);
		return false;
	}
	return true;
}

bool
pg_shell_path_ok(const char *path, char *why, size_t len)
{
	if (path[0] != '/') {
		snprintf(why, len, "not an absolute path");
		return false;
	}
	for (const char *p = path; *p != '\0'; p++) {
		if (strchr("\"`$\\", *p) == NULL && !iscntrl((unsigned char)*p))
			continue;
		if (iscntrl((unsigned char)*p))
			snprintf(why, len, "a control character is not allowed (pg_ctl hands the path to a shell)");
		else
			snprintf(why, len, "character '%c' is not allowed (pg_ctl hands the path to a shell, in double quotes)",
				 *p);
		return false;
	}
	return true;
}

bool
pg_has_slot(const struct pg_facts *f, const char *slot)
{
	size_t len = strlen(slot);

	for (const char *p = f->slots; (p = strstr(p, slot)) != NULL; p += len)
		if ((p == f->slots || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/* tandem_ and node in [a-z0-9_], whole (it may pass 63 bytes). */
static void
slot_map(const char *node, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "tandem_");

	for (const char *p = node; *p != '\0' && used + 1 < len; p++)
		out[used++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
	out[used < len ? used : len - 1] = '\0';
}

void
pg_slot_name(const char *node, const char (*all)[64], size_t n_all, char *out, size_t len)
{
	char mine[300], other[300];
	bool clash = false;
	uint32_t h = 2166136261u;      /* FNV-1a of the node's own name */

	slot_map(node, mine, sizeof(mine));
	for (size_t i = 0; i < n_all && !clash; i++) {
		if (strcmp(all[i], node) == 0)
			continue;
		slot_map(all[i], other, sizeof(other));
		clash = strcmp(other, mine) == 0;
	}
	if (strlen(mine) <= PG_NAME_MAX && !clash) {
		snprintf(out, len, "%s", mine);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)node; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	/* tandem_ (7) + 46 + _ (1) + 8 hex digits = 62 bytes. */
	snprintf(out, len, "%.53s_%08x", mine, (unsigned)h);
}

void
pg_election_format(const struct pg_candidate *c, int64_t when, char *out, size_t len)
{
	char buf[18];
	size_t used;

	if (c->tli != 0)
		used = (size_t)snprintf(out, len, "%" PRIu32 ":%s@%lld", c->tli, tandem_lsn_str(c->lsn, buf),
					(long long)when);
	else
		used = (size_t)snprintf(out, len, "%s@%lld", tandem_lsn_str(c->lsn, buf), (long long)when);
	if (c->upstream != 0 && used < len)
		used += (size_t)snprintf(out + used, len - used, "@%s", tandem_lsn_str(c->upstream, buf));
	if (c->parent != 0 && used < len)
		used += (size_t)snprintf(out + used, len - used, ",%" PRIu32 ":%s", c->parent,
					 tandem_lsn_str(c->fork, buf));
	if (c->tli != 0 && c->replayed != 0 && c->replayed < c->lsn && used < len)
		used += (size_t)snprintf(out + used, len - used, ";r=%s", tandem_lsn_str(c->replayed, buf));
	if (c->never && used < len)
		snprintf(out + used, len - used, ";n=1");
}

/* A timeline: digits only, 1 to 0xffffffff. */
static bool
parse_tli(const char *s, size_t n, uint32_t *tli)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0 || v > 0xffffffffULL)
		return false;
	*tli = (uint32_t)v;
	return true;
}

/* ";KEY=VALUE" fields after the value proper (NULL: none): r= where
 * replay is, once; a key this Tandem does not know is a later one's,
 * skipped.  Only the timeline form carries them. */
static bool
parse_fields(const char *s, struct pg_candidate *c)
{
	bool have_r = false;

	while (s != NULL) {
		const char *next = strchr(s + 1, ';'), *eq;
		size_t n = next != NULL ? (size_t)(next - s - 1) : strlen(s + 1);
		char buf[18];

		eq = memchr(s + 1, '=', n);
		if (eq == NULL || eq == s + 1)
			return false;
		if (eq - s - 1 == 1 && s[1] == 'r') {
			size_t k = n - 2;

			if (have_r || k == 0 || k >= sizeof(buf))
				return false;
			memcpy(buf, eq + 1, k);
			buf[k] = '\0';
			if (!tandem_lsn_parse(buf, &c->replayed) || c->replayed == 0)
				return false;
			have_r = true;
		} else if (eq - s - 1 == 1 && s[1] == 'n') {
			if (n != 3 || eq[1] != '1' || c->never)
				return false;
			c->never = true;
		}
		s = next;
	}
	return true;
}

/* "TLI:LSN", the n bytes at s. */
static bool
parse_tli_lsn(const char *s, size_t n, uint32_t *tli, uint64_t *lsn)
{
	const char *colon = memchr(s, ':', n);
	char buf[18];
	size_t k;

	if (colon == NULL || !parse_tli(s, (size_t)(colon - s), tli))
		return false;
	k = n - (size_t)(colon + 1 - s);
	if (k == 0 || k >= sizeof(buf))
		return false;
	memcpy(buf, colon + 1, k);
	buf[k] = '\0';
	return tandem_lsn_parse(buf, lsn);
}

bool
pg_election_parse(const char *value, struct pg_candidate *c, int64_t *when)
{
	const char *fields = strchr(value, ';');
	size_t all = fields != NULL ? (size_t)(fields - value) : strlen(value), n, head;
	const char *comma = memchr(value, ',', all);
	char main[80], lsn[18], *at, *end;
	long long t;

	memset(c, 0, sizeof(*c));
	n = comma != NULL ? (size_t)(comma - value) : all;
	if (n >= sizeof(main) || !parse_fields(fields, c))
		return false;
	memcpy(main, value, n);
	main[n] = '\0';
	at = strchr(main, '@');
	if (at == NULL || at == main || !isdigit((unsigned char)at[1]))
		return false;
	head = (size_t)(at - main);
	if (memchr(main, ':', head) != NULL) {
		if (!parse_tli_lsn(main, head, &c->tli, &c->lsn))
			return false;
	} else {
		/* An older Tandem's: no timeline (unknown). */
		if (head >= sizeof(lsn))
			return false;
		memcpy(lsn, main, head);
		lsn[head] = '\0';
		if (!tandem_lsn_parse(lsn, &c->lsn))
			return false;
	}
	errno = 0;
	t = strtoll(at + 1, &end, 10);
	if (errno != 0)
		return false;
	if (*end == '@') {
		if (!tandem_lsn_parse(end + 1, &c->upstream))
			return false;
	} else if (*end != '\0') {
		return false;
	}
	/* Where the timeline began: only with a timeline, and from an older
	 * one (timeline.c refuses a history whose parent is not older). */
	if (comma != NULL && (c->tli == 0 || !parse_tli_lsn(comma + 1, all - (size_t)(comma + 1 - value), &c->parent,
							    &c->fork)
			      || c->parent >= c->tli))
		return false;
	if (fields != NULL && c->tli == 0)
		return false;
	if (c->replayed >= c->lsn)
		c->replayed = 0;        /* level: as the value without r= */
	*when = t;
	return true;
}

size_t
pg_election_gather(const char *self, char *const *nodes, char *const *values, size_t n,
		   const char (*expected)[64], size_t n_expected,
		   struct pg_candidate *out, size_t max, size_t *n_out, const char **missing)
{
	size_t absent = 0;

	*n_out = 0;
	*missing = NULL;
	for (size_t i = 0; i < n && *n_out < max; i++) {
		struct pg_candidate c;
		int64_t when;

		if (strcmp(nodes[i], self) == 0 || !pg_election_parse(values[i], &c, &when))
			continue;
		c.name = nodes[i];
		for (size_t e = 0; e < n_expected && !c.present; e++)
			c.present = strcmp(expected[e], nodes[i]) == 0;
		out[(*n_out)++] = c;
	}
	for (size_t e = 0; e < n_expected; e++) {
		bool found = strcmp(expected[e], self) == 0;

		for (size_t k = 0; k < *n_out && !found; k++)
			found = strcmp(out[k].name, expected[e]) == 0;
		if (!found && absent++ == 0)
			*missing = expected[e];
	}
	return absent;
}

size_t
pg_election_expected(const struct tandem_ocf_notify *n, char *out, size_t len)
{
	const struct tandem_uname_list *lists[] = { &n->unpromoted, &n->promote, &n->demote, &n->start };
	size_t count = 0, used = 0;

	out[0] = '\0';
	for (size_t l = 0; l < 4; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *name = lists[l]->names[i];
			bool seen = false;
			int w;

			if (tandem_uname_list_has(&n->stop, name) && !tandem_uname_list_has(&n->start, name))
				continue;
			for (size_t k = 0; k < l && !seen; k++)
				seen = tandem_uname_list_has(lists[k], name);
			for (size_t j = 0; j < i && !seen; j++)
				seen = strcmp(lists[l]->names[j], name) == 0;
			if (seen)
				continue;
			w = snprintf(out + used, len - used, "%s\n", name);
			if (w < 0 || (size_t)w >= len - used) {
				out[used] = '\0';     /* whole names only */
				return count;
			}
			used += (size_t)w;
			count++;
		}
	return count;
}

bool
pg_stop_follows_demote(const struct tandem_ocf_notify *n, const char *node)
{
	return tandem_uname_list_has(&n->demote, node) && tandem_uname_list_has(&n->stop, node);
}

bool
pg_restarts_in_place(const struct tandem_ocf_notify *n, const char *node)
{
	return tandem_uname_list_has(&n->stop, node) && tandem_uname_list_has(&n->start, node);
}

bool
pg_planned_demote(const struct tandem_ocf_notify *n)
{
	if (n->demote.n == 0)
		return false;
	for (size_t i = 0; i < n->demote.n; i++)
		if (tandem_uname_list_has(&n->stop, n->demote.names[i]))
			return false;
	return true;
}

/* Copies the comma- or space-separated node names of list into r->sync. */
static bool
parse_names(const char *list, struct pg_commit_record *r)
{
	const char *p = list;

	r->n_sync = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ", ");

		if (len > 0) {
			if (len >= sizeof(r->sync[0]) || r->n_sync >= PG_MAX_STANDBYS)
				return false;
			snprintf(r->sync[r->n_sync++], sizeof(r->sync[0]), "%.*s", (int)len, p);
		}
		p += len;
		p += strspn(p, ", ");
	}
	return true;
}

bool
pg_commit_record_parse(const char *s, struct pg_commit_record *r)
{
	char list[PG_MAX_STANDBYS * 65];
	const char *sync, *any;
	char *end;
	size_t len;
	long k = 1;

	memset(r, 0, sizeof(*r));
	if (s == NULL || strncmp(s, "primary=", 8) != 0)
		return false;
	s += 8;
	len = strcspn(s, " ");
	if (len == 0 || len >= sizeof(r->primary))
		return false;
	snprintf(r->primary, sizeof(r->primary), "%.*s", (int)len, s);
	sync = s + len;
	sync += strspn(sync, " ");
	if (*sync == '\0')
		return true;
	if (strncmp(sync, "sync=", 5) != 0)
		return false;
	sync += 5;
	len = strcspn(sync, " ");
	if (len >= sizeof(list))
		return false;
	snprintf(list, sizeof(list), "%.*s", (int)len, sync);
	any = sync + len;
	if (*any != '\0') {
		if (strncmp(any, " any=", 5) != 0 || !isdigit((unsigned char)any[5]))
			return false;
		errno = 0;
		k = strtol(any + 5, &end, 10);
		if (errno != 0 || *end != '\0' || k < 1 || k > PG_MAX_STANDBYS)
			return false;
	}
	r->any = (int)k;
	return parse_names(list, r);
}

void
pg_commit_record_format(const struct pg_commit_record *r, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "primary=%s sync=", r->primary);

	for (size_t i = 0; i < r->n_sync && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", r->sync[i]);
	if (r->any > 1 && r->n_sync > 0 && used < len)
		snprintf(out + used, len - used, " any=%d", r->any);
}

size_t
pg_sync_members(const char *names, char out[][64], size_t max)
{
	const char *p = strchr(names, '(');
	size_t n = 0;

	p = p != NULL ? p + 1 : names;
	while (*p != '\0' && *p != ')' && n < max) {
		size_t used = 0;

		p += strspn(p, " ,");
		if (*p == '\0' || *p == ')')
			break;
		if (*p == '"') {
			/* A quoted identifier: "" is one quote. */
			for (p++; *p != '\0'; p++) {
				if (*p == '"' && p[1] != '"')
					break;
				if (*p == '"')
					p++;
				if (used + 1 < 64)
					out[n][used++] = *p;
			}
			if (*p == '"')
				p++;
		} else {
			for (; *p != '\0' && *p != ',' && *p != ' ' && *p != ')'; p++)
				if (used + 1 < 64)
					out[n][used++] = *p;
		}
		out[n][used] = '\0';
		if (used > 0)
			n++;
	}
	return n;
}

static bool
listed(const char *node, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], node) == 0)
			return true;
	return false;
}

/* k: how many copies of each commit the record's standbys hold. */
static size_t
record_k(const struct pg_commit_record *r)
{
	return r->any > 1 ? (size_t)r->any : 1;
}

/* why, when missing of r's standbys (first: one of them, and what of it)
 * may hold commits the winner lacks and that is more than r allows. */
static void
record_gap(const struct pg_commit_record *r, size_t missing, const char *first, char *why, size_t len)
{
	if (record_k(r) == 1)
		snprintf(why, len, "%s", first);
	else
		snprintf(why, len, "%zu of the %zu synchronous standbys of %s may hold commits the others lack (each "
			 "commit is on %zu of them, so no more than %zu may be missing): %s", missing, r->n_sync,
			 r->primary, record_k(r), record_k(r) - 1, first);
}

bool
pg_commit_record_allows(const struct pg_commit_record *r, const char *node,
			const char *const *present, size_t n_present, char *why, size_t len)
{
	char first[300] = "";
	size_t missing = 0;

	if (strcmp(r->primary, node) == 0 || listed(r->primary, present, n_present))
		return true;
	if (r->n_sync == 0) {
		snprintf(why, len, "%s was primary with no synchronous standby: only it holds every "
			 "acknowledged commit", r->primary);
		return false;
	}
	for (size_t i = 0; i < r->n_sync; i++) {
		if (strcmp(r->sync[i], node) == 0 || listed(r->sync[i], present, n_present))
			continue;
		if (missing++ == 0)
			snprintf(first, sizeof(first), "%s may hold commits this node lacks (acknowledged while %s "
				 "was primary), and it is not in this election", r->sync[i], r->primary);
	}
	if (missing < record_k(r))
		return true;
	record_gap(r, missing, first, why, len);
	return false;
}

/* Whether the winner w (called who) holds all the WAL candidate h holds,
 * as far as their values tell; why says what is not known or not held. */
static bool
holds(const struct pg_candidate *w, const char *who, const struct pg_candidate *h, char *why, size_t len)
{
	char a[18], b[18];

	if (h == w)
		return true;
	if (h->tli == 0) {
		snprintf(why, len, "%s published no timeline (an older Tandem): whether %s holds its WAL is unknown",
			 h->name, who);
		return false;
	}
	if (h->tli == w->tli) {
		/* One number, two histories: two promotions from one timeline. */
		if (h->parent != 0 && w->parent != 0 && (h->parent != w->parent || h->fork != w->fork)) {
			snprintf(why, len, "%s and %s are on two histories of timeline %" PRIu32 " (begun at %s and "
				 "at %s)", h->name, who, h->tli, tandem_lsn_str(h->fork, a),
				 tandem_lsn_str(w->fork, b));
			return false;
		}
		if (h->lsn <= w->lsn)
			return true;
		snprintf(why, len, "%s holds WAL to %s on timeline %" PRIu32 ", past %s's %s", h->name,
			 tandem_lsn_str(h->lsn, a), h->tli, who, tandem_lsn_str(w->lsn, b));
		return false;
	}
	if (h->tli > w->tli) {
		snprintf(why, len, "%s is on timeline %" PRIu32 ", newer than %s's %" PRIu32, h->name, h->tli,
			 who, w->tli);
		return false;
	}
	if (w->parent != 0 && h->lsn > w->fork) {
		/* Past where the winner's timeline began, h's WAL is another
		 * history (an older timeline's ancestor leaves it earlier still). */
		snprintf(why, len, "%s holds WAL to %s on timeline %" PRIu32 ", past %s where %s's timeline %" PRIu32
			 " began: it diverged", h->name, tandem_lsn_str(h->lsn, a), h->tli,
			 tandem_lsn_str(w->fork, b), who, w->tli);
		return false;
	}
	if (w->parent == h->tli)
		return true;
	/* Only the parent's fork is published: an older ancestor's is unknown. */
	snprintf(why, len, "%s is on timeline %" PRIu32 " and %s on %" PRIu32 ", %s: whether %s holds its WAL "
		 "is unknown", h->name, h->tli, who, w->tli,
		 w->parent == 0 ? "whose start is unknown" : "not its parent", who);
	return false;
}

/* The candidate named name: self, or a present other; NULL if neither. */
static const struct pg_candidate *
candidate_named(const char *name, const struct pg_candidate *self, const struct pg_candidate *others, size_t n)
{
	if (strcmp(name, self->name) == 0)
		return self;
	for (size_t i = 0; i < n; i++)
		if (others[i].present && strcmp(others[i].name, name) == 0)
			return &others[i];
	return NULL;
}

/* Whether the winner w holds every acknowledged commit by the record: the
 * primary's WAL, or that of all but k - 1 of its synchronous standbys
 * (each commit is on k of them, so on one w holds). */
static bool
record_met(const struct pg_commit_record *r, const struct pg_candidate *w, const struct pg_candidate *self,
	   const struct pg_candidate *others, size_t n, char *why, size_t len)
{
	const struct pg_candidate *p = candidate_named(r->primary, self, others, n);
	const char *who = w == self ? "this node" : w->name;
	char gap[300] = "", first[600] = "";
	size_t missing = 0;

	if (p != NULL && holds(w, who, p, gap, sizeof(gap)))
		return true;
	if (r->n_sync == 0) {
		snprintf(why, len, "%s was primary with no synchronous standby: only it holds every acknowledged "
			 "commit%s%s", r->primary, p != NULL ? ", and " : "", p != NULL ? gap : "");
		return false;
	}
	for (size_t i = 0; i < r->n_sync; i++) {
		const struct pg_candidate *c = candidate_named(r->sync[i], self, others, n);

		if (c != NULL && holds(w, who, c, gap, sizeof(gap)))
			continue;
		if (missing++ > 0)
			continue;
		if (c == NULL)
			snprintf(first, sizeof(first), "%s may hold commits %s lacks (acknowledged while %s was "
				 "primary), and it is not in this election", r->sync[i], who, r->primary);
		else
			snprintf(first, sizeof(first), "%s may hold commits %s lacks (acknowledged while %s was "
				 "primary): %s", r->sync[i], who, r->primary, gap);
	}
	if (missing < record_k(r))
		return true;
	record_gap(r, missing, first, why, len);
	return false;
}

/* Its replay has reached the end of the WAL it holds (a value without
 * r=, a level node's or 0.2.0's, is taken as level: 0.2.0 kept ties so). */
static bool
level(const struct pg_candidate *c)
{
	return c->replayed == 0 || c->replayed >= c->lsn;
}

static bool
tied(const struct pg_candidate *a, const struct pg_candidate *b)
{
	return a->tli == b->tli && a->lsn == b->lsn;
}

enum pg_promote_verdict
pg_elect(const struct pg_candidate *self, const struct pg_candidate *others, size_t n,
	 const struct pg_commit_record *record, uint64_t published, long long maxlag,
	 const struct pg_candidate **better, uint64_t *primary_lsn, char *why, size_t len)
{
	const struct pg_candidate *w = self->tli != 0 && !self->never ? self : NULL;
	char a[18], b[18];

	*better = NULL;
	*primary_lsn = published;
	why[0] = '\0';
	/* Newest timeline first, then most WAL on it; on a tie self keeps it.
	 * A node that may never be promoted never wins: it is no synchronous
	 * voter, so the record check below still finds every acknowledged
	 * commit on the winner, and what it holds beyond was acknowledged by
	 * nobody. */
	for (size_t i = 0; i < n; i++) {
		const struct pg_candidate *o = &others[i];

		if (o->tli != 0 && !o->never
		    && (w == NULL || o->tli > w->tli || (o->tli == w->tli && o->lsn > w->lsn)))
			w = o;
	}
	if (w == NULL && self->never) {
		snprintf(why, len, "this node may never be promoted (its " PG_ATTR_ROLE " node attribute, or a "
			 "delayed standby), and no other candidate may");
		return PG_PROMOTE_REFUSED;
	}
	if (w == NULL) {
		snprintf(why, len, "no candidate published a timeline");
		return PG_PROMOTE_UNKNOWN;
	}
	/* A tie goes to a candidate whose replay is level (self, on a tie,
	 * is w already). */
	for (size_t i = 0; i < n && !level(w); i++)
		if (tied(&others[i], w) && level(&others[i]) && !others[i].demoted && !others[i].never)
			w = &others[i];
	for (size_t i = 0; i < n; i++) {
		if (others[i].tli == 0 && others[i].lsn > w->lsn) {
			snprintf(why, len, "%s published no timeline (an older Tandem) and WAL to %s, past %s's %s on "
				 "timeline %" PRIu32 ": it may be ahead on that timeline", others[i].name,
				 tandem_lsn_str(others[i].lsn, a), w == self ? "this node" : w->name,
				 tandem_lsn_str(w->lsn, b), w->tli);
			return PG_PROMOTE_UNKNOWN;
		}
	}
	/* A winner that published in this election though the notification
	 * did not list it is running and holds the most WAL: it is the one to
	 * promote (its own promote checks the record).  Refusing instead left
	 * nobody promotable. */
	if (w != self && !w->present) {
		*better = w;
		return PG_PROMOTE_BEHIND;
	}
	if (record != NULL && !record_met(record, w, self, others, n, why, len)) {
		/* The record still names a node that may never be promoted (its
		 * role set a moment before the primary was lost): what an admin
		 * can do. */
		for (size_t i = 0; i < n; i++)
			if (others[i].never && others[i].present && strncmp(why, others[i].name, strlen(others[i].name)) == 0
			    && why[strlen(others[i].name)] == ' ') {
				size_t used = strlen(why);

				snprintf(why + used, len - used, "; %s may never be promoted: clear its " PG_ATTR_ROLE
					 " node attribute to promote it knowingly", others[i].name);
				break;
			}
		return PG_PROMOTE_REFUSED;
	}
	if (w != self) {
		*better = w;
		return PG_PROMOTE_BEHIND;
	}
	/* The lost primary's end as standbys on this timeline saw it: another
	 * timeline's is another history. */
	if (self->upstream > *primary_lsn)
		*primary_lsn = self->upstream;
	for (size_t i = 0; i < n; i++)
		if (others[i].tli == self->tli && others[i].upstream > *primary_lsn
		    && (others[i].parent == 0 || self->parent == 0 || others[i].fork == self->fork))
			*primary_lsn = others[i].upstream;
	/* PAF #70: the lag limit also holds when the primary is gone. */
	if (maxlag > 0 && *primary_lsn > self->lsn && *primary_lsn - self->lsn > (uint64_t)maxlag)
		return PG_PROMOTE_LAGGING;
	return PG_PROMOTE_OK;
}
