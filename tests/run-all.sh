#!/bin/bash
# run-all.sh --- the README's test command: installs what is missing, then passes every test
#
# After the -Werror build and its make check (units, fuzz corpus replay,
# meta-data and man pages), three lanes run side by side:
#   cpu       the tests that use the processor: the namespace and
#             integration tests under ASan+UBSan, the units and the agents
#             under valgrind, the package, the version matrix (Debian
#             11/13/14 roots), distcheck, the fuzzers, the CPU benchmarks;
#             then a five-node cluster (sync_count=2) on this machine's stack.
#   cluster   the failure matrix in a real Pacemaker cluster on this
#             machine's own stack (make check-cluster), the pgsql monitor
#             benchmark in a cluster node.
#   trixie    the package on Debian 13, the same matrix with every node in
#             a Debian 13 root (make check-cluster-trixie), then the
#             failover benchmark beside PAF + IPaddr2 there, then the
#             five-node cluster there.
# Each cluster is one of its own (CL_PREFIX, CL_DIR).
# Each step's output is printed whole when it ends; at the end a table of
# every step (lane, wall seconds, tests passed and failed), then one line
# "tests: N passed, N failed" counting every test of every step.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
[ "$(id -u)" = 0 ] || { echo "run-all: run as root (apt-get, network namespaces)" >&2; exit 2; }
run_start=$SECONDS
bash tests/deps.sh || exit 1
deps_s=$((SECONDS - run_start))
# The Debian roots of the version matrix and of the Debian 13 cluster lane
# are mostly downloads: made in the background while the builds and the
# unit tests use the CPU (cached under /var/cache/tandem/roots; the steps
# that need them wait on roots.sh's per-suite lock, or rebuild what failed).
mkdir -p _build
# A step's CPU: every process it started, daemons included (a cluster's
# Pacemaker and PostgreSQL are not the step's children once they detach),
# from a cpuacct cgroup of its own; where none can be made, the times
# builtin's reaped children of the step's shell.
CG=/sys/fs/cgroup/cpuacct/tandem-run-$$
mkdir -p "$CG" 2>/dev/null && [ -w "$CG/cgroup.procs" ] || CG=
cg_enter() { # cg_enter NAME: this shell (and what it starts next) in cgroup NAME
	[ -z "$CG" ] || { mkdir -p "$CG/$1" && echo "$BASHPID" >"$CG/$1/cgroup.procs"; }
}
R=$top/_build/steps
rm -rf "$R" && mkdir -p "$R"
(cg_enter roots && exec bash tests/versions/roots.sh trixie-cluster) >_build/roots-cluster.log 2>&1 &
(cg_enter roots && exec bash tests/versions/roots.sh bullseye trixie forky) >_build/roots-versions.log 2>&1 &
printf 'setup\tinstall the dependencies\t%s\t-\t0\t0\tok\n' "$deps_s" >"$R/000.tsv"
# Every wait's bound is stretched for this machine: measured once, here,
# before the lanes load it, for every test of the run (tests/lib/wait.sh).
. tests/lib/wait.sh
echo "run-all: a process start costs $TANDEM_START_US us here: every wait's bound stretched $TANDEM_WAIT_SCALE times"

