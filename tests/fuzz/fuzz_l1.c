/* Fuzz the map L1 codec's decoder (plc/map_l1.c): whatever four replies
 * and function-17 answer a PLC (or a broken link) sends, the codec rejects
 * them with a cause or gives an observation within the map's promises, and
 * never crashes.  The input: one byte of flags (bit i: reply i is an
 * exception; bit 4: an acknowledged intent exists), then the values of the
 * four replies (discrete inputs, input registers, coils, holding
 * registers) as big-endian 16-bit words, then the identity bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fixture.h"
#include "plcmap_l1.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next big-endian word of the input, 0 past its end. */
static uint16_t
word(const uint8_t *data, size_t size, size_t *at)
{
	uint16_t	v = 0;

	if (*at + 1 < size)
		v = (uint16_t)(data[*at] << 8 | data[*at + 1]);
	*at += 2;
	return v;
}

/* Check what a decoded observation promises. */
static void
check_obs(const struct cfg_station *c, const struct obs *o)
{
	int	k;

	if (o->control != OBS_SUPERVISORY || o->npumps != c->npumps ||
	    o->nlevels != 1)
		abort();
	if (o->level_ok[0] && !isfinite(o->level_m[0]))
		abort();
	for (k = 0; k < o->npumps; k++)
		if (!(o->pump[k].current_a >= 0))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct codec_mem	mem;
	const struct codec	*l1 = codec_find("L1");
	struct cfg_station	 c;
	struct codec_req	 req[CODEC_MAX_REQS], w[CODEC_MAX_WRITES];
	struct codec_reply	 rep[CODEC_MAX_REQS], id;
	struct codec_ack	 ack;
	struct intent		 it;
	struct obs		 o;
	char			*cause = NULL;
	size_t			 at = 1;
	int			 i, j, n;

	if (size < 1 || l1 == NULL)
		return 0;
	fixture_station(&c, 1 + data[0] % 4);
	c.map = CFG_MAP_L1;
	c.level_tx = (struct cfg_transducer){ 0.2, 5.0 };
	c.outfall_tx = (struct cfg_transducer){ 0.5, 6.0 };
	c.has_outfall = data[0] >> 7;
	n = l1->poll(&c, req);
	memset(rep, 0, sizeof rep);
	for (i = 0; i < n; i++) {
		rep[i].ok = !((data[0] >> i) & 1);
		rep[i].exception = 4;
		rep[i].n = req[i].n;
		for (j = 0; j < req[i].n; j++)
			rep[i].v[j] = word(data, size, &at);
	}
	memset(&it, 0, sizeof it);
	it.write = it.remote = 1;
	it.control = OBS_SUPERVISORY;
	it.start_m = 2.0;
	it.stop_m = 1.0;
	it.all_on_m = 3.0;
	it.inhibit_mask = data[0];
	memset(&ack, 0, sizeof ack);
	ack.nreq = l1->encode(&c, &it, ack.req, &cause);
	ack.valid = (data[0] >> 4) & 1;
	free(cause);
	cause = NULL;
	if (l1->decode(&c, &mem, req, rep, n, &ack, &o, &cause) == 0)
		check_obs(&c, &o);
	else if (cause == NULL)
		abort();
	free(cause);
	cause = NULL;
	/* the rest is an answer to function 17 */
	memset(&id, 0, sizeof id);
	id.ok = 1;
	for (; at < size && id.n < CODEC_MAX_VALUES; at++)
		id.v[id.n++] = data[at];
	if (l1->ident_check(&id, &cause) == -1 && cause == NULL)
		abort();
	free(cause);
	cause = NULL;
	/* and an intent from what was read */
	it.start_m = o.level_m[0];
	it.stop_m = o.outfall_m;
	it.remote = data[0] & 1;
	if (l1->encode(&c, &it, w, &cause) == -1 && cause == NULL)
		abort();
	free(cause);
	return 0;
}
