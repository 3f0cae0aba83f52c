/* spawn.h --- run a program from an argv array, with a deadline */
#ifndef TANDEM_SPAWN_H
#define TANDEM_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tandem/deadline.h"

struct tandem_spawn_opts {
	const char *user;       //!< run as this user (setgid, initgroups, setuid), or NULL
	const char *cwd;        //!< working directory, or NULL to keep
	const char *const *env_set; //!< "NAME=value" strings added to (or replacing in) the environment
	const char *const *env_unset; //!< names removed from the environment
	const char *stdin_data; //!< written to the child's stdin, or NULL for /dev/null
	size_t max_output;      //!< bytes kept of stdout and of stderr each (0: 64 KiB)
	bool detach;            //!< start in a new session and do not wait (daemons)
	/* Polled every until_ms (default 10) while the program runs: once it
	 * returns true the program has done its part (a tool that would only
	 * go on waiting), and is SIGKILLed and reaped (res->stopped). */
	bool (*until)(void *arg);
	void *until_arg;
	int until_ms;
};

struct tandem_spawn_result {
	int status;             //!< exit code, 128+signal when killed; -1 when it did not run
	bool timed_out;         //!< killed at the deadline
	bool stopped;           //!< killed because opts->until held
	char *out;              //!< stdout, NUL-terminated (may be NULL)
	char *err;              //!< stderr, NUL-terminated (may be NULL)
	pid_t pid;
};

/* Runs argv[0] (an absolute path) with argv, never through a shell.  The
 * child keeps the caller's process group so that Pacemaker's kill of the
 * agent reaches it; at the deadline it is SIGKILLed and reaped.  Returns 0
 * when the program ran (see res->status), or a negative errno when it could
 * not be started (unknown user, exec failure: then res->err says why). */
int tandem_spawn_run(const char *const argv[], const struct tandem_spawn_opts *opts,
		     tandem_deadline deadline, struct tandem_spawn_result *res);

void tandem_spawn_result_free(struct tandem_spawn_result *res);

/* Forks a child of this process that outlives the action: in a new
 * session (Pacemaker's kill of the agent's process group misses it), its
 * stdin, stdout and stderr on /dev/null (Pacemaker reads the agent's
 * output until it closes).  For work the action must not wait for.
 * Returns 0 in the child, which must end with _exit and never use a
 * connection the parent holds (libpq's PQfinish would end the parent's
 * session too); the child's pid in the caller; -1 (errno set) when fork
 * failed.  stdio is flushed first. */
pid_t tandem_fork_detached(void);

/* A reading done by a forked child while the caller does another (each
 * a Pacemaker tool's start, tens of ms on a busy host, on a failover's
 * path).  tandem_beside_start runs fn(arg, out, len) in a child of the
 * same process group (Pacemaker's kill of the agent reaches it), which
 * hands back the text fn left in out (at most len - 1 bytes, 4 KiB at
 * most) and exits; the child must not use a connection the parent holds
 * (see tandem_fork_detached).  Returns 0, or -1 with errno when no child
 * could be started: the caller then calls fn itself.
 * tandem_beside_collect waits for that text until deadline: 0 with out
 * set, or -1 with errno (ETIMEDOUT: the child is killed; EPROTO: it ended
 * without handing anything back); the child is reaped either way. */
struct tandem_beside {
	pid_t pid;
	int fd;
};
int tandem_beside_start(struct tandem_beside *b, void (*fn)(void *arg, char *out, size_t len), void *arg);
int tandem_beside_collect(struct tandem_beside *b, tandem_deadline deadline, char *out, size_t len);

/* True when path is an executable regular file. */
bool tandem_spawn_executable(const char *path);

#endif
