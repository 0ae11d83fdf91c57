/*
 * The station view: the one place where a station's mode, pumps and
 * alarms are worked out for the log, the metrics and the control socket.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "pumpd.h"
#include "view.h"

#define T0	1764000000000LL

/* A v1 station of npumps pumps, observed once, no alarms. */
static void
station_make(struct station *s, struct cfg_station *c, int npumps)
{
	memset(s, 0, sizeof *s);
	fixture_station(c, npumps);
	strcpy(c->id, "gegu-east");
	s->cfg = c;
	core_init(&s->core);
	s->comms = CORE_COMMS_OK;
}

/* From an observation: pumps as observed, counted; mode REMOTE; alarms
 * counted and named in bit order. */
static void
test_observed_station(void **state)
{
	struct cfg_control	p;
	struct cfg_station	c;
	struct station		s;
	struct station_view	v;

	(void)state;
	cfg_control_defaults(&p);
	station_make(&s, &c, 3);
	s.has_obs = 1;
	s.obs.npumps = 3;
	s.obs.pump[0].flags = OBS_PU_RUNNING | OBS_PU_AVAILABLE;
	s.obs.pump[1].flags = OBS_PU_AVAILABLE;
	s.obs.pump[2].flags = OBS_PU_FAULT;
	s.core.pump[1].cmd = 1;		/* commanded, not yet running */
	s.core.level_m = 2.5;
	s.core.lasting.alarms = CORE_AL_HIGH_LEVEL | CORE_AL_LEVEL_B;
	view_fill(&v, &s, &p, T0);
	assert_string_equal(v.cfg->id, "gegu-east");
	assert_string_equal(v.map, "v1");
	assert_true(v.has_level);
	assert_true(v.level_m == 2.5);
	assert_string_equal(v.pumps, "10F");
	assert_int_equal(v.running, 1);
	assert_int_equal(v.available, 2);
	assert_int_equal(v.mode, VIEW_REMOTE);
	assert_string_equal(view_mode_name(v.mode), "REMOTE");
	assert_int_equal(v.nalarms, 2);
	assert_string_equal(v.alarm_text, "level B rejected, high level");
	assert_string_equal(view_comms_name(v.comms), "OK");
}

/* Without an observation: pumps as commanded, faults as last seen; no
 * level. */
static void
test_unobserved_station(void **state)
{
	struct cfg_control	p;
	struct cfg_station	c;
	struct station		s;
	struct station_view	v;

	(void)state;
	cfg_control_defaults(&p);
	station_make(&s, &c, 2);
	s.comms = CORE_COMMS_DOWN;
	s.core.pump[0].cmd = 1;
	s.core.pump[1].was_fault = 1;
	s.core.lasting.alarms = CORE_AL_COMMS;
	view_fill(&v, &s, &p, T0);
	assert_false(v.has_level);
	assert_string_equal(v.pumps, "1F");
	assert_int_equal(v.running, 1);
	assert_int_equal(v.available, 0);
	assert_string_equal(v.alarm_text, "comms");
	assert_string_equal(view_comms_name(v.comms), "DOWN");
}

/* The mode: REMOTE off wins over a hand-over, a hand-over over the kind
 * of control; an L1 station under pumpd is SUPERVISED. */
static void
test_modes(void **state)
{
	struct cfg_control	p;
	struct cfg_station	c;
	struct station		s;
	struct station_view	v;

	(void)state;
	cfg_control_defaults(&p);
	station_make(&s, &c, 2);
	s.core.local = 1;
	view_fill(&v, &s, &p, T0);
	assert_int_equal(v.mode, VIEW_PLC_FALLBACK);
	assert_string_equal(view_mode_name(v.mode), "PLC-FALLBACK");
	s.core.lasting.alarms = CORE_AL_REMOTE_OFF;
	view_fill(&v, &s, &p, T0);
	assert_int_equal(v.mode, VIEW_WATCHING);
	assert_string_equal(view_mode_name(v.mode), "WATCHING");

	fixture_station_l1(&c);
	c.map = CFG_MAP_L1;
	memset(&s.core, 0, sizeof s.core);
	core_init(&s.core);
	s.core.control = OBS_SUPERVISORY;
	view_fill(&v, &s, &p, T0);
	assert_int_equal(v.mode, VIEW_SUPERVISED);
	assert_string_equal(view_mode_name(v.mode), "SUPERVISED");
	assert_string_equal(v.map, "L1");
}

/* Storm mode: the view says so and carries the lowered set-points. */
static void
test_storm_setpoints(void **state)
{
	struct cfg_control	p;
	struct cfg_station	c;
	struct station		s;
	struct station_view	v;

	(void)state;
	cfg_control_defaults(&p);
	station_make(&s, &c, 2);
	view_fill(&v, &s, &p, T0);
	assert_int_equal(v.storm, 0);
	assert_true(v.sp.stop == c.stop_m);
	s.core.lasting.storm = 1;
	view_fill(&v, &s, &p, T0);
	assert_int_equal(v.storm, 1);
	assert_true(v.sp.stop < c.stop_m);
	assert_true(v.sp.start[0] < c.duty_start_m);
}


