/*
 * The metrics writer.  Flow of the points of one committed cycle:
 *
 *   buffer --(mtr_commit)--> one record appended to the spool (write-ahead:
 *   in the kernel before anything is sent) and to the batch in memory;
 *   batch --(batch full or batch_ms)--> live request when InfluxDB is
 *   healthy, or when the backoff has passed (the live data is then the
 *   probe, so that recovery is seen even with an empty or unusable spool);
 *   on success its records are marked delivered in the spool; else they
 *   stay there for the replay;
 *   spool --(replay timer, or the answer to the replay before, at most
 *   replay_per_s a second)--> replay request of up to batch_points points,
 *   acknowledged in the spool on success.  Its body (the span read in one
 *   pread, each record's CRC checked, gzipped) is made by the prep thread
 *   while the request before it is out, and used only if that span is
 *   still first in line when it is acknowledged (spool_span_take); else,
 *   and for a torn or corrupt record, the loop reads it with spool_peek.
 *
 * A full spool may drop the segment of the replay request in flight: the
 * request is not cancelled, for InfluxDB may have stored it already (its
 * answer late on a loaded machine); its outcome counts it, as sent when
 * InfluxDB takes it, as dropped when it fails (or is still out at stop).
 *
 * The spool may be unusable (read-only, full of other files): the batch
 * then carries the text of the records it could not write, live data still
 * goes to InfluxDB whenever it answers, and what neither could keep is
 * counted as dropped.  Accounting: every point made ends up counted once,
 * as sent, rejected, dropped or waiting in the spool.
 *
 * Response policy: 2xx done; 400 bad points, logged with InfluxDB's error
 * text once, then every REFUSED_EVERY_MS and at the end with a count (a
 * bad field stays bad until someone acts), counted and not retried; 413 too large, split in two and spooled;
 * 401/403/404 logged loudly and spooled; 429, 5xx, connection errors and
 * timeouts spooled and retried with capped exponential backoff and jitter,
 * honouring Retry-After.  Bodies are kept uncompressed in the spool and
 * compressed (gzip) per request.  The body handed to CURLOPT_POSTFIELDS lives
 * in struct req until the request completes (libcurl does not copy it).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <zlib.h>

#include "log.h"
#include "mtr.h"
#include "util.h"
#include "spool.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define BATCH_CAP	4	/* batches a busy live slot may pile up */
#define REFUSED_EVERY_MS 600000	/* a run of 400s says so this often */
#define MTR_GZIP_LEVEL	1	/* line protocol packs ~20:1 at 1, ~27:1 at 6, for
				 * 1.4-3x the CPU (make bench-micro) */

/* The points of one committed cycle inside a unit's text, and where its
 * record is in the spool (at.seq 0: it could not be written). */
struct piece {
	struct spool_pos	 at;
	size_t			 toff;
	size_t			 tlen;
	uint32_t		 npoints;
};

/* A live batch: the text of its pieces, one after the other. */
struct unit {
	char		*text;
	size_t		 len;
	size_t		 cap;
	struct piece	*p;
	int		 n;
	int		 pcap;
	uint32_t	 npoints;
};

struct req {
	struct mtr		*m;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*text;		/* uncompressed body */
	size_t			 text_len;
	unsigned char		*gz;		/* what is posted */
	size_t			 gz_len;
	uint32_t		 npoints;
	int			 from_spool;
	struct unit		 u;		/* live: its pieces */
	long			 retry_after_s;
	char			 resp[512];	/* start of the response body */
	size_t			 resp_len;
	char			 err[CURL_ERROR_SIZE];
	struct timespec		 t0;
};

/* The replay's next body, read from the spool and gzipped by the prep
 * thread while a request is out.  state and stop are guarded by mu; the
 * thread owns sp, gz and gz_len while state is PREP_QUEUED, the loop
 * otherwise. */
enum { PREP_IDLE, PREP_QUEUED, PREP_READY };

struct prep {
	pthread_t		 th;
	int			 running;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 state;
	int			 stop;
	struct spool_span	 sp;
	unsigned char		*gz;
	size_t			 gz_len;
};

