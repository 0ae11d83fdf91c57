/*
 * PLC workers in poller threads.  A poller owns an epoll set and drives up
 * to PLC_PER_POLLER worker contexts as state machines: down (backing off),
 * connecting, ready (connected, waiting for the next poll or a command)
 * and a request in hand.  Nothing a poller does waits: sockets are
 * non-blocking, connected without select() (libmodbus's connect used
 * select(), which aborts the whole daemon once a descriptor reaches
 * FD_SETSIZE), and each request has one absolute deadline, the response
 * timeout, for its whole reply, so that a PLC dripping a reply a byte at a
 * time is given up at its deadline while its neighbours are served between
 * its bytes.  Requests and replies are framed and checked by mbtcp.c.  On
 * any error the worker closes the connection and reconnects after a
 * backoff, 0.5 s doubling to 30 s with +-25 % jitter.  Transaction ids are
 * the worker's own, one per request.  The requests and their meaning are
 * the station codec's; the worker decodes on the poller and posts an
 * observation, never registers.  The loop talks to a worker through its
 * mailbox (d->mu) and wakes its poller through the poller's kick list and
 * eventfd; a poller's timers are one array of due times, scanned after
 * each wake-up.
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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "plc.h"
#include "util.h"

#define BACKOFF_MIN_S	0.5
#define BACKOFF_MAX_S	30.0
#define POLLER_STACK	(256 * 1024)	/* a poller needs a few KiB */
#define POLLER_EVENTS	PLC_PER_POLLER	/* all its sockets in one wait */

enum phase { PH_DOWN, PH_CONNECTING, PH_READY, PH_SEND, PH_RECV };
enum job { JOB_IDENT, JOB_POLL, JOB_WRITE };

struct plc_poller {
	pthread_t	 thr;
	int		 ep;		/* the epoll set */
	int		 efd;		/* its wake-up */
	struct plc_ready *ready;
	int		 load;		/* workers given it, not ended; guarded
					 * by ready->pmu */

	pthread_mutex_t	 mu;
	int		 stop;		/* guarded by mu */
	int		 woken;		/* efd written, not read; guarded by mu */
	int		 nin;		/* guarded by mu */
	struct plc_dev	*in[PLC_PER_POLLER];	/* to adopt; guarded by mu */
	int		 nkick;		/* guarded by mu */
	struct plc_dev	*kick[PLC_PER_POLLER];	/* the loop's news for them;
					 * guarded by mu */

	/* the poller thread only */
	int		 ndev;
	struct plc_dev	*dev[PLC_PER_POLLER];
	double		 due[PLC_PER_POLLER];	/* dev[k]'s next timer */
};

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
	d->res_epoch = d->epoch;
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

/* Set d's next timer to monotonic time t. */
static void
set_due(struct plc_dev *d, double t)
{
	d->poller->due[d->pidx] = t;
}

/* Wait for ev on d's socket (one shot): 0, or -1 with errno. */
static int
arm(struct plc_dev *d, uint32_t ev)
{
	struct epoll_event	e = { .events = ev | EPOLLONESHOT,
				      .data.ptr = d };

	return epoll_ctl(d->poller->ep, EPOLL_CTL_MOD, d->fd, &e);
}

/* A poll failed or the connection dropped (under d->mu): drop a command
 * not yet written, and one the loop posts later on a result taken before
 * now: either was decided on data from before the error. */
static void
new_epoch(struct plc_dev *d)
{
	d->epoch++;
	d->have_cmd = 0;
}

/* Drop the connection after an error, and a command not yet written: it
 * was decided on data from before the error. */
static void
disconnect(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->ack.valid = 0;
	new_epoch(d);
	pthread_mutex_unlock(&d->mu);
	if (d->fd != -1) {
		close(d->fd);	/* which takes it out of the epoll set */
		d->fd = -1;
	}
}

/* Let d go: off the poller's lists, then ended for plc_stop/plc_reap,
 * after which the poller never touches it (ended is set under the
 * poller's mu too, so that kick never queues a worker that ended). */
