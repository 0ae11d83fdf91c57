/*
 * pumpctl watch: the live status for a storm night.  Every interval it asks
 * pumpd for `status` and `alarms` (each request bounded in time: a pumpd
 * that is away or hangs shows as "pumpd unreachable" and is asked again at
 * the next frame) and draws one frame: a header line (pumpd's time, the
 * warning, the counts of REMOTE / FALLBACK / DOWN stations), the standing
 * alarms by priority (unacknowledged marked `*`), then the stations as
 * `status` sorts them, the nearest to flooding first, each with its
 * overrides (asked for with `overrides`) and its alarms.
 *
 * On a terminal (VT100/ANSI escapes only, so it works over SSH) the frame
 * is drawn in the alternate screen without flicker: cursor home, each line
 * rewritten and cleared to its end only when shorter than the screen, then
 * the rest of the screen cleared; one write a frame.  It fits the width
 * (TIOCGWINSZ, again at SIGWINCH) with more columns from 120 on, and the
 * height (extra alarms and stations counted on a last line).  SIGINT,
 * SIGTERM, SIGHUP and `q` clear the alternate screen (tmux may otherwise
 * bring its lines back after a resize) and restore the primary one, the
 * cursor and the terminal modes, exit 0.  Ctrl-Z (SIGTSTP) does the same
 * before it stops watch; SIGCONT takes the screen and the modes again and
 * redraws at once.  With TERM=dumb or when stdout is not a terminal, plain
 * frames of 80 columns are printed, each followed by a blank line.
 * Signals arrive through a signalfd, so there are no globals.  Text from
 * pumpd is shown with its control characters replaced.  One thread.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "proto.h"
#include "watch.h"

#define ASK_MS		3000	/* one request to pumpd, connect to reply */
#define COMPLETE_MS	1000	/* the same for the completion helper */
#define REPLY_MAX	(4 * 1024 * 1024)
#define ROWS_MAX	256	/* lines of one frame */
#define LINE_BYTES	1024	/* bytes of one line, without escapes */
#define WIDE_COLS	120	/* from this width on, more columns */
#define WIDEST_COLS	160	/* and from this one, the station's name */
#define NAME_COLS	16	/* columns of the name (CJK: 8 characters) */
#define PLAIN_COLS	80
#define COLS_MIN	20
#define ALARM_NAME_MIN	6	/* columns of a cut alarm name, at least */
#define ALARM_ROWS_MIN	3	/* alarm lines shown at least (terminal) */

#define ESC_ENTER	"\033[?1049h\033[?25l"	/* alternate screen, no cursor */
#define ESC_LEAVE	"\033[H\033[2J\033[?25h\033[?1049l"	/* cleared, cursor, primary */

struct watch {
	const char	*path;
	long		 interval_ms;
	long		 count;		/* frames to draw; 0: until stopped */
	int		 tty;		/* escapes and the screen's size */
	int		 cols, rows;
	int		 sigfd;
	sigset_t	 oldmask;
	struct termios	 oldtio;
	int		 tio_saved;	/* oldtio holds the modes found */
	int		 tio_set;	/* watch's modes are in force */
	int		 entered;	/* in the alternate screen */
	json_t		*status;	/* the last replies' data, or NULL */
	json_t		*alarms;
	json_t		*ovr;		/* the overrides' reply, NULL unknown */
	int64_t		 last_ok_ms;	/* pumpd's time at its last reply */
	int		 stop;		/* a signal to stop came */
	char		 err[256];	/* why pumpd did not answer */
	int		 nlines;
	char		 line[ROWS_MAX][LINE_BYTES];
};

/* An alarm as watch sorts and shows it. */
struct watch_alarm {
	json_t	*a;
	int	 prio;		/* 0 the highest; 9 unknown */
	int	 unack;
	int	 rank;		/* its station's place in status */
	size_t	 idx;
};

/* Milliseconds of the monotonic clock. */
static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void	watch_size(struct watch *);
static int	watch_tty_enter(struct watch *);
static void	watch_tty_leave(struct watch *);

/* Ctrl-Z: give the terminal back, stop until continued, take it again. */
static void
watch_suspend(struct watch *w)
{
	sigset_t	set;

	watch_tty_leave(w);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	raise(SIGTSTP);		/* pending while blocked: stops at unblock */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	(void)watch_tty_enter(w);
	watch_size(w);
}

/* Take one signal from w's signalfd: a resize is followed, Ctrl-Z
 * suspends, a continue takes the terminal again (its modes may have been
 * changed meanwhile); anything else sets w->stop.  The caller redraws. */
static void
watch_signal(struct watch *w)
{
	struct signalfd_siginfo	si;

	if (read(w->sigfd, &si, sizeof si) != (ssize_t)sizeof si)
		return;
	if (si.ssi_signo == SIGWINCH)
		watch_size(w);
	else if (si.ssi_signo == SIGTSTP)
		watch_suspend(w);
	else if (si.ssi_signo == SIGCONT) {
		(void)watch_tty_enter(w);
		watch_size(w);
	} else
		w->stop = 1;
}

/* Wait for ev on fd until deadline (mono_ms), following w's signals
 * when w is not NULL: 1 ready, 0 late, -1 an error or a stop. */
