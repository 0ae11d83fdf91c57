/*
 * pumpd: the control-centre daemon.  main() loads the configuration, starts
 * one PLC worker per station (plc.c) and runs one libevent loop that owns
 * everything else: it takes each snapshot as it arrives, checks it, runs the
 * control core (core.c) and hands the command block back to the worker; a
 * periodic tick ages the data (OK, STALE, DOWN) and prints the district.
 * Nothing on the loop waits on the network.  With --sim-speed the clock
 * runs that many times faster, as plcsim's does.
 *
 * Life cycle: the state directory is locked (and so proven writable) before
 * anything starts; then the loop, the stations, the state writer, the
 * metrics writer, the PLC workers and the signal events come up in that
 * order, and go down in the reverse order on every path.  SIGTERM and
 * SIGINT hand every station with fresh data to its PLC (mode LOCAL, the
 * fallback set-points in force), wait on a timer for the PLCs to
 * acknowledge for at most control.handover_ms, send the last metrics and
 * leave; SIGHUP is logged and ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "cfg.h"
#include "core.h"
#include "log.h"
#include "lp.h"
#include "mtr.h"
#include "plc.h"
#include "schema.h"
#include "state.h"

#define RTT_SAMPLES	4096	/* poll latencies kept for p50/p99 */
#define SELF_EVERY_MS	10000	/* self-monitoring point, clock ms */
#define STOP_WAIT_S	3.0	/* for the last metrics at shutdown */
#define SAVE_EVERY_S	5.0	/* state file, real seconds */
#define STATE_MAX_AGE_MS (6 * 3600 * 1000LL)	/* older state is ignored */
#define STOP_CHECK_MS	20	/* while stopping: how often to look */

/* What the hand-over at a stop did with a station. */
enum ho {
	HO_LEFT,	/* nothing written: left to its watchdog (ho_why) */
	HO_SENT,	/* block handed to the worker, not yet acknowledged */
	HO_DONE,	/* the PLC acknowledged the hand-over block */
};

/* How far start-up went: tear-down undoes these in reverse. */
enum up {
	UP_NONE,
	UP_LOCK,	/* state directory locked */
	UP_LOOP,	/* eventfd and event base */
	UP_STATIONS,	/* stations allocated, state taken back */
	UP_STATE,	/* state writer running */
	UP_METRICS,	/* metrics writer (when configured) */
	UP_WORKERS,	/* PLC workers (nworkers of them) */
	UP_EVENTS,	/* loop events */
};

struct station {
	const struct cfg_station *cfg;
	struct plc_dev		 dev;
	struct core_state	 core;
	struct core_out		 out;
	int64_t			 last_ok_ms;	/* last good snapshot */
	enum core_comms		 comms;
	int			 bad_episode;	/* rejected or failing now */
	unsigned long		 rejected;
	unsigned long		 failures;
	unsigned long		 causes[MBTCP_NCAUSES];	/* failures by cause */
	unsigned		 logged;	/* causes logged this episode */
	char			 last_err[192];
	enum ho			 ho;		/* at a stop */
	uint16_t		 ho_seq;	/* seq of that intent */
	const char		*ho_why;	/* HO_LEFT: why */
};

struct pumpd {
	struct cfg_district	 d;
	struct core_input	 in;
	struct station		*st;
	int			 n;
	double			 speed;		/* simulated clock rate */
	int64_t			 wall0_ms;
	double			 mono0;
	int			 poll_ms;	/* simulated */
	int			 stale_ms;	/* simulated */
	int			 down_ms;
	int			 timeout_ms;	/* real: the network's */
	int			 log_s;		/* station lines, simulated s */
	int64_t			 next_log_ms;
	int			 efd;
	struct event_base	*base;
	struct mtr		*mtr;		/* NULL: no metrics */
	const char		*state_dir;
	const char		*influx_url;	/* overrides the file's */
	double			 rtt[RTT_SAMPLES];
	int			 nrtt;
	double			 next_tick;	/* monotonic, when due */
	unsigned long		 overruns;	/* ticks late by a period */
	double			 max_lag_ms;
	int64_t			 next_self_ms;
	int			 stopping;	/* a signal came: 1 hand-over,
						 * 2 last metrics */
	double			 stop_t0;	/* monotonic: the signal */
	double			 stop_by;	/* monotonic: phase deadline */
	struct state		 state;
	double			 next_save;	/* monotonic */
	int			 save_failing;	/* in a failing episode */
	unsigned long		 save_fail0;	/* failures before it */
	unsigned long		 save_failures;	/* state saves failed */
	enum up			 up;
	int			 ran;		/* the loop ran */
	int			 lock_fd;
	int			 nworkers;	/* started */
	struct event		*wake_ev, *tick_ev, *stop_ev;
	struct event		*sig_ev[3];	/* INT, TERM, HUP */
};

