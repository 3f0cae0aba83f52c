/* instance.h --- inside ocf:tandem:pgsql: what its action files share (not a library interface) */
#ifndef TANDEM_PGSQL_INSTANCE_H
#define TANDEM_PGSQL_INSTANCE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tandem/ocf.h"
#include "tandem/pgdata.h"
#include "tandem/spawn.h"
#include "pgsql.h"

#define SEGMENT (16ULL << 20)   /* attribute granularity for LSNs on display */

/* Everything an action knows about the instance. */
struct pg {
	struct tandem_ctx *ctx;
	const struct tandem_params *p;
	const char *pgdata, *datadir, *user, *node;
	char node_buf[256];
	char bindir[4096];
	bool bindir_auto;       //!< bindir not given: from PG_VERSION (or the primary's major)
	char postgres[4200], pg_ctl[4200], pg_rewind[4200], pg_basebackup[4200];
	enum pg_sync_mode mode;
	uid_t uid;
	gid_t gid;
	PGconn *conn;
	struct pg_facts facts;
	struct pg_seen seen;
	struct tandem_pgcontrol control;
	char why[512];
};

/* instance.c */
void set_bindir(struct pg *pg, const char *dir);
void pg_init(struct pg *pg, struct tandem_ctx *ctx);
void pg_close(struct pg *pg);
/* A PostgreSQL program run as system_user, within the action's deadline;
 * -1 with pg->why set when it could not run, timed out or failed. */
int run_as(struct pg *pg, const char *const argv[], struct tandem_spawn_result *res);
int run_simple(struct pg *pg, const char *const argv[]);
/* The same, the program stopped (and counted a success) as soon as
 * until(arg) holds, polled every 10 ms: pg_ctl -w looks every 100 ms
 * (pg_ctl.c, WAITS_PER_SEC), and a start or a stop on a failover's path
 * need not wait for its next look. */
int run_with(struct pg *pg, const char *const argv[], bool (*until)(void *arg), void *arg,
	     struct tandem_spawn_result *res);
int run_until(struct pg *pg, const char *const argv[], bool (*until)(void *arg), void *arg);
bool local_connect(struct pg *pg, tandem_deadline deadline);
PGresult * sql(struct pg *pg, const char *statement);
/* ALTER SYSTEM SET each setting (n/2 pairs: name, value), then one
 * pg_reload_conf(); false with pg->why set at the first that fails. */
bool alter_system(struct pg *pg, const char *const *settings, size_t n);
/* Whether this instance carries logical failover slots (logical_failover
 * on, and its server can: pg_logical_failover), as its last facts say. */
bool logical_failover(struct pg *pg);
/* Whether node is in maintenance (pcs node maintenance: its node
 * attribute maintenance): 1 yes, 0 no, -1 unknown (logged). */
int node_in_maintenance(struct pg *pg, const char *node);
/* Removes the oldest DATADIR.<what>-* (beside_datadir's) beyond keep,
 * as system_user: a repair's data directories, a rewind's diverged WAL. */
void prune_aside(struct pg *pg, const char *what, long long keep);
/* Whether this node may never be promoted (pg_never_promote with its role
 * as its monitor last read it, and its recovery_min_apply_delay). */
bool never_promote(struct pg *pg, char *why, size_t len);
/* Whether this node's role is never-sync: promotable, never a synchronous
 * voter (a standby across a slow link, whose latency every commit would
 * wait for). */
bool never_sync(void);
bool postmaster_alive(struct pg *pg);
pid_t postmaster_pid(struct pg *pg);
void remove_stale_pidfile(struct pg *pg);
/* The data directory opened and checked (tandem_safefs_dir: a directory
 * system_user owns, writable by no group or other): root's file work in it
 * goes through this descriptor only (issue 26).  -1 with pg->why set. */
int datadir_fd(struct pg *pg);
void beside_datadir(struct pg *pg, const char *what, char *out, size_t len);
/* The segments of timeline tli in pg_wal from the one where at falls on,
 * when a later one of them holds WAL (its first page says so: a recycled
 * file renamed ahead does not): WAL received from a primary that went on
 * past at and not replayed yet (a delayed standby), which the startup
 * process would replay before it streams.  Returns how many (0: none
 * past at), -1 when pg_wal cannot be read (pg->why).  move: set aside
 * into a DATADIR.diverged-<time> directory (dest, len) instead, and
 * returns how many were. */