struct mtr {
	struct event_base	*base;
	struct log_limit	 refused;	/* 400s: one line per episode */
	struct cfg_influx	 c;
	char			 write_url[1024];
	char			 auth_hdr[600];	/* 2.x token */
	char			 password[256];	/* 1.x */
	CURLM			*multi;
	struct event		*curl_timer;
	struct event		*flush_timer;
	struct event		*replay_timer;
	struct lp_buf		 buf;
	struct unit		 batch;
	struct spool		 spool;
	int			 spool_bad;	/* an episode of failed appends */
	uint64_t		 recovered;	/* counted dropped by the spool,
						   delivered after all */
	struct req		*live;
	struct req		*replay;
	struct prep		 prep;
	int64_t			 replay_us;	/* monotonic: the last replay's start */
	struct timeval		 replay_tv;	/* the replay timer's period */
	double			 backoff_ms;
	int64_t			 retry_at_ms;	/* monotonic: no replay before */
	unsigned		 seed;
	int			 loud;		/* an auth/404 episode logged */
	int			 down_logged;
	int			 stopping;	/* 1: no new replays, 2: spool all */
	uint64_t		 dropped_logged;
	struct mtr_stats	 st;
};

/* Per-socket state for curl: the libevent event watching it. */
struct sock {
	struct event	*ev;
};

static void	check_done(struct mtr *);

/* Milliseconds from a to b. */
static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Log a line about the writer at prio, "metrics: " before it. */
static void
mlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
mlog(int prio, const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (prio == LOG_PRI_INFO)
		log_info("metrics: %s", msg);
	else
		log_warnx("metrics: %s", msg);
}

/* curl wants the timer set to timeout_ms (-1: deleted). */
static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct mtr	*m = arg;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(m->curl_timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(m->curl_timer, &tv);
	return 0;
}

/* The curl timer fired. */
static void
on_curl_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mtr	*m = arg;
	int		 running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(m);
}

/* A socket curl watches is ready. */
static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct mtr	*m = arg;
	int		 running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(m->multi, fd, flags, &running);
	check_done(m);
}

/* curl tells what to watch on socket s. */
static int
sock_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct mtr	*m = arg;
	struct sock	*sk = sockp;
	short		 kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			event_free(sk->ev);
			free(sk);
		}
		curl_multi_assign(m->multi, s, NULL);
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (sk == NULL) {
		if ((sk = calloc(1, sizeof *sk)) == NULL)
			return -1;
		curl_multi_assign(m->multi, s, sk);
	} else
		event_free(sk->ev);
	sk->ev = event_new(m->base, s, kind, on_sock, m);
	event_add(sk->ev, NULL);
	return 0;
}

/* Keep the start of the response body, for error messages. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct req	*r = arg;
	size_t		 len = size * n, room = sizeof r->resp - 1 - r->resp_len;

	if (len < room)
		room = len;
	memcpy(r->resp + r->resp_len, p, room);
	r->resp_len += room;
	r->resp[r->resp_len] = '\0';
	return len;
}

/* Catch Retry-After. */
static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct req	*r = arg;
	size_t		 len = size * n;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
		r->retry_after_s = strtol(p + 12, NULL, 10);
	return len;
}

/* gzip len bytes of text into *gz (malloc'd), *gz_len bytes: 0 or -1.
 * Any thread. */
static int
gzip_text(const char *text, size_t len, unsigned char **gz,
    size_t *gz_len)
{
	z_stream	z;
	uLong		bound;

	memset(&z, 0, sizeof z);
	*gz = NULL;
	if (deflateInit2(&z, MTR_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len) + 32;
	if ((*gz = malloc(bound)) == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)text;
	z.avail_in = (uInt)len;
	z.next_out = *gz;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(*gz);
		*gz = NULL;
		return -1;
	}
	*gz_len = z.total_out;
	deflateEnd(&z);
	return 0;
}

/* Add a piece of len bytes of text with npoints points to u, its record
 * at *at.  0, or -1 when memory runs out. */
static int
unit_add(struct unit *u, const char *text, size_t len, uint32_t npoints,
    const struct spool_pos *at)
{
	char		*t;
	struct piece	*p;
	size_t		 cap;

	if (u->len + len + 1 > u->cap) {
		cap = (u->len + len + 1) * 2;
		if ((t = realloc(u->text, cap)) == NULL)
			return -1;
		u->text = t;
		u->cap = cap;
	}
	if (u->n == u->pcap) {
		cap = u->pcap ? (size_t)u->pcap * 2 : 64;
		if ((p = reallocarray(u->p, cap, sizeof *p)) == NULL)
			return -1;
		u->p = p;
		u->pcap = (int)cap;
	}
	memcpy(u->text + u->len, text, len);
	u->p[u->n++] = (struct piece){ *at, u->len, len, npoints };
	u->len += len;
	u->text[u->len] = '\0';
	u->npoints += npoints;
	return 0;
}

