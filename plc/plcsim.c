/*
 * plcsim: the district's station PLCs, simulated.  One process serves every
 * station of a configuration file, each on its own Modbus TCP port on
 * 127.0.0.1, speaking map version 1 exactly (plcmap.h), or map L1 for a
 * station configured with plc.map = "L1" (plcmap_l1.h: function 17 identity,
 * discrete inputs, coils, CDAB values, raw 4-20 mA levels, 20-50 ms to
 * answer every request), with the physical model of model.c behind the
 * registers.
 *
 * Single-threaded: one epoll loop accepts connections, answers requests
 * (a request is read by its MBAP length with poll(), never libmodbus's
 * select(), so that any number of stations and descriptors will do;
 * libmodbus decodes and encodes the frames; the map's own address and value
 * checks come first), advances every station in fixed simulated steps
 * (simulated time = speed x real time), applies scheduled faults and serves
 * a small text control port.  A "slow" PLC's answers wait in a queue, so a
 * slow or silent station never delays another.
 *
 * Around the stations, district.c's rivers and treatment plant: the rivers'
 * levels are the stations' outfall levels, and when a river reaches its
 * warning level the flood-control headquarters' discharge limit is
 * published on the control port ("limits") for an operator, or the
 * benchmark, to relay to pumpd.  --bound runs every pump while it rains,
 * --track moves the storm across the stations' positions, --trace writes a
 * minute-by-minute CSV for plots.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <modbus.h>

#include "cfg.h"
#include "district.h"
#include "hydro.h"
#include "util.h"
#include "model.h"
#include "plcmap.h"
#include "plcmap_l1.h"
#include "rain.h"

#ifndef PUMPD_VERSION
#define PUMPD_VERSION	"unknown"	/* the Makefile passes it */
#endif

#define MAX_CLIENTS	8	/* per station */
#define MAX_CTL		4	/* control connections */
#define MAX_FAULTS	64	/* scheduled on the command line */
#define MAX_STEPS_PER_WAKE 4000	/* then serve the network again */
#define MAX_EVENTS	256	/* descriptors served per wake */
#define REQ_WAIT_S	0.5	/* for the rest of a request, once begun */

/* What an epoll entry stands for: kind, station i, slot j. */
enum tag_kind { TAG_LISTEN, TAG_CLIENT, TAG_CTL_LISTEN, TAG_CTL };
#define HIST_MS		10000	/* timing histograms: 1 ms bins to 10 s */
#define TAG(k, i, j)	((uint64_t)(k) | (uint64_t)(j) << 8 | (uint64_t)(i) << 16)

struct pending {
	struct pending	*next;
	int		 fd;
	double		 due;		/* real monotonic seconds */
	int		 len;
	uint8_t		 req[MODBUS_TCP_MAX_ADU_LENGTH];
};

struct sim_station {
	struct mdl_station	 m;
	modbus_t		*ctx;
	modbus_mapping_t	*map;
	int			 lfd;
	int			 cfd[MAX_CLIENTS];
	int			 silent;	/* accept, read, never answer */
	int			 slow_ms;	/* answer after a delay */
	unsigned long		 received;	/* requests read */
	unsigned long		 requests;
	unsigned long		 exceptions;
	double			 poll_t;	/* real: the last poll began */
	int			 poll_req;	/* fc << 16 | addr: the read a
						 * poll begins with; 0 unknown */
	double			 cross_t;	/* real: the level rose past the
						 * duty start, no pump on; 0 */
	double			 prev_level_m;
	double			 trace_rain_mm;	/* at the last trace line */
};

/* Timing seen from the PLCs, for the benchmarks (control port "timing"):
 * the gaps between two polls' first requests, and the time from a level
 * crossing the duty start to the run command's arrival, ms. */
struct sim_timing {
	unsigned long	 gap[HIST_MS + 1];	/* the last: longer */
	unsigned long	 react[HIST_MS + 1];
};

struct sched {
	double	at_s;
	char	spec[128];
	int	done;
};

struct ctl_client {
	int	fd;
	char	buf[512];
	size_t	len;
};

struct plcsim {
	struct cfg_district	 d;
	struct rain		 rain;
	struct sim_station	*st;
	int			 n;
	double			 speed;
	double			 step_s;
	double			 duration_s;	/* 0: until a signal */
	double			 status_s;	/* 0: no status table */
	double			 next_status;
	double			 t;		/* simulated */
	double			 real0;
	double			 frozen_at;	/* real time; 0: running */
	const char		*summary_path;
	int			 port_base;	/* 0: the configured ports */
	int			 list;		/* --list */
	struct sched		 faults[MAX_FAULTS];
	int			 nfaults;
	int			 ctl_lfd;
	struct ctl_client	 ctl[MAX_CTL];
	int			 ep;		/* epoll */
	struct sim_timing	*timing;
	struct pending		*pending;
	struct dst		 ds;		/* rivers, plant, routing */
	struct mdl_station	**mp;		/* the stations' models */
	struct dst_opts		 opts;
	struct hyd_track	 track;
	int			*was_limited;	/* per river, for the log */
	FILE			*trace;		/* --trace */
	double			 next_trace;
};

static volatile sig_atomic_t got_stop, got_usr1;

/* Signal handler: note which signal came. */
static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

/* Monotonic real time, seconds. */
static double
now_real(void)
{
	return util_mono_s();
}

/* Watch fd for input, tagged tag; 0 or -1. */
static int
watch(struct plcsim *s, int fd, uint64_t tag)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Read one Modbus TCP request from fd into req (its MBAP header, then the
 * length it gives), waiting at most REQ_WAIT_S once it has begun; its
 * length, or -1 when the client closed, stalled or sent no valid header. */
static int
read_request(int fd, uint8_t *req)
{
	double		dl = now_real() + REQ_WAIT_S;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		want = 7, got = 0;
	ssize_t		k;

	while (got < want) {
		k = recv(fd, req + got, want - got, MSG_DONTWAIT);
		if (k == 0 || (k == -1 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (k > 0 && (got += (size_t)k) == 7 && want == 7) {
			want = 6 + (size_t)(req[4] << 8 | req[5]);
			if (want < 8 || want > MODBUS_TCP_MAX_ADU_LENGTH)
				return -1;
		}
		if (k == -1 && (now_real() >= dl ||
		    poll(&pfd, 1, (int)ceil((dl - now_real()) * 1000)) == 0))
			return -1;
	}
	return (int)got;
}

/* Find a station by id; -1 when there is none. */
static int
find_station(struct plcsim *s, const char *id)
{
	int	i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->st[i].m.cfg->id, id) == 0)
			return i;
	return -1;
}

/* Parse a number in lo..hi from a, whole: 1 when it is one, else 0. */
static int
num_ok(const char *a, double lo, double hi, double *x)
{
	char	*end;

	*x = strtod(a, &end);
	return end != a && *end == '\0' && *x >= lo && *x <= hi;
}