/* Monotonic seconds. */
static double
mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The daemon's clock in ms since the epoch: wall time at start plus
 * monotonic time since, times the simulation speed. */
static int64_t
now_ms(const struct pumpd *p)
{
	return p->wall0_ms + (int64_t)((mono_s() - p->mono0) * 1000 *
	    p->speed);
}

/* HH:MM:SS of a clock value, local time. */
static const char *
clock_str(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

/* Log the events of one core cycle. */
static void
log_events(const struct station *s, int64_t ms)
{
	char	tbuf[16];
	int	i;

	for (i = 0; i < s->out.nevents; i++)
		printf("%s %s: %s%s\n", clock_str(ms, tbuf, sizeof tbuf),
		    s->cfg->id, s->out.ev[i].kind == CORE_EV_ALARM_ON ? "ALARM " :
		    "", s->out.ev[i].text);
}

/* Metrics of one core cycle of station s: its events, its points. */
static void
emit_station(struct pumpd *p, const struct station *s,
    const struct obs *snap, int64_t ms)
{
	struct sch_station	sc = { s->cfg, &s->core, &s->out, snap,
	    s->comms };

	if (p->mtr == NULL)
		return;
	sch_events(mtr_buf(p->mtr), s->cfg->id, &s->out, ms);
	sch_station(mtr_buf(p->mtr), &sc, ms);
	mtr_commit(p->mtr);
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
		n = plc_take_ages(&p->st[i].dev, ages + got, &max_ms);
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

/* The "pumpd" self-monitoring point. */
static void
emit_self(struct pumpd *p, int64_t ms)
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
	if ((me.nrtt = p->nrtt) > 0) {
		qsort(p->rtt, (size_t)p->nrtt, sizeof p->rtt[0], cmp_double);
		me.poll_p50_ms = p->rtt[p->nrtt / 2];
		me.poll_p99_ms = p->rtt[p->nrtt * 99 / 100];
	}
	p->nrtt = 0;
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

/* A line with the writer's counters. */
static void
log_metrics(struct pumpd *p)
{
	struct mtr_stats	st;

	if (p->mtr == NULL)
		return;
	mtr_stats(p->mtr, &st);
	log_info("metrics: made %llu sent %llu spooled %llu dropped %llu "
	    "rejected %llu waiting %llu (%llu bytes) spool-errors %llu "
	    "corrupt %llu; %s; "
	    "loop overruns %lu, max lag %.0f ms",
	    (unsigned long long)st.made, (unsigned long long)st.sent,
	    (unsigned long long)st.spooled, (unsigned long long)st.dropped,
	    (unsigned long long)st.rejected,
	    (unsigned long long)st.spool_points,
	    (unsigned long long)st.spool_bytes,
	    (unsigned long long)st.spool_errors,
	    (unsigned long long)st.corrupt,
	    st.healthy ? "InfluxDB OK" : "InfluxDB unavailable",
	    p->overruns, p->max_lag_ms);
}

/* The codec of station cfg's PLC map (plc.map, "v1" by default). */
static const struct codec *
station_codec(const struct cfg_station *cfg)
{
	return codec_find(cfg_map_name(cfg->map));
}

/* Run the core for station s on snap (NULL: no fresh data). */
static void
control(struct pumpd *p, struct station *s, const struct obs *snap,
    int64_t ms)
{
	core_step(&s->core, s->cfg, &p->d.control, snap, s->comms, &p->in, ms,
	    &s->out);
	log_events(s, ms);
	emit_station(p, s, snap, ms);
	if (s->out.it.write && snap != NULL)
		plc_command(&s->dev, &s->out.it);
}

/* A result from station s's worker. */
static void
on_result(struct pumpd *p, struct station *s, const struct plc_result *r)
{
	char			tbuf[16];
	int64_t			ms = now_ms(p);
	unsigned		bit;

	if (!r->ok) {
		if (r->rejected) {
			s->rejected++;
			snprintf(s->last_err, sizeof s->last_err, "rejected: "
			    "%s", r->err);
		} else {
			s->failures++;
			s->causes[r->cause]++;
			snprintf(s->last_err, sizeof s->last_err, "%s (%s)",
			    r->err, mbtcp_cause_name(r->cause));
		}
		s->bad_episode++;
		/* once per episode and cause (a map check's is MBTCP_OK) */
		bit = 1u << (r->rejected ? MBTCP_OK : r->cause);
		if (!(s->logged & bit))
			printf("%s plc %s: %s\n", clock_str(ms, tbuf,
			    sizeof tbuf), s->cfg->id, s->last_err);
		s->logged |= bit;
		return;
	}
	if (s->bad_episode) {
		printf("%s plc %s: answering again after %d failed polls\n",
		    clock_str(ms, tbuf, sizeof tbuf), s->cfg->id,
		    s->bad_episode);
		s->bad_episode = 0;
		s->logged = 0;
	}
	s->last_ok_ms = ms;
	s->comms = CORE_COMMS_OK;
	if (p->nrtt < RTT_SAMPLES)
		p->rtt[p->nrtt++] = r->rtt_ms;
	control(p, s, &r->obs, ms);
}

/* The workers posted results: take them all. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd		*p = arg;
	struct plc_result	 r;
	uint64_t		 v;
	int			 i;

	(void)what;
	if (read(fd, &v, sizeof v) == -1 && errno != EAGAIN)
		return;
	if (p->stopping)	/* stopping: no more decisions or points */
		return;
	for (i = 0; i < p->n; i++)
		if (plc_take(&p->st[i].dev, &r))
			on_result(p, &p->st[i], &r);
}

/* Pumps of a station as 1 (running), 0 (stopped), F (fault). */
static void
pump_string(const struct station *s, char *buf)
{
	int	k;

	for (k = 0; k < s->cfg->npumps; k++)
		buf[k] = (s->core.pump[k].was_fault) ? 'F' :
		    s->core.pump[k].cmd ? '1' : '0';
	buf[k] = '\0';
}

/* One line per station: level, rain, pumps, control, alarms. */
static void
log_district(struct pumpd *p, int64_t ms)
{
	static const char *cname[] = { "OK", "STALE", "DOWN" };
	static const char *mname[] = { "PLC-FALLBACK", "REMOTE", "WATCHING",
	    "SUPERVISED" };
	struct station	*s;
	char		 pumps[OBS_MAX_PUMPS + 1], al[160];
	int		 i, b, pad;

	for (i = 0; i < p->n; i++) {
		s = &p->st[i];
		pump_string(s, pumps);
		al[0] = '\0';
		for (b = 0; b < CORE_AL_COUNT; b++)
			if (s->core.lasting.alarms & (1u << b))
				snprintf(al + strlen(al), sizeof al - strlen(al),
				    "%s%s", al[0] ? ", " : " ALARMS: ",
				    core_alarm_name(1u << b));
		pad = 20 - (int)strlen(s->cfg->id);
		if (s->core.level_m >= 0)
			log_info("station %s:%*s level %5.2f m  rain %5.1f mm/h  "
			    "pumps %-8s %s %s%s%s", s->cfg->id, pad, "",
			    s->core.level_m, core_rain_mmh(&s->core, 5, ms),
			    pumps, cname[s->comms], mname[sch_mode(&s->core)],
			    s->core.lasting.storm ? " STORM" : "", al);
		else
			log_info("station %s:%*s level  ---   comms %s%s",
			    s->cfg->id, pad, "", cname[s->comms], al);
	}
}

/* Hand every station's lasting state to the state writer. */
static void
save_state(struct pumpd *p)
{
	struct core_persist	*rec = calloc((size_t)p->n, sizeof *rec);
	int64_t			 ms = now_ms(p);
	int			 i;

	if (rec == NULL)
		return;
	for (i = 0; i < p->n; i++)
		core_export(&p->st[i].core, p->st[i].cfg->id, ms, &rec[i]);
	state_save(&p->state, rec, p->n);
	free(rec);
	p->next_save = mono_s() + SAVE_EVERY_S;
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
	int64_t				 ms = now_ms(p), age_ms = 0;
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

/* Log a failing state save once per episode, and its recovery. */
static void
watch_state(struct pumpd *p)
{
	struct state_health	h;

	state_health(&p->state, &h);
	p->save_failures = h.failures;
	if (h.failing && !p->save_failing) {
		p->save_failing = 1;
		p->save_fail0 = h.failures - 1;
		log_warnx("state: cannot save: %s (control goes on; "
		    "retried every %g s)", h.err, SAVE_EVERY_S);
	} else if (!h.failing && p->save_failing) {
		p->save_failing = 0;
		log_info("state: saved again, after %lu failed saves",
		    h.failures - p->save_fail0);
	}
}

/* Periodic tick: age the data, run the core where data is missing. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd	*p = arg;
	struct station	*s;
	int64_t		 ms = now_ms(p), age;
	double		 period = p->poll_ms / 1000.0 / p->speed, lag;
	int		 i;

	(void)fd;
	(void)what;
	lag = (mono_s() - p->next_tick) * 1000;
	if (lag > p->max_lag_ms)
		p->max_lag_ms = lag;
	if (lag > period * 1000)
		p->overruns++;
	p->next_tick = mono_s() + period;
	for (i = 0; i < p->n; i++) {
		s = &p->st[i];
		age = ms - s->last_ok_ms;
		s->comms = age <= p->stale_ms ? CORE_COMMS_OK :
		    age <= p->down_ms ? CORE_COMMS_STALE : CORE_COMMS_DOWN;
		if (s->comms != CORE_COMMS_OK)
			control(p, s, NULL, ms);	/* emits comms too */
	}
	if (p->log_s > 0 && ms >= p->next_log_ms) {
		log_district(p, ms);
		log_metrics(p);
		p->next_log_ms = ms + (int64_t)p->log_s * 1000;
	}
	if (ms >= p->next_self_ms) {
		emit_self(p, ms);
		p->next_self_ms = ms + SELF_EVERY_MS;
	}
	watch_state(p);
	if (mono_s() >= p->next_save)
		save_state(p);
	fflush(stdout);
}

