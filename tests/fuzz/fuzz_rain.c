/* Fuzz the rain scenario parser and the CSV reader. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rain.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rain	 r;
	char		 spec[300], *cause = NULL;
	int		 fd;

	/* as a spec string */
	snprintf(spec, sizeof spec, "%.*s", (int)(size < 200 ? size : 200),
	    (const char *)data);
	if (rain_parse(spec, &r, &cause) == 0)
		(void)rain_depth_mm(&r, 3600);
	free(cause);
	cause = NULL;
	rain_free(&r);
	/* as a CSV file */
	if ((fd = memfd_create("csv", 0)) == -1)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(spec, sizeof spec, "csv:/proc/self/fd/%d", fd);
		if (rain_parse(spec, &r, &cause) == 0)
			(void)rain_total_mm(&r);
		free(cause);
		rain_free(&r);
	}
	close(fd);
	return 0;
}
