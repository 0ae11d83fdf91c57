/* Fuzz the check of a PLC's Modbus TCP reply: whatever bytes come back to
 * a read of the input block, a read of the holding registers or a write of
 * the command block, mbtcp_check never crashes, and what it accepts is
 * exactly the one good frame for the request (rebuilt here from the
 * registers it took), so that no malformed reply is ever obeyed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbtcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The good reply to q carrying regs, rebuilt; its length. */
static size_t
good_reply(const struct mbtcp_req *q, const uint16_t *regs, uint8_t *f)
{
	size_t	len = mbtcp_reply_len(q);
	int	i;

	f[0] = (uint8_t)(q->tid >> 8);
	f[1] = (uint8_t)q->tid;
	f[2] = f[3] = 0;
	f[4] = (uint8_t)((len - 6) >> 8);
	f[5] = (uint8_t)(len - 6);
	f[6] = q->unit;
	f[7] = q->fc;
	if (q->fc == MBTCP_FC_WRITE_MULTIPLE) {
		f[8] = (uint8_t)(q->addr >> 8);
		f[9] = (uint8_t)q->addr;
		f[10] = (uint8_t)(q->n >> 8);
		f[11] = (uint8_t)q->n;
		return len;
	}
	f[8] = (uint8_t)(2 * q->n);
	for (i = 0; i < q->n; i++) {
		f[9 + 2 * i] = (uint8_t)(regs[i] >> 8);
		f[10 + 2 * i] = (uint8_t)regs[i];
	}
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mbtcp_req kinds[] = {
		{ 0, 1, MBTCP_FC_READ_INPUT, 0, 80 },
		{ 0, 1, MBTCP_FC_READ_HOLDING, 0, 16 },
		{ 0, 1, MBTCP_FC_WRITE_MULTIPLE, 0, 16 },
		{ 0, 1, MBTCP_FC_READ_HOLDING, 0, 3 },
	};
	struct mbtcp_req	q;
	struct mbtcp_reply	r;
	uint8_t			f[MBTCP_MAX_ADU];
	size_t			rest;

	if (size < 3 || size > 3 + MBTCP_MAX_ADU + 8)
		return 0;
	q = kinds[data[0] % 4];
	q.tid = (uint16_t)(data[1] << 8 | data[2]);
	data += 3;
	size -= 3;
	if (size >= MBTCP_HDR && mbtcp_check_head(&q, data, &rest, &r) == 0 &&
	    rest + MBTCP_HDR > MBTCP_MAX_ADU)
		abort();
	if (mbtcp_check(&q, data, size, &r) == 0) {
		if (size != good_reply(&q, r.regs, f) ||
		    memcmp(f, data, size) != 0)
			abort();
	} else if (r.cause == MBTCP_OK || r.cause >= MBTCP_NCAUSES ||
	    r.why[0] == '\0') {
		abort();
	}
	return 0;
}
