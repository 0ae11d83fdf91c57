/*
 * PLC workers.  The worker thread owns its PLC's socket: it connects
 * without blocking and waits with poll(), never select() (libmodbus's
 * connect used select(), which aborts the whole daemon once a descriptor
 * reaches FD_SETSIZE, at about 1,008 PLCs), so any descriptor number is
 * fine.  Requests and replies go over the socket here, framed and checked
 * by mbtcp.c, each under one absolute deadline, so that a PLC dripping a
 * reply a byte at a time is given up at the response timeout.  On any
 * error the worker closes the connection and reconnects after a backoff,
 * 0.5 s doubling to 30 s with +-25 % jitter.  Transaction ids are the
 * worker's own, one per request.  The requests and their meaning are the
 * station codec's; the worker decodes on its own thread and posts an
 * observation, never registers.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "plc.h"
#include "util.h"

#define BACKOFF_MIN_S	0.5
#define BACKOFF_MAX_S	30.0
#define WORKER_STACK	(128 * 1024)	/* the worker needs a few KiB */

enum work { WORK_STOP, WORK_WRITE, WORK_POLL };

/* The CLOCK_MONOTONIC timespec of monotonic seconds t. */
static struct timespec
at(double t)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - floor(t)) * 1e9);
	return ts;
}

/* Double r's queue (under its mu): 0, or -1 out of memory. */
static int
ready_grow(struct plc_ready *r)
{
	struct plc_dev	**q;
	int		  cap = r->cap > 0 ? r->cap * 2 : 64;

	if ((q = reallocarray(r->q, (size_t)cap, sizeof *q)) == NULL)
		return -1;
	r->q = q;
	r->cap = cap;
	return 0;
}

/* Queue d on its ready list, and wake the loop if the list was empty. */
static void
notify(struct plc_dev *d)
{
	struct plc_ready	*r = d->ready;
	uint64_t		 one = 1;
	int			 wake = 0;

	pthread_mutex_lock(&r->mu);
	if (!d->queued && r->n == r->cap && ready_grow(r) == -1)
		wake = 1;	/* no room: the loop still wakes, and the result
				 * waits in d for this worker's next post */
	else if (!d->queued) {
		d->queued = 1;
		r->q[r->n++] = d;
		wake = r->n == 1;
	}
	pthread_mutex_unlock(&r->mu);
	if (wake && write(r->fd, &one, sizeof one) == -1)
		return;	/* the counter is already non-zero */
}

/* Post a good poll to the loop and wake it. */
static void
post_ok(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->res = d->work;
	d->res.ok = 1;
	d->res.rejected = 0;
	d->res.cause = MBTCP_OK;
	d->res.err[0] = '\0';
	d->have_res = 1;
	pthread_mutex_unlock(&d->mu);
	notify(d);
}

/* Post a failure, what: why, to the loop and wake it. */
static void
post_err(struct plc_dev *d, enum mbtcp_cause cause, const char *what,
    const char *why)
{
	pthread_mutex_lock(&d->mu);
	d->res.ok = 0;
	d->res.rejected = 0;
	d->res.cause = cause;
	snprintf(d->res.err, sizeof d->res.err, "%s: %s", what, why);
	d->have_res = 1;
	pthread_mutex_unlock(&d->mu);
	notify(d);
}

/* Post what the codec refused (why, to be freed; NULL: out of memory)
 * to the loop and wake it. */
static void
post_reject(struct plc_dev *d, char *why)
{
	pthread_mutex_lock(&d->mu);
	d->res.ok = 0;
	d->res.rejected = 1;
	d->res.cause = MBTCP_OK;
	snprintf(d->res.err, sizeof d->res.err, "%s", why != NULL ? why :
	    "out of memory");
	d->have_res = 1;
	pthread_mutex_unlock(&d->mu);
	free(why);
	notify(d);
}

/* Drop the connection after an error, and a command not yet written: it
 * was decided on data from before the error. */
static void
disconnect(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->ack.valid = 0;
	d->have_cmd = 0;
	pthread_mutex_unlock(&d->mu);
	if (d->fd != -1) {
		close(d->fd);
		d->fd = -1;
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

static int	identify(struct plc_dev *);
static int	wait_fd(int, short, double);

/* Connect to the PLC before dl: a non-blocking socket and poll(), so that
 * no descriptor number is too high for it; 0, or -1 with *why. */
static int
open_socket(struct plc_dev *d, double dl, const char **why)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(int);
	int			fd, rc, err = 0;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)d->cfg->port);
	if (inet_pton(AF_INET, d->cfg->host, &sa.sin_addr) != 1) {
		*why = "not an IPv4 address";
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 &&
	    errno != EINPROGRESS) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if ((rc = wait_fd(fd, POLLOUT, dl)) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
		*why = rc == 0 ? "timed out" : rc == 1 && err != 0 ?
		    strerror(err) : strerror(errno);
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	d->fd = fd;
	return 0;
}

