/* pgdata.c --- what a PostgreSQL data directory says without a server: pg_control, version, LSNs
 *
 * Compiled against PostgreSQL's own headers, so the layout of pg_control
 * is the server's, and its CRC is checked with the server's CRC-32C. */
#include "postgres_fe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catalog/pg_control.h"
#include "port/pg_crc32c.h"

#include <sys/statvfs.h>

#include "tandem/pgdata.h"

/* Both enums must agree: the agents see only tandem_pg_state. */
StaticAssertDecl(DB_IN_PRODUCTION == (int)TANDEM_PG_IN_PRODUCTION, "DBState changed");
StaticAssertDecl(DB_SHUTDOWNED_IN_RECOVERY == (int)TANDEM_PG_SHUTDOWNED_IN_RECOVERY, "DBState changed");

int
tandem_pgcontrol_parse(const void *buf, size_t size, struct tandem_pgcontrol *out)
{
	ControlFileData cf;
	pg_crc32c crc;

	if (size < sizeof(cf))
		return -EINVAL;
	memcpy(&cf, buf, sizeof(cf));
	if (cf.pg_control_version != PG_CONTROL_VERSION)
		return -EPROTO;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, (const char *)&cf, offsetof(ControlFileData, crc));
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, cf.crc))
		return -EILSEQ;
	if ((int)cf.state < DB_STARTUP || cf.state > DB_IN_PRODUCTION)
		return -EILSEQ;
	memset(out, 0, sizeof(*out));
	out->system_identifier = cf.system_identifier;
	out->state = (enum tandem_pg_state)cf.state;
	out->checkpoint = cf.checkPoint;
	out->redo = cf.checkPointCopy.redo;
	out->timeline = cf.checkPointCopy.ThisTimeLineID;
	out->prev_timeline = cf.checkPointCopy.PrevTimeLineID;
	out->min_recovery_point = cf.minRecoveryPoint;
	out->min_recovery_tli = cf.minRecoveryPointTLI;
	out->wal_log_hints = cf.wal_log_hints;
	out->data_checksum_version = cf.data_checksum_version;
	out->wal_segment_size = cf.xlog_seg_size;
	return 0;
}

int
tandem_pgcontrol_read(const char *pgdata, struct tandem_pgcontrol *out, char *why, size_t len)
{
	char path[4096], buf[PG_CONTROL_FILE_SIZE];
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "%s/global/pg_control", pgdata);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "could not open \"%s\": %s", path, strerror(-r));
		return r;
	}
	n = read(fd, buf, sizeof(buf));
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		r = tandem_pgcontrol_parse(buf, n > 0 ? (size_t)n : 0, out);
	if (r == -EPROTO)
		snprintf(why, len, "\"%s\" is not from PostgreSQL %d", path, PG_VERSION_NUM / 10000);
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
	char path[4096], buf[16] = "";
	int fd, v = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/PG_VERSION", pgdata);
	fd = open(path, O_RDONLY | O_CLOEXEC);
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
