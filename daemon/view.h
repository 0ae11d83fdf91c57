/*
 * The station view: one station as everything outside the control loop
 * sees it (the district log lines, the metrics schema, the coming control
 * socket).  view_fill derives it from the station's state in one place,
 * so that nothing else works out the control mode, the pumps or the
 * alarms on its own.  Pure: no I/O, no clock (the time comes in).  Loop
 * thread.
 */
#ifndef VIEW_H
#define VIEW_H

#include <stdint.h>

#include "alarm.h"
#include "cfg.h"
#include "core.h"
#include "obs.h"

struct station;

#define VIEW_TREND_TAU_S	90.0	/* smoothing of the level's slope */
#define VIEW_TREND_SPAN_S	30.0	/* a slope from levels this far apart */
#define VIEW_RING		32	/* recent events kept per station */
#define VIEW_ALARMS		16	/* standing alarms a view lists */

/* The level's smoothed slope, from the good levels as they come: a slope
 * over each span of VIEW_TREND_SPAN_S (so that a transducer's noise of a
 * few mm does not swamp a rise of a cm a minute), smoothed exponentially. */
struct view_trend {
	int	 has;		/* level_m/ms hold the span's first sample */
	int	 has_slope;	/* slope_m_s holds an estimate */
	double	 level_m;
	int64_t	 ms;
	double	 slope_m_s;	/* exponentially smoothed, tau above */
};

/* One event kept: the core's (pump starts and stops, overrides: INFO) or
 * an alarm's change (alarm_id nonzero, with its states and priority). */
struct view_event {
	int64_t			ms;
	struct core_event	ev;	/* ev.text says it in words */
	int			alarm_id;	/* 0: not an alarm's */
	uint8_t			state, was, prio;	/* alarm_state, prio */
};

/* A station's last events, oldest overwritten first. */
struct view_ring {
	struct view_event e[VIEW_RING];
	int	 n;		/* ever added */
};

/* Who controls the station.  The numbers are the metrics' "mode" field. */
enum view_mode {
	VIEW_PLC_FALLBACK = 0,	/* handed to its PLC (v1 LOCAL) */
	VIEW_REMOTE = 1,	/* v1: pumpd commands the pumps */
	VIEW_WATCHING = 2,	/* REMOTE switch off: pumpd only watches */
	VIEW_SUPERVISED = 3,	/* L1: pumpd writes set-points, inhibits */
};

struct station_view {
	const struct cfg_station *cfg;	/* id, kind, the configured levels */
	const char	*map;		/* "v1", "L1" */
	int		 has_level;	/* a valid level is known */
	double		 level_m;
	struct core_levels sp;		/* set-points in force (storm-lowered) */
	double		 rain_mmh5;	/* over the last 5 minutes */
	double		 rain_mm;	/* cumulative */
	int		 npumps;
	int		 running;	/* pumps running */
	int		 available;	/* pumps available (last observation) */
	char		 pumps[OBS_MAX_PUMPS + 1];	/* "10F": see view_fill */
	enum core_comms	 comms;
	enum view_mode	 mode;
	int		 storm;
	uint32_t	 alarms;	/* CORE_AL_* standing */
	int		 nalarms;
	char		 alarm_text[200];	/* "high level, comms", "" none */
	int		 has_ttf;	/* the level rises: ttf_s is known */
	double		 ttf_s;		/* time to flood at the present rise
					 * (the estimated inflow less the
					 * estimated flow of the pumps that
					 * run, over the area, when known) */
	double		 inflow_m3s;	/* the estimator's (estim.h) when it
					 * has one, else the rise times area
					 * plus the pumps running; -1 unknown */
	double		 risk;		/* sort key, higher floods sooner */
	int		 limit_pumps;	/* its discharge limit; -1 none */
	/* the alarm module's standing alarms, shelved and suppressed ones
	 * left out, most urgent first */
	int		 nstanding;
	int		 nunack;	/* UNACK or RTN_UNACK among them */
	struct alarm_row standing[VIEW_ALARMS];
	/* issue 11: the estimator's (inflow_m3s above is its when known) */
	int		 has_estim;	/* the estimator has an inflow */
	double		 inflow_conf;	/* 0..1; 0 without an estimate */
	double		 inflow_trend_m3s2;	/* the inflow's rate of change */
	double		 pump_m3s[OBS_MAX_PUMPS];	/* each pump's estimated
							 * flow */
	int		 drawdown;	/* rain-driven drawdown in force */
	int		 ff_pumps;	/* feed-forward asks this many */
	int		 coord_limit;	/* its share of its reach or plant,
					 * pumps; -1 none */
};

/*
 * Fill v from station s at now_ms under the control tuning p.  The pumps
 * string has one character per pump: 'F' fault, '1' running, '0' stopped,
 * as last observed (or, without an observation, as commanded).
 */
void	view_fill(struct station_view *v, const struct station *s,
	    const struct cfg_control *p, int64_t now_ms);

/* Add a good level at ms to t (a level of the past or the same ms is
 * ignored). */
void	view_trend_add(struct view_trend *t, double level_m, int64_t ms);

/*
 * Time to flood, s: from level_m up to flood_m at slope_m_s; -1 when the
 * level does not rise (slope at most 0.1 mm/min) or is already there (0).
 */
double	view_ttf_s(double level_m, double flood_m, double slope_m_s);

/* What view_risk adds for a level at or above the high alarm (or the
 * flood level): such a station comes before any below it, however fast
 * that one rises (one whose pumps are lost may not rise at all). */
#define VIEW_RISK_HIGH	1e12

/* The risk of a view: 1e9/(1 + time to flood) when it rises, else the
 * level as a fraction of the flood level (below 1), plus VIEW_RISK_HIGH
 * at or above the high alarm; no level: 0. */
double	view_risk(const struct station_view *v);

/* Keep the events of one core cycle out at ms in r, but its alarm on
 * and off events: the alarm module's changes stand for them. */
void	view_ring_add(struct view_ring *r, const struct core_out *out,
	    int64_t ms);

/* Keep an alarm's change ev at ms in r. */
void	view_ring_alarm(struct view_ring *r, const struct alarm_event *ev,
	    int64_t ms);

/* The words of an alarm instance: "high level", "pump 2 fault". */
void	view_alarm_text(enum alarm_kind k, int pump, char *buf, size_t len);

/* Sort alarm rows by priority, then newest first, then id. */
int	view_alarm_cmp(const void *a, const void *b);

/* "PLC-FALLBACK", "REMOTE", "WATCHING", "SUPERVISED". */
const char *view_mode_name(enum view_mode m);

/* "OK", "STALE", "DOWN". */
const char *view_comms_name(enum core_comms c);

#endif
