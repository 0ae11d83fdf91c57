/*
 * The metrics writer against a scripted InfluxDB in the same event loop
 * (127.0.0.1, a port of the 26000-26999 block): a small HTTP/1.1 server on
 * bufferevents that stores a batch's points when the request arrives and
 * answers only later, as a loaded machine does.  The accounting must be
 * exact: made = sent + rejected + dropped + waiting, and what the server
 * stored = sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <zlib.h>

#include "mtr.h"
#include "spool.h"

#define MAXPTS		100000

/* The scripted InfluxDB. */
static struct {
	int	 up;		/* 0: 503 at once; 1: store, answer 204 late */
	int	 delay_ms;
	char	 seen[MAXPTS];	/* points stored, by value */
	int	 stored;	/* distinct points stored */
	int	 requests;
} srv;

/* One connection: requests read one after the other, the answer to the
 * current one held back by a timer. */
struct conn {
	struct bufferevent	*bev;
	struct event		*later;
	int			 status;	/* answer pending: its status */
};

static void	conn_read(struct bufferevent *, void *);

/* Store the points of a gzip body: lines "m,t=... v=<n>i <ts>". */
static void
store(const unsigned char *gz, size_t len)
{
	z_stream	 z;
	char		*text, *p;
	size_t		 cap = 1 << 22;
	long		 v;

	assert_non_null(text = malloc(cap));
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)text;
	z.avail_out = (uInt)cap - 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	text[z.total_out] = '\0';
	inflateEnd(&z);
	for (p = text; (p = strstr(p, " v=")) != NULL; p++) {
		v = strtol(p + 3, NULL, 10);
		assert_true(v >= 0 && v < MAXPTS);
		if (!srv.seen[v]++)
			srv.stored++;
	}
	free(text);
}

static void
conn_free(struct conn *c)
{
	event_free(c->later);
	bufferevent_free(c->bev);
	free(c);
}

/* Answer the request held back. */
static void
conn_answer(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", c->status,
	    c->status == 204 ? "No Content" : "Service Unavailable");
	c->status = 0;
	conn_read(c->bev, c);	/* a request that came meanwhile */
}

/* A whole request in the input: take it, answer now or later. */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	struct timeval		 tv;
	char			*head, *cl;
	size_t			 hlen, blen;
	unsigned char		*body;

	if (c->status != 0)
		return;		/* one at a time */
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0)
		return;
	hlen = (size_t)end.pos + 4;
	assert_non_null(head = malloc(hlen + 1));
	evbuffer_copyout(in, head, hlen);
	head[hlen] = '\0';
	cl = strcasestr(head, "\r\nContent-Length:");
	blen = cl != NULL ? strtoul(cl + 17, NULL, 10) : 0;
	free(head);
	if (evbuffer_get_length(in) < hlen + blen)
		return;
	evbuffer_drain(in, hlen);
	assert_non_null(body = malloc(blen + 1));
	evbuffer_remove(in, body, blen);
	srv.requests++;
	if (srv.up) {
		store(body, blen);	/* InfluxDB has them now */
		c->status = 204;
	} else
		c->status = 503;
	free(body);
	tv.tv_sec = srv.up ? srv.delay_ms / 1000 : 0;
	tv.tv_usec = srv.up ? (srv.delay_ms % 1000) * 1000 : 0;
	evtimer_add(c->later, &tv);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct event_base	*base = arg;
	struct conn		*c;

	(void)l;
	(void)sa;
	(void)len;
	assert_non_null(c = calloc(1, sizeof *c));
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->later = evtimer_new(base, conn_answer, c);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* The test's clock: a cycle of one point every tick while making. */
static struct {
	struct mtr	*m;
	int		 ticks;
	int		 next;		/* value of the next point */
	int		 make_until;	/* ticks */
	int		 up_at;		/* ticks */
} run;

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lp_buf	*b;
	char		 pad[160];

	(void)fd;
	(void)what;
	(void)arg;
	run.ticks++;
	if (run.ticks == run.up_at)
		srv.up = 1;
	if (run.ticks > run.make_until)
		return;
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	b = mtr_buf(run.m);
	lp_begin(b, "m");
	lp_tag(b, "pad", pad);
	lp_int(b, "v", run.next++);
	lp_end(b, 1700000000000LL + run.next);
	mtr_commit(run.m);
}

