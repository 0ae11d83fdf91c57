/* Fuzz the check of a PLC's Modbus TCP reply: whatever bytes come back to
 * any request a station map makes (v1: the input block, the holding
 * registers, the command block; L1: discrete inputs, coils, one coil and
 * the coil block written, report server id), mbtcp_check never crashes,
 * and what it accepts is exactly the one good frame for the request
 * (rebuilt here from the values it took), so that no malformed reply is
 * ever obeyed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbtcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Put v big-endian at p. */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The good reply's PDU after the function code for q carrying the n
 * values v, at p; its length. */
static size_t
good_pdu(const struct mbtcp_req *q, const uint16_t *v, uint16_t n, uint8_t *p)
{
	int	i;

	switch (q->fc) {
	case MBTCP_FC_WRITE_COIL:
		put16(p, q->addr);
		put16(p + 2, q->coil ? 0xFF00 : 0);
		return 4;
	case MBTCP_FC_WRITE_COILS:
	case MBTCP_FC_WRITE_MULTIPLE:
		put16(p, q->addr);
		put16(p + 2, q->n);
		return 4;
	case MBTCP_FC_READ_COILS:
	case MBTCP_FC_READ_DISCRETE:
		p[0] = (uint8_t)((q->n + 7) / 8);
		memset(p + 1, 0, p[0]);
		for (i = 0; i < q->n; i++)
			p[1 + i / 8] |= (uint8_t)((v[i] & 1) << (i % 8));
		return 1 + (size_t)p[0];
	case MBTCP_FC_REPORT_ID:
		p[0] = (uint8_t)n;
		for (i = 0; i < n; i++)
			p[1 + i] = (uint8_t)v[i];
		return 1 + (size_t)n;
	default:
		p[0] = (uint8_t)(2 * q->n);
		for (i = 0; i < q->n; i++)
			put16(p + 1 + 2 * i, v[i]);
		return 1 + (size_t)p[0];
	}
}

/* The good reply to q carrying the n values v, rebuilt; its length. */
static size_t
good_reply(const struct mbtcp_req *q, const uint16_t *v, uint16_t n,
    uint8_t *f)
{
	size_t	plen = good_pdu(q, v, n, f + MBTCP_HDR + 1);

	put16(f, q->tid);
	put16(f + 2, 0);
	put16(f + 4, (uint16_t)(plen + 2));
	f[6] = q->unit;
	f[7] = q->fc;
	return MBTCP_HDR + 1 + plen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mbtcp_req kinds[] = {
		{ 0, 1, MBTCP_FC_READ_INPUT, 0, 80, 0 },
		{ 0, 1, MBTCP_FC_READ_HOLDING, 0, 16, 0 },
		{ 0, 1, MBTCP_FC_WRITE_MULTIPLE, 0, 16, 0 },
		{ 0, 1, MBTCP_FC_READ_HOLDING, 0, 3, 0 },
		{ 0, 1, MBTCP_FC_READ_DISCRETE, 0, 24, 0 },
		{ 0, 1, MBTCP_FC_READ_COILS, 0, 12, 0 },
		{ 0, 1, MBTCP_FC_WRITE_COIL, 1, 1, 1 },
		{ 0, 1, MBTCP_FC_WRITE_COILS, 0, 12, 0 },
		{ 0, 1, MBTCP_FC_REPORT_ID, 0, 0, 0 },
	};
	const size_t		nkinds = sizeof kinds / sizeof kinds[0];
	struct mbtcp_req	q;
	struct mbtcp_reply	r;
	uint8_t			f[MBTCP_MAX_ADU];
	size_t			rest;

	if (size < 3 || size > 3 + MBTCP_MAX_ADU + 8)
		return 0;
	q = kinds[data[0] % nkinds];
	q.tid = (uint16_t)(data[1] << 8 | data[2]);
	data += 3;
	size -= 3;
	if (size >= MBTCP_HDR && mbtcp_check_head(&q, data, &rest, &r) == 0 &&
	    rest + MBTCP_HDR > MBTCP_MAX_ADU)
		abort();
	if (mbtcp_check(&q, data, size, &r) == 0) {
		if (r.n > MBTCP_MAX_VALUES || size != good_reply(&q, r.regs,
		    r.n, f) || memcmp(f, data, size) != 0)
			abort();
	} else if (r.cause == MBTCP_OK || r.cause >= MBTCP_NCAUSES ||
	    r.why[0] == '\0') {
		abort();
	}
	return 0;
}
