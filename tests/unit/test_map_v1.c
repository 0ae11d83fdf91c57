/*
 * The map v1 codec, both ways, from golden register images: the poll's
 * requests; an input block decoded into engineering units field by field;
 * every check of a reply (map version, pump count, undefined status bits,
 * speed and pump status out of range, exceptions, short replies); the PLC
 * restart from its uptime; the acknowledged intent against the registers
 * read back (another master); and intents encoded into the exact command
 * block and its function-16 frame, with the map's clamps.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "fixture.h"
#include "mbtcp.h"

static const struct codec	*v1;
static struct cfg_station	 cfg;

/* A golden input block: 2 pumps, every status bit, level B invalid. */
static const uint16_t golden_ir[80] = {
	[0] = 1, [1] = 0x00FF, [2] = 2345, [3] = 0xFFFF,
	[4] = 0x0001, [5] = 0x0002, [6] = 4100, [7] = 77,
	[8] = 0x0000, [9] = 0x1000, [10] = 2,
	[16] = 0x003F, [17] = 1234, [18] = 987, [19] = 0x0001, [20] = 0x0000,
	[21] = 0x0000, [22] = 0x0007,
	[24] = 0x0004, [25] = 0, [26] = 0, [27] = 0, [28] = 3600, [29] = 0,
	[30] = 12,
};

static int
setup(void **state)
{
	(void)state;
	v1 = codec_find("v1");
	fixture_station(&cfg, 2);
	return 0;
}

/* The replies of one poll: ir as the input block, hr read back. */
static void
replies(struct codec_reply *rep, const uint16_t *ir, const uint16_t *hr)
{
	memset(rep, 0, 2 * sizeof *rep);
	rep[0].ok = rep[1].ok = 1;
	rep[0].n = 80;
	memcpy(rep[0].v, ir, 80 * sizeof *ir);
	rep[1].n = 16;
	if (hr != NULL)
		memcpy(rep[1].v, hr, 16 * sizeof *hr);
}

/* Decode ir with hr read back and ack; returns decode's result, *cause
 * freed (its text kept in why). */
static int
decode(struct codec_mem *mem, const uint16_t *ir, const uint16_t *hr,
    const struct codec_ack *ack, struct obs *o, char *why, size_t len)
{
	struct codec_req	req[CODEC_MAX_REQS];
	struct codec_reply	rep[2];
	char			*cause = NULL;
	int			 rc;

	v1->poll(&cfg, req);
	replies(rep, ir, hr);
	rc = v1->decode(&cfg, mem, req, rep, 2, ack, o, &cause);
	snprintf(why, len, "%s", cause != NULL ? cause : "");
	free(cause);
	return rc;
}

static void
test_table_and_poll(void **state)
{
	struct codec_req	req[CODEC_MAX_REQS];

	(void)state;
	assert_non_null(v1);
	assert_ptr_equal(codec_find(NULL), v1);
	assert_ptr_equal(codec_find(""), v1);
	assert_null(codec_find("v2"));
	assert_string_equal(v1->name, "v1");
	assert_int_equal(v1->control, OBS_DIRECT);
	assert_int_equal(v1->max_pumps, OBS_MAX_PUMPS);
	assert_null(v1->ident_request);
	assert_int_equal(v1->poll(&cfg, req), 2);
	assert_int_equal(req[0].fc, 0x04);
	assert_int_equal(req[0].addr, 0);
	assert_int_equal(req[0].n, 80);
	assert_int_equal(req[1].fc, 0x03);
	assert_int_equal(req[1].addr, 0);
	assert_int_equal(req[1].n, 16);
}

static void
test_decode_golden(void **state)
{
	struct codec_mem	mem = { 0 };
	struct obs		o;
	char			why[160];

	(void)state;
	assert_int_equal(decode(&mem, golden_ir, NULL, NULL, &o, why,
	    sizeof why), 0);
	assert_int_equal(o.control, OBS_DIRECT);
	assert_int_equal(o.flags, OBS_ST_REMOTE | OBS_ST_OWN_CONTROL |
	    OBS_ST_WATCHDOG | OBS_ST_MAINS_OK | OBS_ST_HIGH_HIGH |
	    OBS_ST_LOW_LOW | OBS_ST_DOOR_OPEN | OBS_ST_ESTOP);
	assert_int_equal(o.nlevels, 2);
	assert_true(o.level_ok[0]);
	assert_true(o.level_m[0] == 2.345);
	assert_false(o.level_ok[1]);
	assert_true(o.outfall_ok);
	assert_true(o.outfall_m == 4.1);
	assert_int_equal(o.rain_tips, 65538);
	assert_true(o.echo_ok);
	assert_int_equal(o.echo_seq, 77);
	assert_false(o.restarted);	/* nothing to compare with */
	assert_false(o.acked);
	assert_false(o.foreign);
	assert_int_equal(o.npumps, 2);
	assert_int_equal(o.pump[0].flags, OBS_PU_RUNNING | OBS_PU_FAULT |
	    OBS_PU_AVAILABLE | OBS_PU_OVERTEMP | OBS_PU_SEAL_LEAK |
	    OBS_PU_VFD);
	assert_true(o.pump[0].current_a == 123.4);
	assert_true(o.pump[0].speed_pct == 98.7);
	assert_int_equal(o.pump[0].run_s, 65536);
	assert_int_equal(o.pump[0].starts, 7);
	assert_int_equal(o.pump[1].flags, OBS_PU_AVAILABLE);
	assert_int_equal(o.pump[1].run_s, 3600);
	assert_int_equal(o.pump[1].starts, 12);
	/* 0xFFFF outfall and heartbeat echo 0: no value, no echo */
	{
		uint16_t	ir[80];

		memcpy(ir, golden_ir, sizeof ir);
		ir[6] = 0xFFFF;
		ir[7] = 0;
		ir[2] = 0xFFFF;
		assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why,
		    sizeof why), 0);
		assert_false(o.outfall_ok);
		assert_false(o.echo_ok);
		assert_false(o.level_ok[0]);
	}
}

