/* pgsql_validate_test.c --- ocf:tandem:pgsql's validation: which code each refusal gets (issue 28) */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "instance.h"

/* The test makes directories of root's and of nobody's: it runs as root,
 * as make check does in CI, and skips otherwise. */
static char top[] = "/tmp/pgsql_validate_test.XXXXXX";
/* Set by setup once top is made: never read from top's name, whose
 * random part may begin with an X. */
static bool made;
static char data[256], reason[2048];
static const struct tandem_action start = { "start", NULL, 120, 0, -1, NULL };

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

/* pg_validate for a start, with its exit reason in reason. */
static int
validate(void)
{
	struct tandem_ctx ctx = { .action = &start };
	char why[256], path[512];
	int rc, saved, fd;
	ssize_t n;

	assert_int_equal(tandem_params_load(pg_params, PG_N_PARAMS, NULL, &ctx.params, why, sizeof(why)),
			 TANDEM_OCF_SUCCESS);
	ctx.deadline = tandem_deadline_in(10000);
	snprintf(path, sizeof(path), "%s/stderr", top);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	fflush(stderr);
	dup2(fd, 2);
	rc = pg_validate(&ctx);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, reason, sizeof(reason) - 1);
	reason[n > 0 ? n : 0] = '\0';
	close(fd);
	free(ctx.params);
	return rc;
}

