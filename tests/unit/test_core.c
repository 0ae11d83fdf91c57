/*
 * The control core, rule by rule: adoption at start-up, level choice,
 * sequencing with stagger and lead rotation, failed-to-start, interlocked
 * pumps skipped, high level, rain and storm mode, discharge limits, REMOTE
 * off, loss of communications; and issue 7's rules: fallback set-points in
 * force, a second master, status-bit alarms, failed-to-start judged on
 * acknowledged reads and its retry, hand-over when pumps are short at high
 * level, a frozen level only on evidence; and issue 9's operators'
 * overrides: manual run refused with the reason, started at the stagger,
 * manual stop held but at high-high, expiry back to automatic control,
 * lock-outs at v1 and L1, kept across a restart.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "fixture.h"

static struct cfg_station cfg;
static struct cfg_control par;
static struct core_input in = { CORE_WARN_NONE, -1, 0 };

static int
setup(void **state)
{
	(void)state;
	fixture_station(&cfg, 3);
	cfg_control_defaults(&par);
	return 0;
}

/* A healthy snapshot at level m with the given pumps running. */
static struct obs
snap_at(double m, unsigned running)
{
	struct obs	sn;
	int			k;

	memset(&sn, 0, sizeof sn);
	sn.flags = OBS_ST_REMOTE | OBS_ST_MAINS_OK;
	sn.control = OBS_DIRECT;
	sn.nlevels = 2;
	sn.level_m[0] = sn.level_m[1] = m;
	sn.level_ok[0] = sn.level_ok[1] = 1;
	sn.outfall_m = 2.0;
	sn.outfall_ok = 1;
	sn.npumps = 3;
	for (k = 0; k < 3; k++)
		sn.pump[k].flags = OBS_PU_AVAILABLE |
		    ((running >> k) & 1 ? OBS_PU_RUNNING : 0);
	return sn;
}

/* A core that adopted the station 10 s ago (one stagger) with snapshot
 * sn, so that it may start a pump at time 0. */
static void
fresh(struct core_state *s, const struct obs *sn)
{
	struct core_out	out;

	core_init(s);
	core_step(s, &cfg, &par, sn, CORE_COMMS_OK, &in, -10000, &out);
}

/* Whether out has an event whose text contains text. */
static int
has_event(const struct core_out *out, const char *text)
{
	int	i;

	for (i = 0; i < out->nevents; i++)
		if (strstr(out->ev[i].text, text) != NULL)
			return 1;
	return 0;
}

static void
test_adopt_bumpless(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.2, 0x2);

	(void)state;
	core_init(&s);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_true(out.it.write);
	assert_true(out.it.remote);
	assert_int_equal(out.it.run_mask, 0x2);	/* keeps pump 2 */
	assert_true(has_event(&out, "adopted: 1 pump running"));
	assert_float_equal(out.it.fb_start_m, 1.6, 5e-4);
	assert_float_equal(out.it.fb_stop_m, 1, 5e-4);
	assert_float_equal(out.it.fb_all_m, 3.2, 5e-4);	/* last assist */
	assert_int_equal(out.it.watchdog_s, 10);
}

/* A restart of pumpd starts or stops nothing by itself: at a level asking
 * for three pumps with one running, the first start waits one stagger,
 * and an adopted assist below its stop level runs its minimum time. */
static void
test_adopt_starts_nothing(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(3.5, 0x1);

	(void)state;
	core_init(&s);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 9000, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 10000, &out);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 2);
	core_init(&s);
	sn = snap_at(1.8, 0x6);	/* two run; the level asks for one */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x6);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 60000, &out);
	assert_int_equal(out.it.run_mask, 0x6);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 120000, &out);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 1);
}

/* Issue 7, item 6: an adopted pump follows the stop rule.  The PLC's own
 * control runs a pump; adopted just above the stop level it keeps running
 * (no stop caused by the restart), and stops as soon as the level reaches
 * the stop level, long before its minimum run; adopted below the stop
 * level it stops at once. */
static void
test_adopt_stops_at_stop(void **state)
{
	struct core_state	s;
	struct core_persist	rec;
	struct core_out		out;
	struct obs	sn = snap_at(1.05, 0x1);

	(void)state;
	core_init(&s);
	sn.flags |= OBS_ST_OWN_CONTROL;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	assert_int_equal(out.nevents, 1);	/* "adopted", nothing else */
	sn = snap_at(1.02, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 5000, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(1.0, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 10000, &out);
	assert_int_equal(out.it.run_mask, 0);
	assert_true(has_event(&out, "stop pump 1"));
	core_init(&s);
	sn = snap_at(0.9, 0x1);
	sn.flags |= OBS_ST_OWN_CONTROL;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0);
	/* a master ran it (a pumpd before us, maybe in storm mode) and no
	 * saved state says whether it was: down to the storm stop level,
	 * 0.7 m, not below, not stopped by its minimum run */
	core_init(&s);
	sn = snap_at(0.9, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(0.72, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 200000, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(0.7, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 201000, &out);
	assert_int_equal(out.it.run_mask, 0);
	/* a saved state says storm mode was off: the stop level in force */
	core_init(&s);
	core_export(&s, "t", 0, &rec);
	assert_int_equal(core_import(&s, &rec, 1000, 3600000), 0);
	sn = snap_at(0.9, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 2000, &out);
	assert_int_equal(out.it.run_mask, 0);
}

static void
test_heartbeat_changes(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.2, 0);
	uint16_t		seq;

	(void)state;
	core_init(&s);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	seq = out.it.seq;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 1000, &out);
	assert_int_not_equal(out.it.seq, seq);
}

/* Duty then assists, one start per stagger, least run time first. */
static void
test_sequencing_stagger_lead(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(3.5, 0);

	(void)state;
	fresh(&s, &sn);
	sn.pump[0].run_s = 500;
	sn.pump[1].run_s = 100;
	sn.pump[2].run_s = 300;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x2);	/* least run */
	sn.pump[1].flags |= OBS_PU_RUNNING;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 5000, &out);
	assert_int_equal(out.it.run_mask, 0x2);	/* stagger */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 10000, &out);
	assert_int_equal(out.it.run_mask, 0x6);	/* then pump 3 */
	sn.pump[2].flags |= OBS_PU_RUNNING;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 20000, &out);
	assert_int_equal(out.it.run_mask, 0x7);	/* 3.5 >= 3.2 */
}

/* Hysteresis, minimum run time, stop level. */
static void
test_stop_and_min_run(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.7, 0);

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(1.3, 0x1);	/* between stop and start: keeps running */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 30000, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(0.99, 0x1);	/* at stop level: stops */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 60000, &out);
	assert_int_equal(out.it.run_mask, 0);
	/* minimum off time: not restarted 30 s later, other pump is */
	sn = snap_at(1.7, 0);
	sn.pump[0].run_s = 0;
	sn.pump[1].run_s = 10;
	sn.pump[2].run_s = 10;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 90000, &out);
	assert_int_equal(out.it.run_mask & 0x1, 0);
	assert_int_not_equal(out.it.run_mask, 0);
}

/* An assist keeps running above its start minus hysteresis, and stops
 * below it only after its minimum run time (counted from the adoption for
 * pumps found running when pumpd started). */
static void
test_assist_hysteresis(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(2.5, 0x3);

	(void)state;
	core_init(&s);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x3);
	sn = snap_at(2.1, 0x3);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 20000, &out);
	assert_int_equal(out.it.run_mask, 0x3);
	sn = snap_at(1.9, 0x3);	/* below 2.4 - 0.4 m, but adopted 40 s ago */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 40000, &out);
	assert_int_equal(out.it.run_mask, 0x3);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 120000, &out);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 1);
}

/* A FAULT or not-available pump is skipped; the next one takes over. */
static void
test_fault_replaced(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0x1);

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn.pump[0].flags = OBS_PU_FAULT;
	sn.pump[1].flags = 0;	/* not available */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 20000, &out);
	assert_int_equal(out.it.run_mask, 0x4);
	assert_true(has_event(&out, "pump 1 FAULT"));
	assert_true(s.lasting.alarms & CORE_AL_PUMP_FAULT);
}

/* The duty pump trips while pumping down between stop and start levels:
 * another pump takes its work in the next cycle (its stagger has passed). */
static void
test_trip_while_pumping_down(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.3, 0x1);

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(1.29, 0);
	sn.pump[0].flags = OBS_PU_FAULT;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 20000, &out);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 1);
	assert_int_equal(out.it.run_mask & 0x1, 0);
	/* and once it has pumped down, it stops as usual */
	sn = snap_at(0.99, out.it.run_mask);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 200000, &out);
	assert_int_equal(out.it.run_mask, 0);
}

/* No RUNNING feedback within fts_s: failed to start, the next pump starts
 * within one cycle. */
static void
test_fail_to_start(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0);

	(void)state;
	fresh(&s, &sn);
	sn.pump[1].run_s = sn.pump[2].run_s = 100;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 16000, &out);
	assert_true(has_event(&out, "pump 1 failed to start"));
	assert_true(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_int_equal(out.it.run_mask & 0x1, 0);
	assert_int_not_equal(out.it.run_mask, 0);
}

/* At or above the high-alarm level every available pump runs. */
static void
test_high_level_all(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(3.9, 0x3);

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x7);
	assert_true(s.lasting.alarms & CORE_AL_HIGH_LEVEL);
}

/* Level choice: 0xFFFF rejected, disagreement takes the higher, neither
 * good hands the station to its PLC (LOCAL), a frozen transducer is
 * rejected while pumps run, an implausible jump is rejected. */