/* Each check of the old plc_decode, now the codec's. */
static void
test_decode_checks(void **state)
{
	struct codec_mem	mem = { 0 };
	struct codec_req	req[CODEC_MAX_REQS];
	struct codec_reply	rep[2];
	struct obs		o;
	uint16_t		ir[80];
	char			why[160], *cause = NULL;

	(void)state;
	memcpy(ir, golden_ir, sizeof ir);
	ir[0] = 2;
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), -1);
	assert_string_equal(why, "map version 2, not 1: refusing to control");
	memcpy(ir, golden_ir, sizeof ir);
	ir[10] = 3;
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), -1);
	assert_string_equal(why, "PLC reports 3 pumps, the configuration 2");
	memcpy(ir, golden_ir, sizeof ir);
	ir[1] = 0x0100;
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), -1);
	assert_string_equal(why, "station_status 0x0100 has undefined bits");
	memcpy(ir, golden_ir, sizeof ir);
	ir[26] = 1001;
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), -1);
	assert_string_equal(why, "pump 2: speed 1001 or status 0x0004 out of "
	    "range");
	memcpy(ir, golden_ir, sizeof ir);
	ir[16] = 0x0040;
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), -1);
	assert_non_null(strstr(why, "pump 1:"));
	assert_false(mem.polled);	/* a rejected poll teaches nothing */
	/* an exception reply, a short reply, a missing reply */
	v1->poll(&cfg, req);
	replies(rep, golden_ir, NULL);
	rep[1].ok = 0;
	rep[1].exception = 2;
	assert_int_equal(v1->decode(&cfg, &mem, req, rep, 2, NULL, &o,
	    &cause), -1);
	assert_string_equal(cause, "read 2: exception 2");
	free(cause);
	replies(rep, golden_ir, NULL);
	rep[0].n = 79;
	assert_int_equal(v1->decode(&cfg, &mem, req, rep, 2, NULL, &o,
	    &cause), -1);
	assert_string_equal(cause, "read 1: 79 registers, not 80");
	free(cause);
	assert_int_equal(v1->decode(&cfg, &mem, req, rep, 1, NULL, &o,
	    &cause), -1);
	free(cause);
}

/* The PLC restarted when its uptime dropped since the previous poll. */
static void
test_restart_from_uptime(void **state)
{
	struct codec_mem	mem = { 0 };
	struct obs		o;
	uint16_t		ir[80];
	char			why[160];

	(void)state;
	memcpy(ir, golden_ir, sizeof ir);
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), 0);
	assert_false(o.restarted);
	ir[9] = 10;		/* 4096 s -> 10 s */
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), 0);
	assert_true(o.restarted);
	ir[9] = 20;
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), 0);
	assert_false(o.restarted);
	ir[8] = 1;		/* the high word counts: 65556 s */
	assert_int_equal(decode(&mem, ir, NULL, NULL, &o, why, sizeof why), 0);
	assert_false(o.restarted);
}

/* The acknowledged block against the registers read back. */
static void
test_acked_and_foreign(void **state)
{
	struct codec_mem	mem = { 0 };
	struct codec_ack	ack;
	struct obs		o;
	uint16_t		hr[16] = { 5, 1, 0x1, 0, 10, 1600, 1000, 3200 };
	uint16_t		ir[80];
	char			why[160];

	(void)state;
	memset(&ack, 0, sizeof ack);
	ack.valid = 1;
	ack.seq = 5;
	ack.remote = 1;
	ack.nreq = 1;
	memcpy(ack.req[0].v, hr, sizeof hr);
	memcpy(ir, golden_ir, sizeof ir);
	assert_int_equal(decode(&mem, ir, hr, &ack, &o, why, sizeof why), 0);
	assert_true(o.acked);
	assert_int_equal(o.acked_seq, 5);
	assert_true(o.acked_remote);
	assert_false(o.foreign);
	hr[2] = 0x2;		/* pump_cmd not ours */
	assert_int_equal(decode(&mem, ir, hr, &ack, &o, why, sizeof why), 0);
	assert_true(o.foreign);
	hr[2] = 0x1;
	hr[0] = 6;		/* heartbeat not ours */
	assert_int_equal(decode(&mem, ir, hr, &ack, &o, why, sizeof why), 0);
	assert_true(o.foreign);
	hr[0] = 0;		/* a restart resets the registers */
	ir[9] = 1;
	assert_int_equal(decode(&mem, ir, hr, &ack, &o, why, sizeof why), 0);
	assert_true(o.restarted);
	assert_false(o.foreign);
	hr[0] = 5;
	hr[5] = 1;		/* a set-point differs: not a master's mark */
	assert_int_equal(decode(&mem, ir, hr, &ack, &o, why, sizeof why), 0);
	assert_false(o.foreign);
}

