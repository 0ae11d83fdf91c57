/*
 * The metrics spool: order, acknowledgement across a restart, segments
 * rolled and removed, a full spool dropping the oldest first and counting,
 * torn and corrupt records skipped and counted.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
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
	assert_int_equal(s.bytes, 0);	/* caught up: segments removed */
	spool_close(&s);
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
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
