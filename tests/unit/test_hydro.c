/*
 * The district's hydraulics: a pump's head-flow curve and its operating
 * point (a too-high outfall gives no flow, in hydro.c and in a station),
 * the affinity laws, a river's mass balance, level and discharge limit, the
 * treatment plant's overflow, a moving storm's arrival times and
 * intensities, the catchment's surcharge storage, and the whole district's
 * water balance over a storm that floods and overflows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "district.h"
#include "fixture.h"
#include "hydro.h"
#include "model.h"

/* A pump of 1.5 m3/s at 7 m, shut-off 11.9 m, run-out 2.4 m3/s. */
static struct cfg_pump
pump(void)
{
	struct cfg_pump	c = { 1.5, 0, 11.9, 7.0, 2.4 };

	return c;
}

/* The curve goes through its three points; the operating point is the
 * rated flow at the design lift, less against a higher lift, none against a
 * lift above the shut-off head. */
static void
test_pump_curve(void **state)
{
	struct cfg_pump	c = pump();
	double		q1, q2;

	(void)state;
	assert_float_equal(hyd_pump_head(&c, 1, 0), 11.9, 1e-9);
	assert_float_equal(hyd_pump_head(&c, 1, 1.5), 7.0, 1e-9);
	assert_float_equal(hyd_pump_head(&c, 1, 2.4), 0.0, 1e-9);
	assert_float_equal(hyd_pump_flow(&c, 1, 6.0, 1.0), 1.5, 1e-9);
	q1 = hyd_pump_flow(&c, 1, 8.0, 1.0);
	q2 = hyd_pump_flow(&c, 1, 10.0, 1.0);
	assert_true(q1 < 1.5 && q2 < q1 && q2 > 0);
	/* where curve meets system head */
	assert_float_equal(hyd_pump_head(&c, 1, q1), 8.0 + 1.0 * (q1 / 1.5) *
	    (q1 / 1.5), 1e-9);
	assert_float_equal(hyd_pump_flow(&c, 1, 11.9, 1.0), 0, 1e-9);
	assert_float_equal(hyd_pump_flow(&c, 1, 15.0, 1.0), 0, 1e-9);
	assert_float_equal(hyd_pump_flow(&c, 0, 1.0, 1.0), 0, 1e-9);
	/* lower lift, more flow, never beyond run-out */
	assert_true(hyd_pump_flow(&c, 1, 3.0, 1.0) > 1.5);
	assert_true(hyd_pump_flow(&c, 1, 0.0, 0.0) <= 2.4 + 1e-9);
}

/* A station pumping into a river far above its base level: the pumps run
 * (current flows) and deliver nothing; back at the base level, they do. */
static void
test_closed_outfall(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;
	struct rain		r;
	char			*cause = NULL;

	(void)state;
	fixture_station(&c, 3);
	c.friction_m = 1.0;
	c.outfall_base_m = 2.0;
	strcpy(c.river, "r");
	assert_int_equal(rain_parse("none", &r, &cause), 0);
	mdl_init(&st, &c, &r, 0);
	mdl_set_level(&st, 3.0);
	st.outfall_m = 2.0 + 20;	/* the gate shut, the river high */
	assert_int_equal(mdl_plc_run(&st, 0), 0);
	mdl_step(&st, 1);
	assert_true(st.pump[0].contactor);
	assert_float_equal(st.pump[0].flow_m3s, 0, 1e-12);
	assert_true(mdl_current_a(&st, 0) > 0);
	st.outfall_m = 2.0;
	mdl_step(&st, 1);
	assert_true(st.pump[0].flow_m3s > 1.5);	/* well above duty start */
	assert_float_equal(mdl_lift_m(&st), 6.0 - (st.level_m - 1.6), 1e-9);
	mdl_free(&st);
}

/* Affinity laws: at speed s the curve's flow scales with s and its head
 * with s^2, so against a system scaled by s^2 the flow is s times as much;
 * the power to turn at no flow scales with s^3. */
