/* Fuzz the spool reader: any bytes as a segment left on disk must be
 * replayed in spans of records or skipped and counted, never a crash,
 * whatever the span's bound in points (from the first byte) and with
 * delivered ("PSPD") records among the others. */
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
	int		 guard = 0;
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
		if (guard % 2)
			spool_ack(&s);
		else
			spool_release(&s);
	}
	spool_close(&s);
	snprintf(path, sizeof path, "%s/%016u.seg", dir, 1u);
	unlink(path);
	return 0;
}
