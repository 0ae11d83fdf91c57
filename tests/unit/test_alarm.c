/*
 * The alarm module: every transition of an instance (raise after the
 * on-delay, none under it, acknowledge, return, re-raise), deadbands,
 * shelving and its expiry, suppression under comms loss, ids, the
 * conditions taken from the core, and what survives a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alarm.h"
#include "fixture.h"

#define T0	1764000000000LL
#define S(x)	((int64_t)(x) * 1000)

struct rig {
	struct alarm_table	t;
	struct alarm_station	a;
	struct alarm_input	in;
	struct alarm_event	ev[64];
	int			nev;
};

/* Station index 2 (ids 3xxx), 2 pumps, the default table, comms OK, a
 * level of 2.0 m against a high alarm at 3.8 m. */
static void
rig_init(struct rig *r)
{
	memset(r, 0, sizeof *r);
	alarm_table_init(&r->t, NULL);
	alarm_init(&r->a, 2, 2);
	r->in.comms = CORE_COMMS_OK;
	r->in.has_level = 1;
	r->in.level_m = 2.0;
	r->in.high_alarm_m = 3.8;
}

/* One step at T0 + s seconds; returns the number of events. */
static int
step(struct rig *r, double s)
{
	r->nev = alarm_step(&r->a, &r->t, &r->in, T0 + (int64_t)(s * 1000),
	    r->ev, 64);
	return r->nev;
}

/* What instance id shows, via the full list (NORMAL when not listed). */
static enum alarm_state
state_of(struct rig *r, int id)
{
	struct alarm_row	rows[ALARM_NSLOTS];
	int			i, n = alarm_list(&r->a, &r->t, 1, rows,
				    ALARM_NSLOTS);

	for (i = 0; i < n; i++)
		if (rows[i].id == id)
			return rows[i].state;
	return ALARM_NORMAL;
}

#define ID(kind, pump)	(3000 + (kind) * 10 + (pump))
#define HL		ID(ALARM_HIGH_LEVEL, 0)
#define ESTOP		ID(ALARM_ESTOP, 0)

/* A condition shorter than the on-delay raises nothing; one that holds
 * for it raises UNACK with one event carrying id, priority and states. */
static void
test_on_delay(void **state)
{
	struct rig	r;

	(void)state;
	rig_init(&r);
	assert_int_equal(r.t.rule[ALARM_HIGH_LEVEL].on_ms, S(5));
	r.in.level_m = 3.9;
	assert_int_equal(step(&r, 0), 0);
	assert_int_equal(step(&r, 4.9), 0);
	r.in.level_m = 3.0;		/* gone under the delay */
	assert_int_equal(step(&r, 5.5), 0);
	r.in.level_m = 3.9;
	step(&r, 6);
	assert_int_equal(step(&r, 10.9), 0);
	assert_int_equal(state_of(&r, HL), ALARM_NORMAL);
	assert_int_equal(step(&r, 11), 1);
	assert_int_equal(r.ev[0].id, HL);
	assert_int_equal(r.ev[0].kind, ALARM_HIGH_LEVEL);
	assert_int_equal(r.ev[0].pump, 0);
	assert_int_equal(r.ev[0].state, ALARM_UNACK);
	assert_int_equal(r.ev[0].was, ALARM_NORMAL);
	assert_int_equal(r.ev[0].prio, ALARM_HIGH);
	assert_int_equal(state_of(&r, HL), ALARM_UNACK);
	assert_int_equal(step(&r, 12), 0);	/* no repeat */
}

/* UNACK -> ACKED by an operator, listed since its raise with the ack's
 * time apart; ACKED -> NORMAL once the condition has been gone for the
 * off-delay, not before. */
