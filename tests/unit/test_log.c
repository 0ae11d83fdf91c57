/*
 * cmocka tests of the log (daemon/log.c): stderr goes to a temporary file
 * for each test, which then reads back what was written.  Shows the plain
 * and the journal line heads, the detection of the journal from
 * JOURNAL_STREAM, log_at's priority, debug lines only when verbose, and
 * the rate limiting of repeated messages with its count.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

struct cap {
	FILE	*f;
	int	 saved;
};

/* Send stderr to a fresh temporary file. */
static int
cap_setup(void **state)
{
	static struct cap	c;

	c.f = tmpfile();
	assert_non_null(c.f);
	c.saved = dup(STDERR_FILENO);
	assert_int_not_equal(dup2(fileno(c.f), STDERR_FILENO), -1);
	unsetenv("JOURNAL_STREAM");
	log_init("test", 0, 0);
	*state = &c;
	return 0;
}

/* Put stderr back. */
static int
cap_teardown(void **state)
{
	struct cap	*c = *state;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	fclose(c->f);
	return 0;
}

/* What was written to stderr so far, in buf. */
static const char *
cap_read(struct cap *c, char *buf, size_t len)
{
	size_t	n;

	rewind(c->f);
	n = fread(buf, 1, len - 1, c->f);
	buf[n] = '\0';
	return buf;
}

/* How many lines of buf contain s. */
static int
count_lines(const char *buf, const char *s)
{
	const char	*p = buf, *nl;
	int		 n = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (memmem(p, (size_t)(nl - p), s, strlen(s)) != NULL)
			n++;
		p = *nl != '\0' ? nl + 1 : nl;
	}
	return n;
}

/* Plain text: the wall time, then the message; no priority prefix. */
static void
test_plain(void **state)
{
	char	buf[4096];
	int	hh, mm, ss;

	log_info("station %s: %s", "gegu-east", "storm mode on");
	cap_read(*state, buf, sizeof buf);
	assert_int_equal(sscanf(buf, "%2d:%2d:%2d ", &hh, &mm, &ss), 3);
	assert_string_equal(buf + 9, "station gegu-east: storm mode on\n");
}

/* The journal: "<N>" heads by priority, no time. */
static void
test_journal_prefixes(void **state)
{
	char	buf[4096];

	log_init("test", 1, 1);
	log_info("plc %s: answering again", "gegu-east");
	log_warnx("station %s: level lost", "gegu-east");
	errno = ENOENT;
	log_warn("state: %s", "/x");
	log_debug("a detail");
	log_errx("reload refused: %s", "x.conf: 1 error");
	log_notice("reload: %s", "no change");
	cap_read(*state, buf, sizeof buf);
	assert_string_equal(buf, "<6>plc gegu-east: answering again\n"
	    "<4>station gegu-east: level lost\n"
	    "<4>state: /x: No such file or directory\n"
	    "<7>a detail\n"
	    "<3>reload refused: x.conf: 1 error\n"
	    "<5>reload: no change\n");
}

/* log_at takes its priority as an argument (an alarm's change is logged
 * at the alarm's own), and a debug one only when verbose. */
static void
test_log_at(void **state)
{
	char	buf[4096];

	log_init("test", 1, 0);
	log_at(LOG_PRI_ERR, "station %s: alarm %d raised", "gegu-east", 7);
	log_at(LOG_PRI_NOTICE, "station %s: alarm %d cleared", "gegu-east", 7);
	log_at(LOG_PRI_DEBUG, "hidden");
	cap_read(*state, buf, sizeof buf);
	assert_string_equal(buf, "<3>station gegu-east: alarm 7 raised\n"
	    "<5>station gegu-east: alarm 7 cleared\n");
}

/* Debug lines only when verbose. */
static void
test_debug_quiet(void **state)
{
	char	buf[4096];

	log_init("test", 1, 0);
	log_debug("hidden");
	log_info("shown");
	cap_read(*state, buf, sizeof buf);
	assert_string_equal(buf, "<6>shown\n");
}

