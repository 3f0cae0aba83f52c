/* nl.h --- rtnetlink and sock_diag through libmnl: addresses, links, routes, sockets */
#ifndef TANDEM_NL_H
#define TANDEM_NL_H

#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/deadline.h"

struct mnl_socket;

/* An IPv4 or IPv6 address. */
struct tandem_ip {
	int family;             //!< AF_INET or AF_INET6
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} a;
};

/* Parses a literal address (no name lookup, no prefix). */
bool tandem_ip_parse(const char *s, struct tandem_ip *ip);
size_t tandem_ip_len(const struct tandem_ip *ip);
bool tandem_ip_equal(const struct tandem_ip *x, const struct tandem_ip *y);
/* True when ip lies within net/prefixlen (same family). */
bool tandem_ip_in_prefix(const struct tandem_ip *ip, const struct tandem_ip *net, unsigned prefixlen);
const char *tandem_ip_str(const struct tandem_ip *ip, char *buf, size_t len);

struct tandem_nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	int bus;
};

/* bus: NETLINK_ROUTE or NETLINK_SOCK_DIAG.  Returns 0 or -errno. */
int tandem_nl_open(struct tandem_nl *nl, int bus);
void tandem_nl_close(struct tandem_nl *nl);

/* One callback per message of a reply; return MNL_CB_OK to go on. */
typedef int (*tandem_nl_cb)(const struct nlmsghdr *nlh, void *data);

/* Sends req with a fresh seq and NLM_F_ACK, and reads the reply to its
 * end (ack, error or NLMSG_DONE) by the deadline.  Returns 0 or -errno
 * (-ETIMEDOUT at the deadline); the kernel's error is logged with the
 * request type. */
int tandem_nl_talk(struct tandem_nl *nl, struct nlmsghdr *req, tandem_nl_cb cb, void *data,
		   tandem_deadline deadline);

struct tandem_nl_addr {
	int ifindex;
	unsigned prefixlen;
	uint32_t flags;         //!< IFA_F_* (IFA_FLAGS when present)
	uint8_t scope;
	struct tandem_ip addr;  //!< IFA_LOCAL, else IFA_ADDRESS
	char label[IFNAMSIZ];
};

struct tandem_nl_link {
	int ifindex;
	char name[IFNAMSIZ];
	unsigned flags;         //!< IFF_* (IFF_UP, IFF_LOWER_UP, IFF_RUNNING)
	unsigned short type;    //!< ARPHRD_*
	uint8_t mac[32];
	size_t mac_len;
	uint8_t operstate;      //!< IF_OPER_*
};

struct tandem_nl_route {
	int family;
	int ifindex;            //!< RTA_OIF, 0 when multipath or none
	unsigned dst_len;
	struct tandem_ip dst;
	bool has_gateway;
	uint8_t scope, type, protocol;
	uint32_t table;
};

/* Message parsers, exposed for tests and fuzzing: each validates every
 * attribute it reads and returns 0, or -1 for a malformed message. */
int tandem_nl_parse_addr(const struct nlmsghdr *nlh, struct tandem_nl_addr *out);
int tandem_nl_parse_link(const struct nlmsghdr *nlh, struct tandem_nl_link *out);
int tandem_nl_parse_route(const struct nlmsghdr *nlh, struct tandem_nl_route *out);

/* Every configured address equal to ip, on any interface: up to max of
 * them in out, their number in *n.  One dump. */
int tandem_nl_addr_find(struct tandem_nl *nl, const struct tandem_ip *ip,
			struct tandem_nl_addr *out, size_t max, size_t *n, tandem_deadline deadline);

struct tandem_nl_addr_opts {
	const struct tandem_ip *broadcast;  //!< IPv4 only, or NULL
	const char *label;                  //!< IPv4 only, or NULL
	bool nodad;                         //!< IPv6: skip duplicate address detection
	bool noprefixroute;
	uint32_t preferred_lft;             //!< seconds; 0xffffffff is forever
};

/* Adds ip/prefixlen to ifindex.  An address already there is success. */
int tandem_nl_addr_add(struct tandem_nl *nl, int ifindex, const struct tandem_ip *ip,
		       unsigned prefixlen, const struct tandem_nl_addr_opts *opts,
		       tandem_deadline deadline);
/* Removes it; an address (or interface) already gone is success. */
int tandem_nl_addr_del(struct tandem_nl *nl, int ifindex, const struct tandem_ip *ip,
		       unsigned prefixlen, tandem_deadline deadline);

/* By index when ifindex > 0, else by name. */
int tandem_nl_link_get(struct tandem_nl *nl, int ifindex, const char *name,
		       struct tandem_nl_link *out, tandem_deadline deadline);

/* Every unicast route of the main table for family, to cb. */
int tandem_nl_route_dump(struct tandem_nl *nl, int family,
			 void (*cb)(const struct tandem_nl_route *r, void *data), void *data,
			 tandem_deadline deadline);

/* Destroys (SOCK_DESTROY) every TCP socket whose local address is ip, so
 * their peers get a reset instead of waiting on a vanished address.
 * *count receives how many.  -EOPNOTSUPP when the kernel lacks
 * CONFIG_INET_DIAG_DESTROY. */
int tandem_nl_sock_destroy(const struct tandem_ip *ip, size_t *count, tandem_deadline deadline);

#endif
