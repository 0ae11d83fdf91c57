/*
 * The state file.  See state.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

#define STATE_MAGIC	"PUMPDST1"
#define STATE_VERSION	1

struct state_hdr {
	char		magic[8];
	uint32_t	version;
	uint32_t	recsize;
	uint32_t	count;
	uint32_t	pad;
};

/* Write n records to path atomically; 0 or -1 with err set. */
static int
write_file(const char *path, const struct core_persist *rec, int n,
    char *err, size_t errlen)
{
	struct state_hdr	h;
	char			tmp[4200];
	size_t			len = (size_t)n * sizeof *rec;
	int			fd;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, STATE_MAGIC, sizeof h.magic);
	h.version = STATE_VERSION;
	h.recsize = sizeof *rec;
	h.count = (uint32_t)n;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%.100s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write(fd, &h, sizeof h) != (ssize_t)sizeof h ||
	    write(fd, rec, len) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, errlen, "%.100s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%.100s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The writer thread: write the latest records handed over. */
static void *
writer(void *arg)
{
	struct state		*st = arg;
	struct core_persist	*rec;
	char			 err[160];
	int			 n, stop, rc;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (st->pending == NULL && !st->stop)
			pthread_cond_wait(&st->cv, &st->mu);
		rec = st->pending;
		n = st->npending;
		stop = st->stop;
		st->pending = NULL;
		pthread_mutex_unlock(&st->mu);
		rc = rec != NULL ? write_file(st->path, rec, n, err,
		    sizeof err) : 0;
		free(rec);
		pthread_mutex_lock(&st->mu);
		if (rec != NULL && rc == 0) {
			st->writes++;
			st->failing = 0;
		} else if (rec != NULL) {
			st->failures++;
			st->failing = 1;
			memcpy(st->err, err, sizeof st->err);
		}
		if (stop && st->pending == NULL)
			break;
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

int
state_open(struct state *st, const char *dir, char **cause)
{
	memset(st, 0, sizeof *st);
	if (asprintf(&st->path, "%s/state", dir) == -1) {
		st->path = NULL;
		*cause = NULL;
		return -1;
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	if (pthread_create(&st->thr, NULL, writer, st) != 0) {
		if (asprintf(cause, "state: cannot start its writer") == -1)
			*cause = NULL;
		free(st->path);
		return -1;
	}
	return 0;
}

void
state_save(struct state *st, const struct core_persist *rec, int n)
{
	struct core_persist	*copy = malloc((size_t)n * sizeof *rec);

	if (copy == NULL)
		return;
	memcpy(copy, rec, (size_t)n * sizeof *rec);
	pthread_mutex_lock(&st->mu);
	free(st->pending);	/* an older copy not yet written */
	st->pending = copy;
	st->npending = n;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

void
state_health(struct state *st, struct state_health *h)
{
	memset(h, 0, sizeof *h);
	if (st->path == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	h->writes = st->writes;
	h->failures = st->failures;
	h->failing = st->failing;
	memcpy(h->err, st->err, sizeof h->err);
	pthread_mutex_unlock(&st->mu);
}

/* The PID written in the lock file fd; 0 when it holds none. */
static long
lock_holder(int fd)
{
	char	buf[32];
	ssize_t	n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Write our PID into the lock file fd; 0 or -1 with errno. */
static int
lock_write_pid(int fd)
{
	char	buf[32];
	int	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n ||
	    fsync(fd) == -1)
		return -1;
	return 0;
}

/* Set *cause from a format; close fd (unless -1); always returns -1. */
static int __attribute__((format(printf, 3, 4)))
lock_fail(char **cause, int fd, const char *fmt, ...)
{
	va_list	ap;

	if (fd != -1)
		close(fd);
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return -1;
}

int
state_lock(const char *dir, int *fd, char **cause)
{
	char	path[4096];
	long	pid;

	*fd = -1;
	*cause = NULL;
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		return lock_fail(cause, -1, "state directory %s: cannot create "
		    "it: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/lock", dir);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1)
		return lock_fail(cause, -1, "state directory %s: cannot create "
		    "its lock file: %s", dir, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			return lock_fail(cause, *fd, "state directory %s: "
			    "cannot lock %s: %s", dir, path, strerror(errno));
		if ((pid = lock_holder(*fd)) > 0)
			return lock_fail(cause, *fd, "state directory %s is "
			    "in use by another pumpd, PID %ld (%s)", dir, pid,
			    path);
		return lock_fail(cause, *fd, "state directory %s is in use "
		    "by another pumpd, PID unknown (%s)", dir, path);
	}
	if (lock_write_pid(*fd) == -1 || access(dir, W_OK | X_OK) == -1)
		return lock_fail(cause, *fd, "state directory %s is not "
		    "writable: %s", dir, strerror(errno));
	return 0;
}

void
state_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

void
state_close(struct state *st)
{
	if (st->path == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->thr, NULL);
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->cv);
	free(st->pending);
	free(st->path);
	st->path = NULL;
}

int
state_load(const char *dir, struct core_persist **rec, int *n, char **cause)
{
	struct state_hdr	 h;
	char			 path[4096];
	FILE			*f;

	*rec = NULL;
	*n = 0;
	*cause = NULL;
	snprintf(path, sizeof path, "%s/state", dir);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 1;
		if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
			*cause = NULL;
		return -1;
	}
	if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, STATE_MAGIC,
	    sizeof h.magic) != 0 || h.version != STATE_VERSION ||
	    h.recsize != sizeof **rec || h.count > 10000) {
		if (asprintf(cause, "%s: not a state file of this pumpd "
		    "(ignored)", path) == -1)
			*cause = NULL;
		fclose(f);
		return -1;
	}
	if ((*rec = calloc(h.count + 1, sizeof **rec)) == NULL ||
	    fread(*rec, sizeof **rec, h.count, f) != h.count) {
		if (asprintf(cause, "%s: truncated (ignored)", path) == -1)
			*cause = NULL;
		free(*rec);
		*rec = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	*n = (int)h.count;
	return 0;
}
