/*
 * The codec driver table: every PLC register map pumpd speaks, by the
 * name a station's configuration gives it (plc.map).  Each codec lives in
 * its own plc/map_*.c.  Pure and constant; any thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"

/* The drivers, each defined in its plc/map_*.c. */
extern const struct codec map_v1;
extern const struct codec map_l1;

static const struct codec *const codecs[] = {
	&map_v1,
	&map_l1,
};

const struct codec *
codec_find(const char *name)
{
	size_t	i;

	if (name == NULL || *name == '\0')
		name = "v1";
	for (i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		if (strcmp(codecs[i]->name, name) == 0)
			return codecs[i];
	return NULL;
}

int
codec_fail(char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return -1;
}
