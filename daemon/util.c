/*
 * Small shared helpers (see util.h): clocks, option numbers, backoff,
 * pump strings.  Stateless; any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

double
util_mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t
util_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
util_clock_str(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

double
util_num_arg(const char *prog, const char *opt, const char *arg, double lo,
    double hi)
{
	char	*end;
	double	 v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "%s: %s \"%s\": expected a number from %g "
		    "to %g\n", prog, opt, arg, lo, hi);
		exit(2);
	}
	return v;
}

double
util_backoff(double *cur, double max, unsigned *seed)
{
	double	wait = *cur * (0.75 + 0.5 * (rand_r(seed) / (double)RAND_MAX));

	*cur = *cur * 2 > max ? max : *cur * 2;
	return wait;
}

void
util_pump_string(unsigned running, unsigned fault, int n, char *buf)
{
	int	k;

	for (k = 0; k < n; k++)
		buf[k] = (fault & (1u << k)) ? 'F' :
		    (running & (1u << k)) ? '1' : '0';
	buf[k] = '\0';
}
