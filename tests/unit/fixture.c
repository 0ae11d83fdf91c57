/*
 * The test station (see fixture.h).
 */
#include <string.h>

#include "fixture.h"

void
fixture_station(struct cfg_station *c, int npumps)
{
	int	k;

	memset(c, 0, sizeof *c);
	strcpy(c->id, "test");
	c->kind = CFG_STORMWATER;
	c->unit = 1;
	c->area_m2 = 200;
	c->depth_m = 6;
	c->flood_m = 4.8;
	c->lowlow_m = 0.5;
	c->highhigh_m = 4.2;
	c->npumps = npumps;
	for (k = 0; k < npumps; k++)
		c->pumps[k].capacity_m3s = 1.5;
	c->pumps[0].vfd = 1;
	c->stop_m = 1.0;
	c->duty_start_m = 1.6;
	for (k = 0; k < OBS_MAX_PUMPS - 1; k++)
		c->assist_start_m[k] = 2.4 + 0.8 * k;
	c->high_alarm_m = 3.8;
	c->tip_mm = 0.1;
	c->head_m = 6;
	c->has_outfall = 1;
	c->outfall_warn_m = 4.0;
	c->catch_ha = 20;
	c->runoff = 0.6;
	c->tc_min = 15;
	c->outlet = -1;		/* discharges to no limited reach */
}

void
fixture_station_l1(struct cfg_station *c)
{
	fixture_station(c, 3);
	strcpy(c->id, "test-l1");
	c->map = CFG_MAP_L1;
	c->pumps[0].vfd = 0;
	c->level_tx.zero_m = 0.0;
	c->level_tx.span_m = 6.0;
	c->outfall_tx.zero_m = 0.0;
	c->outfall_tx.span_m = 8.0;
	c->panel.start_m = 1.8;
	c->panel.stop_m = 1.0;
	c->panel.assist_step_m = 0.5;
	c->panel.all_on_m = 3.6;
}
