/* params_test.c --- the parameter table: loading, every kind of bad value, meta-data */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tandem/ocf.h"
#include "tandem/params.h"

static const char *const modes[] = { "on", "off", "strict", NULL };

static bool
no_spaces(const char *v, char *why, size_t len)
{
	if (strchr(v, ' ') == NULL)
		return true;
	snprintf(why, len, "contains a space");
	return false;
}

enum { P_NAME, P_COUNT, P_FLAG, P_MODE, P_PATH, P_N };
static const struct tandem_param defs[P_N] = {
	[P_NAME] = { "name", TANDEM_PARAM_STRING, NULL, true, true, false, "Name", "The <name> & \"id\"." },
	[P_COUNT] = { "count", TANDEM_PARAM_INTEGER, "5", false, false, true, "Count", "How many.", 0, 10 },
	[P_FLAG] = { "flag", TANDEM_PARAM_BOOLEAN, "false", false, false, false, "Flag", "On or off." },
	[P_MODE] = { "mode", TANDEM_PARAM_SELECT, "on", false, false, false, "Mode", "Which.", .options = modes },
	[P_PATH] = { "path", TANDEM_PARAM_STRING, NULL, false, false, false, "Path", "Where.", .check = no_spaces },
};

/* The "environment" of a case: NULL-terminated name/value pairs. */
static const char *const *env;

static const char *
getter(const char *name)
{
	for (size_t i = 0; env[i] != NULL; i += 2)
		if (strcmp(env[i], name) == 0)
			return env[i + 1];
	return NULL;
}

static int
load(const char *const *pairs, struct tandem_params **p, char *why)
{
	env = pairs;
	*p = NULL;
	return tandem_params_load(defs, P_N, getter, p, why, 256);
}

static void
typical_case(void **state)
{
	const char *pairs[] = { "name", "pg", "count", "7", "flag", "YES", "mode", "strict", NULL };
	struct tandem_params *p;
	char why[256] = "";

	(void)state;
	assert_int_equal(load(pairs, &p, why), TANDEM_OCF_SUCCESS);
	assert_string_equal(tandem_param_str(p, P_NAME), "pg");
	assert_int_equal(tandem_param_int(p, P_COUNT), 7);
	assert_true(tandem_param_bool(p, P_FLAG));
	assert_int_equal(tandem_param_int(p, P_MODE), 2);
	assert_null(tandem_param_str(p, P_PATH));
	assert_true(tandem_param_given(p, P_COUNT));
	assert_false(tandem_param_given(p, P_PATH));
	free(p);
}

static void
defaults_apply(void **state)
{
	const char *pairs[] = { "name", "pg", "count", "", NULL };
	struct tandem_params *p;
	char why[256] = "";

	(void)state;
	assert_int_equal(load(pairs, &p, why), TANDEM_OCF_SUCCESS);
	/* An emptied parameter is unset: the default applies. */
	assert_int_equal(tandem_param_int(p, P_COUNT), 5);
	assert_false(tandem_param_given(p, P_COUNT));
	assert_false(tandem_param_bool(p, P_FLAG));
	assert_string_equal(tandem_param_str(p, P_MODE), "on");
	free(p);
}

struct bad {
	const char *pairs[6];
	const char *why;
};

static void
bad_values(void **state)
{
	static const struct bad cases[] = {
		{ { NULL }, "required parameter \"name\" is not set" },
		{ { "name", "", NULL }, "required parameter \"name\" is not set" },
		{ { "name", "x", "count", "abc", NULL },
		  "invalid value \"abc\" for parameter \"count\": not an integer from 0 to 10" },
		{ { "name", "x", "count", "11", NULL },
		  "invalid value \"11\" for parameter \"count\": not an integer from 0 to 10" },
		{ { "name", "x", "count", "-1", NULL },
		  "invalid value \"-1\" for parameter \"count\": not an integer from 0 to 10" },
		{ { "name", "x", "count", " 3", NULL },
		  "invalid value \" 3\" for parameter \"count\": not an integer from 0 to 10" },
		{ { "name", "x", "count", "3x", NULL },
		  "invalid value \"3x\" for parameter \"count\": not an integer from 0 to 10" },
		{ { "name", "x", "count", "99999999999999999999", NULL },
		  "invalid value \"99999999999999999999\" for parameter \"count\": not an integer from 0 to 10" },
		{ { "name", "x", "flag", "maybe", NULL },
		  "invalid value \"maybe\" for parameter \"flag\": not a boolean (true or false)" },
		{ { "name", "x", "mode", "ON", NULL },
		  "invalid value \"ON\" for parameter \"mode\": expected one of on, off, strict" },
		{ { "name", "x", "path", "a b", NULL },
		  "invalid value \"a b\" for parameter \"path\": contains a space" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tandem_params *p;
		char why[256] = "";

		assert_int_equal(load(cases[i].pairs, &p, why), TANDEM_OCF_ERR_CONFIGURED);
		assert_null(p);
		assert_string_equal(why, cases[i].why);
		assert_null(strchr(why, '\n'));
	}
}

static void
booleans(void **state)
{
	const char *yes[] = { "1", "yes", "TRUE", "On" }, *no[] = { "0", "no", "False", "OFF" };
	bool b;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_true(tandem_parse_bool(yes[i], &b));
		assert_true(b);
		assert_true(tandem_parse_bool(no[i], &b));
		assert_false(b);
	}
	assert_false(tandem_parse_bool("", &b));
	assert_false(tandem_parse_bool("y", &b));
}

static void
metadata_is_escaped_and_complete(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	tandem_params_metadata(f, defs, P_N);
	fclose(f);
	assert_non_null(strstr(buf, "<parameter name=\"name\" unique=\"1\" required=\"1\">"));
	assert_non_null(strstr(buf, "The &lt;name&gt; &amp; &quot;id&quot;."));
	assert_non_null(strstr(buf, "<content type=\"integer\" default=\"5\"/>"));
	assert_non_null(strstr(buf, "<content type=\"boolean\" default=\"false\"/>"));
	/* select is written as a string whose choices are in the text. */
	assert_non_null(strstr(buf, "One of: on, off, strict."));
	assert_non_null(strstr(buf, "<content type=\"string\" default=\"on\"/>"));
	/* Neither schema accepts reloadable="1": it must not be written. */
	assert_null(strstr(buf, "reloadable"));
	assert_null(strstr(buf, "<content type=\"string\" default=\"(null)\""));
	free(buf);
}

static void
absolute_paths(void **state)
{
	char why[64] = "";

	(void)state;
	assert_true(tandem_param_check_absolute("/etc/x", why, sizeof(why)));
	assert_false(tandem_param_check_absolute("etc/x", why, sizeof(why)));
	assert_string_equal(why, "not an absolute path");
	assert_false(tandem_param_check_absolute("", why, sizeof(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(typical_case),
		cmocka_unit_test(defaults_apply),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(booleans),
		cmocka_unit_test(absolute_paths),
		cmocka_unit_test(metadata_is_escaped_and_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
