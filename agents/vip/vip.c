/* vip.c --- ocf:tandem:vip: the decisions of a virtual IP address */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/announce.h"
#include "tandem/log.h"
#include "tandem/spawn.h"
#include "vip.h"

#define MAX_FOUND 8
#define MAX_ROUTES 256
#define DAD_TICK_MS 100

const char *
vip_state_str(enum vip_state s)
{
	switch (s) {
	case VIP_ABSENT: return "absent";
	case VIP_SERVED: return "served";
	case VIP_TENTATIVE: return "tentative";
	case VIP_ELSEWHERE: return "on another interface";
	case VIP_LINK_DOWN: return "interface down";
	case VIP_NO_CARRIER: return "no carrier";
	case VIP_DAD_FAILED: return "duplicate address";
	}
	return "unknown";
}

int
vip_state_rc(enum vip_state s)
{
	switch (s) {
	case VIP_SERVED:
	case VIP_TENTATIVE: /* answers as soon as DAD ends, which start waits for */
		return TANDEM_OCF_SUCCESS;
	case VIP_ABSENT:
		return TANDEM_OCF_NOT_RUNNING;
	case VIP_ELSEWHERE:
	case VIP_LINK_DOWN:
	case VIP_NO_CARRIER:
	case VIP_DAD_FAILED:
		return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_ERR_GENERIC;
}

enum vip_state
vip_classify(size_t n, const struct tandem_nl_addr *a, const struct tandem_nl_link *link,
	     const char *nic)
{
	if (n == 0)
		return VIP_ABSENT;
	if (nic != NULL && strcmp(link->name, nic) != 0)
		return VIP_ELSEWHERE;
	if (a->flags & IFA_F_DADFAILED)
		return VIP_DAD_FAILED;
	if (!(link->flags & IFF_UP))
		return VIP_LINK_DOWN;
	/* IFF_RUNNING is the operational state: lower layer up, carrier. */
	if (!(link->flags & IFF_RUNNING))
		return VIP_NO_CARRIER;
	if (a->flags & IFA_F_TENTATIVE)
		return VIP_TENTATIVE;
	return VIP_SERVED;
}

bool
vip_parse_netmask(const char *s, int family, unsigned *prefixlen)
{
	long long v;
	struct in_addr mask;

	if (tandem_parse_int(s, 0, family == AF_INET ? 32 : 128, &v)) {
		*prefixlen = (unsigned)v;
		return true;
	}
	if (family == AF_INET && inet_pton(AF_INET, s, &mask) == 1) {
		uint32_t m = ntohl(mask.s_addr);
		unsigned len = 0;

		while (len < 32 && (m & (0x80000000u >> len)))
			len++;
		/* Contiguous ones, then zeros only. */
		if (len < 32 && (m << len) != 0)
			return false;
		*prefixlen = len;
		return true;
	}
	return false;
}

bool
vip_broadcast(const struct tandem_ip *ip, unsigned prefixlen, struct tandem_ip *brd)
{
	uint32_t host;

	if (ip->family != AF_INET || prefixlen >= 31)
		return false;
	host = prefixlen == 0 ? 0xffffffffu : (0xffffffffu >> prefixlen);
	*brd = *ip;
	brd->a.v4.s_addr = htonl(ntohl(ip->a.v4.s_addr) | host);
	return true;
}

enum vip_pick
vip_pick_iface(const struct tandem_nl_route *routes, size_t n, const struct tandem_ip *ip,
	       int nic_index, int *ifindex, unsigned *prefixlen, int *other)
{
	const struct tandem_nl_route *best = NULL;
	bool tie = false;

	for (size_t i = 0; i < n; i++) {
		const struct tandem_nl_route *r = &routes[i];

		/* Only a connected route says which link the network is on;
		 * a route through a gateway (the default one) says nothing. */
		if (r->has_gateway || r->ifindex <= 0 || r->dst_len == 0)
			continue;
		if (nic_index > 0 && r->ifindex != nic_index)
			continue;
		if (!tandem_ip_in_prefix(ip, &r->dst, r->dst_len))
			continue;
		if (best == NULL || r->dst_len > best->dst_len) {
			best = r;
			tie = false;
		} else if (r->dst_len == best->dst_len && r->ifindex != best->ifindex) {
			tie = true;
			*other = r->ifindex;
		}
	}
	if (best == NULL)
		return VIP_PICK_NONE;
	*ifindex = best->ifindex;
	*prefixlen = best->dst_len;
	return tie ? VIP_PICK_AMBIGUOUS : VIP_PICK_OK;
}

/* Everything an action knows about the address and where it lives. */
struct vip {
	struct tandem_ctx *ctx;
	struct tandem_ip ip;
	char ipstr[INET6_ADDRSTRLEN];
	const char *nic;
	struct tandem_nl nl;
	struct tandem_nl_addr found[MAX_FOUND];
	size_t n_found;
	struct tandem_nl_link link;     //!< of found[0]
};

static int
vip_open(struct vip *v, struct tandem_ctx *ctx)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->ctx = ctx;
	tandem_ip_parse(tandem_param_str(ctx->params, VIP_IP), &v->ip);
	tandem_ip_str(&v->ip, v->ipstr, sizeof(v->ipstr));
	v->nic = tandem_param_str(ctx->params, VIP_NIC);
	r = tandem_nl_open(&v->nl, NETLINK_ROUTE);
	if (r != 0) {
		tandem_ocf_exit_reason("could not open a netlink socket: %s", strerror(-r));
		return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_SUCCESS;
}

/* One address dump, and the link of the first match (tandem_reread: a
 * dump the kernel cuts short, ENOBUFS or EINTR, is read again). */
struct addr_reading {
	struct vip *v;
	int r;
};

static bool
read_addrs(void *arg)
{
	struct addr_reading *a = arg;
	struct vip *v = a->v;

	a->r = tandem_nl_addr_find(&v->nl, &v->ip, v->found, MAX_FOUND, &v->n_found, v->ctx->deadline);
	if (a->r == 0 && v->n_found > 0)
		a->r = tandem_nl_link_get(&v->nl, v->found[0].ifindex, NULL, &v->link, v->ctx->deadline);
	return a->r == 0;
}

/* The whole monitor: what read_addrs reads, classified. */
static int
vip_observe(struct vip *v, enum vip_state *state)
{
	struct addr_reading a = { .v = v };

	if (!tandem_reread(v->ctx->deadline, read_addrs, &a, "the node's addresses (rtnetlink)")) {
		tandem_ocf_exit_reason("could not read the addresses of this node: %s", strerror(-a.r));
		return TANDEM_OCF_ERR_GENERIC;
	}
	*state = vip_classify(v->n_found, &v->found[0], &v->link, v->nic);
	return TANDEM_OCF_SUCCESS;
}

/* Says why a state is not "served", once for every action. */
static void
vip_explain(const struct vip *v, enum vip_state s)
{
	switch (s) {
	case VIP_ELSEWHERE:
		tandem_ocf_exit_reason("address %s is on interface \"%s\", not on nic \"%s\"",
				       v->ipstr, v->link.name, v->nic);
		break;
	case VIP_LINK_DOWN:
		tandem_ocf_exit_reason("interface \"%s\" of address %s is down", v->link.name, v->ipstr);
		break;
	case VIP_NO_CARRIER:
		tandem_ocf_exit_reason("interface \"%s\" of address %s has no carrier",
				       v->link.name, v->ipstr);
		break;
	case VIP_DAD_FAILED:
		tandem_ocf_exit_reason("address %s is a duplicate: another host on the link of \"%s\" has it",
				       v->ipstr, v->link.name);
		break;
	default:
		break;
	}
}

static void
vip_close(struct vip *v)
{
	tandem_nl_close(&v->nl);
}

/* True while ip is still on link: an announcement must never claim an
 * address that a stop has removed meanwhile (it would win the address
 * back from its new owner). */
static bool
still_here(const struct tandem_nl_link *link, const struct tandem_ip *ip, tandem_deadline deadline)
{
	struct tandem_nl_addr found[MAX_FOUND];
	struct tandem_nl nl;
	size_t n = 0;
	bool here = false;

	if (tandem_nl_open(&nl, NETLINK_ROUTE) != 0)
		return false;
	if (tandem_nl_addr_find(&nl, ip, found, MAX_FOUND, &n, deadline) == 0)
		for (size_t i = 0; i < n; i++)
			here = here || found[i].ifindex == link->ifindex;
	tandem_nl_close(&nl);
	return here;
}

static void
send_announcements(const struct tandem_nl_link *link, const struct tandem_ip *ip, bool reply,
		   long long count, long long interval_ms, tandem_deadline deadline)
{
	for (long long i = 0; i < count; i++) {
		if (i > 0 && !tandem_deadline_sleep(deadline, interval_ms))
			return;
		if (!still_here(link, ip, deadline))
			return;
		tandem_announce(link->ifindex, link->mac, link->mac_len, ip, reply);
	}
}

/* The first announcement now; the rest too, or from a detached child
 * (arp_bg) so that start returns as soon as the address answers. */
static void
vip_announce(struct vip *v, const struct tandem_nl_link *link, long long count)
{
	const struct tandem_params *p = v->ctx->params;
	bool reply = tandem_param_int(p, VIP_ARP_MODE) == 1;
	long long interval = tandem_param_int(p, VIP_ARP_INTERVAL);
	int r;

	if (count <= 0)
		return;
	if (link->mac_len == 0) {
		tandem_log(LOG_INFO, "interface \"%s\" has no link-layer address: no announcement", link->name);
		return;
	}
	r = tandem_announce(link->ifindex, link->mac, link->mac_len, &v->ip, reply);
	if (r != 0) {
		tandem_log(LOG_WARNING, "could not announce %s on \"%s\": %s", v->ipstr, link->name,
		       strerror(-r));
		return;
	}
	if (count == 1)
		return;
	if (tandem_param_bool(p, VIP_ARP_BG)) {
		/* Outlives the agent, bounded by count * interval; Pacemaker's
		 * kill of the agent's group misses it and it holds none of the
		 * agent's output (execd reads that until it closes). */
		pid_t pid = tandem_fork_detached();

		if (pid == 0) {
			send_announcements(link, &v->ip, reply, count - 1, interval,
					   tandem_deadline_in((count + 1) * interval));
			_exit(0);
		}
		if (pid < 0)
			tandem_log(LOG_WARNING, "could not start the background announcer: %s", strerror(errno));
		return;
	}
	tandem_deadline_sleep(v->ctx->deadline, interval);
	send_announcements(link, &v->ip, reply, count - 1, interval, v->ctx->deadline);
}

struct route_acc {
	struct tandem_nl_route r[MAX_ROUTES];
	size_t n;
};

static void
route_add(const struct tandem_nl_route *r, void *data)
{
	struct route_acc *acc = data;

	if (acc->n < MAX_ROUTES)
		acc->r[acc->n++] = *r;
}

static const char *
ifname(int ifindex, char *buf)
{
	if (if_indextoname((unsigned)ifindex, buf) == NULL)
		snprintf(buf, IF_NAMESIZE, "#%d", ifindex);
	return buf;
}

/* Where the address goes: nic and its link, and the prefix length.
 * Returns an OCF code, with an exit reason on failure. */
static int
vip_placement(struct vip *v, struct tandem_nl_link *link, unsigned *prefixlen)
{
	const struct tandem_params *p = v->ctx->params;
	const char *mask = tandem_param_str(p, VIP_CIDR_NETMASK);
	struct route_acc *acc;
	int ifindex = 0, other = 0, r;
	enum vip_pick pick;
	char n1[IF_NAMESIZE], n2[IF_NAMESIZE];

	if (v->nic != NULL) {
		r = tandem_nl_link_get(&v->nl, 0, v->nic, link, v->ctx->deadline);
		if (r != 0) {
			tandem_ocf_exit_reason("interface \"%s\" (nic) does not exist on this node", v->nic);
			return TANDEM_OCF_ERR_INSTALLED;
		}
		if (mask != NULL)
			return vip_parse_netmask(mask, v->ip.family, prefixlen)
				       ? TANDEM_OCF_SUCCESS : TANDEM_OCF_ERR_CONFIGURED;
	}
	acc = calloc(1, sizeof(*acc));
	if (acc == NULL)
		return TANDEM_OCF_ERR_GENERIC;
	r = tandem_nl_route_dump(&v->nl, v->ip.family, route_add, acc, v->ctx->deadline);
	if (r != 0) {
		free(acc);
		tandem_ocf_exit_reason("could not read the routing table: %s", strerror(-r));
		return TANDEM_OCF_ERR_GENERIC;
	}
	pick = vip_pick_iface(acc->r, acc->n, &v->ip, v->nic != NULL ? link->ifindex : 0,
			      &ifindex, prefixlen, &other);
	free(acc);
	/* The routes are this node's: another node may have the one route
	 * this one lacks, or one interface where this one has two.  So
	 * ERR_INSTALLED, which keeps the address off this node alone (issue
	 * 28: ERR_CONFIGURED would stop it everywhere). */
	switch (pick) {
	case VIP_PICK_NONE:
		if (v->nic != NULL)
			return tandem_ocf_refuse(TANDEM_FAULT_NODE, "no route on \"%s\" covers %s on this node: "
						 "set cidr_netmask", v->nic, v->ipstr);
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "no interface of this node has a route covering %s: "
					 "set nic and cidr_netmask", v->ipstr);
	case VIP_PICK_AMBIGUOUS:
		/* IPaddr2 guessed here (resource-agents #1963, #2001): we ask. */
		return tandem_ocf_refuse(TANDEM_FAULT_NODE, "both \"%s\" and \"%s\" of this node have a route "
					 "covering %s: set nic", ifname(ifindex, n1), ifname(other, n2), v->ipstr);
	case VIP_PICK_OK:
		break;
	}
	if (mask != NULL && !vip_parse_netmask(mask, v->ip.family, prefixlen))
		return TANDEM_OCF_ERR_CONFIGURED;
	if (v->nic != NULL)
		return TANDEM_OCF_SUCCESS;
	r = tandem_nl_link_get(&v->nl, ifindex, NULL, link, v->ctx->deadline);
	if (r != 0) {
		tandem_ocf_exit_reason("could not read interface #%d: %s", ifindex, strerror(-r));
		return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_SUCCESS;
}

int
vip_validate(struct tandem_ctx *ctx)
{
	const struct tandem_params *p = ctx->params;
	const char *mask = tandem_param_str(p, VIP_CIDR_NETMASK);
	const char *brd = tandem_param_str(p, VIP_BROADCAST);
	const char *nic = tandem_param_str(p, VIP_NIC);
	const char *label = tandem_param_str(p, VIP_IFLABEL);
	struct tandem_ip ip, b;
	unsigned prefixlen;

	tandem_ip_parse(tandem_param_str(p, VIP_IP), &ip);
	if (mask != NULL && !vip_parse_netmask(mask, ip.family, &prefixlen)) {
		tandem_ocf_exit_reason("invalid value \"%s\" for parameter \"cidr_netmask\": not a %s",
				       mask, ip.family == AF_INET ? "prefix length 0-32 or dotted netmask"
								  : "prefix length 0-128");
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (brd != NULL && strcmp(brd, "none") != 0
	    && (ip.family != AF_INET || !tandem_ip_parse(brd, &b) || b.family != AF_INET)) {
		tandem_ocf_exit_reason("invalid value \"%s\" for parameter \"broadcast\": %s", brd,
				       ip.family == AF_INET ? "not an IPv4 address or \"none\""
							    : "IPv6 has no broadcast address");
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (nic != NULL && (strlen(nic) >= IFNAMSIZ || strchr(nic, '/') != NULL || strchr(nic, ' ') != NULL)) {
		tandem_ocf_exit_reason("invalid value \"%s\" for parameter \"nic\": not an interface name", nic);
		return TANDEM_OCF_ERR_CONFIGURED;
	}
	if (label != NULL) {
		if (ip.family != AF_INET) {
			tandem_ocf_exit_reason("parameter \"iflabel\" is for IPv4 addresses only");
			return TANDEM_OCF_ERR_CONFIGURED;
		}
		if (nic == NULL || strlen(nic) + 1 + strlen(label) >= IFNAMSIZ) {
			tandem_ocf_exit_reason("parameter \"iflabel\" needs nic, and \"nic:iflabel\" must fit in %d characters",
					       IFNAMSIZ - 1);
			return TANDEM_OCF_ERR_CONFIGURED;
		}
	}
	/* Only this node can say whether nic exists: ERR_INSTALLED keeps the
	 * VIP off this node alone, where ERR_CONFIGURED would ban it from all. */
	if (nic != NULL && if_nametoindex(nic) == 0) {
		tandem_ocf_exit_reason("interface \"%s\" (nic) does not exist on this node", nic);
		return TANDEM_OCF_ERR_INSTALLED;
	}
	return TANDEM_OCF_SUCCESS;
}

int
vip_validate_all(struct tandem_ctx *ctx)
{
	struct tandem_nl_link link;
	unsigned prefixlen;
	struct vip v;
	int rc = vip_open(&v, ctx);

	if (rc != TANDEM_OCF_SUCCESS)
		return rc;
	rc = vip_placement(&v, &link, &prefixlen);
	if (rc == TANDEM_OCF_SUCCESS)
		tandem_log(LOG_INFO, "%s/%u would go on \"%s\"", v.ipstr, prefixlen, link.name);
	vip_close(&v);
	return rc;
}

int
vip_monitor(struct tandem_ctx *ctx)
{
	enum vip_state s;
	struct vip v;
	int rc = vip_open(&v, ctx);

	if (rc == TANDEM_OCF_SUCCESS)
		rc = vip_observe(&v, &s);
	if (rc == TANDEM_OCF_SUCCESS) {
		vip_explain(&v, s);
		rc = vip_state_rc(s);
		if (s == VIP_SERVED && !ctx->probe)
			vip_announce(&v, &v.link, tandem_param_int(ctx->params, VIP_ARP_COUNT_REFRESH));
	}
	vip_close(&v);
	return rc;
}

/* IPv6: wait for duplicate address detection to end.  Returns the state
 * at its end (served, dad failed) or tentative at the deadline. */
static enum vip_state
vip_wait_dad(struct vip *v)
{
	enum vip_state s = VIP_TENTATIVE;

	while (s == VIP_TENTATIVE && tandem_deadline_sleep(v->ctx->deadline, DAD_TICK_MS)) {
		if (vip_observe(v, &s) != TANDEM_OCF_SUCCESS)
			return VIP_TENTATIVE;
	}
	return s;
}

static int
vip_remove_all(struct vip *v)
{
	int rc = TANDEM_OCF_SUCCESS;

	for (size_t i = 0; i < v->n_found; i++) {
		int r = tandem_nl_addr_del(&v->nl, v->found[i].ifindex, &v->ip, v->found[i].prefixlen,
					   v->ctx->deadline);

		if (r != 0) {
			char n[IF_NAMESIZE];

			tandem_ocf_exit_reason("could not remove %s from \"%s\": %s", v->ipstr,
					       ifname(v->found[i].ifindex, n), strerror(-r));
			rc = TANDEM_OCF_ERR_GENERIC;
		}
	}
	return rc;
}

int
vip_start(struct tandem_ctx *ctx)
{
	const struct tandem_params *p = ctx->params;
	struct tandem_nl_addr_opts opts = { .preferred_lft = 0xffffffffu };
	struct tandem_ip brd;
	struct tandem_nl_link link;
	char label[2 * IFNAMSIZ];
	unsigned prefixlen = 0;
	enum vip_state s;
	struct vip v;
	int rc, r;

	rc = vip_open(&v, ctx);
	if (rc != TANDEM_OCF_SUCCESS)
		return rc;
	rc = vip_observe(&v, &s);
	if (rc != TANDEM_OCF_SUCCESS)
		goto out;
	if (s == VIP_SERVED) {
		tandem_log(LOG_INFO, "%s is already on \"%s\"", v.ipstr, v.link.name);
		goto out;
	}
	if (s == VIP_DAD_FAILED) {
		/* Left by an earlier failed start: try again from scratch. */
		vip_remove_all(&v);
	} else if (s != VIP_ABSENT && s != VIP_TENTATIVE) {
		vip_explain(&v, s);
		rc = TANDEM_OCF_ERR_GENERIC;
		goto out;
	}
	rc = vip_placement(&v, &link, &prefixlen);
	if (rc != TANDEM_OCF_SUCCESS)
		goto out;
	if (!(link.flags & IFF_UP) || !(link.flags & IFF_RUNNING)) {
		tandem_ocf_exit_reason("interface \"%s\" is %s: cannot serve %s", link.name,
				       (link.flags & IFF_UP) ? "without carrier" : "down", v.ipstr);
		rc = TANDEM_OCF_ERR_GENERIC;
		goto out;
	}
	if (v.ip.family == AF_INET && s == VIP_ABSENT && tandem_param_int(p, VIP_PROBE_MS) > 0
	    && link.mac_len == 6) {
		uint8_t owner[6];

		r = tandem_arp_probe(link.ifindex, link.mac, &v.ip.a.v4, tandem_param_int(p, VIP_PROBE_MS),
				     ctx->deadline, owner);
		if (r == 1) {
			tandem_ocf_exit_reason("address %s is already in use on the LAN of \"%s\" by %02x:%02x:%02x:%02x:%02x:%02x",
					       v.ipstr, link.name, owner[0], owner[1], owner[2], owner[3],
					       owner[4], owner[5]);
			rc = TANDEM_OCF_ERR_GENERIC;
			goto out;
		}
		if (r < 0)
			tandem_log(LOG_WARNING, "could not probe for %s on \"%s\": %s", v.ipstr, link.name,
			       strerror(-r));
	}
	if (v.ip.family == AF_INET) {
		const char *b = tandem_param_str(p, VIP_BROADCAST);
		const char *l = tandem_param_str(p, VIP_IFLABEL);

		if (b == NULL) {
			if (vip_broadcast(&v.ip, prefixlen, &brd))
				opts.broadcast = &brd;
		} else if (strcmp(b, "none") != 0) {
			tandem_ip_parse(b, &brd);
			opts.broadcast = &brd;
		}
		if (l != NULL) {
			snprintf(label, sizeof(label), "%s:%s", link.name, l);
			opts.label = label;
		}
	} else {
		const char *lft = tandem_param_str(p, VIP_PREFERRED_LFT);
		long long secs;

		opts.nodad = tandem_param_bool(p, VIP_NODAD);
		if (strcmp(lft, "forever") != 0 && tandem_parse_int(lft, 0, 4294967294LL, &secs))
			opts.preferred_lft = (uint32_t)secs;
	}
	opts.noprefixroute = tandem_param_bool(p, VIP_NOPREFIXROUTE);

	r = tandem_nl_addr_add(&v.nl, link.ifindex, &v.ip, prefixlen, &opts, ctx->deadline);
	if (r != 0) {
		tandem_ocf_exit_reason("could not add %s/%u to \"%s\": %s", v.ipstr, prefixlen, link.name,
				       strerror(-r));
		rc = TANDEM_OCF_ERR_GENERIC;
		goto out;
	}
	tandem_log(LOG_INFO, "added %s/%u to \"%s\"", v.ipstr, prefixlen, link.name);
	if (v.ip.family == AF_INET6 && !opts.nodad) {
		s = vip_wait_dad(&v);
		if (s != VIP_SERVED) {
			if (s == VIP_TENTATIVE)
				tandem_ocf_exit_reason("duplicate address detection of %s did not end in time",
						       v.ipstr);
			else
				vip_explain(&v, s);
			vip_remove_all(&v);
			rc = TANDEM_OCF_ERR_GENERIC;
			goto out;
		}
	}
	vip_announce(&v, &link, tandem_param_int(p, VIP_ARP_COUNT));
out:
	vip_close(&v);
	return rc;
}

static void
vip_reset_sockets(struct vip *v)
{
	size_t count = 0;
	int r = tandem_nl_sock_destroy(&v->ip, &count, v->ctx->deadline);

	if (r == -EOPNOTSUPP)
		tandem_log(LOG_WARNING, "this kernel cannot destroy sockets (CONFIG_INET_DIAG_DESTROY): "
		       "connections to %s are left to time out", v->ipstr);
	else if (r != 0)
		tandem_log(LOG_WARNING, "could not reset connections to %s: %s", v->ipstr, strerror(-r));
	else if (count > 0)
		tandem_log(LOG_INFO, "reset %zu connection(s) to %s", count, v->ipstr);
}

int
vip_stop(struct tandem_ctx *ctx)
{
	bool reset = tandem_param_bool(ctx->params, VIP_DESTROY_SOCKETS);
	enum vip_state s;
	struct vip v;
	int rc = vip_open(&v, ctx);

	if (rc == TANDEM_OCF_SUCCESS)
		rc = vip_observe(&v, &s);
	if (rc != TANDEM_OCF_SUCCESS || v.n_found == 0)
		goto out;
	/* Reset while the address still exists, so the resets reach the
	 * clients; again after removal for any connection made meanwhile. */
	if (reset)
		vip_reset_sockets(&v);
	rc = vip_remove_all(&v);
	if (rc == TANDEM_OCF_SUCCESS) {
		tandem_log(LOG_INFO, "removed %s", v.ipstr);
		if (reset)
			vip_reset_sockets(&v);
	}
out:
	vip_close(&v);
	return rc;
}
