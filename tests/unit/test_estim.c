/*
 * The estimator and the plan (issue 11), on synthetic level series from a
 * wet well integrated here (known inflow, known real pump flows, a
 * transducer's noise): the inflow and a pump's real flow come back within
 * a few percent, with a pump start in the middle; the inflow's trend under
 * a ramp; levels at the flood level ignored; feed-forward's pumps and its
 * economy between storms; the drawdown trigger and its release; the
 * allocation of a reach's allowance by time to flood, and of the plant's
 * among sewage stations.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "estim.h"
#include "fixture.h"
#include "plan.h"

/* A wet well under test: the true level, the real pump flows. */
struct well {
	double	 level_m;
	double	 real_m3s[OBS_MAX_PUMPS];
	unsigned running;
	uint32_t rng;		/* the noise's own generator */
	double	 noise_m;	/* uniform, +- this */
};

/* The next noise sample, uniform in +-w->noise_m. */
static double
noise(struct well *w)
{
	w->rng = w->rng * 1664525u + 1013904223u;
	return ((double)(w->rng >> 8) / (1 << 24) * 2 - 1) * w->noise_m;
}

/* One second of the well at inflow q, then its level (with noise) to e. */
static void
well_step(struct well *w, struct estim *e, const struct cfg_station *c,
    const struct cfg_control *p, double q, int64_t ms)
{
	double	out = 0;
	int	k;

	for (k = 0; k < c->npumps; k++)
		if (w->running & (1u << k))
			out += w->real_m3s[k];
	w->level_m += (q - out) / c->area_m2;
	estim_add(e, c, p, w->level_m + noise(w), w->running, -1, ms);
}

/* A known inflow comes back within 3 %, with a transducer's noise. */
static void
test_inflow_steady(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p;
	struct estim		e;
	struct well		w = { 2.0, { 1.5, 1.5 }, 0, 7, 0.005 };
	int			t;

	(void)state;
	fixture_station(&c, 2);
	cfg_control_defaults(&p);
	estim_init(&e);
	for (t = 0; t < 300; t++)
		well_step(&w, &e, &c, &p, 0.8, t * 1000LL);
	assert_true(e.has);
	assert_true(fabs(e.inflow_m3s - 0.8) < 0.8 * 0.03);
	assert_true(estim_conf(&e, &p, 299000) > 0.7);
	assert_true(fabs(e.trend_m3s2) < 1e-4);
}

/* A pump that really gives 1.2 m3/s (rated 1.5) starts in the middle: its
 * flow is measured from the change of slope, and the inflow stays right
 * (with the rated flow it would read 1.3 m3/s, 30 % high). */
static void
test_pump_start_measured(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p;
	struct estim		e;
	struct well		w = { 2.0, { 1.2, 1.5 }, 0, 11, 0.005 };
	int			t;

	(void)state;
	fixture_station(&c, 2);
	cfg_control_defaults(&p);
	estim_init(&e);
	for (t = 0; t < 300; t++)
		well_step(&w, &e, &c, &p, 1.0, t * 1000LL);
	assert_true(fabs(e.inflow_m3s - 1.0) < 0.03);
	w.running = 1;		/* pump 1 starts */
	for (; t < 700; t++)
		well_step(&w, &e, &c, &p, 1.0, t * 1000LL);
	assert_int_equal(e.ncal[0], 1);
	assert_true(fabs(estim_pump_m3s(&e, &c, 0) - 1.2) < 1.2 * 0.03);
	assert_true(fabs(estim_pump_m3s(&e, &c, 1) - 1.5) < 1e-9);
	assert_true(fabs(e.inflow_m3s - 1.0) < 0.03);
	/* a stop is measured the same way */
	w.running = 0;
	w.real_m3s[0] = 1.1;	/* worn since: the next start says so */
	for (; t < 1000; t++)
		well_step(&w, &e, &c, &p, 1.0, t * 1000LL);
	w.running = 1;
	for (; t < 1400; t++)
		well_step(&w, &e, &c, &p, 1.0, t * 1000LL);
	/* later measurements are averaged (a third each here): the flow
	 * moves towards 1.1, the inflow with it */
	assert_int_equal(e.ncal[0], 3);
	assert_true(estim_pump_m3s(&e, &c, 0) < 1.18);
	assert_true(estim_pump_m3s(&e, &c, 0) > 1.1);
	assert_true(fabs(e.inflow_m3s - 1.0) < 0.08);
}

