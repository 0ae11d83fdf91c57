/*
 * Control beyond the level rules (issue 11), as pure functions: how many
 * pumps the estimated inflow asks for (feed-forward), whether rain asks
 * for the well to be drawn down (and to what level), and how a river
 * reach's or the treatment plant's allowance is shared among the stations
 * that discharge to it by their time to flood.  The core calls the first
 * two for its station; station.c calls the third over the whole district
 * each cycle and hands each core its share as its discharge limit.  No
 * I/O, no clock, no globals; event-loop thread.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>

#include "cfg.h"
#include "estim.h"

/* What the inflow asks of a station now. */
struct plan_ff {
	double	level_m;	/* the level chosen */
	double	stop_m;		/* the stop level in force */
	double	target_m;	/* pumped down towards (the duty start in
				 * force) */
	int	running;	/* pumps under automatic control running */
	int	navail;		/* and available */
	int	wet;		/* storm mode or drawdown in force */
	int64_t	now_ms;
};

/*
 * Pumps the estimated inflow asks for: ceil((inflow + trend x ff_lead_s +
 * (level - target) x area / ff_recover_s) / one pump's flow).  0 between
 * storms (no storm mode and no drawdown: wet 0, or an inflow below
 * ff_min_fraction of the station's capacity: the level rules alone run
 * it, with their economy) or when the estimate's confidence is below
 * ff_min_conf.  At or below the stop level, the pumps 95 % of the present
 * inflow keeps busy (rounded down: the level rises again, and the station
 * does not stop and start as a whole), none 5 cm below it (the estimate
 * was too high).  Below the target no more than run already (the well
 * refills before a pump starts again).  A pump more only when those
 * that run fall short by ff_hysteresis of one pump's flow, a pump less
 * only when as much is to spare.  At most navail.  The
 * caller takes the larger of this and what the level rules ask.
 */
int	plan_ff_pumps(const struct cfg_station *cfg, const struct cfg_control *p,
	    const struct estim *e, const struct plan_ff *f);

/* Rain-driven drawdown of one station. */
struct plan_dd {
	int	begun;		/* the core looked at its saved storm mode */
	int	active;
	int64_t	trigger_ms;	/* a trigger last held */
	char	why[64];	/* the trigger that started it */
};

/* What drawdown sees at a cycle. */
struct plan_rain {
	double	mmh5, mmh15;	/* here: over 5 and 15 minutes */
	double	upstream_mmh5;	/* the most at an upstream neighbour */
	int	warning;	/* a rainstorm warning is in force */
};

/*
 * Update d at now_ms: triggered by rain here rising (5-minute intensity at
 * least dd_rain_mm_h and above the 15-minute one), by an upstream
 * neighbour's 5-minute intensity at least dd_rain_mm_h, or by a warning;
 * released when no trigger held for dd_hold_min and the 15-minute rain is
 * below dd_release_mm_h.  Returns 1 when it started, -1 when it ended,
 * else 0.
 */
int	plan_drawdown(struct plan_dd *d, const struct cfg_control *p,
	    const struct plan_rain *r, int64_t now_ms);

/* The drawdown target of a station: dd_margin_m above its dry-run float,
 * never above its stop level. */
double	plan_dd_target_m(const struct cfg_station *cfg,
	    const struct cfg_control *p);

/* One station as the district's allocation sees it. */
struct plan_demand {
	int	outlet;		/* index in control.outlet; -1 none */
	int	known;		/* an inflow estimate is trusted */
	double	storage_s;	/* time to flood with no pump running */
	double	inflow_m3s;
	double	pump_m3s;	/* one pump's flow */
	int	npumps;		/* that may run */
	int	ordered;	/* the limit ordered for it, pumps; -1 none
				 * (read for a reach of ordered limits) */
	int	running;	/* pumps running now */
};

/* What the allocation keeps of a station from one cycle to the next (zeroed
 * at start: no share held). */
struct plan_hold {
	int	limit;		/* the share given last; -1 none */
	int	given;		/* limit was set once */
	int64_t	changed_ms;	/* when it last changed */
	int	was_known;	/* its estimate was trusted once... */
	int64_t	known_ms;	/* ...last at this time */
};

/*
 * Share each limited outlet's allowance among its stations, into limit[i]
 * (pumps; -1 for a station of no outlet or not limited).  The allowance
 * is max_m3s, or for a reach of ordered limits (max_m3s < 0: a river of
 * the district) the sum of the limits ordered for its stations, each
 * times its pump's flow; only the stations with an order share it, and a
 * reach with none is not limited.  First each
 * station, least storage first, gets the pumps its inflow needs; then
 * what is left goes, in the same order, up to every pump.  Stations
 * without a trusted estimate come last.  A station that gets nothing
 * waits: its core still runs every pump at high-high, with an alarm.
 * A share grows past the pumps a station runs only by what the pumps
 * running at all the outlet's stations leave of the allowance, in the
 * same order: one station's pump starts only once another's stopped.
 *
 * With hold (one per station, kept by the caller across cycles; NULL:
 * every cycle afresh), no cycling between stations whose storage times
 * cross back and forth: a station holding a share ranks as if its storage
 * time were coord_margin shorter (another takes its place only when
 * shorter by that margin); an estimate trusted within the last min_run_s
 * + min_off_s still counts as trusted (a pump start makes it uncertain
 * for a while: the station would drop to the end of the order); and a
 * share falls below the pumps the station runs only min_run_s +
 * min_off_s after it last changed (it may grow at any time, into what
 * the others' running pumps leave).
 */
void	plan_allocate(const struct cfg_control *p, const struct plan_demand *d,
	    int n, struct plan_hold *hold, int64_t now_ms, int *limit);

/* A station's storage time: from level_m to its flood level at inflow_m3s
 * with no pump running, s (1e9 when the inflow is nil). */
double	plan_storage_s(const struct cfg_station *cfg, double level_m,
	    double inflow_m3s);

#endif
