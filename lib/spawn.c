/* spawn.c --- run a program from an argv array, with a deadline */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tandem/log.h"
#include "tandem/spawn.h"

extern char **environ;

#define DEFAULT_MAX_OUTPUT (64 * 1024)

bool
tandem_spawn_executable(const char *path)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode)
	       && access(path, X_OK) == 0;
}

/* The identity a child takes, resolved in the parent: getpwnam and friends
 * are not async-signal-safe and must not run between fork and exec. */
struct identity {
	bool set;
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	char home[256];
	char name[64];
};

static int
resolve_user(const char *user, struct identity *id)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (user == NULL || *user == '\0')
		return 0;
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -ENOENT;
	id->set = true;
	id->uid = pw.pw_uid;
	id->gid = pw.pw_gid;
	id->ngroups = (int)(sizeof(id->groups) / sizeof(id->groups[0]));
	if (getgrouplist(user, pw.pw_gid, id->groups, &id->ngroups) < 0)
		id->ngroups = (int)(sizeof(id->groups) / sizeof(id->groups[0]));
	snprintf(id->home, sizeof(id->home), "%s", pw.pw_dir);
	snprintf(id->name, sizeof(id->name), "%s", pw.pw_name);
	return 0;
}

/* Whether environment entry e ("NAME=value") is named in list, whose
 * entries are "NAME=value" or a bare NAME. */
static bool
env_listed(const char *e, const char *const *list)
{
	size_t len = strcspn(e, "=");

	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (strncmp(e, list[i], len) == 0 && (list[i][len] == '=' || list[i][len] == '\0'))
			return true;
	return false;
}

/* environ less opts->env_unset and what opts->env_set replaces (getenv
 * would find the first of two), then opts->env_set, then the run-as
 * user's HOME/USER/LOGNAME. */
static char **
build_env(const struct tandem_spawn_opts *opts, const struct identity *id)
{
	size_t n = 0, extra = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	if (opts->env_set != NULL)
		while (opts->env_set[extra] != NULL)
			extra++;
	env = calloc(n + extra + 4, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];

		if (id->set && (strncmp(e, "HOME=", 5) == 0 || strncmp(e, "USER=", 5) == 0
				|| strncmp(e, "LOGNAME=", 8) == 0))
			continue;
		if (env_listed(e, opts->env_set) || env_listed(e, opts->env_unset))
			continue;
		env[k++] = (char *)e;
	}
	for (size_t i = 0; i < extra; i++)
		env[k++] = (char *)opts->env_set[i];
	if (id->set) {
		static char home[300], user[80], logname[80];

		snprintf(home, sizeof(home), "HOME=%s", id->home);
		snprintf(user, sizeof(user), "USER=%s", id->name);
		snprintf(logname, sizeof(logname), "LOGNAME=%s", id->name);
		env[k++] = home;
		env[k++] = user;
		env[k++] = logname;
	}
	env[k] = NULL;
	return env;
}

/* close_range(3, ~0, CLOSE_RANGE_CLOEXEC) (Linux 5.11): 0, or -1 where the
 * kernel or the C library headers (Debian 11's) do not have it. */
static int
close_range_cloexec(void)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
#else
	return -1;
#endif
}

/* In the child: only async-signal-safe calls from here to exec. */
static void __attribute__((noreturn))
child(const char *const argv[], char **env, const struct tandem_spawn_opts *opts,
      const struct identity *id, int in_fd, int out_fd, int err_fd, int report_fd)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	/* Everything else the agent holds (netlink, libpq, log files) stays
	 * out of the child: the report pipe is close-on-exec already. */
	if (close_range_cloexec() != 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != report_fd)
				close(fd);
	}
	if (id->set) {
		if (setgroups((size_t)id->ngroups, id->groups) != 0 || setgid(id->gid) != 0
		    || setuid(id->uid) != 0)
			goto fail;
	}
	if (opts->cwd != NULL && chdir(opts->cwd) != 0)
		goto fail;
	execve(argv[0], (char *const *)argv, env);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0) {
		/* nothing left to tell */
	}
	_exit(127);
}

struct sink {
	int fd;
	char *buf;
	size_t len, max;
};

