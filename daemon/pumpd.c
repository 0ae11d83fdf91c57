/*
 * pumpd: the control-centre daemon.  main() loads the configuration, starts
 * one PLC worker per station (plc.c) and runs one libevent loop that owns
 * everything else: it takes each snapshot as it arrives, checks it, runs the
 * control core (core.c) and hands the command block back to the worker; a
 * periodic tick ages the data (OK, STALE, DOWN) and prints the district.
 * Nothing on the loop waits on the network.  With --sim-speed the clock
 * runs that many times faster, as plcsim's does.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "cfg.h"
#include "core.h"
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
	char			 last_err[192];
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
	double			 stop_by;	/* monotonic; 0 while running */
	struct state		 state;
	double			 next_save;	/* monotonic */
	struct event		*tick_ev;
	struct event		*stop_ev;
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
		    s->cfg->id, s->out.ev[i].kind == EV_ALARM_ON ? "ALARM " :
		    "", s->out.ev[i].text);
}

/* Metrics of one core cycle of station s: its events, its points. */
static void
emit_station(struct pumpd *p, const struct station *s,
    const struct core_snap *snap, int64_t ms)
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

/* The "pumpd" self-monitoring point. */
static void
emit_self(struct pumpd *p, int64_t ms)
{
	struct mtr_stats	st;
	struct sch_self		me = { 0 };
	int			i, n[3] = { 0, 0, 0 };

	if (p->mtr == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		n[p->st[i].comms]++;
		me.replies_rejected += p->st[i].rejected;
		me.poll_failures += p->st[i].failures;
	}
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
	printf("metrics: made %llu sent %llu spooled %llu dropped %llu "
	    "rejected %llu waiting %llu (%llu bytes) spool-errors %llu "
	    "corrupt %llu; %s; "
	    "loop overruns %lu, max lag %.0f ms\n",
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

/* Run the core for station s on snap (NULL: no fresh data). */
static void
control(struct pumpd *p, struct station *s, const struct core_snap *snap,
    int64_t ms)
{
	core_step(&s->core, s->cfg, &p->d.control, snap, s->comms, &p->in, ms,
	    &s->out);
	log_events(s, ms);
	emit_station(p, s, snap, ms);
	if (s->out.write && snap != NULL)
		plc_command(&s->dev, s->out.hr);
}

/* A result from station s's worker. */
static void
on_result(struct pumpd *p, struct station *s, const struct plc_result *r)
{
	struct core_snap	snap;
	char			cause[160], tbuf[16];
	int64_t			ms = now_ms(p);

	if (!r->ok || plc_decode(s->cfg, r->ir, &snap, cause,
	    sizeof cause) == -1) {
		if (r->ok) {
			s->rejected++;
			snprintf(s->last_err, sizeof s->last_err, "rejected: "
			    "%s", cause);
		} else {
			s->failures++;
			snprintf(s->last_err, sizeof s->last_err, "%s", r->err);
		}
		if (!s->bad_episode++)	/* once per episode */
			printf("%s plc %s: %s\n", clock_str(ms, tbuf,
			    sizeof tbuf), s->cfg->id, s->last_err);
		return;
	}
	if (s->bad_episode) {
		printf("%s plc %s: answering again after %d failed polls\n",
		    clock_str(ms, tbuf, sizeof tbuf), s->cfg->id,
		    s->bad_episode);
		s->bad_episode = 0;
	}
	s->last_ok_ms = ms;
	s->comms = CORE_COMMS_OK;
	if (p->nrtt < RTT_SAMPLES)
		p->rtt[p->nrtt++] = r->rtt_ms;
	control(p, s, &snap, ms);
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
	if (p->stop_by > 0)	/* stopping: no more decisions or points */
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
	struct station	*s;
	char		 tbuf[16], pumps[CFG_MAX_PUMPS + 1], al[160];
	int		 i, b;

	for (i = 0; i < p->n; i++) {
		s = &p->st[i];
		pump_string(s, pumps);
		al[0] = '\0';
		for (b = 0; b < AL_COUNT; b++)
			if (s->core.alarms & (1u << b))
				snprintf(al + strlen(al), sizeof al - strlen(al),
				    "%s%s", al[0] ? ", " : " ALARMS: ",
				    core_alarm_name(1u << b));
		if (s->core.level_m >= 0)
			printf("%s %-20s level %5.2f m  rain %5.1f mm/h  pumps "
			    "%-8s %s %s%s%s\n", clock_str(ms, tbuf, sizeof tbuf),
			    s->cfg->id, s->core.level_m,
			    core_rain_mmh(&s->core, 5, ms), pumps,
			    cname[s->comms], s->core.local ? "PLC-FALLBACK" :
			    "REMOTE", s->core.storm ? " STORM" : "", al);
		else
			printf("%s %-20s level  ---   comms %s%s\n",
			    clock_str(ms, tbuf, sizeof tbuf), s->cfg->id,
			    cname[s->comms], al);
	}
	fflush(stdout);
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

/* Take back the state a previous pumpd left, station by station. */
static void
restore_state(struct pumpd *p)
{
	struct core_persist	*rec;
	char			*cause;
	int64_t			 ms = now_ms(p);
	int			 i, j, n, taken = 0;

	switch (state_load(p->state_dir, &rec, &n, &cause)) {
	case 1:
		return;
	case -1:
		printf("pumpd: state: %s\n", cause ? cause : "unreadable");
		free(cause);
		return;
	}
	for (i = 0; i < p->n; i++)
		for (j = 0; j < n; j++)
			if (strcmp(rec[j].id, p->st[i].cfg->id) == 0 &&
			    core_import(&p->st[i].core, &rec[j], ms,
			    STATE_MAX_AGE_MS) == 0)
				taken++;
	printf("pumpd: state: alarms, storm mode, rain and start history of "
	    "%d of %d stations taken from %s/state\n", taken, p->n,
	    p->state_dir);
	free(rec);
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
	if (mono_s() >= p->next_save)
		save_state(p);
	fflush(stdout);
}

/* While stopping: leave the loop once the metrics are out (or after
 * STOP_WAIT_S, leaving the rest in the spool). */
static void
on_stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd	*p = arg;

	(void)fd;
	(void)what;
	if (p->mtr == NULL || !mtr_busy(p->mtr) || mono_s() > p->stop_by)
		event_base_loopbreak(p->base);
}

/* SIGINT/SIGTERM: stop polling, hand the last metrics over, leave. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pumpd	*p = arg;
	struct timeval	 tv = { 0, 50000 };

	(void)what;
	if (p->stop_by > 0)
		return;
	printf("pumpd: signal %d, stopping (the PLCs keep their last "
	    "commands and fall back on their watchdog)\n", (int)sig);
	p->stop_by = mono_s() + STOP_WAIT_S;
	event_del(p->tick_ev);
	if (p->mtr != NULL)
		mtr_drain(p->mtr);
	p->stop_ev = event_new(p->base, -1, EV_PERSIST, on_stop_check, p);
	event_add(p->stop_ev, &tv);
}

/* Start workers and run the loop until a signal. */
static int
run(struct pumpd *p)
{
	struct event	*wake, *tick, *sint, *sterm;
	struct timeval	 tv;
	struct timespec	 ts;
	double		 tick_s = p->poll_ms / 1000.0 / p->speed;
	int		 i;

	signal(SIGPIPE, SIG_IGN);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (p->base = event_base_new()) == NULL) {
		fprintf(stderr, "pumpd: cannot set up the event loop\n");
		return 1;
	}
	p->n = p->d.nstations;
	p->st = calloc((size_t)p->n, sizeof *p->st);
	clock_gettime(CLOCK_REALTIME, &ts);
	p->wall0_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	p->mono0 = mono_s();
	for (i = 0; i < p->n; i++) {
		p->st[i].cfg = &p->d.st[i];
		p->st[i].comms = CORE_COMMS_DOWN;
		p->st[i].last_ok_ms = INT64_MIN / 2;
		core_init(&p->st[i].core);
		/* in simulation the network keeps real time: a timeout of at
		 * most 20 (simulated) polls, as a slow PLC must not stall a
		 * whole simulated storm */
		if (plc_start(&p->st[i].dev, &p->d.st[i], p->efd, tick_s,
		    fmin(p->timeout_ms / 1000.0, fmax(0.2, tick_s * 20))) == -1) {
			fprintf(stderr, "pumpd: cannot start worker %s\n",
			    p->d.st[i].id);
			return 1;
		}
	}
	if (mkdir(p->state_dir, 0750) == -1 && errno != EEXIST) {
		fprintf(stderr, "pumpd: state directory %s: %s\n",
		    p->state_dir, strerror(errno));
		return 1;
	}
	restore_state(p);
	{
		char	*cause = NULL;

		if (state_open(&p->state, p->state_dir, &cause) == -1) {
			fprintf(stderr, "pumpd: %s\n", cause ? cause :
			    "state: cannot start");
			return 1;
		}
	}
	p->next_save = mono_s() + SAVE_EVERY_S;
	if (p->d.has_influx) {
		char	*cause = NULL, dir[4096];

		snprintf(dir, sizeof dir, "%s/spool", p->state_dir);
		if ((p->mtr = mtr_new(p->base, &p->d.influx, p->influx_url,
		    dir, &cause)) == NULL) {
			fprintf(stderr, "pumpd: metrics: %s\n", cause ? cause :
			    "cannot start");
			return 1;
		}
	}
	p->next_tick = mono_s() + tick_s;
	wake = event_new(p->base, p->efd, EV_READ | EV_PERSIST, on_wake, p);
	tick = p->tick_ev = event_new(p->base, -1, EV_PERSIST, on_tick, p);
	sint = evsignal_new(p->base, SIGINT, on_signal, p);
	sterm = evsignal_new(p->base, SIGTERM, on_signal, p);
	tv.tv_sec = (time_t)tick_s;
	tv.tv_usec = (suseconds_t)((tick_s - (double)tv.tv_sec) * 1e6);
	event_add(wake, NULL);
	event_add(tick, &tv);
	event_add(sint, NULL);
	event_add(sterm, NULL);
	printf("pumpd: %d stations, poll %d ms, clock x%g\n", p->n,
	    p->poll_ms, p->speed);
	fflush(stdout);
	sd_notify(0, "READY=1");
	event_base_dispatch(p->base);
	sd_notify(0, "STOPPING=1");
	for (i = 0; i < p->n; i++)
		plc_stop(&p->st[i].dev);
	if (p->mtr != NULL)
		mtr_stop(p->mtr);
	save_state(p);
	state_close(&p->state);
	log_metrics(p);
	mtr_free(p->mtr);
	if (p->stop_ev != NULL)
		event_free(p->stop_ev);
	event_free(wake);
	event_free(tick);
	event_free(sint);
	event_free(sterm);
	event_base_free(p->base);
	close(p->efd);
	free(p->st);
	return 0;
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
	int			i, rc, nsew = 0, npumps = 0;

	rc = cfg_load(path, &d, &diag);
	for (i = 0; i < diag.nmsg; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	if (rc == 0) {
		for (i = 0; i < d.nstations; i++) {
			nsew += d.st[i].kind == CFG_SEWAGE;
			npumps += d.st[i].npumps;
			cap += cfg_capacity_m3s(&d.st[i]);
		}
		printf("%s: ok: %d stations (%d stormwater, %d sewage), "
		    "%d pumps, %.1f m3/s installed%s\n", path, d.nstations,
		    d.nstations - nsew, nsew, npumps, cap,
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
	if (cfg_load(path, &p.d, &diag) == -1) {
		for (i = 0; i < diag.nmsg; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
		fprintf(stderr, "pumpd: %s: refusing to start\n", path);
		cfg_diag_free(&diag);
		cfg_free(&p.d);
		return 1;
	}
	tune(&p, poll_ms);
	for (i = 0; i < diag.nmsg; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	cfg_diag_free(&diag);
	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	i = run(&p);
	cfg_free(&p.d);
	curl_global_cleanup();
	return i;
}
