/* pgdata_test.c --- pg_control read with PostgreSQL's layout: real files from initdb, corrupt ones */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "tandem/pgdata.h"
#include "tandem/spawn.h"

static char dir[] = "/tmp/pgdata_test.XXXXXX";
static char data[128];

static int
setup(void **state)
{
	const char *initdb[] = { "/usr/lib/postgresql/15/bin/initdb", "-D", data, "--no-sync",
				 "-U", "postgres", "-k", NULL };
	struct tandem_spawn_opts o = { .user = getuid() == 0 ? "postgres" : NULL };
	struct tandem_spawn_result r;
	int ok;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	chmod(dir, 0777);
	snprintf(data, sizeof(data), "%s/data", dir);
	ok = tandem_spawn_run(initdb, &o, tandem_deadline_in(60000), &r) == 0 && r.status == 0;
	tandem_spawn_result_free(&r);
	return ok ? 0 : -1;
}

static int
teardown(void **state)
{
	const char *rm[] = { "/bin/rm", "-rf", dir, NULL };

	(void)state;
	return helper_run(rm);
}

static void
fresh_cluster(void **state)
{
	struct tandem_pgcontrol c;
	char why[256];

	(void)state;
	assert_int_equal(tandem_pgcontrol_read(data, &c, why, sizeof(why)), 0);
	assert_int_equal(c.state, TANDEM_PG_SHUTDOWNED);
	assert_int_equal(c.timeline, 1);
	assert_int_equal(c.data_checksum_version, 1); /* initdb -k */
	assert_int_equal(c.wal_segment_size, 16 << 20);
	assert_true(c.checkpoint > 0);
	assert_string_equal(tandem_pg_state_str(c.state), "shut down");
	assert_int_equal(tandem_pgdata_version(data), 15);
}

static void
corrupt_and_missing(void **state)
{
	char path[256], buf[8192], why[256];
	struct tandem_pgcontrol c;
	ssize_t n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/global/pg_control", data);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 100);
	assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), 0);
	buf[40] ^= 1;                           /* one bit of the checkpoint LSN */
	assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), -EILSEQ);
	buf[40] ^= 1;
	buf[8] ^= 1;                            /* pg_control_version */
	assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), -EPROTO);
	assert_int_equal(tandem_pgcontrol_parse(buf, 10, &c), -EINVAL);
	assert_int_equal(tandem_pgcontrol_read("/nonexistent", &c, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "could not open \"/nonexistent/global/pg_control\""));
	assert_int_equal(tandem_pgdata_version("/nonexistent"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_cluster),
		cmocka_unit_test(corrupt_and_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