static void
test_level_choice(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(2.0, 0);
	int64_t			t;

	(void)state;
	core_init(&s);
	sn.level_ok[0] = 0;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_float_equal(out.level_m, 2.0, 1e-9);
	assert_true(s.lasting.alarms & CORE_AL_LEVEL_A);
	sn.level_m[0] = 2.5;
	sn.level_ok[0] = 1;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 100000, &out);
	assert_float_equal(out.level_m, 2.5, 1e-9);
	assert_true(s.lasting.alarms & CORE_AL_LEVEL_DISAGREE);
	sn.level_ok[0] = sn.level_ok[1] = 0;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 101000, &out);
	assert_true(s.lasting.alarms & CORE_AL_LEVEL_LOST);
	assert_false(out.it.remote);
	assert_int_equal(out.it.run_mask, 0);
	assert_true(out.it.write);
	/* frozen A while pumps run and B moves */
	core_init(&s);
	for (t = 0; t <= 200; t++) {
		sn = snap_at(2.0 - t * 0.001, 0x1);
		sn.level_m[0] = 2.0;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 1000,
		    &out);
	}
	assert_true(s.lasting.alarms & CORE_AL_LEVEL_A);
	assert_false(s.lasting.alarms & CORE_AL_LEVEL_B);
	/* an implausible jump of B */
	sn.level_m[1] = 4.5;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 201000, &out);
	assert_true(s.lasting.alarms & CORE_AL_LEVEL_B);
}

/* Rain intensity from tips, across a counter wrap and a PLC restart. */
static void
test_rain_and_storm(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.2, 0);
	int64_t			t;

	(void)state;
	fresh(&s, &sn);
	sn.rain_tips = 0xFFFFFFF0u;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	/* 0.1 mm/min = 6 mm/h for 15 minutes, wrapping the counter */
	for (t = 1; t <= 15; t++) {
		sn.rain_tips += 1;
		sn.restarted = 0;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 60000,
		    &out);
	}
	assert_float_equal(out.rain_mmh15, 6.0, 0.5);
	assert_true(s.lasting.storm);
	assert_true(has_event(&out, "storm mode on") || s.lasting.storm);
	/* storm mode lowers the start: 1.35 m starts the duty pump */
	sn = snap_at(1.35, 0);
	sn.rain_tips = s.last_tips;
	sn.restarted = 0;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 16 * 60000, &out);
	assert_int_not_equal(out.it.run_mask, 0);
	/* PLC restart: counter from 0, no huge jump */
	sn.rain_tips = 2;
	sn.restarted = 1;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 17 * 60000, &out);
	assert_true(s.lasting.alarms & CORE_AL_RESTART);
	assert_true(out.rain_mmh60 < 5);
	/* no rain for the hold time: storm mode ends */
	for (t = 18; t < 18 + 62; t++) {
		sn.restarted = 0;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 60000,
		    &out);
	}
	assert_false(s.lasting.storm);
}

/* An operator's rainstorm warning starts storm mode at once. */
static void
test_warning_storm_mode(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.2, 0);
	struct core_input	w = { CORE_WARN_YELLOW, -1, 0 };

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &w, 0, &out);
	assert_true(s.lasting.storm);
}

/* A rainstorm warning is for stormwater stations: a sewage station stays
 * out of storm mode under a red warning (rain intensity alone puts it
 * there, as before). */
static void
test_warning_sewage_no_storm(void **state)
{
	struct cfg_station	sew = cfg;
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.2, 0);
	struct core_input	w = { .warning = CORE_WARN_RED, .limit_pumps = -1 };

	(void)state;
	sew.kind = CFG_SEWAGE;
	fresh(&s, &sn);
	core_step(&s, &sew, &par, &sn, CORE_COMMS_OK, &w, 0, &out);
	assert_false(s.lasting.storm);
	core_step(&s, &sew, &par, &sn, CORE_COMMS_OK, &w, 60000, &out);
	assert_false(s.lasting.storm);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &w, 120000, &out);
	assert_true(s.lasting.storm);
}

/* A discharge limit caps the pumps, until high-high where flood risk wins. */
static void
test_discharge_limit(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(3.9, 0x1);
	struct core_input	lim = { CORE_WARN_NONE, 1, 0 };

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn = snap_at(4.3, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 20000, &out);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 2);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
}

/* Flood risk overrides a limit of 0 from high-high down to the last assist
 * start (not a centimetre below high-high: the pumps would start and stop
 * on it); below, the limit stops them, but only after their minimum run. */
static void
test_limit_override_held(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(4.3, 0);
	struct core_input	lim = { CORE_WARN_NONE, 0, 0 };
	int64_t			t;

	(void)state;
	fresh(&s, &sn);
	for (t = 0; t <= 20000; t += 1000)
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, t, &out);
	assert_true(out.it.run_mask != 0);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	sn = snap_at(4.1, out.it.run_mask);	/* below high-high */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 30000, &out);
	assert_true(out.it.run_mask != 0);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	sn = snap_at(3.5, out.it.run_mask);	/* below the high alarm */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 60000, &out);
	assert_true(out.it.run_mask != 0);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	sn = snap_at(3.1, out.it.run_mask);	/* below the last assist */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 90000, &out);
	assert_true(out.it.run_mask != 0);	/* the minimum run */
	assert_false(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim,
	    (int64_t)par.min_run_s * 1000 + 61000, &out);
	assert_int_equal(out.it.run_mask, 0);
}

/* Sewage: at most 6 starts an hour per pump. */
static void
test_sewage_starts_per_hour(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn;
	int64_t			t = 0;
	int			cycles;

	(void)state;
	cfg.kind = CFG_SEWAGE;
	cfg.npumps = 1;
	core_init(&s);
	for (cycles = 0; cycles < 12; cycles++) {
		sn = snap_at(1.7, 0);
		sn.npumps = 1;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
		t += 130000;
		sn = snap_at(0.9, out.it.run_mask);
		sn.npumps = 1;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
		t += 70000;
	}
	assert_true(s.lasting.pump[0].nstarts <= 6 + 1);
	assert_int_equal(s.lasting.pump[0].nstarts, 6);
	cfg.kind = CFG_STORMWATER;
	cfg.npumps = 3;
}

/* REMOTE off: watch only, never write.  Comms lost: alarm, nothing sent. */
static void
test_remote_off_and_comms(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(3.0, 0x1);

	(void)state;
	fresh(&s, &sn);
	sn.flags &= (uint16_t)~OBS_ST_REMOTE;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_false(out.it.write);
	assert_true(s.lasting.alarms & CORE_AL_REMOTE_OFF);
	core_step(&s, &cfg, &par, NULL, CORE_COMMS_STALE, &in, 1000, &out);
	assert_false(out.it.write);
	assert_true(s.lasting.alarms & CORE_AL_COMMS);
	sn.flags |= OBS_ST_REMOTE;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 2000, &out);
	assert_false(s.lasting.alarms & CORE_AL_COMMS);
	assert_int_equal(out.it.run_mask & 0x1, 0x1);	/* bumpless */
}

/* Outfall above its warning level raises an alarm. */
static void
test_outfall_alarm(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.2, 0);

	(void)state;
	fresh(&s, &sn);
	sn.outfall_m = 4.1;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_true(s.lasting.alarms & CORE_AL_OUTFALL);
}

/* What survives a restart: alarms, storm mode, rain, starts; taken back
 * only from the past and when recent. */
static void
test_persist(void **state)
{
	struct core_state	a, b;
	struct core_persist	rec;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0);
	struct core_input	w = { CORE_WARN_RED, -1, 0 };

	(void)state;
	fresh(&a, &sn);
	core_step(&a, &cfg, &par, &sn, CORE_COMMS_OK, &w, 0, &out);
	assert_true(a.lasting.storm);
	assert_int_equal(a.lasting.pump[0].nstarts + a.lasting.pump[1].nstarts +
	    a.lasting.pump[2].nstarts, 1);
	sn.outfall_m = 4.5;
	core_step(&a, &cfg, &par, &sn, CORE_COMMS_OK, &w, 1000, &out);
	assert_true(a.lasting.alarms & CORE_AL_OUTFALL);
	core_export(&a, "t", 1000, &rec);
	assert_string_equal(rec.id, "t");
	core_init(&b);
	assert_int_equal(core_import(&b, &rec, 500, 3600000), -1);	/* future */
	assert_int_equal(core_import(&b, &rec, 1000 + 3600001, 3600000), -1);
	assert_int_equal(core_import(&b, &rec, 61000, 3600000), 0);
	assert_true(b.lasting.storm);
	assert_true(b.lasting.alarms & CORE_AL_OUTFALL);
	assert_int_equal(b.lasting.pump[0].nstarts + b.lasting.pump[1].nstarts +
	    b.lasting.pump[2].nstarts, 1);
	/* the restored alarm is not raised twice; storm mode holds without
	 * the warning while the hold time runs */
	core_step(&b, &cfg, &par, &sn, CORE_COMMS_OK, &in, 62000, &out);
	assert_false(has_event(&out, "outfall above warning level"));
	assert_true(b.lasting.storm);
}

/* Item 1: the fallback set-points are the levels in force, the same ones
 * the sequencing uses: storm-lowered at a stormwater station (stop too),
 * the stop level kept at a sewage one, fb_all the last start; lowered
 * levels that would cross are kept apart. */
