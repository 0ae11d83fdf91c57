/*
 * The log.  See log.h.  The settings below are the one piece of module
 * state: written by log_init at start-up, before any thread exists, and
 * read-only afterwards.  Lines are built in a local buffer and written
 * with one write(2) to stderr, which is what makes logging thread-safe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	const char	*name;
	int		 journal;
	int		 verbose;
} log_cfg = { "pumpd", 0, 0 };

int
log_journal(void)
{
	const char		*env = getenv("JOURNAL_STREAM");
	struct stat		 sb;
	unsigned long long	 dev, ino;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &sb) == -1)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(const char *name, int journal, int verbose)
{
	log_cfg.name = name;
	log_cfg.journal = journal;
	log_cfg.verbose = verbose;
}

/* The line's head: "<N>" for the journal, the wall time otherwise. */
static int
log_head(int prio, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t;

	if (log_cfg.journal)
		return snprintf(buf, len, "<%d>", prio);
	t = time(NULL);
	localtime_r(&t, &tm);
	return (int)strftime(buf, len, "%H:%M:%S ", &tm);
}

void
log_vlog(int prio, const char *fmt, va_list ap)
{
	char	line[LOG_LINE_MAX + 32];
	int	n, m;

	if (prio == LOG_PRI_DEBUG && !log_cfg.verbose)
		return;
	n = log_head(prio, line, sizeof line);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) == -1)
		return;	/* nowhere left to say it */
}

void
log_at(int prio, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(prio, fmt, ap);
	va_end(ap);
}

/* A message at prio with ": strerror(e)" behind it. */
static void __attribute__((format(printf, 3, 0)))
log_verr(int prio, int e, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX];

	vsnprintf(msg, sizeof msg, fmt, ap);
	log_at(prio, "%s: %s", msg, strerror(e));
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_verr(LOG_PRI_WARN, e, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_PRI_WARN, fmt, ap);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_PRI_ERR, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_PRI_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_PRI_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_PRI_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_at(LOG_PRI_CRIT, "%s: fatal: %s: %s", log_cfg.name, msg,
	    strerror(e));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_at(LOG_PRI_CRIT, "%s: fatal: %s", log_cfg.name, msg);
	exit(1);
}

int
log_limited(struct log_limit *lim, int prio, int64_t now_ms,
    int64_t every_ms, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(lim->msg, sizeof lim->msg, fmt, ap);
	va_end(ap);
	if (!lim->active) {
		lim->active = 1;
		lim->repeats = 0;
		lim->last_ms = now_ms;
		log_at(prio, "%s", lim->msg);
		return 1;
	}
	lim->repeats++;
	if (now_ms - lim->last_ms < every_ms)
		return 0;
	log_at(prio, "%s (repeated %lu times)", lim->msg, lim->repeats);
	lim->repeats = 0;
	lim->last_ms = now_ms;
	return 1;
}

unsigned long
log_limit_end(struct log_limit *lim, int prio)
{
	unsigned long	n = lim->repeats;

	if (lim->active && n > 0)
		log_at(prio, "%s: repeated %lu times", lim->msg, n);
	lim->active = 0;
	lim->repeats = 0;
	return n;
}
