/* nl_test.c --- rtnetlink against the real kernel, in a network namespace of the test's own */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "tandem/nl.h"

static struct tandem_nl nl;
static bool have_netns;

static tandem_deadline
soon(void)
{
	return tandem_deadline_in(5000);
}

static int
setup(void **state)
{
	const char *veth[] = { "/sbin/ip", "link", "add", "t0", "type", "veth", "peer", "name", "t1", NULL };
	const char *up0[] = { "/sbin/ip", "link", "set", "t0", "up", NULL };
	const char *up1[] = { "/sbin/ip", "link", "set", "t1", "up", NULL };

	(void)state;
	have_netns = helper_private_network();
	if (!have_netns)
		return 0;
	if (helper_run(veth) != 0 || helper_run(up0) != 0 || helper_run(up1) != 0)
		return -1;
	return tandem_nl_open(&nl, NETLINK_ROUTE);
}

static int
teardown(void **state)
{
	(void)state;
	tandem_nl_close(&nl);
	return 0;
}

static void
links(void **state)
{
	struct tandem_nl_link l;

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(tandem_nl_link_get(&nl, 0, "lo", &l, soon()), 0);
	assert_int_equal(l.ifindex, 1);
	assert_string_equal(l.name, "lo");
	assert_true(l.flags & IFF_UP);
	assert_int_equal(tandem_nl_link_get(&nl, 0, "t0", &l, soon()), 0);
	assert_int_equal(l.mac_len, 6);
	assert_int_equal(tandem_nl_link_get(&nl, (int)if_nametoindex("t0"), NULL, &l, soon()), 0);
	assert_string_equal(l.name, "t0");
	assert_int_equal(tandem_nl_link_get(&nl, 0, "nosuch0", &l, soon()), -ENODEV);
	assert_int_equal(tandem_nl_link_get(&nl, 0, "name-far-too-long-for-linux", &l, soon()), -ENODEV);
}

static void
addresses_add_find_delete(void **state)
{
	struct tandem_nl_addr found[4];
	struct tandem_nl_addr_opts o = { .label = "t0:vip", .preferred_lft = 0xffffffffu };
	struct tandem_ip ip, brd;
	int t0 = (int)if_nametoindex("t0");
	size_t n = 99;

	(void)state;
	if (!have_netns)
		skip();
	tandem_ip_parse("192.0.2.5", &ip);
	tandem_ip_parse("192.0.2.255", &brd);
	o.broadcast = &brd;
	assert_int_equal(tandem_nl_addr_find(&nl, &ip, found, 4, &n, soon()), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tandem_nl_addr_add(&nl, t0, &ip, 24, &o, soon()), 0);
	assert_int_equal(tandem_nl_addr_add(&nl, t0, &ip, 24, &o, soon()), 0); /* already there */
	assert_int_equal(tandem_nl_addr_find(&nl, &ip, found, 4, &n, soon()), 0);
	assert_int_equal(n, 1);
	assert_int_equal(found[0].ifindex, t0);
	assert_int_equal(found[0].prefixlen, 24);
	assert_string_equal(found[0].label, "t0:vip");
	assert_true(tandem_ip_equal(&found[0].addr, &ip));
	assert_int_equal(tandem_nl_addr_del(&nl, t0, &ip, 24, soon()), 0);
	assert_int_equal(tandem_nl_addr_del(&nl, t0, &ip, 24, soon()), 0); /* already gone */
	assert_int_equal(tandem_nl_addr_find(&nl, &ip, found, 4, &n, soon()), 0);
	assert_int_equal(n, 0);
	/* On a vanished interface, deleting is done. */
	assert_int_equal(tandem_nl_addr_del(&nl, 9999, &ip, 24, soon()), 0);
	assert_int_equal(tandem_nl_addr_add(&nl, 9999, &ip, 24, NULL, soon()), -ENODEV);
}

