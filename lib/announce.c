/* announce.c --- gratuitous ARP, ARP probes and unsolicited neighbour advertisements */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tandem/announce.h"
#include "tandem/log.h"

void
tandem_arp_build(uint8_t buf[TANDEM_ARP_LEN], const struct tandem_arp *arp)
{
	uint16_t v;

	v = htons(ARPHRD_ETHER);
	memcpy(buf, &v, 2);
	v = htons(ETHERTYPE_IP);
	memcpy(buf + 2, &v, 2);
	buf[4] = 6;
	buf[5] = 4;
	v = htons(arp->op);
	memcpy(buf + 6, &v, 2);
	memcpy(buf + 8, arp->sha, 6);
	memcpy(buf + 14, &arp->spa, 4);
	memcpy(buf + 18, arp->tha, 6);
	memcpy(buf + 24, &arp->tpa, 4);
}

int
tandem_arp_parse(const uint8_t *buf, size_t len, struct tandem_arp *arp)
{
	uint16_t hrd, pro, op;

	if (len < TANDEM_ARP_LEN)
		return -1;
	memcpy(&hrd, buf, 2);
	memcpy(&pro, buf + 2, 2);
	memcpy(&op, buf + 6, 2);
	if (ntohs(hrd) != ARPHRD_ETHER || ntohs(pro) != ETHERTYPE_IP || buf[4] != 6 || buf[5] != 4)
		return -1;
	arp->op = ntohs(op);
	if (arp->op != TANDEM_ARP_REQUEST && arp->op != TANDEM_ARP_REPLY)
		return -1;
	memcpy(arp->sha, buf + 8, 6);
	memcpy(&arp->spa, buf + 14, 4);
	memcpy(arp->tha, buf + 18, 6);
	memcpy(&arp->tpa, buf + 24, 4);
	return 0;
}

/* One ARP socket per process, never bound and never closed here: a
 * packet socket's bind and its release each wait for an RCU grace period
 * (the kernel's synchronize_net(), 8 to 10 ms each here), and a VIP's start
 * is on every failover's path.  Unbound, it receives ARP from every
 * interface (the probe keeps its own interface's) and sends to the one
 * each sendto names.  It is released when the last process holding it
 * ends: the background announcer a start forks, not the agent. */
static int
arp_socket(void)
{
	static int fd = -1;

	if (fd < 0) {
		fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
		if (fd < 0)
			return -errno;
	}
	return fd;
}

static int
arp_send(int fd, int ifindex, const struct tandem_arp *arp)
{
	uint8_t pkt[TANDEM_ARP_LEN];
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	tandem_arp_build(pkt, arp);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(pkt))
		return -errno;
	return 0;
}

static int
announce_v4(int ifindex, const uint8_t *mac, const struct in_addr *ip, bool reply_mode)
{
	struct tandem_arp arp = { .spa = *ip, .tpa = *ip };
	int fd = arp_socket();

	if (fd < 0)
		return fd;
	memcpy(arp.sha, mac, 6);
	/* A request with target = sender is what every stack updates its
	 * cache from; some switches only learn from replies. */
	arp.op = reply_mode ? TANDEM_ARP_REPLY : TANDEM_ARP_REQUEST;
	if (reply_mode)
		memset(arp.tha, 0xff, 6);
	return arp_send(fd, ifindex, &arp);
}

static int
announce_v6(int ifindex, const uint8_t *mac, size_t mac_len, const struct in6_addr *ip)
{
	struct {
		struct nd_neighbor_advert na;
		struct nd_opt_hdr opt;
		uint8_t lladdr[6];
	} __attribute__((packed)) msg;
	struct sockaddr_in6 src = { .sin6_family = AF_INET6, .sin6_addr = *ip };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	int hops = 255, fd, r = 0;
	unsigned idx = (unsigned)ifindex;

	if (mac_len != 6)
		return -EAFNOSUPPORT;
	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	memset(&msg, 0, sizeof(msg));
	msg.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	/* Override: replace what neighbours cached for the old owner. */
	msg.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	msg.na.nd_na_target = *ip;
	msg.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	msg.opt.nd_opt_len = 1;
	memcpy(msg.lladdr, mac, 6);

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	/* Neighbours drop NAs whose hop limit is not 255 (RFC 4861 7.1.2);
	 * the kernel computes the ICMPv6 checksum of a raw ICMPv6 socket. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) != 0
	    || setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) != 0
	    || bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0
	    || sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&dst, sizeof(dst)) != sizeof(msg))
		r = -errno;
	close(fd);
	return r;
}

int
tandem_announce(int ifindex, const uint8_t *mac, size_t mac_len,
		const struct tandem_ip *ip, bool reply_mode)
{
	if (ip->family == AF_INET) {
		if (mac_len != 6)
			return -EAFNOSUPPORT;
		return announce_v4(ifindex, mac, &ip->a.v4, reply_mode);
	}
	return announce_v6(ifindex, mac, mac_len, &ip->a.v6);
}

int
tandem_arp_probe(int ifindex, const uint8_t *mac, const struct in_addr *ip,
		 int64_t wait_ms, tandem_deadline deadline, uint8_t owner[6])
{
	struct tandem_arp probe = { .op = TANDEM_ARP_REQUEST, .tpa = *ip };
	tandem_deadline until = tandem_deadline_cap(deadline, wait_ms);
	int fd = arp_socket(), r;

	if (fd < 0)
		return fd;
	memcpy(probe.sha, mac, 6);
	r = arp_send(fd, ifindex, &probe);
	while (r == 0 && !tandem_deadline_expired(until)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t buf[256];
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct tandem_arp in;
		ssize_t n;

		if (poll(&pfd, 1, (int)tandem_deadline_left(until)) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0 || from.sll_pkttype == PACKET_OUTGOING || from.sll_ifindex != ifindex)
			continue;
		if (tandem_arp_parse(buf, (size_t)n, &in) != 0)
			continue;
		/* Anyone claiming ip as its sender address owns it (RFC 5227 2.1.1). */
		if (in.spa.s_addr == ip->s_addr && memcmp(in.sha, mac, 6) != 0) {
			memcpy(owner, in.sha, 6);
			r = 1;
		}
	}
	return r;
}
