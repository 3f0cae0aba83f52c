/* helpers.h --- what several unit tests need: background servers, a private network */
#ifndef TANDEM_TEST_HELPERS_H
#define TANDEM_TEST_HELPERS_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts argv in the background (its own process group), stdout to
 * out_path when not NULL.  Returns its pid, or -1. */
pid_t helper_start(const char *const argv[], const char *out_path);
/* Kills the process group of pid and reaps it. */
void helper_stop(pid_t pid);
/* Waits up to ms for path to hold a line; copies it to buf. */
bool helper_wait_line(const char *path, char *buf, size_t len, int ms);
/* Runs argv to completion; returns its exit status (or -1). */
int helper_run(const char *const argv[]);
/* Moves this process into a new network namespace with lo up.  False
 * (and the tests skip) where that is not allowed. */
bool helper_private_network(void);
/* The PostgreSQL programs the tests run: TANDEM_PG_BINDIR, else the
 * newest major installed (the one of each version-matrix root). */
const char *helper_pg_bindir(void);
/* The major of helper_pg_bindir(): the last number in its path (Debian's
 * /usr/lib/postgresql/N/bin, PGDG's /usr/pgsql-N/bin); 0 if it has none. */
int helper_pg_major(void);
/* abs_top_srcdir/rel. */
const char *helper_src(const char *rel);

#endif
