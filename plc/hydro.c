/*
 * The district's hydraulics (hydro.h): pump curves and their operating
 * point, the affinity laws, river reaches, the treatment plant and storm
 * tracks.  Pure: every function is a function of its arguments and of the
 * state it is handed; no I/O, no clock, no globals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydro.h"

#define LIMIT_HYST_M	0.2	/* a limit is lifted this far below warn */

/* The curve's coefficients a and b: H = H0 + a Q + b Q^2 at full speed. */
static void
curve_ab(const struct cfg_pump *c, double *a, double *b)
{
	double	h0 = c->shutoff_head_m, hr = c->rated_head_m;
	double	qr = c->capacity_m3s, qm = c->runout_m3s;

	*b = ((hr - h0) * qm + h0 * qr) / (qr * qm * (qr - qm));
	*a = (hr - h0 - *b * qr * qr) / qr;
}

double
hyd_pump_head(const struct cfg_pump *c, double s, double q)
{
	double	a, b;

	curve_ab(c, &a, &b);
	return c->shutoff_head_m * s * s + a * s * q + b * q * q;
}

double
hyd_pump_flow(const struct cfg_pump *c, double s, double lift_m,
    double friction_m)
{
	double	a, b, k, qa, qb, qc, disc, q;

	if (s <= 0 || c->capacity_m3s <= 0)
		return 0;
	curve_ab(c, &a, &b);
	k = friction_m / (c->capacity_m3s * c->capacity_m3s);
	/* (b - k) Q^2 + a s Q + (H0 s^2 - lift) = 0, the larger root */
	qa = b - k;
	qb = a * s;
	qc = c->shutoff_head_m * s * s - lift_m;
	if (qa >= 0)
		return 0;	/* not a pump curve: refused by cfg.c */
	disc = qb * qb - 4 * qa * qc;
	if (disc < 0)
		return 0;
	q = (-qb - sqrt(disc)) / (2 * qa);
	return q > 0 ? q : 0;
}

double
hyd_pump_kw(const struct cfg_pump *c, double s, double q, double head_m)
{
	double	rated_kw = HYD_RHO_G * c->capacity_m3s * c->rated_head_m /
		    HYD_EFFICIENCY;

	return rated_kw / 3 * s * s * s + HYD_RHO_G * q * fmax(head_m, 0) /
	    HYD_EFFICIENCY * 2 / 3;
}

/* Growth of the river's surface area per metre of rise. */
static double
area_slope(const struct cfg_river *c)
{
	return (c->area_top_m2 - c->area_m2) / (c->guarantee_m - c->base_m);
}

double
hyd_river_volume(const struct cfg_river *c, double level_m)
{
	double	x = level_m - c->base_m;

	if (x <= 0)
		return c->area_m2 * x;
	return c->area_m2 * x + area_slope(c) * x * x / 2;
}

double
hyd_river_level(const struct cfg_river *c, double vol_m3)
{
	double	k = area_slope(c), a0 = c->area_m2;

	if (vol_m3 <= 0 || fabs(k) < 1e-12)
		return c->base_m + vol_m3 / a0;
	return c->base_m + (sqrt(a0 * a0 + 2 * k * vol_m3) - a0) / k;
}

void
hyd_river_init(struct hyd_river *r, const struct cfg_river *c, double level_m)
{
	memset(r, 0, sizeof *r);
	r->cfg = c;
	r->vol_m3 = r->vol0_m3 = hyd_river_volume(c, level_m);
	r->level_m = r->max_level_m = hyd_river_level(c, r->vol_m3);
	r->limited = r->level_m >= c->warn_m;
}

double
hyd_sluice_m3s(const struct cfg_river *c, double level_m)
{
	double	f = (level_m - c->base_m) / (c->warn_m - c->base_m);

	return c->sluice_m3s * fmax(0, fmin(1, f));
}

