/* Fuzz the state file reader: any bytes as a state file, JSON or the old
 * binary format, must give records or a cause, never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_persist	*rec = NULL;
	char			*note = NULL, *cause = NULL;
	FILE			*f;
	int			 n;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size,
	    "r")) == NULL)
		return 0;
	if (state_read(f, &rec, &n, &note, &cause) == 0 && n < 0)
		abort();
	fclose(f);
	free(rec);
	free(note);
	free(cause);
	return 0;
}
