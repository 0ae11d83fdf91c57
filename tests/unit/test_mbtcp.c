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

static const struct mbtcp_req rd = { 0x1234, 1, MBTCP_FC_READ_INPUT, 0, 3 };
static const struct mbtcp_req wr = { 0x0007, 1, MBTCP_FC_WRITE_MULTIPLE, 0,
    2 };

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
		cmocka_unit_test(test_cause_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
