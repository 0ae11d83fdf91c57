/*
 * The simulated station: water balance, the PLC's hard interlocks, its
 * watchdog and fallback control, start spacing, the map's write checks, a
 * PLC restart, and the faults that issue 7's tests need: late RUNNING
 * feedback, a level set from outside, the PLC's own control running a pump.
 * Map L1: the PLC's own level control with assist steps, lead rotation and
 * 5 s spacing, interlocks with inhibits, the raw 4-20 mA scaling, CDAB, the
 * write checks (exceptions 1, 2, 3, 4), function 17 and a restart.
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

/* The head both maps share: unit, function, address and count; -1 for a
 * word the request is too short for; 0xFF is ours too, another unit 11.
 * Function 16's registers, also shared: past the table 2, short 3. */
static void
test_req_head(void **state)
{
	struct mdl_station	st;
	struct mdl_req		r;
	uint8_t			rd[] = { 0, 1, 0, 0, 0, 6, 1, 0x03, 0x01, 0x02,
	    0, 9 };
	uint8_t			wr[] = { 0, 2, 0, 0, 0, 11, 1, 0x10, 0, 4, 0, 2,
	    4, 0, 30, 0x4E, 0x21 };

	(void)state;
	mdl_init(&st, &cfg, &norain, 0);
	assert_int_equal(mdl_req_head(&st, rd, sizeof rd, 7, &r), 0);
	assert_int_equal(r.unit, 1);
	assert_int_equal(r.fc, 3);
	assert_int_equal(r.addr, 0x102);
	assert_int_equal(r.nb, 9);
	assert_int_equal(mdl_req_head(&st, rd, 11, 7, &r), 0);
	assert_int_equal(r.addr, 0x102);
	assert_int_equal(r.nb, -1);
	assert_int_equal(mdl_req_head(&st, rd, 9, 7, &r), 0);
	assert_int_equal(r.addr, -1);
	assert_int_equal(mdl_req_head(&st, rd, 7, 7, &r), -1);
	assert_int_equal(mdl_req_head(&st, rd, sizeof rd, 0, &r), -1);
	rd[6] = 0xFF;
	assert_int_equal(mdl_req_head(&st, rd, sizeof rd, 7, &r), 0);
	rd[6] = 2;
	assert_int_equal(mdl_req_head(&st, rd, sizeof rd, 7, &r), 11);
	assert_int_equal(r.unit, 2);
	/* function 16's registers, against a table of either size */
	assert_int_equal(mdl_req_head(&st, wr, sizeof wr, 7, &r), 0);
	assert_int_equal(mdl_req_regs(wr, sizeof wr, 7, 6, &r), 0);
	assert_int_equal(r.nwrite, 2);
	assert_int_equal(r.v[0], 30);
	assert_int_equal(r.v[1], 0x4E21);
	assert_int_equal(mdl_req_regs(wr, sizeof wr, 7, 5, &r), 2);
	assert_int_equal(mdl_req_regs(wr, sizeof wr - 1, 7, 6, &r), 3);
	wr[12] = 3;				/* byte count off */
	assert_int_equal(mdl_req_regs(wr, sizeof wr, 7, 6, &r), 3);
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

/* An L1 station of four pumps: transducer zero 0.2 m, span 5 m; panel
 * start 1.8, stop 1.0, assist step 0.5, all-on 3.6 m; a well so wide that
 * four pumps lower it by 0.6 mm a second; no inflow. */
static void
l1_cfg(struct cfg_station *c)
{
	fixture_station(c, 4);
	c->map = CFG_MAP_L1;
	c->has_outfall = 0;
	c->area_m2 = 10000;
	c->catch_ha = 0;
	c->tip_mm = 0.2;
	c->level_tx = (struct cfg_transducer){ 0.2, 5.0 };
	c->panel = (struct cfg_panel){ 1.8, 1.0, 0.5, 3.6 };
}

/* Which contactors are closed, as "1010". */
static const char *
running(const struct mdl_station *st)
{
	static char	buf[L1_MAX_PUMPS + 1];
	int		k;

	for (k = 0; k < st->cfg->npumps; k++)
		buf[k] = st->pump[k].contactor ? '1' : '0';
	buf[k] = '\0';
	return buf;
}

/* Raw counts: 0 at the zero, 27648 at zero + span, the over range valid to
 * 32511, 32767 wire break, below -4864 under range. */
static void
test_l1_raw(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;

	(void)state;
	l1_cfg(&c);
	mdl_init(&st, &c, &norain, 0);
	mdl_set_level(&st, 0.2);
	assert_int_equal(st.l1.ir[L1_IR_LEVEL_RAW], 0);
	c.level_tx.span_m = 4.0;	/* 4.2 m is 20 mA */
	mdl_set_level(&st, 4.2);
	assert_int_equal(st.l1.ir[L1_IR_LEVEL_RAW], 27648);
	mdl_set_level(&st, 4.8);	/* over range: 31795 counts, valid */
	assert_int_equal(st.l1.ir[L1_IR_LEVEL_RAW], 31795);
	assert_true(l1_raw_valid(31795));
	assert_float_equal(l1_raw_m(31795, 0.2, 4.0), 4.8, 1e-4);
	c.level_tx.span_m = 3.0;	/* 4.8 m is beyond: saturates */
	mdl_set_level(&st, 4.7);
	assert_int_equal(st.l1.ir[L1_IR_LEVEL_RAW], L1_RAW_OVER_MAX);
	c.level_tx.span_m = 5.0;
	mdl_set_level(&st, 0.0);	/* below the zero: negative, valid */
	assert_int_equal((int16_t)st.l1.ir[L1_IR_LEVEL_RAW], -1106);
	assert_true(l1_raw_valid(st.l1.ir[L1_IR_LEVEL_RAW]));
	assert_true(l1_raw_valid(27649) && l1_raw_valid(32511));
	assert_false(l1_raw_valid(32512));
	assert_true(l1_raw_valid((uint16_t)-4864));
	assert_false(l1_raw_valid((uint16_t)-4865));
	st.lvl_fault[0] = MDL_LVL_FAILED;
	mdl_publish(&st);
	assert_int_equal(st.l1.ir[L1_IR_LEVEL_RAW], 32767);
	assert_false(l1_raw_valid(32767));
	st.lvl_fault[0] = MDL_LVL_UNDER;
	mdl_publish(&st);
	assert_int_equal((int16_t)st.l1.ir[L1_IR_LEVEL_RAW], -5000);
	assert_false(l1_raw_valid(st.l1.ir[L1_IR_LEVEL_RAW]));
	/* no outfall: 32767 */
	assert_int_equal(st.l1.ir[L1_IR_OUTFALL_RAW], 32767);
	mdl_free(&st);
}

/* 32-bit values low word first; the published counters and floats. */
static void
test_l1_cdab(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;
	uint16_t		r[2];

	(void)state;
	l1_put_u32(r, 0x12345678);
	assert_int_equal(r[0], 0x5678);
	assert_int_equal(r[1], 0x1234);
	assert_int_equal(l1_u32(r), 0x12345678);
	l1_put_f32(r, 1.8f);		/* 0x3FE66666 */
	assert_int_equal(r[0], 0x6666);
	assert_int_equal(r[1], 0x3FE6);
	assert_true(l1_f32(r) == 1.8f);
	l1_cfg(&c);
	mdl_init(&st, &c, &norain, 0);
	assert_int_equal(st.l1.ir[L1_IR_STARTS(0)], 70000 & 0xFFFF);
	assert_int_equal(st.l1.ir[L1_IR_STARTS(0) + 1], 1);
	assert_int_equal(l1_u32(&st.l1.ir[L1_IR_STARTS(1)]), 71234);
	assert_int_equal(l1_u32(&st.l1.ir[L1_IR_RUN_HOURS(0)]), 21000);
	assert_true(l1_f32(&st.l1.hr[L1_HR_START]) == 1.8f);
	assert_true(l1_f32(&st.l1.hr[L1_HR_ALL_ON]) == 3.6f);
	mdl_free(&st);
}

/* The PLC's own control: the lead at start, one more every assist step
 * (5 s apart), all at all-on, all off at stop, the lead rotating. */
static void
test_l1_control(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;

	(void)state;
	l1_cfg(&c);
	mdl_init(&st, &c, &norain, 0);
	run(&st, 10, 0.5);
	assert_string_equal(running(&st), "0000");
	mdl_set_level(&st, 1.85);
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "1000");
	mdl_set_level(&st, 2.35);	/* 1.8 + 0.5: the first assist */
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "1000");	/* 5 s spacing */
	run(&st, 5, 0.5);
	assert_string_equal(running(&st), "1100");
	mdl_set_level(&st, 2.0);	/* between the starts: both hold */
	run(&st, 6, 0.5);
	assert_string_equal(running(&st), "1100");
	mdl_set_level(&st, 3.6);	/* all-on, one start every 5 s */
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "1110");
	run(&st, 5, 0.5);
	assert_string_equal(running(&st), "1111");
	assert_true(st.pump[3].on_t - st.pump[2].on_t >= 5 - 1e-9);
	mdl_set_level(&st, 1.0);	/* stop: all off, the lead moves on */
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0000");
	mdl_set_level(&st, 1.9);
	run(&st, 6, 0.5);
	assert_string_equal(running(&st), "0100");
	assert_int_equal(st.l1.di[L1_DI_RUNNING(1)], 1);
	assert_true(l1_f32(&st.l1.ir[L1_IR_CURRENT(1)]) > 10);
	assert_true(l1_f32(&st.l1.ir[L1_IR_CURRENT(0)]) == 0);
	/* the holding registers rule once REMOTE_SETPOINTS is set */
	st.l1.sp_m[0] = 2.5f;
	st.l1.sp_m[1] = 1.95f;
	st.l1.remote_sp = 1;
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0000");	/* 1.9 <= stop 1.95 */
	assert_int_equal(mdl_local(&st), 0);
	mdl_free(&st);
}

