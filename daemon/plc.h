/*
 * PLC workers: each station PLC has a worker context that owns its socket
 * and nothing else, driven by a poller thread that multiplexes up to
 * PLC_PER_POLLER of them with non-blocking sockets and epoll (3000 PLCs
 * take 12 threads, not 3000).  A worker connects (with capped exponential
 * backoff and jitter), checks the PLC's identity where its map has one,
 * makes the codec's reads every poll period, writes an intent as soon as
 * the loop hands it one (never more than one request outstanding), and
 * posts each poll's result into a one-slot mailbox, waking the event loop
 * through a shared eventfd.
 *
 * What a poll reads and what an intent writes is the station's codec's
 * (plc/codec.h): the worker sends the codec's requests, hands it the
 * replies to decode and posts the observation; nothing here knows a
 * register.  The worker connects and sends its own requests on the socket
 * (no select(): any descriptor number will do), and takes a reply only
 * when mbtcp_check finds it whole and right, read under one absolute
 * deadline for the whole reply (the response timeout): nothing in a poller
 * ever blocks, so a PLC that is slow, silent or drips its reply a byte at
 * a time costs its neighbours in the same poller nothing but the bytes.
 * Any error closes the connection so that a late reply is never taken for
 * the current request; a request never takes longer than the response
 * timeout, so plc_stop returns within about one response timeout.
 */
#ifndef PLC_H
#define PLC_H

#include <pthread.h>
#include <stdint.h>

#include "cfg.h"
#include "codec.h"
#include "mbtcp.h"
#include "obs.h"

#define PLC_AGES	64	/* command ages kept between two takes */
#define PLC_PER_POLLER	256	/* PLCs one poller thread multiplexes */

struct plc_poller;

struct plc_result {
	int		 ok;		/* obs holds a fresh, checked poll */
	int		 rejected;	/* the PLC answered, the codec refused
					 * the replies (or its identity): err */
	enum mbtcp_cause cause;		/* why not (MBTCP_OK when rejected) */
	char		 err[128];	/* why not, in words (only when !ok) */
	struct obs	 obs;		/* decoded on the worker */
	double		 rtt_ms;	/* how long the poll's reads took */
};

/*
 * The workers with a result for the loop: each worker queues itself once
 * until the loop takes the list, and wakes the loop's eventfd when the list
 * was empty, so that a wake-up costs the loop the stations that have
 * something, never a lock per station.  The queue holds workers, not
 * station numbers, as a reload renumbers the stations while workers run;
 * the loop maps a worker to its station by plc_dev.slot, which only the
 * loop reads and writes.
 */
struct plc_ready {
	pthread_mutex_t	  mu;
	int		  fd;		/* the loop's eventfd */
	int		  cap;		/* room in q; guarded by mu */
	int		  n;		/* queued; guarded by mu */
	struct plc_dev	**q;		/* the queue; guarded by mu */
	int		  outcap;	/* room in out */
	struct plc_dev	**out;		/* the last list taken, the loop's */

	pthread_mutex_t	  pmu;		/* guards the pollers and their load */
	int		  npollers;
	int		  cappollers;
	struct plc_poller **pollers;	/* started as PLCs come */
};

struct plc_dev {
	const struct cfg_station *cfg;
	const struct codec *codec;	/* the station's map */
	struct plc_ready *ready;
	int		 queued;	/* on ready's queue; guarded by its mu */
	int		 slot;		/* the station's index: the loop's own,
					 * -1 none (set after plc_start) */
	double		 poll_s;	/* real seconds between reads */
	double		 timeout_s;	/* response timeout, real seconds */

	struct plc_poller *poller;	/* the thread that drives it */
	int		 kicked;	/* on the poller's kick list; guarded
					 * by the poller's mu */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;		/* guarded by mu */
	int		 ended;		/* the poller let it go; guarded by mu
					 * and by the poller's mu */
	int		 have_cmd;	/* guarded by mu */
	struct intent	 cmd;		/* guarded by mu */
	int		 have_res;	/* guarded by mu */
	struct codec_ack ack;		/* guarded by mu: the last intent the
					 * PLC acknowledged, this connection */
	double		 cmd_at;	/* when cmd came; guarded by mu */
	unsigned	 epoch;		/* failed polls and dropped connections
					 * so far; guarded by mu */
	unsigned	 res_epoch;	/* epoch res was read in; guarded by mu */
	int		 has_basis;	/* the loop took a good result; mu */
	unsigned	 basis;		/* the epoch of the last good result
					 * the loop took: a command is decided
					 * on it; guarded by mu */
	double		 ages_ms[PLC_AGES];	/* guarded by mu */
	int		 nages;		/* acknowledged since the last take */
	double		 age_max_ms;	/* guarded by mu */
	struct plc_result res;

