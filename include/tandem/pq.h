/* pq.h --- PostgreSQL checks through libpq: one connection, one round trip, a deadline */
#ifndef TANDEM_PQ_H
#define TANDEM_PQ_H

#include <libpq-fe.h>
#include <stddef.h>

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

#endif