/* Empty u, freeing what it holds. */
static void
unit_free(struct unit *u)
{
	free(u->text);
	free(u->p);
	memset(u, 0, sizeof *u);
}

/* Free a request. */
static void
req_free(struct req *r)
{
	if (r == NULL)
		return;
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r->text);
	free(r->gz);
	unit_free(&r->u);
	free(r);
}

/* The oldest piece of u still in the spool; NULL if none. */
static const struct spool_pos *
unit_first(struct mtr *m, const struct unit *u)
{
	int	i;

	for (i = 0; i < u->n; i++)
		if (!spool_gone(&m->spool, &u->p[i].at))
			return &u->p[i].at;
	return NULL;
}

/* Tell the spool which records the live path holds: the live request's,
 * then the batch's. */
static void
update_hold(struct mtr *m)
{
	const struct spool_pos	*at = NULL;

	if (m->live != NULL)
		at = unit_first(m, &m->live->u);
	if (at == NULL)
		at = unit_first(m, &m->batch);
	spool_hold(&m->spool, at);
}

/* Log the oldest points a full spool dropped since the last time. */
static void
log_dropped(struct mtr *m)
{
	if (m->spool.dropped_points <= m->dropped_logged)
		return;
	mlog(LOG_PRI_WARN, "spool full: dropped the %llu oldest points (%llu in all)",
	    (unsigned long long)(m->spool.dropped_points - m->dropped_logged),
	    (unsigned long long)m->spool.dropped_points);
	m->dropped_logged = m->spool.dropped_points;
}

/* Append a record to the spool, logging a failing spool once per episode
 * and its end; its place in *at (at->seq 0 when it failed).  0 or -1. */
static int
append(struct mtr *m, const char *text, size_t len, uint32_t npoints,
    struct spool_pos *at)
{
	char	*cause = NULL;
	int	 rc;

	*at = (struct spool_pos){ 0, 0 };
	rc = spool_append(&m->spool, text, len, npoints, at, &cause);
	if (rc == -1) {
		m->st.spool_errors++;
		if (!m->spool_bad++)
			mlog(LOG_PRI_WARN, "%s: points go straight to InfluxDB, what it "
			    "cannot take is lost and counted", cause ? cause :
			    "spool: cannot write");
	} else if (m->spool_bad) {
		mlog(LOG_PRI_INFO, "spool: writable again (%llu appends failed)",
		    (unsigned long long)m->spool_bad);
		m->spool_bad = 0;
	}
	free(cause);
	log_dropped(m);
	return rc;
}

/* Put a batch into the spool for the replay, or count it as dropped. */
static void
to_spool(struct mtr *m, const char *text, size_t len, uint32_t npoints)
{
	struct spool_pos	at;

	if (append(m, text, len, npoints, &at) == 0)
		m->st.spooled += npoints;
	else
		m->st.dropped += npoints;
}

/* The live path gives u back: its records still in the spool are left to
 * the replay; the others are written again if the spool takes them now,
 * else counted as dropped (once: those the spool dropped it counted). */
static void
give_back(struct mtr *m, struct unit *u)
{
	struct piece	*p;
	int		 i;

	for (i = 0; i < u->n; i++) {
		p = &u->p[i];
		if (!spool_gone(&m->spool, &p->at)) {
			m->st.spooled += p->npoints;
			continue;
		}
		if (p->at.seq != 0)	/* counted by the spool already */
			m->recovered += p->npoints;
		to_spool(m, u->text + p->toff, p->tlen, p->npoints);
	}
	unit_free(u);
}

/* The live path delivered u (or InfluxDB refused it, or it went to the
 * spool again split): mark its records delivered; those the spool had
 * dropped meanwhile were counted as dropped, and are not. */
static void
unit_done(struct mtr *m, struct unit *u)
{
	int	i;

	for (i = 0; i < u->n; i++) {
		if (!spool_gone(&m->spool, &u->p[i].at))
			spool_done(&m->spool, &u->p[i].at, u->p[i].tlen,
			    u->p[i].npoints);
		else if (u->p[i].at.seq != 0)
			m->recovered += u->p[i].npoints;
	}
	unit_free(u);
}

/* Start a request for text (taken over but when it fails) and its gzip
 * body gz (taken over; NULL: gzip it now); NULL when curl cannot. */