static void
test_affinity(void **state)
{
	struct cfg_pump	c = pump();
	double		s, q;

	(void)state;
	for (s = 0.5; s <= 1.0; s += 0.25) {
		assert_float_equal(hyd_pump_head(&c, s, s * 1.0),
		    s * s * hyd_pump_head(&c, 1, 1.0), 1e-9);
		q = hyd_pump_flow(&c, 1, 5.0, 1.0);
		assert_float_equal(hyd_pump_flow(&c, s, s * s * 5.0, 1.0),
		    s * q, 1e-9);
		assert_float_equal(hyd_pump_kw(&c, s, 0, 0),
		    s * s * s * hyd_pump_kw(&c, 1, 0, 0), 1e-9);
	}
	/* slower against the same lift: less than proportional */
	assert_true(hyd_pump_flow(&c, 0.7, 6.0, 1.0) < 0.7 * 1.5);
}

/* A river reach: what came in = out + change in storage; its level rises
 * with pumping, the sluice opens, the limit comes at the warning level and
 * goes 0.2 m below it. */
static void
test_river(void **state)
{
	struct cfg_river	c = { .area_m2 = 2e5, .area_top_m2 = 4e5,
				    .base_m = 1.0, .warn_m = 2.5,
				    .guarantee_m = 3.5, .sluice_m3s = 20,
				    .upstream_m3s = 1, .limit_frac = 0.5 };
	struct hyd_river	r;
	double			t, v;

	(void)state;
	assert_float_equal(hyd_river_level(&c, hyd_river_volume(&c, 2.7)),
	    2.7, 1e-9);
	v = hyd_river_volume(&c, 3.5);
	assert_float_equal(v, (2e5 + 4e5) / 2 * 2.5, 1e-6);
	hyd_river_init(&r, &c, 1.0);
	assert_false(r.limited);
	assert_int_equal(hyd_river_limit_pumps(&r, 5), 5);
	for (t = 0; t < 4 * 3600 && !r.limited; t += 1)
		hyd_river_step(&r, 60, 1);
	assert_true(r.limited);
	assert_true(r.level_m >= 2.5);
	assert_int_equal(hyd_river_limit_pumps(&r, 5), 3);
	assert_int_equal(hyd_river_limit_pumps(&r, 1), 1);
	assert_true(r.out_m3 > 0);
	for (t = 0; t < 24 * 3600 && r.limited; t += 1)
		hyd_river_step(&r, 0, 1);
	assert_false(r.limited);
	assert_true(r.level_m < 2.3 + 1e-9 && r.level_m > 2.2);
	assert_true(fabs(hyd_river_balance(&r)) < 1e-9 * r.in_m3);
	assert_float_equal(hyd_sluice_m3s(&c, 1.0), 0, 1e-12);
	assert_float_equal(hyd_sluice_m3s(&c, 1.75), 10, 1e-9);
	assert_float_equal(hyd_sluice_m3s(&c, 3.0), 20, 1e-9);
}

/* The plant takes up to its limit; the excess is overflow. */
static void
test_plant(void **state)
{
	struct cfg_plant	c = { "jingu", 1.0 };
	struct hyd_plant	p = { .cfg = &c };
	int			i;

	(void)state;
	for (i = 0; i < 100; i++)
		hyd_plant_step(&p, 0.8, 1);
	assert_float_equal(p.overflow_m3, 0, 1e-12);
	for (i = 0; i < 100; i++)
		hyd_plant_step(&p, 2.5, 1);
	assert_float_equal(p.overflow_m3, 150, 1e-9);
	assert_float_equal(p.treated_m3, 180, 1e-9);
	assert_float_equal(p.in_m3, p.treated_m3 + p.overflow_m3, 1e-9);
	assert_float_equal(p.overflow_s, 100, 1e-9);
}

/* A storm moving east at 30 km/h reaches stations 5 km apart 10 minutes
 * apart, full on its centre line and exp(-1/2) one cell width off it; the
 * stations' gauges see it so. */
