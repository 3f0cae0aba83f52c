/* pgdata.c --- what a PostgreSQL data directory says without a server: pg_control, version, LSNs
 *
 * pg_control is read at run time in every format PostgreSQL 13 to 18
 * writes, with no server headers: one build serves every major a node
 * may hold (a Debian 12 -> 13 upgrade runs 15 beside 17 until
 * pg_upgradecluster).  The layout is ControlFileData of
 * src/include/catalog/pg_control.h; its CRC is CRC-32C (Castagnoli), as
 * src/include/port/pg_crc32c.h computes it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/statvfs.h>

#include "tandem/pgdata.h"
#include "tandem/proc.h"
#include "tandem/safefs.h"

/* PG_CONTROL_FILE_SIZE: the file is always one 8 kB block, zero-padded. */
#define CONTROL_FILE_SIZE 8192

/* The offsets below are those of a platform where an 8-byte integer is
 * 8-byte aligned (x86_64, aarch64, ppc64el, s390x: every 64-bit Debian
 * architecture).  On i386 uint64 aligns to 4 and every field after
 * `state' moves. */
_Static_assert(_Alignof(uint64_t) == 8, "pg_control offsets assume 8-byte aligned uint64");

/* Where each field sits in ControlFileData, per pg_control_version.
 * Read from each major's pg_control.h with offsetof(): 13 to 17 share
 * the fields Tandem reads (17's CheckPoint gained wal_level inside old
 * padding); 18 added default_char_signedness before the CRC, which
 * moved four bytes. */
struct layout {
	uint32_t version;       //!< pg_control_version
	const char *majors;     //!< which PostgreSQL writes it
	size_t crc;             //!< offset of the CRC, which covers [0, crc)
};

static const struct layout layouts[] = {
	{ 1300, "13 to 16", 288 },
	{ 1700, "17", 288 },
	{ 1800, "18", 292 },
};

/* Offsets shared by every known layout. */
enum {
	OFF_SYSTEM_IDENTIFIER = 0,
	OFF_CONTROL_VERSION = 8,
	OFF_STATE = 16,
	OFF_CHECKPOINT = 32,
	OFF_REDO = 40,                  //!< checkPointCopy.redo
	OFF_TIMELINE = 48,              //!< checkPointCopy.ThisTimeLineID
	OFF_PREV_TIMELINE = 52,         //!< checkPointCopy.PrevTimeLineID
	OFF_MIN_RECOVERY_POINT = 136,
	OFF_MIN_RECOVERY_TLI = 144,
	OFF_WAL_LOG_HINTS = 176,
	OFF_WAL_SEGMENT_SIZE = 228,     //!< xlog_seg_size
	OFF_CHECKSUM_VERSION = 252,
};

static uint32_t
u32_at(const unsigned char *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));        /* native byte order, as the server wrote it */
	return v;
}

static uint64_t
u64_at(const unsigned char *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

uint32_t
tandem_crc32c(const void *buf, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = buf;
	uint32_t crc = 0xFFFFFFFFu;

	if (table[1] == 0) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;  /* reflected Castagnoli */
			table[i] = c;
		}
	}
	while (len-- > 0)
		crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

static const struct layout *
layout_of(uint32_t version)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].version == version)
			return &layouts[i];
	return NULL;
}

int
tandem_pgcontrol_parse(const void *buf, size_t size, struct tandem_pgcontrol *out)
{
	const unsigned char *b = buf;
	const struct layout *l;
	uint32_t state;

	if (size < OFF_CONTROL_VERSION + 4)
		return -EINVAL;
	l = layout_of(u32_at(b, OFF_CONTROL_VERSION));
	if (l == NULL)
		return -EPROTO;
	if (size < l->crc + 4)
		return -EINVAL;
	if (tandem_crc32c(b, l->crc) != u32_at(b, l->crc))
		return -EILSEQ;
	state = u32_at(b, OFF_STATE);
	if (state > TANDEM_PG_IN_PRODUCTION)
		return -EILSEQ;
	memset(out, 0, sizeof(*out));
	out->control_version = l->version;
	out->system_identifier = u64_at(b, OFF_SYSTEM_IDENTIFIER);
	out->state = (enum tandem_pg_state)state;
	out->checkpoint = u64_at(b, OFF_CHECKPOINT);
	out->redo = u64_at(b, OFF_REDO);
	out->timeline = u32_at(b, OFF_TIMELINE);
	out->prev_timeline = u32_at(b, OFF_PREV_TIMELINE);
	out->min_recovery_point = u64_at(b, OFF_MIN_RECOVERY_POINT);
	out->min_recovery_tli = u32_at(b, OFF_MIN_RECOVERY_TLI);
	out->wal_log_hints = b[OFF_WAL_LOG_HINTS] != 0;
	out->data_checksum_version = u32_at(b, OFF_CHECKSUM_VERSION);
	out->wal_segment_size = u32_at(b, OFF_WAL_SEGMENT_SIZE);
	return 0;
}