/* Parse a 1-based pump number for station st; -1 if invalid. */
static int
pump_arg(const struct sim_station *st, const char *a)
{
	char	*end;
	long	 k = a ? strtol(a, &end, 10) : 0;

	if (a == NULL || *end != '\0' || k < 1 || k > st->m.cfg->npumps)
		return -1;
	return (int)k - 1;
}

/* The running pump that started first (the duty pump); -1 if none runs. */
static int
duty_pump(const struct mdl_station *m)
{
	const struct mdl_pump	*p;
	int			 k, best = -1;
	double			 t, bt = 0;

	for (k = 0; k < m->cfg->npumps; k++) {
		p = &m->pump[k];
		if (!p->contactor || p->starts == 0)
			continue;
		t = p->start_t[(p->starts - 1) % MDL_START_LOG];
		if (best < 0 || t < bt) {
			best = k;
			bt = t;
		}
	}
	return best;
}

/*
 * Apply a fault "STATION:NAME[:ARG[:ARG]]" now (dry: only check it).  0 on
 * success, else -1 with a reason in err.
 */
static int
apply_fault(struct plcsim *s, const char *spec, int dry, char *err,
    size_t errlen)
{
	char			 buf[128], *f[4] = { 0 }, *save = NULL;
	struct sim_station	*st, scratch;
	struct mdl_station	*m;
	int			 i, k, nf = 0;
	double			 x;

	snprintf(buf, sizeof buf, "%s", spec);
	for (f[nf] = strtok_r(buf, ":", &save); f[nf] != NULL && nf < 3;)
		f[++nf] = strtok_r(NULL, ":", &save);
	if (nf < 2 || (i = find_station(s, f[0])) == -1) {
		snprintf(err, errlen, "\"%s\": expected STATION:FAULT with a "
		    "station of the configuration", spec);
		return -1;
	}
	st = &s->st[i];
	if (dry) {	/* check only: apply to a scratch copy */
		scratch = *st;
		st = &scratch;
	}
	m = &st->m;
	k = f[2] != NULL && strcmp(f[2], "duty") == 0 ? (dry ? 0 :
	    duty_pump(m)) : pump_arg(st, f[2]);
	if (strcmp(f[1], "level-a-stuck") == 0 || strcmp(f[1], "level-b-stuck") == 0)
		m->lvl_fault[f[1][6] - 'a'] = MDL_LVL_STUCK;
	else if (strcmp(f[1], "level-a-fail") == 0 || strcmp(f[1], "level-b-fail") == 0)
		m->lvl_fault[f[1][6] - 'a'] = MDL_LVL_FAILED;
	else if (strcmp(f[1], "level-stuck") == 0)
		m->lvl_fault[0] = MDL_LVL_STUCK;
	else if (strcmp(f[1], "level-wire-break") == 0)
		m->lvl_fault[0] = MDL_LVL_FAILED;
	else if (strcmp(f[1], "level-under") == 0 &&
	    m->cfg->map == CFG_MAP_L1)
		m->lvl_fault[0] = MDL_LVL_UNDER;
	else if (strcmp(f[1], "level-ok") == 0)
		m->lvl_fault[0] = m->lvl_fault[1] = MDL_LVL_OK;
	else if (strcmp(f[1], "trip") == 0 && k >= 0)
		m->pump[k].tripped = 1;
	else if (strcmp(f[1], "unavailable") == 0 && k >= 0)
		m->pump[k].unavailable = 1;
	else if (strcmp(f[1], "degrade") == 0 && k >= 0 && f[3] != NULL &&
	    (x = strtod(f[3], NULL)) >= 0 && x <= 1)
		m->pump[k].deliver = x;
	else if (strcmp(f[1], "pump-ok") == 0 && k >= 0) {
		m->pump[k].tripped = m->pump[k].unavailable = 0;
		m->pump[k].deliver = 1;
	} else if (strcmp(f[1], "estop") == 0)
		m->estop = 1;
	else if (strcmp(f[1], "estop-off") == 0)
		m->estop = 0;
	else if (strcmp(f[1], "remote-off") == 0)
		m->remote = 0;
	else if (strcmp(f[1], "remote-on") == 0)
		m->remote = 1;
	else if (strcmp(f[1], "mains-fail") == 0)
		m->mains_ok = 0;
	else if (strcmp(f[1], "mains-ok") == 0)
		m->mains_ok = 1;
	else if (strcmp(f[1], "silent") == 0)
		st->silent = 1;
	else if (strcmp(f[1], "slow") == 0 && f[2] != NULL &&
	    (x = strtod(f[2], NULL)) > 0 && x <= 600000)
		st->slow_ms = (int)x;
	else if (strcmp(f[1], "answer") == 0)
		st->silent = st->slow_ms = 0;
	else if (strcmp(f[1], "restart") == 0)
		mdl_restart(m);
	else if (strcmp(f[1], "feedback-delay") == 0 && f[2] != NULL &&
	    num_ok(f[2], 0, 3600, &x))
		m->fb_delay_s = x;
	else if (strcmp(f[1], "level") == 0 && f[2] != NULL &&
	    num_ok(f[2], 0, m->cfg->flood_m, &x))
		mdl_set_level(m, x);
	else if (strcmp(f[1], "plc-run") == 0 && k >= 0 && (dry ||
	    mdl_plc_run(m, k) == 0))
		;
	else {
		snprintf(err, errlen, "\"%s\": unknown fault or bad argument; "
		    "faults: level-a-stuck level-b-stuck level-a-fail "
		    "level-b-fail level-stuck level-wire-break level-under "
		    "(L1) level-ok trip:K|duty unavailable:K degrade:K:FRAC "
		    "pump-ok:K estop estop-off remote-off remote-on mains-fail "
		    "mains-ok silent slow:MS answer restart feedback-delay:S "
		    "level:M plc-run:K (v1)", spec);
		return -1;
	}
	mdl_publish(m);
	return 0;
}

/* Queue a fault "SPEC@MINUTE" from the command line. */
static int
schedule_fault(struct plcsim *s, const char *arg)
{
	struct sched	*f;
	const char	*at = strrchr(arg, '@');

	if (s->nfaults == MAX_FAULTS) {
		fprintf(stderr, "plcsim: at most %d --fault options\n",
		    MAX_FAULTS);
		return -1;
	}
	f = &s->faults[s->nfaults++];
	snprintf(f->spec, sizeof f->spec, "%.*s",
	    at ? (int)(at - arg) : (int)strlen(arg), arg);
	f->at_s = at ? strtod(at + 1, NULL) * 60 : 0;
	return 0;
}

/* Close client connection j of station st. */
static void
drop_client(struct sim_station *st, int j)
{
	close(st->cfd[j]);
	st->cfd[j] = -1;
}

/* Add ms to histogram h. */
static void
hist_add(unsigned long *h, double ms)
{
	h[ms < 0 ? 0 : ms >= HIST_MS ? HIST_MS : (int)ms]++;
}

/* Note request req's arrival at st: a poll begins with the read the first
 * poll began with (the first read of fc 1-4 seen: a master reads the same
 * way every poll). */