static void
end_dev(struct plc_poller *pl, struct plc_dev *d)
{
	int	k, last = pl->ndev - 1;

	disconnect(d);
	pl->dev[d->pidx] = pl->dev[last];
	pl->due[d->pidx] = pl->due[last];
	pl->dev[d->pidx]->pidx = d->pidx;
	pl->ndev = last;
	pthread_mutex_lock(&pl->mu);
	for (k = 0; d->kicked && k < pl->nkick; k++)
		if (pl->kick[k] == d) {
			pl->kick[k] = pl->kick[--pl->nkick];
			d->kicked = 0;
		}
	pthread_mutex_lock(&d->mu);
	d->ended = 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_mutex_unlock(&pl->mu);
	/* room for another only once d is off the kick list: else a worker
	 * given its room and kicked at once could make 257 there */
	pthread_mutex_lock(&pl->ready->pmu);
	pl->load--;
	pthread_mutex_unlock(&pl->ready->pmu);
}

/* Back off after a failure, with jitter (or end, when halting). */
static void
go_down(struct plc_dev *d)
{
	disconnect(d);
	if (d->halting) {
		end_dev(d->poller, d);
		return;
	}
	d->phase = PH_DOWN;
	set_due(d, util_mono_s() + util_backoff(&d->backoff_s, BACKOFF_MAX_S,
	    &d->seed));
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

/* The codec request in hand. */
static const struct codec_req *
req_of(struct plc_dev *d)
{
	return d->job == JOB_WRITE ? &d->work_ack.req[d->ireq] :
	    &d->req[d->ireq];
}

/* Fail the job in hand with cause c and reason why: post it, drop the
 * connection, back off. */
static void
fail_job(struct plc_dev *d, enum mbtcp_cause c, const char *why)
{
	const char	*what = d->job == JOB_IDENT ? "identify" :
			    d->job == JOB_WRITE ? "write" :
			    fc_name(req_of(d)->fc);

	post_err(d, c, what, why);
	go_down(d);
}

/* Fail with what recv or send left in errno (0: the peer closed). */
static void
fail_errno(struct plc_dev *d, int err)
{
	fail_job(d, MBTCP_E_IO, err == 0 ? "connection closed by the PLC" :
	    strerror(err));
}

/* Whether bytes wait on d's socket that no request asked for (where says
 * when they came): 0 quiet, else -1 with the job failed. */
static int
check_quiet(struct plc_dev *d, const char *where)
{
	uint8_t	junk[64];
	char	why[96];
	ssize_t	k = recv(d->fd, junk, sizeof junk, MSG_PEEK | MSG_DONTWAIT);

	if (k > 0) {
		snprintf(why, sizeof why, "%s%zd bytes %s",
		    k == (ssize_t)sizeof junk ? "at least " : "", k, where);
		fail_job(d, MBTCP_E_TRAILING, why);
		return -1;
	}
	if (k == 0) {
		fail_errno(d, 0);
		return -1;
	}
	return 0;
}

static void	job_done(struct plc_dev *);

/* Send what is left of the request; then wait for its reply. */
static void
try_send(struct plc_dev *d)
{
	ssize_t	k;

	while (d->off < d->len) {
		k = send(d->fd, d->buf + d->off, d->len - d->off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k == -1 && (errno == EAGAIN || errno == EINTR)) {
			d->phase = PH_SEND;
			if (arm(d, EPOLLOUT) == -1)
				fail_errno(d, errno);
			return;
		}
		if (k == -1) {
			fail_errno(d, errno);
			return;
		}
		d->off += (size_t)k;
	}
	d->phase = PH_RECV;
	if (arm(d, EPOLLIN) == -1)
		fail_errno(d, errno);
}

/* Send the job's request ireq, under a new deadline. */
static void
send_req(struct plc_dev *d)
{
	const struct codec_req	*q = req_of(d);

	d->q = (struct mbtcp_req){ ++d->tid, (uint8_t)d->cfg->unit, q->fc,
	    q->addr, q->n, q->v[0] };
	if ((d->len = mbtcp_request(&d->q, q->v, d->buf)) == 0) {
		fail_job(d, MBTCP_E_IO, "request cannot be encoded");
		return;
	}
	/* bytes that came while idle; within a job, the check after the
	 * last reply has just been made */
	if (d->ireq == 0 && check_quiet(d, "arrived after the last reply") == -1)
		return;
	d->dl = util_mono_s() + d->timeout_s;
	set_due(d, d->dl);
	d->off = d->got = 0;
	d->need = mbtcp_reply_len(&d->q);	/* a good reply's, at most */
	if (d->need < MBTCP_HDR)
		d->need = MBTCP_HDR;
	d->head = d->late = 0;
	try_send(d);
}

/* A whole, checked reply r to request ireq: keep its values, then the
 * next request or the job's end. */
static void
req_done(struct plc_dev *d, const struct mbtcp_reply *r)
{
	struct codec_reply	*rep = &d->rep[d->job == JOB_POLL ? d->ireq : 0];
	int			 i;

	memset(rep, 0, sizeof *rep);
	rep->ok = 1;
	rep->n = r->n;
	for (i = 0; i < rep->n && i < CODEC_MAX_VALUES; i++)
		rep->v[i] = r->regs[i];
	if (++d->ireq < d->nreq)
		send_req(d);
	else
		job_done(d);
}

/* Give the request in hand up at its deadline. */
static void
fail_timeout(struct plc_dev *d)
{
	char	why[96];

	snprintf(why, sizeof why, "no whole reply within %.0f ms (%zu bytes "
	    "came)", d->timeout_s * 1000, d->got);
	fail_job(d, MBTCP_E_TIMEOUT, why);
}

/* The header came: check it, and how much more to read.  0, or -1 with
 * the job failed. */
static int
take_head(struct plc_dev *d)
{
	struct mbtcp_reply	r;
	size_t			rest;

	d->head = 1;
	if (mbtcp_check_head(&d->q, d->buf, &rest, &r) == -1) {
		fail_job(d, r.cause, r.why);
		return -1;
	}
	d->total = MBTCP_HDR + rest;
	if (d->total > d->need)
		d->need = d->total;	/* longer than a good reply: read it
					 * all, for mbtcp_check to judge */
	return 0;
}

/*
 * Read what the reply has for us: up to a good reply's length (so one
 * read takes a whole good reply), the header checked as soon as it is in,
 * then exactly the length it gives.  The frame is checked on the length
 * the header gives; bytes read past it, or waiting after it, are trailing.
 */
static void
try_recv(struct plc_dev *d)
{
	struct mbtcp_reply	r;
	char			why[64];
	ssize_t			k;

	while (!d->head || d->got < d->total) {
		k = recv(d->fd, d->buf + d->got, d->need - d->got,
		    MSG_DONTWAIT);
		if (k == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (d->late)
				fail_timeout(d);
			else if (arm(d, EPOLLIN) == -1)
				fail_errno(d, errno);
			return;
		}
		if (k <= 0) {
			fail_errno(d, k == 0 ? 0 : errno);
			return;
		}
		d->got += (size_t)k;
		if (!d->head && d->got >= MBTCP_HDR && take_head(d) == -1)
			return;
	}
	if (mbtcp_check(&d->q, d->buf, d->total, &r) == -1) {
		fail_job(d, r.cause, r.why);
		return;
	}
	if (d->got > d->total) {
		snprintf(why, sizeof why, "%zu bytes after the reply",
		    d->got - d->total);
		fail_job(d, MBTCP_E_TRAILING, why);
		return;
	}
	if (check_quiet(d, "after the reply") == 0)
		req_done(d, &r);
}

/* Start the job's first request (or end a job of none). */
static void
job_start(struct plc_dev *d, enum job j, int n)
{
	d->job = j;
	d->nreq = n;
	d->ireq = 0;
	if (n > 0)
		send_req(d);
	else
		job_done(d);
}

/* Take the pending command and write it: 1 when there was one. */
static int
start_write(struct plc_dev *d)
{
	struct codec_ack	*a = &d->work_ack;
	char			*why = NULL;
	int			 have, n;

	pthread_mutex_lock(&d->mu);
	if ((have = d->have_cmd) != 0)
		d->wit = d->cmd;
	d->cmd_t = d->cmd_at;
	d->have_cmd = 0;
	pthread_mutex_unlock(&d->mu);
	if (!have)
		return 0;
	memset(a, 0, sizeof *a);
	if ((n = d->codec->encode(d->cfg, &d->wit, a->req, &why)) == -1) {
		post_reject(d, why);
		return 0;	/* ours, not the PLC's: keep the connection */
	}
	a->nreq = n;
	job_start(d, JOB_WRITE, n);
	return 1;
}

/* Begin a poll: the codec's reads, under the ack from before it. */
static void
start_poll(struct plc_dev *d, double now)
{
	d->t0 = now;
	d->next_poll = now + d->poll_s;
	pthread_mutex_lock(&d->mu);
	d->work_ack = d->ack;
	pthread_mutex_unlock(&d->mu);
	job_start(d, JOB_POLL, d->codec->poll(d->cfg, d->req));
}

/* Connected and idle: a pending command first, then the poll when due. */
static void
go_ready(struct plc_dev *d)
{
	double	now;

	d->phase = PH_READY;
	if (start_write(d))
		return;
	if ((now = util_mono_s()) >= d->next_poll)
		start_poll(d, now);
	else
		set_due(d, d->next_poll);
}

/* The write's requests were all answered: it is acknowledged. */
static void
write_done(struct plc_dev *d)
{
	struct codec_ack	*a = &d->work_ack;
	double			 age_ms = (util_mono_s() - d->cmd_t) * 1000;

	a->valid = 1;
	a->seq = d->wit.seq;
	a->remote = d->wit.remote;
	pthread_mutex_lock(&d->mu);
	d->ack = *a;
	d->ages_ms[d->nages++ % PLC_AGES] = age_ms;
	d->age_max_ms = fmax(d->age_max_ms, age_ms);
	pthread_mutex_unlock(&d->mu);
}

/* The job's last reply came: judge the identity, decode the poll, or
 * acknowledge the write; then idle (or end, when halting). */
static void
job_done(struct plc_dev *d)
{
	char	*why = NULL;

	switch (d->job) {
	case JOB_IDENT:
		if (d->codec->ident_check(&d->rep[0], &why) == -1) {
			post_reject(d, why);
			go_down(d);
			return;
		}
		d->backoff_s = BACKOFF_MIN_S;
		d->next_poll = util_mono_s();
		break;
	case JOB_POLL:
		if (d->codec->decode(d->cfg, &d->mem, d->req, d->rep, d->nreq,
		    &d->work_ack, &d->work.obs, &why) == -1) {
			pthread_mutex_lock(&d->mu);
			new_epoch(d);
			pthread_mutex_unlock(&d->mu);
			post_reject(d, why);
		} else {
			d->work.rtt_ms = (util_mono_s() - d->t0) * 1000;
			post_ok(d);
		}
		break;
	case JOB_WRITE:
		write_done(d);
		break;
	}
	if (d->halting)
		end_dev(d->poller, d);
	else
		go_ready(d);
}

/* Fail a connect attempt with why. */
static void
fail_connect(struct plc_dev *d, const char *why)
{
	char	err[96];

	snprintf(err, sizeof err, "%s:%d: %s", d->cfg->host, d->cfg->port, why);
	disconnect(d);
	post_err(d, MBTCP_E_IO, "connect", err);
	go_down(d);
}

/* Open a non-blocking socket to the PLC and start connecting, within the
 * response timeout. */
static void
begin_connect(struct plc_dev *d)
{
	struct sockaddr_in	sa;
	struct epoll_event	e = { .events = EPOLLOUT | EPOLLONESHOT,
				      .data.ptr = d };

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)d->cfg->port);
	if (inet_pton(AF_INET, d->cfg->host, &sa.sin_addr) != 1) {
		fail_connect(d, "not an IPv4 address");
		return;
	}
	if ((d->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    (connect(d->fd, (struct sockaddr *)&sa, sizeof sa) == -1 &&
	    errno != EINPROGRESS) ||
	    epoll_ctl(d->poller->ep, EPOLL_CTL_ADD, d->fd, &e) == -1) {
		fail_connect(d, strerror(errno));
		return;
	}
	d->phase = PH_CONNECTING;
	d->dl = util_mono_s() + d->timeout_s;
	set_due(d, d->dl);
}

