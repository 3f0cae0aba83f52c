/* pgdata_test.c --- pg_control read in every format: real files of PostgreSQL 13, 15, 17 and 18, corrupt ones */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "tandem/pgdata.h"
#include "tandem/spawn.h"

static char dir[] = "/tmp/pgdata_test.XXXXXX";
static char data[128];

static int
setup(void **state)
{
	char prog[4200];
	const char *initdb[] = { prog, "-D", data, "--no-sync", "-U", "postgres", "-k", NULL };
	struct tandem_spawn_opts o = { .user = getuid() == 0 ? "postgres" : NULL };
	struct tandem_spawn_result r;
	int ok;

	(void)state;
	snprintf(prog, sizeof(prog), "%s/initdb", helper_pg_bindir());
	if (mkdtemp(dir) == NULL)
		return -1;
	chmod(dir, 0777);
	snprintf(data, sizeof(data), "%s/data", dir);
	ok = tandem_spawn_run(initdb, &o, tandem_deadline_in(60000), &r) == 0 && r.status == 0;
	tandem_spawn_result_free(&r);
	return ok ? 0 : -1;
}

static int
teardown(void **state)
{
	const char *rm[] = { "/bin/rm", "-rf", dir, NULL };

	(void)state;
	return helper_run(rm);
}

static void
fresh_cluster(void **state)
{
	struct tandem_pgcontrol c;
	char why[256];

	(void)state;
	assert_int_equal(tandem_pgcontrol_read(data, &c, why, sizeof(why)), 0);
	assert_int_equal(c.state, TANDEM_PG_SHUTDOWNED);
	assert_int_equal(c.timeline, 1);
	assert_int_equal(c.data_checksum_version, 1); /* initdb -k */
	assert_int_equal(c.wal_segment_size, 16 << 20);
	assert_true(c.checkpoint > 0);
	assert_string_equal(tandem_pg_state_str(c.state), "shut down");
	assert_int_equal(tandem_pgdata_version(data), helper_pg_major());
}

static void
corrupt_and_missing(void **state)
{
	char path[256], buf[8192], why[256];
	struct tandem_pgcontrol c;
	ssize_t n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/global/pg_control", data);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 100);
	assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), 0);
	buf[40] ^= 1;                           /* one bit of the checkpoint LSN */
	assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), -EILSEQ);
	buf[40] ^= 1;
	buf[8] ^= 1;                            /* pg_control_version */
	assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), -EPROTO);
	assert_int_equal(tandem_pgcontrol_parse(buf, 10, &c), -EINVAL);
	assert_int_equal(tandem_pgcontrol_read("/nonexistent", &c, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "could not open \"/nonexistent/global/pg_control\""));
	assert_int_equal(tandem_pgdata_version("/nonexistent"), -1);
}

/* A data directory's owner plants what root then reads: a link to a file
 * of root's, a FIFO that never answers, a file of someone else's. */
/* A clone cut short: the mark its tool writes first, no global/pg_control
 * (written last); never a whole data directory, nor one with no mark. */
static void
clone_cut_short(void **state)
{
	char cut[256], path[300];
	int fd;

	(void)state;
	assert_false(tandem_pgdata_clone_cut_short(data));
	snprintf(cut, sizeof(cut), "%s/cut", dir);
	assert_int_equal(mkdir(cut, 0700), 0);
	assert_false(tandem_pgdata_clone_cut_short(cut));
	snprintf(path, sizeof(path), "%s/global", cut);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_false(tandem_pgdata_clone_cut_short(cut));
	snprintf(path, sizeof(path), "%s/backup_label", cut);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_true(tandem_pgdata_clone_cut_short(cut));    /* pg_basebackup's */
	assert_int_equal(unlink(path), 0);
	/* pgBackRest's, in the tree its restore built; never a backup set in
	 * its repository (backup.manifest beside pg_data/, no global/). */
	snprintf(path, sizeof(path), "%s/backup.manifest", cut);
	assert_int_equal(symlink("/nonexistent", path), 0);   /* only its name counts */
	assert_true(tandem_pgdata_clone_cut_short(cut));
	snprintf(path, sizeof(path), "%s/global", cut);
	assert_int_equal(rmdir(path), 0);
	assert_false(tandem_pgdata_clone_cut_short(cut));
	assert_int_equal(mkdir(path, 0700), 0);
	/* pg_control written: whole, whatever else is there. */
	snprintf(path, sizeof(path), "%s/global/pg_control", cut);
	assert_int_equal(symlink("/nonexistent", path), 0);
	assert_false(tandem_pgdata_clone_cut_short(cut));
	assert_false(tandem_pgdata_clone_cut_short("/nonexistent"));
}