/* Hand station s to its PLC at a stop, when it has fresh data and may be
 * written; else say why it is left to its watchdog. */
static void
handover_station(struct pumpd *p, struct station *s, int64_t ms)
{
	s->ho = HO_LEFT;
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
	plc_command(&s->dev, &s->out.it);
}

/* Mark the stations whose PLC acknowledged its hand-over block; 1 when
 * none is waiting any more. */
static int
handover_acked(struct pumpd *p)
{
	uint16_t	seq;
	int		i, waiting = 0;

	for (i = 0; i < p->n; i++) {
		if (p->st[i].ho != HO_SENT)
			continue;
		if (plc_acked(&p->st[i].dev, &seq) && seq == p->st[i].ho_seq)
			p->st[i].ho = HO_DONE;
		else
			waiting++;
	}
	return waiting == 0;
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

/* Log and emit what the hand-over did with station s; 1 if handed over. */
static int
handover_report(struct pumpd *p, const struct station *s, int64_t ms)
{
	const struct intent	*it = &s->out.it;
	char			 text[112], tbuf[16];

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
	printf("%s %s: %s\n", clock_str(ms, tbuf, sizeof tbuf), s->cfg->id,
	    text);
	emit_note(p, s, text, ms);
	return s->ho == HO_DONE;
}

/* The hand-over is over (all acknowledged, or its time is up): report
 * each station and a summary, then send the last metrics. */
static void
handover_end(struct pumpd *p)
{
	int64_t	ms = now_ms(p);
	char	left[512] = "";
	int	i, done = 0;
	size_t	len = 0;

	for (i = 0; i < p->n; i++)
		if (handover_report(p, &p->st[i], ms))
			done++;
		else if (len < sizeof left - 1)
			len += (size_t)snprintf(left + len, sizeof left - len,
			    " %s", p->st[i].cfg->id);
	printf("pumpd: hand-over: %d of %d stations handed over to their PLCs "
	    "in %.0f ms; %d left to their watchdog%s%s\n", done, p->n,
	    (mono_s() - p->stop_t0) * 1000, p->n - done, len ? ":" : "",
	    left);
	p->stopping = 2;
	p->stop_by = mono_s() + STOP_WAIT_S;
	if (p->mtr != NULL)
		mtr_drain(p->mtr);
}

/* While stopping: end the hand-over once every PLC acknowledged it or
 * control.handover_ms passed; then leave the loop once the metrics are out
 * (or after STOP_WAIT_S, leaving the rest in the spool). */
static void
on_stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd	*p = arg;

	(void)fd;
	(void)what;
	if (p->stopping == 1) {
		if (handover_acked(p) || mono_s() > p->stop_by)
			handover_end(p);
		return;
	}
	if (p->mtr == NULL || !mtr_busy(p->mtr) || mono_s() > p->stop_by)
		event_base_loopbreak(p->base);
}

