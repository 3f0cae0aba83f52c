/* vip_test.c --- ocf:tandem:vip's decisions: state, exit code, netmask, interface choice */
#include "config.h"

#include <linux/if_addr.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vip.h"

static void
state_table(void **state)
{
	struct tandem_nl_addr a = { .ifindex = 2 };
	struct tandem_nl_link up = { .ifindex = 2, .name = "eth0", .flags = IFF_UP | IFF_RUNNING };
	struct tandem_nl_link down = { .ifindex = 2, .name = "eth0", .flags = 0 };
	struct tandem_nl_link nocarrier = { .ifindex = 2, .name = "eth0", .flags = IFF_UP };

	(void)state;
	assert_int_equal(vip_classify(0, &a, &up, NULL), VIP_ABSENT);
	assert_int_equal(vip_classify(1, &a, &up, NULL), VIP_SERVED);
	assert_int_equal(vip_classify(1, &a, &up, "eth0"), VIP_SERVED);
	assert_int_equal(vip_classify(1, &a, &up, "eth1"), VIP_ELSEWHERE);
	assert_int_equal(vip_classify(1, &a, &down, NULL), VIP_LINK_DOWN);
	assert_int_equal(vip_classify(1, &a, &nocarrier, NULL), VIP_NO_CARRIER);
	a.flags = IFA_F_TENTATIVE;
	assert_int_equal(vip_classify(1, &a, &up, NULL), VIP_TENTATIVE);
	a.flags = IFA_F_DADFAILED | IFA_F_TENTATIVE;
	assert_int_equal(vip_classify(1, &a, &up, NULL), VIP_DAD_FAILED);
}

static void
state_to_exit_code(void **state)
{
	(void)state;
	assert_int_equal(vip_state_rc(VIP_SERVED), TANDEM_OCF_SUCCESS);
	assert_int_equal(vip_state_rc(VIP_TENTATIVE), TANDEM_OCF_SUCCESS);
	assert_int_equal(vip_state_rc(VIP_ABSENT), TANDEM_OCF_NOT_RUNNING);
	assert_int_equal(vip_state_rc(VIP_ELSEWHERE), TANDEM_OCF_ERR_GENERIC);
	assert_int_equal(vip_state_rc(VIP_LINK_DOWN), TANDEM_OCF_ERR_GENERIC);
	assert_int_equal(vip_state_rc(VIP_NO_CARRIER), TANDEM_OCF_ERR_GENERIC);
	assert_int_equal(vip_state_rc(VIP_DAD_FAILED), TANDEM_OCF_ERR_GENERIC);
	assert_string_equal(vip_state_str(VIP_NO_CARRIER), "no carrier");
}

