/* writer.c --- a client that commits numbered rows and records each one acknowledged
 *
 *   writer CONNINFO SECONDS INTERVAL_MS ACKFILE
 *
 * Every INTERVAL_MS it inserts the next number into table acked; a number
 * is written to ACKFILE only once its COMMIT returned success, so ACKFILE
 * is exactly the set of acknowledged commits.  A failure drops the
 * connection and the next round reconnects (through the VIP, to whichever
 * node holds it).  At the end it prints "acked N failed N gap_ms N": the
 * longest time between two acknowledged commits is the outage clients saw.
 * SIGTERM ends it early, after the statement in flight, with the same line.
 * A statement still unanswered WRITER_GRACE_S after the run's end (a
 * connection the client's own keepalives did not end) counts as failed and
 * ends the run, with a line on stderr: a test never waits on its client. */
#include "config.h"

#include <libpq-fe.h>
#include <poll.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define WRITER_GRACE_S 60

/* The result of SQL on CONN, or NULL once DEADLINE (ms) has passed. */
static PGresult *
exec_by(PGconn *conn, const char *sql, double deadline)
{
	PGresult *r, *last = NULL;

	if (!PQsendQuery(conn, sql))
		return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	for (;;) {
		while (!PQisBusy(conn)) {
			r = PQgetResult(conn);
			if (r == NULL)
				return last != NULL ? last : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
			PQclear(last);
			last = r;
		}
		double left = deadline - now_ms();
		struct pollfd p = { .fd = PQsocket(conn), .events = POLLIN };

		if (left <= 0) {
			PQclear(last);
			return NULL;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
		if (!PQconsumeInput(conn))
			return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	}
}

int
main(int argc, char **argv)
{
	PGconn *conn = NULL;
	double end, last_ack = 0, gap = 0;
	long n = 0, acked = 0, failed = 0;
	char why[256] = "";     /* the last failure's message, for the test's diagnostics */
	int interval;
	FILE *ack;

	if (argc != 5) {
		fprintf(stderr, "usage: writer CONNINFO SECONDS INTERVAL_MS ACKFILE\n");
		return 2;
	}
	end = now_ms() + atof(argv[2]) * 1000;
	interval = atoi(argv[3]);
	ack = fopen(argv[4], "w");
	if (ack == NULL) {
		perror(argv[4]);
		return 1;
	}
	signal(SIGTERM, on_term);
	while (!stop && now_ms() < end) {
		char sql[96];
		PGresult *r;
		double t;

		if (conn == NULL) {
			conn = PQconnectdb(argv[1]);
			if (PQstatus(conn) != CONNECTION_OK) {
				snprintf(why, sizeof(why), "%s", PQerrorMessage(conn));
				PQfinish(conn);
				conn = NULL;
				failed++;
				usleep((useconds_t)interval * 1000);
				continue;
			}
			PQclear(exec_by(conn, "CREATE TABLE IF NOT EXISTS acked (n bigint PRIMARY KEY)",
					end + WRITER_GRACE_S * 1e3));
		}
		n++;
		snprintf(sql, sizeof(sql), "INSERT INTO acked VALUES (%ld)", n);
		r = exec_by(conn, sql, end + WRITER_GRACE_S * 1e3);
		if (r == NULL) {
			fprintf(stderr, "writer: INSERT %ld unanswered %d s after the run's end: given up\n", n,
				WRITER_GRACE_S);
			failed++;
			break;
		}
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			t = now_ms();
			fprintf(ack, "%ld\n", n);
			fflush(ack);
			if (last_ack > 0 && t - last_ack > gap)
				gap = t - last_ack;
			last_ack = t;
			acked++;
		} else {
			snprintf(why, sizeof(why), "%s", PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
										 : PQerrorMessage(conn));
			failed++;
			PQfinish(conn);
			conn = NULL;
		}
		PQclear(r);
		usleep((useconds_t)interval * 1000);
	}
	PQfinish(conn);
	fclose(ack);
	/* One line, whatever the message (the result line must start one). */
	why[strcspn(why, "\n")] = '\0';
	if (why[0] != '\0')
		fprintf(stderr, "writer: last failure: %s\n", why);
	fflush(stderr);
	printf("acked %ld failed %ld gap_ms %.0f\n", acked, failed, gap);
	return 0;
}