static void
note_request(struct plcsim *s, struct sim_station *st, const uint8_t *req)
{
	double	now = now_real();
	int	fc = req[7], key = fc << 16 | req[8] << 8 | req[9];

	if (fc < 1 || fc > 4)
		return;
	if (st->poll_req == 0)
		st->poll_req = key;
	if (key != st->poll_req)
		return;
	if (st->poll_t > 0 && s->timing != NULL)
		hist_add(s->timing->gap, (now - st->poll_t) * 1000);
	st->poll_t = now;
}

/* Note a write of a v1 request rq at st: a pump commanded on after the
 * level crossed the duty start is a reaction. */
static void
note_write(struct plcsim *s, struct sim_station *st, const struct mdl_req *rq)
{
	int	k = PLC_HR_PUMP_CMD - rq->addr;

	if (k < 0 || k >= rq->nwrite || st->cross_t == 0 ||
	    (rq->v[k] & ~st->m.hr[PLC_HR_PUMP_CMD]) == 0)
		return;
	if (s->timing != NULL)
		hist_add(s->timing->react, (now_real() - st->cross_t) * 1000);
	st->cross_t = 0;
}

/* After a step of a v1 station st: note when its level rises past the
 * duty start with no pump commanded, forget it once below again. */
static void
note_level(struct sim_station *st)
{
	const struct mdl_station	*m = &st->m;
	double				 on = m->cfg->duty_start_m;

	if (m->cfg->map == CFG_MAP_L1)
		return;
	if (st->prev_level_m < on && m->level_m >= on &&
	    m->hr[PLC_HR_PUMP_CMD] == 0)
		st->cross_t = now_real();
	else if (m->level_m < on - 0.05)
		st->cross_t = 0;
	st->prev_level_m = m->level_m;
}

/* Reply to "timing" on fd: "ok", then "gap MS COUNT" and "react MS COUNT"
 * for every non-empty bin (HIST_MS: longer), then "end"; "timing reset"
 * empties the histograms. */
static void
timing_reply(struct plcsim *s, int fd, int reset)
{
	char	*buf = NULL;
	size_t	 len = 0, off;
	ssize_t	 k;
	FILE	*f;
	int	 i;

	if (reset && s->timing != NULL)
		memset(s->timing, 0, sizeof *s->timing);
	if (reset || s->timing == NULL) {
		if (write(fd, s->timing ? "ok\n" : "error: no memory\n",
		    s->timing ? 3 : 17) == -1)
			return;
		return;
	}
	if ((f = open_memstream(&buf, &len)) == NULL)
		return;
	fprintf(f, "ok\n");
	for (i = 0; i <= HIST_MS; i++)
		if (s->timing->gap[i])
			fprintf(f, "gap %d %lu\n", i, s->timing->gap[i]);
	for (i = 0; i <= HIST_MS; i++)
		if (s->timing->react[i])
			fprintf(f, "react %d %lu\n", i, s->timing->react[i]);
	fprintf(f, "end\n");
	fclose(f);
	for (off = 0; off < len; off += (size_t)k)
		if ((k = write(fd, buf + off, len - off)) <= 0)
			break;
	free(buf);
}

/* Function 17 of an L1 PLC: libmodbus would answer with its own identity,
 * so the frame is built here (MBAP header, function, then the identity). */
static void
answer_ident(int fd, const uint8_t *req, int hl)
{
	uint8_t	out[64];
	int	n = mdl_l1_ident(out + hl + 1, (int)sizeof out - hl - 1);

	memcpy(out, req, (size_t)hl);	/* transaction, protocol, unit */
	out[4] = (uint8_t)((n + 2) >> 8);
	out[5] = (uint8_t)(n + 2);
	out[hl] = req[hl];
	if (write(fd, out, (size_t)(hl + 1 + n)) == -1)
		return;
}

/* Answer an accepted request of an L1 PLC: libmodbus serves the images. */
static void
answer_l1(struct sim_station *st, int fd, const uint8_t *req, int len,
    const struct mdl_req *rq)
{
	int	hl = modbus_get_header_length(st->ctx);

	if (rq->fc == 0x11) {
		answer_ident(fd, req, hl);
		return;
	}
	memcpy(st->map->tab_bits, st->m.l1.coil, sizeof st->m.l1.coil);
	memcpy(st->map->tab_input_bits, st->m.l1.di, sizeof st->m.l1.di);
	memcpy(st->map->tab_input_registers, st->m.l1.ir, sizeof st->m.l1.ir);
	memcpy(st->map->tab_registers, st->m.l1.hr, sizeof st->m.l1.hr);
	if (rq->nwrite > 0)
		mdl_l1_apply(&st->m, rq);
	modbus_reply(st->ctx, req, len, st->map);
}

/* Answer one request on fd now. */
static void
answer(struct plcsim *s, struct sim_station *st, int fd, const uint8_t *req,
    int len)
{
	struct mdl_req	rq;
	int		hl = modbus_get_header_length(st->ctx), ex;

	modbus_set_socket(st->ctx, fd);
	st->requests++;
	if ((ex = mdl_check_request(&st->m, req, len, hl, &rq)) == -1)
		return;		/* not even a function code: no answer */
	if (ex != 0) {
		st->exceptions++;
		modbus_reply_exception(st->ctx, req, (unsigned)ex);
		return;
	}
	if (st->m.cfg->map == CFG_MAP_L1) {
		answer_l1(st, fd, req, len, &rq);
		return;
	}
	memcpy(st->map->tab_input_registers, st->m.ir, sizeof st->m.ir);
	memcpy(st->map->tab_registers, st->m.hr, sizeof st->m.hr);
	if (rq.nwrite > 0) {
		note_write(s, st, &rq);
		mdl_write(&st->m, rq.addr, rq.nwrite, rq.v);
	}
	modbus_reply(st->ctx, req, len, st->map);
}

/*
 * How long station st takes to answer its n-th request, ms: a "slow" fault's
 * delay, plus 20-50 ms at an L1 PLC (its old communications module), spread
 * over that range by a fixed sequence so that runs repeat.  The L1 delay is
 * the PLC's own time, so it runs at the simulation's speed (20-50 ms at
 * x1): at x60 four requests of 20-50 real ms would be 5-12 simulated
 * seconds, older than any data the centre may act on.
 */
static int
delay_ms(const struct sim_station *st, unsigned long n, double speed)
{
	int	ms = st->slow_ms;

	if (st->m.cfg->map == CFG_MAP_L1)
		ms += (int)lround((20 + (int)((n * 17 + 5) % 31)) / speed);
	return ms;
}

/* Queue p by due time, after anything queued for the same connection (its
 * answers keep their order); a later due time never holds up an earlier
 * one, so one station's delay never delays another. */
