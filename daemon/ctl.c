/*
 * The control socket: see ctl.h.  The table comes first, then the
 * handlers, the audit trail, and the clients on the loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "ctl.h"
#include "log.h"
#include "pumpd.h"
#include "schema.h"
#include "station.h"
#include "view.h"

#define CTL_LOG_TAIL	(64 * 1024)	/* audit bytes `log` reads at most */

struct ctl_client {
	struct ctl		*ctl;
	struct bufferevent	*bev;
	struct ctl_peer		 peer;
	int			 closing;	/* close once flushed */
	struct ctl_client	*next;
};

struct ctl {
	struct pumpd		*p;
	struct evconnlistener	*lis;
	char			 path[108];
	int			 audit_fd;
	gid_t			 op_gid;
	int			 has_op;	/* op_gid and members hold */
	char			**members;	/* of the operator group */
	struct ctl_client	*clients;
	int			 nclients;
	unsigned long		 dropped;	/* clients closed for limits */
};

static char	*cmd_status(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_show(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_alarms(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_warning(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_limit(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_log(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_pump(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_station(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_lockout(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_unlock(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_overrides(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_ack(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_shelve(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_unshelve(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);
static char	*cmd_events(struct pumpd *, const struct proto_req *,
		    const struct ctl_peer *);

static int	options(const struct proto_req *, int, long *, const char **,
		    char **);
static void	overrides_add(json_t *, const struct station *, int64_t);

/* The one command table. */
static const struct ctl_cmd ctl_table[] = {
	{ "status", 0, 0, 0, "status", cmd_status },
	{ "show", 1, 1, 0, "show STATION", cmd_show },
	{ "alarms", 0, 1, 0, "alarms [--all]", cmd_alarms },
	{ "ack", 1, 1, CTL_CHANGES, "ack ID|all", cmd_ack },
	{ "shelve", 5, 5, CTL_CHANGES, "shelve ID --for DURATION --reason TEXT",
	    cmd_shelve },
	{ "unshelve", 1, 1, CTL_CHANGES, "unshelve ID", cmd_unshelve },
	{ "events", 0, 5, 0, "events [--station ID] [--alarms-only] "
	    "[--limit N]", cmd_events },
	{ "warning", 1, 1, CTL_CHANGES,
	    "warning none|blue|yellow|orange|red", cmd_warning },
	{ "limit", 2, 2, CTL_CHANGES, "limit STATION|all PUMPS|none",
	    cmd_limit },
	{ "log", 0, 2, 0, "log [--since TIME]", cmd_log },
	{ "pump", 3, 7, CTL_CHANGES, "pump STATION PUMP run|stop|auto "
	    "[--for DURATION] [--reason TEXT]", cmd_pump },
	{ "station", 2, 4, CTL_CHANGES, "station STATION auto|local "
	    "[--for DURATION]", cmd_station },
	{ "lockout", 4, 4, CTL_CHANGES, "lockout STATION PUMP --reason TEXT",
	    cmd_lockout },
	{ "unlock", 2, 2, CTL_CHANGES, "unlock STATION PUMP", cmd_unlock },
	{ "overrides", 0, 1, 0, "overrides [STATION]", cmd_overrides },
};
#define CTL_NCMDS	(sizeof ctl_table / sizeof ctl_table[0])

const struct ctl_cmd *
ctl_find(const char *name)
{
	size_t	i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strcmp(ctl_table[i].name, name) == 0)
			return &ctl_table[i];
	return NULL;
}

int
ctl_check(const struct proto_req *r, const struct ctl_cmd **cmd, char *buf,
    size_t n, const char **cause)
{
	size_t	i, len = 0;

	if ((*cmd = ctl_find(r->cmd)) == NULL) {
		len = (size_t)snprintf(buf, n, "unknown command; valid:");
		for (i = 0; i < CTL_NCMDS && len < n; i++)
			len += (size_t)snprintf(buf + len, n - len, " %s",
			    ctl_table[i].name);
		*cause = buf;
		return -1;
	}
	if (r->argc < (*cmd)->min_args || r->argc > (*cmd)->max_args) {
		snprintf(buf, n, "wrong number of arguments; usage: %s",
		    (*cmd)->usage);
		*cause = buf;
		return -1;
	}
	return 0;
}

/* An error reply saying why, in the printf format fmt. */
static char * __attribute__((format(printf, 1, 2)))
reply_error(const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return proto_reply("error", buf, NULL);
}

/* The station called id, or NULL. */
static struct station *
find_station(struct pumpd *p, const char *id)
{
	int	i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->st[i].cfg->id, id) == 0)
			return &p->st[i];
	return NULL;
}

/* A number, or null when it is not known (known false). */
static json_t *
num_or_null(int known, double v)
{
	return known ? json_real(v) : json_null();
}

/* The standing alarms of v by key, "pump_fault:2" for a pump's, with a
 * "*" when unacknowledged (UNACK or RTN_UNACK), most urgent first. */
static json_t *
alarm_names(const struct station_view *v)
{
	const struct alarm_row	*r;
	json_t			*a = json_array();
	char			 buf[48];
	int			 i;

	for (i = 0; i < v->nstanding; i++) {
		r = &v->standing[i];
		snprintf(buf, sizeof buf, "%s%s%.0d%s", alarm_kind_key(r->kind),
		    r->pump ? ":" : "", r->pump, r->state == ALARM_UNACK ||
		    r->state == ALARM_RTN_UNACK ? "*" : "");
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

/* One station as status and show give it. */
static json_t *
station_json(const struct station_view *v)
{
	const struct cfg_station	*c = v->cfg;

	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:f,s:f,s:f,s:o,s:o,s:f,"
	    "s:i,s:i,s:i,s:s,s:b,s:s,s:s,s:o,s:f,s:i}",
	    "id", c->id, "name", c->name, "kind", cfg_kind_name(c->kind),
	    "map", v->map, "level_m", num_or_null(v->has_level, v->level_m),
	    "high_alarm_m", c->high_alarm_m, "flood_m", c->flood_m,
	    "highhigh_m", c->highhigh_m,
	    "ttf_s", num_or_null(v->has_ttf, v->ttf_s),
	    "inflow_m3s", num_or_null(v->inflow_m3s >= 0, v->inflow_m3s),
	    "rain_mmh", v->rain_mmh5, "running", v->running,
	    "available", v->available, "npumps", v->npumps, "pumps", v->pumps,
	    "storm", v->storm, "comms", view_comms_name(v->comms),
	    "mode", view_mode_name(v->mode), "alarms", alarm_names(v),
	    "risk", v->risk, "limit_pumps", v->limit_pumps);
}

/* One station's JSON with its alarms' count of unacknowledged ones. */
static json_t *
station_json_full(const struct station_view *v)
{
	json_t	*o = station_json(v);

	json_object_set_new(o, "unacked", json_integer(v->nunack));
	return o;
}

/* The views of every station, most at risk first. */
static int
by_risk(const void *a, const void *b)
{
	const struct station_view	*x = a, *y = b;

	return x->risk < y->risk ? 1 : x->risk > y->risk ? -1 :
	    strcmp(x->cfg->id, y->cfg->id);
}

/* The district's inputs as a JSON object: the warning, the limits. */
static json_t *
district_json(const struct pumpd *p)
{
	json_t	*lim = json_object();
	int	 i;

	for (i = 0; i < p->n; i++)
		if (p->st[i].limit_pumps >= 0)
			json_object_set_new(lim, p->st[i].cfg->id,
			    json_integer(p->st[i].limit_pumps));
	return json_pack("{s:s,s:o}", "warning",
	    proto_warning_name((int)p->in.warning), "limits", lim);
}

/* status: every station, sorted by risk; the overrides in force. */
static char *
cmd_status(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station_view	*v = calloc((size_t)p->n, sizeof *v);
	int64_t			 ms = station_now_ms(p);
	json_t			*a = json_array(), *d;
	int			 i;

	(void)r;
	(void)peer;
	if (v == NULL) {
		json_decref(a);
		return reply_error("out of memory");
	}
	for (i = 0; i < p->n; i++)
		view_fill(&v[i], &p->st[i], &p->d.control, ms);
	qsort(v, (size_t)p->n, sizeof *v, by_risk);
	for (i = 0; i < p->n; i++)
		json_array_append_new(a, station_json_full(&v[i]));
	free(v);
	d = district_json(p);
	json_object_set_new(d, "stations", a);
	a = json_array();
	for (i = 0; i < p->n; i++)
		overrides_add(a, &p->st[i], ms);
	json_object_set_new(d, "overrides", a);
	json_object_set_new(d, "now_ms", json_integer(ms));
	json_object_set_new(d, "loop", json_pack("{s:f,s:I,s:I,s:i}",
	    "max_lag_ms", p->max_lag_ms, "overruns", (json_int_t)p->overruns,
	    "clients_dropped", (json_int_t)(p->ctl ? p->ctl->dropped : 0),
	    "clients", p->ctl ? p->ctl->nclients : 0));
	return proto_reply("ok", NULL, d);
}

/* One kept event of station s as JSON: an alarm's change with its id,
 * priority and states, or the core's information. */
static json_t *
event_json(const struct station *s, const struct view_event *e)
{
	json_t	*o = json_pack("{s:I,s:s,s:s,s:i,s:s}", "ms", (json_int_t)e->ms,
		    "station", s->cfg->id, "kind", e->alarm_id ? "alarm" :
		    "info", "pump", e->ev.pump, "text", e->ev.text);

	if (e->alarm_id && o != NULL)
		json_object_update_new(o, json_pack("{s:i,s:s,s:s,s:s}", "id",
		    e->alarm_id, "priority", alarm_prio_name(e->prio),
		    "state", alarm_state_name(e->state), "was",
		    alarm_state_name(e->was)));
	return o;
}

/* The last events of station s, oldest first. */
static json_t *
events_json(const struct station *s)
{
	const struct view_ring	*r = &s->ring;
	json_t			*a = json_array();
	int			 i;

	i = r->n > VIEW_RING ? r->n - VIEW_RING : 0;
	for (; i < r->n; i++)
		json_array_append_new(a, event_json(s, &r->e[i % VIEW_RING]));
	return a;
}

/* The estimator's and the plan's read-only view of a station (issue 11):
 * inflow confidence and trend, drawdown, feed-forward, its share. */
static json_t *
control_json(const struct station_view *v)
{
	return json_pack("{s:f,s:f,s:b,s:i,s:i}", "inflow_conf",
	    v->inflow_conf, "inflow_trend_m3s2", v->inflow_trend_m3s2,
	    "drawdown", v->drawdown, "ff_pumps", v->ff_pumps, "coord_limit",
	    v->coord_limit);
}

/* show STATION: one station, its pumps, its overrides and its last
 * events. */
static char *
cmd_show(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station		*s = find_station(p, r->argv[0]);
	struct station_view	 v;
	json_t			*o, *pumps;
	int			 k;

	(void)peer;
	if (s == NULL)
		return reply_error("unknown station \"%.64s\"", r->argv[0]);
	view_fill(&v, s, &p->d.control, station_now_ms(p));
	o = station_json_full(&v);
	pumps = json_array();
	for (k = 0; k < v.npumps; k++)
		json_array_append_new(pumps, json_pack("{s:i,s:f,s:s,s:f}",
		    "pump", k + 1, "capacity_m3s",
		    s->cfg->pumps[k].capacity_m3s, "state",
		    v.pumps[k] == '1' ? "running" : v.pumps[k] == 'F' ?
		    "fault" : "stopped", "flow_est_m3s", v.pump_m3s[k]));
	json_object_set_new(o, "pump_list", pumps);
	json_object_set_new(o, "control", control_json(&v));
	pumps = json_array();
	overrides_add(pumps, s, station_now_ms(p));
	json_object_set_new(o, "overrides", pumps);
	json_object_set_new(o, "events", events_json(s));
	return proto_reply("ok", NULL, o);
}

/* An alarm row with its station, for listing across the district. */
struct ctl_alarm {
	struct alarm_row	 row;	/* first: view_alarm_cmp sorts them */
	const struct station	*st;
};

/* One alarm row as JSON. */
static json_t *
alarm_json(const struct ctl_alarm *a)
{
	const struct alarm_row	*r = &a->row;
	char			 text[80];

	view_alarm_text(r->kind, r->pump, text, sizeof text);
	return json_pack("{s:i,s:s,s:s,s:s,s:i,s:s,s:s,s:I,s:I,s:o,s:o}",
	    "id", r->id, "priority", alarm_prio_name(r->prio), "state",
	    alarm_state_name(r->state), "station", a->st->cfg->id, "pump",
	    r->pump, "alarm", alarm_kind_key(r->kind), "text", text,
	    "since_ms", (json_int_t)r->since_ms, "state_since_ms",
	    (json_int_t)r->state_ms, "shelved_until_ms",
	    r->shelf_ms ? json_integer(r->shelf_ms) : json_null(), "reason",
	    r->shelf_ms ? json_string(r->shelf_why) : json_null());
}

/* alarms [--all]: the standing alarms, most urgent first, then the
 * newest; shelved and suppressed ones with --all only. */
static char *
cmd_alarms(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct alarm_row	 rows[ALARM_NSLOTS];
	struct ctl_alarm	*all;
	json_t			*a;
	int			 i, j, k, n = 0, every = r->argc == 1;

	(void)peer;
	if (every && strcmp(r->argv[0], "--all") != 0)
		return reply_error("usage: alarms [--all]");
	if ((all = calloc((size_t)p->n * ALARM_NSLOTS + 1, sizeof *all)) ==
	    NULL)
		return reply_error("out of memory");
	for (i = 0; i < p->n; i++) {
		k = alarm_list(&p->st[i].al, &p->alarms, every, rows,
		    ALARM_NSLOTS);
		for (j = 0; j < k; j++, n++) {
			all[n].row = rows[j];
			all[n].st = &p->st[i];
		}
	}
	qsort(all, (size_t)n, sizeof *all, view_alarm_cmp);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, alarm_json(&all[i]));
	free(all);
	return proto_reply("ok", NULL, json_pack("{s:I,s:o}", "now_ms",
	    (json_int_t)station_now_ms(p), "alarms", a));
}

/* The station of alarm id, or NULL. */
static struct station *
alarm_station_of(struct pumpd *p, int id)
{
	int	i = alarm_id_station(id);

	return i >= 0 && i < p->n ? &p->st[i] : NULL;
}

/* Report an operator's changes ev[0..n-1] of station s and add them to
 * the array a. */
static void
changed_add(struct pumpd *p, struct station *s, const struct alarm_event *ev,
    int n, const struct ctl_peer *peer, json_t *a)
{
	int	i;

	station_alarm_report(p, s, ev, n, station_now_ms(p), peer->user);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:i,s:s,s:s,s:s}", "id",
		    ev[i].id, "station", s->cfg->id, "state",
		    alarm_state_name(ev[i].state), "was",
		    alarm_state_name(ev[i].was)));
}

/* The reply to an operator's change ev of station s: reported, saved
 * and listed. */
static char *
alarm_changed(struct pumpd *p, struct station *s,
    const struct alarm_event *ev, const struct ctl_peer *peer)
{
	json_t	*a = json_array();

	changed_add(p, s, ev, 1, peer, a);
	station_save_all(p);
	return proto_reply("ok", NULL, json_pack("{s:o}", "changed", a));
}

/* ack all: every unacknowledged alarm shown, at every station. */
static char *
ack_all(struct pumpd *p, const struct ctl_peer *peer)
{
	struct alarm_event	 ev[ALARM_NSLOTS];
	json_t			*a = json_array();
	int64_t			 ms = station_now_ms(p);
	int			 i, n;

	for (i = 0; i < p->n; i++) {
		n = alarm_ack_all(&p->st[i].al, &p->alarms, ms, ev,
		    ALARM_NSLOTS);
		changed_add(p, &p->st[i], ev, n, peer, a);
	}
	station_save_all(p);
	log_info("ctl: %s acknowledged %zu alarms", peer->user,
	    json_array_size(a));
	return proto_reply("ok", NULL, json_pack("{s:o}", "changed", a));
}

/* The alarm named by argument arg: its station and id, or NULL with an
 * error reply in *err. */
static struct station *
alarm_target(struct pumpd *p, const char *arg, int *id, char **err)
{
	struct station	*s;

	*err = NULL;
	if (proto_alarm_id_parse(arg, id) == -1 ||
	    (s = alarm_station_of(p, *id)) == NULL) {
		*err = reply_error("bad alarm id \"%.16s\": expected an id "
		    "from pumpctl alarms", arg);
		return NULL;
	}
	return s;
}

/* What an operator does to one alarm. */
enum ctl_alarm_op {
	CTL_ALARM_ACK,
	CTL_ALARM_SHELVE,
	CTL_ALARM_UNSHELVE
};

/* shelve's options --for DURATION --reason TEXT into *until_ms (from ms)
 * and *reason: NULL, or the error reply. */
static char *
shelf_options(const struct proto_req *r, int64_t ms, int64_t *until_ms,
    const char **reason)
{
	char	*err;
	long	 secs;

	if (options(r, 1, &secs, reason, &err) == -1)
		return err;
	if (secs == 0 || *reason == NULL || **reason == '\0')
		return reply_error("usage: shelve ID --for DURATION --reason "
		    "TEXT (a shelf needs both)");
	if (secs == PROTO_FOREVER || secs > ALARM_MAX_SHELVE_S)
		return reply_error("a shelf lasts at most 24h, never forever");
	*until_ms = ms + secs * 1000;
	return NULL;
}

/* The operator's change op of the alarm named by r's first argument: the
 * id checked first, then a shelf's options; reported, saved and listed. */
static char *
alarm_change(struct pumpd *p, const struct proto_req *r,
    enum ctl_alarm_op op, const struct ctl_peer *peer)
{
	struct alarm_event	 ev;
	struct station		*s;
	const char		*why, *reason = NULL;
	char			*err;
	int64_t			 ms = station_now_ms(p), until_ms = 0;
	int			 id, rc;

	if ((s = alarm_target(p, r->argv[0], &id, &err)) == NULL)
		return err;
	if (op == CTL_ALARM_SHELVE &&
	    (err = shelf_options(r, ms, &until_ms, &reason)) != NULL)
		return err;
	if (op == CTL_ALARM_ACK)
		rc = alarm_ack(&s->al, &p->alarms, id, ms, &ev, &why);
	else if (op == CTL_ALARM_SHELVE)
		rc = alarm_shelve(&s->al, &p->alarms, id, until_ms, reason, ms,
		    &ev, &why);
	else
		rc = alarm_unshelve(&s->al, &p->alarms, id, ms, &ev, &why);
	if (rc == -1)
		return reply_error("alarm %d: %s", id, why);
	return alarm_changed(p, s, &ev, peer);
}

/* ack ID|all. */
static char *
cmd_ack(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	if (strcmp(r->argv[0], "all") == 0)
		return ack_all(p, peer);
	return alarm_change(p, r, CTL_ALARM_ACK, peer);
}

/* shelve ID --for DURATION --reason TEXT: never forever, at most 24 h. */
static char *
cmd_shelve(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	return alarm_change(p, r, CTL_ALARM_SHELVE, peer);
}

/* unshelve ID. */
static char *
cmd_unshelve(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	return alarm_change(p, r, CTL_ALARM_UNSHELVE, peer);
}

/* A kept event with its station, for merging the rings. */
struct ctl_event {
	const struct view_event	*e;
	const struct station	*st;
};

/* Oldest first; ties in station order, then ring order (stable). */
static int
by_time(const void *a, const void *b)
{
	const struct ctl_event	*x = a, *y = b;

	if (x->e->ms != y->e->ms)
		return x->e->ms < y->e->ms ? -1 : 1;
	if (x->st != y->st)
		return x->st < y->st ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* events [--station ID] [--alarms-only] [--limit N]: the last events
 * of the event rings, oldest first; --alarms-only keeps the alarms'
 * changes alone (never a pump's start or stop). */
static char *
cmd_events(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	const char		*av[PROTO_MAX_ARGS], *sid, *cause;
	struct ctl_event	*all;
	const struct view_ring	*g;
	struct station		*s = NULL;
	json_t			*a;
	int			 i, j, n = 0, only, limit;

	(void)peer;
	for (i = 0; i < r->argc; i++)
		av[i] = r->argv[i];
	if (proto_events_opts(r->argc, av, &sid, &only, &limit, &cause) == -1)
		return proto_reply("error", cause, NULL);
	if (sid != NULL && (s = find_station(p, sid)) == NULL)
		return reply_error("unknown station \"%.64s\"", sid);
	if ((all = calloc((size_t)p->n * VIEW_RING + 1, sizeof *all)) == NULL)
		return reply_error("out of memory");
	for (i = 0; i < p->n; i++) {
		if (s != NULL && s != &p->st[i])
			continue;
		g = &p->st[i].ring;
		for (j = g->n > VIEW_RING ? g->n - VIEW_RING : 0; j < g->n; j++)
			if (!only || g->e[j % VIEW_RING].alarm_id) {
				all[n].e = &g->e[j % VIEW_RING];
				all[n++].st = &p->st[i];
			}
	}
	qsort(all, (size_t)n, sizeof *all, by_time);
	a = json_array();
	for (i = n > limit ? n - limit : 0; i < n; i++)
		json_array_append_new(a, event_json(all[i].st, all[i].e));
	free(all);
	return proto_reply("ok", NULL, json_pack("{s:o}", "events", a));
}

/* The district's inputs as the state file keeps them. */
static void
district_fill(const struct pumpd *p, struct state_district *d)
{
	int	i;

	memset(d, 0, sizeof *d);
	d->warning = (int)p->in.warning;
	for (i = 0; i < p->n && d->nlimits < STATE_MAX_LIMITS; i++)
		if (p->st[i].limit_pumps >= 0) {
			snprintf(d->limit[d->nlimits].id,
			    sizeof d->limit[0].id, "%s", p->st[i].cfg->id);
			d->limit[d->nlimits++].pumps = p->st[i].limit_pumps;
		}
}

/* Hand the district's inputs to the state file now. */
static void
district_save(struct pumpd *p)
{
	struct state_district	d;

	district_fill(p, &d);
	state_set_district(&p->state, &d);
	station_save_all(p);
}

/* warning LEVEL: the CMA warning for the whole district. */
static char *
cmd_warning(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	int	w = proto_warning_parse(r->argv[0]);

	if (w < 0)
		return reply_error("bad warning \"%.32s\": expected none, "
		    "blue, yellow, orange or red", r->argv[0]);
	log_info("ctl: %s set the rainstorm warning to %s (was %s)",
	    peer->user, proto_warning_name(w),
	    proto_warning_name((int)p->in.warning));
	p->in.warning = (enum core_warning)w;
	district_save(p);
	return proto_reply("ok", NULL, district_json(p));
}

/* limit STATION|all PUMPS|none: a discharge limit at a station or at
 * each. */
static char *
cmd_limit(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station	*s = NULL;
	int		 lim, i;

	if (strcmp(r->argv[0], "all") != 0 &&
	    (s = find_station(p, r->argv[0])) == NULL)
		return reply_error("unknown station \"%.64s\"", r->argv[0]);
	if (proto_limit_parse(r->argv[1], &lim) == -1)
		return reply_error("bad limit \"%.32s\": expected a number of "
		    "pumps 0..16 or none", r->argv[1]);
	log_info("ctl: %s set the discharge limit of %s to %d pumps "
	    "(-1: none)", peer->user, s ? s->cfg->id : "every station", lim);
	for (i = 0; i < p->n; i++)
		if (s == NULL || s == &p->st[i])
			p->st[i].limit_pumps = lim;
	district_save(p);
	return proto_reply("ok", NULL, district_json(p));
}

/* The audit entries in buf at or after since (NULL: all). */
static json_t *
log_entries(char *buf, const char *since)
{
	json_t		*a = json_array(), *e;
	const char	*t;
	char		*line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((e = json_loads(line, 0, NULL)) == NULL)
			continue;	/* the first, cut one */
		t = json_string_value(json_object_get(e, "time"));
		if (since == NULL || (t != NULL && strcmp(t, since) >= 0))
			json_array_append(a, e);
		json_decref(e);
	}
	return a;
}

/* log [--since TIME]: the audit trail's last CTL_LOG_TAIL bytes. */
static char *
cmd_log(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	const char	*since = NULL;
	char		*buf;
	json_t		*d;
	off_t		 end;
	ssize_t		 got;

	(void)peer;
	if (r->argc == 1 || (r->argc == 2 && strcmp(r->argv[0], "--since")))
		return reply_error("usage: log [--since TIME]");
	if (r->argc == 2 && !proto_since_ok(since = r->argv[1]))
		return reply_error("bad time \"%.40s\": %s", since,
		    PROTO_SINCE_HELP);
	if (p->ctl == NULL || p->ctl->audit_fd == -1)
		return reply_error("no audit trail");
	if ((buf = calloc(1, CTL_LOG_TAIL + 1)) == NULL)
		return reply_error("out of memory");
	end = lseek(p->ctl->audit_fd, 0, SEEK_END);
	end = end > CTL_LOG_TAIL ? end - CTL_LOG_TAIL : 0;
	got = pread(p->ctl->audit_fd, buf, CTL_LOG_TAIL, end);
	if (got < 0)
		got = 0;
	buf[got] = '\0';
	d = json_pack("{s:o}", "entries", log_entries(buf, since));
	free(buf);
	return proto_reply("ok", NULL, d);
}

/* The overrides in force at station s, appended to a as objects. */
static void
overrides_add(json_t *a, const struct station *s, int64_t now_ms)
{
	struct core_override	 o[2 * OBS_MAX_PUMPS + 1];
	int			 i, n;

	n = core_overrides(&s->core, s->cfg, o, (int)(sizeof o / sizeof o[0]));
	for (i = 0; i < n && i < (int)(sizeof o / sizeof o[0]); i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:o,s:o,s:o,"
		    "s:s}", "station", s->cfg->id, "kind",
		    core_override_name(o[i].kind), "pump", o[i].pump,
		    "since_ms", o[i].since_ms ? json_integer(o[i].since_ms) :
		    json_null(), "until_ms", o[i].until_ms == CORE_FOREVER ?
		    json_null() : json_integer(o[i].until_ms), "left_s",
		    o[i].until_ms == CORE_FOREVER ? json_null() :
		    json_integer((o[i].until_ms - now_ms + 999) / 1000),
		    "reason", o[i].reason));
}

/* The reply to peer's change at station s, logged as "ctl: USER: WHAT:
 * done" or with the core's reason (WHAT from fmt): ok with its overrides
 * now, or refused with that reason; the change goes to the state file. */
static char * __attribute__((format(printf, 6, 7)))
override_reply(struct pumpd *p, const struct station *s,
    const struct ctl_peer *peer, int rc, const char *why, const char *fmt,
    ...)
{
	json_t	*a;
	char	 what[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	log_info("ctl: %s: %s: %s", peer->user, what, rc == 0 ? "done" : why);
	if (rc == -1)
		return proto_reply("refused", why ? why : "refused", NULL);
	station_save_all(p);
	a = json_array();
	overrides_add(a, s, station_now_ms(p));
	return proto_reply("ok", NULL, json_pack("{s:s,s:o}", "station",
	    s->cfg->id, "overrides", a));
}

/* The station argv[0] and, when want_pump, its pump argv[1] (1-based);
 * NULL with an error reply in *err. */
static struct station *
target(struct pumpd *p, const struct proto_req *r, int want_pump,
    int *pump, char **err)
{
	struct station	*s = find_station(p, r->argv[0]);

	*err = NULL;
	if (s == NULL) {
		*err = reply_error("unknown station \"%.64s\"", r->argv[0]);
		return NULL;
	}
	if (want_pump && (proto_pump_parse(r->argv[1], pump) == -1 ||
	    *pump > s->cfg->npumps)) {
		*err = reply_error("bad pump \"%.16s\": station %s has pumps "
		    "1..%d", r->argv[1], s->cfg->id, s->cfg->npumps);
		return NULL;
	}
	return s;
}

/* The options after the first skip arguments; -1 with an error reply. */
static int
options(const struct proto_req *r, int skip, long *secs,
    const char **reason, char **err)
{
	const char	*av[PROTO_MAX_ARGS], *cause;
	int		 i;

	for (i = skip; i < r->argc; i++)
		av[i - skip] = r->argv[i];
	if (proto_opts(r->argc - skip, av, secs, reason, &cause) == -1) {
		*err = proto_reply("error", cause, NULL);
		return -1;
	}
	return 0;
}

/* The core's expiry for secs asked at now_ms (0: the default). */
static int64_t
until_of(long secs, int64_t now_ms)
{
	if (secs == PROTO_FOREVER)
		return CORE_FOREVER;
	return secs == 0 ? 0 : now_ms + (int64_t)secs * 1000;
}

/* pump STATION PUMP run|stop|auto [--for DURATION] [--reason TEXT]. */
static char *
cmd_pump(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	static const char	*what[] = { "auto", "run", "stop" };
	struct station		*s;
	const char		*reason, *why = NULL;
	char			*err;
	int64_t			 ms = station_now_ms(p);
	long			 secs;
	int			 pump, w, rc;

	if ((s = target(p, r, 1, &pump, &err)) == NULL)
		return err;
	for (w = 0; w < 3 && strcmp(r->argv[2], what[w]) != 0; w++)
		;
	if (w == 3)
		return reply_error("bad pump command \"%.16s\": expected run, "
		    "stop or auto", r->argv[2]);
	if (options(r, 3, &secs, &reason, &err) == -1)
		return err;
	if (w == CORE_MAN_AUTO && (secs != 0 || reason != NULL))
		return reply_error("pump ... auto takes no --for or --reason");
	rc = core_override_pump(&s->core, s->cfg, &p->d.control, pump,
	    (enum core_manual)w, until_of(secs, ms), reason, ms, &why);
	return override_reply(p, s, peer, rc, why, "pump %s %d %s", s->cfg->id,
	    pump, what[w]);
}

/* station STATION auto|local [--for DURATION]. */
static char *
cmd_station(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station	*s;
	const char	*reason, *why = NULL;
	char		*err;
	int64_t		 ms = station_now_ms(p);
	long		 secs;
	int		 local, rc;

	if ((s = target(p, r, 0, NULL, &err)) == NULL)
		return err;
	if ((local = strcmp(r->argv[1], "local") == 0) == 0 &&
	    strcmp(r->argv[1], "auto") != 0)
		return reply_error("bad station command \"%.16s\": expected "
		    "auto or local", r->argv[1]);
	if (options(r, 2, &secs, &reason, &err) == -1)
		return err;
	if (reason != NULL || (!local && secs != 0))
		return reply_error("usage: station STATION auto|local "
		    "[--for DURATION] (--for with local only)");
	rc = core_override_station(&s->core, &p->d.control, local,
	    until_of(secs, ms), ms, &why);
	return override_reply(p, s, peer, rc, why, "station %s %s", s->cfg->id,
	    r->argv[1]);
}

/* lockout STATION PUMP --reason TEXT. */
static char *
cmd_lockout(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station	*s;
	const char	*reason, *why = NULL;
	char		*err;
	long		 secs;
	int		 pump, rc;

	if ((s = target(p, r, 1, &pump, &err)) == NULL)
		return err;
	if (options(r, 2, &secs, &reason, &err) == -1)
		return err;
	if (secs != 0 || reason == NULL || *reason == '\0')
		return reply_error("usage: lockout STATION PUMP --reason TEXT "
		    "(a lock-out needs a reason and has no expiry)");
	rc = core_lockout(&s->core, s->cfg, pump, reason, station_now_ms(p),
	    &why);
	return override_reply(p, s, peer, rc, why, "lockout %s %d",
	    s->cfg->id, pump);
}

/* unlock STATION PUMP. */
static char *
cmd_unlock(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station	*s;
	const char	*why = NULL;
	char		*err;
	int		 pump, rc;

	if ((s = target(p, r, 1, &pump, &err)) == NULL)
		return err;
	rc = core_unlock(&s->core, s->cfg, pump, &why);
	return override_reply(p, s, peer, rc, why, "unlock %s %d", s->cfg->id,
	    pump);
}

/* overrides [STATION]: every override in force, with its expiry. */
static char *
cmd_overrides(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer)
{
	struct station	*s = NULL;
	int64_t		 ms = station_now_ms(p);
	json_t		*a;
	int		 i;

	(void)peer;
	if (r->argc == 1 && (s = find_station(p, r->argv[0])) == NULL)
		return reply_error("unknown station \"%.64s\"", r->argv[0]);
	a = json_array();
	for (i = 0; i < p->n; i++)
		if (s == NULL || s == &p->st[i])
			overrides_add(a, &p->st[i], ms);
	return proto_reply("ok", NULL, json_pack("{s:I,s:o}", "now_ms",
	    (json_int_t)ms, "overrides", a));
}

/* An audit entry e to the journal's companion, the "event" measurement. */
static void
audit_emit(struct pumpd *p, json_t *e)
{
	char	*args;

	if (p->mtr == NULL || e == NULL)
		return;
	args = json_dumps(json_object_get(e, "args"), JSON_COMPACT);
	sch_audit(mtr_buf(p->mtr), json_string_value(json_object_get(e,
	    "user")), (long)json_integer_value(json_object_get(e, "uid")),
	    json_string_value(json_object_get(e, "cmd")), args ? args : "[]",
	    json_string_value(json_object_get(e, "result")) ?
	    json_string_value(json_object_get(e, "result")) : "?",
	    json_string_value(json_object_get(e, "error")),
	    station_now_ms(p));
	mtr_commit(p->mtr);
	free(args);
}

/* The audit trail's time of now into t: UTC, "2026-11-29T08:00:00Z". */
static void
audit_time(char *t, size_t n)
{
	struct tm	tm;
	time_t		now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(t, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Append audit entry e (NULL: none) to the trail as one line in one
 * write, and to the log when log_it; e is released. */
static void
audit_append(struct pumpd *p, json_t *e, int log_it)
{
	char	*line = e != NULL ? json_dumps(e, JSON_COMPACT) : NULL;
	size_t	 n;

	json_decref(e);
	if (line == NULL)
		return;
	if (log_it)
		log_info("ctl: audit: %s", line);
	n = strlen(line);
	line[n] = '\n';	/* over the NUL: written with its length */
	if (p->ctl == NULL || p->ctl->audit_fd == -1 ||
	    write(p->ctl->audit_fd, line, n + 1) != (ssize_t)n + 1)
		log_warnx("ctl: cannot append to the audit trail: %s",
		    p->ctl == NULL || p->ctl->audit_fd == -1 ? "not open" :
		    strerror(errno));
	free(line);
}

/* One audit line for a changing command: appended in one write and
 * logged, its entry also an "event" point. */
static void
audit(struct pumpd *p, const struct proto_req *r,
    const struct ctl_peer *peer, const char *reply)
{
	json_t		*rep = json_loads(reply, 0, NULL), *args = json_array();
	json_t		*e;
	char		 t[32];
	int		 i;

	audit_time(t, sizeof t);
	for (i = 0; i < r->argc; i++)
		json_array_append_new(args, json_string(r->argv[i]));
	e = json_pack("{s:s,s:I,s:s,s:s,s:o,s:O*,s:O*}", "time", t, "uid",
	    (json_int_t)peer->uid, "user", peer->user, "cmd", r->cmd, "args",
	    args, "result", json_object_get(rep, "status"), "error",
	    json_object_get(rep, "error"));
	audit_emit(p, e);
	json_decref(rep);
	audit_append(p, e, 1);
}

char *
ctl_handle(struct pumpd *p, const char *line, size_t len,
    const struct ctl_peer *peer)
{
	const struct ctl_cmd	*cmd;
	struct proto_req	 r;
	const char		*cause;
	char			 buf[256], *reply;

	switch (proto_parse(line, len, &r, &cause)) {
	case -2:
		snprintf(buf, sizeof buf, "protocol version %d, this pumpd "
		    "speaks %d: use the pumpctl of the same release",
		    r.version, PROTO_VERSION);
		return proto_reply("version", buf, NULL);
	case -1:
		return proto_reply("error", cause, NULL);
	}
	if (ctl_check(&r, &cmd, buf, sizeof buf, &cause) == -1)
		return proto_reply("error", cause, NULL);
	if ((cmd->flags & CTL_CHANGES) && !peer->operator) {
		snprintf(buf, sizeof buf, "\"%s\" changes the district's "
		    "control: user %s (uid %u) is not in the operator group",
		    cmd->name, peer->user, (unsigned)peer->uid);
		reply = proto_reply("refused", buf, NULL);
	} else
		reply = cmd->fn(p, &r, peer);
	if ((cmd->flags & CTL_CHANGES) && reply != NULL)
		audit(p, &r, peer, reply);
	return reply;
}

/* Whether peer is an operator: root, the group or one of its members. */
static int
is_operator(const struct ctl *c, const struct ctl_peer *peer)
{
	int	i;

	if (peer->uid == 0)
		return 1;
	if (!c->has_op)
		return 0;
	if (peer->gid == c->op_gid)
		return 1;
	for (i = 0; c->members != NULL && c->members[i] != NULL; i++)
		if (strcmp(c->members[i], peer->user) == 0)
			return 1;
	return 0;
}

/* The peer on fd from SO_PEERCRED; -1 when the kernel does not say. */
static int
peer_get(const struct ctl *c, int fd, struct ctl_peer *peer)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof uc;
	struct passwd	 pw, *pwp = NULL;
	char		 buf[1024];

	memset(peer, 0, sizeof *peer);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	peer->uid = uc.uid;
	peer->gid = uc.gid;
	if (getpwuid_r(uc.uid, &pw, buf, sizeof buf, &pwp) == 0 &&
	    pwp != NULL)
		snprintf(peer->user, sizeof peer->user, "%s", pw.pw_name);
	else
		snprintf(peer->user, sizeof peer->user, "%u",
		    (unsigned)uc.uid);
	peer->operator = is_operator(c, peer);
	return 0;
}

/* Close client cl and forget it. */
static void
client_free(struct ctl_client *cl)
{
	struct ctl_client	**pp;

	for (pp = &cl->ctl->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	cl->ctl->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/* Send a last error line to cl and close it once flushed. */
static void
client_kick(struct ctl_client *cl, const char *why)
{
	char	*line = proto_reply("error", why, NULL);

	cl->ctl->dropped++;
	log_warnx("ctl: closing the client of %s (uid %u): %s",
	    cl->peer.user, (unsigned)cl->peer.uid, why);
	if (line != NULL && evbuffer_get_length(bufferevent_get_output(
	    cl->bev)) < CTL_MAX_OUT)
		bufferevent_write(cl->bev, line, strlen(line));
	free(line);
	cl->closing = 1;
	bufferevent_disable(cl->bev, EV_READ);
	/* a client that does not read is not waited for */
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0 ||
	    evbuffer_get_length(bufferevent_get_output(cl->bev)) >=
	    CTL_MAX_OUT)
		client_free(cl);
}

/* Lines from a client: each answered in turn. */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*cl = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line, *reply;
	size_t			 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		reply = ctl_handle(cl->ctl->p, line, len, &cl->peer);
		free(line);
		if (reply != NULL)
			bufferevent_write(bev, reply, strlen(reply));
		free(reply);
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    CTL_MAX_OUT) {
			client_kick(cl, "too much output pending: the client "
			    "does not read its replies");
			return;
		}
	}
	if (evbuffer_get_length(in) > PROTO_MAX_LINE)
		client_kick(cl, "request line too long");
}

/* All sent: a closing client goes. */
static void
on_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*cl = arg;

	(void)bev;
	if (cl->closing)
		client_free(cl);
}

/* End of file, an error or the idle timeout: the client goes. */
static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	client_free(arg);
}

/* How many clients user uid has. */
static int
clients_of(const struct ctl *c, uid_t uid)
{
	const struct ctl_client	*cl;
	int			 n = 0;

	for (cl = c->clients; cl != NULL; cl = cl->next)
		n += cl->peer.uid == uid;
	return n;
}

/* Turn away the client on fd with a reason; counted. */
static void
turn_away(struct ctl *c, int fd, const char *why)
{
	char	*line = proto_reply("error", why, NULL);

	c->dropped++;
	if (line != NULL && write(fd, line, strlen(line)) < 0)
		(void)0;	/* non-blocking: best effort */
	free(line);
	close(fd);
}

/* A new client: counted, its credentials taken, its limits set. */
static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl		*c = arg;
	struct ctl_client	*cl;
	struct timeval		 idle = { CTL_IDLE_S, 0 };
	struct ctl_peer		 peer;

	(void)lis;
	(void)sa;
	(void)salen;
	if (c->nclients >= CTL_MAX_CLIENTS) {
		turn_away(c, fd, "too many clients");
		return;
	}
	if (peer_get(c, fd, &peer) == -1) {
		turn_away(c, fd, "no peer credentials");
		return;
	}
	if (clients_of(c, peer.uid) >= CTL_MAX_PER_UID) {
		turn_away(c, fd, "too many clients of this user");
		return;
	}
	if ((cl = calloc(1, sizeof *cl)) == NULL) {
		turn_away(c, fd, "out of memory");
		return;
	}
	cl->ctl = c;
	cl->peer = peer;
	if ((cl->bev = bufferevent_socket_new(c->p->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(cl);
		return;
	}
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	bufferevent_setcb(cl->bev, on_read, on_write, on_event, cl);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, PROTO_MAX_LINE + 2);
	bufferevent_set_timeouts(cl->bev, &idle, &idle);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

/* The operator group: its gid and members, when configured. */
static int
op_group(struct ctl *c, const char *name, char **cause)
{
	struct group	*g;
	int		 i, n = 0;

	if (*name == '\0')
		return 0;
	if ((g = getgrnam(name)) == NULL)
		return (asprintf(cause, "operator group %s: no such group",
		    name), -1);
	c->op_gid = g->gr_gid;
	c->has_op = 1;
	while (g->gr_mem[n] != NULL)
		n++;
	if ((c->members = calloc((size_t)n + 1, sizeof *c->members)) == NULL)
		return (*cause = NULL, -1);
	for (i = 0; i < n; i++)
		c->members[i] = strdup(g->gr_mem[i]);
	return 0;
}

/* Bind the socket at path, mode 0660, group grp ("": ours), unless a
 * live process listens there: a stale socket is replaced. */
static int
sock_bind(const char *path, const char *grp, char **cause)
{
	struct sockaddr_un	 sun;
	struct group		*g;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return (asprintf(cause, "%s: path too long", path), -1);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (asprintf(cause, "socket: %s", strerror(errno)), -1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 ||
	    errno == EAGAIN) {
		close(fd);
		return (asprintf(cause, "%s: another process listens on it",
		    path), -1);
	}
	unlink(path);	/* a socket left by a pumpd killed */
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    chmod(path, 0660) == -1 || (*grp && ((g = getgrnam(grp)) == NULL ||
	    chown(path, (uid_t)-1, g->gr_gid) == -1))) {
		asprintf(cause, "%s: %s", path, *grp && errno == 0 ?
		    "no such group" : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Take the district's inputs back from the state file. */
static void
district_restore(struct pumpd *p)
{
	struct state_district	 d;
	struct station		*s;
	int			 i;

	if (state_load_district(p->state_dir, &d) == 0) {
		p->in.warning = (enum core_warning)d.warning;
		for (i = 0; i < d.nlimits; i++)
			if ((s = find_station(p, d.limit[i].id)) != NULL)
				s->limit_pumps = d.limit[i].pumps;
		log_info("ctl: restored the rainstorm warning %s and the "
		    "discharge limits of %d stations", proto_warning_name(
		    d.warning), d.nlimits);
	}
	district_fill(p, &d);
	state_set_district(&p->state, &d);
}

int
ctl_open(struct pumpd *p, char **cause)
{
	struct ctl	*c;
	char		 apath[4096];
	int		 fd;

	district_restore(p);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return (*cause = NULL, -1);
	p->ctl = c;
	c->p = p;
	c->audit_fd = -1;
	snprintf(c->path, sizeof c->path, "%s", p->ctl_path != NULL ?
	    p->ctl_path : p->d.ctl.path);
	snprintf(apath, sizeof apath, "%s/audit.log", p->state_dir);
	c->audit_fd = open(apath, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
	if (c->audit_fd == -1)
		return (asprintf(cause, "%s: %s", apath, strerror(errno)), -1);
	if (op_group(c, p->d.ctl.operator_group, cause) == -1 ||
	    (fd = sock_bind(c->path, p->d.ctl.group, cause)) == -1)
		return -1;
	c->lis = evconnlistener_new(p->base, on_accept, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (c->lis == NULL) {
		close(fd);
		return (asprintf(cause, "%s: cannot listen", c->path), -1);
	}
	log_info("ctl: listening on %s", c->path);
	return 0;
}

void
ctl_close(struct pumpd *p)
{
	struct ctl	*c = p->ctl;
	int		 i;

	if (c == NULL)
		return;
	while (c->clients != NULL)
		client_free(c->clients);
	if (c->lis != NULL) {
		evconnlistener_free(c->lis);
		unlink(c->path);
	}
	if (c->audit_fd != -1)
		close(c->audit_fd);
	for (i = 0; c->members != NULL && c->members[i] != NULL; i++)
		free(c->members[i]);
	free(c->members);
	free(c);
	p->ctl = NULL;
}

void
ctl_audit_event(struct pumpd *p, const char *cmd, const char *detail,
    const char *error)
{
	char	t[32];

	audit_time(t, sizeof t);
	audit_append(p, json_pack("{s:s,s:I,s:s,s:s,s:[s],s:s,s:s*}", "time",
	    t, "uid", (json_int_t)getuid(), "user", "pumpd", "cmd", cmd, "args",
	    detail, "result", error != NULL ? "error" : "ok", "error", error),
	    0);
}
