/* Fuzz the simulated PLC's request check: any bytes as a Modbus TCP
 * request get an answer code or none, never a crash, and a request that
 * passes writes only values the map allows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_station	 c;
	static struct rain		 r;
	static struct mdl_station	 st;
	static int			 init;
	struct mdl_req			 q;

	if (!init) {
		fixture_station(&c, 4);
		mdl_init(&st, &c, &r, 0);
		init = 1;
	}
	if (size > 260)
		return 0;
	if (mdl_check_request(&st, data, (int)size, 7, &q) == 0 &&
	    q.nwrite > 0 && mdl_write(&st, q.addr, q.nwrite, q.v) != 0)
		abort();	/* checked, then refused: inconsistent */
	mdl_step(&st, 0.5);
	return 0;
}