void
hyd_river_step(struct hyd_river *r, double q_in_m3s, double dt)
{
	const struct cfg_river	*c = r->cfg;
	double			 in = (q_in_m3s + c->upstream_m3s) * dt;
	double			 out = hyd_sluice_m3s(c, r->level_m) * dt;

	if (out > r->vol_m3 + in)	/* the sluice never drains below base */
		out = fmax(0, r->vol_m3 + in);
	r->in_m3 += in;
	r->out_m3 += out;
	r->vol_m3 += in - out;
	r->level_m = hyd_river_level(c, r->vol_m3);
	if (r->level_m > r->max_level_m)
		r->max_level_m = r->level_m;
	if (r->level_m >= c->warn_m) {
		r->limited = 1;
		r->warn_s += dt;
	} else if (r->level_m < c->warn_m - LIMIT_HYST_M)
		r->limited = 0;
	if (r->limited)
		r->limit_s += dt;
}

double
hyd_river_balance(const struct hyd_river *r)
{
	return r->in_m3 - r->out_m3 - (r->vol_m3 - r->vol0_m3);
}

int
hyd_river_limit_pumps(const struct hyd_river *r, int npumps)
{
	int	n;

	if (r == NULL || !r->limited)
		return npumps;
	n = (int)ceil(r->cfg->limit_frac * npumps - 1e-9);
	return n < 1 ? 1 : n;
}

void
hyd_plant_step(struct hyd_plant *p, double q_m3s, double dt)
{
	double	lim = p->cfg->inflow_limit_m3s;

	p->in_m3 += q_m3s * dt;
	if (q_m3s > p->max_in_m3s)
		p->max_in_m3s = q_m3s;
	if (q_m3s > lim) {
		p->treated_m3 += lim * dt;
		p->overflow_m3 += (q_m3s - lim) * dt;
		p->overflow_s += dt;
	} else
		p->treated_m3 += q_m3s * dt;
}

int
hyd_track_parse(const char *spec, struct hyd_track *t)
{
	char	tail;

	memset(t, 0, sizeof *t);
	if (sscanf(spec, "%lf:%lf:%lf%c", &t->dir_deg, &t->speed_kmh,
	    &t->cell_km, &tail) != 3)
		return -1;
	if (!(t->dir_deg >= 0 && t->dir_deg < 360) ||
	    !(t->speed_kmh >= 1 && t->speed_kmh <= 200) ||
	    !(t->cell_km >= 0.5 && t->cell_km <= 500))
		return -1;
	return 0;
}

/* Position of (x, y) along the track and across it, km from (x0, y0). */
static void
track_coords(const struct hyd_track *t, double x, double y, double *along,
    double *across)
{
	double	th = t->dir_deg * M_PI / 180, ux = sin(th), uy = cos(th);
	double	dx = x - t->x0_km, dy = y - t->y0_km;

	*along = dx * ux + dy * uy;
	*across = dx * uy - dy * ux;
}

void
hyd_track_fit(struct hyd_track *t, const struct cfg_station *st, int n)
{
	double	sx = 0, sy = 0, along, across, lead = 0;
	int	i;

	for (i = 0; i < n; i++) {
		sx += st[i].x_km;
		sy += st[i].y_km;
	}
	t->x0_km = n > 0 ? sx / n : 0;
	t->y0_km = n > 0 ? sy / n : 0;
	for (i = 0; i < n; i++) {
		track_coords(t, st[i].x_km, st[i].y_km, &along, &across);
		if (i == 0 || along < lead)
			lead = along;
	}
	t->lead_km = lead;
}

double
hyd_track_delay_s(const struct hyd_track *t, double x_km, double y_km)
{
	double	along, across;

	track_coords(t, x_km, y_km, &along, &across);
	return fmax(0, along - t->lead_km) / t->speed_kmh * 3600;
}

double
hyd_track_factor(const struct hyd_track *t, double x_km, double y_km)
{
	double	along, across;

	track_coords(t, x_km, y_km, &along, &across);
	return exp(-across * across / (2 * t->cell_km * t->cell_km));
}
