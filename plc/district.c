/*
 * The district around the stations (district.h): routing what each station
 * pumps to its river reach or to the treatment plant, the outfall levels
 * and discharge limits the rivers impose, a moving storm's arrival at each
 * station, and the --bound start in an empty well.
 */
#include <stdlib.h>
#include <string.h>

#include "district.h"

/* Place the storm and the starting well of station m. */
static void
station_setup(struct mdl_station *m, const struct dst_opts *o)
{
	const struct cfg_station	*c = m->cfg;

	if (o->track != NULL) {
		m->rain_delay_s = hyd_track_delay_s(o->track, c->x_km,
		    c->y_km);
		m->rain_factor = hyd_track_factor(o->track, c->x_km, c->y_km);
	}
	if (o->bound) {		/* the well starts at its lowest level */
		m->bound = 1;
		m->level_m = m->max_level_m = m->min_level_m = c->lowlow_m;
		m->vol_m3 = m->vol0_m3 = c->area_m2 * c->lowlow_m;
		mdl_publish(m);
	}
}

int
dst_init(struct dst *ds, const struct cfg_district *cfg,
    struct mdl_station **st, int n, const struct dst_opts *o)
{
	int	i;

	memset(ds, 0, sizeof *ds);
	ds->cfg = cfg;
	ds->st = st;
	ds->n = n;
	ds->seen_m3 = calloc((size_t)n + 1, sizeof *ds->seen_m3);
	ds->river_q = calloc((size_t)cfg->nrivers + 1, sizeof *ds->river_q);
	ds->rivers = calloc((size_t)cfg->nrivers + 1, sizeof *ds->rivers);
	if (ds->seen_m3 == NULL || ds->river_q == NULL || ds->rivers == NULL) {
		dst_free(ds);
		return -1;
	}
	for (i = 0; i < cfg->nrivers; i++)
		hyd_river_init(&ds->rivers[i], &cfg->rivers[i],
		    cfg->rivers[i].base_m + o->river_rise_m);
	ds->has_plant = cfg->has_plant;
	ds->plant.cfg = &cfg->plant;
	for (i = 0; i < n; i++) {
		station_setup(st[i], o);
		ds->seen_m3[i] = st[i]->pumped_m3;
	}
	return 0;
}

void
dst_free(struct dst *ds)
{
	free(ds->seen_m3);
	free(ds->river_q);
	free(ds->rivers);
	ds->seen_m3 = ds->river_q = NULL;
	ds->rivers = NULL;
}

const struct hyd_river *
dst_river_of(const struct dst *ds, int i)
{
	const struct cfg_station	*c = ds->st[i]->cfg;

	if (c->river[0] == '\0' || c->river_i < 0 ||
	    c->river_i >= ds->cfg->nrivers)
		return NULL;
	return &ds->rivers[c->river_i];
}

/* Give station i its river's level (read at its own gauge, over its own
 * base level) and the limit in force there. */
static void
station_outside(struct dst *ds, int i)
{
	struct mdl_station	*m = ds->st[i];
	const struct hyd_river	*r = dst_river_of(ds, i);

	if (r == NULL) {
		m->limit_pumps = m->cfg->npumps;
		return;
	}
	m->outfall_m = m->cfg->outfall_base_m + r->level_m - r->cfg->base_m;
	m->limit_pumps = hyd_river_limit_pumps(r, m->cfg->npumps);
}

void
dst_step(struct dst *ds, double dt)
{
	struct mdl_station	*m;
	double			 q, plant_q = 0;
	int			 i;

	memset(ds->river_q, 0, (size_t)ds->cfg->nrivers * sizeof *ds->river_q);
	for (i = 0; i < ds->n; i++) {
		m = ds->st[i];
		station_outside(ds, i);
		mdl_step(m, dt);
		q = m->pumped_m3 - ds->seen_m3[i];
		ds->seen_m3[i] = m->pumped_m3;
		if (dst_river_of(ds, i) != NULL) {
			ds->river_q[m->cfg->river_i] += q / dt;
			ds->to_rivers_m3 += q;
		} else if (m->cfg->kind == CFG_SEWAGE && ds->has_plant)
			plant_q += q / dt;
		else
			ds->elsewhere_m3 += q;
	}
	for (i = 0; i < ds->cfg->nrivers; i++)
		hyd_river_step(&ds->rivers[i], ds->river_q[i], dt);
	if (ds->has_plant)
		hyd_plant_step(&ds->plant, plant_q, dt);
}

void
dst_totals(const struct dst *ds, struct dst_totals *t)
{
	const struct mdl_station	*m;
	int				 i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < ds->n; i++) {
		m = ds->st[i];
		t->inflow_m3 += m->inflow_m3;
		t->flood_m3 += m->flood_m3;
		t->stored_m3 += m->vol_m3 - m->vol0_m3 + m->pipe_m3;
		t->pumped_m3 += m->pumped_m3;
	}
	t->overflow_m3 = ds->plant.overflow_m3;
	t->treated_m3 = ds->plant.treated_m3;
}

double
dst_balance_m3(const struct dst *ds)
{
	struct dst_totals	t;

	dst_totals(ds, &t);
	return t.inflow_m3 - ds->to_rivers_m3 - t.treated_m3 -
	    t.overflow_m3 - ds->elsewhere_m3 - t.flood_m3 - t.stored_m3;
}
