/* safefs.c --- file work as root inside a directory another user can write (issue 26) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/safefs.h"

/* Whether st is a directory uid owns that no group or other may write. */
static bool
dir_is_theirs(const struct stat *st, uid_t uid)
{
	return S_ISDIR(st->st_mode) && st->st_uid == uid && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static void
say_not_theirs(const char *path, const struct stat *st, uid_t uid, char *why, size_t len)
{
	if (!S_ISDIR(st->st_mode))
		snprintf(why, len, "\"%s\" is not a directory", path);
	else if (st->st_uid != uid)
		snprintf(why, len, "\"%s\" is owned by uid %u, not %u", path, (unsigned)st->st_uid, (unsigned)uid);
	else
		snprintf(why, len, "\"%s\" is writable by its group or others (mode %04o)", path,
			 (unsigned)(st->st_mode & 07777));
}

int
tandem_safefs_dir(int dirfd, const char *path, uid_t uid, char *why, size_t len)
{
	struct stat st;
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "could not open \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		int saved = errno;

		snprintf(why, len, "could not stat \"%s\": %s", path, strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	if (!dir_is_theirs(&st, uid)) {
		say_not_theirs(path, &st, uid, why, len);
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
tandem_safefs_parent(const char *path, char *base, size_t len)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;

	/* "/srv/pg/" would name no entry: the callers' paths are absolute
	 * and end in a name (checked by tandem_param_check_absolute). */
	if (slash == NULL || slash[1] == '\0' || strlen(slash + 1) >= len) {
		errno = EINVAL;
		return -1;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	snprintf(base, len, "%s", slash + 1);
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
tandem_safefs_open_read(int dirfd, const char *name, uid_t uid)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	/* O_NONBLOCK: a FIFO planted there must not hang the action. */
	if (fstat(fd, &st) != 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != uid) {
		close(fd);
		/* EPERM also for a hard link to another's file. */
		errno = S_ISREG(st.st_mode) ? EPERM : EINVAL;
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int
tandem_safefs_create(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	if (fchown(fd, uid, gid) != 0) {
		int saved = errno;

		close(fd);
		unlinkat(dirfd, name, 0);
		errno = saved;
		return -1;
	}
	return fd;
}

int
tandem_safefs_replace(int dirfd, const char *name, const void *buf, size_t len, uid_t uid, gid_t gid)
{
	char tmp[512];
	const char *p = buf;
	size_t done = 0;
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tandem", name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A leftover (or a planted link) is removed, never opened. */
	if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT)
		return -1;
	fd = tandem_safefs_create(dirfd, tmp, 0600, uid, gid);
	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) == 0)
		return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

int
tandem_safefs_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid, char *why, size_t len)
{
	struct stat st, parent;
	int fd;

	if (mkdirat(dirfd, name, mode) == 0) {
		/* Made here: its entry may have been swapped since, so it must
		 * still be this process's own, not a link. */
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
			snprintf(why, len, "\"%s\" changed while it was being made", name);
			if (fd >= 0)
				close(fd);
			errno = EPERM;
			return -1;
		}
	} else if (errno != EEXIST) {
		snprintf(why, len, "could not create \"%s\": %s", name, strerror(errno));
		return -1;
	} else if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		/* A directory itself, not a link: uid's, or root's in a
		 * directory only root can write (root put it there), or root's
		 * and a mount point (only root mounts: an admin's new disk). */
		if (fstat(fd, &st) != 0 || fstat(dirfd, &parent) != 0) {
			snprintf(why, len, "could not stat \"%s\": %s", name, strerror(errno));
			close(fd);
			return -1;
		}
		if (!(st.st_uid == uid
		      || (st.st_uid == 0 && parent.st_uid == 0 && (parent.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		      || (st.st_uid == 0 && st.st_dev != parent.st_dev))) {
			snprintf(why, len, "\"%s\" exists and is owned by uid %u, not %u: refusing to take it over",
				 name, (unsigned)st.st_uid, (unsigned)uid);
			close(fd);
			errno = EPERM;
			return -1;
		}
	} else if (errno == ELOOP || errno == ENOTDIR) {
		/* A link (an admin's to another disk): taken only where it
		 * leads to a directory already uid's. */
		fd = tandem_safefs_dir(dirfd, name, uid, why, len);
		if (fd < 0)
			return -1;
	} else {
		snprintf(why, len, "could not open \"%s\": %s", name, strerror(errno));
		return -1;
	}
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0) {
		int saved = errno;

		snprintf(why, len, "could not give \"%s\" to uid %u: %s", name, (unsigned)uid, strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

const char *
tandem_safefs_strerror(int err)
{
	switch (err) {
	case ELOOP:
		return "it is a symbolic link";
	case EPERM:
		return "it is not owned by the expected user";
	case EINVAL:
		return "it is not a regular file";
	default:
		return strerror(err);
	}
}
