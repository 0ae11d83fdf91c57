/* Fuzz the configuration loader: any bytes as a configuration file must
 * give 0 or -1 with messages, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };
	char			path[64];
	int			fd = memfd_create("cfg", 0);

	if (fd == -1 || write(fd, data, size) != (ssize_t)size) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	cfg_load(path, &d, &diag);
	cfg_free(&d);
	cfg_diag_free(&diag);
	close(fd);
	return 0;
}
