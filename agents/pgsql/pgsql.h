/* pgsql.h --- ocf:tandem:pgsql, a PostgreSQL hot-standby group: parameters, facts, decisions */
#ifndef TANDEM_PGSQL_H
#define TANDEM_PGSQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/ocf.h"
#include "tandem/pgdata.h"

enum pg_param {
	PG_BINDIR,
	PG_PGDATA,
	PG_DATADIR,
	PG_PGHOST,
	PG_PGPORT,
	PG_SYSTEM_USER,
	PG_START_OPTS,
	PG_LOGFILE,
	PG_MAXLAG,
	PG_PRIMARY_CONNINFO,
	PG_REPLICATION_USER,
	PG_PASSFILE,
	PG_SYNC_MODE,
	PG_SYNC_COUNT,
	PG_AUTO_REWIND,
	PG_SLOT_WAL_KEEP,
	PG_REPAIR_KEEP,
	PG_PGBACKREST_STANZA,
	PG_PGBOUNCER_ADMIN,
	PG_PGBOUNCER_PAUSE,
	PG_LOGICAL_FAILOVER,
	PG_N_PARAMS
};

extern const struct tandem_param pg_params[PG_N_PARAMS];

enum pg_sync_mode { PG_SYNC_OFF, PG_SYNC_ON, PG_SYNC_STRICT };


#define PG_PGBACKREST "/usr/bin/pgbackrest"  //!< Debian's and PGDG RHEL's path (TANDEM_PGBACKREST overrides it)

/* Promotion scores.  Pacemaker treats 1,000,000 as INFINITY: positive
 * ones stay far below, so that they only rank the nodes.  A node that may
 * not be promoted gets -INFINITY: an INFINITY location constraint (pcs
 * resource move --promoted, a preference an admin wrote) adds to a finite
 * score and would promote it anyway (INFINITY + -1000 = INFINITY), while
 * -INFINITY wins over it (Pacemaker Explained, "Infinity Math"), so a
 * switchover to it is refused before anything changes. */
#define PG_SCORE_PRIMARY 1001
#define PG_SCORE_BEST 1000
#define PG_SCORE_BOOTSTRAP 1    //!< a standby no primary has ranked yet
#define PG_SCORE_FORBIDDEN -1000000

/* Node attributes this agent writes (transient: a reboot clears them).  In
 * the CIB each is followed by the resource's name (lib/attr.c):
 * tandem-pgsql-sync-pgsqld. */
#define PG_ATTR_LSN "tandem-pgsql-lsn"          //!< private: election LSN, set in pre-promote
#define PG_ATTR_BARRIER "tandem-pgsql-barrier"  //!< private: promote's mark in attrd's order (pg_election_gather)
#define PG_ATTR_PRIMARY_LSN "tandem-pgsql-primary-lsn"
#define PG_ATTR_TIMELINE "tandem-pgsql-timeline"
#define PG_ATTR_RECEIVED "tandem-pgsql-received-lsn"
#define PG_ATTR_REPLAYED "tandem-pgsql-replayed-lsn"
#define PG_ATTR_NEIGHBOURS "tandem-pgsql-neighbours" //!< primary: the walsenders not the clone's, and their lag
#define PG_ATTR_SYNC "tandem-pgsql-sync"        //!< primary: "sync" | "async (degraded)" | "blocked (strict)"
#define PG_ATTR_FAILOVER "tandem-pgsql-last-failover"
#define PG_ATTR_REFUSED "tandem-pgsql-refused"  //!< why this node is not promoted (the commit record)
#define PG_ATTR_LOST "tandem-pgsql-lost-transactions" //!< a rewound node: what its WAL held past the fork (lost.c)
#define PG_ATTR_ROLE "tandem-pgsql-role"      //!< permanent, the admin's (pcs node attribute): never-promote | never-sync | promotable
#define PG_ATTR_NEVER "tandem-pgsql-never-promote" //!< a standby that may never be promoted: why ("" when it may)
#define PG_ATTR_NO_SYNC "tandem-pgsql-never-sync" //!< a standby never synchronous (its role): why ("" when it may be)
#define PG_ATTR_REPAIR "tandem-pgsql-repair"    //!< the last repair of a standby that could not follow: when, what, why
#define PG_COMMIT_RECORD "tandem-pgsql-commits" //!< cluster property, tandem-pgsql-commits-<resource>

