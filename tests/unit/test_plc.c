/*
 * The PLC worker against a real Modbus TCP server on loopback (a thread of
 * this test, speaking map v1's blocks): the observation carries the intent
 * acknowledged before the read and whether the PLC holds what it wrote;
 * a command handed over late in a poll period is written at once, not
 * after the next read; a PLC dripping its reply is given up at the response
 * timeout, and plc_stop returns within one timeout while it drips or
 * while a connect hangs.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "plc.h"
#include "plcmap.h"

#define MAX_LOG	256

/* The test's PLC: answers every request, or drips its replies. */
struct srv {
	int		lfd;
	int		port;
	int		drip_ms;	/* > 0: one byte of a reply this often */
	int		hangup;		/* > 0: close on this many requests,
					 * unanswered; guarded by mu */
	uint16_t	version;	/* map version it reports (0: 1) */
	pthread_t	thr;
	pthread_mutex_t	mu;
	int		quit;
	int		n;		/* requests seen */
	int		conns;		/* connections accepted */
	uint8_t		fc[MAX_LOG];
	double		t[MAX_LOG];
	uint16_t	hr[PLC_HR_COUNT];	/* as written */
};

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep ms milliseconds. */
static void
sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Read exactly n bytes; 0, or -1 when the peer is gone. */
static int
read_n(int fd, uint8_t *b, size_t n)
{
	ssize_t	k;
	size_t	got = 0;

	while (got < n) {
		if ((k = read(fd, b + got, n - got)) <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* Put a big-endian 16-bit value. */
static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The reply to request q (len bytes) into a; returns its length. */
static size_t
answer(struct srv *s, const uint8_t *q, uint8_t *a)
{
	unsigned	n = (unsigned)(q[10] << 8 | q[11]), i;
	size_t		len;
	uint16_t	version;

	pthread_mutex_lock(&s->mu);
	version = s->version;
	pthread_mutex_unlock(&s->mu);
	memcpy(a, q, 8);
	if (q[7] == MBTCP_FC_WRITE_MULTIPLE) {
		pthread_mutex_lock(&s->mu);
		for (i = 0; i < n && i < PLC_HR_COUNT; i++)
			s->hr[i] = (uint16_t)(q[13 + 2 * i] << 8 |
			    q[14 + 2 * i]);
		pthread_mutex_unlock(&s->mu);
		memcpy(a + 8, q + 8, 4);
		len = 12;
	} else {
		a[8] = (uint8_t)(2 * n);
		for (i = 0; i < n; i++)
			put16(a + 9 + 2 * i, q[7] == MBTCP_FC_READ_HOLDING ?
			    (i < PLC_HR_COUNT ? s->hr[i] : 0) :
			    i == PLC_IR_MAP_VERSION ? (version ?
			    version : PLC_MAP_VERSION) :
			    i == PLC_IR_PUMP_COUNT ? 1 : 0);
		len = 9 + 2 * n;
	}
	put16(a + 4, (unsigned)len - 6);
	return len;
}

/* Send a reply, all at once or a byte at a time. */
static int
send_reply(struct srv *s, int fd, const uint8_t *a, size_t len)
{
	size_t	i;

	if (s->drip_ms == 0)
		return send(fd, a, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
	for (i = 0; i < len; i++) {
		if (send(fd, a + i, 1, MSG_NOSIGNAL) != 1)
			return -1;
		sleep_ms(s->drip_ms);
	}
	return 0;
}

/* Serve one connection until the peer leaves. */
static void
serve(struct srv *s, int fd)
{
	uint8_t	q[MBTCP_MAX_ADU], a[MBTCP_MAX_ADU];
	size_t	rest;

	while (read_n(fd, q, MBTCP_HDR) == 0) {
		rest = (size_t)(q[4] << 8 | q[5]) - 1;
		if (rest > sizeof q - MBTCP_HDR || read_n(fd, q + 7, rest) == -1)
			break;
		pthread_mutex_lock(&s->mu);
		if (s->n < MAX_LOG) {
			s->fc[s->n] = q[7];
			s->t[s->n] = now_s();
		}
		s->n++;
		if (s->hangup > 0) {
			s->hangup--;
			pthread_mutex_unlock(&s->mu);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		if (send_reply(s, fd, a, answer(s, q, a)) == -1)
			break;
	}
	close(fd);
}

/* The server thread: one connection at a time. */
static void *
srv_main(void *arg)
{
	struct srv	*s = arg;
	struct pollfd	 pfd = { s->lfd, POLLIN, 0 };
	int		 fd;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		if (s->quit) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		if (poll(&pfd, 1, 50) == 1 &&
		    (fd = accept(s->lfd, NULL, NULL)) != -1) {
			pthread_mutex_lock(&s->mu);
			s->conns++;
			pthread_mutex_unlock(&s->mu);
			serve(s, fd);
		}
	}
	return NULL;
}

/* Start the server on a free loopback port. */
static void
srv_start(struct srv *s, int drip_ms)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof sin;
	int			one = 1;

	memset(s, 0, sizeof *s);
	s->drip_ms = drip_ms;
	pthread_mutex_init(&s->mu, NULL);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	getsockname(s->lfd, (struct sockaddr *)&sin, &sl);
	s->port = ntohs(sin.sin_port);
	pthread_create(&s->thr, NULL, srv_main, s);
}

/* Stop the server (its current connection ends when the worker's does). */
static void
srv_stop(struct srv *s)
{
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thr, NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
}

/* Wait up to ms for a result from d. */
static int
wait_result(struct plc_dev *d, struct plc_result *r, int ms)
{
	double	end = now_s() + ms / 1000.0;

	while (now_s() < end) {
		if (plc_take(d, r))
			return 1;
		sleep_ms(2);
	}
	return 0;
}

/* The configuration of a station whose PLC is s. */
static void
station(struct cfg_station *c, const struct srv *s)
{
	fixture_station(c, 1);
	strcpy(c->host, "127.0.0.1");
	c->port = s->port;
}

static void
test_poll_reads_back_and_acks(void **state)
{
	struct srv		s;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	struct intent		it = { .write = 1, .seq = 7, .remote = 1,
	    .control = OBS_DIRECT, .run_mask = 1, .watchdog_s = 10 };
	uint16_t		seq;
	int			efd = eventfd(0, EFD_NONBLOCK);
	struct plc_ready	rl;

	(void)state;
	srv_start(&s, 0);
	station(&c, &s);
	assert_int_equal(plc_ready_init(&rl, efd, 1), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 0.2, 0.5),
	    0);
	assert_true(wait_result(&d, &r, 2000));
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.obs.acked, 0);
	assert_int_equal(plc_acked(&d, &seq), 0);
	plc_command(&d, &it);
	/* the next poll carries it as acknowledged, reads back the same */
	assert_true(wait_result(&d, &r, 2000));
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.obs.acked, 1);
	assert_int_equal(r.obs.acked_seq, 7);
	assert_int_equal(r.obs.acked_remote, 1);
	assert_int_equal(r.obs.foreign, 0);
	pthread_mutex_lock(&s.mu);
	assert_int_equal(s.hr[PLC_HR_HEARTBEAT], 7);
	assert_int_equal(s.hr[PLC_HR_WATCHDOG], 10);
	pthread_mutex_unlock(&s.mu);
	assert_int_equal(plc_acked(&d, &seq), 1);
	assert_int_equal(seq, 7);
	/* another master writes: the next poll says so */
	pthread_mutex_lock(&s.mu);
	s.hr[PLC_HR_PUMP_CMD] = 0x2;
	pthread_mutex_unlock(&s.mu);
	assert_true(wait_result(&d, &r, 2000));
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.obs.foreign, 1);
	plc_stop(&d);
	srv_stop(&s);
	plc_ready_free(&rl);
	close(efd);
}