static int
watch_wait(struct watch *w, int fd, short ev, int64_t deadline)
{
	struct pollfd	pfd[2] = { { fd, ev, 0 }, { -1, POLLIN, 0 } };
	int64_t		left;
	int		n;

	if (w != NULL)
		pfd[1].fd = w->sigfd;
	for (;;) {
		if ((left = deadline - mono_ms()) <= 0)
			return 0;
		n = poll(pfd, 2, (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			watch_signal(w);
			if (w->stop)
				return -1;
			continue;
		}
		return n > 0 ? 1 : n;
	}
}

/* A non-blocking connection to path: the descriptor, or -1 with err. */
static int
watch_connect(struct watch *w, const char *path, int64_t deadline, char *err,
    size_t n)
{
	struct sockaddr_un	sun;
	socklen_t		len = sizeof errno;
	int			fd, e = 0;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, n, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 || (connect(fd, (struct sockaddr *)&sun, sizeof sun) ==
	    -1 && errno != EINPROGRESS)) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
	} else if (watch_wait(w, fd, POLLOUT, deadline) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1 || e) {
		snprintf(err, n, "%s: %s", path, e ? strerror(e) :
		    "no answer in time");
	} else
		return fd;
	if (fd != -1)
		close(fd);
	return -1;
}

/* Send line on fd by deadline: 0, or -1 with err. */
static int
watch_send(struct watch *w, int fd, const char *line, int64_t deadline,
    char *err, size_t n)
{
	size_t	len = strlen(line), off = 0;
	ssize_t	k;

	while (off < len) {
		if (watch_wait(w, fd, POLLOUT, deadline) != 1) {
			snprintf(err, n, "pumpd took no request in time");
			return -1;
		}
		k = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (k == -1 && errno != EINTR && errno != EAGAIN) {
			snprintf(err, n, "sending: %s", strerror(errno));
			return -1;
		}
		off += k > 0 ? (size_t)k : 0;
	}
	return 0;
}

