/*
 * The log, in the manner of OpenBSD's log.c: one line per message on
 * stderr, with a priority.  When stderr is the systemd journal (the
 * JOURNAL_STREAM environment variable names stderr's device:inode) each
 * line starts with the journal's "<N>" priority prefix and carries no time
 * (the journal stamps it); otherwise lines are plain text behind the wall
 * time, "HH:MM:SS message".  Things are named one way: "station ID: ...",
 * "plc ID: ...".  Any thread may log: each line goes out in one write(2),
 * so lines never interleave; still, the PLC workers and helper threads
 * prefer to return a cause and let the loop log it.  The settings are made
 * once by log_init before any thread starts, and only read afterwards.
 * A struct log_limit, owned by the caller, rate-limits one kind of message:
 * an episode logs once, then says how often it repeated.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdint.h>

/* Priorities, as syslog(3) and the journal number them. */
#define LOG_PRI_CRIT	2
#define LOG_PRI_ERR	3
#define LOG_PRI_WARN	4
#define LOG_PRI_NOTICE	5
#define LOG_PRI_INFO	6
#define LOG_PRI_DEBUG	7

#define LOG_LINE_MAX	512	/* longer messages are cut */

/* One kind of repeated message, owned by the caller (zeroed to start). */
struct log_limit {
	int		active;		/* an episode is going on */
	unsigned long	repeats;	/* messages not logged since the last */
	int64_t		last_ms;	/* when one was last logged */
	char		msg[LOG_LINE_MAX];	/* the last message */
};

/* Whether stderr is the journal: JOURNAL_STREAM matches its dev:inode. */
int	log_journal(void);

/* Set up: name for fatal lines, journal prefixes or plain text, and
 * whether log_debug prints. */
void	log_init(const char *name, int journal, int verbose);

/* A message at priority prio, from a va_list. */
void	log_vlog(int prio, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* A message at priority prio (an alarm's change at the alarm's own). */
void	log_at(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* A warning, followed by ": " and strerror(errno). */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning. */
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An error the on-call engineer must fix (a refused reload). */
void	log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A normal but significant event (start, stop, a reload applied). */
void	log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Information. */
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Debugging, only when verbose. */
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A start-up failure or a broken invariant: log with strerror(errno), exit 1. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* The same without errno. */
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A message of one episode at now_ms through lim: the first is logged, the
 * rest are counted, and one line "MSG (repeated N times)" goes out when
 * every_ms has passed since the last line.  Returns 1 when a line went out.
 */
int	log_limited(struct log_limit *lim, int prio, int64_t now_ms,
	    int64_t every_ms, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* End the episode of lim: "MSG: repeated N times" when some were not
 * logged; the next message starts a new episode.  Returns the count. */
unsigned long log_limit_end(struct log_limit *lim, int prio);

#endif