/* Run the loop for ms milliseconds. */
static void
run_for(struct event_base *base, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/*
 * InfluxDB is away, the spool (16 KiB) fills and drops its oldest; then
 * InfluxDB is back but answers late, while the spool is still full: the
 * replay request in flight has its segment dropped to make room for the
 * next cycles.  InfluxDB stored those points, so they count as sent, not
 * as dropped (pumpd used to cancel that request and count its points as
 * dropped).
 */
static void
test_replay_segment_dropped_in_flight(void **state)
{
	struct event_base	*base;
	struct evconnlistener	*l;
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	struct cfg_influx	 c;
	struct mtr_stats	 st;
	struct event		*tick;
	struct timeval		 tv = { 0, 20000 };
	char			 dir[64], cmd[96], *cause = NULL;
	int			 i;

	(void)state;
	strcpy(dir, "/tmp/test_mtr.XXXXXX");
	assert_non_null(mkdtemp(dir));
	memset(&srv, 0, sizeof srv);
	srv.delay_ms = 700;
	assert_non_null(base = event_base_new());
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = 0;	/* any free port: never one another test holds */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(l = evconnlistener_new_bind(base, on_accept, base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
	    (struct sockaddr *)&sin, sizeof sin));
	slen = sizeof sin;
	assert_int_equal(getsockname(evconnlistener_get_fd(l),
	    (struct sockaddr *)&sin, &slen), 0);
	memset(&c, 0, sizeof c);
	snprintf(c.url, sizeof c.url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
	c.version = 1;
	strcpy(c.database, "pumpd");
	c.batch_points = 5000;
	c.batch_ms = 100;
	c.timeout_ms = 5000;
	c.spool_max_kb = 16;
	c.replay_per_s = 10;
	snprintf(cmd, sizeof cmd, "%s/spool", dir);
	run.m = mtr_new(base, &c, NULL, cmd, &cause);
	assert_non_null(run.m);
	run.ticks = run.next = 0;
	run.up_at = 50;		/* away for 1 s, the next try 1.6 s or later */
	run.make_until = 300;		/* 3 s more with the spool full */
	tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	event_add(tick, &tv);
	run_for(base, 300 * 20 + 200);
	for (i = 0; i < 100; i++) {	/* drain: up to 10 s */
		mtr_stats(run.m, &st);
		if (st.spool_points == 0 && !mtr_busy(run.m))
			break;
		run_for(base, 100);
	}
	mtr_drain(run.m);
	for (i = 0; i < 50 && mtr_busy(run.m); i++)
		run_for(base, 100);
	mtr_stop(run.m);
	mtr_stats(run.m, &st);
	print_message("made %llu sent %llu dropped %llu rejected %llu "
	    "waiting %llu; stored %d in %d requests\n",
	    (unsigned long long)st.made, (unsigned long long)st.sent,
	    (unsigned long long)st.dropped, (unsigned long long)st.rejected,
	    (unsigned long long)st.spool_points, srv.stored, srv.requests);
	assert_int_equal(st.made, (uint64_t)run.next);
	assert_true(st.dropped > 0);		/* the spool did drop */
	assert_int_equal(st.made, st.sent + st.rejected + st.dropped +
	    st.spool_points);
	assert_int_equal((uint64_t)srv.stored, st.sent);
	mtr_free(run.m);
	run_for(base, 100);	/* the server sees its connections close */
	event_free(tick);
	evconnlistener_free(l);
	event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A spool in dir from an earlier run: 30 records of 5 points (values 0 to
 * 149), over several segments; records 10..13 delivered live behind the
 * backlog (marked).  The points still to send. */
static int
backlog(const char *dir)
{
	struct spool		s;
	struct spool_pos	at[30];
	char			buf[4096], *cause = NULL;
	size_t			len;
	int			i, k, left = 0;

	assert_int_equal(spool_open(&s, dir, 1 << 20, &cause), 0);
	s.seg_max = 4096;	/* five records a segment */
	for (i = 0; i < 30; i++) {
		for (k = 0, len = 0; k < 5; k++)
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "m,pad=%0120d v=%di %lld\n", 0, i * 5 + k,
			    1700000000000LL + i * 5 + k);
		assert_int_equal(spool_append(&s, buf, len, 5, &at[i],
		    &cause), 0);
	}
	spool_hold(&s, &at[10]);
	for (i = 10; i < 14; i++)
		spool_done(&s, &at[i], 0, 5);
	spool_hold(&s, NULL);
	for (i = 0; i < 30; i++)
		left += i < 10 || i >= 14 ? 5 : 0;
	spool_close(&s);
	return left;
}

/*
 * A backlog drains with the next body read and gzipped while a request is
 * out, and the next request sent when the answer comes: every point once,
 * in requests of up to batch_points, and never more than replay_per_s
 * requests a second (sending on the answer must not pass the bound).
 */
static void
test_replay_backlog(void **state)
{
	struct event_base	*base;
	struct evconnlistener	*l;
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	struct cfg_influx	 c;
	struct mtr_stats	 st;
	char			 dir[64], cmd[96], *cause = NULL;
	double			 t0, t;
	int			 i, left;

	(void)state;
	strcpy(dir, "/tmp/test_mtr.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "%s/spool", dir);
	left = backlog(cmd);
	memset(&srv, 0, sizeof srv);
	srv.up = 1;
	srv.delay_ms = 30;
	assert_non_null(base = event_base_new());
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(l = evconnlistener_new_bind(base, on_accept, base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
	    (struct sockaddr *)&sin, sizeof sin));
	slen = sizeof sin;
	assert_int_equal(getsockname(evconnlistener_get_fd(l),
	    (struct sockaddr *)&sin, &slen), 0);
	memset(&c, 0, sizeof c);
	snprintf(c.url, sizeof c.url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
	c.version = 1;
	strcpy(c.database, "pumpd");
	c.batch_points = 10;
	c.batch_ms = 1000;
	c.timeout_ms = 5000;
	c.spool_max_kb = 1024;
	c.replay_per_s = 10;
	t0 = now_s();
	assert_non_null(run.m = mtr_new(base, &c, NULL, cmd, &cause));
	for (i = 0; i < 200; i++) {	/* up to 20 s on a loaded machine */
		mtr_stats(run.m, &st);
		if (st.spool_points == 0 && !mtr_busy(run.m))
			break;
		run_for(base, 100);
	}
	t = now_s() - t0;
	mtr_stats(run.m, &st);
	print_message("sent %llu of %d in %d requests over %.2f s\n",
	    (unsigned long long)st.sent, left, srv.requests, t);
	assert_int_equal(st.sent, (uint64_t)left);
	assert_int_equal(srv.stored, left);	/* each once */
	assert_int_equal(st.failures, 0);
	assert_true(srv.requests >= left / 10);
	assert_true(srv.requests <= (int)(t * c.replay_per_s) + 1);
	mtr_free(run.m);
	run_for(base, 100);
	evconnlistener_free(l);
	event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_replay_segment_dropped_in_flight),
		cmocka_unit_test(test_replay_backlog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