/* Interlocks: FAULT, not AVAILABLE, inhibited, ESTOP, LOW_LOW; the next
 * pump in turn runs instead. */
static void
test_l1_interlocks(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;

	(void)state;
	l1_cfg(&c);
	mdl_init(&st, &c, &norain, 0);
	st.l1.inhibit[0] = 1;
	st.pump[1].tripped = 1;
	mdl_set_level(&st, 1.9);
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0010");
	assert_int_equal(st.l1.di[L1_DI_INHIBITED(0)], 1);
	assert_int_equal(st.l1.di[L1_DI_FAULT(1)], 1);
	assert_int_equal(st.l1.di[L1_DI_AVAILABLE(1)], 0);
	assert_int_equal(st.l1.di[L1_DI_AVAILABLE(0)], 1);	/* inhibit not
								 * counted */
	st.pump[2].unavailable = 1;
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0000");	/* 5 s spacing */
	run(&st, 5, 0.5);
	assert_string_equal(running(&st), "0001");
	st.estop = 1;
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0000");
	assert_int_equal(st.l1.di[L1_DI_ESTOP], 1);
	st.estop = 0;
	run(&st, 6, 0.5);
	assert_string_equal(running(&st), "0001");
	st.l1.inhibit[3] = 1;		/* inhibit stops a running pump */
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0000");
	st.l1.inhibit[3] = 0;
	run(&st, 6, 0.5);
	c.lowlow_m = 1.95;		/* the dry-run float: all stop */
	run(&st, 1, 0.5);
	assert_string_equal(running(&st), "0000");
	assert_int_equal(st.l1.di[L1_DI_LOW_LOW], 1);
	mdl_free(&st);
}

