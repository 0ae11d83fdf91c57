/*
 * make bench-micro (and the first part of make bench): what the hot paths
 * cost, measured side by side in one run and reported as ratios, never
 * asserted.  Each line compares two ways of doing the same work, or a cost
 * with the budget it must fit in.  Pure computations are timed in the
 * thread's CPU time (steady on a shared machine), five times (min, median,
 * max); the spool, which waits on the disk, in wall time.  The last line
 * repeats the figures as key=value for scripts/bench/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "cfg.h"
#include "core.h"
#include "fixture.h"
#include "lp.h"
#include "plc.h"
#include "spool.h"

/* The thread's CPU time, nanoseconds. */
static double
cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Sort helper for doubles. */
static int
cmp_d(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Monotonic nanoseconds. */
static double
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One station point and its pumps into b, as pumpd writes them. */
static void
encode_station(struct lp_buf *b, int i, int64_t ms)
{
	static const char *const num[] = { "1", "2", "3", "4" };
	char	id[16] = "station-00";
	int	k;

	id[8] = (char)('0' + i % 30 / 10);	/* pumpd has its ids ready */
	id[9] = (char)('0' + i % 10);
	lp_begin(b, "station");
	lp_tag(b, "station", id);
	lp_tag(b, "kind", "stormwater");
	lp_float(b, "level_m", 1.234 + i % 7);
	lp_float(b, "level_a_m", 1.234);
	lp_float(b, "level_b_m", 1.236);
	lp_float(b, "rain_mm_h", 12.5);
	lp_float(b, "rain_mm", 34.6);
	lp_int(b, "pumps_running", 2);
	lp_int(b, "storm", 1);
	lp_int(b, "comms", 0);
	lp_int(b, "mode", 1);
	lp_end(b, ms);
	for (k = 0; k < 4; k++) {
		lp_begin(b, "pump");
		lp_tag(b, "station", id);
		lp_tag(b, "pump", num[k]);
		lp_int(b, "running", k < 2);
		lp_float(b, "current_a", 123.4);
		lp_int(b, "run_s", 123456);
		lp_end(b, ms);
	}
}

/* ns per call of core_step for a station with a moving level. */
static double
bench_core(int n)
{
	struct cfg_station	c;
	struct cfg_control	p;
	struct core_input	in = { CORE_WARN_NONE, -1, 0 };
	struct core_state	s;
	struct obs		snap;
	struct core_out		out;
	double			t0;
	int			i, k;

	fixture_station(&c, 4);
	cfg_control_defaults(&p);
	core_init(&s);
	memset(&snap, 0, sizeof snap);
	snap.control = OBS_DIRECT;
	snap.npumps = 4;
	snap.nlevels = 2;
	snap.level_ok[0] = snap.level_ok[1] = 1;
	snap.flags = OBS_ST_REMOTE | OBS_ST_MAINS_OK;
	for (k = 0; k < 4; k++)
		snap.pump[k].flags = OBS_PU_AVAILABLE;
	t0 = cpu_ns();
	for (i = 0; i < n; i++) {
		snap.level_m[0] = snap.level_m[1] = (1000 + (i % 2000)) /
		    1000.0;
		snap.rain_tips = (uint32_t)(i / 10);
		core_step(&s, &c, &p, &snap, CORE_COMMS_OK, &in,
		    (int64_t)i * 1000, &out);
	}
	return (cpu_ns() - t0) / n;
}

/* ns per point encoded. */
static double
bench_lp(int n, struct lp_buf *b)
{
	double	t0 = cpu_ns();
	int	i;

	for (i = 0; i < n; i++) {
		if (i % 1000 == 0)
			lp_reset(b);
		encode_station(b, i, 1764000000000LL + i);
	}
	return (cpu_ns() - t0) / (n * 5.0);
}

/* gzip a body at level; ns per input byte, and the compressed size. */
static double
bench_gzip(const struct lp_buf *b, int level, size_t *out_len)
{
	unsigned char	*out = malloc(b->len + 1024);
	double		 t0 = cpu_ns();
	z_stream	 z;
	int		 rep;

	for (rep = 0; rep < 20; rep++) {
		memset(&z, 0, sizeof z);
		deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY);
		z.next_in = (Bytef *)b->data;
		z.avail_in = (uInt)b->len;
		z.next_out = out;
		z.avail_out = (uInt)(b->len + 1024);
		deflate(&z, Z_FINISH);
		*out_len = z.total_out;
		deflateEnd(&z);
	}
	free(out);
	return (cpu_ns() - t0) / (20.0 * b->len);
}

