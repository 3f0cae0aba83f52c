/* ocf_test.c --- action dispatch, exit codes and reasons, notify variables */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tandem/ocf.h"

static struct tandem_ctx seen;
static int hook_rc;
static int action_rc;   /* what the action found */

static int
run_ok(struct tandem_ctx *ctx)
{
	seen = *ctx;
	seen.params = NULL;
	return action_rc;
}

static int
validate_hook(struct tandem_ctx *ctx)
{
	(void)ctx;
	if (hook_rc != TANDEM_OCF_SUCCESS)
		tandem_ocf_exit_reason("hook says %d", hook_rc);
	return hook_rc;
}

static const struct tandem_param params[] = {
	{ "ip", TANDEM_PARAM_STRING, NULL, true, true, false, "IP", "The address." },
};
static const struct tandem_action actions[] = {
	{ "start", run_ok, 20, 0, -1, NULL },
	{ "stop", run_ok, 20, 0, -1, NULL },
	{ "monitor", run_ok, 20, 10, 0, NULL },
	{ "monitor", run_ok, 20, 11, 0, "Promoted" },
	{ "meta-data", NULL, 5, 0, -1, NULL },
};
static const struct tandem_agent agent = {
	"test", "A test agent", "Only for tests.", params, 1, actions, 5, validate_hook,
};

static char captured[4096];
static char capture_path[] = "/tmp/ocf_test.XXXXXX";
static int capture_fd = -1, saved_out = -1, saved_err = -1;

/* Sends stdout and stderr to a file until capture_end() reads it back. */
static void
capture_begin(void)
{
	strcpy(capture_path, "/tmp/ocf_test.XXXXXX");
	capture_fd = mkstemp(capture_path);
	saved_out = dup(1);
	saved_err = dup(2);
	fflush(NULL);
	dup2(capture_fd, 1);
	dup2(capture_fd, 2);
}

static void
capture_end(void)
{
	ssize_t n;

	fflush(NULL);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	lseek(capture_fd, 0, SEEK_SET);
	n = read(capture_fd, captured, sizeof(captured) - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(capture_fd);
	unlink(capture_path);
}

/* Runs tandem_ocf_main with argv, stdout and stderr in captured. */
static int
run(const char *a1, const char *a2)
{
	char *argv[] = { (char *)"test", (char *)a1, (char *)a2, NULL };
	int argc = a1 == NULL ? 1 : a2 == NULL ? 2 : 3;
	int rc;

	capture_begin();
	rc = tandem_ocf_main(&agent, argc, argv);
	capture_end();
	return rc;
}

static int
reset(void **state)
{
	(void)state;
	hook_rc = TANDEM_OCF_SUCCESS;
	action_rc = TANDEM_OCF_RUNNING_PROMOTED;
	memset(&seen, 0, sizeof(seen));
	unsetenv("OCF_RESKEY_ip");
	unsetenv("OCF_RESKEY_CRM_meta_interval");
	unsetenv("OCF_RESKEY_CRM_meta_timeout");
	unsetenv("OCF_CHECK_LEVEL");
	return 0;
}

static void
bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(run(NULL, NULL), TANDEM_OCF_ERR_ARGS);
	assert_non_null(strstr(captured, "usage: test {start|stop|monitor|monitor|meta-data}"));
	assert_int_equal(run("start", "extra"), TANDEM_OCF_ERR_ARGS);
}

static void
unknown_action(void **state)
{
	(void)state;
	setenv("OCF_RESKEY_ip", "x", 1);
	assert_int_equal(run("frob", NULL), TANDEM_OCF_ERR_UNIMPLEMENTED);
	assert_non_null(strstr(captured, "ocf-exit-reason:unsupported action \"frob\"\n"));
	/* meta-data has no run function but is handled first; it never runs
	 * as an action. */
	assert_int_equal(run("meta-data", NULL), TANDEM_OCF_SUCCESS);
}

static void
metadata(void **state)
{
	(void)state;
	assert_int_equal(run("meta-data", NULL), TANDEM_OCF_SUCCESS);
	assert_non_null(strstr(captured, "<resource-agent name=\"test\" version=\"" PACKAGE_VERSION "\">"));
	assert_non_null(strstr(captured, "<version>1.1</version>"));
	assert_non_null(strstr(captured, "<action name=\"monitor\" timeout=\"20s\" interval=\"10s\" depth=\"0\"/>"));
	assert_non_null(strstr(captured, "<action name=\"monitor\" timeout=\"20s\" interval=\"11s\" depth=\"0\" role=\"Promoted\"/>"));
	assert_non_null(strstr(captured, "<action name=\"start\" timeout=\"20s\"/>"));
	assert_non_null(strstr(captured, "<parameter name=\"ip\" unique=\"1\" required=\"1\">"));
}

