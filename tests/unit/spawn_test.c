/* spawn_test.c --- programs from argv arrays: status, output, input, user, deadline */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tandem/spawn.h"

static tandem_deadline
soon(void)
{
	return tandem_deadline_in(10000);
}

static void
exit_status(void **state)
{
	const char *t[] = { "/bin/true", NULL }, *f[] = { "/bin/false", NULL };
	struct tandem_spawn_result r;

	(void)state;
	assert_int_equal(tandem_spawn_run(t, NULL, soon(), &r), 0);
	assert_int_equal(r.status, 0);
	assert_false(r.timed_out);
	tandem_spawn_result_free(&r);
	assert_int_equal(tandem_spawn_run(f, NULL, soon(), &r), 0);
	assert_int_equal(r.status, 1);
	tandem_spawn_result_free(&r);
}

static void
arguments_are_not_interpreted(void **state)
{
	/* A shell would expand these; an argv array passes them as they are. */
	const char *argv[] = { "/bin/echo", "$(id)", "; rm -rf /", "`x`", NULL };
	struct tandem_spawn_result r;

	(void)state;
	assert_int_equal(tandem_spawn_run(argv, NULL, soon(), &r), 0);
	assert_string_equal(r.out, "$(id) ; rm -rf / `x`\n");
	tandem_spawn_result_free(&r);
}

static void
stdin_stdout_stderr(void **state)
{
	const char *cat[] = { "/bin/cat", NULL };
	const char *ls[] = { "/bin/ls", "/nonexistent-tandem", NULL };
	struct tandem_spawn_opts o = { .stdin_data = "hello\nworld\n" };
	struct tandem_spawn_result r;

	(void)state;
	assert_int_equal(tandem_spawn_run(cat, &o, soon(), &r), 0);
	assert_string_equal(r.out, "hello\nworld\n");
	tandem_spawn_result_free(&r);
	assert_int_equal(tandem_spawn_run(ls, NULL, soon(), &r), 0);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "nonexistent-tandem"));
	tandem_spawn_result_free(&r);
}

