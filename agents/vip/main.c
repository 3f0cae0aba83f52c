/* main.c --- ocf:tandem:vip: action table and dispatch */
#include "config.h"

#include "vip.h"

static const struct tandem_action vip_actions[] = {
	{ "start", vip_start, 20, 0, -1, NULL },
	{ "stop", vip_stop, 20, 0, -1, NULL },
	{ "monitor", vip_monitor, 20, 10, 0, NULL },
	{ "validate-all", vip_validate_all, 20, 0, -1, NULL },
	{ "meta-data", NULL, 5, 0, -1, NULL },
};

static const struct tandem_agent vip_agent = {
	.name = "vip",
	.shortdesc = "Virtual IP address (IPv4/IPv6) over rtnetlink",
	.longdesc =
		"Adds a virtual IP address to an interface of the node that runs it and announces "
		"it to the LAN: gratuitous ARP for IPv4, an unsolicited neighbour advertisement for "
		"IPv6. A replacement for ocf:heartbeat:IPaddr2 with the same parameter names that "
		"talks to the kernel over rtnetlink instead of running ip, so a monitor costs about "
		"as much as starting a process. Monitor also fails when the interface is down or "
		"has lost carrier; stop resets the connections that used the address.",
	.params = vip_params,
	.n_params = VIP_N_PARAMS,
	.actions = vip_actions,
	.n_actions = sizeof(vip_actions) / sizeof(vip_actions[0]),
	.validate = vip_validate,
};

int
main(int argc, char **argv)
{
	return tandem_ocf_main(&vip_agent, argc, argv);
}
