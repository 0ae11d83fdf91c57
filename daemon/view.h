/*
 * The station view: one station as everything outside the control loop
 * sees it (the district log lines, the metrics schema, the coming control
 * socket).  view_fill derives it from the station's state in one place,
 * so that nothing else works out the control mode, the pumps or the
 * alarms on its own.  Pure: no I/O, no clock (the time comes in).  Loop
 * thread.
 */
#ifndef VIEW_H
#define VIEW_H

#include <stdint.h>

#include "cfg.h"
#include "core.h"
#include "obs.h"

struct station;

/* Who controls the station.  The numbers are the metrics' "mode" field. */
enum view_mode {
	VIEW_PLC_FALLBACK = 0,	/* handed to its PLC (v1 LOCAL) */
	VIEW_REMOTE = 1,	/* v1: pumpd commands the pumps */
	VIEW_WATCHING = 2,	/* REMOTE switch off: pumpd only watches */
	VIEW_SUPERVISED = 3,	/* L1: pumpd writes set-points, inhibits */
};

struct station_view {
	const struct cfg_station *cfg;	/* id, kind, the configured levels */
	const char	*map;		/* "v1", "L1" */
	int		 has_level;	/* a valid level is known */
	double		 level_m;
	struct core_levels sp;		/* set-points in force (storm-lowered) */
	double		 rain_mmh5;	/* over the last 5 minutes */
	double		 rain_mm;	/* cumulative */
	int		 npumps;
	int		 running;	/* pumps running */
	int		 available;	/* pumps available (last observation) */
	char		 pumps[OBS_MAX_PUMPS + 1];	/* "10F": see view_fill */
	enum core_comms	 comms;
	enum view_mode	 mode;
	int		 storm;
	uint32_t	 alarms;	/* CORE_AL_* standing */
	int		 nalarms;
	char		 alarm_text[200];	/* "high level, comms", "" none */
};

/*
 * Fill v from station s at now_ms under the control tuning p.  The pumps
 * string has one character per pump: 'F' fault, '1' running, '0' stopped,
 * as last observed (or, without an observation, as commanded).
 */
void	view_fill(struct station_view *v, const struct station *s,
	    const struct cfg_control *p, int64_t now_ms);

/* "PLC-FALLBACK", "REMOTE", "WATCHING", "SUPERVISED". */
const char *view_mode_name(enum view_mode m);

/* "OK", "STALE", "DOWN". */
const char *view_comms_name(enum core_comms c);

#endif
