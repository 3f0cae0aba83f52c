/* announce_test.c --- ARP packets: built as the wire wants, parsed with suspicion */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "tandem/announce.h"

static void
build_then_parse(void **state)
{
	struct tandem_arp a = { .op = TANDEM_ARP_REPLY, .sha = { 2, 0, 0, 0, 0, 1 },
				.tha = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }, b;
	uint8_t pkt[TANDEM_ARP_LEN];
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };

	(void)state;
	inet_pton(AF_INET, "192.0.2.10", &a.spa);
	a.tpa = a.spa;
	tandem_arp_build(pkt, &a);
	/* Ethernet, IPv4, lengths 6 and 4, op 2, in network order. */
	assert_memory_equal(pkt, head, sizeof(head));
	assert_memory_equal(pkt + 14, "\xc0\x00\x02\x0a", 4);
	assert_int_equal(tandem_arp_parse(pkt, sizeof(pkt), &b), 0);
	assert_int_equal(b.op, TANDEM_ARP_REPLY);
	assert_memory_equal(b.sha, a.sha, 6);
	assert_int_equal(b.spa.s_addr, a.spa.s_addr);
	assert_int_equal(b.tpa.s_addr, a.tpa.s_addr);
}

static void
rejects_what_is_not_ethernet_ipv4(void **state)
{
	struct tandem_arp a = { .op = TANDEM_ARP_REQUEST }, b;
	uint8_t pkt[TANDEM_ARP_LEN], bad[TANDEM_ARP_LEN];

	(void)state;
	tandem_arp_build(pkt, &a);
	assert_int_equal(tandem_arp_parse(pkt, sizeof(pkt) - 1, &b), -1);
	memcpy(bad, pkt, sizeof(bad));
	bad[1] = 6;                     /* IEEE 802 */
	assert_int_equal(tandem_arp_parse(bad, sizeof(bad), &b), -1);
	memcpy(bad, pkt, sizeof(bad));
	bad[5] = 16;                    /* protocol length */
	assert_int_equal(tandem_arp_parse(bad, sizeof(bad), &b), -1);
	memcpy(bad, pkt, sizeof(bad));
	bad[7] = 3;                     /* RARP request */
	assert_int_equal(tandem_arp_parse(bad, sizeof(bad), &b), -1);
	assert_int_equal(tandem_arp_parse(pkt, sizeof(pkt), &b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_then_parse),
		cmocka_unit_test(rejects_what_is_not_ethernet_ipv4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
