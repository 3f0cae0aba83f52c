/* decide.c --- ocf:tandem:stash's decisions: the HA guide's state table, and the parsers of what Stash hands over */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "stash.h"

const char *
stash_health_str(enum stash_health h)
{
	static const char *const names[] = {
		[STASH_RUNNING] = "RUNNING", [STASH_MAINTENANCE] = "MAINTENANCE",
		[STASH_FIRST_RUN] = "FIRST_RUN", [STASH_STARTING] = "STARTING",
		[STASH_STOPPING] = "STOPPING", [STASH_ERROR] = "ERROR",
		[STASH_UNDEPLOYED] = "404 (not deployed)", [STASH_REFUSED] = "connection refused",
		[STASH_TIMEOUT] = "no answer in time", [STASH_REDIRECT] = "a redirect",
		[STASH_BAD_ANSWER] = "an answer that is not /status's", [STASH_UNREACHABLE] = "unreachable",
	};

	return (size_t)h < sizeof(names) / sizeof(names[0]) ? names[h] : "?";
}

/* A tiny reader for the one flat JSON object /status returns. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* A JSON string without escapes (none of /status's keys or values has
 * one); sets *s and *n to its contents.  NULL when it is not one. */
static const char *
json_string(const char *p, const char *end, const char **s, size_t *n)
{
	const char *q;

	if (p >= end || *p != '"')
		return NULL;
	for (q = p + 1; q < end && *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return NULL;
	if (q >= end)
		return NULL;
	*s = p + 1;
	*n = (size_t)(q - p - 1);
	return q + 1;
}

/* A scalar that is not a string: a number, true, false, null. */
static const char *
json_scalar(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (isalnum((unsigned char)*q) || strchr("+-.", *q) != NULL))
		q++;
	return q > p ? q : NULL;
}

