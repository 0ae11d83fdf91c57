/*
 * The metrics writer: points go out to InfluxDB over HTTP through libcurl's
 * multi-socket interface, driven by pumpd's libevent loop (no blocking
 * call), as curl's hiperfifo.c does.  Batches by size and by time, gzip
 * bodies, HTTP keep-alive.  Every committed cycle's points are first
 * appended to the disk spool (spool.c), a write-ahead log, so that a killed
 * pumpd loses at most the cycle in progress.  Two requests at most at a
 * time: one for live data, one replaying the spool at a bounded rate, so
 * live data keeps flowing while a backlog drains; while a replay request is
 * out, one helper thread reads the next span of the spool and gzips it, so
 * that the loop waits on neither.  When the spool cannot be written, live
 * data still goes to InfluxDB.  Loop thread only.
 */
#ifndef MTR_H
#define MTR_H

#include <stdint.h>

#include <event2/event.h>

#include "cfg.h"
#include "lp.h"

struct mtr_stats {
	/* made = sent + rejected + dropped + spool_points + the points of
	 * the batch, the live request and a replay request whose segment
	 * a full spool dropped (none once mtr_stop returned) */
	uint64_t	made;		/* points committed to the writer */
	uint64_t	sent;		/* points InfluxDB acknowledged */
	uint64_t	spooled;	/* points left to the replay */
	uint64_t	dropped;	/* points lost: oldest of a full spool or
					   disk, or not writable and not sent */
	uint64_t	rejected;	/* points InfluxDB refused (400) */
	uint64_t	spool_points;	/* points waiting for the replay */
	uint64_t	spool_errors;	/* appends the spool refused */
	uint64_t	spool_bytes;
	uint64_t	corrupt;	/* spool records skipped */
	uint64_t	requests;
	uint64_t	failures;
	double		write_ms;	/* last request's latency */
	int		healthy;	/* InfluxDB took the last batch */
};

struct mtr;

/*
 * A writer for c on base, spooling under spool_dir.  Secrets are read from
 * the files the configuration names.  NULL with *cause on failure.
 */
struct mtr *mtr_new(struct event_base *base, const struct cfg_influx *c,
	    const char *url_override, const char *spool_dir, char **cause);

/* Shutting down: send what is buffered, start no more replays. */
void	mtr_drain(struct mtr *m);

/* Whether a request is still out. */
int	mtr_busy(struct mtr *m);

/* Leave what is buffered or unacknowledged to the spool (what it cannot
 * take is counted as dropped). */
void	mtr_stop(struct mtr *m);

/* mtr_stop, then free the writer. */
void	mtr_free(struct mtr *m);

/* The buffer to encode points into; call mtr_commit() after. */
struct lp_buf *mtr_buf(struct mtr *m);

/* The points added to the buffer are one cycle's: append them to the spool
 * as one record (durable against a killed pumpd on return), add them to
 * the batch, send when the batch is full. */
void	mtr_commit(struct mtr *m);

/* Counters for self-monitoring. */
void	mtr_stats(struct mtr *m, struct mtr_stats *st);

#endif
