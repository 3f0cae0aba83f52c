/* start.c --- ocf:tandem:pgsql start, stop and demote: clone, rejoin with pg_rewind */
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
#include "tandem/safefs.h"
#include "tandem/spawn.h"
#include "instance.h"

/* Writes name in the data directory (dfd) with content, owned by
 * system_user, mode 0600, atomically.  Never through a name postgres may
 * have planted (issue 26: a link at standby.signal.tandem made root empty
 * and give away the file it named): tandem_safefs_replace. */
static bool
write_owned(struct pg *pg, int dfd, const char *name, const char *content)
{
	return tandem_safefs_replace(dfd, name, content, strlen(content), pg->uid, pg->gid) == 0;
}

static bool
quote_into(char *out, size_t len, const char *value)
{
	size_t used = 0;

	if (len < 3)
		return false;
	out[used++] = '\'';
	for (const char *p = value; *p != '\0'; p++) {
		if (used + 3 >= len)
			return false;
		if (*p == '\'')
			out[used++] = '\'';
		out[used++] = *p;
	}
	out[used++] = '\'';
	out[used] = '\0';
	return true;
}

/* standby.signal, and primary_conninfo / primary_slot_name in
 * postgresql.auto.conf (the settings ALTER SYSTEM would write; the server
 * is stopped here, so the agent writes them itself). */
static bool
configure_standby(struct pg *pg)
{
	char path[4096], ci[2048], quoted[4200], slot[80], *content;
	size_t cap = 65536, used = 0;
	FILE *f = NULL;
	int dfd = datadir_fd(pg), fd;

	if (dfd < 0)
		return false;
	snprintf(path, sizeof(path), "%s/standby.signal", pg->datadir);
	if (!write_owned(pg, dfd, "standby.signal", "")) {
		snprintf(pg->why, sizeof(pg->why), "could not write \"%.300s\": %s", path, strerror(errno));
		close(dfd);
		return false;
	}
	snprintf(path, sizeof(path), "%s/postgresql.auto.conf", pg->datadir);
	/* Read only as postgres's own regular file: its bytes are written
	 * back into a file postgres owns (a link to /etc/shadow would
	 * disclose it). */
	fd = tandem_safefs_open_read(dfd, "postgresql.auto.conf", pg->uid);
	if (fd < 0 && errno != ENOENT) {
		snprintf(pg->why, sizeof(pg->why), "refusing to read \"%.300s\": %s", path,
			 tandem_safefs_strerror(errno));
		close(dfd);
		return false;
	}
	content = calloc(1, cap);
	if (content == NULL || (fd >= 0 && (f = fdopen(fd, "r")) == NULL)) {
		if (fd >= 0)
			close(fd);
		free(content);
		close(dfd);
		return false;
	}
	if (f != NULL) {
		char line[4096];

		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "primary_conninfo", 16) == 0 || strncmp(line, "primary_slot_name", 17) == 0)
				continue;
			used += (size_t)snprintf(content + used, cap - used, "%s", line);
			if (used >= cap)
				break;
		}
		fclose(f);
	}
	/* dbname first, so that one the admin's primary_conninfo names wins:
	 * slot synchronization (logical_failover) connects to it; a
	 * walreceiver ignores it. */
	snprintf(ci, sizeof(ci), "dbname=postgres ");
	conninfo(pg, ci + strlen(ci), sizeof(ci) - strlen(ci));
	{
		char nodes[32][64];

		pg_slot_name(pg->node, (const char (*)[64])nodes, known_nodes(nodes, 32), slot, sizeof(slot));
	}
	if (used >= cap || !quote_into(quoted, sizeof(quoted), ci)) {
		free(content);
		close(dfd);
		snprintf(pg->why, sizeof(pg->why), "postgresql.auto.conf or primary_conninfo too long");
		return false;
	}
	snprintf(content + used, cap - used, "primary_conninfo = %s\nprimary_slot_name = '%s'\n", quoted, slot);
	if (!write_owned(pg, dfd, "postgresql.auto.conf", content)) {
		snprintf(pg->why, sizeof(pg->why), "could not write \"%.300s\": %s", path, strerror(errno));
		free(content);
		close(dfd);
		return false;
	}
	free(content);
	close(dfd);
	return true;
}

/* The primary's major version (PQserverVersion / 10000), asked over a
 * replication connection (what pg_hba.conf grants replication_user), or
 * -1 with pg->why set. */
static int
primary_major(struct pg *pg, const char *ci)
{
	const char *keys[] = { "dbname", "replication", NULL };
	const char *vals[] = { ci, "true", NULL };
	PGconn *c = tandem_pq_connect(keys, vals, pg->ctx->deadline, pg->why, sizeof(pg->why));
	int v;

	if (c == NULL)
		return -1;
	v = PQserverVersion(c);
	PQfinish(c);
	return v >= 100000 ? v / 10000 : -1;
}

/* The empty data directory restored from pgbackrest_stanza's latest
 * backup as a standby (pgbackrest restore --type=standby writes
 * standby.signal and its restore_command; configure_standby adds
 * primary_conninfo): it catches up from the archive, then streams.  The
 * node's own pgBackRest configuration (/etc/pgbackrest.conf, or
 * PGBACKREST_CONFIG) names the repository; the data directory is this
 * resource's. */