bool
stash_parse_state(const char *body, size_t body_len, char *out, size_t len)
{
	const char *p = body, *end = body + body_len;
	bool found = false;

	if (body == NULL || len == 0)
		return false;
	out[0] = '\0';
	p = skip_ws(p, end);
	if (p >= end || *p++ != '{')
		return false;
	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return false;
	for (;;) {
		const char *k, *v;
		size_t kn, vn;

		p = json_string(skip_ws(p, end), end, &k, &kn);
		if (p == NULL)
			return false;
		p = skip_ws(p, end);
		if (p >= end || *p++ != ':')
			return false;
		p = skip_ws(p, end);
		if (p < end && *p == '"') {
			p = json_string(p, end, &v, &vn);
			if (p == NULL)
				return false;
			if (kn == 5 && memcmp(k, "state", 5) == 0) {
				if (vn == 0 || vn >= len)
					return false;
				for (size_t i = 0; i < vn; i++)
					if (!isupper((unsigned char)v[i]) && v[i] != '_')
						return false;
				memcpy(out, v, vn);
				out[vn] = '\0';
				found = true;
			}
		} else if ((p = json_scalar(p, end)) == NULL) {
			return false;   /* nested objects are not /status's */
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		return false;
	}
	return found && skip_ws(p + 1, end) == end;
}

enum stash_health
stash_classify(const struct tandem_http_result *r)
{
	char state[32];
	bool json;

	switch (r->outcome) {
	case TANDEM_HTTP_REFUSED:
		return STASH_REFUSED;
	case TANDEM_HTTP_TIMEOUT:
		return STASH_TIMEOUT;
	case TANDEM_HTTP_ERROR:
		return STASH_UNREACHABLE;
	case TANDEM_HTTP_OK:
		break;
	}
	if (r->status >= 300 && r->status < 400)
		return STASH_REDIRECT;
	if (r->status == 404)
		return STASH_UNDEPLOYED;
	json = stash_parse_state(r->body, r->body_len, state, sizeof(state));
	if (r->status == 200 && json) {
		if (strcmp(state, "RUNNING") == 0)
			return STASH_RUNNING;
		if (strcmp(state, "MAINTENANCE") == 0)
			return STASH_MAINTENANCE;
		if (strcmp(state, "FIRST_RUN") == 0)
			return STASH_FIRST_RUN;
	}
	if (r->status == 503 && json) {
		if (strcmp(state, "STARTING") == 0)
			return STASH_STARTING;
		if (strcmp(state, "STOPPING") == 0)
			return STASH_STOPPING;
	}
	/* Tomcat's own error page for a broken application is a 500 too. */
	if (r->status == 500 && (!json || strcmp(state, "ERROR") == 0))
		return STASH_ERROR;
	return STASH_BAD_ANSWER;
}

bool
stash_db_matters(enum stash_health h)
{
	/* The guide: when the database is down Stash reports ERROR, or
	 * hangs, or never finishes starting; another node would do no
	 * better.  A refused connection is a dead Tomcat whatever the
	 * database does. */
	return h == STASH_ERROR || h == STASH_TIMEOUT || h == STASH_STARTING || h == STASH_STOPPING;
}

static struct stash_verdict
verdict(int rc, int level, const char *why)
{
	return (struct stash_verdict){ .wait = false, .rc = rc, .level = level, .why = why };
}

static struct stash_verdict
wait_for(const char *why)
{
	return (struct stash_verdict){ .wait = true, .rc = TANDEM_OCF_SUCCESS, .level = LOG_INFO, .why = why };
}

struct stash_verdict
stash_decide(enum stash_health h, enum stash_phase phase, bool jvm_alive, int64_t transitional_s,
	     int64_t grace_s, enum stash_db db)
{
	const char *undeployed = "the web application failed to deploy: Stash on another node would fail too, "
				 "fix it by hand, then pcs resource cleanup";
	const char *redirect = "/status never redirects: point status_url at the endpoint itself";

	if (phase == STASH_PHASE_STOP)
		return jvm_alive ? wait_for("still running") : verdict(TANDEM_OCF_SUCCESS, LOG_INFO, NULL);
	switch (h) {
	case STASH_RUNNING:
		return verdict(TANDEM_OCF_SUCCESS, LOG_DEBUG, NULL);
	case STASH_MAINTENANCE:
		return verdict(TANDEM_OCF_SUCCESS, LOG_INFO, "in maintenance (a backup or a migration): running, not a failure");
	case STASH_FIRST_RUN:
		return verdict(TANDEM_OCF_SUCCESS, LOG_WARNING, "running, but not configured yet: finish the setup");
	case STASH_UNDEPLOYED:
		return verdict(TANDEM_OCF_ERR_CONFIGURED, LOG_ERR, undeployed);
	case STASH_REDIRECT:
		return verdict(TANDEM_OCF_ERR_CONFIGURED, LOG_ERR, redirect);
	default:
		break;
	}
	if (phase == STASH_PHASE_START) {
		if (h == STASH_ERROR && db != STASH_DB_DOWN)
			return verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "Stash reports an error while starting");
		if (h == STASH_ERROR)
			return wait_for("its database does not answer: waiting for it");
		if (!jvm_alive && (h == STASH_REFUSED || h == STASH_TIMEOUT || h == STASH_UNREACHABLE))
			return verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "the JVM exited while starting");
		return wait_for("starting");
	}
	/* Monitor. */
	if (h == STASH_REFUSED)
		return jvm_alive ? verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "the JVM is alive but Tomcat does not listen")
				 : verdict(TANDEM_OCF_NOT_RUNNING, LOG_INFO, NULL);
	if ((h == STASH_STARTING || h == STASH_STOPPING) && transitional_s < grace_s)
		return verdict(TANDEM_OCF_SUCCESS, LOG_INFO, "in transition outside start and stop: within the grace");
	if (db == STASH_DB_DOWN && stash_db_matters(h))
		return verdict(TANDEM_OCF_SUCCESS, LOG_WARNING,
			       "unhealthy, but its database does not answer: a restart or a failover would not "
			       "help (the guide), waiting for the database");
	if (h == STASH_STARTING || h == STASH_STOPPING)
		return verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "in transition for longer than transition_grace");
	if (h == STASH_ERROR)
		return verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "Stash reports an error");
	if (h == STASH_TIMEOUT)
		return verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "/status did not answer in time");
	return verdict(TANDEM_OCF_ERR_GENERIC, LOG_ERR, "/status did not answer as Stash does");
}

/* JDBC URLs. */

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Copies [s, e) into out (size len) with %XX decoded; false on a bad
 * escape, a control character or no room. */
