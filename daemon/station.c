/*
 * The stations (see station.h): results, ageing, the core, the hand-over,
 * the district log lines and the station metrics.  Every line names its
 * station ("station ID: ...") or its PLC ("plc ID: ..."); a failing PLC is
 * logged once per cause and episode, its repeats once a minute with a
 * count, and its recovery with the number of failed polls.  In simulation
 * (a clock faster than real time) event lines carry the daemon's clock as
 * "[clock HH:MM:SS]", since the log's own time is the wall's.  Loop thread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plan.h"
#include "schema.h"
#include "station.h"
#include "util.h"
#include "view.h"

#define STATE_MAX_AGE_MS (6 * 3600 * 1000LL)	/* older state is ignored */
#define FAIL_REPEAT_MS	60000	/* a failing PLC's reminder, real ms */

int64_t
station_now_ms(const struct pumpd *p)
{
	return p->wall0_ms + (int64_t)((util_mono_s() - p->mono0) * 1000 *
	    p->speed);
}

/* " [clock HH:MM:SS]" of ms in simulation, "" in real time. */
static const char *
sim_clock(const struct pumpd *p, int64_t ms, char *buf, size_t len)
{
	char	t[16];

	if (p->speed == 1)
		return "";
	snprintf(buf, len, " [clock %s]", util_clock_str(ms, t, sizeof t));
	return buf;
}

/* Log the events of one core cycle of station s. */
static void
log_events(const struct pumpd *p, const struct station *s, int64_t ms)
{
	const struct core_event	*ev;
	char			 tbuf[32];
	int			 i;

	for (i = 0; i < s->out.nevents; i++) {
		ev = &s->out.ev[i];
		if (ev->kind == CORE_EV_ALARM_ON)
			log_warnx("station %s: ALARM %s%s", s->cfg->id,
			    ev->text, sim_clock(p, ms, tbuf, sizeof tbuf));
		else
			log_info("station %s: %s%s", s->cfg->id, ev->text,
			    sim_clock(p, ms, tbuf, sizeof tbuf));
	}
}

/* Metrics of one core cycle of station s: its events, its points. */
static void
emit_station(struct pumpd *p, const struct station *s,
    const struct obs *snap, int64_t ms)
{
	struct station_view	v;
	struct sch_station	sc = { &v, snap };

	if (p->mtr == NULL)
		return;
	view_fill(&v, s, &p->d.control, ms);
	sch_events(mtr_buf(p->mtr), s->cfg->id, &s->out, ms);
	sch_station(mtr_buf(p->mtr), &sc, ms);
	mtr_commit(p->mtr);
}

/* The journal's priority of an alarm's change: a raise by its priority
 * (critical an error, low a notice), anything else information. */
static int
alarm_log_prio(const struct alarm_event *e)
{
	if (e->by_operator || e->state != ALARM_UNACK)
		return LOG_PRI_INFO;
	return e->prio == ALARM_CRITICAL ? LOG_PRI_ERR : e->prio == ALARM_LOW ?
	    LOG_PRI_NOTICE : LOG_PRI_WARN;
}

void
station_alarm_report(struct pumpd *p, struct station *s,
    const struct alarm_event *ev, int n, int64_t ms, const char *user)
{
	char	text[80], tbuf[32];
	int	i;

	for (i = 0; i < n; i++) {
		view_alarm_text(ev[i].kind, ev[i].pump, text, sizeof text);
		log_at(alarm_log_prio(&ev[i]), "station %s: alarm %d %s: %s "
		    "(%s; was %s)%s%s%s", s->cfg->id, ev[i].id, text,
		    alarm_state_name(ev[i].state), alarm_prio_name(ev[i].prio),
		    alarm_state_name(ev[i].was), user ? " by " : "",
		    user ? user : "", sim_clock(p, ms, tbuf, sizeof tbuf));
		view_ring_alarm(&s->ring, &ev[i], ms);
		if (p->mtr != NULL)
			sch_alarm(mtr_buf(p->mtr), s->cfg->id, &ev[i], text,
			    user, ms);
	}
	if (p->mtr != NULL && n > 0)
		mtr_commit(p->mtr);
}

