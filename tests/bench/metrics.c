/*
 * make bench, metrics throughput (scripts/bench/metrics.sh): pumpd's
 * metrics writer against its limit.  Three commands:
 *
 *   bench-metrics fill DIR POINTS      a spool of POINTS points in cycles of
 *                                      33 stations, as pumpd appends them;
 *                                      prints the append rate
 *   bench-metrics bodies DIR OUT       replays the spool with spool_peek /
 *                                      spool_ack (no network), as the writer
 *                                      cuts it into batches, and writes each
 *                                      batch gzipped (level 1, as the writer)
 *                                      to OUT/NNNNN.gz for curl; prints the
 *                                      replay (read) rate
 *   bench-metrics send URL DB DIR      mtr.c replays the spool DIR into
 *                                      InfluxDB at URL, database DB, as fast
 *                                      as it goes (replay_per_s 1000); prints
 *                                      points per second of wall time
 *
 * Figures are key=value lines on stdout; wall time, as throughput is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <zlib.h>

#include "cfg.h"
#include "lp.h"
#include "mtr.h"
#include "spool.h"

#define BATCH_POINTS	5000	/* the configuration's default */
#define STATIONS	33

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One station point and its four pumps into b, as pumpd writes them. */
static void
encode_station(struct lp_buf *b, int i, int64_t ms)
{
	static const char *const num[] = { "1", "2", "3", "4" };
	char	id[16];
	int	k;

	snprintf(id, sizeof id, "station-%02d", i);
	lp_begin(b, "station");
	lp_tag(b, "station", id);
	lp_tag(b, "kind", "stormwater");
	lp_float(b, "level_m", 1.234 + i % 7 + (ms % 1000) / 1000.0);
	lp_float(b, "rain_mm_h", 12.5);
	lp_int(b, "pumps_running", 2);
	lp_int(b, "comms", 0);
	lp_int(b, "mode", 1);
	lp_end(b, ms);
	for (k = 0; k < 4; k++) {
		lp_begin(b, "pump");
		lp_tag(b, "station", id);
		lp_tag(b, "pump", num[k]);
		lp_int(b, "running", k < 2);
		lp_float(b, "current_a", 123.4);
		lp_int(b, "run_s", ms / 1000);
		lp_end(b, ms);
	}
}

/* Fill a spool with at least npoints points, one record per cycle. */
static int
cmd_fill(const char *dir, long npoints)
{
	struct spool	 s;
	struct lp_buf	 b;
	char		*cause = NULL;
	long		 made = 0, recs = 0;
	int64_t		 ms = 1700000000000LL;
	double		 t0, t, bytes = 0;
	int		 i;

	if (spool_open(&s, dir, 1ull << 32, &cause) == -1) {
		fprintf(stderr, "bench-metrics: %s\n", cause ? cause : dir);
		return 1;
	}
	lp_init(&b);
	t0 = now_s();
	while (made < npoints) {
		lp_reset(&b);
		for (i = 0; i < STATIONS; i++)
			encode_station(&b, i, ms);
		if (spool_append(&s, b.data, b.len, (uint32_t)b.npoints, NULL,
		    &cause) == -1) {
			fprintf(stderr, "bench-metrics: %s\n", cause);
			return 1;
		}
		made += b.npoints;
		bytes += (double)b.len;
		recs++;
		ms += 1000;
	}
	t = now_s() - t0;
	spool_close(&s);
	lp_free(&b);
	printf("points=%ld records=%ld bytes=%.0f append_s=%.4f "
	    "append_points_s=%.0f append_us_record=%.1f append_mb_s=%.1f\n",
	    made, recs, bytes, t, made / t, t * 1e6 / recs, bytes / t / 1e6);
	return 0;
}

/* Write one body gzipped, as the writer compresses it. */
static int
write_gz(const char *path, const char *data, size_t len)
{
	gzFile	g = gzopen(path, "wb1");

	if (g == NULL)
		return -1;
	if (gzwrite(g, data, (unsigned)len) != (int)len) {
		gzclose(g);
		return -1;
	}
	return gzclose(g) == Z_OK ? 0 : -1;
}