/* JOURNAL_STREAM names stderr's device:inode: the journal; else not. */
static void
test_journal_detect(void **state)
{
	struct cap	*c = *state;
	struct stat	 sb;
	char		 env[64];

	assert_int_equal(log_journal(), 0);
	assert_int_equal(fstat(fileno(c->f), &sb), 0);
	snprintf(env, sizeof env, "%llu:%llu",
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	assert_int_equal(log_journal(), 1);
	snprintf(env, sizeof env, "%llu:%llu",
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino + 1);
	setenv("JOURNAL_STREAM", env, 1);
	assert_int_equal(log_journal(), 0);
	setenv("JOURNAL_STREAM", "garbage", 1);
	assert_int_equal(log_journal(), 0);
	unsetenv("JOURNAL_STREAM");
}

/* An episode of 58 messages: one line, then "repeated 57 times" at its
 * end; the next message starts a new episode and is logged. */
static void
test_limit_episode(void **state)
{
	struct log_limit	lim;
	char			buf[8192];
	int			i, out = 0;

	memset(&lim, 0, sizeof lim);
	log_init("test", 1, 0);
	for (i = 0; i < 58; i++)
		out += log_limited(&lim, LOG_PRI_WARN, 1000 + i * 100,
		    600000, "plc %s: read timeout", "gegu-east");
	assert_int_equal(out, 1);
	assert_int_equal(log_limit_end(&lim, LOG_PRI_INFO), 57);
	assert_int_equal(log_limit_end(&lim, LOG_PRI_INFO), 0);
	assert_int_equal(log_limited(&lim, LOG_PRI_WARN, 90000, 600000,
	    "plc %s: read timeout", "gegu-east"), 1);
	cap_read(*state, buf, sizeof buf);
	assert_string_equal(buf, "<4>plc gegu-east: read timeout\n"
	    "<6>plc gegu-east: read timeout: repeated 57 times\n"
	    "<4>plc gegu-east: read timeout\n");
}

/* A long episode says so every every_ms, with the count since its last
 * line; an episode of one message ends silently. */
static void
test_limit_periodic(void **state)
{
	struct log_limit	lim;
	char			buf[8192];
	int64_t			ms;

	memset(&lim, 0, sizeof lim);
	log_init("test", 1, 0);
	for (ms = 0; ms <= 25000; ms += 1000)
		log_limited(&lim, LOG_PRI_WARN, ms, 10000, "station x: %s",
		    "level lost");
	log_limit_end(&lim, LOG_PRI_INFO);
	cap_read(*state, buf, sizeof buf);
	assert_string_equal(buf, "<4>station x: level lost\n"
	    "<4>station x: level lost (repeated 10 times)\n"
	    "<4>station x: level lost (repeated 10 times)\n"
	    "<6>station x: level lost: repeated 5 times\n");
	memset(&lim, 0, sizeof lim);
	log_limited(&lim, LOG_PRI_WARN, 0, 10000, "once");
	assert_int_equal(log_limit_end(&lim, LOG_PRI_INFO), 0);
	cap_read(*state, buf, sizeof buf);
	assert_int_equal(count_lines(buf, "once"), 1);
}

/* Overlong messages are cut and still end in one newline. */
static void
test_long_line(void **state)
{
	char	big[2000], buf[4096];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_init("test", 1, 0);
	log_info("%s", big);
	cap_read(*state, buf, sizeof buf);
	assert_true(strlen(buf) < LOG_LINE_MAX + 32);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	assert_int_equal(count_lines(buf, "aaa"), 1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_plain, cap_setup,
		    cap_teardown),
		cmocka_unit_test_setup_teardown(test_journal_prefixes,
		    cap_setup, cap_teardown),
		cmocka_unit_test_setup_teardown(test_log_at, cap_setup,
		    cap_teardown),
		cmocka_unit_test_setup_teardown(test_debug_quiet, cap_setup,
		    cap_teardown),
		cmocka_unit_test_setup_teardown(test_journal_detect,
		    cap_setup, cap_teardown),
		cmocka_unit_test_setup_teardown(test_limit_episode,
		    cap_setup, cap_teardown),
		cmocka_unit_test_setup_teardown(test_limit_periodic,
		    cap_setup, cap_teardown),
		cmocka_unit_test_setup_teardown(test_long_line, cap_setup,
		    cap_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
