/*
 * The map L1 codec (plc/map_l1.c) from golden register images, byte-exact
 * both ways: the poll's four reads, function 17's identity, raw 4-20 mA
 * levels at 0, 27648, over range, 32767 and under range, CDAB floats and
 * counters including a wrap, exceptions and every check of a reply, the
 * restart, the read-back of what we wrote, and the writes of an intent.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "fixture.h"
#include "plcmap_l1.h"

static struct cfg_station	cfg;
static const struct codec	*l1;
static struct codec_req		req[CODEC_MAX_REQS];
static struct codec_reply	rep[CODEC_MAX_REQS];

/*
 * The golden poll of a three-pump station, transducer zero 0.2 m and span
 * 5 m, outfall zero 0.5 m and span 6 m: AUTO, REMOTE, MAINS_OK; pump 1
 * runs (42.5 A, 21000 h, 70000 starts), pump 2 tripped, pump 3 available
 * and inhibited by us; REMOTE_SETPOINTS on; set-points 2.0 1.2 0.5 3.0 m.
 */
static const uint16_t gold_di[L1_DI_COUNT] = {
	1, 1, 1, 0, 0, 0, 0, 0,		/* AUTO REMOTE MAINS_OK */
	1, 0, 1, 0,			/* pump 1: RUNNING AVAILABLE */
	0, 1, 0, 0,			/* pump 2: FAULT */
	0, 0, 1, 1,			/* pump 3: AVAILABLE INHIBITED */
	0, 0, 0, 0,
};
static const uint16_t gold_ir[L1_IR_COUNT] = {
	13824,				/* level: 2.7 m */
	6912,				/* outfall: 2.0 m */
	0x2345, 0x0001,			/* rain tips 0x00012345 */
	0x0000, 0x422A,			/* 42.5 A */
	0x0000, 0x0000,
	0x0000, 0x0000,
	0x0000, 0x0000,
	0x5208, 0x0000,			/* 21000 h */
	0x57E4, 0x0000,			/* 22500 h */
	0x5DC0, 0x0000,			/* 24000 h */
	0x0000, 0x0000,
	0x1170, 0x0001,			/* 70000 starts */
	0x15E2, 0x0001,			/* 71138 */
	0xFFFF, 0xFFFF,			/* 4294967295: about to wrap */
	0x0000, 0x0000,
};
static const uint16_t gold_coil[L1_COIL_COUNT] = {
	1, 0, 0, 0, 0, 0, 0, 0,  0, 0, 1, 0,
};
static const uint16_t gold_hr[L1_HR_COUNT] = {
	0x0000, 0x4000,			/* start 2.0 */
	0x999A, 0x3F99,			/* stop 1.2 */
	0x0000, 0x3F00,			/* assist step 0.5 */
	0x0000, 0x4040,			/* all-on 3.0 */
};

/* Reply i with n values from v. */
static void
reply(int i, const uint16_t *v, int n)
{
	memset(&rep[i], 0, sizeof rep[i]);
	rep[i].ok = 1;
	rep[i].n = (uint16_t)n;
	memcpy(rep[i].v, v, (size_t)n * sizeof *v);
}

/* The golden replies to the golden poll. */
static void
golden(void)
{
	assert_int_equal(l1->poll(&cfg, req), 4);
	reply(0, gold_di, L1_DI_COUNT);
	reply(1, gold_ir, L1_IR_COUNT);
	reply(2, gold_coil, L1_COIL_COUNT);
	reply(3, gold_hr, L1_HR_COUNT);
}

/* Decode the replies with mem and ack: 0 or -1; the cause when wanted. */
static int
decode(struct codec_mem *mem, const struct codec_ack *ack, struct obs *o,
    const char *want_cause)
{
	char	*cause = NULL;
	int	 rc;

	rc = l1->decode(&cfg, mem, req, rep, 4, ack, o, &cause);
	if (want_cause != NULL) {
		assert_int_equal(rc, -1);
		assert_non_null(cause);
		if (strcmp(cause, want_cause) != 0)
			fail_msg("cause \"%s\", want \"%s\"", cause,
			    want_cause);
	} else if (rc != 0)
		fail_msg("decode failed: %s", cause ? cause : "?");
	free(cause);
	return rc;
}

