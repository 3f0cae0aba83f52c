/* pq_test.c --- libpq checks against a real PostgreSQL that the test starts (the newest installed) */
#include "config.h"

#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
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
#include "tandem/pq.h"
#include "tandem/spawn.h"

static char initdb_prog[4200], pg_ctl_prog[4200];

static char dir[] = "/tmp/pq_test.XXXXXX";
static char data[128], port[16], passfile[160];
static const char *user;        /* the server runs as postgres when we are root */

static int
as_user(const char *const argv[])
{
	struct tandem_spawn_opts o = { .user = user };
	struct tandem_spawn_result r;
	int status;

	if (tandem_spawn_run(argv, &o, tandem_deadline_in(60000), &r) != 0)
		status = -1;
	else
		status = r.status;
	if (status != 0)
		fprintf(stderr, "# %s failed: %s%s\n", argv[0], r.out ? r.out : "", r.err ? r.err : "");
	tandem_spawn_result_free(&r);
	return status;
}

static void
append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static PGconn *
connect_as(const char *role, const char *password, const char *pf, int64_t ms, char *why)
{
	const char *keys[] = { "host", "port", "dbname", "user", pf ? "passfile" : "password", NULL, NULL };
	const char *vals[] = { dir, port, "postgres", role, pf ? pf : password, NULL, NULL };

	if (pf == NULL && password == NULL)
		keys[4] = NULL;
	return tandem_pq_connect(keys, vals, tandem_deadline_in(ms), why, 256);
}

static int
setup_failed(const char *what)
{
	fprintf(stderr, "# setup: %s\n", what);
	return -1;
}