/* One row of pg_stat_replication, as the primary sees a standby. */
struct pg_standby {
	char name[64];          //!< application_name: the node name
	bool streaming;         //!< state 'streaming': caught up
	bool sync;              //!< sync_state 'sync' or 'quorum'
	uint64_t flush;
	uint64_t replay;
	long long reply_ms;     //!< since its last reply (reply_time), ms; -1: none yet
	bool stalled;           //!< silent (pg_standby_silent) in two readings, at one flush LSN: set by the caller
	bool maintenance;       //!< its node is in maintenance (no monitor, no notification): set by the caller
	bool never;             //!< may never be promoted (pg_never_promote, as it shows it): set by the caller
	bool no_vote;           //!< never synchronous (its role is never-sync, as it shows it): set by the caller
};

#define PG_MAX_STANDBYS 16     //!< the clone's standbys one primary serves
#define PG_MAX_WALSENDERS 64   //!< walsenders read (the clone's first)
#define PG_MAX_NEIGHBOURS 16   //!< other walsenders shown

/* What one monitor query returned. */
struct pg_facts {
	bool recovery;          //!< pg_is_in_recovery()
	uint64_t current;       //!< primary: pg_current_wal_lsn()
	uint64_t received;      //!< standby: pg_last_wal_receive_lsn() (0 if none)
	uint64_t replayed;      //!< standby: pg_last_wal_replay_lsn()
	uint64_t upstream;      //!< standby: the primary's WAL end it last reported (latest_end_lsn)
	uint32_t timeline;
	char sync_names[512];   //!< synchronous_standby_names in force
	char slots[1024];       //!< the tandem_ replication slots, comma-separated
	struct pg_standby standbys[PG_MAX_WALSENDERS]; //!< the clone's alone once pg_keep_members has run
	size_t n_standbys;
	struct pg_standby neighbours[PG_MAX_NEIGHBOURS]; //!< walsenders not the clone's (pg_keep_members)
	size_t n_neighbours;
	size_t n_neighbours_all; //!< every neighbour, those not kept in f->neighbours too
	char archive_stuck[64]; //!< primary: the WAL file archive_command last failed on, nothing archived since
	char wal_level[16];     //!< wal_level in force
	bool feedback;          //!< hot_standby_feedback
	char slot_sync[8];      //!< sync_replication_slots ("" before 17)
	char standby_slots[1024]; //!< synchronized_standby_slots ("" before 17)
	char stale_failover[1024]; //!< standby: failover slots not synchronized (made as a primary)
	char apply_delay[32];   //!< recovery_min_apply_delay ("0": none)
};

/* The one query of a monitor: role, LSNs, timeline, replication state. */
extern const char PG_MONITOR_QUERY[];

/* Parses the monitor query's text fields into facts; false when a field
 * is malformed.  standbys is "x<name in hex> state sync_state flush replay
 * reply_ms,..." (the application_name in hex: any bytes read right). */
bool pg_parse_facts(const char *recovery, const char *current, const char *received,
		    const char *replayed, const char *timeline, const char *standbys,
		    const char *sync_names, const char *slots, const char *upstream,
		    struct pg_facts *f);
/* The clone's own walsenders stay in f->standbys (at most PG_MAX_STANDBYS;
 * their order kept); every other is a neighbour (Barman's pg_receivewal,
 * a CDC tool, a logical subscriber, another site's standby): copied to
 * f->neighbours (the first PG_MAX_NEIGHBOURS) and never a synchronous voter, ranked or named
 * in the commit record.  The clone's nodes are nodes[]; with none known
 * yet (no notification since this node booted), every walsender whose
 * name a host may have is taken for the clone's.  Returns the count of
 * neighbours kept in f->neighbours. */
size_t pg_keep_members(struct pg_facts *f, const char (*nodes)[64], size_t n_nodes);
/* The neighbours on display: "\"NAME\" streaming, N MiB behind; ..." (whole
 * segments; "; and N more" past PG_MAX_NEIGHBOURS), or "none". */