static void
queue_pending(struct plcsim *s, struct pending *p)
{
	struct pending	**pp, *q;

	for (q = s->pending; q != NULL; q = q->next)
		if (q->fd == p->fd && q->due > p->due)
			p->due = q->due;
	for (pp = &s->pending; *pp != NULL && (*pp)->due <= p->due;
	    pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
}

/* A request arrived on client j of station st. */
static void
on_request(struct plcsim *s, struct sim_station *st, int j)
{
	uint8_t		 req[MODBUS_TCP_MAX_ADU_LENGTH];
	struct pending	*p;
	int		 len, ms;

	if ((len = read_request(st->cfd[j], req)) == -1) {
		drop_client(st, j);
		return;
	}
	note_request(s, st, req);
	if (st->silent)
		return;
	if ((ms = delay_ms(st, st->received++, s->speed)) == 0) {
		answer(s, st, st->cfd[j], req, len);
		return;
	}
	if ((p = calloc(1, sizeof *p)) == NULL)
		return;
	p->fd = st->cfd[j];
	p->due = now_real() + ms / 1000.0;
	p->len = len;
	memcpy(p->req, req, (size_t)len);
	queue_pending(s, p);
}

/* Station of a client descriptor, for a delayed answer; NULL if closed. */
static struct sim_station *
owner_of(struct plcsim *s, int fd)
{
	int	i, j;

	for (i = 0; i < s->n; i++)
		for (j = 0; j < MAX_CLIENTS; j++)
			if (s->st[i].cfd[j] == fd)
				return &s->st[i];
	return NULL;
}

/* Send the delayed answers that are due. */
static void
run_pending(struct plcsim *s)
{
	struct pending		*p;
	struct sim_station	*st;
	double			 now = now_real();

	while ((p = s->pending) != NULL && p->due <= now) {
		s->pending = p->next;
		if ((st = owner_of(s, p->fd)) != NULL && !st->silent)
			answer(s, st, p->fd, p->req, p->len);
		free(p);
	}
}

/* Accept a connection on station i's port. */
static void
on_accept(struct plcsim *s, int i)
{
	struct sim_station	*st = &s->st[i];
	int			 fd, j;

	if ((fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	for (j = 0; j < MAX_CLIENTS; j++)
		if (st->cfd[j] == -1 && watch(s, fd, TAG(TAG_CLIENT, i,
		    j)) == 0) {
			st->cfd[j] = fd;
			return;
		}
	close(fd);	/* too many clients: as a PLC would, refuse */
}

/* Open a listening TCP socket on 127.0.0.1:port; -1 on failure. */
static int
listen_on(int port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 16) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Open station i (its model set up): libmodbus context and listening
 * socket. */
static int
station_open(struct plcsim *s, int i)
{
	struct sim_station		*st = &s->st[i];
	const struct cfg_station	*c = &s->d.st[i];

	if ((st->ctx = modbus_new_tcp("127.0.0.1", c->port)) == NULL ||
	    (st->map = c->map == CFG_MAP_L1 ? modbus_mapping_new(
	    L1_COIL_COUNT, L1_DI_COUNT, L1_HR_COUNT, L1_IR_COUNT) :
	    modbus_mapping_new(0, 0, PLC_HR_COUNT, PLC_IR_COUNT)) == NULL) {
		fprintf(stderr, "plcsim %s: libmodbus: %s\n", c->id,
		    modbus_strerror(errno));
		return -1;
	}
	modbus_set_slave(st->ctx, c->unit);
	modbus_set_indication_timeout(st->ctx, 0, 500000);
	if ((st->lfd = listen_on(c->port)) == -1 ||
	    watch(s, st->lfd, TAG(TAG_LISTEN, i, 0)) == -1) {
		fprintf(stderr, "plcsim %s: cannot listen on 127.0.0.1:%d: "
		    "%s\n", c->id, c->port, strerror(errno));
		return -1;
	}
	return 0;
}

/* The discharge limits in force as "STATION:PUMPS ..." into buf. */
static void
limits_string(struct plcsim *s, char *buf, size_t len)
{
	const struct hyd_river	*r;
	size_t			 n = 0;
	int			 i;

	buf[0] = '\0';
	for (i = 0; i < s->n && n + 1 < len; i++) {
		if ((r = dst_river_of(&s->ds, i)) == NULL || !r->limited)
			continue;
		snprintf(buf + n, len - n, "%s%s:%d", n ? " " : "",
		    s->mp[i]->cfg->id, hyd_river_limit_pumps(r,
		    s->mp[i]->cfg->npumps));
		n = strlen(buf);
	}
}

/* Say when a river reaches its warning level (the limit is ordered) and
 * when the limit is lifted. */
static void
log_limits(struct plcsim *s)
{
	const struct hyd_river	*r;
	int			 i;

	for (i = 0; i < s->d.nrivers; i++) {
		r = &s->ds.rivers[i];
		if (r->limited == s->was_limited[i])
			continue;
		s->was_limited[i] = r->limited;
		printf("plcsim: t=%.0f s: river %s at %.2f m %s: discharge "
		    "limit %s\n", s->t, r->cfg->id, r->level_m, r->limited ?
		    "reached its warning level" : "is down again",
		    r->limited ? "ordered" : "lifted");
		fflush(stdout);
	}
}

/* One line per station (and river) of the minute-by-minute trace. */
static void
write_trace(struct plcsim *s)
{
	const struct mdl_station	*m;
	const struct hyd_river		*r;
	int				 i, k, run;

	for (i = 0; i < s->n; i++) {
		m = s->mp[i];
		r = dst_river_of(&s->ds, i);
		for (run = 0, k = 0; k < m->cfg->npumps; k++)
			run += m->pump[k].contactor;
		fprintf(s->trace, "%.0f,%s,%.3f,%.2f,%d,%.3f,%.1f,%.1f,%d,%s,"
		    "%.3f\n", s->t / 60, m->cfg->id, m->level_m,
		    (m->rain_mm - s->st[i].trace_rain_mm) * 60 * 60 /
		    (s->t - s->next_trace + 60), run, mdl_outfall_m(m),
		    m->flood_m3, m->pipe_m3, m->limit_pumps,
		    r != NULL ? r->cfg->id : "-", r != NULL ? r->level_m : 0);
		s->st[i].trace_rain_mm = m->rain_mm;
	}
}

/* Step every station once and apply the faults that are due. */
static void
step_all(struct plcsim *s)
{
	char	err[512];
	int	i;

	for (i = 0; i < s->nfaults; i++) {
		if (s->faults[i].done || s->faults[i].at_s > s->t)
			continue;
		s->faults[i].done = 1;
		if (apply_fault(s, s->faults[i].spec, 0, err, sizeof err) == -1)
			fprintf(stderr, "plcsim: fault %s\n", err);
		else
			printf("plcsim: t=%.0f s: fault %s\n", s->t,
			    s->faults[i].spec);
		fflush(stdout);
	}
	dst_step(&s->ds, s->step_s);
	for (i = 0; i < s->n; i++)
		note_level(&s->st[i]);
	s->t += s->step_s;
	log_limits(s);
	if (s->trace != NULL && s->t >= s->next_trace) {
		write_trace(s);
		s->next_trace += 60;
	}
}

/* Pumps of a station as 1 (running), 0 (stopped), F (tripped). */
static void
pump_string(const struct mdl_station *m, char *buf)
{
	unsigned	run = 0, trip = 0;
	int		k;

	for (k = 0; k < m->cfg->npumps; k++) {
		run |= (m->pump[k].contactor ? 1u : 0u) << k;
		trip |= (m->pump[k].tripped ? 1u : 0u) << k;
	}
	util_pump_string(run, trip, m->cfg->npumps, buf);
}

/* Print the district at a glance. */
static void
print_status(struct plcsim *s)
{
	const struct mdl_station	*m;
	char				 pumps[OBS_MAX_PUMPS + 1];
	double				 r5;
	int				 i;

	r5 = (rain_depth_mm(&s->rain, s->t) -
	    rain_depth_mm(&s->rain, s->t - 300)) * 12;
	printf("plcsim t=%02d:%02d rain %.1f mm, %.1f mm/h (5 min)\n",
	    (int)(s->t / 3600), (int)fmod(s->t / 60, 60),
	    rain_depth_mm(&s->rain, s->t), r5);
	for (i = 0; i < s->n; i++) {
		m = &s->st[i].m;
		pump_string(m, pumps);
		printf("  %-20s level %5.2f m (alarm %.1f)  in %6.3f m3/s  "
		    "pumps %-8s %s%s\n", m->cfg->id, m->level_m,
		    m->cfg->high_alarm_m, m->inflow_m3s, pumps,
		    m->cfg->map == CFG_MAP_L1 ? (mdl_local(m) ? "L1 PANEL" :
		    "L1 SUPERVISED") : mdl_local(m) ? "LOCAL" : "REMOTE",
		    m->flood_m3 > 0 ? "  FLOODED" : "");
	}
	for (i = 0; i < s->d.nrivers; i++)
		printf("  river %-14s level %5.2f m (warning %.2f, guarantee "
		    "%.2f)%s\n", s->ds.rivers[i].cfg->id,
		    s->ds.rivers[i].level_m, s->ds.rivers[i].cfg->warn_m,
		    s->ds.rivers[i].cfg->guarantee_m, s->ds.rivers[i].limited ?
		    "  DISCHARGE LIMIT" : "");
	fflush(stdout);
}

/* The level at which the station's control starts its lead pump: pumpd's
 * duty start, or at an L1 station the start set-point its PLC runs on. */
static double
duty_m(const struct mdl_station *m)
{
	if (m->cfg->map != CFG_MAP_L1)
		return m->cfg->duty_start_m;
	return m->l1.remote_sp ? m->l1.sp_m[0] : m->cfg->panel.start_m;
}

/* Write the per-station summary: a table to out, key=value lines to path. */
static void
write_summary(struct plcsim *s, FILE *out, FILE *kv)
{
	const struct mdl_station	*m;
	const struct mdl_pump		*p;
	double				 kwh, run_h;
	int				 i, k, starts, sph;

	fprintf(out, "%-20s %7s %7s %9s %6s %7s %8s %8s\n", "station",
	    "max m", "end m", "flood m3", "starts", "max/h", "run h", "kWh");
	for (i = 0; i < s->n; i++) {
		m = &s->st[i].m;
		kwh = run_h = 0;
		starts = sph = 0;
		if (kv)
			fprintf(kv, "station=%s kind=%s map=%s max_level_m=%.3f "
			    "min_level_m=%.3f lowlow_m=%.3f end_level_m=%.3f stop_m=%.3f duty_m=%.3f assist1_m=%.3f "
			    "flood_m3=%.3f "
			    "inflow_m3=%.1f pumped_m3=%.1f balance_m3=%.6f "
			    "local_s=%.0f wd_trips=%u requests=%lu "
			    "exceptions=%lu", m->cfg->id,
			    cfg_kind_name(m->cfg->kind),
			    cfg_map_name(m->cfg->map), m->max_level_m,
			    m->min_level_m, m->cfg->lowlow_m, m->level_m, m->cfg->stop_m, duty_m(m),
			    m->cfg->npumps > 1 ? m->cfg->assist_start_m[0] :
			    m->cfg->high_alarm_m, m->flood_m3,
			    m->inflow_m3, m->pumped_m3, mdl_balance_m3(m),
			    m->local_s, m->wd_trips, s->st[i].requests,
			    s->st[i].exceptions);
		for (k = 0; k < m->cfg->npumps; k++) {
			p = &m->pump[k];
			kwh += p->energy_kwh;
			run_h += p->run_s / 3600;
			starts += (int)p->starts;
			sph = p->max_per_hour > sph ? p->max_per_hour : sph;
			if (kv)
				fprintf(kv, " p%d_starts=%u p%d_max_per_hour=%d"
				    " p%d_run_h=%.3f", k + 1, p->starts, k + 1,
				    p->max_per_hour, k + 1, p->run_s / 3600);
		}
		if (kv)
			fprintf(kv, " energy_kwh=%.1f rain_mm=%.2f "
			    "flood_level_m=%.3f pipe_max_m3=%.1f "
			    "over_limit_s=%.0f river=%s\n", kwh, m->rain_mm,
			    m->cfg->flood_m, m->max_pipe_m3, m->over_limit_s,
			    m->cfg->river[0] ? m->cfg->river : "-");
		fprintf(out, "%-20s %7.2f %7.2f %9.1f %6d %7d %8.2f %8.1f\n",
		    m->cfg->id, m->max_level_m, m->level_m, m->flood_m3,
		    starts, sph, run_h, kwh);
	}
}

/* The rivers, the plant and the district's balance: to out, and as
 * key=value lines to kv. */
static void
write_district(struct plcsim *s, FILE *out, FILE *kv)
{
	const struct hyd_river	*r;
	struct dst_totals	 t;
	int			 i;

	for (i = 0; i < s->d.nrivers; i++) {
		r = &s->ds.rivers[i];
		fprintf(out, "river %-14s max %.2f m (warning %.2f, guarantee "
		    "%.2f), %.0f min under a discharge limit\n", r->cfg->id,
		    r->max_level_m, r->cfg->warn_m, r->cfg->guarantee_m,
		    r->limit_s / 60);
		if (kv)
			fprintf(kv, "river=%s max_level_m=%.3f end_level_m=%.3f "
			    "warn_m=%.3f guarantee_m=%.3f limit_s=%.0f "
			    "warn_s=%.0f in_m3=%.1f out_m3=%.1f "
			    "balance_m3=%.6f\n", r->cfg->id, r->max_level_m,
			    r->level_m, r->cfg->warn_m, r->cfg->guarantee_m,
			    r->limit_s, r->warn_s, r->in_m3, r->out_m3,
			    hyd_river_balance(r));
	}
	dst_totals(&s->ds, &t);
	if (s->ds.has_plant) {
		fprintf(out, "plant %s: %.0f m3 in, %.0f m3 overflowed "
		    "(limit %.2f m3/s, peak %.2f m3/s)\n", s->d.plant.name,
		    s->ds.plant.in_m3, t.overflow_m3,
		    s->d.plant.inflow_limit_m3s, s->ds.plant.max_in_m3s);
		if (kv)
			fprintf(kv, "plant=%s in_m3=%.1f treated_m3=%.1f "
			    "overflow_m3=%.3f overflow_s=%.0f "
			    "limit_m3s=%.3f max_in_m3s=%.3f\n",
			    s->d.plant.name, s->ds.plant.in_m3, t.treated_m3,
			    t.overflow_m3, s->ds.plant.overflow_s,
			    s->d.plant.inflow_limit_m3s,
			    s->ds.plant.max_in_m3s);
	}
	if (kv)
		fprintf(kv, "district=%s inflow_m3=%.1f flood_m3=%.3f "
		    "overflow_m3=%.3f stored_m3=%.1f to_rivers_m3=%.1f "
		    "elsewhere_m3=%.1f balance_m3=%.6f\n", s->d.name,
		    t.inflow_m3, t.flood_m3, t.overflow_m3, t.stored_m3,
		    s->ds.to_rivers_m3, s->ds.elsewhere_m3,
		    dst_balance_m3(&s->ds));
}

/* Print the summary, and write it to --summary atomically. */
static void
summary(struct plcsim *s)
{
	char	 tmp[4096];
	FILE	*kv = NULL;

	printf("plcsim summary after %.0f simulated minutes:\n", s->t / 60);
	if (s->summary_path != NULL) {
		snprintf(tmp, sizeof tmp, "%s.tmp", s->summary_path);
		if ((kv = fopen(tmp, "w")) == NULL)
			fprintf(stderr, "plcsim: %s: %s\n", tmp,
			    strerror(errno));
		else
			fprintf(kv, "t_s=%.0f rain_mm=%.2f\n", s->t,
			    rain_depth_mm(&s->rain, s->t));
	}
	write_summary(s, stdout, kv);
	write_district(s, stdout, kv);
	fflush(stdout);
	if (kv != NULL && (fclose(kv) != 0 || rename(tmp,
	    s->summary_path) == -1))
		fprintf(stderr, "plcsim: %s: %s\n", s->summary_path,
		    strerror(errno));
}

/* "ok T RIVER=LEVEL[!] ...": each river's level, ! under a limit. */
static void
rivers_string(struct plcsim *s, char *buf, size_t len)
{
	size_t	n;
	int	i;

	snprintf(buf, len, "ok %.1f", s->t);
	for (i = 0; i < s->d.nrivers && (n = strlen(buf)) + 40 < len; i++)
		snprintf(buf + n, len - n, " %s=%.3f%s", s->ds.rivers[i].cfg->id,
		    s->ds.rivers[i].level_m, s->ds.rivers[i].limited ? "!" : "");
	n = strlen(buf);
	snprintf(buf + n, len - n, "\n");
}

/* Handle one line from a control connection; the reply goes to fd. */
static void
ctl_line(struct plcsim *s, int fd, char *line)
{
	char	err[512], reply[600], lim[600];

	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "fault ", 6) == 0) {
		if (apply_fault(s, line + 6, 0, err, sizeof err) == 0)
			snprintf(reply, sizeof reply, "ok\n");
		else
			snprintf(reply, sizeof reply, "error: %s\n", err);
	} else if (strcmp(line, "summary") == 0) {
		summary(s);
		snprintf(reply, sizeof reply, "ok\n");
	} else if (strcmp(line, "timing") == 0 ||
	    strcmp(line, "timing reset") == 0) {
		timing_reply(s, fd, line[6] != '\0');
		return;
	} else if (strcmp(line, "time") == 0)
		snprintf(reply, sizeof reply, "ok %.1f\n", s->t);
	else if (strcmp(line, "limits") == 0) {
		limits_string(s, lim, sizeof lim);
		snprintf(reply, sizeof reply, "ok %.1f%s%.500s\n", s->t,
		    lim[0] ? " " : "", lim);
	} else if (strcmp(line, "rivers") == 0)
		rivers_string(s, reply, sizeof reply);
	else if (strcmp(line, "freeze") == 0) {
		/* simulated time stops: physics, PLC scans, watchdogs; the
		 * registers still answer */
		if (s->frozen_at == 0)
			s->frozen_at = now_real();
		snprintf(reply, sizeof reply, "ok\n");
	} else if (strcmp(line, "thaw") == 0) {
		if (s->frozen_at > 0)
			s->real0 += now_real() - s->frozen_at;
		s->frozen_at = 0;
		snprintf(reply, sizeof reply, "ok\n");
	}
	else
		snprintf(reply, sizeof reply, "error: \"%.100s\": commands are "
		    "fault STATION:FAULT[:ARG], summary, time, limits, rivers, "
		    "freeze, thaw, timing [reset]\n", line);
	if (write(fd, reply, strlen(reply)) == -1)
		return;
}

/* Read from control connection c and run every complete line. */
static void
ctl_read(struct plcsim *s, struct ctl_client *c)
{
	ssize_t	 r;
	char	*nl;

	r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	if (r <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n')) != NULL) {
		*nl = '\0';
		ctl_line(s, c->fd, c->buf);
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len + 1);
	}
	if (c->len == sizeof c->buf - 1) {	/* no newline in 511 bytes */
		close(c->fd);
		c->fd = -1;
	}
}

