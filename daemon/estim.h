/*
 * The estimator of one station: the inflow to its wet well and the flow
 * of each of its pumps, from the level alone.  The level's slope is a
 * least-squares fit over the levels since the last pump start or stop
 * (estim_window_s at most, the first estim_settle_s after a change left
 * out while the pump spins up or runs down); the inflow is that slope
 * times the well's area plus the flow of the pumps that run, smoothed by
 * two exponential averages whose difference is its trend.  A pump's flow
 * starts from its rated flow at the present head (estim_rated_m3s: the
 * place for a pump curve) and is corrected by what the level shows when
 * it starts or stops alone: the change of the slope times the area is its
 * real flow (the inflow's trend over the gap accounted for).  Pure: no
 * I/O, no clock (the time comes in), no globals; the core owns the state
 * and runs it on the event-loop thread.
 */
#ifndef ESTIM_H
#define ESTIM_H

#include <stdint.h>

#include "cfg.h"
#include "obs.h"

#define ESTIM_SAMPLES	256	/* levels kept for the fit */

struct estim {
	/* the fit: levels since the last pump change, oldest first */
	int64_t	 t_ms[ESTIM_SAMPLES];
	double	 lvl_m[ESTIM_SAMPLES];
	int	 first, n;		/* ring of n from first */
	unsigned running;		/* pumps running under these levels */
	int	 has_mask;
	int64_t	 change_ms;		/* of the last pump start or stop */
	int64_t	 last_ms;		/* last level taken */
	double	 slope_m_s;		/* of the fit; valid when has_slope */
	double	 slope_se_m_s;		/* its standard error */
	int	 has_slope;

	/* the inflow */
	int	 has;			/* inflow_m3s holds an estimate */
	double	 fast_m3s, slow_m3s;	/* exponential averages, tau, 5 tau */
	double	 inflow_m3s;		/* lag-compensated, >= 0 */
	double	 trend_m3s2;		/* its rate of change, m3/s per s */
	double	 conf;			/* 0..1 */
	int64_t	 update_ms;		/* last inflow update */

	/* the pumps: real flow over rated flow, and how it was learnt */
	double	 factor[OBS_MAX_PUMPS];
	int	 ncal[OBS_MAX_PUMPS];
	double	 head_m;		/* last head seen */

	/* a pump start or stop being measured */
	int	 cal_pump;		/* 0-based; -1 none */
	int	 cal_sign;		/* +1 a start, -1 a stop */
	double	 cal_pre_m_s;		/* the slope before it */
	int64_t	 cal_pre_mid_ms;	/* the middle of that fit */
};

/* A fresh estimator: nothing known, every pump at its rated flow. */
void	estim_init(struct estim *e);

/*
 * Take a good level at ms with the pumps in running (bit k: pump k runs)
 * and the head the pumps work against (m; < 0 unknown: the station's
 * static head).  Levels at or above the flood level say nothing of the
 * inflow (the water leaves there) and are not taken into the fit.
 */
void	estim_add(struct estim *e, const struct cfg_station *cfg,
	    const struct cfg_control *p, double level_m, unsigned running,
	    double head_m, int64_t ms);

/* Pump k's rated flow at head_m, m3/s: its configured capacity until
 * the configuration gives curves. */
double	estim_rated_m3s(const struct cfg_station *cfg, int k, double head_m);

/* Pump k's estimated flow at the last head seen, m3/s. */
double	estim_pump_m3s(const struct estim *e, const struct cfg_station *cfg,
	    int k);

/* The mean estimated flow of one pump of the station, m3/s (> 0). */
double	estim_mean_pump_m3s(const struct estim *e,
	    const struct cfg_station *cfg);

/* The estimated flow of the pumps in mask, m3/s. */
double	estim_pumped_m3s(const struct estim *e, const struct cfg_station *cfg,
	    unsigned mask);

/* The inflow's confidence at now_ms: the estimate's, decaying while it
 * is held (five windows halve it). */
double	estim_conf(const struct estim *e, const struct cfg_control *p,
	    int64_t now_ms);

#endif
