/* pgsql_test.c --- ocf:tandem:pgsql's decisions: role and code, scores, sync names, election */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pgsql.h"

static void
role_table(void **state)
{
	static const struct {
		struct pg_seen seen;
		enum pg_role role;
		int rc;
	} cases[] = {
		{ { .answered = true, .recovery = true, .postmaster_alive = true }, PG_ROLE_STANDBY, 0 },
		{ { .answered = true, .recovery = false, .postmaster_alive = true }, PG_ROLE_PRIMARY, 8 },
		/* A probe where nothing runs: pg_control says how it ended. */
		{ { .control_ok = true, .control_state = TANDEM_PG_SHUTDOWNED }, PG_ROLE_STOPPED, 7 },
		{ { .control_ok = true, .control_state = TANDEM_PG_SHUTDOWNED_IN_RECOVERY }, PG_ROLE_STOPPED, 7 },
		{ { .control_ok = true, .control_state = TANDEM_PG_IN_PRODUCTION }, PG_ROLE_CRASHED_PRIMARY, 9 },
		{ { .control_ok = true, .control_state = TANDEM_PG_IN_ARCHIVE_RECOVERY }, PG_ROLE_BROKEN, 1 },
		/* A primary fenced in its shutdown checkpoint (a demote cut
		 * short), or in the crash recovery after it: a crashed primary
		 * too, to be rewound before it follows (CI's chaos run). */
		{ { .control_ok = true, .control_state = TANDEM_PG_SHUTDOWNING }, PG_ROLE_CRASHED_PRIMARY, 9 },
		{ { .control_ok = true, .control_state = TANDEM_PG_IN_CRASH_RECOVERY }, PG_ROLE_CRASHED_PRIMARY, 9 },
		{ { .control_ok = true, .control_state = TANDEM_PG_STARTUP }, PG_ROLE_BROKEN, 1 },
		{ { .control_ok = false, .no_cluster = true }, PG_ROLE_STOPPED, 7 },
		/* pg_control there but unreadable (corrupt, unknown format): it may
		 * hide a crashed primary, so never "stopped" (issue #15). */
		{ { .control_ok = false }, PG_ROLE_BROKEN, 1 },
		/* No session for the agent, but the server answered (every slot
		 * taken): alive, in the role pg_control holds (issue #16). */
		{ { .postmaster_alive = true, .busy = true, .control_ok = true,
		    .control_state = TANDEM_PG_IN_PRODUCTION }, PG_ROLE_PRIMARY, 8 },
		{ { .postmaster_alive = true, .busy = true, .control_ok = true,
		    .control_state = TANDEM_PG_IN_ARCHIVE_RECOVERY }, PG_ROLE_STANDBY, 0 },
		{ { .postmaster_alive = true, .busy = true, .control_ok = true,
		    .control_state = TANDEM_PG_IN_CRASH_RECOVERY }, PG_ROLE_BROKEN, 1 },
		/* A postmaster that never answered within the monitor. */
		{ { .postmaster_alive = true, .control_ok = true, .control_state = TANDEM_PG_IN_PRODUCTION },
		  PG_ROLE_CRASHED_PRIMARY, 9 },
		{ { .postmaster_alive = true, .control_ok = true, .control_state = TANDEM_PG_IN_ARCHIVE_RECOVERY },
		  PG_ROLE_BROKEN, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pg_decide_role(&cases[i].seen), cases[i].role);
		assert_int_equal(pg_role_rc(cases[i].role), cases[i].rc);
	}
}

static void
facts_parsing(void **state)
{
	struct pg_facts f;

	(void)state;
	assert_true(pg_parse_facts("f", "0/5000060", "", "", "1",
				   "x6e32 streaming sync 0/5000060 0/5000000 120,x6e33 catchup async 0/4000000 0/4000000 -1",
				   "ANY 1 (\"n2\")", "tandem_n2,tandem_n3", "", &f));
	assert_true(pg_has_slot(&f, "tandem_n2"));
	assert_true(pg_has_slot(&f, "tandem_n3"));
	assert_false(pg_has_slot(&f, "tandem_n"));
	assert_false(pg_has_slot(&f, "tandem_n4"));
	assert_false(f.recovery);
	assert_int_equal(f.current, 0x5000060);
	assert_int_equal(f.timeline, 1);
	assert_int_equal(f.n_standbys, 2);
	assert_string_equal(f.standbys[0].name, "n2");
	assert_true(f.standbys[0].streaming);
	assert_true(f.standbys[0].sync);
	assert_false(f.standbys[1].streaming);
	assert_false(f.standbys[1].sync);
	assert_int_equal(f.standbys[1].flush, 0x4000000);
	assert_int_equal(f.standbys[0].reply_ms, 120);
	assert_int_equal(f.standbys[1].reply_ms, -1);
	assert_string_equal(f.sync_names, "ANY 1 (\"n2\")");
	assert_true(pg_parse_facts("t", "", "0/3000000", "0/3000060", "", "", "", "", "0/3000100", &f));
	assert_int_equal(f.upstream, 0x3000100);
	assert_true(f.recovery);
	assert_int_equal(f.timeline, 0);
	assert_false(pg_parse_facts("x", "", "", "", "", "", "", "", "", &f));
	assert_false(pg_parse_facts("t", "", "zz", "", "", "", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "0", "", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6e32 streaming", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6e32 streaming sync 0/1 0/1", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6e32 streaming sync 0/1 0/1 soon", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6e32 streaming sync 0/1 0/1 5 extra", "", "", "", &f));
}

static void
election_lsn_is_end_of_local_wal(void **state)
{
	struct pg_facts f = { .recovery = true, .received = 0x3000000, .replayed = 0x30000d8 };

	(void)state;
	/* PAF #225: after a restart the receive LSN is a segment start. */
	assert_int_equal(pg_election_lsn(&f), 0x30000d8);
	f.received = 0x4000000;
	assert_int_equal(pg_election_lsn(&f), 0x4000000);
	f.recovery = false;
	f.current = 0x9000000;
	assert_int_equal(pg_election_lsn(&f), 0x9000000);
}

static struct pg_facts
three(bool sync2, bool sync3, bool streaming3)
{
	struct pg_facts f = { .current = 0x5000000, .n_standbys = 3 };

	f.standbys[0] = (struct pg_standby){ "n2", true, sync2, 0x5000000, 0x5000000 };
	f.standbys[1] = (struct pg_standby){ "n3", streaming3, sync3, 0x4ff0000, 0x4ff0000 };
	f.standbys[2] = (struct pg_standby){ "n4", true, false, 0x4000000, 0x4000000 };
	return f;
}

static void
scores(void **state)
{
	struct pg_score s[4];
	struct pg_facts f = three(true, true, true);

	(void)state;
	/* off: by flush LSN, all promotable. */
	assert_int_equal(pg_rank_standbys(&f, PG_SYNC_OFF, 0, s, 4), 3);
	assert_int_equal(s[0].score, 1000);
	assert_int_equal(s[1].score, 999);
	assert_int_equal(s[2].score, 998);
	/* on, with synchronous standbys: only they. */
	assert_int_equal(pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4), 3);
	assert_int_equal(s[0].score, 1000);
	assert_int_equal(s[1].score, 999);
	assert_int_equal(s[2].score, PG_SCORE_FORBIDDEN);
	/* maxlag: 1 MiB; n4 is 16 MiB behind. */
	assert_int_equal(pg_rank_standbys(&f, PG_SYNC_OFF, 1 << 20, s, 4), 3);
	assert_int_equal(s[1].score, 999);
	assert_int_equal(s[2].score, PG_SCORE_FORBIDDEN);
	assert_int_equal(s[2].unfit, PG_UNFIT_MAXLAG);
	/* Not streaming: forbidden, whatever its LSN. */
	f = three(true, true, false);
	pg_rank_standbys(&f, PG_SYNC_OFF, 0, s, 4);
	assert_int_equal(s[1].score, PG_SCORE_FORBIDDEN);
	assert_int_equal(s[1].unfit, PG_UNFIT_NOT_STREAMING);
	assert_int_equal(s[0].unfit, PG_FIT);
	/* Stalled (two silent readings, the caller's): forbidden, in sync or not. */
	f = three(true, true, true);
	f.standbys[0].stalled = true;
	pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4);
	assert_int_equal(s[0].score, PG_SCORE_FORBIDDEN);
	assert_int_equal(s[0].unfit, PG_UNFIT_STALLED);
	assert_int_equal(s[1].score, 999);
	assert_int_equal(s[2].unfit, PG_UNFIT_NOT_SYNC);
	/* Forbidden is -INFINITY: an INFINITY preference (pcs resource move
	 * --promoted) must not outweigh it. */
	assert_true(PG_SCORE_FORBIDDEN <= -1000000);
	/* on without any synchronous standby (degraded): async ones may go. */
	f = three(false, false, true);
	pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4);
	assert_int_equal(s[0].score, 1000);
	/* strict never promotes one that is not synchronous. */
	pg_rank_standbys(&f, PG_SYNC_STRICT, 0, s, 4);
	assert_int_equal(s[0].score, PG_SCORE_FORBIDDEN);
	assert_int_equal(s[2].score, PG_SCORE_FORBIDDEN);
	assert_int_equal(pg_rank_standbys(&f, PG_SYNC_OFF, 0, s, 2), 2);
	/* A few bytes apart: the order stays the query's (by name), whichever
	 * is ahead this second, so scores do not trade on every monitor. */
	f = three(true, true, true);
	f.standbys[0].flush = 0x5000100;
	f.standbys[1].flush = 0x5000200;
	pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4);
	assert_int_equal(s[0].score, 1000);
	assert_int_equal(s[1].score, 999);
	f.standbys[0].flush = 0x5000300;
	pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4);
	assert_int_equal(s[0].score, 1000);
	assert_int_equal(s[1].score, 999);
	/* A step or more apart: the one ahead ranks first. */
	f.standbys[1].flush = 0x6000000;
	pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4);
	assert_int_equal(s[0].score, 999);
	assert_int_equal(s[1].score, 1000);
}