/* The ready list hands the loop only the stations with a result: a worker
 * for station 2 of 3 queues index 2, once however many polls it posts
 * before the take, and wakes the eventfd once for them. */
static void
test_ready_list_only_results(void **state)
{
	struct srv		s;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	struct plc_ready	rl;
	struct plc_dev *const	*dev;
	uint64_t		 v;
	int			efd = eventfd(0, EFD_NONBLOCK);

	(void)state;
	srv_start(&s, 0);
	station(&c, &s);
	assert_int_equal(plc_ready_init(&rl, efd, 3), 0);
	assert_int_equal(plc_ready_take(&rl, &dev), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 0.05,
	    0.5), 0);
	usleep(400000);		/* several polls, none taken */
	assert_int_equal(read(efd, &v, sizeof v), (ssize_t)sizeof v);
	assert_int_equal(v, 1);
	assert_int_equal(plc_ready_take(&rl, &dev), 1);
	assert_ptr_equal(dev[0], &d);
	assert_true(plc_take(&d, &r));
	assert_int_equal(r.ok, 1);
	assert_true(wait_result(&d, &r, 2000));	/* queued again after */
	plc_stop(&d);
	/* a worker freed while queued (a reload retires it) leaves nothing
	 * behind for the loop to touch */
	plc_ready_forget(&rl, &d);
	assert_int_equal(plc_ready_take(&rl, &dev), 0);
	srv_stop(&s);
	plc_ready_free(&rl);
	close(efd);
}

/* The worker decodes: a PLC of another map version is refused there, with
 * the codec's cause, and the connection stays up. */