/* SIGINT/SIGTERM: stop deciding, hand the stations to their PLCs, then
 * the last metrics, then leave; SIGHUP: logged and ignored. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pumpd	*p = arg;
	struct timeval	 tv = { 0, STOP_CHECK_MS * 1000 };
	int64_t		 ms = now_ms(p);
	int		 i;

	(void)what;
	if (sig == SIGHUP) {
		printf("pumpd: signal %d (SIGHUP): ignored; reload is not "
		    "implemented, the configuration in use stays\n", (int)sig);
		return;
	}
	if (p->stopping) {
		printf("pumpd: signal %d: already stopping\n", (int)sig);
		return;
	}
	printf("pumpd: signal %d, stopping: handing the stations to their "
	    "PLCs (at most %d ms)\n", (int)sig, p->d.control.handover_ms);
	p->stopping = 1;
	p->stop_t0 = mono_s();
	p->stop_by = p->stop_t0 + p->d.control.handover_ms / 1000.0;
	event_del(p->tick_ev);
	for (i = 0; i < p->n; i++)
		handover_station(p, &p->st[i], ms);
	p->stop_ev = event_new(p->base, -1, EV_PERSIST, on_stop_check, p);
	event_add(p->stop_ev, &tv);
	fflush(stdout);
}

/* Log why start-up failed, "what: cause" (what may be empty, cause
 * NULL), free cause and return -1. */