static int
restore_from_repository(struct pg *pg, const char *stanza)
{
	char s[160], path[4200];
	const char *prog = pgbackrest_program();
	const char *argv[] = { prog, s, path, "--type=standby", "restore", NULL };

	snprintf(s, sizeof(s), "--stanza=%s", stanza);
	snprintf(path, sizeof(path), "--pg1-path=%s", pg->datadir);
	tandem_log(LOG_INFO, "\"%s\" is empty: restoring it from pgBackRest stanza %s", pg->datadir, stanza);
	if (run_simple(pg, argv) != 0) {
		tandem_ocf_exit_reason("could not restore from pgBackRest stanza %s: %s", stanza, pg->why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_SUCCESS;
}

/* The empty data directory made system_user's, mode 0700 (PostgreSQL
 * refuses a group- or world-open one).  A fresh mount point is root's
 * (issue 28): taken as lib/safefs.c takes a directory, so no link or
 * other user's directory put in its place is handed over. */
int
claim_datadir(struct pg *pg)
{
	char base[256], why[512] = "";
	int parent = tandem_safefs_parent(pg->datadir, base, sizeof(base)), fd;

	if (parent < 0)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "could not open the directory holding \"%s\": %s",
					 pg->datadir, strerror(errno));
	/* Made, or taken, through its parent's descriptor and given away by
	 * its own: never a chown through a link postgres planted (issue 26). */
	fd = tandem_safefs_mkdir(parent, base, 0700, pg->uid, pg->gid, why, sizeof(why));
	close(parent);
	if (fd < 0)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "could not give datadir \"%s\" to %s: %s", pg->datadir,
					 pg->user, why);
	close(fd);
	return TANDEM_OCF_SUCCESS;
}

/* A node with no data is cloned from the primary (pg_basebackup), or
 * restored from the pgBackRest repository when pgbackrest_stanza is set.
 * With bindir left to its default, the programs are those of the
 * primary's major: the clone must be run by the version that wrote it. */
int
clone_from_primary(struct pg *pg)
{
	const char *stanza = tandem_param_str(pg->p, PG_PGBACKREST_STANZA);
	char ci[2048];
	const char *argv[] = { pg->pg_basebackup, "--pgdata", pg->datadir, "--dbname", ci,
			       "--wal-method=stream", "--checkpoint=fast", "--no-password", NULL };
	int rc;

	conninfo(pg, ci, sizeof(ci));
	if (pg->bindir_auto) {
		char dir[4096];
		int major = primary_major(pg, ci);

		if (major < 0) {
			tandem_ocf_exit_reason("could not ask the primary its version before cloning: %s", pg->why);
			return TANDEM_OCF_ERR_GENERIC;
		}
		if (!tandem_pg_bindir(major, dir, sizeof(dir))) {
			tandem_ocf_exit_reason("the primary runs PostgreSQL %d, which is not installed here "
					       "(no \"%s/postgres\")", major, dir);
			return TANDEM_OCF_ERR_INSTALLED;
		}
		set_bindir(pg, dir);
	}
	if ((rc = claim_datadir(pg)) != TANDEM_OCF_SUCCESS)
		return rc;
	if (stanza != NULL && stanza[0] != '\0')
		return restore_from_repository(pg, stanza);
	tandem_log(LOG_INFO, "\"%s\" is empty: cloning it from the primary", pg->datadir);
	if (run_simple(pg, argv) != 0) {
		tandem_ocf_exit_reason("could not clone the primary: %s", pg->why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_SUCCESS;
}

/* Copies name in directory fromfd to a new
 * file name in tofd, owned by system_user; false if it could not.  Both
 * directories are postgres's: the source is read only as postgres's own
 * regular file, the copy made with O_EXCL, neither through a link
 * (issue 26). */
static bool
copy_owned(struct pg *pg, int fromfd, const char *name, int tofd)
{
	char buf[65536];
	ssize_t n = 0;
	bool ok;
	int in = tandem_safefs_open_read(fromfd, name, pg->uid);
	int out = in >= 0 ? tandem_safefs_create(tofd, name, 0600, pg->uid, pg->gid) : -1;

	if (in >= 0 && out < 0)
		tandem_log(LOG_WARNING, "could not create %s for %s: %s", name, pg->user, strerror(errno));
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	ok = in >= 0 && out >= 0 && n == 0;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		ok = false;
	return ok;
}

/* Copies the regular files of pg_wal aside before a rewind overwrites
 * them: what the former primary wrote after the timelines diverged. */
static bool
save_wal(struct pg *pg, char *dest, size_t len, char *last, size_t last_len)
{
	char base[256], why[512];
	struct dirent *e;
	int dfd, wal, parent, to;
	DIR *d;

	beside_datadir(pg, "diverged", dest, len);
	last[0] = '\0';
	/* Beside the data directory, whose parent postgres may own: made
	 * through its descriptor (issue 26). */
	if ((parent = tandem_safefs_parent(dest, base, sizeof(base))) < 0)
		return false;
	to = tandem_safefs_mkdir(parent, base, 0700, pg->uid, pg->gid, why, sizeof(why));
	close(parent);
	if (to < 0) {
		tandem_log(LOG_WARNING, "%s", why);
		return false;
	}
	dfd = datadir_fd(pg);
	wal = dfd < 0 ? -1 : tandem_safefs_dir(dfd, "pg_wal", pg->uid, pg->why, sizeof(pg->why));
	d = wal < 0 ? NULL : fdopendir(dup(wal));
	if (d == NULL) {
		if (wal >= 0)
			close(wal);
		if (dfd >= 0)
			close(dfd);
		close(to);
		return false;
	}
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 24 || strspn(e->d_name, "0123456789ABCDEF") != 24)
			continue;
		if (strcmp(e->d_name, last) > 0)
			snprintf(last, last_len, "%.24s", e->d_name);
		copy_owned(pg, wal, e->d_name, to);
	}
	closedir(d);
	close(wal);
	close(dfd);
	close(to);
	return true;
}