void pg_neighbours_str(const struct pg_facts *f, char *out, size_t len);
/* A change of the synchronous set that weakens what the commit record may
 * claim until the members in force have caught up: members that left
 * (old: a synchronous_standby_names value or a plain list, "" for none)
 * may hold acknowledged commits no remaining one holds yet, and a set
 * whose k grew (pending_k: the k the record still keeps, 0 for a set that
 * grew from none, -1 for no such change) acknowledged earlier commits
 * with fewer copies.  The commit record keeps the leavers and pending_k
 * until this says DONE.  MARK: every member that left shows asynchronous
 * (its walsender has the new setting) and no mark is set yet: the caller
 * sets mark to the WAL end read after that.  DONE: nothing pending, or k
 * remaining members (names' k) stream and have flushed mark.  WAIT
 * otherwise. */
enum pg_narrow { PG_NARROW_DONE, PG_NARROW_MARK, PG_NARROW_WAIT };
enum pg_narrow pg_narrow_step(const struct pg_facts *f, const char *names, const char *old, int pending_k,
			      uint64_t mark);
/* A WAL segment's file name ("TTTTTTTTXXXXXXXXYYYYYYYY"): its timeline and
 * segment number for segments of seg bytes.  False for any other name. */
bool pg_wal_name_parse(const char *name, uint64_t seg, uint32_t *tli, uint64_t *segno);
/* Whether the first bytes of a WAL segment file (16 at least: its first
 * page header, xlp_tli at 4 and xlp_pageaddr at 8, native order) say it
 * holds segment segno of timeline tli: a recycled file, renamed ahead of
 * the WAL, still holds the old segment's pages. */
bool pg_wal_page_is(const unsigned char *head, size_t n, uint32_t tli, uint64_t segno, uint64_t seg);
/* Whether a standby may never be promoted, and why: its role (the node
 * attribute PG_ATTR_ROLE, "" when unset) is never-promote, or it is a
 * delayed standby (recovery_min_apply_delay not "0") whose role is not
 * promotable: its replay is hours behind what it received.  Such a node
 * is never a synchronous voter either, so no acknowledged commit is its
 * alone, and the others elect among themselves. */
bool pg_never_promote(const char *role, const char *apply_delay, char *why, size_t len);
/* Whether logical failover slots are Tandem's to carry (logical_failover
 * on): a server of PostgreSQL 17 or later (server_version_num) with
 * wal_level logical, the first with sync_replication_slots. */
bool pg_logical_failover(int server_version, const char *wal_level);
/* synchronized_standby_slots for a primary, into out: the slots of the
 * standbys that may be promoted, comma-separated, sorted: the members of
 * names and of also (the synchronous set decided and the one in force:
 * it grows before the commit record and shrinks after it), or with
 * sync_mode off every clone standby streaming, so that a logical consumer
 * is never ahead of any of them.  Only slots the primary has (f->slots).
 * False when they do not fit: fewer would let a consumer be ahead. */
bool pg_standby_slots(const struct pg_facts *f, enum pg_sync_mode mode, const char *names, const char *also,
		      const char (*nodes)[64], size_t n_nodes, char *out, size_t len);
/* Whether the primary has the replication slot named slot. */
bool pg_has_slot(const struct pg_facts *f, const char *slot);

/* What the instance is, from everything this node can see. */
enum pg_role {
	PG_ROLE_STOPPED,        //!< cleanly shut down, or no cluster at all
	PG_ROLE_STANDBY,
	PG_ROLE_PRIMARY,
	PG_ROLE_CRASHED_PRIMARY,//!< no postmaster, pg_control says it stopped as a primary, uncleanly
	PG_ROLE_BROKEN,         //!< a postmaster that does not answer, a crashed standby
};

struct pg_seen {
	bool postmaster_alive;  //!< postmaster.pid names a live postgres
	bool answered;          //!< the monitor query succeeded
	bool busy;              //!< no query, but the server answered a ping: alive (every slot taken)
	bool recovery;          //!< its answer
	bool control_ok;        //!< pg_control was read
	bool no_cluster;        //!< no pg_control and no PG_VERSION: nothing here yet
	enum tandem_pg_state control_state;
};

