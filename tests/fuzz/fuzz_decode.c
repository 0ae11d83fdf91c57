/* Fuzz the check of a PLC's input block and the control core behind it:
 * whatever 80 registers a PLC (or a broken link) sends, pumpd rejects them
 * or decides on them, and never crashes. */
#include <stdint.h>
#include <string.h>

#include "core.h"
#include "fixture.h"
#include "plc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_state	s;
	static int			init;
	struct cfg_station		c;
	struct cfg_control		p;
	struct core_input		in = { WARN_NONE, -1 };
	struct core_snap		snap;
	struct core_out			out;
	struct plc_result		r;
	char				cause[160];
	static int64_t			t;
	int				n;

	if (size < sizeof r.ir)
		return 0;
	memset(&r, 0, sizeof r);
	r.ok = 1;
	memcpy(r.ir, data, sizeof r.ir);
	/* what follows, if any, is the poll's holding registers and the
	 * command block acknowledged before it */
	memcpy(r.hr, data + sizeof r.ir, size - sizeof r.ir < sizeof r.hr ?
	    size - sizeof r.ir : sizeof r.hr);
	if (size >= sizeof r.ir + sizeof r.hr + 1) {
		r.acked = data[sizeof r.ir + sizeof r.hr] & 1;
		memcpy(r.acked_hr, r.hr, sizeof r.hr);
	}
	n = r.ir[PLC_IR_PUMP_COUNT];	/* mostly a match, to reach the core */
	fixture_station(&c, n >= 1 && n <= 8 ? n : 1 + n % 8);
	cfg_control_defaults(&p);
	if (!init) {
		core_init(&s);
		init = 1;
	}
	t += 1000;
	if (plc_decode(&c, &r, &snap, cause, sizeof cause) == 0)
		core_step(&s, &c, &p, &snap, CORE_COMMS_OK, &in, t, &out);
	return 0;
}