static void
test_fallback_setpoints_in_force(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.35, 0);
	struct core_input	w = { CORE_WARN_YELLOW, -1, 0 };

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_float_equal(out.it.fb_start_m, 1.6, 5e-4);
	assert_float_equal(out.it.fb_stop_m, 1, 5e-4);
	assert_float_equal(out.it.fb_all_m, 3.2, 5e-4);
	assert_int_equal(out.it.run_mask, 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &w, 1000, &out);
	assert_true(s.lasting.storm);
	assert_float_equal(out.it.fb_start_m, 1.3, 5e-4);	/* 1.6 - 0.3 */
	assert_float_equal(out.it.fb_stop_m, 0.7, 5e-4);	/* 1.0 - 0.3 */
	assert_float_equal(out.it.fb_all_m, 2.9, 5e-4);	/* 3.2 - 0.3 */
	assert_int_not_equal(out.it.run_mask, 0);	/* 1.35 >= 1.3 */
	core_handover(&s, &cfg, &par, &out);
	assert_false(out.it.remote);
	assert_true(out.it.watchdog_s >= 600);	/* the longest: the codec clamps */
	assert_float_equal(out.it.fb_start_m, 1.3, 5e-4);
	assert_float_equal(out.it.fb_stop_m, 0.7, 5e-4);
	/* sewage keeps its stop level; a duty start lowered below it is
	 * kept above it, and the sequencing uses the same level */
	cfg.kind = CFG_SEWAGE;
	cfg.duty_start_m = 1.2;
	fresh(&s, &sn);
	s.lasting.storm = 1;	/* by rain: a warning is for stormwater only */
	s.lasting.last_rain_ms = 0;
	sn = snap_at(1.005, 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &w, 0, &out);
	assert_float_equal(out.it.fb_stop_m, 1, 5e-4);
	assert_float_equal(out.it.fb_start_m, 1.01, 5e-4);
	assert_int_equal(out.it.run_mask, 0);
	sn = snap_at(1.01, 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &w, 1000, &out);
	assert_int_not_equal(out.it.run_mask, 0);
	cfg.kind = CFG_STORMWATER;
	cfg.duty_start_m = 1.6;
	/* a one-pump station runs every pump at its duty start */
	cfg.npumps = 1;
	sn.npumps = 1;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_float_equal(out.it.fb_all_m, 1.6, 5e-4);
	cfg.npumps = 3;
}

/* An observation in which the PLC acknowledged out's intent and holds
 * what it wrote. */
static void
ack(struct obs *sn, const struct core_out *out)
{
	sn->acked = sn->echo_ok = 1;
	sn->acked_seq = sn->echo_seq = out->it.seq;
	sn->acked_remote = out->it.remote;
	sn->foreign = 0;
	sn->restarted = 0;
}

/* Item 3: registers read back that are not what the PLC acknowledged from
 * us, on two polls in a row and without a PLC restart: "another master",
 * latched; pumpd writes nothing (nor at its stop) until it is cleared. */
static void
test_second_master(void **state)
{
	struct core_state	s;
	struct core_persist	rec;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0x1);

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	ack(&sn, &out);
	sn.foreign = 1;	/* one poll: may be a write in flight */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 1000, &out);
	assert_true(out.it.write);
	ack(&sn, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 2000, &out);
	ack(&sn, &out);
	sn.foreign = 1;	/* a PLC restart resets the registers: not counted */
	sn.restarted = 1;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 3000, &out);
	ack(&sn, &out);
	sn.foreign = 1;
	sn.restarted = 0;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 4000, &out);
	assert_false(s.lasting.alarms & CORE_AL_SECOND_MASTER);
	assert_true(out.it.write);
	sn.foreign = 1;	/* two polls in a row */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 5000, &out);
	assert_true(s.lasting.alarms & CORE_AL_SECOND_MASTER);
	assert_true(has_event(&out, "another master writes this PLC"));
	assert_false(out.it.write);
	core_handover(&s, &cfg, &par, &out);
	assert_false(out.it.write);
	/* latched: the registers agree again, still nothing written */
	sn.foreign = 0;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 6000, &out);
	assert_true(s.lasting.alarms & CORE_AL_SECOND_MASTER);
	assert_false(out.it.write);
	core_export(&s, "t", 6000, &rec);	/* a restart clears it */
	assert_false(rec.lasting.alarms & CORE_AL_SECOND_MASTER);
	assert_int_equal(core_clear(&s, CORE_AL_HIGH_LEVEL), -1);
	assert_int_equal(core_clear(&s, CORE_AL_SECOND_MASTER), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 7000, &out);
	assert_false(s.lasting.alarms & CORE_AL_SECOND_MASTER);
	assert_true(out.it.write);
	/* without acknowledgement information nothing is judged */
	fresh(&s, &sn);
	sn.acked = 0;
	sn.foreign = 1;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 1000, &out);
	assert_false(s.lasting.alarms & CORE_AL_SECOND_MASTER);
}

/* Item 6: the dry-run float, the door and the PLC running its own control
 * while we command REMOTE are alarms; a pump commanded but not running
 * under the dry-run float has not failed to start. */
static void
test_status_bit_alarms(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0);

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn.flags |= OBS_ST_LOW_LOW | OBS_ST_DOOR_OPEN;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 1000, &out);
	assert_true(s.lasting.alarms & CORE_AL_LOW_LOW);
	assert_true(s.lasting.alarms & CORE_AL_DOOR_OPEN);
	assert_true(has_event(&out, "station door open: intrusion"));
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 30000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_false(has_event(&out, "failed to start"));
	sn.flags &= ~(OBS_ST_LOW_LOW | OBS_ST_DOOR_OPEN);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 31000, &out);
	assert_false(s.lasting.alarms & (CORE_AL_LOW_LOW | CORE_AL_DOOR_OPEN));
	/* LOCAL_CONTROL: not judged before the PLC acknowledged REMOTE */
	sn.flags |= OBS_ST_OWN_CONTROL;
	sn.pump[0].flags |= OBS_PU_RUNNING;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 32000, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 33000, &out);
	assert_false(s.lasting.alarms & CORE_AL_LOCAL_CONTROL);
	ack(&sn, &out);	/* acknowledged: one poll may precede the scan */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 34000, &out);
	assert_false(s.lasting.alarms & CORE_AL_LOCAL_CONTROL);
	ack(&sn, &out);
	sn.flags |= OBS_ST_WATCHDOG;	/* its watchdog expired: that alarm */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 35000, &out);
	assert_false(s.lasting.alarms & CORE_AL_LOCAL_CONTROL);
	ack(&sn, &out);
	sn.flags &= ~OBS_ST_WATCHDOG;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 36000, &out);
	ack(&sn, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 37000, &out);
	assert_true(s.lasting.alarms & CORE_AL_LOCAL_CONTROL);
	assert_true(has_event(&out, "PLC runs its own control although "
	    "pumpd commands REMOTE"));
}

/* Item 7: failed-to-start is judged on reads taken after the PLC had the
 * block that started the pump (acknowledged, or echoed), on two of them at
 * least and fail_to_start_s after the first; late reads are no failure. */
static void
test_fail_to_start_after_ack(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0);
	uint16_t		h;

	(void)state;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, -5000, &out);
	ack(&sn, &out);
	sn.pump[1].run_s = sn.pump[2].run_s = 100;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	h = out.it.seq;
	/* reads that lag the write: 30 s and still not acknowledged */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 16000, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 30000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_int_equal(out.it.run_mask, 0x1);
	ack(&sn, &out);	/* the PLC has it now */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 31000, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 45000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	sn.pump[0].flags |= OBS_PU_RUNNING;	/* late feedback: counted */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 46000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_int_equal(out.running, 1);
	/* the same from the heartbeat echo alone (no acknowledgement) */
	sn = snap_at(1.8, 0);
	sn.pump[1].run_s = sn.pump[2].run_s = 100;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	h = out.it.seq;
	sn.echo_ok = 1;
	sn.echo_seq = (uint16_t)(h - 1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 20000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	sn.echo_seq = h;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 21000, &out);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 35000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 36000, &out);
	assert_true(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_true(has_event(&out, "pump 1 failed to start"));
}

/* Item 7: a failed pump is tried again after fail_retry_s, and at once at
 * the high-alarm level; once it runs it is no longer failed. */
static void
test_fail_retry(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(1.8, 0);

	(void)state;
	cfg.npumps = 1;
	sn.npumps = 1;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 16000, &out);
	assert_true(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_int_equal(out.it.run_mask, 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 16000 + 299000,
	    &out);
	assert_int_equal(out.it.run_mask, 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 16000 + 300000,
	    &out);
	assert_int_equal(out.it.run_mask, 0x1);	/* retried */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 332000, &out);
	assert_true(has_event(&out, "pump 1 failed to start again"));
	assert_int_equal(out.it.run_mask, 0);
	sn = snap_at(3.9, 0);	/* high level: at once */
	sn.npumps = 1;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 400000, &out);
	assert_int_equal(out.it.run_mask, 0x1);
	sn.pump[0].flags |= OBS_PU_RUNNING;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 401000, &out);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	assert_int_equal(out.it.run_mask, 0x1);
	cfg.npumps = 3;
}

/* Item 7: at or above the high-alarm level with fewer pumps running than
 * the PLC's own control would run, for fail_to_start_s plus a stagger per
 * further pump, the station goes to its PLC's fallback control with an
 * alarm; pumpd takes it back, bumpless, below the duty start in force. */
