/*
 * Small helpers shared by pumpd's modules and plcsim, each written once:
 * the clocks, the number of a command-line option, jittered exponential
 * backoff and a station's pumps as a short string.  No state of their
 * own; any thread may call them.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdint.h>

/* Monotonic seconds. */
double	util_mono_s(void);

/* Monotonic milliseconds. */
int64_t	util_mono_ms(void);

/* Wall-clock milliseconds since the epoch. */
int64_t	util_wall_ms(void);

/* "HH:MM:SS" (local time) of clock value ms into buf; returns buf. */
const char *util_clock_str(int64_t ms, char *buf, size_t len);

/*
 * The number in arg for option opt of program prog, in [lo, hi]; exits 2
 * with a message that says what was wrong otherwise (command-line parsing
 * only, before anything starts).
 */
double	util_num_arg(const char *prog, const char *opt, const char *arg,
	    double lo, double hi);

/*
 * The next wait of a jittered exponential backoff: *cur times a random
 * factor in [0.75, 1.25] (from *seed); *cur then doubles, up to max.
 * Units are the caller's.
 */
double	util_backoff(double *cur, double max, unsigned *seed);

/* Pump k of n as one character: 'F' fault, '1' running, '0' stopped;
 * the string of n pumps into buf (n + 1 bytes) from the two masks. */
void	util_pump_string(unsigned running, unsigned fault, int n, char *buf);

#endif