/* The comms of station s as its alarms judge them at ms: from its last
 * answer, or from pumpd's start when it has not answered since, so that
 * a start raises no "comms lost" before a first poll could answer. */
static enum core_comms
alarm_comms(const struct pumpd *p, const struct station *s, int64_t ms)
{
	int64_t	age = ms - (s->last_ok_ms > p->wall0_ms ? s->last_ok_ms :
		    p->wall0_ms);

	return age <= p->stale_ms ? CORE_COMMS_OK : age <= p->down_ms ?
	    CORE_COMMS_STALE : CORE_COMMS_DOWN;
}

/* The alarm module's cycle for station s at ms, after the core's: its
 * conditions, the view's time to flood, the comms; changes reported. */
static void
alarm_cycle(struct pumpd *p, struct station *s, int64_t ms)
{
	struct alarm_input	in;
	struct alarm_event	ev[ALARM_NSLOTS];
	struct station_view	v;
	int			n;

	alarm_sense(&in, &s->core, s->cfg, &p->d.control,
	    s->has_obs ? &s->obs : NULL, alarm_comms(p, s, ms), ms);
	view_fill(&v, s, &p->d.control, ms);
	in.has_ttf = v.has_ttf;
	in.ttf_s = v.ttf_s;
	n = alarm_step(&s->al, s->alt, &in, ms, ev, ALARM_NSLOTS);
	station_alarm_report(p, s, ev, n < ALARM_NSLOTS ? n : ALARM_NSLOTS,
	    ms, NULL);
}

