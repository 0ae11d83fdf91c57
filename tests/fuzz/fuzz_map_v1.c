/* Fuzz the map v1 codec's decoder and the control core behind it: whatever
 * registers a PLC (or a broken link) sends for a poll's two reads, and
 * whatever it held of an acknowledged intent, the codec rejects them or
 * the core decides on the observation; nothing crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "core.h"
#include "fixture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Up to n registers of data (big-endian pairs) from *off into v. */
static uint16_t
take_regs(const uint8_t *data, size_t size, size_t *off, uint16_t *v, int n)
{
	int	i;

	for (i = 0; i < n && *off + 1 < size; i++, *off += 2)
		v[i] = (uint16_t)(data[*off] << 8 | data[*off + 1]);
	return (uint16_t)i;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_state	s;
	static struct codec_mem		mem;
	static int			init;
	static int64_t			t;
	static struct codec_req		req[CODEC_MAX_REQS];
	static struct codec_reply	rep[CODEC_MAX_REQS];
	const struct codec		*v1 = codec_find("v1");
	struct cfg_station		c;
	struct cfg_control		p;
	struct core_input		in = { CORE_WARN_NONE, -1, 0 };
	struct codec_ack		ack;
	struct obs			o;
	struct core_out			out;
	char				*cause = NULL;
	size_t				off = 1;
	int				n, i;

	if (size < 1)
		return 0;
	memset(rep, 0, sizeof rep);
	memset(&ack, 0, sizeof ack);
	n = v1->poll(NULL, req);
	for (i = 0; i < n; i++) {
		rep[i].ok = !(data[0] & (1u << i));
		rep[i].exception = 4;
		rep[i].n = take_regs(data, size, &off, rep[i].v, req[i].n);
	}
	/* what follows, if any, is the block acknowledged before the poll */
	if (data[0] & 0x80) {
		ack.valid = 1;
		ack.nreq = 1;
		ack.seq = rep[1].v[0];
		ack.req[0].n = take_regs(data, size, &off, ack.req[0].v, 16);
	}
	n = rep[0].n > 10 ? rep[0].v[10] : 1;	/* mostly a match */
	fixture_station(&c, n >= 1 && n <= 8 ? n : 1 + n % 8);
	cfg_control_defaults(&p);
	if (!init) {
		core_init(&s);
		init = 1;
	}
	t += 1000;
	if (v1->decode(&c, &mem, req, rep, 2, &ack, &o, &cause) == 0)
		core_step(&s, &c, &p, &o, CORE_COMMS_OK, &in, t, &out);
	free(cause);
	return 0;
}
