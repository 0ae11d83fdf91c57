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
	return q->fc == MBTCP_FC_WRITE_MULTIPLE;
}

size_t
mbtcp_reply_len(const struct mbtcp_req *q)
{
	return is_write(q) ? MBTCP_HDR + 5 : MBTCP_HDR + 2 + 2 * (size_t)q->n;
}

size_t
mbtcp_request(const struct mbtcp_req *q, const uint16_t *regs, uint8_t *buf)
{
	size_t	len;
	int	i;

	if (q->n == 0 || (is_write(q) ? q->n > MBTCP_MAX_WRITE :
	    q->n > MBTCP_MAX_READ))
		return 0;
	len = is_write(q) ? MBTCP_HDR + 6 + 2 * (size_t)q->n : MBTCP_HDR + 5;
	put16(buf, q->tid);
	put16(buf + 2, 0);
	put16(buf + 4, (uint16_t)(len - 6));
	buf[6] = q->unit;
	buf[7] = q->fc;
	put16(buf + 8, q->addr);
	put16(buf + 10, q->n);
	if (is_write(q)) {
		buf[12] = (uint8_t)(2 * q->n);
		for (i = 0; i < q->n; i++)
			put16(buf + 13 + 2 * i, regs[i]);
	}
	return len;
}

int
mbtcp_check_head(const struct mbtcp_req *q, const uint8_t *hdr,
    size_t *rest, struct mbtcp_reply *r)
{
	uint16_t	len = get16(hdr + 4);
	size_t		good = mbtcp_reply_len(q) - 6;

	if (get16(hdr) != q->tid)
		return reject(r, MBTCP_E_TID, "transaction id %u, not %u",
		    get16(hdr), q->tid);
	if (get16(hdr + 2) != 0)
		return reject(r, MBTCP_E_PROTOCOL, "protocol id %u, not 0",
		    get16(hdr + 2));
	if (len != good && len != EXC_LEN)
		return reject(r, MBTCP_E_LENGTH, "MBAP length %u, not %zu",
		    len, good);
	if (hdr[6] != q->unit)
		return reject(r, MBTCP_E_UNIT, "unit id %u, not %u", hdr[6],
		    q->unit);
	*rest = (size_t)len - 1;
	return 0;
}

/* Check a write's echo of address and count. */
static int
check_echo(const struct mbtcp_req *q, const uint8_t *pdu,
    struct mbtcp_reply *r)
{
	if (get16(pdu + 1) != q->addr || get16(pdu + 3) != q->n)
		return reject(r, MBTCP_E_COUNT, "write echoes address %u "
		    "count %u, not %u and %u", get16(pdu + 1), get16(pdu + 3),
		    q->addr, q->n);
	return 0;
}

/* Check a read's byte count and take its registers. */
static int
take_regs(const struct mbtcp_req *q, const uint8_t *pdu,
    struct mbtcp_reply *r)
{
	int	i;

	if (pdu[1] != 2 * q->n)
		return reject(r, MBTCP_E_COUNT, "byte count %u, not %u",
		    pdu[1], 2 * q->n);
	for (i = 0; i < q->n; i++)
		r->regs[i] = get16(pdu + 2 + 2 * i);
	return 0;
}

int
mbtcp_check(const struct mbtcp_req *q, const uint8_t *adu, size_t len,
    struct mbtcp_reply *r)
{
	const uint8_t	*pdu = adu + MBTCP_HDR;
	size_t		 rest, plen;

	r->cause = MBTCP_OK;
	r->exception = 0;
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
	plen = rest;
	if (plen == 2 && pdu[0] == (q->fc | 0x80)) {
		r->exception = pdu[1];
		return reject(r, MBTCP_E_EXCEPTION, "exception %u to "
		    "function %u", pdu[1], q->fc);
	}
	if (pdu[0] != q->fc)
		return reject(r, MBTCP_E_FUNCTION, "function %u, not %u",
		    pdu[0], q->fc);
	if (MBTCP_HDR + rest != mbtcp_reply_len(q))
		return reject(r, MBTCP_E_LENGTH, "MBAP length %zu, not %zu",
		    rest + 1, mbtcp_reply_len(q) - 6);
	return is_write(q) ? check_echo(q, pdu, r) : take_regs(q, pdu, r);
}

const char *
mbtcp_cause_name(enum mbtcp_cause c)
{
	static const char *name[MBTCP_NCAUSES] = { "ok", "tid", "protocol",
	    "length", "unit", "function", "count", "trailing", "exception",
	    "timeout", "io" };

	return (unsigned)c < MBTCP_NCAUSES ? name[c] : "unknown";
}
