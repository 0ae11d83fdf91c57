/*
 * The metrics spool.  See spool.h for the format.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "spool.h"

#define REC_MAGIC	0x31505350u	/* "PSP1" little-endian */
#define REC_HDR		16
#define REC_MAX		(64u << 20)	/* larger lengths are corruption */

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

/* Persist the replay position atomically. */
static void
save_ack(struct spool *s)
{
	char	path[4096], tmp[4096], line[64];
	int	fd, n;

	snprintf(path, sizeof path, "%s/ack", s->dir);
	snprintf(tmp, sizeof tmp, "%s/ack.tmp", s->dir);
	n = snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 "\n", s->rseq,
	    s->roff);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return;
	if (write(fd, line, (size_t)n) == n)
		rename(tmp, path);
	close(fd);
}

/* Sum the points of at most max records (-1: all) of segment seq from
 * offset off. */
static uint64_t
count_points(const struct spool *s, uint64_t seq, uint64_t off, int max)
{
	unsigned char	hdr[REC_HDR];
	char		path[4096];
	uint64_t	n = 0;
	int		fd;

	seg_path(s, seq, path, sizeof path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	while (max-- != 0 && pread(fd, hdr, REC_HDR, (off_t)off) == REC_HDR &&
	    le32(hdr) == REC_MAGIC && le32(hdr + 4) <= REC_MAX) {
		n += le32(hdr + 8);
		off += REC_HDR + le32(hdr + 4);
	}
	close(fd);
	return n;
}

/* The syncer thread: flush the segment being written whenever it is dirty
 * (at most a second later), off the event loop. */
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
 * closing the one before; or mark the current one dirty (fd -1). */
static void
sync_post(struct spool *s, int fd)
{
	int	old = -1, mine = fd != -1 ? dup(fd) : -1;

	pthread_mutex_lock(&s->mu);
	if (mine != -1) {
		old = s->sync_fd;
		s->sync_fd = mine;
	}
	s->dirty = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (old != -1)
		close(old);	/* its data was flushed or is in the cache */
}

int
spool_open(struct spool *s, const char *dir, uint64_t max_bytes,
    char **cause)
{
	char		 path[4096];
	FILE		*f;
	uint64_t	 seq, last = 0;

	memset(s, 0, sizeof *s);
	s->wfd = -1;
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 4 < (4u << 20) ? max_bytes / 4 : (4u << 20);
	if (s->seg_max < 4096)
		s->seg_max = 4096;
	if ((s->dir = strdup(dir)) == NULL ||
	    (mkdir(dir, 0700) == -1 && errno != EEXIST)) {
		if (asprintf(cause, "spool %s: %s", dir, strerror(errno)) < 0)
			*cause = NULL;
		return -1;
	}
	for (seq = next_segment(s, 0); seq != 0; seq = next_segment(s, seq)) {
		seg_path(s, seq, path, sizeof path);
		s->bytes += file_size(path);
		last = seq;
	}
	snprintf(path, sizeof path, "%s/ack", dir);
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
	for (seq = s->rseq; seq != 0; seq = next_segment(s, seq))
		s->points += count_points(s, seq, seq == s->rseq ? s->roff :
		    0, -1);
	/* never append to a segment a crash may have torn */
	s->wseq = last + 1;
	s->sync_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->running = pthread_create(&s->syncer, NULL, syncer, s) == 0;
	return 0;
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
	if (s->wfd != -1)
		close(s->wfd);
	s->wfd = -1;
	free(s->dir);
	s->dir = NULL;
}

/* Delete segment seq, counting what it still held as dropped. */
static void
drop_segment(struct spool *s, uint64_t seq)
{
	char		path[4096];
	uint64_t	lost, gone;

	gone = count_points(s, seq, seq == s->rseq ? s->roff : 0, -1);
	lost = gone;
	if (seq == s->rseq && s->peek_len > 0) {
		/* the record out for replay is not counted here: the caller
		 * counts it as sent or, if its request fails, dropped */
		lost -= count_points(s, seq, s->roff, 1);
		s->orphan = 1;
	}
	seg_path(s, seq, path, sizeof path);
	s->bytes -= file_size(path);
	unlink(path);
	s->dropped_points += lost;
	s->points -= gone < s->points ? gone : s->points;
	if (seq == s->rseq) {
		s->peek_len = 0;	/* a replay in flight is void */
		s->rseq = next_segment(s, seq);
		s->roff = 0;
		save_ack(s);
	}
}

/* Make room for need more bytes by dropping the oldest segments. */
static void
make_room(struct spool *s, uint64_t need)
{
	uint64_t	seq;

	while (s->bytes + need > s->max_bytes &&
	    (seq = next_segment(s, 0)) != 0) {
		if (seq == s->wseq) {	/* only the open one left: roll it */
			close(s->wfd);
			s->wfd = -1;
			s->wseq++;
			s->wsize = 0;
		}
		drop_segment(s, seq);
	}
}

int
spool_append(struct spool *s, const char *data, size_t len,
    uint32_t npoints, char **cause)
{
	unsigned char	hdr[REC_HDR];
	char		path[4096];
	ssize_t		w;

	*cause = NULL;
	if (len > REC_MAX) {
		if (asprintf(cause, "batch of %zu bytes too large", len) < 0)
			*cause = NULL;
		return -1;
	}
	if (s->wfd != -1 && s->wsize + REC_HDR + len > s->seg_max) {
		close(s->wfd);
		s->wfd = -1;
		s->wseq++;
		s->wsize = 0;
	}
	make_room(s, REC_HDR + len);
	if (s->wfd == -1) {
		seg_path(s, s->wseq, path, sizeof path);
		s->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
		if (s->wfd == -1) {
			if (asprintf(cause, "%s: %s", path, strerror(errno)) < 0)
				*cause = NULL;
			return -1;
		}
		if (s->rseq == 0)
			s->rseq = s->wseq;
		if (s->running)
			sync_post(s, s->wfd);
	}
	put_le32(hdr, REC_MAGIC);
	put_le32(hdr + 4, (uint32_t)len);
	put_le32(hdr + 8, npoints);
	put_le32(hdr + 12, (uint32_t)crc32(0, (const Bytef *)data,
	    (uInt)len));
	if ((w = write(s->wfd, hdr, REC_HDR)) != REC_HDR ||
	    (w = write(s->wfd, data, len)) != (ssize_t)len) {
		if (asprintf(cause, "spool write: %s", w < 0 ?
		    strerror(errno) : "short write") < 0)
			*cause = NULL;
		return -1;
	}
	if (s->running)
		sync_post(s, -1);
	else
		fdatasync(s->wfd);
	s->wsize += REC_HDR + len;
	s->bytes += REC_HDR + len;
	s->points += npoints;
	return 0;
}

/* Done with segment rseq: delete it (unless it is being written) and move
 * to the next; 1 when there is nothing more. */
static int
next_read_segment(struct spool *s)
{
	char		path[4096];
	uint64_t	next;

	if (s->rseq == s->wseq)
		return 1;	/* caught up with the writer */
	seg_path(s, s->rseq, path, sizeof path);
	s->bytes -= file_size(path);
	unlink(path);
	next = next_segment(s, s->rseq);
	s->rseq = next != 0 ? next : s->wseq;
	s->roff = 0;
	save_ack(s);
	return 0;
}

int
spool_peek(struct spool *s, char **data, size_t *len, uint32_t *npoints)
{
	unsigned char	 hdr[REC_HDR];
	char		 path[4096], *buf;
	uint64_t	 size;
	uint32_t	 n;
	int		 fd;

	for (;;) {
		if (s->rseq == 0)
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
		if (pread(fd, hdr, REC_HDR, (off_t)s->roff) != REC_HDR ||
		    le32(hdr) != REC_MAGIC || (n = le32(hdr + 4)) > REC_MAX ||
		    s->roff + REC_HDR + n > size) {
			close(fd);
			s->corrupt++;	/* bad or torn: skip the rest */
			s->roff = size;
			continue;
		}
		if ((buf = malloc(n + 1)) == NULL ||
		    pread(fd, buf, n, (off_t)(s->roff + REC_HDR)) != (ssize_t)n ||
		    (uint32_t)crc32(0, (Bytef *)buf, n) != le32(hdr + 12)) {
			close(fd);
			free(buf);
			s->corrupt++;	/* bad payload: skip this record */
			s->points -= le32(hdr + 8) < s->points ?
			    le32(hdr + 8) : s->points;
			s->roff += REC_HDR + n;
			continue;
		}
		close(fd);
		buf[n] = '\0';
		*data = buf;
		*len = n;
		*npoints = le32(hdr + 8);
		s->peek_len = REC_HDR + n;
		return 0;
	}
}

void
spool_ack(struct spool *s)
{
	char		path[4096];
	uint64_t	n;

	s->orphan = 0;
	if (s->peek_len == 0)
		return;
	seg_path(s, s->rseq, path, sizeof path);
	n = count_points(s, s->rseq, s->roff, 1);
	s->points -= n < s->points ? n : s->points;
	s->roff += s->peek_len;
	s->peek_len = 0;
	if (s->roff < file_size(path))
		save_ack(s);
	else if (s->rseq != s->wseq)
		next_read_segment(s);
	else {
		/* caught up with the writer: remove the segment, the next
		 * append starts a fresh one */
		if (s->wfd != -1)
			close(s->wfd);
		s->wfd = -1;
		s->bytes -= file_size(path);
		unlink(path);
		s->wseq++;
		s->wsize = 0;
		s->rseq = 0;
		s->roff = 0;
		save_ack(s);
	}
}

void
spool_release(struct spool *s)
{
	s->peek_len = 0;
	s->orphan = 0;
}

int
spool_empty(struct spool *s)
{
	char		*data;
	size_t		 len;
	uint32_t	 n;

	if (spool_peek(s, &data, &len, &n) == 1)
		return 1;
	free(data);
	spool_release(s);
	return 0;
}