static void
test_ack_then_return(void **state)
{
	struct rig		r;
	struct alarm_event	e;
	struct alarm_row	row;
	const char		*why;

	(void)state;
	rig_init(&r);
	r.in.on[ALARM_ESTOP] = 1;
	assert_int_equal(step(&r, 0), 1);
	assert_int_equal(alarm_ack(&r.a, &r.t, ESTOP, T0 + 1000, &e, &why),
	    0);
	assert_int_equal(alarm_list(&r.a, &r.t, 0, &row, 1), 1);
	assert_true(row.since_ms == T0);	/* raised: the ack keeps it */
	assert_true(row.state_ms == T0 + 1000);
	assert_int_equal(e.state, ALARM_ACKED);
	assert_int_equal(e.was, ALARM_UNACK);
	assert_true(e.by_operator);
	assert_int_equal(alarm_ack(&r.a, &r.t, ESTOP, T0 + 1000, &e, &why),
	    -1);
	assert_string_equal(why, "it is acknowledged already");
	r.in.on[ALARM_ESTOP] = 0;
	r.t.rule[ALARM_ESTOP].off_ms = S(10);
	assert_int_equal(step(&r, 2), 0);
	assert_int_equal(step(&r, 11.9), 0);
	assert_int_equal(state_of(&r, ESTOP), ALARM_ACKED);
	assert_int_equal(step(&r, 12), 1);
	assert_int_equal(r.ev[0].state, ALARM_NORMAL);
	assert_int_equal(r.ev[0].was, ALARM_ACKED);
	assert_int_equal(alarm_ack(&r.a, &r.t, ESTOP, T0, &e, &why), -1);
	assert_string_equal(why, "it is not standing");
}

/* UNACK returns to RTN_UNACK; acknowledged there it is NORMAL; a
 * re-raise from RTN_UNACK is UNACK again. */
static void
test_return_unacked(void **state)
{
	struct rig		r;
	struct alarm_event	e;
	const char		*why;

	(void)state;
	rig_init(&r);
	r.in.on[ALARM_ESTOP] = 1;
	step(&r, 0);
	r.in.on[ALARM_ESTOP] = 0;
	assert_int_equal(step(&r, 1), 1);
	assert_int_equal(r.ev[0].state, ALARM_RTN_UNACK);
	r.in.on[ALARM_ESTOP] = 1;
	assert_int_equal(step(&r, 2), 1);
	assert_int_equal(r.ev[0].state, ALARM_UNACK);
	assert_int_equal(r.ev[0].was, ALARM_RTN_UNACK);
	r.in.on[ALARM_ESTOP] = 0;
	step(&r, 3);
	assert_int_equal(alarm_ack(&r.a, &r.t, ESTOP, T0 + S(4), &e, &why),
	    0);
	assert_int_equal(e.state, ALARM_NORMAL);
	assert_int_equal(e.was, ALARM_RTN_UNACK);
	assert_int_equal(state_of(&r, ESTOP), ALARM_NORMAL);
}

/* High level: raised at 3.8 m, held down to 3.75 m (deadband 0.05 m),
 * returned below it; the same band on the outfall's warning level. */
static void
test_deadband(void **state)
{
	struct rig	r;

	(void)state;
	rig_init(&r);
	r.t.rule[ALARM_HIGH_LEVEL].on_ms = r.t.rule[ALARM_HIGH_LEVEL].off_ms = 0;
	r.in.level_m = 3.79;
	assert_int_equal(step(&r, 0), 0);
	r.in.level_m = 3.80;
	assert_int_equal(step(&r, 1), 1);
	r.in.level_m = 3.76;		/* in the band: still on */
	assert_int_equal(step(&r, 2), 0);
	r.in.level_m = 3.79;
	assert_int_equal(step(&r, 3), 0);
	r.in.level_m = 3.74;
	assert_int_equal(step(&r, 4), 1);
	assert_int_equal(r.ev[0].state, ALARM_RTN_UNACK);
	r.in.level_m = 3.79;		/* under the limit: no re-raise */
	assert_int_equal(step(&r, 5), 0);
	r.in.has_level = 0;		/* no level: the judgement stands */
	assert_int_equal(step(&r, 6), 0);

	r.t.rule[ALARM_OUTFALL].on_ms = r.t.rule[ALARM_OUTFALL].off_ms = 0;
	r.in.has_outfall = 1;
	r.in.outfall_warn_m = 4.0;
	r.in.outfall_m = 4.0;
	step(&r, 7);
	assert_int_equal(state_of(&r, ID(ALARM_OUTFALL, 0)), ALARM_UNACK);
	r.in.outfall_m = 3.96;
	step(&r, 8);
	assert_int_equal(state_of(&r, ID(ALARM_OUTFALL, 0)), ALARM_UNACK);
	r.in.outfall_m = 3.9;
	step(&r, 9);
	assert_int_equal(state_of(&r, ID(ALARM_OUTFALL, 0)),
	    ALARM_RTN_UNACK);
}