static void
planted_files(void **state)
{
	struct tandem_pgcontrol c;
	char planted[256], path[300], why[512];
	int fd;

	(void)state;
	snprintf(planted, sizeof(planted), "%s/planted", dir);
	assert_int_equal(mkdir(planted, 0700), 0);
	snprintf(path, sizeof(path), "%s/global", planted);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/PG_VERSION", planted);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(tandem_pgdata_version(planted), -1);
	snprintf(path, sizeof(path), "%s/global/pg_control", planted);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(tandem_pgcontrol_read(planted, &c, why, sizeof(why)), -ELOOP);
	assert_non_null(strstr(why, "it is a symbolic link"));
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);        /* the old code blocked here for ever */
	assert_int_equal(tandem_pgcontrol_read(planted, &c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "it is not a regular file"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/PG_VERSION", planted);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(tandem_pgdata_version(planted), -1);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "15\n", 3), 3);
	close(fd);
	assert_int_equal(tandem_pgdata_version(planted), 15);
	/* As root: a file not the directory owner's (a hard link to one of
	 * root's, where protected_hardlinks is off) is not read. */
	if (getuid() == 0) {
		assert_int_equal(chown(planted, 65534, 65534), 0);
		assert_int_equal(tandem_pgdata_version(planted), -1);
	}
}

/* The value pg_controldata printed for label in text ("Label:   value"). */
static const char *
field(const char *text, const char *label)
{
	static char value[128];
	const char *p = strstr(text, label);

	assert_non_null(p);
	p += strlen(label);
	p += strspn(p, " ");
	snprintf(value, sizeof(value), "%.*s", (int)strcspn(p, "\n"), p);
	return value;
}

static void
assert_lsn(const char *text, const char *label, uint64_t got)
{
	uint64_t want;

	assert_true(tandem_lsn_parse(field(text, label), &want));
	assert_int_equal(got, want);
}

/* Real pg_control files from initdb of each major (tests/unit/data/pg_control/make.sh
 * made them, with pg_controldata's reading of each beside it): the parser
 * must read every field as PostgreSQL's own tool does. */
static void
real_files(void **state)
{
	static const char *const names[] = {
		"pg13", "pg13-running", "pg15", "pg15-running",
		"pg17", "pg17-running", "pg18", "pg18-running",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[4096], buf[8192], text[8192];
		struct tandem_pgcontrol c;
		ssize_t n, t;
		int fd;

		snprintf(path, sizeof(path), "%s%s.bin", helper_src("tests/unit/data/pg_control/"), names[i]);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		n = read(fd, buf, sizeof(buf));
		close(fd);
		snprintf(path, sizeof(path), "%s%s.txt", helper_src("tests/unit/data/pg_control/"), names[i]);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		t = read(fd, text, sizeof(text) - 1);
		close(fd);
		assert_true(n == 8192 && t > 0);
		text[t] = '\0';
		print_message("%s\n", names[i]);
		assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), 0);
		assert_int_equal(c.control_version, atoi(field(text, "pg_control version number:")));
		assert_string_equal(tandem_pg_state_str(c.state), field(text, "Database cluster state:"));
		assert_int_equal(c.system_identifier, strtoull(field(text, "Database system identifier:"), NULL, 10));
		assert_lsn(text, "Latest checkpoint location:", c.checkpoint);
		assert_lsn(text, "Latest checkpoint's REDO location:", c.redo);
		assert_int_equal(c.timeline, atoi(field(text, "Latest checkpoint's TimeLineID:")));
		assert_int_equal(c.prev_timeline, atoi(field(text, "Latest checkpoint's PrevTimeLineID:")));
		assert_lsn(text, "Minimum recovery ending location:", c.min_recovery_point);
		assert_int_equal(c.min_recovery_tli, atoi(field(text, "Min recovery ending loc's timeline:")));
		assert_int_equal(c.wal_log_hints, strcmp(field(text, "wal_log_hints setting:"), "on") == 0);
		assert_int_equal(c.wal_segment_size, atoi(field(text, "Bytes per WAL segment:")));
		assert_int_equal(c.data_checksum_version, atoi(field(text, "Data page checksum version:")));
		/* Each format's CRC where that format has it: 18's read as 17's fails. */
		if (c.control_version == 1800) {
			uint32_t v = 1700;

			memcpy(buf + 8, &v, sizeof(v));
			assert_int_equal(tandem_pgcontrol_parse(buf, (size_t)n, &c), -EILSEQ);
		}
	}
}

