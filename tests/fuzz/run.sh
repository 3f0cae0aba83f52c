#!/bin/bash
# run.sh --- builds every fuzz target with libFuzzer (clang) and runs each for a while
#
#   tests/fuzz/run.sh [SECONDS]    default 20 s per target
# Targets are the parsers of outside input: parameters and notify
# variables from Pacemaker, attrd_updater's output, netlink messages, ARP
# packets and pidfiles, what PostgreSQL answers, and what Stash hands over
# (/status bodies, JDBC URLs, properties files).  Seeds are in tests/fuzz/corpus/<target>/.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# config.h comes from a configured tree; the fuzz build needs only these.
cat >"$out/config.h" <<'H'
#define _GNU_SOURCE 1
#define PACKAGE_VERSION "fuzz"
#define TANDEM_OCF_ROOT "/usr/lib/ocf"
#define TANDEM_RSCTMP_DIR "/run/resource-agents"
#define TANDEM_CRM_ATTRIBUTE "/usr/sbin/crm_attribute"
#define TANDEM_ATTRD_UPDATER "/usr/sbin/attrd_updater"
H
for lib in libqb libpq; do
	echo "#define TANDEM_${lib#lib}_SONAME \"$(objdump -p "$(pkg-config --variable=libdir $lib)/$lib.so" | sed -n 's/^ *SONAME *//p')\"" |
		sed 's/TANDEM_qb/TANDEM_LIBQB/; s/TANDEM_pq/TANDEM_LIBPQ/' >>"$out/config.h"
done
read -ra cflags <<<"$(pkg-config --cflags libqb libmnl libcurl libpq)"
# libpq is loaded by lib/pqload.c, as in the agents.
read -ra libs <<<"$(pkg-config --libs libqb libmnl libcurl)"
# shellcheck disable=SC2054 # the commas are clang's
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-I"$out" -I"$top/include" -I"$top/agents/vip" "${cflags[@]}")
lib=("$top"/lib/*.c)
status=0
for target in params notify attr netlink packets pgsql stash; do
	extra=()
	case $target in
	params) extra=("$top/tests/fuzz/lines.c" "$top/agents/vip/params.c" "$top/agents/vip/vip.c") ;;
	notify) extra=("$top/tests/fuzz/lines.c") ;;
	pgsql) extra=(-I"$top/agents/pgsql" "$top/agents/pgsql/decide.c") ;;
	stash) extra=(-I"$top/agents/stash" "$top/agents/stash/decide.c") ;;
	esac
	clang "${flags[@]}" -o "$out/fuzz_$target" "$top/tests/fuzz/fuzz_$target.c" "${extra[@]}" "${lib[@]}" "${libs[@]}"
	mkdir -p "$out/corpus-$target"
	seeds="$top/tests/fuzz/corpus/$target"
	echo "# fuzz_$target: $secs s"
	if "$out/fuzz_$target" -max_total_time="$secs" -max_len=4096 -timeout=5 \
		"$out/corpus-$target" "$seeds" >"$out/log-$target" 2>&1; then
		echo "ok - fuzz_$target: $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/log-$target") runs, no crash"
	else
		echo "not ok - fuzz_$target found a crash:"
		tail -40 "$out/log-$target"
		status=1
	fi
done
exit $status
