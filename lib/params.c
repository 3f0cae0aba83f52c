/* params.c --- declarative parameter tables: meta-data and validation from one source */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tandem/ocf.h"
#include "tandem/params.h"

bool
tandem_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };

	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool
tandem_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll skips leading blanks and accepts "+": an admin's value must
	 * be the number alone. */
	if (*s != '-' && !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	if (min < max && (v < min || v > max))
		return false;
	*out = v;
	return true;
}

static const char *
from_env(const char *name)
{
	return tandem_ocf_reskey(name);
}

/* Checks one value against its row; writes why on failure. */
static bool
check_value(const struct tandem_param *d, const char *v, struct tandem_param_value *out,
	    char *why, size_t why_len)
{
	bool b;

	switch (d->type) {
	case TANDEM_PARAM_INTEGER:
		if (!tandem_parse_int(v, d->min, d->max, &out->num)) {
			if (d->min < d->max)
				snprintf(why, why_len,
					 "invalid value \"%s\" for parameter \"%s\": not an integer from %lld to %lld",
					 v, d->name, d->min, d->max);
			else
				snprintf(why, why_len,
					 "invalid value \"%s\" for parameter \"%s\": not an integer",
					 v, d->name);
			return false;
		}
		break;
	case TANDEM_PARAM_BOOLEAN:
		if (!tandem_parse_bool(v, &b)) {
			snprintf(why, why_len,
				 "invalid value \"%s\" for parameter \"%s\": not a boolean (true or false)",
				 v, d->name);
			return false;
		}
		out->num = b;
		break;
	case TANDEM_PARAM_SELECT: {
		size_t i;

		for (i = 0; d->options[i] != NULL; i++)
			if (strcmp(v, d->options[i]) == 0)
				break;
		if (d->options[i] == NULL) {
			char list[256] = "";
			size_t used = 0;

			for (i = 0; d->options[i] != NULL && used < sizeof(list); i++)
				used += snprintf(list + used, sizeof(list) - used, "%s%s",
						 i ? ", " : "", d->options[i]);
			snprintf(why, why_len,
				 "invalid value \"%s\" for parameter \"%s\": expected one of %s",
				 v, d->name, list);
			return false;
		}
		out->num = (long long)i;
		break;
	}
	case TANDEM_PARAM_STRING:
		break;
	}
	if (d->check != NULL) {
		char detail[200] = "";

		if (!d->check(v, detail, sizeof(detail))) {
			if (d->hide_value)
				snprintf(why, why_len, "invalid value for parameter \"%s\": %s", d->name, detail);
			else
				snprintf(why, why_len, "invalid value \"%s\" for parameter \"%s\": %s",
					 v, d->name, detail);
			return false;
		}
	}
	out->str = v;
	return true;
}

int
tandem_params_load(const struct tandem_param *defs, size_t n,
		   const char *(*getter)(const char *name),
		   struct tandem_params **out, char *why, size_t why_len)
{
	struct tandem_params *p;

	if (getter == NULL)
		getter = from_env;
	p = calloc(1, sizeof(*p) + n * sizeof(p->v[0]));
	if (p == NULL) {
		snprintf(why, why_len, "out of memory");
		return TANDEM_OCF_ERR_GENERIC;
	}
	p->defs = defs;
	p->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct tandem_param *d = &defs[i];
		const char *v = getter(d->name);

		/* Pacemaker passes an emptied parameter as "": same as unset. */
		if (v != NULL && *v == '\0')
			v = NULL;
		p->v[i].given = v != NULL;
		if (v == NULL)
			v = d->def;
		if (v == NULL) {
			if (d->required) {
				snprintf(why, why_len, "required parameter \"%s\" is not set", d->name);
				free(p);
				return TANDEM_OCF_ERR_CONFIGURED;
			}
			continue;
		}
		if (!check_value(d, v, &p->v[i], why, why_len)) {
			free(p);
			return TANDEM_OCF_ERR_CONFIGURED;
		}
	}
	*out = p;
	return TANDEM_OCF_SUCCESS;
}

const char *
tandem_param_str(const struct tandem_params *p, size_t idx)
{
	return idx < p->n ? p->v[idx].str : NULL;
}

long long
tandem_param_int(const struct tandem_params *p, size_t idx)
{
	return idx < p->n ? p->v[idx].num : 0;
}

bool
tandem_param_bool(const struct tandem_params *p, size_t idx)
{
	return tandem_param_int(p, idx) != 0;
}

bool
tandem_param_given(const struct tandem_params *p, size_t idx)
{
	return idx < p->n && p->v[idx].given;
}

void
tandem_xml_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

static const char *const type_names[] = {
	[TANDEM_PARAM_STRING] = "string",
	[TANDEM_PARAM_INTEGER] = "integer",
	[TANDEM_PARAM_BOOLEAN] = "boolean",
	[TANDEM_PARAM_SELECT] = "string",
};

void
tandem_params_metadata(FILE *f, const struct tandem_param *defs, size_t n)
{
	fputs("<parameters>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct tandem_param *d = &defs[i];

		/* OCF 1.1 also has reloadable="1", but both schemas Debian's
		 * resource-agents ships (metadata.rng, ra-api-1.dtd) reject it,
		 * so it is not written: Pacemaker restarts on any change. */
		fprintf(f, "<parameter name=\"%s\" unique=\"%d\" required=\"%d\">\n",
			d->name, d->unique, d->required);
		fputs("<longdesc lang=\"en\">\n", f);
		tandem_xml_escape(f, d->longdesc);
		/* The DTD ocf-tester checks knows no "select" type: the choices
		 * are listed in words and the type is string. */
		if (d->type == TANDEM_PARAM_SELECT) {
			fputs("\nOne of:", f);
			for (size_t k = 0; d->options[k] != NULL; k++) {
				fputs(k ? ", " : " ", f);
				tandem_xml_escape(f, d->options[k]);
			}
			fputc('.', f);
		}
		fputs("\n</longdesc>\n<shortdesc lang=\"en\">", f);
		tandem_xml_escape(f, d->shortdesc);
		fprintf(f, "</shortdesc>\n<content type=\"%s\"", type_names[d->type]);
		if (d->def != NULL) {
			fputs(" default=\"", f);
			tandem_xml_escape(f, d->def);
			fputc('"', f);
		}
		fputs("/>\n", f);
		fputs("</parameter>\n", f);
	}
	fputs("</parameters>\n", f);
}

bool
tandem_param_check_absolute(const char *value, char *why, size_t len)
{
	if (value[0] == '/')
		return true;
	snprintf(why, len, "not an absolute path");
	return false;
}
