/*
 * The simulated station: water balance, the PLC's hard interlocks, its
 * watchdog and fallback control, start spacing, the map's write checks, a
 * PLC restart, and the faults that issue 7's tests need: late RUNNING
 * feedback, a level set from outside, the PLC's own control running a pump.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "model.h"

static struct cfg_station cfg;
static struct rain norain, storm;

/* A three-pump stormwater station: 200 m2 well, 1.5 m3/s pumps. */
static int
setup(void **state)
{
	char	*cause = NULL;

	(void)state;
	fixture_station(&cfg, 3);
	cfg.has_outfall = 0;
	rain_parse("none", &norain, &cause);
	return rain_parse("storm:3:120", &storm, &cause);
}

/* Run st for seconds in steps of dt. */
static void
run(struct mdl_station *st, double seconds, double dt)
{
	double	t;

	for (t = 0; t < seconds - 1e-9; t += dt)
		mdl_step(st, dt);
}

/* Put the PLC under remote control with pump_cmd, keeping the heartbeat. */
static void
remote(struct mdl_station *st, uint16_t cmd)
{
	uint16_t	v[3] = { (uint16_t)(st->hr[0] + 1), 1, cmd };

	assert_int_equal(mdl_write(st, 0, 3, v), 0);
}

/* Inflow - pumped - flood = change in storage, through a storm with
 * flooding, at two step sizes; rain depths agree with the scenario. */
static void
test_mass_balance(void **state)
{
	struct mdl_station	st;
	double			dts[2] = { 0.5, 2.0 };
	int			i;

	(void)state;
	for (i = 0; i < 2; i++) {
		cfg.catch_ha = 60;	/* more than the pumps can take */
		mdl_init(&st, &cfg, &storm, 0);
		run(&st, 3 * 3600, dts[i]);
		assert_true(st.inflow_m3 > 0);
		assert_true(st.pumped_m3 > 0);
		assert_true(st.flood_m3 > 0);
		assert_true(fabs(mdl_balance_m3(&st)) < 1e-6 * st.inflow_m3);
		assert_float_equal(st.rain_mm, rain_total_mm(&storm), 1e-6);
		/* rational method: all the runoff arrives in the end */
		assert_float_equal(st.inflow_m3, 0.6 * rain_total_mm(&storm) /
		    1000 * 60 * 1e4, 0.01 * st.inflow_m3);
		mdl_free(&st);
	}
	cfg.catch_ha = 20;
}

/* Without inflow and pumps, the level stays; the rain gauge counts tips. */
static void
test_rain_gauge(void **state)
{
	struct mdl_station	st;

	(void)state;
	mdl_init(&st, &cfg, &storm, 0);
	run(&st, 7200, 1);
	assert_int_equal(plc_u32(&st.ir[PLC_IR_RAIN_TIPS]),
	    (uint32_t)floor(rain_total_mm(&storm) / 0.1 + 1e-9));
	assert_int_equal(st.ir[PLC_IR_MAP_VERSION], 1);
	assert_int_equal(st.ir[PLC_IR_PUMP_COUNT], 3);
	assert_int_equal(plc_u32(&st.ir[PLC_IR_UPTIME]), 7200);
	mdl_free(&st);
}

/* A pump with FAULT, with AVAILABLE off, under ESTOP or LOW_LOW never runs,
 * whatever the centre commands. */
static void
test_interlocks(void **state)
{
	struct mdl_station	st;

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	st.vol_m3 = 200 * 2.0;
	st.level_m = 2.0;
	st.pump[0].tripped = 1;
	st.pump[1].unavailable = 1;
	remote(&st, 0x7);
	run(&st, 10, 0.5);
	assert_false(st.pump[0].contactor);
	assert_false(st.pump[1].contactor);
	assert_true(st.pump[2].contactor);
	assert_int_equal(st.ir[PLC_IR_PUMP(0)] & (PLC_PU_FAULT |
	    PLC_PU_AVAILABLE), PLC_PU_FAULT);
	assert_int_equal(st.ir[PLC_IR_PUMP(1)] & PLC_PU_AVAILABLE, 0);
	assert_true(st.ir[PLC_IR_PUMP(2)] & PLC_PU_RUNNING);
	st.estop = 1;
	remote(&st, 0x7);
	run(&st, 1, 0.5);
	assert_false(st.pump[2].contactor);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_ESTOP);
	st.estop = 0;
	st.vol_m3 = 200 * 0.4;	/* below the dry-run float */
	st.level_m = 0.4;
	remote(&st, 0x4);
	run(&st, 5, 0.5);
	assert_false(st.pump[2].contactor);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_LOW_LOW);
	mdl_free(&st);
}

