/* attr_test.c --- node attributes: the tools' argv, their output, spawning only on change
 *
 * The attribute daemon answers only inside a running cluster; the cluster
 * harness drives the real one.  Here recorder.sh stands in for the two
 * command-line tools to pin down what is asked of them and when. */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tandem/attr.h"

static char dir[] = "/tmp/attr_test.XXXXXX";
static char record[128];

static int
setup(void **state)
{
	char recorder[512];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(record, sizeof(record), "%s/calls", dir);
	snprintf(recorder, sizeof(recorder), "%s/tests/unit/recorder.sh",
		 getenv("abs_top_srcdir") ? getenv("abs_top_srcdir") : ".");
	setenv("TANDEM_ATTRD_UPDATER", recorder, 1);
	setenv("TANDEM_CRM_ATTRIBUTE", recorder, 1);
	setenv("RECORD_FILE", record, 1);
	setenv("HA_RSCTMP", dir, 1);
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld", 1);
	return 0;
}

static int
teardown(void **state)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	(void)state;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	return rmdir(dir);
}

static int
calls(char *last, size_t len)
{
	FILE *f = fopen(record, "r");
	char line[512];
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		snprintf(last, len, "%s", line);
	}
	fclose(f);
	last[strcspn(last, "\n")] = '\0';
	return n;
}

static tandem_deadline
soon(void)
{
	return tandem_deadline_in(10000);
}

static void
parse_query_output(void **state)
{
	const char *out = "name=\"lsn\" host=\"node1\" value=\"0/3000060\"\n"
			  "name=\"lsn\" host=\"node2\" value=\"0/30000D8\"\n";
	char *v;

	(void)state;
	v = tandem_attr_parse_query(out, NULL);
	assert_string_equal(v, "0/3000060");
	free(v);
	v = tandem_attr_parse_query(out, "node2");
	assert_string_equal(v, "0/30000D8");
	free(v);
	assert_null(tandem_attr_parse_query(out, "node"));
	assert_null(tandem_attr_parse_query(out, "node3"));
	assert_null(tandem_attr_parse_query("", NULL));
	assert_null(tandem_attr_parse_query("garbage\n", NULL));
	assert_null(tandem_attr_parse_query("name=\"x\" value=\"", NULL));
	v = tandem_attr_parse_query("name=\"x\" host=\"n\" value=\"\"", "n");
	assert_string_equal(v, "");
	free(v);
}

