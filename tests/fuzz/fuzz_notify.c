/* fuzz_notify.c --- Pacemaker's notify variables, parsed from any input
 *
 * Input: lines "name=value" standing for OCF_RESKEY_CRM_meta_notify_<name>. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/ocf.h"

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
	struct tandem_ocf_notify n;

	if (text == NULL)
		return 0;
	n_lines = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL && n_lines < 64;
	     line = strtok_r(NULL, "\n", &save))
		lines[n_lines++] = line;
	if (tandem_ocf_notify_parse(getter, &n) == 0) {
		for (size_t i = 0; i < n.all.n; i++)
			(void)tandem_uname_list_has(&n.active, n.all.names[i]);
		tandem_ocf_notify_free(&n);
	}
	free(text);
	return 0;
}