static void
invalid_configuration_by_action(void **state)
{
	(void)state;
	/* Missing required parameter: fatal for start and recurring monitor,
	 * not running for a probe, nothing to do for stop. */
	assert_int_equal(run("start", NULL), TANDEM_OCF_ERR_CONFIGURED);
	assert_non_null(strstr(captured, "ocf-exit-reason:required parameter \"ip\" is not set\n"));
	assert_int_equal(run("stop", NULL), TANDEM_OCF_SUCCESS);
	assert_int_equal(run("monitor", NULL), TANDEM_OCF_NOT_RUNNING);
	setenv("OCF_RESKEY_CRM_meta_interval", "10000", 1);
	assert_int_equal(run("monitor", NULL), TANDEM_OCF_ERR_CONFIGURED);
	/* The agent's own checks of a value follow the same rule. */
	setenv("OCF_RESKEY_ip", "x", 1);
	hook_rc = TANDEM_OCF_ERR_CONFIGURED;
	assert_int_equal(run("start", NULL), TANDEM_OCF_ERR_CONFIGURED);
	assert_non_null(strstr(captured, "ocf-exit-reason:hook says 6\n"));
	assert_int_equal(run("stop", NULL), TANDEM_OCF_SUCCESS);
	assert_null(seen.action);
}

/* Issue 28: a fault of this node (a directory replaced, a program gone)
 * may come after the instance started, so a stop or a probe still looks
 * for it; start and a recurring monitor get the fault. */
static void
node_fault_stop_and_probe_still_look(void **state)
{
	static const int faults[] = { TANDEM_OCF_ERR_INSTALLED, TANDEM_OCF_ERR_GENERIC };

	(void)state;
	setenv("OCF_RESKEY_ip", "x", 1);
	for (size_t i = 0; i < 2; i++) {
		hook_rc = faults[i];
		memset(&seen, 0, sizeof(seen));
		unsetenv("OCF_RESKEY_CRM_meta_interval");
		assert_int_equal(run("start", NULL), faults[i]);
		assert_null(seen.action);
		/* A stop answers what it found: it could not stop what runs... */
		action_rc = TANDEM_OCF_ERR_GENERIC;
		assert_int_equal(run("stop", NULL), TANDEM_OCF_ERR_GENERIC);
		assert_non_null(seen.action);
		assert_string_equal(seen.action->name, "stop");
		/* ...or it made sure nothing runs. */
		action_rc = TANDEM_OCF_SUCCESS;
		assert_int_equal(run("stop", NULL), TANDEM_OCF_SUCCESS);
		/* A probe reports the primary it finds, not "not running". */
		memset(&seen, 0, sizeof(seen));
		action_rc = TANDEM_OCF_RUNNING_PROMOTED;
		assert_int_equal(run("monitor", NULL), TANDEM_OCF_RUNNING_PROMOTED);
		assert_true(seen.probe);
		action_rc = TANDEM_OCF_NOT_RUNNING;
		assert_int_equal(run("monitor", NULL), TANDEM_OCF_NOT_RUNNING);
		memset(&seen, 0, sizeof(seen));
		setenv("OCF_RESKEY_CRM_meta_interval", "10000", 1);
		assert_int_equal(run("monitor", NULL), faults[i]);
		assert_null(seen.action);
	}
}