static void
test_pumps_short_handover(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn = snap_at(3.9, 0);
	int64_t			t;

	(void)state;
	fresh(&s, &sn);	/* adopted at -10 s with nothing running */
	for (t = 0; t <= 25000; t += 1000) {	/* and nothing ever runs */
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
		assert_true(out.it.remote);
	}
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 26000, &out);
	assert_true(s.lasting.alarms & CORE_AL_PUMPS_SHORT);
	assert_true(has_event(&out, "pumps short at high level"));
	assert_false(out.it.remote);
	assert_true(out.it.write);
	sn = snap_at(2.0, 0x7);	/* the PLC runs them all; above duty start */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 100000, &out);
	assert_false(out.it.remote);
	sn = snap_at(1.55, 0x7);	/* below it: taken back as it runs */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 110000, &out);
	assert_false(s.lasting.alarms & CORE_AL_PUMPS_SHORT);
	assert_true(out.it.remote);
	assert_int_equal(out.it.run_mask, 0x7);
	/* every pump the PLC would run runs: no hand-over */
	sn = snap_at(3.9, 0x3);
	sn.pump[2].flags = OBS_PU_FAULT;
	fresh(&s, &sn);
	for (t = 0; t <= 200000; t += 1000)
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
	assert_false(s.lasting.alarms & CORE_AL_PUMPS_SHORT);
	assert_true(out.it.remote);
}

/* Item 8: a level held at the flood level, or confirmed by the high-high
 * float, is not frozen; nor is a steady level with pumps running (they may
 * balance the inflow) when the other transducer agrees. */
static void
test_frozen_needs_evidence(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs	sn;
	int64_t			t;

	(void)state;
	sn = snap_at(4.8, 0x7);	/* flooding: the water leaves the well */
	sn.flags |= OBS_ST_HIGH_HIGH;
	sn.rain_tips = 0;
	core_init(&s);
	for (t = 0; t <= 400; t++) {
		sn.rain_tips += 5;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 1000,
		    &out);
	}
	assert_false(s.lasting.alarms & (CORE_AL_LEVEL_A | CORE_AL_LEVEL_B | CORE_AL_LEVEL_LOST));
	assert_float_equal(out.level_m, 4.8, 1e-9);
	assert_true(out.it.remote);
	assert_int_equal(out.it.run_mask, 0x7);
	/* A stands above high-high with the float on while B sinks: A is
	 * confirmed by the float, not frozen */
	core_init(&s);
	for (t = 0; t <= 400; t++) {
		sn = snap_at(4.5 - t * 0.0005, 0x7);
		sn.flags |= OBS_ST_HIGH_HIGH;
		sn.level_m[0] = 4.5;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 1000,
		    &out);
	}
	assert_false(s.lasting.alarms & CORE_AL_LEVEL_A);
	/* pumps balancing a steady inflow, both transducers steady */
	core_init(&s);
	sn = snap_at(2.0, 0x1);
	for (t = 0; t <= 400; t++)
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 1000,
		    &out);
	assert_false(s.lasting.alarms & (CORE_AL_LEVEL_A | CORE_AL_LEVEL_B | CORE_AL_LEVEL_LOST));
	assert_int_equal(out.it.run_mask, 0x1);
	/* the rate rule and the depth cap take a well rising fast into its
	 * flood level: 0.04 m/s for 60 s up to 4.8 m */
	core_init(&s);
	for (t = 0; t <= 60; t++) {
		sn = snap_at(2.4 + t * 0.04, 0x7);
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 1000,
		    &out);
	}
	assert_false(s.lasting.alarms & (CORE_AL_LEVEL_A | CORE_AL_LEVEL_B | CORE_AL_LEVEL_LOST));
	assert_float_equal(out.level_m, 4.8, 1e-9);
}

/* An observation of the L1 test station: one transducer at level m, the
 * PLC in AUTO with REMOTE on, the given pumps running. */
static struct obs
l1_at(double m, unsigned running)
{
	struct obs	o;
	int		k;

	memset(&o, 0, sizeof o);
	o.control = OBS_SUPERVISORY;
	o.flags = OBS_ST_REMOTE | OBS_ST_MAINS_OK | OBS_ST_AUTO |
	    OBS_ST_OWN_CONTROL;
	o.nlevels = 1;
	o.level_m[0] = m;
	o.level_ok[0] = 1;
	o.npumps = 3;
	for (k = 0; k < 3; k++) {
		o.pump[k].flags = OBS_PU_AVAILABLE |
		    ((running >> k) & 1 ? OBS_PU_RUNNING : 0);
		o.pump[k].speed_pct = -1;
	}
	return o;
}

/* The observation after the PLC acknowledged out's intent. */
static void
l1_ack(struct obs *o, const struct core_out *out)
{
	o->acked = 1;
	o->acked_seq = out->it.seq;
	o->acked_remote = out->it.remote;
	o->restarted = 0;
}

/* The L1 set-points written when they change, not every poll. */
static void
test_l1_setpoints(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct obs		o = l1_at(1.2, 0);

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 0, &out);
	assert_true(out.it.write);
	assert_int_equal(out.it.control, OBS_SUPERVISORY);
	assert_true(out.it.remote);
	assert_float_equal(out.it.start_m, 1.6, 1e-9);
	assert_float_equal(out.it.stop_m, 1.0, 1e-9);
	assert_float_equal(out.it.assist_step_m, 0.8, 1e-9);
	assert_float_equal(out.it.all_on_m, 3.2, 1e-9);
	assert_int_equal(out.it.inhibit_mask, 0);
	assert_int_equal(out.it.run_mask, 0);	/* no pump command at L1 */
	assert_false(s.lasting.alarms & CORE_AL_LOCAL_CONTROL);
	assert_false(s.lasting.alarms & CORE_AL_LEVEL_B);
	l1_ack(&o, &out);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 1000, &out);
	assert_false(out.it.write);		/* acknowledged, unchanged */
	/* high level, no pump running: rotation and failover are the
	 * PLC's; pumpd neither commands pumps nor takes the station over */
	o.level_m[0] = 3.9;
	o.pump[0].flags |= OBS_PU_FAULT;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 200000, &out);
	assert_false(out.it.write);
	assert_true(s.lasting.alarms & CORE_AL_HIGH_LEVEL);
	assert_false(s.lasting.alarms & CORE_AL_PUMPS_SHORT);
	assert_false(s.lasting.alarms & CORE_AL_FAIL_TO_START);
	/* a PLC restart clears its remote set-points: written again */
	o.restarted = 1;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 201000, &out);
	assert_true(out.it.write);
	assert_true(out.it.remote);
	/* a new connection (nothing acknowledged on it): written again */
	l1_ack(&o, &out);
	o.acked = 0;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 202000, &out);
	assert_true(out.it.write);
}

/* Storm drawdown at L1: the PLC's set-points are lowered. */
static void
test_l1_storm_drawdown(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct core_input	storm = { CORE_WARN_RED, -1, 0 };
	struct obs		o = l1_at(1.2, 0);

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 0, &out);
	l1_ack(&o, &out);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &storm, 1000, &out);
	assert_true(s.lasting.storm);
	assert_true(out.it.write);
	assert_float_equal(out.it.start_m, 1.3, 1e-9);
	assert_float_equal(out.it.stop_m, 0.7, 1e-9);
	assert_float_equal(out.it.all_on_m, 2.9, 1e-9);
	assert_float_equal(out.it.assist_step_m, 0.8, 1e-9);
}

/* Feed-forward at L1 (storm mode, 2.9 m3/s of inflow estimated for sure,
 * pumps of 1.5 m3/s, the level at 2.0 m): the assist step is lowered so
 * that the PLC's own sequence runs the pumps the inflow asks for at the
 * level now, start and stop unchanged; feed-forward off, the storm's
 * set-points alone. */
static void
test_l1_feedforward(void **state)
{
	struct cfg_station	l1;
	struct cfg_control	p = par;
	struct core_state	s;
	struct core_out		out;
	struct core_input	storm = { CORE_WARN_RED, -1, 0 };
	struct obs		o = l1_at(2.0, 1);
	int			ff;

	(void)state;
	fixture_station_l1(&l1);
	for (ff = 0; ff <= 1; ff++) {
		p.feedforward = ff;
		core_init(&s);
		core_step(&s, &l1, &p, &o, CORE_COMMS_OK, &storm, 0, &out);
		s.est.has = 1;
		s.est.inflow_m3s = 2.9;
		s.est.trend_m3s2 = 0;
		s.est.conf = 1;
		s.est.update_ms = 1000;
		core_step(&s, &l1, &p, &o, CORE_COMMS_OK, &storm, 1000, &out);
		assert_true(out.it.write);
		assert_float_equal(out.it.start_m, 1.3, 1e-9);
		assert_float_equal(out.it.stop_m, 0.7, 1e-9);
		if (!ff) {
			assert_float_equal(out.it.assist_step_m, 0.8, 1e-9);
			continue;
		}
		assert_true(s.ff_pumps >= 2);
		assert_true(out.it.assist_step_m < 0.8 - 1e-9);
		assert_true(out.it.start_m + out.it.assist_step_m *
		    (s.ff_pumps - 1) <= 2.0 + 1e-9);
		assert_float_equal(out.it.all_on_m, 1.3 +
		    2 * out.it.assist_step_m, 1e-9);
	}
}

/* A discharge limit at L1: inhibits beyond it, the pump that ran longest
 * first; none at high-high, with an alarm. */