static bool
decode(const char *s, const char *e, char *out, size_t len)
{
	size_t k = 0;

	for (; s < e; s++) {
		int c = (unsigned char)*s;

		if (c == '%') {
			int hi, lo;

			if (e - s < 3 || (hi = hexval((unsigned char)s[1])) < 0
			    || (lo = hexval((unsigned char)s[2])) < 0)
				return false;
			c = hi * 16 + lo;
			s += 2;
		}
		if (c < 0x20 || c == 0x7f || k + 1 >= len)
			return false;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return true;
}

static const char *
target_attrs(const char *server_type)
{
	static const char *const map[][2] = {
		{ "any", "any" }, { "primary", "read-write" }, { "master", "read-write" },
		{ "secondary", "standby" }, { "slave", "standby" },
		{ "preferSecondary", "prefer-standby" }, { "preferSlave", "prefer-standby" },
		{ "preferPrimary", "any" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(server_type, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static bool
fail(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return false;
}

bool
stash_parse_jdbc(const char *url, struct stash_jdbc *o, char *why, size_t why_len)
{
	static const char prefix[] = "jdbc:postgresql:";
	const char *p, *e;

	memset(o, 0, sizeof(*o));
	strcpy(o->target, "any");
	if (strncmp(url, prefix, sizeof(prefix) - 1) != 0)
		return fail(why, why_len, "not a jdbc:postgresql: URL");
	p = url + sizeof(prefix) - 1;
	if (p[0] != '/' || p[1] != '/') {
		/* jdbc:postgresql:db or jdbc:postgresql:/ : the local server. */
		strcpy(o->hosts[0], "localhost");
		strcpy(o->ports[0], "5432");
		o->n_hosts = 1;
		if (*p == '/')
			p++;
	} else {
		p += 2;
		for (;;) {
			size_t i = o->n_hosts, n;

			if (i == STASH_JDBC_MAX_HOSTS)
				return fail(why, why_len, "more hosts than Tandem reads (8)");
			if (*p == '[') {
				e = strchr(p, ']');
				if (e == NULL || e == p + 1)
					return fail(why, why_len, "an IPv6 address without its closing bracket");
				for (const char *q = p + 1; q < e; q++)
					if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
						return fail(why, why_len, "not an IPv6 address between brackets");
				n = (size_t)(e - p - 1);
				if (n >= sizeof(o->hosts[i]))
					return fail(why, why_len, "not an IPv6 address between brackets");
				memcpy(o->hosts[i], p + 1, n);
				p = e + 1;
			} else {
				for (e = p; isalnum((unsigned char)*e) || *e == '.' || *e == '-' || *e == '_'; e++)
					;
				n = (size_t)(e - p);
				if (n == 0 || n >= sizeof(o->hosts[i]))
					return fail(why, why_len, "a host name is empty or not a host name");
				memcpy(o->hosts[i], p, n);
				p = e;
			}
			o->hosts[i][n] = '\0';
			if (*p == ':') {
				long port;

				for (e = ++p; isdigit((unsigned char)*e); e++)
					;
				port = e - p > 0 && e - p <= 5 ? strtol(p, NULL, 10) : 0;
				if (port < 1 || port > 65535)
					return fail(why, why_len, "a port that is not 1-65535");
				snprintf(o->ports[i], sizeof(o->ports[i]), "%ld", port);
				p = e;
			} else {
				strcpy(o->ports[i], "5432");
			}
			o->n_hosts++;
			if (*p != ',')
				break;
			p++;
		}
		if (*p != '/' && *p != '\0' && *p != '?')
			return fail(why, why_len, "unexpected text after the hosts");
		if (*p == '/')
			p++;
	}
	e = p + strcspn(p, "?");
	if (!decode(p, e, o->dbname, sizeof(o->dbname)) || strchr(o->dbname, '/') != NULL)
		return fail(why, why_len, "not a database name");
	p = *e == '?' ? e + 1 : e;
	while (*p != '\0') {
		const char *amp = p + strcspn(p, "&"), *eq = memchr(p, '=', (size_t)(amp - p));
		char key[64], value[64];

		if (eq != NULL && decode(p, eq, key, sizeof(key)) && strcmp(key, "targetServerType") == 0) {
			const char *t;

			if (!decode(eq + 1, amp, value, sizeof(value)) || (t = target_attrs(value)) == NULL)
				return fail(why, why_len, "targetServerType is not one pgjdbc knows");
			snprintf(o->target, sizeof(o->target), "%s", t);
		}
		p = *amp == '&' ? amp + 1 : amp;
	}
	return true;
}

/* Java properties. */

/* Appends the UTF-8 form of code point c. */
static void
put_utf8(char **w, unsigned c)
{
	if (c < 0x80) {
		*(*w)++ = (char)c;
	} else if (c < 0x800) {
		*(*w)++ = (char)(0xc0 | c >> 6);
		*(*w)++ = (char)(0x80 | (c & 0x3f));
	} else {
		*(*w)++ = (char)(0xe0 | c >> 12);
		*(*w)++ = (char)(0x80 | (c >> 6 & 0x3f));
		*(*w)++ = (char)(0x80 | (c & 0x3f));
	}
}

/* One logical line (continuations joined, escapes kept) from *p; NULL at
 * the end.  The result is malloc'ed. */
static char *
logical_line(const char **p)
{
	const char *s = *p;
	size_t cap = 128, k = 0;
	char *out;

	if (*s == '\0')
		return NULL;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\f')
		s++;
	for (;;) {
		const char *nl = s + strcspn(s, "\r\n");
		size_t n = (size_t)(nl - s), bs = 0;

		while (bs < n && s[n - 1 - bs] == '\\')
			bs++;
		if (k + n + 1 > cap) {
			char *grown;

			while (k + n + 1 > cap)
				cap *= 2;
			grown = realloc(out, cap);
			if (grown == NULL) {
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + k, s, n);
		k += n;
		s = nl;
		if (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
		/* An odd run of backslashes continues the line (not a comment's). */
		if (bs % 2 == 1 && out[0] != '#' && out[0] != '!' && *s != '\0') {
			k--;
			while (*s == ' ' || *s == '\t' || *s == '\f')
				s++;
			continue;
		}
		break;
	}
	out[k] = '\0';
	*p = s;
	return out;
}

/* Unescapes [s, e) in place into w; returns the new end. */
static char *
unescape(const char *s, const char *e, char *w)
{
	while (s < e) {
		if (*s != '\\' || s + 1 >= e) {
			if (*s != '\\')
				*w++ = *s;
			s++;
			continue;
		}
		s++;
		switch (*s) {
		case 't': *w++ = '\t'; s++; break;
		case 'n': *w++ = '\n'; s++; break;
		case 'r': *w++ = '\r'; s++; break;
		case 'f': *w++ = '\f'; s++; break;
		case 'u': {
			unsigned c = 0;
			int i;

			for (i = 1; i <= 4 && s + i < e && hexval((unsigned char)s[i]) >= 0; i++)
				c = c * 16 + (unsigned)hexval((unsigned char)s[i]);
			if (i == 5 && c != 0)
				put_utf8(&w, c);
			s += i;
			break;
		}
		default: *w++ = *s++; break;
		}
	}
	return w;
}

char *
stash_properties_get(const char *text, const char *key)
{
	char *line, *found = NULL;
	const char *p = text;

	while ((line = logical_line(&p)) != NULL) {
		char *s = line, *k_end, *w;

		if (*s == '\0' || *s == '#' || *s == '!') {
			free(line);
			continue;
		}
		for (k_end = s; *k_end != '\0' && !strchr("=: \t\f", *k_end); k_end++)
			if (*k_end == '\\' && k_end[1] != '\0')
				k_end++;
		/* The key, unescaped into a buffer of its own. */
		{
			char *k = malloc((size_t)(k_end - s) + 1), *v;

			if (k == NULL) {
				free(line);
				break;
			}
			*unescape(s, k_end, k) = '\0';
			v = k_end;
			while (*v == ' ' || *v == '\t' || *v == '\f')
				v++;
			if (*v == '=' || *v == ':')
				v++;
			while (*v == ' ' || *v == '\t' || *v == '\f')
				v++;
			if (strcmp(k, key) == 0) {
				/* Later lines win, as java.util.Properties has it. */
				free(found);
				found = malloc(strlen(v) * 2 + 1);
				if (found != NULL) {
					w = unescape(v, v + strlen(v), found);
					*w = '\0';
				}
			}
			free(k);
		}
		free(line);
	}
	return found;
}

bool
stash_reading_failed(enum stash_health h)
{
	return h == STASH_REFUSED || h == STASH_TIMEOUT || h == STASH_BAD_ANSWER || h == STASH_UNREACHABLE;
}
