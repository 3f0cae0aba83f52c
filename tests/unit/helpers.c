/* helpers.c --- what several unit tests need: background servers, a private network */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "tandem/pgdata.h"
#include "tandem/spawn.h"

pid_t
helper_start(const char *const argv[], const char *out_path)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		if (out_path != NULL) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (fd >= 0)
				dup2(fd, 1);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

void
helper_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

bool
helper_wait_line(const char *path, char *buf, size_t len, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		FILE *f = fopen(path, "r");

		if (f != NULL) {
			bool got = fgets(buf, (int)len, f) != NULL && strchr(buf, '\n') != NULL;

			fclose(f);
			if (got) {
				buf[strcspn(buf, "\n")] = '\0';
				return true;
			}
		}
		usleep(20000);
	}
	return false;
}

int
helper_run(const char *const argv[])
{
	struct tandem_spawn_result r;
	int status;

	if (tandem_spawn_run(argv, NULL, tandem_deadline_in(30000), &r) != 0) {
		tandem_spawn_result_free(&r);
		return -1;
	}
	status = r.status;
	if (status != 0)
		fprintf(stderr, "# %s: %s%s", argv[0], r.out ? r.out : "", r.err ? r.err : "");
	tandem_spawn_result_free(&r);
	return status;
}

bool
helper_private_network(void)
{
	const char *up[] = { "/sbin/ip", "link", "set", "lo", "up", NULL };

	if (unshare(CLONE_NEWNET) != 0)
		return false;
	return helper_run(up) == 0;
}

const char *
helper_src(const char *rel)
{
	static char buf[1024];
	const char *top = getenv("abs_top_srcdir");

	snprintf(buf, sizeof(buf), "%s/%s", top != NULL ? top : ".", rel);
	return buf;
}

const char *
helper_pg_bindir(void)
{
	static char dir[4096];
	const char *env = getenv("TANDEM_PG_BINDIR");

	if (env != NULL && *env != '\0')
		return env;
	if (dir[0] == '\0')
		tandem_pg_bindir(tandem_pg_newest_major(), dir, sizeof(dir));
	return dir;
}

int
helper_pg_major(void)
{
	const char *p = helper_pg_bindir();
	int major = 0, n = -1;

	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			n = (n < 0 ? 0 : n * 10) + (*p - '0');
		else if (n >= 0) {
			major = n;
			n = -1;
		}
	}
	return n >= 0 ? n : major;
}
