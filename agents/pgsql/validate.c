/* validate.c --- ocf:tandem:pgsql validate-all, and the checks start and promote make first */
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
#include "tandem/spawn.h"
#include "instance.h"

/* Validation. */

/* Whether path is a directory holding lost+found and nothing else: the
 * root of a file system just made (mkfs), mounted as the data directory. */
bool
dir_only_lost_found(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool found = false, other = false;

	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, "lost+found") == 0)
			found = true;
		else if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			other = true;
	}
	closedir(d);
	return found && !other;
}

bool
dir_empty_or_missing(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* The major version bindir's postgres reports: "postgres (PostgreSQL) 15.4".
 * Asking costs a process (most of a monitor's time), so the answer is kept
 * in the transient directory beside the binary's identity (device, inode,
 * size, mtime): an upgrade of the binary asks again. */
static int
bindir_version(struct pg *pg)
{
	const char *argv[] = { pg->postgres, "--version", NULL };
	struct tandem_spawn_result res;
	char path[512], id[128], line[160];
	struct stat st;
	const char *p;
	int v = -1;
	FILE *f;

	if (stat(pg->postgres, &st) != 0)
		return -1;
	snprintf(id, sizeof(id), "%llu %llu %lld %lld", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtime);
	state_path(path, sizeof(path), "postgres-version");
	f = fopen(path, "r");
	if (f != NULL) {
		size_t n = strlen(id);

		if (fgets(line, sizeof(line), f) != NULL && strncmp(line, id, n) == 0 && line[n] == ' ')
			v = atoi(line + n + 1);
		fclose(f);
		if (v > 0)
			return v;
	}
	if (tandem_spawn_run(argv, NULL, pg->ctx->deadline, &res) == 0 && res.status == 0
	    && (p = strstr(res.out, ") ")) != NULL)
		v = atoi(p + 2);
	tandem_spawn_result_free(&res);
	if (v > 0 && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s %d\n", id, v);
		fclose(f);
	}
	return v;
}

/* The clone's meta attributes that the election depends on, checked at
 * start and promote, as PAF's pgsql_validate_all does: without
 * notify=true no node hears of a promotion, so the WAL election (which
 * runs in pre-promote) is silently skipped and the standby Pacemaker
 * happens to prefer is promoted; with more than one promoted instance
 * there would be two primaries.  pcs 0.12's hint "promotable meta
 * notify=true" without --future puts notify on the primitive, where it
 * reaches the agent but not the clone: CRM_meta_notify is set by
 * Pacemaker from the clone's notify. */
static int
check_clone_meta(void)
{
	const char *notify = tandem_ocf_meta("notify");
	long long promoted = tandem_ocf_meta_count("promoted_max", -1);
	long long master = tandem_ocf_meta_count("master_max", -1);  /* Pacemaker 2.0's name */
	bool on = false;

	if (notify == NULL || !tandem_parse_bool(notify, &on) || !on) {
		return tandem_ocf_refuse(TANDEM_FAULT_PARAM, "the clone needs notify=true (it is \"%s\"): without "
					 "notifications no WAL election runs before a promotion",
					 notify != NULL ? notify : "unset");
	}
	if (promoted > 1 || master > 1) {
		return tandem_ocf_refuse(TANDEM_FAULT_PARAM, "the clone allows %lld promoted instances: one primary "
					 "only (promoted-max=1)", promoted > master ? promoted : master);
	}
	return TANDEM_OCF_SUCCESS;
}

/* Whether a boolean setting of the data directory's configuration is
 * off, asked of postgres -C, which reads the same files the server does
 * (and works while it runs).  False when it cannot tell. */
static bool
setting_off(struct pg *pg, const char *name)
{
	const char *argv[] = { pg->postgres, "-C", name, "-D", pg->pgdata, NULL };
	struct tandem_spawn_result res;
	bool off = false;

	if (run_as(pg, argv, &res) == 0)
		off = strncmp(res.out, "off", 3) == 0;
	tandem_spawn_result_free(&res);
	return off;
}

/* Validation before each action.  What a recurring monitor, a notify,
 * a demote or a stop needs is only that the programs are there: a fatal
 * code from them would stop the database on every node for a fault of
 * one file, so the data directory is judged at start, promote and
 * validate-all, where a refusal keeps one node out and says why.
 * Each refusal names what it is a fact of (tandem_ocf_refuse): only the
 * clone's meta attributes are the same on every node (ERR_CONFIGURED);
 * the parameter table has judged the values already.  Programs, users,
 * the node's name and all that the data directory holds (its owner, its
 * version, its settings) are this node's: ERR_INSTALLED, or ERR_GENERIC
 * for data a clone left half-made or a pg_control that does not read,
 * so a standby whose disk was replaced keeps only itself out (issue 28). */
int
pg_validate(struct tandem_ctx *ctx)
{
	struct pg pg;
	const char *progs[4];
	const char *action = ctx->action->name;
	char why[512];
	int version, bin, rc, r;
	struct stat st;

	pg_init(&pg, ctx);
	progs[0] = pg.postgres;
	progs[1] = pg.pg_ctl;
	progs[2] = pg.pg_rewind;
	progs[3] = pg.pg_basebackup;
	for (size_t i = 0; i < 4; i++) {
		if (!tandem_spawn_executable(progs[i]))
			return tandem_ocf_refuse(TANDEM_FAULT_NODE, "program \"%s\" is missing (bindir%s)", progs[i],
						 pg.bindir_auto ? ", from the data directory's PG_VERSION" : "");
	}
	if (tandem_param_str(pg.p, PG_PGBACKREST_STANZA) != NULL) {
		const char *prog = pgbackrest_program();

		if (!tandem_spawn_executable(prog))
			return tandem_ocf_refuse(TANDEM_FAULT_NODE, "pgbackrest_stanza is set and \"%s\" is missing",
						 prog);
	}
	if (getpwnam(pg.user) == NULL)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "system_user \"%s\" does not exist on this node", pg.user);
	if (strcmp(action, "start") != 0 && strcmp(action, "promote") != 0
	    && strcmp(action, "validate-all") != 0)
		return TANDEM_OCF_SUCCESS;
	if (strcmp(action, "validate-all") != 0 && (rc = check_clone_meta()) != TANDEM_OCF_SUCCESS)
		return rc;
	/* The node's name is its standby's application_name, which PostgreSQL
	 * cuts to NAMEDATALEN - 1 bytes: a longer one would never match
	 * synchronous_standby_names or pg_stat_replication (Patroni #470). */
	if (strlen(pg.node) > PG_NAME_MAX)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "node name \"%.40s...\" is %zu bytes: a standby's "
					 "application_name holds %d at most (give the node a shorter name in Pacemaker)",
					 pg.node, strlen(pg.node), PG_NAME_MAX);
	/* A fresh file system mounted as the data directory: pg_basebackup
	 * refuses a directory holding lost+found (pg_check_dir's "contains a
	 * mount point"), and removing it would let fsck make a root-owned one
	 * inside the data directory later, which a base backup taken from
	 * this node could not read.  The admin chose the path: say what to do. */
	if (dir_only_lost_found(pg.datadir))
		/* What to do first: Pacemaker shows 128 bytes of the reason. */
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "datadir \"%s\" holds only lost+found: use a directory "
					 "below the mount point (pg_basebackup will not clone into a file system's "
					 "root)", pg.datadir);
	if (dir_empty_or_missing(pg.datadir))
		return TANDEM_OCF_SUCCESS;      /* start clones it with pg_basebackup */
	if (stat(pg.datadir, &st) != 0)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "datadir \"%s\": %s", pg.datadir, strerror(errno));
	if (st.st_uid != pg.uid)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "datadir \"%s\" is not owned by the system_user",
					 pg.datadir);
	if (tandem_pgdata_clone_cut_short(pg.datadir))
		return TANDEM_OCF_SUCCESS;      /* start clones it again */
	version = tandem_pgdata_version(pg.datadir);
	if (version < 0)
		return tandem_ocf_refuse(TANDEM_FAULT_STATE, "\"%s\" is not a PostgreSQL data directory (no PG_VERSION: "
					 "an interrupted clone?)", pg.datadir);
	bin = bindir_version(&pg);
	if (bin != version)
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "\"%s\" holds PostgreSQL %d but bindir has PostgreSQL %d",
					 pg.datadir, version, bin);
	r = tandem_pgcontrol_read(pg.datadir, &pg.control, why, sizeof(why));
	if (r != 0)     /* a format newer than this agent is this node's; the rest a state */
		return tandem_ocf_refuse(r == -EPROTO ? TANDEM_FAULT_NODE : TANDEM_FAULT_STATE, "%s", why);
	/* pg_control holds wal_log_hints as the server last ran: a cluster
	 * fresh from initdb has it off whatever postgresql.conf says. */
	if (tandem_param_bool(pg.p, PG_AUTO_REWIND) && !pg.control.wal_log_hints
	    && pg.control.data_checksum_version == 0 && setting_off(&pg, "wal_log_hints"))
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "auto_rewind needs wal_log_hints = on or data checksums "
					 "in \"%s\"", pg.datadir);
	if (version >= 17 && strcmp(action, "promote") != 0 && setting_off(&pg, "allow_alter_system"))
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "allow_alter_system is off in \"%s\": the agent sets "
					 "synchronous_standby_names and max_slot_wal_keep_size with ALTER SYSTEM",
					 pg.pgdata);
	return TANDEM_OCF_SUCCESS;
}

int
pg_validate_all(struct tandem_ctx *ctx)
{
	(void)ctx;
	return TANDEM_OCF_SUCCESS;      /* pg_validate ran before every action */
}