/* open_data_file: name (relative to pgdata) for reading, only when it is
 * a regular file of the data directory's owner, reached with O_NOFOLLOW
 * and O_NONBLOCK (tandem_safefs_open_read): the agents read these files
 * as root, and the data directory's owner (every database superuser) may
 * have planted a link to a file of root's, a hard link to one, or a FIFO
 * that never answers.  -1 with errno: ELOOP (a link), EINVAL (not a
 * regular file), EPERM (another owner). */
static int
open_data_file(const char *pgdata, const char *name)
{
	struct stat dir;
	int dfd, fd, saved;

	dfd = open(pgdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	fd = fstat(dfd, &dir) == 0 ? tandem_safefs_open_read(dfd, name, dir.st_uid) : -1;
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

int
tandem_pgcontrol_read(const char *pgdata, struct tandem_pgcontrol *out, char *why, size_t len)
{
	char path[4096];
	unsigned char buf[CONTROL_FILE_SIZE];
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "%s/global/pg_control", pgdata);
	fd = open_data_file(pgdata, "global/pg_control");
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "could not open \"%s\": %s", path, tandem_safefs_strerror(-r));
		return r;
	}
	n = read(fd, buf, sizeof(buf));
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		r = tandem_pgcontrol_parse(buf, n > 0 ? (size_t)n : 0, out);
	if (r == -EPROTO)
		snprintf(why, len, "\"%s\" has pg_control version %" PRIu32 ", which this agent does not know "
			 "(it reads 1300, 1700 and 1800: PostgreSQL 13 to 18)", path, u32_at(buf, OFF_CONTROL_VERSION));
	else if (r == -EILSEQ || r == -EINVAL)
		snprintf(why, len, "\"%s\" is corrupt (bad CRC or size)", path);
	else if (r != 0)
		snprintf(why, len, "could not read \"%s\": %s", path, strerror(-r));
	return r;
}

