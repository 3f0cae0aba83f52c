/* stash.h --- ocf:tandem:stash, Stash / Bitbucket Server in cold standby: parameters, health, decisions */
#ifndef TANDEM_STASH_H
#define TANDEM_STASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/http.h"
#include "tandem/ocf.h"

enum stash_param {
	STASH_INSTALL_DIR,
	STASH_HOME_DIR,
	STASH_USER,
	STASH_STATUS_URL,
	STASH_JAVA_HOME,
	STASH_PIDFILE,
	STASH_TRANSITION_GRACE,
	STASH_DB_CHECK,
	STASH_N_PARAMS
};

extern const struct tandem_param stash_params[STASH_N_PARAMS];

#define STASH_ATTR_DB "tandem-stash-db"         //!< "reachable" | "unreachable" | "unknown"

/* What /status said, as the guide's table names it. */
enum stash_health {
	STASH_RUNNING,          //!< 200 {"state":"RUNNING"}
	STASH_MAINTENANCE,      //!< 200 {"state":"MAINTENANCE"}: backup, migration
	STASH_FIRST_RUN,        //!< 200 {"state":"FIRST_RUN"}: not configured yet
	STASH_STARTING,         //!< 503 {"state":"STARTING"}
	STASH_STOPPING,         //!< 503 {"state":"STOPPING"}
	STASH_ERROR,            //!< 500 {"state":"ERROR"}
	STASH_UNDEPLOYED,       //!< 404: the web application failed to deploy
	STASH_REFUSED,          //!< connection refused: nothing listens
	STASH_TIMEOUT,          //!< no answer within the deadline
	STASH_REDIRECT,         //!< a 3xx: /status never redirects
	STASH_BAD_ANSWER,       //!< any other status code or body
	STASH_UNREACHABLE,      //!< anything else (DNS, TLS)
};

const char *stash_health_str(enum stash_health h);

/* Reads {"state":"..."} from a /status body: the state word (at most
 * len - 1 characters, letters and _ only) into out.  False when the body
 * is not that JSON object. */
bool stash_parse_state(const char *body, size_t body_len, char *out, size_t len);

/* The guide's table, first half: what an HTTP result means. */
enum stash_health stash_classify(const struct tandem_http_result *r);

/* Whether h is no reading at all (refused, no answer, an answer that is
 * not /status's): read again while the JVM lives (tandem_reread). */
bool stash_reading_failed(enum stash_health h);

/* Which action asks. */
enum stash_phase { STASH_PHASE_START, STASH_PHASE_STOP, STASH_PHASE_MONITOR };

/* Whether Stash's database answers (db_check). */
enum stash_db { STASH_DB_UNKNOWN, STASH_DB_UP, STASH_DB_DOWN };

/* The guide's table, second half: what to do about it. */
struct stash_verdict {
	bool wait;              //!< start/stop: not there yet, ask again
	int rc;                 //!< otherwise: the action's exit code
	int level;              //!< how loud to say it (LOG_INFO .. LOG_ERR)
	const char *why;        //!< one line; NULL when there is nothing to say
};

/* jvm_alive: the pidfile names a live process using this home.
 * transitional_s: how long monitor has seen STARTING/STOPPING (or no
 * answer) in a row; grace_s: how long that may last.  db: the database's
 * reachability, asked only when the verdict would be a failure. */
struct stash_verdict stash_decide(enum stash_health h, enum stash_phase phase, bool jvm_alive,
				  int64_t transitional_s, int64_t grace_s, enum stash_db db);
/* Whether a failure verdict for h would be wrong if the database is down
 * (then the caller asks the database, and decides again). */
bool stash_db_matters(enum stash_health h);

/* A JDBC URL for PostgreSQL, as pgjdbc reads it. */
#define STASH_JDBC_MAX_HOSTS 8
struct stash_jdbc {
	char hosts[STASH_JDBC_MAX_HOSTS][256];
	char ports[STASH_JDBC_MAX_HOSTS][8];
	size_t n_hosts;
	char dbname[128];
	char target[16];        //!< libpq's target_session_attrs: any, read-write, standby, prefer-standby
};

/* jdbc:postgresql://host[:port][,host[:port]...]/[db][?k=v&...] and the
 * short forms jdbc:postgresql:db and jdbc:postgresql:/ .  Hosts are names,
 * IPv4 or bracketed IPv6 addresses.  False, with why, on anything else. */
bool stash_parse_jdbc(const char *url, struct stash_jdbc *out, char *why, size_t why_len);

/* The value of key in Java properties text (comments, = : or blank as
 * separator, backslash escapes and continuation lines).  Returns a
 * malloc'ed string, or NULL when the key is absent. */
char *stash_properties_get(const char *text, const char *key);

/* Actions (stash.c). */
int stash_validate(struct tandem_ctx *ctx);
int stash_start(struct tandem_ctx *ctx);
int stash_stop(struct tandem_ctx *ctx);
int stash_monitor(struct tandem_ctx *ctx);
int stash_validate_all(struct tandem_ctx *ctx);

#endif