/* Time to flood: below the threshold (30 min) after its on-delay;
 * returns above the threshold plus its deadband, or when the level no
 * longer rises. */
static void
test_time_to_flood(void **state)
{
	struct rig	r;
	int		id = ID(ALARM_TTF, 0);

	(void)state;
	rig_init(&r);
	r.t.rule[ALARM_TTF].on_ms = r.t.rule[ALARM_TTF].off_ms = 0;
	r.in.has_ttf = 1;
	r.in.ttf_s = 1801;
	step(&r, 0);
	assert_int_equal(state_of(&r, id), ALARM_NORMAL);
	r.in.ttf_s = 1700;
	step(&r, 1);
	assert_int_equal(state_of(&r, id), ALARM_UNACK);
	assert_int_equal(r.ev[0].prio, ALARM_CRITICAL);
	r.in.ttf_s = 2000;		/* under 1800 + 300 */
	step(&r, 2);
	assert_int_equal(state_of(&r, id), ALARM_UNACK);
	r.in.ttf_s = 2200;
	step(&r, 3);
	assert_int_equal(state_of(&r, id), ALARM_RTN_UNACK);
	r.in.ttf_s = 100;
	step(&r, 4);
	r.in.has_ttf = 0;		/* the level falls */
	step(&r, 5);
	assert_int_equal(state_of(&r, id), ALARM_RTN_UNACK);
}

/* Time to flood is judged from the duty start up: a well filling towards
 * its first start (a sewage well between its cycles) raises nothing,
 * however fast; at the duty start it does, and it returns only below the
 * start less the level deadband. */
static void
test_time_to_flood_armed(void **state)
{
	struct rig	r;
	int		id = ID(ALARM_TTF, 0);

	(void)state;
	rig_init(&r);
	r.t.rule[ALARM_TTF].on_ms = r.t.rule[ALARM_TTF].off_ms = 0;
	r.in.has_level = 1;
	r.in.ttf_arm_m = 1.6;
	r.in.has_ttf = 1;
	r.in.ttf_s = 600;
	r.in.level_m = 1.2;
	step(&r, 0);
	assert_int_equal(state_of(&r, id), ALARM_NORMAL);
	r.in.level_m = 1.6;
	step(&r, 1);
	assert_int_equal(state_of(&r, id), ALARM_UNACK);
	r.in.level_m = 1.6 - r.t.level_deadband_m / 2;	/* inside the band */
	step(&r, 2);
	assert_int_equal(state_of(&r, id), ALARM_UNACK);
	r.in.level_m = 1.0;
	step(&r, 3);
	assert_int_equal(state_of(&r, id), ALARM_RTN_UNACK);
}

/* Shelved: shown SHELVED, listed only with all; a raise and a return
 * underneath make no event; at expiry the true state shows: UNACK when
 * it stands, nothing when it came and went. */
static void
test_shelve(void **state)
{
	struct rig		r;
	struct alarm_event	e;
	struct alarm_row	rows[8];
	const char		*why;

	(void)state;
	rig_init(&r);
	assert_int_equal(alarm_shelve(&r.a, &r.t, ESTOP, T0 + S(100), "",
	    T0, &e, &why), -1);
	assert_int_equal(alarm_shelve(&r.a, &r.t, ESTOP, T0 + S(90000),
	    "chatter", T0, &e, &why), -1);
	assert_int_equal(alarm_shelve(&r.a, &r.t, ESTOP, T0 + S(100),
	    "test of the button", T0, &e, &why), 0);
	assert_int_equal(e.state, ALARM_SHELVED);
	r.in.on[ALARM_ESTOP] = 1;
	assert_int_equal(step(&r, 1), 0);
	assert_int_equal(alarm_list(&r.a, &r.t, 0, rows, 8), 0);
	assert_int_equal(alarm_list(&r.a, &r.t, 1, rows, 8), 1);
	assert_string_equal(rows[0].shelf_why, "test of the button");
	assert_int_equal(rows[0].shelf_ms, T0 + S(100));
	assert_int_equal(alarm_ack(&r.a, &r.t, ESTOP, T0 + S(2), &e, &why),
	    -1);
	r.in.on[ALARM_ESTOP] = 0;
	assert_int_equal(step(&r, 2), 0);
	r.in.on[ALARM_ESTOP] = 1;	/* re-raised while shelved: hidden */
	assert_int_equal(step(&r, 3), 0);
	assert_int_equal(step(&r, 99.9), 0);
	assert_int_equal(step(&r, 100), 1);	/* expiry: the true state */
	assert_int_equal(r.ev[0].was, ALARM_SHELVED);
	assert_int_equal(r.ev[0].state, ALARM_UNACK);
	assert_int_equal(alarm_list(&r.a, &r.t, 0, rows, 8), 1);
	assert_true(rows[0].since_ms == T0 + S(3));	/* its raise */
	assert_true(rows[0].state_ms == T0 + S(100));

	/* came and went under the shelf: NORMAL at expiry */
	alarm_shelve(&r.a, &r.t, ESTOP, T0 + S(200), "again", T0 + S(101),
	    &e, &why);
	r.in.on[ALARM_ESTOP] = 0;
	step(&r, 150);
	assert_int_equal(step(&r, 200), 1);
	assert_int_equal(r.ev[0].state, ALARM_NORMAL);

	/* unshelved by hand */
	assert_int_equal(alarm_unshelve(&r.a, &r.t, ESTOP, T0, &e, &why), -1);
	alarm_shelve(&r.a, &r.t, ESTOP, T0 + S(900), "x", T0 + S(201), &e,
	    &why);
	assert_int_equal(alarm_unshelve(&r.a, &r.t, ESTOP, T0 + S(202), &e,
	    &why), 0);
	assert_int_equal(e.state, ALARM_NORMAL);
	assert_int_equal(e.was, ALARM_SHELVED);
}

