/*
 * pumpd as a systemd service (Type=notify): what it tells the manager
 * through sd_notify(3).  READY=1 once every station has been polled once
 * (a result from its worker: good, or an error such as a failed connect,
 * which marks it DOWN), never before; a STATUS= line whenever it changes
 * (looked at every second) and every NOTIFY_STATUS_EVERY_S anyway;
 * WATCHDOG=1 from a timer of the event loop at half the interval systemd
 * asks for (WATCHDOG_USEC), so that a stuck loop stops feeding it and gets
 * restarted; RELOADING=1 ... READY=1 around a reload; STOPPING=1 at a
 * stop.  Without NOTIFY_SOCKET every call does nothing.
 *
 * The test hook (--test-hooks only, never in the shipped unit): the
 * environment variable PUMPD_TEST_BLOCK_AFTER_S="N[:M]" makes the loop
 * sleep M seconds (10 by default) N seconds after start, as a stuck loop
 * would.  Loop thread only.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include "pumpd.h"

#define NOTIFY_STATUS_EVERY_S	10	/* STATUS= at least this often */

/* Set up the status and watchdog timers (and the test hook's); 0 or -1
 * with *cause. */
int	notify_start(struct pumpd *p, char **cause);

/* Free the timers. */
void	notify_free(struct pumpd *p);

/* After results came: READY=1 (and a STATUS=) once every station has
 * been polled once. */
void	notify_check_ready(struct pumpd *p);

/* The one-line status into buf: "33 stations: 30 OK, 2 STALE, 1 DOWN;
 * storm mode at 5; spool 0 B; warning none". */
void	notify_status_line(struct pumpd *p, char *buf, size_t len);

/* Send STATUS= now if it changed, or if force. */
void	notify_status(struct pumpd *p, int force);

/* A reload begins: RELOADING=1 with the monotonic time. */
void	notify_reloading(struct pumpd *p);

/* The reload is over (applied or refused): READY=1 and a STATUS=. */
void	notify_reloaded(struct pumpd *p, const char *result);

/* A stop begins: STOPPING=1. */
void	notify_stopping(struct pumpd *p);

#endif
