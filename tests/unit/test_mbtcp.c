/*
 * Modbus TCP frames: golden requests byte for byte, golden replies taken,
 * and each defect of a reply rejected with its own cause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mbtcp.h"

static const struct mbtcp_req rd = { 0x1234, 1, MBTCP_FC_READ_INPUT, 0, 3,
    0 };
static const struct mbtcp_req wr = { 0x0007, 1, MBTCP_FC_WRITE_MULTIPLE, 0,
    2, 0 };

/* The functions of map L1: coils 0..11, discrete inputs 0..23, coil 1 on,
 * coils 0..11 written, function 17. */
static const struct mbtcp_req rc = { 0x0101, 1, MBTCP_FC_READ_COILS, 0, 12,
    0 };
static const struct mbtcp_req ri = { 0x0002, 1, MBTCP_FC_READ_DISCRETE, 0,
    24, 0 };
static const struct mbtcp_req w1 = { 0x0003, 1, MBTCP_FC_WRITE_COIL, 1, 1,
    1 };
static const struct mbtcp_req wc = { 0x0004, 1, MBTCP_FC_WRITE_COILS, 0, 12,
    0 };
static const struct mbtcp_req id = { 0x0005, 1, MBTCP_FC_REPORT_ID, 0, 0,
    0 };

/* The good reply to rc: coils 0, 8 and 11 on. */
static const uint8_t rc_ok[] = { 1, 1, 0, 0, 0, 5, 1, 1, 2, 0x01, 0x09 };
/* The good reply to ri: AUTO, REMOTE, MAINS_OK, pump 1 AVAILABLE. */
static const uint8_t ri_ok[] = { 0, 2, 0, 0, 0, 6, 1, 2, 3, 0x07, 0x04,
    0x00 };
/* The good reply to w1 (an echo of the request). */
static const uint8_t w1_ok[] = { 0, 3, 0, 0, 0, 6, 1, 5, 0, 1, 0xff, 0 };
/* The good reply to wc. */
static const uint8_t wc_ok[] = { 0, 4, 0, 0, 0, 6, 1, 0x0f, 0, 0, 0, 12 };
/* The good reply to id: server id 0x4C, run indicator 0xFF, "JNPS-L1 2.3". */
static const uint8_t id_ok[] = { 0, 5, 0, 0, 0, 16, 1, 0x11, 13, 0x4c, 0xff,
    'J', 'N', 'P', 'S', '-', 'L', '1', ' ', '2', '.', '3' };

/* The good reply to rd: registers 1, 0x0ce4 (3.3 m), 0xffff. */
static const uint8_t rd_ok[] = { 0x12, 0x34, 0, 0, 0, 9, 1, 4, 6, 0, 1,
    0x0c, 0xe4, 0xff, 0xff };
/* The good reply to wr. */
static const uint8_t wr_ok[] = { 0, 7, 0, 0, 0, 6, 1, 0x10, 0, 0, 0, 2 };

/* Check frame f of n bytes against q, expecting cause c. */
static void
expect(const struct mbtcp_req *q, const uint8_t *f, size_t n,
    enum mbtcp_cause c)
{
	struct mbtcp_reply	r;

	assert_int_equal(mbtcp_check(q, f, n, &r), c == MBTCP_OK ? 0 : -1);
	assert_int_equal(r.cause, c);
	if (c != MBTCP_OK)
		assert_true(r.why[0] != '\0');
}

/* A copy of frame f0 (n bytes) with byte i set to v, checked against q
 * for cause c. */
static void
expect_at(const struct mbtcp_req *q, const uint8_t *f0, size_t n, size_t i,
    uint8_t v, enum mbtcp_cause c)
{
	uint8_t	f[MBTCP_MAX_ADU];

	memcpy(f, f0, n);
	f[i] = v;
	expect(q, f, n, c);
}