int
wal_past(struct pg *pg, uint32_t tli, uint64_t at, bool move, char *dest, size_t len)
{
	uint64_t seg = pg->control.wal_segment_size > 0 ? pg->control.wal_segment_size : SEGMENT;
	uint64_t from = at / seg, segno;
	uint32_t t;
	char why[512], base[256];
	bool later = false;
	struct dirent *e;
	int dfd = datadir_fd(pg), wal, to = -1, n = 0, failed = 0;
	DIR *d;

	if (dest != NULL && len > 0)
		dest[0] = '\0';
	int w2;

	wal = dfd < 0 ? -1 : tandem_safefs_dir(dfd, "pg_wal", pg->uid, pg->why, sizeof(pg->why));
	if (dfd >= 0)
		close(dfd);
	w2 = wal < 0 ? -1 : dup(wal);
	d = w2 < 0 ? NULL : fdopendir(w2);
	if (d == NULL) {
		if (w2 >= 0)
			close(w2);
		if (wal >= 0)
			close(wal);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		unsigned char head[16];
		ssize_t got;
		int fd;

		if (!pg_wal_name_parse(e->d_name, seg, &t, &segno) || t != tli || segno < from)
			continue;
		n++;
		if (segno == from || later)
			continue;
		/* Read as postgres's own regular file, never through a link. */
		fd = tandem_safefs_open_read(wal, e->d_name, pg->uid);
		got = fd < 0 ? -1 : read(fd, head, sizeof(head));
		if (fd >= 0)
			close(fd);
		later = got == (ssize_t)sizeof(head) && pg_wal_page_is(head, sizeof(head), tli, segno, seg);
	}
	if (!later || !move) {
		closedir(d);
		close(wal);
		return later ? n : 0;
	}
	/* Beside the data directory, as save_wal's copies. */
	beside_datadir(pg, "diverged", dest, len);
	if ((to = tandem_safefs_parent(dest, base, sizeof(base))) >= 0) {
		int parent = to;

		to = tandem_safefs_mkdir(parent, base, 0700, pg->uid, pg->gid, why, sizeof(why));
		close(parent);
		if (to < 0)
			snprintf(pg->why, sizeof(pg->why), "%s", why);
	} else {
		snprintf(pg->why, sizeof(pg->why), "%s", strerror(errno));
	}
	n = 0;
	rewinddir(d);
	while (to >= 0 && (e = readdir(d)) != NULL) {
		if (!pg_wal_name_parse(e->d_name, seg, &t, &segno) || t != tli || segno < from)
			continue;
		/* Renamed; copied, then removed, where pg_wal is elsewhere.
		 * An entry seen again after its rename is gone (ENOENT). */
		if (renameat(wal, e->d_name, to, e->d_name) == 0
		    || (errno == EXDEV && copy_owned(pg, wal, e->d_name, to) && unlinkat(wal, e->d_name, 0) == 0)) {
			n++;
		} else if (errno != ENOENT) {
			tandem_log(LOG_WARNING, "could not set %s aside: %s", e->d_name, strerror(errno));
			failed++;
		}
	}
	closedir(d);
	if (to >= 0)
		close(to);
	close(wal);
	if (to >= 0 && failed > 0)
		snprintf(pg->why, sizeof(pg->why), "%d segments could not be set aside", failed);
	return to < 0 || failed > 0 ? -1 : n;
}

/* Puts back into pg_wal the segments saved (save_wal) that the rewound
 * node replays first: from its last common checkpoint's redo (the
 * segment backup_label names, which pg_rewind writes) to the one before
 * the segment where the histories diverged, all common history.
 * PostgreSQL 13's pg_rewind removes every segment the source does not
 * hold, and a primary that has checkpointed since its promotion holds
 * none from before the fork: the node would wait for WAL nobody has
 * ("requested WAL segment ... has already been removed"), never
 * consistent.  14 and later keep them ("Not removing file ... because it
 * is required for recovery"): then nothing is missing here.  Every
 * directory is postgres's: reached through checked descriptors, each
 * entry with O_NOFOLLOW (issue 26). */