static void
test_track(void **state)
{
	struct cfg_station	c[3];
	struct mdl_station	m[3], *mp[3] = { &m[0], &m[1], &m[2] };
	struct cfg_district	d = { .nstations = 3, .st = c };
	struct hyd_track	t;
	struct dst_opts		o = { 0, &t, 0 };
	struct dst		ds;
	struct rain		r;
	char			*cause = NULL;
	double			s;
	int			i;

	(void)state;
	assert_int_equal(hyd_track_parse("90:30:2", &t), 0);
	assert_int_equal(hyd_track_parse("90:0:2", &t), -1);
	assert_int_equal(hyd_track_parse("90:30", &t), -1);
	assert_int_equal(hyd_track_parse("400:30:2", &t), -1);
	assert_int_equal(hyd_track_parse("90:30:2", &t), 0);
	for (i = 0; i < 3; i++) {
		fixture_station(&c[i], 3);
		c[i].x_km = 5.0 * i;
		c[i].y_km = i == 2 ? 3.0 : 0;
	}
	hyd_track_fit(&t, c, 3);
	assert_float_equal(hyd_track_delay_s(&t, 0, 0), 0, 1e-9);
	assert_float_equal(hyd_track_delay_s(&t, 5, 7), 600, 1e-9);
	assert_float_equal(hyd_track_delay_s(&t, 10, -3), 1200, 1e-9);
	assert_float_equal(hyd_track_factor(&t, 3, t.y0_km), 1, 1e-12);
	assert_float_equal(hyd_track_factor(&t, 3, t.y0_km + 2), exp(-0.5),
	    1e-12);
	assert_int_equal(rain_parse("const:60:10", &r, &cause), 0);
	for (i = 0; i < 3; i++)
		mdl_init(&m[i], &c[i], &r, 0);
	assert_int_equal(dst_init(&ds, &d, mp, 3, &o), 0);
	for (s = 0; s < 900; s += 1)
		dst_step(&ds, 1);
	/* at 15 min: the first has had all 10 mm, the second 5, the third 0,
	 * each times its factor */
	assert_float_equal(m[0].rain_mm, 10 * hyd_track_factor(&t, 0,
	    c[0].y_km), 1e-6);
	assert_float_equal(m[1].rain_mm, 5 * hyd_track_factor(&t, 5,
	    c[1].y_km), 1e-6);
	assert_float_equal(m[2].rain_mm, 0, 1e-9);
	for (s = 0; s < 900; s += 1)
		dst_step(&ds, 1);
	assert_float_equal(m[2].rain_mm, 10 * hyd_track_factor(&t, 10,
	    c[2].y_km), 1e-6);
	assert_true(m[2].rain_mm < m[0].rain_mm);
	dst_free(&ds);
	for (i = 0; i < 3; i++)
		mdl_free(&m[i]);
	rain_free(&r);
}

/* Step st for seconds, 1 s at a time. */
static void
run_for(struct mdl_station *st, double seconds)
{
	double	t;

	for (t = 0; t < seconds; t += 1)
		mdl_step(st, 1);
}

/* Run a station under rain with its pumps off: the first flood's time and
 * the flood volume in *t_flood and the returned value. */
static double
flood_run(struct cfg_station *c, const struct rain *r, double *t_flood,
    struct mdl_station *st)
{
	double	t;

	mdl_init(st, c, r, 0);
	st->pump[0].tripped = st->pump[1].tripped = st->pump[2].tripped = 1;
	*t_flood = -1;
	for (t = 0; t < 3 * 3600; t += 1) {
		mdl_step(st, 1);
		if (*t_flood < 0 && st->flood_m3 > 0)
			*t_flood = t;
	}
	return st->flood_m3;
}

/* Above the flood level water backs up into the pipes first: flooding
 * starts later and is smaller by what they hold; the balance counts it. */
static void
test_surcharge(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;
	struct rain		r;
	char			*cause = NULL;
	double			f0, f1, t0, t1;

	(void)state;
	fixture_station(&c, 3);
	assert_int_equal(rain_parse("const:30:60", &r, &cause), 0);
	f0 = flood_run(&c, &r, &t0, &st);
	assert_true(f0 > 2000);
	mdl_free(&st);
	c.pipe_m3 = 1500;
	f1 = flood_run(&c, &r, &t1, &st);
	assert_float_equal(f1, f0 - 1500, 1e-6);
	assert_true(t1 > t0 + 60);
	assert_float_equal(st.pipe_m3, 1500, 1e-9);
	assert_true(fabs(mdl_balance_m3(&st)) < 1e-9 * st.inflow_m3);
	/* pumps back: the pipes empty into the well first */
	st.pump[0].tripped = st.pump[1].tripped = st.pump[2].tripped = 0;
	assert_int_equal(mdl_plc_run(&st, 0), 0);
	assert_int_equal(mdl_plc_run(&st, 1), 0);
	run_for(&st, 3600);
	assert_float_equal(st.pipe_m3, 0, 1e-9);
	assert_float_equal(st.flood_m3, f1, 1e-9);
	assert_true(fabs(mdl_balance_m3(&st)) < 1e-9 * st.inflow_m3);
	mdl_free(&st);
	rain_free(&r);
}

