/* waldump.h --- the transactions pg_waldump's output shows committed
 *
 * What a former primary committed after the timelines diverged is lost to
 * the cluster once it is rewound.  pg_waldump decodes the WAL it kept
 * aside; this reads its text (the same on PostgreSQL 13 to 18: "rmgr: NAME
 * ... tx: XID, lsn: ..., desc: ..." per record, a block reference as
 * "rel SPC/DB/RELFILENODE") into the transactions that committed, each
 * with its commit time and the relations its records (and its
 * subtransactions') touched.
 */
#ifndef TANDEM_WALDUMP_H
#define TANDEM_WALDUMP_H

#include <stddef.h>
#include <stdint.h>

#define TANDEM_WAL_XACT_RELS 8  //!< relations kept per transaction; the rest counted

struct tandem_wal_rel {
	uint32_t spc, db, rel;   //!< tablespace, database and relfilenode, as pg_waldump prints them
};

struct tandem_wal_xact {
	uint32_t xid;
	char lsn[24];            //!< where its COMMIT record is
	char committed[48];      //!< its commit time, as pg_waldump prints it ("2026-12-07 14:05:52.844702 UTC")
	struct tandem_wal_rel rels[TANDEM_WAL_XACT_RELS];
	size_t n_rels;
	size_t more_rels;        //!< block references to relations beyond those kept
};

/* The transactions out shows committing (COMMIT and COMMIT_PREPARED), in
 * commit order: at most max in x, *total counting all.  A transaction
 * that aborted, or had not committed where the output ends, is not one.
 * Lines that are not records are skipped.  Returns how many are in x. */
size_t tandem_waldump_commits(const char *out, struct tandem_wal_xact *x, size_t max, size_t *total);

#endif