static void
test_l1_discharge_limit(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct core_input	lim = { CORE_WARN_NONE, 1, 0 };
	struct obs		o = l1_at(2.6, 0x5);

	(void)state;
	fixture_station_l1(&l1);
	o.pump[0].run_s = 500;
	o.pump[1].run_s = 10;
	o.pump[2].run_s = 100;
	core_init(&s);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 0, &out);
	assert_true(out.it.write);
	assert_true(out.it.remote);
	/* pump 3 runs and ran least: it stays; 1 (ran longest) and 2 go */
	assert_int_equal(out.it.inhibit_mask, 0x3);
	assert_false(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	/* nothing running: the least-run available pump is kept */
	o = l1_at(2.6, 0);
	o.pump[0].run_s = 500;
	o.pump[1].run_s = 10;
	o.pump[2].run_s = 100;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 1000, &out);
	assert_int_equal(out.it.inhibit_mask, 0x5);
	/* high-high: flood risk beats the limit */
	o.level_m[0] = 4.3;	/* risen in a plausible time */
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 200000, &out);
	assert_true(out.it.write);
	assert_int_equal(out.it.inhibit_mask, 0);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	/* the float alone says high-high too */
	o.level_m[0] = 2.6;
	o.flags |= OBS_ST_HIGH_HIGH;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 400000, &out);
	assert_int_equal(out.it.inhibit_mask, 0);
	o.flags &= ~OBS_ST_HIGH_HIGH;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 401000, &out);
	assert_int_equal(out.it.inhibit_mask, 0x5);
	assert_false(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	/* a centimetre below high-high the override holds (no inhibit
	 * toggled on it), down to the last assist start */
	o.level_m[0] = 4.3;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 600000, &out);
	assert_int_equal(out.it.inhibit_mask, 0);
	o.level_m[0] = 4.0;	/* below high-high 4.2, above 3.2 */
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 610000, &out);
	assert_int_equal(out.it.inhibit_mask, 0);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
}

/* No valid level at L1: the panel set-points, inhibits cleared; comms
 * lost or REMOTE off: nothing written, the PLC keeps controlling. */
static void
test_l1_handback(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct core_input	lim = { CORE_WARN_NONE, 1, 0 };
	struct obs		o = l1_at(2.6, 0x1);

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 0, &out);
	assert_int_equal(out.it.inhibit_mask, 0x6);
	l1_ack(&o, &out);
	o.level_ok[0] = 0;	/* wire break */
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 1000, &out);
	assert_true(s.lasting.alarms & CORE_AL_LEVEL_LOST);
	assert_true(out.it.write);
	assert_false(out.it.remote);
	assert_int_equal(out.it.inhibit_mask, 0);
	l1_ack(&o, &out);
	o.level_ok[0] = 1;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 2000, &out);
	assert_true(out.it.write);
	assert_true(out.it.remote);
	core_step(&s, &l1, &par, NULL, CORE_COMMS_DOWN, &lim, 3000, &out);
	assert_false(out.it.write);
	o = l1_at(2.6, 0x1);
	o.flags &= ~OBS_ST_REMOTE;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 4000, &out);
	assert_false(out.it.write);
	assert_true(s.lasting.alarms & CORE_AL_REMOTE_OFF);
	assert_false(s.lasting.alarms & CORE_AL_LOCAL_CONTROL);
}

/* The hand-over at a stop of pumpd at L1: REMOTE_SETPOINTS off, every
 * inhibit cleared but lock-outs meant to outlive pumpd. */
static void
test_l1_handover(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct core_input	lim = { CORE_WARN_NONE, 1, 0 };
	struct obs		o = l1_at(2.6, 0x1);

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	core_handover(&s, &l1, &par, &out);
	assert_false(out.it.write);	/* never controlled */
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 0, &out);
	assert_int_equal(out.it.inhibit_mask, 0x6);
	core_handover(&s, &l1, &par, &out);
	assert_true(out.it.write);
	assert_int_equal(out.it.control, OBS_SUPERVISORY);
	assert_false(out.it.remote);
	assert_int_equal(out.it.inhibit_mask, 0);
	s.lasting.lockout_mask = 0x4;
	core_handover(&s, &l1, &par, &out);
	assert_int_equal(out.it.inhibit_mask, 0x4);
	o.flags &= ~OBS_ST_REMOTE;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 1000, &out);
	core_handover(&s, &l1, &par, &out);
	assert_false(out.it.write);
}

/* A per-pump manual run: refused at L1 with the reason, allowed at v1. */
static void
test_manual_run_allowed(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct obs		o = l1_at(1.2, 0);
	struct obs		sn = snap_at(1.2, 0);
	const char		*why;

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	assert_int_equal(core_manual_run_allowed(&s, &l1, 1, &why), 0);
	assert_non_null(strstr(why, "no observation"));
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(core_manual_run_allowed(&s, &l1, 1, &why), 0);
	assert_non_null(strstr(why, "L1"));
	fresh(&s, &sn);
	assert_int_equal(core_manual_run_allowed(&s, &cfg, 1, &why), 1);
	assert_int_equal(core_manual_run_allowed(&s, &cfg, 4, &why), 0);
	assert_non_null(strstr(why, "no such pump"));
}

/* Events are structured: alarm bit and pump number, not only text. */
static void
test_events_structured(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.8, 0);
	int			i, start = 0, alarm_on = 0;

	(void)state;
	sn.pump[1].run_s = sn.pump[2].run_s = 100;
	sn.flags &= ~OBS_ST_MAINS_OK;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	for (i = 0; i < out.nevents; i++) {
		if (out.ev[i].kind == CORE_EV_INFO && out.ev[i].pump == 1 &&
		    strcmp(out.ev[i].text, "start pump 1") == 0)
			start = 1;
		if (out.ev[i].kind == CORE_EV_ALARM_ON)
			assert_int_equal(out.ev[i].pump, 0);
	}
	core_init(&s);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	for (i = 0; i < out.nevents; i++)
		if (out.ev[i].kind == CORE_EV_ALARM_ON &&
		    out.ev[i].alarm == CORE_AL_MAINS)
			alarm_on = 1;
	assert_true(start);
	assert_true(alarm_on);
}

/* A transducer stuck high stays rejected while the other swings back
 * towards where it was when the first one stuck: taking the stuck value
 * back each time would start and stop pumps on every swing. */
static void
test_frozen_stays_rejected(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn;
	int64_t			t;
	int			rejected = 0, flips = 0, was = 0;

	(void)state;
	core_init(&s);
	for (t = 0; t <= 1200; t++) {
		/* B swings 1.4..2.0 m with a 200 s period; A stuck at 2.0 */
		sn = snap_at(1.7 + 0.3 * sin(t * 2 * M_PI / 200), 0);
		sn.level_m[0] = 2.0;
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t * 1000,
		    &out);
		if (((s.lasting.alarms & CORE_AL_LEVEL_A) != 0) != was) {
			was = !was;
			flips++;
		}
		rejected |= was;
	}
	assert_true(rejected);
	assert_int_equal(flips, 1);	/* rejected once, for good */
}

/* The event in out about pump (0: the station) whose text contains text,
 * or NULL. */
static const struct core_event *
pump_event(const struct core_out *out, int pump, const char *text)
{
	int	i;

	for (i = 0; i < out->nevents; i++)
		if (out->ev[i].pump == pump &&
		    strstr(out->ev[i].text, text) != NULL)
			return &out->ev[i];
	return NULL;
}

/* A manual run is refused, with the reason, for a pump in FAULT, not
 * AVAILABLE, locked out, unknown, before any observation and at an L1
 * station; a manual stop is always allowed; past expiries are refused;
 * each change is a structured event of the next cycle. */
static void
test_override_run_refused(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.2, 0);
	struct obs		o = l1_at(1.2, 0);
	const struct core_event	*ev;
	const char		*why;

	(void)state;
	core_init(&s);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_RUN,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "no observation"));
	sn.pump[0].flags = OBS_PU_AVAILABLE | OBS_PU_FAULT;
	sn.pump[1].flags = 0;
	fresh(&s, &sn);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_RUN,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "FAULT"));
	assert_int_equal(core_override_pump(&s, &cfg, &par, 2, CORE_MAN_RUN,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "not AVAILABLE"));
	assert_int_equal(core_lockout(&s, &cfg, 3, "", 0, &why), -1);
	assert_non_null(strstr(why, "reason"));
	assert_int_equal(core_lockout(&s, &cfg, 3, "bearing", 0, &why), 0);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 3, CORE_MAN_RUN,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "locked out"));
	assert_int_equal(core_override_pump(&s, &cfg, &par, 4, CORE_MAN_RUN,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "no such pump"));
	assert_int_equal(core_override_pump(&s, &cfg, &par, 2, CORE_MAN_STOP,
	    -5, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "not in the future"));
	assert_int_equal(core_override_pump(&s, &cfg, &par, 2, CORE_MAN_AUTO,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "automatic control already"));
	/* a stop is always allowed: in FAULT, not AVAILABLE, locked out */
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_STOP,
	    0, "check", 0, &why), 0);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 2, CORE_MAN_STOP,
	    0, NULL, 0, &why), 0);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 3, CORE_MAN_STOP,
	    0, NULL, 0, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 1000, &out);
	assert_non_null(pump_event(&out, 1, "manual stop for 3600 s: check"));
	ev = pump_event(&out, 3, "locked out: bearing");
	assert_true(ev != NULL && ev->kind == CORE_EV_INFO && ev->alarm == 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 2000, &out);
	assert_null(pump_event(&out, 1, "manual stop"));	/* once */
	/* L1: no per-pump command; a stop is an inhibit */
	fixture_station_l1(&l1);
	core_init(&s);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(core_override_pump(&s, &l1, &par, 1, CORE_MAN_RUN,
	    0, NULL, 0, &why), -1);
	assert_non_null(strstr(why, "L1"));
	assert_int_equal(core_override_pump(&s, &l1, &par, 1, CORE_MAN_STOP,
	    0, NULL, 0, &why), 0);
}

