/* fuzz_packets.c --- ARP packets from the LAN and pidfile contents, from any bytes */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/announce.h"
#include "tandem/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tandem_arp arp;
	char *text;
	pid_t pid;

	tandem_arp_parse(data, size, &arp);
	text = strndup((const char *)data, size);
	if (text != NULL) {
		tandem_pid_parse(text, &pid);
		free(text);
	}
	return 0;
}