/* The socket became writable while connecting: connected, or why not. */
static void
end_connect(struct plc_dev *d)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		fail_connect(d, strerror(err));
		return;
	}
	setsockopt(d->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (d->codec->ident_request != NULL) {
		d->codec->ident_request(&d->req[0]);
		job_start(d, JOB_IDENT, 1);
		return;
	}
	d->backoff_s = BACKOFF_MIN_S;
	d->next_poll = util_mono_s();
	go_ready(d);
}

/* The socket has news (one shot): carry on with what d waits for. */
static void
on_io(struct plc_dev *d)
{
	switch (d->phase) {
	case PH_CONNECTING:
		end_connect(d);
		break;
	case PH_SEND:
		try_send(d);
		break;
	case PH_RECV:
		try_recv(d);
		break;
	default:
		break;	/* idle: bytes nobody asked for wait for the check */
	}
}

/* Whether d's socket is ready for ev now (a deadline passed while the
 * poller was not running: what came meanwhile still counts). */
static int
ready_now(struct plc_dev *d, short ev)
{
	struct pollfd	pfd = { d->fd, ev, 0 };

	return poll(&pfd, 1, 0) == 1;
}

/* d's timer is due: connect, poll, or give up what is in hand, unless
 * what it waits for is there (then it is taken, as a thread woken late
 * from its wait would). */
