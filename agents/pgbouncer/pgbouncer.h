/* pgbouncer.h --- ocf:tandem:pgbouncer, PgBouncer on every database node: parameters, actions */
#ifndef TANDEM_PGBOUNCER_H
#define TANDEM_PGBOUNCER_H

#include <stdbool.h>
#include <stdint.h>

#include "tandem/ocf.h"

enum pgb_param {
	PGB_CONFIG,
	PGB_BINARY,
	PGB_USER,
	PGB_ADMIN,
	PGB_PASSFILE,
	PGB_PIDFILE,
	PGB_PAUSE_TIMEOUT,
	PGB_N_PARAMS
};

extern const struct tandem_param pgb_params[PGB_N_PARAMS];

/* What monitor does about a pause: it was seen paused_s ago first (-1:
 * not paused).  True when it has lasted past the budget and must end. */
bool pgb_pause_overdue(int64_t paused_s, int64_t budget_s);

int pgb_validate(struct tandem_ctx *ctx);
int pgb_start(struct tandem_ctx *ctx);
int pgb_stop(struct tandem_ctx *ctx);
int pgb_monitor(struct tandem_ctx *ctx);
int pgb_validate_all(struct tandem_ctx *ctx);

#endif
