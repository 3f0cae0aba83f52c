/* log.h --- logging through libqb: syslog, stderr and the cluster log file */
#ifndef TANDEM_LOG_H
#define TANDEM_LOG_H

#include <syslog.h>

/* Separates the short text of a message from technical detail, as libqb's
 * QB_XS: syslog and stderr keep both, and Pacemaker's exit reason never
 * carries one. */
#define TANDEM_XS "\a"

/* Records the agent's name (messages are tagged
 * "tandem-<agent>(<instance>)") and the level: info, or debug with
 * HA_debug=1 (or PCMK_debug).  Targets: syslog (daemon facility) and
 * stderr always, the file named by HA_LOGFILE or PCMK_logfile when set.
 *
 * libqb itself, and the libsystemd it brings, is loaded only when a first
 * message passes the level: a healthy monitor logs nothing, and loading
 * them would double the cost of every call (tests/bench/vip_monitor.sh). */
void tandem_log_init(const char *agent);
void tandem_log_fini(void);

/* Logs at priority (LOG_ERR .. LOG_DEBUG) when the level lets it through. */
#define tandem_log(priority, ...) \
	tandem_log_at(__func__, __FILE__, __LINE__, (priority), __VA_ARGS__)
void tandem_log_at(const char *function, const char *file, int line, int priority,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* True when priority would be logged. */
int tandem_log_enabled(int priority);

/* The log file target once libqb is loaded, -1 when none was opened.
 * Exposed for tests. */
int tandem_log_file_target(void);

#endif
