/*
 * pumpd's context, shared by its modules: the stations (struct station)
 * and the daemon (struct pumpd) that owns them, the loop, the state writer
 * and the metrics writer.  Only the loop thread touches these; the PLC
 * workers own nothing here but each station's plc_dev (and its copy of
 * the station's configuration, wcfg), reached
 * through plc.h's locked calls.  No functions: pumpd.c (the loop and the
 * life cycle), station.c (results, ageing, the core, the hand-over),
 * view.c (a station as the log and the metrics see it), reload.c (SIGHUP)
 * and notify.c (systemd's notifications) work on them.
 */
#ifndef PUMPD_H
#define PUMPD_H

#include <stdint.h>

#include <event2/event.h>

#include "alarm.h"
#include "cfg.h"
#include "core.h"
#include "log.h"
#include "mbtcp.h"
#include "mtr.h"
#include "obs.h"
#include "plc.h"
#include "state.h"
#include "view.h"

#define RTT_SAMPLES	4096	/* poll latencies kept for p50/p99 */

/* pumpd's exit statuses: a refused start says why (sysexits(3) codes, so
 * that the unit can tell a fault to fix from one to restart after). */
#define PUMPD_EXIT_START	1	/* another start-up failure */
#define PUMPD_EXIT_USAGE	2	/* bad options */
#define PUMPD_EXIT_CTL_SERVED	69	/* EX_UNAVAILABLE: another process
					 * serves the control socket */
#define PUMPD_EXIT_STATE_DIR	73	/* EX_CANTCREAT: the state directory
					 * cannot be created or written */
#define PUMPD_EXIT_STATE_HELD	75	/* EX_TEMPFAIL: another pumpd holds
					 * the state directory */
#define PUMPD_EXIT_CONFIG	78	/* EX_CONFIG: invalid configuration */

/* What the hand-over at a stop did with a station. */
enum ho {
	HO_LEFT,	/* nothing written: left to its watchdog (ho_why) */
	HO_SENT,	/* block handed to the worker, not yet acknowledged */
	HO_DONE,	/* the PLC acknowledged the hand-over block */
};

/* How far start-up went: tear-down undoes these in reverse. */
enum up {
	UP_NONE,
	UP_LOCK,	/* state directory locked */
	UP_LOOP,	/* eventfd and event base */
	UP_STATIONS,	/* stations allocated, state taken back */
	UP_STATE,	/* state writer running */
	UP_METRICS,	/* metrics writer (when configured) */
	UP_WORKERS,	/* PLC workers (nworkers of them) */
	UP_EVENTS,	/* loop events */
	UP_CTL,		/* the control socket */
};

struct station {
	const struct cfg_station *cfg;
	struct plc_dev		*dev;		/* its worker; NULL: none yet.
						 * Its own allocation: a reload
						 * moves the station, never the
						 * worker's dev */
	struct cfg_station	*wcfg;		/* the worker's own copy of cfg:
						 * a reload never changes what a
						 * running worker reads */
	int			 polled;	/* a result came (for READY) */
	struct core_state	 core;
	struct core_out		 out;
	struct obs		 obs;		/* the last good observation */
	int			 has_obs;	/* obs holds one */
	int64_t			 last_ok_ms;	/* last good snapshot */
	enum core_comms		 comms;
	int			 bad_episode;	/* rejected or failing now */
	unsigned long		 rejected;
	unsigned long		 failures;
	unsigned long		 causes[MBTCP_NCAUSES];	/* failures by cause */
	unsigned		 logged;	/* causes logged this episode */
	struct log_limit	 fail_log;	/* repeats of this episode */
	char			 last_err[192];
	enum ho			 ho;		/* at a stop */
	uint16_t		 ho_seq;	/* seq of that intent */
	const char		*ho_why;	/* HO_LEFT: why */
	struct view_trend	 trend;		/* the level's slope */
	struct view_ring	 ring;		/* its last events */
	int			 limit_pumps;	/* discharge limit; -1 none */
	struct alarm_station	 al;		/* its alarms' states */
	const struct alarm_table *alt;		/* the district's table */
	int			 coord_limit;	/* its share of its reach or
						 * plant (coordination); -1 */
	struct plan_hold	 coord_hold;	/* the share held (no cycling) */
};

struct pumpd {
	struct cfg_district	 d;
	struct alarm_table	 alarms;	/* from d.alarms */
	struct core_input	 in;
	struct station		*st;
	int			 n;
	double			 speed;		/* simulated clock rate */
	int64_t			 wall0_ms;
	double			 mono0;
	int			 poll_ms;	/* simulated */
	int			 stale_ms;	/* simulated */
	int			 down_ms;
	int			 timeout_ms;	/* real: the network's */
	int			 log_s;		/* station lines, simulated s */
	int64_t			 next_log_ms;
	int			 efd;
	struct plc_ready	 ready;		/* stations with a result */
	struct event_base	*base;
	struct mtr		*mtr;		/* NULL: no metrics */
	const char		*state_dir;
	const char		*influx_url;	/* overrides the file's */
	double			 rtt[RTT_SAMPLES];
	int			 nrtt;
	unsigned long		 nrtt_seen;	/* polls this period */
	uint64_t		 rtt_seed;	/* the sample's LCG */
	double			 next_tick;	/* monotonic, when due */
	unsigned long		 overruns;	/* ticks late by a period */
	double			 max_lag_ms;
	int64_t			 next_self_ms;
	int			 stopping;	/* a signal came: 1 hand-over,
						 * 2 last metrics */
	double			 stop_t0;	/* monotonic: the signal */
	double			 stop_by;	/* monotonic: phase deadline */
	struct state		 state;
	double			 next_save;	/* monotonic */
	double			 saved_at;	/* monotonic: the last save */
	struct core_lasting	*saved;		/* what it wrote, nsaved */
	int			 nsaved;
	int			 save_failing;	/* in a failing episode */
	unsigned long		 save_fail0;	/* failures before it */
	unsigned long		 save_failures;	/* state saves failed */
	enum up			 up;
	int			 exit_code;	/* a refused start: PUMPD_EXIT_* */
	int			 ran;		/* the loop ran */
	int			 lock_fd;
	int			 nworkers;	/* started */
	struct event		*wake_ev, *tick_ev, *stop_ev;
	struct event		*sig_ev[3];	/* INT, TERM, HUP */
	struct ctl		*ctl;		/* the control socket; NULL none */
	const char		*ctl_path;	/* --ctl-socket */

	/* the service: systemd's notifications, reload (notify.c, reload.c) */
	const char		*cfg_path;	/* the file started with */
	int			 poll_override;	/* --poll-ms given */
	struct reload		*reload;	/* stations leaving, workers
						 * ending; NULL: none */
	int			 sd_ready;	/* READY=1 sent */
	char			 status[256];	/* the last STATUS= sent */
	double			 status_at;	/* monotonic: when */
	uint64_t		 wd_usec;	/* WATCHDOG_USEC; 0: off */
	struct event		*status_ev, *wd_ev, *block_ev;
	double			 block_after_s;	/* --test-hooks: block the loop
						 * after this long; 0 never */
	double			 block_s;	/* for this long */
};

#endif