static int
refuse(const char *what, char *cause)
{
	log_warnx("%s%s%s; refusing to start", what,
	    *what && cause ? ": " : "", cause ? cause : "");
	free(cause);
	return -1;
}

/* The stations, their clock and the state a previous pumpd left. */
static int
stations_init(struct pumpd *p)
{
	struct timespec	ts;
	int		i;

	p->n = p->d.nstations;
	if ((p->st = calloc((size_t)p->n, sizeof *p->st)) == NULL)
		return refuse("out of memory", NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	p->wall0_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	p->mono0 = mono_s();
	for (i = 0; i < p->n; i++) {
		p->st[i].cfg = &p->d.st[i];
		p->st[i].comms = CORE_COMMS_DOWN;
		p->st[i].last_ok_ms = INT64_MIN / 2;
		core_init(&p->st[i].core);
	}
	restore_state(p);
	return 0;
}

/* Start one PLC worker per station. */
static int
workers_start(struct pumpd *p)
{
	double	tick_s = p->poll_ms / 1000.0 / p->speed;

	for (; p->nworkers < p->n; p->nworkers++)
		/* in simulation the network keeps real time: a timeout of at
		 * most 20 (simulated) polls, as a slow PLC must not stall a
		 * whole simulated storm */
		if (plc_start(&p->st[p->nworkers].dev, p->st[p->nworkers].cfg,
		    station_codec(p->st[p->nworkers].cfg), p->efd, tick_s, fmin(p->timeout_ms / 1000.0,
		    fmax(0.2, tick_s * 20))) == -1)
			return refuse("cannot start the PLC worker of",
			    strdup(p->st[p->nworkers].cfg->id));
	return 0;
}

/* Stop every worker: all are told first, so that the wait is one response
 * timeout at most, however many PLCs hang. */
static void
workers_stop(struct pumpd *p)
{
	int	i;

	for (i = 0; i < p->nworkers; i++)
		plc_halt(&p->st[i].dev);
	for (i = 0; i < p->nworkers; i++)
		plc_stop(&p->st[i].dev);
	p->nworkers = 0;
}

/* The loop's events: results, the tick, the signals. */
static int
events_start(struct pumpd *p)
{
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	double		 tick_s = p->poll_ms / 1000.0 / p->speed;
	struct timeval	 tv;
	int		 i;

	p->next_tick = mono_s() + tick_s;
	p->wake_ev = event_new(p->base, p->efd, EV_READ | EV_PERSIST, on_wake,
	    p);
	p->tick_ev = event_new(p->base, -1, EV_PERSIST, on_tick, p);
	tv.tv_sec = (time_t)tick_s;
	tv.tv_usec = (suseconds_t)((tick_s - (double)tv.tv_sec) * 1e6);
	if (p->wake_ev == NULL || p->tick_ev == NULL ||
	    event_add(p->wake_ev, NULL) == -1 || event_add(p->tick_ev, &tv) == -1)
		return refuse("cannot set up the loop's events", NULL);
	for (i = 0; i < 3; i++)
		if ((p->sig_ev[i] = evsignal_new(p->base, sigs[i], on_signal,
		    p)) == NULL || event_add(p->sig_ev[i], NULL) == -1)
			return refuse("cannot handle signals", NULL);
	return 0;
}

/* Free the loop's events. */
static void
events_free(struct pumpd *p)
{
	int	i;

	for (i = 0; i < 3; i++)
		if (p->sig_ev[i] != NULL)
			event_free(p->sig_ev[i]);
	if (p->stop_ev != NULL)
		event_free(p->stop_ev);
	if (p->tick_ev != NULL)
		event_free(p->tick_ev);
	if (p->wake_ev != NULL)
		event_free(p->wake_ev);
}

/* Set everything up, in order, recording how far it went in p->up. */
static int
start_up(struct pumpd *p)
{
	char	*cause = NULL, dir[4096];

	if (state_lock(p->state_dir, &p->lock_fd, &cause) == -1)
		return refuse(cause ? "" : "state directory", cause);
	p->up = UP_LOCK;
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return refuse("cannot set up the event loop", NULL);
	if ((p->base = event_base_new()) == NULL) {
		close(p->efd);
		return refuse("cannot set up the event loop", NULL);
	}
	p->up = UP_LOOP;
	if (stations_init(p) == -1)
		return -1;
	p->up = UP_STATIONS;
	if (state_open(&p->state, p->state_dir, &cause) == -1)
		return refuse("state", cause);
	p->next_save = mono_s() + SAVE_EVERY_S;
	p->up = UP_STATE;
	snprintf(dir, sizeof dir, "%s/spool", p->state_dir);
	if (p->d.has_influx && (p->mtr = mtr_new(p->base, &p->d.influx,
	    p->influx_url, dir, &cause)) == NULL)
		return refuse("metrics", cause);
	p->up = UP_METRICS;
	p->up = UP_WORKERS;	/* the started ones: nworkers */
	if (workers_start(p) == -1)
		return -1;
	p->up = UP_EVENTS;
	return events_start(p);
}

/* Undo start_up in reverse order, from wherever it got to. */
static void
tear_down(struct pumpd *p)
{
	if (p->up >= UP_EVENTS)
		events_free(p);
	if (p->up >= UP_WORKERS)
		workers_stop(p);
	if (p->up >= UP_METRICS && p->mtr != NULL) {
		mtr_stop(p->mtr);
		log_metrics(p);
		mtr_free(p->mtr);
		p->mtr = NULL;
	}
	if (p->up >= UP_STATE) {
		if (p->ran)	/* else nothing was decided: keep the file */
			save_state(p);
		state_close(&p->state);
		if (p->state.failing)	/* the writer has ended */
			log_warnx("state: the final save failed: %s",
			    p->state.err);
	}
	if (p->up >= UP_STATIONS)
		free(p->st);
	if (p->up >= UP_LOOP) {
		event_base_free(p->base);
		close(p->efd);
	}
	if (p->up >= UP_LOCK)
		state_unlock(p->lock_fd);
	p->up = UP_NONE;
}

/* Start up, run the loop until a signal has been dealt with, tear down.
 * SIGINT, SIGTERM and SIGHUP stay blocked until the loop handles them, in
 * this thread and in every thread started meanwhile. */
static int
run(struct pumpd *p)
{
	sigset_t	set, old;
	int		rc = 0;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (start_up(p) == -1)
		rc = 1;
	else {
		log_info("started: %d stations, poll %d ms, clock x%g", p->n,
		    p->poll_ms, p->speed);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		sd_notify(0, "READY=1");
		p->ran = 1;
		event_base_dispatch(p->base);
		sd_notify(0, "STOPPING=1");
	}
	tear_down(p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fflush(stdout);
	return rc;
}

/* The loop's timing from the configuration's control group; --poll-ms
 * (poll_ms > 0) overrides the file. */
static void
tune(struct pumpd *p, int poll_ms)
{
	const struct cfg_control	*c = &p->d.control;

	p->poll_ms = poll_ms > 0 ? poll_ms : c->poll_ms;
	p->timeout_ms = c->response_timeout_ms;
	p->stale_ms = c->stale_s * 1000;
	p->down_ms = c->down_s * 1000;
}

/* Print usage and exit with status. */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: pumpd [-n | --check-config] [-c FILE] [options]\n"
	    "  -c, --config FILE    station configuration (default %s)\n"
	    "  -n, --check-config   check the configuration and exit\n"
	    "      --poll-ms MS     poll period (the file's control.poll_ms)\n"
	    "      --log-every S    one line per station every S seconds (60)\n"
	    "      --state-dir DIR  spool and state (/var/lib/pumpd)\n"
	    "      --influx-url URL InfluxDB base URL, instead of the file's\n"
	    "      --sim-speed N    simulation: the clock runs N times faster\n"
	    "                       (as plcsim -s N); off in the field\n",
	    "/etc/pumpd/jinnan.conf");
	exit(status);
}

