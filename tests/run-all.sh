#!/bin/bash
# run-all.sh --- the README's test command: installs what is missing, then passes every test
#
# 1. a -Werror build and make check (units, fuzz corpus replay, namespace tests)
# 2. the same under AddressSanitizer + UndefinedBehaviorSanitizer
# 3. the unit tests and the agent under valgrind
# 4. the failure matrix in a real Pacemaker cluster (make check-cluster; and
#    make check-cluster-trixie, every node in a Debian 13 root), the version
#    matrix on Debian 11/13/14 roots (make check-versions), and make distcheck
# 5. each fuzz target for FUZZ_SECONDS (default 20)
# 6. the benchmarks (each prints its table; none asserts anything about speed)
# Ends with one line "tests: N passed, N failed" counting every test of every step.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
[ "$(id -u)" = 0 ] || { echo "run-all: run as root (apt-get, network namespaces)" >&2; exit 2; }
bash tests/deps.sh || exit 1
# The Debian roots of the version matrix and of the Debian 13 cluster lane
# are mostly downloads: made in the background while the builds and the
# unit tests use the CPU (cached under /var/cache/tandem/roots; the steps
# that need them wait on roots.sh's per-suite lock, or rebuild what failed).
mkdir -p _build
bash tests/versions/roots.sh trixie-cluster >_build/roots-cluster.log 2>&1 &
bash tests/versions/roots.sh bullseye trixie forky >_build/roots-versions.log 2>&1 &

