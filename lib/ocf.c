/* ocf.c --- OCF 1.1 exit codes, environment, exit reasons and action dispatch */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

#include "tandem/log.h"
#include "tandem/ocf.h"

const char *
tandem_ocf_rc_str(int rc)
{
	switch (rc) {
	case TANDEM_OCF_SUCCESS: return "success";
	case TANDEM_OCF_ERR_GENERIC: return "generic error";
	case TANDEM_OCF_ERR_ARGS: return "invalid arguments";
	case TANDEM_OCF_ERR_UNIMPLEMENTED: return "unimplemented";
	case TANDEM_OCF_ERR_PERM: return "insufficient privileges";
	case TANDEM_OCF_ERR_INSTALLED: return "not installed";
	case TANDEM_OCF_ERR_CONFIGURED: return "not configured";
	case TANDEM_OCF_NOT_RUNNING: return "not running";
	case TANDEM_OCF_RUNNING_PROMOTED: return "promoted";
	case TANDEM_OCF_FAILED_PROMOTED: return "promoted (failed)";
	case TANDEM_OCF_DEGRADED: return "degraded";
	case TANDEM_OCF_DEGRADED_PROMOTED: return "promoted (degraded)";
	default: return "unknown";
	}
}

static const char *
env_with_prefix(const char *prefix, const char *name)
{
	char key[256];

	if ((size_t)snprintf(key, sizeof(key), "%s%s", prefix, name) >= sizeof(key))
		return NULL;
	return getenv(key);
}

const char *
tandem_ocf_reskey(const char *name)
{
	return env_with_prefix("OCF_RESKEY_", name);
}

const char *
tandem_ocf_meta(const char *name)
{
	return env_with_prefix("OCF_RESKEY_CRM_meta_", name);
}

int64_t
tandem_ocf_meta_ms(const char *name, int64_t def)
{
	const char *v = tandem_ocf_meta(name);
	long long ms;

	if (v == NULL || !tandem_parse_int(v, 0, INT64_MAX, &ms))
		return def;
	return ms;
}

long long
tandem_ocf_meta_count(const char *name, long long def)
{
	const char *v = tandem_ocf_meta(name);
	long long n;

	if (v == NULL || !tandem_parse_int(v, 0, 1000000, &n))
		return def;
	return n;
}

const char *
tandem_ocf_instance(void)
{
	const char *v = getenv("OCF_RESOURCE_INSTANCE");

	return v != NULL && *v != '\0' ? v : "(unknown)";
}

const char *
tandem_ocf_rsctmp(void)
{
	const char *dir = getenv("HA_RSCTMP");

	return dir != NULL && *dir != '\0' ? dir : TANDEM_RSCTMP_DIR;
}

int
tandem_ocf_check_level(void)
{
	const char *v = getenv("OCF_CHECK_LEVEL");
	long long level;

	if (v == NULL || !tandem_parse_int(v, 0, 1000, &level))
		return 0;
	return (int)level;
}

void
tandem_ocf_exit_reason(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Pacemaker reads one line; the reason must not break it. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "ocf-exit-reason:%s\n", msg);
	fflush(stderr);
	tandem_log(LOG_ERR, "%s", msg);
}

int
tandem_ocf_fault_rc(enum tandem_fault f)
{
	switch (f) {
	case TANDEM_FAULT_PARAM: return TANDEM_OCF_ERR_CONFIGURED;
	case TANDEM_FAULT_NODE: return TANDEM_OCF_ERR_INSTALLED;
	case TANDEM_FAULT_STATE: return TANDEM_OCF_ERR_GENERIC;
	}
	return TANDEM_OCF_ERR_GENERIC;
}

int
tandem_ocf_refuse(enum tandem_fault f, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tandem_ocf_exit_reason("%s", msg);
	return tandem_ocf_fault_rc(f);
}

static bool
stop_or_probe(const struct tandem_ctx *ctx)
{
	return ctx->action != NULL && (strcmp(ctx->action->name, "stop") == 0 || ctx->probe);
}

bool
tandem_ocf_must_look(const struct tandem_ctx *ctx, int rc)
{
	return rc != TANDEM_OCF_SUCCESS && rc != TANDEM_OCF_ERR_CONFIGURED && stop_or_probe(ctx);
}

int
tandem_ocf_invalid_rc(const struct tandem_ctx *ctx, int rc)
{
	if (rc != TANDEM_OCF_ERR_CONFIGURED || ctx->action == NULL)
		return rc;
	if (strcmp(ctx->action->name, "stop") == 0) {
		tandem_log(LOG_WARNING, "stop with a configuration that does not validate: nothing can be running");
		return TANDEM_OCF_SUCCESS;
	}
	if (ctx->probe) {
		tandem_log(LOG_WARNING, "probe with a configuration that does not validate: reporting not running");
		return TANDEM_OCF_NOT_RUNNING;
	}
	return rc;
}