static void
output_is_capped(void **state)
{
	const char *argv[] = { "/usr/bin/seq", "1", "100000", NULL };
	struct tandem_spawn_opts o = { .max_output = 10 };
	struct tandem_spawn_result r;

	(void)state;
	assert_int_equal(tandem_spawn_run(argv, &o, soon(), &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "1\n2\n3\n4\n5\n");
	tandem_spawn_result_free(&r);
}

static void
deadline_kills(void **state)
{
	const char *argv[] = { "/bin/sleep", "30", NULL };
	struct tandem_spawn_result r;
	int64_t t0 = tandem_now_ms();

	(void)state;
	assert_int_equal(tandem_spawn_run(argv, NULL, tandem_deadline_in(100), &r), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + 9);
	/* Bounded by the deadline, not by the program: far below 30 s. */
	assert_true(tandem_now_ms() - t0 < 10000);
	tandem_spawn_result_free(&r);
}

/* until: polled while the program runs; once it holds, the program
 * (a pg_ctl that would only go on waiting) is killed: not a failure. */
static bool
third_look(void *arg)
{
	int *looks = arg;

	return ++*looks >= 3;
}

static void
until_stops(void **state)
{
	const char *argv[] = { "/bin/sleep", "30", NULL };
	const char *quick[] = { "/bin/sh", "-c", "exit 3", NULL };
	int looks = 0;
	struct tandem_spawn_opts o = { .until = third_look, .until_arg = &looks, .until_ms = 5 };
	struct tandem_spawn_result r;
	int64_t t0 = tandem_now_ms();

	(void)state;
	assert_int_equal(tandem_spawn_run(argv, &o, tandem_deadline_in(20000), &r), 0);
	assert_true(r.stopped);
	assert_false(r.timed_out);
	assert_int_equal(looks, 3);
	assert_int_equal(r.status, 128 + 9);
	assert_true(tandem_now_ms() - t0 < 10000);
	tandem_spawn_result_free(&r);
	/* A program that ends first keeps its own status. */
	looks = -1000000;
	assert_int_equal(tandem_spawn_run(quick, &o, tandem_deadline_in(20000), &r), 0);
	assert_false(r.stopped);
	assert_int_equal(r.status, 3);
	tandem_spawn_result_free(&r);
}

static void
not_started(void **state)
{
	const char *rel[] = { "true", NULL }, *missing[] = { "/nonexistent/prog", NULL };
	const char *t[] = { "/bin/true", NULL };
	struct tandem_spawn_opts o = { .user = "no-such-user-tandem" };
	struct tandem_spawn_result r;

	(void)state;
	assert_int_equal(tandem_spawn_run(rel, NULL, soon(), &r), -EINVAL);
	tandem_spawn_result_free(&r);
	assert_int_equal(tandem_spawn_run(missing, NULL, soon(), &r), -ENOENT);
	assert_int_equal(r.status, -1);
	assert_non_null(strstr(r.err, "could not run \"/nonexistent/prog\""));
	tandem_spawn_result_free(&r);
	assert_int_equal(tandem_spawn_run(t, &o, soon(), &r), -ENOENT);
	assert_non_null(strstr(r.err, "unknown user"));
	tandem_spawn_result_free(&r);
}

static void
environment_and_cwd(void **state)
{
	const char *argv[] = { "/usr/bin/env", NULL };
	const char *pwd[] = { "/bin/pwd", NULL };
	const char *set[] = { "TANDEM_TEST_VAR=42", NULL };
	struct tandem_spawn_opts o = { .env_set = set, .cwd = "/tmp" };
	struct tandem_spawn_result r;

	(void)state;
	assert_int_equal(tandem_spawn_run(argv, &o, soon(), &r), 0);
	assert_non_null(strstr(r.out, "TANDEM_TEST_VAR=42\n"));
	tandem_spawn_result_free(&r);
	assert_int_equal(tandem_spawn_run(pwd, &o, soon(), &r), 0);
	assert_string_equal(r.out, "/tmp\n");
	tandem_spawn_result_free(&r);
	/* A variable the caller has is replaced, not shadowed (getenv finds
	 * the first of two), and env_unset removes one, but only that one. */
	{
		const char *unset[] = { "TANDEM_TEST_GONE", NULL };
		struct tandem_spawn_opts o2 = { .env_set = set, .env_unset = unset };

		setenv("TANDEM_TEST_VAR", "old", 1);
		setenv("TANDEM_TEST_GONE", "x", 1);
		setenv("TANDEM_TEST_GONE_NOT", "y", 1);
		assert_int_equal(tandem_spawn_run(argv, &o2, soon(), &r), 0);
		assert_non_null(strstr(r.out, "TANDEM_TEST_VAR=42\n"));
		assert_null(strstr(r.out, "TANDEM_TEST_VAR=old"));
		assert_null(strstr(r.out, "TANDEM_TEST_GONE=x"));
		assert_non_null(strstr(r.out, "TANDEM_TEST_GONE_NOT=y\n"));
		tandem_spawn_result_free(&r);
		unsetenv("TANDEM_TEST_VAR");
		unsetenv("TANDEM_TEST_GONE");
		unsetenv("TANDEM_TEST_GONE_NOT");
	}
}

static void
run_as_user(void **state)
{
	const char *argv[] = { "/usr/bin/id", "-u", NULL };
	struct tandem_spawn_opts o = { .user = "nobody" };
	struct tandem_spawn_result r;
	struct passwd *pw = getpwnam("nobody");
	char want[32];

	(void)state;
	if (getuid() != 0 || pw == NULL)
		skip();
	snprintf(want, sizeof(want), "%u\n", (unsigned)pw->pw_uid);
	assert_int_equal(tandem_spawn_run(argv, &o, soon(), &r), 0);
	assert_string_equal(r.out, want);
	tandem_spawn_result_free(&r);
}

static void
descriptors_do_not_leak(void **state)
{
	const char *argv[] = { "/bin/ls", "/proc/self/fd", NULL };
	struct tandem_spawn_result r;
	FILE *held = tmpfile();

	(void)state;
	assert_int_equal(tandem_spawn_run(argv, NULL, soon(), &r), 0);
	/* 0, 1, 2 and the one ls opens to read the directory. */
	assert_string_equal(r.out, "0\n1\n2\n3\n");
	tandem_spawn_result_free(&r);
	fclose(held);
}

/* What the child of tandem_beside_start does, by its argument. */
static void
beside_fn(void *arg, char *out, size_t len)
{
	const char *what = arg;

	if (strcmp(what, "sleep") == 0) {
		sleep(5);
	} else if (strcmp(what, "crash") == 0) {
		raise(SIGKILL);         /* as a crash, without a core file */
	} else if (strcmp(what, "long") == 0) {
		memset(out, 'x', len - 1);
		out[len - 1] = '\0';
	} else {
		snprintf(out, len, "read: %s (in %d)", what, (int)getpid());
	}
}

/* A reading beside the caller: its text handed back, cut to what fits,
 * killed at the deadline, a crash said; the child reaped each time. */
static void
beside_reading(void **state)
{
	struct tandem_beside b;
	char out[64], expect[64];
	pid_t child;

	(void)state;
	assert_int_equal(tandem_beside_start(&b, beside_fn, "primary lsn"), 0);
	child = b.pid;
	assert_true(child > 0 && child != getpid());
	assert_int_equal(tandem_beside_collect(&b, tandem_deadline_in(5000), out, sizeof(out)), 0);
	snprintf(expect, sizeof(expect), "read: primary lsn (in %d)", (int)child);
	assert_string_equal(out, expect);
	assert_int_equal(kill(child, 0), -1);   /* reaped: no such process */

	assert_int_equal(tandem_beside_start(&b, beside_fn, "long"), 0);
	assert_int_equal(tandem_beside_collect(&b, tandem_deadline_in(5000), out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1);

	assert_int_equal(tandem_beside_start(&b, beside_fn, "sleep"), 0);
	child = b.pid;
	assert_int_equal(tandem_beside_collect(&b, tandem_deadline_in(100), out, sizeof(out)), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(kill(child, 0), -1);

	assert_int_equal(tandem_beside_start(&b, beside_fn, "crash"), 0);
	assert_int_equal(tandem_beside_collect(&b, tandem_deadline_in(5000), out, sizeof(out)), -1);
	assert_int_equal(errno, EPROTO);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_status),
		cmocka_unit_test(arguments_are_not_interpreted),
		cmocka_unit_test(stdin_stdout_stderr),
		cmocka_unit_test(output_is_capped),
		cmocka_unit_test(deadline_kills),
		cmocka_unit_test(until_stops),
		cmocka_unit_test(not_started),
		cmocka_unit_test(environment_and_cwd),
		cmocka_unit_test(run_as_user),
		cmocka_unit_test(descriptors_do_not_leak),
		cmocka_unit_test(beside_reading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