static void
fault_codes(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(tandem_ocf_fault_rc(TANDEM_FAULT_PARAM), TANDEM_OCF_ERR_CONFIGURED);
	assert_int_equal(tandem_ocf_fault_rc(TANDEM_FAULT_NODE), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(tandem_ocf_fault_rc(TANDEM_FAULT_STATE), TANDEM_OCF_ERR_GENERIC);
	capture_begin();
	rc = tandem_ocf_refuse(TANDEM_FAULT_NODE, "datadir \"%s\" is root's", "/d");
	capture_end();
	assert_int_equal(rc, TANDEM_OCF_ERR_INSTALLED);
	assert_non_null(strstr(captured, "ocf-exit-reason:datadir \"/d\" is root's\n"));
}

static void
action_context(void **state)
{
	int64_t left;

	(void)state;
	setenv("OCF_RESKEY_ip", "x", 1);
	setenv("OCF_RESKEY_CRM_meta_timeout", "40000", 1);
	setenv("OCF_CHECK_LEVEL", "10", 1);
	assert_int_equal(run("monitor", NULL), TANDEM_OCF_RUNNING_PROMOTED);
	assert_string_equal(seen.action->name, "monitor");
	assert_true(seen.probe);
	assert_int_equal(seen.check_level, 10);
	left = tandem_deadline_left(seen.deadline);
	assert_true(left > 30000 && left <= 36000);
	setenv("OCF_RESKEY_CRM_meta_interval", "5000", 1);
	assert_int_equal(run("monitor", NULL), TANDEM_OCF_RUNNING_PROMOTED);
	assert_false(seen.probe);
	assert_int_equal(seen.interval_ms, 5000);
}

static void
meta_values(void **state)
{
	(void)state;
	setenv("OCF_RESKEY_CRM_meta_timeout", "1500", 1);
	assert_int_equal(tandem_ocf_meta_ms("timeout", 7), 1500);
	setenv("OCF_RESKEY_CRM_meta_timeout", "-3", 1);
	assert_int_equal(tandem_ocf_meta_ms("timeout", 7), 7);
	setenv("OCF_RESKEY_CRM_meta_timeout", "20s", 1);
	assert_int_equal(tandem_ocf_meta_ms("timeout", 7), 7);
	/* Clone counts, as Pacemaker passes them to a promotable clone. */
	setenv("OCF_RESKEY_CRM_meta_clone_max", "3", 1);
	setenv("OCF_RESKEY_CRM_meta_promoted_max", "x", 1);
	assert_int_equal(tandem_ocf_meta_count("clone_max", 1), 3);
	assert_int_equal(tandem_ocf_meta_count("promoted_max", 1), 1);
	assert_int_equal(tandem_ocf_meta_count("clone_node_max", 1), 1);
	unsetenv("OCF_RESKEY_CRM_meta_clone_max");
	unsetenv("OCF_RESKEY_CRM_meta_promoted_max");
	assert_string_equal(tandem_ocf_rc_str(8), "promoted");
	assert_string_equal(tandem_ocf_rc_str(9), "promoted (failed)");
	assert_string_equal(tandem_ocf_rc_str(42), "unknown");
}

static const char *const *notify_env;

static const char *
notify_getter(const char *name)
{
	for (size_t i = 0; notify_env[i] != NULL; i += 2)
		if (strcmp(notify_env[i], name) == 0)
			return notify_env[i + 1];
	return NULL;
}

static void
notify_variables(void **state)
{
	const char *env[] = {
		"type", "pre", "operation", "promote",
		"promote_uname", "node2 ",
		"master_uname", "node1",        /* the old name, still set by Pacemaker 2.1 */
		"unpromoted_uname", " node2  node3\t",
		"all_uname", "node1 node2 node3",
		NULL,
	};
	const char *bad1[] = { "type", "during", "operation", "promote", NULL };
	const char *bad2[] = { "type", "post", NULL };
	struct tandem_ocf_notify n;

	(void)state;
	notify_env = env;
	assert_int_equal(tandem_ocf_notify_parse(notify_getter, &n), 0);
	assert_string_equal(n.type, "pre");
	assert_string_equal(n.operation, "promote");
	assert_int_equal(n.promote.n, 1);
	assert_string_equal(n.promote.names[0], "node2");
	assert_int_equal(n.promoted.n, 1);
	assert_true(tandem_uname_list_has(&n.promoted, "node1"));
	assert_int_equal(n.unpromoted.n, 2);
	assert_true(tandem_uname_list_has(&n.unpromoted, "node3"));
	assert_false(tandem_uname_list_has(&n.unpromoted, "node1"));
	assert_int_equal(n.all.n, 3);
	assert_int_equal(n.stop.n, 0);
	tandem_ocf_notify_free(&n);
	notify_env = bad1;
	assert_int_equal(tandem_ocf_notify_parse(notify_getter, &n), -1);
	notify_env = bad2;
	assert_int_equal(tandem_ocf_notify_parse(notify_getter, &n), -1);
}

static void
exit_reason_is_one_line(void **state)
{
	(void)state;
	capture_begin();
	tandem_ocf_exit_reason("could not \"%s\":\nsecond line", "x");
	capture_end();
	/* The reason, on one line, then the same in the log (stderr target). */
	assert_memory_equal(captured, "ocf-exit-reason:could not \"x\": second line\n",
			    strlen("ocf-exit-reason:could not \"x\": second line\n"));
	assert_non_null(strstr(captured, "error: could not \"x\": second line\n"));
	assert_null(strstr(captured + 1, "ocf-exit-reason:"));
}

static void
seen_for_counts_from_the_first_sighting(void **state)
{
	char dir[] = "/tmp/ocf_test.XXXXXX", path[128];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("HA_RSCTMP", dir, 1);
	setenv("OCF_RESOURCE_INSTANCE", "r1", 1);
	assert_int_equal(tandem_ocf_seen_for("paused", false), -1);
	assert_int_equal(tandem_ocf_seen_for("paused", true), 0);
	/* As if first seen 100 s ago. */
	snprintf(path, sizeof(path), "%s/tandem-r1-paused", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%lld\n", (long long)time(NULL) - 100);
	fclose(f);
	assert_true(tandem_ocf_seen_for("paused", true) >= 100);
	/* Cleared by a call that does not see it: the next sighting starts over. */
	assert_int_equal(tandem_ocf_seen_for("paused", false), -1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(tandem_ocf_seen_for("paused", true), 0);
	unlink(path);
	rmdir(dir);
	unsetenv("HA_RSCTMP");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(bad_arguments, reset),
		cmocka_unit_test_setup(unknown_action, reset),
		cmocka_unit_test_setup(metadata, reset),
		cmocka_unit_test_setup(invalid_configuration_by_action, reset),
		cmocka_unit_test_setup(node_fault_stop_and_probe_still_look, reset),
		cmocka_unit_test(fault_codes),
		cmocka_unit_test_setup(action_context, reset),
		cmocka_unit_test_setup(meta_values, reset),
		cmocka_unit_test(notify_variables),
		cmocka_unit_test(exit_reason_is_one_line),
		cmocka_unit_test(seen_for_counts_from_the_first_sighting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