/* µs of the caller's time per spool append: with the syncer thread (as
 * pumpd runs it) or with fdatasync on the caller's thread. */
static double
bench_spool(const struct lp_buf *b, int inline_sync, int n)
{
	struct spool	 s;
	char		 dir[] = "/tmp/bench_spool.XXXXXX", *cause = NULL;
	char		 cmd[64];
	double		 t0;
	int		 i;

	if (mkdtemp(dir) == NULL || spool_open(&s, dir, 1u << 30,
	    &cause) == -1)
		return -1;
	if (inline_sync) {	/* stop the syncer: appends flush themselves */
		pthread_mutex_lock(&s.mu);
		s.stop = 1;
		pthread_cond_signal(&s.cv);
		pthread_mutex_unlock(&s.mu);
		pthread_join(s.syncer, NULL);
		s.running = 0;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		spool_append(&s, b->data, b->len, (uint32_t)b->npoints, NULL,
		    &cause);
	t0 = (now_ns() - t0) / n / 1000;
	spool_close(&s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	return t0;
}

int
main(void)
{
	struct lp_buf	b;
	double		core_ns, lp_ns, g1, g6, sp_thread, sp_inline, lps[5];
	double		cy_thread, cy_inline;
	struct lp_buf	cyc;
	size_t		z1, z6;
	int		i;

	lp_init(&b);
	core_ns = bench_core(2000000);
	for (i = 0; i < 5; i++)
		lps[i] = bench_lp(200000, &b);
	qsort(lps, 5, sizeof lps[0], cmp_d);
	lp_ns = lps[2];
	lp_reset(&b);
	for (i = 0; b.npoints < 5000; i++)
		encode_station(&b, i, 1764000000000LL + i * 1000);
	g1 = bench_gzip(&b, 1, &z1);
	g6 = bench_gzip(&b, 6, &z6);
	sp_thread = bench_spool(&b, 0, 50);
	sp_inline = bench_spool(&b, 1, 50);
	/* what pumpd appends now: one station cycle (station and 4 pumps) */
	lp_init(&cyc);
	encode_station(&cyc, 7, 1764000000000LL);
	cy_thread = bench_spool(&cyc, 0, 3000);
	cy_inline = bench_spool(&cyc, 1, 300);

	printf("pumpd benchmarks (one run; ratios, not limits)\n\n");
	printf("control core      %8.0f ns a station cycle; 30 stations use "
	    "1/%.0f of a 1 s poll\n", core_ns, 1e9 / (30 * core_ns));
	printf("line protocol     %8.0f ns a point (min %.0f, max %.0f of 5): "
	    "%.2f M points/s; 150 points a second (30 stations, 4 pumps) use "
	    "1/%.0f of the loop\n", lp_ns, lps[0], lps[4], 1e3 / lp_ns,
	    1e9 / (150 * lp_ns));
	printf("gzip, 5000 points %8zu bytes raw: level 1 %zu (%.1f:1), "
	    "level 6 %zu (%.1f:1); level 6 costs %.2fx level 1's time, "
	    "%.1f ns a byte\n", b.len, z1, (double)b.len / z1, z6,
	    (double)b.len / z6, g6 / g1, g6);
	printf("spool append      %8.0f us on the loop with the syncer "
	    "thread, %.0f us with fdatasync inline: %.0fx\n", sp_thread,
	    sp_inline, sp_thread > 0 ? sp_inline / sp_thread : 0);
	printf("spool, one cycle  %8.1f us an append of %zu bytes (%d points) "
	    "with the syncer thread, %.0f us with fdatasync inline; 30 "
	    "stations use 1/%.0f of a 1 s poll\n", cy_thread, cyc.len,
	    cyc.npoints, cy_inline, 1e6 / (30 * cy_thread));
	printf("\nmicro core_ns=%.0f lp_ns=%.1f lp_ns_min=%.1f lp_ns_max=%.1f "
	    "lp_mpts=%.3f gzip1_ns_byte=%.2f gzip6_ns_byte=%.2f gzip1_ratio=%.1f "
	    "gzip6_ratio=%.1f spool_append_us=%.0f spool_inline_us=%.0f "
	    "spool_cycle_us=%.1f\n", core_ns, lp_ns, lps[0], lps[4],
	    1e3 / lp_ns, g1, g6, (double)b.len / z1, (double)b.len / z6,
	    sp_thread, sp_inline, cy_thread);
	lp_free(&cyc);
	lp_free(&b);
	return 0;
}