/* A set-point write of whole floats, n registers at addr. */
static int
sp_write(const struct mdl_station *st, int addr, float a, float b)
{
	uint16_t	v[4];

	l1_put_f32(&v[0], a);
	l1_put_f32(&v[2], b);
	return mdl_l1_sp_check(st, addr, 4, v);
}

/* The write checks: the four set-points as the contract says. */
static void
test_l1_write_checks(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;
	uint16_t		v[8];

	(void)state;
	l1_cfg(&c);
	mdl_init(&st, &c, &norain, 0);
	l1_put_f32(&v[0], 2.0f);
	l1_put_f32(&v[2], 1.2f);
	l1_put_f32(&v[4], 0.5f);
	l1_put_f32(&v[6], 3.0f);
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 0);
	l1_put_f32(&v[2], 2.0f);		/* stop = start */
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 3);
	l1_put_f32(&v[2], 1.2f);
	l1_put_f32(&v[6], 1.9f);		/* all-on below start */
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 3);
	l1_put_f32(&v[6], 2.0f);		/* all-on = start: allowed */
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 0);
	l1_put_f32(&v[4], NAN);
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 3);
	l1_put_f32(&v[4], INFINITY);
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 3);
	l1_put_f32(&v[4], -0.1f);
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 3);
	l1_put_f32(&v[4], 20.5f);
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 3);
	l1_put_f32(&v[4], 20.0f);		/* 20 m: the limit */
	l1_put_f32(&v[6], 20.0f);
	assert_int_equal(mdl_l1_sp_check(&st, 0, 8, v), 0);
	/* part of the block: checked against the values in force (panel
	 * start 1.8, stop 1.0) */
	assert_int_equal(sp_write(&st, 2, 1.7f, 0.5f), 0);
	assert_int_equal(sp_write(&st, 2, 1.8f, 0.5f), 3);
	assert_int_equal(sp_write(&st, 0, 0.9f, 1.0f), 3);
	assert_int_equal(mdl_l1_sp_check(&st, 1, 2, v), 3);	/* half */
	assert_int_equal(mdl_l1_sp_check(&st, 0, 3, v), 3);
	assert_int_equal(mdl_l1_sp_check(&st, 6, 4, v), 2);
	mdl_free(&st);
}