static void
sink_read(struct sink *s)
{
	char tmp[4096];
	ssize_t r = read(s->fd, tmp, sizeof(tmp));

	if (r <= 0) {
		if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(s->fd);
			s->fd = -1;
		}
		return;
	}
	if (s->len < s->max) {
		size_t take = (size_t)r;

		if (take > s->max - s->len)
			take = s->max - s->len;
		memcpy(s->buf + s->len, tmp, take);
		s->len += take;
		s->buf[s->len] = '\0';
	}
}

static int
pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int
wait_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int
tandem_spawn_run(const char *const argv[], const struct tandem_spawn_opts *opts,
		 tandem_deadline deadline, struct tandem_spawn_result *res)
{
	static const struct tandem_spawn_opts none;
	struct identity id = { 0 };
	int in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, rep_p[2] = { -1, -1 };
	struct sink out = { -1 }, err = { -1 };
	const char *in_data;
	size_t in_left;
	char **env = NULL;
	int pidfd = -1, child_errno = 0, st = 0, rc = 0, until_ms;
	bool reaped = false;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (opts == NULL)
		opts = &none;
	until_ms = opts->until_ms > 0 ? opts->until_ms : 10;
	in_data = opts->stdin_data;
	in_left = in_data != NULL ? strlen(in_data) : 0;
	out.max = err.max = opts->max_output ? opts->max_output : DEFAULT_MAX_OUTPUT;
	out.buf = calloc(1, out.max + 1);
	err.buf = calloc(1, err.max + 1);
	res->out = out.buf;
	res->err = err.buf;
	if (out.buf == NULL || err.buf == NULL)
		return -ENOMEM;
	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		snprintf(err.buf, err.max, "program must be given by absolute path");
		return -EINVAL;
	}
	rc = resolve_user(opts->user, &id);
	if (rc != 0) {
		snprintf(err.buf, err.max, "unknown user \"%s\"", opts->user);
		return rc;
	}
	env = build_env(opts, &id);
	if (env == NULL)
		return -ENOMEM;
	if (pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0
	    || pipe2(rep_p, O_CLOEXEC) != 0 || pipe2(in_p, O_CLOEXEC) != 0) {
		rc = -errno;
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0)
		child(argv, env, opts, &id, in_p[0], out_p[1], err_p[1], rep_p[1]);
	res->pid = pid;
	close(in_p[0]);
	close(out_p[1]);
	close(err_p[1]);
	close(rep_p[1]);
	in_p[0] = out_p[1] = err_p[1] = rep_p[1] = -1;
	/* The child learns of an exec failure through rep_p: EOF means exec. */
	{
		ssize_t r;

		do
			r = read(rep_p[0], &child_errno, sizeof(child_errno));
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof(child_errno))
			child_errno = 0;
	}
	if (in_left == 0) {
		close(in_p[1]);
		in_p[1] = -1;
	} else {
		fcntl(in_p[1], F_SETFL, O_NONBLOCK);
	}
	out.fd = out_p[0];
	err.fd = err_p[0];
	out_p[0] = err_p[0] = -1;
	pidfd = pidfd_open_compat(pid);

	while (!reaped) {
		struct pollfd pfd[4];
		int n = 0, timeout;
		int64_t left = tandem_deadline_left(deadline);

		if (left == 0) {
			kill(pid, SIGKILL);
			res->timed_out = true;
			break;
		}
		if (out.fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = out.fd, .events = POLLIN };
		if (err.fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = err.fd, .events = POLLIN };
		if (in_p[1] >= 0)
			pfd[n++] = (struct pollfd){ .fd = in_p[1], .events = POLLOUT };
		if (pidfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		/* Without a pidfd (old kernel) the exit is noticed by polling. */
		timeout = pidfd >= 0 ? (int)(left > 1000 ? 1000 : left) : (left > 20 ? 20 : (int)left);
		if (opts->until != NULL && timeout > until_ms)
			timeout = until_ms;
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			rc = -errno;
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == out.fd)
				sink_read(&out);
			else if (pfd[i].fd == err.fd)
				sink_read(&err);
			else if (pfd[i].fd == in_p[1]) {
				ssize_t w = write(in_p[1], in_data, in_left);

				if (w > 0) {
					in_data += w;
					in_left -= (size_t)w;
				}
				if (in_left == 0 || (w < 0 && errno != EAGAIN && errno != EINTR)) {
					close(in_p[1]);
					in_p[1] = -1;
				}
			}
		}
		/* Reap only after the pipes are drained, so no output is lost;
		 * a grandchild holding a pipe open does not keep us waiting. */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			reaped = true;
			while (out.fd >= 0 && poll(&(struct pollfd){ .fd = out.fd, .events = POLLIN }, 1, 0) > 0)
				sink_read(&out);
			while (err.fd >= 0 && poll(&(struct pollfd){ .fd = err.fd, .events = POLLIN }, 1, 0) > 0)
				sink_read(&err);
		} else if (opts->until != NULL && opts->until(opts->until_arg)) {
			kill(pid, SIGKILL);
			res->stopped = true;
			break;
		}
	}
	if (!reaped) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	res->status = wait_status(st);
	if (child_errno != 0) {
		snprintf(err.buf, err.max, "could not run \"%s\": %s", argv[0], strerror(child_errno));
		res->status = -1;
		rc = -child_errno;
	}
	tandem_log(LOG_DEBUG, "ran %s " TANDEM_XS " status=%d timed_out=%d stopped=%d", argv[0], res->status,
		   res->timed_out, res->stopped);