# A step's counts: each step function sets them (its own shell: a lane).
P=0
F=0
count_automake() { # count_automake DIR: the PASS and FAIL/ERROR counts of an automake run
	P=$(grep -h '^# PASS:' "$1/test-suite.log" 2>/dev/null | awk '{s+=$3} END {print s+0}')
	F=$(grep -h -E '^# (FAIL|ERROR|XPASS):' "$1/test-suite.log" 2>/dev/null | awk '{s+=$3} END {print s+0}')
}
count_tap() { # count_tap TEXT: its ok / not ok lines
	P=$(printf '%s\n' "$1" | grep -c '^ok ')
	F=$(printf '%s\n' "$1" | grep -c '^not ok ')
}
# step LANE NAME CMD...: runs CMD (output kept), records the row of the
# table, prints the output whole (under a lock: lanes print one at a time).
seq_n=0
# cpu_s: the CPU seconds (user + system) of this shell's reaped children,
# from the times builtin (run in this shell: a command substitution would
# be a subshell with no children of its own): what a step cost the machine.
cpu_s() {
	local f=$R/times.$BASHPID
	times >"$f"
	sed -n 2p "$f" | awk '{ for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } } END { printf "%d\n", s }'
	rm -f "$f"
}
step() {
	local lane=$1 name=$2 t c rc out status
	shift 2
	seq_n=$((seq_n + 1))
	out=$R/$lane.$seq_n.out
	P=0 F=0
	t=$SECONDS
	# (Named once: $BASHPID differs in a command substitution.)
	local cf=$R/cpu.$BASHPID
	cpu_s >"$cf"
	cg_enter "$lane.$seq_n"
	"$@" >"$out" 2>&1
	rc=$?
	cpu_s >>"$cf"
	if [ -n "$CG" ]; then
		c=$(($(cat "$CG/$lane.$seq_n/cpuacct.usage") / 1000000000))
	else
		c=$(awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }' "$cf")
	fi
	rm -f "$cf"
	status=ok
	[ $rc = 0 ] && [ "$F" = 0 ] || status=FAILED
	# Never an empty field: read's tab IFS would fold two tabs into one.
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$lane" "$name" $((SECONDS - t)) "${c:-0}" "$P" "$F" "$status" >"$R/$lane.$(printf %03d $seq_n).tsv"
	{
		flock 9
		echo
		echo "=== [$lane] $name ($((SECONDS - t)) s, $c s of CPU, $(date +%T))"
		cat "$out"
		[ $status = ok ] || echo "=== [$lane] $name FAILED (exit $rc, $F failed)"
	} 9>"$R/print.lock"
	[ $status = ok ]
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
	count_automake "$dir"
	[ $rc = 0 ] || { tail -80 "$dir/test-suite.log"; return 1; }
}
tap_run() { # tap_run CMD...: a command whose TAP lines count
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok|#|Bail)'
	count_tap "$out"
	return $rc
}
# Which test runs where: each pass finds what the others cannot.
#   -O2 -Werror (the build installed for the clusters): the units, the fuzz
#     corpus, the meta-data and man pages (the same in every build).
#   ASan+UBSan: the units and every namespace and integration test (every
#     agent's real paths; out-of-bounds, use-after-free, leaks, UB).
#   valgrind: the units and the fuzz corpus, every module's code, for
#     uninitialised reads (which ASan does not see).  The agents of the
#     integration tests under it took over a quarter of an hour of a
#     two-core machine, for paths the units and ASan already run.
#   The -O2 agents' integration test runs on each PostgreSQL of the
#   version matrix, and they run the cluster matrices.
units='$(unit_tests) $(fuzz_replays)'
meta_tests='tests/meta/metadata_test.sh tests/meta/man_test.sh'
shell_tests='tests/vip/netns_test.sh tests/pgsql/integration_test.sh tests/pgsql/fulldisk_test.sh tests/stash/integration_test.sh tests/pgbouncer/integration_test.sh'

autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed" >&2; exit 1; }
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
step main "build -Werror" build _build/werror CFLAGS="-O2 -g -Werror" &&
	step main "make check (units, fuzz corpus, meta-data)" check _build/werror TESTS="$units $meta_tests" &&
	step main "install" make -C _build/werror install
main_ok=$?