/* A copy of rd_ok with byte i set to v, checked for cause c. */
static void
expect_patched(size_t i, uint8_t v, enum mbtcp_cause c)
{
	uint8_t	f[sizeof rd_ok];

	memcpy(f, rd_ok, sizeof f);
	f[i] = v;
	expect(&rd, f, sizeof f, c);
}

static void
test_requests(void **state)
{
	static const uint8_t want_rd[] = { 0x12, 0x34, 0, 0, 0, 6, 1, 4, 0, 0,
	    0, 3 };
	static const uint8_t want_wr[] = { 0, 7, 0, 0, 0, 11, 1, 0x10, 0, 0,
	    0, 2, 4, 0x01, 0x02, 0xab, 0xcd };
	uint16_t	regs[2] = { 0x0102, 0xabcd };
	uint8_t		buf[MBTCP_MAX_ADU];
	struct mbtcp_req q = rd;

	(void)state;
	assert_int_equal(mbtcp_request(&rd, NULL, buf), sizeof want_rd);
	assert_memory_equal(buf, want_rd, sizeof want_rd);
	assert_int_equal(mbtcp_request(&wr, regs, buf), sizeof want_wr);
	assert_memory_equal(buf, want_wr, sizeof want_wr);
	q.n = 0;
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	q.n = MBTCP_MAX_READ + 1;
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	q.n = MBTCP_MAX_READ;
	assert_int_equal(mbtcp_request(&q, NULL, buf), 12);
	assert_int_equal(mbtcp_reply_len(&q), 7 + 2 + 2 * MBTCP_MAX_READ);
}

static void
test_good_replies(void **state)
{
	struct mbtcp_reply	r;
	size_t			rest;

	(void)state;
	assert_int_equal(mbtcp_check(&rd, rd_ok, sizeof rd_ok, &r), 0);
	assert_int_equal(r.regs[0], 1);
	assert_int_equal(r.regs[1], 3300);
	assert_int_equal(r.regs[2], 0xffff);
	assert_int_equal(mbtcp_check_head(&rd, rd_ok, &rest, &r), 0);
	assert_int_equal(rest, sizeof rd_ok - MBTCP_HDR);
	expect(&wr, wr_ok, sizeof wr_ok, MBTCP_OK);
}

static void
test_header_defects(void **state)
{
	(void)state;
	expect_patched(1, 0x35, MBTCP_E_TID);
	expect_patched(0, 0x00, MBTCP_E_TID);
	expect_patched(3, 1, MBTCP_E_PROTOCOL);
	expect_patched(2, 1, MBTCP_E_PROTOCOL);
	expect_patched(6, 2, MBTCP_E_UNIT);
	expect_patched(6, 0, MBTCP_E_UNIT);
	expect_patched(6, 0xff, MBTCP_E_UNIT);
	expect_patched(5, 11, MBTCP_E_LENGTH);	/* says longer */
	expect_patched(5, 7, MBTCP_E_LENGTH);	/* says shorter */
	expect_patched(4, 1, MBTCP_E_LENGTH);
	expect(&rd, rd_ok, 3, MBTCP_E_LENGTH);	/* not even a header */
	expect(&rd, rd_ok, 0, MBTCP_E_LENGTH);
}

static void
test_frame_defects(void **state)
{
	uint8_t	f[sizeof rd_ok + 4];

	(void)state;
	expect(&rd, rd_ok, sizeof rd_ok - 1, MBTCP_E_LENGTH);	/* torn */
	memcpy(f, rd_ok, sizeof rd_ok);
	memcpy(f + sizeof rd_ok, "junk", 4);
	expect(&rd, f, sizeof f, MBTCP_E_TRAILING);
	expect(&rd, f, sizeof rd_ok + 1, MBTCP_E_TRAILING);
	expect_patched(7, 3, MBTCP_E_FUNCTION);		/* holding, not input */
	expect_patched(8, 4, MBTCP_E_COUNT);		/* byte count */
	expect_patched(8, 8, MBTCP_E_COUNT);
}

