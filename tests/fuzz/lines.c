/* lines.c --- fuzz input as "name=value" lines, read back by name */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lines.h"

static char *lines[64];
static size_t n_lines;

char *
fuzz_lines_split(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *save = NULL, *line;

	n_lines = 0;
	if (text == NULL)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL && n_lines < 64;
	     line = strtok_r(NULL, "\n", &save))
		lines[n_lines++] = line;
	return text;
}

const char *
fuzz_lines_get(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n_lines; i++)
		if (strncmp(lines[i], name, len) == 0 && lines[i][len] == '=')
			return lines[i] + len + 1;
	return NULL;
}