static void
restore_common_wal(struct pg *pg, const char *saved, const char *diverged)
{
	char label[512], word[24], redo[25] = "", low[17], high[17], done[64], why[512];
	const char *at = strstr(diverged, "WAL location ");
	uint64_t seg = pg->control.wal_segment_size > 0 ? pg->control.wal_segment_size : SEGMENT, lsn, no;
	struct dirent *e;
	ssize_t n;
	int dfd, fd, wal = -1, status = -1, from = -1;
	DIR *d = NULL;

	if (at == NULL || sscanf(at, "WAL location %23s", word) != 1 || !tandem_lsn_parse(word, &lsn))
		return;
	no = lsn / seg; /* its segment's name, without the timeline */
	snprintf(high, sizeof(high), "%08X%08X", (unsigned)(no / (0x100000000ULL / seg)),
		 (unsigned)(no % (0x100000000ULL / seg)));
	if ((dfd = datadir_fd(pg)) < 0) {
		tandem_log(LOG_WARNING, "%s: no WAL put back", pg->why);
		return;
	}
	fd = tandem_safefs_open_read(dfd, "backup_label", pg->uid);
	if (fd < 0) {
		tandem_log(LOG_WARNING, "no backup_label after pg_rewind (%s): no WAL put back",
			   tandem_safefs_strerror(errno));
		goto out;
	}
	n = read(fd, label, sizeof(label) - 1);
	close(fd);
	label[n > 0 ? n : 0] = '\0';
	at = strstr(label, "(file ");
	if (at == NULL || sscanf(at, "(file %24[0-9A-F])", redo) != 1 || strlen(redo) != 24) {
		tandem_log(LOG_WARNING, "backup_label names no WAL file: no WAL put back");
		goto out;
	}
	snprintf(low, sizeof(low), "%s", redo + 8);
	wal = tandem_safefs_dir(dfd, "pg_wal", pg->uid, why, sizeof(why));
	status = wal < 0 ? -1 : tandem_safefs_dir(wal, "archive_status", pg->uid, why, sizeof(why));
	from = status < 0 ? -1 : tandem_safefs_dir(AT_FDCWD, saved, pg->uid, why, sizeof(why));
	d = from < 0 ? NULL : fdopendir(dup(from));
	if (d == NULL) {
		tandem_log(LOG_WARNING, "%s: no WAL put back", from < 0 ? why : strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strlen(e->d_name) != 24 || strcmp(e->d_name + 8, low) < 0 || strcmp(e->d_name + 8, high) >= 0)
			continue;
		if (fstatat(wal, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (copy_owned(pg, from, e->d_name, wal)) {
			/* Marked archived, as a standby's walreceiver marks what
			 * it receives (XLogArchiveForceDone, walreceiver.c): the
			 * primary archives it, not this node if it is promoted. */
			snprintf(done, sizeof(done), "%.24s.done", e->d_name);
			fd = tandem_safefs_create(status, done, 0600, pg->uid, pg->gid);
			if (fd < 0 || close(fd) != 0)
				tandem_log(LOG_WARNING, "could not write archive_status/%s", done);
			tandem_log(LOG_INFO, "put back %s, removed by pg_rewind: the rewound node replays it first",
				   e->d_name);
		} else {
			tandem_log(LOG_WARNING, "could not put back %s: recovery will need it from an archive",
				   e->d_name);
			unlinkat(wal, e->d_name, 0);
		}
	}
out:
	if (d != NULL)
		closedir(d);
	if (from >= 0)
		close(from);
	if (status >= 0)
		close(status);
	if (wal >= 0)
		close(wal);
	close(dfd);
}

/* Whether the data directory's configuration sets restore_command (a WAL
 * archive), read as pg_rewind reads it (postgres -C).  pg_rewind then
 * fetches from the archive the WAL this node no longer holds
 * (--restore-target-wal, PostgreSQL 13+): a former primary that went on
 * alone recycles the segments from before the fork, and without the
 * archive it could only be cloned again. */
static bool
has_restore_command(struct pg *pg)
{
	const char *argv[] = { pg->postgres, "-D", pg->pgdata, "-C", "restore_command", NULL };
	struct tandem_spawn_result res;
	bool yes = run_as(pg, argv, &res) == 0 && res.out != NULL && res.out[strspn(res.out, " \n")] != '\0';

	tandem_spawn_result_free(&res);
	return yes;
}

/* The node's own configuration files in its data directory, which
 * pg_rewind replaces with the source's (it copies every file but a few):
 * an ALTER SYSTEM made on this node (a delayed standby's
 * recovery_min_apply_delay) and, where the configuration lives in the data
 * directory, its postgresql.conf and pg_hba.conf would silently become
 * the primary's.  Read before the rewind (as postgres's own regular files,
 * 1 MiB at most), written back after it. */
static const char *const own_conf[] = { "postgresql.auto.conf", "postgresql.conf", "pg_hba.conf", "pg_ident.conf" };
#define N_OWN_CONF (sizeof(own_conf) / sizeof(own_conf[0]))

static void
keep_own_conf(struct pg *pg, char *kept[N_OWN_CONF], mode_t modes[N_OWN_CONF])
{
	int dfd = datadir_fd(pg);

	for (size_t i = 0; i < N_OWN_CONF; i++) {
		size_t cap = 1 << 20, used = 0;
		ssize_t n = 0;
		int fd = dfd < 0 ? -1 : tandem_safefs_open_read(dfd, own_conf[i], pg->uid);
		struct stat st;

		kept[i] = NULL;
		modes[i] = fd >= 0 && fstat(fd, &st) == 0 ? st.st_mode & 07777 : 0600;
		if (fd < 0) {
			if (dfd >= 0 && errno != ENOENT)
				tandem_log(LOG_WARNING, "%s not kept across pg_rewind: %s", own_conf[i],
					   tandem_safefs_strerror(errno));
			continue;
		}
		kept[i] = malloc(cap + 1);
		while (kept[i] != NULL && used < cap && (n = read(fd, kept[i] + used, cap - used)) > 0)
			used += (size_t)n;
		close(fd);
		if (kept[i] == NULL || n < 0 || used == cap || memchr(kept[i], '\0', used) != NULL) {
			tandem_log(LOG_WARNING, "%s not kept across pg_rewind: %s", own_conf[i],
				   kept[i] == NULL || n < 0 ? strerror(errno) : "over 1 MiB, or not text");
			free(kept[i]);
			kept[i] = NULL;
			continue;
		}
		kept[i][used] = '\0';
	}
	if (dfd >= 0)
		close(dfd);
}

static void
put_back_own_conf(struct pg *pg, char *kept[N_OWN_CONF], const mode_t modes[N_OWN_CONF])
{
	int dfd = datadir_fd(pg);

	for (size_t i = 0; i < N_OWN_CONF; i++) {
		if (kept[i] != NULL && (dfd < 0 || !write_owned(pg, dfd, own_conf[i], kept[i]))) {
			tandem_log(LOG_WARNING, "could not put back this node's %s after pg_rewind (it is the "
				   "primary's now): %s", own_conf[i], dfd < 0 ? pg->why : strerror(errno));
		} else if (kept[i] != NULL && modes[i] != 0600) {
			/* Its mode again (a group-readable pg_hba.conf), on the
			 * file just written, opened without following a link. */
			int fd = tandem_safefs_open_read(dfd, own_conf[i], pg->uid);

			if (fd < 0 || fchmod(fd, modes[i] & 0777) != 0)
				tandem_log(LOG_WARNING, "could not give %s its mode %04o again", own_conf[i],
					   (unsigned)modes[i]);
			if (fd >= 0)
				close(fd);
		}
		free(kept[i]);
		kept[i] = NULL;
	}
	if (dfd >= 0)
		close(dfd);
}

/* Data that may have diverged from the running primary's timeline is
 * rewound (pg_rewind) before it streams: a former primary (pg_control: shut
 * down, or stopped uncleanly as a primary: pg_control_crashed_primary), or a standby shut down on an
 * older timeline than the primary's (it may have replayed past the fork,
 * and PostgreSQL then refuses to follow).  The diverged WAL is saved first
 * and the range is reported.  When pg_rewind itself cannot run or fails,
 * *cannot is set and pg->why says why, with no exit reason: the caller
 * clones it again (clone_again). */
int
rejoin_if_diverged(struct pg *pg, bool forked, bool *rewound, bool *cannot)
{
	char ci[2048], src[2200], dest[4200], last[32], line[256] = "", *conf[N_OWN_CONF];
	mode_t conf_modes[N_OWN_CONF];
	const char *dry[] = { pg->pg_rewind, "--target-pgdata", pg->datadir, "--source-server", src,
			      "--dry-run", NULL, NULL };
	const char *real[] = { pg->pg_rewind, "--target-pgdata", pg->datadir, "--source-server", src, NULL, NULL };
	struct tandem_spawn_result res;
	const char *div;
	bool crashed = pg_control_crashed_primary(pg->control.state);
	bool was_primary = crashed || pg->control.state == TANDEM_PG_SHUTDOWNED;
	uint32_t tli = 0, ckpt_tli = 0;
	int remote;

	*rewound = false;
	*cannot = false;
	/* A crashed standby recovers by itself as a standby (and single-user
	 * crash recovery, which pg_rewind needs, refuses standby mode).
	 * forked: the primary has refused this standby's point (its monitor
	 * asked), whatever pg_control shows. */
	if (!forked && !was_primary && pg->control.state != TANDEM_PG_SHUTDOWNED_IN_RECOVERY)
		return TANDEM_OCF_SUCCESS;
	remote = remote_is_primary(pg, &tli, &ckpt_tli);
	if (remote != 1) {
		/* No primary to compare with: start as a standby, which cannot
		 * accept a write; the election decides who leads. */
		if (was_primary)
			tandem_log(LOG_INFO, "former primary, and no other primary reachable: starting as a standby");
		return TANDEM_OCF_SUCCESS;
	}
	if (!forked && !was_primary && pg->control.timeline >= tli)
		return TANDEM_OCF_SUCCESS;
	if (!tandem_param_bool(pg->p, PG_AUTO_REWIND)) {
		tandem_ocf_exit_reason("this node %s and another primary runs: auto_rewind is off, "
				       "rewind \"%s\" with pg_rewind by hand",
				       was_primary ? "was a primary" : "is on an older timeline", pg->datadir);
		return TANDEM_OCF_ERR_GENERIC;
	}
	/* pg_rewind before PostgreSQL 16 compares timelines as the source's
	 * pg_control has them, and a primary's says its new timeline only
	 * once it has checkpointed since its promotion (promote asks for it,
	 * without waiting): until then this node would look undiverged. */
	tandem_deadline half = tandem_deadline_cap(pg->ctx->deadline, tandem_deadline_left(pg->ctx->deadline) / 2);

	while (ckpt_tli < tli) {
		if (!tandem_deadline_sleep(half, 100) || remote_is_primary(pg, &tli, &ckpt_tli) != 1) {
			tandem_ocf_exit_reason("the primary (timeline %" PRIu32 ") has not checkpointed since its "
					       "promotion (its pg_control says timeline %" PRIu32 "): "
					       "pg_rewind cannot compare yet", tli, ckpt_tli);
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	conninfo(pg, ci, sizeof(ci));
	/* A source lost mid-rewind (a power cut: nothing closes the
	 * connection) is given up in seconds, not at the start's deadline:
	 * the caller clones again, or the start fails and Pacemaker tries
	 * once a primary runs.  Before the admin's primary_conninfo, whose
	 * own values win (libpq takes a keyword's last value). */
	snprintf(src, sizeof(src), "connect_timeout=5 tcp_user_timeout=5000 keepalives=1 keepalives_idle=2 "
		 "keepalives_interval=1 keepalives_count=2 %s dbname=postgres", ci);
	if (crashed) {
		/* pg_rewind wants a clean shutdown and, in --dry-run, does not
		 * run the crash recovery itself: do it as it would. */
		const char *single[] = { pg->postgres, "--single", "-F", "-D", pg->pgdata, "template1", NULL };
		char signal[4096];

		tandem_log(LOG_INFO, "former primary stopped uncleanly (pg_control: %s): completing its crash "
			   "recovery first", tandem_pg_state_str(pg->control.state));
		/* A single-user server refuses standby mode, and a former primary
		 * started as a standby before (no primary was reachable then)
		 * has standby.signal: configure_standby writes it again. */
		int dfd = datadir_fd(pg);

		snprintf(signal, sizeof(signal), "%s/standby.signal", pg->datadir);
		if (dfd < 0) {
			tandem_ocf_exit_reason("%s", pg->why);
			return TANDEM_OCF_ERR_GENERIC;
		}
		if (unlinkat(dfd, "standby.signal", 0) != 0 && errno != ENOENT) {
			tandem_ocf_exit_reason("could not remove \"%s\": %s", signal, strerror(errno));
			close(dfd);
			return TANDEM_OCF_ERR_GENERIC;
		}
		close(dfd);
		if (run_simple(pg, single) != 0) {
			tandem_ocf_exit_reason("crash recovery of \"%s\" failed: %s", pg->datadir, pg->why);
			return TANDEM_OCF_ERR_GENERIC;
		}
	}
	if (has_restore_command(pg)) {
		dry[6] = "--restore-target-wal";
		real[5] = "--restore-target-wal";
	}
	if (run_as(pg, dry, &res) != 0) {
		tandem_log(LOG_WARNING, "pg_rewind cannot rejoin \"%s\"%s: %s", pg->datadir,
			   dry[6] != NULL ? " (with the archive's restore_command)" : "", pg->why);
		tandem_spawn_result_free(&res);
		*cannot = true;
		return TANDEM_OCF_ERR_GENERIC;
	}
	div = strstr(res.out, "servers diverged at WAL location ");
	if (div == NULL)
		div = strstr(res.err, "servers diverged at WAL location ");
	if (div != NULL)
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(div, "\n"), div);
	if (strstr(res.out, "no rewind required") != NULL || strstr(res.err, "no rewind required") != NULL) {
		tandem_log(LOG_INFO, "%s has not diverged: no rewind needed",
			   was_primary ? "former primary" : "standby on an older timeline");
		tandem_spawn_result_free(&res);
		return TANDEM_OCF_SUCCESS;
	}
	tandem_spawn_result_free(&res);
	if (!save_wal(pg, dest, sizeof(dest), last, sizeof(last))) {
		tandem_ocf_exit_reason("could not save the diverged WAL of \"%s\" to \"%s\": %s", pg->datadir,
				       dest, strerror(errno));
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_log(LOG_WARNING, "%s diverged (%s); its WAL up to segment %s is saved in \"%s\"",
		   was_primary ? "former primary" : "standby", line[0] ? line : "diverging point unknown",
		   last[0] ? last : "(none)", dest);
	keep_own_conf(pg, conf, conf_modes);
	if (run_as(pg, real, &res) != 0) {
		tandem_log(LOG_WARNING, "pg_rewind failed on \"%s\": %s", pg->datadir, pg->why);
		tandem_spawn_result_free(&res);
		put_back_own_conf(pg, conf, conf_modes);
		*cannot = true;
		return TANDEM_OCF_ERR_GENERIC;
	}
	tandem_spawn_result_free(&res);
	put_back_own_conf(pg, conf, conf_modes);
	restore_common_wal(pg, dest, line);
	report_lost(pg, dest, line, pg->control.timeline);
	/* Copies kept as repair_keep keeps data directories, this one (its
	 * report being written) always. */
	{
		long long keep = tandem_param_int(pg->p, PG_REPAIR_KEEP);

		prune_aside(pg, "diverged", keep > 0 ? keep : 1);
	}
	tandem_log(LOG_INFO, "rewound \"%s\" to the new primary's timeline%s", pg->datadir,
		   real[5] != NULL ? ", WAL it no longer held fetched from the archive (restore_command)" : "");
	*rewound = true;
	return TANDEM_OCF_SUCCESS;
}

/* What pg_ctl start -w waits for (pg_ctl.c, wait_for_postmaster_start):
 * the lock file of a postmaster started since launched (seconds since the
 * epoch), alive, saying "ready" or "standby". */
struct started_since {
	const char *datadir;
	int64_t launched;
};

static bool
server_ready(void *arg)
{
	const struct started_since *s = arg;
	struct tandem_pm_status st;

	return tandem_pm_status_read(s->datadir, &st) == 0 && st.started >= s->launched
	       && (strcmp(st.status, "ready") == 0 || strcmp(st.status, "standby") == 0)
	       && tandem_proc_alive(st.pid);
}

/* What pg_ctl stop -w waits for (pg_ctl.c, wait_for_postmaster_stop):
 * the lock file gone, the postmaster's last act. */
static bool
server_gone(void *arg)
{
	const struct pg *pg = arg;
	struct tandem_pm_status st;

	return tandem_pm_status_read(pg->datadir, &st) == -ENOENT;
}

/* pg_ctl start -w; own_tli (0: the newest): recovery stays on that
 * timeline, the data directory's own (this start only: a later one
 * follows the newest again). */
static int
start_server(struct pg *pg, uint32_t own_tli)
{
	char secs[32], target[64];
	const char *opts = tandem_param_str(pg->p, PG_START_OPTS);
	const char *argv[16] = { pg->pg_ctl, "start", "-D", pg->pgdata, "-w", "-t", secs, "-s",
				 "-l", tandem_param_str(pg->p, PG_LOGFILE) };
	size_t k = 10;
	struct started_since since = { pg->datadir, (int64_t)time(NULL) };

	if (opts != NULL) {
		argv[k++] = "-o";
		argv[k++] = opts;
	}
	if (own_tli > 0) {
		snprintf(target, sizeof(target), "-c recovery_target_timeline=%" PRIu32, own_tli);
		argv[k++] = "-o";     /* pg_ctl joins its -o options */
		argv[k++] = target;
	}
	argv[k] = NULL;
	seconds_left(pg, 1.0, secs);
	return run_until(pg, argv, server_ready, &since);
}

/* Whether this node's data runs past where the newest timeline it knows
 * (history files in pg_wal, probed upward as PostgreSQL does) leaves its
 * own (*tli): followed, PostgreSQL refuses that timeline, or, when its
 * segment holding this node's checkpoint is in the archive, reads the
 * checkpoint record there, finds none, and waits for WAL that never comes
 * (the start's whole deadline).  *newest is set when true. */
static bool
past_newer_fork(struct pg *pg, uint32_t *tli, uint32_t *newest)
{
	char history[65536], why[256];
	struct tandem_pgcontrol control;
	uint64_t at = 0;
	bool bad = false;

	/* As it is now: a rewind or a repair may have changed it. */
	if (tandem_pgcontrol_read(pg->datadir, &control, why, sizeof(why)) != 0)
		return false;
	/* Its own: where its replay is, as far as pg_control tells (the
	 * minimum recovery point's, when past the last restartpoint's). */
	*tli = control.min_recovery_tli > control.timeline ? control.min_recovery_tli : control.timeline;
	*newest = *tli;
	while (*newest < UINT32_MAX && tandem_pgdata_history_read(pg->datadir, *newest + 1, history, sizeof(history)) >= 0)
		(*newest)++;
	if (*newest == *tli || tandem_pgdata_history_read(pg->datadir, *newest, history, sizeof(history)) < 0
	    || !pg_history_switchpoint(history, *tli, &at, &bad) || bad)
		return false;
	return (control.timeline == *tli && control.checkpoint >= at)
	       || (control.min_recovery_tli == *tli && control.min_recovery_point > at);
}

/* The start failed: data past a newer timeline's fork (a former primary,
 * or a standby shut down there), which PostgreSQL refuses to recover
 * towards ("requested timeline ... does not contain minimum recovery
 * point", "... forked off current database system timeline ..."; the
 * newest timeline's history comes from the archive), is rewound when a
 * primary answers now, or else started on its own timeline: a standby
 * there accepts no write, and its monitor finds it cannot follow once a
 * primary runs (and its restart rewinds it).
 * Failing the start instead kept the node out for good (a failed start is
 * fatal to Pacemaker): seen when a former primary's failed promote was
 * recovered before the new primary answered. */
static int
start_after_failure(struct pg *pg)
{
	char first[sizeof(pg->why)];
	uint32_t tli = 0, ckpt_tli = 0, own;
	bool rewound = false, cannot = false;

	snprintf(first, sizeof(first), "%s", pg->why);
	(void)observe(pg);
	pg_close(pg);
	if (!pg->seen.control_ok)
		return -1;
	if (remote_is_primary(pg, &tli, &ckpt_tli) == 1) {
		if (tli <= pg->control.timeline
		    || rejoin_if_diverged(pg, true, &rewound, &cannot) != TANDEM_OCF_SUCCESS || !rewound
		    || !configure_standby(pg))
			goto failed;
		return start_server(pg, 0);
	}
	own = pg->control.min_recovery_tli > pg->control.timeline ? pg->control.min_recovery_tli : pg->control.timeline;
	tandem_log(LOG_WARNING, "could not start following the newest timeline (%s) and no primary answers "
		   "to rewind against: starting on this node's own timeline %" PRIu32 ", until a primary runs",
		   first, own);
	if (start_server(pg, own) == 0)
		return 0;
failed:
	snprintf(pg->why, sizeof(pg->why), "%s", first);
	return -1;
}

int
pg_start(struct tandem_ctx *ctx)
{
	struct pg pg;
	enum pg_role role;
	int rc;
	uint32_t own, newest, remote_tli, remote_ckpt;

	pg_init(&pg, ctx);
	role = observe(&pg);
	pg_close(&pg);
	switch (role) {
	case PG_ROLE_STANDBY:
		tandem_log(LOG_INFO, "already running as a standby");
		return TANDEM_OCF_SUCCESS;
	case PG_ROLE_PRIMARY:
		/* Never two primaries: a primary is only made by promote. */
		tandem_ocf_exit_reason("instance already runs as a primary outside Pacemaker's control");
		return TANDEM_OCF_ERR_GENERIC;
	case PG_ROLE_BROKEN:
		if (pg.seen.postmaster_alive) {
			tandem_ocf_exit_reason("a postmaster runs but does not answer: %s", pg.why);
			return TANDEM_OCF_ERR_GENERIC;
		}
		break;
	default:
		break;
	}
	remove_stale_pidfile(&pg);
	/* A new life: the monitor's "not streaming since" starts again. */
	tandem_ocf_seen_for("not-streaming", false);
	if (dir_empty_or_missing(pg.datadir)) {
		rc = clone_from_primary(&pg);
		if (rc != TANDEM_OCF_SUCCESS)
			return rc;
	} else if (tandem_pgdata_clone_cut_short(pg.datadir)) {
		/* Its start's deadline or the node's power ended the clone:
		 * it can never start, and holds nothing the primary lacks. */
		rc = reclone_cut_short(&pg);
		if (rc != TANDEM_OCF_SUCCESS)
			return rc;
	} else if (pg.seen.control_ok) {
		char repair[800];
		bool rewound;

		bool cannot;

		if (read_state("repair", repair, sizeof(repair)) && repair[0] != '\0') {
			rc = repair_standby(&pg, repair);
		} else {
			rc = rejoin_if_diverged(&pg, false, &rewound, &cannot);
			if (rc != TANDEM_OCF_SUCCESS && cannot) {
				char why[sizeof(pg.why) + 32];

				snprintf(why, sizeof(why), "pg_rewind cannot rejoin it: %s", pg.why);
				rc = clone_again(&pg, why);
			}
		}
		if (rc != TANDEM_OCF_SUCCESS)
			return rc;
	}
	if (!configure_standby(&pg)) {
		tandem_ocf_exit_reason("%s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	if (past_newer_fork(&pg, &own, &newest) && remote_is_primary(&pg, &remote_tli, &remote_ckpt) != 1) {
		/* No primary answered to rewind it against (rejoin_if_diverged
		 * would have): as start_after_failure, at once. */
		tandem_log(LOG_WARNING, "this node's data runs past where timeline %" PRIu32 " leaves its timeline %" PRIu32
			   ", and no primary answers to rewind against: starting on this node's own timeline %" PRIu32
			   ", until a primary runs", newest, own, own);
		rc = start_server(&pg, own);
	} else {
		rc = start_server(&pg, 0);
	}
	if (rc == 0) {
		/* PostgreSQL 18 may say ready a moment before its startup
		 * process refuses the newest timeline: gone at once, it failed. */
		(void)observe(&pg);
		pg_close(&pg);
		if (!pg.seen.postmaster_alive) {
			snprintf(pg.why, sizeof(pg.why), "the server stopped as soon as it started");
			rc = -1;
		}
	}
	if (rc != 0 && start_after_failure(&pg) != 0) {
		tandem_ocf_exit_reason("could not start PostgreSQL: %s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	role = observe(&pg);
	pg_close(&pg);
	if (role != PG_ROLE_STANDBY) {
		tandem_ocf_exit_reason("started, but the instance is %s, not a standby", pg_role_str(role));
		return TANDEM_OCF_ERR_GENERIC;
	}
	/* Started, whichever way (a clone of an empty directory included): a
	 * repair a monitor asked for is done or moot. */
	write_state("repair", "");
	tandem_log(LOG_INFO, "started as a standby of %s", tandem_param_str(pg.p, PG_PRIMARY_CONNINFO));
	return TANDEM_OCF_SUCCESS;
}

static int
stop_server(struct pg *pg)
{
	char secs[32];
	const char *fast[] = { pg->pg_ctl, "stop", "-D", pg->pgdata, "-m", "fast", "-w", "-t", secs, "-s", NULL };
	const char *immediate[] = { pg->pg_ctl, "stop", "-D", pg->pgdata, "-m", "immediate", "-w", "-t", "5",
				    "-s", NULL };
	pid_t pid;

	/* Fast for the first two thirds of the time, then immediate, then
	 * SIGKILL: stop must succeed, or the node is fenced. */
	seconds_left(pg, 2.0 / 3, secs);
	if (run_until(pg, fast, server_gone, pg) == 0 || !postmaster_alive(pg))
		return 0;
	tandem_log(LOG_WARNING, "fast shutdown did not finish (%s): immediate", pg->why);
	if (run_until(pg, immediate, server_gone, pg) == 0 || !postmaster_alive(pg))
		return 0;
	pid = postmaster_pid(pg);
	if (pid > 0) {
		/* Only the postmaster bindir's postgres runs as system_user,
		 * signalled by the pidfd held while checked (issue 26): the
		 * pid file is postgres's to write. */
		struct tandem_proc_handle h;
		char why[300];
		int rc = tandem_proc_open_checked(pid, pg->postgres, pg->uid, &h, why, sizeof(why));
		bool gone;

		if (rc == -ESRCH)
			return 0;
		if (rc != 0) {
			snprintf(pg->why, sizeof(pg->why), "not signalling the pid postmaster.pid names: %s", why);
			return -1;
		}
		gone = tandem_proc_handle_terminate(&h, 1000, pg->ctx->deadline);
		tandem_proc_handle_close(&h);
		return gone ? 0 : -1;
	}
	return -1;
}

int
pg_stop(struct tandem_ctx *ctx)
{
	struct pg pg;
	char why[256];

	pg_init(&pg, ctx);
	if (!postmaster_alive(&pg)) {
		tandem_log(LOG_INFO, "not running");
	} else if (stop_server(&pg) != 0) {
		tandem_ocf_exit_reason("could not stop PostgreSQL: %s", pg.why);
		return TANDEM_OCF_ERR_GENERIC;
	}
	/* A stop for good takes the score away.  A restart in place (the
	 * notification said it) keeps it: a crashed primary is then started
	 * and promoted again where it is, holding every commit, as PAF does,
	 * instead of a failover that moves the VIP and must rewind it.  The
	 * election still compares its WAL with every standby's. */
	if (take_flag("restart"))
		tandem_log(LOG_INFO, "restarted in place: promotion score kept");
	else if (tandem_promotion_delete(ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_DEBUG, "promotion score not deleted: %s", why);
	/* No instance runs here: no other node counts it among those that
	 * may stand for the commit record (standby_duties). */
	if (tandem_attr_delete(PG_ATTR_RECEIVED, false, ctx->deadline, why, sizeof(why)) != 0)
		tandem_log(LOG_DEBUG, "%s not deleted: %s", PG_ATTR_RECEIVED, why);
	return TANDEM_OCF_SUCCESS;
}

int
pg_demote(struct tandem_ctx *ctx)
{
	bool stop_follows = take_flag("stop-follows");
	int rc;

	/* The scores this node set as the primary are the new primary's to
	 * set now: none is trusted from the cache when it is primary again. */
	tandem_promotion_forget_all();

	/* Pre-demote said whether this node's stop comes next in the same
	 * transition (a crashed primary's recovery, a node put in standby):
	 * then the stop is all, and no start as a standby in between delays
	 * the promotion elsewhere (0.4 s of a kill -9 failover).  Should the
	 * stop not come, the standby's monitor reports it not running. */
	rc = pg_stop(ctx);
	if (rc != TANDEM_OCF_SUCCESS || stop_follows)
		return rc;
	return pg_start(ctx);
}