static void
silent_standby(void **state)
{
	struct pg_facts f = three(true, true, true);

	(void)state;
	f.standbys[1].reply_ms = PG_STALL_MS + 1;
	/* Behind (0x4ff0000 < 0x5000000) and silent. */
	assert_true(pg_standby_silent(&f, &f.standbys[1]));
	f.standbys[1].reply_ms = -1;
	assert_true(pg_standby_silent(&f, &f.standbys[1]));
	/* Replied lately: receiving. */
	f.standbys[1].reply_ms = PG_STALL_MS;
	assert_false(pg_standby_silent(&f, &f.standbys[1]));
	/* Idle and level: replies are only spaced by wal_receiver_status_interval. */
	f.standbys[0].reply_ms = 9000;
	assert_false(pg_standby_silent(&f, &f.standbys[0]));
	/* Not streaming is said otherwise. */
	f.standbys[1].streaming = false;
	f.standbys[1].reply_ms = 60000;
	assert_false(pg_standby_silent(&f, &f.standbys[1]));
	assert_string_equal(pg_unfit_str(PG_UNFIT_STALLED), "stalled: behind, and no reply for over 5 s");
}

/* The archiver's stuck file may be skipped only when it is an older
 * timeline's .partial, named exactly as xlog.c names one. */
static void
archive_may_skip(void **state)
{
	static const struct {
		const char *failed;
		uint32_t timeline;
		bool skip;
		uint32_t tli;
	} cases[] = {
		{ "000000030000000000000006.partial", 5, true, 3 },
		{ "0000000A00000001000000FF.partial", 11, true, 10 },
		/* A .partial of the primary's own timeline or a later one. */
		{ "000000050000000000000006.partial", 5, false, 0 },
		{ "000000060000000000000006.partial", 5, false, 0 },
		/* A whole segment, a history file, a backup label: needed. */
		{ "000000030000000000000006", 5, false, 0 },
		{ "00000005.history", 5, false, 0 },
		{ "000000030000000000000006.00000028.backup", 5, false, 0 },
		/* Not a name xlog.c writes. */
		{ "000000000000000000000006.partial", 5, false, 0 },
		{ "0000000a0000000000000006.partial", 11, false, 0 },
		{ "00000003000000000000006.partial", 5, false, 0 },
		{ "000000030000000000000006.partial.partial", 5, false, 0 },
		{ "00000003000000000000000G.partial", 5, false, 0 },
		{ "", 5, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t tli = 0;

		assert_int_equal(pg_archive_may_skip(cases[i].failed, cases[i].timeline, &tli), cases[i].skip);
		assert_int_equal(tli, cases[i].tli);
	}
	assert_false(pg_archive_may_skip(NULL, 5, &(uint32_t){ 0 }));
}

static void
history_switchpoint(void **state)
{
	/* As TIMELINE_HISTORY hands 00000003.history: a comment, a blank line. */
	const char *h = "# comment\n1\t0/3000060\tno recovery target specified\n\n2\t0/4016318\tafter a failover\n";
	uint64_t at = 0;
	bool bad;

	(void)state;
	assert_true(pg_history_switchpoint(h, 2, &at, &bad));
	assert_int_equal(at, 0x4016318);
	assert_false(bad);
	assert_true(pg_history_switchpoint(h, 1, &at, &bad));
	assert_int_equal(at, 0x3000060);
	/* The primary's own timeline, or one it never had: not a parent. */
	assert_false(pg_history_switchpoint(h, 3, &at, &bad));
	assert_false(bad);
	assert_false(pg_history_switchpoint("", 1, &at, &bad));
	assert_false(bad);
	assert_false(pg_history_switchpoint("1\tnot-an-lsn\treason\n", 1, &at, &bad));
	assert_true(bad);
	assert_false(pg_history_switchpoint("x 0/1 reason\n", 1, &at, &bad));
	assert_true(bad);
}

static void
history_fork(void **state)
{
	/* 00000003.history: where timeline 3 began is its last line. */
	const char *h = "# comment\n1\t0/3000060\tno recovery target specified\n\n2\t0/4016318\tafter a failover\n";
	uint64_t at = 0;
	uint32_t parent = 0;
	bool bad;

	(void)state;
	assert_true(pg_history_fork(h, &parent, &at, &bad));
	assert_int_equal(parent, 2);
	assert_int_equal(at, 0x4016318);
	assert_false(bad);
	assert_true(pg_history_fork("1\t0/3000060\tx", &parent, &at, &bad));
	assert_int_equal(parent, 1);
	assert_int_equal(at, 0x3000060);
	assert_false(pg_history_fork("# nothing\n\n", &parent, &at, &bad));
	assert_false(bad);
	assert_false(pg_history_fork("1\t0/3000060\tx\n2\tnot-an-lsn\n", &parent, &at, &bad));
	assert_true(bad);
	assert_false(pg_history_fork("0\t0/1\treason\n", &parent, &at, &bad));
	assert_true(bad);
}

static void
sync_names(void **state)
{
	struct pg_facts f = three(true, true, true);
	char out[256];
	bool degraded;

	(void)state;
	pg_sync_names(&f, PG_SYNC_ON, 1, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 1 (\"n2\", \"n3\", \"n4\")");
	assert_false(degraded);
	f = three(true, true, false);
	pg_sync_names(&f, PG_SYNC_ON, 1, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 1 (\"n2\", \"n4\")");
	f.n_standbys = 0;
	pg_sync_names(&f, PG_SYNC_ON, 1, "ANY 1 (\"n2\")", out, sizeof(out), &degraded);
	assert_string_equal(out, "");
	assert_true(degraded);
	pg_sync_names(&f, PG_SYNC_STRICT, 1, "ANY 1 (\"n2\")", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 1 (\"n2\")");
	assert_false(degraded);
	f = three(true, true, true);
	pg_sync_names(&f, PG_SYNC_OFF, 1, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "");
	/* A standby whose node is in maintenance is no voter, nor promotable. */
	f = three(true, true, true);
	f.standbys[1].maintenance = true;
	pg_sync_names(&f, PG_SYNC_ON, 1, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 1 (\"n2\", \"n4\")");
	{
		struct pg_score s[4];

		assert_int_equal(pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4), 3);
		assert_int_equal(s[1].score, PG_SCORE_FORBIDDEN);
		assert_int_equal(s[1].unfit, PG_UNFIT_MAINTENANCE);
		assert_string_equal(pg_unfit_str(s[1].unfit), "its node is in maintenance");
	}
	/* A quote in a node name is doubled, as in an identifier. */
	snprintf(f.standbys[0].name, sizeof(f.standbys[0].name), "a\"b");
	f.n_standbys = 1;
	pg_sync_names(&f, PG_SYNC_ON, 1, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 1 (\"a\"\"b\")");
}

/* A set that shrank lets the members that left go once they are
 * asynchronous and a remaining member has flushed the WAL as it stood
 * then. */
static void
narrow(void **state)
{
	struct pg_facts f = three(true, true, true);
	const char *was = "ANY 1 (\"n2\", \"n3\", \"n4\")", *now = "ANY 1 (\"n2\", \"n4\")";

	(void)state;
	/* n3 still acknowledges (its walsender has not read the new set). */
	assert_int_equal(pg_narrow_step(&f, now, was, -1, 0), PG_NARROW_WAIT);
	f.standbys[1].sync = false;
	assert_int_equal(pg_narrow_step(&f, now, was, -1, 0), PG_NARROW_MARK);
	/* n2 flushed 0x5000000, n4 0x4000000: a mark past both waits. */
	assert_int_equal(pg_narrow_step(&f, now, was, -1, 0x5000001), PG_NARROW_WAIT);
	assert_int_equal(pg_narrow_step(&f, now, "n3", -1, 0x5000000), PG_NARROW_DONE);
	/* Gone from pg_stat_replication: as asynchronous. */
	f.n_standbys = 1;
	assert_int_equal(pg_narrow_step(&f, "ANY 1 (\"n2\")", "n2,n3,n4", -1, 0), PG_NARROW_MARK);
	/* A remaining member not streaming does not count. */
	f.standbys[0].streaming = false;
	assert_int_equal(pg_narrow_step(&f, "ANY 1 (\"n2\")", "n2,n3,n4", -1, 0x1000), PG_NARROW_WAIT);
	/* Nobody left (they came back), or no set at all: done. */
	assert_int_equal(pg_narrow_step(&f, was, "n2,n3", -1, 0), PG_NARROW_DONE);
	assert_int_equal(pg_narrow_step(&f, "", "n2,n3", -1, 0), PG_NARROW_DONE);
}

/* sync_count: ANY k, fewer under on when fewer stream, kept under strict. */
static void
sync_count(void **state)
{
	struct pg_facts f = three(true, true, true);
	char out[256];
	bool degraded;

	(void)state;
	pg_sync_names(&f, PG_SYNC_ON, 2, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 2 (\"n2\", \"n3\", \"n4\")");
	assert_int_equal(pg_sync_num(out), 2);
	f = three(true, true, false);
	pg_sync_names(&f, PG_SYNC_ON, 3, out, out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 2 (\"n2\", \"n4\")");
	assert_false(degraded);
	/* strict: two asked, one streams, the set in force stays (writes wait). */
	f.n_standbys = 1;
	pg_sync_names(&f, PG_SYNC_STRICT, 2, "ANY 2 (\"n2\", \"n3\")", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 2 (\"n2\", \"n3\")");
	pg_sync_names(&f, PG_SYNC_STRICT, 2, "", out, sizeof(out), &degraded);
	assert_string_equal(out, "ANY 2 (\"n2\")");
	/* The k of what an admin may have written. */
	assert_int_equal(pg_sync_num(""), 0);
	assert_int_equal(pg_sync_num("n2, n3"), 1);
	assert_int_equal(pg_sync_num("*"), 1);
	assert_int_equal(pg_sync_num("FIRST 2 (n2, n3)"), 2);
	assert_int_equal(pg_sync_num("any 3(a, b, c)"), 3);
	assert_int_equal(pg_sync_num("2 (n2, n3)"), 2);
	assert_int_equal(pg_sync_num("ANY 0 (n2)"), 1);
	assert_int_equal(pg_sync_num("anybody"), 1);
}

/* A k that grew, or a set that grew from none, is pending until k members
 * in force flushed a mark read after it applied. */
static void
narrow_k(void **state)
{
	struct pg_facts f = three(true, true, true);
	const char *any2 = "ANY 2 (\"n2\", \"n3\", \"n4\")";

	(void)state;
	assert_int_equal(pg_narrow_step(&f, any2, "", -1, 0), PG_NARROW_DONE);
	assert_int_equal(pg_narrow_step(&f, any2, "", 1, 0), PG_NARROW_MARK);
	/* n2 flushed 0x5000000, n3 0x4ff0000, n4 0x4000000. */
	assert_int_equal(pg_narrow_step(&f, any2, "", 1, 0x4ff0000), PG_NARROW_DONE);
	assert_int_equal(pg_narrow_step(&f, any2, "", 1, 0x5000000), PG_NARROW_WAIT);
	assert_int_equal(pg_narrow_step(&f, any2, "", 0, 0x5000000), PG_NARROW_WAIT);
	assert_int_equal(pg_narrow_step(&f, "ANY 1 (\"n2\")", "", 0, 0x5000000), PG_NARROW_DONE);
	/* A pending k no lower than the set's is nothing pending. */
	assert_int_equal(pg_narrow_step(&f, any2, "", 2, 0), PG_NARROW_DONE);
	/* Leavers and k both: k members of the rest. */
	f.standbys[1].sync = false;
	assert_int_equal(pg_narrow_step(&f, "ANY 2 (\"n2\", \"n4\")", "n3", -1, 0x4000000), PG_NARROW_DONE);
	assert_int_equal(pg_narrow_step(&f, "ANY 2 (\"n2\", \"n4\")", "n3", -1, 0x4000001), PG_NARROW_WAIT);
}

/* Logical failover slots: 17 and later, wal_level logical only. */
static void
logical_failover(void **state)
{
	(void)state;
	assert_true(pg_logical_failover(170000, "logical"));
	assert_true(pg_logical_failover(180001, "logical"));
	assert_false(pg_logical_failover(160004, "logical"));
	assert_false(pg_logical_failover(170000, "replica"));
	assert_false(pg_logical_failover(170000, NULL));
}

/* The primary's synchronized_standby_slots: the slots of the set that
 * may be promoted, whatever order the names come in; the set decided and
 * the one in force together; only slots the primary has. */
static void
standby_slots(void **state)
{
	struct pg_facts f = three(true, false, false);
	const char nodes[5][64] = { "n1", "n2", "n3", "n4", "N-4" };
	char out[64];

	(void)state;
	snprintf(f.slots, sizeof(f.slots), "tandem_n2,tandem_n3,tandem_n4,tandem_n_4");
	assert_true(pg_standby_slots(&f, PG_SYNC_ON, "ANY 1 (\"n3\", \"n2\")", NULL, nodes, 5, out, sizeof(out)));
	assert_string_equal(out, "tandem_n2,tandem_n3");
	/* Growing: the new set's slots before the record; leaving: the old
	 * one's until the next monitor. */
	assert_true(pg_standby_slots(&f, PG_SYNC_ON, "ANY 1 (\"n2\", \"n3\")", "ANY 1 (\"n2\")", nodes, 5, out,
				     sizeof(out)));
	assert_string_equal(out, "tandem_n2,tandem_n3");
	assert_true(pg_standby_slots(&f, PG_SYNC_ON, "ANY 1 (\"n2\")", "ANY 1 (\"n2\", \"n4\")", nodes, 5, out,
				     sizeof(out)));
	assert_string_equal(out, "tandem_n2,tandem_n4");
	assert_true(pg_standby_slots(&f, PG_SYNC_STRICT, "ANY 1 (\"N-4\")", NULL, nodes, 5, out, sizeof(out)));
	assert_string_equal(out, "tandem_n_4");
	assert_true(pg_standby_slots(&f, PG_SYNC_ON, "", "", nodes, 5, out, sizeof(out)));
	assert_string_equal(out, "");
	/* A node whose slot this primary lacks (its own name after a
	 * promotion, one still to be made): left out. */
	assert_true(pg_standby_slots(&f, PG_SYNC_STRICT, "ANY 1 (\"n1\", \"n2\")", NULL, nodes, 5, out, sizeof(out)));
	assert_string_equal(out, "tandem_n2");
	/* Asynchronous: every clone standby streaming (n3 is not here). */
	assert_true(pg_standby_slots(&f, PG_SYNC_OFF, "", NULL, nodes, 5, out, sizeof(out)));
	assert_string_equal(out, "tandem_n2,tandem_n4");
	/* Fewer slots than the set would let a consumer get ahead: refused. */
	assert_false(pg_standby_slots(&f, PG_SYNC_ON, "ANY 1 (\"n2\", \"n3\")", NULL, nodes, 5, out, 12));
}

/* A candidate: name, timeline, LSN; where its timeline began (parent,
 * fork; 0 unknown or timeline 1); present in this transition. */
static struct pg_candidate
cand(const char *name, uint32_t tli, uint64_t lsn, uint32_t parent, uint64_t fork)
{
	struct pg_candidate c = { .name = name, .tli = tli, .lsn = lsn, .parent = parent, .fork = fork,
				  .present = true };

	return c;
}

static enum pg_promote_verdict
elect(const struct pg_candidate *self, const struct pg_candidate *others, size_t n, const char *record,
      const char **better, char *why, size_t len)
{
	struct pg_commit_record r;
	const struct pg_candidate *b = NULL;
	enum pg_promote_verdict v;
	uint64_t primary;

	if (record != NULL)
		assert_true(pg_commit_record_parse(record, &r));
	v = pg_elect(self, others, n, record != NULL ? &r : NULL, 0, 0, &b, &primary, why, len);
	*better = b != NULL ? b->name : NULL;
	return v;
}

/* Roles: never-promote, and a delayed standby unless promotable; such
 * a node is no voter, and never wins an election, however much WAL. */
static void
roles(void **state)
{
	char why[160], better_why[300];
	struct pg_facts f = three(true, true, true);
	const char *better;

	(void)state;
	assert_false(pg_never_promote("", "0", why, sizeof(why)));
	assert_false(pg_never_promote(NULL, "", why, sizeof(why)));
	assert_true(pg_never_promote("never-promote", "0", why, sizeof(why)));
	assert_string_equal(why, "its role is never-promote (tandem-pgsql-role)");
	assert_true(pg_never_promote("", "1h", why, sizeof(why)));
	assert_string_equal(why, "a delayed standby (recovery_min_apply_delay 1h), and its role is not promotable");
	assert_false(pg_never_promote("promotable", "1h", why, sizeof(why)));
	assert_true(pg_never_promote("never-promote", "1h", why, sizeof(why)));
	f.standbys[0].never = true;
	{
		char out[256];
		bool degraded;
		struct pg_score s[4];

		pg_sync_names(&f, PG_SYNC_ON, 1, "", out, sizeof(out), &degraded);
		assert_string_equal(out, "ANY 1 (\"n3\", \"n4\")");
		assert_int_equal(pg_rank_standbys(&f, PG_SYNC_ON, 0, s, 4), 3);
		assert_int_equal(s[0].unfit, PG_UNFIT_NEVER);
		assert_int_equal(s[0].score, PG_SCORE_FORBIDDEN);
		/* never-sync: no voter, an asynchronous standby (promoted only
		 * by an election whose record it meets). */
		f.standbys[0].never = false;
		f.standbys[1].no_vote = true;
		pg_sync_names(&f, PG_SYNC_ON, 2, "", out, sizeof(out), &degraded);
		assert_string_equal(out, "ANY 2 (\"n2\", \"n4\")");
		f.standbys[1].no_vote = false;
		f.standbys[0].never = true;
	}
	{
		/* n3 may never be promoted and holds the most WAL: n2, which
		 * the record names with n4, wins; as self it is OK. */
		struct pg_candidate self = cand("n2", 2, 0x5000000, 1, 0x3000000);
		struct pg_candidate o[2] = { cand("n3", 2, 0x6000000, 1, 0x3000000),
					     cand("n4", 2, 0x4000000, 1, 0x3000000) };

		o[0].never = true;
		assert_int_equal(elect(&self, o, 2, "primary=n1 sync=n2,n4", &better, better_why,
				       sizeof(better_why)), PG_PROMOTE_OK);
		/* The record still names it (its role set a moment before the
		 * primary was lost): refused, saying what to do. */
		assert_int_equal(elect(&self, o, 2, "primary=n1 sync=n2,n3,n4", &better, better_why,
				       sizeof(better_why)), PG_PROMOTE_REFUSED);
		assert_non_null(strstr(better_why, "n3 may never be promoted: clear its tandem-pgsql-role node "
					   "attribute to promote it knowingly"));
		/* Chosen by Pacemaker all the same, it points at the winner;
		 * with no other candidate, it refuses. */
		self.never = true;
		o[0].never = false;
		assert_int_equal(elect(&self, o, 2, NULL, &better, better_why, sizeof(better_why)), PG_PROMOTE_BEHIND);
		assert_string_equal(better, "n3");
		assert_int_equal(elect(&self, NULL, 0, NULL, &better, better_why, sizeof(better_why)), PG_PROMOTE_REFUSED);
	}
}

/* One timeline: the most WAL wins, as before timelines counted. */
static void
election(void **state)
{
	struct pg_candidate others[] = { cand("n1", 1, 0x5000000, 0, 0), cand("n3", 1, 0x4000000, 0, 0) };
	struct pg_candidate self = cand("n2", 1, 0x5000000, 0, 0);
	const struct pg_candidate *b;
	const char *better;
	char why[512];
	uint64_t primary;

	(void)state;
	assert_int_equal(elect(&self, &others[1], 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
	self.lsn = 0x4000000;
	assert_int_equal(elect(&self, others, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n1");
	/* A tie: the node being promoted keeps it (switchover). */
	self.lsn = 0x5000000;
	assert_int_equal(elect(&self, others, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
	assert_null(better);
	/* A tie goes to a candidate whose replay is level (issue 28: one
	 * blocked by a query conflict, or delayed, replays it all before its
	 * promotion ends); self first, else self keeps it. */
	{
		struct pg_candidate tie[] = { cand("n1", 1, 0x5000000, 0, 0), cand("n3", 1, 0x5000000, 0, 0) };

		self = cand("n2", 1, 0x5000000, 0, 0);
		self.replayed = 0x4000000;
		tie[0].replayed = 0x4800000;
		tie[1].replayed = 0x5000000;
		assert_int_equal(elect(&self, tie, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
		assert_string_equal(better, "n3");
		self.replayed = 0;
		assert_int_equal(elect(&self, tie, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
		/* Never to a node being demoted (a switchover's old primary). */
		tie[1].demoted = true;
		assert_int_equal(elect(&self, tie, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
		tie[1].demoted = false;
		/* Nobody level: self keeps it. */
		self.replayed = 0x4000000;
		tie[1].replayed = 0x4000000;
		assert_int_equal(elect(&self, tie, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
		/* A value without r= (level, or 0.2.0's) is level. */
		tie[1].replayed = 0;
		assert_int_equal(elect(&self, tie, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
		assert_string_equal(better, "n3");
		tie[1].replayed = 0x4000000;
		/* More WAL still wins, level or not. */
		tie[0].lsn = 0x5000100;
		tie[1].replayed = 0x5000000;
		assert_int_equal(elect(&self, tie, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
		assert_string_equal(better, "n1");
		/* Another with more WAL, not level, ties a third that is: the third. */
		{
			struct pg_candidate ahead[] = { cand("n1", 1, 0x5000100, 0, 0), cand("n3", 1, 0x5000100, 0, 0) };

			ahead[0].replayed = 0x5000000;
			ahead[1].replayed = 0;
			assert_int_equal(elect(&self, ahead, 2, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
			assert_string_equal(better, "n3");
		}
		self.replayed = 0;
	}
	/* The most advanced of several is named. */
	{
		struct pg_candidate three[] = { cand("n1", 1, 0x5000000, 0, 0), cand("n3", 1, 0x6000000, 0, 0),
						cand("n4", 1, 0x5500000, 0, 0) };

		self.lsn = 0x4000000;
		assert_int_equal(elect(&self, three, 3, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
		assert_string_equal(better, "n3");
	}
	/* PAF #70: maxlag against the lost primary's last known LSN. */
	self.lsn = 0x5000000;
	assert_int_equal(pg_elect(&self, NULL, 0, NULL, 0x5100000, 1 << 20, &b, &primary, why, sizeof(why)),
			 PG_PROMOTE_OK);
	assert_int_equal(pg_elect(&self, NULL, 0, NULL, 0x5200000, 1 << 20, &b, &primary, why, sizeof(why)),
			 PG_PROMOTE_LAGGING);
	assert_int_equal(primary, 0x5200000);
	assert_int_equal(pg_elect(&self, NULL, 0, NULL, 0x9000000, 0, &b, &primary, why, sizeof(why)),
			 PG_PROMOTE_OK);
	/* A standby's view of the primary's end counts on its own timeline only. */
	{
		struct pg_candidate old = cand("n3", 1, 0x3000000, 0, 0), same = cand("n4", 2, 0x4f00000, 1, 0x3000060);

		self = cand("n2", 2, 0x5000000, 1, 0x3000060);
		old.upstream = 0x9000000;
		assert_int_equal(pg_elect(&self, &old, 1, NULL, 0, 1 << 20, &b, &primary, why, sizeof(why)),
				 PG_PROMOTE_OK);
		assert_int_equal(primary, 0);
		same.upstream = 0x9000000;
		assert_int_equal(pg_elect(&self, &same, 1, NULL, 0, 1 << 20, &b, &primary, why, sizeof(why)),
				 PG_PROMOTE_LAGGING);
		assert_int_equal(primary, 0x9000000);
	}
}

/* Issue 28's field report.  n3, primary on timeline 1, wrote ~200 MB its
 * standbys never received and lost power; n1 was promoted (timeline 2,
 * forked from 1 at X) and acknowledged commits synchronously with n2
 * (record: primary=n1 sync=n2); n1 and n2 lost power; n3 and n2 came
 * back.  n3's LSN, on timeline 1, is the larger number: it must lose. */
#define X 0x3000060ULL
static void
election_field_case(void **state)
{
	struct pg_candidate n3 = cand("n3", 1, X + (200ULL << 20), 0, 0);
	struct pg_candidate n2 = cand("n2", 2, X + 0x100000, 1, X);
	const char *better;
	char why[512];

	(void)state;
	/* n3's promote: n2 is the winner, and the record is met by it. */
	assert_int_equal(elect(&n3, &n2, 1, "primary=n1 sync=n2", &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n2");
	/* n2's promote: it wins over n3's larger LSN. */
	assert_int_equal(elect(&n2, &n3, 1, "primary=n1 sync=n2", &better, why, sizeof(why)), PG_PROMOTE_OK);
	assert_null(better);
	/* The same with no record (sync_mode=off): timelines still decide. */
	assert_int_equal(elect(&n3, &n2, 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n2");
	assert_int_equal(elect(&n2, &n3, 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
	/* n2 absent (n3 back alone): n3 is not promoted, the record says why. */
	assert_int_equal(elect(&n3, NULL, 0, "primary=n1 sync=n2", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_string_equal(why, "n2 may hold commits this node lacks (acknowledged while n1 was primary), and it "
				 "is not in this election");
}

/* A node on an older timeline past the newer one's fork diverged: it
 * never wins, and cannot stand for the record; before the fork, the newer
 * timeline holds all its WAL. */
static void
election_diverged(void **state)
{
	struct pg_candidate n1 = cand("n1", 2, X + 0x2000, 1, X);
	struct pg_candidate past = cand("n3", 1, X + 0x10000, 0, 0), before = cand("n3", 1, X - 0x60, 0, 0);
	const char *better;
	char why[512];

	(void)state;
	/* The record names the diverged node as the primary (it last wrote
	 * one): what it holds past the fork, n1 lacks. */
	assert_int_equal(elect(&n1, &past, 1, "primary=n3 sync=", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_string_equal(why, "n3 was primary with no synchronous standby: only it holds every acknowledged "
				 "commit, and n3 holds WAL to 0/3010060 on timeline 1, past 0/3000060 where this "
				 "node's timeline 2 began: it diverged");
	assert_int_equal(elect(&past, &n1, 1, "primary=n3 sync=", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	/* n3 ended before the fork: n1 holds all of it. */
	assert_int_equal(elect(&n1, &before, 1, "primary=n3 sync=", &better, why, sizeof(why)), PG_PROMOTE_OK);
	assert_int_equal(elect(&before, &n1, 1, "primary=n3 sync=", &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n1");
	/* Two timelines on: past the newest fork it diverged; before it, only
	 * the parent's fork is known, so whether it holds the WAL is not. */
	{
		struct pg_candidate n4 = cand("n4", 3, 0x5000000, 2, 0x4000000);
		struct pg_candidate far = cand("n3", 1, 0x4800000, 0, 0), near = cand("n3", 1, 0x3500000, 0, 0);

		assert_int_equal(elect(&n4, &far, 1, "primary=n3 sync=", &better, why, sizeof(why)),
				 PG_PROMOTE_REFUSED);
		assert_non_null(strstr(why, "it diverged"));
		assert_int_equal(elect(&n4, &near, 1, "primary=n3 sync=", &better, why, sizeof(why)),
				 PG_PROMOTE_REFUSED);
		assert_non_null(strstr(why, "not its parent"));
		assert_int_equal(elect(&n4, &near, 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
	}
	/* One number, two histories (two nodes promoted from one timeline):
	 * the other history's commits are not the winner's. */
	{
		struct pg_candidate n4 = cand("n4", 2, X + 0x9000, 1, X + 0x4000);

		assert_int_equal(elect(&n4, &n1, 1, "primary=n1 sync=", &better, why, sizeof(why)),
				 PG_PROMOTE_REFUSED);
		assert_non_null(strstr(why, "two histories of timeline 2"));
	}
}

/* An older Tandem's value has no timeline: it never wins, never stands
 * for the record, and a larger LSN than the winner's holds the election. */
static void
election_unknown_timeline(void **state)
{
	struct pg_candidate n2 = cand("n2", 2, X + 0x100000, 1, X), n3;
	const char *better;
	char why[512];
	int64_t when;

	(void)state;
	assert_true(pg_election_parse("0/F000060@1795000000", &n3, &when));
	n3.name = "n3";
	n3.present = true;
	assert_int_equal(n3.tli, 0);
	assert_int_equal(elect(&n2, &n3, 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_UNKNOWN);
	assert_null(better);
	assert_string_equal(why, "n3 published no timeline (an older Tandem) and WAL to 0/F000060, past this "
				 "node's 0/3100060 on timeline 2: it may be ahead on that timeline");
	/* Behind the winner: ignored, unless the record needs it. */
	n3.lsn = X;
	assert_int_equal(elect(&n2, &n3, 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_OK);
	assert_int_equal(elect(&n2, &n3, 1, "primary=n1 sync=n3", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_non_null(strstr(why, "n3 published no timeline (an older Tandem): whether this node holds its WAL "
				    "is unknown"));
	/* Never the winner, even alone with a node that has no timeline either. */
	n2.tli = 0;
	assert_int_equal(elect(&n2, &n3, 1, NULL, &better, why, sizeof(why)), PG_PROMOTE_UNKNOWN);
	assert_string_equal(why, "no candidate published a timeline");
}

/* The record, as one decision with the winner's WAL. */
static void
election_record(void **state)
{
	struct pg_candidate n1 = cand("n1", 3, 0x6000000, 2, 0x1000000), n2 = cand("n2", 3, 0x5000000, 2, 0x1000000);
	struct pg_candidate n3 = cand("n3", 3, 0x4000000, 2, 0x1000000);
	const char *better;
	char why[512];

	(void)state;
	/* primary n1, ANY 1 (n2, n3): a commit may be on either standby only. */
	assert_int_equal(elect(&n2, &n3, 1, "primary=n1 sync=n2,n3", &better, why, sizeof(why)), PG_PROMOTE_OK);
	assert_int_equal(elect(&n2, NULL, 0, "primary=n1 sync=n2,n3", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_non_null(strstr(why, "n3 may hold commits this node lacks"));
	/* Being stopped in this transition: not in the election. */
	n3.present = false;
	assert_int_equal(elect(&n2, &n3, 1, "primary=n1 sync=n2,n3", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	n3.present = true;
	/* The primary in the election (a switchover): the most advanced wins. */
	assert_int_equal(elect(&n2, &n1, 1, "primary=n1 sync=n2,n3", &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n1");
	/* A winner named by no record, with its holders in: they are behind it. */
	{
		struct pg_candidate n4 = cand("n4", 3, 0x7000000, 2, 0x1000000), two[] = { n2, n3 };

		assert_int_equal(elect(&n4, two, 2, "primary=n1 sync=n2,n3", &better, why, sizeof(why)),
				 PG_PROMOTE_OK);
		assert_int_equal(elect(&n4, NULL, 0, "primary=n1 sync=n2,n3", &better, why, sizeof(why)),
				 PG_PROMOTE_REFUSED);
	}
	/* primary n2 alone (asynchronous): only it. */
	assert_int_equal(elect(&n1, NULL, 0, "primary=n2 sync=", &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_string_equal(why, "n2 was primary with no synchronous standby: only it holds every acknowledged commit");
	/* The winner fails the record: no one is promoted, whoever asks. */
	{
		struct pg_candidate newer = cand("n4", 4, 0x1100000, 3, 0x1000000);

		assert_int_equal(elect(&n1, &newer, 1, "primary=n1 sync=", &better, why, sizeof(why)),
				 PG_PROMOTE_REFUSED);
		assert_non_null(strstr(why, "n1 holds WAL to 0/6000000 on timeline 3, past 0/1000000 where n4's "
					    "timeline 4 began: it diverged"));
	}
}

/* WAL file names and first page headers: a recycled file renamed ahead
 * still holds its old segment's pages. */
static void
wal_files(void **state)
{
	uint64_t seg = 16ULL << 20, segno, addr;
	uint32_t tli, t = 3;
	unsigned char head[16] = { 0 };

	(void)state;
	assert_true(pg_wal_name_parse("000000030000000000000004", seg, &tli, &segno));
	assert_int_equal(tli, 3);
	assert_int_equal(segno, 4);
	assert_true(pg_wal_name_parse("0000000A00000001000000FF", seg, &tli, &segno));
	assert_int_equal(tli, 10);
	assert_int_equal(segno, 0x1FF);
	assert_true(pg_wal_name_parse("000000010000000100000003", 1ULL << 30, &tli, &segno));
	assert_int_equal(segno, 7);
	assert_false(pg_wal_name_parse("000000010000000100000004", 1ULL << 30, &tli, &segno));
	assert_false(pg_wal_name_parse("00000003.history", seg, &tli, &segno));
	assert_false(pg_wal_name_parse("000000030000000000000004.partial", seg, &tli, &segno));
	assert_false(pg_wal_name_parse("00000003000000000000000g", seg, &tli, &segno));
	assert_false(pg_wal_name_parse("000000000000000000000004", seg, &tli, &segno));
	addr = 5 * seg;
	memcpy(head + 4, &t, sizeof(t));
	memcpy(head + 8, &addr, sizeof(addr));
	assert_true(pg_wal_page_is(head, sizeof(head), 3, 5, seg));
	assert_false(pg_wal_page_is(head, sizeof(head), 3, 6, seg));
	assert_false(pg_wal_page_is(head, sizeof(head), 4, 5, seg));
	assert_false(pg_wal_page_is(head, 15, 3, 5, seg));
}

/* ANY 2 of four standbys: any one may be lost with the primary, not two. */
static void
election_any(void **state)
{
	struct pg_candidate n2 = cand("n2", 3, 0x6000000, 2, 0x1000000), n3 = cand("n3", 3, 0x5000000, 2, 0x1000000);
	struct pg_candidate n4 = cand("n4", 3, 0x4000000, 2, 0x1000000), n5 = cand("n5", 3, 0x3000000, 2, 0x1000000);
	struct pg_candidate three_of[] = { n3, n4, n5 }, two_of[] = { n4, n5 };
	const char *rec = "primary=n1 sync=n2,n3,n4,n5 any=2", *better, *none[] = { NULL };
	const char *n4n5[] = { "n4", "n5" }, *n3n4[] = { "n3", "n4" };
	struct pg_commit_record r;
	char why[600], out[256];

	(void)state;
	assert_true(pg_commit_record_parse(rec, &r));
	assert_int_equal(r.any, 2);
	assert_int_equal(r.n_sync, 4);
	pg_commit_record_format(&r, out, sizeof(out));
	assert_string_equal(out, rec);
	assert_false(pg_commit_record_parse("primary=n1 sync=n2 any=0", &r));
	assert_false(pg_commit_record_parse("primary=n1 sync=n2 any=", &r));
	assert_false(pg_commit_record_parse("primary=n1 sync=n2 any=2 more", &r));
	assert_false(pg_commit_record_parse("primary=n1 sync=n2 k=2", &r));
	assert_true(pg_commit_record_parse("primary=n1 sync=n2", &r));
	assert_int_equal(r.any, 1);
	pg_commit_record_format(&r, out, sizeof(out));
	assert_string_equal(out, "primary=n1 sync=n2");

	/* The primary and n2 lost: n3, n4, n5 hold a copy of every commit. */
	assert_int_equal(elect(&n4, three_of, 3, rec, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n3");
	assert_int_equal(elect(&n3, two_of, 2, rec, &better, why, sizeof(why)), PG_PROMOTE_OK);
	/* Two lost with the primary: a commit may be on those two only. */
	assert_int_equal(elect(&n2, &n3, 1, rec, &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_int_equal(elect(&n4, &n5, 1, rec, &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
	assert_non_null(strstr(why, "2 of the 4 synchronous standbys of n1 may hold commits the others lack"));
	assert_non_null(strstr(why, "n2 may hold commits this node lacks"));
	/* Under ANY 1 the same loss of one standby waits. */
	assert_int_equal(elect(&n3, two_of, 2, "primary=n1 sync=n2,n3,n4,n5", &better, why, sizeof(why)),
			 PG_PROMOTE_REFUSED);
	/* A present member on another history counts as missing. */
	{
		struct pg_candidate fork = cand("n5", 3, 0x3000000, 2, 0x2000000), odd[] = { n4, fork };

		assert_int_equal(elect(&n3, odd, 2, rec, &better, why, sizeof(why)), PG_PROMOTE_REFUSED);
		assert_non_null(strstr(why, "2 of the 4 synchronous standbys"));
		/* n2 back: n5 alone is missing. */
		{
			struct pg_candidate back[] = { n2, n4, fork };

			assert_int_equal(elect(&n3, back, 3, rec, &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
			assert_string_equal(better, "n2");
		}
	}
	/* Outside an election, by presence alone. */
	assert_true(pg_commit_record_parse(rec, &r));
	assert_true(pg_commit_record_allows(&r, "n3", n4n5, 2, why, sizeof(why)));
	assert_true(pg_commit_record_allows(&r, "n2", n3n4, 2, why, sizeof(why)));
	assert_false(pg_commit_record_allows(&r, "n3", n4n5 + 1, 1, why, sizeof(why)));
	assert_non_null(strstr(why, "2 of the 4 synchronous standbys"));
	assert_false(pg_commit_record_allows(&r, "n3", none, 0, why, sizeof(why)));
}

static void
election_values(void **state)
{
	char buf[PG_ELECTION_VALUE_MAX];
	struct pg_candidate c;
	int64_t when;
	const char *bad[] = { "", "0/5000000", "@123", "0/5000000@", "0/5000000@x", "0/5000000@12x",
			      "zz@123", "0/5000000@99999999999999999999", "0/50000000000000000000000@1",
			      "0/5000000@1@", "0/5000000@1@zz", "0/5000000@1@0/5@", "0/5000000@1@0/5 ",
			      "0:0/5000000@1", "x:0/5000000@1", "4294967296:0/5000000@1", "1:@1", " 1:0/5@1",
			      "+1:0/5@1", "1:0/5@1,", "2:0/5@1,2:0/3", "2:0/5@1,3:0/3", "0/5@1,1:0/3", "2:0/5@1,1:",
			      "2:0/5@1,1:0/3,1:0/3", "2:0/5@1,:0/3", "2:0/5@1;", "2:0/5@1;r", "2:0/5@1;=1",
			      "2:0/5@1;r=", "2:0/5@1;r=zz", "2:0/5@1;r=0/0", "2:0/5@1;r=0/5;r=0/5", "0/5@1;r=0/5",
			      "2:0/5@1;r=0/5 ", "2:0/5@1;n=", "2:0/5@1;n=2", "2:0/5@1;n=11", "2:0/5@1;n=1;n=1" };
	/* Timeline 1 (no fork); a standby on timeline 2 that knows where its
	 * primary's WAL ended and where timeline 2 began. */
	const struct { struct pg_candidate c; const char *text; } good[] = {
		{ { .tli = 1, .lsn = 0x50A2FD0 }, "1:0/50A2FD0@1795000000" },
		{ { .tli = 2, .lsn = 0x50A2FD0, .upstream = 0x50A3000, .parent = 1, .fork = 0x3000060 },
		  "2:0/50A2FD0@1795000000@0/50A3000,1:0/3000060" },
		{ { .tli = 2, .lsn = 0x50A2FD0, .parent = 1, .fork = 0x3000060, .replayed = 0x5000000 },
		  "2:0/50A2FD0@1795000000,1:0/3000060;r=0/5000000" },
		{ { .tli = 0xffffffff, .lsn = ~0ULL, .upstream = ~0ULL, .parent = 0xfffffffe, .fork = ~0ULL,
		    .replayed = ~0ULL - 1, .never = true },
		  "4294967295:FFFFFFFF/FFFFFFFF@1795000000@FFFFFFFF/FFFFFFFF,4294967294:FFFFFFFF/FFFFFFFF"
		  ";r=FFFFFFFF/FFFFFFFE;n=1" },
		/* A node that may never be promoted. */
		{ { .tli = 2, .lsn = 0x5000000, .never = true }, "2:0/5000000@1795000000;n=1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pg_election_format(&good[i].c, 1795000000, buf, sizeof(buf));
		assert_string_equal(buf, good[i].text);
		assert_true(pg_election_parse(buf, &c, &when));
		assert_int_equal(c.tli, good[i].c.tli);
		assert_int_equal(c.lsn, good[i].c.lsn);
		assert_int_equal(when, 1795000000);
		assert_int_equal(c.upstream, good[i].c.upstream);
		assert_int_equal(c.parent, good[i].c.parent);
		assert_int_equal(c.fork, good[i].c.fork);
		assert_int_equal(c.replayed, good[i].c.replayed);
		assert_int_equal(c.never, good[i].c.never);
	}
	/* Level: no r=, the value 0.2.0 reads. */
	{
		struct pg_candidate lv = { .tli = 2, .lsn = 0x5000000, .replayed = 0x5000000 };

		pg_election_format(&lv, 1795000000, buf, sizeof(buf));
		assert_string_equal(buf, "2:0/5000000@1795000000");
	}
	/* A later Tandem's fields, unknown here, are skipped. */
	assert_true(pg_election_parse("2:0/5000000@1,1:0/3;x=what ever;r=0/4000000;y=", &c, &when));
	assert_int_equal(c.replayed, 0x4000000);
	assert_int_equal(c.fork, 0x3);
	/* An older Tandem's value: no timeline (unknown). */
	assert_true(pg_election_parse("0/50A2FD0@1795000000@0/50A3000", &c, &when));
	assert_int_equal(c.tli, 0);
	assert_int_equal(c.lsn, 0x50A2FD0);
	assert_int_equal(c.upstream, 0x50A3000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(pg_election_parse(bad[i], &c, &when));
}

static void
election_gather(void **state)
{
	/* What attrd holds when n1's promote reads, its barrier back: n2's
	 * value stamped by a clock 30 s behind n1's, n3 none, n4 garbage; n5
	 * is not expected (being stopped) but counts, stamped by a clock
	 * ahead.  The stamps are never compared (skewed clocks: issue 28). */
	char *nodes[] = { "n1", "n2", "n4", "n5" };
	char *values[] = { "2:0/6000000@2000", "2:0/5000000@1970@0/5000100,1:0/3000060", "junk",
			   "0/5500000@2100" };
	const char expected[][64] = { "n1", "n2", "n3", "n4" };
	struct pg_candidate out[8];
	const char *missing;
	size_t n;

	(void)state;
	assert_int_equal(pg_election_gather("n1", nodes, values, 4, expected, 4, out, 8, &n, &missing), 2);
	assert_string_equal(missing, "n3");
	assert_int_equal(n, 2);
	assert_string_equal(out[0].name, "n2");
	assert_int_equal(out[0].tli, 2);
	assert_int_equal(out[0].lsn, 0x5000000);
	assert_int_equal(out[0].upstream, 0x5000100);
	assert_int_equal(out[0].parent, 1);
	assert_int_equal(out[0].fork, 0x3000060);
	assert_true(out[0].present);
	assert_string_equal(out[1].name, "n5");
	assert_int_equal(out[1].tli, 0);        /* an older Tandem's */
	assert_int_equal(out[1].upstream, 0);
	assert_false(out[1].present);
	/* Every expected one here: nothing missing; self never a candidate. */
	nodes[2] = "n3";
	values[2] = "1:0/9000000@10";
	assert_int_equal(pg_election_gather("n1", nodes, values, 4, expected, 4, out, 8, &n, &missing), 1);
	assert_string_equal(missing, "n4");
	nodes[0] = "n4";
	values[0] = "1:0/1000000@99999";
	assert_int_equal(pg_election_gather("n1", nodes, values, 4, expected, 4, out, 8, &n, &missing), 0);
	assert_null(missing);
	assert_int_equal(n, 4);
	/* out[] full: the rest are counted missing, never dropped silently. */
	assert_int_equal(pg_election_gather("n1", nodes, values, 4, expected, 4, out, 1, &n, &missing), 2);
	assert_int_equal(n, 1);
	/* Nothing published at all. */
	assert_int_equal(pg_election_gather("n1", NULL, NULL, 0, expected, 4, out, 8, &n, &missing), 3);
	assert_string_equal(missing, "n2");
}

/* Who pre-promote waits for: every instance running when promote reads,
 * the node whose failed promote is recovered (stopped and started) in this
 * transition among them: in the field (timeline_fork, Debian 13) n1's
 * promote failed (n3 held more WAL), its recovery replayed more from the
 * archive, and n3's promote, not counting n1, refused: no primary. */
static void
election_expected(void **state)
{
	struct tandem_ocf_notify n;
	char out[256];

	(void)state;
	memset(&n, 0, sizeof(n));
	assert_int_equal(tandem_uname_list_parse("n1 n3", &n.unpromoted), 0);
	assert_int_equal(tandem_uname_list_parse("n3", &n.promote), 0);
	assert_int_equal(tandem_uname_list_parse("n2", &n.demote), 0);
	assert_int_equal(tandem_uname_list_parse("n2", &n.stop), 0);
	/* The lost primary n2, demoted and stopped, is no candidate. */
	assert_int_equal(pg_election_expected(&n, out, sizeof(out)), 2);
	assert_string_equal(out, "n1\nn3\n");
	tandem_uname_list_free(&n.demote);
	tandem_uname_list_free(&n.stop);
	/* n1 recovered in this transition: demoted, stopped, started. */
	assert_int_equal(tandem_uname_list_parse("n1", &n.demote), 0);
	assert_int_equal(tandem_uname_list_parse("n1 n2", &n.stop), 0);
	assert_int_equal(tandem_uname_list_parse("n1", &n.start), 0);
	assert_int_equal(pg_election_expected(&n, out, sizeof(out)), 2);
	assert_string_equal(out, "n1\nn3\n");
	/* Too small a buffer: the names that fit, whole. */
	assert_int_equal(pg_election_expected(&n, out, 5), 1);
	assert_string_equal(out, "n1\n");
	tandem_uname_list_free(&n.unpromoted);
	tandem_uname_list_free(&n.promote);
	tandem_uname_list_free(&n.demote);
	tandem_uname_list_free(&n.stop);
	tandem_uname_list_free(&n.start);
}

/* A node that published in this election though the notification did not
 * list it, with the most WAL: it is the one to promote, not a reason to
 * refuse (which left nobody promotable). */
static void
election_unlisted_winner(void **state)
{
	struct pg_candidate n3 = cand("n3", 15, 0x200E2000, 14, 0x1F010480);
	struct pg_candidate n1 = cand("n1", 15, 0x20426700, 14, 0x1F010480);
	const char *better;
	char why[512];

	(void)state;
	n1.present = false;
	assert_int_equal(elect(&n3, &n1, 1, "primary=n2 sync=n1,n3", &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n1");
	/* Listed, the same verdict, by the record's check. */
	n1.present = true;
	assert_int_equal(elect(&n3, &n1, 1, "primary=n2 sync=n1,n3", &better, why, sizeof(why)), PG_PROMOTE_BEHIND);
	assert_string_equal(better, "n1");
}

/* The walsenders as the monitor query sends them: every name read right
 * (issue: "Debezium Streaming" made the answer unreadable and the healthy
 * primary was restarted), and only the clone's nodes kept as standbys
 * (Barman's receiver was a synchronous voter and blocked every failover). */
static void
neighbours(void **state)
{
	/* n2; "barman_receive_wal"; "Debezium Streaming"; ""; "a,b \"c\""; n3. */
	const char *rows = "x6e32 streaming sync 0/5000060 0/5000060 10,"
			   "x6e33 streaming sync 0/4000000 0/4000000 10,"
			   "x6261726d616e5f726563656976655f77616c streaming sync 0/5000060 0/5000060 5,"
			   "x446562657a69756d2053747265616d696e67 catchup async 0/3000000 0/3000000 -1,"
			   "x streaming async 0/5000060 0/5000060 7,"
			   "x612c62202263 streaming potential 0/5000060 0/5000060 7";
	const char nodes[3][64] = { "n1", "n2", "n3" };
	struct pg_facts f;
	char names[512], shown[1024];
	bool degraded;

	(void)state;
	assert_true(pg_parse_facts("f", "0/5000060", "", "", "1", rows, "", "", "", &f));
	assert_int_equal(f.n_standbys, 6);
	assert_string_equal(f.standbys[2].name, "barman_receive_wal");
	assert_string_equal(f.standbys[3].name, "Debezium Streaming");
	assert_string_equal(f.standbys[4].name, "");
	assert_string_equal(f.standbys[5].name, "a,b \"c");
	assert_int_equal(pg_keep_members(&f, nodes, 3), 4);
	assert_int_equal(f.n_standbys, 2);
	assert_string_equal(f.standbys[0].name, "n2");
	assert_string_equal(f.standbys[1].name, "n3");
	pg_sync_names(&f, PG_SYNC_ON, 1, "", names, sizeof(names), &degraded);
	assert_string_equal(names, "ANY 1 (\"n2\", \"n3\")");
	pg_neighbours_str(&f, shown, sizeof(shown));
	assert_string_equal(shown, "\"barman_receive_wal\" streaming, 0 MiB behind; \"Debezium Streaming\" not "
				   "streaming, 32 MiB behind; \"\" streaming, 0 MiB behind; \"a,b \"c\" streaming, 0 MiB behind");
	/* No node known yet (no notification since boot): host-like names only. */
	assert_true(pg_parse_facts("f", "0/5000060", "", "", "1", rows, "", "", "", &f));
	assert_int_equal(pg_keep_members(&f, NULL, 0), 3);
	assert_int_equal(f.n_standbys, 3);
	assert_string_equal(f.standbys[2].name, "barman_receive_wal");
	/* Malformed names: odd digits, not hex, a NUL byte, no x, too long. */
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6e3 streaming sync 0/1 0/1 5", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6g32 streaming sync 0/1 0/1 5", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "x6e0032 streaming sync 0/1 0/1 5", "", "", "", &f));
	assert_false(pg_parse_facts("f", "0/1", "", "", "1", "n2 streaming sync 0/1 0/1 5", "", "", "", &f));
	{
		char longname[200] = "x", row[300];

		for (int i = 0; i < 64; i++)
			strcat(longname, "61");
		snprintf(row, sizeof(row), "%s streaming sync 0/1 0/1 5", longname);
		assert_false(pg_parse_facts("f", "0/1", "", "", "1", row, "", "", "", &f));
		longname[1 + 63 * 2] = '\0';   /* 63 bytes: NAMEDATALEN - 1 */
		snprintf(row, sizeof(row), "%s streaming sync 0/1 0/1 5", longname);
		assert_true(pg_parse_facts("f", "0/1", "", "", "1", row, "", "", "", &f));
		assert_int_equal(strlen(f.standbys[0].name), 63);
	}
	/* More walsenders than standbys a primary serves: the clone's, sent
	 * first, are all kept. */
	{
		char many[8192] = "";

		for (int i = 0; i < 40; i++) {
			size_t used = strlen(many);

			snprintf(many + used, sizeof(many) - used, "%sx%02x%02x streaming async 0/1 0/1 5", i ? "," : "",
				 'n', '1' + i % 3);
		}
		assert_true(pg_parse_facts("f", "0/1", "", "", "1", many, "", "", "", &f));
		assert_int_equal(f.n_standbys, 40);
		assert_int_equal(pg_keep_members(&f, nodes, 3), 0);
		assert_int_equal(f.n_standbys, PG_MAX_STANDBYS);
	}
	/* Twenty neighbours: the first PG_MAX_NEIGHBOURS shown, the rest
	 * counted. */
	{
		char many[8192] = "x6e32 streaming sync 0/1 0/1 5";

		for (int i = 0; i < 20; i++) {
			size_t used = strlen(many);

			snprintf(many + used, sizeof(many) - used, ",x%02x%02x streaming async 0/1 0/1 5", 'r',
				 'a' + i);
		}
		assert_true(pg_parse_facts("f", "0/1", "", "", "1", many, "", "", "", &f));
		assert_int_equal(pg_keep_members(&f, nodes, 3), PG_MAX_NEIGHBOURS);
		assert_int_equal(f.n_standbys, 1);
		pg_neighbours_str(&f, shown, sizeof(shown));
		assert_non_null(strstr(shown, "\"rp\" streaming, 0 MiB behind; and 4 more"));
	}
}

static void
planned_demote(void **state)
{
	struct tandem_ocf_notify n;

	(void)state;
	memset(&n, 0, sizeof(n));
	assert_false(pg_planned_demote(&n));    /* no demote at all: a failover */
	assert_int_equal(tandem_uname_list_parse("n1", &n.demote), 0);
	assert_true(pg_planned_demote(&n));     /* pcs resource move --promoted */
	assert_int_equal(tandem_uname_list_parse("n2 n1", &n.stop), 0);
	assert_false(pg_planned_demote(&n));    /* a failed primary: demoted and stopped */
	assert_true(pg_stop_follows_demote(&n, "n1"));
	assert_false(pg_stop_follows_demote(&n, "n2"));   /* stopped, not demoted */
	assert_false(pg_stop_follows_demote(&n, "n3"));
	assert_false(pg_restarts_in_place(&n, "n1"));    /* stopped for good */
	assert_int_equal(tandem_uname_list_parse("n1", &n.start), 0);
	assert_true(pg_restarts_in_place(&n, "n1"));     /* recovered in place */
	assert_false(pg_restarts_in_place(&n, "n2"));
	tandem_uname_list_free(&n.start);
	tandem_uname_list_free(&n.stop);
	assert_int_equal(tandem_uname_list_parse("n2", &n.stop), 0);
	assert_true(pg_planned_demote(&n));     /* another node stopped meanwhile */
	assert_false(pg_stop_follows_demote(&n, "n1"));
	tandem_uname_list_free(&n.stop);
	tandem_uname_list_free(&n.demote);
}

static void
start_opts_and_slots(void **state)
{
	char why[128], slot[80];

	(void)state;
	assert_true(pg_start_opts_ok("-c config_file=/etc/postgresql/15/main/postgresql.conf", why, sizeof(why)));
	assert_false(pg_start_opts_ok("-c x=1; rm -rf /", why, sizeof(why)));
	assert_string_equal(why, "character ';' is not allowed (letters, digits, space and _.=/:,- only)");
	assert_false(pg_start_opts_ok("-c x=$(id)", why, sizeof(why)));
	assert_false(pg_start_opts_ok("-c x='a'", why, sizeof(why)));
	/* Paths inside pg_ctl's double-quoted shell command. */
	assert_true(pg_shell_path_ok("/var/log/postgresql/postgresql-15 main.log", why, sizeof(why)));
	assert_true(pg_shell_path_ok("/srv/pg data/'quoted'", why, sizeof(why)));
	assert_false(pg_shell_path_ok("/tmp/x$(touch /tmp/y)", why, sizeof(why)));
	assert_string_equal(why, "character '$' is not allowed (pg_ctl hands the path to a shell, in double quotes)");
	assert_false(pg_shell_path_ok("/tmp/x`id`", why, sizeof(why)));
	assert_false(pg_shell_path_ok("/tmp/x\" >/etc/y", why, sizeof(why)));
	assert_false(pg_shell_path_ok("/tmp/x\\", why, sizeof(why)));
	assert_false(pg_shell_path_ok("/tmp/x\ny", why, sizeof(why)));
	assert_false(pg_shell_path_ok("relative/log", why, sizeof(why)));
	assert_string_equal(why, "not an absolute path");
	pg_slot_name("DB-node.1", NULL, 0, slot, sizeof(slot));
	assert_string_equal(slot, "tandem_db_node_1");
	{
		/* Long names and names that map alike (issue #16, Patroni PR #470):
		 * within PostgreSQL's 63 bytes, and distinct. */
		static const char all[3][64] = {
			"n1-a", "n1_a", "node-with-a-very-long-name-of-sixty-two-characters-01234567890",
		};
		char a[80], b[80], c[80], d[80];

		assert_int_equal(strlen(all[2]), 62);
		pg_slot_name(all[0], all, 3, a, sizeof(a));
		pg_slot_name(all[1], all, 3, b, sizeof(b));
		pg_slot_name(all[2], all, 3, c, sizeof(c));
		assert_string_not_equal(a, b);
		assert_true(strlen(a) <= PG_NAME_MAX && strlen(b) <= PG_NAME_MAX && strlen(c) <= PG_NAME_MAX);
		assert_non_null(strstr(c, "tandem_node_with_a_very_long"));
		pg_slot_name(all[2], all, 3, d, sizeof(d));
		assert_string_equal(c, d);       /* stable */
		pg_slot_name("n1_a", NULL, 0, d, sizeof(d));
		assert_string_equal(d, "tandem_n1_a");   /* no clash: as before */
	}
}

static void
lsns(void **state)
{
	uint64_t v;
	char buf[18];

	(void)state;
	assert_true(tandem_lsn_parse("16/B374D848", &v));
	assert_int_equal(v, 0x16B374D848ULL);
	assert_string_equal(tandem_lsn_str(v, buf), "16/B374D848");
	assert_true(tandem_lsn_parse("FFFFFFFF/FFFFFFFF", &v));
	assert_string_equal(tandem_lsn_str(v, buf), "FFFFFFFF/FFFFFFFF");
	assert_false(tandem_lsn_parse("", &v));
	assert_false(tandem_lsn_parse("/1", &v));
	assert_false(tandem_lsn_parse("1/", &v));
	assert_false(tandem_lsn_parse("123456789/1", &v));
	assert_false(tandem_lsn_parse("1/2/3", &v));
	assert_false(tandem_lsn_parse("g/1", &v));
}

/* The commit record: its text, and who it lets be promoted (issue #16's
 * double failure: the old primary back alone is not). */
static void
commit_record(void **state)
{
	struct pg_commit_record r;
	char out[256], why[256], m[PG_MAX_STANDBYS][64];
	const char *none[] = { NULL };
	const char *n3[] = { "n3" };
	const char *n1[] = { "n1" };

	(void)state;
	assert_true(pg_commit_record_parse("primary=n1 sync=n2,n3", &r));
	assert_string_equal(r.primary, "n1");
	assert_int_equal(r.n_sync, 2);
	assert_string_equal(r.sync[1], "n3");
	pg_commit_record_format(&r, out, sizeof(out));
	assert_string_equal(out, "primary=n1 sync=n2,n3");
	assert_true(pg_commit_record_parse("primary=n2 sync=", &r));
	assert_int_equal(r.n_sync, 0);
	assert_true(pg_commit_record_parse("primary=n2", &r));     /* as an admin may type it */
	assert_false(pg_commit_record_parse("n2", &r));
	assert_false(pg_commit_record_parse("primary= sync=n1", &r));
	assert_false(pg_commit_record_parse("primary=n1 sync=n2 extra", &r));
	assert_false(pg_commit_record_parse(NULL, &r));

	/* The synchronous set as synchronous_standby_names writes it. */
	assert_int_equal(pg_sync_members("ANY 1 (\"n2\", \"n3\")", m, PG_MAX_STANDBYS), 2);
	assert_string_equal(m[0], "n2");
	assert_string_equal(m[1], "n3");
	assert_int_equal(pg_sync_members("ANY 1 (\"a\"\"b\")", m, PG_MAX_STANDBYS), 1);
	assert_string_equal(m[0], "a\"b");
	assert_int_equal(pg_sync_members("n2, n3", m, PG_MAX_STANDBYS), 2);
	assert_int_equal(pg_sync_members("", m, PG_MAX_STANDBYS), 0);

	/* primary n2 alone (asynchronous): only n2, or an election with n2 in it. */
	assert_true(pg_commit_record_parse("primary=n2 sync=", &r));
	assert_true(pg_commit_record_allows(&r, "n2", none, 0, why, sizeof(why)));
	assert_false(pg_commit_record_allows(&r, "n1", none, 0, why, sizeof(why)));
	assert_string_equal(why, "n2 was primary with no synchronous standby: only it holds every "
				 "acknowledged commit");
	assert_false(pg_commit_record_allows(&r, "n1", n3, 1, why, sizeof(why)));
	/* primary n1, ANY 1 (n2, n3): a commit may be on either standby only. */
	assert_true(pg_commit_record_parse("primary=n1 sync=n2,n3", &r));
	assert_true(pg_commit_record_allows(&r, "n2", n3, 1, why, sizeof(why)));
	assert_false(pg_commit_record_allows(&r, "n2", none, 0, why, sizeof(why)));
	assert_non_null(strstr(why, "n3 may hold commits this node lacks"));
	/* The primary in the election (a switchover): the most advanced wins. */
	assert_true(pg_commit_record_allows(&r, "n2", n1, 1, why, sizeof(why)));
	/* A node outside the record, whatever the others. */
	assert_false(pg_commit_record_allows(&r, "n4", none, 0, why, sizeof(why)));
	assert_true(pg_commit_record_parse("primary=n1 sync=n2", &r));
	assert_true(pg_commit_record_allows(&r, "n2", none, 0, why, sizeof(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_table),
		cmocka_unit_test(facts_parsing),
		cmocka_unit_test(election_lsn_is_end_of_local_wal),
		cmocka_unit_test(scores),
		cmocka_unit_test(silent_standby),
		cmocka_unit_test(archive_may_skip),
		cmocka_unit_test(history_switchpoint),
		cmocka_unit_test(history_fork),
		cmocka_unit_test(sync_names),
		cmocka_unit_test(logical_failover),
		cmocka_unit_test(narrow),
		cmocka_unit_test(narrow_k),
		cmocka_unit_test(wal_files),
		cmocka_unit_test(sync_count),
		cmocka_unit_test(election_any),
		cmocka_unit_test(roles),
		cmocka_unit_test(standby_slots),
		cmocka_unit_test(election),
		cmocka_unit_test(election_field_case),
		cmocka_unit_test(election_diverged),
		cmocka_unit_test(election_unknown_timeline),
		cmocka_unit_test(election_record),
		cmocka_unit_test(election_values),
		cmocka_unit_test(election_gather),
		cmocka_unit_test(election_expected),
		cmocka_unit_test(neighbours),
		cmocka_unit_test(election_unlisted_winner),
		cmocka_unit_test(planned_demote),
		cmocka_unit_test(start_opts_and_slots),
		cmocka_unit_test(lsns),
		cmocka_unit_test(commit_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