/* At most one start every 3 s, and pump_cmd obeyed under REMOTE only. */
static void
test_start_spacing(void **state)
{
	struct mdl_station	st;

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	st.vol_m3 = 200 * 1.3;	/* between fallback stop and start */
	st.level_m = 1.3;
	st.remote = 0;
	remote(&st, 0x7);
	run(&st, 1, 0.5);
	assert_false(st.pump[0].contactor);	/* REMOTE off: fallback only */
	st.remote = 1;
	remote(&st, 0x7);
	run(&st, 0.5, 0.5);
	assert_int_equal(st.pump[0].contactor + st.pump[1].contactor +
	    st.pump[2].contactor, 1);
	remote(&st, 0x7);
	run(&st, 2.5, 0.5);
	assert_int_equal(st.pump[0].contactor + st.pump[1].contactor +
	    st.pump[2].contactor, 1);
	remote(&st, 0x7);
	run(&st, 0.5, 0.5);
	assert_int_equal(st.pump[0].contactor + st.pump[1].contactor +
	    st.pump[2].contactor, 2);
	mdl_free(&st);
}

/* The heartbeat stops: after watchdog_s the PLC sets WATCHDOG_EXPIRED and
 * LOCAL_CONTROL, keeps the running pump (bumpless) and runs fallback
 * control; a changing heartbeat and mode REMOTE hand control back. */
static void
test_watchdog_fallback(void **state)
{
	struct mdl_station	st;
	uint16_t		wd = 5;
	double			t;

	(void)state;
	cfg.catch_ha = 0;
	mdl_init(&st, &cfg, &norain, 0);
	st.vol_m3 = 200 * 1.5;
	st.level_m = 1.5;
	assert_int_equal(mdl_write(&st, PLC_HR_WATCHDOG, 1, &wd), 0);
	remote(&st, 0x2);
	run(&st, 1, 0.5);
	assert_true(st.pump[1].contactor);
	assert_false(st.ir[PLC_IR_STATUS] & PLC_ST_LOCAL_CONTROL);
	run(&st, 3, 0.5);
	assert_false(st.ir[PLC_IR_STATUS] & PLC_ST_WATCHDOG);
	run(&st, 2, 0.5);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_WATCHDOG);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_LOCAL_CONTROL);
	assert_true(st.pump[1].contactor);	/* bumpless */
	/* fallback stops all at fb_stop and rotates the lead */
	for (t = 0; t < 600 && st.pump[1].contactor; t += 0.5)
		mdl_step(&st, 0.5);
	assert_false(st.pump[1].contactor);
	assert_true(st.level_m <= 1.0 + 0.01);
	assert_int_equal(st.lead, 1);
	/* rising level: the lead (pump 2, index 1) starts at fb_start */
	st.vol_m3 = 200 * 1.65;
	st.level_m = 1.65;
	run(&st, 1, 0.5);
	assert_true(st.pump[1].contactor);
	assert_false(st.pump[0].contactor);
	/* at fb_all every available pump runs, one start per 3 s */
	st.vol_m3 = 200 * 3.9;
	st.level_m = 3.9;
	run(&st, 7, 0.5);
	assert_true(st.pump[0].contactor && st.pump[1].contactor &&
	    st.pump[2].contactor);
	/* the centre comes back: heartbeat and REMOTE, pumps as commanded */
	remote(&st, 0x1);
	run(&st, 0.5, 0.5);
	assert_false(st.ir[PLC_IR_STATUS] & PLC_ST_LOCAL_CONTROL);
	assert_true(st.pump[0].contactor);
	assert_false(st.pump[1].contactor);
	assert_false(st.pump[2].contactor);
	mdl_free(&st);
	cfg.catch_ha = 20;
}

/* Out-of-range writes get exception 3, outside the block exception 2, and
 * change nothing. */