enum pg_role pg_decide_role(const struct pg_seen *s);
/* Whether pg_control's state, of a server no longer running, says it
 * stopped as a primary without a clean shutdown: its WAL may go past the
 * point the new primary forked from, and crash recovery must run before
 * pg_rewind can compare. */
bool pg_control_crashed_primary(enum tandem_pg_state state);
const char *pg_role_str(enum pg_role r);
/* The one place a role becomes a monitor's exit code. */
int pg_role_rc(enum pg_role r);

/* The election LSN of a standby: the end of the WAL it holds.  After a
 * restart pg_last_wal_receive_lsn() falls back to a segment start, below
 * what was replayed (PAF #225): take the greater of the two. */
uint64_t pg_election_lsn(const struct pg_facts *f);

/* Whether the WAL file the archiver is stuck on (failed, the
 * pg_stat_archiver.last_failed_wal of a primary on timeline) may be marked
 * archived without being so: only an older timeline's ".partial" segment,
 * with *partial_tli set to that timeline.  PostgreSQL writes one when it
 * is promoted (the segment it left, xlog.c) and never restores one
 * (backup.sgml, "Continuous Archiving": a .partial file is not used by
 * recovery); the new timeline's first segment holds the same WAL up to
 * the switch point.  An archive refuses it when it already holds another
 * node's copy of the same name: two nodes promoted from one timeline (an
 * admin's choice after a double failure; pgBackRest says error 45), and
 * the archiver retries it for ever: every later segment waits, piles up
 * in pg_wal and never reaches the archive. */
bool pg_archive_may_skip(const char *failed, uint32_t timeline, uint32_t *partial_tli);

/* Where timeline tli ends in a timeline history file's content (what
 * TIMELINE_HISTORY returns: "<parent tli>\t<switch point>\t<reason>" a
 * line, PostgreSQL's timeline.c): true and *switchpoint when tli is one of
 * its parents; false when tli is not in it, or on a line that does not
 * parse (then *bad is set). */
bool pg_history_switchpoint(const char *history, uint32_t tli, uint64_t *switchpoint, bool *bad);

/* Whether a notification announces a planned demote of a primary (a
 * switchover, a node put in standby): a demote without a stop of the same
 * node.  A failed primary is demoted and stopped. */
bool pg_planned_demote(const struct tandem_ocf_notify *n);
/* Whether node, demoted in this transition, is also stopped in it (a
 * failed primary's recovery, a node leaving): its demote need not start
 * it again as a standby only to be stopped. */
bool pg_stop_follows_demote(const struct tandem_ocf_notify *n, const char *node);
/* Whether node is stopped and started again in this transition: Pacemaker
 * recovering it in place (a crashed primary is promoted again there when
 * its promotion score survives the stop, with no failover and no rewind). */
bool pg_restarts_in_place(const struct tandem_ocf_notify *n, const char *node);

/* Why the primary forbids promoting a standby (PG_SCORE_FORBIDDEN). */
enum pg_unfit {
	PG_FIT,
	PG_UNFIT_NOT_STREAMING, //!< connected, not streaming (catchup, startup, backup)
	PG_UNFIT_STALLED,       //!< streaming, silent and behind (pg_standby_silent)
	PG_UNFIT_MAXLAG,        //!< more than maxlag bytes behind
	PG_UNFIT_NOT_SYNC,      //!< not synchronous while others are, or under strict
	PG_UNFIT_MAINTENANCE,   //!< its node in maintenance: never a synchronous voter meanwhile
	PG_UNFIT_NEVER,         //!< may never be promoted: never a synchronous voter either
};
const char *pg_unfit_str(enum pg_unfit u);

/* Promotion scores the primary gives its standbys. */
struct pg_score {
	char name[64];
	long long score;
	enum pg_unfit unfit;    //!< PG_FIT unless score is PG_SCORE_FORBIDDEN
};

/* How often a primary looks which standbys' nodes are in maintenance (s):
 * one crm_attribute per standby. */