/* Under a ramp of inflow the trend is seen, and the inflow is not left
 * behind by the smoothing. */
static void
test_inflow_ramp(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p;
	struct estim		e;
	struct well		w = { 1.2, { 1.5, 1.5 }, 0, 5, 0.005 };
	double			g = 0.0015, q = 0;
	int			t;

	(void)state;
	fixture_station(&c, 2);
	c.area_m2 = 2000;
	cfg_control_defaults(&p);
	estim_init(&e);
	for (t = 0; t < 1200; t++) {
		q = 0.2 + g * t;
		well_step(&w, &e, &c, &p, q, t * 1000LL);
	}
	assert_true(fabs(e.trend_m3s2 - g) < g * 0.2);
	assert_true(fabs(e.inflow_m3s - q) < q * 0.05);
}

/* Levels at the flood level say nothing of the inflow: none is made up. */
static void
test_flood_ignored(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p;
	struct estim		e;
	int			t;

	(void)state;
	fixture_station(&c, 2);
	cfg_control_defaults(&p);
	estim_init(&e);
	for (t = 0; t < 300; t++)
		estim_add(&e, &c, &p, c.flood_m, 0, -1, t * 1000LL);
	assert_false(e.has);
	assert_true(estim_conf(&e, &p, 300000) == 0);
}

/* An estimator that believes inflow q with trend g at now_ms. */
static void
believe(struct estim *e, double q, double g, int64_t now_ms)
{
	estim_init(e);
	e->has = 1;
	e->inflow_m3s = q;
	e->trend_m3s2 = g;
	e->conf = 1;
	e->update_ms = now_ms;
}

/* Feed-forward: the inflow and its trend over the lead time, over one
 * pump's flow; nothing between storms (no storm mode, no drawdown, or an
 * inflow under a share of the capacity), nothing without trust, a part at
 * the stop level; a pump less only with a margin. */
static void
test_ff_pumps(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p;
	struct estim		e;
	struct plan_ff		f = { 1.7, 1.0, 1.6, 0, 3, 1, 0 };

	(void)state;
	fixture_station(&c, 3);
	cfg_control_defaults(&p);
	p.feedforward = 1;
	believe(&e, 2.0, 0, 0);
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 2);	/* 2.0/1.5 */
	believe(&e, 2.0, 0.005, 0);	/* + 0.005 x 300 s = 3.5 m3/s */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 3);
	believe(&e, 2.0, 0.004, 0);	/* 3.2 m3/s: two fall short by 0.2,
					 * under 0.3 of a pump: two */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 2);
	believe(&e, 1.0, 0, 0);		/* 22 % of 4.5 m3/s: economy */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 0);
	believe(&e, 2.0, 0, 0);
	e.conf = 0.3;			/* not trusted */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 0);
	e.conf = 1;
	f.level_m = 1.0;		/* at the stop level: 95 % of 2.0,
					 * rounded down */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 1);
	f.level_m = 0.94;		/* 6 cm below: none */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 0);
	f.level_m = 1.0;
	believe(&e, 1.55, 0, 0);	/* 95 %: 1.47, under one pump */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 0);
	believe(&e, 2.0, 0, 0);
	f.level_m = 1.5;		/* below the duty start: no start */
	f.running = 1;
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 1);
	f.running = 3;			/* two would leave 0.33 to spare,
					 * under 0.3 of a pump: three */
	believe(&e, 2.7, 0, 0);
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 3);
	believe(&e, 2.4, 0, 0);		/* 0.63 to spare: one stops */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 2);
	f.wet = 0;			/* no storm, no drawdown: economy */
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 0);
	f.wet = 1;
	p.feedforward = 0;
	assert_int_equal(plan_ff_pumps(&c, &p, &e, &f), 0);
}