static struct req *
start(struct mtr *m, char *text, size_t len, uint32_t npoints, int spooled,
    unsigned char *gz, size_t gz_len)
{
	struct req	*r;

	if ((r = calloc(1, sizeof *r)) == NULL) {
		free(gz);
		return NULL;
	}
	r->m = m;
	r->text = text;
	r->text_len = len;
	r->npoints = npoints;
	r->from_spool = spooled;
	r->gz = gz;
	r->gz_len = gz_len;
	if ((gz == NULL && gzip_text(text, len, &r->gz, &r->gz_len) == -1) ||
	    (r->easy = curl_easy_init()) == NULL) {
		r->text = NULL;
		req_free(r);
		return NULL;
	}
	r->hdrs = curl_slist_append(r->hdrs, "Content-Encoding: gzip");
	r->hdrs = curl_slist_append(r->hdrs,
	    "Content-Type: text/plain; charset=utf-8");
	if (m->auth_hdr[0] != '\0')
		r->hdrs = curl_slist_append(r->hdrs, m->auth_hdr);
	curl_easy_setopt(r->easy, CURLOPT_URL, m->write_url);
	curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->gz);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)r->gz_len);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)m->c.timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)m->c.timeout_ms);
	if (m->c.version == 1 && m->c.user[0] != '\0') {
		curl_easy_setopt(r->easy, CURLOPT_USERNAME, m->c.user);
		curl_easy_setopt(r->easy, CURLOPT_PASSWORD, m->password);
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	if (curl_multi_add_handle(m->multi, r->easy) != CURLM_OK) {
		r->text = NULL;
		req_free(r);
		return NULL;
	}
	m->st.requests++;
	return r;
}

/* Back off after a failure: no replay before the backoff has passed. */
static void
back_off(struct mtr *m, long retry_after_s)
{
	long	ms = (long)util_backoff(&m->backoff_ms, BACKOFF_MAX_MS, &m->seed);

	if (retry_after_s > 0 && retry_after_s * 1000 > ms)
		ms = retry_after_s * 1000 > BACKOFF_MAX_MS * 5 ?
		    BACKOFF_MAX_MS * 5 : retry_after_s * 1000;
	m->retry_at_ms = util_mono_ms() + ms;
}

/* Split a batch that was too large in two, into the spool. */
static void
split_to_spool(struct mtr *m, struct req *r)
{
	char		*mid = r->text + r->text_len / 2, *nl;
	size_t		 first;
	uint32_t	 n1 = 0;
	const char	*p;

	if ((nl = memchr(mid, '\n', r->text_len - (size_t)(mid - r->text)))
	    == NULL || (size_t)(nl + 1 - r->text) >= r->text_len) {
		mlog(LOG_PRI_WARN, "413: a single point is too large for InfluxDB: "
		    "dropped");
		m->st.rejected += r->npoints;
		return;
	}
	first = (size_t)(nl + 1 - r->text);
	for (p = r->text; p < r->text + first; p++)
		n1 += *p == '\n';
	to_spool(m, r->text, first, n1);
	to_spool(m, r->text + first, r->text_len - first, r->npoints - n1);
}

/* Make a server's text fit on one log line. */
static void
clean_text(char *s)
{
	size_t	n;

	for (; *s != '\0' && (n = strlen(s)) > 0 && (unsigned char)s[n - 1]
	    <= ' ';)
		s[n - 1] = '\0';
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ')
			*s = ' ';
}

/* A live request is over: let its unit's pieces go with the text they
 * point into. */
static struct unit *
live_unit(struct req *r)
{
	r->u.text = r->text;
	r->text = NULL;
	return &r->u;
}

/* InfluxDB took r. */
static void
finish_ok(struct mtr *m, struct req *r)
{
	if (!m->st.healthy && m->down_logged)
		mlog(LOG_PRI_INFO, "InfluxDB takes data again");
	m->st.healthy = 1;
	m->down_logged = m->loud = 0;
	m->backoff_ms = BACKOFF_MIN_MS;
	m->retry_at_ms = 0;	/* healthy: replay may go on now */
	m->st.sent += r->npoints;
	if (r->from_spool)
		spool_ack(&m->spool);
	else
		unit_done(m, live_unit(r));
}

/* InfluxDB refused r for good (400), or it went to the spool again split
 * (413): it is done with in the spool. */
