/*
 * The simulated district as a whole: its stations' models, the river
 * reaches they pump into and the treatment plant the sewage stations feed.
 * dst_step() advances everything by one step in order: each station's
 * outfall level and discharge limit from its river, the stations, then the
 * rivers and the plant with what the stations pumped.  Pure: no I/O, no
 * clock.  The whole district's water balance is exact:
 *   inflow = to rivers + to the plant + pumped elsewhere + flood
 *            + change in the wells and the pipes,
 * and each river's and the plant's own balance closes too.
 */
#ifndef DISTRICT_H
#define DISTRICT_H

#include "hydro.h"
#include "model.h"

struct dst {
	const struct cfg_district *cfg;
	struct mdl_station	**st;
	int			  n;
	double			 *seen_m3;	/* each station's pumped_m3 */
	double			 *river_q;	/* this step, per river */
	struct hyd_river	 *rivers;	/* cfg->nrivers */
	int			  has_plant;
	struct hyd_plant	  plant;
	double			  to_rivers_m3;	/* stormwater pumped */
	double			  elsewhere_m3;	/* no river, no plant */
};

/* Options for a run: rivers' start above base, a moving storm, --bound. */
struct dst_opts {
	double			 river_rise_m;
	const struct hyd_track	*track;		/* NULL: the same rain */
	int			 bound;
};

/* Set up district ds over the n initialised station models st of cfg:
 * 0, or -1 out of memory. */
int	dst_init(struct dst *ds, const struct cfg_district *cfg,
	    struct mdl_station **st, int n, const struct dst_opts *o);

/* Free what dst_init allocated. */
void	dst_free(struct dst *ds);

/* Advance the district by dt seconds. */
void	dst_step(struct dst *ds, double dt);

/* The river station i discharges into, or NULL. */
const struct hyd_river *dst_river_of(const struct dst *ds, int i);

/* The district's balance residual, m3: zero but for rounding. */
double	dst_balance_m3(const struct dst *ds);

/* Totals of the district, m3. */
struct dst_totals {
	double	inflow_m3, flood_m3, stored_m3, pumped_m3;
	double	overflow_m3, treated_m3;
};

/* Sum the district's water into t. */
void	dst_totals(const struct dst *ds, struct dst_totals *t);

#endif
