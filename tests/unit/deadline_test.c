/* deadline_test.c --- deadlines from OCF_RESKEY_CRM_meta_timeout */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tandem/deadline.h"

static void
margin_is_bounded(void **state)
{
	(void)state;
	assert_int_equal(tandem_deadline_margin(1000), 200);
	assert_int_equal(tandem_deadline_margin(20000), 2000);
	assert_int_equal(tandem_deadline_margin(600000), 5000);
}

static void
from_env_uses_meta_timeout(void **state)
{
	tandem_deadline d;
	int64_t left;

	(void)state;
	setenv("OCF_RESKEY_CRM_meta_timeout", "30000", 1);
	d = tandem_deadline_from_env(20000);
	left = tandem_deadline_left(d);
	/* 30 s less a 3 s margin: never later than Pacemaker's own timeout. */
	assert_true(left <= 27000 && left > 26000);
	setenv("OCF_RESKEY_CRM_meta_timeout", "junk", 1);
	left = tandem_deadline_left(tandem_deadline_from_env(20000));
	assert_true(left <= 18000 && left > 17000);
	unsetenv("OCF_RESKEY_CRM_meta_timeout");
	left = tandem_deadline_left(tandem_deadline_from_env(10000));
	assert_true(left <= 9000 && left > 8000);
}

static void
cap_and_expiry(void **state)
{
	tandem_deadline far = tandem_deadline_in(60000), c = tandem_deadline_cap(far, 10);

	(void)state;
	assert_true(c.at_ms < far.at_ms);
	assert_true(tandem_deadline_cap(tandem_deadline_in(5), 60000).at_ms <= tandem_now_ms() + 5);
	assert_false(tandem_deadline_expired(far));
	assert_true(tandem_deadline_expired(tandem_deadline_in(0)));
	assert_int_equal(tandem_deadline_left(tandem_deadline_in(-5)), 0);
}

static void
sleep_stops_at_deadline(void **state)
{
	tandem_deadline d = tandem_deadline_in(30);
	int64_t t0 = tandem_now_ms();

	(void)state;
	/* Asked for 10 s, it returns at the 30 ms deadline and says so. */
	assert_false(tandem_deadline_sleep(d, 10000));
	assert_true(tandem_now_ms() - t0 < 5000);
	assert_true(tandem_deadline_sleep(tandem_deadline_in(60000), 1));
}

/* Fails the first `fails` readings, then succeeds. */
static bool
flaky(void *arg)
{
	int *fails = arg;

	return (*fails)-- <= 0;
}

/* Transient versus persistent: a reading that fails once is read again
 * and the verdict is the good one; one that never succeeds fails at the
 * deadline, not before, and not long after. */
static void
reread_transient_and_persistent(void **state)
{
	int fails = 2;
	int64_t t0 = tandem_now_ms();

	(void)state;
	assert_true(tandem_reread(tandem_deadline_in(5000), flaky, &fails, "a test reading"));
	assert_true(tandem_now_ms() - t0 >= 2 * TANDEM_REREAD_MS);
	fails = 1000000;
	t0 = tandem_now_ms();
	assert_false(tandem_reread(tandem_deadline_in(500), flaky, &fails, "a test reading"));
	assert_true(tandem_now_ms() - t0 >= 500);
	/* A good first reading is the only one taken. */
	fails = 0;
	assert_true(tandem_reread(tandem_deadline_in(5000), flaky, &fails, "a test reading"));
	assert_int_equal(fails, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(margin_is_bounded),
		cmocka_unit_test(from_env_uses_meta_timeout),
		cmocka_unit_test(cap_and_expiry),
		cmocka_unit_test(sleep_stops_at_deadline),
		cmocka_unit_test(reread_transient_and_persistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