static int
setup(void **state)
{
	char path[512], cmd[1024];
	const char *progs[] = { "pg_ctl", "pg_rewind", "pg_basebackup" };

	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		return 0;
	assert_non_null(mkdtemp(top));
	made = true;
	snprintf(path, sizeof(path), "%s/bin", top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/bin/postgres", top);
	write_file(path, "#!/bin/sh\necho 'postgres (PostgreSQL) 15.4'\n", 0755);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", top, progs[i]);
		write_file(path, "#!/bin/sh\nexit 1\n", 0755);
	}
	snprintf(data, sizeof(data), "%s/data", top);
	snprintf(cmd, sizeof(cmd), "%s/bin", top);
	setenv("OCF_RESKEY_bindir", cmd, 1);
	setenv("OCF_RESKEY_pgdata", data, 1);
	setenv("OCF_RESKEY_system_user", "nobody", 1);
	setenv("OCF_RESKEY_primary_conninfo", "host=192.0.2.1", 1);
	setenv("OCF_RESKEY_CRM_meta_notify", "true", 1);
	setenv("OCF_RESKEY_CRM_meta_on_node", "n1", 1);
	setenv("HA_RSCTMP", top, 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[512];

	(void)state;
	if (made) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* A data directory of system_user's holding PG_VERSION and a pg_control
 * of format version (0: none). */
static void
cluster(const char *pg_version, uint32_t format)
{
	char path[512], cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s/global'", data, data);
	sh(cmd);
	snprintf(path, sizeof(path), "%s/PG_VERSION", data);
	write_file(path, pg_version, 0600);
	if (format != 0) {
		unsigned char buf[8192] = { 0 };
		FILE *f;

		memcpy(buf + 8, &format, 4);    /* pg_control_version, then a CRC that does not match */
		snprintf(path, sizeof(path), "%s/global/pg_control", data);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "chown -R nobody '%s'", data);
	sh(cmd);
}

static void
data_directory_faults_are_this_nodes(void **state)
{
	char cmd[1024];

	(void)state;
	if (!made)
		skip();
	/* Nothing there, or an empty directory of root's: start clones it. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
	sh(cmd);
	assert_int_equal(validate(), TANDEM_OCF_SUCCESS);
	mkdir(data, 0755);
	assert_int_equal(validate(), TANDEM_OCF_SUCCESS);
	/* The field report: a fresh file system's root, root's, holding
	 * lost+found only.  It was 6, and Pacemaker stopped every node. */
	snprintf(cmd, sizeof(cmd), "mkdir '%s/lost+found'", data);
	sh(cmd);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
	assert_non_null(strstr(reason, "holds only lost+found"));
	/* Anything else of root's: not system_user's, on this node. */
	snprintf(cmd, sizeof(cmd), "touch '%s/file'", data);
	sh(cmd);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
	assert_non_null(strstr(reason, "is not owned by the system_user"));
	/* An interrupted clone (no PG_VERSION): a state, not a setting. */
	snprintf(cmd, sizeof(cmd), "chown -R nobody '%s'", data);
	sh(cmd);
	assert_int_equal(validate(), TANDEM_OCF_ERR_GENERIC);
	/* PostgreSQL 16's data, 15's programs here. */
	cluster("16\n", 0);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
	/* No pg_control, or one failing its CRC: a state of this node. */
	cluster("15\n", 0);
	assert_int_equal(validate(), TANDEM_OCF_ERR_GENERIC);
	cluster("15\n", 1300);
	assert_int_equal(validate(), TANDEM_OCF_ERR_GENERIC);
	assert_non_null(strstr(reason, "is corrupt"));
	/* A pg_control format newer than this node's agent knows. */
	cluster("15\n", 1900);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
}

static void
node_faults_and_settings(void **state)
{
	char path[512];

	(void)state;
	if (!made)
		skip();
	mkdir(data, 0755);
	/* The clone's meta attributes are the same on every node: fatal. */
	setenv("OCF_RESKEY_CRM_meta_notify", "false", 1);
	assert_int_equal(validate(), TANDEM_OCF_ERR_CONFIGURED);
	setenv("OCF_RESKEY_CRM_meta_notify", "true", 1);
	/* A user, a node name, programs: this node's. */
	setenv("OCF_RESKEY_system_user", "no-such-user-tandem", 1);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
	setenv("OCF_RESKEY_system_user", "nobody", 1);
	setenv("OCF_RESKEY_CRM_meta_on_node", "node-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabc", 1);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
	setenv("OCF_RESKEY_CRM_meta_on_node", "n1", 1);
	snprintf(path, sizeof(path), "%s/nowhere", top);
	setenv("OCF_RESKEY_bindir", path, 1);
	assert_int_equal(validate(), TANDEM_OCF_ERR_INSTALLED);
	snprintf(path, sizeof(path), "%s/bin", top);
	setenv("OCF_RESKEY_bindir", path, 1);
}

/* A fresh mount point is root's: given to system_user by its descriptor,
 * never through a link, never someone else's. */
static void
claim_empty_directory(void **state)
{
	struct tandem_ctx ctx = { .action = &start };
	struct passwd *nobody = getpwnam("nobody");
	char why[256], cmd[2048], link[300];
	struct stat st;
	struct pg pg;

	(void)state;
	if (!made)
		skip();
	assert_int_equal(tandem_params_load(pg_params, PG_N_PARAMS, NULL, &ctx.params, why, sizeof(why)),
			 TANDEM_OCF_SUCCESS);
	pg_init(&pg, &ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -m 755 '%s'", data, data);
	sh(cmd);
	assert_int_equal(claim_datadir(&pg), TANDEM_OCF_SUCCESS);
	assert_int_equal(lstat(data, &st), 0);
	assert_int_equal(st.st_uid, nobody->pw_uid);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Someone else's directory is not given away. */
	assert_int_equal(chown(data, 12345, 12345), 0);
	assert_int_equal(claim_datadir(&pg), TANDEM_OCF_ERR_INSTALLED);
	/* Nor what a symbolic link points at. */
	snprintf(link, sizeof(link), "%s/elsewhere", top);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir '%s' && ln -s '%s' '%s'", data, link, link, data);
	sh(cmd);
	assert_int_equal(claim_datadir(&pg), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(stat(link, &st), 0);
	assert_int_equal(st.st_uid, 0);
	snprintf(cmd, sizeof(cmd), "rm -f '%s'", data);
	sh(cmd);
	free(ctx.params);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_directory_faults_are_this_nodes),
		cmocka_unit_test(node_faults_and_settings),
		cmocka_unit_test(claim_empty_directory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
