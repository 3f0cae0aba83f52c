/* http_test.c --- HTTP GET against a real server: codes, bodies, redirects, deadlines */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "tandem/http.h"

static pid_t server;
static char base[64];
static char portfile[] = "/tmp/http_test.XXXXXX";

static int
setup(void **state)
{
	const char *argv[] = { "/usr/bin/python3", helper_src("tests/lib/httpd.py"), NULL };
	char port[32];
	int fd = mkstemp(portfile);

	(void)state;
	close(fd);
	server = helper_start(argv, portfile);
	if (!helper_wait_line(portfile, port, sizeof(port), 10000))
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%s", port);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	helper_stop(server);
	unlink(portfile);
	return 0;
}

static void
get(const char *path, int64_t ms, size_t max, struct tandem_http_result *r)
{
	char url[128];

	snprintf(url, sizeof(url), "%s%s", base, path);
	tandem_http_get(url, 1000, max, tandem_deadline_in(ms), r);
}

static void
status_and_body(void **state)
{
	struct tandem_http_result r;

	(void)state;
	get("/ok", 5000, 0, &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"state\":\"RUNNING\"}");
	tandem_http_result_free(&r);
	get("/unavail", 5000, 0, &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_OK);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "{\"state\":\"STARTING\"}");
	tandem_http_result_free(&r);
	get("/nothing-here", 5000, 0, &r);
	assert_int_equal(r.status, 404);
	tandem_http_result_free(&r);
}

static void
redirect_is_reported_not_followed(void **state)
{
	struct tandem_http_result r;

	(void)state;
	get("/redirect", 5000, 0, &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_OK);
	assert_int_equal(r.status, 302);
	assert_string_equal(r.location, "http://192.0.2.1/elsewhere");
	tandem_http_result_free(&r);
}

static void
body_is_capped(void **state)
{
	struct tandem_http_result r;

	(void)state;
	get("/big", 5000, 100, &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 100);
	assert_int_equal(strlen(r.body), 100);
	tandem_http_result_free(&r);
}

static void
hanging_server_times_out(void **state)
{
	struct tandem_http_result r;
	int64_t t0 = tandem_now_ms();

	(void)state;
	get("/hang", 300, 0, &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_TIMEOUT);
	assert_true(r.error[0] != '\0');
	/* The server would hold it an hour; the deadline ends it. */
	assert_true(tandem_now_ms() - t0 < 10000);
	tandem_http_result_free(&r);
}

static void
refused_and_bad_urls(void **state)
{
	struct tandem_http_result r;

	(void)state;
	/* Port 1 on loopback: nothing listens there. */
	tandem_http_get("http://127.0.0.1:1/status", 1000, 0, tandem_deadline_in(5000), &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_REFUSED);
	tandem_http_result_free(&r);
	tandem_http_get("file:///etc/passwd", 1000, 0, tandem_deadline_in(5000), &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_ERROR);
	assert_null(r.body != NULL && r.body_len > 0 ? r.body : NULL);
	tandem_http_result_free(&r);
	tandem_http_get("http://127.0.0.1:1/status", 1000, 0, tandem_deadline_in(0), &r);
	assert_int_equal(r.outcome, TANDEM_HTTP_TIMEOUT);
	tandem_http_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_and_body),
		cmocka_unit_test(redirect_is_reported_not_followed),
		cmocka_unit_test(body_is_capped),
		cmocka_unit_test(hanging_server_times_out),
		cmocka_unit_test(refused_and_bad_urls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
