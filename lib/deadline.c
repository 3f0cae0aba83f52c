/* deadline.c --- monotonic deadlines derived from the action timeout */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "tandem/deadline.h"
#include "tandem/log.h"
#include "tandem/ocf.h"

int64_t
tandem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

tandem_deadline
tandem_deadline_in(int64_t ms)
{
	tandem_deadline d = { tandem_now_ms() + (ms > 0 ? ms : 0) };

	return d;
}

int64_t
tandem_deadline_margin(int64_t timeout_ms)
{
	int64_t m = timeout_ms / 10;

	if (m < 200)
		m = 200;
	if (m > 5000)
		m = 5000;
	return m;
}

tandem_deadline
tandem_deadline_from_env(int64_t default_ms)
{
	int64_t timeout = tandem_ocf_meta_ms("timeout", default_ms);

	if (timeout <= 0)
		timeout = default_ms;
	return tandem_deadline_in(timeout - tandem_deadline_margin(timeout));
}

int64_t
tandem_deadline_left(tandem_deadline d)
{
	int64_t left = d.at_ms - tandem_now_ms();

	return left > 0 ? left : 0;
}

bool
tandem_deadline_expired(tandem_deadline d)
{
	return tandem_deadline_left(d) == 0;
}

tandem_deadline
tandem_deadline_cap(tandem_deadline d, int64_t ms)
{
	tandem_deadline c = tandem_deadline_in(ms);

	return c.at_ms < d.at_ms ? c : d;
}

bool
tandem_deadline_sleep(tandem_deadline d, int64_t ms)
{
	tandem_deadline until = tandem_deadline_cap(d, ms);
	struct timespec ts = {
		.tv_sec = until.at_ms / 1000,
		.tv_nsec = (until.at_ms % 1000) * 1000000,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return !tandem_deadline_expired(d);
}

bool
tandem_reread(tandem_deadline deadline, bool (*read)(void *arg), void *arg, const char *what)
{
	int n = 1;

	while (!read(arg)) {
		if (!tandem_deadline_sleep(deadline, TANDEM_REREAD_MS))
			return false;
		n++;
		/* Said once, not at every tick: a persisting failure is the
		 * caller's to report. */
		if (n == 2)
			tandem_log(LOG_INFO, "%s failed once: reading it again every %d ms until the deadline",
				   what, TANDEM_REREAD_MS);
	}
	if (n > 1)
		tandem_log(LOG_INFO, "%s answered at reading %d: a transient failure, not a failed resource", what, n);
	return true;
}
