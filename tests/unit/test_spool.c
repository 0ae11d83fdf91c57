/*
 * The metrics spool: order, acknowledgement across a restart, segments
 * rolled and removed, a full spool dropping the oldest first and counting,
 * torn and corrupt records skipped and counted; as a write-ahead log: the
 * hold of the live path, records delivered out of order, replay spans; a
 * full file system (a real tmpfs, when root may mount one), a directory
 * that cannot be written, leftovers of a crash, two writers at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_spool.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "%s/fs", dir);
	umount2(cmd, MNT_DETACH);
	snprintf(cmd, sizeof cmd, "%s/ro", dir);
	umount2(cmd, MNT_DETACH);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

/* The segment files in the directory. */
static int
nsegs(void)
{
	char	cmd[128];
	FILE	*p;
	int	n = -1;

	snprintf(cmd, sizeof cmd, "ls %s | grep -c 'seg$'", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

/* Append batch "b<i>" with i points. */
static void
append(struct spool *s, int i)
{
	char	buf[64], *cause = NULL;

	snprintf(buf, sizeof buf, "m v=%di %d\n", i, i);
	assert_int_equal(spool_append(s, buf, strlen(buf), 1, NULL, &cause), 0);
}

/* Peek and expect batch i; ack it when ack. */
static void
expect(struct spool *s, int i, int ack)
{
	char		*data, want[64];
	size_t		 len;
	uint32_t	 n;

	snprintf(want, sizeof want, "m v=%di %d\n", i, i);
	assert_int_equal(spool_peek(s, 1, &data, &len, &n), 0);
	assert_string_equal(data, want);
	assert_int_equal(n, 1);
	free(data);
	if (ack)
		spool_ack(s);
}

static void
test_order_and_restart(void **state)
{
	struct spool	 s;
	char		*cause = NULL, *data;
	size_t		 len;
	uint32_t	 n;
	int		 i;

	(void)state;
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	assert_true(spool_empty(&s));
	assert_int_equal(spool_peek(&s, 1, &data, &len, &n), 1);
	for (i = 0; i < 10; i++)
		append(&s, i);
	assert_false(spool_empty(&s));
	assert_int_equal(s.points, 10);
	for (i = 0; i < 4; i++)
		expect(&s, i, 1);
	expect(&s, 4, 0);	/* peeked, not acknowledged: killed here */
	spool_close(&s);
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	assert_int_equal(s.points, 6);
	for (i = 4; i < 10; i++)
		expect(&s, i, 1);
	assert_true(spool_empty(&s));
	append(&s, 10);	/* appends go to a fresh segment after a restart */
	expect(&s, 10, 1);
	assert_true(spool_empty(&s));
	assert_int_equal(s.dropped_points, 0);
	assert_int_equal(s.corrupt, 0);
	spool_close(&s);
}

static void
test_full_drops_oldest(void **state)
{
	struct spool	s;
	char		*cause = NULL;
	int		i;

	(void)state;
	/* 16 KiB bound, 4 KiB segments, ~30-byte records */
	assert_int_equal(spool_open(&s, dir, 16384, &cause), 0);
	for (i = 100; i < 1100; i++)
		append(&s, i);
	assert_true(s.bytes <= 16384);
	assert_true(s.dropped_points > 0);
	assert_int_equal(s.dropped_points + s.points, 1000);
	/* what is left is the newest, in order */
	expect(&s, (int)(100 + s.dropped_points), 1);
	spool_close(&s);
}

/* The spool fills while a batch is out for replay: that batch is neither
 * counted as dropped nor left behind; every other point is either waiting
 * or counted as dropped. */
static void
test_full_while_replaying(void **state)
{
	struct spool	 s;
	char		*cause = NULL, *data;
	size_t		 len;
	uint32_t	 n;
	int		 i;

	(void)state;
	assert_int_equal(spool_open(&s, dir, 16384, &cause), 0);
	append(&s, 100);
	assert_int_equal(spool_peek(&s, 1, &data, &len, &n), 0);	/* out */
	free(data);
	for (i = 101; i < 1100; i++)
		append(&s, i);
	assert_true(s.orphan);
	assert_int_equal(s.dropped_points + s.points + 1, 1000);
	spool_ack(&s);		/* delivered after all: nothing to undo */
	assert_false(s.orphan);
	assert_int_equal(s.dropped_points + s.points + 1, 1000);
	expect(&s, (int)(100 + 1 + s.dropped_points), 1);
	while (spool_peek(&s, 1, &data, &len, &n) == 0) {
		free(data);
		spool_ack(&s);
	}
	assert_int_equal(s.points, 0);
	assert_true(s.bytes <= s.seg_max);	/* read ones removed */
	spool_close(&s);
	assert_int_equal(nsegs(), 0);	/* caught up: the last one too */
}

static void
test_torn_and_corrupt(void **state)
{
	struct spool	 s;
	char		*cause = NULL, path[256];
	int		 fd;

	(void)state;
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	append(&s, 1);
	append(&s, 2);
	append(&s, 3);
	snprintf(path, sizeof path, "%s/%016llu.seg", dir,
	    (unsigned long long)s.wseq);
	spool_close(&s);
	/* flip a payload byte of record 2, tear a header at the end */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 16 + 12 + 16 + 2), 1);
	assert_int_equal(pwrite(fd, "PSP1\x10", 5, lseek(fd, 0, SEEK_END)), 5);
	close(fd);
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	expect(&s, 1, 1);
	expect(&s, 3, 1);
	assert_int_equal(s.corrupt, 1);
	assert_true(spool_empty(&s));
	assert_int_equal(s.corrupt, 2);	/* the torn header */
	append(&s, 4);
	expect(&s, 4, 1);
	spool_close(&s);
}

