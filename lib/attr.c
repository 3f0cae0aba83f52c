/* attr.c --- transient node attributes and promotion scores through Pacemaker's tools */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tandem/attr.h"
#include "tandem/log.h"
#include "tandem/ocf.h"
#include "tandem/spawn.h"

static const char *
tool(const char *env, const char *configured)
{
	/* Tests point these at a node's tools; production uses configure's. */
	const char *v = getenv(env);

	return v != NULL && *v == '/' ? v : configured;
}

static int
run_opts(const char *const argv[], const struct tandem_spawn_opts *opts, tandem_deadline deadline,
	 char **out, char *why, size_t why_len)
{
	struct tandem_spawn_result res;
	int rc = tandem_spawn_run(argv, opts, deadline, &res);

	if (rc == 0 && !res.timed_out && res.status == 0) {
		if (out != NULL) {
			*out = res.out;
			res.out = NULL;
		}
		tandem_spawn_result_free(&res);
		return 0;
	}
	if (res.timed_out)
		snprintf(why, why_len, "%s timed out", argv[0]);
	else
		snprintf(why, why_len, "%s failed (status %d): %.200s", argv[0], res.status,
			 res.err != NULL ? res.err : "");
	why[strcspn(why, "\n")] = '\0';
	tandem_spawn_result_free(&res);
	return -1;
}

static int
run(const char *const argv[], tandem_deadline deadline, char **out, char *why, size_t why_len)
{
	return run_opts(argv, NULL, deadline, out, why, why_len);
}

/* The failed reading of a tool (why) was of something unset: Pacemaker's
 * tools exit non-zero for it (crm_attribute 105, "No such device or
 * address"; attrd_updater "does not exist").  0 then, else -1. */
static int
unset_or_failed(const char *why)
{
	return strstr(why, "does not exist") != NULL || strstr(why, "No such") != NULL
	       || strstr(why, "not found") != NULL ? 0 : -1;
}

/* The name an attribute or property has in the CIB: the agent's name, then
 * the resource's (OCF_RESOURCE_INSTANCE; an anonymous clone's instances
 * share it).  Two resources of one agent in one cluster, two PostgreSQL
 * clusters say, each have their own values (resource-agents #591). */
static const char *
resource_name(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s-%s", name, tandem_ocf_instance());
	return buf;
}

/* The cache of values this node set: one small file per attribute under
 * the transient state directory, which a reboot empties as it does
 * Pacemaker's transient attributes. */
static void
cache_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/tandem-attr-%s", tandem_ocf_rsctmp(), name);
}

static bool
cache_fresh(const char *name, const char *value)
{
	char path[512], buf[512];
	struct stat st;
	ssize_t n;
	int fd;

	cache_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0 || fstat(fd, &st) != 0 || time(NULL) - st.st_mtime >= TANDEM_ATTR_REFRESH_S) {
		close(fd);
		return false;
	}
	close(fd);
	buf[n] = '\0';
	return strcmp(buf, value) == 0;
}

