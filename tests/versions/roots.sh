#!/bin/bash
# roots.sh --- builds and caches the Debian root filesystems of the version matrix (as root)
#
# Usage: bash tests/versions/roots.sh [SUITE...]     (default: bullseye trixie forky)
#
# trixie-cluster is trixie with a cluster node's packages besides
# (Pacemaker, Corosync, pcs, crmsh, PAF, PgBouncer, nftables...): the root
# every node of tests/cluster runs in with CL_ROOT (make check-cluster-trixie).
#
# Each root is /var/cache/tandem/roots/SUITE (TANDEM_ROOTS overrides the
# directory): a debootstrap --variant=minbase of SUITE with what Tandem
# builds and tests with, and the suite's default PostgreSQL (its postgresql
# package's postgresql-NN) but no postgresql-server-dev: Tandem must build
# without the server headers. No service starts inside (policy-rc.d).
#
# A root is built in SUITE.tmp and renamed to SUITE only when complete, with
# SUITE/.tandem-root-ok holding its package list; a root whose stamp matches
# the current list is reused as it is. The log of a build is SUITE.log beside
# the roots. The suites given are built one after the other; callers may run
# several instances for different suites in parallel.
# Prints one line per suite: built or cached, the PostgreSQL major, the time.
set -euo pipefail

roots=${TANDEM_ROOTS:-/var/cache/tandem/roots}
mirror=http://deb.debian.org/debian
base_packages=(
	build-essential autoconf automake libtool pkg-config
	libqb-dev libcmocka-dev libpq-dev libcurl4-openssl-dev libmnl-dev
	procps iproute2 util-linux ca-certificates python3
	# the pgsql integration test's WAL archive, and its slow disk
	pgbackrest strace
)
# What a node of the namespace cluster runs (tests/cluster), besides.
cluster_packages=(
	pacemaker corosync pcs crmsh resource-agents resource-agents-paf pgbouncer
	nftables iputils-ping psmisc libxml2-utils hostname
	# one node's clock behind the others' (the clock_skew scenario)
	libfaketime
	# tests/deb.sh trixie: the package built, checked and installed there
	debhelper lintian man-db
)
# suite_packages SUITE: sets packages (the stamp's list, PostgreSQL aside)
# and debootstrap_suite, the Debian suite SUITE is made of.
suite_packages() {
	packages=("${base_packages[@]}")
	debootstrap_suite=${1%-cluster}
	[ "$debootstrap_suite" = "$1" ] || packages+=("${cluster_packages[@]}")
}

[ "$(id -u)" = 0 ] || { echo "roots: run as root (debootstrap, chroot, mount)" >&2; exit 2; }
if [ $# -eq 0 ]; then
	set -- bullseye trixie forky
fi
for suite in "$@"; do
	case $suite in
	bullseye | trixie | forky | trixie-cluster) ;;
	*) echo "roots: unknown suite '$suite' (bullseye, trixie, forky, trixie-cluster)" >&2; exit 2 ;;
	esac
done
mkdir -p "$roots"

. "$(dirname "$0")/chroot.sh"
trap chroot_cleanup EXIT
trap 'exit 130' INT TERM HUP

# safe_rm DIR: removes DIR, never while something is mounted under it.
safe_rm() {
	local dir=$1
	[ -e "$dir" ] || return 0
	chroot_unmount "$dir"
	if findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1 { f = 1 } END { exit !f }'; then
		echo "roots: something is still mounted under $dir; not removing it" >&2
		return 1
	fi
	rm -rf --one-file-system "$dir"
}

# stamp_ok DIR: whether DIR's stamp lists the current packages (plus one postgresql-NN).
stamp_ok() {
	local stamp=$1/.tandem-root-ok
	[ -f "$stamp" ] || return 1
	grep -qxE 'postgresql-[0-9]+' "$stamp" || return 1
	[ "$(grep -vxE 'postgresql-[0-9]+' "$stamp")" = "$(printf '%s\n' "${packages[@]}")" ]
}
stamp_major() {
	sed -n 's/^postgresql-\([0-9][0-9]*\)$/\1/p' "$1/.tandem-root-ok" | head -n 1
}

host_debootstrap() {
	command -v debootstrap >/dev/null && return 0
	(
		# Parallel instances queue here rather than fight over dpkg's lock.
		flock 9
		if ! command -v debootstrap >/dev/null; then
			echo "roots: installing debootstrap on the host"
			export DEBIAN_FRONTEND=noninteractive
			# Someone else may hold dpkg's lock for a while: wait for it.
			apt-get -o DPkg::Lock::Timeout=600 update -q
			apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends debootstrap
		fi
	) 9>"$roots/.host-apt.lock"
}

