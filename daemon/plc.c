/*
 * PLC workers.  The worker thread is the only user of its modbus_t (one
 * context per thread, as libmodbus requires), and uses it only to connect:
 * requests and replies go over the socket here, framed and checked by
 * mbtcp.c, each under one absolute deadline, so that a PLC dripping a reply
 * a byte at a time is given up at the response timeout.  libmodbus's own
 * error recovery stays off: on any error the worker closes the connection
 * and reconnects after a backoff, 0.5 s doubling to 30 s with +-25 % jitter.
 * Transaction ids are the worker's own, one per request.  Descriptors are
 * few (one per station), well under select()'s 1024.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "plc.h"

#define BACKOFF_MIN_S	0.5
#define BACKOFF_MAX_S	30.0

enum work { WORK_STOP, WORK_WRITE, WORK_POLL };

/* Monotonic seconds. */
static double
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The CLOCK_MONOTONIC timespec of monotonic seconds t. */
static struct timespec
at(double t)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - floor(t)) * 1e9);
	return ts;
}

/* Post a good poll to the loop and wake it. */
static void
post_ok(struct plc_dev *d)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&d->mu);
	d->res = d->work;
	d->res.ok = 1;
	d->res.cause = MBTCP_OK;
	d->res.err[0] = '\0';
	d->have_res = 1;
	pthread_mutex_unlock(&d->mu);
	if (write(d->notify_fd, &one, sizeof one) == -1)
		return;	/* the counter is already non-zero */
}

/* Post a failure, what: why, to the loop and wake it. */
static void
post_err(struct plc_dev *d, enum mbtcp_cause cause, const char *what,
    const char *why)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&d->mu);
	d->res.ok = 0;
	d->res.cause = cause;
	snprintf(d->res.err, sizeof d->res.err, "%s: %s", what, why);
	d->have_res = 1;
	pthread_mutex_unlock(&d->mu);
	if (write(d->notify_fd, &one, sizeof one) == -1)
		return;
}

/* Drop the connection after an error, and a command not yet written: it
 * was decided on data from before the error. */
static void
disconnect(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->acked = 0;
	d->have_cmd = 0;
	pthread_mutex_unlock(&d->mu);
	if (d->ctx != NULL) {
		modbus_close(d->ctx);
		modbus_free(d->ctx);
		d->ctx = NULL;
	}
}

/* Wait until monotonic time t, or until stopped; returns stop. */
static int
nap_until(struct plc_dev *d, double t)
{
	struct timespec	ts = at(t);
	int		stop;

	pthread_mutex_lock(&d->mu);
	while (!d->stop &&
	    pthread_cond_timedwait(&d->cv, &d->mu, &ts) != ETIMEDOUT)
		;
	stop = d->stop;
	pthread_mutex_unlock(&d->mu);
	return stop;
}

/* Wait for the next thing to do: stop, a command to write (first), or the
 * next poll. */
static enum work
next_work(struct plc_dev *d)
{
	struct timespec	ts = at(d->next_poll);
	enum work	w = WORK_POLL;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		if (d->stop) {
			w = WORK_STOP;
			break;
		}
		if (d->have_cmd) {
			w = WORK_WRITE;
			break;
		}
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&d->mu);
	return w;
}

/* Whether plc_stop was called. */
static int
stopping(struct plc_dev *d)
{
	int	stop;

	pthread_mutex_lock(&d->mu);
	stop = d->stop;
	pthread_mutex_unlock(&d->mu);
	return stop;
}

/* Connect; 0 on success. */
static int
connect_plc(struct plc_dev *d)
{
	char		err[96];
	uint32_t	sec = (uint32_t)d->timeout_s;
	uint32_t	usec = (uint32_t)((d->timeout_s - sec) * 1e6);

	if ((d->ctx = modbus_new_tcp(d->cfg->host, d->cfg->port)) == NULL) {
		post_err(d, MBTCP_E_IO, "connect", "cannot create a Modbus "
		    "context");
		return -1;
	}
	modbus_set_error_recovery(d->ctx, MODBUS_ERROR_RECOVERY_NONE);
	/* bounds the connect; requests have their own deadline */
	modbus_set_response_timeout(d->ctx, sec, usec);
	if (modbus_connect(d->ctx) == -1) {
		snprintf(err, sizeof err, "%s:%d: %s", d->cfg->host,
		    d->cfg->port, errno == EINPROGRESS ? "timed out" :
		    modbus_strerror(errno));
		disconnect(d);
		post_err(d, MBTCP_E_IO, "connect", err);
		return -1;
	}
	d->backoff_s = BACKOFF_MIN_S;
	d->next_poll = mono();
	return 0;
}

