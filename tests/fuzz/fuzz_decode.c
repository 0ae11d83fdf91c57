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
	uint16_t			ir[PLC_IR_COUNT];
	char				cause[160];
	static int64_t			t;
	int				n;

	if (size < sizeof ir)
		return 0;
	memcpy(ir, data, sizeof ir);
	n = ir[PLC_IR_PUMP_COUNT];	/* mostly a match, to reach the core */
	fixture_station(&c, n >= 1 && n <= 8 ? n : 1 + n % 8);
	cfg_control_defaults(&p);
	if (!init) {
		core_init(&s);
		init = 1;
	}
	t += 1000;
	if (plc_decode(&c, ir, &snap, cause, sizeof cause) == 0)
		core_step(&s, &c, &p, &snap, CORE_COMMS_OK, &in, t, &out);
	return 0;
}
