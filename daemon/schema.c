/*
 * The metrics schema (see schema.h and the README's table).  A station's
 * fields come from its view (view.h) and, for the pumps, from its fresh
 * observation; nothing here works out a mode or an alarm.  Pure; loop
 * thread.
 */
#include <stdio.h>

#include "schema.h"

/* The estimator's fields (issue 11): the inflow and its confidence when
 * estimated (none before), the drawdown, feed-forward's pumps, the share of a reach. */
static void
estim_fields(struct lp_buf *b, const struct station_view *v)
{
	if (!v->has_estim)	/* nothing estimated yet */
		return;
	lp_float(b, "inflow_m3s", v->inflow_m3s);
	lp_float(b, "inflow_trend_m3s2", v->inflow_trend_m3s2);
	lp_float(b, "inflow_conf", v->inflow_conf);
	lp_int(b, "drawdown", v->drawdown);
	lp_int(b, "ff_pumps", v->ff_pumps);
	if (v->coord_limit >= 0)
		lp_int(b, "coord_limit", v->coord_limit);
}

/* The fields that need fresh data. */
static void
station_fields(struct lp_buf *b, const struct sch_station *s)
{
	const struct obs		*o = s->obs;
	const struct station_view	*v = s->view;

	if (v->has_level)
		lp_float(b, "level_m", v->level_m);
	if (o->nlevels > 0 && o->level_ok[0])
		lp_float(b, "level_a_m", o->level_m[0]);
	if (o->nlevels > 1 && o->level_ok[1])
		lp_float(b, "level_b_m", o->level_m[1]);
	lp_float(b, "rain_mm_h", v->rain_mmh5);
	lp_float(b, "rain_mm", v->rain_mm);
	if (o->outfall_ok)
		lp_float(b, "outfall_m", o->outfall_m);
	lp_int(b, "pumps_running", v->running);
	lp_int(b, "storm", v->storm);
	lp_int(b, "mode", v->mode);
	/* the set-points, so that a dashboard can draw the level against
	 * them without reading the configuration */
	lp_float(b, "stop_m", v->cfg->stop_m);
	lp_float(b, "duty_m", v->cfg->duty_start_m);
	lp_float(b, "high_alarm_m", v->cfg->high_alarm_m);
	lp_float(b, "flood_m", v->cfg->flood_m);
	estim_fields(b, v);
}

/* The "pump" point of pump k. */
static void
pump_point(struct lp_buf *b, const struct sch_station *s, int k, int64_t ms)
{
	const struct obs_pump	*op = &s->obs->pump[k];
	unsigned		 st = op->flags;
	char			 num[12];

	snprintf(num, sizeof num, "%d", k + 1);
	lp_begin(b, "pump");
	lp_tag(b, "station", s->view->cfg->id);
	lp_tag(b, "pump", num);
	lp_int(b, "running", (st & OBS_PU_RUNNING) != 0);
	lp_int(b, "fault", (st & OBS_PU_FAULT) != 0);
	lp_int(b, "available", (st & OBS_PU_AVAILABLE) != 0);
	if (op->current_a >= 0)
		lp_float(b, "current_a", op->current_a);
	if (op->speed_pct >= 0)	/* L1 has no speed feedback */
		lp_float(b, "speed_pct", op->speed_pct);
	lp_int(b, "run_s", op->run_s);
	lp_int(b, "starts", op->starts);
	if (s->view->has_estim)
		lp_float(b, "flow_est_m3s", s->view->pump_m3s[k]);
	lp_end(b, ms);
}

void
sch_station(struct lp_buf *b, const struct sch_station *s, int64_t ms)
{
	int	k;

	lp_begin(b, "station");
	lp_tag(b, "station", s->view->cfg->id);
	lp_tag(b, "kind", cfg_kind_name(s->view->cfg->kind));
	if (s->obs != NULL)
		station_fields(b, s);
	lp_int(b, "comms", s->view->comms);
	lp_int(b, "alarms", s->view->nalarms);
	lp_end(b, ms);
	for (k = 0; s->obs != NULL && k < s->view->npumps; k++)
		pump_point(b, s, k, ms);
}

