/* nl.c --- rtnetlink and sock_diag through libmnl: addresses, links, routes, sockets */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tandem/log.h"
#include "tandem/nl.h"

#define NL_BUF 32768

bool
tandem_ip_parse(const char *s, struct tandem_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, &ip->a.v4) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &ip->a.v6) == 1) {
		ip->family = AF_INET6;
		return true;
	}
	return false;
}

size_t
tandem_ip_len(const struct tandem_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

bool
tandem_ip_equal(const struct tandem_ip *x, const struct tandem_ip *y)
{
	return x->family == y->family && memcmp(x->a.bytes, y->a.bytes, tandem_ip_len(x)) == 0;
}

bool
tandem_ip_in_prefix(const struct tandem_ip *ip, const struct tandem_ip *net, unsigned prefixlen)
{
	size_t bits = tandem_ip_len(ip) * 8;

	if (ip->family != net->family || prefixlen > bits)
		return false;
	for (unsigned i = 0; i < prefixlen; i++) {
		unsigned byte = i / 8, mask = 0x80u >> (i % 8);

		if ((ip->a.bytes[byte] & mask) != (net->a.bytes[byte] & mask))
			return false;
	}
	return true;
}

const char *
tandem_ip_str(const struct tandem_ip *ip, char *buf, size_t len)
{
	if (inet_ntop(ip->family, ip->a.bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "(invalid)");
	return buf;
}

int
tandem_nl_open(struct tandem_nl *nl, int bus)
{
	memset(nl, 0, sizeof(*nl));
	/* Non-blocking: every read waits in poll() against a deadline. */
	nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (nl->sk == NULL)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return -e;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->bus = bus;
	nl->seq = (unsigned int)tandem_now_ms();
	return 0;
}

void
tandem_nl_close(struct tandem_nl *nl)
{
	if (nl->sk != NULL)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

static const char *
request_name(int bus, uint16_t type)
{
	if (bus == NETLINK_SOCK_DIAG)
		return type == SOCK_DESTROY ? "SOCK_DESTROY" : "SOCK_DIAG_BY_FAMILY";
	switch (type) {
	case RTM_NEWADDR: return "RTM_NEWADDR";
	case RTM_DELADDR: return "RTM_DELADDR";
	case RTM_GETADDR: return "RTM_GETADDR";
	case RTM_GETLINK: return "RTM_GETLINK";
	case RTM_GETROUTE: return "RTM_GETROUTE";
	default: return "netlink request";
	}
}

/* Every request starts from a zeroed buffer: libmnl does not clear the
 * padding after an attribute, which would leak stack bytes to the kernel. */
static struct nlmsghdr *
msg_start(char *buf)
{
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	return mnl_nlmsg_put_header(buf);
}

struct talk_data {
	tandem_nl_cb cb;
	void *data;
};

static int
talk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_data *t = data;

	return t->cb != NULL ? t->cb(nlh, t->data) : MNL_CB_OK;
}

int
tandem_nl_talk(struct tandem_nl *nl, struct nlmsghdr *req, tandem_nl_cb cb, void *data,
	       tandem_deadline deadline)
{
	static char buf[NL_BUF];
	struct talk_data t = { cb, data };
	unsigned int seq = ++nl->seq;
	int fd = mnl_socket_get_fd(nl->sk), r;
	uint16_t type = req->nlmsg_type;

	/* A request abandoned at an earlier deadline may have left its answer
	 * (or the rest of a dump) queued: read it away first. */
	while (mnl_socket_recvfrom(nl->sk, buf, sizeof(buf)) > 0)
		;
	req->nlmsg_seq = seq;
	req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0) {
		r = -errno;
		tandem_log(LOG_ERR, "could not send %s: %s", request_name(nl->bus, type), strerror(-r));
		return r;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = tandem_deadline_left(deadline);
		ssize_t n;

		if (left == 0) {
			tandem_log(LOG_ERR, "no answer to %s before the deadline", request_name(nl->bus, type));
			return -ETIMEDOUT;
		}
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			r = -errno;
			if (r == -ENOBUFS)
				tandem_log(LOG_ERR, "%s: netlink receive buffer overrun " TANDEM_XS
				       " raise net.core.rmem_max", request_name(nl->bus, type));
			return r;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, talk_cb, &t);
		if (r == MNL_CB_STOP)
			return 0;
		if (r == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
	}
}

/* Attribute validation: lengths are checked before any attribute is read. */
struct attr_table {
	const struct nlattr **tb;
	int max;
};

static int
collect_attr(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, (uint16_t)t->max) < 0)
		return MNL_CB_OK; /* newer kernel attribute: ignore */
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/* libmnl walks attributes up to the aligned end of the message: a length
 * that is not a multiple of 4 (never sent by the kernel) would let it read
 * past the message.  Found by fuzz_netlink. */