/* The number in arg for option opt, in [lo, hi]; exits 2 with a message
 * that says what was wrong otherwise. */
static double
num_arg(const char *opt, const char *arg, double lo, double hi)
{
	char	*end;
	double	 v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "pumpd: %s \"%s\": expected a number from %g "
		    "to %g\n", opt, arg, lo, hi);
		exit(2);
	}
	return v;
}

/* Load and report on a configuration file; the exit status for -n. */
static int
check_config(const char *path)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };
	double			cap = 0;
	int			i, rc, nsew = 0, npumps = 0, nl1 = 0;

	rc = cfg_load(path, &d, &diag);
	for (i = 0; i < diag.nmsg; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	if (rc == 0) {
		for (i = 0; i < d.nstations; i++) {
			nsew += d.st[i].kind == CFG_SEWAGE;
			nl1 += d.st[i].map == CFG_MAP_L1;
			npumps += d.st[i].npumps;
			cap += cfg_capacity_m3s(&d.st[i]);
		}
		printf("%s: ok: %d stations (%d stormwater, %d sewage; "
		    "%d on map L1), %d pumps, %.1f m3/s installed%s\n", path,
		    d.nstations, d.nstations - nsew, nsew, nl1, npumps, cap,
		    diag.nwarnings ? ", with warnings" : "");
	} else
		fprintf(stderr, "%s: %d error%s\n", path, diag.nerrors,
		    diag.nerrors == 1 ? "" : "s");
	cfg_free(&d);
	cfg_diag_free(&diag);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "poll-ms", required_argument, NULL, 1 },
		{ "log-every", required_argument, NULL, 2 },
		{ "sim-speed", required_argument, NULL, 3 },
		{ "state-dir", required_argument, NULL, 4 },
		{ "influx-url", required_argument, NULL, 5 },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = "/etc/pumpd/jinnan.conf";
	struct pumpd	 p;
	struct cfg_diag	 diag = { 0 };
	int		 ch, check = 0, i, poll_ms = 0;

	memset(&p, 0, sizeof p);
	p.in.limit_pumps = -1;
	p.speed = 1;
	p.log_s = 60;
	p.state_dir = "/var/lib/pumpd";

	while ((ch = getopt_long(argc, argv, "c:nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(0);
			break;
		case 1:
			poll_ms = (int)num_arg("--poll-ms", optarg, 100, 60000);
			break;
		case 2:
			p.log_s = (int)num_arg("--log-every", optarg, 0, 86400);
			break;
		case 3:
			p.speed = num_arg("--sim-speed", optarg, 0.001, 1000);
			break;
		case 4:
			p.state_dir = optarg;
			break;
		case 5:
			p.influx_url = optarg;
			break;
		default:
			usage(2);
		}
	}
	if (check && optind < argc)
		path = argv[optind++];
	if (optind != argc)
		usage(2);
	if (check)
		return check_config(path);
	log_init("pumpd", log_journal(), 0);
	if (cfg_load(path, &p.d, &diag) == -1) {
		for (i = 0; i < diag.nmsg; i++)
			log_warnx("%s", diag.msg[i]);
		log_warnx("%s: refusing to start", path);
		cfg_diag_free(&diag);
		cfg_free(&p.d);
		return 1;
	}
	tune(&p, poll_ms);
	for (i = 0; i < diag.nmsg; i++)
		log_warnx("%s", diag.msg[i]);
	cfg_diag_free(&diag);
	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	i = run(&p);
	cfg_free(&p.d);
	curl_global_cleanup();
	return i;
}