/* A format this build does not know is refused with a line that names it. */
static void
unknown_format(void **state)
{
	char path[256], buf[8192], why[512];
	struct tandem_pgcontrol c;
	uint32_t v = 1900;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/global/pg_control", data);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8192);
	close(fd);
	memcpy(buf + 8, &v, sizeof(v));
	snprintf(path, sizeof(path), "%s/unknown", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/unknown/global", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/unknown/global/pg_control", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, buf, sizeof(buf)), 8192);
	close(fd);
	snprintf(path, sizeof(path), "%s/unknown", dir);
	assert_int_equal(tandem_pgcontrol_read(path, &c, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "pg_control version 1900"));
	assert_non_null(strstr(why, "PostgreSQL 13 to 18"));
}

/* CRC-32C's check value ("123456789" -> 0xE3069283, RFC 3720 B.4). */
static void
crc32c_check_value(void **state)
{
	(void)state;
	assert_int_equal(tandem_crc32c("123456789", 9), 0xE3069283u);
	assert_int_equal(tandem_crc32c("", 0), 0);
}

/* Where a major's programs are: the newest one installed is found, and
 * so is the one the tests run (an older one beside it, after an upgrade). */
static void
bindir_of_major(void **state)
{
	char dir1[4096];
	int major = tandem_pg_newest_major();

	(void)state;
	assert_true(major >= 13);
	assert_true(major >= helper_pg_major());
	assert_true(tandem_pg_bindir(helper_pg_major(), dir1, sizeof(dir1)));
	assert_true(tandem_pg_bindir(major, dir1, sizeof(dir1)));
	assert_false(tandem_pg_bindir(99, dir1, sizeof(dir1)));
	assert_string_equal(dir1, "/usr/lib/postgresql/99/bin");
}

/* A WAL file marked archived the archiver's way, in the initdb'd
 * cluster's own archive_status: .ready becomes .done, once. */
/* postmaster.pid as PostgreSQL 15 writes it (miscadmin.h's lines), at
 * each status pg_ctl -w tells apart. */
static void
postmaster_status(void **state)
{
	struct tandem_pm_status st;
	const char *head = "10730\n/srv/pg/data\n1796051644\n5432\n/run/postgresql\n\n 10962451   3310413\n";
	char text[256];

	(void)state;
	snprintf(text, sizeof(text), "%sready   \n", head);
	assert_int_equal(tandem_pm_status_parse(text, &st), 0);
	assert_int_equal(st.pid, 10730);
	assert_int_equal(st.started, 1796051644);
	assert_string_equal(st.status, "ready");
	snprintf(text, sizeof(text), "%sstandby \n", head);
	assert_int_equal(tandem_pm_status_parse(text, &st), 0);
	assert_string_equal(st.status, "standby");
	snprintf(text, sizeof(text), "%sstarting\n", head);
	assert_int_equal(tandem_pm_status_parse(text, &st), 0);
	assert_string_equal(st.status, "starting");
	/* Longer than a status: cut, then trimmed (the fuzzer's find). */
	snprintf(text, sizeof(text), "%sabcdefghijklmn opq\n", head);
	assert_int_equal(tandem_pm_status_parse(text, &st), 0);
	assert_string_equal(st.status, "abcdefghijklmn");
	/* Before the postmaster writes line 8 (shared memory not made yet). */
	assert_int_equal(tandem_pm_status_parse("10730\n/srv/pg/data\n1796051644\n5432\n", &st), 0);
	assert_string_equal(st.status, "");
	/* Being written, or not a lock file. */
	assert_int_equal(tandem_pm_status_parse("10730\n", &st), -EINVAL);
	assert_int_equal(tandem_pm_status_parse("", &st), -EINVAL);
	assert_int_equal(tandem_pm_status_parse("x\n/srv\n1796051644\n", &st), -EINVAL);
	assert_int_equal(tandem_pm_status_parse("-5\n/srv\n1796051644\n", &st), -EINVAL);
	assert_int_equal(tandem_pm_status_parse("99999999999\n/srv\n1796051644\n", &st), -EINVAL);
	/* A stopped cluster has none. */
	assert_int_equal(tandem_pm_status_read(data, &st), -ENOENT);
}

