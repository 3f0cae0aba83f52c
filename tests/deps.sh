#!/bin/bash
# deps.sh --- installs everything Tandem builds, tests and demonstrates with (Debian 12, as root)
set -euo pipefail
packages=(
	# build
	build-essential autoconf automake libtool pkg-config binutils
	libqb-dev libcmocka-dev libpq-dev libcurl4-openssl-dev libmnl-dev
	# tests: namespaces, PostgreSQL, the HTTP test server, schemas, the anchors
	iproute2 iputils-ping nftables python3 curl postgresql-15 libxml2-utils man-db groff-base
	resource-agents resource-agents-paf pacemaker-cli-utils pcs crmsh pgbouncer
	# sanitizers, valgrind, fuzzing
	clang libclang-rt-14-dev valgrind
	# the scripts and the Vagrant cluster: checked, not run
	shellcheck vagrant
	# the Debian package
	dpkg-dev debhelper lintian git
)
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
