/* benchrun.c --- times commands alternately: median wall and CPU per call
 *
 *   benchrun RUNS TSV -- NAME CMD [ARG...] -- NAME CMD [ARG...] ...
 *
 * Runs each command once per round, RUNS rounds, so that machine noise
 * hits every command alike.  CPU is user + system of the child and of
 * every descendant it waited for (wait4).  Prints a table, and the same
 * figures as NAME<TAB>wall_ms<TAB>cpu_ms<TAB>exit lines to TSV. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cmd {
	const char *name;
	char **argv;
	double *wall, *cpu;
	int status;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
run_once(struct cmd *c, int i)
{
	struct rusage ru;
	double t0 = now_ms();
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		execv(c->argv[0], c->argv);
		_exit(127);
	}
	wait4(pid, &st, 0, &ru);
	c->wall[i] = now_ms() - t0;
	c->cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
		    + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	/* The first non-zero exit is kept: one failed call shows. */
	if (c->status == 0)
		c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
main(int argc, char **argv)
{
	struct cmd cmds[16];
	int n = 0, runs;
	FILE *tsv;

	if (argc < 5 || (runs = atoi(argv[1])) < 1 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: benchrun RUNS TSV -- NAME CMD [ARG...] [-- NAME CMD ...]\n");
		return 2;
	}
	for (int i = 3; i < argc && n < 16; i++) {
		if (strcmp(argv[i], "--") != 0 || i + 2 >= argc)
			continue;
		cmds[n].name = argv[i + 1];
		cmds[n].argv = &argv[i + 2];
		cmds[n].wall = calloc((size_t)runs, sizeof(double));
		cmds[n].cpu = calloc((size_t)runs, sizeof(double));
		cmds[n].status = 0;
		n++;
	}
	/* Each command's argv ends at the next "--". */
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			argv[i] = NULL;
	for (int r = 0; r < runs; r++)
		for (int k = 0; k < n; k++)
			run_once(&cmds[k], r);
	tsv = fopen(argv[2], "w");
	printf("%-34s %6s %12s %12s %6s\n", "command", "runs", "wall ms", "CPU ms", "exit");
	for (int k = 0; k < n; k++) {
		double w = median(cmds[k].wall, runs), c = median(cmds[k].cpu, runs);

		printf("%-34s %6d %12.2f %12.2f %6d\n", cmds[k].name, runs, w, c, cmds[k].status);
		if (tsv != NULL)
			fprintf(tsv, "%s\t%.4f\t%.4f\t%d\n", cmds[k].name, w, c, cmds[k].status);
		free(cmds[k].wall);
		free(cmds[k].cpu);
	}
	if (tsv != NULL)
		fclose(tsv);
	return 0;
}
