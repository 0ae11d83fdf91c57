/*
 * The station view (see view.h): a station's state turned into what the
 * log lines, the metrics and the control socket show.  Pure; loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
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

void
view_trend_add(struct view_trend *t, double level_m, int64_t ms)
{
	double	dt, slope, a;

	if (t->has && ms <= t->ms)
		return;
	if (t->has && (double)(ms - t->ms) < VIEW_TREND_SPAN_S * 1000)
		return;		/* within the span */
	if (t->has) {
		dt = (double)(ms - t->ms) / 1000;
		slope = (level_m - t->level_m) / dt;
		a = dt / (VIEW_TREND_TAU_S + dt);
		t->slope_m_s = t->has_slope ? t->slope_m_s + a * (slope -
		    t->slope_m_s) : slope;
		t->has_slope = 1;
	}
	t->has = 1;
	t->level_m = level_m;
	t->ms = ms;
}

double
view_ttf_s(double level_m, double flood_m, double slope_m_s)
{
	if (level_m >= flood_m)
		return 0;
	if (slope_m_s <= 0.0001 / 60)
		return -1;
	return (flood_m - level_m) / slope_m_s;
}

double
view_risk(const struct station_view *v)
{
	const struct cfg_station	*c = v->cfg;
	double				 r;

	if (!v->has_level || c->flood_m <= 0)
		return 0;
	r = v->has_ttf ? 1e9 / (1 + v->ttf_s) : v->level_m / c->flood_m;
	if (v->level_m >= c->flood_m || (c->high_alarm_m > 0 &&
	    v->level_m >= c->high_alarm_m))
		r += VIEW_RISK_HIGH;
	return r;
}

void
view_ring_add(struct view_ring *r, const struct core_out *out, int64_t ms)
{
	int	i, k;

	for (i = 0; i < out->nevents; i++) {
		if (out->ev[i].kind != CORE_EV_INFO)
			continue;
		k = r->n++ % VIEW_RING;
		memset(&r->e[k], 0, sizeof r->e[k]);
		r->e[k].ms = ms;
		r->e[k].ev = out->ev[i];
	}
}

void
view_alarm_text(enum alarm_kind k, int pump, char *buf, size_t len)
{
	if (pump > 0 && strncmp(alarm_kind_text(k), "pump ", 5) == 0)
		snprintf(buf, len, "pump %d %s", pump, alarm_kind_text(k) + 5);
	else if (pump > 0)
		snprintf(buf, len, "pump %d: %s", pump, alarm_kind_text(k));
	else
		snprintf(buf, len, "%s", alarm_kind_text(k));
}

void
view_ring_alarm(struct view_ring *r, const struct alarm_event *ev,
    int64_t ms)
{
	struct view_event	*e = &r->e[r->n++ % VIEW_RING];

	memset(e, 0, sizeof *e);
	e->ms = ms;
	e->ev.kind = ev->state == ALARM_UNACK ? CORE_EV_ALARM_ON :
	    CORE_EV_ALARM_OFF;
	e->ev.pump = ev->pump;
	view_alarm_text(ev->kind, ev->pump, e->ev.text, sizeof e->ev.text);
	e->alarm_id = ev->id;
	e->state = (uint8_t)ev->state;
	e->was = (uint8_t)ev->was;
	e->prio = (uint8_t)ev->prio;
}

int
view_alarm_cmp(const void *a, const void *b)
{
	const struct alarm_row	*x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	if (x->since_ms != y->since_ms)
		return x->since_ms > y->since_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The alarm module's standing alarms of s, most urgent first. */
static void
view_standing(struct station_view *v, const struct station *s)
{
	struct alarm_row	rows[ALARM_NSLOTS];
	int			i, n;

	if (s->alt == NULL)
		return;
	n = alarm_list(&s->al, s->alt, 0, rows, ALARM_NSLOTS);
	qsort(rows, (size_t)n, sizeof rows[0], view_alarm_cmp);
	for (i = 0; i < n; i++)
		v->nunack += rows[i].state == ALARM_UNACK ||
		    rows[i].state == ALARM_RTN_UNACK;
	v->nstanding = n < VIEW_ALARMS ? n : VIEW_ALARMS;
	memcpy(v->standing, rows, (size_t)v->nstanding * sizeof rows[0]);
}

/* The estimator's view (issue 11): inflow, its confidence and trend,
 * each pump's flow, and the drawdown, feed-forward and share in force. */
static void
view_estim(struct station_view *v, const struct station *s,
    const struct cfg_control *p, int64_t now_ms)
{
	const struct estim	*e = &s->core.est;
	int			 k;

	v->has_estim = e->has && v->has_level;
	v->inflow_conf = v->has_estim ? estim_conf(e, p, now_ms) : 0;
	v->inflow_trend_m3s2 = v->has_estim ? e->trend_m3s2 : 0;
	for (k = 0; k < v->npumps; k++)
		v->pump_m3s[k] = estim_pump_m3s(e, s->cfg, k);
	v->drawdown = s->core.dd.active && p->drawdown &&
	    s->cfg->kind == CFG_STORMWATER;
	v->ff_pumps = p->feedforward ? s->core.ff_pumps : 0;
	v->coord_limit = s->coord_limit;
}

/* Time to flood and inflow from the estimator: the net rise is the
 * inflow less what the running pumps give, over the area. */
static void
view_flood_estim(struct station_view *v, const struct station *s)
{
	double	q = 0;
	int	k;

	for (k = 0; k < v->npumps; k++)
		if (v->pumps[k] == '1')
			q += v->pump_m3s[k];
	v->inflow_m3s = s->core.est.inflow_m3s;
	v->ttf_s = view_ttf_s(v->level_m, s->cfg->flood_m,
	    (v->inflow_m3s - q) / s->cfg->area_m2);
	v->has_ttf = v->ttf_s >= 0;
}

/* Time to flood and inflow from the estimator when it has one, else from
 * the trend and the pumps running. */
static void
view_flood(struct station_view *v, const struct station *s)
{
	double	q = 0;
	int	k;

	v->inflow_m3s = -1;
	if (v->has_estim && s->cfg->area_m2 > 0)
		view_flood_estim(v, s);
	else if (v->has_level && s->trend.has_slope) {
		v->ttf_s = view_ttf_s(v->level_m, s->cfg->flood_m,
		    s->trend.slope_m_s);
		v->has_ttf = v->ttf_s >= 0;
		for (k = 0; k < v->npumps; k++)
			if (v->pumps[k] == '1')
				q += s->cfg->pumps[k].capacity_m3s;
		v->inflow_m3s = s->trend.slope_m_s * s->cfg->area_m2 + q;
		if (v->inflow_m3s < 0)
			v->inflow_m3s = 0;
	}
	v->risk = view_risk(v);
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
	view_estim(v, s, p, now_ms);
	view_flood(v, s);
	v->limit_pumps = s->limit_pumps;
	view_standing(v, s);
}
