#!/bin/bash
# run.sh --- make check-versions: Tandem built and tested on Debian 11, 13 and 14 roots (PostgreSQL 13, 17, 18)
#
#   run.sh [SUITE...]      (default: bullseye trixie forky; the host is bookworm, PostgreSQL 15)
#
# Each suite's root comes from roots.sh (cached under /var/cache/tandem/roots).
# The source tree is copied into it, built there with that release's
# compiler and libraries, and inside.sh runs the unit tests and the pgsql
# integration test against that release's PostgreSQL.  One TAP line per
# suite; a skipped test counts as a failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "check-versions: run as root (debootstrap, chroot)" >&2; exit 2; }
[ $# -gt 0 ] || set -- bullseye trixie forky
. "$here/chroot.sh"
roots=${TANDEM_ROOTS:-/var/cache/tandem/roots}

bash "$here/roots.sh" "$@" || { echo "not ok - the roots could not be built"; exit 1; }
n=0
failed=0
trap 'chroot_cleanup' EXIT
for suite in "$@"; do
	dir=$roots/$suite
	n=$((n + 1))
	major=$(sed -n 's/^postgresql-\([0-9][0-9]*\)$/\1/p' "$dir/.tandem-root-ok")
	rm -rf "${dir:?}/tandem"
	mkdir -p "$dir/tandem"
	tar -C "$top" --exclude=./.git --exclude=./_build --exclude='./_build*' --exclude=./autom4te.cache \
		--exclude=./tandem-\* -cf - . | tar -C "$dir/tandem" -xf -
	chroot_mount "$dir"
	out=$(chroot_run "$dir" bash /tandem/tests/versions/inside.sh 2>&1)
	rc=$?
	chroot_cleanup
	printf '%s\n' "$out" | sed "s/^/# $suite: /"
	if [ "$rc" = 0 ]; then
		echo "ok $n - $suite (PostgreSQL $major): $(printf '%s\n' "$out" | sed -n 's/^# PASS: *//p') tests passed, none skipped"
	else
		echo "not ok $n - $suite (PostgreSQL $major)"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
