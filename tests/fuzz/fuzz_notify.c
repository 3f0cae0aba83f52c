/* fuzz_notify.c --- Pacemaker's notify variables, parsed from any input
 *
 * Input: lines "name=value" standing for OCF_RESKEY_CRM_meta_notify_<name>. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "tandem/ocf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_lines_split(data, size);
	struct tandem_ocf_notify n;

	if (text == NULL)
		return 0;
	if (tandem_ocf_notify_parse(fuzz_lines_get, &n) == 0) {
		for (size_t i = 0; i < n.all.n; i++)
			(void)tandem_uname_list_has(&n.active, n.all.names[i]);
		tandem_ocf_notify_free(&n);
	}
	free(text);
	return 0;
}
