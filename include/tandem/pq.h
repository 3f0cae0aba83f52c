/* pq.h --- PostgreSQL checks through libpq: one connection, one round trip, a deadline */
#ifndef TANDEM_PQ_H
#define TANDEM_PQ_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/deadline.h"

/* Opens a connection from keyword/value arrays (NULL-terminated keys, as
 * PQconnectdbParams), without ever blocking past the deadline: the
 * non-blocking connect is polled against it.  Passwords come from a
 * passfile or the environment, never from a command line.  Returns the
 * connection, or NULL with why filled in. */
PGconn *tandem_pq_connect(const char *const *keys, const char *const *values,
			  tandem_deadline deadline, char *why, size_t why_len);

/* Sends one statement and returns its result (PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK) or NULL with why filled in; at the deadline the
 * connection is abandoned (closed and set to NULL). */
PGresult *tandem_pq_query(PGconn **conn, const char *sql, tandem_deadline deadline,
			  char *why, size_t why_len);

/* The same over the simple query protocol, for servers that speak only
 * that (PgBouncer's admin console). */
PGresult *tandem_pq_query_simple(PGconn **conn, const char *sql, tandem_deadline deadline,
				 char *why, size_t why_len);

/* Whether a server answers at all, with no authentication (PQpingParams:
 * PQPING_OK, PQPING_REJECT for one that refuses connections, as when
 * starting up, PQPING_NO_RESPONSE).  libpq's ping blocks: each host gets
 * a connect_timeout that keeps the whole within the deadline (2 s each at
 * least, libpq's minimum). */
PGPing tandem_pq_ping(const char *const *keys, const char *const *values, tandem_deadline deadline);

/* Whether the server at the end of conn (a replication connection,
 * replication=true) streams WAL from lsn on timeline tli, asked as a
 * standby's walreceiver asks: START_REPLICATION PHYSICAL lsn TIMELINE tli,
 * with no slot (PostgreSQL's walsender.c, StartReplication).  Returns 1
 * when WAL from there arrives; 0 when the server refuses, with its message
 * in why and its SQLSTATE in sqlstate (messages may be translated, the
 * code is not): the segment is already removed (58P01), or the point is
 * not in its history (a fork) or ahead of its WAL; -1 when it cannot tell
 * (no answer by the deadline, the connection lost).  Only worth asking
 * for a point before the server's end of WAL (IDENTIFY_SYSTEM's xlogpos):
 * from its very end nothing comes until it writes more.  conn is left in
 * COPY mode or broken: close it after. */
int tandem_pq_stream_from(PGconn *conn, uint32_t tli, uint64_t lsn, tandem_deadline deadline,
			  char sqlstate[6], char *why, size_t why_len);

#endif
