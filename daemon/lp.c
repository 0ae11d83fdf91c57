/*
 * Line protocol encoder.  See lp.h for the escaping rules.  Fast: room is
 * reserved once per name or number (never per byte), names are escaped
 * through a table, numbers are written by hand where that is exactly what
 * printf's %.10g and %lld would write (else by snprintf), and the buffer
 * is NUL-terminated only when a point ends.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"

/* Escape classes of a byte: in a measurement, in a tag or field key or
 * tag value, in a string field value; CTL: carried as a space. */
#define ESC_MEAS	1
#define ESC_NAME	2
#define ESC_STR		4
#define ESC_CTL		8

static const unsigned char esc_class[256] = {
	[0x00 ... 0x1f] = ESC_CTL, [0x7f] = ESC_CTL,
	[' '] = ESC_MEAS | ESC_NAME, [','] = ESC_MEAS | ESC_NAME,
	['='] = ESC_NAME, ['"'] = ESC_STR, ['\\'] = ESC_STR,
};

/* Make room for n more bytes and a NUL; 0, or -1 (out of memory). */
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
}

/* Append a character. */
static void
putc_(struct lp_buf *b, char c)
{
	if (grow(b, 1) == -1)
		return;
	b->data[b->len++] = c;
}

/* Append s, escaping the bytes of class cls with a backslash (name: a
 * final backslash is doubled too). */
static void
put_escaped(struct lp_buf *b, const char *s, unsigned char cls, int name)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s);
	char			*o;
	unsigned char		 c;

	if (grow(b, 2 * n) == -1)
		return;
	o = b->data + b->len;
	for (; (c = *p) != '\0'; p++) {
		if (esc_class[c] & ESC_CTL) {
			*o++ = ' ';
			continue;
		}
		if ((esc_class[c] & cls) || (name && c == '\\' &&
		    p[1] == '\0'))
			*o++ = '\\';
		*o++ = (char)c;
	}
	b->len = (size_t)(o - b->data);
}

/* Write the decimal digits of v (any sign) backwards ending at end;
 * returns where they begin. */
static char *
digits(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

/* Append integer v, and suffix (or NUL). */
static void
put_int(struct lp_buf *b, int64_t v, char suffix)
{
	char	num[24], *end = num + sizeof num, *p;

	if (suffix != '\0')
		*--end = suffix;
	p = digits(end, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	put(b, p, (size_t)(num + sizeof num - p));
}

/* Append v as printf's "%.10g" writes it: by hand when v is a whole
 * number of ten-thousandths with at most 10 significant digits (what
 * levels, rates and amounts are), else by snprintf. */
static void
put_float(struct lp_buf *b, double v)
{
	char		num[40], *end = num + sizeof num, *p;
	double		x = v * 1e4;
	uint64_t	m;
	int		fd = 4;

	if (!(fabs(x) < 1e10) || v == 0 || (double)llround(x) / 1e4 != v) {
		if (v == 0 && !signbit(v)) {
			putc_(b, '0');
			return;
		}
		snprintf(num, sizeof num, "%.10g", v);
		put(b, num, strlen(num));
		return;
	}
	m = (uint64_t)llabs(llround(x));
	while (fd > 0 && m % 10 == 0) {
		m /= 10;
		fd--;
	}
	p = digits(end, m);
	while (end - p <= fd)
		*--p = '0';
	if (fd > 0) {
		memmove(p - 1, p, (size_t)(end - p - fd));
		p[end - p - fd - 1] = '.';
		p--;
	}
	if (v < 0)
		*--p = '-';
	put(b, p, (size_t)(end - p));
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
	put_escaped(b, m, ESC_MEAS, 1);
}

void
lp_tag(struct lp_buf *b, const char *k, const char *v)
{
	if (v == NULL || *v == '\0' || k == NULL || *k == '\0')
		return;
	putc_(b, ',');
	put_escaped(b, k, ESC_NAME, 1);
	putc_(b, '=');
	put_escaped(b, v, ESC_NAME, 1);
}

/* Write the separator and key of the next field. */
static void
field_key(struct lp_buf *b, const char *k)
{
	putc_(b, b->nfields++ == 0 ? ' ' : ',');
	put_escaped(b, k, ESC_NAME, 1);
	putc_(b, '=');
}

void
lp_float(struct lp_buf *b, const char *k, double v)
{
	if (!isfinite(v) || k == NULL || *k == '\0')
		return;
	field_key(b, k);
	put_float(b, v);
}

void
lp_int(struct lp_buf *b, const char *k, int64_t v)
{
	if (k == NULL || *k == '\0')
		return;
	field_key(b, k);
	put_int(b, v, 'i');
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
	put_escaped(b, v, ESC_STR, 0);
	putc_(b, '"');
}

int
lp_end(struct lp_buf *b, int64_t ts_ms)
{
	if (b->nfields == 0) {
		b->len = b->start;
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return -1;
	}
	putc_(b, ' ');
	put_int(b, ts_ms, '\n');
	if (b->data != NULL)	/* grow kept room for it */
		b->data[b->len] = '\0';
	b->npoints++;
	b->nfields = 0;
	return 0;
}