static int
setup(void **state)
{
	(void)state;
	fixture_station(&cfg, 3);
	cfg.map = CFG_MAP_L1;
	cfg.level_tx = (struct cfg_transducer){ 0.2, 5.0 };
	cfg.has_outfall = 1;
	cfg.outfall_tx = (struct cfg_transducer){ 0.5, 6.0 };
	cfg.panel = (struct cfg_panel){ 1.8, 1.0, 0.5, 3.6 };
	l1 = codec_find("L1");
	return l1 == NULL;
}

/* The table knows L1: supervisory, four pumps, function 17 at connect;
 * a poll is four reads. */
static void
test_table_and_poll(void **state)
{
	struct codec_req	id;

	(void)state;
	assert_string_equal(l1->name, "L1");
	assert_int_equal(l1->control, OBS_SUPERVISORY);
	assert_int_equal(l1->max_pumps, 4);
	assert_int_equal(l1->ident_request(&id), 0);
	assert_int_equal(id.fc, 0x11);
	assert_int_equal(id.n, 0);
	assert_int_equal(l1->poll(&cfg, req), 4);
	assert_int_equal(req[0].fc, 0x02);
	assert_int_equal(req[0].addr, 0);
	assert_int_equal(req[0].n, 24);
	assert_int_equal(req[1].fc, 0x04);
	assert_int_equal(req[1].n, 28);
	assert_int_equal(req[2].fc, 0x01);
	assert_int_equal(req[2].n, 12);
	assert_int_equal(req[3].fc, 0x03);
	assert_int_equal(req[3].n, 8);
	assert_ptr_equal(codec_find("v1"), codec_find(NULL));
	assert_null(codec_find("L2"));
}

/* The golden image, decoded. */
static void
test_decode_golden(void **state)
{
	struct codec_mem	mem = { 0 };
	struct obs		o;

	(void)state;
	golden();
	decode(&mem, NULL, &o, NULL);
	assert_int_equal(o.control, OBS_SUPERVISORY);
	assert_int_equal(o.nlevels, 1);
	assert_true(o.level_ok[0]);
	assert_float_equal(o.level_m[0], 2.7, 1e-9);
	assert_true(o.outfall_ok);
	assert_float_equal(o.outfall_m, 2.0, 1e-9);
	assert_int_equal(o.rain_tips, 0x00012345);
	assert_int_equal(o.flags, OBS_ST_AUTO | OBS_ST_OWN_CONTROL |
	    OBS_ST_REMOTE | OBS_ST_MAINS_OK | OBS_ST_REMOTE_SP);
	assert_int_equal(o.npumps, 3);
	assert_int_equal(o.pump[0].flags, OBS_PU_RUNNING | OBS_PU_AVAILABLE);
	assert_int_equal(o.pump[1].flags, OBS_PU_FAULT);
	assert_int_equal(o.pump[2].flags, OBS_PU_AVAILABLE | OBS_PU_INHIBITED);
	assert_true(o.pump[0].current_a == 42.5);
	assert_true(o.pump[1].current_a == 0);
	assert_true(o.pump[0].speed_pct < 0);
	assert_int_equal(o.pump[0].run_s, 21000u * 3600);
	assert_int_equal(o.pump[2].run_s, 24000u * 3600);
	assert_int_equal(o.pump[0].starts, 70000);
	assert_int_equal(o.pump[1].starts, 71138);
	assert_int_equal(o.pump[2].starts, 0xFFFFFFFFu);
	assert_false(o.restarted);
	assert_false(o.acked);
	assert_false(o.echo_ok);
	assert_int_equal(mem.polled, 1);
}

/* Raw 4-20 mA: 0 is the zero, 27648 zero + span, over range valid to
 * 32511; 32767 wire break, below -4864 under range, 32512.. undefined. */