/* Drawdown: started by rain rising here, by rain upstream, by a warning;
 * held while it rains and for the hold time; then released. */
static void
test_drawdown_trigger_release(void **state)
{
	struct cfg_control	p;
	struct plan_dd		d;
	struct plan_rain	r = { 0, 0, 0, 0 };
	int64_t			min = 60000;

	(void)state;
	cfg_control_defaults(&p);
	p.drawdown = 1;
	memset(&d, 0, sizeof d);
	assert_int_equal(plan_drawdown(&d, &p, &r, 0), 0);
	r.mmh5 = 3;			/* rising: 5-min above 15-min */
	r.mmh15 = 1;
	assert_int_equal(plan_drawdown(&d, &p, &r, 1 * min), 1);
	assert_true(d.active);
	assert_string_equal(d.why, "rain rising here");
	r.mmh5 = 10;			/* steady heavy rain: held */
	r.mmh15 = 10;
	assert_int_equal(plan_drawdown(&d, &p, &r, 70 * min), 0);
	assert_true(d.active);
	r.mmh5 = 0;			/* rain ends, 15-min still above */
	r.mmh15 = 1;
	assert_int_equal(plan_drawdown(&d, &p, &r, 140 * min), 0);
	assert_true(d.active);
	r.mmh15 = 0;
	assert_int_equal(plan_drawdown(&d, &p, &r, 141 * min), -1);
	assert_false(d.active);
	/* steady rain here alone does not start it (not rising) */
	r.mmh5 = r.mmh15 = 3;
	assert_int_equal(plan_drawdown(&d, &p, &r, 150 * min), 0);
	r.upstream_mmh5 = 4;		/* but rain upstream does */
	assert_int_equal(plan_drawdown(&d, &p, &r, 151 * min), 1);
	assert_string_equal(d.why, "rain upstream");
	r.upstream_mmh5 = 0;
	r.mmh5 = r.mmh15 = 0;		/* released after the hold */
	assert_int_equal(plan_drawdown(&d, &p, &r, 200 * min), 0);
	assert_int_equal(plan_drawdown(&d, &p, &r, 211 * min), -1);
	r.warning = 1;			/* a warning, dry */
	assert_int_equal(plan_drawdown(&d, &p, &r, 212 * min), 1);
	assert_string_equal(d.why, "rainstorm warning");
	p.drawdown = 0;			/* switched off: released */
	assert_int_equal(plan_drawdown(&d, &p, &r, 213 * min), -1);
}

/* The target: a margin above the dry-run float, never above the stop. */
static void
test_drawdown_target(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p;

	(void)state;
	fixture_station(&c, 2);
	cfg_control_defaults(&p);
	assert_true(fabs(plan_dd_target_m(&c, &p) - 0.8) < 1e-9);
	p.dd_margin_m = 1.0;
	assert_true(fabs(plan_dd_target_m(&c, &p) - 1.0) < 1e-9);
}

/* A station of the district for the allocation. */
static struct plan_demand
demand(int outlet, double storage_s, double inflow, double q1, int n)
{
	struct plan_demand	d = { outlet, 1, storage_s, inflow, q1, n, -1,
	    0 };

	return d;
}

/* Two sewage stations on a plant that takes one pump (0.35 m3/s, pumps of
 * 0.3): the station holding the share runs its pump; its storage time and
 * the other's cross back and forth every cycle for ten minutes, and the
 * station's estimate goes untrusted for 20 s after its pump starts; each
 * allocation is played on the pumps it leaves running (one cycle later).
 * Returns how often the share moved. */
