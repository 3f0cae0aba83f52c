/* waldump_test.c --- the committed transactions in pg_waldump's output: PostgreSQL 15's and 17's lines */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tandem/waldump.h"

/* PostgreSQL 15's pg_waldump, as it printed a table's creation, a
 * transaction of three inserts that aborted, and the error at the end of
 * the WAL it had. */
static const char pg15[] =
	"rmgr: Transaction len (rec/tot):    645/   645, tx:        724, lsn: 0/02000028, prev 0/01520790, "
	"desc: COMMIT 2026-12-07 14:05:52.844702 UTC; inval msgs: catcache 80 catcache 79 relcache 16384\n"
	"rmgr: Heap        len (rec/tot):     59/    59, tx:        725, lsn: 0/020002B0, prev 0/02000028, "
	"desc: INSERT+INIT off 1 flags 0x00, blkref #0: rel 1663/5/16384 blk 0\n"
	"rmgr: Btree       len (rec/tot):     90/    90, tx:        725, lsn: 0/020002F0, prev 0/020002B0, "
	"desc: NEWROOT lev 0, blkref #0: rel 1663/5/16387 blk 1, blkref #2: rel 1663/5/16387 blk 0\n"
	"rmgr: Transaction len (rec/tot):     34/    34, tx:        725, lsn: 0/02000490, prev 0/02000450, "
	"desc: ABORT 2026-12-07 14:05:52.919650 UTC\n"
	"pg_waldump: error: error in WAL record at 0/2000490: invalid record length at 0/20004B8: wanted 24, got 0\n";

static void
commits_and_aborts(void **state)
{
	struct tandem_wal_xact x[4];
	size_t total;

	(void)state;
	assert_int_equal(tandem_waldump_commits(pg15, x, 4, &total), 1);
	assert_int_equal(total, 1);
	assert_int_equal(x[0].xid, 724);
	assert_string_equal(x[0].lsn, "0/02000028");
	assert_string_equal(x[0].committed, "2026-12-07 14:05:52.844702 UTC");
	assert_int_equal(x[0].n_rels, 0);       /* a catalog's invalidation is not a block reference */
}

/* PostgreSQL 17's: "rel A/B/C, blk N"; records of a transaction before
 * its commit, a subtransaction's among them; a prepared transaction's
 * commit; one still open where the output ends (cut mid-line). */
static const char pg17[] =
	"rmgr: Heap        len (rec/tot):     59/    59, tx:        900, lsn: 0/03000100, prev 0/03000028, "
	"desc: INSERT off: 3, flags: 0x00, blkref #0: rel 1663/5/16384, blk 0\n"
	"rmgr: Heap        len (rec/tot):     59/    59, tx:        901, lsn: 0/03000140, prev 0/03000100, "
	"desc: UPDATE old_xmax: 901, old_off: 2, old_infobits: [], flags: 0x00, new_xmax: 0, new_off: 4, "
	"blkref #0: rel 1663/16390/16400, blk 7, blkref #1: rel 1663/16390/16400, blk 3\n"
	"rmgr: Heap        len (rec/tot):     59/    59, tx:        902, lsn: 0/03000180, prev 0/03000140, "
	"desc: INSERT off: 1, flags: 0x00, blkref #0: rel 1663/5/16500, blk 0\n"
	"rmgr: Transaction len (rec/tot):     46/    46, tx:        900, lsn: 0/030001C0, prev 0/03000180, "
	"desc: COMMIT 2026-12-07 15:00:00.000001 UTC; subxacts: 901\n"
	"rmgr: Transaction len (rec/tot):     46/    46, tx:          0, lsn: 0/03000200, prev 0/030001C0, "
	"desc: COMMIT_PREPARED 880: 2026-12-07 15:00:01.5 UTC\n"
	"rmgr: Heap        len (rec/tot):     59/    59, tx:        903, lsn: 0/03000240, prev 0/03000200, "
	"desc: INSERT off: 2, flags: 0x00, blkref #0: rel 1663/5/16384, bl";

static void
subtransactions_prepared_and_open(void **state)
{
	struct tandem_wal_xact x[4];
	size_t total;

	(void)state;
	assert_int_equal(tandem_waldump_commits(pg17, x, 4, &total), 2);
	assert_int_equal(total, 2);
	assert_int_equal(x[0].xid, 900);
	assert_string_equal(x[0].committed, "2026-12-07 15:00:00.000001 UTC");
	/* Its own insert and its subtransaction's update (one relation, two blocks). */
	assert_int_equal(x[0].n_rels, 2);
	assert_int_equal(x[0].rels[0].spc, 1663);
	assert_int_equal(x[0].rels[0].db, 5);
	assert_int_equal(x[0].rels[0].rel, 16384);
	assert_int_equal(x[0].rels[1].db, 16390);
	assert_int_equal(x[0].rels[1].rel, 16400);
	assert_int_equal(x[1].xid, 880);
	assert_string_equal(x[1].committed, "2026-12-07 15:00:01.5 UTC");
	assert_string_equal(x[1].lsn, "0/03000200");
	/* 902 never committed, 903 was open where the output ends. */
	/* Room for one: the first in commit order, both counted. */
	assert_int_equal(tandem_waldump_commits(pg17, x, 1, &total), 1);
	assert_int_equal(total, 2);
	assert_int_equal(x[0].xid, 900);
	assert_int_equal(tandem_waldump_commits("", x, 4, &total), 0);
	assert_int_equal(total, 0);
}

/* More relations than kept: counted, never dropped silently. */
static void
many_relations(void **state)
{
	static char out[8192];
	struct tandem_wal_xact x[1];
	size_t total, used = 0;

	(void)state;
	for (int i = 0; i < 12; i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used,
					 "rmgr: Heap len (rec/tot): 59/59, tx: 77, lsn: 0/1, prev 0/0, "
					 "desc: INSERT off: 1, blkref #0: rel 1663/5/%d, blk 0\n", 20000 + i % 10);
	snprintf(out + used, sizeof(out) - used,
		 "rmgr: Transaction len (rec/tot): 34/34, tx: 77, lsn: 0/2, prev 0/1, desc: COMMIT 2026-12-07 UTC\n");
	assert_int_equal(tandem_waldump_commits(out, x, 1, &total), 1);
	assert_int_equal(x[0].n_rels, TANDEM_WAL_XACT_RELS);
	assert_int_equal(x[0].more_rels, 10 - TANDEM_WAL_XACT_RELS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commits_and_aborts),
		cmocka_unit_test(subtransactions_prepared_and_open),
		cmocka_unit_test(many_relations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