# build SUITE DIR LOG: the whole root, in DIR (the .tmp one).
build() {
	local suite=$1 dir=$2 log=$3 script major
	script=()
	# An older debootstrap has no script for a newer suite: they all bootstrap like sid.
	if [ ! -e "/usr/share/debootstrap/scripts/$debootstrap_suite" ]; then
		script=(/usr/share/debootstrap/scripts/sid)
	fi
	echo "== debootstrap $debootstrap_suite" >>"$log"
	debootstrap --variant=minbase "$debootstrap_suite" "$dir" "$mirror" "${script[@]}" >>"$log" 2>&1

	printf '#!/bin/sh\n# installed by tandem roots.sh: no service starts in this root\nexit 101\n' \
		>"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	if [ -f /etc/resolv.conf ]; then
		cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
	fi

	chroot_mount "$dir"
	echo "== apt-get update" >>"$log"
	if ! chroot_run "$dir" apt-get update -q >"$dir/tmp/update.out" 2>&1; then
		cat "$dir/tmp/update.out" >>"$log"
		# The mirror may be a snapshot whose testing Release has passed its
		# Valid-Until: still signed and checked, only no longer fresh. Such a
		# root keeps accepting it, and says so.
		grep -q 'is expired' "$dir/tmp/update.out" || return 1
		echo "roots: $suite: the mirror's Release file is expired; accepting it (Acquire::Check-Valid-Until false)"
		printf '// tandem roots.sh: the mirror is a snapshot whose Release has expired\nAcquire::Check-Valid-Until "false";\n' \
			>"$dir/etc/apt/apt.conf.d/99tandem-valid-until"
		echo "== apt-get update (Acquire::Check-Valid-Until false)" >>"$log"
		chroot_run "$dir" apt-get update -q >>"$log" 2>&1
	else
		cat "$dir/tmp/update.out" >>"$log"
	fi
	rm -f "$dir/tmp/update.out"
	echo "== apt-cache depends postgresql" >>"$log"
	chroot_run "$dir" apt-cache depends postgresql >>"$log" 2>&1
	major=$(chroot_run "$dir" apt-cache depends postgresql 2>/dev/null |
		sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
	if [ -z "$major" ]; then
		echo "roots: $suite: no postgresql-NN among postgresql's dependencies" >>"$log"
		return 1
	fi
	echo "== apt-get install ${packages[*]} postgresql-$major" >>"$log"
	chroot_run "$dir" apt-get install -y -q --no-install-recommends "${packages[@]}" "postgresql-$major" >>"$log" 2>&1
	chroot_run "$dir" apt-get clean >>"$log" 2>&1
	chroot_run "$dir" id postgres >>"$log" 2>&1
	chroot_cleanup

	printf '%s\n' "${packages[@]}" "postgresql-$major" >"$dir/.tandem-root-ok"
}

# top_up DIR LOG: a built root whose stamp lacks some of today's packages
# gets just those (apt-get inside it), not a new debootstrap.
top_up() {
	local dir=$1 log=$2 major p missing=()
	major=$(stamp_major "$dir" 2>/dev/null)
	[ -n "$major" ] || return 1
	for p in "${packages[@]}"; do
		grep -qx -- "$p" "$dir/.tandem-root-ok" || missing+=("$p")
	done
	echo "== top up: ${missing[*]}" >>"$log"
	chroot_mount "$dir"
	if ! { chroot_run "$dir" apt-get update -q &&
		chroot_run "$dir" apt-get install -y -q --no-install-recommends "${missing[@]}" &&
		chroot_run "$dir" apt-get clean; } >>"$log" 2>&1; then
		chroot_cleanup
		return 1
	fi
	chroot_cleanup
	printf '%s\n' "${packages[@]}" "postgresql-$major" >"$dir/.tandem-root-ok"
}

host_debootstrap
status=0
for suite in "$@"; do
	suite_packages "$suite"
	dir=$roots/$suite
	log=$roots/$suite.log
	start=$SECONDS
	exec 8>"$roots/.$suite.lock"
	flock 8
	if stamp_ok "$dir"; then
		echo "roots: $suite: cached, PostgreSQL $(stamp_major "$dir"), $((SECONDS - start)) s ($dir)"
		exec 8>&-
		continue
	fi
	if [ -f "$dir/.tandem-root-ok" ] && top_up "$dir" "$log"; then
		echo "roots: $suite: topped up, PostgreSQL $(stamp_major "$dir"), $((SECONDS - start)) s ($dir)"
		exec 8>&-
		continue
	fi
	echo "roots: $suite: building in $dir.tmp (log $log)"
	: >"$log"
	# build runs in a subshell outside any condition, so that set -e holds in
	# it, and in a process group of its own (set -m), so that a signal to this
	# script ends all of it before the mounts are removed.
	# shellcheck disable=SC2034 # chroot.sh reads it
	chroot_mounted=$dir.tmp
	set +e
	set -m
	(
		set -e
		trap chroot_cleanup EXIT
		trap 'exit 130' INT TERM HUP
		safe_rm "$dir.tmp"
		build "$suite" "$dir.tmp" "$log"
		safe_rm "$dir"
		mv "$dir.tmp" "$dir"
	) </dev/null &
	child=$!
	set +m
	wait "$child"
	rc=$?
	child=""
	set -e
	# shellcheck disable=SC2034 # chroot.sh reads it
	chroot_mounted=""
	if [ "$rc" = 0 ]; then
		echo "roots: $suite: built, PostgreSQL $(stamp_major "$dir"), $((SECONDS - start)) s ($dir)"
	else
		# The subshell's trap has run; this makes sure nothing stays mounted.
		chroot_unmount "$dir.tmp"
		echo "roots: $suite: FAILED after $((SECONDS - start)) s; last 30 lines of $log:" >&2
		tail -n 30 "$log" >&2
		status=1
	fi
	exec 8>&-
done
exit "$status"