static void
ipv6_dad_flags(void **state)
{
	struct tandem_nl_addr found[4];
	struct tandem_nl_addr_opts nodad = { .nodad = true, .preferred_lft = 0xffffffffu };
	struct tandem_nl_addr_opts dad = { .preferred_lft = 0xffffffffu };
	struct tandem_ip a, b;
	int t0 = (int)if_nametoindex("t0");
	size_t n = 0;

	(void)state;
	if (!have_netns)
		skip();
	tandem_ip_parse("2001:db8::5", &a);
	tandem_ip_parse("2001:db8::6", &b);
	assert_int_equal(tandem_nl_addr_add(&nl, t0, &a, 64, &nodad, soon()), 0);
	assert_int_equal(tandem_nl_addr_find(&nl, &a, found, 4, &n, soon()), 0);
	assert_int_equal(n, 1);
	assert_false(found[0].flags & IFA_F_TENTATIVE);
	assert_true(found[0].flags & IFA_F_NODAD);
	assert_int_equal(tandem_nl_addr_add(&nl, t0, &b, 64, &dad, soon()), 0);
	assert_int_equal(tandem_nl_addr_find(&nl, &b, found, 4, &n, soon()), 0);
	assert_int_equal(n, 1);
	assert_true(found[0].flags & IFA_F_TENTATIVE);
	tandem_nl_addr_del(&nl, t0, &a, 64, soon());
	tandem_nl_addr_del(&nl, t0, &b, 64, soon());
}

static void
check_route(const struct tandem_nl_route *r, void *data)
{
	struct tandem_ip net;
	int *found = data;

	tandem_ip_parse("198.51.100.0", &net);
	if (r->dst_len == 24 && tandem_ip_equal(&r->dst, &net) && !r->has_gateway
	    && r->ifindex == (int)if_nametoindex("t0"))
		(*found)++;
}

static void
routes(void **state)
{
	struct tandem_ip ip;
	int found = 0;

	(void)state;
	if (!have_netns)
		skip();
	tandem_ip_parse("198.51.100.1", &ip);
	assert_int_equal(tandem_nl_addr_add(&nl, (int)if_nametoindex("t0"), &ip, 24, NULL, soon()), 0);
	assert_int_equal(tandem_nl_route_dump(&nl, AF_INET, check_route, &found, soon()), 0);
	assert_int_equal(found, 1);
	tandem_nl_addr_del(&nl, (int)if_nametoindex("t0"), &ip, 24, soon());
}

static void
deadline_is_kept(void **state)
{
	struct tandem_nl_addr found[1];
	struct tandem_ip ip;
	size_t n;

	(void)state;
	if (!have_netns)
		skip();
	tandem_ip_parse("192.0.2.5", &ip);
	assert_int_equal(tandem_nl_addr_find(&nl, &ip, found, 1, &n, tandem_deadline_in(0)), -ETIMEDOUT);
	/* The unread answer must not confuse the next request (seq differs). */
	assert_int_equal(tandem_nl_addr_find(&nl, &ip, found, 1, &n, soon()), 0);
}

static void
malformed_messages(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tandem_nl_addr a;
	struct tandem_nl_link l;
	struct tandem_nl_route r;
	struct ifaddrmsg *ifa;

	(void)state;
	/* Header only: too short for any payload. */
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(tandem_nl_parse_addr(nlh, &a), -1);
	assert_int_equal(tandem_nl_parse_link(nlh, &l), -1);
	assert_int_equal(tandem_nl_parse_route(nlh, &r), -1);
	/* An address message without any address attribute. */
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	assert_int_equal(tandem_nl_parse_addr(nlh, &a), -1);
	/* An IPv6 family with a 4-byte address. */
	ifa->ifa_family = AF_INET6;
	mnl_attr_put_u32(nlh, IFA_LOCAL, 0x01020304);
	assert_int_equal(tandem_nl_parse_addr(nlh, &a), -1);
	ifa->ifa_family = AF_INET;
	assert_int_equal(tandem_nl_parse_addr(nlh, &a), 0);
	/* A length that is not a multiple of 4 (fuzz_netlink's first find). */
	nlh->nlmsg_len -= 1;
	assert_int_equal(tandem_nl_parse_addr(nlh, &a), -1);
	nlh->nlmsg_len += 1;
	/* An attribute claiming more bytes than the message has. */
	((struct nlattr *)((char *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*ifa))))->nla_len = 200;
	assert_int_equal(tandem_nl_parse_addr(nlh, &a), -1);
}

static void
no_sockets_to_destroy(void **state)
{
	struct tandem_ip ip;
	size_t count = 99;

	(void)state;
	if (!have_netns)
		skip();
	tandem_ip_parse("192.0.2.77", &ip);
	assert_int_equal(tandem_nl_sock_destroy(&ip, &count, soon()), 0);
	assert_int_equal(count, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(links),
		cmocka_unit_test(addresses_add_find_delete),
		cmocka_unit_test(ipv6_dad_flags),
		cmocka_unit_test(routes),
		cmocka_unit_test(deadline_is_kept),
		cmocka_unit_test(malformed_messages),
		cmocka_unit_test(no_sockets_to_destroy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