/* Append batch i with i % 7 + 1 points, its place in *at. */
static void
append_at(struct spool *s, int i, struct spool_pos *at)
{
	char	buf[64], *cause = NULL;

	snprintf(buf, sizeof buf, "m v=%di %d\n", i, i);
	assert_int_equal(spool_append(s, buf, strlen(buf),
	    (uint32_t)(i % 7 + 1), at, &cause), 0);
}

/* The live path holds the newest records: the replay stops before them;
 * those it delivers behind a backlog are marked on disk and never
 * replayed, also after a restart; those first in line just move the head;
 * a peek gathers several records up to max_points. */
static void
test_hold_and_done(void **state)
{
	struct spool		 s;
	struct spool_pos	 at[12];
	char			*cause = NULL, *data;
	size_t			 len, rl = strlen("m v=4i 4\n");
	uint32_t		 n;
	int			 i;

	(void)state;
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	for (i = 0; i < 10; i++)
		append_at(&s, i, &at[i]);
	/* 1 + 2 + 3 points; with 4 more it would pass max_points 7 */
	assert_int_equal(spool_peek(&s, 7, &data, &len, &n), 0);
	assert_string_equal(data, "m v=0i 0\nm v=1i 1\nm v=2i 2\n");
	assert_int_equal(n, 6);
	free(data);
	spool_release(&s);
	spool_hold(&s, &at[4]);		/* live owns 4..9, 0..3 wait */
	for (i = 4; i < 8; i++)		/* live delivered 4..7 */
		spool_done(&s, &at[i], rl, (uint32_t)(i % 7 + 1));
	spool_hold(&s, &at[8]);
	spool_trim(&s);
	spool_close(&s);		/* killed here, say */
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	assert_int_equal(s.points, 1 + 2 + 3 + 4 + 2 + 3);
	assert_int_equal(spool_peek(&s, 100, &data, &len, &n), 0);
	assert_string_equal(data, "m v=0i 0\nm v=1i 1\nm v=2i 2\n"
	    "m v=3i 3\nm v=8i 8\nm v=9i 9\n");
	assert_int_equal(n, 15);
	free(data);
	spool_ack(&s);
	assert_true(spool_empty(&s));
	assert_int_equal(nsegs(), 0);	/* the earlier run's: gone */
	/* no backlog: delivering the first in line moves the head
	 * ("m v=10i 10\n" is two bytes longer) */
	append_at(&s, 10, &at[10]);
	append_at(&s, 11, &at[11]);
	spool_hold(&s, &at[10]);
	assert_int_equal(spool_peek(&s, 100, &data, &len, &n), 1);
	spool_done(&s, &at[10], rl + 2, 10 % 7 + 1);
	spool_done(&s, &at[11], rl + 2, 11 % 7 + 1);
	spool_hold(&s, NULL);
	spool_trim(&s);
	assert_int_equal(s.points, 0);
	assert_true(spool_empty(&s));
	assert_int_equal(s.corrupt, 0);
	spool_close(&s);
	assert_int_equal(nsegs(), 0);	/* all delivered: nothing left */
}