static void
on_time(struct plc_dev *d)
{
	switch (d->phase) {
	case PH_DOWN:
		begin_connect(d);
		break;
	case PH_CONNECTING:
		if (ready_now(d, POLLOUT))
			end_connect(d);
		else
			fail_connect(d, "timed out");
		break;
	case PH_SEND:
		fail_job(d, MBTCP_E_TIMEOUT, "request not sent within the "
		    "response timeout");
		break;
	case PH_RECV:
		d->late = 1;	/* what is there, then no more waiting */
		try_recv(d);
		break;
	default:
		go_ready(d);
		break;
	}
}

/* The loop told d something: stop (at once, or after the write in hand),
 * or a command to write when idle. */
static void
on_kick(struct plc_poller *pl, struct plc_dev *d)
{
	int	stop;

	pthread_mutex_lock(&d->mu);
	stop = d->stop;
	pthread_mutex_unlock(&d->mu);
	if (stop && d->job == JOB_WRITE &&
	    (d->phase == PH_SEND || d->phase == PH_RECV))
		d->halting = 1;
	else if (stop)
		end_dev(pl, d);
	else if (d->phase == PH_READY)
		go_ready(d);
}

/* Take the workers given to pl and the loop's news; 1 when pl stops. */
static int
take_news(struct plc_poller *pl)
{
	struct plc_dev	*in[PLC_PER_POLLER], *kick[PLC_PER_POLLER];
	uint64_t	 v;
	int		 nin, nkick, k, stop;

	if (read(pl->efd, &v, sizeof v) == -1 && errno != EAGAIN)
		return 0;
	pthread_mutex_lock(&pl->mu);
	nin = pl->nin;
	nkick = pl->nkick;
	memcpy(in, pl->in, (size_t)nin * sizeof *in);
	memcpy(kick, pl->kick, (size_t)nkick * sizeof *kick);
	for (k = 0; k < nkick; k++)
		kick[k]->kicked = 0;
	pl->nin = pl->nkick = 0;
	pl->woken = 0;
	stop = pl->stop;
	pthread_mutex_unlock(&pl->mu);
	for (k = 0; k < nin; k++) {
		in[k]->pidx = pl->ndev;
		pl->dev[pl->ndev] = in[k];
		pl->due[pl->ndev++] = 0;	/* connect at once */
	}
	for (k = 0; k < nkick; k++)
		on_kick(pl, kick[k]);
	return stop;
}