/* Comms down: one "comms lost" alarm; the standing consequential alarms
 * show SUPPRESSED and are listed only with all; conditions frozen (a
 * change under it raises nothing); released when comms return, where the
 * true conditions are judged again. */
static void
test_suppression(void **state)
{
	struct rig		r;
	struct alarm_row	rows[ALARM_NSLOTS];
	int			pf = ID(ALARM_PUMP_FAULT, 2);

	(void)state;
	rig_init(&r);
	r.in.on[ALARM_ESTOP] = 1;
	step(&r, 0);
	r.in.comms = CORE_COMMS_STALE;
	step(&r, 1);
	assert_int_equal(state_of(&r, ID(ALARM_COMMS_STALE, 0)), ALARM_UNACK);
	assert_int_equal(state_of(&r, ESTOP), ALARM_UNACK);
	r.in.comms = CORE_COMMS_DOWN;
	r.in.on[ALARM_MAINS] = 1;	/* judged from stale data: ignored */
	r.in.on[ALARM_FIRST_PUMP + 1] = 1;	/* pump 2 fault, ditto */
	step(&r, 2);
	assert_int_equal(alarm_list(&r.a, &r.t, 0, rows, ALARM_NSLOTS), 1);
	assert_int_equal(rows[0].id, ID(ALARM_COMMS_DOWN, 0));
	assert_int_equal(rows[0].prio, ALARM_HIGH);
	assert_int_equal(state_of(&r, ESTOP), ALARM_SUPPRESSED);
	assert_int_equal(state_of(&r, ID(ALARM_COMMS_STALE, 0)),
	    ALARM_SUPPRESSED);
	assert_int_equal(state_of(&r, ID(ALARM_MAINS, 0)), ALARM_NORMAL);
	assert_int_equal(state_of(&r, pf), ALARM_NORMAL);
	step(&r, 60);
	assert_int_equal(alarm_list(&r.a, &r.t, 0, rows, ALARM_NSLOTS), 1);

	r.in.comms = CORE_COMMS_OK;	/* released */
	r.in.on[ALARM_ESTOP] = 0;
	r.t.rule[ALARM_MAINS].on_ms = 0;
	step(&r, 61);
	assert_int_equal(state_of(&r, ESTOP), ALARM_RTN_UNACK);
	assert_int_equal(state_of(&r, ID(ALARM_MAINS, 0)), ALARM_UNACK);
	assert_int_equal(state_of(&r, pf), ALARM_UNACK);
	assert_int_equal(state_of(&r, ID(ALARM_COMMS_DOWN, 0)),
	    ALARM_RTN_UNACK);
}

/* Ids: per kind and pump at the station; unknown ones refused; pump 3
 * of a 2-pump station has none; ack all takes every unacknowledged. */
