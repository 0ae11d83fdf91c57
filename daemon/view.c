/*
 * The station view (see view.h): a station's state turned into what the
 * log lines, the metrics and the control socket show.  Pure; loop thread.
 */
#include <stdio.h>
#include <string.h>

#include "pumpd.h"
#include "util.h"
#include "view.h"

const char *
view_mode_name(enum view_mode m)
{
	static const char *name[] = { "PLC-FALLBACK", "REMOTE", "WATCHING",
	    "SUPERVISED" };

	return (unsigned)m < 4 ? name[m] : "?";
}

const char *
view_comms_name(enum core_comms c)
{
	static const char *name[] = { "OK", "STALE", "DOWN" };

	return (unsigned)c < 3 ? name[c] : "?";
}

/* Who controls the station: REMOTE off wins, then a hand-over, then the
 * kind of control its map allows. */
static enum view_mode
view_mode(const struct core_state *core)
{
	if (core->lasting.alarms & CORE_AL_REMOTE_OFF)
		return VIEW_WATCHING;
	if (core->local)
		return VIEW_PLC_FALLBACK;
	return core->control == OBS_SUPERVISORY ? VIEW_SUPERVISED :
	    VIEW_REMOTE;
}

/* The pumps: as last observed, or as commanded without an observation. */
static void
view_pumps(struct station_view *v, const struct station *s)
{
	const struct obs_pump	*op;
	unsigned		 run = 0, fault = 0;
	int			 k;

	for (k = 0; k < v->npumps; k++) {
		op = &s->obs.pump[k];
		if (s->has_obs) {
			run |= (op->flags & OBS_PU_RUNNING ? 1u : 0u) << k;
			fault |= (op->flags & OBS_PU_FAULT ? 1u : 0u) << k;
			v->available += (op->flags & OBS_PU_AVAILABLE) != 0;
		} else {
			run |= (s->core.pump[k].cmd ? 1u : 0u) << k;
			fault |= (s->core.pump[k].was_fault ? 1u : 0u) << k;
		}
	}
	v->running = __builtin_popcount(run);
	util_pump_string(run, fault, v->npumps, v->pumps);
}

/* The standing alarms, counted and named. */
static void
view_alarms(struct station_view *v)
{
	size_t	len = 0;
	int	b;

	v->alarm_text[0] = '\0';
	for (b = 0; b < CORE_AL_COUNT; b++) {
		if (!(v->alarms & (1u << b)))
			continue;
		v->nalarms++;
		if (len < sizeof v->alarm_text)
			len += (size_t)snprintf(v->alarm_text + len,
			    sizeof v->alarm_text - len, "%s%s", len ? ", " :
			    "", core_alarm_name(1u << b));
	}
}

void
view_fill(struct station_view *v, const struct station *s,
    const struct cfg_control *p, int64_t now_ms)
{
	const struct core_state	*core = &s->core;

	memset(v, 0, sizeof *v);
	v->cfg = s->cfg;
	v->map = cfg_map_name(s->cfg->map);
	v->has_level = core->level_m >= 0;
	v->level_m = core->level_m;
	core_levels(core, s->cfg, p, &v->sp);
	v->rain_mmh5 = core_rain_mmh(core, 5, now_ms);
	v->rain_mm = core->lasting.rain_mm;
	v->npumps = s->cfg->npumps;
	view_pumps(v, s);
	v->comms = s->comms;
	v->mode = view_mode(core);
	v->storm = core->lasting.storm;
	v->alarms = core->lasting.alarms;
	view_alarms(v);
}