int wal_past(struct pg *pg, uint32_t tli, uint64_t at, bool move, char *dest, size_t len);
/* A standby's look, every few seconds, for WAL it received past where the
 * newest timeline it knows leaves its own, not replayed (a delayed standby
 * at a failover): an error with the repair its restart makes, or success. */
int received_fork_look(struct pg *pg);
/* What this node's WAL held past the fork (diverged: pg_rewind's "servers
 * diverged at WAL location ..." line), decoded from the WAL saved in
 * saved on its timeline by a detached child: a report there, and
 * PG_ATTR_LOST (lost.c). */
void report_lost(struct pg *pg, const char *saved, const char *diverged, uint32_t timeline);
enum pg_role observe(struct pg *pg);
void publish(struct pg *pg, const char *name, const char *value, bool private_);
void publish_lsn(struct pg *pg, const char *name, uint64_t lsn);
void set_score(struct pg *pg, const char *node, long long score);
size_t read_names(const char *what, char names[][64], size_t max);
size_t known_nodes(char names[][64], size_t max);
size_t database_nodes(char names[][64], size_t max);
bool in_names(char names[][64], size_t n, const char *name);
void remember_nodes(const struct tandem_ocf_notify *ntf);
int read_commit_record(struct pg *pg, struct pg_commit_record *r, char *why, size_t len);
bool write_commit_record(struct pg *pg, const struct pg_commit_record *r, bool force, char *why, size_t len);
void record_of(struct pg *pg, const char *names, const char *also, struct pg_commit_record *r);
/* The members of also (a synchronous_standby_names value or a plain
 * list; NULL: none) added to r's synchronous standbys, once each. */
void record_add(struct pg_commit_record *r, const char *also);
void conninfo(struct pg *pg, char *out, size_t len);
int remote_is_primary(struct pg *pg, uint32_t *tli, uint32_t *ckpt_tli);
const char * seconds_left(struct pg *pg, double share, char buf[32]);
void state_path(char *buf, size_t len, const char *what);
uint64_t known_upstream(void);
/* The timeline of the WAL this node holds at its end (pg->facts from
 * observe): a primary's current one, a streaming standby's received_tli;
 * else the newest of pg_control's and its WAL files' (0: unknown). */
uint32_t wal_timeline(struct pg *pg);
/* This node as a candidate (pg->facts from an answered observe): the end
 * of its WAL, on the timeline of that WAL, with where that timeline began
 * (its history file) and its primary's end as it last saw it. */
void election_self(struct pg *pg, struct pg_candidate *c);
/* A standby's replay a moment behind what it received (a switchover's
 * target replaying the demote's last records) is waited for, up to ms:
 * pg->facts.replayed as it reached.  One whose replay is held (a query
 * conflict, recovery_min_apply_delay) stays behind, and loses a tie. */
void replay_settle(struct pg *pg, int64_t ms);
void free_pairs(char **nodes, char **values, size_t n);
bool read_state(const char *what, char *buf, size_t len);
bool write_state(const char *what, const char *text);
void write_flag(const char *what, bool yes);
bool take_flag(const char *what);

/* monitor.c */
void primary_duties(struct pg *pg, bool promoting);
bool may_be_promoted(struct pg *pg, const char *const *present, size_t n, char *why, size_t len);
bool record_allows_promotion(struct pg *pg, int read_rc, const struct pg_commit_record *rec, const char *err,
			     const char *const *present, size_t n, char *why, size_t len);
void clear_refusal(struct pg *pg);
void refuse_promotion(struct pg *pg, const char *reason, bool first);

/* validate.c */
bool dir_empty_or_missing(const char *path);
bool dir_only_lost_found(const char *path);

/* start.c */
/* The empty data directory made system_user's before a clone: created,
 * or a directory of root's or system_user's, never through a symbolic
 * link.  An OCF code, with a reason when it is not SUCCESS. */
int claim_datadir(struct pg *pg);
int clone_from_primary(struct pg *pg);
int rejoin_if_diverged(struct pg *pg, bool forked, bool *rewound, bool *cannot);

/* repair.c */
int follow_or_repair(struct pg *pg);
int repair_standby(struct pg *pg, const char *repair);
int clone_again(struct pg *pg, const char *why);
int reclone_cut_short(struct pg *pg);

/* instance.c: pgBackRest's program (PG_PGBACKREST, or TANDEM_PGBACKREST in tests). */
const char *pgbackrest_program(void);

#endif