/* Run the timers that are due; returns ms to the next one (at most 1 s). */
static int
run_timers(struct plc_poller *pl)
{
	double		 now = util_mono_s(), next = now + 1;
	int		 k;

	struct plc_dev	*d;

	for (k = 0; k < pl->ndev; k++)
		if (pl->due[k] <= now) {
			d = pl->dev[k];
			pl->due[k] = INFINITY;	/* until the handler sets it */
			on_time(d);
			if (k < pl->ndev && pl->dev[k] != d)
				k--;	/* it ended: the last took its place */
		}
	for (k = 0; k < pl->ndev; k++)
		next = fmin(next, pl->due[k]);
	return (int)ceil((next - now) * 1000);
}

/* The poller thread: wait for sockets, news and timers, and serve them. */
static void *
poller(void *arg)
{
	struct plc_poller	*pl = arg;
	struct epoll_event	 ev[POLLER_EVENTS];
	int			 n, k, ms = 0, news;

	for (;;) {
		n = epoll_wait(pl->ep, ev, POLLER_EVENTS, ms > 0 ? ms : 0);
		news = 0;
		for (k = 0; k < n; k++)
			if (ev[k].data.ptr == NULL)
				news = 1;
			else
				on_io(ev[k].data.ptr);
		if (news && take_news(pl))	/* after the events: a worker
						 * ended there had none left */
			break;
		ms = run_timers(pl);
	}
	return NULL;
}

