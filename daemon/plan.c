/*
 * Feed-forward, drawdown and the district's allocation (see plan.h).
 * Pure; event-loop thread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* Feed-forward keeps pumps at the stop level for this share of the
 * inflow, and none once the level is this far below the stop level. */
#define PLAN_STOP_SHARE		0.95
#define PLAN_STOP_MARGIN_M	0.05
/* Storage time of a station with no inflow, s. */
#define PLAN_NEVER_S	1e9

int
plan_ff_pumps(const struct cfg_station *cfg, const struct cfg_control *p,
    const struct estim *e, const struct plan_ff *f)
{
	double	q1 = estim_mean_pump_m3s(e, cfg), need, inflow;
	int	n;

	if (!p->feedforward || !f->wet ||
	    estim_conf(e, p, f->now_ms) < p->ff_min_conf)
		return 0;	/* between storms: the level rules */
	inflow = e->inflow_m3s + fmax(0, e->trend_m3s2) * p->ff_lead_s;
	if (inflow < p->ff_min_fraction * q1 * cfg->npumps)
		return 0;	/* between storms: the level rules */
	if (f->level_m <= f->stop_m - PLAN_STOP_MARGIN_M)
		return 0;	/* the estimate is too high: the level rules */
	if (f->level_m <= f->stop_m) {
		/* at the stop level: the pumps a part of the inflow keeps
		 * busy, fewer than it needs, so that the level rises again
		 * without the whole station stopping and starting */
		n = (int)floor(PLAN_STOP_SHARE * e->inflow_m3s / q1);
		return n < f->navail ? n : f->navail;
	}
	need = inflow + (f->level_m - f->target_m) * cfg->area_m2 /
	    p->ff_recover_s;
	n = need <= 0 ? 0 : (int)ceil(need / q1 - 1e-9);
	if (n > f->running) {
		/* one more only when the pumps that run fall short by
		 * ff_hysteresis of a pump (the level's feedback asks the
		 * rest: fewer starts) */
		n = (int)ceil(need / q1 - p->ff_hysteresis - 1e-9);
		n = n > f->running ? n : f->running;
	} else if (n < f->running && need > (f->running - 1 -
	    p->ff_hysteresis) * q1)
		n = f->running;	/* one less only with as much to spare */
	/* below the target no start: the level refills the well from the
	 * stop level before a pump starts again (no cycling) */
	if (f->level_m < f->target_m && n > f->running)
		n = f->running;
	return n < f->navail ? n : f->navail;
}

/* Whether a trigger holds; its name in *why. */
static int
dd_trigger(const struct cfg_control *p, const struct plan_rain *r,
    const char **why)
{
	*why = NULL;
	if (r->warning)
		*why = "rainstorm warning";
	else if (r->mmh5 >= p->dd_rain_mm_h && r->mmh5 > r->mmh15)
		*why = "rain rising here";
	else if (r->upstream_mmh5 >= p->dd_rain_mm_h)
		*why = "rain upstream";
	return *why != NULL;
}

int
plan_drawdown(struct plan_dd *d, const struct cfg_control *p,
    const struct plan_rain *r, int64_t now_ms)
{
	const char	*why;

	if (!p->drawdown) {
		if (!d->active)
			return 0;
		d->active = 0;
		return -1;
	}
	if (dd_trigger(p, r, &why)) {
		d->trigger_ms = now_ms;
		if (d->active)
			return 0;
		d->active = 1;
		snprintf(d->why, sizeof d->why, "%s", why);
		return 1;
	}
	if (d->active && now_ms - d->trigger_ms >= (int64_t)p->dd_hold_min *
	    60000 && r->mmh15 < p->dd_release_mm_h) {
		d->active = 0;
		return -1;
	}
	return 0;
}

double
plan_dd_target_m(const struct cfg_station *cfg, const struct cfg_control *p)
{
	return fmin(cfg->lowlow_m + p->dd_margin_m, cfg->stop_m);
}

double
plan_storage_s(const struct cfg_station *cfg, double level_m,
    double inflow_m3s)
{
	if (inflow_m3s <= 1e-6)
		return PLAN_NEVER_S;
	return fmax(0, cfg->flood_m - level_m) * cfg->area_m2 / inflow_m3s;
}

/* A station's place in the allocation's order. */
struct plan_rank {
	int	known;
	double	storage_s;
	int	i;
};

/* Trusted first, then least storage first, then by index. */
static int
by_storage(const void *a, const void *b)
{
	const struct plan_rank	*x = a, *y = b;

	if (x->known != y->known)
		return y->known - x->known;
	if (x->storage_s != y->storage_s)
		return x->storage_s < y->storage_s ? -1 : 1;
	return x->i - y->i;
}

/* Give station i of order up to want pumps from *left (m3s). */
static void
give(const struct plan_demand *d, int i, int want, double *left, int *limit)
{
	int	n = want - limit[i];

	if (n <= 0 || d[i].pump_m3s <= 0)
		return;
	if (n > (int)floor(*left / d[i].pump_m3s + 1e-9))
		n = (int)floor(*left / d[i].pump_m3s + 1e-9);
	if (n <= 0)
		return;
	limit[i] += n;
	*left -= n * d[i].pump_m3s;
}

/* The allowance of reach j from the limits ordered for its stations, m3/s;
 * -1 when none is. */