static void
set_spawns_only_on_change(void **state)
{
	char last[512] = "", why[256] = "";

	(void)state;
	unlink(record);
	assert_int_equal(tandem_attr_set("tandem-lsn", "0/3000060", false, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 1);
	/* Shown, not private: dampened in attrd, value and delay together. */
	assert_string_equal(last, "-n tandem-lsn-pgsqld -B 0/3000060 -d 3s");
	assert_int_equal(tandem_attr_set("tandem-lsn", "0/3000060", false, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 1);
	assert_int_equal(tandem_attr_set("tandem-lsn", "0/4000000", true, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 2);
	assert_string_equal(last, "-n tandem-lsn-pgsqld -U 0/4000000 -p");
	/* After a delete the same value must be written again. */
	assert_int_equal(tandem_attr_delete("tandem-lsn", true, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 3);
	assert_string_equal(last, "-n tandem-lsn-pgsqld -D -p");
	assert_int_equal(tandem_attr_set("tandem-lsn", "0/4000000", true, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 4);
	assert_int_equal(tandem_attr_delete("tandem-shown", false, soon(), why, sizeof(why)), 0);
	assert_string_equal((calls(last, sizeof(last)), last), "-n tandem-shown-pgsqld -D");
}

static void
failures_are_reported_and_not_cached(void **state)
{
	char last[512] = "", why[256] = "";

	(void)state;
	unlink(record);
	setenv("RECORD_STATUS", "1", 1);
	setenv("RECORD_STDERR", "Could not connect to attrd", 1);
	assert_int_equal(tandem_attr_set("x", "1", false, soon(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "failed (status 1): Could not connect to attrd"));
	unsetenv("RECORD_STATUS");
	unsetenv("RECORD_STDERR");
	assert_int_equal(tandem_attr_set("x", "1", false, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 2);
}

static void
get_reads_the_node(void **state)
{
	char last[512] = "", why[256] = "", *v = NULL;

	(void)state;
	unlink(record);
	setenv("RECORD_STDOUT", "name=\"tandem-lsn\" host=\"node2\" value=\"0/5\"", 1);
	assert_int_equal(tandem_attr_get("tandem-lsn", "node2", &v, soon(), why, sizeof(why)), 0);
	assert_string_equal(v, "0/5");
	free(v);
	assert_int_equal(calls(last, sizeof(last)), 1);
	assert_string_equal(last, "-Q -n tandem-lsn-pgsqld -N node2");
	unsetenv("RECORD_STDOUT");
	setenv("RECORD_STATUS", "105", 1);
	setenv("RECORD_STDERR", "Could not query value of tandem-lsn: attribute does not exist", 1);
	setenv("OCF_RESKEY_CRM_meta_on_node", "node7", 1);
	assert_int_equal(tandem_attr_get("tandem-lsn", NULL, &v, soon(), why, sizeof(why)), 0);
	assert_null(v);
	/* This node by name: attrd_updater without -N answers for all. */
	assert_string_equal((calls(last, sizeof(last)), last), "-Q -n tandem-lsn-pgsqld -N node7 [on_node=node7]");
	setenv("RECORD_STDERR", "Connection refused", 1);
	assert_int_equal(tandem_attr_get("tandem-lsn", NULL, &v, soon(), why, sizeof(why)), -1);
	unsetenv("RECORD_STATUS");
	unsetenv("RECORD_STDERR");
	unsetenv("OCF_RESKEY_CRM_meta_on_node");
}

static void
get_all_asks_for_every_node(void **state)
{
	char last[512] = "", why[256] = "", **nodes, **values;
	size_t n;

	(void)state;
	unlink(record);
	/* As Pacemaker runs an agent: the variable naming its node is set,
	 * and must not reach attrd_updater (it would answer for that node
	 * only, and an election would see no other candidate). */
	setenv("OCF_RESKEY_CRM_meta_on_node", "n2", 1);
	setenv("RECORD_STDOUT", "name=\"lsn-pgsqld\" host=\"n1\" value=\"0/5@1\"\n"
				"name=\"lsn-pgsqld\" host=\"n2\" value=\"\"\n"
				"name=\"lsn-pgsqld\" host=\"n3\" value=\"0/6@1\"", 1);
	assert_int_equal(tandem_attr_get_all("lsn", &nodes, &values, &n, soon(), why, sizeof(why)), 0);
	assert_string_equal((calls(last, sizeof(last)), last), "-Q -A -n lsn-pgsqld");
	/* n2's empty value (attrd_updater -D) is no value. */
	assert_int_equal(n, 2);
	assert_string_equal(nodes[0], "n1");
	assert_string_equal(values[1], "0/6@1");
	for (size_t i = 0; i < n; i++) {
		free(nodes[i]);
		free(values[i]);
	}
	free(nodes);
	free(values);
	unsetenv("RECORD_STDOUT");
	unsetenv("OCF_RESKEY_CRM_meta_on_node");
}

static void
promotion_score(void **state)
{
	char last[512] = "", why[256] = "";
	long long score = 0;
	bool set = false;

	(void)state;
	unlink(record);
	assert_int_equal(tandem_promotion_set(1000, soon(), why, sizeof(why)), 0);
	assert_string_equal((calls(last, sizeof(last)), last), "--promotion --lifetime reboot --update 1000");
	assert_int_equal(tandem_promotion_set(1000, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 1);
	setenv("RECORD_STDOUT", "1000", 1);
	assert_int_equal(tandem_promotion_get(&score, &set, soon(), why, sizeof(why)), 0);
	assert_true(set);
	assert_int_equal(score, 1000);
	unsetenv("RECORD_STDOUT");
	assert_int_equal(tandem_promotion_delete(soon(), why, sizeof(why)), 0);
	assert_string_equal((calls(last, sizeof(last)), last), "--promotion --lifetime reboot --delete");
	/* set, cached set, get, delete, set again after the delete. */
	assert_int_equal(tandem_promotion_set(1000, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 4);
}

/* A score has several writers; each one's cache knows only its own
 * writes.  Field fault (issue #17's switchover, CI of session 8): a node
 * promoted again within a minute skipped its own 1001, cached from its
 * last time as primary, while the score was the 999 the other primary
 * had set; pcs then saw its move undone without the constraint. */
static void
promotion_score_other_writers(void **state)
{
	char last[512] = "", why[256] = "";
	long long score = 0;
	bool set = false;

	(void)state;
	unlink(record);
	assert_int_equal(tandem_promotion_set(1001, soon(), why, sizeof(why)), 0);
	assert_int_equal(tandem_promotion_set_node("n2", 999, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 2);
	/* Demoted, then promoted again: both set again, not taken from the cache. */
	tandem_promotion_forget_all();
	assert_int_equal(tandem_promotion_set(1001, soon(), why, sizeof(why)), 0);
	assert_int_equal(tandem_promotion_set_node("n2", 999, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 4);
	assert_string_equal(last, "--promotion --lifetime reboot --update 999 --node n2");
	/* One node forgotten, the others kept. */
	tandem_promotion_forget("n2");
	assert_int_equal(tandem_promotion_set(1001, soon(), why, sizeof(why)), 0);
	assert_int_equal(tandem_promotion_set_node("n2", 999, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 5);
	/* Another resource's cache is not this one's to forget. */
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld2", 1);
	assert_int_equal(tandem_promotion_set(5, soon(), why, sizeof(why)), 0);
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld", 1);
	tandem_promotion_forget_all();
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld2", 1);
	assert_int_equal(tandem_promotion_set(5, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 6);
	/* Nor is resource pgsqld-n2's own score pgsqld's score of node n2. */
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld-n2", 1);
	assert_int_equal(tandem_promotion_set(999, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 7);
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld", 1);
	assert_int_equal(tandem_promotion_set_node("n2", 999, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 8);
	tandem_promotion_forget("n2");
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld-n2", 1);
	assert_int_equal(tandem_promotion_set(999, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 8);
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld", 1);
	/* What a reading finds replaces what this node set: another wrote
	 * -INFINITY, and setting 1 again is sent. */
	assert_int_equal(tandem_promotion_set(1, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 9);
	setenv("RECORD_STDOUT", "-1000000", 1);
	assert_int_equal(tandem_promotion_get(&score, &set, soon(), why, sizeof(why)), 0);
	unsetenv("RECORD_STDOUT");
	assert_true(set);
	assert_int_equal(score, -1000000);
	assert_int_equal(tandem_promotion_set(1, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 11);
	assert_string_equal(last, "--promotion --lifetime reboot --update 1");
	/* And a reading that finds nothing: set again too. */
	assert_int_equal(tandem_promotion_get(&score, &set, soon(), why, sizeof(why)), 0);
	assert_false(set);
	assert_int_equal(tandem_promotion_set(1, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 13);
}

/* Two resources of one agent in one cluster (two PostgreSQL clusters):
 * each has its own attributes, properties and write-on-change cache, so
 * neither reads nor overwrites the other's (resource-agents #591). */
static void
two_resources_of_one_agent(void **state)
{
	char last[512] = "", why[256] = "";

	(void)state;
	unlink(record);
	setenv("OCF_RESOURCE_INSTANCE", "db1", 1);
	assert_int_equal(tandem_attr_set("tandem-pgsql-sync", "sync", false, soon(), why, sizeof(why)), 0);
	assert_string_equal((calls(last, sizeof(last)), last), "-n tandem-pgsql-sync-db1 -B sync -d 3s");
	setenv("OCF_RESOURCE_INSTANCE", "db2", 1);
	/* The same value, for the other resource: written, not taken from db1's cache. */
	assert_int_equal(tandem_attr_set("tandem-pgsql-sync", "sync", false, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 2);
	assert_string_equal(last, "-n tandem-pgsql-sync-db2 -B sync -d 3s");
	assert_int_equal(tandem_attr_set("tandem-pgsql-sync", "sync", false, soon(), why, sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 2);
	assert_int_equal(tandem_cluster_prop_set("tandem-pgsql-commits", "primary=n1", soon(), why, sizeof(why)), 0);
	assert_string_equal((calls(last, sizeof(last)), last),
			    "--type crm_config --name tandem-pgsql-commits-db2 --update primary=n1");
	setenv("OCF_RESOURCE_INSTANCE", "pgsqld", 1);
}

/* A cluster property (the commit record): crm_config, persistent; unset
 * is no value, not a failure; a failed reading is one. */
static void
cluster_property(void **state)
{
	char last[512] = "", why[256] = "", *v = NULL;

	(void)state;
	unlink(record);
	assert_int_equal(tandem_cluster_prop_set("tandem-pgsql-commits", "primary=n1 sync=n2", soon(), why,
						 sizeof(why)), 0);
	assert_int_equal(calls(last, sizeof(last)), 1);
	assert_string_equal(last, "--type crm_config --name tandem-pgsql-commits-pgsqld --update primary=n1 sync=n2");
	setenv("RECORD_STDOUT", "primary=n1 sync=n2", 1);
	assert_int_equal(tandem_cluster_prop_get("tandem-pgsql-commits", &v, soon(), why, sizeof(why)), 0);
	assert_string_equal(v, "primary=n1 sync=n2");
	free(v);
	assert_string_equal((calls(last, sizeof(last)), last),
			    "--type crm_config --name tandem-pgsql-commits-pgsqld --query --quiet");
	unsetenv("RECORD_STDOUT");
	setenv("RECORD_STATUS", "105", 1);
	setenv("RECORD_STDERR", "crm_attribute: Error performing operation: No such device or address", 1);
	assert_int_equal(tandem_cluster_prop_get("tandem-pgsql-commits", &v, soon(), why, sizeof(why)), 0);
	assert_null(v);
	setenv("RECORD_STDERR", "Could not connect to the CIB: Transport endpoint is not connected", 1);
	assert_int_equal(tandem_cluster_prop_get("tandem-pgsql-commits", &v, soon(), why, sizeof(why)), -1);
	assert_null(v);
	assert_non_null(strstr(why, "Transport endpoint"));
	unsetenv("RECORD_STATUS");
	unsetenv("RECORD_STDERR");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_query_output),
		cmocka_unit_test(set_spawns_only_on_change),
		cmocka_unit_test(failures_are_reported_and_not_cached),
		cmocka_unit_test(get_reads_the_node),
		cmocka_unit_test(get_all_asks_for_every_node),
		cmocka_unit_test(promotion_score),
		cmocka_unit_test(promotion_score_other_writers),
		cmocka_unit_test(cluster_property),
		cmocka_unit_test(two_resources_of_one_agent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
