/*
 * The stations of pumpd: what the loop does with each of them.  It takes
 * a worker's result (an observation, or a failure with its cause), ages
 * the data (OK, STALE, DOWN), runs the control core, hands the intent to
 * the station's worker, logs the core's events and writes the station's
 * metrics; at a stop it hands every station to its PLC and reports what
 * each did.  Each cycle it shares the reaches' and the plant's allowances
 * among their stations (control.coordination) and hands each core the
 * rain at its upstream neighbours.  It also brings the stations up (with the state a previous
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

/* Free the stations (their workers are stopped and freed already). */
void	station_free_all(struct pumpd *p);

/* A new station s for cfg: no data yet (DOWN), a fresh core that adopts
 * what runs at its first observation, no worker. */
void	station_init(struct pumpd *p, struct station *s, int index,
	    const struct cfg_station *cfg);

/* Start station s's worker on its own copy of s->cfg (s->wcfg, s->dev);
 * 0, or -1 with nothing started. */
int	station_worker_start(struct pumpd *p, struct station *s);

/* Free a worker's dev and configuration copy once it has ended. */
void	station_worker_free(struct pumpd *p, struct plc_dev *dev,
	    struct cfg_station *wcfg);

/* Tell each worker its station's place (after a start or a reload), by
 * which the loop maps a worker's result to its station. */
void	station_slots(struct pumpd *p);

/* A result from station s's worker. */
void	station_result(struct pumpd *p, struct station *s,
	    const struct plc_result *r);

/* Share the reaches' and plant's allowances (coordination), then age
 * every station's data at ms; run the core where it is not fresh. */
void	station_age_all(struct pumpd *p, int64_t ms);

/* One log line per station: level, rain, pumps, control, alarms. */
void	station_log_all(struct pumpd *p, int64_t ms);

/* Report n alarm changes ev of station s at ms: the journal (with a
 * priority after the alarm's), the "event" measurement, its event ring;
 * user names the operator who made them (NULL: the alarm module). */
void	station_alarm_report(struct pumpd *p, struct station *s,
	    const struct alarm_event *ev, int n, int64_t ms, const char *user);

/* Hand every station's lasting state to the state writer. */
void	station_save_all(struct pumpd *p);

/* Save the state if what survives a restart changed since the last save,
 * a save is failing, or STATION_SAVE_REFRESH_S passed (a file of 900
 * stations is 2 MB: it is not rewritten and synced every 5 s unchanged). */
void	station_save_changed(struct pumpd *p);

/* At a stop: hand each station with fresh data to its PLC. */
void	station_handover_all(struct pumpd *p, int64_t ms);

/* Hand station s with fresh data to its PLC (v1 LOCAL, L1 its panel),
 * as at a stop; else s->ho says it is left to its watchdog, and why. */
void	station_handover(struct pumpd *p, struct station *s, int64_t ms);

/* 1 when station s's hand-over is no longer waiting for its PLC. */
int	station_handover_done(struct station *s);

/* Log and emit what the hand-over did with station s; 1 if handed over. */
int	station_handover_note(struct pumpd *p, const struct station *s,
	    int64_t ms);

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
