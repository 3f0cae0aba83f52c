/* safefs.h --- file work as root inside a directory another user can write (issue 26)
 *
 * The agents run as root; system_user (postgres, and so every database
 * superuser) is not trusted, yet owns the data directory.  Root acts there
 * only through a directory descriptor checked for what it is (fstat: a
 * directory owned by that user, writable by no group or other), and on
 * entries reached from it with O_NOFOLLOW: created afresh with O_EXCL,
 * read only when a regular file of that user, owned and moded by fd.  A
 * name another user planted (a symbolic link to /etc/shadow, to
 * /etc/ld.so.preload) is refused, never followed. */
#ifndef TANDEM_SAFEFS_H
#define TANDEM_SAFEFS_H

#include <stddef.h>
#include <sys/types.h>

/* Opens the directory path (relative to dirfd, or AT_FDCWD) and checks what
 * was opened, not the way to it: a directory owned by uid and writable by
 * no group or other.  Links on the way are followed (an admin's link to
 * another disk, initdb --waldir's pg_wal): wherever they lead, only uid and
 * root can change the entries of a directory so checked, and each entry is
 * then reached with O_NOFOLLOW.  Returns the descriptor, or -1 with errno
 * (EPERM: another owner or a loose mode) and why filled in. */
int tandem_safefs_dir(int dirfd, const char *path, uid_t uid, char *why, size_t len);

/* The parent directory of path, opened as it is (no check: it is only used
 * to make or take an entry, which tandem_safefs_mkdir checks), and the
 * last component into base.  -1 with errno. */
int tandem_safefs_parent(const char *path, char *base, size_t len);

/* Opens name in dirfd for reading: a regular file owned by uid, reached
 * with O_NOFOLLOW.  Returns the descriptor, or -1 with errno: ENOENT,
 * ELOOP (a symbolic link), EPERM (another owner), EINVAL (not a regular
 * file). */
int tandem_safefs_open_read(int dirfd, const char *name, uid_t uid);

/* Creates name in dirfd, new (O_CREAT | O_EXCL | O_NOFOLLOW: an existing
 * entry, a link included, is EEXIST), mode, given to uid:gid by fchown.
 * Returns the descriptor (for writing), or -1 with errno. */
int tandem_safefs_create(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid);

/* Replaces name in dirfd atomically with len bytes of buf, owned by
 * uid:gid, mode 0600: written to a fresh "name.tandem" (whatever had that
 * name removed first, never opened), fsynced, renamed over name (which
 * replaces a link, never follows it).  0, or -1 with errno. */
int tandem_safefs_replace(int dirfd, const char *name, const void *buf, size_t len, uid_t uid, gid_t gid);

/* The directory name in dirfd, made if missing, given to uid:gid with mode;
 * returns its descriptor.  One made here is opened with O_NOFOLLOW and
 * must be this process's own.  An existing one is taken as it is when uid
 * owns it (links followed: it is then checked as tandem_safefs_dir does),
 * and mode set; one root owns is given to uid only when no link led to it
 * and either dirfd is root's and writable by no group or other (only root
 * could have put it there) or it is a mount point (only root mounts: a
 * fresh disk in Debian's /var/lib/postgresql/N, which postgres owns).  Anything else: -1 with errno EPERM, and why. */
int tandem_safefs_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid, char *why, size_t len);

/* Why an entry was refused, for a message: "it is a symbolic link" for
 * ELOOP, "it is not owned by the expected user" for EPERM, "it is not a
 * regular file" for EINVAL, else strerror(err). */
const char *tandem_safefs_strerror(int err);

#endif
