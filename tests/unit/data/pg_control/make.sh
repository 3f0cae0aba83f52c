#!/bin/bash
# make.sh --- makes the pg_control samples of one PostgreSQL version (as root)
#
# Usage: bash tests/unit/data/pg_control/make.sh ROOT [MAJOR]
#
# ROOT is a root from tests/versions/roots.sh (/var/cache/tandem/roots/SUITE),
# or / for this host; MAJOR picks among several /usr/lib/postgresql/NN in it
# (default: 15 on the host, else the only one there is).
#
# As user postgres, inside ROOT, in a new directory under ROOT's /tmp: initdb
# (--no-sync, that version's defaults otherwise), then beside this script
#   pgNN.bin          global/pg_control of the stopped cluster ("shut down")
#   pgNN.txt          that version's pg_controldata of it (LC_ALL=C)
#   pgNN-running.bin  the same while the server runs ("in production"), after
#   pgNN-running.txt  a CHECKPOINT; the server then stops with -m immediate
# The server listens on no TCP address, only on a socket in that directory.
# Everything it made is removed, and everything it mounted unmounted, on any exit.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "make.sh: run as root (chroot, mount, runuser)" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: make.sh ROOT [MAJOR]" >&2
	exit 2
fi
out=$(cd "$(dirname "$0")" && pwd)
root=$(realpath "$1")
[ -d "$root" ] || { echo "make.sh: no root $root" >&2; exit 2; }

major=${2:-}
if [ -z "$major" ]; then
	if [ "$root" = / ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		major=15
	else
		found=()
		for d in "$root"/usr/lib/postgresql/*/bin/initdb; do
			[ -x "$d" ] || continue
			d=${d%/bin/initdb}
			found+=("${d##*/}")
		done
		[ ${#found[@]} = 1 ] || { echo "make.sh: PostgreSQL in $root: ${found[*]:-none}; give MAJOR" >&2; exit 2; }
		major=${found[0]}
	fi
fi
bin=/usr/lib/postgresql/$major/bin
for t in initdb pg_ctl pg_controldata psql; do
	[ -x "$root$bin/$t" ] || { echo "make.sh: no $root$bin/$t" >&2; exit 2; }
done
if [ "$root" = / ]; then
	root=""
fi
[ -e "$root/tmp" ] || { echo "make.sh: no $root/tmp" >&2; exit 2; }

mounted=""  # the chroot whose mounts cleanup removes
pgdata=""   # the work directory, as seen inside the root
started=""  # set while the server may run
log=$(mktemp)

# as_postgres CMD...: CMD as user postgres, in the root, with a clean environment.
as_postgres() {
	local env=(/usr/bin/env -i PATH="$bin:/usr/sbin:/usr/bin:/sbin:/bin" LC_ALL=C TZ=UTC)
	if [ -n "$root" ]; then
		chroot "$root" "${env[@]}" runuser -u postgres -- "$@"
	else
		"${env[@]}" runuser -u postgres -- "$@"
	fi
}

cleanup() {
	local m
	if [ -n "$started" ]; then
		as_postgres pg_ctl stop -D "$pgdata/data" -m immediate -w >>"$log" 2>&1 || true
		started=""
	fi
	if [[ $pgdata == /tmp/tandem-pg_control.* ]]; then
		rm -rf --one-file-system "$root$pgdata"
		pgdata=""
	fi
	if [ -n "$mounted" ]; then
		while read -r m; do
			[ -n "$m" ] || continue
			umount "$m" 2>/dev/null || umount -l "$m" || true
		done < <(findmnt -rn -o TARGET | awk -v d="$mounted/" 'index($0, d) == 1' | sort -r)
		mounted=""
	fi
	rm -f "$log"
}
fail() {
	echo "make.sh: pg$major: $*; log:" >&2
	cat "$log" >&2
	exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ -n "$root" ]; then
	# pg_ctl needs /proc; the server, /dev/null and a /dev/shm for its shared memory.
	mounted=$root
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --bind /dev "$root/dev"
	mount --make-private "$root/dev"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
fi
as_postgres id >/dev/null 2>&1 || fail "no user postgres in ${root:-/}"

pgdata=$(as_postgres mktemp -d /tmp/tandem-pg_control.XXXXXX)
data=$pgdata/data
as_postgres initdb -D "$data" --no-sync -A trust -U postgres -E UTF8 --locale=C >>"$log" 2>&1 ||
	fail "initdb failed"

cp "$root$data/global/pg_control" "$out/pg$major.bin"
chmod 644 "$out/pg$major.bin"
as_postgres pg_controldata -D "$data" >"$out/pg$major.txt" 2>>"$log" || fail "pg_controldata failed"

started=1
as_postgres pg_ctl start -D "$data" -w -t 60 -l "$pgdata/server.log" \
	-o "-c listen_addresses='' -c unix_socket_directories='$pgdata'" >>"$log" 2>&1 || {
	cat "$root$pgdata/server.log" >>"$log" 2>/dev/null || true
	fail "pg_ctl start failed"
}
as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$pgdata" -U postgres -d postgres -c CHECKPOINT >>"$log" 2>&1 ||
	fail "CHECKPOINT failed"
cp "$root$data/global/pg_control" "$out/pg$major-running.bin"
chmod 644 "$out/pg$major-running.bin"
as_postgres pg_controldata -D "$data" >"$out/pg$major-running.txt" 2>>"$log" || fail "pg_controldata failed"
as_postgres pg_ctl stop -D "$data" -m immediate -w >>"$log" 2>&1 || fail "pg_ctl stop failed"
started=""

grep -q '^Database cluster state: *shut down$' "$out/pg$major.txt" || fail "pg$major.txt: not shut down"
grep -q '^Database cluster state: *in production$' "$out/pg$major-running.txt" ||
	fail "pg$major-running.txt: not in production"
echo "make.sh: pg$major from ${root:-/}: pg$major.bin pg$major.txt pg$major-running.bin pg$major-running.txt"
