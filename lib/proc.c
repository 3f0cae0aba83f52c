/* proc.c --- processes found by pidfile: liveness and TERM-then-KILL */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tandem/log.h"
#include "tandem/proc.h"

bool
tandem_pid_parse(const char *text, pid_t *pid)
{
	long long v = 0;
	const char *p = text;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > 4194304) /* PID_MAX_LIMIT */
			return false;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p != '\0' && *p != '\n')
		return false;
	if (v <= 1)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* /proc/PID/NAME's first len - 1 bytes into buf, terminated: their count,
 * or -1 with errno. */
static ssize_t
proc_file(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	errno = err;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

bool
tandem_proc_alive(pid_t pid)
{
	char st[512];
	char *close_paren;
	ssize_t n;

	if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
		return false;
	/* A zombie is dead for our purpose: it holds no resources. */
	n = proc_file(pid, "stat", st, sizeof(st));
	if (n < 0)
		return errno != ENOENT;
	if (n == 0)
		return true;
	close_paren = strrchr(st, ')');
	return close_paren == NULL || close_paren[1] == '\0' || close_paren[2] != 'Z';
}

static bool
comm_is(pid_t pid, const char *comm)
{
	char buf[64];

	if (proc_file(pid, "comm", buf, sizeof(buf)) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, comm) == 0;
}

enum tandem_pidfile_state
tandem_pidfile_check(const char *path, const char *comm, pid_t *pid)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	/* Often in a directory another user writes (a data directory): a
	 * FIFO planted there must not hang the action (O_NONBLOCK), nor a
	 * link lead root's read elsewhere. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? TANDEM_PIDFILE_ABSENT
		       : errno == ELOOP ? TANDEM_PIDFILE_UNTRUSTED : TANDEM_PIDFILE_INVALID;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return TANDEM_PIDFILE_UNTRUSTED;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return TANDEM_PIDFILE_INVALID;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!tandem_pid_parse(buf, pid))
		return TANDEM_PIDFILE_INVALID;
	if (!tandem_proc_alive(*pid) || (comm != NULL && !comm_is(*pid, comm)))
		return TANDEM_PIDFILE_STALE;
	return TANDEM_PIDFILE_ALIVE;
}

/* Signal sig to h's process: by its pidfd when held. */
static int
send_signal(const struct tandem_proc_handle *h, int sig)
{
#ifdef SYS_pidfd_send_signal
	if (h->pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, h->pidfd, sig, NULL, 0);
#endif
	return kill(h->pid, sig);
}

/* Alive, and (with a pidfd) still the process that was checked. */
static bool
handle_alive(const struct tandem_proc_handle *h)
{
	if (h->pidfd >= 0 && send_signal(h, 0) != 0 && errno == ESRCH)
		return false;
	return tandem_proc_alive(h->pid);
}

static bool
wait_gone(const struct tandem_proc_handle *h, tandem_deadline until)
{
	/* Ticks of 50 ms, as pg_ctl's wait loops: cheap and prompt. */
	do {
		if (!handle_alive(h))
			return true;
	} while (tandem_deadline_sleep(until, 50));
	return !handle_alive(h);
}

static bool
terminate(const struct tandem_proc_handle *h, int64_t grace_ms, tandem_deadline deadline)
{
	tandem_deadline term_until;
	int64_t left = tandem_deadline_left(deadline);

	if (!handle_alive(h))
		return true;
	/* Keep a share of the time for SIGKILL to be seen to work. */
	if (grace_ms > left * 3 / 4)
		grace_ms = left * 3 / 4;
	term_until = tandem_deadline_cap(deadline, grace_ms);
	tandem_log(LOG_INFO, "sending SIGTERM to process %d", (int)h->pid);
	if (send_signal(h, SIGTERM) != 0 && errno == ESRCH)
		return true;
	if (wait_gone(h, term_until))
		return true;
	tandem_log(LOG_WARNING, "process %d still alive after %lld ms: sending SIGKILL",
	       (int)h->pid, (long long)grace_ms);
	if (send_signal(h, SIGKILL) != 0 && errno == ESRCH)
		return true;
	return wait_gone(h, deadline);
}

bool
tandem_proc_terminate(pid_t pid, int64_t grace_ms, tandem_deadline deadline)
{
	struct tandem_proc_handle h = { pid, -1 };

	return terminate(&h, grace_ms, deadline);
}

bool
tandem_proc_handle_terminate(const struct tandem_proc_handle *h, int64_t grace_ms, tandem_deadline deadline)
{
	return terminate(h, grace_ms, deadline);
}

void
tandem_proc_handle_close(struct tandem_proc_handle *h)
{
	if (h->pidfd >= 0)
		close(h->pidfd);
	h->pidfd = -1;
}

enum tandem_pidfile_state
tandem_pidfile_read_owned(const char *path, uid_t uid, pid_t *pid)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	/* O_NONBLOCK: a FIFO planted there must not hang the action. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TANDEM_PIDFILE_ABSENT
		       : errno == ELOOP ? TANDEM_PIDFILE_UNTRUSTED : TANDEM_PIDFILE_INVALID;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != uid && st.st_uid != 0)) {
		close(fd);
		return TANDEM_PIDFILE_UNTRUSTED;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return TANDEM_PIDFILE_INVALID;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return tandem_pid_parse(buf, pid) ? TANDEM_PIDFILE_ALIVE : TANDEM_PIDFILE_INVALID;
}

/* Whether every uid of /proc/PID/status (real, effective, saved, fs) is uid. */
static bool
runs_as(pid_t pid, uid_t uid)
{
	char buf[2048];
	unsigned r, e, s, f;
	const char *at;

	if (proc_file(pid, "status", buf, sizeof(buf)) <= 0)
		return false;
	at = strstr(buf, "\nUid:");
	return at != NULL && sscanf(at, "\nUid: %u %u %u %u", &r, &e, &s, &f) == 4
	       && r == uid && e == uid && s == uid && f == uid;
}

int
tandem_proc_open_checked(pid_t pid, const char *exe, uid_t uid, struct tandem_proc_handle *h,
			 char *why, size_t len)
{
	char path[64], real[4096], want[4096];
	ssize_t n;

	h->pid = pid;
	h->pidfd = -1;
#ifdef SYS_pidfd_open
	h->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (h->pidfd < 0 && errno == ESRCH)
		return -ESRCH;
#endif
	if (!handle_alive(h)) {
		tandem_proc_handle_close(h);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, real, sizeof(real) - 1);
	real[n > 0 ? n : 0] = '\0';
	if (n > 10 && strcmp(real + n - 10, " (deleted)") == 0)
		real[n - 10] = '\0';   /* its package upgraded since it started */
	if (strchr(exe, '/') == NULL) {
		/* A program by name: whichever copy a script found (a JVM). */
		const char *base = strrchr(real, '/');

		snprintf(want, sizeof(want), "%s", base != NULL && strcmp(base + 1, exe) == 0 ? real : exe);
	} else if (realpath(exe, want) == NULL)
		snprintf(want, sizeof(want), "%s", exe);
	if (strcmp(real, want) != 0) {
		snprintf(why, len, "process %d runs \"%s\", not \"%s\"", (int)pid, real[0] ? real : "?", want);
		goto foreign;
	}
	if (!runs_as(pid, uid)) {
		snprintf(why, len, "process %d does not run as uid %u", (int)pid, (unsigned)uid);
		goto foreign;
	}
	/* Checked through /proc/PID: still the pidfd's process, so the pid
	 * was not reused while it was read. */
	if (!handle_alive(h)) {
		tandem_proc_handle_close(h);
		return -ESRCH;
	}
	return 0;
foreign:
	tandem_proc_handle_close(h);
	return handle_alive(h) ? -EPERM : -ESRCH;
}

/* /proc/PID/<what> whole (they are small: an environment, a command line). */
static char *
read_proc(pid_t pid, const char *what, size_t *len)
{
	char path[64], *buf = NULL;
	size_t cap = 0, n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n + 4096 + 1 > cap) {
			char *grown = cap < (1 << 22) ? realloc(buf, cap = n + 8192) : NULL;

			if (grown == NULL)
				break;
			buf = grown;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf != NULL)
		buf[n] = '\0';
	*len = n;
	return buf;
}

bool
tandem_proc_has_entry(pid_t pid, const char *what, const char *const *entries)
{
	size_t len = 0;
	char *buf = read_proc(pid, what, &len);
	bool found = false;

	for (size_t off = 0; buf != NULL && off < len && !found; off += strlen(buf + off) + 1)
		for (size_t i = 0; entries[i] != NULL && !found; i++)
			found = strcmp(buf + off, entries[i]) == 0;
	free(buf);
	return found;
}

size_t
tandem_proc_find(const char *what, const char *const *entries, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && n < max && (e = readdir(d)) != NULL) {
		pid_t pid;

		if (!tandem_pid_parse(e->d_name, &pid) || pid == getpid())
			continue;
		if (tandem_proc_has_entry(pid, what, entries))
			out[n++] = pid;
	}
	if (d != NULL)
		closedir(d);
	return n;
}
