/* pgdata.h --- what a PostgreSQL data directory says without a server: pg_control, version, LSNs */
#ifndef TANDEM_PGDATA_H
#define TANDEM_PGDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* DBState of pg_control, numbered as PostgreSQL 13 to 18 all number it. */
enum tandem_pg_state {
	TANDEM_PG_STARTUP = 0,
	TANDEM_PG_SHUTDOWNED,               //!< cleanly shut down (as a primary)
	TANDEM_PG_SHUTDOWNED_IN_RECOVERY,   //!< cleanly shut down as a standby
	TANDEM_PG_SHUTDOWNING,
	TANDEM_PG_IN_CRASH_RECOVERY,
	TANDEM_PG_IN_ARCHIVE_RECOVERY,      //!< running, or crashed, as a standby
	TANDEM_PG_IN_PRODUCTION,            //!< running, or crashed, as a primary
};

/* The fields of global/pg_control that an agent decides on. */
struct tandem_pgcontrol {
	uint32_t control_version;       //!< pg_control_version: 1300 (PostgreSQL 13-16), 1700, 1800
	uint64_t system_identifier;
	enum tandem_pg_state state;
	uint64_t checkpoint;            //!< LSN of the last checkpoint record
	uint64_t redo;
	uint32_t timeline;              //!< of the last checkpoint
	uint32_t prev_timeline;
	uint64_t min_recovery_point;
	uint32_t min_recovery_tli;
	bool wal_log_hints;
	uint32_t data_checksum_version; //!< 0: no checksums
	uint32_t wal_segment_size;
};

/* Reads and checks pgdata/global/pg_control: its format (pg_control_version
 * 1300, 1700 or 1800, i.e. PostgreSQL 13 to 18) and its CRC-32C.  Like
 * PG_VERSION below, read only when a regular file of the data directory's
 * owner reached with O_NOFOLLOW and O_NONBLOCK (a planted link or FIFO is
 * -ELOOP or -EINVAL, another's hard link -EPERM).
 * Returns 0, or -errno with why filled in: -ENOENT for no file, -EPROTO
 * for a format this build does not know (a newer PostgreSQL), -EILSEQ for
 * a bad CRC or state, -EINVAL for a short file. */
int tandem_pgcontrol_read(const char *pgdata, struct tandem_pgcontrol *out, char *why, size_t len);
/* The same from a buffer of size bytes (tests and fuzzing). */
int tandem_pgcontrol_parse(const void *buf, size_t size, struct tandem_pgcontrol *out);
/* CRC-32C (Castagnoli) of len bytes, as PostgreSQL's INIT/COMP/FIN_CRC32C. */
uint32_t tandem_crc32c(const void *buf, size_t len);

const char *tandem_pg_state_str(enum tandem_pg_state s);

/* The major version in pgdata/PG_VERSION ("15" → 15), or -1. */
int tandem_pgdata_version(const char *pgdata);
/* Whether pgdata is a clone cut short: no global/pg_control, which
 * pg_basebackup and pgBackRest's restore write last, and the mark each
 * writes first (backup_label; pgBackRest's backup.manifest beside the
 * tree it built, removed when its restore ends).  Such a directory never
 * starts and holds nothing the primary lacks. */
bool tandem_pgdata_clone_cut_short(const char *pgdata);

/* The directory of PostgreSQL major's programs: Debian's
 * /usr/lib/postgresql/N/bin, else the PGDG RPMs' /usr/pgsql-N/bin,
 * whichever holds an executable postgres.  Returns false when neither
 * does, with out set to Debian's. */
bool tandem_pg_bindir(int major, char *out, size_t len);
/* The newest PostgreSQL major installed in either place (10 to 99), or -1. */
int tandem_pg_newest_major(void);

/* The least space left (bytes available to an unprivileged writer) of the
 * filesystems holding datadir and datadir/pg_wal (often another one), and
 * which of the two it is.  0 on success, -1 with errno. */
int tandem_pgdata_space_left(const char *datadir, uint64_t *bytes, const char **where);

/* Marks WAL file walfile (a name in datadir/pg_wal) archived without
 * archiving it, as PostgreSQL's archiver does after a success
 * (pgarch.c, pgarch_archiveDone: archive_status/<walfile>.ready renamed
 * .done); the archiver then goes on to the next file and a checkpoint
 * removes this one.  The directories on the way must be uid's (safefs.h).
 * 0 on success, -1 with errno: ENOENT when it is not waiting to be
 * archived (done meanwhile), EINVAL for a name with a '/', EPERM for a
 * directory not uid's. */
int tandem_pgdata_mark_archived(const char *datadir, uid_t uid, const char *walfile);

/* Marks archived (creates archive_status/<name>.done, owned by uid:gid)
 * every WAL segment file of datadir/pg_wal named for a timeline older
 * than tli that PostgreSQL has marked neither way (.ready nor .done), as
 * a walreceiver marks each segment it receives (walreceiver.c,
 * XLogArchiveForceDone).  Returns how many, the first one's name in
 * first; -1 with errno when a directory is not uid's or cannot be read. */
int tandem_pgdata_mark_older_archived(const char *datadir, uid_t uid, gid_t gid, uint32_t tli, char *first,
				      size_t len);

/* The newest timeline any WAL segment file in datadir/pg_wal is named for
 * (TTTTTTTTXXXXXXXXYYYYYYYY): what a standby received or restored last is
 * on it (a walreceiver names each file for the timeline it streams).  0
 * with *tli 0 when there is none; -1 with errno when pg_wal cannot be read. */
int tandem_pgdata_wal_timeline(const char *datadir, uint32_t *tli);
/* Reads datadir/pg_wal/TTTTTTTT.history, timeline tli's history file, into
 * buf (NUL-terminated, at most len - 1 bytes), read as pg_control is.
 * Returns its length, or -1 with errno (ENOENT: none, as for timeline 1;
 * EFBIG: it does not fit; ELOOP, EINVAL, EPERM: not a regular file of the
 * data directory's owner). */
ssize_t tandem_pgdata_history_read(const char *datadir, uint32_t tli, char *buf, size_t len);

/* What postmaster.pid, PostgreSQL's lock file in the data directory,
 * says of its postmaster (miscadmin.h, LOCK_FILE_LINE_*): line 1 its
 * pid, line 3 its start time, line 8 its status, which pg_ctl start -w
 * waits on: "starting", then "ready" (a primary) or "standby" (a standby
 * that accepts connections, or reached a consistent state); "stopping". */
struct tandem_pm_status {
	pid_t pid;
	int64_t started;        //!< seconds since the epoch
	char status[16];        //!< trailing blanks removed; "" before the postmaster writes it
};

/* Parses the lock file's text.  Returns 0, or -EINVAL when line 1 is not
 * a pid or line 3 not a time (a file being written, or not the lock file). */
int tandem_pm_status_parse(const char *text, struct tandem_pm_status *out);
/* Reads datadir/postmaster.pid, as pg_control is read.  Returns 0, or
 * -errno (-ENOENT: no file; -ELOOP, -EINVAL, -EPERM: not a regular file of
 * the data directory's owner). */
int tandem_pm_status_read(const char *datadir, struct tandem_pm_status *out);

/* LSNs: "16/B374D848" <-> 0x16B374D848.  Parse returns false on anything
 * that is not two hex numbers of at most 8 digits around a slash. */
bool tandem_lsn_parse(const char *s, uint64_t *lsn);
/* Writes at most 18 bytes with the NUL. */
const char *tandem_lsn_str(uint64_t lsn, char buf[18]);

#endif