passed=0
failed=0
steps_failed=()
# count DIR: adds up the PASS and FAIL/ERROR counts of an automake run.
count() {
	local p f
	p=$(grep -h '^# PASS:' "$1/test-suite.log" 2>/dev/null | awk '{s+=$3} END {print s+0}')
	f=$(grep -h -E '^# (FAIL|ERROR|XPASS):' "$1/test-suite.log" 2>/dev/null | awk '{s+=$3} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
}
step() {
	local name=$1
	shift
	echo
	echo "=== $name"
	if ! "$@"; then
		steps_failed+=("$name")
		return 1
	fi
}
build() { # build DIR CONFIGURE-ARGS...
	local dir=$1 rc
	shift
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" &&
		"$top/configure" -q "$@" && make -j2 >/dev/null
	rc=$?
	cd "$top" || return 1
	return $rc
}
check() { # check DIR [MAKE-ARGS...]
	local dir=$1 rc
	shift
	make -C "$dir" -j2 check "$@" >"$dir/check.out" 2>&1
	rc=$?
	grep -E '^(FAIL|ERROR|XPASS|SKIP):' "$dir/check.out" || true
	grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$dir/check.out"
	count "$dir"
	[ $rc = 0 ] || { tail -80 "$dir/test-suite.log"; return 1; }
}

autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed" >&2; exit 1; }

step "build -Werror" build _build/werror CFLAGS="-O2 -g -Werror" &&
	step "make check" check _build/werror

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
step "build ASan+UBSan" build _build/asan CFLAGS="-O1 -g $san -Werror" LDFLAGS="$san" &&
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	step "make check (ASan+UBSan)" check _build/asan

vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --child-silent-after-fork=yes"
VALGRIND="$vg" step "make check (valgrind)" check _build/werror TEST_WRAPPER="$vg"

# What an admin sees: the installed agents, rendered by pcs.
# rendered AGENT LINE_REGEX CMD...: CMD's text names every parameter of
# AGENT's meta-data on a line matching LINE_REGEX (%s is the name).  A
# reading that lacks some is taken again (up to three; crmsh once printed
# a partial one on a loaded machine): the verdict is that of one whole
# reading, and a failure prints what it saw.
rendered() {
	local agent=$1 fmt=$2 out p try missing params
	shift 2
	params=$("_build/werror/agents/$agent/$agent" meta-data | sed -n 's/.*<parameter name="\([^"]*\)".*/\1/p')
	for try in 1 2 3; do
		missing=()
		out=$("$@" 2>&1) || missing=("(exit $?)")
		for p in $params; do
			printf '%s\n' "$out" | grep -q "${fmt//%s/$p}" || missing+=("$p")
		done
		[ ${#missing[@]} = 0 ] && break
		echo "# $* reading $try lacks: ${missing[*]}"
		sleep 1
	done
	if [ ${#missing[@]} = 0 ]; then
		passed=$((passed + $(wc -w <<<"$params")))
		echo "$*: every parameter rendered"
		return 0
	fi
	for p in "${missing[@]}"; do
		echo "not ok - $* lacks $p"
		failed=$((failed + 1))
	done
	printf '%s\n' "$out" | sed 's/^/#   /'
	return 1
}
describe() {
	local out agent rc=0
	make -C _build/werror install >/dev/null || return 1
	for agent in vip pgsql stash pgbouncer; do
		rendered "$agent" '^  %s\( (required)\)\?: ' pcs resource describe "ocf:tandem:$agent" || rc=1
		# crmsh's view of the same meta-data: "name (type): shortdesc", * if required.
		rendered "$agent" '^%s\*\? (' timeout 120 crm ra info "ocf:tandem:$agent" || rc=1
	done
	out=$(bash tests/meta/readme_pcs.sh)
	printf '%s\n' "$out"
	passed=$((passed + $(printf '%s\n' "$out" | grep -c '^ok ')))
	failed=$((failed + $(printf '%s\n' "$out" | grep -c '^not ok ')))
	printf '%s\n' "$out" | grep -q '^not ok' && rc=1
	return $rc
}
step "install; pcs resource describe; the README's pcs lines" describe

# The scripts, and the Vagrant cluster's file (no VMs here: validated only).
shellcheck_all() { # one file at a time: given several, shellcheck 0.9 missed some warnings
	local f rc=0
	for f in tests/*.sh tests/*/*.sh tests/cluster/fence_tandem_ns tests/stash-double/bin/*.sh vagrant/*.sh .ci/run; do
		shellcheck -S warning "$f" || rc=1
	done
	return $rc
}
step "shellcheck (warnings)" shellcheck_all
step "vagrant validate" sh -c 'cd vagrant && vagrant validate --ignore-provider'


# The Debian package, on Debian 12: built, lintian-clean, installed with
# apt-get and used, in a throwaway overlay of this machine (tests/deb.sh).
tap_step() { # tap_step CMD...: a step whose TAP lines count
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
	passed=$((passed + $(printf '%s\n' "$out" | grep -c '^ok ')))
	failed=$((failed + $(printf '%s\n' "$out" | grep -c '^not ok ')))
	return $rc
}
step "Debian package" tap_step bash tests/deb.sh

# The failure matrix in a real cluster (tests/cluster/scenarios.sh).
cluster() { # cluster TARGET: make TARGET, its TAP lines counted; its output in _build/TARGET.out
	local out rc
	make -C _build/werror "$1" >"_build/$1.out" 2>&1
	rc=$?
	out=$(grep -E '^(ok|not ok|# )' "_build/$1.out")
	printf '%s\n' "$out"
	passed=$((passed + $(printf '%s\n' "$out" | grep -c '^ok ')))
	failed=$((failed + $(printf '%s\n' "$out" | grep -c '^not ok ')))
	[ $rc = 0 ] || tail -30 "_build/$1.out"
	return $rc
}
step "make check-cluster" cluster check-cluster
# The same with every node in a Debian 13 root: Pacemaker 3.0, pcs 0.12,
# PostgreSQL 17 (kill9 poweroff partition switchover lagging).
step "make check-cluster-trixie" cluster check-cluster-trixie
# The package on Debian 13, in an overlay of the same root: built by its
# toolchain, its lintian, installed and used on PostgreSQL 17.
step "Debian package, Debian 13" tap_step bash tests/deb.sh trixie

# The version matrix: PostgreSQL 13, 17 and 18 on Debian 11, 13 and 14 roots
# (tests/versions), built there and tested with the unit tests and the pgsql
# integration test.  Roots are cached under /var/cache/tandem/roots.
step "make check-versions" tap_step make -C _build/werror check-versions

distcheck() {
	make -C _build/werror distcheck >_build/distcheck.out 2>&1 || { tail -60 _build/distcheck.out; return 1; }
	grep -A1 'archives ready' _build/distcheck.out
}
step "make distcheck" distcheck

fuzz_out=$(bash tests/fuzz/run.sh "${FUZZ_SECONDS:-20}" 2>&1)
fuzz_rc=$?
echo
echo "=== fuzz"
printf '%s\n' "$fuzz_out"
passed=$((passed + $(printf '%s\n' "$fuzz_out" | grep -c '^ok ')))
failed=$((failed + $(printf '%s\n' "$fuzz_out" | grep -c '^not ok ')))
[ $fuzz_rc = 0 ] || steps_failed+=("fuzz")

step "benchmark: vip monitor against IPaddr2" bash tests/bench/vip_monitor.sh _build/werror
step "benchmark: pgsql monitor against pgsqlms (in a cluster node)" _build/werror/tests/lib/reaper \
	bash tests/bench/pgsql_monitor.sh _build/werror
step "benchmark: stash monitor against curl" _build/werror/tests/lib/reaper \
	bash tests/bench/stash_monitor.sh _build/werror
# Each repair of a standby that fell out, beside the clone by hand it
# replaces (a 256 MiB database here; the README's figures are 1 GiB).
step "benchmark: repairs against a clone by hand" env REPAIR_MB=256 _build/werror/tests/lib/reaper \
	bash tests/bench/repair.sh _build/werror
# Tandem's side from this run's check-cluster, PAF's run here.
step "benchmark: failover against PAF + IPaddr2" env TANDEM_SUMMARY=_build/check-cluster.out \
	bash tests/bench/failover.sh _build/werror
# The same on the Debian 13 root (PAF 2.3.0 on Pacemaker 3.0), Tandem's
# side from check-cluster-trixie (the root's Tandem is that lane's build).
step "benchmark: failover against PAF + IPaddr2, Debian 13 nodes" env TANDEM_SUMMARY=_build/check-cluster-trixie.out \
	CL_ROOT=/var/cache/tandem/roots/trixie-cluster bash tests/bench/failover.sh _build/werror

echo
[ ${#steps_failed[@]} = 0 ] || echo "failed steps: ${steps_failed[*]}"
echo "tests: $passed passed, $failed failed"
[ ${#steps_failed[@]} = 0 ] && [ "$failed" = 0 ]