/* Connect, within the response timeout; 0 on success. */
static int
connect_plc(struct plc_dev *d)
{
	char		 err[96];
	const char	*why = NULL;

	if (open_socket(d, util_mono_s() + d->timeout_s, &why) == -1) {
		snprintf(err, sizeof err, "%s:%d: %s", d->cfg->host,
		    d->cfg->port, why);
		disconnect(d);
		post_err(d, MBTCP_E_IO, "connect", err);
		return -1;
	}
	if (identify(d) == -1) {
		disconnect(d);
		return -1;
	}
	d->backoff_s = BACKOFF_MIN_S;
	d->next_poll = util_mono_s();
	return 0;
}

/* Back off after a failure, with jitter; returns stop. */
static int
backoff(struct plc_dev *d)
{
	return nap_until(d, util_mono_s() + util_backoff(&d->backoff_s,
	    BACKOFF_MAX_S, &d->seed));
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
	return (int)ceil((dl - util_mono_s()) * 1000);
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
	double	dl = util_mono_s() + d->timeout_s;
	size_t	len, rest, got = 0;
	int	fd = d->fd;

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

/* What a request of function fc does, for a log line. */
static const char *
fc_name(uint8_t fc)
{
	switch (fc) {
	case CODEC_FC_READ_COILS:
		return "read coils";
	case CODEC_FC_READ_DISCRETE:
		return "read discrete inputs";
	case CODEC_FC_READ_HOLDING:
		return "read holding registers";
	case CODEC_FC_READ_INPUT:
		return "read input registers";
	case CODEC_FC_REPORT_ID:
		return "report server id";
	default:
		return "write";
	}
}

/*
 * One codec request and its reply; 0, or -1 with r's cause.  The reply's
 * values and their count are the reply's own (a read's registers or bits,
 * function 17's bytes; none for a write).  A reply with more values than a
 * codec_reply holds keeps its count, so that the codec refuses it.
 */
static int
exchange(struct plc_dev *d, const struct codec_req *q, struct codec_reply *rep,
    struct mbtcp_reply *r)
{
	struct mbtcp_req	mq = { 0, 0, q->fc, q->addr, q->n, q->v[0] };
	int			i;

	if (transact(d, &mq, q->v, r) == -1)
		return -1;
	memset(rep, 0, sizeof *rep);
	rep->ok = 1;
	rep->n = r->n;
	for (i = 0; i < rep->n && i < CODEC_MAX_VALUES; i++)
		rep->v[i] = r->regs[i];
	return 0;
}

/* Ask the PLC who it is, where the map says how; 0 when it is the map's
 * PLC (or the map cannot tell), else -1 with a result posted. */
static int
identify(struct plc_dev *d)
{
	struct mbtcp_reply	r;
	char			*why = NULL;

	if (d->codec->ident_request == NULL)
		return 0;
	d->codec->ident_request(&d->req[0]);
	if (exchange(d, &d->req[0], &d->rep[0], &r) == -1) {
		post_err(d, r.cause, "identify", r.why);
		return -1;
	}
	if (d->codec->ident_check(&d->rep[0], &why) == -1) {
		post_reject(d, why);
		return -1;
	}
	return 0;
}

/* Encode and write the pending intent, if any; -1 on error. */
static int
write_pending(struct plc_dev *d)
{
	struct mbtcp_reply	 r;
	struct codec_ack	*a = &d->work_ack;
	struct intent		 it;
	char			*why = NULL;
	double			 t, age_ms;
	int			 have, i;

	pthread_mutex_lock(&d->mu);
	if ((have = d->have_cmd) != 0)
		it = d->cmd;
	t = d->cmd_t;
	d->have_cmd = 0;
	pthread_mutex_unlock(&d->mu);
	if (!have)
		return 0;
	memset(a, 0, sizeof *a);
	if ((a->nreq = d->codec->encode(d->cfg, &it, a->req, &why)) == -1) {
		post_reject(d, why);
		return 0;	/* ours, not the PLC's: keep the connection */
	}
	for (i = 0; i < a->nreq; i++)
		if (exchange(d, &a->req[i], &d->rep[0], &r) == -1) {
			post_err(d, r.cause, "write", r.why);
			return -1;
		}
	a->valid = 1;
	a->seq = it.seq;
	a->remote = it.remote;
	age_ms = (util_mono_s() - t) * 1000;
	pthread_mutex_lock(&d->mu);
	d->ack = *a;
	d->ages_ms[d->nages++ % PLC_AGES] = age_ms;
	d->age_max_ms = fmax(d->age_max_ms, age_ms);
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* One poll: the codec's reads, then its decode; a result either way.  -1
 * on a transport error. */
static int
poll_plc(struct plc_dev *d)
{
	struct mbtcp_reply	 r;
	struct plc_result	*w = &d->work;
	char			*why = NULL;
	double			 t0 = util_mono_s();
	int			 n, i;

	d->next_poll = t0 + d->poll_s;
	pthread_mutex_lock(&d->mu);
	d->work_ack = d->ack;
	pthread_mutex_unlock(&d->mu);
	n = d->codec->poll(d->cfg, d->req);
	for (i = 0; i < n; i++) {
		if (i > 0 && stopping(d))
			return 0;
		if (exchange(d, &d->req[i], &d->rep[i], &r) == -1) {
			post_err(d, r.cause, fc_name(d->req[i].fc), r.why);
			return -1;
		}
	}
	if (d->codec->decode(d->cfg, &d->mem, d->req, d->rep, n,
	    &d->work_ack, &w->obs, &why) == -1) {
		post_reject(d, why);
		return 0;
	}
	w->rtt_ms = (util_mono_s() - t0) * 1000;
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
		if (d->fd == -1 && connect_plc(d) == -1) {
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
plc_ready_init(struct plc_ready *r, int fd, int cap)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->cap = cap > 0 ? cap : 1;
	if ((r->q = calloc((size_t)r->cap, sizeof *r->q)) == NULL)
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	return 0;
}

void
plc_ready_free(struct plc_ready *r)
{
	if (r->q != NULL)
		pthread_mutex_destroy(&r->mu);
	free(r->q);
	free(r->out);
	memset(r, 0, sizeof *r);
}

int
plc_ready_take(struct plc_ready *r, struct plc_dev *const **dev)
{
	struct plc_dev	**o;
	int		  n, k;

	pthread_mutex_lock(&r->mu);
	if (r->outcap < r->cap) {	/* the queue grew: so does out */
		if ((o = reallocarray(r->out, (size_t)r->cap,
		    sizeof *o)) == NULL) {
			pthread_mutex_unlock(&r->mu);
			*dev = r->out;
			return 0;	/* each stays queued for the next */
		}
		r->out = o;
		r->outcap = r->cap;
	}
	n = r->n;
	memcpy(r->out, r->q, (size_t)n * sizeof *r->q);
	r->n = 0;
	for (k = 0; k < n; k++)
		r->out[k]->queued = 0;
	pthread_mutex_unlock(&r->mu);
	*dev = r->out;
	return n;
}

void
plc_ready_forget(struct plc_ready *r, struct plc_dev *d)
{
	int	k;

	pthread_mutex_lock(&r->mu);
	if (d->queued) {
		for (k = 0; k < r->n && r->q[k] != d; k++)
			;
		if (k < r->n)
			memmove(&r->q[k], &r->q[k + 1],
			    (size_t)(r->n - k - 1) * sizeof *r->q);
		r->n -= k < r->n;
		d->queued = 0;
	}
	pthread_mutex_unlock(&r->mu);
}

int
plc_start(struct plc_dev *d, const struct cfg_station *cfg,
    const struct codec *c, struct plc_ready *ready, double poll_s,
    double timeout_s)
{
	pthread_condattr_t	ca;
	pthread_attr_t		ta;
	int			rc;

	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->codec = c;
	d->ready = ready;
	d->slot = -1;
	d->poll_s = poll_s;
	d->timeout_s = timeout_s;
	d->fd = -1;
	d->backoff_s = BACKOFF_MIN_S;
	d->seed = (unsigned)cfg->port * 2654435761u;
	d->tid = (uint16_t)rand_r(&d->seed);
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setstacksize(&ta, WORKER_STACK);
	rc = pthread_create(&d->thr, &ta, worker, d);
	pthread_attr_destroy(&ta);
	return rc == 0 ? 0 : -1;
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
plc_command(struct plc_dev *d, const struct intent *it)
{
	pthread_mutex_lock(&d->mu);
	d->cmd = *it;
	if (!d->have_cmd)	/* a replaced command keeps its age */
		d->cmd_t = util_mono_s();
	d->have_cmd = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

int
plc_acked(struct plc_dev *d, uint16_t *seq)
{
	int	acked;

	pthread_mutex_lock(&d->mu);
	if ((acked = d->ack.valid) != 0)
		*seq = d->ack.seq;
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

int
plc_reap(struct plc_dev *d)
{
	if (pthread_tryjoin_np(d->thr, NULL) != 0)
		return 0;
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	return 1;
}
