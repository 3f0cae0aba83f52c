#!/bin/bash
# run.sh --- make check-versions: Tandem built and tested on Debian 11, 13 and 14 roots (PostgreSQL 13, 17, 18), and on a Debian 12 → 13 upgrade
#
#   run.sh [LANE...]      (default: bullseye forky upgrade; the host is bookworm, PostgreSQL 15)
#
# Each suite's root comes from roots.sh (cached under /var/cache/tandem/roots).
# The source tree is copied into it, built there with that release's
# compiler and libraries, and inside.sh runs the unit tests and the pgsql
# integration test against that release's PostgreSQL.  One TAP line per
# lane; a skipped test counts as a failure.
#
# The upgrade lane is what a Debian 12 → 13 upgrade leaves until the admin
# runs pg_upgradecluster: Debian 13 with its PostgreSQL 17, and bookworm's
# postgresql-15 package still installed beside it, running the cluster.
# In a throwaway overlay of the trixie root, bookworm's postgresql-15 is
# installed from bookworm's archive; Tandem is built by Debian 13's
# toolchain (the rebuilt package) and its tests run PostgreSQL 15 with 17
# beside it, the agent given no bindir; then the integration test and the
# attack lane (tests/security) on Debian 13's own PostgreSQL 17 (what the
# trixie lane runs alone, on the same build: the default lanes test
# Debian 13 once).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "check-versions: run as root (debootstrap, chroot)" >&2; exit 2; }
[ $# -gt 0 ] || set -- bullseye forky upgrade
. "$here/chroot.sh"
roots=${TANDEM_ROOTS:-/var/cache/tandem/roots}
mirror=http://deb.debian.org/debian

suites=()
for lane in "$@"; do
	case $lane in
	upgrade) suites+=(trixie) ;;
	*) suites+=("$lane") ;;
	esac
done
mapfile -t suites < <(printf '%s\n' "${suites[@]}" | sort -u)
bash "$here/roots.sh" "${suites[@]}" ||
	{ echo "not ok - the roots could not be built"; exit 1; }

work=$(mktemp -d)
cleanup() {
	chroot_cleanup
	overlay_unmount "$work"
	rm -rf --one-file-system "$work" # never into a mount that stayed
}
trap cleanup EXIT

# upgrade_root: $work/root, the trixie root with bookworm's postgresql-15
# installed beside its 17 (in an overlay: the cached root stays as it is).
upgrade_root() {
	local dir=$work/root
	overlay_mount "$roots/trixie" "$work" || return 1
	echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list.d/tandem-bookworm.list"
	chroot_mount "$dir"
	{ chroot_run "$dir" apt-get update -q &&
		chroot_run "$dir" apt-get install -y -q --no-install-recommends postgresql-15; } \
		>"$work/upgrade.out" 2>&1
	local rc=$?
	chroot_cleanup
	[ "$rc" = 0 ] || { tail -20 "$work/upgrade.out"; return 1; }
	[ -x "$dir/usr/lib/postgresql/15/bin/postgres" ] && [ -x "$dir/usr/lib/postgresql/17/bin/postgres" ]
}

n=0
failed=0
for lane in "$@"; do
	n=$((n + 1))
	env=()
	if [ "$lane" = upgrade ]; then
		dir=$work/root
		if ! upgrade_root; then
			echo "not ok $n - upgrade: bookworm's postgresql-15 could not be installed beside trixie's 17"
			failed=$((failed + 1))
			overlay_unmount "$work"
			continue
		fi
		env=(TANDEM_PG_BINDIR=/usr/lib/postgresql/15/bin TANDEM_PG_BINDIR_ALSO=/usr/lib/postgresql/17/bin)
		want="15 17"
		label="upgrade: Debian 13's build and PostgreSQL 17 installed, the cluster still on bookworm's PostgreSQL 15; then on 17, with the attack lane"
	else
		dir=$roots/$lane
		want=$(sed -n 's/^postgresql-\([0-9][0-9]*\)$/\1/p' "$dir/.tandem-root-ok")
		label="$lane (PostgreSQL $want)"
	fi
	rm -rf "${dir:?}/tandem"
	mkdir -p "$dir/tandem"
	tar -C "$top" --exclude=./.git --exclude=./_build --exclude='./_build*' --exclude=./autom4te.cache \
		--exclude=./tandem-\* -cf - . | tar -C "$dir/tandem" -xf -
	chroot_mount "$dir"
	out=$(chroot_run "$dir" env "${env[@]}" bash /tandem/tests/versions/inside.sh 2>&1)
	rc=$?
	chroot_cleanup
	[ "$lane" = upgrade ] && overlay_unmount "$work"
	printf '%s\n' "$out" | sed "s/^/# $lane: /"
	if [ "$rc" = 0 ] && [ "$lane" = upgrade ] && ! grep -q "ok 1 - the life runs to its end unattacked" <<<"$out"; then
		echo "# $lane: the attack lane did not run"
		rc=1
	fi
	for v in $want; do
		if [ "$rc" = 0 ] && ! grep -q "data directory (PostgreSQL $v)" <<<"$out"; then
			echo "# $lane: the integration test did not run PostgreSQL $v"
			rc=1
		fi
	done
	if [ "$rc" = 0 ]; then
		echo "ok $n - $label: $(printf '%s\n' "$out" | sed -n 's/^# PASS: *//p' | awk '{ s += $1 } END { print s + 0 }') tests passed, none skipped"
	else
		echo "not ok $n - $label"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