struct cross {
	struct plan_hold hold[2];
	int		run[2];
	int64_t		start_ms[2];
	int		holder;		/* the station holding the share */
};

static int
cross_run(struct cross *c, int64_t t0_ms, int secs, double a_s,
    double b_s, double swing_s)
{
	struct cfg_control	p;
	struct plan_demand	d[2];
	int			lim[2], t, flips = 0, i;
	int			*run = c->run;
	int64_t			*start_ms = c->start_ms;

	cfg_control_defaults(&p);
	p.coordination = 1;
	p.noutlets = 1;
	p.outlet[0].plant = 1;
	p.outlet[0].max_m3s = 0.35;
	for (t = 0; t < secs; t++) {
		int64_t	now = t0_ms + (int64_t)t * 1000;

		d[0] = demand(0, a_s + (t % 2 ? swing_s : -swing_s), 0.25, 0.3, 2);
		d[1] = demand(0, b_s + (t % 2 ? -swing_s : swing_s), 0.25, 0.3, 2);
		for (i = 0; i < 2; i++) {
			d[i].running = run[i];
			d[i].known = now - start_ms[i] >= 20000;
		}
		plan_allocate(&p, d, 2, c->hold, now, lim);
		for (i = 0; i < 2; i++) {
			if (lim[i] > 0 && run[i] == 0)
				start_ms[i] = now;
			run[i] = lim[i] > 0 ? 1 : 0;
		}
		i = lim[0] > 0 ? 0 : lim[1] > 0 ? 1 : -1;
		if (i >= 0 && c->holder >= 0 && i != c->holder)
			flips++;
		if (i >= 0)
			c->holder = i;
	}
	return flips;
}

/* Hysteresis in the ranking: the share stays with the station that holds
 * it while the storage times cross within coord_margin (ten minutes,
 * 600 crossings, no move, even while the holder's estimate is untrusted
 * after its start); a station whose storage time becomes shorter by more
 * than the margin takes it, once, after the holder's minimum run plus
 * minimum off. */
static void
test_allocate_no_cycling(void **state)
{
	struct cross	c;

	(void)state;
	memset(&c, 0, sizeof c);
	c.start_ms[0] = c.start_ms[1] = INT64_MIN / 2;
	c.holder = -1;
	assert_int_equal(cross_run(&c, 1000000, 600, 1000, 1000, 50), 0);
	assert_int_equal(c.holder, 0);
	/* the other now has half the storage time: it takes the share */
	assert_int_equal(cross_run(&c, 1600000, 60, 1000, 500, 20), 1);
	assert_int_equal(c.holder, 1);
	/* and keeps it when they cross again within the margin */
	assert_int_equal(cross_run(&c, 1660000, 600, 520, 500, 40), 0);
	assert_int_equal(c.holder, 1);
}

/* The share held falls below the pumps a station runs only min_run_s +
 * min_off_s after it last changed, however short the other's storage. */
static void
test_allocate_hold_time(void **state)
{
	struct cfg_control	p;
	struct plan_demand	d[2];
	struct plan_hold	hold[2];
	int			lim[2];

	(void)state;
	memset(hold, 0, sizeof hold);
	cfg_control_defaults(&p);
	p.coordination = 1;
	p.noutlets = 1;
	p.outlet[0].plant = 1;
	p.outlet[0].max_m3s = 0.35;
	d[0] = demand(0, 1000, 0.25, 0.3, 2);
	d[1] = demand(0, 3000, 0.25, 0.3, 2);
	plan_allocate(&p, d, 2, hold, 0, lim);
	assert_int_equal(lim[0], 1);
	assert_int_equal(lim[1], 0);
	d[0].running = 1;
	d[1].storage_s = 60;	/* minutes from flooding now */
	plan_allocate(&p, d, 2, hold, 60000, lim);
	assert_int_equal(lim[0], 1);	/* held: its pump runs on */
	assert_int_equal(lim[1], 0);	/* nothing left to it yet */
	plan_allocate(&p, d, 2, hold,
	    ((int64_t)p.min_run_s + p.min_off_s) * 1000, lim);
	assert_int_equal(lim[0], 0);	/* now it moves */
}

