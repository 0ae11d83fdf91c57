/* Fuzz the spool reader: any bytes as a segment left on disk must be
 * replayed in spans of records or skipped and counted, never a crash,
 * whatever the span's bound in points (from the first byte) and with
 * delivered ("PSPD") records among the others; by spool_peek alone, or
 * (the second byte odd) with each next span read ahead while one is out,
 * as the metrics writer's helper thread does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 dir[64];
	struct spool	 s;
	char		 path[128], *cause = NULL, *rec;
	size_t		 len;
	uint32_t	 n;
	FILE		*f;
	struct spool_span sp;
	int		 guard = 0, ahead = size > 1 && (data[1] & 1);
	uint32_t	 max = size > 0 ? 1u + data[0] : 1;

	if (dir[0] == '\0') {
		strcpy(dir, "/tmp/fuzz_spool.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	snprintf(path, sizeof path, "%s/%016u.seg", dir, 1u);
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/ack", dir);
	unlink(path);
	if (spool_open(&s, dir, 1 << 20, &cause) == -1) {
		free(cause);
		spool_close(&s);
		return 0;
	}
	spool_trim(&s);
	while (spool_peek(&s, max, &rec, &len, &n) == 0 && guard++ < 10000) {
		free(rec);
		if (ahead) {	/* read ahead, take when still first */
			while (spool_span_at(&s, max, &sp) == 0 &&
			    guard++ < 10000) {
				spool_span_read(&sp);
				spool_ack(&s);
				if (spool_span_take(&s, &sp, &rec, &len,
				    &n) != 0) {
					spool_span_free(&sp);
					break;
				}
				if (rec[len] != '\0' || n == 0)
					abort();	/* a span, ended */
				free(rec);
			}
		}
		if (guard % 2 || ahead)
			spool_ack(&s);
		else
			spool_release(&s);
	}
	spool_close(&s);
	snprintf(path, sizeof path, "%s/%016u.seg", dir, 1u);
	unlink(path);
	return 0;
}