const struct tandem_action *
tandem_ocf_find_action(const struct tandem_agent *agent, const char *name)
{
	for (size_t i = 0; i < agent->n_actions; i++)
		if (strcmp(agent->actions[i].name, name) == 0)
			return &agent->actions[i];
	return NULL;
}

static void
print_metadata(const struct tandem_agent *agent)
{
	FILE *f = stdout;

	fputs("<?xml version=\"1.0\"?>\n", f);
	fputs("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n", f);
	fprintf(f, "<resource-agent name=\"%s\" version=\"%s\">\n", agent->name, PACKAGE_VERSION);
	fputs("<version>1.1</version>\n<longdesc lang=\"en\">\n", f);
	tandem_xml_escape(f, agent->longdesc);
	fputs("\n</longdesc>\n<shortdesc lang=\"en\">", f);
	tandem_xml_escape(f, agent->shortdesc);
	fputs("</shortdesc>\n", f);
	tandem_params_metadata(f, agent->params, agent->n_params);
	fputs("<actions>\n", f);
	for (size_t i = 0; i < agent->n_actions; i++) {
		const struct tandem_action *a = &agent->actions[i];

		fprintf(f, "<action name=\"%s\" timeout=\"%ds\"", a->name, a->timeout_s);
		if (a->interval_s > 0)
			fprintf(f, " interval=\"%ds\"", a->interval_s);
		if (a->depth >= 0)
			fprintf(f, " depth=\"%d\"", a->depth);
		if (a->role != NULL)
			fprintf(f, " role=\"%s\"", a->role);
		fputs("/>\n", f);
	}
	fputs("</actions>\n</resource-agent>\n", f);
	fflush(f);
}

static void
print_usage(FILE *f, const struct tandem_agent *agent)
{
	fprintf(f, "usage: %s {", agent->name);
	for (size_t i = 0; i < agent->n_actions; i++)
		fprintf(f, "%s%s", i ? "|" : "", agent->actions[i].name);
	fputs("}\n", f);
}

int
tandem_ocf_main(const struct tandem_agent *agent, int argc, char **argv)
{
	struct tandem_ctx ctx = { .agent = agent };
	char why[512] = "";
	const char *name;
	int rc;

	if (argc != 2) {
		tandem_log_init(agent->name);
		print_usage(stderr, agent);
		tandem_ocf_exit_reason("expected exactly one action argument, got %d", argc - 1);
		rc = TANDEM_OCF_ERR_ARGS;
		goto out;
	}
	name = argv[1];
	if (strcmp(name, "meta-data") == 0) {
		print_metadata(agent);
		return TANDEM_OCF_SUCCESS;
	}
	if (strcmp(name, "usage") == 0 || strcmp(name, "help") == 0) {
		print_usage(stdout, agent);
		return TANDEM_OCF_SUCCESS;
	}
	tandem_log_init(agent->name);
	ctx.action = tandem_ocf_find_action(agent, name);
	if (ctx.action == NULL || ctx.action->run == NULL) {
		tandem_ocf_exit_reason("unsupported action \"%.64s\"", name);
		rc = TANDEM_OCF_ERR_UNIMPLEMENTED;
		goto out;
	}
	ctx.deadline = tandem_deadline_from_env((int64_t)ctx.action->timeout_s * 1000);
	ctx.interval_ms = tandem_ocf_meta_ms("interval", 0);
	ctx.probe = strcmp(name, "monitor") == 0 && ctx.interval_ms == 0;
	ctx.check_level = tandem_ocf_check_level();

	rc = tandem_params_load(agent->params, agent->n_params, NULL, &ctx.params, why, sizeof(why));
	if (rc != TANDEM_OCF_SUCCESS) {
		tandem_ocf_exit_reason("%s", why);
		rc = tandem_ocf_invalid_rc(&ctx, rc);
		goto out;
	}
	if (agent->validate != NULL) {
		rc = agent->validate(&ctx);
		if (tandem_ocf_must_look(&ctx, rc)) {
			tandem_log(LOG_WARNING, "%s despite a fault of this node (%s): looking for the process",
				   ctx.probe ? "probe" : name, tandem_ocf_rc_str(rc));
		} else if (rc != TANDEM_OCF_SUCCESS) {
			rc = tandem_ocf_invalid_rc(&ctx, rc);
			goto out;
		}
	}
	tandem_log(LOG_DEBUG, "%s: starting " TANDEM_XS " timeout_left=%lldms interval=%lldms probe=%d",
	       name, (long long)tandem_deadline_left(ctx.deadline),
	       (long long)ctx.interval_ms, ctx.probe);
	rc = ctx.action->run(&ctx);
	tandem_log(LOG_DEBUG, "%s: rc=%d (%s)", name, rc, tandem_ocf_rc_str(rc));
out:
	free(ctx.params);
	tandem_log_fini();
	return rc;
}