static void
finish_done(struct mtr *m, struct req *r)
{
	if (r->from_spool)
		spool_ack(&m->spool);
	else
		unit_done(m, live_unit(r));
}

/* r failed: log the episode, leave r to the spool, back off. */
static void
finish_failed(struct mtr *m, struct req *r, CURLcode cc, long status)
{
	m->st.failures++;
	m->st.healthy = 0;
	if (cc == CURLE_OK && (status == 401 || status == 403 ||
	    status == 404)) {
		if (!m->loud++)
			mlog(LOG_PRI_WARN, "ERROR: InfluxDB answers %ld to %s: %.300s -- "
			    "check the credentials and the database; spooling",
			    status, m->write_url, r->resp);
	} else if (!m->down_logged++)
		mlog(LOG_PRI_WARN, "InfluxDB unavailable (%s): spooling until it is back",
		    cc != CURLE_OK ? (r->err[0] ? r->err :
		    curl_easy_strerror(cc)) : r->resp[0] ? r->resp : "HTTP error");
	if (!r->from_spool)
		give_back(m, live_unit(r));
	else if (m->spool.orphan) {	/* dropped from a full spool */
		m->st.dropped += r->npoints;
		spool_release(&m->spool);
	} else
		spool_release(&m->spool);	/* stays first in line */
	back_off(m, r->retry_after_s);
}

/* A request finished: act on the answer. */
static void
finish(struct mtr *m, struct req *r, CURLcode cc)
{
	struct timespec	now;
	long		status = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	m->st.write_ms = ms_between(&r->t0, &now);
	clean_text(r->resp);
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (cc == CURLE_OK && status >= 200 && status < 300)
		finish_ok(m, r);
	else if (cc == CURLE_OK && status == 400) {
		log_limited(&m->refused, LOG_PRI_WARN, util_mono_ms(),
		    REFUSED_EVERY_MS, "metrics: InfluxDB refused %u points "
		    "(400): %.300s", r->npoints, r->resp);
		m->st.rejected += r->npoints;
		finish_done(m, r);
	} else if (cc == CURLE_OK && status == 413) {
		split_to_spool(m, r);
		finish_done(m, r);
	} else
		finish_failed(m, r, cc, status);
}

static void	flush(struct mtr *);
static void	send_next_spooled(struct mtr *, int);

/* Collect finished transfers; a batch that waited for the live slot goes
 * next. */
static void
check_done(struct mtr *m)
{
	CURLMsg		*msg;
	struct req	*r;
	int		 left, replayed = 0;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		curl_multi_remove_handle(m->multi, msg->easy_handle);
		if (r == m->live)
			m->live = NULL;
		if (r == m->replay) {
			m->replay = NULL;
			replayed = 1;
		}
		finish(m, r, msg->data.result);
		req_free(r);
		update_hold(m);
		spool_trim(&m->spool);
	}
	if (m->live == NULL && m->batch.npoints > 0 && (m->stopping == 1 ||
	    m->batch.npoints >= (uint32_t)m->c.batch_points))
		flush(m);
	if (replayed)	/* the next at once, when replay_per_s lets */
		send_next_spooled(m, 0);
}

/* Whether the backoff after a failure has passed. */
static int
retry_due(struct mtr *m)
{
	return util_mono_ms() >= m->retry_at_ms;
}

/* Send the batch live if InfluxDB is healthy or due for another try (the
 * live data is the probe: recovery is seen whatever the spool holds); let
 * it wait for a busy live slot, up to BATCH_CAP batches; else leave it to
 * the spool. */
static void
flush(struct mtr *m)
{
	struct unit	 u;
	char		*text;

	if (m->batch.npoints == 0)
		return;
	if (m->live == NULL && m->stopping < 2 && (m->st.healthy ||
	    retry_due(m))) {
		u = m->batch;
		memset(&m->batch, 0, sizeof m->batch);
		text = u.text;
		u.text = NULL;
		if ((m->live = start(m, text, u.len, u.npoints, 0, NULL, 0)) !=
		    NULL) {
			m->live->u = u;
			update_hold(m);
			return;
		}
		u.text = text;
		m->batch = u;
	} else if (m->live != NULL && m->stopping < 2 &&
	    m->batch.npoints < (uint32_t)m->c.batch_points * BATCH_CAP)
		return;
	give_back(m, &m->batch);
	update_hold(m);
}

