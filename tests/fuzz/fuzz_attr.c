/* fuzz_attr.c --- attrd_updater's query output, parsed from any input */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/attr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);

	if (text == NULL)
		return 0;
	free(tandem_attr_parse_query(text, NULL));
	free(tandem_attr_parse_query(text, "node1"));
	free(text);
	return 0;
}
