/* announce.h --- gratuitous ARP, ARP probes and unsolicited neighbour advertisements */
#ifndef TANDEM_ANNOUNCE_H
#define TANDEM_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/deadline.h"
#include "tandem/nl.h"

#define TANDEM_ARP_LEN 28       //!< an Ethernet/IPv4 ARP packet

enum tandem_arp_op { TANDEM_ARP_REQUEST = 1, TANDEM_ARP_REPLY = 2 };

struct tandem_arp {
	uint16_t op;
	uint8_t sha[6];
	struct in_addr spa;
	uint8_t tha[6];
	struct in_addr tpa;
};

/* Builds an Ethernet/IPv4 ARP packet (without the link header). */
void tandem_arp_build(uint8_t buf[TANDEM_ARP_LEN], const struct tandem_arp *arp);
/* Parses one; returns 0, or -1 when it is not Ethernet/IPv4 ARP. */
int tandem_arp_parse(const uint8_t *buf, size_t len, struct tandem_arp *arp);

/* Announces ip on the interface as ours: a gratuitous ARP (request, or
 * reply for switches that ignore requests) for IPv4, an unsolicited
 * neighbour advertisement with the override flag to all nodes for IPv6.
 * Returns 0 or -errno.  IPv4's ARP socket, and the probe's, is one per
 * process and stays open until it ends (announce.c says why). */
int tandem_announce(int ifindex, const uint8_t *mac, size_t mac_len,
		    const struct tandem_ip *ip, bool reply_mode);

/* RFC 5227 probe: asks who has ip (sender address 0.0.0.0) and listens
 * until wait_ms or the deadline.  Returns 1 and fills owner when another
 * host answers for ip, 0 when none did, -errno on failure. */
int tandem_arp_probe(int ifindex, const uint8_t *mac, const struct in_addr *ip,
		     int64_t wait_ms, tandem_deadline deadline, uint8_t owner[6]);

#endif