/* Read the spool out in the writer's batches; the bodies into out. */
static int
cmd_bodies(const char *dir, const char *out)
{
	struct spool	 s;
	char		*cause = NULL, *data, path[4096];
	size_t		 len;
	uint32_t	 n;
	long		 pts = 0, nb = 0;
	double		 t0, tread = 0, bytes = 0;

	if (spool_open(&s, dir, 1ull << 32, &cause) == -1) {
		fprintf(stderr, "bench-metrics: %s\n", cause ? cause : dir);
		return 1;
	}
	for (;;) {
		t0 = now_s();
		if (spool_peek(&s, BATCH_POINTS, &data, &len, &n) != 0)
			break;
		spool_ack(&s);
		tread += now_s() - t0;
		snprintf(path, sizeof path, "%s/%05ld.gz", out, nb++);
		if (write_gz(path, data, len) == -1) {
			fprintf(stderr, "bench-metrics: %s: %s\n", path,
			    strerror(errno));
			return 1;
		}
		pts += n;
		bytes += (double)len;
		free(data);
	}
	spool_close(&s);
	printf("points=%ld batches=%ld replay_read_s=%.4f "
	    "replay_read_points_s=%.0f replay_read_mb_s=%.1f\n", pts, nb,
	    tread, pts / tread, bytes / tread / 1e6);
	return 0;
}

/* Stop the loop once the spool is empty and nothing is out. */
static void
on_check(evutil_socket_t fd, short what, void *arg)
{
	struct mtr_stats	 st;
	void			**a = arg;

	(void)fd;
	(void)what;
	mtr_stats(a[0], &st);
	if (st.spool_points == 0 && !mtr_busy(a[0]))
		event_base_loopbreak(a[1]);
}

/* The writer replays the spool into InfluxDB; points/s of wall time. */
static int
cmd_send(const char *url, const char *db, const char *dir)
{
	struct event_base	*base = event_base_new();
	struct cfg_influx	 c;
	struct mtr		*m;
	struct mtr_stats	 st;
	struct event		*check;
	struct timeval		 tv = { 0, 1000 };
	char			*cause = NULL;
	void			*arg[2];
	uint64_t		 waiting;
	double			 t0, t;

	memset(&c, 0, sizeof c);
	snprintf(c.url, sizeof c.url, "%s", url);
	c.version = 1;
	snprintf(c.database, sizeof c.database, "%s", db);
	c.batch_points = BATCH_POINTS;
	c.batch_ms = 1000;
	c.timeout_ms = 30000;
	c.spool_max_kb = 4 << 20;
	c.replay_per_s = 1000;	/* the most the configuration allows */
	if (base == NULL || (m = mtr_new(base, &c, NULL, dir, &cause)) ==
	    NULL) {
		fprintf(stderr, "bench-metrics: %s\n", cause ? cause : "mtr");
		return 1;
	}
	mtr_stats(m, &st);
	waiting = st.spool_points;
	arg[0] = m;
	arg[1] = base;
	check = event_new(base, -1, EV_PERSIST, on_check, arg);
	event_add(check, &tv);
	t0 = now_s();
	event_base_dispatch(base);
	t = now_s() - t0;
	mtr_stats(m, &st);
	printf("points=%llu sent=%llu requests=%llu failures=%llu "
	    "send_s=%.3f send_points_s=%.0f\n", (unsigned long long)waiting,
	    (unsigned long long)st.sent, (unsigned long long)st.requests,
	    (unsigned long long)st.failures, t, st.sent / t);
	event_free(check);
	mtr_free(m);
	event_base_free(base);
	return st.sent == waiting ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv[2], atol(argv[3]));
	if (argc == 4 && strcmp(argv[1], "bodies") == 0)
		return cmd_bodies(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return cmd_send(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: bench-metrics fill DIR POINTS | bodies DIR OUT"
	    " | send URL DB DIR\n");
	return 2;
}