const char *
tandem_pg_state_str(enum tandem_pg_state s)
{
	static const char *const names[] = {
		"starting up", "shut down", "shut down in recovery", "shutting down",
		"in crash recovery", "in archive recovery", "in production",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int
tandem_pgdata_version(const char *pgdata)
{
	char buf[16] = "";
	int fd, v = -1;
	ssize_t n;

	fd = open_data_file(pgdata, "PG_VERSION");
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%d", &v) != 1 || v < 7 || v > 99)
			v = -1;
	}
	return v;
}

bool
tandem_pgdata_clone_cut_short(const char *pgdata)
{
	struct stat st;
	bool cut;
	int dfd = open(pgdata, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return false;
	/* Names only, never a link followed or a file opened. */
	cut = fstatat(dfd, "global/pg_control", &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT
	      && (fstatat(dfd, "backup_label", &st, AT_SYMLINK_NOFOLLOW) == 0
		  /* pgBackRest's, once it built the tree: not a backup
		   * set in its repository (pg_data/ there, no global/). */
		  || (fstatat(dfd, "backup.manifest", &st, AT_SYMLINK_NOFOLLOW) == 0
		      && fstatat(dfd, "global", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)));
	close(dfd);
	return cut;
}

bool
tandem_lsn_parse(const char *s, uint64_t *lsn)
{
	uint64_t hi = 0, lo = 0;
	int nh = 0, nl = 0;

	for (; *s != '/'; s++, nh++) {
		int c = *s;

		if (nh >= 8 || !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
			return false;
		hi = hi * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	for (s++; *s != '\0'; s++, nl++) {
		int c = *s;

		if (nl >= 8 || !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
			return false;
		lo = lo * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	if (nh == 0 || nl == 0)
		return false;
	*lsn = hi << 32 | lo;
	return true;
}

const char *
tandem_lsn_str(uint64_t lsn, char buf[18])
{
	snprintf(buf, 18, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32), (uint32_t)lsn);
	return buf;
}

int
tandem_pgdata_space_left(const char *datadir, uint64_t *bytes, const char **where)
{
	static char wal[4096];
	const char *paths[2] = { datadir, wal };
	struct statvfs st;

	snprintf(wal, sizeof(wal), "%s/pg_wal", datadir);
	*bytes = UINT64_MAX;
	*where = datadir;
	for (size_t i = 0; i < 2; i++) {
		uint64_t avail;

		if (statvfs(paths[i], &st) != 0)
			return -1;
		avail = (uint64_t)st.f_bavail * st.f_frsize;
		if (avail < *bytes) {
			*bytes = avail;
			*where = paths[i];
		}
	}
	return 0;
}

/* datadir/pg_wal/archive_status, reached through descriptors each checked
 * to be uid's (safefs.h): postgres owns every step, root acts there. */
static int
status_dir(const char *datadir, uid_t uid, int *wal_out)
{
	char why[256];
	int dfd = tandem_safefs_dir(AT_FDCWD, datadir, uid, why, sizeof(why)), wal = -1, status = -1, err;

	if (dfd >= 0)
		wal = tandem_safefs_dir(dfd, "pg_wal", uid, why, sizeof(why));
	if (wal >= 0)
		status = tandem_safefs_dir(wal, "archive_status", uid, why, sizeof(why));
	err = errno;
	if (dfd >= 0)
		close(dfd);
	if (status < 0 || wal_out == NULL) {
		if (wal >= 0)
			close(wal);
		wal = -1;
	}
	if (wal_out != NULL)
		*wal_out = wal;
	errno = err;
	return status;
}

static bool
wal_segment_name(const char *name)
{
	return strlen(name) == 24 && strspn(name, "0123456789ABCDEF") == 24;
}

int
tandem_pgdata_mark_archived(const char *datadir, uid_t uid, const char *walfile)
{
	char ready[300], done[300];
	int status, rc, err;

	if (walfile[0] == '\0' || strchr(walfile, '/') != NULL || strcmp(walfile, "..") == 0
	    || strlen(walfile) > 200) {
		errno = EINVAL;
		return -1;
	}
	if ((status = status_dir(datadir, uid, NULL)) < 0)
		return -1;
	snprintf(ready, sizeof(ready), "%s.ready", walfile);
	snprintf(done, sizeof(done), "%s.done", walfile);
	/* rename(2) fails with ENOENT when .ready is gone; a crash before
	 * the rename is on disk leaves .ready: the archiver tries again. */
	rc = renameat(status, ready, status, done);
	err = errno;
	close(status);
	errno = err;
	return rc;
}

int
tandem_pgdata_mark_older_archived(const char *datadir, uid_t uid, gid_t gid, uint32_t tli, char *first,
				  size_t len)
{
	char mark[64];
	struct dirent *e;
	int wal, status, n = 0, fd;
	DIR *d;

	if (len > 0)
		first[0] = '\0';
	if ((status = status_dir(datadir, uid, &wal)) < 0)
		return -1;
	d = fdopendir(dup(wal));
	if (d == NULL) {
		close(wal);
		close(status);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char digits[9];
		struct stat st;

		if (!wal_segment_name(e->d_name))
			continue;
		memcpy(digits, e->d_name, 8);
		digits[8] = '\0';
		if (strtoul(digits, NULL, 16) >= tli)
			continue;
		if (fstatat(wal, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		snprintf(mark, sizeof(mark), "%.24s.ready", e->d_name);
		if (fstatat(status, mark, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
			continue;
		snprintf(mark, sizeof(mark), "%.24s.done", e->d_name);
		fd = tandem_safefs_create(status, mark, 0600, uid, gid);
		if (fd < 0)
			continue;       /* EEXIST: marked already */
		close(fd);
		if (n++ == 0 && len > 0)
			snprintf(first, len, "%s", e->d_name);
	}
	closedir(d);
	close(wal);
	close(status);
	return n;
}

int
tandem_pgdata_wal_timeline(const char *datadir, uint32_t *tli)
{
	char path[4096];
	struct dirent *e;
	DIR *d;

	*tli = 0;
	snprintf(path, sizeof(path), "%s/pg_wal", datadir);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char digits[9];
		unsigned long t;

		if (strlen(e->d_name) != 24 || strspn(e->d_name, "0123456789ABCDEF") != 24)
			continue;
		memcpy(digits, e->d_name, 8);
		digits[8] = '\0';
		t = strtoul(digits, NULL, 16);
		if (t > *tli)
			*tli = (uint32_t)t;
	}
	closedir(d);
	return 0;
}

ssize_t
tandem_pgdata_history_read(const char *datadir, uint32_t tli, char *buf, size_t len)
{
	char path[64];
	size_t used = 0;
	ssize_t n = 0;
	int fd;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "pg_wal/%08" PRIX32 ".history", tli);
	fd = open_data_file(datadir, path);
	if (fd < 0)
		return -1;
	while (used + 1 < len && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)n;
	if (n < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	buf[used] = '\0';
	if (used + 1 == len) {
		errno = EFBIG;  /* its last line, the one that matters, may be cut */
		return -1;
	}
	return (ssize_t)used;
}

int
tandem_pm_status_parse(const char *text, struct tandem_pm_status *out)
{
	const char *line = text;
	long long v;
	char *end;

	memset(out, 0, sizeof(*out));
	for (int n = 1; line != NULL && n <= 8; n++) {
		size_t len = strcspn(line, "\n");

		if (n == 1) {
			if (!tandem_pid_parse(line, &out->pid))
				return -EINVAL;
		} else if (n == 3) {
			errno = 0;
			v = strtoll(line, &end, 10);
			if (errno != 0 || end == line || (size_t)(end - line) != len || v <= 0)
				return -EINVAL;
			out->started = v;
		} else if (n == 8) {
			size_t keep = len < sizeof(out->status) - 1 ? len : sizeof(out->status) - 1;

			while (keep > 0 && line[keep - 1] == ' ')
				keep--;
			memcpy(out->status, line, keep);
			out->status[keep] = '\0';
		}
		line = line[len] == '\n' ? line + len + 1 : NULL;
	}
	return out->started > 0 ? 0 : -EINVAL;
}

int
tandem_pm_status_read(const char *datadir, struct tandem_pm_status *out)
{
	char buf[1024];
	ssize_t n;
	int fd;

	fd = open_data_file(datadir, "postmaster.pid");
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return tandem_pm_status_parse(buf, out);
}

/* Where packages put a major's programs: Debian's postgresql-common
 * layout (/usr/lib/postgresql/N/bin) first, then the PGDG RPMs'
 * (/usr/pgsql-N/bin). */
static void
bindir_path(size_t which, int major, char *out, size_t len)
{
	if (which == 0)
		snprintf(out, len, "/usr/lib/postgresql/%d/bin", major);
	else
		snprintf(out, len, "/usr/pgsql-%d/bin", major);
}

bool
tandem_pg_bindir(int major, char *out, size_t len)
{
	char postgres[4200];

	for (size_t i = 0; i < 2; i++) {
		bindir_path(i, major, out, len);
		snprintf(postgres, sizeof(postgres), "%s/postgres", out);
		if (access(postgres, X_OK) == 0)
			return true;
	}
	bindir_path(0, major, out, len);
	return false;
}

int
tandem_pg_newest_major(void)
{
	char dir[64];
	int newest = -1;

	/* Majors 10 and up are one number; 99 leaves room for decades. */
	for (int major = 10; major <= 99; major++)
		if (tandem_pg_bindir(major, dir, sizeof(dir)))
			newest = major;
	return newest;
}
