/* bouncer.c --- PgBouncer's admin console through libpq: state, PAUSE, RESUME, SHUTDOWN */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tandem/bouncer.h"
#include "tandem/log.h"
#include "tandem/pq.h"

static PGconn *
admin(const char *conninfo, tandem_deadline deadline, char *why, size_t why_len)
{
	/* expand_dbname: the whole conninfo rides in dbname. */
	const char *keys[] = { "dbname", NULL };
	const char *vals[] = { conninfo, NULL };

	return tandem_pq_connect(keys, vals, deadline, why, why_len);
}

int
tandem_bouncer_command(const char *conninfo, const char *command, tandem_deadline deadline,
		       char *why, size_t why_len)
{
	PGconn *c = admin(conninfo, deadline, why, why_len);
	PGresult *r;

	if (c == NULL)
		return -1;
	r = tandem_pq_query_simple(&c, command, deadline, why, why_len);
	PQclear(r);
	PQfinish(c);
	if (r != NULL)
		tandem_log(LOG_DEBUG, "pgbouncer: %s done", command);
	return r != NULL ? 0 : -1;
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* PAUSE or RESUME each database (the admin console's own aside) whose
 * paused flag is not yet what the command makes it.  Per database, not the
 * global PAUSE: SHOW DATABASES shows only per-database pauses, and a pause
 * someone can see is one monitor can end. */
static int
each_database(const char *conninfo, const char *verb, bool want_paused, tandem_deadline deadline, char *why,
	      size_t why_len)
{
	PGconn *c = admin(conninfo, deadline, why, why_len);
	PGresult *r;
	int name, paused, rc = 0;

	if (c == NULL)
		return -1;
	r = tandem_pq_query_simple(&c, "SHOW DATABASES", deadline, why, why_len);
	if (r == NULL) {
		PQfinish(c);
		return -1;
	}
	name = PQfnumber(r, "name");
	paused = PQfnumber(r, "paused");
	for (int i = 0; name >= 0 && paused >= 0 && i < PQntuples(r) && rc == 0; i++) {
		const char *db = PQgetvalue(r, i, name);
		char cmd[128];
		PGresult *done;

		if (strcmp(db, "pgbouncer") == 0 || (strcmp(PQgetvalue(r, i, paused), "1") == 0) == want_paused)
			continue;
		/* Quoted, as the console takes any name (PAUSE "app-db"; an
		 * unquoted one is only a word: pgbouncer #537).  A quote or a
		 * control character inside it cannot be sent. */
		if (strlen(db) > 63 || strchr(db, '"') != NULL || has_control(db)) {
			tandem_log(LOG_WARNING, "pgbouncer: database \"%s\" not %sd (a name the admin console cannot take)",
				   db, verb);
			continue;
		}
		snprintf(cmd, sizeof(cmd), "%s \"%s\"", verb, db);
		done = tandem_pq_query_simple(&c, cmd, deadline, why, why_len);
		if (done == NULL)
			rc = -1;
		PQclear(done);
		if (c == NULL)
			break;
	}
	if (name < 0 || paused < 0) {
		snprintf(why, why_len, "SHOW DATABASES has no name or paused column");
		rc = -1;
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}

int
tandem_bouncer_pause(const char *conninfo, tandem_deadline deadline, char *why, size_t why_len)
{
	return each_database(conninfo, "PAUSE", true, deadline, why, why_len);
}

int
tandem_bouncer_resume(const char *conninfo, tandem_deadline deadline, char *why, size_t why_len)
{
	return each_database(conninfo, "RESUME", false, deadline, why, why_len);
}

int
tandem_bouncer_paused(const char *conninfo, tandem_deadline deadline, bool *paused, char *why, size_t why_len)
{
	PGconn *c = admin(conninfo, deadline, why, why_len);
	PGresult *r;
	int col;

	*paused = false;
	if (c == NULL)
		return -1;
	r = tandem_pq_query_simple(&c, "SHOW DATABASES", deadline, why, why_len);
	PQfinish(c);
	if (r == NULL)
		return -1;
	col = PQfnumber(r, "paused");
	if (col < 0) {
		snprintf(why, why_len, "SHOW DATABASES has no paused column");
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, col), "1") == 0)
			*paused = true;
	PQclear(r);
	return 0;
}