static void
test_raw_levels(void **state)
{
	static const struct { uint16_t raw; int ok; double m; } c[] = {
		{ 0, 1, 0.2 },
		{ 27648, 1, 5.2 },
		{ 27649, 1, 0.2 + 5.0 * 27649 / 27648 },
		{ 32511, 1, 0.2 + 5.0 * 32511 / 27648 },
		{ 32512, 0, 0 },
		{ 32767, 0, 0 },
		{ 0xFFFF, 1, 0.2 - 5.0 / 27648 },	/* -1 */
		{ 0xED00, 1, 0.2 - 5.0 * 4864 / 27648 },	/* -4864 */
		{ 0xECFF, 0, 0 },			/* -4865 */
		{ 0x8000, 0, 0 },			/* -32768 */
	};
	struct codec_mem	mem = { 0 };
	struct obs		o;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		golden();
		rep[1].v[0] = c[i].raw;
		rep[1].v[1] = c[i].raw;
		decode(&mem, NULL, &o, NULL);
		assert_int_equal(o.level_ok[0], c[i].ok);
		assert_float_equal(o.level_m[0], c[i].m, 1e-9);
		assert_int_equal(o.outfall_ok, c[i].ok);
	}
	/* a station without an outfall has none, whatever the PLC says */
	cfg.has_outfall = 0;
	golden();
	decode(&mem, NULL, &o, NULL);
	assert_false(o.outfall_ok);
	cfg.has_outfall = 1;
}

/* Rain tips: a wrap is no restart; going back is. */
static void
test_tips_and_restart(void **state)
{
	struct codec_mem	mem = { 0 };
	struct obs		o;

	(void)state;
	golden();
	rep[1].v[2] = 0xFFFE;
	rep[1].v[3] = 0xFFFF;
	decode(&mem, NULL, &o, NULL);
	assert_int_equal(o.rain_tips, 0xFFFFFFFEu);
	assert_false(o.restarted);		/* nothing to compare with */
	rep[1].v[2] = 3;
	rep[1].v[3] = 0;
	decode(&mem, NULL, &o, NULL);
	assert_int_equal(o.rain_tips, 3);
	assert_false(o.restarted);		/* wrapped */
	rep[1].v[2] = 1000;
	decode(&mem, NULL, &o, NULL);
	assert_false(o.restarted);
	rep[1].v[2] = 0;
	decode(&mem, NULL, &o, NULL);
	assert_true(o.restarted);		/* back from 1000 to 0 */
	decode(&mem, NULL, &o, NULL);
	assert_false(o.restarted);
}

/* The encoded intent as the acknowledgement the worker keeps. */
static void
ack_of(const struct intent *it, struct codec_ack *ack)
{
	char	*cause = NULL;

	memset(ack, 0, sizeof *ack);
	ack->nreq = l1->encode(&cfg, it, ack->req, &cause);
	assert_true(ack->nreq > 0);
	ack->valid = 1;
	ack->seq = it->seq;
	ack->remote = it->remote;
}

/* A supervising intent: 2.0 1.2 0.5 3.0 m, pump 3 inhibited. */
static struct intent
golden_intent(void)
{
	struct intent	it;

	memset(&it, 0, sizeof it);
	it.write = 1;
	it.seq = 77;
	it.remote = 1;
	it.control = OBS_SUPERVISORY;
	it.start_m = 2.0;
	it.stop_m = 1.2;
	it.assist_step_m = 0.5;
	it.all_on_m = 3.0;
	it.inhibit_mask = 0x4;
	return it;
}

/* Encoding, byte-exact: the set-points in one function-16 write, then the
 * coils in one function-15 write; a hand-back is the coils alone. */