static void
test_ids(void **state)
{
	struct rig		r;
	struct alarm_event	e[8];
	const char		*why;

	(void)state;
	rig_init(&r);
	assert_int_equal(alarm_id_station(3052), 2);
	assert_int_equal(alarm_id_station(999), -1);
	assert_int_equal(alarm_ack(&r.a, &r.t, 4052, T0, e, &why), -1);
	assert_string_equal(why, "no such alarm id at this station");
	assert_int_equal(alarm_ack(&r.a, &r.t, ID(ALARM_PUMP_FAULT, 3), T0,
	    e, &why), -1);
	assert_int_equal(alarm_ack(&r.a, &r.t, ID(ALARM_PUMP_FAULT, 0), T0,
	    e, &why), -1);
	assert_int_equal(alarm_ack(&r.a, &r.t, ID(ALARM_ESTOP, 1), T0, e,
	    &why), -1);
	assert_int_equal(alarm_ack(&r.a, &r.t, 3990, T0, e, &why), -1);
	r.in.on[ALARM_ESTOP] = 1;
	r.in.on[ALARM_FIRST_PUMP + 1] = 1;
	r.in.on[ALARM_FIRST_PUMP + OBS_MAX_PUMPS + 2] = 1;	/* no pump 3 */
	assert_int_equal(step(&r, 0), 2);
	assert_int_equal(r.ev[1].id, ID(ALARM_PUMP_FAULT, 2));
	assert_int_equal(r.ev[1].pump, 2);
	assert_int_equal(alarm_ack_all(&r.a, &r.t, T0 + 1, e, 8), 2);
	assert_int_equal(state_of(&r, ESTOP), ALARM_ACKED);
	assert_int_equal(alarm_ack_all(&r.a, &r.t, T0 + 2, e, 8), 0);
}

/* What survives a restart: an acknowledged alarm comes back ACKED and
 * stays so while its condition holds (no new UNACK), returns NORMAL
 * when it is gone; a shelf keeps its expiry and reason; an expired
 * shelf is dropped. */
static void
test_export_import(void **state)
{
	struct rig		r, r2;
	struct alarm_saved	sv[8];
	struct alarm_event	e;
	const char		*why;
	int			n;

	(void)state;
	rig_init(&r);
	r.in.on[ALARM_ESTOP] = r.in.on[ALARM_DOOR] = 1;
	r.t.rule[ALARM_DOOR].on_ms = 0;
	step(&r, 0);
	alarm_ack(&r.a, &r.t, ESTOP, T0 + 1, &e, &why);
	alarm_shelve(&r.a, &r.t, ID(ALARM_DOOR, 0), T0 + S(600), "works",
	    T0 + 2, &e, &why);
	alarm_shelve(&r.a, &r.t, ID(ALARM_MAINS, 0), T0 + S(60), "short",
	    T0 + 2, &e, &why);
	n = alarm_export(&r.a, sv, 8);
	assert_int_equal(n, 3);

	rig_init(&r2);
	alarm_import(&r2.a, sv, n, T0 + S(100));
	r2.in.on[ALARM_ESTOP] = r2.in.on[ALARM_DOOR] = 1;
	r2.t.rule[ALARM_DOOR].on_ms = 0;
	step(&r2, 100);
	assert_int_equal(state_of(&r2, ESTOP), ALARM_ACKED);
	assert_int_equal(state_of(&r2, ID(ALARM_DOOR, 0)), ALARM_SHELVED);
	assert_int_equal(state_of(&r2, ID(ALARM_MAINS, 0)), ALARM_NORMAL);
	r2.in.on[ALARM_ESTOP] = 0;
	step(&r2, 101);
	assert_int_equal(state_of(&r2, ESTOP), ALARM_NORMAL);
	assert_int_equal(step(&r2, 600), 1);	/* shelf expiry */
	assert_int_equal(r2.ev[0].state, ALARM_UNACK);
}

/* The conditions from the core: its bits mapped to kinds, pump faults
 * from the observation, failed starts from the core's pumps, starts per
 * hour counted against the station's kind, the outfall when valid. */