#define PG_MAINTENANCE_LOOK_S 10
#define PG_STALL_S 5            //!< a standby behind and silent this long (s) has stopped receiving
#define PG_STALL_MS (PG_STALL_S * 1000)
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)
/* A streaming standby that holds less than the primary wrote and has not
 * replied for PG_STALL_MS.  A walreceiver replies whenever what it wrote
 * or flushed moves (XLogWalRcvSendReply, walreceiver.c), so one that is
 * behind and silent is receiving nothing: its link is dead or stalled,
 * while pg_stat_replication says "streaming" until wal_sender_timeout
 * (60 s by default).  wal_receiver_status_interval (10 s) only spaces the
 * replies of an idle stream; a quiet cluster's standby is behind for the
 * milliseconds a new record takes to reach it, so the caller asks for two
 * readings at the same flush LSN before it counts (sb->stalled). */
bool pg_standby_silent(const struct pg_facts *f, const struct pg_standby *sb);

#define PG_RANK_STEP (16ULL << 20)      //!< flush LSNs closer than this rank by name
/* Ranks standbys: with sync_mode on or strict, synchronous ones first and,
 * under strict, only them; then by flush LSN, in steps of PG_RANK_STEP; a
 * standby lagging more than maxlag bytes (maxlag > 0), not streaming,
 * stalled or in maintenance is forbidden, and out[i].unfit says why.  Writes one score per standby in facts order; returns their
 * number. */
size_t pg_rank_standbys(const struct pg_facts *f, enum pg_sync_mode mode, long long maxlag,
			struct pg_score *out, size_t max);

/* synchronous_standby_names for the standbys that are streaming (caught
 * up), their nodes not in maintenance: 'ANY k ("a", "b", ...)', k the
 * sync_count asked (count), or as many as stream when fewer do under on.
 * With none: "" under on (degraded to async, *degraded set), the previous
 * value under strict (writes wait; with fewer than count streaming too,
 * when there is one), "" under off.  Names are quoted as identifiers. */
void pg_sync_names(const struct pg_facts *f, enum pg_sync_mode mode, int count, const char *current,
		   char *out, size_t len, bool *degraded);
/* The k of a synchronous_standby_names value: each commit waits for k of
 * its members (ANY k, FIRST k, k (...)); 1 for a plain list, 0 for "". */
int pg_sync_num(const char *names);

struct pg_commit_record;

/* Where a timeline began: its history file's last line (PostgreSQL's
 * timeline.c writes "<parent tli>\t<switch point>\t<reason>", one line per
 * ancestor, the newest last).  True with *parent and *fork set; false when
 * there is no such line (timeline 1 has no file), or one does not parse
 * (then *bad is set). */
bool pg_history_fork(const char *history, uint32_t *parent, uint64_t *fork, bool *bad);

/* The election (issue 28): each candidate's WAL is a position on a
 * timeline, and an LSN on one timeline says nothing about another (PAF
 * PR #65).  tli 0 is unknown: the value of an older Tandem, which never
 * wins.  parent/fork: where tli left its parent timeline (0: tli 1, or
 * its history unread). */
struct pg_candidate {
	const char *name;
	uint32_t tli;
	uint64_t lsn;           //!< the end of the WAL it holds, on tli
	uint32_t parent;
	uint64_t fork;
	uint64_t upstream;      //!< the lost primary's end as this standby last saw it (on tli), 0 unknown
	uint64_t replayed;      //!< where its replay is when behind lsn; 0: level (or a 0.2.0 value)
	bool present;           //!< running in this transition: may stand for the commit record
	bool demoted;           //!< being demoted in this transition (a switchover's old primary)
	bool never;             //!< may never be promoted (";n=1"): never the winner
};

enum pg_promote_verdict {
	PG_PROMOTE_OK,
	PG_PROMOTE_BEHIND,      //!< another candidate is the winner (*better names it)
	PG_PROMOTE_LAGGING,     //!< more than maxlag behind the lost primary
	PG_PROMOTE_REFUSED,     //!< no winner holds every acknowledged commit (why says)
	PG_PROMOTE_UNKNOWN,     //!< a candidate with no timeline may be ahead (why says): not now
};