/* A station whose estimate went untrusted a moment ago (its pump started)
 * keeps its place in the order: it was trusted within min_run_s +
 * min_off_s. */
static void
test_allocate_known_kept(void **state)
{
	struct cfg_control	p;
	struct plan_demand	d[2];
	struct plan_hold	hold[2];
	int			lim[2];

	(void)state;
	memset(hold, 0, sizeof hold);
	cfg_control_defaults(&p);
	p.coordination = 1;
	p.noutlets = 1;
	p.outlet[0].plant = 1;
	p.outlet[0].max_m3s = 0.35;
	d[0] = demand(0, 1000, 0.25, 0.3, 2);
	d[1] = demand(0, 3000, 0.25, 0.3, 2);
	d[0].running = 1;
	plan_allocate(&p, d, 2, hold, 0, lim);
	assert_int_equal(lim[0], 1);
	plan_allocate(&p, d, 2, hold, 1000000, lim);	/* long after */
	assert_int_equal(lim[0], 1);
	d[0].known = 0;		/* uncertain since a change at 1 000 s */
	plan_allocate(&p, d, 2, hold, 1010000, lim);
	assert_int_equal(lim[0], 1);
	assert_int_equal(lim[1], 0);
}

/* A reach of 4 m3/s among three stations of 1.5 m3/s pumps, each with
 * 1.4 m3/s of inflow: the one minutes from flooding gets what it needs
 * first, then the next; the one with hours of storage waits.  A station
 * of no reach is not limited. */
static void
test_allocate_reach(void **state)
{
	struct cfg_control	p;
	struct plan_demand	d[4];
	int			lim[4];

	(void)state;
	cfg_control_defaults(&p);
	p.coordination = 1;
	p.noutlets = 1;
	p.outlet[0].max_m3s = 4.0;
	d[0] = demand(0, 4 * 3600, 1.4, 1.5, 3);	/* hours */
	d[1] = demand(0, 600, 1.4, 1.5, 3);		/* ten minutes */
	d[2] = demand(0, 1800, 1.4, 1.5, 3);		/* half an hour */
	d[3] = demand(-1, 300, 3.0, 1.5, 2);
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[1], 1);
	assert_int_equal(lim[2], 1);
	assert_int_equal(lim[0], 0);
	assert_int_equal(lim[3], -1);
	/* more inflow at the ten-minute one: it takes two, the hours one
	 * still waits */
	d[1].inflow_m3s = 2.9;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[1], 2);
	assert_int_equal(lim[2], 0);
	assert_int_equal(lim[0], 0);
	/* a station whose inflow is not known comes after the known ones */
	d[0].known = 0;
	d[0].storage_s = 1;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[1], 2);
	assert_int_equal(lim[0], 0);
	/* coordination off: nobody limited */
	p.coordination = 0;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[0], -1);
	assert_int_equal(lim[1], -1);
}

/* A reach of the district (max_m3s < 0): its allowance is the sum of the
 * limits ordered for its stations (1 pump of 1.5 m3/s each: 4.5 m3/s),
 * shared by time to flood: the one ten minutes from flooding runs two,
 * more than its own order, the one with hours waits, and the reach runs
 * no more than ordered in all.  A station with no order is not limited;
 * a reach with no order at all is not limited. */