static bool
msg_ok(const struct nlmsghdr *nlh, size_t hdrlen)
{
	return nlh->nlmsg_len >= mnl_nlmsg_size(hdrlen) && nlh->nlmsg_len == NLMSG_ALIGN(nlh->nlmsg_len);
}

static bool
attr_is(const struct nlattr *a, size_t len)
{
	return a != NULL && mnl_attr_get_payload_len(a) >= len;
}

/* An interface name or label: at most IFNAMSIZ - 1 bytes, always ended,
 * whether or not the kernel's (or a fuzzer's) attribute carries a NUL. */
static void
attr_name(const struct nlattr *a, char name[IFNAMSIZ])
{
	size_t len;

	if (a == NULL)
		return;
	len = mnl_attr_get_payload_len(a);
	if (len > IFNAMSIZ - 1)
		len = IFNAMSIZ - 1;
	memcpy(name, mnl_attr_get_payload(a), len);
	name[strnlen(name, len)] = '\0';
}

static bool
attr_ip(const struct nlattr *a, int family, struct tandem_ip *ip)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (!attr_is(a, len) || (family != AF_INET && family != AF_INET6))
		return false;
	ip->family = family;
	memcpy(ip->a.bytes, mnl_attr_get_payload(a), len);
	return true;
}

int
tandem_nl_parse_addr(const struct nlmsghdr *nlh, struct tandem_nl_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct attr_table t = { tb, IFA_MAX };
	const struct ifaddrmsg *ifa;

	memset(out, 0, sizeof(*out));
	if (!msg_ok(nlh, sizeof(*ifa)))
		return -1;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifa), collect_attr, &t) < 0)
		return -1;
	out->ifindex = (int)ifa->ifa_index;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = ifa->ifa_flags;
	if (attr_is(tb[IFA_FLAGS], 4))
		out->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on
	 * point-to-point links and equal to it elsewhere. */
	if (!attr_ip(tb[IFA_LOCAL], ifa->ifa_family, &out->addr)
	    && !attr_ip(tb[IFA_ADDRESS], ifa->ifa_family, &out->addr))
		return -1;
	attr_name(tb[IFA_LABEL], out->label);
	return 0;
}

int
tandem_nl_parse_link(const struct nlmsghdr *nlh, struct tandem_nl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct attr_table t = { tb, IFLA_MAX };
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	if (!msg_ok(nlh, sizeof(*ifi)))
		return -1;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), collect_attr, &t) < 0)
		return -1;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	out->type = ifi->ifi_type;
	attr_name(tb[IFLA_IFNAME], out->name);
	if (tb[IFLA_ADDRESS] != NULL) {
		size_t len = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);

		if (len > sizeof(out->mac))
			return -1;
		memcpy(out->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), len);
		out->mac_len = len;
	}
	if (attr_is(tb[IFLA_OPERSTATE], 1))
		out->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	return 0;
}

int
tandem_nl_parse_route(const struct nlmsghdr *nlh, struct tandem_nl_route *out)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct attr_table t = { tb, RTA_MAX };
	const struct rtmsg *rtm;

	memset(out, 0, sizeof(*out));
	if (!msg_ok(nlh, sizeof(*rtm)))
		return -1;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -1;
	if (mnl_attr_parse(nlh, sizeof(*rtm), collect_attr, &t) < 0)
		return -1;
	out->family = rtm->rtm_family;
	out->dst_len = rtm->rtm_dst_len;
	if (out->dst_len > (rtm->rtm_family == AF_INET ? 32u : 128u))
		return -1;
	out->scope = rtm->rtm_scope;
	out->type = rtm->rtm_type;
	out->protocol = rtm->rtm_protocol;
	out->table = attr_is(tb[RTA_TABLE], 4) ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	out->dst.family = rtm->rtm_family;
	if (tb[RTA_DST] != NULL && !attr_ip(tb[RTA_DST], rtm->rtm_family, &out->dst))
		return -1;
	out->has_gateway = tb[RTA_GATEWAY] != NULL || tb[RTA_VIA] != NULL;
	if (attr_is(tb[RTA_OIF], 4))
		out->ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return 0;
}