/* Requests off the wire: reads of the four tables, writes 05, 15, 16,
 * exception 4 with REMOTE off, 06 refused, function 17. */
static void
test_l1_requests(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;
	struct mdl_req		r;
	uint8_t			rd[] = { 0, 1, 0, 0, 0, 6, 1, 0x02, 0, 0, 0, 24 };
	uint8_t			wc[] = { 0, 2, 0, 0, 0, 6, 1, 0x05, 0, 0, 0xFF,
	    0 };
	uint8_t			wm[] = { 0, 3, 0, 0, 0, 8, 1, 0x0F, 0, 8, 0, 4,
	    1, 0x05 };
	uint8_t			wr[] = { 0, 4, 0, 0, 0, 23, 1, 0x10, 0, 0, 0, 8,
	    16, 0, 0, 0x40, 0, 0x99, 0x9A, 0x3F, 0x99, 0, 0, 0x3F, 0,
	    0, 0, 0x40, 0x40 };		/* 2.0 1.2 0.5 3.0, low word first */
	uint8_t			id[] = { 0, 5, 0, 0, 0, 2, 1, 0x11 };
	uint8_t			out[32];
	int			n;

	(void)state;
	l1_cfg(&c);
	mdl_init(&st, &c, &norain, 0);
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 0);
	rd[11] = 25;
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 2);
	rd[7] = 0x01;				/* coils 0..24 */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 2);
	rd[11] = 12;
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 0);
	rd[7] = 0x04;
	rd[11] = 28;
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 0);
	rd[7] = 0x03;				/* holding 0..27 */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 2);
	rd[11] = 8;
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 0);
	rd[7] = 0x06;				/* half a float */
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 1);
	/* coil 0 := 1 */
	assert_int_equal(mdl_check_request(&st, wc, sizeof wc, 7, &r), 0);
	mdl_l1_apply(&st, &r);
	assert_int_equal(st.l1.remote_sp, 1);
	wc[9] = 1;				/* ALARM_RESET: reads 0 */
	assert_int_equal(mdl_check_request(&st, wc, sizeof wc, 7, &r), 0);
	mdl_l1_apply(&st, &r);
	assert_int_equal(st.l1.resets, 1);
	assert_int_equal(st.l1.coil[L1_COIL_ALARM_RESET], 0);
	wc[9] = 2;				/* reserved */
	assert_int_equal(mdl_check_request(&st, wc, sizeof wc, 7, &r), 3);
	wc[10] = 0;				/* writing 0 there is fine */
	assert_int_equal(mdl_check_request(&st, wc, sizeof wc, 7, &r), 0);
	wc[10] = 0x12;				/* neither 0xFF00 nor 0 */
	assert_int_equal(mdl_check_request(&st, wc, sizeof wc, 7, &r), 3);
	/* coils 8..11 := 1 0 1 0 */
	assert_int_equal(mdl_check_request(&st, wm, sizeof wm, 7, &r), 0);
	mdl_l1_apply(&st, &r);
	assert_int_equal(st.l1.inhibit[0] + 2 * st.l1.inhibit[1] +
	    4 * st.l1.inhibit[2] + 8 * st.l1.inhibit[3], 5);
	assert_int_equal(st.l1.coil[L1_COIL_INHIBIT(2)], 1);
	wm[9] = 9;				/* 9..12: past the coils */
	assert_int_equal(mdl_check_request(&st, wm, sizeof wm, 7, &r), 2);
	wm[9] = 4;				/* 4..7 := 1 0 1 0: reserved */
	assert_int_equal(mdl_check_request(&st, wm, sizeof wm, 7, &r), 3);
	wm[12] = 2;				/* byte count off */
	assert_int_equal(mdl_check_request(&st, wm, sizeof wm, 7, &r), 3);
	/* the four set-points */
	assert_int_equal(mdl_check_request(&st, wr, sizeof wr, 7, &r), 0);
	mdl_l1_apply(&st, &r);
	assert_true(st.l1.sp_m[0] == 2.0f && st.l1.sp_m[1] == 1.2f &&
	    st.l1.sp_m[2] == 0.5f && st.l1.sp_m[3] == 3.0f);
	wr[15] = 0x41;				/* start 2.0 -> 8.0, above
						 * all-on 3.0 */
	assert_int_equal(mdl_check_request(&st, wr, sizeof wr, 7, &r), 3);
	wr[15] = 0x40;
	/* REMOTE off: every write gets 4, reads go on */
	st.remote = 0;
	assert_int_equal(mdl_check_request(&st, wr, sizeof wr, 7, &r), 4);
	wc[9] = 0;
	wc[10] = 0;
	assert_int_equal(mdl_check_request(&st, wc, sizeof wc, 7, &r), 4);
	wm[9] = 8;
	wm[12] = 1;
	assert_int_equal(mdl_check_request(&st, wm, sizeof wm, 7, &r), 4);
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 1);
	rd[7] = 0x03;
	assert_int_equal(mdl_check_request(&st, rd, sizeof rd, 7, &r), 0);
	/* function 17 */
	assert_int_equal(mdl_check_request(&st, id, sizeof id, 7, &r), 0);
	n = mdl_l1_ident(out, sizeof out);
	assert_int_equal(n, 15);
	assert_memory_equal(out, "\x0e\x4c\xffJNPS-L1 2.07", 15);
	id[6] = 2;				/* another unit */
	assert_int_equal(mdl_check_request(&st, id, sizeof id, 7, &r), 11);
	mdl_free(&st);
}