static void
test_sense(void **state)
{
	struct cfg_station	c;
	struct cfg_control	p = { 0 };
	struct core_state	core;
	struct alarm_input	in;
	struct obs		o;
	int			k;

	(void)state;
	fixture_station(&c, 2);
	c.has_outfall = 1;
	c.outfall_warn_m = 4.0;
	p.starts_per_hour_stormwater = 3;
	core_init(&core);
	memset(&o, 0, sizeof o);
	core.level_m = 3.1;
	core.lasting.alarms = CORE_AL_LEVEL_B | CORE_AL_ESTOP |
	    CORE_AL_SECOND_MASTER | CORE_AL_HIGH_LEVEL | CORE_AL_PUMP_FAULT;
	o.pump[1].flags = OBS_PU_FAULT;
	o.outfall_ok = 1;
	o.outfall_m = 4.2;
	core.pump[0].failed = 1;
	for (k = 0; k < 4; k++)
		core.lasting.pump[0].start_ms[k] = T0 - S(600) * k;
	core.lasting.pump[0].nstarts = 4;
	core.lasting.pump[1].start_ms[0] = T0 - S(4000);
	core.lasting.pump[1].nstarts = 1;
	alarm_sense(&in, &core, &c, &p, &o, CORE_COMMS_STALE, T0);
	assert_true(in.on[ALARM_LEVEL_FAULT]);
	assert_true(in.on[ALARM_ESTOP]);
	assert_true(in.on[ALARM_SECOND_MASTER]);
	assert_false(in.on[ALARM_HIGH_LEVEL]);	/* judged here, not taken */
	assert_false(in.on[ALARM_MAINS]);
	assert_false(in.on[ALARM_FIRST_PUMP + 0]);	/* pump 1 healthy */
	assert_true(in.on[ALARM_FIRST_PUMP + 1]);	/* pump 2 fault */
	assert_true(in.on[ALARM_FIRST_PUMP + OBS_MAX_PUMPS]);	/* 1 failed */
	assert_true(in.on[ALARM_FIRST_PUMP + 2 * OBS_MAX_PUMPS]);	/* 4 > 3 */
	assert_false(in.on[ALARM_FIRST_PUMP + 2 * OBS_MAX_PUMPS + 1]);
	assert_int_equal(in.comms, CORE_COMMS_STALE);
	assert_true(in.has_level);
	assert_true(in.has_outfall);
	assert_true(in.outfall_m == 4.2);
	o.outfall_ok = 0;
	alarm_sense(&in, &core, &c, &p, &o, CORE_COMMS_OK, T0);
	assert_false(in.has_outfall);
	alarm_sense(&in, &core, &c, &p, NULL, CORE_COMMS_OK, T0);
	assert_false(in.on[ALARM_FIRST_PUMP + 1]);
}

/* The table: defaults from the kinds, the configuration's overrides,
 * names both ways. */
static void
test_table(void **state)
{
	struct cfg_alarms	c;
	struct alarm_table	t;
	int			k;

	(void)state;
	cfg_alarms_defaults(&c);
	c.kind[ALARM_DOOR].priority = ALARM_CRITICAL;
	c.kind[ALARM_DOOR].on_delay_s = 30;
	c.ttf_s = 900;
	alarm_table_init(&t, &c);
	assert_int_equal(t.rule[ALARM_DOOR].prio, ALARM_CRITICAL);
	assert_int_equal(t.rule[ALARM_DOOR].on_ms, S(30));
	assert_int_equal(t.rule[ALARM_DOOR].off_ms, S(5));
	assert_int_equal(t.rule[ALARM_ESTOP].prio, ALARM_CRITICAL);
	assert_false(t.rule[ALARM_COMMS_DOWN].consequential);
	assert_true(t.rule[ALARM_MAINS].consequential);
	assert_true(t.ttf_s == 900);
	for (k = 0; k < ALARM_NKINDS; k++)
		assert_int_equal(alarm_kind_parse(alarm_kind_key(
		    (enum alarm_kind)k)), k);
	assert_int_equal(alarm_kind_parse("nonsense"), -1);
	assert_string_equal(alarm_state_name(ALARM_RTN_UNACK), "RTN_UNACK");
	assert_string_equal(alarm_prio_name(ALARM_MEDIUM), "medium");
	assert_true(ALARM_NKINDS <= 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_delay),
		cmocka_unit_test(test_ack_then_return),
		cmocka_unit_test(test_return_unacked),
		cmocka_unit_test(test_deadband),
		cmocka_unit_test(test_time_to_flood),
		cmocka_unit_test(test_time_to_flood_armed),
		cmocka_unit_test(test_shelve),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_export_import),
		cmocka_unit_test(test_sense),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
