#!/bin/bash
# provision.sh --- one VM of the Vagrant cluster: packages, Tandem built from the checkout, the node's provisioning
#
#   provision.sh NODE FIRST_NODE SUBNET VIP BITBUCKET_VERSION|none
# The same node scripts as the namespace cluster (tests/cluster/provision-*.sh);
# only what a VM needs besides is here: packages, pcsd, the watchdog for SBD.
set -euo pipefail
node=$1 first=$2 subnet=$3 vip=$4 bitbucket=$5
src=/tandem
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends pacemaker corosync pcs sbd fence-agents \
	postgresql-15 pgbouncer python3 curl rsync \
	build-essential autoconf automake libtool pkg-config libqb-dev libcmocka-dev libpq-dev \
	libcurl4-openssl-dev libmnl-dev
systemctl stop postgresql pgbouncer || true
systemctl disable postgresql pgbouncer || true
# Tandem, from the checkout.
mkdir -p /var/tmp/tandem-build
cd /var/tmp/tandem-build
(cd "$src" && autoreconf -fi >/dev/null)
"$src/configure" -q
make -j2 >/dev/null
make install >/dev/null
# PostgreSQL, PgBouncer, Stash: the namespace cluster's scripts.
bash "$src/tests/cluster/provision-node.sh" "$node" "$first" "$subnet"
bash "$src/tests/cluster/provision-pgbouncer.sh" "$vip"
stash_src=$src/tests/stash-double
if [ "$bitbucket" != none ]; then
	tarball=/var/tmp/atlassian-bitbucket-$bitbucket.tar.gz
	if curl -fsSL -o "$tarball" \
		"https://product-downloads.atlassian.com/software/stash/downloads/atlassian-bitbucket-$bitbucket.tar.gz"; then
		mkdir -p /opt/atlassian && tar -xzf "$tarball" -C /opt/atlassian
		stash_src=/opt/atlassian/atlassian-bitbucket-$bitbucket
		apt-get install -y -q --no-install-recommends openjdk-17-jre-headless git
	else
		echo "provision: Bitbucket $bitbucket not reachable: the stand-in server is used" >&2
	fi
fi
# Shared storage for the home in a real deployment (DRBD or NFS); one disk per VM here.
bash "$src/tests/cluster/provision-stash.sh" /opt/tandem-stash /var/atlassian/application-data/bitbucket "$stash_src"
# pcsd and the watchdog SBD fences with.
echo "hacluster:${TANDEM_HACLUSTER_PASSWORD:-tandem-demo}" | chpasswd
systemctl enable --now pcsd
modprobe softdog
echo softdog >/etc/modules-load.d/softdog.conf
