#!/bin/bash
# inside.sh --- run inside a version-matrix root (tests/versions/run.sh): build Tandem, run its tests
#
# The unit tests and the pgsql integration test (three real PostgreSQL
# instances of the root's own major), built from /tandem with the root's
# compiler and libraries.  Prints automake's summary; exits non-zero on a
# failure or a skip (a test skipped here proves nothing about this major).
set -uo pipefail
cd /tandem || exit 1
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
rm -rf _build/versions && mkdir -p _build/versions && cd _build/versions || exit 1
../../configure -q >configure.out 2>&1 || { tail -20 configure.out; exit 1; }
make -j2 >make.out 2>&1 || { grep -E 'error|warning' make.out | head -20; exit 1; }
# TESTS is expanded by make: the same unit test list as make check's.
# failures LOG: each failed test with what it printed around it (the
# log's tail is only its last test).
failures() {
	grep -n -B 8 -A 30 -E '^not ok|^Bail out' "$1" | head -150
	tail -5 "$1"
}
make -j2 check TESTS='$(unit_tests) tests/pgsql/integration_test.sh' >check.out 2>&1
rc=$?
grep -E '^(FAIL|ERROR|XPASS|SKIP):' check.out
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' check.out
# Which PostgreSQL the tests ran, in the integration test's own words
# (run.sh checks the major is the one the lane is for).
. /tandem/tests/lib/pg.sh
echo "ran $("$(pg_bindir)/postgres" --version)"
grep -h "healthy primary's data directory" tests/pgsql/integration_test.log
skips=$(sed -n 's/^# SKIP: *//p' check.out)
[ "$rc" = 0 ] || { failures test-suite.log; exit 1; }
[ "${skips:-0}" = 0 ] || { echo "skipped tests count as failures here"; exit 1; }
# TANDEM_PG_BINDIR_ALSO: the integration test once more, on the other
# PostgreSQL installed here (the same build: a root with two majors).
[ -n "${TANDEM_PG_BINDIR_ALSO:-}" ] || exit 0
# The attack lane runs here too: Debian 13's own PostgreSQL.
TANDEM_PG_BINDIR=$TANDEM_PG_BINDIR_ALSO make -j2 check \
	TESTS='tests/pgsql/integration_test.sh tests/security/attack_test.sh' >check-also.out 2>&1
rc=$?
grep -E '^(FAIL|ERROR|XPASS|SKIP):' check-also.out
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' check-also.out
echo "ran $("$TANDEM_PG_BINDIR_ALSO/postgres" --version)"
grep -h "healthy primary's data directory" tests/pgsql/integration_test.log
grep -h "the life runs to its end unattacked" tests/security/attack_test.log
skips=$(sed -n 's/^# SKIP: *//p' check-also.out)
[ "$rc" = 0 ] || { failures test-suite.log; exit 1; }
[ "${skips:-0}" = 0 ] || { echo "skipped tests count as failures here"; exit 1; }
