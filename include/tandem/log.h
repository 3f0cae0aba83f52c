/* log.h --- logging through libqb: syslog, stderr and the cluster log file */
#ifndef TANDEM_LOG_H
#define TANDEM_LOG_H

#include <qb/qblog.h>

/* Sets up libqb logging for agent, tagged "tandem-<agent>(<instance>)":
 * syslog (daemon facility) and stderr always, plus the file named by
 * HA_LOGFILE or PCMK_logfile when set.  HA_debug=1 (or PCMK_debug) adds
 * debug messages.  Safe to call more than once. */
void tandem_log_init(const char *agent);
void tandem_log_fini(void);

/* The log file target opened by tandem_log_init(), or -1. */
int tandem_log_file_target(void);

#endif