static void
test_write_checks(void **state)
{
	struct mdl_station	st;
	uint16_t		v[16];

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	memcpy(v, st.hr, sizeof v);
	v[PLC_HR_MODE] = 2;
	assert_int_equal(mdl_write(&st, 0, 16, v), 3);
	assert_int_equal(st.hr[PLC_HR_MODE], 0);
	v[PLC_HR_MODE] = 1;
	v[PLC_HR_WATCHDOG] = 1;
	assert_int_equal(mdl_write(&st, 0, 16, v), 3);
	v[PLC_HR_WATCHDOG] = 601;
	assert_int_equal(mdl_write(&st, 0, 16, v), 3);
	v[PLC_HR_WATCHDOG] = 600;
	v[PLC_HR_FB_ALL] = 20001;
	assert_int_equal(mdl_write(&st, 0, 16, v), 3);
	v[PLC_HR_FB_ALL] = 20000;
	v[PLC_HR_PUMP_CMD] = 0x8;	/* pump 4 of 3 */
	assert_int_equal(mdl_write(&st, 0, 16, v), 3);
	v[PLC_HR_PUMP_CMD] = 0x7;
	assert_int_equal(st.hr[PLC_HR_WATCHDOG], PLC_WATCHDOG_DEF_S);
	assert_int_equal(mdl_write(&st, 0, 16, v), 0);
	assert_int_equal(st.hr[PLC_HR_WATCHDOG], 600);
	assert_int_equal(mdl_write(&st, 15, 2, v), 2);
	assert_int_equal(mdl_write(&st, 16, 1, v), 2);
	assert_int_equal(mdl_read_check(1, 0, 80), 0);
	assert_int_equal(mdl_read_check(1, 79, 2), 2);
	assert_int_equal(mdl_read_check(0, 0, 17), 2);
	mdl_free(&st);
}

/* A PLC restart: uptime, tips and counters from zero, commands back to
 * LOCAL, the pumps keep running under fallback. */
static void
test_restart(void **state)
{
	struct mdl_station	st;

	(void)state;
	mdl_init(&st, &cfg, &storm, 0);
	remote(&st, 0x1);
	run(&st, 1800, 1);
	remote(&st, 0x1);
	run(&st, 1, 1);
	assert_true(plc_u32(&st.ir[PLC_IR_RAIN_TIPS]) > 0);
	assert_true(plc_u32(&st.ir[PLC_IR_PUMP(0) + PLC_PU_STARTS]) >= 1);
	mdl_restart(&st);
	assert_int_equal(plc_u32(&st.ir[PLC_IR_UPTIME]), 0);
	assert_int_equal(plc_u32(&st.ir[PLC_IR_RAIN_TIPS]), 0);
	assert_int_equal(plc_u32(&st.ir[PLC_IR_PUMP(0) + PLC_PU_STARTS]), 0);
	assert_int_equal(st.hr[PLC_HR_MODE], PLC_MODE_LOCAL);
	assert_true(st.pump[0].contactor);
	run(&st, 1, 1);
	assert_true(st.pump[0].contactor);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_LOCAL_CONTROL);
	assert_true(st.pump[0].starts >= 1);	/* the simulator's own count */
	mdl_free(&st);
}

/* A stuck transducer freezes; a failed one reads 0xFFFF and the PLC's
 * fallback uses the other. */
static void
test_level_faults(void **state)
{
	struct mdl_station	st;

	(void)state;
	mdl_init(&st, &cfg, &storm, 0);
	run(&st, 600, 1);
	st.lvl_fault[0] = MDL_LVL_STUCK;
	run(&st, 1, 1);
	uint16_t stuck = st.ir[PLC_IR_LEVEL_A];
	run(&st, 1200, 1);
	assert_int_equal(st.ir[PLC_IR_LEVEL_A], stuck);
	assert_int_not_equal(st.ir[PLC_IR_LEVEL_B], stuck);
	st.lvl_fault[0] = MDL_LVL_FAILED;
	run(&st, 1, 1);
	assert_int_equal(st.ir[PLC_IR_LEVEL_A], PLC_NO_VALUE);
	/* fallback on level B keeps the well below flooding */
	run(&st, 3 * 3600, 1);
	assert_float_equal(st.flood_m3, 0, 1e-9);
	mdl_free(&st);
}

/* Requests as they come off the wire: MBAP header (7 bytes, unit last),
 * then the PDU. */
