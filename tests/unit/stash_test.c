/* stash_test.c --- ocf:tandem:stash's decisions: the guide's state table, row by row, and its parsers */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "stash.h"

static enum stash_health
classify(enum tandem_http_outcome outcome, long status, const char *body)
{
	struct tandem_http_result r = { .outcome = outcome, .status = status, .body = (char *)body,
					.body_len = body != NULL ? strlen(body) : 0 };

	return stash_classify(&r);
}

static void
status_bodies(void **state)
{
	char s[32];
	const char *bad[] = { "", "{}", "[]", "RUNNING", "{\"state\":RUNNING}", "{\"state\":\"running\"}",
			      "{\"state\":\"RUNNING\"", "{\"state\":\"RUNNING\"} x", "{\"state\":{\"a\":1}}",
			      "{\"other\":\"RUNNING\"}", "{\"state\":\"RUN\\\"NING\"}", "<html>500</html>",
			      "{\"state\":\"\"}", "{\"state\":\"AVERYLONGSTATEWORDTHATDOESNOTFITATALL\"}",
			      "{\"state\":\"RUNNING\",}", "{,}" };

	(void)state;
	assert_true(stash_parse_state("{\"state\":\"RUNNING\"}", 19, s, sizeof(s)));
	assert_string_equal(s, "RUNNING");
	/* Blanks, and other flat fields, are allowed. */
	assert_true(stash_parse_state(" { \"v\" : 2 , \"state\" : \"FIRST_RUN\" , \"ok\": true }\n", 50, s, sizeof(s)));
	assert_string_equal(s, "FIRST_RUN");
	/* The length given is the end, not a NUL. */
	assert_false(stash_parse_state("{\"state\":\"RUNNING\"}", 10, s, sizeof(s)));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(stash_parse_state(bad[i], strlen(bad[i]), s, sizeof(s)));
}

static void
classification(void **state)
{
	(void)state;
	/* The guide's table of /status responses, row by row. */
	assert_int_equal(classify(TANDEM_HTTP_OK, 200, "{\"state\":\"RUNNING\"}"), STASH_RUNNING);
	assert_int_equal(classify(TANDEM_HTTP_OK, 200, "{\"state\":\"MAINTENANCE\"}"), STASH_MAINTENANCE);
	assert_int_equal(classify(TANDEM_HTTP_OK, 503, "{\"state\":\"STARTING\"}"), STASH_STARTING);
	assert_int_equal(classify(TANDEM_HTTP_OK, 503, "{\"state\":\"STOPPING\"}"), STASH_STOPPING);
	assert_int_equal(classify(TANDEM_HTTP_OK, 200, "{\"state\":\"FIRST_RUN\"}"), STASH_FIRST_RUN);
	assert_int_equal(classify(TANDEM_HTTP_OK, 404, "<html>Not Found</html>"), STASH_UNDEPLOYED);
	assert_int_equal(classify(TANDEM_HTTP_OK, 500, "{\"state\":\"ERROR\"}"), STASH_ERROR);
	assert_int_equal(classify(TANDEM_HTTP_OK, 500, "<html>Tomcat</html>"), STASH_ERROR);
	/* Connection-level outcomes. */
	assert_int_equal(classify(TANDEM_HTTP_REFUSED, 0, NULL), STASH_REFUSED);
	assert_int_equal(classify(TANDEM_HTTP_TIMEOUT, 0, NULL), STASH_TIMEOUT);
	assert_int_equal(classify(TANDEM_HTTP_ERROR, 0, NULL), STASH_UNREACHABLE);
	/* What /status never says. */
	assert_int_equal(classify(TANDEM_HTTP_OK, 302, ""), STASH_REDIRECT);
	assert_int_equal(classify(TANDEM_HTTP_OK, 200, "<html>login</html>"), STASH_BAD_ANSWER);
	assert_int_equal(classify(TANDEM_HTTP_OK, 200, "{\"state\":\"STARTING\"}"), STASH_BAD_ANSWER);
	assert_int_equal(classify(TANDEM_HTTP_OK, 503, "{\"state\":\"RUNNING\"}"), STASH_BAD_ANSWER);
	assert_int_equal(classify(TANDEM_HTTP_OK, 500, "{\"state\":\"RUNNING\"}"), STASH_BAD_ANSWER);
	assert_int_equal(classify(TANDEM_HTTP_OK, 502, "Bad gateway"), STASH_BAD_ANSWER);
	assert_int_equal(classify(TANDEM_HTTP_OK, 200, "{\"state\":\"SOMETHING_NEW\"}"), STASH_BAD_ANSWER);
	assert_string_equal(stash_health_str(STASH_UNDEPLOYED), "404 (not deployed)");
}

