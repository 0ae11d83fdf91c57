/*
 * The estimator (see estim.h): a least-squares slope of the level since
 * the last pump change, the inflow from it and the pumps' flows, and the
 * pumps' flows corrected from the change of slope at a start or stop.
 * Pure; event-loop thread (the core runs it).
 */
#include <math.h>
#include <string.h>

#include "estim.h"

/* A measured flow is believed between these fractions of the rated. */
#define CAL_MIN		0.3
#define CAL_MAX		2.0
/* A later measurement moves the factor by at least this share. */
#define CAL_WEIGHT_MIN	0.25
/* Confidence of the flow of a pump that was never measured. */
#define UNCAL_CONF	0.8
/* A held estimate loses half its confidence in this many windows. */
#define CONF_HALF_WINDOWS 5
/* Levels this close to the flood level say nothing of the inflow. */
#define FLOOD_MARGIN_M	0.01

void
estim_init(struct estim *e)
{
	int	k;

	memset(e, 0, sizeof *e);
	for (k = 0; k < OBS_MAX_PUMPS; k++)
		e->factor[k] = 1;
	e->cal_pump = -1;
	e->head_m = -1;
	e->change_ms = INT64_MIN / 2;
}

double
estim_rated_m3s(const struct cfg_station *cfg, int k, double head_m)
{
	(void)head_m;	/* a curve will take it: flow falls as head rises */
	return cfg->pumps[k].capacity_m3s;
}

double
estim_pump_m3s(const struct estim *e, const struct cfg_station *cfg, int k)
{
	return e->factor[k] * estim_rated_m3s(cfg, k, e->head_m);
}

double
estim_mean_pump_m3s(const struct estim *e, const struct cfg_station *cfg)
{
	double	q = 0;
	int	k;

	for (k = 0; k < cfg->npumps; k++)
		q += estim_pump_m3s(e, cfg, k);
	return cfg->npumps > 0 && q > 0 ? q / cfg->npumps : 1e-3;
}

double
estim_pumped_m3s(const struct estim *e, const struct cfg_station *cfg,
    unsigned mask)
{
	double	q = 0;
	int	k;

	for (k = 0; k < cfg->npumps; k++)
		if (mask & (1u << k))
			q += estim_pump_m3s(e, cfg, k);
	return q;
}

double
estim_conf(const struct estim *e, const struct cfg_control *p,
    int64_t now_ms)
{
	double	quiet_s = (double)(now_ms - e->update_ms) / 1000 -
	    p->estim_settle_s - p->estim_window_s / 2.0;

	if (!e->has)
		return 0;
	if (quiet_s <= 0)
		return e->conf;
	return e->conf * pow(0.5, quiet_s / (CONF_HALF_WINDOWS *
	    p->estim_window_s));
}

/* Forget the levels of the fit. */
static void
fit_reset(struct estim *e)
{
	e->n = 0;
	e->first = 0;
	e->has_slope = 0;
}

/* The i-th level of the fit, oldest first. */
static int
fit_at(const struct estim *e, int i)
{
	return (e->first + i) % ESTIM_SAMPLES;
}

/* The time the fit spans, s. */
static double
fit_span_s(const struct estim *e)
{
	if (e->n < 2)
		return 0;
	return (double)(e->t_ms[fit_at(e, e->n - 1)] - e->t_ms[e->first]) /
	    1000;
}

/* The middle of the fit's time, ms. */
static int64_t
fit_mid_ms(const struct estim *e)
{
	return (e->t_ms[e->first] + e->t_ms[fit_at(e, e->n - 1)]) / 2;
}

/* Add a level at ms, dropping those older than the window. */
static void
fit_push(struct estim *e, const struct cfg_control *p, double level_m,
    int64_t ms)
{
	int	i;

	while (e->n > 0 && (e->n == ESTIM_SAMPLES || e->t_ms[e->first] <
	    ms - (int64_t)p->estim_window_s * 1000)) {
		e->first = (e->first + 1) % ESTIM_SAMPLES;
		e->n--;
	}
	i = fit_at(e, e->n++);
	e->t_ms[i] = ms;
	e->lvl_m[i] = level_m;
}

/* Fit the slope and its standard error; 0 when too few levels or too
 * short a span (a quarter of the window) to say. */
static int
fit_slope(struct estim *e, const struct cfg_control *p)
{
	double	t, mt = 0, ml = 0, sxx = 0, sxy = 0, ssr = 0, r;
	int	i, j;

	if (e->n < 4 || fit_span_s(e) < p->estim_window_s / 4.0)
		return e->has_slope = 0;
	for (i = 0; i < e->n; i++) {
		j = fit_at(e, i);
		mt += (double)(e->t_ms[j] - e->t_ms[e->first]) / 1000;
		ml += e->lvl_m[j];
	}
	mt /= e->n;
	ml /= e->n;
	for (i = 0; i < e->n; i++) {
		j = fit_at(e, i);
		t = (double)(e->t_ms[j] - e->t_ms[e->first]) / 1000 - mt;
		sxx += t * t;
		sxy += t * (e->lvl_m[j] - ml);
	}
	e->slope_m_s = sxy / sxx;
	for (i = 0; i < e->n; i++) {
		j = fit_at(e, i);
		t = (double)(e->t_ms[j] - e->t_ms[e->first]) / 1000 - mt;
		r = e->lvl_m[j] - ml - e->slope_m_s * t;
		ssr += r * r;
	}
	e->slope_se_m_s = sqrt(ssr / (e->n - 2) / sxx);
	return e->has_slope = 1;
}