struct find_data {
	const struct tandem_ip *ip;
	struct tandem_nl_addr *out;
	size_t max, n;
};

static int
find_cb(const struct nlmsghdr *nlh, void *data)
{
	struct find_data *f = data;
	struct tandem_nl_addr a;

	if (nlh->nlmsg_type != RTM_NEWADDR || tandem_nl_parse_addr(nlh, &a) != 0)
		return MNL_CB_OK;
	if (tandem_ip_equal(&a.addr, f->ip)) {
		if (f->n < f->max)
			f->out[f->n] = a;
		f->n++;
	}
	return MNL_CB_OK;
}

int
tandem_nl_addr_find(struct tandem_nl *nl, const struct tandem_ip *ip,
		    struct tandem_nl_addr *out, size_t max, size_t *n, tandem_deadline deadline)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf);
	struct ifaddrmsg *ifa;
	struct find_data f = { ip, out, max, 0 };
	int r;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)ip->family;
	r = tandem_nl_talk(nl, nlh, find_cb, &f, deadline);
	*n = f.n < max ? f.n : max;
	return r;
}

static struct nlmsghdr *
addr_msg(char *buf, uint16_t type, uint16_t flags, int ifindex, const struct tandem_ip *ip,
	 unsigned prefixlen)
{
	struct nlmsghdr *nlh = msg_start(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)ip->family;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	return nlh;
}

int
tandem_nl_addr_add(struct tandem_nl *nl, int ifindex, const struct tandem_ip *ip,
		   unsigned prefixlen, const struct tandem_nl_addr_opts *opts,
		   tandem_deadline deadline)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, ip, prefixlen);
	size_t len = tandem_ip_len(ip);
	uint32_t flags = 0;
	bool ok;
	int r;

	ok = mnl_attr_put_check(nlh, sizeof(buf), IFA_LOCAL, len, ip->a.bytes)
	     && mnl_attr_put_check(nlh, sizeof(buf), IFA_ADDRESS, len, ip->a.bytes);
	if (opts != NULL) {
		if (ip->family == AF_INET && opts->broadcast != NULL)
			ok = ok && mnl_attr_put_check(nlh, sizeof(buf), IFA_BROADCAST, 4,
						      opts->broadcast->a.bytes);
		if (ip->family == AF_INET && opts->label != NULL && *opts->label != '\0')
			ok = ok && mnl_attr_put_strz_check(nlh, sizeof(buf), IFA_LABEL, opts->label);
		/* 1. A VIP moves between nodes: when the admin knows it is unique
		 *    (nodad), waiting ~1 s for DAD only delays the failover. */
		if (ip->family == AF_INET6 && opts->nodad)
			flags |= IFA_F_NODAD;
		if (opts->noprefixroute)
			flags |= IFA_F_NOPREFIXROUTE;
		if (opts->preferred_lft != 0xffffffffu) {
			struct ifa_cacheinfo ci = { .ifa_prefered = opts->preferred_lft,
						    .ifa_valid = 0xffffffffu };

			ok = ok && mnl_attr_put_check(nlh, sizeof(buf), IFA_CACHEINFO, sizeof(ci), &ci);
		}
	}
	if (flags != 0)
		ok = ok && mnl_attr_put_u32_check(nlh, sizeof(buf), IFA_FLAGS, flags);
	if (!ok)
		return -EMSGSIZE;
	r = tandem_nl_talk(nl, nlh, NULL, NULL, deadline);
	return r == -EEXIST ? 0 : r;
}

int
tandem_nl_addr_del(struct tandem_nl *nl, int ifindex, const struct tandem_ip *ip,
		   unsigned prefixlen, tandem_deadline deadline)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, 0, ifindex, ip, prefixlen);
	int r;

	mnl_attr_put(nlh, IFA_LOCAL, tandem_ip_len(ip), ip->a.bytes);
	r = tandem_nl_talk(nl, nlh, NULL, NULL, deadline);
	/* Gone already, or its interface is: the state asked for holds. */
	return r == -EADDRNOTAVAIL || r == -ENODEV || r == -ENOENT ? 0 : r;
}

struct link_data {
	struct tandem_nl_link *out;
	bool found;
};

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_data *l = data;

	if (nlh->nlmsg_type == RTM_NEWLINK && tandem_nl_parse_link(nlh, l->out) == 0)
		l->found = true;
	return MNL_CB_OK;
}

