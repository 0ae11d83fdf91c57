/*
 * The hydraulics of the simulated district, pure functions and small state
 * machines with no I/O and no clock: pump head-flow curves and the operating
 * point against the system head, the affinity laws of a variable-speed
 * pump, receiving river reaches with storage and a sluice, the treatment
 * plant's inflow limit, and the track of a moving storm cell.  Each keeps an
 * exact water balance: what came in = what went out + the change in
 * storage, to rounding.
 */
#ifndef HYDRO_H
#define HYDRO_H

#include "cfg.h"

#define HYD_RHO_G	9.81	/* kN/m3: kW = 9.81 Q H */
#define HYD_EFFICIENCY	0.75	/* wire to water at the rated point */

/*
 * Flow (m3/s) of pump c at relative speed s (0..1) against a static lift of
 * lift_m plus a friction loss of friction_m at the pump's rated flow
 * (growing with the square of the flow): where the curve
 *   H(Q, s) = H0 s^2 + a s Q + b Q^2
 * (through shut-off, rated point and run-out at s = 1; the affinity laws
 * scale flow with s and head with s^2) meets the system head
 * lift_m + friction_m (Q / Qrated)^2.  0 when the pump cannot lift that
 * high (a closed or too-high outfall).
 */
double	hyd_pump_flow(const struct cfg_pump *c, double s, double lift_m,
	    double friction_m);

/* Head (m) on pump c's curve at flow q and speed s. */
double	hyd_pump_head(const struct cfg_pump *c, double s, double q);

/* Electrical power (kW) of pump c at speed s delivering q against head_m:
 * a third of its rated power (times s^3) to turn, the rest with the
 * hydraulic power at HYD_EFFICIENCY. */
double	hyd_pump_kw(const struct cfg_pump *c, double s, double q,
	    double head_m);

/* A river reach: storage between base and guarantee levels and beyond. */
struct hyd_river {
	const struct cfg_river *cfg;
	double	vol_m3;		/* above base_m */
	double	vol0_m3;
	double	level_m;
	double	max_level_m;
	double	in_m3;		/* pumped into it, upstream inflow */
	double	out_m3;		/* through the sluice */
	int	limited;	/* a discharge limit is in force */
	double	limit_s;	/* how long, in total */
	double	warn_s;		/* time at or above warn_m */
};

/* Volume (m3) of river c above its base level at level_m. */
double	hyd_river_volume(const struct cfg_river *c, double level_m);

/* Level of river c holding vol_m3 above its base level. */
double	hyd_river_level(const struct cfg_river *c, double vol_m3);

/* Start river r at level_m (its base level, or higher: a high tide). */
void	hyd_river_init(struct hyd_river *r, const struct cfg_river *c,
	    double level_m);

/* Sluice outflow (m3/s) of river c at level_m: none at the base level,
 * opening linearly to sluice_m3s at the warning level. */
double	hyd_sluice_m3s(const struct cfg_river *c, double level_m);

/* Advance river r by dt with q_in_m3s pumped into it: storage, level, the
 * discharge limit (ordered at the warning level, lifted 0.2 m below it). */
void	hyd_river_step(struct hyd_river *r, double q_in_m3s, double dt);

/* in - out - change in storage, m3: zero but for rounding. */
double	hyd_river_balance(const struct hyd_river *r);

/* How many of npumps pumps a station on river r may run: npumps when no
 * limit is in force, else ceil(limit_frac x npumps), at least 1. */
int	hyd_river_limit_pumps(const struct hyd_river *r, int npumps);

/* The treatment plant: it takes up to its limit, the rest overflows. */
struct hyd_plant {
	const struct cfg_plant *cfg;
	double	in_m3;		/* the sewage stations' pumped volume */
	double	treated_m3;
	double	overflow_m3;
	double	overflow_s;	/* time overflowing */
	double	max_in_m3s;
};

/* Advance plant p by dt with q_m3s arriving through the force mains. */
void	hyd_plant_step(struct hyd_plant *p, double q_m3s, double dt);

/*
 * A moving storm cell: it travels toward dir_deg (0 north, 90 east) at
 * speed_kmh; its intensity falls off across the track as
 * exp(-d^2 / (2 cell_km^2)) with d the distance from the track's centre
 * line, which passes through (x0_km, y0_km).  It reaches the most upwind
 * point (lead_km along the track) at time 0 of the storm.
 */
struct hyd_track {
	double	dir_deg;
	double	speed_kmh;
	double	cell_km;
	double	x0_km, y0_km;	/* a point of the centre line */
	double	lead_km;	/* along-track position of the first arrival */
};

/* Parse "DIR_DEG:SPEED_KMH:CELL_KM": 0, or -1 when it is not that. */
int	hyd_track_parse(const char *spec, struct hyd_track *t);

/* Centre the track on the n stations (mean position) and set its lead to
 * the most upwind station. */
void	hyd_track_fit(struct hyd_track *t, const struct cfg_station *st,
	    int n);

/* Delay (s) after which the storm reaches point (x, y). */
double	hyd_track_delay_s(const struct hyd_track *t, double x_km,
	    double y_km);

/* Intensity factor (0..1] of the storm at point (x, y). */
double	hyd_track_factor(const struct hyd_track *t, double x_km,
	    double y_km);

#endif
