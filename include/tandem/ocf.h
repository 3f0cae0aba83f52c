/* ocf.h --- OCF 1.1 exit codes, environment, exit reasons and action dispatch */
#ifndef TANDEM_OCF_H
#define TANDEM_OCF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/deadline.h"
#include "tandem/params.h"

/* The OCF 1.1 exit codes, the one place Tandem defines them. */
enum tandem_ocf_rc {
	TANDEM_OCF_SUCCESS = 0,            //!< action succeeded / running (unpromoted)
	TANDEM_OCF_ERR_GENERIC = 1,        //!< soft error: Pacemaker may retry here
	TANDEM_OCF_ERR_ARGS = 2,           //!< wrong arguments to the agent
	TANDEM_OCF_ERR_UNIMPLEMENTED = 3,  //!< action not implemented
	TANDEM_OCF_ERR_PERM = 4,           //!< insufficient privileges
	TANDEM_OCF_ERR_INSTALLED = 5,      //!< a program or file is missing on this node
	TANDEM_OCF_ERR_CONFIGURED = 6,     //!< bad configuration: fatal everywhere
	TANDEM_OCF_NOT_RUNNING = 7,        //!< cleanly stopped
	TANDEM_OCF_RUNNING_PROMOTED = 8,   //!< running in the promoted role
	TANDEM_OCF_FAILED_PROMOTED = 9,    //!< failed in the promoted role
	TANDEM_OCF_DEGRADED = 190,         //!< running, with reduced service
	TANDEM_OCF_DEGRADED_PROMOTED = 191 //!< promoted, with reduced service
};

const char *tandem_ocf_rc_str(int rc);

/* OCF_RESKEY_<name>, or NULL. */
const char *tandem_ocf_reskey(const char *name);
/* OCF_RESKEY_CRM_meta_<name>, or NULL. */
const char *tandem_ocf_meta(const char *name);
/* A meta attribute holding milliseconds (timeout, interval); def when unset
 * or not a non-negative integer. */
int64_t tandem_ocf_meta_ms(const char *name, int64_t def);
/* A meta attribute holding a count (clone_max, clone_node_max,
 * promoted_max, promoted_node_max); def when unset or not a count. */
long long tandem_ocf_meta_count(const char *name, long long def);
/* OCF_RESOURCE_INSTANCE, or "(unknown)". */
const char *tandem_ocf_instance(void);
/* Where per-resource state that a reboot must clear lives: HA_RSCTMP, as
 * resource-agents names it, else the configured default. */
const char *tandem_ocf_rsctmp(void);
/* How long a condition has held across calls (a monitor seeing a pause, a
 * transitional state): the first call that sees it (now true) stores the
 * time in the transient directory under what; a call that does not clears
 * it.  Seconds since first seen, or -1 when now is false. */
int64_t tandem_ocf_seen_for(const char *what, bool now);
/* OCF_CHECK_LEVEL, 0 when unset or invalid. */
int tandem_ocf_check_level(void);

/* What a failed check is a fact of: the one place a refusal gets its code
 * (issue 28).  Pacemaker stops a resource on every node after
 * ERR_CONFIGURED, so only a value wrong whatever the node may give it;
 * what this node's files, users, programs or interfaces say keeps this
 * node alone out. */
enum tandem_fault {
	TANDEM_FAULT_PARAM,     //!< a value wrong on every node (syntax, range, conflict): ERR_CONFIGURED
	TANDEM_FAULT_NODE,      //!< missing or unusable on this node (program, user, directory, owner, route): ERR_INSTALLED
	TANDEM_FAULT_STATE,     //!< this node's data in a state that may pass (interrupted, corrupt): ERR_GENERIC
};

int tandem_ocf_fault_rc(enum tandem_fault f);

/* Gives the exit reason (tandem_ocf_exit_reason) and returns f's code. */
int tandem_ocf_refuse(enum tandem_fault f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes "ocf-exit-reason:<msg>" on one line to stderr (Pacemaker keeps the
 * last such line) and logs msg at error level.  Newlines in msg are folded. */
void tandem_ocf_exit_reason(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

struct tandem_ctx;
typedef int (*tandem_action_fn)(struct tandem_ctx *ctx);

/* One row of an agent's action table: what it runs and what meta-data
 * advertises for it. */
struct tandem_action {
	const char *name;
	tandem_action_fn run;
	int timeout_s;          //!< advised timeout
	int interval_s;         //!< advised interval, 0 for none
	int depth;              //!< OCF_CHECK_LEVEL advertised, -1 for none
	const char *role;       //!< "Promoted", "Unpromoted" or NULL
};

struct tandem_agent {
	const char *name;       //!< the agent's file name: "vip"
	const char *shortdesc;
	const char *longdesc;
	const struct tandem_param *params;
	size_t n_params;
	const struct tandem_action *actions;
	size_t n_actions;
	/* Checks beyond the parameter table (a file exists, an interface is
	 * there); returns an OCF code and has already given an exit reason. */
	int (*validate)(struct tandem_ctx *ctx);
};

struct tandem_ctx {
	const struct tandem_agent *agent;
	const struct tandem_action *action;
	struct tandem_params *params;
	tandem_deadline deadline;
	int64_t interval_ms;    //!< 0 for a probe or a one-off action
	bool probe;             //!< monitor with interval 0
	int check_level;
};

/* What a failed validation means for the action under way, decided here
 * once.  ERR_CONFIGURED (a value wrong on every node, so never started
 * with it: Pacemaker stops with the parameters of the last start): a stop
 * succeeds, a probe reports not running.  Anything else gets rc. */
int tandem_ocf_invalid_rc(const struct tandem_ctx *ctx, int rc);
/* Whether the action must run despite a validation that failed with rc:
 * a stop or a probe after a fault of this node (any code but
 * ERR_CONFIGURED).  The instance may have started before the fault (a
 * directory replaced, a program removed): only a look for the process
 * can say that nothing runs, and a stop that said so unseen is how two
 * primaries happen. */
bool tandem_ocf_must_look(const struct tandem_ctx *ctx, int rc);

/* The whole life of an agent process: dispatch on argv[1], meta-data and
 * usage first, then validation, then the action.  Returns the exit code. */
int tandem_ocf_main(const struct tandem_agent *agent, int argc, char **argv);

/* The action's rows in the table, or NULL. */
const struct tandem_action *tandem_ocf_find_action(const struct tandem_agent *agent,
						   const char *name);

/* Notification data (OCF_RESKEY_CRM_meta_notify_*), parsed once. */
struct tandem_uname_list {
	char **names;
	size_t n;
};

struct tandem_ocf_notify {
	char *type;             //!< "pre" or "post"
	char *operation;        //!< "start", "stop", "promote", "demote"
	struct tandem_uname_list start, stop, promote, demote;
	struct tandem_uname_list active, inactive, promoted, unpromoted, all;
};

/* Splits a Pacemaker uname list (names separated by white space). */
int tandem_uname_list_parse(const char *s, struct tandem_uname_list *out);
bool tandem_uname_list_has(const struct tandem_uname_list *l, const char *name);
void tandem_uname_list_free(struct tandem_uname_list *l);

/* getter(name) returns the value of OCF_RESKEY_CRM_meta_notify_<name>;
 * NULL uses the environment.  Returns 0, or -1 when type or operation is
 * missing or unknown. */
int tandem_ocf_notify_parse(const char *(*getter)(const char *name),
			    struct tandem_ocf_notify *n);
void tandem_ocf_notify_free(struct tandem_ocf_notify *n);

#endif