/* The pumps changed to running at ms: measure a lone start or stop from
 * the slope before it, and start a new fit. */
static void
pump_change(struct estim *e, const struct cfg_control *p, unsigned running,
    int64_t ms)
{
	unsigned	changed = running ^ e->running;

	e->cal_pump = -1;
	if (__builtin_popcount(changed) == 1 && e->has_slope &&
	    fit_span_s(e) >= p->estim_window_s / 4.0) {
		e->cal_pump = __builtin_ctz(changed);
		e->cal_sign = (running & changed) ? 1 : -1;
		e->cal_pre_m_s = e->slope_m_s;
		e->cal_pre_mid_ms = fit_mid_ms(e);
	}
	fit_reset(e);
	e->running = running;
	e->change_ms = ms;
}

/* Once the fit after a lone start or stop spans half a window: the
 * change of slope times the area is that pump's flow (the inflow's trend
 * over the gap taken out); a plausible one corrects its factor. */
static void
calibrate(struct estim *e, const struct cfg_station *cfg,
    const struct cfg_control *p)
{
	double	dt, pre, q, rated, f, w;
	int	k = e->cal_pump;

	if (k < 0 || fit_span_s(e) < p->estim_window_s / 2.0)
		return;
	e->cal_pump = -1;
	dt = (double)(fit_mid_ms(e) - e->cal_pre_mid_ms) / 1000;
	pre = e->cal_pre_m_s + (e->has ? e->trend_m3s2 * dt / cfg->area_m2 :
	    0);
	q = e->cal_sign * (pre - e->slope_m_s) * cfg->area_m2;
	rated = estim_rated_m3s(cfg, k, e->head_m);
	if (rated <= 0 || q < CAL_MIN * rated || q > CAL_MAX * rated)
		return;		/* the inflow moved too much to tell */
	f = q / rated;
	w = e->ncal[k] == 0 ? 1 : fmax(CAL_WEIGHT_MIN, 1.0 / (e->ncal[k] + 1));
	e->factor[k] += w * (f - e->factor[k]);
	e->ncal[k]++;
}

/* The confidence of the estimate just made: the fit's noise against the
 * inflow, the share of the pumped flow that was measured, the span. */
static double
confidence(const struct estim *e, const struct cfg_station *cfg,
    const struct cfg_control *p)
{
	double	all = 0, cal = 0, q, f_fit, f_cal, f_span;
	int	k;

	for (k = 0; k < cfg->npumps; k++)
		if (e->running & (1u << k)) {
			q = estim_pump_m3s(e, cfg, k);
			all += q;
			cal += e->ncal[k] > 0 ? q : 0;
		}
	f_cal = all > 0 ? UNCAL_CONF + (1 - UNCAL_CONF) * cal / all : 1;
	f_fit = 1 / (1 + 5 * e->slope_se_m_s * cfg->area_m2 /
	    fmax(0.1, e->inflow_m3s));
	f_span = 0.5 + 0.5 * fmin(1, fit_span_s(e) / p->estim_window_s);
	return f_fit * f_cal * f_span;
}

/* A new raw inflow at ms into the averages, the trend and the estimate. */
static void
inflow_update(struct estim *e, const struct cfg_station *cfg,
    const struct cfg_control *p, int64_t ms)
{
	double	raw = e->slope_m_s * cfg->area_m2 +
	    estim_pumped_m3s(e, cfg, e->running);
	double	tau = p->estim_tau_s, dt = (double)(ms - e->update_ms) / 1000;

	if (!e->has) {
		e->fast_m3s = e->slow_m3s = raw;
		e->trend_m3s2 = 0;
	} else {
		e->fast_m3s += (1 - exp(-dt / tau)) * (raw - e->fast_m3s);
		e->slow_m3s += (1 - exp(-dt / (5 * tau))) * (raw -
		    e->slow_m3s);
		/* a ramp g lags g tau in one and 5 g tau in the other */
		e->trend_m3s2 = (e->fast_m3s - e->slow_m3s) / (4 * tau);
	}
	/* the fit's slope is that of its middle: half a span behind */
	e->inflow_m3s = fmax(0, e->fast_m3s + e->trend_m3s2 * (tau +
	    fit_span_s(e) / 2));
	e->has = 1;
	e->update_ms = ms;
	e->conf = confidence(e, cfg, p);
}

void
estim_add(struct estim *e, const struct cfg_station *cfg,
    const struct cfg_control *p, double level_m, unsigned running,
    double head_m, int64_t ms)
{
	if (!e->has_mask) {
		e->running = running;
		e->has_mask = 1;
	} else if (running != e->running)
		pump_change(e, p, running, ms);
	e->head_m = head_m >= 0 ? head_m : cfg->head_m;
	if (e->n > 0 && (ms <= e->last_ms || ms - e->last_ms >
	    (int64_t)p->estim_window_s * 1000)) {
		if (ms <= e->last_ms)
			return;		/* the past: ignored */
		fit_reset(e);		/* a gap: the fit starts again */
	}
	if (ms - e->change_ms < (int64_t)p->estim_settle_s * 1000 ||
	    level_m >= cfg->flood_m - FLOOD_MARGIN_M)
		return;
	fit_push(e, p, level_m, ms);
	e->last_ms = ms;
	if (!fit_slope(e, p))
		return;
	calibrate(e, cfg, p);
	if (e->cal_pump < 0)	/* held while a pump's flow is measured */
		inflow_update(e, cfg, p, ms);
}
