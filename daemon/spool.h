/*
 * The metrics spool: batches that InfluxDB could not take yet, on disk, in
 * order.  Append-only segment files "<seq>.seg" in one directory; each
 * record is a 16-byte header (magic "PSP1", payload length, points, CRC-32
 * of the payload, little-endian) and the payload.  The replay position is
 * kept in the file "ack" (written atomically), so a spool left by a killed
 * pumpd replays from where it stopped.  Bounded in bytes: when full, the
 * oldest segment goes first and its points are counted as dropped.  A torn
 * or corrupt record is skipped and counted, never fatal.  Loop thread only,
 * but for one helper thread that does the fdatasync of the segment being
 * written, so the loop never waits for the disk to flush: a record is in
 * the page cache (safe from a killed pumpd) when spool_append returns, and
 * on disk within a second.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct spool {
	char		*dir;
	uint64_t	 max_bytes;
	uint64_t	 seg_max;	/* roll segments at this size */
	uint64_t	 bytes;		/* on disk, all segments */
	uint64_t	 wseq;		/* current write segment (0: none) */
	int		 wfd;
	uint64_t	 wsize;
	uint64_t	 rseq;		/* segment being replayed */
	uint64_t	 roff;		/* offset of the next record in it */
	uint64_t	 peek_len;	/* record returned by spool_peek */
	int		 orphan;	/* that record's segment was dropped */
	/* the syncer thread: fdatasync of sync_fd when dirty */
	pthread_t	 syncer;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 sync_fd;	/* guarded by mu; the syncer's own dup */
	int		 dirty;		/* guarded by mu */
	int		 stop;		/* guarded by mu */
	int		 running;
	/* counters */
	uint64_t	 points;	/* points waiting, estimated */
	uint64_t	 dropped_points;	/* lost to a full spool */
	uint64_t	 corrupt;	/* records skipped */
};

/* Open (creating) the spool in dir, at most max_bytes.  0, or -1 with a
 * reason in *cause (to be freed). */
int	spool_open(struct spool *s, const char *dir, uint64_t max_bytes,
	    char **cause);

/* Close it; what it holds stays for the next start. */
void	spool_close(struct spool *s);

/* Append a batch of npoints points.  0, or -1 with a reason. */
int	spool_append(struct spool *s, const char *data, size_t len,
	    uint32_t npoints, char **cause);

/*
 * The oldest batch not yet acknowledged: 0 with *data (to be freed), *len
 * and *npoints set; 1 when the spool is empty.
 */
int	spool_peek(struct spool *s, char **data, size_t *len,
	    uint32_t *npoints);

/* The batch last returned by spool_peek was delivered: forget it.  When
 * s->orphan is set, its segment was dropped while it was out (a full
 * spool): a delivered batch then counts as sent, a failed one is lost and
 * its points are for the caller to count as dropped. */
void	spool_ack(struct spool *s);

/* The batch last returned by spool_peek was not delivered: it stays first
 * in line. */
void	spool_release(struct spool *s);

/* Whether nothing waits. */
int	spool_empty(struct spool *s);

#endif