/* A manual run is a start like any other: at the next moment the stagger
 * allows; the level does not stop it. */
static void
test_override_run_stagger(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.7, 0);
	const char		*why;

	(void)state;
	sn.pump[1].run_s = sn.pump[2].run_s = 100;
	fresh(&s, &sn);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x1);	/* the level's */
	sn.pump[0].flags |= OBS_PU_RUNNING;
	assert_int_equal(core_override_pump(&s, &cfg, &par, 3, CORE_MAN_RUN,
	    0, "test", 1000, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 2000, &out);
	assert_int_equal(out.it.run_mask, 0x1);	/* stagger */
	assert_non_null(pump_event(&out, 3, "manual run"));
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 10000, &out);
	assert_int_equal(out.it.run_mask, 0x5);
	assert_non_null(pump_event(&out, 3, "start pump 3"));
	sn.pump[2].flags |= OBS_PU_RUNNING;
	sn.level_m[0] = sn.level_m[1] = 0.9;	/* below the stop level */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 200000, &out);
	assert_int_equal(out.it.run_mask, 0x4);	/* the manual one runs */
}

/* A manual stop holds the pump off while the level asks for it, above
 * the high alarm too (no hand-over to the PLC for it), but not at
 * high-high: there flood risk runs it, with an alarm. */
static void
test_override_stop_held(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(3.5, 0x7);
	const char		*why;
	int64_t			t;

	(void)state;
	fresh(&s, &sn);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_STOP,
	    0, "inspect", 0, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x6);
	assert_non_null(pump_event(&out, 1, "stop pump 1: manual stop"));
	sn.pump[0].flags &= ~OBS_PU_RUNNING;
	for (t = 20000; t <= 200000; t += 10000) {
		sn.level_m[0] = sn.level_m[1] = 4.0;	/* above high alarm */
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
		assert_int_equal(out.it.run_mask, 0x6);
		assert_true(out.it.remote);
	}
	assert_false(s.lasting.alarms & CORE_AL_MANUAL_OVERRIDDEN);
	sn.level_m[0] = sn.level_m[1] = 4.3;	/* high-high */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 210000, &out);
	assert_int_equal(out.it.run_mask, 0x7);
	assert_true(s.lasting.alarms & CORE_AL_MANUAL_OVERRIDDEN);
	assert_true(has_event(&out, "manual stop overridden at high-high"));
	sn.pump[0].flags |= OBS_PU_RUNNING;
	sn.level_m[0] = sn.level_m[1] = 3.5;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 400000, &out);
	assert_int_equal(out.it.run_mask, 0x6);	/* held off again */
	assert_false(s.lasting.alarms & CORE_AL_MANUAL_OVERRIDDEN);
}

/* Expiry returns a pump, and a station handed to its PLC, to automatic
 * control by itself, with an event; the default expiry is the
 * configured one. */
static void
test_override_expiry(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.2, 0);
	const char		*why;

	(void)state;
	fresh(&s, &sn);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 2, CORE_MAN_RUN,
	    30000, NULL, 0, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x2);
	sn.pump[1].flags |= OBS_PU_RUNNING;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 29999, &out);
	assert_null(pump_event(&out, 2, "expired"));
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 30000, &out);
	assert_non_null(pump_event(&out, 2,
	    "manual run expired: automatic control"));
	assert_int_equal(s.lasting.pump[1].man, CORE_MAN_AUTO);
	sn.level_m[0] = sn.level_m[1] = 0.9;
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 200000, &out);
	assert_int_equal(out.it.run_mask, 0);	/* the level's again */
	sn.pump[1].flags &= ~OBS_PU_RUNNING;
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_STOP,
	    0, NULL, 300000, &why), 0);
	assert_true(s.lasting.pump[0].man_until_ms == 300000 + 3600000);
	/* the station, handed to its PLC: mode LOCAL until it expires */
	assert_int_equal(core_override_station(&s, &par, 1, 360000, 300000,
	    &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 301000, &out);
	assert_true(out.it.write);
	assert_false(out.it.remote);
	assert_non_null(pump_event(&out, 0, "handed to its PLC"));
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 360000, &out);
	assert_true(out.it.remote);
	assert_non_null(pump_event(&out, 0, "expired: automatic control"));
	assert_int_equal(core_override_station(&s, &par, 0, 0, 361000, &why),
	    -1);
	/* and taken back by an operator before it expires */
	assert_int_equal(core_override_station(&s, &par, 1, CORE_FOREVER,
	    400000, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 401000, &out);
	assert_false(out.it.remote);
	assert_non_null(pump_event(&out, 0, "no expiry"));
	assert_int_equal(core_override_station(&s, &par, 0, 0, 402000, &why),
	    0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 403000, &out);
	assert_true(out.it.remote);
	assert_non_null(pump_event(&out, 0, "taken back"));
}

/* A locked-out v1 pump is never commanded (a running one is stopped at
 * once), is not counted available (no hand-over to the PLC for it above
 * the high alarm), and cannot be run by hand; unlocked, it runs again. */
static void
test_lockout_v1(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(3.5, 0x1);
	const char		*why;
	int64_t			t;

	(void)state;
	sn.pump[1].run_s = sn.pump[2].run_s = 100;	/* pump 1 least run */
	fresh(&s, &sn);
	assert_int_equal(core_lockout(&s, &cfg, 1, "bearing", 0, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x2);
	assert_non_null(pump_event(&out, 1, "stop pump 1: locked out"));
	sn = snap_at(4.0, 0x2);
	sn.pump[1].run_s = sn.pump[2].run_s = 100;
	for (t = 10000; t <= 300000; t += 10000) {
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
		assert_false(out.it.run_mask & 0x1);
		assert_true(out.it.remote);
		sn.pump[2].flags |= out.it.run_mask & 0x4 ? OBS_PU_RUNNING : 0;
	}
	assert_int_equal(out.it.run_mask, 0x6);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_RUN,
	    0, NULL, t, &why), -1);
	assert_non_null(strstr(why, "locked out"));
	assert_int_equal(core_unlock(&s, &cfg, 1, &why), 0);
	assert_int_equal(core_unlock(&s, &cfg, 1, &why), -1);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, t, &out);
	assert_int_equal(out.it.run_mask, 0x7);
	assert_non_null(pump_event(&out, 1, "unlocked"));
}

/* At L1 a lock-out is the pump's inhibit, kept at high-high and by the
 * hand-over at a stop of pumpd; a manual stop is an inhibit too, but not
 * at high-high (an alarm says so) nor after the hand-over. */
static void
test_lockout_l1(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct obs		o = l1_at(1.2, 0);
	const char		*why;

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 0, &out);
	l1_ack(&o, &out);
	assert_int_equal(core_lockout(&s, &l1, 2, "motor rewind", 500, &why),
	    0);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 1000, &out);
	assert_true(out.it.write);
	assert_int_equal(out.it.inhibit_mask, 0x2);
	assert_non_null(pump_event(&out, 2, "locked out: motor rewind"));
	l1_ack(&o, &out);
	assert_int_equal(core_override_pump(&s, &l1, &par, 3, CORE_MAN_STOP,
	    0, NULL, 1500, &why), 0);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 2000, &out);
	assert_int_equal(out.it.inhibit_mask, 0x6);
	l1_ack(&o, &out);
	o.flags |= OBS_ST_HIGH_HIGH;	/* the float */
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 3000, &out);
	assert_int_equal(out.it.inhibit_mask, 0x2);
	assert_true(s.lasting.alarms & CORE_AL_MANUAL_OVERRIDDEN);
	l1_ack(&o, &out);
	o.flags &= ~OBS_ST_HIGH_HIGH;
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 4000, &out);
	assert_int_equal(out.it.inhibit_mask, 0x6);
	l1_ack(&o, &out);
	/* handed to its PLC by an operator: the panel set-points, the
	 * lock-out still inhibited */
	assert_int_equal(core_override_station(&s, &par, 1, 0, 4500, &why),
	    0);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &in, 5000, &out);
	assert_true(out.it.write);
	assert_false(out.it.remote);
	assert_int_equal(out.it.inhibit_mask, 0x2);
	core_handover(&s, &l1, &par, &out);
	assert_true(out.it.write);
	assert_int_equal(out.it.inhibit_mask, 0x2);
}

/* A discharge limit at L1 leaves its pumps to the ones not locked out: a
 * lock-out does not take a place under the limit. */
static void
test_lockout_l1_limit(void **state)
{
	struct cfg_station	l1;
	struct core_state	s;
	struct core_out		out;
	struct core_input	lim = { CORE_WARN_NONE, 2, 0 };
	struct obs		o = l1_at(2.6, 0);
	const char		*why;

	(void)state;
	fixture_station_l1(&l1);
	core_init(&s);
	o.pump[2].run_s = 100;	/* pumps 1 and 2 least run */
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 0, &out);
	assert_int_equal(out.it.inhibit_mask, 0x4);
	l1_ack(&o, &out);
	assert_int_equal(core_lockout(&s, &l1, 2, "impeller", 500, &why), 0);
	core_step(&s, &l1, &par, &o, CORE_COMMS_OK, &lim, 1000, &out);
	assert_int_equal(out.it.inhibit_mask, 0x2);	/* 1 and 3 allowed */
}

/* Overrides and lock-outs survive a restart (export, import) and are
 * listed with their expiry; one already due expires at the first cycle. */