/* A small district: two stormwater stations on one river, a sewage station
 * on a plant that takes less than it pumps, a 20-year storm that floods
 * one of them: rain in = to the river + treated + overflowed + flooded +
 * stored, at every step, and each river and the plant balance too. */
static void
test_district_balance(void **state)
{
	struct cfg_station	c[3];
	struct cfg_river	rv = { .id = "r", .area_m2 = 5e4,
				    .area_top_m2 = 1e5, .base_m = 1.0,
				    .warn_m = 2.0, .guarantee_m = 3.0,
				    .sluice_m3s = 2, .limit_frac = 0.5 };
	struct cfg_district	d = { .nstations = 3, .st = c, .nrivers = 1,
				    .rivers = &rv, .has_plant = 1,
				    .plant = { "jingu", 0.3 } };
	struct mdl_station	m[3], *mp[3] = { &m[0], &m[1], &m[2] };
	struct dst_opts		o = { 0.2, NULL, 0 };
	struct dst_totals	tot;
	struct dst		ds;
	struct rain		r;
	char			*cause = NULL;
	double			t, worst = 0;
	int			i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fixture_station(&c[i], 3);
		c[i].friction_m = 1;
		c[i].outfall_base_m = 2.0;
		c[i].pipe_m3 = 300;
		strcpy(c[i].river, "r");
	}
	c[1].catch_ha = 80;		/* floods */
	c[2].kind = CFG_SEWAGE;
	c[2].river[0] = '\0';
	c[2].dwf_m3s = 0.2;
	assert_int_equal(rain_parse("storm:20:120,storm:2:60@180", &r,
	    &cause), 0);
	for (i = 0; i < 3; i++)
		mdl_init(&m[i], &c[i], &r, 0);
	assert_int_equal(dst_init(&ds, &d, mp, 3, &o), 0);
	assert_float_equal(ds.rivers[0].level_m, 1.2, 1e-9);
	for (t = 0; t < 6 * 3600; t += 0.5) {
		dst_step(&ds, 0.5);
		worst = fmax(worst, fabs(dst_balance_m3(&ds)));
	}
	dst_totals(&ds, &tot);
	assert_true(tot.flood_m3 > 0);
	assert_true(tot.overflow_m3 > 0);
	assert_true(ds.to_rivers_m3 > 0);
	assert_true(ds.rivers[0].max_level_m > 1.2);
	/* the gauge reads the river as it stood at the step's start */
	assert_float_equal(m[0].outfall_m - 2.0, ds.rivers[0].level_m - 1.0,
	    1e-3);
	assert_true(worst < 1e-9 * tot.inflow_m3);
	assert_float_equal(tot.inflow_m3, ds.to_rivers_m3 + tot.treated_m3 +
	    tot.overflow_m3 + tot.flood_m3 + tot.stored_m3 + ds.elsewhere_m3,
	    1e-9 * tot.inflow_m3);
	assert_true(fabs(hyd_river_balance(&ds.rivers[0])) <
	    1e-9 * ds.rivers[0].in_m3);
	assert_float_equal(ds.plant.in_m3, tot.treated_m3 + tot.overflow_m3,
	    1e-6);
	/* the stormwater stations' rain reached them all: the rational
	 * method delivers it in the end */
	assert_float_equal(m[0].rain_mm, rain_total_mm(&r), 1e-6);
	dst_free(&ds);
	for (i = 0; i < 3; i++)
		mdl_free(&m[i]);
	rain_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pump_curve),
		cmocka_unit_test(test_closed_outfall),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_river),
		cmocka_unit_test(test_plant),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_surcharge),
		cmocka_unit_test(test_district_balance),
	};

	return cmocka_run_group_tests_name("hydro", tests, NULL, NULL);
}
