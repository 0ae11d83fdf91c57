/*
 * pumpd: the control-centre daemon.  This file keeps main (the options,
 * --check-config), the loop and the life cycle; the stations' work is
 * station.c's, the context is pumpd.h's.  One libevent loop owns
 * everything but the PLC workers (plc.c: poller threads of up to 256
 * PLCs each): it takes each result as it arrives (station_result runs
 * the core and hands the intent back to the worker); a periodic tick
 * ages the data, logs the district, writes the self-monitoring point and
 * saves the state.  Nothing on the loop waits on the network or the
 * disk.  With --sim-speed the clock runs that many times faster, as
 * plcsim's does.
 *
 * Life cycle: the state directory is locked (and so proven writable) before
 * anything starts; then the loop, the stations, the state writer, the
 * metrics writer, the PLC workers and the signal events come up in that
 * order, and go down in the reverse order on every path.  SIGTERM and
 * SIGINT hand every station with fresh data to its PLC (v1: mode LOCAL,
 * the fallback set-points in force; L1: its panel set-points), wait on a
 * timer for the PLCs to acknowledge for at most control.handover_ms, send
 * the last metrics and leave; SIGHUP reloads the file (reload.c).  As a
 * systemd service it says READY=1 once every station has been polled,
 * STATUS= lines and WATCHDOG=1 from the loop (notify.c).  A refused start
 * exits with a code that says why (PUMPD_EXIT_* in pumpd.h): an invalid
 * file, a state directory that cannot be written or that another pumpd
 * holds, a control socket another pumpd serves.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "cfg.h"
#include "core.h"
#include "ctl.h"
#include "log.h"
#include "lp.h"
#include "mtr.h"
#include "notify.h"
#include "plc.h"
#include "pumpd.h"
#include "reload.h"
#include "schema.h"
#include "state.h"
#include "station.h"
#include "util.h"

#ifndef PUMPD_VERSION
#define PUMPD_VERSION	"unknown"	/* the Makefile passes it */
#endif

/* Descriptors kept for all but the PLCs: the standard three, the loop's,
 * the control socket and its 16 clients, InfluxDB's connections, the spool
 * and state files, the journal and notify sockets, a reload's reads. */
#define FD_RESERVE	64

#define SELF_EVERY_MS	10000	/* self-monitoring point, clock ms */
#define STOP_WAIT_S	3.0	/* for the last metrics at shutdown */
#define STOP_CHECK_MS	20	/* while stopping: how often to look */

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

/* The workers posted results: take those of the stations that have one. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd		*p = arg;
	struct plc_result	 r;
	struct plc_dev *const	*dev;
	uint64_t		 v;
	int			 i, k, n;

	(void)what;
	if (read(fd, &v, sizeof v) == -1 && errno != EAGAIN)
		return;
	n = plc_ready_take(&p->ready, &dev);
	if (p->stopping)	/* stopping: no more decisions or points */
		return;
	for (k = 0; k < n; k++)
		if ((i = dev[k]->slot) >= 0 && i < p->n &&
		    p->st[i].dev == dev[k] && plc_take(dev[k], &r))
			station_result(p, &p->st[i], &r);
	notify_check_ready(p);
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
		    "retried every %g s)", h.err, STATION_SAVE_EVERY_S);
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
	int64_t		 ms = station_now_ms(p);
	double		 period = p->poll_ms / 1000.0 / p->speed, lag;

	(void)fd;
	(void)what;
	lag = (util_mono_s() - p->next_tick) * 1000;
	if (lag > p->max_lag_ms)
		p->max_lag_ms = lag;
	if (lag > period * 1000)
		p->overruns++;
	p->next_tick = util_mono_s() + period;
	station_age_all(p, ms);
	if (p->log_s > 0 && ms >= p->next_log_ms) {
		station_log_all(p, ms);
		log_metrics(p);
		p->next_log_ms = ms + (int64_t)p->log_s * 1000;
	}
	if (ms >= p->next_self_ms) {
		station_emit_self(p, ms);
		p->next_self_ms = ms + SELF_EVERY_MS;
	}
	watch_state(p);
	if (util_mono_s() >= p->next_save)
		station_save_changed(p);
	reload_tick(p);
}

/* The hand-over is over (all acknowledged, or its time is up): report
 * each station and a summary, then send the last metrics. */
static void
handover_end(struct pumpd *p)
{
	station_handover_report(p, (util_mono_s() - p->stop_t0) * 1000);
	p->stopping = 2;
	p->stop_by = util_mono_s() + STOP_WAIT_S;
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
		reload_tick(p);	/* stations a reload removed, still leaving */
		if ((station_handover_acked(p) && reload_leaving(p) == 0) ||
		    util_mono_s() > p->stop_by)
			handover_end(p);
		return;
	}
	if (p->mtr == NULL || !mtr_busy(p->mtr) || util_mono_s() > p->stop_by)
		event_base_loopbreak(p->base);
}