static void
test_rejected_on_the_worker(void **state)
{
	struct srv		s;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	int			efd = eventfd(0, EFD_NONBLOCK), n, conns;
	struct plc_ready	rl;

	(void)state;
	srv_start(&s, 0);
	s.version = 2;
	station(&c, &s);
	assert_int_equal(plc_ready_init(&rl, efd, 1), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 0.1, 0.5),
	    0);
	assert_true(wait_result(&d, &r, 2000));
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.rejected, 1);
	assert_int_equal(r.cause, MBTCP_OK);
	assert_string_equal(r.err, "map version 2, not 1: refusing to control");
	assert_true(wait_result(&d, &r, 2000));
	assert_int_equal(r.rejected, 1);
	plc_stop(&d);
	pthread_mutex_lock(&s.mu);
	n = s.n;
	conns = s.conns;
	pthread_mutex_unlock(&s.mu);
	assert_true(n >= 4);	/* two polls of two reads */
	assert_int_equal(conns, 1);	/* on one connection */
	srv_stop(&s);
	plc_ready_free(&rl);
	close(efd);
}

static void
test_command_written_at_once(void **state)
{
	struct srv		s;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	struct intent		it = { .write = 1, .seq = 9, .remote = 1,
	    .control = OBS_DIRECT, .run_mask = 1, .watchdog_s = 10 };
	double			t, ages[PLC_AGES], max_ms;
	int			efd = eventfd(0, EFD_NONBLOCK), i, w = -1;
	struct plc_ready	rl;

	(void)state;
	srv_start(&s, 0);
	station(&c, &s);
	assert_int_equal(plc_ready_init(&rl, efd, 1), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 1.0, 0.5), 0);
	assert_true(wait_result(&d, &r, 2000));
	sleep_ms(700);		/* late in the poll period */
	t = now_s();
	plc_command(&d, &it);
	sleep_ms(200);
	pthread_mutex_lock(&s.mu);
	for (i = 0; i < s.n && i < MAX_LOG; i++)
		if (s.fc[i] == MBTCP_FC_WRITE_MULTIPLE && w == -1)
			w = i;
	assert_true(w >= 2);
	/* written within 50 ms, before any further read */
	assert_true(s.t[w] - t < 0.05);
	assert_int_equal(w, 2);
	pthread_mutex_unlock(&s.mu);
	assert_int_equal(plc_take_ages(&d, ages, &max_ms), 1);
	assert_true(ages[0] >= 0 && ages[0] < 50);
	assert_true(max_ms == ages[0]);
	assert_int_equal(plc_take_ages(&d, ages, &max_ms), 0);
	plc_stop(&d);
	srv_stop(&s);
	plc_ready_free(&rl);
	close(efd);
}

/* Whether the PLC s saw a write among its requests from the from'th. */
static int
saw_write(struct srv *s, int from)
{
	int	i, w = 0;

	pthread_mutex_lock(&s->mu);
	for (i = from; i < s->n && i < MAX_LOG; i++)
		w |= s->fc[i] == MBTCP_FC_WRITE_MULTIPLE;
	pthread_mutex_unlock(&s->mu);
	return w;
}

/* The requests s has seen. */
static int
seen(struct srv *s)
{
	int	n;

	pthread_mutex_lock(&s->mu);
	n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* A command the loop posts after a poll failed, on the good result it
 * took before the failure, is dropped like one pending at the failure:
 * not written after the reconnect, nor after a poll the codec refused;
 * one posted on a good result taken after them is written. */
static void
test_no_command_on_data_before_a_failure(void **state)
{
	struct srv		s;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	struct intent		it = { .write = 1, .seq = 5, .remote = 1,
	    .control = OBS_DIRECT, .run_mask = 1, .watchdog_s = 10 };
	int			efd = eventfd(0, EFD_NONBLOCK), n;
	struct plc_ready	rl;

	(void)state;
	srv_start(&s, 0);
	station(&c, &s);
	assert_int_equal(plc_ready_init(&rl, efd, 1), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 0.2, 0.5),
	    0);
	assert_true(wait_result(&d, &r, 2000));
	assert_int_equal(r.ok, 1);
	/* the PLC drops the connection at the next poll */
	pthread_mutex_lock(&s.mu);
	s.hangup = 1;
	pthread_mutex_unlock(&s.mu);
	do
		assert_true(wait_result(&d, &r, 2000));
	while (r.ok);
	n = seen(&s);
	plc_command(&d, &it);	/* decided on the poll before the drop */
	do
		assert_true(wait_result(&d, &r, 3000));	/* reconnected */
	while (!r.ok);
	sleep_ms(100);
	assert_false(saw_write(&s, n));
	/* a poll the codec refuses (another map version) */
	pthread_mutex_lock(&s.mu);
	s.version = 2;
	pthread_mutex_unlock(&s.mu);
	do
		assert_true(wait_result(&d, &r, 2000));
	while (!r.rejected);
	n = seen(&s);
	plc_command(&d, &it);
	sleep_ms(300);
	assert_false(saw_write(&s, n));
	/* good again: a command on the new result is written */
	pthread_mutex_lock(&s.mu);
	s.version = 0;
	pthread_mutex_unlock(&s.mu);
	do
		assert_true(wait_result(&d, &r, 2000));
	while (!r.ok);
	n = seen(&s);
	plc_command(&d, &it);
	sleep_ms(300);
	assert_true(saw_write(&s, n));
	plc_stop(&d);
	srv_stop(&s);
	plc_ready_free(&rl);
	close(efd);
}