/* The lower of two discharge limits in pumps (-1: none). */
static int
limit_min(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Station s's ordered limit is pooled with its reach's: its share
 * replaces it (coordination on a reach of ordered limits). */
static int
shared_order(const struct pumpd *p, const struct station *s)
{
	const struct cfg_control	*c = &p->d.control;

	return c->coordination && s->coord_limit >= 0 && s->cfg->outlet >= 0 &&
	    s->cfg->outlet < c->noutlets && c->outlet[s->cfg->outlet].max_m3s < 0;
}

/* The most 5-minute rain at station s's upstream neighbours, mm/h. */
static double
upstream_rain(const struct pumpd *p, const struct station *s, int64_t ms)
{
	double	r = 0;
	int	j;

	for (j = 0; j < s->cfg->nupstream; j++)
		if (s->cfg->upstream[j] >= 0 && s->cfg->upstream[j] < p->n)
			r = fmax(r, core_rain_mmh(&p->st[s->cfg->upstream[j]].core,
			    5, ms));
	return r;
}

/* Run the core for station s on snap (NULL: no fresh data), with the
 * district's inputs, the station's own discharge limit and its share of
 * its reach or plant, and the rain upstream. */
static void
control(struct pumpd *p, struct station *s, const struct obs *snap,
    int64_t ms)
{
	struct core_input	in = p->in;

	in.limit_pumps = limit_min(limit_min(in.limit_pumps,
	    shared_order(p, s) ? -1 : s->limit_pumps), s->coord_limit);
	in.upstream_mmh5 = upstream_rain(p, s, ms);
	core_step(&s->core, s->cfg, &p->d.control, snap, s->comms, &in, ms,
	    &s->out);
	if (snap != NULL && s->core.level_m >= 0)
		view_trend_add(&s->trend, s->core.level_m, ms);
	view_ring_add(&s->ring, &s->out, ms);
	log_events(p, s, ms);
	emit_station(p, s, snap, ms);
	alarm_cycle(p, s, ms);
	if (s->out.it.write && snap != NULL && s->dev != NULL)
		plc_command(s->dev, &s->out.it);
}

/* A failed poll of station s: counted; logged once per cause and episode,
 * its repeats once a minute with a count, at LOG_NOTICE: one failed poll
 * is not for the on-call engineer; data lost for stale_s is, as the
 * core's comms alarm (LOG_WARNING). */
static void
result_failed(struct station *s, const struct plc_result *r)
{
	unsigned	bit;

	if (r->rejected) {
		s->rejected++;
		snprintf(s->last_err, sizeof s->last_err, "rejected: %s",
		    r->err);
	} else {
		s->failures++;
		s->causes[r->cause]++;
		snprintf(s->last_err, sizeof s->last_err, "%s (%s)", r->err,
		    mbtcp_cause_name(r->cause));
	}
	s->bad_episode++;
	/* once per episode and cause (a map check's is MBTCP_OK) */
	bit = 1u << (r->rejected ? MBTCP_OK : r->cause);
	if (s->logged & bit) {
		log_limited(&s->fail_log, LOG_PRI_NOTICE, util_mono_ms(),
		    FAIL_REPEAT_MS, "plc %s: %s", s->cfg->id, s->last_err);
		return;
	}
	log_notice("plc %s: %s", s->cfg->id, s->last_err);
	s->logged |= bit;
	if (!s->fail_log.active) {	/* the episode's repeats count from here */
		s->fail_log.active = 1;
		s->fail_log.repeats = 0;
		s->fail_log.last_ms = util_mono_ms();
	}
}

/* Keep a poll latency for p50/p99: all of them up to RTT_SAMPLES in a
 * period, then a uniform sample of them (reservoir sampling), so that the
 * percentiles cover every station however many there are. */
static void
rtt_add(struct pumpd *p, double ms)
{
	unsigned long	j;

	p->nrtt_seen++;
	if (p->nrtt < RTT_SAMPLES) {
		p->rtt[p->nrtt++] = ms;
		return;
	}
	p->rtt_seed = p->rtt_seed * 6364136223846793005ull +
	    1442695040888963407ull;
	if ((j = (unsigned long)((p->rtt_seed >> 33) % p->nrtt_seen)) <
	    RTT_SAMPLES)
		p->rtt[j] = ms;
}

void
station_result(struct pumpd *p, struct station *s, const struct plc_result *r)
{
	int64_t	ms = station_now_ms(p);

	s->polled = 1;
	if (!r->ok) {
		result_failed(s, r);
		return;
	}
	if (s->bad_episode) {
		log_limit_end(&s->fail_log, LOG_PRI_NOTICE);
		log_info("plc %s: answering again after %d failed polls",
		    s->cfg->id, s->bad_episode);
		s->bad_episode = 0;
		s->logged = 0;
	}
	s->last_ok_ms = ms;
	s->comms = CORE_COMMS_OK;
	s->obs = r->obs;
	s->has_obs = 1;
	rtt_add(p, r->rtt_ms);
	control(p, s, &r->obs, ms);
}

/* Station s as the district's allocation sees it at ms. */
static void
demand_of(const struct pumpd *p, const struct station *s, int64_t ms,
    struct plan_demand *d)
{
	const struct cfg_control	*c = &p->d.control;
	const struct estim		*e = &s->core.est;
	int				 k;

	d->outlet = s->cfg->outlet >= 0 && s->cfg->outlet < c->noutlets ?
	    s->cfg->outlet : -1;
	d->known = s->comms == CORE_COMMS_OK && s->core.level_m >= 0 &&
	    estim_conf(e, c, ms) >= c->ff_min_conf;
	d->inflow_m3s = e->inflow_m3s;
	d->storage_s = plan_storage_s(s->cfg, s->core.level_m, e->inflow_m3s);
	d->pump_m3s = estim_mean_pump_m3s(e, s->cfg);
	d->npumps = s->cfg->npumps;
	d->ordered = s->limit_pumps;
	d->running = 0;
	for (k = 0; s->has_obs && k < s->cfg->npumps && k < OBS_MAX_PUMPS; k++)
		d->running += (s->obs.pump[k].flags & OBS_PU_RUNNING) != 0;
}

/*
 * District coordination, once a cycle: share each reach's and plant's
 * allowance among its stations by their time to flood (plan_allocate,
 * with each station's share held from cycle to cycle: no cycling),
 * each station's share going to its core as a discharge limit (with the
 * operators' own, the lower wins).  Nothing when it is switched off or no
 * reach or plant is configured.
 */
static void
coordinate(struct pumpd *p, int64_t ms)
{
	struct plan_demand	*d;
	struct plan_hold	*h;
	int			*lim, i;

	if (!p->d.control.coordination || p->d.control.noutlets == 0) {
		for (i = 0; i < p->n; i++) {
			p->st[i].coord_limit = -1;	/* switched off */
			p->st[i].coord_hold.given = 0;
		}
		return;
	}
	d = calloc((size_t)p->n, sizeof *d);
	h = calloc((size_t)p->n, sizeof *h);
	lim = calloc((size_t)p->n, sizeof *lim);
	if (d != NULL && h != NULL && lim != NULL) {
		for (i = 0; i < p->n; i++) {
			demand_of(p, &p->st[i], ms, &d[i]);
			h[i] = p->st[i].coord_hold;
		}
		plan_allocate(&p->d.control, d, p->n, h, ms, lim);
		for (i = 0; i < p->n; i++) {
			p->st[i].coord_limit = lim[i];
			p->st[i].coord_hold = h[i];
		}
	}
	free(d);
	free(h);
	free(lim);
}

void
station_age_all(struct pumpd *p, int64_t ms)
{
	struct station	*s;
	int64_t		 age;
	int		 i;

	coordinate(p, ms);
	for (i = 0; i < p->n; i++) {
		s = &p->st[i];
		age = ms - s->last_ok_ms;
		s->comms = age <= p->stale_ms ? CORE_COMMS_OK :
		    age <= p->down_ms ? CORE_COMMS_STALE : CORE_COMMS_DOWN;
		if (s->comms != CORE_COMMS_OK)
			control(p, s, NULL, ms);	/* emits comms too */
	}
}

void
station_log_all(struct pumpd *p, int64_t ms)
{
	struct station_view	v;
	int			i, pad;

	for (i = 0; i < p->n; i++) {
		view_fill(&v, &p->st[i], &p->d.control, ms);
		pad = 20 - (int)strlen(v.cfg->id);
		if (v.has_level)
			log_info("station %s:%*s level %5.2f m  rain %5.1f "
			    "mm/h  pumps %-8s %s %s%s%s%s", v.cfg->id, pad, "",
			    v.level_m, v.rain_mmh5, v.pumps,
			    view_comms_name(v.comms), view_mode_name(v.mode),
			    v.storm ? " STORM" : "", v.nalarms ? " ALARMS: " :
			    "", v.alarm_text);
		else
			log_info("station %s:%*s level  ---   comms %s%s%s",
			    v.cfg->id, pad, "", view_comms_name(v.comms),
			    v.nalarms ? " ALARMS: " : "", v.alarm_text);
	}
}

/* Hand the alarms' acknowledgements and shelves to the state writer. */
static void
alarms_save(struct pumpd *p)
{
	struct state_alarm	*sa = NULL;
	struct alarm_saved	 one[ALARM_NSLOTS];
	int			 i, j, k, n = 0;

	for (i = 0; i < p->n; i++)	/* most stations have none */
		n += alarm_export(&p->st[i].al, one, ALARM_NSLOTS);
	if (n > 0 && (sa = calloc((size_t)n, sizeof *sa)) == NULL)
		return;
	n = 0;
	for (i = 0; i < p->n; i++) {
		k = alarm_export(&p->st[i].al, one, ALARM_NSLOTS);
		for (j = 0; j < k; j++, n++) {
			snprintf(sa[n].station, sizeof sa[n].station, "%s",
			    p->st[i].cfg->id);
			snprintf(sa[n].kind, sizeof sa[n].kind, "%s",
			    alarm_kind_key(one[j].kind));
			sa[n].pump = one[j].pump;
			sa[n].acked = one[j].acked;
			sa[n].shelf_ms = one[j].shelf_ms;
			snprintf(sa[n].why, sizeof sa[n].why, "%s",
			    one[j].why);
		}
	}
	state_set_alarms(&p->state, sa, n);
	free(sa);
}

static void	remember_saved(struct pumpd *);

void
station_save_all(struct pumpd *p)
{
	struct core_persist	*rec = calloc((size_t)p->n, sizeof *rec);
	int64_t			 ms = station_now_ms(p);
	int			 i;

	if (rec == NULL)
		return;
	for (i = 0; i < p->n; i++)
		core_export(&p->st[i].core, p->st[i].cfg->id, ms, &rec[i]);
	alarms_save(p);
	state_save(&p->state, rec, p->n);
	free(rec);
	p->next_save = util_mono_s() + STATION_SAVE_EVERY_S;
	p->saved_at = util_mono_s();
	remember_saved(p);
}

/* Keep a copy of what the last save wrote (nothing if out of memory: the
 * next check then saves). */
static void
remember_saved(struct pumpd *p)
{
	int	i;

	if (p->nsaved != p->n) {
		free(p->saved);
		p->nsaved = 0;
		if ((p->saved = calloc((size_t)p->n, sizeof *p->saved)) == NULL)
			return;
		p->nsaved = p->n;
	}
	for (i = 0; i < p->n; i++)
		memcpy(&p->saved[i], &p->st[i].core.lasting,
		    sizeof p->saved[i]);
}

/* Whether what survives a restart changed since the last save. */
static int
lasting_changed(const struct pumpd *p)
{
	int	i;

	if (p->saved == NULL || p->nsaved != p->n)
		return 1;
	for (i = 0; i < p->n; i++)
		if (memcmp(&p->saved[i], &p->st[i].core.lasting,
		    sizeof p->saved[i]) != 0)
			return 1;
	return 0;
}

void
station_save_changed(struct pumpd *p)
{
	if (lasting_changed(p) || p->save_failing ||
	    util_mono_s() - p->saved_at >= STATION_SAVE_REFRESH_S)
		station_save_all(p);
	else
		p->next_save = util_mono_s() + STATION_SAVE_EVERY_S;
}

/* The saved record of station id among rec[0..n-1]; NULL if none. */
static const struct core_persist *
find_record(const struct core_persist *rec, int n, const char *id)
{
	int	j;

	for (j = 0; j < n; j++)
		if (strcmp(rec[j].id, id) == 0)
			return &rec[j];
	return NULL;
}

/* Say how many stations took their saved state back, and why the others
 * did not: no record, too old, or from the future (the clock went back). */
static void
report_restore(struct pumpd *p, int taken, const int *why, int64_t age_ms)
{
	char	buf[320] = "";
	int	len = 0;

	if (why[0])
		len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%d "
		    "without a record", len ? ", " : "; not taken: ", why[0]);
	if (why[1])
		len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%d "
		    "too old (saved %.1f h ago, kept %d h)", len ? ", " :
		    "; not taken: ", why[1], age_ms / 3600000.0,
		    (int)(STATE_MAX_AGE_MS / 3600000));
	if (why[2])
		snprintf(buf + len, sizeof buf - (size_t)len, "%s%d from the "
		    "future (saved %.0f s ahead of this clock: it went back)",
		    len ? ", " : "; not taken: ", why[2], -age_ms / 1000.0);
	log_info("state: alarms, storm mode, rain and start history of "
	    "%d of %d stations taken from %s/state%s", taken, p->n,
	    p->state_dir, buf);
}

