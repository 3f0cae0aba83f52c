# pg.sh --- which PostgreSQL the shell tests run
# shellcheck shell=bash
#
#   pg_bindir   TANDEM_PG_BINDIR, else the newest major's bin directory
#               installed (Debian's layout): 15 here, 13, 17 or 18 in
#               the version matrix's roots (tests/versions)
#   pg_major    that bin directory's major (15)
#   pg_datadir  Debian's data directory of that major (/var/lib/postgresql/15/main)
pg_bindir() {
	if [ -n "${TANDEM_PG_BINDIR:-}" ]; then
		echo "$TANDEM_PG_BINDIR"
		return
	fi
	find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -1
}

pg_major() {
	basename "$(dirname "$(pg_bindir)")"
}

pg_datadir() {
	echo "/var/lib/postgresql/$(pg_major)/main"
}
