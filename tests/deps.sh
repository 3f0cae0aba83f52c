#!/bin/bash
# deps.sh --- installs what Tandem builds, demonstrates and tests with (Debian 12 or 13, as root)
#
#   deps.sh        everything the tests need (run-all.sh)
#   deps.sh demo   only what the demo needs: the build and a running cluster
set -euo pipefail
build=(build-essential autoconf automake libtool pkg-config
	libqb-dev libcmocka-dev libpq-dev libcurl4-openssl-dev libmnl-dev)
# The demo's cluster: namespaces, corosync + Pacemaker, pcs, PostgreSQL.
cluster=(iproute2 iputils-ping nftables pacemaker-cli-utils pcs postgresql libxml2-utils)
tests=(
	# the HTTP test server, schemas, man pages, the anchors, PgBouncer
	python3 curl man-db groff-base resource-agents resource-agents-paf crmsh pgbouncer
	# the WAL archive's repository (pgsql's rewind through restore_command)
	pgbackrest
	# a slow disk under one process (pgsql's primary cut in its shutdown checkpoint)
	strace
	# the CPU hog beside a loaded cluster (tests/bench/token.sh, CLUSTER_HOG)
	stress-ng
	# one node's clock behind the others' (the clock_skew scenario)
	libfaketime
	# the version matrix's roots
	debootstrap
	# sanitizers, valgrind, fuzzing
	clang libclang-rt-dev valgrind
	# the scripts and the Vagrant cluster: checked, not run
	shellcheck vagrant
	# the Debian package
	dpkg-dev debhelper lintian git
)
case "${1:-all}" in
demo) packages=("${build[@]}" "${cluster[@]}") ;;
all) packages=("${build[@]}" "${cluster[@]}" "${tests[@]}") ;;
*) echo "deps: unknown profile \"$1\" (demo or all)" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