/* An intent as the exact command block and its function-16 frame. */
static void
test_encode_golden(void **state)
{
	static const uint16_t	 want[16] = { 0x1234, 1, 0x5, 0, 10, 1600,
	    1000, 3200, 1000, 555, 1000, 1000, 1000, 1000, 1000, 1000 };
	static const uint8_t	 frame[] = { 0x00, 0x01, 0x00, 0x00, 0x00,
	    0x27, 0x01, 0x10, 0x00, 0x00, 0x00, 0x10, 0x20,
	    0x12, 0x34, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x0A,
	    0x06, 0x40, 0x03, 0xE8, 0x0C, 0x80, 0x03, 0xE8, 0x02, 0x2B,
	    0x03, 0xE8, 0x03, 0xE8, 0x03, 0xE8, 0x03, 0xE8, 0x03, 0xE8,
	    0x03, 0xE8 };
	struct intent		 it;
	struct codec_req	 w[CODEC_MAX_WRITES];
	struct mbtcp_req	 q = { 1, 1, 0x10, 0, 16, 0 };
	uint8_t			 buf[MBTCP_MAX_ADU];
	char			*cause = NULL;
	int			 k;

	(void)state;
	memset(&it, 0, sizeof it);
	it.write = 1;
	it.control = OBS_DIRECT;
	it.seq = 0x1234;
	it.remote = 1;
	it.run_mask = 0x5;
	it.watchdog_s = 10;
	it.fb_start_m = 1.6;
	it.fb_stop_m = 1.0;
	it.fb_all_m = 3.2;
	for (k = 0; k < OBS_MAX_PUMPS; k++)
		it.speed_pct[k] = 100;
	it.speed_pct[1] = 55.5;
	assert_int_equal(v1->encode(&cfg, &it, w, &cause), 1);
	assert_int_equal(w[0].fc, 0x10);
	assert_int_equal(w[0].addr, 0);
	assert_int_equal(w[0].n, 16);
	assert_memory_equal(w[0].v, want, sizeof want);
	assert_int_equal(mbtcp_request(&q, w[0].v, buf), sizeof frame);
	assert_memory_equal(buf, frame, sizeof frame);
}

/* Handed back: mode LOCAL and no pump command; the map's clamps. */
static void
test_encode_handback_and_clamps(void **state)
{
	struct intent		 it;
	struct codec_req	 w[CODEC_MAX_WRITES];
	char			*cause = NULL;

	(void)state;
	memset(&it, 0, sizeof it);
	it.write = 1;
	it.control = OBS_DIRECT;
	it.seq = 9;
	it.remote = 0;
	it.run_mask = 0x3;
	it.watchdog_s = 3600;
	it.fb_start_m = 25;
	it.fb_stop_m = -1;
	it.fb_all_m = NAN;
	it.speed_pct[0] = 150;
	it.speed_pct[1] = -5;
	assert_int_equal(v1->encode(&cfg, &it, w, &cause), 1);
	assert_int_equal(w[0].v[1], 0);		/* LOCAL */
	assert_int_equal(w[0].v[2], 0);		/* no pump command */
	assert_int_equal(w[0].v[4], 600);
	assert_int_equal(w[0].v[5], 20000);
	assert_int_equal(w[0].v[6], 0);
	assert_int_equal(w[0].v[7], 0);
	assert_int_equal(w[0].v[8], 1000);
	assert_int_equal(w[0].v[9], 0);
	it.watchdog_s = 1;
	assert_int_equal(v1->encode(&cfg, &it, w, &cause), 1);
	assert_int_equal(w[0].v[4], 2);
	it.write = 0;
	assert_int_equal(v1->encode(&cfg, &it, w, &cause), 0);
	it.write = 1;
	it.control = OBS_SUPERVISORY;
	assert_int_equal(v1->encode(&cfg, &it, w, &cause), -1);
	assert_string_equal(cause, "map v1 takes direct control only");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_poll),
		cmocka_unit_test(test_decode_golden),
		cmocka_unit_test(test_decode_checks),
		cmocka_unit_test(test_restart_from_uptime),
		cmocka_unit_test(test_acked_and_foreign),
		cmocka_unit_test(test_encode_golden),
		cmocka_unit_test(test_encode_handback_and_clamps),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