/* The whole election, one decision: which candidate holds the newest WAL,
 * and whether it holds every acknowledged commit.  The winner is on the
 * newest timeline, and on it holds the most WAL; a tie goes to a
 * candidate whose replay is level (a standby blocked by a query conflict
 * or behind recovery_min_apply_delay would replay it all before its
 * promotion ends), never to one being demoted, and else self keeps it (a
 * switchover's target and the demoted primary hold the same); a candidate
 * on an older timeline never wins, whatever its LSN: past the newer one's
 * fork its WAL diverged, and before it the newer one holds it all.  Then
 * the commit record (NULL: none, or sync_mode off) must be met by the
 * winner itself: its primary, or every synchronous standby, must be the
 * winner or a present candidate whose WAL the winner holds (same
 * timeline, or an older one it left no earlier than that candidate's
 * end).  A candidate with no timeline never wins, cannot stand for the
 * record, and makes the election wait when it holds a larger LSN than the
 * winner (it may be ahead on the same timeline).  Last, a winning self
 * must be within maxlag (> 0) of the lost primary's last known LSN: the
 * highest of published (its own, as it last published it) and the
 * upstream of the candidates on self's timeline (*primary_lsn).  *better
 * is the winner when another; why says what refused (REFUSED, UNKNOWN). */
enum pg_promote_verdict pg_elect(const struct pg_candidate *self, const struct pg_candidate *others, size_t n,
				 const struct pg_commit_record *record, uint64_t published, long long maxlag,
				 const struct pg_candidate **better, uint64_t *primary_lsn, char *why, size_t len);

/* An election value, published by each instance at pre-promote:
 * "TLI:LSN@UNIXTIME", then "@UPSTREAM" when the instance is a standby that
 * knows where its primary's WAL ended (pg_stat_wal_receiver's
 * latest_end_lsn), then ",PARENT:FORK" when its timeline's history says
 * where it began, then ";r=REPLAYED" when its replay is behind that end
 * (";KEY=VALUE" fields a later Tandem adds are skipped by this one; a
 * level node's value is as 0.2.0 wrote and reads it): one attribute, so
 * the timeline is read with its LSN, one spawn per node in pre-promote
 * and one reading in promote.  The time is
 * the publisher's clock, for the logs only: nodes' clocks may disagree by
 * any amount, so no election compares them.  Which values are this
 * election's is decided by order instead: every instance's pre-promote
 * replaces its value, or withdraws it when it cannot read its LSN, before
 * its notification ends; promote runs after every pre-promote has ended
 * and first writes a barrier of its own (PG_ATTR_BARRIER), and the
 * attribute daemon applies updates in the cluster's one total order
 * (Corosync's), so once this node's attrd shows the barrier it holds every
 * value published before it. */
/* A new primary's monitors leave the scores of the nodes not streaming
 * from it as they are for this long (s) after its promotion: each write
 * is a spawn and a transition abort, and the VIP may not have started
 * yet (on a loaded host the first monitor can come first); most of those
 * nodes are about to stream and be ranked.  The commit record promote
 * wrote names the new primary alone, so no other node passes an election
 * meanwhile; with sync_mode=off there is none, and they are written at once. */
#define PG_SETTLE_S 5
/* parse takes an older Tandem's "LSN@UNIXTIME[@UPSTREAM]" too, with tli 0
 * (unknown: pg_elect never lets it win).  An older Tandem does not take
 * the new form: its promote would wait for every newer node's value and
 * refuse, so a rolling upgrade finishes before a failover is provoked.
 * name is left NULL and present false. */
#define PG_ELECTION_VALUE_MAX 128    //!< the longest value, with its NUL, fits
void pg_election_format(const struct pg_candidate *c, int64_t when, char *out, size_t len);
bool pg_election_parse(const char *value, struct pg_candidate *c, int64_t *when);

/* The nodes whose pre-promote value this election waits for, one per
 * line in out: every instance running when promote reads them, as the
 * notification lists them: standbys, the node being promoted, a primary
 * being demoted (a standby by then) and every instance being started,
 * less those being stopped and not started again (a lost primary, which
 * never answers).  A failed promote's recovery stops and starts its node
 * in the transition that promotes another: it is a candidate there.
 * Returns how many. */