static void
test_encode_golden(void **state)
{
	static const uint16_t	coils[L1_COIL_COUNT] = { 1, 1, 0, 0, 0, 0, 0,
	    0, 0, 0, 1, 0 };
	static const uint16_t	back[L1_COIL_COUNT] = { 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 1, 0 };
	struct codec_req	w[CODEC_MAX_WRITES];
	struct intent		it = golden_intent();
	char			*cause = NULL;

	(void)state;
	it.alarm_reset = 1;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), 2);
	assert_int_equal(w[0].fc, 0x10);
	assert_int_equal(w[0].addr, 0);
	assert_int_equal(w[0].n, 8);
	assert_memory_equal(w[0].v, gold_hr, sizeof gold_hr);
	assert_int_equal(w[1].fc, 0x0F);
	assert_int_equal(w[1].addr, 0);
	assert_int_equal(w[1].n, 12);
	assert_memory_equal(w[1].v, coils, sizeof coils);
	/* hand back: REMOTE_SETPOINTS off, the lock-out kept as asked */
	it.remote = 0;
	it.alarm_reset = 0;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), 1);
	assert_int_equal(w[0].fc, 0x0F);
	assert_memory_equal(w[0].v, back, sizeof back);
	/* inhibits of pumps the station does not have are not written */
	it.inhibit_mask = 0xF8;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), 1);
	assert_int_equal(w[0].v[L1_COIL_INHIBIT(3)], 0);
	it.write = 0;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), 0);
}

/* Encoding refuses what the PLC would refuse, and clamps to 0..20 m. */
static void
test_encode_checks(void **state)
{
	struct codec_req	w[CODEC_MAX_WRITES];
	struct intent		it = golden_intent();
	char			*cause = NULL;

	(void)state;
	it.control = OBS_DIRECT;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), -1);
	assert_string_equal(cause, "map L1 takes supervisory control only");
	free(cause);
	it = golden_intent();
	it.stop_m = 2.0;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), -1);
	assert_string_equal(cause, "set-points start 2.00 stop 2.00 all-on "
	    "3.00 m: the PLC takes stop < start <= all-on only");
	free(cause);
	it = golden_intent();
	it.all_on_m = 1.9;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), -1);
	free(cause);
	it = golden_intent();
	it.all_on_m = 25;
	it.assist_step_m = NAN;
	assert_int_equal(l1->encode(&cfg, &it, w, &cause), 2);
	assert_true(l1_f32(&w[0].v[L1_HR_ALL_ON]) == 20.0f);
	assert_true(l1_f32(&w[0].v[L1_HR_ASSIST_STEP]) == 0.0f);
}

/* What we wrote, read back: the ack, a second master, a restart that
 * cleared our coils. */
static void
test_read_back(void **state)
{
	struct codec_mem	mem = { 0 };
	struct codec_ack	ack;
	struct intent		it = golden_intent();
	struct obs		o;

	(void)state;
	ack_of(&it, &ack);
	golden();
	decode(&mem, &ack, &o, NULL);
	assert_true(o.acked);
	assert_int_equal(o.acked_seq, 77);
	assert_true(o.acked_remote);
	assert_false(o.foreign);
	rep[3].v[2] = 0x0000;			/* stop 1.2 -> 1.0 */
	rep[3].v[3] = 0x3F80;
	decode(&mem, &ack, &o, NULL);
	assert_true(o.foreign);
	golden();
	rep[2].v[L1_COIL_INHIBIT(0)] = 1;	/* pump 1 inhibited: not us */
	decode(&mem, &ack, &o, NULL);
	assert_true(o.foreign);
	assert_false(o.restarted);
	/* a restart: tips 0 and REMOTE_SETPOINTS and our inhibit cleared */
	golden();
	rep[1].v[2] = rep[1].v[3] = 0;
	rep[2].v[L1_COIL_REMOTE_SP] = 0;
	rep[2].v[L1_COIL_INHIBIT(2)] = 0;
	rep[0].v[L1_DI_INHIBITED(2)] = 0;
	decode(&mem, &ack, &o, NULL);
	assert_true(o.restarted);
	assert_false(o.foreign);
	assert_false(o.flags & OBS_ST_REMOTE_SP);
	/* tips at 0 with our coils in place: no restart */
	golden();
	rep[1].v[2] = rep[1].v[3] = 0;
	decode(&mem, &ack, &o, NULL);
	assert_false(o.restarted);
}