struct row {
	enum stash_health h;
	enum stash_phase phase;
	bool jvm;
	int64_t since;
	enum stash_db db;
	bool wait;
	int rc;
};

static void
state_table(void **state)
{
	const int64_t grace = 60;
	const struct row rows[] = {
		/* monitor */
		{ STASH_RUNNING, STASH_PHASE_MONITOR, true, 0, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_MAINTENANCE, STASH_PHASE_MONITOR, true, 0, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_FIRST_RUN, STASH_PHASE_MONITOR, true, 0, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_STARTING, STASH_PHASE_MONITOR, true, 10, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_STOPPING, STASH_PHASE_MONITOR, true, 59, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_STARTING, STASH_PHASE_MONITOR, true, 60, STASH_DB_UNKNOWN, false, 1 },
		{ STASH_STARTING, STASH_PHASE_MONITOR, true, 600, STASH_DB_DOWN, false, 0 },
		{ STASH_ERROR, STASH_PHASE_MONITOR, true, 0, STASH_DB_UNKNOWN, false, 1 },
		{ STASH_ERROR, STASH_PHASE_MONITOR, true, 0, STASH_DB_UP, false, 1 },
		{ STASH_ERROR, STASH_PHASE_MONITOR, true, 0, STASH_DB_DOWN, false, 0 },
		{ STASH_UNDEPLOYED, STASH_PHASE_MONITOR, true, 0, STASH_DB_DOWN, false, 6 },
		{ STASH_REFUSED, STASH_PHASE_MONITOR, true, 0, STASH_DB_DOWN, false, 1 },
		{ STASH_REFUSED, STASH_PHASE_MONITOR, false, 0, STASH_DB_UNKNOWN, false, 7 },
		{ STASH_TIMEOUT, STASH_PHASE_MONITOR, true, 0, STASH_DB_UNKNOWN, false, 1 },
		{ STASH_TIMEOUT, STASH_PHASE_MONITOR, true, 0, STASH_DB_DOWN, false, 0 },
		{ STASH_REDIRECT, STASH_PHASE_MONITOR, true, 0, STASH_DB_UNKNOWN, false, 6 },
		{ STASH_BAD_ANSWER, STASH_PHASE_MONITOR, true, 0, STASH_DB_DOWN, false, 1 },
		{ STASH_UNREACHABLE, STASH_PHASE_MONITOR, false, 0, STASH_DB_UNKNOWN, false, 1 },
		/* start */
		{ STASH_RUNNING, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_MAINTENANCE, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_FIRST_RUN, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, false, 0 },
		{ STASH_STARTING, STASH_PHASE_START, true, 9999, STASH_DB_UNKNOWN, true, 0 },
		{ STASH_STOPPING, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, true, 0 },
		{ STASH_REFUSED, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, true, 0 },
		{ STASH_REFUSED, STASH_PHASE_START, false, 0, STASH_DB_UNKNOWN, false, 1 },
		{ STASH_TIMEOUT, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, true, 0 },
		{ STASH_ERROR, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, false, 1 },
		{ STASH_ERROR, STASH_PHASE_START, true, 0, STASH_DB_DOWN, true, 0 },
		{ STASH_UNDEPLOYED, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, false, 6 },
		{ STASH_REDIRECT, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, false, 6 },
		{ STASH_BAD_ANSWER, STASH_PHASE_START, true, 0, STASH_DB_UNKNOWN, true, 0 },
		/* stop: only the JVM counts */
		{ STASH_STOPPING, STASH_PHASE_STOP, true, 0, STASH_DB_UNKNOWN, true, 0 },
		{ STASH_RUNNING, STASH_PHASE_STOP, false, 0, STASH_DB_UNKNOWN, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct stash_verdict v = stash_decide(rows[i].h, rows[i].phase, rows[i].jvm, rows[i].since, grace,
						      rows[i].db);

		print_message("row %zu: %s\n", i, stash_health_str(rows[i].h));
		assert_int_equal(v.wait, rows[i].wait);
		if (!v.wait)
			assert_int_equal(v.rc, rows[i].rc);
		/* Every failure says why, in one line. */
		if (v.rc != 0 && v.rc != 7) {
			assert_non_null(v.why);
			assert_null(strchr(v.why, '\n'));
		}
	}
	/* The database is asked only where it can change the answer. */
	assert_true(stash_db_matters(STASH_ERROR));
	assert_false(stash_db_matters(STASH_REFUSED));
	assert_false(stash_db_matters(STASH_UNDEPLOYED));
	/* MAINTENANCE is said, FIRST_RUN warned about. */
	assert_int_equal(stash_decide(STASH_FIRST_RUN, STASH_PHASE_MONITOR, true, 0, 60, STASH_DB_UNKNOWN).level,
			 LOG_WARNING);
	assert_non_null(stash_decide(STASH_MAINTENANCE, STASH_PHASE_MONITOR, true, 0, 60, STASH_DB_UNKNOWN).why);
}

static void
jdbc_urls(void **state)
{
	struct stash_jdbc j;
	char why[128];
	const char *bad[] = {
		"", "jdbc:mysql://h/db", "postgresql://h/db", "jdbc:postgresql://", "jdbc:postgresql://:5432/db",
		"jdbc:postgresql://h:0/db", "jdbc:postgresql://h:65536/db", "jdbc:postgresql://h:123456/db",
		"jdbc:postgresql://h:/db", "jdbc:postgresql://[::1/db", "jdbc:postgresql://[]/db",
		"jdbc:postgresql://[zz::1]/db", "jdbc:postgresql://h x/db", "jdbc:postgresql://h;h/db",
		"jdbc:postgresql://a,/db", "jdbc:postgresql://h/d%2", "jdbc:postgresql://h/d%zz",
		"jdbc:postgresql://h/d%0a", "jdbc:postgresql://h/a/b",
		"jdbc:postgresql://h/db?targetServerType=leader",
		"jdbc:postgresql://a,b,c,d,e,f,g,h,i/db",
	};

	(void)state;
	assert_true(stash_parse_jdbc("jdbc:postgresql://db.example:5433/bitbucket", &j, why, sizeof(why)));
	assert_int_equal(j.n_hosts, 1);
	assert_string_equal(j.hosts[0], "db.example");
	assert_string_equal(j.ports[0], "5433");
	assert_string_equal(j.dbname, "bitbucket");
	assert_string_equal(j.target, "any");
	/* The multi-host URL, IPv6 and default ports. */
	assert_true(stash_parse_jdbc("jdbc:postgresql://a:5432,[2001:db8::2],c/db?ssl=true&targetServerType=primary",
				     &j, why, sizeof(why)));
	assert_int_equal(j.n_hosts, 3);
	assert_string_equal(j.hosts[1], "2001:db8::2");
	assert_string_equal(j.ports[1], "5432");
	assert_string_equal(j.hosts[2], "c");
	assert_string_equal(j.target, "read-write");
	assert_true(stash_parse_jdbc("jdbc:postgresql://h/?targetServerType=preferSecondary", &j, why, sizeof(why)));
	assert_string_equal(j.dbname, "");
	assert_string_equal(j.target, "prefer-standby");
	assert_true(stash_parse_jdbc("jdbc:postgresql://h", &j, why, sizeof(why)));
	/* Short forms: the local server. */
	assert_true(stash_parse_jdbc("jdbc:postgresql:stash", &j, why, sizeof(why)));
	assert_string_equal(j.hosts[0], "localhost");
	assert_string_equal(j.dbname, "stash");
	assert_true(stash_parse_jdbc("jdbc:postgresql:/", &j, why, sizeof(why)));
	assert_true(stash_parse_jdbc("jdbc:postgresql://h/my%20db", &j, why, sizeof(why)));
	assert_string_equal(j.dbname, "my db");
	/* Found by fuzz_stash: a bracketed host longer than the buffer. */
	{
		char url[400] = "jdbc:postgresql://[";

		memset(url + strlen(url), ':', 300);
		strcat(url, "]/db");
		assert_false(stash_parse_jdbc(url, &j, why, sizeof(why)));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		print_message("bad: %s\n", bad[i]);
		assert_false(stash_parse_jdbc(bad[i], &j, why, sizeof(why)));
		assert_true(why[0] != '\0');
	}
}

static void
properties(void **state)
{
	/* As Stash wrote stash-config.properties: colons escaped; and the
	 * rest of java.util.Properties' syntax. */
	const char *text = "# written by Stash\n"
			   "! another comment: jdbc.url=wrong\n"
			   "jdbc.driver=org.postgresql.Driver\n"
			   "jdbc.url=jdbc\\:postgresql\\://localhost\\:5432/stash\n"
			   "   spaced  :  value with  spaces  \n"
			   "blank value\n"
			   "cont=a\\\n    b\\\n\tc\n"
			   "esc\\=key=x\\ty\\u0041\\u00e9\n"
			   "dup=1\n"
			   "dup=2\r\n"
			   "empty=\n"
			   "# trailing comment \\\n"
			   "after=comment";
	char *v;

	(void)state;
	v = stash_properties_get(text, "jdbc.url");
	assert_string_equal(v, "jdbc:postgresql://localhost:5432/stash");
	free(v);
	v = stash_properties_get(text, "spaced");
	assert_string_equal(v, "value with  spaces  ");
	free(v);
	v = stash_properties_get(text, "blank");
	assert_string_equal(v, "value");
	free(v);
	v = stash_properties_get(text, "cont");
	assert_string_equal(v, "abc");
	free(v);
	v = stash_properties_get(text, "esc=key");
	assert_string_equal(v, "x\tyA\xc3\xa9");
	free(v);
	v = stash_properties_get(text, "dup");
	assert_string_equal(v, "2");
	free(v);
	v = stash_properties_get(text, "empty");
	assert_string_equal(v, "");
	free(v);
	/* A comment never continues onto the next line. */
	v = stash_properties_get(text, "after");
	assert_string_equal(v, "comment");
	free(v);
	assert_null(stash_properties_get(text, "jdbc.user"));
	assert_null(stash_properties_get("", "x"));
	assert_null(stash_properties_get("x", "y"));
	v = stash_properties_get("x\\", "x");
	assert_string_equal(v, "");
	free(v);
}

/* validate over an installation of scripts and a home in a directory of
 * the test's, with name=value pairs in env (NULL-ended). */
static char where[] = "/tmp/stash_test.XXXXXX";
static char install[300], home[300];
static const char *const *env;

static const char *
getter(const char *name)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i += 2)
		if (strcmp(env[i], name) == 0)
			return env[i + 1];
	if (strcmp(name, "install_dir") == 0)
		return install;
	if (strcmp(name, "home_dir") == 0)
		return home;
	if (strcmp(name, "user") == 0)
		return "root";
	return NULL;
}

