/*
 * pumpd's notifications to systemd (see notify.h).  The watchdog is fed
 * from a libevent timer on the loop and from nowhere else: a thread of its
 * own would keep feeding it while the loop is stuck, which is the very
 * failure the watchdog is there to catch.  Loop thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "mtr.h"
#include "notify.h"
#include "proto.h"
#include "util.h"

#define STATUS_CHECK_S	1	/* how often the status is looked at */

/* A byte count in words: "0 B", "12.3 kB", "4.5 MB". */
static void
bytes_str(unsigned long long n, char *buf, size_t len)
{
	if (n < 1000)
		snprintf(buf, len, "%llu B", n);
	else if (n < 1000000)
		snprintf(buf, len, "%.1f kB", n / 1e3);
	else
		snprintf(buf, len, "%.1f MB", n / 1e6);
}

void
notify_status_line(struct pumpd *p, char *buf, size_t len)
{
	struct mtr_stats	st;
	char			spool[32] = "no metrics";
	int			i, storm = 0, n[3] = { 0, 0, 0 };

	for (i = 0; i < p->n; i++) {
		n[p->st[i].comms]++;
		storm += p->st[i].core.lasting.storm != 0;
	}
	if (p->mtr != NULL) {
		mtr_stats(p->mtr, &st);
		memcpy(spool, "spool ", 6);
		bytes_str(st.spool_bytes, spool + 6, sizeof spool - 6);
	}
	snprintf(buf, len, "%d stations: %d OK, %d STALE, %d DOWN; "
	    "storm mode at %d; %s; warning %s", p->n, n[CORE_COMMS_OK],
	    n[CORE_COMMS_STALE], n[CORE_COMMS_DOWN], storm, spool,
	    proto_warning_name((int)p->in.warning));
}

/* Send STATUS=line. */
static void
send_status(struct pumpd *p, const char *line)
{
	snprintf(p->status, sizeof p->status, "%s", line);
	p->status_at = util_mono_s();
	sd_notifyf(0, "STATUS=%s", line);
}

void
notify_status(struct pumpd *p, int force)
{
	char	line[sizeof p->status];
	int	i, polled = 0;

	if (!p->sd_ready) {
		for (i = 0; i < p->n; i++)
			polled += p->st[i].polled;
		snprintf(line, sizeof line, "starting: %d of %d stations "
		    "polled", polled, p->n);
	} else
		notify_status_line(p, line, sizeof line);
	if (force || strcmp(line, p->status) != 0 ||
	    util_mono_s() - p->status_at >= NOTIFY_STATUS_EVERY_S)
		send_status(p, line);
}

void
notify_check_ready(struct pumpd *p)
{
	int	i;

	if (p->sd_ready || p->stopping)
		return;
	for (i = 0; i < p->n; i++)
		if (!p->st[i].polled)
			return;
	p->sd_ready = 1;
	notify_status_line(p, p->status, sizeof p->status);
	p->status_at = util_mono_s();
	sd_notifyf(0, "READY=1\nSTATUS=%s", p->status);
	log_notice("ready: every one of the %d stations polled once; %s",
	    p->n, p->status);
}

/* Every second: the status, when it changed (or every 10 s). */
static void
on_status(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd	*p = arg;

	(void)fd;
	(void)what;
	if (!p->stopping)
		notify_status(p, 0);
}

/* Half the watchdog interval: feed it. */
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

/* The test hook: the loop stops as a stuck one would. */
static void
on_block(evutil_socket_t fd, short what, void *arg)
{
	struct pumpd	*p = arg;
	struct timespec	 ts;

	(void)fd;
	(void)what;
	log_warnx("test hook: blocking the loop for %g s", p->block_s);
	sd_notifyf(0, "STATUS=test hook: the loop is blocked for %g s",
	    p->block_s);
	ts.tv_sec = (time_t)p->block_s;
	ts.tv_nsec = (long)((p->block_s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1)
		;
	log_warnx("test hook: the loop runs again");
}

/* A timeval of s seconds. */
static struct timeval
tv_of(double s)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

int
notify_start(struct pumpd *p, char **cause)
{
	struct timeval	tv = tv_of(STATUS_CHECK_S);
	uint64_t	usec = 0;

	p->status_ev = event_new(p->base, -1, EV_PERSIST, on_status, p);
	if (p->status_ev == NULL || event_add(p->status_ev, &tv) == -1)
		return (*cause = strdup("cannot set up the status timer"), -1);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		p->wd_usec = usec;
		tv = tv_of(usec / 2e6);
		p->wd_ev = event_new(p->base, -1, EV_PERSIST, on_watchdog, p);
		if (p->wd_ev == NULL || event_add(p->wd_ev, &tv) == -1)
			return (*cause = strdup("cannot set up the watchdog "
			    "timer"), -1);
		log_info("systemd watchdog: %.1f s, fed every %.1f s from "
		    "the loop", usec / 1e6, usec / 2e6);
	}
	if (p->block_after_s > 0) {
		tv = tv_of(p->block_after_s);
		p->block_ev = event_new(p->base, -1, 0, on_block, p);
		if (p->block_ev == NULL || event_add(p->block_ev, &tv) == -1)
			return (*cause = strdup("cannot set up the test "
			    "hook"), -1);
	}
	notify_status(p, 1);
	return 0;
}

void
notify_free(struct pumpd *p)
{
	if (p->block_ev != NULL)
		event_free(p->block_ev);
	if (p->wd_ev != NULL)
		event_free(p->wd_ev);
	if (p->status_ev != NULL)
		event_free(p->status_ev);
	p->block_ev = p->wd_ev = p->status_ev = NULL;
}

void
notify_reloading(struct pumpd *p)
{
	struct timespec	ts;

	if (!p->sd_ready)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%"
	    PRIu64, p->cfg_path, (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000);
}

void
notify_reloaded(struct pumpd *p, const char *result)
{
	char	line[sizeof p->status];

	if (!p->sd_ready) {	/* READY=1 comes once every station was polled */
		notify_status(p, 1);
		return;
	}
	notify_status_line(p, line, sizeof line);
	snprintf(p->status, sizeof p->status, "%s", line);
	p->status_at = util_mono_s();
	sd_notifyf(0, "READY=1\nSTATUS=%s (%s)", line, result);
}

void
notify_stopping(struct pumpd *p)
{
	(void)p;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: handing the stations to "
	    "their PLCs");
}