int
tandem_nl_link_get(struct tandem_nl *nl, int ifindex, const char *name,
		   struct tandem_nl_link *out, tandem_deadline deadline)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf);
	struct ifinfomsg *ifi;
	struct link_data l = { out, false };
	int r;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex > 0 ? ifindex : 0;
	if (ifindex <= 0) {
		if (name == NULL || strlen(name) >= IFNAMSIZ)
			return -ENODEV;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	/* Only the basic attributes: skip the per-VF and statistics blocks. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 0);
	r = tandem_nl_talk(nl, nlh, link_cb, &l, deadline);
	if (r == 0 && !l.found)
		r = -ENODEV;
	return r;
}

struct route_data {
	void (*cb)(const struct tandem_nl_route *r, void *data);
	void *data;
};

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_data *d = data;
	struct tandem_nl_route r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || tandem_nl_parse_route(nlh, &r) != 0)
		return MNL_CB_OK;
	if (r.table == RT_TABLE_MAIN && r.type == RTN_UNICAST)
		d->cb(&r, d->data);
	return MNL_CB_OK;
}

int
tandem_nl_route_dump(struct tandem_nl *nl, int family,
		     void (*cb)(const struct tandem_nl_route *r, void *data), void *data,
		     tandem_deadline deadline)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf);
	struct route_data d = { cb, data };
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	return tandem_nl_talk(nl, nlh, route_cb, &d, deadline);
}

/* Socket destruction (sock_diag). */

struct diag_sock {
	uint8_t family;
	struct inet_diag_sockid id;
};

struct diag_data {
	const struct tandem_ip *ip;
	struct diag_sock *socks;
	size_t n, cap;
};

static bool
sock_matches(const struct tandem_ip *ip, const struct inet_diag_msg *m)
{
	const uint8_t *src = (const uint8_t *)m->id.idiag_src;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (m->idiag_family == ip->family)
		return memcmp(src, ip->a.bytes, tandem_ip_len(ip)) == 0;
	/* A dual-stack server holds IPv4 connections as ::ffff:a.b.c.d. */
	return ip->family == AF_INET && m->idiag_family == AF_INET6
	       && memcmp(src, mapped, 12) == 0 && memcmp(src + 12, ip->a.bytes, 4) == 0;
}

static int
diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct diag_data *d = data;
	const struct inet_diag_msg *m;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	if (!sock_matches(d->ip, m))
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct diag_sock *ns = realloc(d->socks, ncap * sizeof(*ns));

		if (ns == NULL)
			return MNL_CB_ERROR;
		d->socks = ns;
		d->cap = ncap;
	}
	d->socks[d->n].family = m->idiag_family;
	d->socks[d->n].id = m->id;
	d->n++;
	return MNL_CB_OK;
}

static struct nlmsghdr *
diag_msg(char *buf, uint16_t type, uint16_t flags, uint8_t family)
{
	struct nlmsghdr *nlh = msg_start(buf);
	struct inet_diag_req_v2 *req;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	/* Every state but LISTEN: a listener bound to the address serves again
	 * when the address comes back; connections never do. */
	req->idiag_states = 0xfff & ~(1u << TCP_LISTEN);
	return nlh;
}

int
tandem_nl_sock_destroy(const struct tandem_ip *ip, size_t *count, tandem_deadline deadline)
{
	struct diag_data d = { ip, NULL, 0, 0 };
	struct tandem_nl nl;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint8_t families[2] = { (uint8_t)ip->family, AF_INET6 };
	int r;

	*count = 0;
	r = tandem_nl_open(&nl, NETLINK_SOCK_DIAG);
	if (r != 0)
		return r;
	for (int i = 0; i < (ip->family == AF_INET ? 2 : 1); i++) {
		r = tandem_nl_talk(&nl, diag_msg(buf, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, families[i]),
				   diag_cb, &d, deadline);
		if (r != 0)
			goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct nlmsghdr *nlh = diag_msg(buf, SOCK_DESTROY, 0, d.socks[i].family);
		struct inet_diag_req_v2 *req = mnl_nlmsg_get_payload(nlh);

		req->id = d.socks[i].id;
		req->idiag_states = 0xfff;
		r = tandem_nl_talk(&nl, nlh, NULL, NULL, deadline);
		if (r == -ENOENT) /* closed meanwhile */
			r = 0;
		if (r != 0)
			goto out;
		(*count)++;
	}
out:
	free(d.socks);
	tandem_nl_close(&nl);
	return r;
}