/* The newest timeline a WAL file is named for, and a history file read
 * whole (issue 28: the timeline of a standby that is not streaming). */
static void
wal_timeline_and_history(void **state)
{
	char top[192], wal[256], path[320], buf[256];
	const char *files[] = { "000000010000000000000003", "000000020000000000000003",
				"0000000A0000000000000002.partial", "0000000B.history", "00000003000000000000000" };
	const char *history = "1\t0/3000060\tno recovery target specified\n";
	uint32_t tli = 99;
	FILE *f;

	(void)state;
	snprintf(top, sizeof(top), "%s/walt", dir);
	snprintf(wal, sizeof(wal), "%s/pg_wal", top);
	assert_int_equal(mkdir(top, 0700), 0);
	assert_int_equal(tandem_pgdata_wal_timeline(top, &tli), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mkdir(wal, 0700), 0);
	assert_int_equal(tandem_pgdata_wal_timeline(top, &tli), 0);
	assert_int_equal(tli, 0);
	snprintf(path, sizeof(path), "%s/archive_status", wal);
	assert_int_equal(mkdir(path, 0700), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", wal, files[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	/* Only segment names count: not a .partial, a history file, a short name. */
	assert_int_equal(tandem_pgdata_wal_timeline(top, &tli), 0);
	assert_int_equal(tli, 2);
	snprintf(path, sizeof(path), "%s/00000002.history", wal);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(history, f);
	fclose(f);
	assert_int_equal(tandem_pgdata_history_read(top, 2, buf, sizeof(buf)), (ssize_t)strlen(history));
	assert_string_equal(buf, history);
	/* Too long for the buffer: its last line may be cut, so none. */
	assert_int_equal(tandem_pgdata_history_read(top, 2, buf, 10), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(tandem_pgdata_history_read(top, 1, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
}

/* The owner of the data directory: postgres when the tests run as root. */
static uid_t
data_owner(gid_t *gid)
{
	struct stat st;

	assert_int_equal(stat(data, &st), 0);
	if (gid != NULL)
		*gid = st.st_gid;
	return st.st_uid;
}

static void
touch_in(const char *sub, const char *name)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/pg_wal/%s%s", data, sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool
exists_in(const char *sub, const char *name)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/pg_wal/%s%s", data, sub, name);
	return access(path, F_OK) == 0;
}

static void
remove_in(const char *sub, const char *name)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/pg_wal/%s%s", data, sub, name);
	assert_int_equal(unlink(path), 0);
}

static void
mark_archived(void **state)
{
	const char *f = "000000030000000000000006.partial";
	char ready[256], done[256], link[4200], status[4200];
	uid_t uid = data_owner(NULL);

	(void)state;
	snprintf(ready, sizeof(ready), "%s.ready", f);
	snprintf(done, sizeof(done), "%s.done", f);
	touch_in("archive_status/", ready);
	assert_int_equal(tandem_pgdata_mark_archived(data, uid, f), 0);
	assert_false(exists_in("archive_status/", ready));
	assert_true(exists_in("archive_status/", done));
	/* Done meanwhile (by the archiver itself): ENOENT, nothing else. */
	assert_int_equal(tandem_pgdata_mark_archived(data, uid, f), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(exists_in("archive_status/", done));
	remove_in("archive_status/", done);
	/* A name that is not one file of pg_wal. */
	assert_int_equal(tandem_pgdata_mark_archived(data, uid, "../global/pg_control"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tandem_pgdata_mark_archived(data, uid, ""), -1);
	assert_int_equal(errno, EINVAL);
	/* A data directory of another owner: nothing renamed in it. */
	touch_in("archive_status/", ready);
	assert_int_equal(tandem_pgdata_mark_archived(data, uid + 1, f), -1);
	assert_int_equal(errno, EPERM);
	assert_true(exists_in("archive_status/", ready));
	/* archive_status a link planted to elsewhere: refused, never followed. */
	snprintf(status, sizeof(status), "%s/pg_wal/archive_status", data);
	snprintf(link, sizeof(link), "%s/pg_wal/archive_status.real", data);
	assert_int_equal(rename(status, link), 0);
	assert_int_equal(symlink("/tmp", status), 0);
	assert_int_equal(tandem_pgdata_mark_archived(data, uid, f), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(unlink(status), 0);
	assert_int_equal(rename(link, status), 0);
	remove_in("archive_status/", ready);
}

/* Segments of older timelines PostgreSQL marked neither way are marked
 * .done; those it marked, the current timeline's, and what is not a
 * segment file are left as they are. */
static void
mark_older_archived(void **state)
{
	static const char *const wal[] = { "000000040000000000000006", "000000040000000000000007",
					   "000000030000000000000005", "000000070000000000000009",
					   "000000050000000000000008.partial" };
	static const char *const marks[] = { "000000040000000000000007.ready", "000000030000000000000005.done" };
	char first[32], path[4200];
	gid_t gid;
	uid_t uid = data_owner(&gid);
	struct stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(wal) / sizeof(wal[0]); i++)
		touch_in("", wal[i]);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		touch_in("archive_status/", marks[i]);
	snprintf(path, sizeof(path), "%s/pg_wal/000000020000000000000001", data);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	/* initdb's first segment (timeline 1) is one of them. */
	assert_int_equal(tandem_pgdata_mark_older_archived(data, uid, gid, 7, first, sizeof(first)), 2);
	assert_true(strcmp(first, "000000040000000000000006") == 0 || strcmp(first, "000000010000000000000001") == 0);
	assert_true(exists_in("archive_status/", "000000010000000000000001.done"));
	snprintf(path, sizeof(path), "%s/pg_wal/archive_status/000000040000000000000006.done", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, uid);
	assert_false(exists_in("archive_status/", "000000040000000000000007.done"));
	assert_false(exists_in("archive_status/", "000000070000000000000009.done"));
	assert_false(exists_in("archive_status/", "000000020000000000000001.done"));
	assert_false(exists_in("archive_status/", "000000050000000000000008.partial.done"));
	/* Once marked, nothing more to do; timeline 1 has no older one. */
	assert_int_equal(tandem_pgdata_mark_older_archived(data, uid, gid, 7, first, sizeof(first)), 0);
	assert_int_equal(tandem_pgdata_mark_older_archived(data, uid, gid, 1, first, sizeof(first)), 0);
	assert_int_equal(tandem_pgdata_mark_older_archived(data, uid + 1, gid, 7, first, sizeof(first)), -1);
	assert_int_equal(errno, EPERM);
	for (size_t i = 0; i < sizeof(wal) / sizeof(wal[0]); i++)
		remove_in("", wal[i]);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		remove_in("archive_status/", marks[i]);
	remove_in("", "000000020000000000000001");
	remove_in("archive_status/", "000000040000000000000006.done");
	remove_in("archive_status/", "000000010000000000000001.done");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_cluster),
		cmocka_unit_test(corrupt_and_missing),
		cmocka_unit_test(planted_files),
		cmocka_unit_test(clone_cut_short),
		cmocka_unit_test(real_files),
		cmocka_unit_test(unknown_format),
		cmocka_unit_test(crc32c_check_value),
		cmocka_unit_test(bindir_of_major),
		cmocka_unit_test(wal_timeline_and_history),
		cmocka_unit_test(mark_archived),
		cmocka_unit_test(mark_older_archived),
		cmocka_unit_test(postmaster_status),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
