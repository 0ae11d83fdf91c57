/*
 * Reload on SIGHUP: the file pumpd started with is read and checked again;
 * with any error each problem is logged as "file:line: key: problem" and
 * the configuration in use stays in force (control never stops).  A good
 * file is applied between two cycles of the loop: stations are matched by
 * id; a kept station keeps its core state, its worker and its data, and
 * only its configuration changes, so that no pump starts or stops but
 * those the new set-points start or stop at the next cycle; an added
 * station gets a worker and is adopted bumplessly as at start; a removed
 * station is handed to its PLC exactly as at a stop (v1 LOCAL with the
 * fallback set-points, L1 its panel), its acknowledgement awaited on the
 * loop's tick for at most control.handover_ms, then its worker is stopped;
 * a station whose PLC changed (address, port, unit, map, transducers) gets
 * a new worker, and the old one is stopped without a hand-over: the old
 * address may now be another station's PLC, which must never get this
 * station's hand-over block, and the PLC's own watchdog covers the gap as
 * for lost communications.  The number of pumps of a kept station cannot
 * change (the reload is refused: remove it in one reload, add it back in
 * the next).  Settings only a restart can change (the influx and
 * control_socket groups, control.poll_ms and control.response_timeout_ms)
 * keep their values in use with a warning naming each; the rest applies.
 * The result is logged, audited (STATE_DIR/audit.log) and sent to systemd
 * (RELOADING=1 ... READY=1).  Workers are stopped with plc_halt and reaped
 * on the tick, so the loop never waits for a PLC.  Loop thread only.
 */
#ifndef RELOAD_H
#define RELOAD_H

#include "pumpd.h"

/* SIGHUP: reload p->cfg_path. */
void	reload_run(struct pumpd *p);

/* On the tick: end the hand-overs of removed stations that are
 * acknowledged or out of time, and free the workers that have ended. */
void	reload_tick(struct pumpd *p);

/* How many removed stations still wait on their PLC's acknowledgement. */
int	reload_leaving(const struct pumpd *p);

/* At tear-down: stop every worker still ending (this waits) and free what
 * the reloads left. */
void	reload_free(struct pumpd *p);

#endif