size_t pg_election_expected(const struct tandem_ocf_notify *n, char *out, size_t len);

/* This election's candidates among the values attrd holds (nodes[i] =
 * values[i]), self left out; present when expected.  Returns how many of
 * the expected nodes (self excepted) have no value; *missing names the
 * first.  out[].name points into nodes[]. */
size_t pg_election_gather(const char *self, char *const *nodes, char *const *values, size_t n,
			  const char (*expected)[64], size_t n_expected,
			  struct pg_candidate *out, size_t max, size_t *n_out, const char **missing);

/* The commit record: the nodes known to hold every acknowledged commit,
 * kept by the primary in the CIB as a cluster property (PG_COMMIT_RECORD),
 * so that it outlives every node: transient attributes, promotion scores
 * included, are gone when a node is lost or reboots, and a node that
 * comes back alone would otherwise be promoted over commits it never saw
 * (PAF #26, #180; stolon PR #514).  Every acknowledged commit is on the
 * primary and on k or more of the synchronous standbys (ANY k): which
 * ones is not known, so standbys may stand in for the primary only when
 * at most k - 1 of them are missing from the election (it elects the most
 * advanced, which then holds every commit some present member holds). */
struct pg_commit_record {
	char primary[64];
	char sync[PG_MAX_STANDBYS][64];
	size_t n_sync;
	int any;        //!< k: copies of each commit among sync (0 is taken as 1)
};

/* "primary=NODE sync=A,B[ any=K]" (sync= empty: asynchronous, the primary
 * alone holds every commit; any= only when K > 1: a reader that does not
 * know it refuses the record, never a weaker reading).  False on anything
 * else. */
bool pg_commit_record_parse(const char *s, struct pg_commit_record *r);
void pg_commit_record_format(const struct pg_commit_record *r, char *out, size_t len);
/* The standbys synchronous_standby_names names ('ANY 1 ("a", "b")', a
 * plain list, or empty); "*" counts as one name.  Returns how many. */
size_t pg_sync_members(const char *names, char out[][64], size_t max);
/* Whether node may be promoted by the record, outside an election (a
 * standby no primary ranks, before it is given a score), present the
 * other nodes known to run: node is the primary; or the primary is
 * present; or all but k - 1 of the synchronous standbys are (node itself
 * or others).  The
 * election's own check is pg_elect's, with each node's WAL.  When not,
 * why says which node may hold commits node lacks. */
bool pg_commit_record_allows(const struct pg_commit_record *r, const char *node,
			     const char *const *present, size_t n_present, char *why, size_t len);

/* A path pg_ctl puts in its shell command, in double quotes (pgdata,
 * logfile, bindir's postgres): absolute, and no '"', '`', '$', '\\' or
 * control character, which a shell would act on there. */
bool pg_shell_path_ok(const char *path, char *why, size_t len);

/* start_opts: only tokens of letters, digits and _.=/:,- (no shell or
 * conninfo quoting can hide in them: pg_ctl passes them through a shell). */
bool pg_start_opts_ok(const char *opts, char *why, size_t len);

/* PostgreSQL's longest name (NAMEDATALEN - 1, bytes): slot names, and the
 * application_name it keeps. */
#define PG_NAME_MAX 63
/* A replication slot name for a node: tandem_ then the name in [a-z0-9_],
 * as long as that fits PG_NAME_MAX and no other node of all (the clone's
 * nodes) maps to the same (n1-a and n1_a); else a prefix of it and a hash
 * of the node's own name (Patroni PR #470). */
void pg_slot_name(const char *node, const char (*all)[64], size_t n_all, char *out, size_t len);

/* Actions. */
int pg_validate(struct tandem_ctx *ctx);
int pg_validate_all(struct tandem_ctx *ctx);
int pg_start(struct tandem_ctx *ctx);
int pg_stop(struct tandem_ctx *ctx);
int pg_monitor(struct tandem_ctx *ctx);
int pg_promote(struct tandem_ctx *ctx);
int pg_demote(struct tandem_ctx *ctx);
int pg_notify(struct tandem_ctx *ctx);
int pg_reload(struct tandem_ctx *ctx);

#endif