/* Add the values of the lines of text ("m v=<i>i <i>") to v[*nv]. */
static void
values(const char *text, int *v, int *nv)
{
	const char	*p;

	for (p = text; (p = strstr(p, "v=")) != NULL; p += 2)
		v[(*nv)++] = atoi(p + 2);
}

/* Read ahead the span after the one out, as the writer's prep thread
 * does; 0 with the span read, else spool_span_at's answer. */
static int
read_ahead(struct spool *s, uint32_t max, struct spool_span *sp)
{
	int	rc;

	if ((rc = spool_span_at(s, max, sp)) == 0)
		assert_int_equal(spool_span_read(sp), 0);
	return rc;
}

/* Spans read ahead while the one before is out (spool_span_at, _read,
 * _take), across segments, past records delivered out of order and up to
 * the hold, come out as spool_peek's would: every record to send once, in
 * order.  A span read ahead in a segment that a full spool drops is
 * refused: every point is then delivered once or counted as dropped. */
static void
test_read_ahead(void **state)
{
	struct spool		 s;
	struct spool_span	 sp;
	struct spool_pos	 at[60];
	char			*cause = NULL, *data, buf[64];
	size_t			 len;
	uint32_t		 n;
	uint64_t		 sent = 0, made = 0;
	int			 v[400], nv = 0, i, takes = 0;

	(void)state;
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	s.seg_max = 256;		/* about ten records a segment */
	for (i = 0; i < 60; i++)
		append_at(&s, i, &at[i]);
	spool_hold(&s, &at[19]);	/* live delivers 19..24 behind */
	for (i = 19; i < 25; i++) {	/* a backlog: marked on disk; 19
					 * begins the third segment */
		snprintf(buf, sizeof buf, "m v=%di %d\n", i, i);
		spool_done(&s, &at[i], strlen(buf), (uint32_t)(i % 7 + 1));
	}
	spool_hold(&s, &at[50]);	/* and holds 50..59 */
	assert_int_equal(spool_peek(&s, 10, &data, &len, &n), 0);
	values(data, v, &nv);
	free(data);
	while (read_ahead(&s, 10, &sp) == 0) {
		spool_ack(&s);
		assert_int_equal(spool_span_take(&s, &sp, &data, &len, &n), 0);
		values(data, v, &nv);
		free(data);
		takes++;
	}
	spool_ack(&s);
	assert_true(takes >= 5);
	assert_int_equal(nv, 44);
	for (i = 0; i < nv; i++)
		assert_int_equal(v[i], i < 19 ? i : i + 6);
	assert_int_equal(spool_peek(&s, 10, &data, &len, &n), 1);
	/* the live path gives 50..59 back; a span is out and the next read
	 * ahead when a full spool drops both their segments */
	spool_hold(&s, NULL);
	nv = 0;
	assert_int_equal(spool_peek(&s, 10, &data, &len, &n), 0);
	values(data, v, &nv);
	sent += n;
	free(data);
	assert_int_equal(read_ahead(&s, 10, &sp), 0);
	s.max_bytes = 2048;
	for (i = 60; i < 260; i++)
		append(&s, i);
	assert_true(s.orphan);
	spool_ack(&s);			/* delivered after all */
	assert_int_equal(spool_span_take(&s, &sp, &data, &len, &n), 1);
	spool_span_free(&sp);
	while (spool_peek(&s, 10, &data, &len, &n) == 0) {
		values(data, v, &nv);
		sent += n;
		free(data);
		spool_ack(&s);
	}
	for (i = 1; i < nv; i++)
		assert_true(v[i] > v[i - 1]);	/* nothing twice */
	for (i = 50, made = 200; i < 60; i++)	/* 50..59 and 60..259 */
		made += (uint64_t)(i % 7 + 1);
	assert_true(s.dropped_points > 0);
	assert_int_equal(s.points, 0);
	assert_int_equal(sent + s.dropped_points, made);
	spool_close(&s);
}

