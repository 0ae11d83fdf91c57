/*
 * PLC workers.  The worker thread is the only user of its modbus_t (one
 * context per thread, as libmodbus requires).  libmodbus's own error recovery
 * stays off: on any error the worker closes the connection and reconnects
 * after a backoff, 0.5 s doubling to 30 s with +-25 % jitter.  Descriptors are
 * few (one per station), well under select()'s 1024.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plc.h"

#define BACKOFF_MIN_S	0.5
#define BACKOFF_MAX_S	30.0

/* Absolute CLOCK_MONOTONIC time s seconds from now. */
static struct timespec
deadline(double s)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)s;
	ts.tv_nsec += (long)((s - floor(s)) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Post a result to the loop and wake it. */
static void
post(struct plc_dev *d, int ok, const uint16_t *ir, const char *err)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&d->mu);
	d->res.ok = ok;
	d->res.rtt_ms = d->rtt_ms;
	if (ok)
		memcpy(d->res.ir, ir, sizeof d->res.ir);
	snprintf(d->res.err, sizeof d->res.err, "%s", err ? err : "");
	d->have_res = 1;
	pthread_mutex_unlock(&d->mu);
	if (write(d->notify_fd, &one, sizeof one) == -1)
		return;	/* the counter is already non-zero */
}

/* Drop the connection after an error. */
static void
disconnect(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->acked = 0;
	pthread_mutex_unlock(&d->mu);
	if (d->ctx != NULL) {
		modbus_close(d->ctx);
		modbus_free(d->ctx);
		d->ctx = NULL;
	}
}

/* Wait up to s seconds or until stopped or handed a command; returns stop. */
static int
nap(struct plc_dev *d, double s, int wake_on_cmd)
{
	struct timespec	ts = deadline(s);
	int		stop;

	pthread_mutex_lock(&d->mu);
	while (!d->stop && !(wake_on_cmd && d->have_cmd) &&
	    pthread_cond_timedwait(&d->cv, &d->mu, &ts) != ETIMEDOUT)
		;
	stop = d->stop;
	pthread_mutex_unlock(&d->mu);
	return stop;
}

/* Connect; 0 on success. */
static int
connect_plc(struct plc_dev *d)
{
	char		err[128];
	uint32_t	sec = (uint32_t)d->timeout_s;
	uint32_t	usec = (uint32_t)((d->timeout_s - sec) * 1e6);

	if ((d->ctx = modbus_new_tcp(d->cfg->host, d->cfg->port)) == NULL) {
		post(d, 0, NULL, "cannot create a Modbus context");
		return -1;
	}
	modbus_set_slave(d->ctx, d->cfg->unit);
	modbus_set_error_recovery(d->ctx, MODBUS_ERROR_RECOVERY_NONE);
	modbus_set_response_timeout(d->ctx, sec, usec);
	if (modbus_connect(d->ctx) == -1) {
		snprintf(err, sizeof err, "connect %s:%d: %s", d->cfg->host,
		    d->cfg->port, errno == EINPROGRESS ? "timed out" :
		    modbus_strerror(errno));
		disconnect(d);
		post(d, 0, NULL, err);
		return -1;
	}
	d->backoff_s = BACKOFF_MIN_S;
	return 0;
}

/* Back off after a failure, with jitter; returns stop. */
static int
backoff(struct plc_dev *d)
{
	double	j = 0.75 + 0.5 * (rand_r(&d->seed) / (double)RAND_MAX);
	double	s = d->backoff_s * j;

	d->backoff_s = fmin(d->backoff_s * 2, BACKOFF_MAX_S);
	return nap(d, s, 0);
}

/* Write a pending command block, if any; -1 on error. */
static int
write_pending(struct plc_dev *d)
{
	uint16_t	cmd[PLC_HR_COUNT];
	char		err[128];
	int		have;

	pthread_mutex_lock(&d->mu);
	if ((have = d->have_cmd) != 0)
		memcpy(cmd, d->cmd, sizeof cmd);
	d->have_cmd = 0;
	pthread_mutex_unlock(&d->mu);
	if (!have)
		return 0;
	if (modbus_write_registers(d->ctx, 0, PLC_HR_COUNT, cmd) !=
	    PLC_HR_COUNT) {
		snprintf(err, sizeof err, "write: %s", modbus_strerror(errno));
		post(d, 0, NULL, err);
		return -1;
	}
	pthread_mutex_lock(&d->mu);
	d->acked = 1;
	memcpy(d->acked_hr, cmd, sizeof d->acked_hr);
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* The worker thread. */
static void *
worker(void *arg)
{
	struct plc_dev	*d = arg;
	struct timespec	 t0, t1;
	uint16_t	 ir[PLC_IR_COUNT];
	char		 err[128];
	double		 spent;

	for (;;) {
		if (d->ctx == NULL && connect_plc(d) == -1) {
			if (backoff(d))
				break;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (modbus_read_input_registers(d->ctx, 0, PLC_IR_COUNT, ir) !=
		    PLC_IR_COUNT) {
			snprintf(err, sizeof err, "read: %s",
			    modbus_strerror(errno));
			disconnect(d);	/* never take a late reply */
			post(d, 0, NULL, err);
			if (backoff(d))
				break;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		d->rtt_ms = (double)(t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6;
		post(d, 1, ir, NULL);
		/* the loop answers with a command within a few ms */
		if (nap(d, d->poll_s * 0.5, 1))
			break;
		if (write_pending(d) == -1) {
			disconnect(d);
			if (backoff(d))
				break;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (double)(t1.tv_sec - t0.tv_sec) +
		    (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (spent < d->poll_s && nap(d, d->poll_s - spent, 0))
			break;
	}
	disconnect(d);
	return NULL;
}

int
plc_start(struct plc_dev *d, const struct cfg_station *cfg, int notify_fd,
    double poll_s, double timeout_s)
{
	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->notify_fd = notify_fd;
	d->poll_s = poll_s;
	d->timeout_s = timeout_s;
	d->backoff_s = BACKOFF_MIN_S;
	d->seed = (unsigned)cfg->port * 2654435761u;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_t	ca;
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
plc_decode(const struct cfg_station *cfg, const uint16_t *ir,
    struct core_snap *snap, char *cause, int len)
{
	const uint16_t	*p;
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
