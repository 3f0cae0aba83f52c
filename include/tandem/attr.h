/* attr.h --- transient node attributes and promotion scores through Pacemaker's tools */
#ifndef TANDEM_ATTR_H
#define TANDEM_ATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/deadline.h"

/* Pacemaker's attribute daemon API is internal (ipc_attrd_internal.h):
 * these spawn attrd_updater and crm_attribute, and only when a value
 * changes.  Each returns 0, or -1 with why filled in.
 *
 * Every name given here, of a node attribute or of a cluster property, is
 * the agent's: in the CIB it is followed by the resource's name,
 * NAME-<OCF_RESOURCE_INSTANCE> (tandem-pgsql-sync-pgsqld), so that two
 * resources of one agent in one cluster never read or overwrite each
 * other's values (resource-agents #591).  The write-on-change cache is
 * keyed the same way. */

/* Sets a transient attribute of this node.  private ones live in the
 * attribute daemon only (no CIB write, invisible to rules).  A value equal
 * to the one this node last set (within refresh_s) costs no spawn. */
int tandem_attr_set(const char *name, const char *value, bool private_,
		    tandem_deadline deadline, char *why, size_t why_len);
/* The same, sent whatever this node set before: for a value whose
 * update must be seen again (an election's). */
int tandem_attr_send(const char *name, const char *value, bool private_,
		     tandem_deadline deadline, char *why, size_t why_len);
/* Reads name on node (NULL: this node, OCF_RESKEY_CRM_meta_on_node or
 * uname's).  *value is NULL when unset. */
int tandem_attr_get(const char *name, const char *node, char **value,
		    tandem_deadline deadline, char *why, size_t why_len);
/* Reads name on every node: n pairs of (node, value) in *nodes and *values
 * (free each string and both arrays).  Nodes without it, or with
 * the empty value attrd_updater -D leaves, are left out. */
int tandem_attr_get_all(const char *name, char ***nodes, char ***values, size_t *n,
			tandem_deadline deadline, char *why, size_t why_len);
/* Parses `attrd_updater -Q -A` output into (node, value) pairs; returns
 * their number (empty values left out), or -1 when out of memory.  Exposed for tests and fuzzing. */
long tandem_attr_parse_all(const char *out, char ***nodes, char ***values);
/* Clears name on this node.  private_ must match how it is set: attrd
 * creates a missing attribute from the delete itself, and an attribute
 * once created outside private keeps being written to the CIB, where
 * every change aborts the transition in progress. */
int tandem_attr_delete(const char *name, bool private_, tandem_deadline deadline, char *why, size_t why_len);

/* The promotion score of OCF_RESOURCE_INSTANCE on this node. */
int tandem_promotion_set(long long score, tandem_deadline deadline, char *why, size_t why_len);
/* The promotion score of OCF_RESOURCE_INSTANCE on another node (the
 * primary ranks its standbys). */
int tandem_promotion_set_node(const char *node, long long score, tandem_deadline deadline,
			      char *why, size_t why_len);
/* Reads this node's score; what it reads becomes what the next set of
 * this node's score compares with. */
int tandem_promotion_get(long long *score, bool *set, tandem_deadline deadline,
			 char *why, size_t why_len);
/* A score has several writers (the primary ranks every node, a standby
 * sets its own while no primary ranks it, promote sets its own and
 * names a better node), and each's write-on-change cache only knows its
 * own writes: a value another wrote since is not seen, and a score it
 * must set again would be skipped (up to TANDEM_ATTR_REFRESH_S).  Forget
 * one node's (NULL: this node's) when another may have written it since:
 * the next set is sent. */
void tandem_promotion_forget(const char *node);
/* Forgets every score of this resource this node set: when its role
 * changes (promote, demote), every other writer may have been at work. */
void tandem_promotion_forget_all(void);
int tandem_promotion_delete(tandem_deadline deadline, char *why, size_t why_len);

/* A cluster property (the CIB's crm_config section, crm_attribute
 * --type crm_config): persistent, one value for the whole cluster, kept
 * through every node's loss and reboot, unlike node attributes.  For a
 * fact that must survive the node that wrote it.  Each set is a CIB write
 * (a new transition): set only on change. */
int tandem_cluster_prop_set(const char *name, const char *value, tandem_deadline deadline,
			    char *why, size_t why_len);
/* *value is NULL when the property is not set. */
int tandem_cluster_prop_get(const char *name, char **value, tandem_deadline deadline,
			    char *why, size_t why_len);

/* A node's permanent attribute (the CIB's nodes section, crm_attribute
 * --type nodes: what pcs node attribute and pcs node maintenance set):
 * name followed by the resource's when per_resource (an admin's setting
 * for this resource), else name itself (Pacemaker's own, maintenance).
 * *value is NULL when it is not set. */
int tandem_node_attr_get(const char *node, const char *name, bool per_resource, char **value,
			 tandem_deadline deadline, char *why, size_t why_len);

/* Parses `attrd_updater -Q` output (lines of name="…" host="…" value="…")
 * and returns a copy of the value for node (NULL: the first line), or
 * NULL.  Exposed for tests and fuzzing. */
char *tandem_attr_parse_query(const char *out, const char *node);

/* Every node attribute an agent sets that is not private is there to be
 * read by people (crm_mon -A) and rules: LSNs, timeline, sync state, the
 * failover record, why a node is refused.  Each CIB write of one aborts
 * the transition in progress, and in a failover that transition is the one
 * about to start the VIP (issue #17: six aborts in 0.35 s by a new
 * primary's first monitor).  So they are dampened in the attribute daemon
 * (attrd_updater -d): written to the CIB once they have not changed for
 * this long, after the failover's transition, not in it.  What decides
 * (promotion scores, the commit record) is never dampened. */
#define TANDEM_ATTR_DAMPEN "3s"

/* How long a cached value is trusted before it is written again anyway:
 * Pacemaker forgets transient attributes when it restarts. */
#define TANDEM_ATTR_REFRESH_S 60

#endif