out:
	for (int i = 0; i < 2; i++) {
		if (in_p[i] >= 0) close(in_p[i]);
		if (out_p[i] >= 0) close(out_p[i]);
		if (err_p[i] >= 0) close(err_p[i]);
		if (rep_p[i] >= 0) close(rep_p[i]);
	}
	if (out.fd >= 0) close(out.fd);
	if (err.fd >= 0) close(err.fd);
	if (pidfd >= 0) close(pidfd);
	free(env);
	return rc;
}

void
tandem_spawn_result_free(struct tandem_spawn_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

pid_t
tandem_fork_detached(void)
{
	pid_t pid;
	int null;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	(void)setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		(void)dup2(null, 0);
		(void)dup2(null, 1);
		(void)dup2(null, 2);
		if (null > 2)
			close(null);
	}
	return 0;
}

#define BESIDE_MAX 4096

int
tandem_beside_start(struct tandem_beside *b, void (*fn)(void *arg, char *out, size_t len), void *arg)
{
	int p[2];

	b->pid = -1;
	b->fd = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	b->pid = fork();
	if (b->pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (b->pid == 0) {
		static char out[BESIDE_MAX];
		size_t n, off = 0;

		close(p[0]);
		out[0] = '\0';
		fn(arg, out, sizeof(out));
		n = strnlen(out, sizeof(out) - 1);
		while (off < n) {
			ssize_t w = write(p[1], out + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	b->fd = p[0];
	return 0;
}

int
tandem_beside_collect(struct tandem_beside *b, tandem_deadline deadline, char *out, size_t len)
{
	size_t got = 0;
	int st = 0, rc = 0, e = 0;

	if (len == 0 || b->pid <= 0 || b->fd < 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		int64_t left = tandem_deadline_left(deadline);
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
		char sink[256];
		ssize_t r;

		if (left == 0) {
			kill(b->pid, SIGKILL);
			rc = -1;
			e = ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR) {
			kill(b->pid, SIGKILL);
			rc = -1;
			e = errno;
			break;
		}
		if (pfd.revents == 0)
			continue;
		/* What does not fit in out is read and dropped (the child writes
		 * less than BESIDE_MAX, and must not block on a full pipe). */
		r = got < len - 1 ? read(b->fd, out + got, len - 1 - got) : read(b->fd, sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (got < len - 1)
			got += (size_t)r;
	}
	out[got] = '\0';
	close(b->fd);
	b->fd = -1;
	while (waitpid(b->pid, &st, 0) < 0 && errno == EINTR)
		;
	b->pid = -1;
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		rc = -1;
		e = EPROTO;
	}
	if (rc != 0)
		errno = e;
	return rc;
}