static void
netmasks(void **state)
{
	static const struct {
		const char *s;
		int family;
		bool ok;
		unsigned len;
	} cases[] = {
		{ "24", AF_INET, true, 24 }, { "0", AF_INET, true, 0 }, { "32", AF_INET, true, 32 },
		{ "33", AF_INET, false, 0 }, { "255.255.255.0", AF_INET, true, 24 },
		{ "255.255.255.255", AF_INET, true, 32 }, { "0.0.0.0", AF_INET, true, 0 },
		{ "255.0.255.0", AF_INET, false, 0 }, { "255.255.255.1", AF_INET, false, 0 },
		{ "64", AF_INET6, true, 64 }, { "128", AF_INET6, true, 128 },
		{ "129", AF_INET6, false, 0 }, { "255.255.255.0", AF_INET6, false, 0 },
		{ "", AF_INET, false, 0 }, { "/24", AF_INET, false, 0 }, { "24 ", AF_INET, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned len = 999;

		assert_int_equal(vip_parse_netmask(cases[i].s, cases[i].family, &len), cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(len, cases[i].len);
	}
}

static void
broadcasts(void **state)
{
	struct tandem_ip ip, brd, want;

	(void)state;
	tandem_ip_parse("192.0.2.100", &ip);
	assert_true(vip_broadcast(&ip, 24, &brd));
	tandem_ip_parse("192.0.2.255", &want);
	assert_true(tandem_ip_equal(&brd, &want));
	assert_true(vip_broadcast(&ip, 25, &brd));
	tandem_ip_parse("192.0.2.127", &want);
	assert_true(tandem_ip_equal(&brd, &want));
	assert_false(vip_broadcast(&ip, 31, &brd));
	assert_false(vip_broadcast(&ip, 32, &brd));
	tandem_ip_parse("2001:db8::1", &ip);
	assert_false(vip_broadcast(&ip, 64, &brd));
}

static struct tandem_nl_route
route(const char *dst, unsigned len, int ifindex, bool gw)
{
	struct tandem_nl_route r = { .ifindex = ifindex, .dst_len = len, .has_gateway = gw };

	tandem_ip_parse(dst, &r.dst);
	r.family = r.dst.family;
	return r;
}

static void
interface_choice(void **state)
{
	struct tandem_nl_route routes[] = {
		route("0.0.0.0", 0, 2, true),           /* default route: says nothing */
		route("192.0.2.0", 24, 2, false),
		route("192.0.2.0", 25, 3, false),       /* longer prefix wins */
		route("198.51.100.0", 24, 2, false),
		route("198.51.100.0", 24, 4, false),    /* same prefix, another link */
		route("203.0.113.0", 24, 5, true),      /* only through a gateway */
	};
	size_t n = sizeof(routes) / sizeof(routes[0]);
	struct tandem_ip ip;
	int ifindex = 0, other = 0;
	unsigned len = 0;

	(void)state;
	tandem_ip_parse("192.0.2.10", &ip);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 0, &ifindex, &len, &other), VIP_PICK_OK);
	assert_int_equal(ifindex, 3);
	assert_int_equal(len, 25);
	tandem_ip_parse("192.0.2.200", &ip);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 0, &ifindex, &len, &other), VIP_PICK_OK);
	assert_int_equal(ifindex, 2);
	assert_int_equal(len, 24);
	/* nic given: only its routes count. */
	tandem_ip_parse("192.0.2.10", &ip);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 2, &ifindex, &len, &other), VIP_PICK_OK);
	assert_int_equal(ifindex, 2);
	assert_int_equal(len, 24);
	tandem_ip_parse("198.51.100.7", &ip);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 0, &ifindex, &len, &other), VIP_PICK_AMBIGUOUS);
	assert_int_equal(ifindex, 2);
	assert_int_equal(other, 4);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 4, &ifindex, &len, &other), VIP_PICK_OK);
	assert_int_equal(ifindex, 4);
	tandem_ip_parse("203.0.113.9", &ip);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 0, &ifindex, &len, &other), VIP_PICK_NONE);
	tandem_ip_parse("2001:db8::1", &ip);
	assert_int_equal(vip_pick_iface(routes, n, &ip, 0, &ifindex, &len, &other), VIP_PICK_NONE);
}

static void
address_helpers(void **state)
{
	struct tandem_ip a, net;
	char buf[64];

	(void)state;
	assert_false(tandem_ip_parse("192.0.2.1/24", &a));
	assert_false(tandem_ip_parse("host.example", &a));
	assert_true(tandem_ip_parse("2001:db8::1", &a));
	tandem_ip_parse("2001:db8::", &net);
	assert_true(tandem_ip_in_prefix(&a, &net, 64));
	assert_true(tandem_ip_in_prefix(&a, &net, 0));
	assert_false(tandem_ip_in_prefix(&a, &net, 129));
	tandem_ip_parse("2001:db9::", &net);
	assert_false(tandem_ip_in_prefix(&a, &net, 32));
	assert_true(tandem_ip_in_prefix(&a, &net, 15));
	assert_string_equal(tandem_ip_str(&a, buf, sizeof(buf)), "2001:db8::1");
}

static const char *
lo_without_route(const char *name)
{
	if (strcmp(name, "ip") == 0)
		return "198.51.100.7";  /* TEST-NET-2: no route of lo covers it */
	if (strcmp(name, "nic") == 0)
		return "lo";
	return NULL;
}

/* Issue 28: the routes are this node's, so no route on nic is this
 * node's fault (5), never the fatal 6 it was, which stopped the address
 * on every node. */
static void
routes_are_this_nodes(void **state)
{
	static const struct tandem_action validate_all = { "validate-all", NULL, 20, 0, -1, NULL };
	struct tandem_ctx ctx = { .action = &validate_all };
	char why[256];

	(void)state;
	assert_int_equal(tandem_params_load(vip_params, VIP_N_PARAMS, lo_without_route, &ctx.params, why,
					    sizeof(why)), TANDEM_OCF_SUCCESS);
	ctx.deadline = tandem_deadline_in(5000);
	assert_int_equal(vip_validate(&ctx), TANDEM_OCF_SUCCESS);
	assert_int_equal(vip_validate_all(&ctx), TANDEM_OCF_ERR_INSTALLED);
	free(ctx.params);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_table),
		cmocka_unit_test(state_to_exit_code),
		cmocka_unit_test(netmasks),
		cmocka_unit_test(broadcasts),
		cmocka_unit_test(interface_choice),
		cmocka_unit_test(address_helpers),
		cmocka_unit_test(routes_are_this_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
