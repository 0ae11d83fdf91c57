/*
 * InfluxDB line protocol encoder: points appended to a growing buffer,
 * escaped by the protocol's rules.  Pure: no I/O.  Runs on the loop thread.
 *
 *   measurement[,tag=value...] field=value[,field=value...] timestamp_ms
 *
 * Measurement: commas and spaces escaped.  Tag keys, tag values and field
 * keys: commas, equals signs and spaces escaped.  String field values:
 * double quotes and backslashes escaped.  A backslash ending a name is
 * doubled so that it cannot escape the delimiter after it.  Newlines and
 * other control characters, which the protocol cannot carry, become spaces.
 * Empty tag values are left out; a point without fields is dropped.
 * Integers carry the "i" suffix; non-finite floats are left out.
 */
#ifndef LP_H
#define LP_H

#include <stddef.h>
#include <stdint.h>

struct lp_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 npoints;
	int	 oom;		/* an allocation failed: contents unreliable */
	size_t	 start;		/* where the open point begins */
	int	 nfields;	/* fields in the open point */
};

/* An empty buffer. */
void	lp_init(struct lp_buf *b);

/* Free the buffer's memory. */
void	lp_free(struct lp_buf *b);

/* Empty the buffer, keeping its memory. */
void	lp_reset(struct lp_buf *b);

/* Begin a point of measurement m. */
void	lp_begin(struct lp_buf *b, const char *m);

/* Add a tag; left out when v is NULL or empty. */
void	lp_tag(struct lp_buf *b, const char *k, const char *v);

/* Add a float, integer, boolean or string field. */
void	lp_float(struct lp_buf *b, const char *k, double v);
void	lp_int(struct lp_buf *b, const char *k, int64_t v);
void	lp_bool(struct lp_buf *b, const char *k, int v);
void	lp_str(struct lp_buf *b, const char *k, const char *v);

/* End the point with its timestamp in ms; 0, or -1 when it had no field
 * and was dropped. */
int	lp_end(struct lp_buf *b, int64_t ts_ms);

#endif