/* One reply line from fd by deadline (malloc'd), or NULL with err. */
static char *
watch_recv(struct watch *w, int fd, int64_t deadline, char *err, size_t n)
{
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0;
	ssize_t	 k;

	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > REPLY_MAX || (nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		if (watch_wait(w, fd, POLLIN, deadline) != 1) {
			snprintf(err, n, "no reply in %d ms", ASK_MS);
			free(buf);
			return NULL;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		if (memchr(buf + len - (size_t)k, '\n', (size_t)k) != NULL) {
			buf[len] = '\0';
			return buf;
		}
	}
	snprintf(err, n, "pumpd sent no complete reply");
	free(buf);
	return NULL;
}

/*
 * Ask pumpd at path for cmd with its arguments within ms (w, when not
 * NULL, follows its signals meanwhile; a stop ends the wait): 0 with *data
 * (the reply's data, a new reference); -1 with err when pumpd did not
 * answer or answered what is not understood; -2 with err (its error) when
 * it answered anything but ok.
 */
static int
watch_ask(struct watch *w, const char *path, const char *cmd, int argc,
    char **argv, int ms, json_t **data, char *err, size_t n)
{
	int64_t	 deadline = mono_ms() + ms;
	char	*req = proto_request(cmd, argc, argv), *line = NULL;
	json_t	*rep;
	int	 fd = -1, rc = -1;

	if (req == NULL)
		snprintf(err, n, "out of memory");
	else if ((fd = watch_connect(w, path, deadline, err, n)) != -1 &&
	    watch_send(w, fd, req, deadline, err, n) == 0)
		line = watch_recv(w, fd, deadline, err, n);
	if (fd != -1)
		close(fd);
	free(req);
	if (line == NULL)
		return -1;
	rep = json_loads(line, 0, NULL);
	free(line);
	if (!json_is_string(json_object_get(rep, "status")))
		snprintf(err, n, "pumpd's reply is not understood");
	else if (strcmp(json_string_value(json_object_get(rep, "status")),
	    "ok") != 0) {
		snprintf(err, n, "%s: %s", json_string_value(json_object_get(
		    rep, "status")), json_is_string(json_object_get(rep,
		    "error")) ? json_string_value(json_object_get(rep,
		    "error")) : "?");
		rc = -2;
	} else if (json_is_object(json_object_get(rep, "data"))) {
		*data = json_incref(json_object_get(rep, "data"));
		rc = 0;
	} else
		snprintf(err, n, "pumpd's reply has no data");
	json_decref(rep);
	return rc;
}

/* The string member k of o, "" when absent. */
static const char *
str_of(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* The number member k of o, 0 when absent. */
static double
num_of(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* Add a line to the frame from fmt, control characters made '?'. */
static void
frame_add(struct watch *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
frame_add(struct watch *w, const char *fmt, ...)
{
	va_list		 ap;
	unsigned char	*p;

	if (w->nlines == ROWS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(w->line[w->nlines], LINE_BYTES, fmt, ap);
	va_end(ap);
	/* C0 controls, DEL and (UTF-8 C2 80..9F) the C1 ones, CSI among
	 * them: text from pumpd never moves the cursor */
	for (p = (unsigned char *)w->line[w->nlines]; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
	}
	w->nlines++;
}

/* The columns the UTF-8 character at s takes: 2 for the East Asian wide
 * ranges (Hangul, CJK, fullwidth forms), 1 otherwise; its length in *len.
 * No locale is needed. */
static int
char_cols(const unsigned char *s, size_t *len)
{
	uint32_t	c;
	size_t		n, i;

	n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 :
	    (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 1;
	c = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {	/* broken: one byte */
			*len = 1;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*len = n;
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd) ?
	    2 : 1;
}

/* The bytes of s (UTF-8) that fit cols columns, its width in *width. */
static size_t
fit_bytes(const char *s, int cols, int *width)
{
	size_t	i = 0, len;
	int	wd = 0, cw;

	while (s[i]) {
		cw = char_cols((const unsigned char *)s + i, &len);
		if (wd + cw > cols)
			break;
		wd += cw;
		i += len;
	}
	*width = wd;
	return i;
}

/* Append n bytes of s to the growing buffer *b (length *len, room *cap);
 * -1 when out of memory. */
static int
buf_put(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	char	*nb;

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		if ((nb = realloc(*b, *cap)) == NULL)
			return -1;
		*b = nb;
	}
	memcpy(*b + *len, s, n);
	*len += n;
	return 0;
}

/* Write all of b to stdout: 0 or -1. */
static int
write_all(const char *b, size_t len)
{
	ssize_t	k;

	while (len > 0) {
		if ((k = write(STDOUT_FILENO, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Draw the frame in one write: over the last one on a terminal, else
 * plain and followed by a blank line.  0, or -1 when stdout is gone. */
static int
frame_draw(struct watch *w)
{
	char	*b = NULL;
	size_t	 len = 0, cap = 0, nb;
	int	 i, wd, n = w->nlines, rc = 0;

	if (w->tty && n > w->rows)
		n = w->rows;
	if (w->tty)
		rc |= buf_put(&b, &len, &cap, "\033[H", 3);
	for (i = 0; i < n; i++) {
		if (i > 0)
			rc |= buf_put(&b, &len, &cap, w->tty ? "\r\n" : "\n",
			    w->tty ? 2 : 1);
		nb = fit_bytes(w->line[i], w->cols, &wd);
		rc |= buf_put(&b, &len, &cap, w->line[i], nb);
		/* a full line needs no clearing: at the last column the
		 * cursor waits to wrap, and a clear there would erase it */
		if (w->tty && wd < w->cols)
			rc |= buf_put(&b, &len, &cap, "\033[K", 3);
	}
	if (w->tty && n < w->rows)
		rc |= buf_put(&b, &len, &cap, "\r\n\033[J", 5);
	if (!w->tty)
		rc |= buf_put(&b, &len, &cap, "\n\n", 2);
	if (rc == 0)
		rc = write_all(b, len);
	free(b);
	return rc;
}

void
watch_fmt_ttf(json_t *ttf, char *buf, size_t n)
{
	double	s = json_number_value(ttf);

	if (!json_is_number(ttf))
		snprintf(buf, n, "-");
	else if (s < 60)
		snprintf(buf, n, "NOW");
	else if (s < 3600)
		snprintf(buf, n, "%dm", (int)(s / 60));
	else if (s < 86400)
		snprintf(buf, n, "%dh%02d", (int)(s / 3600),
		    (int)s % 3600 / 60);
	else
		snprintf(buf, n, ">24h");
}

#define CLOCK_TIME	0	/* 09:45:12 */
#define CLOCK_DAY	1	/* 11-29 09:45:12 */
#define CLOCK_DATE	2	/* 2026-11-29 09:45:12 */

/* Local time of ms since the epoch, as CLOCK_TIME, _DAY or _DATE. */
static void
fmt_clock(int64_t ms, int how, char *buf, size_t n)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	size_t		k;

	localtime_r(&t, &tm);
	if (how == CLOCK_DATE)
		k = strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	else if (how == CLOCK_DAY)
		k = strftime(buf, n, "%m-%d %H:%M:%S", &tm);
	else
		k = strftime(buf, n, "%H:%M:%S", &tm);
	if (k == 0)
		snprintf(buf, n, "?");
}

/* The level bar of station o, 10 cells: '#' up to the level, '|' at the
 * high-alarm level, '.' above. */
static void
fmt_bar(json_t *o, char *buf, size_t n)
{
	double	lv = num_of(o, "level_m"), fl = num_of(o, "flood_m");
	double	hi = num_of(o, "high_alarm_m"), thr;
	int	i, hic = fl > 0 ? (int)(10 * hi / fl) : -1;

	if (n < 13 || !json_is_number(json_object_get(o, "level_m")) ||
	    fl <= 0) {
		snprintf(buf, n, "[    --    ]");
		return;
	}
	buf[0] = '[';
	for (i = 0; i < 10; i++) {
		thr = fl * (i + 0.5) / 10;
		buf[i + 1] = lv >= thr ? '#' : i == hic ? '|' : '.';
	}
	buf[11] = ']';
	buf[12] = '\0';
}

/* The mode as watch shows it, shortened on 80 columns. */
static const char *
fmt_mode(const char *mode, int wide)
{
	if (!wide && strcmp(mode, "PLC-FALLBACK") == 0)
		return "FALLBACK";
	return mode;
}

/* The alarms of station o in at most room columns, into buf (watch.h). */
void
watch_fit_alarms(json_t *a, int room, char *buf, size_t n)
{
	size_t		 i, k = json_array_size(a), len = 0;
	const char	*first;
	char		 more[32];
	int		 nl;

	buf[0] = '\0';
	for (i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
		    i ? "," : "", json_string_value(json_array_get(a, i)) ?
		    json_string_value(json_array_get(a, i)) : "?");
	if (room < 0 || (int)strlen(buf) <= room)
		return;
	/* too long: the first (the station's most urgent) and "+N" */
	first = json_string_value(json_array_get(a, 0)) ?
	    json_string_value(json_array_get(a, 0)) : "?";
	snprintf(more, sizeof more, k > 1 ? " +%zu" : "", k - 1);
	nl = room - (int)strlen(more);
	if (nl >= ALARM_NAME_MIN)
		snprintf(buf, n, "%.*s%s", nl, first, more);
	else if (snprintf(buf, n, "%zu alarm%s", k, k == 1 ? "" : "s") >
	    room && snprintf(buf, n, "%zu al", k) > room)
		snprintf(buf, n, "%.*s", room, "");
}

/* A time left of s seconds: "45s", "14m", "1h05", "forever" (null). */
static void
fmt_left(json_t *left, char *buf, size_t n)
{
	json_int_t	s = json_integer_value(left);

	if (!json_is_integer(left))
		snprintf(buf, n, "forever");
	else if (s < 60)
		snprintf(buf, n, "%llds", (long long)(s < 0 ? 0 : s));
	else if (s < 3600)
		snprintf(buf, n, "%lldm", (long long)s / 60);
	else
		snprintf(buf, n, "%lldh%02lld", (long long)s / 3600,
		    (long long)s % 3600 / 60);
}

/* The overrides in force at station id, each "p2 run 14m" ("local 1h05"
 * for the station), in brackets when brackets, comma-separated if not. */
static void
fmt_overrides(struct watch *w, const char *id, int brackets, char *buf,
    size_t n)
{
	watch_fmt_overrides(json_object_get(w->ovr, "overrides"), id,
	    brackets, buf, n);
}

/* The overrides of array a (pumpd's "overrides") at station id, as
 * fmt_overrides; pumpctl status and show use it too. */
void
watch_fmt_overrides(json_t *a, const char *id, int brackets, char *buf,
    size_t n)
{
	json_t	*o;
	char	 pump[32] = "", left[48];
	size_t	 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(a) && len < n; i++) {
		o = json_array_get(a, i);
		if (strcmp(str_of(o, "station"), id) != 0)
			continue;
		if (json_integer_value(json_object_get(o, "pump")) > 0)
			snprintf(pump, sizeof pump, "p%lld ", (long long)
			    json_integer_value(json_object_get(o, "pump")));
		else
			pump[0] = '\0';
		fmt_left(json_object_get(o, "left_s"), left, sizeof left);
		if (strcmp(str_of(o, "kind"), "lockout") == 0)
			left[0] = '\0';
		len += (size_t)snprintf(buf + len, n - len, "%s%s%s%s%s%s",
		    brackets ? "[" : len ? "," : "", pump, str_of(o, "kind"),
		    *left ? " " : "", left, brackets ? "]" : "");
	}
}

/* The station cell: id (20 columns), with its name on the widest
 * screens; of station o, or the titles when o is NULL. */
static void
fmt_station_cell(json_t *o, int wide, char *buf, size_t n)
{
	const char	*name = o ? str_of(o, "name") : "NAME";
	size_t		 nb;
	int		 wd;

	snprintf(buf, n, "%-20.20s", o ? str_of(o, "id") : "STATION");
	if (wide < 2)
		return;
	nb = fit_bytes(name, NAME_COLS, &wd);
	snprintf(buf + strlen(buf), n - strlen(buf), " %.*s%*s", (int)nb,
	    name, NAME_COLS - wd, "");
}

/* Add the station line head followed by the alarms a, fitted to the
 * columns left (a space between them when sep), so that the line never
 * runs off the screen. */
static void
frame_alarm_cell(struct watch *w, const char *head, json_t *a, int sep)
{
	char	al[512];
	int	wd, room;

	fit_bytes(head, LINE_BYTES, &wd);
	room = w->cols - wd - (sep && json_array_size(a) > 0);
	watch_fit_alarms(a, room < 0 ? 0 : room, al, sizeof al);
	frame_add(w, "%s%s%s", head, sep && *al ? " " : "", al);
}

/* The level of station o, its share of the flood level and its time to
 * flood, as the columns show them. */
static void
fmt_level(json_t *o, char level[16], char pct[16], char ttf[16])
{
	json_t	*lv = json_object_get(o, "level_m");
	double	 fl = num_of(o, "flood_m");

	snprintf(level, 16, "   --");
	snprintf(pct, 16, "  --");
	if (json_is_number(lv)) {
		snprintf(level, 16, "%5.2f", json_number_value(lv));
		snprintf(pct, 16, "%3.0f%%", fl > 0 ? 100 *
		    json_number_value(lv) / fl : 0);
	}
	watch_fmt_ttf(json_object_get(o, "ttf_s"), ttf, 16);
}

/* The 80-column station columns of o into buf (watch.h). */
void
watch_fmt_station(json_t *o, char *buf, size_t n)
{
	json_t	*lv = json_object_get(o, "level_m");
	char	 level[16], pct[16], ttf[16];

	fmt_level(o, level, pct, ttf);
	snprintf(buf, n, "%-16.16s %s %s%c %5s %5.1f %2d/%-2d %c %-5s "
	    "%-10.10s", str_of(o, "id"), level, pct, json_is_number(lv) &&
	    json_number_value(lv) >= num_of(o, "high_alarm_m") ? '!' : ' ',
	    ttf, num_of(o, "rain_mmh"), (int)json_integer_value(
	    json_object_get(o, "running")), (int)json_integer_value(
	    json_object_get(o, "available")), json_is_true(json_object_get(o,
	    "storm")) ? 'S' : '-', str_of(o, "comms"), fmt_mode(str_of(o,
	    "mode"), 0));
}

/* One station line of o. */
static void
frame_station(struct watch *w, json_t *o, int wide)
{
	json_t	*lv = json_object_get(o, "level_m");
	double	 hi = num_of(o, "high_alarm_m");
	char	 level[16], pct[16], ttf[16], bar[16];
	char	 in[16] = "    --", lims[16] = "-", ov[256];
	char	 cell[128], head[LINE_BYTES];
	int	 lim = (int)json_integer_value(json_object_get(o,
		    "limit_pumps"));

	fmt_overrides(w, str_of(o, "id"), !wide, ov, sizeof ov);
	if (!wide) {
		watch_fmt_station(o, cell, sizeof cell);
		snprintf(head, sizeof head, "%s %s", cell, ov);
		frame_alarm_cell(w, head, json_object_get(o, "alarms"),
		    *ov != '\0');
		return;
	}
	fmt_level(o, level, pct, ttf);
	fmt_bar(o, bar, sizeof bar);
	fmt_station_cell(o, wide, cell, sizeof cell);
	if (lim >= 0)
		snprintf(lims, sizeof lims, "%d", lim);
	if (json_is_number(json_object_get(o, "inflow_m3s")))
		snprintf(in, sizeof in, "%6.2f", num_of(o, "inflow_m3s"));
	snprintf(head, sizeof head, "%s %s %s%c %s %5s %5.1f %s %2d/%-2d "
	    "%-8.8s %c %-5s %-12.12s %3s %-20s", cell, level, pct,
	    json_is_number(lv) && json_number_value(lv) >= hi ? '!' : ' ',
	    bar, ttf, num_of(o, "rain_mmh"), in,
	    (int)json_integer_value(json_object_get(o, "running")),
	    (int)json_integer_value(json_object_get(o, "available")),
	    str_of(o, "pumps"),
	    json_is_true(json_object_get(o, "storm")) ? 'S' : '-',
	    str_of(o, "comms"), str_of(o, "mode"), lims, *ov ? ov : "-");
	frame_alarm_cell(w, head, json_object_get(o, "alarms"), 1);
}

/* The rank of a priority (0 the highest, 9 unknown): a number as given
 * (1 the highest), or a name. */
static int
alarm_prio(json_t *a)
{
	static const char	*names[] = { "critical", "urgent", "high",
				    "medium", "low", "diagnostic" };
	static const int	 rank[] = { 0, 0, 1, 2, 3, 4 };
	json_t			*p = json_object_get(a, "priority");
	size_t			 i;

	if (json_is_integer(p))
		return json_integer_value(p) < 0 ? 9 :
		    json_integer_value(p) > 8 ? 8 : (int)json_integer_value(p);
	for (i = 0; json_is_string(p) && i < 6; i++)
		if (strcasecmp(json_string_value(p), names[i]) == 0)
			return rank[i];
	return 9;
}

/* Whether alarm a waits for an acknowledgement: its state says so
 * ("unack..."), or "acked" is false; with neither (no acknowledgement
 * exists yet), it does. */
static int
alarm_unack(json_t *a)
{
	json_t	*acked = json_object_get(a, "acked");
	const char *st = str_of(a, "state");

	if (*st)
		return strcasestr(st, "unack") != NULL;
	return json_is_boolean(acked) ? !json_is_true(acked) : 1;
}

/* Whether alarm a is out of the operator's view (shelved, suppressed). */
static int
alarm_hidden(json_t *a)
{
	const char	*st = str_of(a, "state");

	return strcasestr(st, "shelv") != NULL ||
	    strcasestr(st, "suppress") != NULL;
}

/* The order of the alarm list: priority, unacknowledged first, the
 * station's risk, pumpd's order. */
static int
alarm_cmp(const void *x, const void *y)
{
	const struct watch_alarm	*a = x, *b = y;

	if (a->prio != b->prio)
		return a->prio - b->prio;
	if (a->unack != b->unack)
		return b->unack - a->unack;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The place of station id in the status list (its risk rank). */
static int
station_rank(json_t *stations, const char *id)
{
	size_t	i;

	for (i = 0; i < json_array_size(stations); i++)
		if (strcmp(str_of(json_array_get(stations, i), "id"), id) == 0)
			return (int)i;
	return (int)i;
}

/* The priority of alarm a as text of at most 4 columns. */
static void
fmt_prio(json_t *a, char *buf, size_t n)
{
	json_t	*p = json_object_get(a, "priority");
	size_t	 i;

	if (json_is_integer(p))
		snprintf(buf, n, "P%lld", (long long)json_integer_value(p));
	else if (json_is_string(p)) {
		snprintf(buf, n, "%.4s", json_string_value(p));
		for (i = 0; buf[i]; i++)
			buf[i] = (char)(buf[i] >= 'a' && buf[i] <= 'z' ?
			    buf[i] - 32 : buf[i]);
	} else
		snprintf(buf, n, "-");
}

/* One alarm line of a. */
static void
frame_alarm(struct watch *w, const struct watch_alarm *x, int wide)
{
	json_t		*since = json_object_get(x->a, "since_ms");
	const char	*text = str_of(x->a, "text");
	char		 prio[16], t[32] = "--:--:--";

	fmt_prio(x->a, prio, sizeof prio);
	if (json_is_integer(since))
		fmt_clock(json_integer_value(since), wide ? CLOCK_DAY :
		    CLOCK_TIME, t, sizeof t);
	if (*text == '\0')
		text = str_of(x->a, "alarm");
	if (wide)
		frame_add(w, "%c %-4s %-20.20s %-14s %-10.10s %s", x->unack ?
		    '*' : ' ', prio, str_of(x->a, "station"), t,
		    *str_of(x->a, "state") ? str_of(x->a, "state") :
		    x->unack ? "unack" : "acked", text);
	else
		frame_add(w, "%c %-4s %-16.16s %-8s %s", x->unack ? '*' : ' ',
		    prio, str_of(x->a, "station"), t, text);
}

/* How many overrides are in force, as text ("? overrides" unknown). */
static void
fmt_ovr_count(struct watch *w, char *buf, size_t n)
{
	size_t	k = json_array_size(json_object_get(w->ovr, "overrides"));

	if (w->ovr == NULL)
		snprintf(buf, n, "overrides unknown");
	else
		snprintf(buf, n, "%zu override%s in force", k, k == 1 ? "" :
		    "s");
}

/* The alarms section: a summary line, then at most max lines, the rest
 * counted on the last. */
static void
frame_alarms(struct watch *w, int max, int wide)
{
	json_t			*a = json_object_get(w->alarms, "alarms");
	json_t			*st = json_object_get(w->status, "stations");
	struct watch_alarm	*v = calloc(json_array_size(a) + 1, sizeof *v);
	size_t			 i, n = 0, hidden = 0, unack = 0;
	char			 ovr[64];

	if (v == NULL) {
		frame_add(w, "ALARMS: out of memory");
		return;
	}
	for (i = 0; i < json_array_size(a); i++) {
		v[n].a = json_array_get(a, i);
		if (alarm_hidden(v[n].a)) {
			hidden++;
			continue;
		}
		v[n].prio = alarm_prio(v[n].a);
		unack += (size_t)(v[n].unack = alarm_unack(v[n].a));
		v[n].rank = station_rank(st, str_of(v[n].a, "station"));
		v[n].idx = i;
		n++;
	}
	qsort(v, n, sizeof *v, alarm_cmp);
	fmt_ovr_count(w, ovr, sizeof ovr);
	if (n == 0)
		frame_add(w, "ALARMS: none standing%s; %s", hidden ?
		    " (some shelved or suppressed)" : "", ovr);
	else
		frame_add(w, "ALARMS: %zu standing, %zu unacknowledged (*)"
		    "%s; %s", n, unack, hidden ? ", more shelved or "
		    "suppressed" : "", ovr);
	for (i = 0; i < n && (int)i < max; i++) {
		if ((int)i == max - 1 && n > (size_t)max) {
			frame_add(w, "  +%zu more alarms: pumpctl alarms",
			    n - i);
			break;
		}
		frame_alarm(w, &v[i], wide);
	}
	free(v);
}

/* The header line: pumpd's time, the warning, the counts by control. */
static void
frame_header(struct watch *w, int wide)
{
	json_t	*st = json_object_get(w->status, "stations"), *o;
	int	 remote = 0, sup = 0, fb = 0, wat = 0, down = 0, stale = 0;
	char	 t[32], extra[64] = "";
	size_t	 i;

	for (i = 0; i < json_array_size(st); i++) {
		o = json_array_get(st, i);
		remote += strcmp(str_of(o, "mode"), "REMOTE") == 0;
		sup += strcmp(str_of(o, "mode"), "SUPERVISED") == 0;
		fb += strcmp(str_of(o, "mode"), "PLC-FALLBACK") == 0;
		wat += strcmp(str_of(o, "mode"), "WATCHING") == 0;
		down += strcmp(str_of(o, "comms"), "DOWN") == 0;
		stale += strcmp(str_of(o, "comms"), "STALE") == 0;
	}
	fmt_clock(json_integer_value(json_object_get(w->status, "now_ms")),
	    wide ? CLOCK_DATE : CLOCK_TIME, t, sizeof t);
	if (wide || wat)
		snprintf(extra, sizeof extra, " WATCHING %d", wat);
	if (wide || stale)
		snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
		    " STALE %d", stale);

	frame_add(w, "%s warning %s  REMOTE %d SUPERVISED %d FALLBACK %d "
	    "DOWN %d%s%s", t, str_of(w->status, "warning"), remote, sup, fb,
	    down, extra, wide ? "  (q or Ctrl-C quits)" : "");
}

/* The stations: a column header and at most max lines, the rest counted
 * on the last. */
static void
frame_stations(struct watch *w, int max, int wide)
{
	json_t	*st = json_object_get(w->status, "stations");
	size_t	 i, n = json_array_size(st);
	char	 cell[128];

	fmt_station_cell(NULL, wide, cell, sizeof cell);
	if (wide)
		frame_add(w, "%s %5s %5s %-12s %5s %5s %6s %5s %-8s %c "
		    "%-5s %-12s %3s %-20s %s", cell, "LEVEL", "FLOOD",
		    "BAR", "TTF", "RAIN", "INFLOW", "PUMPS", "EACH", 'S',
		    "COMMS", "MODE", "LIM", "OVERRIDES", "ALARMS");
	else
		frame_add(w, "%-16s %5s %5s %5s %5s %5s %c %-5s %-10s %s",
		    "STATION", "LEVEL", "FLOOD", "TTF", "RAIN", "PUMPS", 'S',
		    "COMMS", "MODE", "[OVR] ALARMS");
	for (i = 0; i < n; i++) {
		if ((int)i == max - 1 && n > (size_t)max) {
			frame_add(w, "  +%zu more stations: pumpctl status",
			    n - i);
			break;
		}
		frame_station(w, json_array_get(st, i), wide);
	}
}

/* Build the frame from the last replies, or the unreachable notice. */
static void
frame_build(struct watch *w)
{
	int	wide = !w->tty ? 0 : w->cols >= WIDEST_COLS ? 2 :
		    w->cols >= WIDE_COLS, amax, smax, rows;
	char	t[32];

	w->nlines = 0;
	if (w->status == NULL || w->alarms == NULL) {
		frame_add(w, "pumpd unreachable: %s", w->err);
		if (w->last_ok_ms)
			fmt_clock(w->last_ok_ms, CLOCK_TIME, t, sizeof t);
		frame_add(w, "retrying every %.1f s; last answer %s", (double)
		    w->interval_ms / 1000, w->last_ok_ms ? t : "never");
		return;
	}
	/* the screen's rows, or ROWS_MAX lines off a terminal */
	rows = w->tty ? w->rows : ROWS_MAX;
	frame_header(w, wide);
	amax = (rows - 3) / 3;
	frame_alarms(w, amax < ALARM_ROWS_MIN ? ALARM_ROWS_MIN : amax, wide);
	smax = rows - w->nlines - 1;
	frame_stations(w, smax < 1 ? 1 : smax, wide);
}

/* Ask pumpd for the status and the alarms, keep the replies. */
static void
watch_fetch(struct watch *w)
{
	json_t	*st = NULL, *al = NULL;

	json_decref(w->status);
	json_decref(w->alarms);
	json_decref(w->ovr);
	w->status = w->alarms = w->ovr = NULL;
	if (watch_ask(w, w->path, "status", 0, NULL, ASK_MS, &st, w->err,
	    sizeof w->err) != 0)
		return;
	if (watch_ask(w, w->path, "alarms", 0, NULL, ASK_MS, &al, w->err,
	    sizeof w->err) != 0) {
		json_decref(st);
		return;
	}
	w->status = st;
	w->alarms = al;
	/* without it the frame still shows, its header says OVERRIDES ? */
	if (watch_ask(w, w->path, "overrides", 0, NULL, ASK_MS, &w->ovr, w->err,
	    sizeof w->err) != 0)
		w->ovr = NULL;
	/* pumpd's clock, as the header shows it */
	w->last_ok_ms = json_is_integer(json_object_get(st, "now_ms")) ?
	    json_integer_value(json_object_get(st, "now_ms")) :
	    (int64_t)time(NULL) * 1000;
}

/* The screen's size into w (80x24 when unknown or not a terminal). */
static void
watch_size(struct watch *w)
{
	struct winsize	ws;

	w->cols = PLAIN_COLS;
	w->rows = 24;
	if (w->tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0 && ws.ws_row > 0) {
		w->cols = ws.ws_col < COLS_MIN ? COLS_MIN : ws.ws_col;
		w->rows = ws.ws_row;
	}
}

/* The options after "watch": 0, 1 for --help (usage printed), or -1
 * with a message printed. */
static int
watch_opts(struct watch *w, int argc, char **argv)
{
	char	*end;
	double	 s;
	int	 i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: pumpctl watch [--interval SECONDS] "
			    "[--count FRAMES]\n  the live status, refreshed "
			    "every SECONDS (2): the standing alarms on top,\n"
			    "  then the stations, the nearest to flooding "
			    "first; q or Ctrl-C quits\n");
			return 1;
		}
		if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
			s = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(s >= 0.2 && s <= 3600)) {
				fprintf(stderr, "pumpctl watch: bad interval "
				    "\"%s\": seconds, 0.2 to 3600\n", argv[i]);
				return -1;
			}
			w->interval_ms = (long)(s * 1000);
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			w->count = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || w->count < 1) {
				fprintf(stderr, "pumpctl watch: bad count "
				    "\"%s\": a number of frames\n", argv[i]);
				return -1;
			}
		} else {
			fprintf(stderr, "pumpctl watch: unknown argument "
			    "\"%s\"\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* Take the terminal on a tty: no echo, no line editing (again when set
 * already), the alternate screen and no cursor (once).  0, or -1. */
static int
watch_tty_enter(struct watch *w)
{
	struct termios	tio;

	if (!w->tty)
		return 0;
	if (w->tio_saved) {
		tio = w->oldtio;
		tio.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		w->tio_set = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
	}
	if (w->entered)
		return 0;
	w->entered = 1;
	return write_all(ESC_ENTER, strlen(ESC_ENTER));
}

/* Give the terminal back: the primary screen cleared of frames, the
 * cursor, the modes found. */
static void
watch_tty_leave(struct watch *w)
{
	if (w->entered)
		(void)write_all(ESC_LEAVE, strlen(ESC_LEAVE));
	w->entered = 0;
	if (w->tio_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &w->oldtio);
	w->tio_set = 0;
}

/* Take the signals into a signalfd, and the terminal: alternate screen,
 * no cursor, no echo.  0, or -1 with a message printed. */
static int
watch_begin(struct watch *w)
{
	static const int	sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH,
				    SIGTSTP, SIGCONT };
	sigset_t		set;
	size_t			i;

	sigemptyset(&set);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, &w->oldmask) == -1 ||
	    (w->sigfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "pumpctl watch: signals: %s\n",
		    strerror(errno));
		return -1;
	}
	if (w->tty)
		w->tio_saved = tcgetattr(STDIN_FILENO, &w->oldtio) == 0;
	return watch_tty_enter(w);
}

/* Give the terminal and the signals back as they were. */
static void
watch_end(struct watch *w)
{
	watch_tty_leave(w);
	if (w->sigfd != -1)
		close(w->sigfd);
	sigprocmask(SIG_SETMASK, &w->oldmask, NULL);
}

/*
 * Wait for the next frame: 0 at the interval, 1 to redraw at once (the
 * screen's size changed), -1 to stop (a signal, `q`).
 */
static int
watch_sleep(struct watch *w, int64_t until)
{
	struct pollfd	pfd[2];
	char		c;
	int64_t		left;
	int		n;

	pfd[0] = (struct pollfd){ w->sigfd, POLLIN, 0 };
	pfd[1] = (struct pollfd){ w->tio_set ? STDIN_FILENO : -1, POLLIN, 0 };
	while ((left = until - mono_ms()) > 0) {
		if ((n = poll(pfd, 2, (int)left)) == -1 && errno != EINTR)
			return -1;
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			watch_signal(w);
			return w->stop ? -1 : 1;
		}
		if (n > 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			if (read(STDIN_FILENO, &c, 1) != 1 || c == 'q' ||
			    c == 'Q')
				return -1;
		}
	}
	return 0;
}

/* Draw frames until stopped: the exit code. */
static int
watch_loop(struct watch *w)
{
	int64_t	next = mono_ms();
	long	frames = 0;
	int	rc = 0;

	for (;;) {
		if (rc == 0) {
			next += w->interval_ms;
			watch_fetch(w);
		}
		if (w->stop)	/* while waiting for pumpd */
			return 0;
		frame_build(w);
		if (frame_draw(w) == -1)
			return 1;
		if (w->count && ++frames >= w->count)
			return 0;
		if (next < mono_ms())	/* a slow pumpd: no catching up */
			next = mono_ms() + w->interval_ms;
		if ((rc = watch_sleep(w, next)) == -1)
			return 0;
	}
}

/* pumpctl watch (watch.h). */
int
watch_main(const char *path, int argc, char **argv)
{
	struct watch	*w = calloc(1, sizeof *w);
	const char	*term = getenv("TERM");
	int		 rc;

	if (w == NULL) {
		fprintf(stderr, "pumpctl watch: out of memory\n");
		return PROTO_EXIT_ERROR;
	}
	w->path = path;
	w->interval_ms = 2000;
	w->sigfd = -1;
	if ((rc = watch_opts(w, argc, argv)) != 0) {
		if (rc == -1)
			fprintf(stderr, "usage: pumpctl watch [--interval "
			    "SECONDS] [--count FRAMES]\n");
		free(w);
		return rc == 1 ? PROTO_EXIT_OK : PROTO_EXIT_USAGE;
	}
	w->tty = isatty(STDOUT_FILENO) && term != NULL && *term &&
	    strcmp(term, "dumb") != 0;
	watch_size(w);
	rc = watch_begin(w) == 0 ? watch_loop(w) : PROTO_EXIT_ERROR;
	watch_end(w);
	json_decref(w->status);
	json_decref(w->alarms);
	json_decref(w->ovr);
	free(w);
	return rc;
}

/* The ids of pumpd's alarms that command cmd (ack, shelve, unshelve)
 * takes, one a line: the unacknowledged, the shown (neither shelved nor
 * suppressed), the shelved. */
static int
complete_alarms(const char *path, const char *cmd)
{
	static char	*all[] = { "--all" };
	json_t		*d = NULL, *a, *o;
	const char	*st;
	char		 err[256];
	size_t		 i;
	int		 take;

	if (strcmp(cmd, "ack") != 0 && strcmp(cmd, "shelve") != 0 &&
	    strcmp(cmd, "unshelve") != 0)
		return PROTO_EXIT_USAGE;
	if (watch_ask(NULL, path, "alarms", 1, all, COMPLETE_MS, &d, err,
	    sizeof err) != 0)
		return PROTO_EXIT_UNREACHABLE;
	a = json_object_get(d, "alarms");
	for (i = 0; i < json_array_size(a); i++) {
		o = json_array_get(a, i);
		st = str_of(o, "state");
		if (strcmp(cmd, "ack") == 0)
			take = strcmp(st, "UNACK") == 0 ||
			    strcmp(st, "RTN_UNACK") == 0;
		else if (strcmp(cmd, "shelve") == 0)
			take = strcmp(st, "SHELVED") != 0 &&
			    strcmp(st, "SUPPRESSED") != 0;
		else
			take = strcmp(st, "SHELVED") == 0;
		if (take)
			printf("%lld\n", (long long)json_integer_value(
			    json_object_get(o, "id")));
	}
	json_decref(d);
	return PROTO_EXIT_OK;
}

/* pumpctl complete (watch.h). */
int
watch_complete(const char *path, int argc, char **argv)
{
	json_t	*d = NULL, *st;
	char	 err[256];
	size_t	 i;
	int	 rc, n;

	if (argc == 1 && strcmp(argv[0], "stations") == 0) {
		if (watch_ask(NULL, path, "status", 0, NULL, COMPLETE_MS, &d, err,
		    sizeof err) != 0)
			return PROTO_EXIT_UNREACHABLE;
		st = json_object_get(d, "stations");
		for (i = 0; i < json_array_size(st); i++)
			printf("%s\n", str_of(json_array_get(st, i), "id"));
	} else if (argc == 2 && strcmp(argv[0], "pumps") == 0) {
		rc = watch_ask(NULL, path, "show", 1, argv + 1, COMPLETE_MS, &d, err,
		    sizeof err);
		if (rc != 0)
			return rc == -2 ? PROTO_EXIT_ERROR :
			    PROTO_EXIT_UNREACHABLE;
		n = (int)json_integer_value(json_object_get(d, "npumps"));
		for (i = 1; (int)i <= n; i++)
			printf("%zu\n", i);
	} else if (argc == 2 && strcmp(argv[0], "alarms") == 0 &&
	    (rc = complete_alarms(path, argv[1])) != PROTO_EXIT_USAGE) {
		return rc;
	} else {
		fprintf(stderr, "usage: pumpctl complete stations | pumps "
		    "STATION | alarms ack|shelve|unshelve\n");
		return PROTO_EXIT_USAGE;
	}
	json_decref(d);
	return PROTO_EXIT_OK;
}
