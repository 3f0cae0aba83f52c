/* replay.c --- runs a fuzz target over its seed corpus, as a TAP test of make check
 *
 * tests/fuzz/fuzz_<name>_replay reads every file of
 * $abs_top_srcdir/tests/fuzz/corpus/<name>/, so each input a fuzzer ever
 * crashed on stays a regression test, under the sanitizer build too. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	const char *top = getenv("abs_top_srcdir");
	const char *base = strrchr(argv[0], '/');
	char name[64], dir[1024];
	struct dirent **files;
	int n, count = 0;

	(void)argc;
	base = base != NULL ? base + 1 : argv[0];
	if (sscanf(base, "fuzz_%63[a-z]_replay", name) != 1)
		return 99;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top != NULL ? top : ".", name);
	n = scandir(dir, &files, NULL, alphasort);
	if (n < 0) {
		printf("Bail out! no corpus in %s\n", dir);
		return 99;
	}
	for (int i = 0; i < n; i++) {
		char path[2048];
		FILE *f;

		if (files[i]->d_name[0] != '.') {
			static uint8_t buf[1 << 16];
			size_t len;

			snprintf(path, sizeof(path), "%s/%s", dir, files[i]->d_name);
			f = fopen(path, "rb");
			if (f != NULL) {
				len = fread(buf, 1, sizeof(buf), f);
				fclose(f);
				LLVMFuzzerTestOneInput(buf, len);
				printf("ok %d - %s/%s\n", ++count, name, files[i]->d_name);
			}
		}
		free(files[i]);
	}
	free(files);
	printf("1..%d\n", count);
	return count > 0 ? 0 : 99;
}