/* A restart: REMOTE_SETPOINTS and the inhibits 0, the set-points the
 * panel's, counters kept, rain tips from 0. */
static void
test_l1_restart(void **state)
{
	struct cfg_station	c;
	struct mdl_station	st;
	uint32_t		starts;

	(void)state;
	l1_cfg(&c);
	c.catch_ha = 20;
	c.area_m2 = 200;
	mdl_init(&st, &c, &storm, 0);
	run(&st, 1800, 1);
	assert_true(l1_u32(&st.l1.ir[L1_IR_RAIN_TIPS]) > 0);
	assert_int_equal(l1_u32(&st.l1.ir[L1_IR_RAIN_TIPS]),
	    (uint32_t)floor(st.rain_mm / 0.2 + 1e-9));
	starts = l1_u32(&st.l1.ir[L1_IR_STARTS(0)]);
	assert_true(starts > 70000);
	st.l1.remote_sp = 1;
	st.l1.inhibit[2] = 1;
	st.l1.sp_m[0] = 2.2f;
	mdl_restart(&st);
	assert_int_equal(st.l1.coil[L1_COIL_REMOTE_SP], 0);
	assert_int_equal(st.l1.coil[L1_COIL_INHIBIT(2)], 0);
	assert_true(l1_f32(&st.l1.hr[L1_HR_START]) == 1.8f);
	assert_int_equal(l1_u32(&st.l1.ir[L1_IR_STARTS(0)]), starts);
	assert_int_equal(l1_u32(&st.l1.ir[L1_IR_RAIN_TIPS]), 0);
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
		cmocka_unit_test(test_req_head),
		cmocka_unit_test(test_feedback_delay),
		cmocka_unit_test(test_set_level_and_plc_run),
		cmocka_unit_test(test_l1_raw),
		cmocka_unit_test(test_l1_cdab),
		cmocka_unit_test(test_l1_control),
		cmocka_unit_test(test_l1_interlocks),
		cmocka_unit_test(test_l1_write_checks),
		cmocka_unit_test(test_l1_requests),
		cmocka_unit_test(test_l1_restart),
	};

	return cmocka_run_group_tests_name("model", tests, setup, NULL);
}
