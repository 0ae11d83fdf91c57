/* Fuzz the check of a PLC's input block and the control core behind it:
 * whatever 80 registers a PLC (or a broken link) sends, pumpd rejects them
 * or decides on them, and never crashes. */
#include <stdint.h>
#include <string.h>

#include "core.h"
#include "plc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_state	s;
	static int			init;
	struct cfg_station		c;
	struct core_params		p;
	struct core_input		in = { WARN_NONE, -1 };
	struct core_snap		snap;
	struct core_out			out;
	uint16_t			ir[PLC_IR_COUNT];
	char				cause[160];
	static int64_t			t;
	int				k;

	if (size < sizeof ir)
		return 0;
	memcpy(ir, data, sizeof ir);
	memset(&c, 0, sizeof c);
	c.npumps = ir[PLC_IR_PUMP_COUNT] % 9;
	c.depth_m = 6;
	c.flood_m = 4.8;
	c.highhigh_m = 4.2;
	c.stop_m = 1;
	c.duty_start_m = 1.6;
	for (k = 0; k < 7; k++)
		c.assist_start_m[k] = 2 + k * 0.2;
	c.high_alarm_m = 3.8;
	c.tip_mm = 0.1;
	core_params_default(&p);
	if (!init) {
		core_init(&s);
		init = 1;
	}
	t += 1000;
	if (plc_decode(&c, ir, &snap, cause, sizeof cause) == 0)
		core_step(&s, &c, &p, &snap, CORE_COMMS_OK, &in, t, &out);
	return 0;
}
