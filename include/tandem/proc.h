/* proc.h --- processes found by pidfile: liveness and TERM-then-KILL */
#ifndef TANDEM_PROC_H
#define TANDEM_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "tandem/deadline.h"

enum tandem_pidfile_state {
	TANDEM_PIDFILE_ALIVE,   //!< names a live process (of the expected program)
	TANDEM_PIDFILE_ABSENT,  //!< no file
	TANDEM_PIDFILE_STALE,   //!< names no process, or another program
	TANDEM_PIDFILE_INVALID, //!< unreadable, or not a pid
	TANDEM_PIDFILE_UNTRUSTED, //!< a link, not a regular file, or not owned by the user (or root)
};

/* Reads the first line of path as a pid.  When comm is not NULL the
 * process's /proc/PID/comm must equal it, so a recycled pid is stale.  A
 * link or anything but a regular file (a FIFO) is UNTRUSTED, never
 * followed nor waited on. */
enum tandem_pidfile_state tandem_pidfile_check(const char *path, const char *comm, pid_t *pid);

/* Parses the first line of a pidfile's text: a positive decimal pid. */
bool tandem_pid_parse(const char *text, pid_t *pid);

bool tandem_proc_alive(pid_t pid);

/* Whether /proc/PID/<what> ("environ" or "cmdline": NUL-separated
 * entries) holds one of entries exactly (NULL-terminated list). */
bool tandem_proc_has_entry(pid_t pid, const char *what, const char *const *entries);
/* Every process (this one aside) whose /proc/PID/<what> holds one of
 * entries: up to max pids into out; returns how many were found. */
size_t tandem_proc_find(const char *what, const char *const *entries, pid_t *out, size_t max);

/* SIGTERM, then SIGKILL when grace_ms has passed or the deadline is near;
 * waits for the process to vanish.  Returns true when it is gone. */
bool tandem_proc_terminate(pid_t pid, int64_t grace_ms, tandem_deadline deadline);

/* A process checked before it is signalled (issue 26): the pidfd (where
 * the kernel has pidfd_open, Linux 5.3) held while it was checked, so the
 * process checked is the process signalled, never one that got its pid
 * since.  pidfd -1: signalled by pid. */
struct tandem_proc_handle {
	pid_t pid;
	int pidfd;
};

/* tandem_pidfile_check's reading, the file trusted only when it is a
 * regular file (not a link: O_NOFOLLOW) owned by uid or root:
 * TANDEM_PIDFILE_UNTRUSTED otherwise.  No process check (below). */
enum tandem_pidfile_state tandem_pidfile_read_owned(const char *path, uid_t uid, pid_t *pid);

/* Whether pid is a process of program exe (/proc/PID/exe, resolved as
 * realpath(exe); " (deleted)" after an upgrade accepted; an exe with no
 * '/' is a program's name, which /proc/PID/exe must end with) whose every uid is
 * uid, checked while its pidfd is held.  Returns 0 with h open, -ESRCH
 * when no such process lives, -EPERM when it is another program or
 * another user's (why says which). */
int tandem_proc_open_checked(pid_t pid, const char *exe, uid_t uid, struct tandem_proc_handle *h,
			     char *why, size_t len);
/* tandem_proc_terminate for a checked process, signalled by its pidfd. */
bool tandem_proc_handle_terminate(const struct tandem_proc_handle *h, int64_t grace_ms, tandem_deadline deadline);
void tandem_proc_handle_close(struct tandem_proc_handle *h);

#endif