/* SIGINT/SIGTERM: stop deciding, hand the stations to their PLCs, then
 * the last metrics, then leave; SIGHUP: reload the configuration. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pumpd	*p = arg;
	struct timeval	 tv = { 0, STOP_CHECK_MS * 1000 };
	int64_t		 ms = station_now_ms(p);

	(void)what;
	if (sig == SIGHUP && p->stopping)
		log_notice("signal %d (SIGHUP): ignored: stopping", (int)sig);
	else if (sig == SIGHUP)
		reload_run(p);
	if (sig == SIGHUP)
		return;
	if (p->stopping) {
		log_info("signal %d: already stopping", (int)sig);
		return;
	}
	log_notice("signal %d, stopping: handing the stations to their PLCs "
	    "(at most %d ms)", (int)sig, p->d.control.handover_ms);
	notify_stopping(p);
	p->stopping = 1;
	p->stop_t0 = util_mono_s();
	p->stop_by = p->stop_t0 + p->d.control.handover_ms / 1000.0;
	event_del(p->tick_ev);
	station_handover_all(p, ms);
	p->stop_ev = event_new(p->base, -1, EV_PERSIST, on_stop_check, p);
	event_add(p->stop_ev, &tv);
}

/* Whether a process accepts connections on the control socket at path:
 * 1 with *cause (another pumpd serves it), else 0.  A socket file nobody
 * listens on is a killed pumpd's, which ctl_open replaces. */
