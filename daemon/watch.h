/*
 * pumpctl watch: the district's live status on a terminal, refreshed in
 * place, and the hidden `pumpctl complete` helper of the bash completion.
 * Both ask pumpd over the control socket with bounded waits.  Linked into
 * pumpctl only; one thread.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stddef.h>

#include <jansson.h>

/* pumpctl watch [--interval S] [--count N] with argv[0..argc-1] the
 * arguments after "watch", pumpd's socket at path: draws until Ctrl-C,
 * SIGTERM or N frames; the exit code (0, or 2 on bad usage). */
int	watch_main(const char *path, int argc, char **argv);

/* pumpctl complete stations | pumps STATION | alarms CMD: the station
 * ids, the station's pump numbers, or the ids of the alarms that CMD (ack,
 * shelve, unshelve) takes, one a line, from pumpd; the exit code (4 when
 * pumpd does not answer in time, 1 for an unknown station, 2 bad usage). */
int	watch_complete(const char *path, int argc, char **argv);

/* A time to flood (seconds, or not a number: not rising) in at most 5
 * columns: "-", "NOW", "42m", "3h05", ">24h"; watch and status share it. */
void	watch_fmt_ttf(json_t *ttf, char *buf, size_t n);

/* The columns of station o (one of pumpd's status "stations") at 80
 * columns, before its overrides and alarms: STATION LEVEL FLOOD (with "!"
 * at or above the high alarm) TTF RAIN PUMPS S COMMS MODE; watch and
 * status share it. */
void	watch_fmt_station(json_t *o, char *buf, size_t n);

/* The alarm names a, comma-separated, into buf; when longer than room
 * columns (room >= 0), the first and "+N" for the others, cut to room. */
void	watch_fit_alarms(json_t *a, int room, char *buf, size_t n);

/* The overrides in array a (pumpd's "overrides") at station id, each
 * "p2 run 14m", "p1 lockout", "local 1h05", in brackets when brackets. */
void	watch_fmt_overrides(json_t *a, const char *id, int brackets,
	    char *buf, size_t n);

#endif
