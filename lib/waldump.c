/* waldump.c --- the transactions pg_waldump's output shows committed */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/waldump.h"

struct owner {
	uint32_t xid;   //!< a committed transaction's, or one of its subtransactions'
	size_t slot;    //!< its transaction's place in x
};

/* The unsigned number after key in [line, end), or false. */
static bool
number_after(const char *line, const char *end, const char *key, uint32_t *v)
{
	const char *p = memmem(line, (size_t)(end - line), key, strlen(key));
	unsigned long n = 0;
	bool any = false;

	if (p == NULL)
		return false;
	for (p += strlen(key); p < end && *p == ' '; p++)
		;
	for (; p < end && isdigit((unsigned char)*p) && n <= UINT32_MAX; p++, any = true)
		n = n * 10 + (unsigned long)(*p - '0');
	if (!any || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

/* Copies the text after key up to stop (or the line's end) into out. */
static bool
text_after(const char *line, const char *end, const char *key, const char *stop, char *out, size_t len)
{
	const char *p = memmem(line, (size_t)(end - line), key, strlen(key)), *q;

	if (p == NULL)
		return false;
	p += strlen(key);
	for (q = p; q < end && strchr(stop, *q) == NULL; q++)
		;
	if ((size_t)(q - p) >= len)
		q = p + len - 1;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

static int
by_xid(const void *a, const void *b)
{
	uint32_t x = ((const struct owner *)a)->xid, y = ((const struct owner *)b)->xid;

	return x < y ? -1 : x > y;
}

static bool
own(struct owner **o, size_t *n, size_t *cap, uint32_t xid, size_t slot)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct owner *m = realloc(*o, c * sizeof(**o));

		if (m == NULL)
			return false;
		*o = m;
		*cap = c;
	}
	(*o)[(*n)++] = (struct owner){ xid, slot };
	return true;
}

/* A COMMIT (or COMMIT_PREPARED) record: its transaction in x[slot], its
 * subtransactions owned by it. */
static void
commit_record(const char *line, const char *end, struct tandem_wal_xact *xa, size_t slot, struct owner **o,
	      size_t *n_o, size_t *cap)
{
	const char *desc = memmem(line, (size_t)(end - line), "desc: ", 6), *p;
	bool prepared = desc != NULL && strncmp(desc + 6, "COMMIT_PREPARED", 15) == 0;

	memset(xa, 0, sizeof(*xa));
	if (prepared)
		(void)number_after(desc, end, "COMMIT_PREPARED", &xa->xid);
	else
		(void)number_after(line, end, "tx:", &xa->xid);
	(void)text_after(line, end, "lsn: ", ",", xa->lsn, sizeof(xa->lsn));
	if (prepared) {
		p = memchr(desc, ':', (size_t)(end - desc));
		p = p != NULL ? memchr(p + 1, ':', (size_t)(end - p - 1)) : NULL;
		if (p != NULL)
			(void)text_after(p, end, ": ", ";", xa->committed, sizeof(xa->committed));
	} else {
		(void)text_after(desc, end, "COMMIT ", ";", xa->committed, sizeof(xa->committed));
	}
	if (!own(o, n_o, cap, xa->xid, slot))
		return;
	p = memmem(desc, (size_t)(end - desc), "subxacts:", 9);
	if (p == NULL)
		return;
	for (p += 9; p < end && *p != ';';) {
		uint32_t sub = 0;
		bool any = false;

		while (p < end && *p == ' ')
			p++;
		for (; p < end && isdigit((unsigned char)*p); p++, any = true)
			sub = sub * 10 + (uint32_t)(*p - '0');
		if (!any || !own(o, n_o, cap, sub, slot))
			break;
	}
}

static void
add_rel(struct tandem_wal_xact *xa, struct tandem_wal_rel r)
{
	for (size_t i = 0; i < xa->n_rels; i++)
		if (xa->rels[i].spc == r.spc && xa->rels[i].db == r.db && xa->rels[i].rel == r.rel)
			return;
	if (xa->n_rels < TANDEM_WAL_XACT_RELS)
		xa->rels[xa->n_rels++] = r;
	else
		xa->more_rels++;
}

/* Every "rel A/B/C" of a record line: its block references. */
static void
record_rels(const char *line, const char *end, struct tandem_wal_xact *xa)
{
	const char *p = line;

	while ((p = memmem(p, (size_t)(end - p), "rel ", 4)) != NULL) {
		struct tandem_wal_rel r;
		uint32_t *f[] = { &r.spc, &r.db, &r.rel };
		bool ok = true;

		p += 4;
		for (size_t i = 0; i < 3 && ok; i++) {
			bool any = false;

			*f[i] = 0;
			for (; p < end && isdigit((unsigned char)*p); p++, any = true)
				*f[i] = *f[i] * 10 + (uint32_t)(*p - '0');
			ok = any && (i == 2 || (p < end && *p++ == '/'));
		}
		if (ok)
			add_rel(xa, r);
	}
}

size_t
tandem_waldump_commits(const char *out, struct tandem_wal_xact *x, size_t max, size_t *total)
{
	struct owner *o = NULL, key, *hit;
	size_t n_o = 0, cap = 0, n = 0;
	const char *line, *end;

	*total = 0;
	/* First the commits: which transactions count, and their order. */
	for (line = out; line != NULL && *line != '\0'; line = *end ? end + 1 : NULL) {
		end = line + strcspn(line, "\n");
		if (strncmp(line, "rmgr: Transaction ", 18) != 0)
			continue;
		if (memmem(line, (size_t)(end - line), "desc: COMMIT", 12) == NULL)
			continue;
		(*total)++;
		if (n < max) {
			commit_record(line, end, &x[n], n, &o, &n_o, &cap);
			n++;
		}
	}
	if (n_o == 0) {
		free(o);
		return n;
	}
	qsort(o, n_o, sizeof(*o), by_xid);
	/* Then what each of their records touched. */
	for (line = out; line != NULL && *line != '\0'; line = *end ? end + 1 : NULL) {
		end = line + strcspn(line, "\n");
		if (strncmp(line, "rmgr: ", 6) != 0 || !number_after(line, end, "tx:", &key.xid) || key.xid == 0)
			continue;
		hit = bsearch(&key, o, n_o, sizeof(*o), by_xid);
		if (hit != NULL)
			record_rels(line, end, &x[hit->slot]);
	}
	free(o);
	return n;
}
