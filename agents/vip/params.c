/* params.c --- ocf:tandem:vip's parameter table: its meta-data and its validation */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vip.h"

static const char *const arp_modes[] = { "request", "reply", NULL };

static bool
check_ip(const char *v, char *why, size_t len)
{
	struct tandem_ip ip;

	if (tandem_ip_parse(v, &ip))
		return true;
	snprintf(why, len, "not an IPv4 or IPv6 address");
	return false;
}

static bool
check_lifetime(const char *v, char *why, size_t len)
{
	long long s;

	if (strcmp(v, "forever") == 0 || tandem_parse_int(v, 0, 4294967294LL, &s))
		return true;
	snprintf(why, len, "not a number of seconds or \"forever\"");
	return false;
}

/* Names as in ocf:heartbeat:IPaddr2 where the meaning is the same, so a
 * migration is a change of provider. */
const struct tandem_param vip_params[VIP_N_PARAMS] = {
	[VIP_IP] = { "ip", TANDEM_PARAM_STRING, NULL, true, true, false,
		"IPv4 or IPv6 address",
		"The virtual IP address, IPv4 (192.0.2.10) or IPv6 (2001:db8::10).",
		.check = check_ip },
	[VIP_CIDR_NETMASK] = { "cidr_netmask", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Netmask (prefix length)",
		"The prefix length (24, 64) or, for IPv4, a dotted netmask (255.255.255.0). "
		"When unset, the prefix of the connected route that covers ip is used." },
	[VIP_BROADCAST] = { "broadcast", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Broadcast address (IPv4)",
		"The IPv4 broadcast address. When unset it is computed from ip and the netmask "
		"(none for /31 and /32); \"none\" sets no broadcast address." },
	[VIP_NIC] = { "nic", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Network interface",
		"The interface to add the address to. When unset, the interface whose connected "
		"route covers ip; when several do, the agent refuses to guess and asks for nic." },
	[VIP_IFLABEL] = { "iflabel", TANDEM_PARAM_STRING, NULL, false, false, false,
		"Interface label (IPv4)",
		"A label for the address, shown as nic:iflabel by ip and ifconfig (IPv4 only). "
		"nic:iflabel must fit in 15 characters." },
	[VIP_NODAD] = { "nodad", TANDEM_PARAM_BOOLEAN, "false", false, false, false,
		"Skip duplicate address detection (IPv6)",
		"IPv6 only: add the address without duplicate address detection. Start is about "
		"a second faster, but a duplicate on the link is then not detected." },
	[VIP_NOPREFIXROUTE] = { "noprefixroute", TANDEM_PARAM_BOOLEAN, "false", false, false, false,
		"Add no prefix route",
		"Do not create the route for the address's network when adding it." },
	[VIP_PREFERRED_LFT] = { "preferred_lft", TANDEM_PARAM_STRING, "forever", false, false, false,
		"Preferred lifetime (IPv6)",
		"IPv6 only: the preferred lifetime in seconds, or \"forever\". 0 makes the address "
		"deprecated, so the node does not pick it as source of its own connections.",
		.check = check_lifetime },
	[VIP_ARP_COUNT] = { "arp_count", TANDEM_PARAM_INTEGER, "5", false, false, true,
		"Announcements on start",
		"How many gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6) to "
		"send when the address is added.", 0, 1000 },
	[VIP_ARP_INTERVAL] = { "arp_interval", TANDEM_PARAM_INTEGER, "200", false, false, true,
		"Milliseconds between announcements",
		"The interval between two announcements, in milliseconds.", 1, 60000 },
	[VIP_ARP_COUNT_REFRESH] = { "arp_count_refresh", TANDEM_PARAM_INTEGER, "0", false, false, true,
		"Announcements on each monitor",
		"How many announcements every monitor sends again, for switches that forget; 0 for "
		"none.", 0, 100 },
	[VIP_ARP_BG] = { "arp_bg", TANDEM_PARAM_BOOLEAN, "true", false, false, true,
		"Announce in the background",
		"Send all announcements but the first from a background process, so start returns "
		"at once and the VIP answers as soon as the first one is out." },
	[VIP_ARP_MODE] = { "arp_mode", TANDEM_PARAM_SELECT, "request", false, false, true,
		"Gratuitous ARP kind (IPv4)",
		"IPv4 only: announce with ARP requests (what every stack updates its cache from) or "
		"with ARP replies, for switches that learn only from replies.",
		.options = arp_modes },
	[VIP_PROBE_MS] = { "probe_ms", TANDEM_PARAM_INTEGER, "30", false, false, true,
		"Conflict probe (IPv4), milliseconds",
		"IPv4 only: before adding the address, ask the LAN who has it (an RFC 5227 ARP probe) "
		"and listen this long; start fails, naming the owner's MAC address, when another host "
		"answers. Every failover waits for all of it (no answer is the normal case): the "
		"default is over ten times a busy LAN's round trip (a host answers ARP from the "
		"kernel, not from a process a loaded CPU delays) and far below RFC 5227's seconds, "
		"meant for hosts that boot; raise it for a LAN whose hosts rate-limit ARP. 0 skips "
		"the probe. IPv6 uses the kernel's duplicate address detection.",
		0, 10000 },
	[VIP_DESTROY_SOCKETS] = { "destroy_sockets", TANDEM_PARAM_BOOLEAN, "true", false, false, true,
		"Reset connections on stop",
		"On stop, destroy this node's TCP connections that use the address, so their clients "
		"get a reset and reconnect to the new owner at once instead of waiting on a dead "
		"connection. Listening sockets are kept." },
};
