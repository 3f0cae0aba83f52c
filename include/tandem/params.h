/* params.h --- declarative parameter tables: meta-data and validation from one source */
#ifndef TANDEM_PARAMS_H
#define TANDEM_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum tandem_param_type {
	TANDEM_PARAM_STRING,
	TANDEM_PARAM_INTEGER,
	TANDEM_PARAM_BOOLEAN,
	TANDEM_PARAM_SELECT,    //!< one of options[]
};

/* One parameter, described once: meta-data is printed from it and
 * validate-all checks against it. */
struct tandem_param {
	const char *name;
	enum tandem_param_type type;
	const char *def;                //!< default, NULL for none
	bool required;
	bool unique;
	bool reloadable;                //!< a change needs no restart
	const char *shortdesc;
	const char *longdesc;
	long long min, max;             //!< integer bounds, when min < max
	const char *const *options;     //!< select values, NULL-terminated
	bool hide_value;                //!< never echo the value (it may hold a secret)
	/* Further syntax check of a string value; on failure writes why. */
	bool (*check)(const char *value, char *why, size_t len);
};

struct tandem_param_value {
	const char *str;        //!< the value, or the default, or NULL
	long long num;          //!< integers, and booleans as 0/1
	bool given;             //!< set by the admin (not the default)
};

struct tandem_params {
	const struct tandem_param *defs;
	size_t n;
	struct tandem_param_value v[];
};

/* Reads every parameter through getter (NULL: OCF_RESKEY_<name>), applies
 * defaults and checks each against its row.  On success returns 0 and sets
 * *out (free with free()).  On failure returns TANDEM_OCF_ERR_CONFIGURED and
 * writes one line naming the parameter and the value into why. */
int tandem_params_load(const struct tandem_param *defs, size_t n,
		       const char *(*getter)(const char *name),
		       struct tandem_params **out, char *why, size_t why_len);

const char *tandem_param_str(const struct tandem_params *p, size_t idx);
long long tandem_param_int(const struct tandem_params *p, size_t idx);
bool tandem_param_bool(const struct tandem_params *p, size_t idx);
bool tandem_param_given(const struct tandem_params *p, size_t idx);

/* A check for path parameters: the value is an absolute path. */
bool tandem_param_check_absolute(const char *value, char *why, size_t len);

/* OCF booleans: yes/true/on/1 and no/false/off/0, any case.  Returns
 * false when s is none of them. */
bool tandem_parse_bool(const char *s, bool *out);
/* A whole decimal integer within [min, max]. */
bool tandem_parse_int(const char *s, long long min, long long max, long long *out);

/* Writes s with XML's special characters escaped. */
void tandem_xml_escape(FILE *f, const char *s);
/* The <parameters> element of meta-data. */
void tandem_params_metadata(FILE *f, const struct tandem_param *defs, size_t n);

#endif