/* Accept a control connection. */
static void
ctl_accept(struct plcsim *s)
{
	int	fd, j;

	if ((fd = accept4(s->ctl_lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	for (j = 0; j < MAX_CTL; j++)
		if (s->ctl[j].fd == -1 && watch(s, fd, TAG(TAG_CTL, 0, j)) == 0) {
			s->ctl[j].fd = fd;
			s->ctl[j].len = 0;
			return;
		}
	close(fd);
}

/* Serve one ready descriptor, by its tag. */
static void
serve_one(struct plcsim *s, uint64_t tag)
{
	int	i = (int)(tag >> 16), j = (int)(tag >> 8 & 0xff);

	switch ((enum tag_kind)(tag & 0xff)) {
	case TAG_LISTEN:
		on_accept(s, i);
		break;
	case TAG_CLIENT:
		if (s->st[i].cfd[j] != -1)
			on_request(s, &s->st[i], j);
		break;
	case TAG_CTL_LISTEN:
		ctl_accept(s);
		break;
	default:
		if (s->ctl[j].fd != -1)
			ctl_read(s, &s->ctl[j]);
	}
}

/* Wait for the network until the next step or delayed answer is due. */
static void
serve(struct plcsim *s, double until_real)
{
	struct epoll_event	ev[MAX_EVENTS];
	double			wait = until_real - now_real();
	int			n, i, ms;

	if (s->pending != NULL && s->pending->due < until_real)
		wait = s->pending->due - now_real();
	ms = wait <= 0 ? 0 : (int)ceil(fmin(wait, 0.2) * 1000);
	if ((n = epoll_wait(s->ep, ev, MAX_EVENTS, ms)) <= 0)
		return;
	for (i = 0; i < n; i++)
		serve_one(s, ev[i].data.u64);
}

/* The main loop: keep simulated time at speed x real time. */
static void
run(struct plcsim *s)
{
	double	target;
	int	steps;

	s->real0 = now_real();
	s->next_status = 0;
	while (!got_stop) {
		target = s->frozen_at > 0 ? s->t :
		    (now_real() - s->real0) * s->speed;
		for (steps = 0; s->t + s->step_s <= target &&
		    steps < MAX_STEPS_PER_WAKE; steps++) {
			if (s->duration_s > 0 && s->t >= s->duration_s)
				return;
			step_all(s);
			if (s->status_s > 0 && s->t >= s->next_status) {
				print_status(s);
				s->next_status += s->status_s;
			}
		}
		if (s->duration_s > 0 && s->t >= s->duration_s)
			return;
		if (got_usr1) {
			got_usr1 = 0;
			summary(s);
		}
		run_pending(s);
		serve(s, s->frozen_at > 0 ? now_real() + 0.2 :
		    s->real0 + (s->t + s->step_s) / s->speed);
	}
}

/* Print usage and exit with status. */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: plcsim [options]\n"
"  -c, --config FILE      station configuration (config/jinnan.conf)\n"
"  -s, --speed N          simulated seconds per real second (1)\n"
"  -r, --rain SPEC        none | const:MM_H:MIN | storm:YEARS:MIN[:R] |\n"
"                         csv:FILE, each with optional @START_MIN (none)\n"
"  -d, --duration MIN     stop after MIN simulated minutes (run until a signal)\n"
"  -f, --fault SPEC@MIN   STATION:FAULT[:ARG] at simulated minute MIN; repeat\n"
"  -p, --control PORT     text control port on 127.0.0.1 (fault ..., summary)\n"
"  -S, --summary FILE     write the summary as key=value lines at the end\n"
"      --status MIN       print the district every MIN simulated minutes (0)\n"
"      --step-ms MS       simulated step (500)\n"
"      --start HH:MM      time of day at the start (08:00)\n"
"      --only ID[,ID]     simulate only these stations\n"
"      --port-base N      serve station i on port N+i instead of its own\n"
"      --list             print \"id port pumps kind map\" per station and exit\n"
"      --version          print the version and exit\n"
"      --track DIR:KMH:KM moving storm: toward DIR degrees (0 north, 90 east)\n"
"                         at KMH km/h, cell KM km across (position { })\n"
"      --river-start M    rivers start M metres above their base (0)\n"
"      --bound            every available pump runs while it rains at the\n"
"                         station, wells starting at their low-low level\n"
"      --trace FILE       CSV each simulated minute: t_min,station,level_m,\n"
"                         rain_mm_h,running,outfall_m,flood_m3,pipe_m3,\n"
"                         limit_pumps,river,river_m\n"
"faults: level-a-stuck level-b-stuck level-a-fail level-b-fail level-ok\n"
"  level-stuck level-wire-break (transducer A; at an L1 PLC the level reads\n"
"  32767) level-under (L1: under range)\n"
"  trip:K unavailable:K degrade:K:FRAC pump-ok:K (K from 1, or duty) estop\n"
"  estop-off remote-off remote-on mains-fail mains-ok silent slow:MS answer\n"
"  restart feedback-delay:S (RUNNING shows S simulated s after the contactor\n"
"  closes) level:M (set the wet well to M m) plc-run:K (the PLC's own control\n"
"  runs pump K now; in REMOTE the next scan obeys pump_cmd)\n"
"control port: fault SPEC, summary, time, limits (\"ok T STATION:PUMPS ...\":\n"
"  the discharge limits in force), rivers, freeze, thaw\n"
"SIGINT or SIGTERM stop with a summary; SIGUSR1 prints one and goes on.\n");
	exit(status);
}

/* Set up every station's model, check the scheduled faults, then open the
 * stations' ports and the control port:
 * 0, or the exit status. */
static int
sim_start(struct plcsim *s, double tod0, int port)
{
	char	desc[512];
	int	i, j;

	for (i = 0; i < s->n; i++)
		if (rain_column(&s->rain, s->d.st[i].id) < 0) {
			fprintf(stderr, "plcsim: --rain: the CSV has no column "
			    "for station %s\n", s->d.st[i].id);
			return 2;
		}
	for (i = 0; i < s->n; i++) {
		mdl_init(&s->st[i].m, &s->d.st[i], &s->rain, tod0);
		s->mp[i] = &s->st[i].m;
		for (j = 0; j < MAX_CLIENTS; j++)
			s->st[i].cfd[j] = -1;
	}
	if (s->opts.track != NULL)
		hyd_track_fit(&s->track, s->d.st, s->n);
	if (dst_init(&s->ds, &s->d, s->mp, s->n, &s->opts) == -1)
		return 1;
	for (i = 0; i < s->d.nrivers; i++)
		s->was_limited[i] = s->ds.rivers[i].limited;
	s->next_trace = 60;
	/* every argument checked before any port is taken */
	for (i = 0; i < s->nfaults; i++)
		if (apply_fault(s, s->faults[i].spec, 1, desc,
		    sizeof desc) == -1) {
			fprintf(stderr, "plcsim: --fault %s\n", desc);
			return 2;
		}
	s->timing = calloc(1, sizeof *s->timing);	/* NULL: not kept */
	if ((s->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		fprintf(stderr, "plcsim: epoll: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < s->n; i++)
		if (station_open(s, i) == -1)
			return 1;
	if (port > 0 && ((s->ctl_lfd = listen_on(port)) == -1 ||
	    watch(s, s->ctl_lfd, TAG(TAG_CTL_LISTEN, 0, 0)) == -1)) {
		fprintf(stderr, "plcsim: control port %d: %s\n", port,
		    strerror(errno));
		return 1;
	}
	rain_describe(&s->rain, desc, sizeof desc);
	printf("plcsim: %d stations on 127.0.0.1:%d..%d, speed x%g, %s\n",
	    s->n, s->d.st[0].port, s->d.st[s->n - 1].port, s->speed, desc);
	fflush(stdout);
	return 0;
}

/* Free everything. */
static void
sim_free(struct plcsim *s)
{
	struct pending	*p;
	int		 i, j;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < MAX_CLIENTS; j++)
			if (s->st[i].cfd[j] > 0)
				close(s->st[i].cfd[j]);
		if (s->st[i].lfd > 0)
			close(s->st[i].lfd);
		mdl_free(&s->st[i].m);
		if (s->st[i].map != NULL)
			modbus_mapping_free(s->st[i].map);
		if (s->st[i].ctx != NULL)
			modbus_free(s->st[i].ctx);
	}
	if (s->ep > 0)
		close(s->ep);
	free(s->timing);
	while ((p = s->pending) != NULL) {
		s->pending = p->next;
		free(p);
	}
	free(s->st);
	free(s->mp);
	free(s->was_limited);
	dst_free(&s->ds);
	if (s->trace != NULL && fclose(s->trace) != 0)
		fprintf(stderr, "plcsim: --trace: %s\n", strerror(errno));
	rain_free(&s->rain);
	cfg_free(&s->d);
}

/* Keep only the stations named in list (comma-separated). */
static int
keep_only(struct cfg_district *d, const char *list)
{
	char	buf[4096], *id, *save = NULL;
	int	i, n = 0;

	for (i = 0; i < d->nstations; i++) {
		snprintf(buf, sizeof buf, "%s", list);
		for (id = strtok_r(buf, ",", &save); id != NULL;
		    id = strtok_r(NULL, ",", &save))
			if (strcmp(id, d->st[i].id) == 0)
				d->st[n++] = d->st[i];
	}
	if (n == 0) {
		fprintf(stderr, "plcsim: --only %s: no such station\n", list);
		return -1;
	}
	d->nstations = n;
	return 0;
}

/* The number in arg for option opt, in [lo, hi]; exits 2 otherwise. */
static double
num_arg(const char *opt, const char *arg, double lo, double hi)
{
	return util_num_arg("plcsim", opt, arg, lo, hi);
}

/* Parse the command line into s. */
static void
parse_args(struct plcsim *s, int argc, char **argv, const char **cfgpath,
    const char **rainspec, double *tod0, const char **only,
    const char **trace)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "speed", required_argument, NULL, 's' },
		{ "rain", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "fault", required_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'p' },
		{ "summary", required_argument, NULL, 'S' },
		{ "status", required_argument, NULL, 1 },
		{ "step-ms", required_argument, NULL, 2 },
		{ "start", required_argument, NULL, 3 },
		{ "only", required_argument, NULL, 4 },
		{ "port-base", required_argument, NULL, 5 },
		{ "list", no_argument, NULL, 6 },
		{ "track", required_argument, NULL, 7 },
		{ "river-start", required_argument, NULL, 8 },
		{ "bound", no_argument, NULL, 9 },
		{ "trace", required_argument, NULL, 10 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 11 },
		{ NULL, 0, NULL, 0 }
	};
	int	ch, hh, mm;

	while ((ch = getopt_long(argc, argv, "c:s:r:d:f:p:S:h", lo,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': *cfgpath = optarg; break;
		case 's': s->speed = num_arg("--speed", optarg, 0.001, 10000); break;
		case 'r': *rainspec = optarg; break;
		case 'd': s->duration_s = num_arg("--duration", optarg, 0, 1e6) * 60; break;
		case 'f': if (schedule_fault(s, optarg) == -1) exit(2); break;
		case 'p': s->ctl_lfd = (int)num_arg("--control", optarg, 1, 65535); break;
		case 'S': s->summary_path = optarg; break;
		case 1: s->status_s = num_arg("--status", optarg, 0, 1e6) * 60; break;
		case 2: s->step_s = num_arg("--step-ms", optarg, 10, 10000) / 1000; break;
		case 3:
			if (sscanf(optarg, "%d:%d", &hh, &mm) != 2 || hh < 0 ||
			    hh > 23 || mm < 0 || mm > 59) {
				fprintf(stderr, "plcsim: --start \"%s\": "
				    "expected HH:MM\n", optarg);
				exit(2);
			}
			*tod0 = hh * 3600 + mm * 60;
			break;
		case 4: *only = optarg; break;
		case 5: s->port_base = (int)num_arg("--port-base", optarg, 1, 65000); break;
		case 6: s->list = 1; break;
		case 11: printf("plcsim %s\n", PUMPD_VERSION); exit(0);
		case 7:
			if (hyd_track_parse(optarg, &s->track) == -1) {
				fprintf(stderr, "plcsim: --track \"%s\": expected "
				    "DIR_DEG:SPEED_KMH:CELL_KM (0-359, 1-200, "
				    "0.5-500)\n", optarg);
				exit(2);
			}
			s->opts.track = &s->track;
			break;
		case 8: s->opts.river_rise_m = num_arg("--river-start", optarg, 0, 20); break;
		case 9: s->opts.bound = 1; break;
		case 10: *trace = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "plcsim: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(2);
	}
}

int
main(int argc, char **argv)
{
	struct plcsim	 s;
	struct cfg_diag	 diag = { 0 };
	const char	*cfgpath = "config/jinnan.conf", *rainspec = "none";
	const char	*only = NULL, *tracepath = NULL;
	char		*cause = NULL;
	double		 tod0 = 8 * 3600;
	int		 i, port, rc;

	memset(&s, 0, sizeof s);
	s.speed = 1;
	s.step_s = 0.5;
	s.ctl_lfd = 0;
	parse_args(&s, argc, argv, &cfgpath, &rainspec, &tod0, &only,
	    &tracepath);
	port = s.ctl_lfd;
	s.ctl_lfd = -1;
	for (i = 0; i < MAX_CTL; i++)
		s.ctl[i].fd = -1;
	if (cfg_load(cfgpath, &s.d, &diag) == -1) {
		for (i = 0; i < diag.nmsg; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
		cfg_diag_free(&diag);
		cfg_free(&s.d);
		return 1;
	}
	cfg_diag_free(&diag);
	if ((only != NULL && keep_only(&s.d, only) == -1) ||
	    rain_parse(rainspec, &s.rain, &cause) == -1) {
		if (cause != NULL)
			fprintf(stderr, "plcsim: %s\n", cause);
		free(cause);
		rain_free(&s.rain);
		cfg_free(&s.d);
		return 2;
	}
	for (i = 0; s.port_base > 0 && i < s.d.nstations; i++)
		s.d.st[i].port = s.port_base + i;
	if (s.list) {
		for (i = 0; i < s.d.nstations; i++)
			printf("%s %d %d %s %s\n", s.d.st[i].id,
			    s.d.st[i].port, s.d.st[i].npumps,
			    cfg_kind_name(s.d.st[i].kind),
			    cfg_map_name(s.d.st[i].map));
		cfg_free(&s.d);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	s.n = s.d.nstations;
	if ((s.st = calloc((size_t)s.n, sizeof *s.st)) == NULL ||
	    (s.mp = calloc((size_t)s.n, sizeof *s.mp)) == NULL ||
	    (s.was_limited = calloc((size_t)s.d.nrivers + 1,
	    sizeof *s.was_limited)) == NULL)
		return 1;
	if (tracepath != NULL) {
		if ((s.trace = fopen(tracepath, "w")) == NULL) {
			fprintf(stderr, "plcsim: --trace %s: %s\n", tracepath,
			    strerror(errno));
			return 1;
		}
		fprintf(s.trace, "t_min,station,level_m,rain_mm_h,running,"
		    "outfall_m,flood_m3,pipe_m3,limit_pumps,river,river_m\n");
	}
	if ((rc = sim_start(&s, tod0, port)) == 0) {
		run(&s);
		summary(&s);
	}
	sim_free(&s);
	return rc;
}
