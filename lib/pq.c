/* pq.c --- PostgreSQL checks through libpq: one connection, one round trip, a deadline */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tandem/log.h"
#include "tandem/pq.h"

#define MAX_PARAMS 32

static void
set_why(char *why, size_t len, const char *what, const char *detail)
{
	size_t n;

	snprintf(why, len, "%s: %s", what, detail != NULL && *detail ? detail : "unknown error");
	/* libpq's messages end with a newline; a reason is one line. */
	n = strlen(why);
	while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
		why[--n] = '\0';
	for (char *p = why; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Waits until the socket is ready for what libpq asked; false at the deadline. */
static bool
wait_socket(PGconn *conn, bool for_write, tandem_deadline deadline)
{
	struct pollfd pfd = { .fd = PQsocket(conn), .events = for_write ? POLLOUT : POLLIN };

	for (;;) {
		int64_t left = tandem_deadline_left(deadline);
		int r;

		if (left == 0 || pfd.fd < 0)
			return false;
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

PGconn *
tandem_pq_connect(const char *const *keys, const char *const *values,
		  tandem_deadline deadline, char *why, size_t why_len)
{
	const char *k[MAX_PARAMS + 3], *v[MAX_PARAMS + 3];
	char timeout[32];
	size_t n = 0;
	PGconn *conn;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	for (; keys[n] != NULL && n < MAX_PARAMS; n++) {
		k[n] = keys[n];
		v[n] = values[n];
	}
	/* A backstop for each host of a multi-host string: our own poll
	 * below is what keeps the deadline (libpq's minimum is 2 s). */
	snprintf(timeout, sizeof(timeout), "%lld",
		 (long long)(tandem_deadline_left(deadline) / 1000 > 2
				     ? tandem_deadline_left(deadline) / 1000 : 2));
	k[n] = "connect_timeout";
	v[n++] = timeout;
	k[n] = "fallback_application_name";
	v[n++] = "tandem";
	k[n] = NULL;
	v[n] = NULL;

	/* expand_dbname: a dbname holding "key=value" pairs is a conninfo. */
	conn = PQconnectStartParams(k, v, 1);
	if (conn == NULL) {
		set_why(why, why_len, "could not connect", "out of memory");
		return NULL;
	}
	while (PQstatus(conn) != CONNECTION_BAD) {
		if (st == PGRES_POLLING_OK)
			return conn;
		if (st == PGRES_POLLING_FAILED)
			break;
		if (!wait_socket(conn, st == PGRES_POLLING_WRITING, deadline)) {
			set_why(why, why_len, "could not connect", "timed out");
			PQfinish(conn);
			return NULL;
		}
		st = PQconnectPoll(conn);
	}
	set_why(why, why_len, "could not connect", PQerrorMessage(conn));
	PQfinish(conn);
	return NULL;
}

static void
abandon(PGconn **conn)
{
	PQfinish(*conn);
	*conn = NULL;
}

static PGresult *
query(PGconn **conn, const char *sql, bool simple, tandem_deadline deadline, char *why, size_t why_len)
{
	PGresult *res, *last = NULL;
	int f;

	/* The extended protocol takes exactly one statement. */
	if (!(simple ? PQsendQuery(*conn, sql) : PQsendQueryParams(*conn, sql, 0, NULL, NULL, NULL, NULL, 0))) {
		set_why(why, why_len, "could not send query", PQerrorMessage(*conn));
		return NULL;
	}
	while ((f = PQflush(*conn)) == 1) {
		if (!wait_socket(*conn, true, deadline))
			goto timeout;
	}
	if (f < 0) {
		set_why(why, why_len, "could not send query", PQerrorMessage(*conn));
		return NULL;
	}
	for (;;) {
		while (PQisBusy(*conn)) {
			if (!wait_socket(*conn, false, deadline))
				goto timeout;
			if (!PQconsumeInput(*conn)) {
				set_why(why, why_len, "query failed", PQerrorMessage(*conn));
				PQclear(last);
				return NULL;
			}
		}
		res = PQgetResult(*conn);
		if (res == NULL)
			break;
		PQclear(last);
		last = res;
	}
	if (last == NULL) {
		set_why(why, why_len, "query failed", PQerrorMessage(*conn));
		return NULL;
	}
	if (PQresultStatus(last) != PGRES_TUPLES_OK && PQresultStatus(last) != PGRES_COMMAND_OK) {
		set_why(why, why_len, "query failed", PQresultErrorMessage(last));
		PQclear(last);
		return NULL;
	}
	return last;
timeout:
	PQclear(last);
	set_why(why, why_len, "query failed", "timed out");
	abandon(conn);
	return NULL;
}

PGPing
tandem_pq_ping(const char *const *keys, const char *const *values, tandem_deadline deadline)
{
	const char *k[MAX_PARAMS + 2], *v[MAX_PARAMS + 2];
	long long hosts = 1, each;
	char timeout[32];
	size_t n = 0;

	for (; keys[n] != NULL && n < MAX_PARAMS; n++) {
		k[n] = keys[n];
		v[n] = values[n];
		if (strcmp(keys[n], "host") == 0 && values[n] != NULL)
			for (const char *c = values[n]; *c != '\0'; c++)
				hosts += *c == ',';
	}
	if (tandem_deadline_left(deadline) == 0)
		return PQPING_NO_RESPONSE;
	each = tandem_deadline_left(deadline) / 1000 / hosts;
	snprintf(timeout, sizeof(timeout), "%lld", each > 2 ? each : 2);
	k[n] = "connect_timeout";
	v[n++] = timeout;
	k[n] = NULL;
	v[n] = NULL;
	return PQpingParams(k, v, 0);
}

PGresult *
tandem_pq_query(PGconn **conn, const char *sql, tandem_deadline deadline, char *why, size_t why_len)
{
	return query(conn, sql, false, deadline, why, why_len);
}

PGresult *
tandem_pq_query_simple(PGconn **conn, const char *sql, tandem_deadline deadline, char *why, size_t why_len)
{
	return query(conn, sql, true, deadline, why, why_len);
}

int
tandem_pq_stream_from(PGconn *conn, uint32_t tli, uint64_t lsn, tandem_deadline deadline, char sqlstate[6],
		      char *why, size_t why_len)
{
	char cmd[96];
	PGresult *res;
	bool copying = false;

	sqlstate[0] = '\0';
	snprintf(cmd, sizeof(cmd), "START_REPLICATION PHYSICAL %X/%X TIMELINE %u", (unsigned)(lsn >> 32),
		 (unsigned)lsn, (unsigned)tli);
	if (!PQsendQuery(conn, cmd)) {
		set_why(why, why_len, "could not ask for WAL", PQerrorMessage(conn));
		return -1;
	}
	for (;;) {
		if (copying) {
			char *buf = NULL;
			int n = PQgetCopyData(conn, &buf, 1);

			if (n > 0) {
				/* 'w': XLogData, WAL from the point asked; 'k': a keepalive. */
				bool wal = buf[0] == 'w';

				PQfreemem(buf);
				if (wal)
					return 1;
				continue;
			}
			if (n < 0)
				copying = false; /* ended: its result says why */
		}
		if (!copying) {
			while (!PQisBusy(conn) && (res = PQgetResult(conn)) != NULL) {
				ExecStatusType st = PQresultStatus(res);
				const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

				if (st == PGRES_COPY_BOTH) {
					PQclear(res);
					copying = true;
					break;
				}
				/* An error from the server itself (it has an SQLSTATE) is its
				 * answer; anything else (a lost connection) is no answer. */
				set_why(why, why_len, "the server will not stream from there",
					PQresultErrorMessage(res));
				if (state != NULL)
					snprintf(sqlstate, 6, "%.5s", state);
				PQclear(res);
				return st == PGRES_FATAL_ERROR && state != NULL ? 0 : -1;
			}
			if (copying)
				continue;
			if (PQstatus(conn) == CONNECTION_BAD) {
				set_why(why, why_len, "connection lost", PQerrorMessage(conn));
				return -1;
			}
		}
		if (!wait_socket(conn, false, deadline)) {
			set_why(why, why_len, "no answer", "timed out");
			return -1;
		}
		if (!PQconsumeInput(conn)) {
			set_why(why, why_len, "connection lost", PQerrorMessage(conn));
			return -1;
		}
	}
}
