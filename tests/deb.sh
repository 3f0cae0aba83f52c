#!/bin/bash
# deb.sh --- the Debian package: built with dpkg-buildpackage, lintian-clean at error level, installable
#
#   tests/deb.sh            (TAP output; run by tests/run-all.sh)
# Builds from a copy of the checkout's tracked files (the tree stays
# clean), then checks what the package holds, that lintian finds no error,
# that apt would install it here, and that the agents and man pages it
# ships work from an unpacked root.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tandem"
(cd "$top" && git ls-files -z | xargs -0 tar -cf -) | tar -xf - -C "$work/tandem"
(cd "$work/tandem" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
tap_result $? "dpkg-buildpackage -us -uc -b" "$(tail -20 "$work/build.log")"
deb=$(ls "$work"/tandem_*_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { tap_done; exit 1; }
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for a in vip pgsql stash pgbouncer; do
	tap_like "$files" "^\./usr/lib/ocf/resource\.d/tandem/$a\$" "the package installs ocf:tandem:$a"
	tap_like "$files" "^\./usr/share/man/man7/ocf_tandem_$a\.7\.gz\$" "and its man page"
done
out=$(lintian --fail-on error "$deb" 2>&1)
tap_result $? "lintian: no error" "$out"
out=$(apt-get install -s "$deb" 2>&1)
tap_result $? "apt-get would install it here (its dependencies resolve)" "$(tail -5 <<<"$out")"
dpkg-deb -x "$deb" "$work/root"
for a in vip pgsql stash pgbouncer; do
	"$work/root/usr/lib/ocf/resource.d/tandem/$a" meta-data | xmllint --noout --relaxng \
		/usr/share/resource-agents/metadata.rng - >/dev/null 2>&1
	tap_result $? "the packaged $a's meta-data validates"
	tap_ok "the packaged ocf_tandem_$a(7) renders" sh -c \
		"man -l '$work/root/usr/share/man/man7/ocf_tandem_$a.7.gz' >/dev/null 2>&1"
done
tap_done
