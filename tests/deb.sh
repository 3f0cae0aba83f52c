#!/bin/bash
# deb.sh --- the Debian package: built with dpkg-buildpackage, lintian-clean at error level, installed for real
#
#   tests/deb.sh            Debian 12: this machine
#   tests/deb.sh trixie     Debian 13: roots.sh's trixie-cluster root (Pacemaker 3.0, PostgreSQL 17)
# (TAP output; both run by tests/run-all.sh.)
#
# Everything happens in a throwaway overlay of that system (its upper layer
# on a tmpfs, gone when the test ends), entered with chroot: the package is
# built there from the checkout's tracked files by that release's own
# toolchain, checked by that release's lintian, installed with apt-get as
# an admin would, used (Pacemaker lists the agents and reads their
# meta-data, pgsql judges a data directory of the release's PostgreSQL),
# then purged.  Neither this machine nor the cached root is changed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/versions/chroot.sh"
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (overlay mount, chroot)"; exit 77; }
suite=${1:-host}
case $suite in
host) lower=/ ;;
trixie)
	lower=${TANDEM_ROOTS:-/var/cache/tandem/roots}/trixie-cluster
	bash "$top/tests/versions/roots.sh" trixie-cluster | sed 's/^/# /'
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "Bail out! the trixie-cluster root could not be built"; exit 1; }
	;;
*) echo "deb.sh: unknown system '$suite' (none for this machine, or trixie)" >&2; exit 2 ;;
esac

work=$(mktemp -d)
root=$work/root
cleanup() {
	chroot_cleanup
	overlay_unmount "$work"
	rm -rf --one-file-system "$work" # never into a mount that stayed
}
trap cleanup EXIT
overlay_mount "$lower" "$work"
tap_result $? "an overlay of $lower to build and install in"
mountpoint -q "$root" || { tap_done; exit 1; }
chroot_mount "$root"
in_root() { chroot_run "$root" "$@"; }
release=$(. "$root/etc/os-release" && echo "$PRETTY_NAME")
echo "# $release"

rm -rf "$root/build" && mkdir -p "$root/build/tandem"
(cd "$top" && git ls-files -z | xargs -0 tar -cf -) | tar -xf - -C "$root/build/tandem"
out=$(in_root sh -c 'cd /build/tandem && exec dpkg-buildpackage -us -uc -b' 2>&1)
tap_result $? "dpkg-buildpackage -us -uc -b ($release)" "$(tail -20 <<<"$out")"
deb=$(cd "$root/build" && ls tandem_*_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { tap_done; exit 1; }
files=$(dpkg-deb -c "$root/build/$deb" | awk '{print $6}')
for a in vip pgsql stash pgbouncer; do
	tap_like "$files" "^\./usr/lib/ocf/resource\.d/tandem/$a\$" "the package installs ocf:tandem:$a"
	tap_like "$files" "^\./usr/share/man/man7/ocf_tandem_$a\.7\.gz\$" "and its man page"
done
depends=$(dpkg-deb -f "$root/build/$deb" Depends)
! grep -q postgresql <<<"$depends"
tap_result $? "its dependencies name no PostgreSQL major ($depends)"
out=$(in_root lintian --fail-on error "/build/$deb" 2>&1)
tap_result $? "$release's lintian: no error" "$out"

# Installed as an admin installs a local package.  Whatever an earlier
# "make install" left in this system is removed first (in the overlay
# only), so that every check below sees what the package installed.
rm -rf "$root/usr/lib/ocf/resource.d/tandem" "$root"/usr/share/man/man7/ocf_tandem_*
out=$(in_root apt-get install -y -q "/build/$deb" 2>&1)
tap_result $? "apt-get install ./$deb" "$(tail -8 <<<"$out")"
out=$(in_root dpkg-query -W -f '${Status}' tandem 2>&1)
tap_is "$out" "install ok installed" "dpkg records tandem as installed"
out=$(in_root crm_resource --list-agents ocf:tandem 2>&1)
for a in pgbouncer pgsql stash vip; do
	tap_like "$out" "^$a\$" "Pacemaker lists ocf:tandem:$a"
	in_root crm_resource --show-metadata "ocf:tandem:$a" >"$work/$a.xml" 2>&1
	tap_result $? "Pacemaker reads ocf:tandem:$a's meta-data" "$(head -5 "$work/$a.xml")"
	xmllint --noout --relaxng "$root/usr/share/resource-agents/metadata.rng" "$work/$a.xml" >/dev/null 2>&1
	tap_result $? "and it validates against resource-agents' metadata.rng"
	tap_ok "the installed ocf_tandem_$a(7) renders" chroot_run "$root" man ocf_tandem_$a
	# crmsh's view ("name (type): shortdesc", * if required): every parameter.
	if [ -x "$root/usr/sbin/crm" ]; then
		info=$(in_root timeout 120 crm ra info "ocf:tandem:$a" 2>&1)
		missing=$(sed -n 's/.*<parameter name="\([^"]*\)".*/\1/p' "$work/$a.xml" | while read -r p; do
			grep -q "^$p\*\? (" <<<"$info" || printf '%s ' "$p"
		done)
		[ -z "$missing" ]
		tap_result $? "crmsh $(in_root crm --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1) renders every parameter of ocf:tandem:$a" \
			"missing: $missing"
	fi
done

# pgsql on this release's own PostgreSQL: a fresh data directory of the
# newest major installed there (with data checksums, which
# auto_rewind needs), judged by the installed agent
# with no bindir given (it follows PG_VERSION).
major=$(ls "$root/usr/lib/postgresql" | sort -n | tail -1)
pgdata=/build/pgdata
mkdir -p "$root$pgdata"
in_root chown postgres: "$pgdata"
out=$(in_root runuser -u postgres -- "/usr/lib/postgresql/$major/bin/initdb" -D "$pgdata" -A peer --data-checksums 2>&1)
tap_result $? "initdb of PostgreSQL $major" "$(tail -5 <<<"$out")"
pgsql() { # pgsql ACTION [NAME=value...]: the installed agent as Pacemaker's executor runs it
	local action=$1
	shift
	in_root env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=pgsqld HA_RSCTMP=/build \
		OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_notify=true \
		OCF_RESKEY_CRM_meta_promoted_max=1 OCF_RESKEY_pgdata="$pgdata" \
		OCF_RESKEY_pghost=/build OCF_RESKEY_primary_conninfo="host=/build" "$@" /usr/lib/ocf/resource.d/tandem/pgsql "$action" 2>&1
}
out=$(pgsql validate-all)
tap_result $? "pgsql validate-all of a fresh PostgreSQL $major data directory: 0" "$out"
out=$(pgsql monitor OCF_RESKEY_CRM_meta_interval=0)
rc=$?
[ "$rc" = 7 ]
tap_result $? "pgsql's probe of it, with no server running: 7 (not running)" "rc $rc: $out"

out=$(in_root apt-get purge -y -q tandem 2>&1)
tap_result $? "apt-get purge tandem" "$(tail -5 <<<"$out")"
out=$(in_root dpkg-query -W -f '${Status}' tandem 2>&1)
! grep -q ' installed' <<<"$out"
tap_result $? "and dpkg no longer records it as installed" "$out"
[ ! -e "$root/usr/lib/ocf/resource.d/tandem" ]
tap_result $? "with its agents' directory"
tap_done
