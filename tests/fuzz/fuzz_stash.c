/* fuzz_stash.c --- what Stash hands the agent: /status bodies, JDBC URLs, properties files */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), state[32], why[128];
	struct tandem_http_result r = { .outcome = TANDEM_HTTP_OK, .status = 200 };
	struct stash_jdbc j;

	/* The body as it came (not NUL-terminated at size). */
	stash_parse_state((const char *)data, size, state, sizeof(state));
	if (text == NULL)
		return 0;
	r.body = text;
	r.body_len = strlen(text);
	for (long status = 200; status <= 600; status += 100) {
		r.status = status == 600 ? 503 : status;
		(void)stash_decide(stash_classify(&r), STASH_PHASE_MONITOR, true, 0, 60, STASH_DB_DOWN);
	}
	if (stash_parse_jdbc(text, &j, why, sizeof(why))) {
		/* Whatever it accepts is safe to hand to libpq as values. */
		for (size_t i = 0; i < j.n_hosts; i++)
			if (j.hosts[i][0] == '\0' || strpbrk(j.hosts[i], " ,'=\\") != NULL)
				abort();
	}
	free(stash_properties_get(text, "jdbc.url"));
	free(stash_properties_get(text, ""));
	free(text);
	return 0;
}