/* Take back the state a previous pumpd left, station by station. */
static void
restore_state(struct pumpd *p)
{
	const struct core_persist	*r;
	struct core_persist		*rec;
	char				*cause, *note;
	int64_t				 ms = station_now_ms(p), age_ms = 0;
	int				 i, n, taken = 0, why[3] = { 0, 0, 0 };

	switch (state_load(p->state_dir, &rec, &n, &note, &cause)) {
	case 1:
		return;
	case -1:
		log_warnx("state: 0 of %d stations taken: %s", p->n,
		    cause ? cause : "unreadable");
		free(cause);
		return;
	}
	if (note != NULL)
		log_warnx("state: %s", note);
	free(note);
	for (i = 0; i < p->n; i++) {
		if ((r = find_record(rec, n, p->st[i].cfg->id)) == NULL)
			why[0]++;
		else if (core_import(&p->st[i].core, r, ms,
		    STATE_MAX_AGE_MS) == 0)
			taken++;
		else {
			why[r->saved_ms > ms ? 2 : 1]++;
			age_ms = ms - r->saved_ms;
		}
	}
	report_restore(p, taken, why, age_ms);
	free(rec);
}

/* Take back the alarms' acknowledgements and shelves a previous pumpd
 * left, by station id, kind and pump. */
