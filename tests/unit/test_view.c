/*
 * The station view: the one place where a station's mode, pumps and
 * alarms are worked out for the log, the metrics and the control socket.
 */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observed_station),
		cmocka_unit_test(test_unobserved_station),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_storm_setpoints),
	};

	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