/* Start the batch timer's period again from now. */
static void
rearm_flush(struct mtr *m)
{
	struct timeval	tv;

	tv.tv_sec = m->c.batch_ms / 1000;
	tv.tv_usec = (m->c.batch_ms % 1000) * 1000;
	event_add(m->flush_timer, &tv);
}

/* The batch timer. */
static void
on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush(arg);
}

/* The prep thread: read the span it is given and gzip it, one at a time. */
static void *
prep_main(void *arg)
{
	struct prep	*p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->state != PREP_QUEUED && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		if (spool_span_read(&p->sp) == 0 && p->sp.npoints > 0 &&
		    gzip_text(p->sp.data, p->sp.len, &p->gz, &p->gz_len) == -1)
			p->sp.npoints = 0;	/* the loop reads it again */
		pthread_mutex_lock(&p->mu);
		p->state = PREP_READY;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The prep thread's state (PREP_READY: the loop owns the result). */
static int
prep_state(struct prep *p)
{
	int	st;

	pthread_mutex_lock(&p->mu);
	st = p->state;
	pthread_mutex_unlock(&p->mu);
	return st;
}

/* Forget a result the loop owns. */
static void
prep_discard(struct prep *p)
{
	spool_span_free(&p->sp);
	free(p->gz);
	p->gz = NULL;
	pthread_mutex_lock(&p->mu);
	p->state = PREP_IDLE;
	pthread_mutex_unlock(&p->mu);
}

/* Have the prep thread read and gzip the span after the one out (or the
 * head), started on first use.  0 when queued; else spool_span_at's 1
 * (nothing to read ahead) or 2 (for spool_peek), or -1 (no thread). */
static int
prep_queue(struct mtr *m)
{
	struct prep	*p = &m->prep;
	int		 rc;

	if (prep_state(p) != PREP_IDLE)
		return 1;
	if ((rc = spool_span_at(&m->spool, (uint32_t)m->c.batch_points,
	    &p->sp)) != 0)
		return rc;
	if (!p->running) {
		if (pthread_create(&p->th, NULL, prep_main, p) != 0)
			return -1;
		p->running = 1;
	}
	pthread_mutex_lock(&p->mu);
	p->state = PREP_QUEUED;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Stop the prep thread, forgetting what it made. */
static void
prep_stop(struct prep *p)
{
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		p->running = 0;
		p->stop = 0;
	}
	prep_discard(p);
}

/* Monotonic microseconds. */
static int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Whether replay_per_s allows another replay request now, between two
 * ticks of the replay timer. */
static int
replay_due(struct mtr *m)
{
	return m->replay_us == 0 || mono_us() - m->replay_us >=
	    (int64_t)m->replay_tv.tv_sec * 1000000 + m->replay_tv.tv_usec;
}

/* The body the prep thread made, if it is still first in line: 0 with
 * *text, *gz set; else 1 (discarded). */
static int
prep_take(struct mtr *m, char **text, size_t *len, uint32_t *n,
    unsigned char **gz, size_t *gz_len)
{
	struct prep	*p = &m->prep;

	if (p->gz == NULL || spool_span_take(&m->spool, &p->sp, text, len,
	    n) != 0) {
		prep_discard(p);
		return 1;
	}
	*gz = p->gz;
	*gz_len = p->gz_len;
	p->gz = NULL;
	prep_discard(p);
	return 0;
}

/* Replay spooled records if InfluxDB may take them: the body the prep
 * thread made while the request before was out; or, when there is none,
 * have it made (the replay timer looks again); or read it here when only
 * spool_peek can (a torn or corrupt record to skip, no thread). */
static void
send_next_spooled(struct mtr *m, int tick)
{
	unsigned char	*gz = NULL;
	size_t		 len, gz_len = 0;
	char		*text;
	uint32_t	 n;
	int		 st;

	if (m->replay != NULL || m->stopping || !retry_due(m) ||
	    (!tick && !replay_due(m)) || (st = prep_state(&m->prep)) ==
	    PREP_QUEUED)
		return;
	if (st == PREP_READY) {
		if (prep_take(m, &text, &len, &n, &gz, &gz_len) == 0)
			goto send;
	} else if ((st = prep_queue(m)) == 0 || st == 1)
		return;		/* queued, or nothing waits */
	/* stale, torn or no thread: read it here */
	if (spool_peek(&m->spool, (uint32_t)m->c.batch_points, &text, &len,
	    &n) != 0)
		return;
send:
	/* after a failure this doubles as the probe of InfluxDB */
	if ((m->replay = start(m, text, len, n, 1, gz, gz_len)) == NULL) {
		free(text);
		spool_release(&m->spool);
		return;
	}
	m->replay_us = mono_us();
	if (!tick)	/* a whole period to the next tick */
		event_add(m->replay_timer, &m->replay_tv);
	prep_queue(m);		/* the next body while this one is out */
}

/* The replay timer. */
static void
on_replay_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_next_spooled(arg, 1);
}