static void
test_override_persist(void **state)
{
	struct core_state	s, t;
	struct core_out		out;
	struct core_persist	p;
	struct core_override	list[8];
	struct obs		sn = snap_at(1.2, 0);
	const char		*why;

	(void)state;
	fresh(&s, &sn);
	assert_int_equal(core_override_pump(&s, &cfg, &par, 1, CORE_MAN_RUN,
	    50000, "draw down", 0, &why), 0);
	assert_int_equal(core_lockout(&s, &cfg, 3, "seal", 0, &why), 0);
	assert_int_equal(core_override_station(&s, &par, 1, CORE_FOREVER, 0,
	    &why), 0);
	core_export(&s, "x", 1000, &p);
	core_init(&t);
	assert_int_equal(core_import(&t, &p, 2000, 600000), 0);
	assert_int_equal(core_overrides(&t, &cfg, list, 8), 3);
	assert_int_equal(list[0].kind, CORE_OVR_LOCAL);
	assert_true(list[0].until_ms == CORE_FOREVER);
	assert_int_equal(list[1].kind, CORE_OVR_RUN);
	assert_int_equal(list[1].pump, 1);
	assert_true(list[1].until_ms == 50000);
	assert_string_equal(list[1].reason, "draw down");
	assert_int_equal(list[2].kind, CORE_OVR_LOCKOUT);
	assert_int_equal(list[2].pump, 3);
	assert_string_equal(list[2].reason, "seal");
	assert_string_equal(core_override_name(list[2].kind), "lockout");
	assert_int_equal(core_overrides(&t, &cfg, list, 1), 3);
	core_step(&t, &cfg, &par, &sn, CORE_COMMS_OK, &in, 60000, &out);
	assert_non_null(pump_event(&out, 1, "manual run expired"));
	assert_false(out.it.remote);	/* still handed to its PLC */
	assert_int_equal(core_overrides(&t, &cfg, list, 8), 2);
	/* a state too old (or from the future) is not taken, but for the
	 * operators' decisions: a lock-out never ends by itself */
	core_init(&t);
	assert_int_equal(core_import(&t, &p, 1000 + 600001, 600000), -1);
	assert_int_equal(t.lasting.lockout_mask, 0x4);
	assert_string_equal(t.lasting.pump[2].lock_why, "seal");
	assert_int_equal(t.lasting.pump[0].man, CORE_MAN_RUN);
	assert_int_equal(t.lasting.local, 1);
	assert_int_equal(t.lasting.pump[0].nstarts, 0);	/* not taken */
	core_init(&t);
	assert_int_equal(core_import(&t, &p, 500, 600000), -1);
	assert_int_equal(t.lasting.lockout_mask, 0x4);
}

/* A manual run keeps to the starts per hour, but where flood risk
 * overrides them (at the high-alarm level). */
static void
test_override_run_starts_per_hour(void **state)
{
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.2, 0);
	const char		*why;
	int			i;

	(void)state;
	fresh(&s, &sn);
	for (i = 0; i < par.starts_per_hour_stormwater; i++)
		s.lasting.pump[2].start_ms[i] = -3000000 + i * 1000;
	s.lasting.pump[2].nstarts = par.starts_per_hour_stormwater;
	assert_int_equal(core_override_pump(&s, &cfg, &par, 3, CORE_MAN_RUN,
	    CORE_FOREVER, NULL, 0, &why), 0);
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0);
	assert_non_null(pump_event(&out, 3, "manual run with no expiry"));
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 50000, &out);
	assert_int_equal(out.it.run_mask, 0);
	sn.level_m[0] = sn.level_m[1] = 3.9;	/* above the high alarm */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &in, 150000, &out);
	assert_true(out.it.run_mask & 0x4);
}

/* Issue 11. */

/* A well under the core: each second, the level from the inflow at t
 * less the pumps the core commands (they run at once, at 1.5 m3/s);
 * returns the highest level, with the level at which the second pump
 * first started in *second_m (-1 if it never did). */
static double
ramp_run(const struct cfg_control *p, double *second_m, int *starts)
{
	struct core_input	red = in;	/* storm mode all along */
	struct core_state	s;
	struct core_out		out;
	struct obs		sn;
	double			lvl = 1.2, q, peak = 0;
	unsigned		run = 0;
	int			t, k, n;

	*second_m = -1;
	*starts = 0;
	sn = snap_at(lvl, 0);
	core_init(&s);
	red.warning = CORE_WARN_RED;
	core_step(&s, &cfg, p, &sn, CORE_COMMS_OK, &red, -10000, &out);
	for (t = 0; t < 2400; t++) {
		q = 0.5 + 3.5 * t / 2400.0;	/* 0.5 to 4 m3/s in 40 min */
		for (n = 0, k = 0; k < 3; k++)
			n += (run >> k) & 1;
		lvl += (q - 1.5 * n) / cfg.area_m2;
		peak = fmax(peak, lvl);
		sn = snap_at(lvl, run);
		core_step(&s, &cfg, p, &sn, CORE_COMMS_OK, &red, t * 1000LL,
		    &out);
		run = out.it.run_mask;
		for (k = 0; k < out.nevents; k++)
			*starts += strncmp(out.ev[k].text, "start pump", 10) == 0;
		if (getenv("RAMP_TRACE") && t % 30 == 0)
			print_message("t %d q %.2f lvl %.2f run %x ff %d lv %d "
			    "est %.2f tr %.5f conf %.2f\n", t, q, lvl, run,
			    s.ff_pumps, s.level_pumps, s.est.inflow_m3s,
			    s.est.trend_m3s2, estim_conf(&s.est, p, t * 1000LL));
		if (__builtin_popcount(run) >= 2 && *second_m < 0)
			*second_m = lvl;
	}
	return peak;
}

/* Under a ramp of inflow (a red warning: storm mode), feed-forward starts
 * the second pump before the level reaches its assist start (2.1 m,
 * storm-lowered), and the well peaks lower than on the level rules
 * alone. */
static void
test_ff_ramp_leads_level(void **state)
{
	struct cfg_control	p = par;
	double			peak_off, peak_on, second_off, second_on;
	int			starts_off, starts_on;

	(void)state;
	peak_off = ramp_run(&p, &second_off, &starts_off);
	p.feedforward = 1;
	peak_on = ramp_run(&p, &second_on, &starts_on);
	print_message("level rules: second pump at %.2f m, peak %.2f m, %d "
	    "starts; feed-forward: %.2f m, peak %.2f m, %d starts\n",
	    second_off, peak_off, starts_off, second_on, peak_on, starts_on);
	assert_true(second_off >= 2.1);	/* 2.4 storm-lowered */
	assert_true(second_on > 0 && second_on < 2.1 - 0.3);
	assert_true(peak_on < peak_off - 0.3);
}

/* Feed-forward never runs fewer pumps than the level rules: at 2.5 m
 * (above the first assist start) with an inflow that asks for one pump,
 * two run. */
static void
test_ff_never_fewer(void **state)
{
	struct cfg_control	p = par;
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(2.5, 0);

	(void)state;
	p.feedforward = 1;
	p.ff_recover_s = 7200;		/* the level's feedback small */
	fresh(&s, &sn);
	s.lasting.storm = 1;
	s.est.has = 1;			/* it believes 1.4 m3/s, for sure */
	s.est.inflow_m3s = 1.4;
	s.est.trend_m3s2 = 0;
	s.est.conf = 1;
	s.est.update_ms = 0;
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(s.ff_pumps, 1);
	assert_int_equal(s.level_pumps, 2);
	sn = snap_at(2.5, out.it.run_mask);
	s.est.update_ms = 10000;
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 10000, &out);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 2);
}

/* Under feed-forward, two pumps run below the duty start (storm mode, a
 * known 2.6 m3/s) and one trips: another takes its work after the
 * stagger, without waiting for the level to reach the duty start, which
 * feed-forward otherwise asks before any start beyond what runs. */
static void
test_ff_trip_replaced(void **state)
{
	struct cfg_control	p = par;
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.1, 0x3);
	int			t;

	(void)state;
	p.feedforward = 1;
	fresh(&s, &sn);
	s.lasting.storm = 1;
	s.est.has = 1;
	s.est.inflow_m3s = 2.6;
	s.est.trend_m3s2 = 0;
	s.est.conf = 1;
	s.est.update_ms = 0;
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0x3);
	for (t = 1; t <= 15; t++) {
		sn = snap_at(1.1, out.it.run_mask & ~0x1u);
		sn.pump[0].flags = OBS_PU_FAULT;
		s.est.update_ms = t * 1000LL;
		core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, t * 1000LL,
		    &out);
	}
	assert_int_equal(out.it.run_mask, 0x6);
}

/* A sewage station keeps its level rules, feed-forward on or not: one
 * pump at 1.8 m however much inflow is estimated. */
static void
test_ff_not_sewage(void **state)
{
	struct cfg_control	p = par;
	struct cfg_station	sew = cfg;
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(1.8, 0);

	(void)state;
	p.feedforward = 1;
	sew.kind = CFG_SEWAGE;
	core_init(&s);
	core_step(&s, &sew, &p, &sn, CORE_COMMS_OK, &in, -10000, &out);
	s.lasting.storm = 1;
	s.est.has = 1;
	s.est.inflow_m3s = 4.0;
	s.est.conf = 1;
	s.est.update_ms = 0;
	core_step(&s, &sew, &p, &sn, CORE_COMMS_OK, &in, 0, &out);
	sn = snap_at(1.8, out.it.run_mask);
	core_step(&s, &sew, &p, &sn, CORE_COMMS_OK, &in, 10000, &out);
	assert_int_equal(s.ff_pumps, 0);
	assert_int_equal(__builtin_popcount(out.it.run_mask), 1);
}