void
sch_events(struct lp_buf *b, const char *station, const struct core_out *out,
    int64_t ms)
{
	static const char *type[] = { "alarm", "alarm_cleared", "info" };
	int	i;

	for (i = 0; i < out->nevents; i++) {
		lp_begin(b, "event");
		lp_tag(b, "station", station);
		lp_tag(b, "type", type[out->ev[i].kind]);
		lp_str(b, "text", out->ev[i].text);
		/* distinct events of one cycle must not share a timestamp */
		lp_end(b, ms + i);
	}
}

void
sch_alarm(struct lp_buf *b, const char *station, const struct alarm_event *e,
    const char *text, const char *user, int64_t ms)
{
	char	id[16];

	snprintf(id, sizeof id, "%d", e->id);
	lp_begin(b, "event");
	lp_tag(b, "station", station);
	lp_tag(b, "type", "alarm_state");
	lp_tag(b, "id", id);
	lp_str(b, "alarm", alarm_kind_key(e->kind));
	lp_int(b, "pump", e->pump);
	lp_str(b, "priority", alarm_prio_name(e->prio));
	lp_str(b, "state", alarm_state_name(e->state));
	lp_str(b, "was", alarm_state_name(e->was));
	lp_str(b, "text", text);
	if (user != NULL)
		lp_str(b, "operator", user);
	lp_end(b, ms);
}

void
sch_audit(struct lp_buf *b, const char *user, long uid, const char *cmd,
    const char *args, const char *result, const char *error, int64_t ms)
{
	lp_begin(b, "event");
	lp_tag(b, "type", "audit");
	lp_str(b, "user", user);
	lp_int(b, "uid", uid);
	lp_str(b, "cmd", cmd);
	lp_str(b, "args", args);
	lp_str(b, "result", result);
	if (error != NULL)
		lp_str(b, "error", error);
	lp_end(b, ms);
}

/* The failed PLC requests by cause, cumulative: the reply_* fields. */
static void
reply_fields(struct lp_buf *b, const struct sch_self *s)
{
	static const struct {
		const char	*field;
		int		 cause;
	} f[] = {
		{ "reply_tid", MBTCP_E_TID },
		{ "reply_protocol", MBTCP_E_PROTOCOL },
		{ "reply_length", MBTCP_E_LENGTH },
		{ "reply_unit", MBTCP_E_UNIT },
		{ "reply_function", MBTCP_E_FUNCTION },
		{ "reply_count", MBTCP_E_COUNT },
		{ "reply_trailing", MBTCP_E_TRAILING },
		{ "reply_exception", MBTCP_E_EXCEPTION },
		{ "reply_timeout", MBTCP_E_TIMEOUT },
	};
	size_t	i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		lp_int(b, f[i].field, (int64_t)s->causes[f[i].cause]);
}

void
sch_self(struct lp_buf *b, const struct sch_self *s, int64_t ms)
{
	lp_begin(b, "pumpd");
	if (s->nrtt > 0) {
		lp_float(b, "poll_p50_ms", s->poll_p50_ms);
		lp_float(b, "poll_p99_ms", s->poll_p99_ms);
	}
	lp_int(b, "cycle_overruns", (int64_t)s->overruns);
	lp_float(b, "max_lag_ms", s->max_lag_ms);
	lp_int(b, "stations_ok", s->ok);
	lp_int(b, "stations_stale", s->stale);
	lp_int(b, "stations_down", s->down);
	lp_int(b, "replies_rejected", (int64_t)s->replies_rejected);
	lp_int(b, "poll_failures", (int64_t)s->poll_failures);
	lp_int(b, "points_sent", (int64_t)s->points_sent);
	lp_int(b, "points_spooled", (int64_t)s->points_spooled);
	lp_int(b, "points_dropped", (int64_t)s->points_dropped);
	lp_int(b, "points_rejected", (int64_t)s->points_rejected);
	lp_int(b, "spool_bytes", (int64_t)s->spool_bytes);
	lp_float(b, "write_ms", s->write_ms);
	reply_fields(b, s);
	lp_int(b, "commands_acked", s->ncmd);
	if (s->ncmd > 0) {
		lp_float(b, "cmd_age_p99_ms", s->cmd_age_p99_ms);
		lp_float(b, "cmd_age_max_ms", s->cmd_age_max_ms);
	}
	lp_int(b, "state_save_failures", (int64_t)s->state_save_failures);
	lp_end(b, ms);
}
