/* pgbouncer_test.c --- ocf:tandem:pgbouncer's validation: which code each refusal gets (issue 28) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pgbouncer.h"

/* The parameters under test, over a configuration that validates:
 * /bin/sh stands in for the program, /dev/null for the files. */
static const char *const *overrides;

static const char *
getter(const char *name)
{
	static const char *const good[] = {
		"pgbouncer", "/bin/sh", "config", "/dev/null", "user", "root",
		"passfile", "/dev/null", NULL,
	};

	for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i += 2)
		if (strcmp(overrides[i], name) == 0)
			return overrides[i + 1];
	for (size_t i = 0; good[i] != NULL; i += 2)
		if (strcmp(good[i], name) == 0)
			return good[i + 1];
	return NULL;
}

static int
validate(const char *const *o)
{
	struct tandem_ctx ctx = { 0 };
	char why[256];
	int rc;

	overrides = o;
	rc = tandem_params_load(pgb_params, PGB_N_PARAMS, getter, &ctx.params, why, sizeof(why));
	if (rc != TANDEM_OCF_SUCCESS)
		return rc;
	rc = pgb_validate(&ctx);
	free(ctx.params);
	return rc;
}

/* What this node lacks keeps PgBouncer off this node alone: ERR_INSTALLED.
 * A value wrong on every node stays ERR_CONFIGURED. */
static void
node_faults_are_not_fatal(void **state)
{
	static const char *const binary[] = { "pgbouncer", "/nonexistent/pgbouncer", NULL };
	static const char *const config[] = { "config", "/nonexistent.ini", NULL };
	static const char *const user[] = { "user", "no-such-user-tandem", NULL };
	static const char *const passfile[] = { "passfile", "/nonexistent", NULL };
	static const char *const pause[] = { "pause_timeout", "0", NULL };

	(void)state;
	assert_int_equal(validate(NULL), TANDEM_OCF_SUCCESS);
	assert_int_equal(validate(binary), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(validate(config), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(validate(user), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(validate(passfile), TANDEM_OCF_ERR_INSTALLED);
	assert_int_equal(validate(pause), TANDEM_OCF_ERR_CONFIGURED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_faults_are_not_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