/* Rain upstream draws the well down: stop at 0.8 m (0.3 above the
 * dry-run float), the duty start at 1.1 m, written as the PLC's fallback
 * set-points; released after the hold time once the rain is over. */
static void
test_drawdown_core(void **state)
{
	struct cfg_control	p = par;
	struct core_input	wet = in;
	struct core_state	s;
	struct core_out		out;
	struct core_levels	lv;
	struct obs		sn = snap_at(1.2, 0);

	(void)state;
	p.drawdown = 1;
	p.dd_band_m = 0.3;		/* the duty start lowered too */
	fresh(&s, &sn);
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 0, &out);
	assert_int_equal(out.it.run_mask, 0);	/* 1.2 m: below the duty */
	wet.upstream_mmh5 = 6;
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &wet, 1000, &out);
	assert_true(has_event(&out, "drawdown on (rain upstream)"));
	core_levels(&s, &cfg, &p, &lv);
	assert_float_equal(lv.stop, 0.8, 1e-9);
	assert_float_equal(lv.start[0], 1.1, 1e-9);
	assert_int_equal(out.it.run_mask, 1);	/* 1.2 m: above 1.1 */
	assert_float_equal(out.it.fb_stop_m, 0.8, 1e-9);
	assert_float_equal(out.it.fb_start_m, 1.1, 1e-9);
	sn = snap_at(0.9, 1);			/* drawn down: still runs */
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 200000, &out);
	assert_int_equal(out.it.run_mask, 1);
	sn = snap_at(0.8, 1);			/* at the target: stops */
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 260000, &out);
	assert_int_equal(out.it.run_mask, 0);
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 3600000, &out);
	assert_true(s.dd.active);		/* held for the hold time */
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 3602000, &out);
	assert_true(has_event(&out, "drawdown off"));
	core_levels(&s, &cfg, &p, &lv);
	assert_float_equal(lv.stop, 1.0, 1e-9);
	assert_float_equal(lv.start[0], 1.6, 1e-9);
}

/* At an L1 station the drawdown is the PLC's set-points lowered; a sewage
 * station keeps its own. */
static void
test_drawdown_l1_sewage(void **state)
{
	struct cfg_control	p = par;
	struct core_input	wet = in;
	struct cfg_station	l1, sew;
	struct core_state	s;
	struct core_out		out;
	struct obs		o = l1_at(1.2, 0);
	struct core_levels	lv;

	(void)state;
	p.drawdown = 1;
	p.dd_band_m = 0.3;
	wet.upstream_mmh5 = 6;
	fixture_station_l1(&l1);
	core_init(&s);
	core_step(&s, &l1, &p, &o, CORE_COMMS_OK, &wet, 0, &out);
	assert_true(out.it.write);
	assert_float_equal(out.it.stop_m, 0.8, 1e-9);
	assert_float_equal(out.it.start_m, 1.1, 1e-9);
	fixture_station(&sew, 3);
	sew.kind = CFG_SEWAGE;
	core_init(&s);
	o = snap_at(1.2, 0);
	core_step(&s, &sew, &p, &o, CORE_COMMS_OK, &wet, 0, &out);
	core_levels(&s, &sew, &p, &lv);
	assert_false(s.dd.active);
	assert_float_equal(lv.stop, 1.0, 1e-9);
}

/* A pumpd that restarts in storm mode (kept in its state) keeps the well
 * drawn down: the pump that runs at 0.9 m is not stopped. */
static void
test_drawdown_restart(void **state)
{
	struct cfg_control	p = par;
	struct core_state	s;
	struct core_out		out;
	struct core_persist	saved;
	struct obs		sn = snap_at(0.9, 1);

	(void)state;
	p.drawdown = 1;
	core_init(&s);
	s.lasting.storm = 1;
	core_export(&s, "test", 0, &saved);
	core_init(&s);
	assert_int_equal(core_import(&s, &saved, 1000, 3600000), 0);
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 1000, &out);
	assert_true(s.dd.active);
	core_step(&s, &cfg, &p, &sn, CORE_COMMS_OK, &in, 200000, &out);
	assert_int_equal(out.it.run_mask, 1);
}

/* A pumpd restarted while flood risk overrides a limit (below high-high,
 * above the last assist start) keeps overriding it: the restart stops no
 * pump the pumpd before it kept running. */
static void
test_limit_override_kept_at_restart(void **state)
{
	struct core_state	s, b;
	struct core_out		out;
	struct core_persist	saved;
	struct obs		sn = snap_at(4.3, 0);
	struct core_input	lim = { CORE_WARN_NONE, 0, 0 };
	unsigned		mask;
	int64_t			t;

	(void)state;
	fresh(&s, &sn);
	for (t = 0; t <= 20000; t += 1000)
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, t, &out);
	mask = out.it.run_mask;
	assert_true(mask != 0);
	sn = snap_at(3.5, mask);	/* below the high alarm */
	core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 30000, &out);
	assert_true(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
	core_export(&s, "test", 30000, &saved);
	core_init(&b);
	assert_int_equal(core_import(&b, &saved, 31000, 3600000), 0);
	core_step(&b, &cfg, &par, &sn, CORE_COMMS_OK, &lim, 31000, &out);
	t = 31000 + (int64_t)par.min_run_s * 1000 + 61000;
	core_step(&b, &cfg, &par, &sn, CORE_COMMS_OK, &lim, t, &out);
	assert_int_equal(out.it.run_mask & mask, mask);	/* none stopped */
	assert_true(b.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
}

/* A share of a reach given as the core's discharge limit: one pump of
 * the three the level asks, none overridden below high-high. */
static void
test_share_as_limit(void **state)
{
	struct core_input	lim = in;
	struct core_state	s;
	struct core_out		out;
	struct obs		sn = snap_at(3.5, 0);
	int			t;

	(void)state;
	lim.limit_pumps = 1;
	fresh(&s, &sn);
	for (t = 0; t < 60; t += 10) {
		core_step(&s, &cfg, &par, &sn, CORE_COMMS_OK, &lim,
		    t * 1000LL, &out);
		sn = snap_at(3.5, out.it.run_mask);
	}
	assert_int_equal(__builtin_popcount(out.it.run_mask), 1);
	assert_false(s.lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adopt_bumpless),
		cmocka_unit_test(test_adopt_starts_nothing),
		cmocka_unit_test(test_adopt_stops_at_stop),
		cmocka_unit_test(test_heartbeat_changes),
		cmocka_unit_test(test_sequencing_stagger_lead),
		cmocka_unit_test(test_stop_and_min_run),
		cmocka_unit_test(test_assist_hysteresis),
		cmocka_unit_test(test_fault_replaced),
		cmocka_unit_test(test_fail_to_start),
		cmocka_unit_test(test_trip_while_pumping_down),
		cmocka_unit_test(test_high_level_all),
		cmocka_unit_test(test_level_choice),
		cmocka_unit_test(test_rain_and_storm),
		cmocka_unit_test(test_warning_storm_mode),
		cmocka_unit_test(test_warning_sewage_no_storm),
		cmocka_unit_test(test_discharge_limit),
		cmocka_unit_test(test_limit_override_held),
		cmocka_unit_test(test_sewage_starts_per_hour),
		cmocka_unit_test(test_remote_off_and_comms),
		cmocka_unit_test(test_outfall_alarm),
		cmocka_unit_test(test_persist),
		cmocka_unit_test(test_fallback_setpoints_in_force),
		cmocka_unit_test(test_second_master),
		cmocka_unit_test(test_status_bit_alarms),
		cmocka_unit_test(test_fail_to_start_after_ack),
		cmocka_unit_test(test_fail_retry),
		cmocka_unit_test(test_pumps_short_handover),
		cmocka_unit_test(test_frozen_needs_evidence),
		cmocka_unit_test(test_l1_setpoints),
		cmocka_unit_test(test_l1_storm_drawdown),
		cmocka_unit_test(test_l1_feedforward),
		cmocka_unit_test(test_l1_discharge_limit),
		cmocka_unit_test(test_l1_handback),
		cmocka_unit_test(test_l1_handover),
		cmocka_unit_test(test_manual_run_allowed),
		cmocka_unit_test(test_events_structured),
		cmocka_unit_test(test_frozen_stays_rejected),
		cmocka_unit_test(test_override_run_refused),
		cmocka_unit_test(test_override_run_stagger),
		cmocka_unit_test(test_override_run_starts_per_hour),
		cmocka_unit_test(test_override_stop_held),
		cmocka_unit_test(test_override_expiry),
		cmocka_unit_test(test_lockout_v1),
		cmocka_unit_test(test_lockout_l1),
		cmocka_unit_test(test_lockout_l1_limit),
		cmocka_unit_test(test_override_persist),
		cmocka_unit_test(test_ff_ramp_leads_level),
		cmocka_unit_test(test_ff_never_fewer),
		cmocka_unit_test(test_ff_trip_replaced),
		cmocka_unit_test(test_ff_not_sewage),
		cmocka_unit_test(test_drawdown_core),
		cmocka_unit_test(test_drawdown_l1_sewage),
		cmocka_unit_test(test_drawdown_restart),
		cmocka_unit_test(test_share_as_limit),
		cmocka_unit_test(test_limit_override_kept_at_restart),
	};

	return cmocka_run_group_tests_name("core", tests, setup, NULL);
}
