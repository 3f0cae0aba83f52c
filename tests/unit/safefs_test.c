/* safefs_test.c --- root's file work in postgres's directory: the links postgres plants (issue 26)
 *
 * Each case plants, in a directory the postgres user owns (a data
 * directory), a symbolic link to a file or directory root owns, as the
 * field report did, and checks that the root-owned target keeps its
 * content, owner and mode.  Run as root with a postgres user; skipped
 * otherwise. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tandem/safefs.h"

static char top[] = "/tmp/safefs_test.XXXXXX";
static char data[64], victim[64], rootdir[64];
static uid_t uid;
static gid_t gid;

static void
put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A link planted by postgres: made as root, then given to postgres. */
static void
plant(const char *target, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", data, name);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(lchown(path, uid, gid), 0);
}

/* The root-owned victim as it was: "secret", root's, 0600. */
static void
assert_victim_intact(void)
{
	char buf[32] = "";
	struct stat st;
	int fd = open(victim, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	close(fd);
	assert_string_equal(buf, "secret");
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static int
setup(void **state)
{
	struct passwd *pw = getpwnam("postgres");

	(void)state;
	if (geteuid() != 0 || pw == NULL)
		return 0;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (mkdtemp(top) == NULL)
		return -1;
	chmod(top, 0755);
	snprintf(data, sizeof(data), "%s/data", top);
	snprintf(victim, sizeof(victim), "%s/victim", top);
	snprintf(rootdir, sizeof(rootdir), "%s/rootdir", top);
	if (mkdir(data, 0700) != 0 || chown(data, uid, gid) != 0 || mkdir(rootdir, 0755) != 0)
		return -1;
	put(victim, "secret", 0600);
	return 0;
}

static int
teardown(void **state)
{
	char *argv[] = { "rm", "-rf", top, NULL };
	pid_t pid;

	(void)state;
	if (uid == 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		execv("/bin/rm", argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}

/* Each case starts from an intact victim and root's directory, so that
 * one that fails (on the old code) does not fail the next. */
static void
fresh_victims(void)
{
	unlink(victim);
	put(victim, "secret", 0600);
	assert_int_equal(chown(victim, 0, 0), 0);
	assert_int_equal(chmod(victim, 0600), 0);
	assert_int_equal(chown(rootdir, 0, 0), 0);
	assert_int_equal(chmod(rootdir, 0755), 0);
}

#define NEED_ROOT() do { if (uid == 0) skip(); fresh_victims(); } while (0)

static int
data_fd(void)
{
	char why[256];
	int fd = tandem_safefs_dir(AT_FDCWD, data, uid, why, sizeof(why));

	assert_true(fd >= 0);
	return fd;
}

/* The field report: standby.signal.tandem -> root's file, then a start. */
static void
replace_through_planted_temporary(void **state)
{
	struct stat st;
	int dfd;

	(void)state;
	NEED_ROOT();
	dfd = data_fd();
	plant(victim, "standby.signal.tandem");
	plant(victim, "postgresql.auto.conf.tandem");
	assert_int_equal(tandem_safefs_replace(dfd, "standby.signal", "", 0, uid, gid), 0);
	assert_int_equal(tandem_safefs_replace(dfd, "postgresql.auto.conf", "port = 5432\n", 12, uid, gid), 0);
	assert_victim_intact();
	/* The files themselves were written, postgres's. */
	assert_int_equal(fstatat(dfd, "postgresql.auto.conf", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_size, 12);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A link at the name itself is replaced, not followed. */
	plant(victim, "standby.signal");
	assert_int_equal(tandem_safefs_replace(dfd, "standby.signal", "", 0, uid, gid), 0);
	assert_int_equal(fstatat(dfd, "standby.signal", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_victim_intact();
	close(dfd);
}

/* postgresql.auto.conf -> root's file: its bytes must not be read
 * (they would be written into postgres's copy). */
static void
read_refuses_link_and_foreign_file(void **state)
{
	char path[128];
	int dfd, fd;

	(void)state;
	NEED_ROOT();
	dfd = data_fd();
	plant(victim, "postgresql.auto.conf");
	errno = 0;
	assert_int_equal(tandem_safefs_open_read(dfd, "postgresql.auto.conf", uid), -1);
	assert_int_equal(errno, ELOOP);
	/* A file root owns in the directory (a hard link, where the kernel
	 * allows one) is not postgres's to have read. */
	snprintf(path, sizeof(path), "%s/backup_label", data);
	put(path, "x", 0600);
	errno = 0;
	assert_int_equal(tandem_safefs_open_read(dfd, "backup_label", uid), -1);
	assert_int_equal(errno, EPERM);
	/* postgres's own regular file is read. */
	assert_int_equal(chown(path, uid, gid), 0);
	fd = tandem_safefs_open_read(dfd, "backup_label", uid);
	assert_true(fd >= 0);
	close(fd);
	assert_victim_intact();
	close(dfd);
}

/* copy_owned's target in pg_wal: a link there is not written through. */
static void
create_refuses_planted_name(void **state)
{
	int dfd;

	(void)state;
	NEED_ROOT();
	dfd = data_fd();
	plant(victim, "000000010000000000000003");
	errno = 0;
	assert_int_equal(tandem_safefs_create(dfd, "000000010000000000000003", 0600, uid, gid), -1);
	assert_int_equal(errno, EEXIST);
	assert_victim_intact();
	close(dfd);
}

/* The data directory (or the diverged WAL's) made or taken for postgres:
 * a link to an empty directory root owns does not make it postgres's. */
static void
mkdir_refuses_link_to_root_directory(void **state)
{
	char why[256], path[128];
	struct stat st;
	int dfd, fd;

	(void)state;
	NEED_ROOT();
	dfd = data_fd();
	plant(rootdir, "main");
	errno = 0;
	assert_int_equal(tandem_safefs_mkdir(dfd, "main", 0700, uid, gid, why, sizeof(why)), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(stat(rootdir, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* A new one is made, postgres's, 0700. */
	fd = tandem_safefs_mkdir(dfd, "diverged", 0700, uid, gid, why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_mode & 07777, 0700);
	close(fd);
	close(dfd);
	/* An empty directory root made in a root-only parent is taken over,
	 * as an admin's mkdir before the first start always was. */
	dfd = open(top, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/fresh", top);
	assert_int_equal(mkdir(path, 0755), 0);
	fd = tandem_safefs_mkdir(dfd, "fresh", 0700, uid, gid, why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_uid, uid);
	close(fd);
	close(dfd);
}

/* A root-owned directory in the user's own directory: refused, unless it
 * is a mount point (only root mounts: an admin's new disk at Debian's
 * /var/lib/postgresql/N/main, whose parent postgres owns). */
static void
mkdir_takes_mount_point(void **state)
{
	char why[256], path[128];
	struct stat st;
	int dfd, fd;

	(void)state;
	NEED_ROOT();
	dfd = data_fd();
	snprintf(path, sizeof(path), "%s/disk", data);
	assert_int_equal(mkdir(path, 0755), 0);
	errno = 0;
	assert_int_equal(tandem_safefs_mkdir(dfd, "disk", 0700, uid, gid, why, sizeof(why)), -1);
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(why, "owned by uid 0"));
	/* Where this process may mount (root outside a restricted container). */
	if (mount("tmpfs", path, "tmpfs", 0, "mode=0755") == 0) {
		fd = tandem_safefs_mkdir(dfd, "disk", 0700, uid, gid, why, sizeof(why));
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_uid, uid);
		assert_int_equal(st.st_mode & 07777, 0700);
		close(fd);
		assert_int_equal(umount(path), 0);
	}
	rmdir(path);
	close(dfd);
}

/* The directory itself must be the user's and closed to others. */
static void
dir_checks_what_was_opened(void **state)
{
	char why[256], path[128];
	int fd;

	(void)state;
	NEED_ROOT();
	errno = 0;
	assert_int_equal(tandem_safefs_dir(AT_FDCWD, rootdir, uid, why, sizeof(why)), -1);
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(why, "owned by uid 0"));
	/* A link (an admin's to another disk) to a directory of the user's is fine. */
	snprintf(path, sizeof(path), "%s/link", top);
	assert_int_equal(symlink(data, path), 0);
	fd = tandem_safefs_dir(AT_FDCWD, path, uid, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(data, 0770), 0);
	assert_int_equal(tandem_safefs_dir(AT_FDCWD, data, uid, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by its group"));
	assert_int_equal(chmod(data, 0700), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replace_through_planted_temporary),
		cmocka_unit_test(read_refuses_link_and_foreign_file),
		cmocka_unit_test(create_refuses_planted_name),
		cmocka_unit_test(mkdir_refuses_link_to_root_directory),
		cmocka_unit_test(mkdir_takes_mount_point),
		cmocka_unit_test(dir_checks_what_was_opened),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
