/*
 * Line protocol encoder.  See lp.h for the escaping rules.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"

/* Make room for n more bytes. */
static int
grow(struct lp_buf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Append n bytes. */
static void
put(struct lp_buf *b, const char *s, size_t n)
{
	if (grow(b, n) == -1)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a character. */
static void
putc_(struct lp_buf *b, char c)
{
	put(b, &c, 1);
}

/* Append s, escaping the characters in special with a backslash. */
static void
put_escaped(struct lp_buf *b, const char *s, const char *special, int name)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			putc_(b, ' ');
			continue;
		}
		if (strchr(special, *p) != NULL)
			putc_(b, '\\');
		else if (name && *p == '\\' && p[1] == '\0')
			putc_(b, '\\');	/* a final backslash escapes nothing */
		putc_(b, (char)*p);
	}
}

void
lp_init(struct lp_buf *b)
{
	memset(b, 0, sizeof *b);
}

void
lp_free(struct lp_buf *b)
{
	free(b->data);
	lp_init(b);
}

void
lp_reset(struct lp_buf *b)
{
	b->len = 0;
	b->npoints = 0;
	b->oom = 0;
	b->start = 0;
	b->nfields = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
lp_begin(struct lp_buf *b, const char *m)
{
	b->start = b->len;
	b->nfields = 0;
	put_escaped(b, m, ", ", 1);
}

void
lp_tag(struct lp_buf *b, const char *k, const char *v)
{
	if (v == NULL || *v == '\0' || k == NULL || *k == '\0')
		return;
	putc_(b, ',');
	put_escaped(b, k, ",= ", 1);
	putc_(b, '=');
	put_escaped(b, v, ",= ", 1);
}

/* Write the separator and key of the next field. */
static void
field_key(struct lp_buf *b, const char *k)
{
	putc_(b, b->nfields++ == 0 ? ' ' : ',');
	put_escaped(b, k, ",= ", 1);
	putc_(b, '=');
}

void
lp_float(struct lp_buf *b, const char *k, double v)
{
	char	num[40];

	if (!isfinite(v) || k == NULL || *k == '\0')
		return;
	field_key(b, k);
	snprintf(num, sizeof num, "%.10g", v);
	put(b, num, strlen(num));
}

void
lp_int(struct lp_buf *b, const char *k, int64_t v)
{
	char	num[32];

	if (k == NULL || *k == '\0')
		return;
	field_key(b, k);
	snprintf(num, sizeof num, "%" PRId64 "i", v);
	put(b, num, strlen(num));
}

void
lp_bool(struct lp_buf *b, const char *k, int v)
{
	if (k == NULL || *k == '\0')
		return;
	field_key(b, k);
	put(b, v ? "true" : "false", v ? 4 : 5);
}

void
lp_str(struct lp_buf *b, const char *k, const char *v)
{
	if (k == NULL || *k == '\0' || v == NULL)
		return;
	field_key(b, k);
	putc_(b, '"');
	put_escaped(b, v, "\"\\", 0);
	putc_(b, '"');
}

int
lp_end(struct lp_buf *b, int64_t ts_ms)
{
	char	num[32];

	if (b->nfields == 0) {
		b->len = b->start;
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return -1;
	}
	snprintf(num, sizeof num, " %" PRId64 "\n", ts_ms);
	put(b, num, strlen(num));
	b->npoints++;
	b->nfields = 0;
	return 0;
}
