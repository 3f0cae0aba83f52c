/* proc_test.c --- pidfiles and TERM-then-KILL */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tandem/proc.h"

static void
pid_text(void **state)
{
	static const struct {
		const char *text;
		bool ok;
		pid_t pid;
	} cases[] = {
		{ "1234", true, 1234 }, { "1234\n", true, 1234 }, { " 42 \n", true, 42 },
		{ "1234\nextra", true, 1234 }, { "", false, 0 }, { "abc", false, 0 },
		{ "12a", false, 0 }, { "-5", false, 0 }, { "0", false, 0 }, { "1", false, 0 },
		{ "99999999999", false, 0 }, { "4194305", false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t pid = 0;

		assert_int_equal(tandem_pid_parse(cases[i].text, &pid), cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(pid, cases[i].pid);
	}
}

static pid_t
start_child(bool ignore_term)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Reaps in the background so that a dead child is not a zombie. */
static void
reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
pidfile_states(void **state)
{
	char dir[] = "/tmp/proc_test.XXXXXX", path[64], text[32];
	pid_t child = start_child(false), pid = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pid", dir);
	assert_int_equal(tandem_pidfile_check(path, NULL, &pid), TANDEM_PIDFILE_ABSENT);
	write_file(path, "garbage\n");
	assert_int_equal(tandem_pidfile_check(path, NULL, &pid), TANDEM_PIDFILE_INVALID);
	usleep(100000); /* let the child exec sleep, so its comm is "sleep" */
	snprintf(text, sizeof(text), "%d\n", (int)child);
	write_file(path, text);
	assert_int_equal(tandem_pidfile_check(path, "sleep", &pid), TANDEM_PIDFILE_ALIVE);
	assert_int_equal(pid, child);
	/* A recycled pid running another program is stale. */
	assert_int_equal(tandem_pidfile_check(path, "java", &pid), TANDEM_PIDFILE_STALE);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(tandem_pidfile_check(path, NULL, &pid), TANDEM_PIDFILE_STALE);
	unlink(path);
	/* A FIFO (its open would wait for a writer) or a link: not read. */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(tandem_pidfile_check(path, NULL, &pid), TANDEM_PIDFILE_UNTRUSTED);
	unlink(path);
	assert_int_equal(symlink("/proc/self/stat", path), 0);
	assert_int_equal(tandem_pidfile_check(path, NULL, &pid), TANDEM_PIDFILE_UNTRUSTED);
	unlink(path);
	rmdir(dir);
}

/* PgBouncer's stop (issue 26): a pidfile naming another program (corosync,
 * here sleep), another user's process, or a pidfile that is a link or not
 * the user's, is never signalled.  The old stop read the pid with
 * tandem_pidfile_check(path, NULL) alone, which says ALIVE for all of
 * them, and sent SIGTERM then SIGKILL. */
static void
pidfile_of_another_program_is_not_signalled(void **state)
{
	char dir[] = "/tmp/proc_test.XXXXXX", path[64], link[64], text[32], why[256];
	struct passwd *pw = getpwnam("nobody");
	struct tandem_proc_handle h;
	pid_t child = start_child(false), pid = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	usleep(100000);
	snprintf(path, sizeof(path), "%s/pgbouncer.pid", dir);
	snprintf(text, sizeof(text), "%d\n", (int)child);
	write_file(path, text);
	assert_int_equal(tandem_pidfile_read_owned(path, getuid(), &pid), TANDEM_PIDFILE_ALIVE);
	assert_int_equal(pid, child);
	/* Another program: refused, and not signalled. */
	assert_int_equal(tandem_proc_open_checked(pid, "/usr/sbin/pgbouncer", getuid(), &h, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "sleep"));
	/* The right program as another user: refused too. */
	if (pw != NULL)
		assert_int_equal(tandem_proc_open_checked(pid, "/bin/sleep", pw->pw_uid, &h, why, sizeof(why)), -EPERM);
	/* A program by name: any copy of it, never another's. */
	assert_int_equal(tandem_proc_open_checked(pid, "sleep", getuid(), &h, why, sizeof(why)), 0);
	tandem_proc_handle_close(&h);
	assert_int_equal(tandem_proc_open_checked(pid, "java", getuid(), &h, why, sizeof(why)), -EPERM);
	assert_int_equal(tandem_proc_open_checked(pid, "leep", getuid(), &h, why, sizeof(why)), -EPERM);
	assert_true(tandem_proc_alive(child));
	/* A pidfile that is a link, or another user's, is not read. */
	snprintf(link, sizeof(link), "%s/link.pid", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(tandem_pidfile_read_owned(link, getuid(), &pid), TANDEM_PIDFILE_UNTRUSTED);
	if (pw != NULL && getuid() == 0) {
		assert_int_equal(chown(path, pw->pw_uid, pw->pw_gid), 0);
		assert_int_equal(tandem_pidfile_read_owned(path, 12345, &pid), TANDEM_PIDFILE_UNTRUSTED);
	}
	/* The process it is meant for: checked, then signalled by its pidfd. */
	assert_int_equal(tandem_proc_open_checked(child, "/bin/sleep", getuid(), &h, why, sizeof(why)), 0);
	signal(SIGCHLD, reap);
	assert_true(tandem_proc_handle_terminate(&h, 5000, tandem_deadline_in(10000)));
	tandem_proc_handle_close(&h);
	assert_false(tandem_proc_alive(child));
	signal(SIGCHLD, SIG_DFL);
	/* Gone: nothing to check. */
	assert_int_equal(tandem_proc_open_checked(child, "/bin/sleep", getuid(), &h, why, sizeof(why)), -ESRCH);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

static void
terminate_escalates(void **state)
{
	pid_t polite = start_child(false), stubborn = start_child(true);

	(void)state;
	signal(SIGCHLD, reap);
	usleep(100000);
	assert_true(tandem_proc_alive(polite));
	assert_true(tandem_proc_terminate(polite, 5000, tandem_deadline_in(10000)));
	assert_false(tandem_proc_alive(polite));
	/* Ignores SIGTERM: killed once the grace has passed. */
	assert_true(tandem_proc_alive(stubborn));
	assert_true(tandem_proc_terminate(stubborn, 200, tandem_deadline_in(10000)));
	assert_false(tandem_proc_alive(stubborn));
	assert_true(tandem_proc_terminate(stubborn, 200, tandem_deadline_in(10000)));
	signal(SIGCHLD, SIG_DFL);
}

static void
find_by_environment_and_command_line(void **state)
{
	const char *home[] = { "TANDEM_TEST_HOME=/srv/x", NULL };
	const char *arg[] = { "-Dtest.home=/srv/x", NULL };
	const char *other[] = { "TANDEM_TEST_HOME=/srv/x/y", "-Dtest.home=/srv", NULL };
	int fds[2];
	pid_t pid, found[8];
	size_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *const envp[] = { "TANDEM_TEST_HOME=/srv/x", NULL };

		/* One process, blocked in a builtin: no child inherits the environment. */
		dup2(fds[0], 0);
		close(fds[1]);
		execve("/bin/sh", (char *const[]){ "sh", "-c", "read x", "-Dtest.home=/srv/x", NULL }, envp);
		_exit(127);
	}
	close(fds[0]);
	usleep(200000);
	assert_true(tandem_proc_has_entry(pid, "environ", home));
	assert_true(tandem_proc_has_entry(pid, "cmdline", arg));
	/* Whole entries only: a prefix or a longer path is another home. */
	assert_false(tandem_proc_has_entry(pid, "environ", other));
	assert_false(tandem_proc_has_entry(pid, "cmdline", other));
	n = tandem_proc_find("environ", home, found, 8);
	assert_int_equal(n, 1);
	assert_int_equal(found[0], pid);
	assert_int_equal(tandem_proc_find("environ", other, found, 8), 0);
	close(fds[1]);
	waitpid(pid, NULL, 0);
	assert_false(tandem_proc_has_entry(pid, "environ", home));
	assert_int_equal(tandem_proc_find("environ", home, found, 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pid_text),
		cmocka_unit_test(pidfile_states),
		cmocka_unit_test(pidfile_of_another_program_is_not_signalled),
		cmocka_unit_test(terminate_escalates),
		cmocka_unit_test(find_by_environment_and_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