static int
validate(const char *const *pairs)
{
	struct tandem_ctx ctx = { 0 };
	char why[256];
	int rc;

	env = pairs;
	assert_int_equal(tandem_params_load(stash_params, STASH_N_PARAMS, getter, &ctx.params, why, sizeof(why)),
			 TANDEM_OCF_SUCCESS);
	rc = stash_validate(&ctx);
	free(ctx.params);
	return rc;
}

/* Issue 28: what this node sees of its installation and of the shared
 * home (not mounted, another owner, a user missing) keeps Stash off this
 * node alone: ERR_INSTALLED, never the fatal 6 it was. */
static void
node_faults_are_not_fatal(void **state)
{
	static const char *const nouser[] = { "user", "no-such-user-tandem", NULL };
	static const char *const db[] = { "db_check", "true", NULL };
	const char *nohome[] = { "home_dir", "/nonexistent/home", NULL };
	char path[400], cmd[2048];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(where));
	snprintf(install, sizeof(install), "%s/install", where);
	snprintf(home, sizeof(home), "%s/home", where);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/bin' '%s' && printf '#!/bin/sh\\n' >'%s/bin/start-bitbucket.sh'"
		 " && cp '%s/bin/start-bitbucket.sh' '%s/bin/stop-bitbucket.sh' && chmod 755 '%s'/bin/*",
		 install, home, install, install, install, install);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(validate(NULL), TANDEM_OCF_SUCCESS);
	assert_int_equal(validate(nohome), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(validate(nouser), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(validate(db), TANDEM_OCF_ERR_INSTALLED);      /* no bitbucket.properties */
	assert_int_equal(chown(home, 12345, 12345), 0);
	assert_int_equal(validate(NULL), TANDEM_OCF_ERR_INSTALLED);
	snprintf(path, sizeof(path), "rm -rf '%s'", where);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_bodies),
		cmocka_unit_test(classification),
		cmocka_unit_test(state_table),
		cmocka_unit_test(jdbc_urls),
		cmocka_unit_test(properties),
		cmocka_unit_test(node_faults_are_not_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