/* Notification variables. */

int
tandem_uname_list_parse(const char *s, struct tandem_uname_list *out)
{
	size_t cap = 0;

	out->names = NULL;
	out->n = 0;
	if (s == NULL)
		return 0;
	while (*s != '\0') {
		const char *start;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		start = s;
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			char **nn = realloc(out->names, ncap * sizeof(*nn));

			if (nn == NULL)
				goto oom;
			out->names = nn;
			cap = ncap;
		}
		out->names[out->n] = strndup(start, (size_t)(s - start));
		if (out->names[out->n] == NULL)
			goto oom;
		out->n++;
	}
	return 0;
oom:
	tandem_uname_list_free(out);
	return -1;
}

bool
tandem_uname_list_has(const struct tandem_uname_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return true;
	return false;
}

void
tandem_uname_list_free(struct tandem_uname_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

static const char *
notify_from_env(const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "notify_%s", name);
	return tandem_ocf_meta(key);
}

static bool
one_of(const char *v, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

int
tandem_ocf_notify_parse(const char *(*getter)(const char *name), struct tandem_ocf_notify *n)
{
	static const char *const types[] = { "pre", "post", NULL };
	static const char *const ops[] = { "start", "stop", "promote", "demote", NULL };
	/* Pacemaker 2.1 sets both the new and the old (master/slave) names. */
	const struct {
		struct tandem_uname_list *list;
		const char *name, *old;
	} lists[] = {
		{ &n->start, "start_uname", NULL },
		{ &n->stop, "stop_uname", NULL },
		{ &n->promote, "promote_uname", NULL },
		{ &n->demote, "demote_uname", NULL },
		{ &n->active, "active_uname", NULL },
		{ &n->inactive, "inactive_uname", NULL },
		{ &n->promoted, "promoted_uname", "master_uname" },
		{ &n->unpromoted, "unpromoted_uname", "slave_uname" },
		{ &n->all, "all_uname", NULL },
	};
	const char *type, *op;

	memset(n, 0, sizeof(*n));
	if (getter == NULL)
		getter = notify_from_env;
	type = getter("type");
	op = getter("operation");
	if (type == NULL || op == NULL || !one_of(type, types) || !one_of(op, ops))
		return -1;
	n->type = strdup(type);
	n->operation = strdup(op);
	if (n->type == NULL || n->operation == NULL)
		goto fail;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const char *v = getter(lists[i].name);

		if (v == NULL && lists[i].old != NULL)
			v = getter(lists[i].old);
		if (tandem_uname_list_parse(v, lists[i].list) != 0)
			goto fail;
	}
	return 0;
fail:
	tandem_ocf_notify_free(n);
	return -1;
}

void
tandem_ocf_notify_free(struct tandem_ocf_notify *n)
{
	free(n->type);
	free(n->operation);
	tandem_uname_list_free(&n->start);
	tandem_uname_list_free(&n->stop);
	tandem_uname_list_free(&n->promote);
	tandem_uname_list_free(&n->demote);
	tandem_uname_list_free(&n->active);
	tandem_uname_list_free(&n->inactive);
	tandem_uname_list_free(&n->promoted);
	tandem_uname_list_free(&n->unpromoted);
	tandem_uname_list_free(&n->all);
	memset(n, 0, sizeof(*n));
}

int64_t
tandem_ocf_seen_for(const char *what, bool now)
{
	char path[1024], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/tandem-%s-%s", tandem_ocf_rsctmp(), tandem_ocf_instance(), what);
	if (!now) {
		unlink(path);
		return -1;
	}
	f = fopen(path, "r");
	if (f != NULL) {
		long long since = fgets(buf, sizeof(buf), f) != NULL ? atoll(buf) : 0;

		fclose(f);
		if (since > 0)
			return (int64_t)time(NULL) - since;
	}
	f = fopen(path, "w");
	if (f != NULL) {
		fprintf(f, "%lld\n", (long long)time(NULL));
		fclose(f);
	}
	return 0;
}
