/* fuzz_params.c --- the vip parameter table and its checks against any environment
 *
 * Input: lines "name=value"; the agent reads OCF_RESKEY_<name> from them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "vip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_lines_split(data, size);
	struct tandem_params *p = NULL;
	char why[512];

	if (text == NULL)
		return 0;
	if (tandem_params_load(vip_params, VIP_N_PARAMS, fuzz_lines_get, &p, why, sizeof(why)) == 0) {
		struct tandem_ctx ctx = { .params = p };

		vip_validate(&ctx);
		free(p);
	}
	free(text);
	return 0;
}