static void
test_requests(void **state)
{
	struct mdl_station	st;
	struct mdl_req		r;
	uint8_t			rd[] = { 0, 1, 0, 0, 0, 6, 1, 0x04, 0, 0, 0, 80 };
	uint8_t			wr[] = { 0, 2, 0, 0, 0, 11, 1, 0x10, 0, 4, 0, 2,
	    4, 0, 30, 0x4E, 0x21 };
	uint8_t			one[] = { 0, 3, 0, 0, 0, 6, 1, 0x06, 0, 1, 0,
	    1 };

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 0);
	assert_int_equal(r.nb, 80);
	rd[11] = 81;				/* 0..80: past the block */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 2);
	rd[10] = 1;				/* 337 registers */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 3);
	rd[7] = 0x01;				/* coils */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 1);
	rd[6] = 9;				/* another unit */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 11);
	assert_int_equal(mdl_check_request(&st, rd, 7, 7, &r), -1);
	/* watchdog_s 30 and fb_start 20001 mm: the set-point is refused */
	assert_int_equal(mdl_check_request(&st, wr, sizeof wr, 7, &r), 3);
	wr[16] = 0x20;				/* 20000 mm */
	assert_int_equal(mdl_check_request(&st, wr, sizeof wr, 7, &r), 0);
	assert_int_equal(r.nwrite, 2);
	assert_int_equal(r.v[0], 30);
	assert_int_equal(r.v[1], 20000);
	wr[12] = 5;				/* byte count off */
	assert_int_equal(mdl_check_request(&st, wr, sizeof wr, 7, &r), 3);
	assert_int_equal(mdl_check_request(&st, one, sizeof one, 7, &r), 0);
	assert_int_equal(r.v[0], 1);
	one[11] = 2;				/* mode_request 2 */
	assert_int_equal(mdl_check_request(&st, one, sizeof one, 7, &r), 3);
	mdl_free(&st);
}

/* feedback-delay: RUNNING shows fb_delay_s after the contactor closed; the
 * pump delivers meanwhile. */
static void
test_feedback_delay(void **state)
{
	struct mdl_station	st;
	double			lvl;

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	mdl_set_level(&st, 2.0);
	st.fb_delay_s = 20;
	remote(&st, 0x1);
	mdl_step(&st, 0.5);
	assert_true(st.pump[0].contactor);
	assert_false(st.ir[PLC_IR_PUMP(0) + PLC_PU_STATUS] & PLC_PU_RUNNING);
	lvl = st.level_m;
	run(&st, 19, 0.5);
	assert_true(st.level_m < lvl);	/* it pumps */
	assert_false(st.ir[PLC_IR_PUMP(0) + PLC_PU_STATUS] & PLC_PU_RUNNING);
	run(&st, 1, 0.5);
	assert_true(st.ir[PLC_IR_PUMP(0) + PLC_PU_STATUS] & PLC_PU_RUNNING);
	st.fb_delay_s = 0;	/* without the fault: at the scan */
	remote(&st, 0x3);
	run(&st, 3.5, 0.5);
	assert_true(st.ir[PLC_IR_PUMP(1) + PLC_PU_STATUS] & PLC_PU_RUNNING);
	mdl_free(&st);
}

/* level: the well is set to a level, the balance still holds; plc-run:
 * the PLC's own control runs a pump, stops it at its stop level in LOCAL,
 * and under a REMOTE command that keeps it the dry-run float trips it. */
static void
test_set_level_and_plc_run(void **state)
{
	struct mdl_station	st;
	int			i;

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	mdl_set_level(&st, 1.1);
	assert_int_equal(st.ir[PLC_IR_LEVEL_A], 1100);
	assert_true(fabs(mdl_balance_m3(&st)) < 1e-9);
	assert_int_equal(mdl_plc_run(&st, 0), 0);
	assert_true(st.ir[PLC_IR_PUMP(0) + PLC_PU_STATUS] & PLC_PU_RUNNING);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_LOCAL_CONTROL);
	run(&st, 60, 0.5);	/* 1.5 m3/s from 200 m2: 0.0075 m/s */
	assert_false(st.pump[0].contactor);
	assert_true(st.min_level_m > 0.95 && st.min_level_m <= 1.0);
	assert_true(fabs(mdl_balance_m3(&st)) < 1e-6);
	mdl_set_level(&st, 1.1);
	assert_int_equal(mdl_plc_run(&st, 0), 0);
	for (i = 0; i < 24; i++) {	/* heartbeat within the watchdog */
		remote(&st, 0x1);
		run(&st, 5, 0.5);
	}
	assert_false(st.pump[0].contactor);	/* tripped by the float */
	assert_true(st.min_level_m <= cfg.lowlow_m);
	assert_true(st.ir[PLC_IR_STATUS] & PLC_ST_LOW_LOW);
	assert_int_equal(mdl_plc_run(&st, 1), -1);	/* interlocked */
	assert_int_equal(mdl_plc_run(&st, 7), -1);
	mdl_free(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mass_balance),
		cmocka_unit_test(test_rain_gauge),
		cmocka_unit_test(test_interlocks),
		cmocka_unit_test(test_start_spacing),
		cmocka_unit_test(test_watchdog_fallback),
		cmocka_unit_test(test_write_checks),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_level_faults),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_feedback_delay),
		cmocka_unit_test(test_set_level_and_plc_run),
	};

	return cmocka_run_group_tests_name("model", tests, setup, NULL);
}
