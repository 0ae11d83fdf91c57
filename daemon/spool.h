/*
 * The metrics spool: a write-ahead log of the points pumpd made, on disk,
 * in order, until InfluxDB has them.  Append-only segment files
 * "<seq>.seg" in one directory; each record is a 16-byte header (magic,
 * payload length, points, CRC-32 of the payload, little-endian) and the
 * payload, written with one write() on an O_APPEND descriptor, so that a
 * crash or a second writer never leaves half a record between two others.
 * The magic is "PSP1" for a record still to send and "PSPD" for one
 * delivered out of order (by the live path): the replay skips those.
 *
 * Two readers: the replay, from the head (the position kept in the file
 * "ack", one fixed-width write in place), and the live path, which owns the newest records from the "hold"
 * on (the batch being built and the one in flight); the replay never reads
 * past the hold.
 *
 * Bounded in bytes and by the file system: when the bound is reached, or a
 * write fails because the disk is full, the oldest segment goes first and
 * its points are counted as dropped (the live path takes back those it
 * still delivers from memory).  A torn write is cut off again; empty
 * segments are removed, and the write segment too when everything was
 * delivered at close; otherwise segments go once read and rolled (at a
 * sixteenth of the file system, at most 4 MiB), so that the loop does not
 * create and remove files at every batch.  A directory that cannot
 * be written (read-only, missing, full of other files) makes appends fail
 * fast, trying again at most once a second.  A torn or corrupt record is
 * skipped and counted, never fatal.
 *
 * Loop thread only, but for spool_span_read (any thread: it touches no
 * spool state) and one helper thread that does the fdatasync of
 * the segment being written, so the loop never waits for the disk to flush:
 * a record is in the kernel (safe from a killed pumpd) when spool_append
 * returns, and on disk within a second.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Where a record starts. */
struct spool_pos {
	uint64_t	seq;		/* segment (0: none) */
	uint64_t	off;
};

struct spool {
	char		*dir;
	uint64_t	 max_bytes;
	uint64_t	 seg_max;	/* roll segments at this size */
	uint64_t	 bytes;		/* on disk, all segments */
	uint64_t	 wseq;		/* current write segment */
	int		 wfd;
	uint64_t	 wsize;
	uint64_t	 rseq;		/* segment being replayed (0: none) */
	uint64_t	 roff;		/* offset of the next record in it */
	uint64_t	 peek_len;	/* bytes of what spool_peek returned */
	uint64_t	 peek_points;
	int		 orphan;	/* that span's segment was dropped */
	uint64_t	 gen;		/* counts segments dropped */
	int		 ack_dirty;	/* the head moved, ack not saved */
	struct spool_pos hold;		/* the live path owns from here on */
	uint64_t	 gone_seq;	/* segments up to this one were dropped */
	int		 mfd;		/* for marking records delivered */
	int		 afd;		/* the ack file */
	uint64_t	 mseq;		/* mfd's segment */
	char		*rec;		/* one record, header and payload */
	size_t		 rec_cap;
	int64_t		 retry_ms;	/* failing: no append before this */
	int		 err;		/* the errno of that failure */
	/* the syncer thread: fdatasync of sync_fd when dirty */
	pthread_t	 syncer;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 sync_fd;	/* guarded by mu; the syncer's own dup */
	int		 dirty;		/* guarded by mu */
	int		 stop;		/* guarded by mu */
	int		 running;
	/* counters */
	uint64_t	 points;	/* points waiting (incl. held ones) */
	uint64_t	 dropped_points;	/* lost to a full spool or disk */
	uint64_t	 corrupt;	/* records skipped */
};

/*
 * Open (creating) the spool in dir, at most max_bytes.  0; or -1 with a
 * reason in *cause (to be freed) when the directory cannot be used now: the
 * spool is open all the same, its appends fail and keep trying.  Close it
 * either way.
 */
int	spool_open(struct spool *s, const char *dir, uint64_t max_bytes,
	    char **cause);

