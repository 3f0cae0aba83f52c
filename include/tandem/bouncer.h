/* bouncer.h --- PgBouncer's admin console through libpq: state, PAUSE, RESUME, SHUTDOWN */
#ifndef TANDEM_BOUNCER_H
#define TANDEM_BOUNCER_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/deadline.h"

/* conninfo names the admin console ("host=/run/postgresql port=6432
 * dbname=pgbouncer user=pgbouncer", a passfile for its password).  Each
 * call is one connection and one command of the simple protocol, within
 * the deadline; 0, or -1 with why. */
int tandem_bouncer_command(const char *conninfo, const char *command, tandem_deadline deadline,
			   char *why, size_t why_len);
/* PAUSE every database (PAUSE waits until its server connections are
 * released: transaction pooling), or RESUME every paused one; each by name,
 * so that SHOW DATABASES shows the pause. */
int tandem_bouncer_pause(const char *conninfo, tandem_deadline deadline, char *why, size_t why_len);
int tandem_bouncer_resume(const char *conninfo, tandem_deadline deadline, char *why, size_t why_len);
/* SHOW DATABASES: whether any database is paused. */
int tandem_bouncer_paused(const char *conninfo, tandem_deadline deadline, bool *paused,
			  char *why, size_t why_len);

#endif
