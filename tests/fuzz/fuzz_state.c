/* Fuzz the state file reader: any bytes as a state file, JSON or the old
 * binary format, must give records or a cause, never a crash or a leak;
 * read from a file, its alarms' acknowledgements and shelves (version
 * 1.2) and the district's inputs (1.1) come back within their bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char	dir[] = "/tmp/fuzz_state.XXXXXX";
static char	file[64];

/* Remove the state file and its directory at exit. */
static void
cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

/* Abort when what the alarms and district readers gave is out of bounds. */
static void
check_loaded(const struct state_alarm *a, int n,
    const struct state_district *d)
{
	int	i;

	if (n < 0 || (n > 0 && a == NULL))
		abort();
	for (i = 0; i < n; i++)
		if (a[i].pump < 0 || a[i].pump > OBS_MAX_PUMPS ||
		    a[i].shelf_ms < 0 || memchr(a[i].station, '\0',
		    sizeof a[i].station) == NULL || memchr(a[i].why, '\0',
		    sizeof a[i].why) == NULL)
			abort();
	if (d->warning < 0 || d->warning > 4 || d->nlimits < 0 ||
	    d->nlimits > STATE_MAX_LIMITS)
		abort();
}

/* The file as pumpd finds it in its state directory: the alarms and the
 * district's inputs. */
static void
load_file(const uint8_t *data, size_t size)
{
	struct state_alarm	*a = NULL;
	struct state_district	 d;
	FILE			*f;
	int			 n = 0;

	if (file[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(file, sizeof file, "%s/state", dir);
		atexit(cleanup);
	}
	if ((f = fopen(file, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	state_load_alarms(dir, &a, &n);
	state_load_district(dir, &d);
	check_loaded(a, n, &d);
	free(a);
}

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
	load_file(data, size);
	return 0;
}
