/* pqfloor.c --- the floor of a PostgreSQL monitor: one libpq connection, one query
 *
 *   pqfloor CONNINFO QUERY [USER]
 * What any monitor written against libpq must at least do; exits 0 when
 * the query returned rows, 1 otherwise.  QUERY "monitor" is the query
 * ocf:tandem:pgsql's monitor sends, so the floor does the same work on the
 * server and the difference is the agent's own.  Started by root with USER, it
 * takes USER's identity for the connection (peer authentication), as the
 * agent does. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pgsql.h"

int
main(int argc, char **argv)
{
	PGconn *conn;
	PGresult *r;
	int ok;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: pqfloor CONNINFO QUERY [USER]\n");
		return 2;
	}
	if (argc == 4) {
		struct passwd *pw = getpwnam(argv[3]);

		if (pw == NULL || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
			fprintf(stderr, "pqfloor: cannot become %s\n", argv[3]);
			return 2;
		}
	}
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "pqfloor: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	r = PQexec(conn, strcmp(argv[2], "monitor") == 0 ? PG_MONITOR_QUERY : argv[2]);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
	PQclear(r);
	PQfinish(conn);
	return ok ? 0 : 1;
}