/* Read a secret from a file, without its final newline. */
static int
read_secret(const char *path, char *buf, size_t len, char **cause)
{
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		if (asprintf(cause, "%s: %s", path, strerror(errno)) < 0)
			*cause = NULL;
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Where the secret is: influx.credential in $CREDENTIALS_DIRECTORY (systemd's
 * LoadCredential=), else password_file (1.x) or token_file (2.x); buf is
 * "" when there is none.  -1 with a cause when the credential is asked
 * for and systemd gave none. */
static int
secret_path(const struct cfg_influx *c, char *buf, size_t len, char **cause)
{
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");

	if (c->credential[0] == '\0') {
		snprintf(buf, len, "%s", c->version == 2 ? c->token_file :
		    c->password_file);
		return 0;
	}
	if (dir == NULL || *dir == '\0') {
		if (asprintf(cause, "influx.credential \"%s\": no "
		    "$CREDENTIALS_DIRECTORY: start pumpd with systemd's "
		    "LoadCredential=%s:FILE", c->credential, c->credential) < 0)
			*cause = NULL;
		return -1;
	}
	snprintf(buf, len, "%s/%s", dir, c->credential);
	return 0;
}

/* The write URL with its query string. */
static int
build_url(struct mtr *m, const char *base, char **cause)
{
	CURL	*e = curl_easy_init();
	char	*a, *b;

	if (e == NULL)
		return -1;
	if (m->c.version == 2) {
		a = curl_easy_escape(e, m->c.org, 0);
		b = curl_easy_escape(e, m->c.bucket, 0);
		snprintf(m->write_url, sizeof m->write_url, "%s/api/v2/write?"
		    "org=%s&bucket=%s&precision=ms", base, a, b);
	} else {
		a = curl_easy_escape(e, m->c.database, 0);
		b = curl_easy_escape(e, m->c.rp, 0);
		snprintf(m->write_url, sizeof m->write_url, "%s/write?db=%s"
		    "&precision=ms%s%s", base, a, m->c.rp[0] ? "&rp=" : "",
		    m->c.rp[0] ? b : "");
	}
	curl_free(a);
	curl_free(b);
	curl_easy_cleanup(e);
	(void)cause;
	return 0;
}

struct mtr *
mtr_new(struct event_base *base, const struct cfg_influx *c,
    const char *url_override, const char *spool_dir, char **cause)
{
	struct mtr	*m;
	struct timeval	 tv;
	char		 token[512], secret[512], *why = NULL;

	*cause = NULL;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	m->base = base;
	m->c = *c;
	m->seed = (unsigned)time(NULL);
	m->backoff_ms = BACKOFF_MIN_MS;
	m->st.healthy = 1;
	pthread_mutex_init(&m->prep.mu, NULL);
	pthread_cond_init(&m->prep.cv, NULL);
	lp_init(&m->buf);
	if (url_override != NULL)
		snprintf(m->c.url, sizeof m->c.url, "%s", url_override);
	m->c.url[strcspn(m->c.url, "?")] = '\0';
	if (secret_path(&m->c, secret, sizeof secret, cause) == -1)
		goto fail;
	if (m->c.version == 2) {
		if (read_secret(secret, token, sizeof token, cause) == -1)
			goto fail;
		snprintf(m->auth_hdr, sizeof m->auth_hdr,
		    "Authorization: Token %s", token);
	} else if (secret[0] != '\0' && read_secret(secret, m->password,
	    sizeof m->password, cause) == -1)
		goto fail;
	if (build_url(m, m->c.url, cause) == -1)
		goto fail;
	if (spool_open(&m->spool, spool_dir, (uint64_t)m->c.spool_max_kb *
	    1024, &why) == -1) {	/* metrics are secondary: go on */
		m->st.spool_errors++;
		m->spool_bad = 1;
		mlog(LOG_PRI_WARN, "%s: points go straight to InfluxDB, what it cannot "
		    "take is lost and counted; trying again", why ? why :
		    "spool: cannot open");
		free(why);
	}
	if (!spool_empty(&m->spool))
		mlog(LOG_PRI_INFO, "spool: %llu points from an earlier run to replay",
		    (unsigned long long)m->spool.points);
	m->multi = curl_multi_init();
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 2L);
	m->curl_timer = evtimer_new(base, on_curl_timer, m);
	m->flush_timer = event_new(base, -1, EV_PERSIST, on_flush_timer, m);
	m->replay_timer = event_new(base, -1, EV_PERSIST, on_replay_timer, m);
	tv.tv_sec = m->c.batch_ms / 1000;
	tv.tv_usec = (m->c.batch_ms % 1000) * 1000;
	event_add(m->flush_timer, &tv);
	m->replay_tv.tv_sec = 0;
	m->replay_tv.tv_usec = 1000000 / m->c.replay_per_s;
	if (m->c.replay_per_s == 1)
		m->replay_tv = (struct timeval){ 1, 0 };
	event_add(m->replay_timer, &m->replay_tv);
	return m;
fail:
	spool_close(&m->spool);
	lp_free(&m->buf);
	pthread_mutex_destroy(&m->prep.mu);
	pthread_cond_destroy(&m->prep.cv);
	free(m);
	return NULL;
}