/* Two PLCs on one port (Modbus's 502) at two addresses draw their backoff
 * jitter and first transaction ids from different seeds: a network outage
 * does not have every station reconnect in step. */
static void
test_jitter_apart_on_one_port(void **state)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof sin;
	struct cfg_station	c1, c2;
	struct plc_dev		d1, d2;
	int			efd = eventfd(0, EFD_NONBLOCK), fd;
	struct plc_ready	rl;

	(void)state;
	/* a port nobody listens on: each worker only backs off */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	close(fd);
	fixture_station(&c1, 1);
	fixture_station(&c2, 1);
	strcpy(c1.host, "127.0.0.1");
	strcpy(c2.host, "127.0.0.2");
	c1.port = c2.port = ntohs(sin.sin_port);
	assert_int_equal(plc_ready_init(&rl, efd, 2), 0);
	assert_int_equal(plc_start(&d1, &c1, codec_find("v1"), &rl, 0.2, 0.4),
	    0);
	assert_int_equal(plc_start(&d2, &c2, codec_find("v1"), &rl, 0.2, 0.4),
	    0);
	assert_int_not_equal(d1.tid, d2.tid);	/* no request is ever sent */
	plc_stop(&d1);
	plc_stop(&d2);
	assert_int_not_equal(d1.seed, d2.seed);
	plc_ready_free(&rl);
	close(efd);
}

static void
test_drip_timeout_and_bounded_stop(void **state)
{
	struct srv		s;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	double			t0, t;
	int			efd = eventfd(0, EFD_NONBLOCK);
	struct plc_ready	rl;

	(void)state;
	srv_start(&s, 100);	/* 169 bytes: 17 s for one reply */
	station(&c, &s);
	t0 = now_s();
	assert_int_equal(plc_ready_init(&rl, efd, 1), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 0.2, 0.4), 0);
	assert_true(wait_result(&d, &r, 3000));
	t = now_s() - t0;
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.cause, MBTCP_E_TIMEOUT);
	assert_non_null(strstr(r.err, "no whole reply within 400 ms"));
	assert_true(t > 0.35 && t < 0.8);
	/* the next attempt drips again: stop in the middle of it */
	sleep_ms(800);
	t0 = now_s();
	plc_stop(&d);
	t = now_s() - t0;
	assert_true(t < 0.6);
	srv_stop(&s);
	plc_ready_free(&rl);
	close(efd);
}

static void
test_stop_while_connecting(void **state)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof sin;
	struct cfg_station	c;
	struct plc_dev		d;
	struct plc_result	r;
	double			t0, t;
	int			lfd, fill[4], i, efd = eventfd(0, EFD_NONBLOCK);
	struct plc_ready	rl;

	(void)state;
	/* a PLC whose accept queue is full: SYNs are dropped, connect hangs */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 0), 0);
	getsockname(lfd, (struct sockaddr *)&sin, &sl);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof sin);
	}
	sleep_ms(100);
	fixture_station(&c, 1);
	strcpy(c.host, "127.0.0.1");
	c.port = ntohs(sin.sin_port);
	assert_int_equal(plc_ready_init(&rl, efd, 1), 0);
	assert_int_equal(plc_start(&d, &c, codec_find("v1"), &rl, 0.2, 0.4), 0);
	assert_true(wait_result(&d, &r, 1000));
	assert_int_equal(r.cause, MBTCP_E_IO);
	assert_non_null(strstr(r.err, "timed out"));
	sleep_ms(500);		/* past the backoff, connecting again */
	t0 = now_s();
	plc_stop(&d);
	t = now_s() - t0;
	assert_true(t < 0.6);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
	plc_ready_free(&rl);
	close(efd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_reads_back_and_acks),
		cmocka_unit_test(test_rejected_on_the_worker),
		cmocka_unit_test(test_command_written_at_once),
		cmocka_unit_test(test_no_command_on_data_before_a_failure),
		cmocka_unit_test(test_drip_timeout_and_bounded_stop),
		cmocka_unit_test(test_stop_while_connecting),
		cmocka_unit_test(test_jitter_apart_on_one_port),
		cmocka_unit_test(test_ready_list_only_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