/* Stop pl's thread and free it. */
static void
poller_free(struct plc_poller *pl)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&pl->mu);
	pl->stop = 1;
	pthread_mutex_unlock(&pl->mu);
	if (write(pl->efd, &one, sizeof one) == -1) {
		/* the counter is already non-zero: it wakes anyway */
	}
	pthread_join(pl->thr, NULL);
	pthread_mutex_destroy(&pl->mu);
	close(pl->ep);
	close(pl->efd);
	free(pl);
}

/* A new poller for r, its thread running on a small stack; NULL when
 * there are no resources for one. */
static struct plc_poller *
poller_new(struct plc_ready *r)
{
	struct plc_poller	*pl;
	struct epoll_event	 e = { .events = EPOLLIN, .data.ptr = NULL };
	pthread_attr_t		 ta;
	int			 rc;

	if ((pl = calloc(1, sizeof *pl)) == NULL)
		return NULL;
	pl->ready = r;
	pl->ep = epoll_create1(EPOLL_CLOEXEC);
	pl->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pl->ep == -1 || pl->efd == -1 ||
	    epoll_ctl(pl->ep, EPOLL_CTL_ADD, pl->efd, &e) == -1) {
		if (pl->ep != -1)
			close(pl->ep);
		if (pl->efd != -1)
			close(pl->efd);
		free(pl);
		return NULL;
	}
	pthread_mutex_init(&pl->mu, NULL);
	pthread_attr_init(&ta);
	pthread_attr_setstacksize(&ta, POLLER_STACK);
	rc = pthread_create(&pl->thr, &ta, poller, pl);
	pthread_attr_destroy(&ta);
	if (rc != 0) {
		pthread_mutex_destroy(&pl->mu);
		close(pl->ep);
		close(pl->efd);
		free(pl);
		return NULL;
	}
	return pl;
}

/* A poller of r with room for one more worker, counted in its load (a
 * new one when all are full); NULL when none can be had. */
static struct plc_poller *
poller_pick(struct plc_ready *r)
{
	struct plc_poller	**v, *pl = NULL;
	int			  k;

	pthread_mutex_lock(&r->pmu);
	for (k = 0; k < r->npollers && pl == NULL; k++)
		if (r->pollers[k]->load < PLC_PER_POLLER)
			pl = r->pollers[k];
	if (pl == NULL && r->npollers == r->cappollers &&
	    (v = reallocarray(r->pollers, (size_t)r->cappollers * 2 + 4,
	    sizeof *v)) != NULL) {
		r->pollers = v;
		r->cappollers = r->cappollers * 2 + 4;
	}
	if (pl == NULL && r->npollers < r->cappollers &&
	    (pl = poller_new(r)) != NULL)
		r->pollers[r->npollers++] = pl;
	if (pl != NULL)
		pl->load++;
	pthread_mutex_unlock(&r->pmu);
	return pl;
}

