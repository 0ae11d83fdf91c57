/*
 * Modbus TCP frames (see mbtcp.h).  Every check of a reply is here, so that
 * golden frames and the fuzzer reach all of them without a socket.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbtcp.h"

#define EXC_LEN		3	/* MBAP length of an exception reply */

/* Big-endian 16 bits at p. */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Put v big-endian at p. */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Reject with cause c and a formatted reason. */
__attribute__((format(printf, 3, 4)))
static int
reject(struct mbtcp_reply *r, enum mbtcp_cause c, const char *fmt, ...)
{
	va_list	ap;

	r->cause = c;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether q asks for a write. */
static int
is_write(const struct mbtcp_req *q)
{
	return q->fc == MBTCP_FC_WRITE_MULTIPLE ||
	    q->fc == MBTCP_FC_WRITE_COILS || q->fc == MBTCP_FC_WRITE_COIL;
}

/* Whether q's values are bits. */
static int
is_bits(const struct mbtcp_req *q)
{
	return q->fc == MBTCP_FC_READ_COILS ||
	    q->fc == MBTCP_FC_READ_DISCRETE || q->fc == MBTCP_FC_WRITE_COILS;
}

/* Bytes that carry n packed bits. */
static size_t
bit_bytes(uint16_t n)
{
	return ((size_t)n + 7) / 8;
}

/* Whether q's function and count can be framed. */
static int
is_valid(const struct mbtcp_req *q)
{
	switch (q->fc) {
	case MBTCP_FC_READ_COILS:
	case MBTCP_FC_READ_DISCRETE:
	case MBTCP_FC_WRITE_COILS:
		return q->n >= 1 && q->n <= MBTCP_MAX_BITS;
	case MBTCP_FC_READ_HOLDING:
	case MBTCP_FC_READ_INPUT:
		return q->n >= 1 && q->n <= MBTCP_MAX_READ;
	case MBTCP_FC_WRITE_MULTIPLE:
		return q->n >= 1 && q->n <= MBTCP_MAX_WRITE;
	case MBTCP_FC_WRITE_COIL:
		return q->n == 1;
	case MBTCP_FC_REPORT_ID:
		return q->n == 0;
	default:
		return 0;
	}
}

size_t
mbtcp_reply_len(const struct mbtcp_req *q)
{
	if (q->fc == MBTCP_FC_REPORT_ID)
		return 0;
	if (is_write(q))
		return MBTCP_HDR + 5;
	return MBTCP_HDR + 2 + (is_bits(q) ? bit_bytes(q->n) : 2 * (size_t)q->n);
}

/* Pack bits v[0..n-1] (each 0 or 1) at p; -1 when one is neither. */
static int
put_bits(uint8_t *p, const uint16_t *v, uint16_t n)
{
	int	i;

	memset(p, 0, bit_bytes(n));
	for (i = 0; i < n; i++) {
		if (v[i] > 1)
			return -1;
		p[i / 8] |= (uint8_t)(v[i] << (i % 8));
	}
	return 0;
}

/* The PDU of q after its function code, at p; its length, -1 when the
 * values cannot be encoded. */
static int
put_pdu(const struct mbtcp_req *q, const uint16_t *regs, uint8_t *p)
{
	int	i;

	if (q->fc == MBTCP_FC_REPORT_ID)
		return 0;
	put16(p, q->addr);
	if (q->fc == MBTCP_FC_WRITE_COIL) {
		if (q->coil > 1)
			return -1;
		put16(p + 2, q->coil ? 0xFF00 : 0x0000);
		return 4;
	}
	put16(p + 2, q->n);
	if (q->fc == MBTCP_FC_WRITE_COILS) {
		p[4] = (uint8_t)bit_bytes(q->n);
		return put_bits(p + 5, regs, q->n) == -1 ? -1 : 5 + p[4];
	}
	if (q->fc != MBTCP_FC_WRITE_MULTIPLE)
		return 4;
	p[4] = (uint8_t)(2 * q->n);
	for (i = 0; i < q->n; i++)
		put16(p + 5 + 2 * i, regs[i]);
	return 5 + p[4];
}

size_t
mbtcp_request(const struct mbtcp_req *q, const uint16_t *regs, uint8_t *buf)
{
	int	plen;

	if (!is_valid(q) || (plen = put_pdu(q, regs, buf + MBTCP_HDR + 1)) < 0)
		return 0;
	put16(buf, q->tid);
	put16(buf + 2, 0);
	put16(buf + 4, (uint16_t)(plen + 2));
	buf[6] = q->unit;
	buf[7] = q->fc;
	return MBTCP_HDR + 1 + (size_t)plen;
}

/* Whether MBAP length len can be q's reply (or an exception). */
static int
len_fits(const struct mbtcp_req *q, uint16_t len)
{
	if (len == EXC_LEN)
		return 1;
	if (q->fc == MBTCP_FC_REPORT_ID)
		return len > EXC_LEN && len <= MBTCP_MAX_ADU - 6;
	return len == mbtcp_reply_len(q) - 6;
}

int
mbtcp_check_head(const struct mbtcp_req *q, const uint8_t *hdr,
    size_t *rest, struct mbtcp_reply *r)
{
	uint16_t	len = get16(hdr + 4);

	if (get16(hdr) != q->tid)
		return reject(r, MBTCP_E_TID, "transaction id %u, not %u",
		    get16(hdr), q->tid);
	if (get16(hdr + 2) != 0)
		return reject(r, MBTCP_E_PROTOCOL, "protocol id %u, not 0",
		    get16(hdr + 2));
	if (!len_fits(q, len)) {
		if (q->fc == MBTCP_FC_REPORT_ID)
			return reject(r, MBTCP_E_LENGTH, "MBAP length %u, not "
			    "3..%d", len, MBTCP_MAX_ADU - 6);
		return reject(r, MBTCP_E_LENGTH, "MBAP length %u, not %zu",
		    len, mbtcp_reply_len(q) - 6);
	}
	if (hdr[6] != q->unit)
		return reject(r, MBTCP_E_UNIT, "unit id %u, not %u", hdr[6],
		    q->unit);
	*rest = (size_t)len - 1;
	return 0;
}

/* Check a write's echo of address and count (of address and value for
 * function 05). */
static int
check_echo(const struct mbtcp_req *q, const uint8_t *pdu,
    struct mbtcp_reply *r)
{
	uint16_t	want = q->n;

	if (q->fc == MBTCP_FC_WRITE_COIL)
		want = q->coil ? 0xFF00 : 0x0000;
	if (get16(pdu + 1) != q->addr || get16(pdu + 3) != want)
		return reject(r, MBTCP_E_COUNT, "write echoes address %u "
		    "%s %u, not %u and %u", get16(pdu + 1),
		    q->fc == MBTCP_FC_WRITE_COIL ? "value" : "count",
		    get16(pdu + 3), q->addr, want);
	return 0;
}

/* Check a read's byte count and take its values. */
static int
take_values(const struct mbtcp_req *q, const uint8_t *pdu, size_t plen,
    struct mbtcp_reply *r)
{
	size_t	want = mbtcp_reply_len(q) - MBTCP_HDR - 2;
	int	i;

	if (q->fc == MBTCP_FC_REPORT_ID)
		want = plen - 2;
	if (pdu[1] != want)
		return reject(r, MBTCP_E_COUNT, "byte count %u, not %zu",
		    pdu[1], want);
	if (q->fc == MBTCP_FC_REPORT_ID) {
		for (i = 0; i < pdu[1]; i++)
			r->regs[i] = pdu[2 + i];
		r->n = pdu[1];
		return 0;
	}
	for (i = 0; i < q->n; i++)
		r->regs[i] = is_bits(q) ? (pdu[2 + i / 8] >> (i % 8)) & 1 :
		    get16(pdu + 2 + 2 * i);
	if (is_bits(q) && q->n % 8 != 0 &&
	    (pdu[2 + q->n / 8] >> (q->n % 8)) != 0)
		return reject(r, MBTCP_E_COUNT, "padding bits after bit %u "
		    "set (0x%02X)", q->n, pdu[2 + q->n / 8]);
	r->n = q->n;
	return 0;
}

int
mbtcp_check(const struct mbtcp_req *q, const uint8_t *adu, size_t len,
    struct mbtcp_reply *r)
{
	const uint8_t	*pdu = adu + MBTCP_HDR;
	size_t		 rest;

	r->cause = MBTCP_OK;
	r->exception = 0;
	r->n = 0;
	r->why[0] = '\0';
	if (len < MBTCP_HDR)
		return reject(r, MBTCP_E_LENGTH, "%zu bytes, shorter than a "
		    "header", len);
	if (mbtcp_check_head(q, adu, &rest, r) == -1)
		return -1;
	if (len < MBTCP_HDR + rest)
		return reject(r, MBTCP_E_LENGTH, "%zu bytes, the header says "
		    "%zu", len, MBTCP_HDR + rest);
	if (len > MBTCP_HDR + rest)
		return reject(r, MBTCP_E_TRAILING, "%zu bytes after the frame",
		    len - MBTCP_HDR - rest);
	if (rest == 2 && pdu[0] == (q->fc | 0x80)) {
		r->exception = pdu[1];
		return reject(r, MBTCP_E_EXCEPTION, "exception %u to "
		    "function %u", pdu[1], q->fc);
	}
	if (pdu[0] != q->fc)
		return reject(r, MBTCP_E_FUNCTION, "function %u, not %u",
		    pdu[0], q->fc);
	if (q->fc == MBTCP_FC_REPORT_ID ? rest < 2 :
	    MBTCP_HDR + rest != mbtcp_reply_len(q))
		return reject(r, MBTCP_E_LENGTH, "MBAP length %zu, not %zu",
		    rest + 1, q->fc == MBTCP_FC_REPORT_ID ? (size_t)3 :
		    mbtcp_reply_len(q) - 6);
	return is_write(q) ? check_echo(q, pdu, r) :
	    take_values(q, pdu, rest, r);
}

const char *
mbtcp_cause_name(enum mbtcp_cause c)
{
	static const char *name[MBTCP_NCAUSES] = { "ok", "tid", "protocol",
	    "length", "unit", "function", "count", "trailing", "exception",
	    "timeout", "io" };

	return (unsigned)c < MBTCP_NCAUSES ? name[c] : "unknown";
}
