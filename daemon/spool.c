/*
 * The metrics spool.  See spool.h for the format and the rules.  Loop
 * thread, but for the syncer thread at the end of the file's first half.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "spool.h"

#define REC_MAGIC	0x31505350u	/* "PSP1" little-endian: to send */
#define REC_DONE	0x44505350u	/* "PSPD": delivered live */
#define REC_HDR		16
#define REC_MAX		(64u << 20)	/* larger lengths are corruption */
#define SPAN_MAX	(1u << 20)	/* bytes a peek gathers at most */
#define RETRY_MS	1000		/* a failing spool tries again */
#define SYNC_MS		200		/* appends gathered into one flush */

/* Little-endian 32-bit load and store. */
static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Whether a header is one of ours. */
static int
hdr_ok(const unsigned char *h)
{
	return (le32(h) == REC_MAGIC || le32(h) == REC_DONE) &&
	    le32(h + 4) <= REC_MAX;
}

/* Monotonic milliseconds. */
static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Path of segment seq into buf. */
static void
seg_path(const struct spool *s, uint64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%016" PRIu64 ".seg", s->dir, seq);
}

/* Size of a file; 0 when it is missing. */
static uint64_t
file_size(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The oldest segment after seq (exclusive); 0 when there is none. */
static uint64_t
next_segment(const struct spool *s, uint64_t after)
{
	DIR		*d;
	struct dirent	*e;
	uint64_t	 seq, best = 0;
	char		*end;

	if ((d = opendir(s->dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		seq = strtoull(e->d_name, &end, 10);
		if (end == e->d_name || strcmp(end, ".seg") != 0)
			continue;
		if (seq > after && (best == 0 || seq < best))
			best = seq;
	}
	closedir(d);
	return best;
}

/* Whether (seq, off) comes before the hold (always, without one). */
static int
before_hold(const struct spool *s, uint64_t seq, uint64_t off)
{
	if (s->hold.seq == 0)
		return 1;
	return seq < s->hold.seq || (seq == s->hold.seq && off < s->hold.off);
}

/* Persist the replay position: one fixed-width write in place, on a
 * descriptor kept open, so that the loop makes no new file or rename for
 * it; a killed pumpd cannot tear it (a power cut could: the spool is then
 * replayed from its oldest segment, twice rather than lost). */
static void
save_ack(struct spool *s)
{
	char	path[4096], line[64];
	int	n;

	n = snprintf(line, sizeof line, "%020" PRIu64 " %020" PRIu64 "\n",
	    s->rseq, s->roff);
	if (s->afd == -1) {
		snprintf(path, sizeof path, "%s/ack", s->dir);
		s->afd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	}
	if (s->afd != -1 && pwrite(s->afd, line, (size_t)n, 0) != n)
		n = 0;	/* the old position stays: a replay repeats */
}

/* Sum the points still to send in segment seq from offset off up to (not
 * including) offset to. */
static uint64_t
count_points(const struct spool *s, uint64_t seq, uint64_t off, uint64_t to)
{
	unsigned char	hdr[REC_HDR];
	char		path[4096];
	uint64_t	n = 0;
	int		fd;

	seg_path(s, seq, path, sizeof path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	while (off < to && pread(fd, hdr, REC_HDR, (off_t)off) == REC_HDR &&
	    hdr_ok(hdr)) {
		if (le32(hdr) == REC_MAGIC)
			n += le32(hdr + 8);
		off += REC_HDR + le32(hdr + 4);
	}
	close(fd);
	return n;
}

/* The syncer thread: flush the segment being written when it is dirty,
 * gathering the appends of SYNC_MS into one fdatasync, off the event loop
 * (on disk at most a second later). */
static void *
syncer(void *arg)
{
	struct spool	*s = arg;
	struct timespec	 ts;
	int		 fd, stop;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->dirty && !s->stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SYNC_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu,
		    &ts) == 0)
			;	/* more appends meanwhile: one flush for all */
		stop = s->stop;
		fd = s->sync_fd;
		s->dirty = 0;
		pthread_mutex_unlock(&s->mu);
		if (fd != -1)
			fdatasync(fd);
		pthread_mutex_lock(&s->mu);
		if (stop)
			break;
	}
	if (s->sync_fd != -1)
		close(s->sync_fd);
	s->sync_fd = -1;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Hand the syncer the segment now written (fd is duplicated), flushing and
 * closing the one before; or mark the current one dirty (fd -1), waking
 * the syncer only when it was clean. */
static void
sync_post(struct spool *s, int fd)
{
	int	old = -1, mine = fd != -1 ? dup(fd) : -1;

	pthread_mutex_lock(&s->mu);
	if (mine != -1) {
		old = s->sync_fd;
		s->sync_fd = mine;
	}
	if (!s->dirty || mine != -1) {
		s->dirty = 1;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (old != -1)
		close(old);	/* its data was flushed or is in the cache */
}

/* Forget the marking descriptor if it is for segment seq. */
static void
mark_forget(struct spool *s, uint64_t seq)
{
	if (s->mfd != -1 && s->mseq == seq) {
		close(s->mfd);
		s->mfd = -1;
	}
}

/* Remove segment seq from the disk and the byte count. */
static void
remove_segment(struct spool *s, uint64_t seq)
{
	char	path[4096];
	uint64_t size;

	seg_path(s, seq, path, sizeof path);
	size = file_size(path);
	s->bytes -= size < s->bytes ? size : s->bytes;
	unlink(path);
	mark_forget(s, seq);
}

/* Segments no larger than a sixteenth of the file system, so that a full
 * disk costs the oldest sixteenth, not everything. */
static void
size_segments(struct spool *s)
{
	struct statvfs	vfs;
	uint64_t	fs;

	s->seg_max = s->max_bytes / 4 < (4u << 20) ? s->max_bytes / 4 :
	    (4u << 20);
	if (statvfs(s->dir, &vfs) == 0 && (fs = (uint64_t)vfs.f_blocks *
	    vfs.f_frsize) > 0 && fs / 16 < s->seg_max)
		s->seg_max = fs / 16;
	if (s->seg_max < 4096)
		s->seg_max = 4096;
}

/* Find what an earlier run left: segments (removing empty ones, which only
 * a failed write leaves), an ack.tmp of older versions, the replay
 * position. */
static void
scan(struct spool *s)
{
	char		 path[4096];
	FILE		*f;
	uint64_t	 seq, last = 0, size;

	snprintf(path, sizeof path, "%s/ack.tmp", s->dir);
	unlink(path);
	for (seq = next_segment(s, 0); seq != 0; seq = next_segment(s, seq)) {
		seg_path(s, seq, path, sizeof path);
		if ((size = file_size(path)) == 0)
			unlink(path);
		s->bytes += size;
		last = seq;
	}
	snprintf(path, sizeof path, "%s/ack", s->dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%" SCNu64 " %" SCNu64, &s->rseq, &s->roff) != 2)
			s->rseq = s->roff = 0;
		fclose(f);
	}
	seq = next_segment(s, 0);
	if (seq == 0 || s->rseq < seq) {	/* ack older than the data */
		s->rseq = seq;
		s->roff = 0;
	}
	while ((seq = next_segment(s, 0)) != 0 && seq < s->rseq)
		remove_segment(s, seq);	/* delivered: a leftover */
	for (seq = s->rseq; seq != 0; seq = next_segment(s, seq))
		s->points += count_points(s, seq, seq == s->rseq ? s->roff :
		    0, UINT64_MAX);
	/* never append to a segment a crash may have torn */
	s->wseq = last + 1;
}

/* Everything written was delivered: remove the write segment too, so that
 * a drained spool leaves no segment behind. */
static void
caught_up(struct spool *s)
{
	char	path[4096];

	seg_path(s, s->wseq, path, sizeof path);
	if (s->rseq != s->wseq || s->roff < s->wsize || s->wsize == 0 ||
	    s->peek_len > 0 || file_size(path) != s->wsize)
		return;
	if (s->wfd != -1)
		close(s->wfd);
	s->wfd = -1;
	remove_segment(s, s->wseq);
	s->wseq++;
	s->wsize = 0;
	s->rseq = 0;
	s->roff = 0;
	save_ack(s);
}

int
spool_open(struct spool *s, const char *dir, uint64_t max_bytes,
    char **cause)
{
	int	rc = 0;

	memset(s, 0, sizeof *s);
	*cause = NULL;
	s->wfd = s->mfd = s->afd = s->sync_fd = -1;
	s->max_bytes = max_bytes;
	s->wseq = 1;
	if ((s->dir = strdup(dir)) == NULL)
		return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		s->err = errno;
		s->retry_ms = mono_ms() + RETRY_MS;
		if (asprintf(cause, "spool %s: %s", dir, strerror(errno)) < 0)
			*cause = NULL;
		rc = -1;
	} else if (access(dir, W_OK) == -1) {
		s->err = errno;
		s->retry_ms = mono_ms() + RETRY_MS;
		if (asprintf(cause, "spool %s: %s", dir, strerror(errno)) < 0)
			*cause = NULL;
		rc = -1;
	}
	size_segments(s);
	scan(s);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->running = pthread_create(&s->syncer, NULL, syncer, s) == 0;
	return rc;
}

void
spool_close(struct spool *s)
{
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->syncer, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		s->running = 0;
	}
	if (s->dir != NULL) {
		s->hold = (struct spool_pos){ 0, 0 };
		spool_trim(s);
		caught_up(s);
	}
	if (s->afd != -1)
		close(s->afd);
	s->afd = -1;
	if (s->wfd != -1)
		close(s->wfd);
	if (s->mfd != -1)
		close(s->mfd);
	s->wfd = s->mfd = -1;
	free(s->rec);
	free(s->dir);
	s->rec = NULL;
	s->dir = NULL;
}

/* Close the write segment; the next append starts segment wseq + 1. */
static void
roll(struct spool *s)
{
	if (s->wfd != -1)
		close(s->wfd);
	s->wfd = -1;
	s->wseq++;
	s->wsize = 0;
}

/* Delete segment seq to make room, counting what it still held as dropped,
 * but for the span out for replay (the caller counts it, as sent or, if
 * its request fails, dropped).  Records the live path holds in memory are
 * counted too: the live path takes back what it delivers after all. */
static void
drop_segment(struct spool *s, uint64_t seq)
{
	uint64_t	from = 0, lost;

	if (seq < s->rseq) {	/* delivered already: a leftover */
		remove_segment(s, seq);
		return;
	}
	if (seq == s->rseq)
		from = s->roff;
	lost = count_points(s, seq, from, UINT64_MAX);
	s->points -= lost < s->points ? lost : s->points;
	if (seq == s->rseq && s->peek_len > 0) {
		lost -= s->peek_points < lost ? s->peek_points : lost;
		s->orphan = 1;
		s->peek_len = 0;	/* a replay in flight is void */
	}
	if (seq == s->wseq)
		roll(s);
	remove_segment(s, seq);
	s->dropped_points += lost;
	s->gen++;		/* a span read ahead may be void */
	if (seq > s->gone_seq)
		s->gone_seq = seq;
	if (s->hold.seq == seq)	/* until the live path says better */
		s->hold = (struct spool_pos){ seq + 1, 0 };
	if (seq == s->rseq) {
		s->rseq = next_segment(s, seq);
		s->roff = 0;
		save_ack(s);
	}
}

/* Drop the oldest segment; -1 when there is none. */
static int
drop_oldest(struct spool *s)
{
	uint64_t	seq = next_segment(s, 0);

	if (seq == 0)
		return -1;
	drop_segment(s, seq);
	return 0;
}

/* Make room for need more bytes within the bound. */
static void
make_room(struct spool *s, uint64_t need)
{
	while (s->bytes + need > s->max_bytes && drop_oldest(s) == 0)
		;
}

/* The record: header and payload in s->rec, for one write(). */
static int
build_record(struct spool *s, const char *data, size_t len,
    uint32_t npoints)
{
	unsigned char	*h;
	char		*p;

	if (s->rec_cap < REC_HDR + len) {
		if ((p = realloc(s->rec, REC_HDR + len)) == NULL)
			return -1;
		s->rec = p;
		s->rec_cap = REC_HDR + len;
	}
	h = (unsigned char *)s->rec;
	put_le32(h, REC_MAGIC);
	put_le32(h + 4, (uint32_t)len);
	put_le32(h + 8, npoints);
	put_le32(h + 12, (uint32_t)crc32(0, (const Bytef *)data, (uInt)len));
	memcpy(s->rec + REC_HDR, data, len);
	return 0;
}

/* One attempt to write the record of n bytes: 0, or -1 with errno, having
 * cut off a torn part and removed a segment left empty. */
static int
write_record(struct spool *s, size_t n)
{
	char	path[4096];
	ssize_t	w;
	int	e;

	seg_path(s, s->wseq, path, sizeof path);
	if (s->wfd == -1) {
		if (mkdir(s->dir, 0700) == -1 && errno != EEXIST)
			return -1;
		s->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
		if (s->wfd == -1)
			return -1;
		if (s->running)
			sync_post(s, s->wfd);
	}
	if ((w = write(s->wfd, s->rec, n)) == (ssize_t)n)
		return 0;
	e = w < 0 ? errno : ENOSPC;
	if (w > 0 && ftruncate(s->wfd, (off_t)s->wsize) == -1)
		e = errno;
	if (s->wsize == 0) {
		close(s->wfd);
		s->wfd = -1;
		unlink(path);
	}
	errno = e;
	return -1;
}

int
spool_append(struct spool *s, const char *data, size_t len,
    uint32_t npoints, struct spool_pos *at, char **cause)
{
	size_t	n = REC_HDR + len;

	*cause = NULL;
	if (len > REC_MAX || build_record(s, data, len, npoints) == -1) {
		if (asprintf(cause, "record of %zu bytes too large", len) < 0)
			*cause = NULL;
		return -1;
	}
	if (s->retry_ms != 0 && mono_ms() < s->retry_ms) {
		if (asprintf(cause, "spool %s: %s", s->dir,
		    strerror(s->err)) < 0)
			*cause = NULL;
		return -1;
	}
	if (s->wfd != -1 && s->wsize + n > s->seg_max)
		roll(s);
	make_room(s, n);
	while (write_record(s, n) == -1) {
		s->err = errno;
		if ((s->err != ENOSPC && s->err != EDQUOT) ||
		    drop_oldest(s) == -1) {
			s->retry_ms = mono_ms() + RETRY_MS;
			if (asprintf(cause, "spool %s: %s", s->dir,
			    strerror(s->err)) < 0)
				*cause = NULL;
			return -1;
		}
	}
	if (s->retry_ms != 0)
		size_segments(s);	/* usable again: maybe another disk */
	s->retry_ms = 0;
	if (at != NULL)
		*at = (struct spool_pos){ s->wseq, s->wsize };
	if (s->rseq == 0) {
		s->rseq = s->wseq;
		s->roff = s->wsize;
	}
	if (s->running)
		sync_post(s, -1);
	else
		fdatasync(s->wfd);
	s->wsize += n;
	s->bytes += n;
	s->points += npoints;
	return 0;
}

void
spool_hold(struct spool *s, const struct spool_pos *from)
{
	if (from == NULL || spool_gone(s, from))
		s->hold = (struct spool_pos){ 0, 0 };
	else
		s->hold = *from;
}

int
spool_gone(const struct spool *s, const struct spool_pos *at)
{
	return at->seq == 0 || at->seq <= s->gone_seq;
}

/* Done with segment rseq: delete it (unless it is being written) and move
 * to the next; 1 when there is nothing more. */
static int
next_read_segment(struct spool *s)
{
	uint64_t	next;

	if (s->rseq == s->wseq)
		return 1;	/* caught up with the writer */
	remove_segment(s, s->rseq);
	next = next_segment(s, s->rseq);
	s->rseq = next != 0 ? next : s->wseq;
	s->roff = 0;
	save_ack(s);
	return 0;
}

void
spool_done(struct spool *s, const struct spool_pos *at, size_t len,
    uint32_t npoints)
{
	unsigned char	magic[4];
	char		path[4096];

	if (spool_gone(s, at))
		return;
	if (s->peek_len == 0 && s->rseq != 0 && at->seq > s->rseq) {
		seg_path(s, s->rseq, path, sizeof path);
		if (s->roff >= file_size(path))	/* the head's segment is */
			next_read_segment(s);	/* read: go on to the next */
	}
	if (s->peek_len == 0 && at->seq == s->rseq && at->off == s->roff) {
		/* first in line (no backlog): move the head, no I/O */
		s->roff += REC_HDR + len;
		s->points -= npoints < s->points ? npoints : s->points;
		s->ack_dirty = 1;
		if (s->rseq != s->wseq) {
			seg_path(s, s->rseq, path, sizeof path);
			if (s->roff >= file_size(path))
				next_read_segment(s);
		}
		return;
	}
	if (s->mfd == -1 || s->mseq != at->seq) {
		if (s->mfd != -1)
			close(s->mfd);
		seg_path(s, at->seq, path, sizeof path);
		s->mfd = open(path, O_WRONLY | O_CLOEXEC);
		s->mseq = at->seq;
	}
	put_le32(magic, REC_DONE);
	if (s->mfd != -1 && pwrite(s->mfd, magic, 4, (off_t)at->off) == 4)
		s->points -= npoints < s->points ? npoints : s->points;
}

void
spool_trim(struct spool *s)
{
	unsigned char	hdr[REC_HDR];
	char		path[4096];
	uint64_t	size = 0, size_seq = 0, off0 = s->roff;
	int		fd = -1;

	while (s->rseq != 0 && s->peek_len == 0 &&
	    before_hold(s, s->rseq, s->roff)) {
		if (size_seq != s->rseq) {	/* a segment: stat it once */
			if (fd != -1)
				close(fd);
			fd = -1;
			seg_path(s, s->rseq, path, sizeof path);
			size = file_size(path);
			size_seq = s->rseq;
		}
		if (s->roff + REC_HDR > size) {
			if (s->roff < size)
				break;	/* a torn header: for spool_peek */
			if (next_read_segment(s))
				break;
			off0 = s->roff;
			continue;
		}
		if (fd == -1 && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			break;
		if (pread(fd, hdr, REC_HDR, (off_t)s->roff) != REC_HDR ||
		    le32(hdr) != REC_DONE || le32(hdr + 4) > REC_MAX ||
		    s->roff + REC_HDR + le32(hdr + 4) > size)
			break;
		s->roff += REC_HDR + le32(hdr + 4);
	}
	if (fd != -1)
		close(fd);
	if ((s->roff != off0 || s->ack_dirty) && s->rseq != 0)
		save_ack(s);
	s->ack_dirty = 0;
}

/* Read the records of fd from off up to end (at most SPAN_MAX bytes, but
 * a first record larger than that whole) in one pread, and pack the
 * payloads of those to send to the front of the buffer, up to max_points
 * points (at least one record), checking each CRC; stop before a torn or
 * corrupt record.  Fills sp's data, len, npoints, bytes (read from off)
 * and lead (delivered records before the first to send).  -1 when the
 * read fails. */
static int
read_span(int fd, uint64_t off, uint64_t end, uint32_t max_points,
    struct spool_span *sp)
{
	unsigned char	*h;
	char		*buf, *p;
	size_t		 want, got, at = 0, out = 0;
	ssize_t		 r;
	uint32_t	 n, pts;

	sp->data = NULL;
	sp->len = sp->bytes = sp->lead = 0;
	sp->npoints = 0;
	want = end - off > SPAN_MAX ? SPAN_MAX : (size_t)(end - off);
	if ((buf = malloc(want + 1)) == NULL ||
	    (r = pread(fd, buf, want, (off_t)off)) < 0) {
		free(buf);
		return -1;
	}
	got = (size_t)r;
	h = (unsigned char *)buf;
	if (got >= REC_HDR && hdr_ok(h) && REC_HDR + (n = le32(h + 4)) >
	    got && off + REC_HDR + n <= end) {	/* one large record */
		want = REC_HDR + n;
		if ((p = realloc(buf, want + 1)) == NULL ||
		    (r = pread(fd, p, want, (off_t)off)) < 0) {
			free(p != NULL ? p : buf);
			return -1;
		}
		buf = p;
		got = (size_t)r;
	}
	while (at + REC_HDR <= got) {
		h = (unsigned char *)buf + at;
		if (!hdr_ok(h) || at + REC_HDR + (n = le32(h + 4)) > got)
			break;
		pts = le32(h + 8);
		if (le32(h) == REC_DONE) {
			if (sp->npoints == 0)
				sp->lead += REC_HDR + n;
			at += REC_HDR + n;
			continue;
		}
		if ((sp->npoints > 0 && sp->npoints + pts > max_points) ||
		    (uint32_t)crc32(0, (Bytef *)h + REC_HDR, n) !=
		    le32(h + 12))
			break;	/* at least one record, then up to max */
		memmove(buf + out, h + REC_HDR, n);	/* header read */
		out += n;
		sp->npoints += pts;
		at += REC_HDR + n;
	}
	buf[out] = '\0';
	if (out + 1 < got / 2 && (p = realloc(buf, out + 1)) != NULL)
		buf = p;	/* the window was read, the span is kept */
	sp->data = buf;
	sp->len = out;
	sp->bytes = at;
	return 0;
}

/* Gather records of segment rseq from roff into a buffer: up to max_points
 * points and to the hold.  0 with the span set; 1 when the record at roff
 * is bad (the caller skips it); 2 when only delivered records were there
 * (skipped). */
static int
gather(struct spool *s, int fd, uint64_t size, uint32_t max_points,
    char **data, size_t *len, uint32_t *npoints)
{
	struct spool_span	sp;
	uint64_t		end = size;

	if (s->hold.seq == s->rseq && s->hold.off < end)
		end = s->hold.off;
	if (read_span(fd, s->roff, end, max_points, &sp) == -1 ||
	    sp.bytes == 0) {
		free(sp.data);
		return 1;
	}
	if (sp.npoints == 0) {		/* delivered ones only */
		free(sp.data);
		s->roff += sp.bytes;
		return 2;
	}
	*data = sp.data;
	*len = sp.len;
	*npoints = sp.npoints;
	s->peek_len = sp.bytes;
	s->peek_points = sp.npoints;
	return 0;
}

/* Skip the bad record at the head: its payload when its header holds,
 * else the rest of the segment. */
static void
skip_bad(struct spool *s, int fd, uint64_t size)
{
	unsigned char	hdr[REC_HDR];
	uint32_t	n;

	s->corrupt++;
	if (pread(fd, hdr, REC_HDR, (off_t)s->roff) == REC_HDR &&
	    hdr_ok(hdr) && s->roff + REC_HDR + (n = le32(hdr + 4)) <= size) {
		s->points -= le32(hdr + 8) < s->points ? le32(hdr + 8) :
		    s->points;
		s->roff += REC_HDR + n;
	} else
		s->roff = size;
}

int
spool_peek(struct spool *s, uint32_t max_points, char **data, size_t *len,
    uint32_t *npoints)
{
	char		path[4096];
	uint64_t	size;
	int		fd, rc;

	for (;;) {
		if (s->rseq == 0 || !before_hold(s, s->rseq, s->roff))
			return 1;
		seg_path(s, s->rseq, path, sizeof path);
		size = file_size(path);
		if (s->roff + REC_HDR > size) {
			if (s->roff < size && s->rseq != s->wseq)
				s->corrupt++;	/* torn header at the end */
			if (next_read_segment(s))
				return 1;
			continue;
		}
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return 1;
		rc = gather(s, fd, size, max_points, data, len, npoints);
		if (rc == 1)
			skip_bad(s, fd, size);
		close(fd);
		if (rc == 0)
			return 0;
	}
}

void
spool_ack(struct spool *s)
{
	char		path[4096];
	uint64_t	size;

	if (s->orphan || s->peek_len == 0) {
		s->orphan = 0;
		s->peek_len = 0;
		return;
	}
	s->points -= s->peek_points < s->points ? s->peek_points : s->points;
	s->roff += s->peek_len;
	s->peek_len = 0;
	seg_path(s, s->rseq, path, sizeof path);
	size = file_size(path);
	if (s->roff < size)
		save_ack(s);
	else if (s->rseq != s->wseq)
		next_read_segment(s);
	else
		save_ack(s);
	spool_trim(s);
}

void
spool_release(struct spool *s)
{
	s->peek_len = 0;
	s->orphan = 0;
}

int
spool_span_at(struct spool *s, uint32_t max_points, struct spool_span *sp)
{
	uint64_t	seq = s->rseq, off = s->roff + s->peek_len, size;

	if (seq == 0 || s->orphan || !before_hold(s, seq, off))
		return 1;	/* the live path's (no stat) */
	seg_path(s, seq, sp->path, sizeof sp->path);
	size = file_size(sp->path);
	if (off + REC_HDR > size) {	/* that segment is read */
		if (off < size)
			return 2;	/* a torn tail */
		if (seq == s->wseq || (seq = next_segment(s, seq)) == 0)
			return 1;
		off = 0;
		seg_path(s, seq, sp->path, sizeof sp->path);
		size = file_size(sp->path);
	}
	if (off + REC_HDR > size || !before_hold(s, seq, off))
		return 1;
	sp->seq = seq;
	sp->off = off;
	sp->end = s->hold.seq == seq ? s->hold.off : size;
	sp->gen = s->gen;
	sp->max_points = max_points;
	sp->data = NULL;
	sp->npoints = 0;
	return 0;
}

int
spool_span_read(struct spool_span *sp)
{
	int	fd, rc;

	sp->data = NULL;
	sp->npoints = 0;
	if ((fd = open(sp->path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = read_span(fd, sp->off, sp->end, sp->max_points, sp);
	close(fd);
	return rc;
}

int
spool_span_take(struct spool *s, struct spool_span *sp, char **data,
    size_t *len, uint32_t *npoints)
{
	if (sp->data == NULL || sp->npoints == 0 || sp->gen != s->gen ||
	    s->peek_len != 0 || s->orphan || s->rseq != sp->seq ||
	    (s->roff != sp->off && s->roff != sp->off + sp->lead))
		return 1;
	s->peek_len = sp->off + sp->bytes - s->roff;
	s->peek_points = sp->npoints;
	*data = sp->data;
	*len = sp->len;
	*npoints = sp->npoints;
	sp->data = NULL;
	return 0;
}

void
spool_span_free(struct spool_span *sp)
{
	free(sp->data);
	sp->data = NULL;
}

int
spool_empty(struct spool *s)
{
	char		*data;
	size_t		 len;
	uint32_t	 n;

	if (spool_peek(s, 1, &data, &len, &n) == 1)
		return 1;
	free(data);
	spool_release(s);
	return 0;
}