static void
cache_store(const char *name, const char *value)
{
	char path[512], tmp[530];
	int fd;

	cache_path(path, sizeof(path), name);
	if (value == NULL) {
		unlink(path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) == (ssize_t)strlen(value) && close(fd) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

int
tandem_attr_set(const char *name, const char *value, bool private_,
		tandem_deadline deadline, char *why, size_t why_len)
{
	char full[256];

	if (cache_fresh(resource_name(full, sizeof(full), name), value))
		return 0;
	return tandem_attr_send(name, value, private_, deadline, why, why_len);
}

int
tandem_attr_send(const char *name, const char *value, bool private_,
		 tandem_deadline deadline, char *why, size_t why_len)
{
	char full[256];
	/* -p: in the attribute daemon only.  Otherwise the value and its
	 * dampening (-B ... -d, TANDEM_ATTR_DAMPEN): -U would take -d only
	 * when it creates the attribute. */
	const char *argv[] = { tool("TANDEM_ATTRD_UPDATER", TANDEM_ATTRD_UPDATER),
			       "-n", resource_name(full, sizeof(full), name), private_ ? "-U" : "-B", value,
			       private_ ? "-p" : "-d", private_ ? NULL : TANDEM_ATTR_DAMPEN, NULL };

	if (run(argv, deadline, NULL, why, why_len) != 0)
		return -1;
	cache_store(full, value);
	tandem_log(LOG_DEBUG, "attribute %s set to \"%s\"", full, value);
	return 0;
}

char *
tandem_attr_parse_query(const char *out, const char *node)
{
	const char *line = out;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		const char *host = memmem(line, len, "host=\"", 6);
		const char *val = memmem(line, len, "value=\"", 7);

		if (val != NULL) {
			const char *vstart = val + 7;
			const char *vend = line + len;
			bool match = node == NULL;

			while (vend > vstart && vend[-1] != '"')
				vend--;
			if (!match && host != NULL) {
				const char *h = host + 6;
				size_t hl = strlen(node);

				match = (size_t)(line + len - h) > hl && strncmp(h, node, hl) == 0
					&& h[hl] == '"';
			}
			if (match && vend > vstart)
				return strndup(vstart, (size_t)(vend - 1 - vstart));
		}
		line = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

/* This node's name as Pacemaker knows it: Pacemaker passes it to every
 * action; uname's is the fallback (they agree unless the admin renamed). */
static const char *
local_node(void)
{
	static struct utsname u;
	const char *v = tandem_ocf_meta("on_node");

	if (v != NULL && *v != '\0')
		return v;
	uname(&u);
	return u.nodename;
}

int
tandem_attr_get(const char *name, const char *node, char **value,
		tandem_deadline deadline, char *why, size_t why_len)
{
	char *out = NULL, full[256];
	const char *argv[] = { tool("TANDEM_ATTRD_UPDATER", TANDEM_ATTRD_UPDATER),
			       "-Q", "-n", resource_name(full, sizeof(full), name), "-N", NULL, NULL };

	/* Without -N, attrd_updater 2.1 answers for every node. */
	if (node == NULL)
		node = local_node();
	argv[5] = node;

	*value = NULL;
	/* attrd_updater exits non-zero for an attribute that does not exist:
	 * that is "unset", not a failure, when its output says so. */
	if (run(argv, deadline, &out, why, why_len) != 0)
		return unset_or_failed(why);
	*value = tandem_attr_parse_query(out, node);
	free(out);
	return 0;
}

static char *
field(const char *line, size_t len, const char *key)
{
	const char *start = memmem(line, len, key, strlen(key)), *end;

	if (start == NULL)
		return NULL;
	start += strlen(key);
	end = memchr(start, '"', (size_t)(line + len - start));
	return end != NULL ? strndup(start, (size_t)(end - start)) : NULL;
}

long
tandem_attr_parse_all(const char *out, char ***nodes, char ***values)
{
	size_t n = 0, cap = 0;
	const char *line = out;

	*nodes = *values = NULL;
	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		char *host = field(line, len, "host=\""), *value = field(line, len, "value=\"");

		if (host != NULL && value != NULL && value[0] != '\0') {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				char **nn = realloc(*nodes, ncap * sizeof(char *));
				char **nv = nn ? realloc(*values, ncap * sizeof(char *)) : NULL;

				if (nn != NULL)
					*nodes = nn;
				if (nv == NULL) {
					free(host);
					free(value);
					goto oom;
				}
				*values = nv;
				cap = ncap;
			}
			(*nodes)[n] = host;
			(*values)[n] = value;
			n++;
		} else {
			free(host);
			free(value);
		}
		line = end != NULL ? end + 1 : NULL;
	}
	return (long)n;
oom:
	for (size_t i = 0; i < n; i++) {
		free((*nodes)[i]);
		free((*values)[i]);
	}
	free(*nodes);
	free(*values);
	*nodes = *values = NULL;
	return -1;
}

int
tandem_attr_get_all(const char *name, char ***nodes, char ***values, size_t *n,
		    tandem_deadline deadline, char *why, size_t why_len)
{
	char full[256];
	const char *argv[] = { tool("TANDEM_ATTRD_UPDATER", TANDEM_ATTRD_UPDATER),
			       "-Q", "-A", "-n", resource_name(full, sizeof(full), name), NULL };
	/* Pacemaker 2.1.5's attrd_updater narrows even -A to the node this
	 * variable names: an agent's query would see its own node only. */
	const char *const unset[] = { "OCF_RESKEY_CRM_meta_on_node", NULL };
	const struct tandem_spawn_opts opts = { .env_unset = unset };
	char *out = NULL;
	long got;

	*n = 0;
	*nodes = *values = NULL;
	if (run_opts(argv, &opts, deadline, &out, why, why_len) != 0)
		return unset_or_failed(why);
	got = tandem_attr_parse_all(out, nodes, values);
	free(out);
	if (got < 0) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	*n = (size_t)got;
	return 0;
}

int
tandem_attr_delete(const char *name, bool private_, tandem_deadline deadline, char *why, size_t why_len)
{
	char full[256];
	/* A delete is an update to "" in attrd: dampened as the attribute is. */
	const char *argv[] = { tool("TANDEM_ATTRD_UPDATER", TANDEM_ATTRD_UPDATER),
			       "-n", resource_name(full, sizeof(full), name), "-D",
			       private_ ? "-p" : NULL, NULL };

	cache_store(full, NULL);
	return run(argv, deadline, NULL, why, why_len);
}

/* The cache key of a promotion score: promotion-<instance>[@<node>].  A
 * resource id is an XML ID, which never holds '@': resource "db-n1"'s own
 * score and resource "db"'s for node "n1" never share a key. */
static const char *
promotion_key(char *buf, size_t len, const char *node)
{
	snprintf(buf, len, "promotion-%s%s%s", tandem_ocf_instance(), node ? "@" : "", node ? node : "");
	return buf;
}

void
tandem_promotion_forget(const char *node)
{
	char key[300];

	cache_store(promotion_key(key, sizeof(key), node), NULL);
}

void
tandem_promotion_forget_all(void)
{
	char own[320], prefix[330], key[300];
	DIR *d = opendir(tandem_ocf_rsctmp());
	struct dirent *e;
	size_t plen;

	if (d == NULL)
		return;
	snprintf(own, sizeof(own), "tandem-attr-%s", promotion_key(key, sizeof(key), NULL));
	snprintf(prefix, sizeof(prefix), "%s@", own);
	plen = strlen(prefix);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, own) == 0 || strncmp(e->d_name, prefix, plen) == 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

int
tandem_promotion_set_node(const char *node, long long score, tandem_deadline deadline,
			  char *why, size_t why_len)
{
	char v[32], key[300];
	const char *argv[] = { tool("TANDEM_CRM_ATTRIBUTE", TANDEM_CRM_ATTRIBUTE),
			       "--promotion", "--lifetime", "reboot", "--update", v,
			       node != NULL ? "--node" : NULL, node, NULL };

	snprintf(v, sizeof(v), "%lld", score);
	promotion_key(key, sizeof(key), node);
	if (cache_fresh(key, v))
		return 0;
	if (run(argv, deadline, NULL, why, why_len) != 0)
		return -1;
	cache_store(key, v);
	return 0;
}

int
tandem_promotion_set(long long score, tandem_deadline deadline, char *why, size_t why_len)
{
	return tandem_promotion_set_node(NULL, score, deadline, why, why_len);
}

int
tandem_promotion_get(long long *score, bool *set, tandem_deadline deadline, char *why, size_t why_len)
{
	const char *argv[] = { tool("TANDEM_CRM_ATTRIBUTE", TANDEM_CRM_ATTRIBUTE),
			       "--promotion", "--lifetime", "reboot", "--query", "--quiet", NULL };
	char *out = NULL, key[300];

	*set = false;
	promotion_key(key, sizeof(key), NULL);
	if (run(argv, deadline, &out, why, why_len) != 0) {
		cache_store(key, NULL);
		return unset_or_failed(why);
	}
	out[strcspn(out, "\n")] = '\0';
	*set = tandem_parse_int(out, 0, 0, score);
	/* What is there now, whoever wrote it: the next set compares with it. */
	if (*set) {
		char v[32];

		snprintf(v, sizeof(v), "%lld", *score);
		cache_store(key, v);
	} else {
		cache_store(key, NULL);
	}
	free(out);
	return 0;
}

int
tandem_promotion_delete(tandem_deadline deadline, char *why, size_t why_len)
{
	const char *argv[] = { tool("TANDEM_CRM_ATTRIBUTE", TANDEM_CRM_ATTRIBUTE),
			       "--promotion", "--lifetime", "reboot", "--delete", NULL };
	char key[300];

	cache_store(promotion_key(key, sizeof(key), NULL), NULL);
	return run(argv, deadline, NULL, why, why_len);
}

int
tandem_cluster_prop_set(const char *name, const char *value, tandem_deadline deadline, char *why,
			size_t why_len)
{
	char full[256];
	const char *argv[] = { tool("TANDEM_CRM_ATTRIBUTE", TANDEM_CRM_ATTRIBUTE), "--type", "crm_config",
			       "--name", resource_name(full, sizeof(full), name), "--update", value, NULL };

	return run(argv, deadline, NULL, why, why_len);
}

int
tandem_cluster_prop_get(const char *name, char **value, tandem_deadline deadline, char *why,
			size_t why_len)
{
	char *out = NULL, full[256];
	const char *argv[] = { tool("TANDEM_CRM_ATTRIBUTE", TANDEM_CRM_ATTRIBUTE), "--type", "crm_config",
			       "--name", resource_name(full, sizeof(full), name), "--query", "--quiet", NULL };

	*value = NULL;
	if (run(argv, deadline, &out, why, why_len) != 0)
		return unset_or_failed(why);
	out[strcspn(out, "\n")] = '\0';
	*value = out;
	return 0;
}

int
tandem_node_attr_get(const char *node, const char *name, bool per_resource, char **value,
		     tandem_deadline deadline, char *why, size_t why_len)
{
	char *out = NULL, full[256];
	const char *argv[] = { tool("TANDEM_CRM_ATTRIBUTE", TANDEM_CRM_ATTRIBUTE), "--type", "nodes", "--node", node,
			       "--name", per_resource ? resource_name(full, sizeof(full), name) : name, "--query",
			       "--quiet", NULL };

	*value = NULL;
	if (run(argv, deadline, &out, why, why_len) != 0)
		return unset_or_failed(why);
	out[strcspn(out, "\n")] = '\0';
	*value = out;
	return 0;
}
