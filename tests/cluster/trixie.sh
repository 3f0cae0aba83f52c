#!/bin/bash
# trixie.sh --- make check-cluster-trixie: the failure matrix with every node in a Debian 13 root
#
#   trixie.sh BUILD_DIR      (TAP output, as make check-cluster)
# The root is tests/versions/roots.sh's trixie-cluster (Pacemaker 3.0,
# Corosync 3.1.9, pcs 0.12, PostgreSQL 17; cached under
# /var/cache/tandem/roots).  Tandem is built inside it with its own
# toolchain and installed there; then scenarios.sh runs the cluster with
# CL_ROOT set: the nodes run in the root, the client (BUILD_DIR's writer)
# on the host.  CLUSTER_SCENARIOS, CLUSTER_EXTRAS, CLUSTER_ARCHIVE and
# CLUSTER_TLS default to this lane's set: the faults below, no Stash or
# PgBouncer, a WAL archive in a pgBackRest repository (Debian 12's matrix
# runs without one: both ways of a standby coming back are in CI), and
# replication over TLS (PAF's cluster runs without).  TRIXIE_STACK=paf runs PAF 2.3.0 in the same root instead
# (tests/bench/failover.sh uses it).
set -uo pipefail
build=$(realpath "${1:-.}")
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
roots=${TANDEM_ROOTS:-/var/cache/tandem/roots}
root=$roots/trixie-cluster
. "$top/tests/versions/chroot.sh"

start=$SECONDS
bash "$top/tests/versions/roots.sh" trixie-cluster | sed 's/^/# /'
[ "${PIPESTATUS[0]}" = 0 ] || { echo "Bail out! the trixie-cluster root could not be built"; exit 1; }

# Tandem, built in the root by its own compiler and installed there;
# TRIXIE_BUILD=reuse keeps what an earlier run of the same source tree
# installed there (the source's checksum is kept beside it).
t=$SECONDS
sum=$(tar -C "$top" --exclude=./.git --exclude=./_build --exclude='./_build*' --exclude=./autom4te.cache \
	--exclude=./tandem-\* --sort=name --mtime=@0 --owner=0 --group=0 -cf - . | sha256sum | cut -d' ' -f1)
if [ "${TRIXIE_BUILD:-}" = reuse ] && [ "$(cat "$root/tandem.sum" 2>/dev/null)" = "$sum" ]; then
	echo "# Tandem as installed inside $root by an earlier run of this source tree"
else
	rm -rf "${root:?}/tandem" "$root/tandem.sum"
	mkdir -p "$root/tandem"
	tar -C "$top" --exclude=./.git --exclude=./_build --exclude='./_build*' --exclude=./autom4te.cache \
		--exclude=./tandem-\* -cf - . | tar -C "$root/tandem" -xf -
	trap chroot_cleanup EXIT
	chroot_mount "$root"
	chroot_run "$root" bash -c 'cd /tandem && autoreconf -fi && mkdir -p _build && cd _build &&
		../configure -q && make -j2 && make install' >"$build/trixie-build.out" 2>&1
	rc=$?
	chroot_cleanup
	if [ "$rc" != 0 ]; then
		tail -30 "$build/trixie-build.out"
		echo "Bail out! Tandem did not build or install inside $root"
		exit 1
	fi
	echo "$sum" >"$root/tandem.sum"
	echo "# Tandem built and installed inside $root in $((SECONDS - t)) s ($build/trixie-build.out)"
fi

CL_ROOT=$root CLUSTER_STACK=${TRIXIE_STACK:-tandem} \
	CLUSTER_SCENARIOS=${CLUSTER_SCENARIOS:-kill9 poweroff partition switchover switchover_lagging switchover_back lagging last_standby_cut double_failure lost_slot wiped_standby replaced_disk clock_skew two_databases neighbours subscriber site_loss maintenance never_sync never_promote delayed timeline_fork} \
	CLUSTER_EXTRAS=${CLUSTER_EXTRAS:-0} CLUSTER_ARCHIVE=${CLUSTER_ARCHIVE:-1} CLUSTER_TLS=${CLUSTER_TLS:-1} \
	"$build/tests/lib/reaper" bash "$top/tests/cluster/scenarios.sh" "$build"
rc=$?
echo "# check-cluster-trixie: $((SECONDS - start)) s in all"
exit $rc