/* Mount a tmpfs of kb KiB on path; 0, or -1 (and a skip) when the test
 * may not mount. */
static int
small_fs(const char *path, int kb)
{
	char	opt[32];

	snprintf(opt, sizeof opt, "size=%dk", kb);
	if (mount("tmpfs", path, "tmpfs", 0, opt) == -1) {
		print_message("cannot mount a tmpfs (%s): skipped, needs "
		    "root\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Fill the file system under path but for about free_kb KiB. */
static void
fill(const char *path, int free_kb)
{
	char		 f[256], buf[1024];
	struct statvfs	 v;
	int		 fd;

	memset(buf, 0, sizeof buf);
	snprintf(f, sizeof f, "%s/other", path);
	assert_true((fd = open(f, O_WRONLY | O_CREAT, 0600)) >= 0);
	while (statvfs(path, &v) == 0 && v.f_bavail * v.f_frsize >
	    (unsigned long)free_kb * 1024 && write(fd, buf, sizeof buf) > 0)
		;
	close(fd);
}

/* A file system that fills: appends never fail, the oldest segment goes
 * first (counted), what is kept is the newest without a hole, and no
 * segment holds a torn record. */
static void
test_disk_full(void **state)
{
	struct spool	 s;
	char		*cause = NULL, *data, mnt[128], want[64];
	size_t		 len;
	uint32_t	 n;
	int		 i, first;

	(void)state;
	snprintf(mnt, sizeof mnt, "%s/fs", dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (small_fs(mnt, 256) == -1)
		skip();
	fill(mnt, 48);
	assert_int_equal(spool_open(&s, mnt, 1 << 30, &cause), 0);
	for (i = 0; i < 5000; i++)
		append_at(&s, i, NULL);
	assert_true(s.dropped_points > 0);
	/* every point is waiting or counted as dropped */
	for (i = 0, len = 0; i < 5000; i++)
		len += (size_t)(i % 7 + 1);
	assert_int_equal(s.points + s.dropped_points, len);
	spool_close(&s);
	/* a fresh reader finds no torn record, and the newest, in order */
	assert_int_equal(spool_open(&s, mnt, 1 << 30, &cause), 0);
	assert_int_equal(spool_peek(&s, 1, &data, &len, &n), 0);
	assert_int_equal(sscanf(data, "m v=%di", &first), 1);
	free(data);
	spool_release(&s);
	assert_true(first > 0);
	for (i = first; i < 5000; i++) {
		snprintf(want, sizeof want, "m v=%di %d\n", i, i);
		assert_int_equal(spool_peek(&s, 1, &data, &len, &n), 0);
		assert_string_equal(data, want);
		free(data);
		spool_ack(&s);
	}
	assert_true(spool_empty(&s));
	assert_int_equal(s.corrupt, 0);
	spool_close(&s);
	assert_int_equal(umount(mnt), 0);
}

/* A directory that cannot be written: open says why and the spool works
 * as soon as the directory can be made, trying at most once a second. */
static void
test_unwritable(void **state)
{
	struct spool	 s;
	char		*cause = NULL, path[128], sub[160];
	FILE		*f;

	(void)state;
	snprintf(path, sizeof path, "%s/notadir", dir);
	snprintf(sub, sizeof sub, "%s/spool", path);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(spool_open(&s, sub, 1 << 20, &cause), -1);
	assert_non_null(strstr(cause, "Not a directory"));
	free(cause);
	assert_int_equal(spool_append(&s, "m v=1i 1\n", 9, 1, NULL, &cause),
	    -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	/* within the second: still failing fast, no system call */
	assert_int_equal(spool_append(&s, "m v=1i 1\n", 9, 1, NULL, &cause),
	    -1);
	free(cause);
	usleep(1100 * 1000);
	append(&s, 2);
	expect(&s, 2, 1);
	spool_close(&s);
}

/* A read-only file system: appends fail, never a crash, nothing counted;
 * what an earlier run left there is still replayed. */
static void
test_read_only(void **state)
{
	struct spool	 s;
	char		*cause = NULL, mnt[128];

	(void)state;
	snprintf(mnt, sizeof mnt, "%s/ro", dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (small_fs(mnt, 64) == -1)
		skip();
	assert_int_equal(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY,
	    NULL), 0);
	assert_int_equal(spool_open(&s, mnt, 1 << 20, &cause), -1);
	assert_non_null(strstr(cause, "Read-only"));
	free(cause);
	assert_int_equal(spool_append(&s, "m v=1i 1\n", 9, 1, NULL, &cause),
	    -1);
	free(cause);
	assert_int_equal(s.points, 0);
	spool_close(&s);
	/* data left by an earlier run on a disk now read-only: replayed */
	assert_int_equal(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, NULL), 0);
	assert_int_equal(spool_open(&s, mnt, 1 << 20, &cause), 0);
	append(&s, 1);
	spool_close(&s);
	assert_int_equal(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY,
	    NULL), 0);
	assert_int_equal(spool_open(&s, mnt, 1 << 20, &cause), -1);
	free(cause);
	assert_int_equal(spool_append(&s, "m v=2i 2\n", 9, 1, NULL, &cause),
	    -1);
	free(cause);
	assert_int_equal(s.points, 1);
	expect(&s, 1, 1);	/* reading still works */
	spool_close(&s);
	assert_int_equal(umount(mnt), 0);
}

/* What a crash or a failed write leaves: a stale ack.tmp, an empty
 * segment, a segment older than the replay position; all removed. */
static void
test_leftovers(void **state)
{
	struct spool	 s;
	char		*cause = NULL, path[256];
	FILE		*f;
	struct stat	 st;

	(void)state;
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	append(&s, 1);
	spool_close(&s);
	snprintf(path, sizeof path, "%s/ack.tmp", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof path, "%s/%016d.seg", dir, 7);
	assert_non_null(f = fopen(path, "w"));	/* empty */
	fclose(f);
	snprintf(path, sizeof path, "%s/ack", dir);
	assert_non_null(f = fopen(path, "w"));	/* segment 1 delivered */
	fprintf(f, "2 0\n");
	fclose(f);
	snprintf(path, sizeof path, "%s/%016d.seg", dir, 2);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	snprintf(path, sizeof path, "%s/ack.tmp", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof path, "%s/%016d.seg", dir, 7);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof path, "%s/%016d.seg", dir, 1);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(s.bytes, 0);
	assert_true(spool_empty(&s));
	spool_close(&s);
}

/* One writer thread of test_two_writers. */
static void *
writer(void *arg)
{
	struct spool	*s = arg;
	char		 buf[600], *cause = NULL;
	int		 i;

	for (i = 0; i < 2000; i++) {
		memset(buf, 'a' + i % 26, sizeof buf);
		buf[sizeof buf - 1] = '\n';
		if (spool_append(s, buf, sizeof buf, 1, NULL, &cause) == -1)
			free(cause);
	}
	return NULL;
}

/* Two writers on one directory at once (a second pumpd the lock did not
 * stop): records never interleave, each is whole. */
static void
test_two_writers(void **state)
{
	struct spool	 a, b, r;
	pthread_t	 ta, tb;
	char		*cause = NULL, *data;
	size_t		 len;
	uint32_t	 n;
	int		 got = 0;

	(void)state;
	assert_int_equal(spool_open(&a, dir, 1 << 30, &cause), 0);
	assert_int_equal(spool_open(&b, dir, 1 << 30, &cause), 0);
	pthread_create(&ta, NULL, writer, &a);
	pthread_create(&tb, NULL, writer, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	spool_close(&a);
	spool_close(&b);
	assert_int_equal(spool_open(&r, dir, 1 << 30, &cause), 0);
	while (spool_peek(&r, 1, &data, &len, &n) == 0) {
		assert_int_equal(len, 600);
		free(data);
		spool_ack(&r);
		got++;
	}
	assert_int_equal(r.corrupt, 0);
	assert_int_equal(got, 4000);
	spool_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_drops_oldest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_while_replaying,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hold_and_done, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_leftovers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