/* Every check of a reply: no observation, a cause that says why. */
static void
test_bad_replies(void **state)
{
	struct codec_mem	mem = { 0 };
	struct obs		o;
	char			*cause = NULL;

	(void)state;
	golden();
	rep[1].ok = 0;
	rep[1].exception = 4;
	decode(&mem, NULL, &o, "input registers: exception 4");
	golden();
	rep[0].ok = 0;
	rep[0].exception = 2;
	decode(&mem, NULL, &o, "discrete inputs: exception 2");
	golden();
	rep[2].n = 11;
	decode(&mem, NULL, &o, "coils: 11 values, not 12");
	golden();
	rep[0].v[9] = 2;
	decode(&mem, NULL, &o, "discrete inputs: bit 9 reads 2");
	golden();
	rep[0].v[6] = 1;
	decode(&mem, NULL, &o, "reserved discrete input 6 is set");
	golden();
	rep[2].v[1] = 1;
	decode(&mem, NULL, &o, "coil 1 reads 1: the map has it read 0");
	golden();
	rep[2].v[5] = 1;
	decode(&mem, NULL, &o, "coil 5 reads 1: the map has it read 0");
	golden();
	rep[0].v[L1_DI_RUNNING(3)] = 1;
	decode(&mem, NULL, &o, "pump 4 shows status, the configuration has "
	    "3 pumps");
	golden();
	rep[1].v[L1_IR_CURRENT(1) + 1] = 0x7FC0;	/* NaN */
	decode(&mem, NULL, &o, "pump 2: current nan A is no reading");
	golden();
	rep[1].v[L1_IR_CURRENT(0) + 1] = 0xC22A;	/* -42.5 */
	decode(&mem, NULL, &o, "pump 1: current -42.5 A is no reading");
	golden();
	rep[3].v[L1_HR_ALL_ON + 1] = 0x41C8;		/* 25.0 */
	decode(&mem, NULL, &o, "set-point register 6 holds 25");
	golden();
	rep[3].v[L1_HR_STOP + 1] = 0x7F80;		/* +inf */
	rep[3].v[L1_HR_STOP] = 0;
	decode(&mem, NULL, &o, "set-point register 2 holds inf");
	golden();
	assert_int_equal(l1->decode(&cfg, &mem, req, rep, 3, NULL, &o,
	    &cause), -1);
	assert_string_equal(cause, "3 replies, not 4");
	free(cause);
	assert_int_equal(mem.polled, 0);	/* failures leave mem alone */
}

/* Function 17: only an L1 PLC's answer passes. */
static void
test_identity(void **state)
{
	static const char	*good = "\x4c\xff" "JNPS-L1 2.07";
	struct codec_reply	r;
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	memset(&r, 0, sizeof r);
	r.ok = 1;
	r.n = (uint16_t)strlen(good);
	for (i = 0; i < r.n; i++)
		r.v[i] = (uint8_t)good[i];
	assert_int_equal(l1->ident_check(&r, &cause), 0);
	r.v[0] = 0x4D;
	assert_int_equal(l1->ident_check(&r, &cause), -1);
	assert_string_equal(cause, "identity: server id 0x4D, run indicator "
	    "0xFF, \"JNPS-L1 2.07\": not \"JNPS-L1\" and a revision (0x4C, "
	    "0xFF): refusing to control");
	free(cause);
	r.v[0] = 0x4C;
	r.v[1] = 0x00;				/* not running */
	assert_int_equal(l1->ident_check(&r, &cause), -1);
	free(cause);
	r.v[1] = 0xFF;
	r.v[7] = 'V';				/* JNPS-V1 */
	assert_int_equal(l1->ident_check(&r, &cause), -1);
	free(cause);
	r.v[7] = 'L';
	r.n = 9;				/* no revision */
	assert_int_equal(l1->ident_check(&r, &cause), -1);
	free(cause);
	r.n = (uint16_t)strlen(good);
	r.v[10] = 0x01;				/* not printable */
	assert_int_equal(l1->ident_check(&r, &cause), -1);
	free(cause);
	r.ok = 0;
	r.exception = 1;
	assert_int_equal(l1->ident_check(&r, &cause), -1);
	assert_string_equal(cause, "identity: exception 1 to function 17: "
	    "not an L1 PLC, refusing to control");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_poll),
		cmocka_unit_test(test_decode_golden),
		cmocka_unit_test(test_raw_levels),
		cmocka_unit_test(test_tips_and_restart),
		cmocka_unit_test(test_encode_golden),
		cmocka_unit_test(test_encode_checks),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_identity),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