void
mtr_drain(struct mtr *m)
{
	m->stopping = 1;
	flush(m);
	event_del(m->replay_timer);
}

int
mtr_busy(struct mtr *m)
{
	return m->live != NULL || m->replay != NULL || (m->batch.npoints > 0 &&
	    m->st.healthy && m->stopping == 1);
}

void
mtr_stop(struct mtr *m)
{
	m->stopping = 2;	/* what is left goes to the spool */
	if (m->live != NULL) {	/* unacknowledged: keep it */
		curl_multi_remove_handle(m->multi, m->live->easy);
		give_back(m, live_unit(m->live));
		req_free(m->live);
		m->live = NULL;
	}
	flush(m);
	if (m->replay != NULL) {	/* still in the spool */
		if (m->spool.orphan)
			m->st.dropped += m->replay->npoints;
		spool_release(&m->spool);
		curl_multi_remove_handle(m->multi, m->replay->easy);
		req_free(m->replay);
		m->replay = NULL;
	}
	update_hold(m);
}

void
mtr_free(struct mtr *m)
{
	if (m == NULL)
		return;
	mtr_stop(m);
	prep_stop(&m->prep);
	pthread_mutex_destroy(&m->prep.mu);
	pthread_cond_destroy(&m->prep.cv);
	log_limit_end(&m->refused, LOG_PRI_INFO);	/* the count, if any */
	event_free(m->curl_timer);
	event_free(m->flush_timer);
	event_free(m->replay_timer);
	curl_multi_cleanup(m->multi);
	spool_close(&m->spool);
	lp_free(&m->buf);
	unit_free(&m->batch);
	free(m);
}

struct lp_buf *
mtr_buf(struct mtr *m)
{
	return &m->buf;
}

void
mtr_commit(struct mtr *m)
{
	struct spool_pos	at;
	uint32_t		n = (uint32_t)m->buf.npoints;

	if (n == 0)
		return;
	m->st.made += n;
	append(m, m->buf.data, m->buf.len, n, &at);
	if (unit_add(&m->batch, m->buf.data, m->buf.len, n, &at) == -1) {
		if (at.seq != 0)	/* the replay will have it */
			m->st.spooled += n;
		else
			m->st.dropped += n;
	}
	lp_reset(&m->buf);
	update_hold(m);
	if (m->batch.npoints >= (uint32_t)m->c.batch_points) {
		flush(m);
		rearm_flush(m);	/* a whole period for the next batch */
	}
}

void
mtr_stats(struct mtr *m, struct mtr_stats *st)
{
	uint64_t	held = 0;
	int		i, k;
	struct unit	*u[2] = { &m->batch, m->live ? &m->live->u : NULL };

	for (k = 0; k < 2; k++)
		for (i = 0; u[k] != NULL && i < u[k]->n; i++)
			if (!spool_gone(&m->spool, &u[k]->p[i].at))
				held += u[k]->p[i].npoints;
	*st = m->st;
	st->spool_points = m->spool.points > held ? m->spool.points - held : 0;
	st->spool_bytes = m->spool.bytes;
	st->corrupt = m->spool.corrupt;
	st->dropped += m->spool.dropped_points - m->recovered;
}