static int
setup(void **state)
{
	char conf[200], hba[200], line[256], why[256];
	PGconn *c;
	PGresult *r;

	(void)state;
	snprintf(initdb_prog, sizeof(initdb_prog), "%s/initdb", helper_pg_bindir());
	snprintf(pg_ctl_prog, sizeof(pg_ctl_prog), "%s/pg_ctl", helper_pg_bindir());
	if (access(initdb_prog, X_OK) != 0)
		return setup_failed("initdb is missing");
	user = getuid() == 0 ? "postgres" : NULL;
	if (mkdtemp(dir) == NULL)
		return setup_failed("mkdtemp");
	if (user != NULL) {
		struct passwd *pw = getpwnam(user);

		if (pw == NULL || chown(dir, pw->pw_uid, pw->pw_gid) != 0)
			return setup_failed("no postgres user");
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(port, sizeof(port), "%d", 20000 + getpid() % 20000);
	{
		const char *initdb[] = { initdb_prog, "-D", data, "-U", "postgres", "-A", "trust",
					 "--no-sync", NULL };
		if (as_user(initdb) != 0)
			return setup_failed("initdb failed");
	}
	snprintf(conf, sizeof(conf), "%s/postgresql.conf", data);
	snprintf(line, sizeof(line), "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = ''\n"
		 "fsync = off\npassword_encryption = 'scram-sha-256'\n", port, dir); /* 13's default: md5 */
	append(conf, line);
	/* One role must give a password, so that a wrong one fails. */
	snprintf(hba, sizeof(hba), "%s/pg_hba.conf", data);
	{
		FILE *f = fopen(hba, "w");

		if (f == NULL)
			return setup_failed("cannot write pg_hba.conf");
		fputs("local all tandem_pw scram-sha-256\nlocal all all trust\n", f);
		fclose(f);
	}
	{
		char log[160];
		const char *start[] = { pg_ctl_prog, "-D", data, "-l", log, "-w", "start", NULL };

		snprintf(log, sizeof(log), "%s/log", dir);
		if (as_user(start) != 0)
			return setup_failed("pg_ctl start failed");
	}
	c = connect_as("postgres", NULL, NULL, 10000, why);
	if (c == NULL)
		return setup_failed(why);
	r = tandem_pq_query(&c, "CREATE ROLE tandem_pw LOGIN PASSWORD 'right-pw'", tandem_deadline_in(10000), why, sizeof(why));
	PQclear(r);
	PQfinish(c);
	snprintf(passfile, sizeof(passfile), "%s/pgpass", dir);
	snprintf(line, sizeof(line), "*:%s:*:tandem_pw:right-pw\n", port);
	append(passfile, line);
	chmod(passfile, 0600);
	return r == NULL ? setup_failed(why) : 0;
}

static int
teardown(void **state)
{
	const char *stop[] = { pg_ctl_prog, "-D", data, "-m", "immediate", "-w", "stop", NULL };
	const char *rm[] = { "/bin/rm", "-rf", dir, NULL };

	(void)state;
	as_user(stop);
	helper_run(rm);
	return 0;
}

static void
one_round_trip(void **state)
{
	char why[256] = "";
	PGconn *c = connect_as("postgres", NULL, NULL, 5000, why);
	PGresult *r;

	(void)state;
	assert_non_null(c);
	r = tandem_pq_query(&c, "SELECT pg_is_in_recovery(), current_setting('server_version_num')::int / 10000",
			    tandem_deadline_in(5000), why, sizeof(why));
	assert_non_null(r);
	assert_string_equal(PQgetvalue(r, 0, 0), "f");
	assert_int_equal(atoi(PQgetvalue(r, 0, 1)), tandem_pgdata_version(data)); /* the server the test started */
	PQclear(r);
	/* The extended protocol refuses two statements in one call. */
	r = tandem_pq_query(&c, "SELECT 1; SELECT 2", tandem_deadline_in(5000), why, sizeof(why));
	assert_null(r);
	assert_non_null(strstr(why, "query failed: "));
	r = tandem_pq_query(&c, "SELECT * FROM no_such_table", tandem_deadline_in(5000), why, sizeof(why));
	assert_null(r);
	assert_non_null(strstr(why, "no_such_table"));
	assert_null(strchr(why, '\n'));
	PQfinish(c);
}

static void
passwords_stay_secret(void **state)
{
	char why[256] = "";
	PGconn *c;

	(void)state;
	c = connect_as("tandem_pw", "wrong-s3cret", NULL, 5000, why);
	assert_null(c);
	assert_non_null(strstr(why, "password authentication failed"));
	assert_null(strstr(why, "s3cret"));
	/* The passfile is how the agents authenticate. */
	c = connect_as("tandem_pw", NULL, passfile, 5000, why);
	assert_non_null(c);
	PQfinish(c);
}

static void
slow_query_ends_at_deadline(void **state)
{
	char why[256] = "";
	PGconn *c = connect_as("postgres", NULL, NULL, 5000, why);
	int64_t t0;
	PGresult *r;

	(void)state;
	assert_non_null(c);
	t0 = tandem_now_ms();
	r = tandem_pq_query(&c, "SELECT pg_sleep(30)", tandem_deadline_in(300), why, sizeof(why));
	assert_null(r);
	assert_string_equal(why, "query failed: timed out");
	assert_null(c);                 /* abandoned */
	assert_true(tandem_now_ms() - t0 < 10000);
}

static void
hung_postmaster_connect_ends_at_deadline(void **state)
{
	char pidpath[160], line[32] = "", why[256] = "";
	FILE *f;
	pid_t pm;
	PGconn *c;

	(void)state;
	snprintf(pidpath, sizeof(pidpath), "%s/postmaster.pid", data);
	f = fopen(pidpath, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	pm = (pid_t)atoi(line);
	assert_true(pm > 1);
	/* A stopped postmaster accepts in the kernel but never answers. */
	kill(pm, SIGSTOP);
	c = connect_as("postgres", NULL, NULL, 300, why);
	kill(pm, SIGCONT);
	assert_null(c);
	assert_string_equal(why, "could not connect: timed out");
	c = connect_as("postgres", NULL, NULL, 5000, why);
	assert_non_null(c);
	PQfinish(c);
}

static void
nothing_there(void **state)
{
	const char *keys[] = { "host", "port", NULL };
	const char *vals[] = { "/nonexistent-dir", "5432", NULL };
	char why[256] = "";

	(void)state;
	assert_null(tandem_pq_connect(keys, vals, tandem_deadline_in(5000), why, sizeof(why)));
	assert_non_null(strstr(why, "could not connect: "));
	assert_null(strchr(why, '\n'));
}

static void
ping_needs_no_credentials(void **state)
{
	/* A role that does not exist and no password: the server answers. */
	const char *keys[] = { "host", "port", "dbname", "user", NULL };
	const char *vals[] = { dir, port, "no_such_db", "no_such_role", NULL };
	const char *gone[] = { "/nonexistent-dir,/nonexistent-too", "5432", "no_such_db", "no_such_role", NULL };

	(void)state;
	assert_int_equal(tandem_pq_ping(keys, vals, tandem_deadline_in(5000)), PQPING_OK);
	assert_int_equal(tandem_pq_ping(keys, gone, tandem_deadline_in(5000)), PQPING_NO_RESPONSE);
	/* No time left: no attempt past the deadline. */
	assert_int_equal(tandem_pq_ping(keys, vals, tandem_deadline_in(0)), PQPING_NO_RESPONSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping_needs_no_credentials),
		cmocka_unit_test(one_round_trip),
		cmocka_unit_test(passwords_stay_secret),
		cmocka_unit_test(slow_query_ends_at_deadline),
		cmocka_unit_test(hung_postmaster_connect_ends_at_deadline),
		cmocka_unit_test(nothing_there),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
