/* log_test.c --- libqb logging to the cluster log file, tagged, with HA_debug */
#include "config.h"

#include <dlfcn.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tandem/log.h"
#include "tandem/ocf.h"

static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void
file_target_with_tag(void **state)
{
	char path[] = "/tmp/log_test.XXXXXX";
	int fd = mkstemp(path);
	char *text;
	regex_t re;

	(void)state;
	close(fd);
	setenv("HA_LOGFILE", path, 1);
	setenv("OCF_RESOURCE_INSTANCE", "db-vip", 1);
	unsetenv("HA_debug");
	tandem_log_init("vip");
	tandem_log(LOG_INFO, "visible " TANDEM_XS " detail=1");
	assert_true(tandem_log_file_target() >= 0);
	tandem_log(LOG_DEBUG, "hidden without HA_debug");
	tandem_ocf_exit_reason("reason %d", 7);
	tandem_log_fini();
	text = slurp(path);
	assert_non_null(strstr(text, "tandem-vip(db-vip)"));
	assert_non_null(strstr(text, "info: visible"));
	/* Milliseconds, as Pacemaker's own lines in the same file have: a
	 * failover's steps are read across both (tests/cluster/timeline.awk). */
	assert_int_equal(regcomp(&re, "^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ",
				 REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	assert_non_null(strstr(text, "error: reason 7"));
	assert_null(strstr(text, "hidden"));
	unlink(path);
}

static void
debug_switch(void **state)
{
	char path[] = "/tmp/log_test.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	unsetenv("HA_LOGFILE");
	setenv("PCMK_logfile", path, 1);
	setenv("HA_debug", "1", 1);
	tandem_log_init("vip");
	tandem_log(LOG_DEBUG, "now shown");
	tandem_log_fini();
	assert_non_null(strstr(slurp(path), "debug: now shown"));
	unsetenv("PCMK_logfile");
	unsetenv("HA_debug");
	tandem_log_init("vip");
	assert_int_equal(tandem_log_file_target(), -1);
	tandem_log_fini();
	unlink(path);
}

static void
silent_run_loads_no_libqb(void **state)
{
	(void)state;
	unsetenv("HA_LOGFILE");
	unsetenv("HA_debug");
	tandem_log_init("vip");
	tandem_log(LOG_DEBUG, "filtered out");
	assert_false(tandem_log_enabled(LOG_DEBUG));
	assert_null(dlopen(TANDEM_LIBQB_SONAME, RTLD_NOW | RTLD_NOLOAD));
	tandem_log(LOG_WARNING, "this one loads it");
	void *h = dlopen(TANDEM_LIBQB_SONAME, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(h);
	dlclose(h);
	tandem_log_fini();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(silent_run_loads_no_libqb),
		cmocka_unit_test(file_target_with_tag),
		cmocka_unit_test(debug_switch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