static void
test_allocate_ordered(void **state)
{
	struct cfg_control	p;
	struct plan_demand	d[4];
	int			lim[4];

	(void)state;
	cfg_control_defaults(&p);
	p.coordination = 1;
	p.noutlets = 1;
	p.outlet[0].max_m3s = -1;
	p.outlet[0].river = 1;
	d[0] = demand(0, 4 * 3600, 1.4, 1.5, 3);	/* hours */
	d[1] = demand(0, 600, 2.9, 1.5, 3);		/* ten minutes */
	d[2] = demand(0, 1800, 1.4, 1.5, 3);		/* half an hour */
	d[3] = demand(0, 300, 3.0, 1.5, 2);		/* no order */
	d[0].ordered = d[1].ordered = d[2].ordered = 1;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[1], 2);
	assert_int_equal(lim[2], 1);
	assert_int_equal(lim[0], 0);
	assert_int_equal(lim[3], -1);
	assert_int_equal(lim[0] + lim[1] + lim[2], 3);
	/* the storm moves: the hours one is now minutes from flooding */
	d[0].storage_s = 120;
	d[0].inflow_m3s = 2.0;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[0], 2);
	assert_int_equal(lim[1], 1);
	assert_int_equal(lim[2], 0);
	/* but while the ten-minute one still runs its two, the other can
	 * take only what those leave: one more pump, not two */
	d[1].running = 2;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[0], 1);
	assert_int_equal(lim[1], 1);
	assert_int_equal(lim[2], 0);
	d[1].running = 0;
	/* the order lifted: nobody limited */
	d[0].ordered = d[1].ordered = d[2].ordered = -1;
	plan_allocate(&p, d, 4, NULL, 0, lim);
	assert_int_equal(lim[0], -1);
	assert_int_equal(lim[1], -1);
	assert_int_equal(lim[2], -1);
}

/* The plant's inflow limit among sewage stations: the one nearest to
 * flooding first; what is left goes to the next in turn, up to all its
 * pumps; a reach of the same district is shared apart. */
static void
test_allocate_plant(void **state)
{
	struct cfg_control	p;
	struct plan_demand	d[3];
	int			lim[3];

	(void)state;
	cfg_control_defaults(&p);
	p.coordination = 1;
	p.noutlets = 2;
	p.outlet[0].max_m3s = 10;	/* a reach, generous */
	p.outlet[1].plant = 1;
	p.outlet[1].max_m3s = 0.9;	/* the plant */
	d[0] = demand(1, 7200, 0.2, 0.3, 2);	/* a sewage station */
	d[1] = demand(1, 900, 0.5, 0.3, 2);	/* another, filling */
	d[2] = demand(0, 600, 3.0, 1.5, 3);	/* stormwater on the reach */
	plan_allocate(&p, d, 3, NULL, 0, lim);
	assert_int_equal(lim[1], 2);	/* 0.6 of 0.9 */
	assert_int_equal(lim[0], 1);	/* the last 0.3 */
	assert_int_equal(lim[2], 3);	/* the reach has room for all */
	p.outlet[1].max_m3s = 0.5;
	plan_allocate(&p, d, 3, NULL, 0, lim);
	assert_int_equal(lim[1], 1);
	assert_int_equal(lim[0], 0);
}

/* Storage time: to the flood level at the inflow, with no pump. */
static void
test_storage(void **state)
{
	struct cfg_station	c;

	(void)state;
	fixture_station(&c, 2);
	assert_true(fabs(plan_storage_s(&c, 2.8, 1.0) - 400) < 1e-9);
	assert_true(plan_storage_s(&c, 2.8, 0) >= 1e9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inflow_steady),
		cmocka_unit_test(test_pump_start_measured),
		cmocka_unit_test(test_inflow_ramp),
		cmocka_unit_test(test_flood_ignored),
		cmocka_unit_test(test_ff_pumps),
		cmocka_unit_test(test_drawdown_trigger_release),
		cmocka_unit_test(test_drawdown_target),
		cmocka_unit_test(test_allocate_reach),
		cmocka_unit_test(test_allocate_ordered),
		cmocka_unit_test(test_allocate_plant),
		cmocka_unit_test(test_allocate_no_cycling),
		cmocka_unit_test(test_allocate_hold_time),
		cmocka_unit_test(test_allocate_known_kept),
		cmocka_unit_test(test_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