# --- the cpu lane -----------------------------------------------------------
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --child-silent-after-fork=yes"
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
		P=$((P + $(wc -w <<<"$params")))
		echo "$*: every parameter rendered"
		return 0
	fi
	for p in "${missing[@]}"; do
		echo "not ok - $* lacks $p"
		F=$((F + 1))
	done
	printf '%s\n' "$out" | sed 's/^/#   /'
	return 1
}
describe() {
	local out agent rc=0
	for agent in vip pgsql stash pgbouncer; do
		rendered "$agent" '^  %s\( (required)\)\?: ' pcs resource describe "ocf:tandem:$agent" || rc=1
		# crmsh's view of the same meta-data: "name (type): shortdesc", * if required.
		rendered "$agent" '^%s\*\? (' timeout 600 crm ra info "ocf:tandem:$agent" || rc=1
	done
	out=$(bash tests/meta/readme_pcs.sh)
	printf '%s\n' "$out"
	P=$((P + $(printf '%s\n' "$out" | grep -c '^ok ')))
	F=$((F + $(printf '%s\n' "$out" | grep -c '^not ok ')))
	printf '%s\n' "$out" | grep -q '^not ok' && rc=1
	return $rc
}
# The scripts, and the Vagrant cluster's file (no VMs here: validated only).
shellcheck_all() { # one file at a time: given several, shellcheck 0.9 missed some warnings
	local f rc=0
	for f in tests/*.sh tests/*/*.sh tests/cluster/fence_tandem_ns tests/stash-double/bin/*.sh vagrant/*.sh .ci/run; do
		shellcheck -S warning "$f" || rc=1
	done
	return $rc
}
# The files scenarios.sh sources share one namespace: a function defined
# twice is silently the later one (a scenario once redefined another's
# reader, and that one's waits read the wrong thing).
harness_once() {
	local twice
	twice=$(for f in tests/lib/tap.sh tests/lib/wait.sh tests/cluster/cluster.sh tests/cluster/scenarios.sh \
		tests/cluster/scenarios-field.sh; do
		grep -o '^[A-Za-z_][A-Za-z0-9_]*() *{' "$f" | sed 's/() *{//'
	done | sort | uniq -d)
	[ -z "$twice" ] || { echo "defined twice in the cluster harness: $twice"; return 1; }
	P=1
}
distcheck() { # the tarball builds and its fast tests pass (the others ran above)
	make -C _build/werror distcheck TESTS="$units $meta_tests" >_build/distcheck.out 2>&1 ||
		{ tail -60 _build/distcheck.out; return 1; }
	grep -A1 'archives ready' _build/distcheck.out
	P=1
}
# make check-versions' lanes, two at a time: each root's tests wait on
# PostgreSQL as much as they compute.  The trixie root's two lanes (the
# upgrade lane is an overlay of it) stay in one run.
versions() {
	local a b rc=0
	a=$(mktemp) b=$(mktemp)
	bash tests/versions/run.sh bullseye forky >"$a" 2>&1 &
	bash tests/versions/run.sh upgrade >"$b" 2>&1 || rc=1
	wait $! || rc=1
	cat "$a" "$b"
	rm -f "$a" "$b"
	return $rc
}
lane_cpu() {
	step cpu "build ASan+UBSan" build _build/asan CFLAGS="-O1 -g $san -Werror" LDFLAGS="$san" &&
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			step cpu "make check (ASan+UBSan): units, namespace and integration tests" \
			check _build/asan TESTS="$units $shell_tests"
	step cpu "make check (valgrind): units, fuzz corpus" check _build/werror TEST_WRAPPER="$vg" TESTS="$units"
	step cpu "pcs resource describe; crm ra info; the README's pcs lines" describe
	step cpu "shellcheck (warnings)" shellcheck_all
	step cpu "the cluster harness defines each function once" harness_once
	step cpu "vagrant validate" sh -c 'cd vagrant && vagrant validate --ignore-provider'
	# The Debian package, on Debian 12: built, lintian-clean, installed with
	# apt-get and used, in a throwaway overlay of this machine (tests/deb.sh).
	step cpu "Debian package" tap_run bash tests/deb.sh
	# The version matrix: PostgreSQL 13, 17 and 18 on Debian 11, 13 and 14
	# roots (tests/versions), built there and tested with the unit tests and
	# the pgsql integration test.  Roots are cached under /var/cache/tandem/roots.
	step cpu "make check-versions (two roots at a time)" tap_run versions
	step cpu "make distcheck" distcheck
	step cpu "fuzz (${FUZZ_SECONDS:-20} s a target)" tap_run bash tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"
	step cpu "benchmark: vip monitor against IPaddr2" bash tests/bench/vip_monitor.sh _build/werror
	step cpu "benchmark: stash monitor against curl" _build/werror/tests/lib/reaper \
		bash tests/bench/stash_monitor.sh _build/werror
	# Each repair of a standby that fell out, beside the clone by hand it
	# replaces (a 256 MiB database here; the README's figures are 1 GiB).
	step cpu "benchmark: repairs against a clone by hand" env REPAIR_MB=256 _build/werror/tests/lib/reaper \
		bash tests/bench/repair.sh _build/werror
	# Five nodes, two copies of each commit (sync_count=2): a cluster of
	# its own, when this lane's CPU work is done.
	CL_PREFIX=tdq- CLUSTER_NODES=5 CLUSTER_EXTRAS=0 CLUSTER_SCENARIOS=quorum \
		step cpu "make check-cluster, five nodes: sync_count=2" cluster check-cluster check-cluster-five
}

# --- the cluster lanes -------------------------------------------------------
cluster() { # cluster TARGET [NAME]: make TARGET, its TAP lines counted; its output in _build/NAME.out (TARGET's)
	local rc out=_build/${2:-$1}.out
	make -C _build/werror "$1" >"$out" 2>&1
	rc=$?
	grep -E '^(ok|not ok|# )' "$out"
	count_tap "$(cat "$out")"
	[ $rc = 0 ] || tail -30 "$out"
	return $rc
}
lane_cluster() {
	export CL_PREFIX=tdc-
	step cluster "make check-cluster" cluster check-cluster
	step cluster "benchmark: pgsql monitor against pgsqlms (in a cluster node)" _build/werror/tests/lib/reaper \
		bash tests/bench/pgsql_monitor.sh _build/werror
}
lane_trixie() {
	export CL_PREFIX=tdt-
	# The package on Debian 13, in an overlay of the root that the lane's
	# cluster then runs in (so before it): built by its toolchain, its
	# lintian, installed and used on PostgreSQL 17.
	step trixie "Debian package, Debian 13" tap_run bash tests/deb.sh trixie
	# Every node in a Debian 13 root: Pacemaker 3.0, pcs 0.12, PostgreSQL 17.
	step trixie "make check-cluster-trixie" cluster check-cluster-trixie
	# PAF 2.3.0 on Pacemaker 3.0 in the root, Tandem's side from this
	# lane's matrix (one stack: a cluster of PAF's costs as much as one of
	# the matrices' scenarios run twice).
	step trixie "benchmark: failover against PAF + IPaddr2, Debian 13 nodes" \
		env TANDEM_SUMMARY=_build/check-cluster-trixie.out \
		CL_ROOT=/var/cache/tandem/roots/trixie-cluster bash tests/bench/failover.sh _build/werror
	# The cpu lane's five nodes, on Debian 13 (the root's Tandem as the
	# matrix built it).
	TRIXIE_BUILD=reuse CLUSTER_NODES=5 CLUSTER_SCENARIOS=quorum CLUSTER_TLS=0 CLUSTER_ARCHIVE=0 \
		step trixie "make check-cluster-trixie, five nodes: sync_count=2" cluster check-cluster-trixie check-cluster-trixie-five
}

if [ $main_ok = 0 ]; then
	lane_cluster &
	c=$!
	lane_trixie &
	t=$!
	lane_cpu &
	u=$!
	wait $c $t $u
fi

echo
echo "=== the steps (wall seconds, and CPU seconds of their processes; the lanes ran side by side)"
printf '%-8s %-72s %6s %6s %6s %6s %s\n' lane step wall cpu passed failed ""
passed=0
failed=0
bad=()
for f in "$R"/*.tsv; do
	IFS=$'\t' read -r lane name s c p fl st <"$f"
	printf '%-8s %-72s %6s %6s %6s %6s %s\n' "$lane" "$name" "$s" "$c" "$p" "$fl" "$([ "$st" = ok ] || echo FAILED)"
	passed=$((passed + p))
	failed=$((failed + fl))
	[ "$st" = ok ] || bad+=("[$lane] $name")
done
for lane in main cluster trixie cpu; do
	s=$(cat "$R"/$lane.*.tsv 2>/dev/null | awk -F'\t' '{s+=$3} END {print s+0}')
	c=$(cat "$R"/$lane.*.tsv 2>/dev/null | awk -F'\t' '{s+=$4} END {print s+0}')
	printf '%-8s %-72s %6s %6s\n' "$lane" "(the lane in all)" "$s" "$c"
done
[ -z "$CG" ] || printf '%-8s %-72s %6s %6s\n' roots "(the Debian roots, made in the background)" - $(($(cat "$CG/roots/cpuacct.usage" 2>/dev/null || echo 0) / 1000000000))
total_cpu=-
[ -z "$CG" ] || total_cpu=$(($(cat "$CG/cpuacct.usage") / 1000000000))
printf '%-8s %-72s %6s %6s\n' all "(the whole run)" $((SECONDS - run_start)) "$total_cpu"
echo
[ $main_ok = 0 ] || bad+=("the build or its first checks")
[ ${#bad[@]} = 0 ] || printf 'failed step: %s\n' "${bad[@]}"
echo "tests: $passed passed, $failed failed"
[ ${#bad[@]} = 0 ] && [ "$failed" = 0 ]
