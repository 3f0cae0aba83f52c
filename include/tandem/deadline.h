/* deadline.h --- monotonic deadlines derived from the action timeout */
#ifndef TANDEM_DEADLINE_H
#define TANDEM_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

/* An absolute point on CLOCK_MONOTONIC, in milliseconds.  Passed by value to
 * every helper that may block, so no helper can outlive the action. */
typedef struct {
	int64_t at_ms;
} tandem_deadline;

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t tandem_now_ms(void);

tandem_deadline tandem_deadline_in(int64_t ms);

/* The deadline of the current action: OCF_RESKEY_CRM_meta_timeout (ms) or
 * default_ms when it is unset, minus a margin that leaves time to report an
 * exit reason before Pacemaker kills the process group. */
tandem_deadline tandem_deadline_from_env(int64_t default_ms);

/* The margin kept before Pacemaker's own timeout: a tenth, within 200 ms..5 s. */
int64_t tandem_deadline_margin(int64_t timeout_ms);

/* Milliseconds left, never negative. */
int64_t tandem_deadline_left(tandem_deadline d);
bool tandem_deadline_expired(tandem_deadline d);

/* The earlier of d and now + ms: for a step that must also be short. */
tandem_deadline tandem_deadline_cap(tandem_deadline d, int64_t ms);

/* Sleep ms, or until d if sooner.  Returns false when d has expired. */
bool tandem_deadline_sleep(tandem_deadline d, int64_t ms);

/* Transient versus persistent, the one rule every agent's monitor follows
 * (issue #16).  A reading that fails (a dropped connection, a refused or
 * empty reply, "too many clients", a netlink dump cut short) is taken
 * again every TANDEM_REREAD_MS until one succeeds or the deadline comes:
 * one failed reading is not a failed resource, the same failure lasting
 * the whole action is.  read() returns true for a reading it got, whatever
 * fact it shows ("the address is not there" is a reading; "no answer" is
 * not).  Returns true once a reading is got, false at the deadline (the
 * last reading's failure then stands: read() keeps what it says).  what
 * names the reading in the log ("the admin console"). */
bool tandem_reread(tandem_deadline deadline, bool (*read)(void *arg), void *arg, const char *what);
#define TANDEM_REREAD_MS 200

#endif
