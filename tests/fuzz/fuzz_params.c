/* fuzz_params.c --- the vip parameter table and its checks against any environment
 *
 * Input: lines "name=value"; the agent reads OCF_RESKEY_<name> from them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vip.h"

static char *lines[64];
static size_t n_lines;

static const char *
getter(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n_lines; i++)
		if (strncmp(lines[i], name, len) == 0 && lines[i][len] == '=')
			return lines[i] + len + 1;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *save = NULL, *line;
	struct tandem_params *p = NULL;
	char why[512];

	if (text == NULL)
		return 0;
	n_lines = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL && n_lines < 64;
	     line = strtok_r(NULL, "\n", &save))
		lines[n_lines++] = line;
	if (tandem_params_load(vip_params, VIP_N_PARAMS, getter, &p, why, sizeof(why)) == 0) {
		struct tandem_ctx ctx = { .params = p };

		vip_validate(&ctx);
		free(p);
	}
	free(text);
	return 0;
}
