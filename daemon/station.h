/*
 * The stations of pumpd: what the loop does with each of them.  It takes
 * a worker's result (an observation, or a failure with its cause), ages
 * the data (OK, STALE, DOWN), runs the control core, hands the intent to
 * the station's worker, logs the core's events and writes the station's
 * metrics; at a stop it hands every station to its PLC and reports what
 * each did.  It also brings the stations up (with the state a previous
 * pumpd left), saves that state and writes the "pumpd" health point from
 * the stations' counters.  Loop thread only.
 */
#ifndef STATION_H
#define STATION_H

#include <stdint.h>

#include "pumpd.h"

#define STATION_SAVE_EVERY_S	5.0	/* state file, real seconds */
#define STATION_SAVE_REFRESH_S	60.0	/* rewritten unchanged this often */

/* The daemon's clock in ms since the epoch: wall time at start plus
 * monotonic time since, times the simulation speed. */
int64_t	station_now_ms(const struct pumpd *p);

/* Allocate the stations, start their clock and take back the state a
 * previous pumpd left; 0, or -1 with *cause. */
int	station_init_all(struct pumpd *p, char **cause);

/* Free the stations. */
void	station_free_all(struct pumpd *p);

/* A result from station s's worker. */
void	station_result(struct pumpd *p, struct station *s,
	    const struct plc_result *r);

/* Age every station's data at ms; run the core where it is not fresh. */
void	station_age_all(struct pumpd *p, int64_t ms);

/* One log line per station: level, rain, pumps, control, alarms. */
void	station_log_all(struct pumpd *p, int64_t ms);

/* Hand every station's lasting state to the state writer. */
void	station_save_all(struct pumpd *p);

/* Save the state if what survives a restart changed since the last save,
 * a save is failing, or STATION_SAVE_REFRESH_S passed (a file of 900
 * stations is 2 MB: it is not rewritten and synced every 5 s unchanged). */
void	station_save_changed(struct pumpd *p);

/* At a stop: hand each station with fresh data to its PLC. */
void	station_handover_all(struct pumpd *p, int64_t ms);

/* 1 when no hand-over is waiting for its PLC's acknowledgement. */
int	station_handover_acked(struct pumpd *p);

/* The "pumpd" self-monitoring point at ms: the stations by comms, their
 * failures by cause, poll latencies and command ages, the writers'
 * counters. */
void	station_emit_self(struct pumpd *p, int64_t ms);

/* Log and emit what the hand-over did with each station and a summary;
 * returns how many were handed over. */
int	station_handover_report(struct pumpd *p, double elapsed_ms);

#endif