static int
ctl_served(const char *path, char **cause)
{
	struct sockaddr_un	sun;
	int			fd, served;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path || (fd = socket(AF_UNIX,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return 0;	/* ctl_open says what is wrong with it */
	strcpy(sun.sun_path, path);
	served = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 ||
	    errno == EAGAIN;
	close(fd);
	if (served && asprintf(cause, "control socket %s: another process "
	    "(another pumpd?) serves it", path) == -1)
		*cause = NULL;
	return served;
}

/* Log why start-up failed, "what: cause" (what may be empty, cause
 * NULL) at LOG_ERR, free cause and return -1. */
static int
refuse(const char *what, char *cause)
{
	log_errx("%s%s%s; refusing to start", what,
	    *what && cause ? ": " : "", cause ? cause : "");
	free(cause);
	return -1;
}

/* Refuse to start with exit status code: as refuse(), and p->exit_code. */
static int
refuse_code(struct pumpd *p, int code, const char *what, char *cause)
{
	p->exit_code = code;
	return refuse(what, cause);
}

/* Start one PLC worker per station. */
static int
workers_start(struct pumpd *p)
{
	if (plc_ready_init(&p->ready, p->efd, p->n) == -1)
		return refuse("cannot start the PLC workers", NULL);
	for (; p->nworkers < p->n; p->nworkers++)
		if (station_worker_start(p, &p->st[p->nworkers]) == -1)
			return refuse("cannot start the PLC worker of",
			    strdup(p->st[p->nworkers].cfg->id));
	station_slots(p);
	return 0;
}

/* Stop every worker: all are told first, so that the wait is one response
 * timeout at most, however many PLCs hang; then those a reload left. */
static void
workers_stop(struct pumpd *p)
{
	int	i;

	for (i = 0; i < p->n; i++)
		if (p->st[i].dev != NULL)
			plc_halt(p->st[i].dev);
	for (i = 0; i < p->n; i++)
		if (p->st[i].dev != NULL) {
			plc_stop(p->st[i].dev);
			station_worker_free(p, p->st[i].dev, p->st[i].wcfg);
			p->st[i].dev = NULL;
			p->st[i].wcfg = NULL;
		}
	reload_free(p);
	p->nworkers = 0;
}

/* The loop's events: results, the tick, the signals. */
static int
events_start(struct pumpd *p)
{
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	double		 tick_s = p->poll_ms / 1000.0 / p->speed;
	struct timeval	 tv;
	char		*cause = NULL;
	int		 i;

	p->next_tick = util_mono_s() + tick_s;
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
	if (notify_start(p, &cause) == -1)
		return refuse("", cause);
	return 0;
}

/* Free the loop's events. */
static void
events_free(struct pumpd *p)
{
	int	i;

	notify_free(p);
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
	int	 rc;

	if ((rc = state_lock(p->state_dir, &p->lock_fd, &cause)) < 0)
		return refuse_code(p, rc == -2 ? PUMPD_EXIT_STATE_HELD :
		    PUMPD_EXIT_STATE_DIR, cause ? "" : "state directory", cause);
	p->up = UP_LOCK;
	if (ctl_served(p->ctl_path != NULL ? p->ctl_path : p->d.ctl.path,
	    &cause))
		return refuse_code(p, PUMPD_EXIT_CTL_SERVED, "", cause);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return refuse("cannot set up the event loop", NULL);
	if ((p->base = event_base_new()) == NULL) {
		close(p->efd);
		return refuse("cannot set up the event loop", NULL);
	}
	p->up = UP_LOOP;
	if (station_init_all(p, &cause) == -1)
		return refuse("stations", cause);
	p->up = UP_STATIONS;
	if (state_open(&p->state, p->state_dir, &cause) == -1)
		return refuse("state", cause);
	p->next_save = util_mono_s() + STATION_SAVE_EVERY_S;
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
	if (events_start(p) == -1)
		return -1;
	p->up = UP_CTL;
	if (ctl_open(p, &cause) == -1) {	/* control matters more */
		log_warnx("control socket: %s; control goes on without it "
		    "(pumpctl cannot reach this pumpd)", cause ? cause :
		    "out of memory");
		free(cause);
	}
	return 0;
}

/* Undo start_up in reverse order, from wherever it got to. */
static void
tear_down(struct pumpd *p)
{
	if (p->up >= UP_CTL)
		ctl_close(p);
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
			station_save_all(p);
		state_close(&p->state);
		if (p->state.failing)	/* the writer has ended */
			log_warnx("state: the final save failed: %s",
			    p->state.err);
	}
	if (p->up >= UP_STATIONS)
		station_free_all(p);
	if (p->up >= UP_LOOP) {
		event_base_free(p->base);
		plc_ready_free(&p->ready);
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
		rc = p->exit_code ? p->exit_code : PUMPD_EXIT_START;
	else {
		log_notice("started: %d stations, poll %d ms, clock x%g; "
		    "READY once each has been polled", p->n, p->poll_ms,
		    p->speed);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		p->ran = 1;
		event_base_dispatch(p->base);
		if (!p->stopping)
			notify_stopping(p);
	}
	tear_down(p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
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

/* --test-hooks: read PUMPD_TEST_BLOCK_AFTER_S="N[:M]" (block the loop M
 * seconds, 10 by default, N seconds after start).  Only with the option:
 * the shipped unit never gives it, so its environment means nothing in
 * the field, and a pumpd started with it says so at LOG_WARNING. */
static void
test_hooks(struct pumpd *p)
{
	const char	*env = getenv("PUMPD_TEST_BLOCK_AFTER_S");

	log_warnx("test hooks on (--test-hooks): not for the field");
	if (env == NULL)
		return;
	p->block_s = 10;
	if (sscanf(env, "%lf:%lf", &p->block_after_s, &p->block_s) < 1 ||
	    !(p->block_after_s > 0 && p->block_after_s < 3600) ||
	    !(p->block_s > 0 && p->block_s < 3600)) {
		log_warnx("PUMPD_TEST_BLOCK_AFTER_S=%s: expected N[:M] "
		    "seconds (0-3600); ignored", env);
		p->block_after_s = 0;
	}
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
	    "      --ctl-socket PATH the control socket, instead of the\n"
	    "                       file's (/run/pumpd/ctl.sock)\n"
	    "      --sim-speed N    simulation: the clock runs N times faster\n"
	    "                       (as plcsim -s N); off in the field\n"
	    "      --print-addresses  the PLC and InfluxDB hosts, one a line\n"
	    "                       (for the unit's IPAddressAllow=)\n"
	    "      --version        print the version and exit\n"
	    "      --test-hooks     tests only: honour PUMPD_TEST_BLOCK_AFTER_S\n"
	    "                       (N[:M]: block the loop M s after N s)\n"
	    "signals: SIGTERM, SIGINT stop (each station handed to its PLC);\n"
	    "  SIGHUP reloads the file (kept in force when it has errors)\n"
	    "exit status: 0 stopped by a signal; 1 other start-up failure;\n"
	    "  2 bad options; 69 the control socket is served by another\n"
	    "  pumpd; 73 the state directory cannot be created or written;\n"
	    "  75 another pumpd holds the state directory; 78 invalid\n"
	    "  configuration (-n: 0 valid, 1 invalid)\n",
	    "/etc/pumpd/jinnan.conf");
	exit(status);
}

/* The number in arg for option opt, in [lo, hi]; exits 2 otherwise. */
static double
num_arg(const char *opt, const char *arg, double lo, double hi)
{
	return util_num_arg("pumpd", opt, arg, lo, hi);
}

/*
 * Whether the descriptor limit holds n PLCs: their sockets and pollers
 * (plc_fds), and FD_RESERVE for the rest.  The soft limit is raised to the
 * hard one first when raise is set (start-up); --check-config judges by
 * the hard limit, which start-up would reach.  0, or -1 with why.
 */
static int
fd_check(int n, int raise, char *why, size_t len)
{
	struct rlimit	rl;
	rlim_t		lim;
	int		need = plc_fds(n) + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;	/* no limit to judge by */
	if (raise && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 ||
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 0;
	}
	lim = raise ? rl.rlim_cur : rl.rlim_max;
	if (lim == RLIM_INFINITY || lim >= (rlim_t)need)
		return 0;
	snprintf(why, len, "stations: %d PLCs need %d file descriptors (a "
	    "socket each, %d for their %d poller threads, %d for the rest), "
	    "but the limit (RLIMIT_NOFILE, %s) is %llu: raise it (LimitNOFILE= "
	    "in the unit, ulimit -n) or split the district", n, need,
	    plc_fds(n) - n, (plc_fds(n) - n) / 2, FD_RESERVE,
	    raise ? "raised to the hard limit" : "hard", (unsigned long long)lim);
	return -1;
}

/* Load and report on a configuration file; the exit status for -n. */
static int
check_config(const char *path)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };
	double			cap = 0;
	int			i, rc, nsew = 0, npumps = 0, nl1 = 0;

	char			why[320];

	rc = cfg_load(path, &d, &diag);
	for (i = 0; i < diag.nmsg; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	if (rc == 0 && fd_check(d.nstations, 0, why, sizeof why) == -1) {
		fprintf(stderr, "%s: %s\n", path, why);
		rc = -1;
		diag.nerrors++;
	}
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

/* Print host once, unless it is among the n hosts of seen. */
static void
print_host(const char *host, const struct cfg_station *seen, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(seen[i].host, host) == 0)
			return;
	printf("%s\n", host);
}

/* --print-addresses: every host pumpd talks to, one a line (the PLCs, then
 * InfluxDB's from its URL), for the unit's IPAddressAllow=; the exit
 * status. */
static int
print_addresses(const char *path)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };
	char			host[256];
	const char		*h;
	int			i, rc;

	if ((rc = cfg_load(path, &d, &diag)) == 0) {
		for (i = 0; i < d.nstations; i++)
			print_host(d.st[i].host, d.st, i);
		if (d.has_influx && (h = strstr(d.influx.url, "://")) != NULL) {
			snprintf(host, sizeof host, "%s", h + 3);
			host[strcspn(host, "/?#")] = '\0';
			host[strcspn(host, host[0] == '[' ? "]" : ":")] = '\0';
			print_host(host + (host[0] == '['), d.st,
			    d.nstations);
		}
	} else
		for (i = 0; i < diag.nmsg; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
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
		{ "ctl-socket", required_argument, NULL, 6 },
		{ "version", no_argument, NULL, 7 },
		{ "print-addresses", no_argument, NULL, 8 },
		{ "test-hooks", no_argument, NULL, 9 },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = "/etc/pumpd/jinnan.conf";
	struct pumpd	 p;
	struct cfg_diag	 diag = { 0 };
	char		 why[320];
	int		 ch, check = 0, i, poll_ms = 0, hooks = 0;

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
		case 6:
			p.ctl_path = optarg;
			break;
		case 7:
			printf("pumpd %s\n", PUMPD_VERSION);
			return 0;
		case 8:
			check = 2;
			break;
		case 9:
			hooks = 1;
			break;
		default:
			usage(PUMPD_EXIT_USAGE);
		}
	}
	if (check && optind < argc)
		path = argv[optind++];
	if (optind != argc)
		usage(PUMPD_EXIT_USAGE);
	if (check)
		return check == 2 ? print_addresses(path) :
		    check_config(path);
	log_init("pumpd", log_journal(), 0);
	p.cfg_path = path;
	if (hooks)
		test_hooks(&p);
	if (cfg_load(path, &p.d, &diag) == -1) {
		for (i = 0; i < diag.nmsg; i++)
			if (strstr(diag.msg[i], ": warning: ") != NULL)
				log_warnx("%s", diag.msg[i]);
			else
				log_errx("%s", diag.msg[i]);
		log_errx("%s: invalid configuration (%d error%s); refusing "
		    "to start", path, diag.nerrors, diag.nerrors == 1 ? "" :
		    "s");
		cfg_diag_free(&diag);
		cfg_free(&p.d);
		return PUMPD_EXIT_CONFIG;
	}
	tune(&p, poll_ms);
	for (i = 0; i < diag.nmsg; i++)
		log_warnx("%s", diag.msg[i]);
	cfg_diag_free(&diag);
	if (fd_check(p.d.nstations, 1, why, sizeof why) == -1) {
		log_errx("%s: %s; refusing to start", path, why);
		cfg_free(&p.d);
		return PUMPD_EXIT_CONFIG;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (p.d.has_influx)	/* OpenSSL's set-up: 2 MB touched */
		curl_global_init(CURL_GLOBAL_DEFAULT);
	i = run(&p);
	if (p.d.has_influx)
		curl_global_cleanup();
	cfg_free(&p.d);
	return i;
}
