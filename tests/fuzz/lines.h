/* lines.h --- fuzz input as "name=value" lines, read back by name */
#ifndef TANDEM_FUZZ_LINES_H
#define TANDEM_FUZZ_LINES_H

#include <stddef.h>
#include <stdint.h>

/* Splits a copy of data into lines; returns the copy (free it), or NULL. */
char *fuzz_lines_split(const uint8_t *data, size_t size);
/* The value of the line "name=value", or NULL: a getter for the parsers. */
const char *fuzz_lines_get(const char *name);

#endif