static void
alarms_restore(struct pumpd *p)
{
	struct state_alarm	*sa;
	struct alarm_saved	 one;
	struct station		*s;
	int64_t			 ms = station_now_ms(p);
	int			 i, j, n, k, taken = 0;

	if (state_load_alarms(p->state_dir, &sa, &n) != 0)
		return;
	for (j = 0; j < n; j++) {
		for (s = NULL, i = 0; i < p->n && s == NULL; i++)
			if (strcmp(p->st[i].cfg->id, sa[j].station) == 0)
				s = &p->st[i];
		if (s == NULL || (k = alarm_kind_parse(sa[j].kind)) < 0)
			continue;
		memset(&one, 0, sizeof one);
		one.kind = (enum alarm_kind)k;
		one.pump = sa[j].pump;
		one.acked = sa[j].acked;
		one.shelf_ms = sa[j].shelf_ms;
		snprintf(one.why, sizeof one.why, "%s", sa[j].why);
		alarm_import(&s->al, &one, 1, ms);
		taken++;
	}
	log_info("state: %d of %d alarm acknowledgements and shelves taken "
	    "from %s/state", taken, n, p->state_dir);
	free(sa);
}

int
station_init_all(struct pumpd *p, char **cause)
{
	int	i;

	p->n = p->d.nstations;
	if ((p->st = calloc((size_t)p->n, sizeof *p->st)) == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	p->wall0_ms = util_wall_ms();
	p->mono0 = util_mono_s();
	alarm_table_init(&p->alarms, &p->d.alarms);
	for (i = 0; i < p->n; i++)
		station_init(p, &p->st[i], i, &p->d.st[i]);
	restore_state(p);
	alarms_restore(p);
	return 0;
}

void
station_free_all(struct pumpd *p)
{
	free(p->st);
	p->st = NULL;
	free(p->saved);
	p->saved = NULL;
	p->nsaved = 0;
}

/* The codec of station cfg's PLC map (plc.map, "v1" by default). */
static const struct codec *
station_codec(const struct cfg_station *cfg)
{
	return codec_find(cfg_map_name(cfg->map));
}

int
station_worker_start(struct pumpd *p, struct station *s)
{
	double	tick_s = p->poll_ms / 1000.0 / p->speed;

	s->wcfg = malloc(sizeof *s->wcfg);
	s->dev = calloc(1, sizeof *s->dev);
	if (s->wcfg == NULL || s->dev == NULL)
		goto fail;
	*s->wcfg = *s->cfg;
	/* in simulation the network keeps real time: a timeout of at most
	 * 20 (simulated) polls, as a slow PLC must not stall a whole
	 * simulated storm */
	if (plc_start(s->dev, s->wcfg, station_codec(s->wcfg), &p->ready, tick_s,
	    fmin(p->timeout_ms / 1000.0, fmax(0.2, tick_s * 20))) == 0)
		return 0;
fail:
	free(s->wcfg);
	free(s->dev);
	s->wcfg = NULL;
	s->dev = NULL;
	return -1;
}

void
station_worker_free(struct pumpd *p, struct plc_dev *dev,
    struct cfg_station *wcfg)
{
	if (dev != NULL && dev->ready != NULL)
		plc_ready_forget(&p->ready, dev);
	free(dev);
	free(wcfg);
}

void
station_slots(struct pumpd *p)
{
	int	i;

	for (i = 0; i < p->n; i++)
		if (p->st[i].dev != NULL)
			p->st[i].dev->slot = i;
}
void
station_init(struct pumpd *p, struct station *s, int index,
    const struct cfg_station *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->comms = CORE_COMMS_DOWN;
	s->last_ok_ms = INT64_MIN / 2;
	s->limit_pumps = -1;
	s->coord_limit = -1;
	s->coord_hold.given = 0;
	core_init(&s->core);
	alarm_init(&s->al, index, cfg->npumps);
	s->alt = &p->alarms;
}

void
station_handover(struct pumpd *p, struct station *s, int64_t ms)
{
	s->ho = HO_LEFT;
	if (s->dev == NULL) {	/* a reload could not start its worker */
		s->ho_why = "no PLC worker";
		return;
	}
	if (ms - s->last_ok_ms > p->stale_ms) {
		s->ho_why = s->core.started ? "no fresh data: the PLC is not "
		    "answering" : "never controlled: the PLC never answered";
		return;
	}
	if (s->core.lasting.alarms & CORE_AL_REMOTE_OFF) {
		s->ho_why = "REMOTE switch off: the PLC runs its own control";
		return;
	}
	core_handover(&s->core, s->cfg, &p->d.control, &s->out);
	if (!s->out.it.write) {
		s->ho_why = s->core.started ? "nothing may be written to it" :
		    "never controlled";
		return;
	}
	s->ho = HO_SENT;
	s->ho_seq = s->out.it.seq;
	plc_command(s->dev, &s->out.it);
}

void
station_handover_all(struct pumpd *p, int64_t ms)
{
	int	i;

	for (i = 0; i < p->n; i++)
		station_handover(p, &p->st[i], ms);
}

int
station_handover_acked(struct pumpd *p)
{
	int	i, waiting = 0;

	for (i = 0; i < p->n; i++) {
		if (p->st[i].ho != HO_SENT)
			continue;
		if (!station_handover_done(&p->st[i]))
			waiting++;
	}
	return waiting == 0;
}

int
station_handover_done(struct station *s)
{
	uint16_t	seq;

	if (s->ho == HO_SENT && plc_acked(s->dev, &seq) && seq == s->ho_seq)
		s->ho = HO_DONE;
	return s->ho != HO_SENT;
}

/* One "event" point (info) for station s. */
static void
emit_note(struct pumpd *p, const struct station *s, const char *text,
    int64_t ms)
{
	struct core_out	o;

	if (p->mtr == NULL)
		return;
	memset(&o, 0, sizeof o);
	o.nevents = 1;
	o.ev[0].kind = CORE_EV_INFO;
	snprintf(o.ev[0].text, sizeof o.ev[0].text, "%s", text);
	sch_events(mtr_buf(p->mtr), s->cfg->id, &o, ms);
	mtr_commit(p->mtr);
}

int
station_handover_note(struct pumpd *p, const struct station *s, int64_t ms)
{
	const struct intent	*it = &s->out.it;
	char			 text[112];

	if (s->ho == HO_DONE && it->control == OBS_SUPERVISORY)
		snprintf(text, sizeof text, "handed back to its PLC (panel "
		    "set-points; inhibits cleared)");
	else if (s->ho == HO_DONE)
		snprintf(text, sizeof text, "handed over to its PLC (LOCAL; "
		    "fallback start %.2f m, stop %.2f m, all pumps %.2f m)",
		    it->fb_start_m, it->fb_stop_m, it->fb_all_m);
	else if (s->ho == HO_SENT)
		snprintf(text, sizeof text, "left to its watchdog: the PLC did "
		    "not acknowledge the hand-over within %d ms",
		    p->d.control.handover_ms);
	else
		snprintf(text, sizeof text, "left to its watchdog: %s",
		    s->ho_why);
	if (s->ho == HO_DONE)
		log_info("station %s: %s", s->cfg->id, text);
	else
		log_warnx("station %s: %s", s->cfg->id, text);
	emit_note(p, s, text, ms);
	return s->ho == HO_DONE;
}

int
station_handover_report(struct pumpd *p, double elapsed_ms)
{
	int64_t	ms = station_now_ms(p);
	char	left[512] = "";
	int	i, done = 0;
	size_t	len = 0;

	for (i = 0; i < p->n; i++)
		if (station_handover_note(p, &p->st[i], ms))
			done++;
		else if (len < sizeof left - 1)
			len += (size_t)snprintf(left + len, sizeof left - len,
			    " %s", p->st[i].cfg->id);
	log_notice("hand-over: %d of %d stations handed over to their PLCs "
	    "in %.0f ms; %d left to their watchdog%s%s", done, p->n,
	    elapsed_ms, p->n - done, len ? ":" : "", left);
	return done;
}

/* Sort helper for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The command ages of the period into me: p99, max and count. */
static void
take_ages(struct pumpd *p, struct sch_self *me)
{
	double	*ages, max_ms;
	int	 i, n, got = 0;

	if ((ages = calloc((size_t)p->n * PLC_AGES, sizeof *ages)) == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		if (p->st[i].dev == NULL)
			continue;
		n = plc_take_ages(p->st[i].dev, ages + got, &max_ms);
		me->ncmd += n;
		got += n < PLC_AGES ? n : PLC_AGES;
		me->cmd_age_max_ms = fmax(me->cmd_age_max_ms, max_ms);
	}
	if (got > 0) {
		qsort(ages, (size_t)got, sizeof *ages, cmp_double);
		me->cmd_age_p99_ms = ages[got * 99 / 100];
	}
	free(ages);
}

void
station_emit_self(struct pumpd *p, int64_t ms)
{
	struct mtr_stats	st;
	struct sch_self		me = { 0 };
	int			i, k, n[3] = { 0, 0, 0 };

	if (p->mtr == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		n[p->st[i].comms]++;
		me.replies_rejected += p->st[i].rejected;
		me.poll_failures += p->st[i].failures;
		for (k = 0; k < MBTCP_NCAUSES; k++)
			me.causes[k] += p->st[i].causes[k];
	}
	take_ages(p, &me);
	if ((me.nrtt = p->nrtt) > 0) {	/* a sample of p->nrtt_seen */
		qsort(p->rtt, (size_t)p->nrtt, sizeof p->rtt[0], cmp_double);
		me.poll_p50_ms = p->rtt[p->nrtt / 2];
		me.poll_p99_ms = p->rtt[p->nrtt * 99 / 100];
	}
	p->nrtt = 0;
	p->nrtt_seen = 0;
	mtr_stats(p->mtr, &st);
	me.overruns = p->overruns;
	me.max_lag_ms = p->max_lag_ms;
	me.ok = n[CORE_COMMS_OK];
	me.stale = n[CORE_COMMS_STALE];
	me.down = n[CORE_COMMS_DOWN];
	me.points_sent = st.sent;
	me.points_spooled = st.spooled;
	me.points_dropped = st.dropped;
	me.points_rejected = st.rejected;
	me.spool_bytes = st.spool_bytes;
	me.write_ms = st.write_ms;
	me.state_save_failures = p->save_failures;
	sch_self(mtr_buf(p->mtr), &me, ms);
	mtr_commit(p->mtr);
}