static void
test_exceptions(void **state)
{
	static const uint8_t exc[] = { 0x12, 0x34, 0, 0, 0, 3, 1, 0x84, 2 };
	static const uint8_t other[] = { 0x12, 0x34, 0, 0, 0, 3, 1, 0x83, 2 };
	static const uint8_t short_fc[] = { 0x12, 0x34, 0, 0, 0, 3, 1, 4, 2 };
	static const uint8_t long_exc[] = { 0x12, 0x34, 0, 0, 0, 9, 1, 0x84, 6,
	    0, 1, 0x0c, 0xe4, 0xff, 0xff };
	struct mbtcp_reply	r;

	(void)state;
	assert_int_equal(mbtcp_check(&rd, exc, sizeof exc, &r), -1);
	assert_int_equal(r.cause, MBTCP_E_EXCEPTION);
	assert_int_equal(r.exception, 2);
	assert_non_null(strstr(r.why, "exception 2"));
	expect(&rd, other, sizeof other, MBTCP_E_FUNCTION);
	expect(&rd, short_fc, sizeof short_fc, MBTCP_E_LENGTH);
	expect(&rd, long_exc, sizeof long_exc, MBTCP_E_FUNCTION);
}

static void
test_write_echo(void **state)
{
	uint8_t	f[sizeof wr_ok];

	(void)state;
	memcpy(f, wr_ok, sizeof f);
	f[11] = 3;				/* count */
	expect(&wr, f, sizeof f, MBTCP_E_COUNT);
	memcpy(f, wr_ok, sizeof f);
	f[9] = 1;				/* address */
	expect(&wr, f, sizeof f, MBTCP_E_COUNT);
	memcpy(f, wr_ok, sizeof f);
	f[7] = 0x06;				/* single register */
	expect(&wr, f, sizeof f, MBTCP_E_FUNCTION);
	/* a read's reply to a write */
	expect(&wr, rd_ok, sizeof rd_ok, MBTCP_E_TID);
}

static void
test_l1_requests(void **state)
{
	static const uint8_t want_rc[] = { 1, 1, 0, 0, 0, 6, 1, 1, 0, 0, 0,
	    12 };
	static const uint8_t want_ri[] = { 0, 2, 0, 0, 0, 6, 1, 2, 0, 0, 0,
	    24 };
	static const uint8_t want_w1[] = { 0, 3, 0, 0, 0, 6, 1, 5, 0, 1, 0xff,
	    0 };
	static const uint8_t want_w0[] = { 0, 3, 0, 0, 0, 6, 1, 5, 0, 1, 0, 0 };
	static const uint8_t want_wc[] = { 0, 4, 0, 0, 0, 9, 1, 0x0f, 0, 0, 0,
	    12, 2, 0x01, 0x09 };
	static const uint8_t want_id[] = { 0, 5, 0, 0, 0, 2, 1, 0x11 };
	uint16_t	bits[12] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1 };
	uint8_t		buf[MBTCP_MAX_ADU];
	struct mbtcp_req q;

	(void)state;
	assert_int_equal(mbtcp_request(&rc, NULL, buf), sizeof want_rc);
	assert_memory_equal(buf, want_rc, sizeof want_rc);
	assert_int_equal(mbtcp_request(&ri, NULL, buf), sizeof want_ri);
	assert_memory_equal(buf, want_ri, sizeof want_ri);
	assert_int_equal(mbtcp_request(&w1, NULL, buf), sizeof want_w1);
	assert_memory_equal(buf, want_w1, sizeof want_w1);
	q = w1;
	q.coil = 0;
	assert_int_equal(mbtcp_request(&q, NULL, buf), sizeof want_w0);
	assert_memory_equal(buf, want_w0, sizeof want_w0);
	q.coil = 2;				/* a bit is 0 or 1 */
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	q = w1;
	q.n = 2;				/* 05 writes one coil */
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	assert_int_equal(mbtcp_request(&wc, bits, buf), sizeof want_wc);
	assert_memory_equal(buf, want_wc, sizeof want_wc);
	bits[3] = 2;
	assert_int_equal(mbtcp_request(&wc, bits, buf), 0);
	assert_int_equal(mbtcp_request(&id, NULL, buf), sizeof want_id);
	assert_memory_equal(buf, want_id, sizeof want_id);
	q = id;
	q.n = 1;				/* 17 has no count */
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	q = rc;
	q.n = MBTCP_MAX_BITS + 1;
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	q.n = 0;
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	q.fc = 0x06;				/* a function no map uses */
	q.n = 1;
	assert_int_equal(mbtcp_request(&q, NULL, buf), 0);
	assert_int_equal(mbtcp_reply_len(&rc), sizeof rc_ok);
	assert_int_equal(mbtcp_reply_len(&ri), sizeof ri_ok);
	assert_int_equal(mbtcp_reply_len(&w1), sizeof w1_ok);
	assert_int_equal(mbtcp_reply_len(&wc), sizeof wc_ok);
	assert_int_equal(mbtcp_reply_len(&id), 0);
}