/* Back off after a failure, with jitter; returns stop. */
static int
backoff(struct plc_dev *d)
{
	double	j = 0.75 + 0.5 * (rand_r(&d->seed) / (double)RAND_MAX);
	double	s = d->backoff_s * j;

	d->backoff_s = fmin(d->backoff_s * 2, BACKOFF_MAX_S);
	return nap_until(d, mono() + s);
}

/* Fail r with a transport cause. */
static int
fail_io(struct mbtcp_reply *r, enum mbtcp_cause c, const char *why)
{
	r->cause = c;
	snprintf(r->why, sizeof r->why, "%s", why);
	return -1;
}

/* Milliseconds left until monotonic time dl, rounded up; <= 0 when past. */
static int
ms_left(double dl)
{
	return (int)ceil((dl - mono()) * 1000);
}

/* Wait until fd is ready for ev before dl: 1 ready, 0 timed out, -1. */
static int
wait_fd(int fd, short ev, double dl)
{
	struct pollfd	pfd = { fd, ev, 0 };
	int		ms, rc;

	while ((ms = ms_left(dl)) > 0) {
		if ((rc = poll(&pfd, 1, ms)) == 1)
			return 1;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* Send len bytes before dl; 0, or -1 with r's cause. */
static int
send_all(int fd, const uint8_t *buf, size_t len, double dl,
    struct mbtcp_reply *r)
{
	size_t	off = 0;
	ssize_t	k;
	int	rc;

	while (off < len) {
		if ((rc = wait_fd(fd, POLLOUT, dl)) != 1)
			return fail_io(r, rc == 0 ? MBTCP_E_TIMEOUT :
			    MBTCP_E_IO, rc == 0 ? "request not sent within "
			    "the response timeout" : strerror(errno));
		k = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k == -1 && errno != EAGAIN && errno != EINTR)
			return fail_io(r, MBTCP_E_IO, strerror(errno));
		if (k > 0)
			off += (size_t)k;
	}
	return 0;
}

/* Receive exactly len bytes into buf before dl, counting them in *got;
 * 0, or -1 with r's cause. */
static int
recv_all(int fd, uint8_t *buf, size_t len, double dl, size_t *got,
    struct mbtcp_reply *r)
{
	ssize_t	k;
	int	rc;

	while (*got < len) {
		if ((rc = wait_fd(fd, POLLIN, dl)) != 1)
			return fail_io(r, rc == 0 ? MBTCP_E_TIMEOUT :
			    MBTCP_E_IO, rc == 0 ? "" : strerror(errno));
		k = recv(fd, buf + *got, len - *got, MSG_DONTWAIT);
		if (k == 0)
			return fail_io(r, MBTCP_E_IO, "connection closed by "
			    "the PLC");
		if (k == -1 && errno != EAGAIN && errno != EINTR)
			return fail_io(r, MBTCP_E_IO, strerror(errno));
		if (k > 0)
			*got += (size_t)k;
	}
	return 0;
}

/* Fail r when bytes wait on fd that no request asked for (where says
 * when they came). */
static int
check_quiet(int fd, const char *where, struct mbtcp_reply *r)
{
	uint8_t	junk[64];
	ssize_t	k = recv(fd, junk, sizeof junk, MSG_PEEK | MSG_DONTWAIT);

	if (k > 0) {
		r->cause = MBTCP_E_TRAILING;
		snprintf(r->why, sizeof r->why, "%s%zd bytes %s",
		    k == (ssize_t)sizeof junk ? "at least " : "", k, where);
		return -1;
	}
	if (k == 0)
		return fail_io(r, MBTCP_E_IO, "connection closed by the PLC");
	return 0;
}

/*
 * One request and its reply, under one deadline of the response timeout
 * for all of it: send q (a write of regs, or a read), read the MBAP header,
 * then exactly the length it gives, check the frame and that nothing
 * follows it.  0 with r->regs, or -1 with r's cause and reason.
 */
static int
transact(struct plc_dev *d, struct mbtcp_req *q, const uint16_t *regs,
    struct mbtcp_reply *r)
{
	uint8_t	buf[MBTCP_MAX_ADU];
	double	dl = mono() + d->timeout_s;
	size_t	len, rest, got = 0;
	int	fd = modbus_get_socket(d->ctx);

	q->tid = ++d->tid;
	q->unit = (uint8_t)d->cfg->unit;
	if ((len = mbtcp_request(q, regs, buf)) == 0)
		return fail_io(r, MBTCP_E_IO, "request cannot be encoded");
	if (check_quiet(fd, "arrived after the last reply", r) == -1 ||
	    send_all(fd, buf, len, dl, r) == -1)
		return -1;
	if (recv_all(fd, buf, MBTCP_HDR, dl, &got, r) == -1 ||
	    mbtcp_check_head(q, buf, &rest, r) == -1 ||
	    recv_all(fd, buf, MBTCP_HDR + rest, dl, &got, r) == -1) {
		if (r->cause == MBTCP_E_TIMEOUT)
			snprintf(r->why, sizeof r->why, "no whole reply "
			    "within %.0f ms (%zu bytes came)",
			    d->timeout_s * 1000, got);
		return -1;
	}
	if (mbtcp_check(q, buf, got, r) == -1)
		return -1;
	return check_quiet(fd, "after the reply", r);
}

/* Write the pending command block, if any; -1 on error. */
static int
write_pending(struct plc_dev *d)
{
	struct mbtcp_req	q = { 0, 0, MBTCP_FC_WRITE_MULTIPLE, 0,
	    PLC_HR_COUNT };
	struct mbtcp_reply	r;
	uint16_t		cmd[PLC_HR_COUNT];
	double			t, age_ms;
	int			have;

	pthread_mutex_lock(&d->mu);
	if ((have = d->have_cmd) != 0)
		memcpy(cmd, d->cmd, sizeof cmd);
	t = d->cmd_t;
	d->have_cmd = 0;
	pthread_mutex_unlock(&d->mu);
	if (!have)
		return 0;
	if (transact(d, &q, cmd, &r) == -1) {
		post_err(d, r.cause, "write", r.why);
		return -1;
	}
	age_ms = (mono() - t) * 1000;
	pthread_mutex_lock(&d->mu);
	d->acked = 1;
	memcpy(d->acked_hr, cmd, sizeof d->acked_hr);
	d->ages_ms[d->nages++ % PLC_AGES] = age_ms;
	d->age_max_ms = fmax(d->age_max_ms, age_ms);
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* One poll: the input block, then the holding registers read back; a
 * result either way.  -1 on error. */
static int
poll_plc(struct plc_dev *d)
{
	struct mbtcp_req	qi = { 0, 0, MBTCP_FC_READ_INPUT, 0,
	    PLC_IR_COUNT };
	struct mbtcp_req	qh = { 0, 0, MBTCP_FC_READ_HOLDING, 0,
	    PLC_HR_COUNT };
	struct mbtcp_reply	r;
	struct plc_result	*w = &d->work;
	double			t0 = mono();

	d->next_poll = t0 + d->poll_s;
	pthread_mutex_lock(&d->mu);
	w->acked = d->acked;
	memcpy(w->acked_hr, d->acked_hr, sizeof w->acked_hr);
	pthread_mutex_unlock(&d->mu);
	if (transact(d, &qi, NULL, &r) == -1) {
		post_err(d, r.cause, "read input registers", r.why);
		return -1;
	}
	memcpy(w->ir, r.regs, sizeof w->ir);
	if (stopping(d))
		return 0;
	if (transact(d, &qh, NULL, &r) == -1) {
		post_err(d, r.cause, "read holding registers", r.why);
		return -1;
	}
	memcpy(w->hr, r.regs, sizeof w->hr);
	w->rtt_ms = (mono() - t0) * 1000;
	post_ok(d);
	return 0;
}

/* The worker thread. */
static void *
worker(void *arg)
{
	struct plc_dev	*d = arg;
	enum work	 w;
	int		 rc;

	for (;;) {
		if (d->ctx == NULL && connect_plc(d) == -1) {
			if (backoff(d))
				break;
			continue;
		}
		if ((w = next_work(d)) == WORK_STOP)
			break;
		rc = w == WORK_WRITE ? write_pending(d) : poll_plc(d);
		if (rc == -1) {
			disconnect(d);	/* never take a late reply */
			if (backoff(d))
				break;
		}
	}
	disconnect(d);
	return NULL;
}

int
plc_start(struct plc_dev *d, const struct cfg_station *cfg, int notify_fd,
    double poll_s, double timeout_s)
{
	pthread_condattr_t	ca;

	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->notify_fd = notify_fd;
	d->poll_s = poll_s;
	d->timeout_s = timeout_s;
	d->backoff_s = BACKOFF_MIN_S;
	d->seed = (unsigned)cfg->port * 2654435761u;
	d->tid = (uint16_t)rand_r(&d->seed);
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	return pthread_create(&d->thr, NULL, worker, d) == 0 ? 0 : -1;
}

void
plc_halt(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

void
plc_stop(struct plc_dev *d)
{
	plc_halt(d);
	pthread_join(d->thr, NULL);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
}

void
plc_command(struct plc_dev *d, const uint16_t *hr)
{
	pthread_mutex_lock(&d->mu);
	memcpy(d->cmd, hr, sizeof d->cmd);
	if (!d->have_cmd)	/* a replaced command keeps its age */
		d->cmd_t = mono();
	d->have_cmd = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

int
plc_acked(struct plc_dev *d, uint16_t *hb)
{
	int	acked;

	pthread_mutex_lock(&d->mu);
	if ((acked = d->acked) != 0)
		*hb = d->acked_hr[PLC_HR_HEARTBEAT];
	pthread_mutex_unlock(&d->mu);
	return acked;
}

int
plc_take(struct plc_dev *d, struct plc_result *r)
{
	int	have;

	pthread_mutex_lock(&d->mu);
	if ((have = d->have_res) != 0)
		*r = d->res;
	d->have_res = 0;
	pthread_mutex_unlock(&d->mu);
	return have;
}

int
plc_take_ages(struct plc_dev *d, double *ages, double *max_ms)
{
	int	n, k;

	pthread_mutex_lock(&d->mu);
	n = d->nages;
	for (k = 0; k < n && k < PLC_AGES; k++)
		ages[k] = d->ages_ms[k];
	*max_ms = d->age_max_ms;
	d->nages = 0;
	d->age_max_ms = 0;
	pthread_mutex_unlock(&d->mu);
	return n;
}

/* The command block acknowledged before the read and the holding
 * registers read back after it. */
static void
decode_hr(const struct plc_result *r, struct core_snap *snap)
{
	snap->acked = r->acked;
	if (r->acked) {
		snap->acked_hb = r->acked_hr[PLC_HR_HEARTBEAT];
		snap->acked_mode = r->acked_hr[PLC_HR_MODE];
		snap->acked_cmd = r->acked_hr[PLC_HR_PUMP_CMD];
	}
	snap->hr_valid = 1;
	snap->hr_hb = r->hr[PLC_HR_HEARTBEAT];
	snap->hr_mode = r->hr[PLC_HR_MODE];
	snap->hr_cmd = r->hr[PLC_HR_PUMP_CMD];
}

int
plc_decode(const struct cfg_station *cfg, const struct plc_result *r,
    struct core_snap *snap, char *cause, int len)
{
	const uint16_t	*ir = r->ir, *p;
	int		 k;

	if (ir[PLC_IR_MAP_VERSION] != PLC_MAP_VERSION) {
		snprintf(cause, (size_t)len, "map version %u, not %d: refusing "
		    "to control", ir[PLC_IR_MAP_VERSION], PLC_MAP_VERSION);
		return -1;
	}
	if (ir[PLC_IR_PUMP_COUNT] != cfg->npumps) {
		snprintf(cause, (size_t)len, "PLC reports %u pumps, the "
		    "configuration %d", ir[PLC_IR_PUMP_COUNT], cfg->npumps);
		return -1;
	}
	memset(snap, 0, sizeof *snap);
	snap->status = ir[PLC_IR_STATUS];
	snap->level_mm[0] = ir[PLC_IR_LEVEL_A];
	snap->level_mm[1] = ir[PLC_IR_LEVEL_B];
	snap->rain_tips = plc_u32(&ir[PLC_IR_RAIN_TIPS]);
	snap->outfall_mm = ir[PLC_IR_OUTFALL];
	snap->hb_echo = ir[PLC_IR_HB_ECHO];
	snap->uptime_s = plc_u32(&ir[PLC_IR_UPTIME]);
	snap->npumps = cfg->npumps;
	decode_hr(r, snap);
	if (snap->status > 0xFF) {
		snprintf(cause, (size_t)len, "station_status 0x%04x has "
		    "undefined bits", snap->status);
		return -1;
	}
	for (k = 0; k < cfg->npumps; k++) {
		p = &ir[PLC_IR_PUMP(k)];
		snap->pump[k].status = p[PLC_PU_STATUS];
		snap->pump[k].current = p[PLC_PU_CURRENT];
		snap->pump[k].speed = p[PLC_PU_SPEED];
		snap->pump[k].run_s = plc_u32(&p[PLC_PU_RUN_TIME]);
		snap->pump[k].starts = plc_u32(&p[PLC_PU_STARTS]);
		if (p[PLC_PU_SPEED] > PLC_SPEED_MAX || p[PLC_PU_STATUS] > 0x3F) {
			snprintf(cause, (size_t)len, "pump %d: speed %u or "
			    "status 0x%04x out of range", k + 1,
			    p[PLC_PU_SPEED], p[PLC_PU_STATUS]);
			return -1;
		}
	}
	return 0;
}
