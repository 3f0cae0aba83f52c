/* reaper.c --- runs a test as a child subreaper, so the daemons it starts are reaped
 *
 *   reaper CMD [ARG...]
 *
 * A daemon (postmaster, corosync) is reparented to the nearest subreaper
 * when its parent exits.  On a real node that is init, which reaps it when
 * it dies.  In this workplace's sandbox PID 1 does not reap, and a killed
 * postmaster would stay a zombie whose pid PostgreSQL still finds alive.
 * This process plays init's part for the test's own descendants, and is
 * PID 1 of each node of the cluster harness (tests/cluster/cluster.sh). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t child, pid;
	int st, rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: reaper CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		perror("reaper: PR_SET_CHILD_SUBREAPER");
	child = fork();
	if (child == 0) {
		execvp(argv[1], &argv[1]);
		perror("reaper: exec");
		_exit(127);
	}
	while ((pid = wait(&st)) != -1 || errno == EINTR) {
		if (pid == child)
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (pid == child)
			break;
	}
	/* Orphans still running go on to init; the test's cleanup ended them. */
	return rc;
}
