/* fuzz_pgsql.c --- what PostgreSQL hands the pgsql agent: monitor answers, pg_control, LSNs
 *
 * Input: the monitor query's nine fields, one per line; the same bytes
 * are also read as a pg_control file, an LSN, the archiver's failed WAL file, an election value, a commit
 * record, a synchronous_standby_names value, a timeline history file (where a timeline began, too),
 * a postmaster.pid and pg_waldump's output (a rewound former primary's report). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql.h"
#include "tandem/waldump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *field[9] = { 0 }, *p;
	struct tandem_pgcontrol control;
	struct pg_facts facts;
	uint64_t lsn;
	size_t n = 0;

	if (text == NULL)
		return 0;
	tandem_lsn_parse(text, &lsn);
	{
		/* postmaster.pid, whose status line start and stop wait on. */
		struct tandem_pm_status st;

		if (tandem_pm_status_parse(text, &st) == 0
		    && (st.pid <= 0 || st.started <= 0 || strchr(st.status, '\n') != NULL
			|| (st.status[0] != '\0' && st.status[strlen(st.status) - 1] == ' ')))
			abort();
	}
	{
		/* pg_waldump's text: what a rewound former primary committed. */
		struct tandem_wal_xact x[4];
		size_t total, got = tandem_waldump_commits(text, x, 4, &total);

		if (got > 4 || got > total)
			abort();
		for (size_t i = 0; i < got; i++)
			if (x[i].n_rels > TANDEM_WAL_XACT_RELS || strlen(x[i].committed) >= sizeof(x[i].committed))
				abort();
	}
	{
		/* pg_stat_archiver.last_failed_wal: only an older timeline's
		 * .partial, named as xlog.c names it, may be skipped. */
		uint32_t tli = 0;

		if (pg_archive_may_skip(text, 7, &tli) && (tli == 0 || tli >= 7 || strlen(text) != 32))
			abort();
	}
	bool bad;

	{
		/* A timeline history file, as the primary's TIMELINE_HISTORY hands it. */
		(void)pg_history_switchpoint(text, 1, &lsn, &bad);
		(void)pg_history_switchpoint(text, 7, &lsn, &bad);
	}
	{
		/* An election value another node published (attrd hands it
		 * over): one that parses formats back to the same, and the
		 * election decides on it against a node on timeline 2. */
		struct pg_candidate c, again_c, self = { .name = "n1", .tli = 2, .lsn = 0x5000000, .parent = 1,
							 .fork = 0x3000060, .present = true };
		const struct pg_candidate *better;
		struct pg_commit_record rec;
		int64_t when, when2;
		uint64_t primary;
		char again[PG_ELECTION_VALUE_MAX], why[600];

		if (pg_election_parse(text, &c, &when)) {
			pg_election_format(&c, when, again, sizeof(again));
			if (!pg_election_parse(again, &again_c, &when2) || again_c.tli != c.tli || again_c.lsn != c.lsn
			    || when2 != when || again_c.upstream != c.upstream || again_c.parent != c.parent
			    || again_c.fork != c.fork || again_c.replayed != c.replayed || again_c.never != c.never)
				abort();
			c.name = "n2";
			c.present = true;
			(void)pg_commit_record_parse("primary=n2 sync=n3", &rec);
			/* An older timeline never wins; nor does an unknown one. */
			/* Nor one that may never be promoted. */
			if (pg_elect(&self, &c, 1, &rec, 0, 0, &better, &primary, why, sizeof(why)) == PG_PROMOTE_BEHIND
			    && (c.tli == 0 || c.tli < self.tli || c.never))
				abort();
		}
		(void)pg_history_fork(text, &self.parent, &self.fork, &bad);
	}
	{
		/* The commit record (a cluster property an admin may edit) and
		 * synchronous_standby_names (a setting): a record that parses
		 * formats back to itself, as parse reads it. */
		struct pg_commit_record r, again;
		char out[1400], m[PG_MAX_STANDBYS][64], why[256];
		const char *none[] = { NULL };

		if (pg_commit_record_parse(text, &r)) {
			pg_commit_record_format(&r, out, sizeof(out));
			if (!pg_commit_record_parse(out, &again) || strcmp(again.primary, r.primary) != 0
			    || again.n_sync != r.n_sync || (r.n_sync > 0 && again.any != r.any))
				abort();
			(void)pg_commit_record_allows(&r, "n1", none, 0, why, sizeof(why));
		}
		(void)pg_sync_members(text, m, PG_MAX_STANDBYS);
		(void)pg_sync_num(text);
		{
			uint32_t t;
			uint64_t segno;

			if (pg_wal_name_parse(text, 16ULL << 20, &t, &segno) && t == 0)
				abort();
			(void)pg_wal_page_is((const unsigned char *)data, size, 1, 1, 16ULL << 20);
		}
	}
	for (p = text; n < 9; n++) {
		field[n] = p;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (n >= 8 && pg_parse_facts(field[0], field[1], field[2], field[3], field[4], field[5],
				     field[6], field[7], field[8], &facts)) {
		(void)pg_has_slot(&facts, "tandem_n2");
		struct pg_score scores[PG_MAX_STANDBYS];
		char names[512];
		bool degraded;

		const char nodes[3][64] = { "n1", "n2", "n3" };
		char shown[1024];

		pg_rank_standbys(&facts, PG_SYNC_STRICT, 1 << 20, scores, PG_MAX_STANDBYS);
		pg_sync_names(&facts, PG_SYNC_ON, 2, facts.sync_names, names, sizeof(names), &degraded);
		(void)pg_narrow_step(&facts, names, facts.sync_names, 1, facts.current);
		(void)pg_keep_members(&facts, nodes, 3);
		pg_neighbours_str(&facts, shown, sizeof(shown));
		pg_sync_names(&facts, PG_SYNC_STRICT, 3, facts.sync_names, names, sizeof(names), &degraded);
	}
	free(text);
	tandem_pgcontrol_parse(data, size, &control);
	return 0;
}