static void
test_l1_replies(void **state)
{
	static const uint16_t want_rc[12] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	    1 };
	struct mbtcp_reply	r;
	int			i;

	(void)state;
	assert_int_equal(mbtcp_check(&rc, rc_ok, sizeof rc_ok, &r), 0);
	assert_int_equal(r.n, 12);
	for (i = 0; i < 12; i++)
		assert_int_equal(r.regs[i], want_rc[i]);
	assert_int_equal(mbtcp_check(&ri, ri_ok, sizeof ri_ok, &r), 0);
	assert_int_equal(r.n, 24);
	for (i = 0; i < 24; i++)
		assert_int_equal(r.regs[i], i < 3 || i == 10);
	assert_int_equal(mbtcp_check(&w1, w1_ok, sizeof w1_ok, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(mbtcp_check(&wc, wc_ok, sizeof wc_ok, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(mbtcp_check(&id, id_ok, sizeof id_ok, &r), 0);
	assert_int_equal(r.n, 13);
	assert_int_equal(r.regs[0], 0x4c);
	assert_int_equal(r.regs[1], 0xff);
	assert_int_equal(r.regs[2], 'J');
	assert_int_equal(r.regs[12], '3');
}

static void
test_l1_defects(void **state)
{
	static const uint8_t id_empty[] = { 0, 5, 0, 0, 0, 3, 1, 0x11, 0 };
	static const uint8_t id_exc[] = { 0, 5, 0, 0, 0, 3, 1, 0x91, 1 };
	static const uint8_t ri_exc[] = { 0, 2, 0, 0, 0, 3, 1, 0x82, 2 };
	static const uint8_t wc_exc[] = { 0, 4, 0, 0, 0, 3, 1, 0x8f, 4 };
	uint8_t			f[MBTCP_MAX_ADU];
	struct mbtcp_reply	r;

	(void)state;
	/* bits: padding, byte count, function, length, unit, tid, protocol */
	expect_at(&rc, rc_ok, sizeof rc_ok, 10, 0x19, MBTCP_E_COUNT);
	expect_at(&rc, rc_ok, sizeof rc_ok, 10, 0x89, MBTCP_E_COUNT);
	expect_at(&rc, rc_ok, sizeof rc_ok, 8, 1, MBTCP_E_COUNT);
	expect_at(&rc, rc_ok, sizeof rc_ok, 7, 2, MBTCP_E_FUNCTION);
	expect_at(&rc, rc_ok, sizeof rc_ok, 5, 6, MBTCP_E_LENGTH);
	expect_at(&rc, rc_ok, sizeof rc_ok, 6, 2, MBTCP_E_UNIT);
	expect_at(&rc, rc_ok, sizeof rc_ok, 1, 2, MBTCP_E_TID);
	expect_at(&rc, rc_ok, sizeof rc_ok, 3, 1, MBTCP_E_PROTOCOL);
	expect_at(&ri, ri_ok, sizeof ri_ok, 8, 4, MBTCP_E_COUNT);
	expect_at(&ri, ri_ok, sizeof ri_ok, 7, 1, MBTCP_E_FUNCTION);
	expect(&ri, ri_ok, sizeof ri_ok - 1, MBTCP_E_LENGTH);
	memcpy(f, ri_ok, sizeof ri_ok);
	f[sizeof ri_ok] = 0;
	expect(&ri, f, sizeof ri_ok + 1, MBTCP_E_TRAILING);
	assert_int_equal(mbtcp_check(&ri, ri_exc, sizeof ri_exc, &r), -1);
	assert_int_equal(r.cause, MBTCP_E_EXCEPTION);
	assert_int_equal(r.exception, 2);
	/* 05: the echo is the whole request, value included */
	expect_at(&w1, w1_ok, sizeof w1_ok, 10, 0, MBTCP_E_COUNT);
	expect_at(&w1, w1_ok, sizeof w1_ok, 11, 1, MBTCP_E_COUNT);
	expect_at(&w1, w1_ok, sizeof w1_ok, 9, 0, MBTCP_E_COUNT);
	expect_at(&w1, w1_ok, sizeof w1_ok, 7, 0x0f, MBTCP_E_FUNCTION);
	/* 15: address and count */
	expect_at(&wc, wc_ok, sizeof wc_ok, 11, 8, MBTCP_E_COUNT);
	expect_at(&wc, wc_ok, sizeof wc_ok, 9, 1, MBTCP_E_COUNT);
	expect_at(&wc, wc_ok, sizeof wc_ok, 7, 0x10, MBTCP_E_FUNCTION);
	assert_int_equal(mbtcp_check(&wc, wc_exc, sizeof wc_exc, &r), -1);
	assert_int_equal(r.cause, MBTCP_E_EXCEPTION);
	assert_int_equal(r.exception, 4);
	/* 17: byte count is what follows, any length up to a whole ADU */
	expect_at(&id, id_ok, sizeof id_ok, 8, 12, MBTCP_E_COUNT);
	expect_at(&id, id_ok, sizeof id_ok, 8, 14, MBTCP_E_COUNT);
	expect_at(&id, id_ok, sizeof id_ok, 5, 2, MBTCP_E_LENGTH);
	expect_at(&id, id_ok, sizeof id_ok, 5, 17, MBTCP_E_LENGTH);
	expect_at(&id, id_ok, sizeof id_ok, 4, 1, MBTCP_E_LENGTH);
	expect_at(&id, id_ok, sizeof id_ok, 7, 0x04, MBTCP_E_FUNCTION);
	expect_at(&id, id_ok, sizeof id_ok, 6, 0, MBTCP_E_UNIT);
	memcpy(f, id_ok, sizeof id_ok);
	f[sizeof id_ok] = 0;
	expect(&id, f, sizeof id_ok + 1, MBTCP_E_TRAILING);
	expect(&id, id_empty, sizeof id_empty, MBTCP_OK);
	assert_int_equal(mbtcp_check(&id, id_exc, sizeof id_exc, &r), -1);
	assert_int_equal(r.cause, MBTCP_E_EXCEPTION);
	assert_int_equal(r.exception, 1);
}

static void
test_cause_names(void **state)
{
	(void)state;
	assert_string_equal(mbtcp_cause_name(MBTCP_E_UNIT), "unit");
	assert_string_equal(mbtcp_cause_name(MBTCP_E_TRAILING), "trailing");
	assert_string_equal(mbtcp_cause_name(MBTCP_E_IO), "io");
	assert_string_equal(mbtcp_cause_name(MBTCP_NCAUSES), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_good_replies),
		cmocka_unit_test(test_header_defects),
		cmocka_unit_test(test_frame_defects),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_write_echo),
		cmocka_unit_test(test_l1_requests),
		cmocka_unit_test(test_l1_replies),
		cmocka_unit_test(test_l1_defects),
		cmocka_unit_test(test_cause_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
