/* Fuzz the simulated L1 PLC's request check (plc/model_l1.c): any bytes as
 * a Modbus TCP request get an answer code or none, never a crash; a write
 * that passes leaves set-points the PLC's own rules allow (finite, 0..20 m,
 * stop < start <= all-on) and every image within its map. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort when the PLC holds set-points it should have refused. */
static void
check_setpoints(const struct mdl_station *st)
{
	const float	*f = st->l1.sp_m;
	int		 i;

	for (i = 0; i < 4; i++)
		if (!isfinite(f[i]) || f[i] < 0 || f[i] > L1_SP_MAX_M)
			abort();
	if (f[1] >= f[0] || f[0] > f[3])
		abort();
	for (i = L1_COIL_ALARM_RESET; i <= L1_COIL_RESERVED_HI; i++)
		if (st->l1.coil[i])
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_station	 c;
	static struct rain		 r;
	static struct mdl_station	 st;
	static int			 init;
	struct mdl_req			 q;
	uint8_t				 id[64];

	if (!init) {
		fixture_station(&c, 4);
		c.map = CFG_MAP_L1;
		c.level_tx = (struct cfg_transducer){ 0.2, 5.0 };
		c.panel = (struct cfg_panel){ 1.8, 1.0, 0.5, 3.6 };
		mdl_init(&st, &c, &r, 0);
		init = 1;
	}
	if (size > 260)
		return 0;
	st.remote = size % 7 != 0;	/* now and then REMOTE off */
	if (mdl_check_request(&st, data, (int)size, 7, &q) == 0) {
		if (q.nwrite > 0 && !st.remote)
			abort();	/* REMOTE off: every write refused */
		if (q.nwrite > 0)
			mdl_l1_apply(&st, &q);
		if (q.fc == 0x11 && mdl_l1_ident(id, sizeof id) < 10)
			abort();
	}
	mdl_step(&st, 0.5);
	check_setpoints(&st);
	return 0;
}
