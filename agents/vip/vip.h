/* vip.h --- ocf:tandem:vip, a virtual IP address: parameters, states, decisions */
#ifndef TANDEM_VIP_H
#define TANDEM_VIP_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/nl.h"
#include "tandem/ocf.h"

/* Parameter indices into vip_params[]. */
enum vip_param {
	VIP_IP,
	VIP_CIDR_NETMASK,
	VIP_BROADCAST,
	VIP_NIC,
	VIP_IFLABEL,
	VIP_NODAD,
	VIP_NOPREFIXROUTE,
	VIP_PREFERRED_LFT,
	VIP_ARP_COUNT,
	VIP_ARP_INTERVAL,
	VIP_ARP_COUNT_REFRESH,
	VIP_ARP_BG,
	VIP_ARP_MODE,
	VIP_PROBE_MS,
	VIP_DESTROY_SOCKETS,
	VIP_N_PARAMS
};

extern const struct tandem_param vip_params[VIP_N_PARAMS];

/* What this node has of the address, as IPaddr2's ip_served() says it. */
enum vip_state {
	VIP_ABSENT,             //!< not configured on this node
	VIP_SERVED,             //!< on the right interface, which is up with carrier
	VIP_TENTATIVE,          //!< IPv6 duplicate address detection under way
	VIP_ELSEWHERE,          //!< on another interface than nic
	VIP_LINK_DOWN,          //!< its interface is administratively down
	VIP_NO_CARRIER,         //!< its interface has lost carrier
	VIP_DAD_FAILED,         //!< IPv6 duplicate address detected
};

const char *vip_state_str(enum vip_state s);

/* The one place a state becomes a monitor's exit code. */
int vip_state_rc(enum vip_state s);

/* Decides the state from the addresses equal to the VIP found on this node
 * (n of them, the first in a) and the link a is on; nic may be NULL. */
enum vip_state vip_classify(size_t n, const struct tandem_nl_addr *a,
			    const struct tandem_nl_link *link, const char *nic);

/* cidr_netmask: a prefix length, or for IPv4 a dotted netmask. */
bool vip_parse_netmask(const char *s, int family, unsigned *prefixlen);

/* The directed broadcast of ip/prefixlen; false for /31 and /32, which
 * have none (RFC 3021). */
bool vip_broadcast(const struct tandem_ip *ip, unsigned prefixlen, struct tandem_ip *brd);

/* Result of looking for the interface that serves ip's network. */
enum vip_pick {
	VIP_PICK_OK,
	VIP_PICK_NONE,          //!< no connected route covers ip
	VIP_PICK_AMBIGUOUS,     //!< several interfaces do, equally well
};

/* Picks, from connected routes (no gateway), the longest prefix covering
 * ip; when nic_index > 0 only routes on that interface count.  Sets
 * *ifindex, *prefixlen, and on ambiguity *other (the second interface). */
enum vip_pick vip_pick_iface(const struct tandem_nl_route *routes, size_t n,
			     const struct tandem_ip *ip, int nic_index,
			     int *ifindex, unsigned *prefixlen, int *other);

/* Actions. */
int vip_validate(struct tandem_ctx *ctx);
int vip_validate_all(struct tandem_ctx *ctx);
int vip_start(struct tandem_ctx *ctx);
int vip_stop(struct tandem_ctx *ctx);
int vip_monitor(struct tandem_ctx *ctx);

#endif
