/*
 * bench-bare: the limit for pumpd's polling cost.  A bare libmodbus client
 * that makes the same transactions as pumpd's workers (each station's
 * codec's reads, every poll period, one thread per connection) and nothing
 * else: no decoding, no control, no metrics.  It prints its transactions
 * and CPU seconds (getrusage) when the time is up:
 *   bench-bare CONF SECONDS POLL_MS
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <modbus.h>

#include "cfg.h"
#include "codec.h"

struct client {
	const struct cfg_station *cfg;
	pthread_t		 thr;
	double			 poll_s;
	double			 end;		/* monotonic seconds */
	unsigned long		 done;		/* transactions */
	unsigned long		 failed;
};

/* Monotonic seconds. */
static double
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until monotonic time t. */
static void
sleep_until(double t)
{
	struct timespec	ts = { (time_t)t, (long)((t - (time_t)t) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* One request q on ctx, as libmodbus makes it; 0 or -1. */
static int
transact(modbus_t *ctx, const struct codec_req *q)
{
	uint16_t	regs[128];
	uint8_t		bits[2048];

	switch (q->fc) {
	case CODEC_FC_READ_INPUT:
		return modbus_read_input_registers(ctx, q->addr, q->n, regs) ==
		    -1 ? -1 : 0;
	case CODEC_FC_READ_HOLDING:
		return modbus_read_registers(ctx, q->addr, q->n, regs) == -1 ?
		    -1 : 0;
	case CODEC_FC_READ_COILS:
		return modbus_read_bits(ctx, q->addr, q->n, bits) == -1 ? -1 : 0;
	case CODEC_FC_READ_DISCRETE:
		return modbus_read_input_bits(ctx, q->addr, q->n, bits) == -1 ?
		    -1 : 0;
	case CODEC_FC_REPORT_ID:
		return modbus_report_slave_id(ctx, sizeof bits, bits) == -1 ?
		    -1 : 0;
	default:
		return -1;
	}
}

/* The client thread: connect, then the codec's reads every period. */
static void *
run(void *arg)
{
	struct client		*c = arg;
	const struct codec	*k = codec_find(cfg_map_name(c->cfg->map));
	struct codec_req	 req[CODEC_MAX_REQS];
	modbus_t		*ctx = modbus_new_tcp(c->cfg->host, c->cfg->port);
	double			 next = mono();
	int			 i, n;

	if (ctx == NULL || k == NULL)
		return NULL;
	modbus_set_slave(ctx, c->cfg->unit);
	modbus_set_response_timeout(ctx, 1, 0);
	if (modbus_connect(ctx) == -1) {
		modbus_free(ctx);
		return NULL;
	}
	while (next < c->end) {
		n = k->poll(c->cfg, req);
		for (i = 0; i < n; i++)
			if (transact(ctx, &req[i]) == 0)
				c->done++;
			else
				c->failed++;
		next += c->poll_s;
		sleep_until(next);
	}
	modbus_close(ctx);
	modbus_free(ctx);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	struct client		*c;
	struct rusage		 ru;
	pthread_attr_t		 ta;
	unsigned long		 done = 0, failed = 0;
	double			 end;
	int			 i;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-bare CONF SECONDS POLL_MS\n");
		return 2;
	}
	if (cfg_load(argv[1], &d, &diag) == -1) {
		for (i = 0; i < diag.nmsg; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
		return 1;
	}
	cfg_diag_free(&diag);
	if ((c = calloc((size_t)d.nstations, sizeof *c)) == NULL)
		return 1;
	end = mono() + atof(argv[2]);
	pthread_attr_init(&ta);
	pthread_attr_setstacksize(&ta, 128 * 1024);
	for (i = 0; i < d.nstations; i++) {
		c[i].cfg = &d.st[i];
		c[i].poll_s = atof(argv[3]) / 1000;
		c[i].end = end;
		pthread_create(&c[i].thr, &ta, run, &c[i]);
	}
	for (i = 0; i < d.nstations; i++) {
		pthread_join(c[i].thr, NULL);
		done += c[i].done;
		failed += c[i].failed;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("transactions=%lu failed=%lu cpu_s=%.3f\n", done, failed,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	free(c);
	cfg_free(&d);
	return 0;
}