static double
ordered_m3s(const struct plan_demand *d, int n, int j)
{
	double	sum = -1;
	int	i;

	for (i = 0; i < n; i++)
		if (d[i].outlet == j && d[i].ordered >= 0)
			sum = (sum < 0 ? 0 : sum) + d[i].ordered *
			    (d[i].pump_m3s > 0 ? d[i].pump_m3s : 0);
	return sum;
}

/* Station i shares outlet j's allowance. */
static int
shares(const struct cfg_control *p, const struct plan_demand *d, int i,
    int j)
{
	return d[i].outlet == j && (p->outlet[j].max_m3s >= 0 ||
	    d[i].ordered >= 0);
}

/* Let a share grow past the pumps running only into what the pumps
 * running at outlet j's stations leave of its allowance. */
static void
cap_growth(const struct cfg_control *p, const struct plan_demand *d,
    const struct plan_rank *order, int n, int j, double allowance,
    int *limit)
{
	double	left = allowance;
	int	i, k, g, m;

	for (i = 0; i < n; i++)
		if (shares(p, d, i, j))
			left -= d[i].running * d[i].pump_m3s;
	for (k = 0; k < n; k++) {
		if (!shares(p, d, i = order[k].i, j) ||
		    (g = limit[i] - d[i].running) <= 0)
			continue;
		m = left > 0 && d[i].pump_m3s > 0 ?
		    (int)floor(left / d[i].pump_m3s + 1e-9) : 0;
		if (g > m)
			g = m;
		limit[i] = d[i].running + g;
		left -= g * d[i].pump_m3s;
	}
}

/* Share outlet j's allowance among its stations, in order. */
static void
allocate_one(const struct cfg_control *p, const struct plan_demand *d,
    const struct plan_rank *order, int n, int j, int *limit)
{
	double	left = p->outlet[j].max_m3s;
	int	i, k, need;

	double	allowance;

	if (left < 0 && (left = ordered_m3s(d, n, j)) < 0)
		return;		/* nothing ordered: not limited */
	allowance = left;
	for (k = 0; k < n; k++) {
		if (!shares(p, d, order[k].i, j))
			continue;
		i = order[k].i;
		limit[i] = 0;
		need = d[i].known && d[i].pump_m3s > 0 ? (int)ceil(
		    d[i].inflow_m3s / d[i].pump_m3s - 1e-9) : d[i].npumps;
		give(d, i, need < d[i].npumps ? need : d[i].npumps, &left,
		    limit);
	}
	for (k = 0; k < n; k++)
		if (shares(p, d, i = order[k].i, j))
			give(d, i, d[i].npumps, &left, limit);
	cap_growth(p, d, order, n, j, allowance, limit);
}

/* The trusted flag and rank of each station, with hold's memory. */
static void
rank_all(const struct cfg_control *p, struct plan_demand *d, int n,
    const struct plan_hold *hold, int64_t now_ms, struct plan_rank *order)
{
	int64_t	keep_ms = ((int64_t)p->min_run_s + p->min_off_s) * 1000;
	int	i;

	for (i = 0; i < n; i++) {
		if (hold != NULL && !d[i].known && hold[i].was_known &&
		    now_ms - hold[i].known_ms <= keep_ms)
			d[i].known = 1;	/* uncertain only since a change */
		order[i].known = d[i].known;
		order[i].storage_s = d[i].storage_s;
		if (hold != NULL && hold[i].given && hold[i].limit > 0)
			order[i].storage_s /= 1 + p->coord_margin;
		order[i].i = i;
	}
	qsort(order, (size_t)n, sizeof *order, by_storage);
}

/* Keep each share at least at the pumps its station runs until
 * min_run_s + min_off_s after it last changed; note the changes. */
static void
hold_shares(const struct cfg_control *p, const struct plan_demand *d,
    int n, struct plan_hold *hold,
    int64_t now_ms, int *limit)
{
	int64_t	keep_ms = ((int64_t)p->min_run_s + p->min_off_s) * 1000;
	int	i, floor_n;

	for (i = 0; i < n; i++) {
		if (d[i].known) {
			hold[i].was_known = 1;
			hold[i].known_ms = now_ms;
		}
		if (hold[i].given && limit[i] >= 0 && hold[i].limit >= 0 &&
		    limit[i] < hold[i].limit &&
		    now_ms - hold[i].changed_ms < keep_ms) {
			floor_n = d[i].running < hold[i].limit ?
			    d[i].running : hold[i].limit;
			if (limit[i] < floor_n)
				limit[i] = floor_n;
		}
		if (!hold[i].given || limit[i] != hold[i].limit) {
			hold[i].changed_ms = now_ms;
			hold[i].limit = limit[i];
			hold[i].given = 1;
		}
	}
}

void
plan_allocate(const struct cfg_control *p, const struct plan_demand *d0,
    int n, struct plan_hold *hold, int64_t now_ms, int *limit)
{
	struct plan_rank	*order;
	struct plan_demand	*d;
	int			 i, j;

	for (i = 0; i < n; i++)
		limit[i] = -1;
	if (!p->coordination || n == 0)
		goto held;
	order = malloc((size_t)n * sizeof *order);
	d = malloc((size_t)n * sizeof *d);
	if (order != NULL && d != NULL) {
		memcpy(d, d0, (size_t)n * sizeof *d);
		rank_all(p, d, n, hold, now_ms, order);
		for (j = 0; j < p->noutlets; j++)
			allocate_one(p, d, order, n, j, limit);
	}
	free(order);
	free(d);
held:
	if (hold != NULL)
		hold_shares(p, d0, n, hold, now_ms, limit);
}