/* Put d on its poller's kick list (then l is 1; not once it ended) or
 * list of workers to adopt (l 0), and wake the poller if it was not woken
 * already. */
static void
kick(struct plc_dev *d, int l)
{
	struct plc_poller	*pl = d->poller;
	uint64_t		 one = 1;
	int			 wake;

	pthread_mutex_lock(&pl->mu);
	if (l == 0)
		pl->in[pl->nin++] = d;
	else if (d->ended) {
		pthread_mutex_unlock(&pl->mu);
		return;		/* the poller let it go */
	} else if (!d->kicked) {
		d->kicked = 1;
		pl->kick[pl->nkick++] = d;
	}
	wake = !pl->woken;
	pl->woken = 1;
	pthread_mutex_unlock(&pl->mu);
	if (wake && write(pl->efd, &one, sizeof one) == -1)
		return;	/* the counter is already non-zero */
}

/* The jitter's seed for station cfg: its PLC's address and port, so that
 * PLCs on one port (Modbus's 502) back off apart, not in step. */
static unsigned
seed_of(const struct cfg_station *cfg)
{
	const unsigned char	*c;
	unsigned		 h = 2166136261u;	/* FNV-1a */

	for (c = (const unsigned char *)cfg->host; *c != '\0'; c++)
		h = (h ^ *c) * 16777619u;
	return (h ^ (unsigned)cfg->port) * 16777619u;
}

int
plc_fds(int n)
{
	return n + 2 * ((n + PLC_PER_POLLER - 1) / PLC_PER_POLLER);
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
	pthread_mutex_init(&r->pmu, NULL);
	return 0;
}

void
plc_ready_free(struct plc_ready *r)
{
	int	k;

	for (k = 0; k < r->npollers; k++)
		poller_free(r->pollers[k]);
	if (r->q != NULL) {
		pthread_mutex_destroy(&r->mu);
		pthread_mutex_destroy(&r->pmu);
	}
	free(r->pollers);
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
	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->codec = c;
	d->ready = ready;
	d->slot = -1;
	d->poll_s = poll_s;
	d->timeout_s = timeout_s;
	d->fd = -1;
	d->phase = PH_DOWN;
	d->backoff_s = BACKOFF_MIN_S;
	d->seed = seed_of(cfg);
	d->tid = (uint16_t)rand_r(&d->seed);
	if ((d->poller = poller_pick(ready)) == NULL)
		return -1;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	kick(d, 0);
	return 0;
}

void
plc_halt(struct plc_dev *d)
{
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_mutex_unlock(&d->mu);
	kick(d, 1);
}

void
plc_stop(struct plc_dev *d)
{
	plc_halt(d);
	pthread_mutex_lock(&d->mu);
	while (!d->ended)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
}

void
plc_command(struct plc_dev *d, const struct intent *it)
{
	int	fresh;

	pthread_mutex_lock(&d->mu);
	/* decided on the last good result taken: none failed since */
	if ((fresh = d->has_basis && d->basis == d->epoch) != 0) {
		d->cmd = *it;
		if (!d->have_cmd)	/* a replaced command keeps its age */
			d->cmd_at = util_mono_s();
		d->have_cmd = 1;
	}
	pthread_mutex_unlock(&d->mu);
	if (fresh)
		kick(d, 1);
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
	if (have && d->res.ok) {
		d->has_basis = 1;
		d->basis = d->res_epoch;
	}
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
	int	ended;

	pthread_mutex_lock(&d->mu);
	ended = d->ended;
	pthread_mutex_unlock(&d->mu);
	if (!ended)
		return 0;
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	return 1;
}