	/* the poller thread only */
	int		 pidx;		/* index in the poller's lists */
	int		 phase;		/* down, connecting, ready, a request */
	int		 job;		/* identify, poll, write */
	int		 halting;	/* end when the write in hand is done */
	int		 nreq;		/* requests in the job */
	int		 ireq;		/* the one in hand */
	int		 fd;		/* the PLC's socket, or -1 */
	double		 dl;		/* the request's or connect's deadline */
	double		 t0;		/* when the poll began */
	double		 cmd_t;		/* when the command being written came */
	struct intent	 wit;		/* the intent being written */
	struct mbtcp_req q;		/* the request in hand */
	size_t		 len, off;	/* its bytes, and how many are sent */
	size_t		 got, need;	/* reply bytes read, and to read */
	size_t		 total;		/* the reply's, once its header came */
	int		 head;		/* its header came and was checked */
	int		 late;		/* its deadline passed: no more waits */
	uint8_t		 buf[MBTCP_MAX_ADU];
	double		 backoff_s;
	unsigned	 seed;
	uint16_t	 tid;		/* the last transaction id used */
	double		 next_poll;	/* monotonic seconds */
	struct codec_mem mem;		/* the codec's, across reconnects */
	struct plc_result work;		/* the poll being made */
	struct codec_ack work_ack;	/* the ack it is judged against; the
					 * intent being written */
	struct codec_req req[CODEC_MAX_REQS];
	struct codec_reply rep[CODEC_MAX_REQS];
};

/* The descriptors n PLC workers take: a socket each, and each of their
 * pollers' epoll set and eventfd. */
int	plc_fds(int n);

/* Set up a ready list with room for cap workers (it grows) waking eventfd
 * fd; 0 or -1. */
int	plc_ready_init(struct plc_ready *r, int fd, int cap);

/* Free a ready list (zeroed or set up) once no worker uses it. */
void	plc_ready_free(struct plc_ready *r);

/* Take the workers with a result since the last call: returns how many,
 * *dev pointing at them until the next call (loop thread only). */
int	plc_ready_take(struct plc_ready *r, struct plc_dev *const **dev);

/* Take d off r's queue: before d is freed, once its thread has ended. */
void	plc_ready_forget(struct plc_ready *r, struct plc_dev *d);

/* Start the worker for station cfg speaking codec c, on ready (which its
 * results wake), in a poller with room (a new one when all are full),
 * with slot -1 (the caller sets it).  A
 * request gets timeout_s for its whole reply.  0 or -1. */
int	plc_start(struct plc_dev *d, const struct cfg_station *cfg,
	    const struct codec *c, struct plc_ready *ready, double poll_s,
	    double timeout_s);

/* Ask the worker to stop, without waiting for it (plc_stop waits). */
void	plc_halt(struct plc_dev *d);

/* Stop the worker and free its context: it ends within one response
 * timeout (the request in progress, if any). */
void	plc_stop(struct plc_dev *d);

/* After plc_halt, without waiting: 1 when the worker has ended (then
 * freed as by plc_stop), 0 while it still finishes its request. */
int	plc_reap(struct plc_dev *d);

/* Hand the worker an intent to encode and write at once (replaces an
 * unwritten one).  It is dropped, as one not yet written when a poll
 * fails, when a poll failed or the connection dropped since the last
 * good result plc_take gave: it was decided on data from before that. */
void	plc_command(struct plc_dev *d, const struct intent *it);

/* The seq of the last intent the PLC acknowledged; 0 when none was
 * written on this connection, else 1 with *seq. */
int	plc_acked(struct plc_dev *d, uint16_t *seq);

/* Take the latest result; 0 when there was none since the last call. */
int	plc_take(struct plc_dev *d, struct plc_result *r);

/*
 * Take the ages of the commands the PLC acknowledged since the last call,
 * in ms from plc_command to the acknowledgement: up to PLC_AGES of them in
 * ages (the latest), *max_ms the largest of all.  Returns how many were
 * acknowledged.
 */
int	plc_take_ages(struct plc_dev *d, double *ages, double *max_ms);

#endif