/* Close it; what it holds stays for the next start. */
void	spool_close(struct spool *s);

/* Append a record of npoints points in one write(), making room by
 * dropping the oldest segments when the bound or the disk is full; its
 * place in *at (may be NULL).  0, or -1 with a reason. */
int	spool_append(struct spool *s, const char *data, size_t len,
	    uint32_t npoints, struct spool_pos *at, char **cause);

/* The live path owns the records from *from on (NULL: none): the replay
 * stops before them and a full spool does not count them as dropped. */
void	spool_hold(struct spool *s, const struct spool_pos *from);

/* Whether the record at *at was dropped to make room. */
int	spool_gone(const struct spool *s, const struct spool_pos *at);

/* The record at *at (a payload of len bytes, npoints points) was
 * delivered by the live path: when it is first in line the head moves past
 * it (no I/O); else it is marked so (one 4-byte write), and the replay
 * skips it.  Call spool_trim after a run of these. */
void	spool_done(struct spool *s, const struct spool_pos *at, size_t len,
	    uint32_t npoints);

/* Move the head over delivered records, removing finished segments. */
void	spool_trim(struct spool *s);

/*
 * The oldest records not yet delivered, up to max_points points (at least
 * one record), from one segment, before the hold: 0 with *data (to be
 * freed, their payloads one after the other), *len and *npoints set; 1
 * when nothing waits for the replay.
 */
int	spool_peek(struct spool *s, uint32_t max_points, char **data,
	    size_t *len, uint32_t *npoints);

/* What spool_peek returned was delivered: forget it.  When s->orphan is
 * set, its segment was dropped while it was out (a full spool): a delivered
 * batch then counts as sent, a failed one is lost and its points are for
 * the caller to count as dropped. */
void	spool_ack(struct spool *s);

/* What spool_peek returned was not delivered: it stays first in line. */
void	spool_release(struct spool *s);

/*
 * A span read ahead, off the loop: spool_span_at (loop) says where the
 * span after the one out (or the head, when none is out) starts and where
 * it must end; spool_span_read (any thread: it touches no spool) reads it
 * in one pread and checks each record's CRC; spool_span_take (loop), once
 * the span before it was acknowledged, makes it what spool_peek returned,
 * if it is still first in line.  Records before the hold and the file's
 * size when spool_span_at looked are never written again, so a span read
 * then is still what spool_peek would read, unless a segment was dropped.
 */
struct spool_span {
	char		 path[4096];	/* its segment */
	uint64_t	 seq;
	uint64_t	 off;		/* where it starts */
	uint64_t	 end;		/* read no further: the hold or the size */
	uint64_t	 gen;		/* spool's gen then */
	uint32_t	 max_points;
	/* what spool_span_read found */
	char		*data;		/* the payloads, NUL after them */
	size_t		 len;
	uint32_t	 npoints;	/* 0: none, or only delivered records */
	uint64_t	 bytes;		/* of the segment read, from off */
	uint64_t	 lead;		/* delivered records before the first */
};

/* Where the next span starts (sp set): 0; 1 when nothing waits for the
 * replay there; 2 when the loop must read it with spool_peek (a torn
 * tail to count and skip). */
int	spool_span_at(struct spool *s, uint32_t max_points,
	    struct spool_span *sp);

/* Read the span sp describes (any thread).  0, or -1 when its segment
 * cannot be read (sp->npoints 0). */
int	spool_span_read(struct spool_span *sp);

/* Make the span read ahead what spool_peek returned: 0 with *data (taken
 * over from sp), *len and *npoints set; 1 when it is stale or held no
 * record to send (the caller frees it and reads with spool_peek). */
int	spool_span_take(struct spool *s, struct spool_span *sp, char **data,
	    size_t *len, uint32_t *npoints);

/* Free what a span holds. */
void	spool_span_free(struct spool_span *sp);

/* Whether nothing waits for the replay. */
int	spool_empty(struct spool *s);

#endif
