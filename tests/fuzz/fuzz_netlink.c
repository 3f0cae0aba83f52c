/* fuzz_netlink.c --- rtnetlink message parsers on any bytes the kernel might send */
#include "config.h"

#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct tandem_nl_addr a;
	struct tandem_nl_link l;
	struct tandem_nl_route r;

	/* mnl_cb_run hands the parsers messages whose nlmsg_len fits the
	 * buffer; the fuzzer controls everything else. */
	if (size < sizeof(*nlh) || size > 65536)
		return 0;
	nlh = malloc(size);
	if (nlh == NULL)
		return 0;
	memcpy(nlh, data, size);
	nlh->nlmsg_len = (uint32_t)size;
	tandem_nl_parse_addr(nlh, &a);
	tandem_nl_parse_link(nlh, &l);
	tandem_nl_parse_route(nlh, &r);
	free(nlh);
	return 0;
}