/* A level rising 1 cm a minute, read every second with +-2 mm of noise:
 * the smoothed slope settles on 1 cm/min, and the time to flood from 3.0 m
 * to the 4.8 m flood level is 180 minutes within 10%; a slope from each
 * pair of samples would be swamped by the noise. */
static void
test_ttf_rising(void **state)
{
	struct view_trend	t;
	double			lv = 0, noise;
	int			i;

	(void)state;
	memset(&t, 0, sizeof t);
	for (i = 0; i <= 600; i++) {
		noise = ((i * 7919) % 5 - 2) * 0.001;	/* -2..2 mm */
		lv = 2.9 + 0.01 * i / 60.0;
		view_trend_add(&t, lv + noise, T0 + i * 1000LL);
	}
	assert_true(t.has_slope);
	assert_true(fabs(t.slope_m_s - 0.01 / 60) < 0.2 * 0.01 / 60);
	assert_true(fabs(view_ttf_s(3.0, 4.8, t.slope_m_s) - 180 * 60) <
	    0.1 * 180 * 60);
}

/* A falling or flat level has no time to flood (-1); at or over the flood
 * level it is 0; a repeated or older sample changes nothing. */
static void
test_ttf_falling(void **state)
{
	struct view_trend	t;
	double			slope;
	int			i;

	(void)state;
	memset(&t, 0, sizeof t);
	for (i = 0; i <= 300; i++)
		view_trend_add(&t, 3.5 - 0.02 * i / 60.0, T0 + i * 1000LL);
	assert_true(t.slope_m_s < 0);
	assert_true(view_ttf_s(3.4, 4.8, t.slope_m_s) < 0);
	assert_true(view_ttf_s(3.4, 4.8, 0) < 0);
	assert_true(view_ttf_s(4.9, 4.8, -1) == 0);
	slope = t.slope_m_s;
	view_trend_add(&t, 9.0, T0 + 300 * 1000LL);	/* same ms */
	view_trend_add(&t, 9.0, T0 + 310 * 1000LL);	/* within the span */
	view_trend_add(&t, 9.0, T0);			/* the past */
	assert_true(t.slope_m_s == slope);
}

/* A station at or above its high alarm comes first, even flat (its pumps
 * lost, no inflow) against one rising hours from flooding; below it, one
 * that rises is at more risk than one higher but falling; among the
 * falling, the higher fraction of the flood level comes first. */
static void
test_ttf_risk(void **state)
{
	struct cfg_control	p;
	struct cfg_station	c;
	struct station		s;
	struct station_view	v;
	double			r_rise, r_slow, r_above, r_high, r_low;
	int			i;

	(void)state;
	cfg_control_defaults(&p);
	station_make(&s, &c, 2);
	s.core.level_m = 2.0;
	for (i = 0; i <= 120; i++)
		view_trend_add(&s.trend, 1.8 + 0.1 * i / 60.0,
		    T0 + i * 1000LL);
	view_fill(&v, &s, &p, T0 + 120000);
	assert_true(v.has_ttf);
	assert_true(v.inflow_m3s > 0);
	r_rise = v.risk;
	memset(&s.trend, 0, sizeof s.trend);
	for (i = 0; i <= 120; i++)		/* 1 cm in 10 min */
		view_trend_add(&s.trend, 1.998 + 0.002 * i / 120.0,
		    T0 + i * 1000LL);
	view_fill(&v, &s, &p, T0 + 120000);
	assert_true(v.has_ttf && v.ttf_s > 3 * 3600);
	r_slow = v.risk;
	memset(&s.trend, 0, sizeof s.trend);
	for (i = 0; i <= 120; i++)		/* flat above the high alarm */
		view_trend_add(&s.trend, 3.9, T0 + i * 1000LL);
	s.core.level_m = 3.9;
	view_fill(&v, &s, &p, T0 + 120000);
	assert_false(v.has_ttf);
	r_above = v.risk;
	memset(&s.trend, 0, sizeof s.trend);
	for (i = 0; i <= 120; i++)
		view_trend_add(&s.trend, 3.6 - 0.01 * i / 60.0,
		    T0 + i * 1000LL);
	s.core.level_m = 3.6;
	view_fill(&v, &s, &p, T0 + 120000);
	assert_false(v.has_ttf);
	r_high = v.risk;
	s.core.level_m = 1.0;
	view_fill(&v, &s, &p, T0 + 120000);
	r_low = v.risk;
	assert_true(r_above > r_rise);
	assert_true(r_above > r_slow);
	assert_true(r_rise > r_slow);
	assert_true(r_slow > r_high);
	assert_true(r_high > r_low);
	assert_true(fabs(r_high - 3.6 / c.flood_m) < 1e-9);
	s.core.level_m = c.flood_m;		/* flooding: the top too */
	view_fill(&v, &s, &p, T0 + 120000);
	assert_true(v.risk >= r_above);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observed_station),
		cmocka_unit_test(test_unobserved_station),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_storm_setpoints),
		cmocka_unit_test(test_ttf_rising),
		cmocka_unit_test(test_ttf_falling),
		cmocka_unit_test(test_ttf_risk),
	};

	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
