/*
 * The codec of map L1 (../shared/plc-legacy.md, plcmap_l1.h), the legacy
 * PLCs of the three rebuilt stations.  Such a PLC always runs its own level
 * control; the centre supervises it with set-points and pump inhibits.
 *
 * Each request costs the PLC 20-50 ms, so a poll makes four: the discrete
 * inputs 0..23 (02), the input registers 0..27 (04), and for read-back the
 * coils 0..11 (01) and the set-points 0..7 (03).  At each connect function
 * 17 must name the PLC (server id 0x4C, run indicator 0xFF, "JNPS-L1" and a
 * firmware revision), or the station is not controlled.
 *
 * Decoding: the level and outfall arrive as raw 4-20 mA counts, scaled with
 * the station's transducer zero and span (0 counts = zero, 27648 = zero +
 * span; up to 32511 over range but valid); wire break (32767), under range
 * (below -4864 as int16) and the undefined 32512..32766 are "no valid
 * value".  32-bit values are low word first (CDAB).  A reply that breaks the
 * map (a bit not 0 or 1, a reserved input or coil set, a current or a
 * set-point that is not a finite number in range, a pump the configuration
 * does not have showing signs of life) gives no observation.  The PLC
 * restarted when its rain tips went backwards, or are 0 and a coil we set
 * is found cleared.
 *
 * Encoding: a supervising intent is one function-16 write of the four
 * set-points and then one function-15 write of coils 0..11
 * (REMOTE_SETPOINTS on, ALARM_RESET, the inhibits), so that the PLC never
 * switches to set-points not yet written; a hand-back is the coil write
 * alone, REMOTE_SETPOINTS off (the panel's set-points rule again).  Pure;
 * runs on the station's PLC worker.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "plcmap_l1.h"

/* codec_mem.last_u32[] slots of this codec */
#define MEM_TIPS	0

/* The replies of one poll, in the order l1_poll asks. */
enum { R_DI, R_IR, R_COIL, R_HR, R_COUNT };

#define MAX_CURRENT_A	5000.0	/* a larger motor current is no reading */

/* Function 17: who are you? */
static int
l1_ident_request(struct codec_req *req)
{
	memset(req, 0, sizeof *req);
	req->fc = CODEC_FC_REPORT_ID;
	return 0;
}

/* The reply to function 17 must name an L1 PLC: server id 0x4C, run
 * indicator 0xFF, "JNPS-L1" and a printable firmware revision. */
static int
l1_ident_check(const struct codec_reply *rep, char **cause)
{
	const size_t	 tl = strlen(L1_IDENT);
	char		 text[CODEC_MAX_VALUES + 1];
	int		 i, n;

	if (!rep->ok)
		return codec_fail(cause, "identity: exception %u to function 17: "
		    "not an L1 PLC, refusing to control", rep->exception);
	if (rep->n > CODEC_MAX_VALUES)
		return codec_fail(cause, "identity: %u bytes", rep->n);
	n = rep->n < 2 ? 0 : rep->n - 2;
	for (i = 0; i < n; i++)
		text[i] = rep->v[2 + i] >= 0x20 && rep->v[2 + i] < 0x7F ?
		    (char)rep->v[2 + i] : '?';
	text[n] = '\0';
	if (rep->n < 2 || rep->v[0] != L1_SERVER_ID ||
	    rep->v[1] != L1_RUN_INDICATOR || (size_t)n <= tl ||
	    strncmp(text, L1_IDENT, tl) != 0 || strchr(text, '?') != NULL)
		return codec_fail(cause, "identity: server id 0x%02X, run "
		    "indicator 0x%02X, \"%s\": not \"%s\" and a revision "
		    "(0x%02X, 0x%02X): refusing to control",
		    rep->n > 0 ? rep->v[0] : 0, rep->n > 1 ? rep->v[1] : 0,
		    text, L1_IDENT, L1_SERVER_ID, L1_RUN_INDICATOR);
	return 0;
}

/* One read request. */
static void
l1_read(struct codec_req *r, uint8_t fc, uint16_t n)
{
	memset(r, 0, sizeof *r);
	r->fc = fc;
	r->addr = 0;
	r->n = n;
}

/* The four reads of one poll. */
static int
l1_poll(const struct cfg_station *cfg, struct codec_req *req)
{
	(void)cfg;
	l1_read(&req[R_DI], CODEC_FC_READ_DISCRETE, L1_DI_COUNT);
	l1_read(&req[R_IR], CODEC_FC_READ_INPUT, L1_IR_COUNT);
	l1_read(&req[R_COIL], CODEC_FC_READ_COILS, L1_COIL_COUNT);
	l1_read(&req[R_HR], CODEC_FC_READ_HOLDING, L1_HR_COUNT);
	return R_COUNT;
}

/* Check that reply i answers request i: no exception, n values, and bits
 * that are 0 or 1. */
static int
l1_reply_ok(const struct codec_req *req, const struct codec_reply *rep,
    int i, char **cause)
{
	static const char *what[] = { "discrete inputs", "input registers",
	    "coils", "holding registers" };
	int	j, bits = req[i].fc == CODEC_FC_READ_DISCRETE ||
	    req[i].fc == CODEC_FC_READ_COILS;

	if (!rep[i].ok)
		return codec_fail(cause, "%s: exception %u", what[i],
		    rep[i].exception);
	if (rep[i].n != req[i].n)
		return codec_fail(cause, "%s: %u values, not %u", what[i],
		    rep[i].n, req[i].n);
	for (j = 0; bits && j < rep[i].n; j++)
		if (rep[i].v[j] > 1)
			return codec_fail(cause, "%s: bit %d reads %u", what[i],
			    j, rep[i].v[j]);
	return 0;
}

/* A raw 4-20 mA count in m, with *ok 0 when it is no valid value. */
static void
l1_level(uint16_t raw, const struct cfg_transducer *tx, double *m, int *ok)
{
	*ok = l1_raw_valid(raw);
	*m = *ok ? l1_raw_m(raw, tx->zero_m, tx->span_m) : 0;
}

/* Station inputs in plain words. */
static unsigned
l1_flags(const uint16_t *di, const uint16_t *coil)
{
	unsigned	f = 0;

	f |= di[L1_DI_AUTO] ? OBS_ST_AUTO | OBS_ST_OWN_CONTROL : 0;
	f |= di[L1_DI_REMOTE] ? OBS_ST_REMOTE : 0;
	f |= di[L1_DI_MAINS_OK] ? OBS_ST_MAINS_OK : 0;
	f |= di[L1_DI_HIGH_HIGH] ? OBS_ST_HIGH_HIGH : 0;
	f |= di[L1_DI_LOW_LOW] ? OBS_ST_LOW_LOW : 0;
	f |= di[L1_DI_ESTOP] ? OBS_ST_ESTOP : 0;
	f |= coil[L1_COIL_REMOTE_SP] ? OBS_ST_REMOTE_SP : 0;
	return f;
}

/* Pump k from the discrete inputs di and input registers ir. */
static int
l1_pump(const uint16_t *di, const uint16_t *ir, int k, struct obs *o,
    char **cause)
{
	struct obs_pump	*p = &o->pump[k];
	float		 a = l1_f32(&ir[L1_IR_CURRENT(k)]);
	uint32_t	 h = l1_u32(&ir[L1_IR_RUN_HOURS(k)]);

	if (!isfinite(a) || a < 0 || a > MAX_CURRENT_A)
		return codec_fail(cause, "pump %d: current %g A is no reading",
		    k + 1, (double)a);
	p->flags = (di[L1_DI_RUNNING(k)] ? OBS_PU_RUNNING : 0) |
	    (di[L1_DI_FAULT(k)] ? OBS_PU_FAULT : 0) |
	    (di[L1_DI_AVAILABLE(k)] ? OBS_PU_AVAILABLE : 0) |
	    (di[L1_DI_INHIBITED(k)] ? OBS_PU_INHIBITED : 0);
	p->current_a = a;
	p->speed_pct = -1;		/* L1 has no speed feedback */
	p->run_s = h > UINT32_MAX / 3600 ? UINT32_MAX : h * 3600;
	p->starts = l1_u32(&ir[L1_IR_STARTS(k)]);
	return 0;
}

/* What the map fixes: reserved inputs and coils 0, ALARM_RESET reads 0,
 * pumps the configuration does not have show nothing. */
static int
l1_reserved(const struct cfg_station *cfg, const uint16_t *di,
    const uint16_t *coil, char **cause)
{
	int	i;

	for (i = L1_DI_ESTOP + 1; i < L1_DI_PUMP_BASE; i++)
		if (di[i])
			return codec_fail(cause, "reserved discrete input %d is "
			    "set", i);
	for (i = L1_COIL_ALARM_RESET; i <= L1_COIL_RESERVED_HI; i++)
		if (coil[i])
			return codec_fail(cause, "coil %d reads 1: the map has it "
			    "read 0", i);
	for (i = L1_DI_RUNNING(cfg->npumps); i < L1_DI_COUNT; i++)
		if (di[i] && i != L1_DI_INHIBITED((i - L1_DI_PUMP_BASE) / 4))
			return codec_fail(cause, "pump %d shows status, the "
			    "configuration has %d pumps",
			    (i - L1_DI_PUMP_BASE) / 4 + 1, cfg->npumps);
	return 0;
}

/* The set-points read back: finite and 0..20 m, as the PLC keeps them. */
static int
l1_setpoints_ok(const uint16_t *hr, char **cause)
{
	float	f;
	int	i;

	for (i = 0; i < 4; i++) {
		f = l1_f32(&hr[2 * i]);
		if (!isfinite(f) || f < 0 || f > L1_SP_MAX_M)
			return codec_fail(cause, "set-point register %d holds %g",
			    2 * i, (double)f);
	}
	return 0;
}

/* The acknowledged write of function fc, or NULL. */
static const struct codec_req *
l1_acked(const struct codec_ack *ack, uint8_t fc)
{
	int	i;

	for (i = 0; ack != NULL && ack->valid && i < ack->nreq &&
	    i < CODEC_MAX_WRITES; i++)
		if (ack->req[i].fc == fc)
			return &ack->req[i];
	return NULL;
}

/* Whether a coil we set (REMOTE_SETPOINTS, an inhibit) reads 0. */
static int
l1_set_cleared(const struct codec_ack *ack, const uint16_t *coil)
{
	const struct codec_req	*w = l1_acked(ack, CODEC_FC_WRITE_COILS);
	int			 i;

	if (w == NULL)
		return 0;
	for (i = 0; i < w->n && w->addr + i < L1_COIL_COUNT; i++)
		if ((w->addr + i == L1_COIL_REMOTE_SP ||
		    w->addr + i >= L1_COIL_INHIBIT(0)) && w->v[i] &&
		    !coil[w->addr + i])
			return 1;
	return 0;
}

/* Whether the tips went backwards (a wrap goes forwards past 2^32). */
static int
l1_tips_back(uint32_t last, uint32_t now)
{
	return now < last && last - now < 0x80000000u;
}

/* Command feedback: what the acknowledged intent wrote, read back. */
static void
l1_feedback(const struct codec_ack *ack, const uint16_t *coil,
    const uint16_t *hr, struct obs *o)
{
	const struct codec_req	*c, *s;
	int			 i, a;

	if (ack == NULL || !ack->valid)
		return;
	o->acked = 1;
	o->acked_seq = ack->seq;
	o->acked_remote = ack->remote;
	if (o->restarted)
		return;
	if ((c = l1_acked(ack, CODEC_FC_WRITE_COILS)) != NULL)
		for (i = 0; i < c->n; i++) {
			a = c->addr + i;
			if (a < L1_COIL_COUNT && a != L1_COIL_ALARM_RESET &&
			    coil[a] != (c->v[i] != 0))
				o->foreign = 1;
		}
	if (ack->remote && (s = l1_acked(ack, CODEC_FC_WRITE_REGS)) != NULL)
		for (i = 0; i < s->n; i++)
			if (s->addr + i < L1_HR_COUNT &&
			    hr[s->addr + i] != s->v[i])
				o->foreign = 1;
}

/* Decode a poll's four replies. */
static int
l1_decode(const struct cfg_station *cfg, struct codec_mem *mem,
    const struct codec_req *req, const struct codec_reply *rep, int n,
    const struct codec_ack *ack, struct obs *o, char **cause)
{
	const uint16_t	*di, *ir, *coil, *hr;
	uint32_t	 tips;
	int		 i, k;

	memset(o, 0, sizeof *o);
	if (n != R_COUNT)
		return codec_fail(cause, "%d replies, not %d", n, R_COUNT);
	if (cfg->npumps < 1 || cfg->npumps > L1_MAX_PUMPS)
		return codec_fail(cause, "%d pumps: map L1 has 1..%d",
		    cfg->npumps, L1_MAX_PUMPS);
	for (i = 0; i < R_COUNT; i++)
		if (l1_reply_ok(req, rep, i, cause) == -1)
			return -1;
	di = rep[R_DI].v;
	ir = rep[R_IR].v;
	coil = rep[R_COIL].v;
	hr = rep[R_HR].v;
	if (l1_reserved(cfg, di, coil, cause) == -1 ||
	    l1_setpoints_ok(hr, cause) == -1)
		return -1;
	o->control = OBS_SUPERVISORY;
	o->flags = l1_flags(di, coil);
	o->nlevels = 1;
	l1_level(ir[L1_IR_LEVEL_RAW], &cfg->level_tx, &o->level_m[0],
	    &o->level_ok[0]);
	l1_level(ir[L1_IR_OUTFALL_RAW], &cfg->outfall_tx, &o->outfall_m,
	    &o->outfall_ok);
	o->outfall_ok &= cfg->has_outfall;
	if (!o->outfall_ok)
		o->outfall_m = 0;
	o->rain_tips = tips = l1_u32(&ir[L1_IR_RAIN_TIPS]);
	o->npumps = cfg->npumps;
	for (k = 0; k < cfg->npumps; k++)
		if (l1_pump(di, ir, k, o, cause) == -1)
			return -1;
	o->restarted = mem->polled && (l1_tips_back(mem->last_u32[MEM_TIPS],
	    tips) || (tips == 0 && l1_set_cleared(ack, coil)));
	l1_feedback(ack, coil, hr, o);
	mem->polled = 1;
	mem->last_u32[MEM_TIPS] = tips;
	return 0;
}

/* A level in m as the PLC takes it: finite, 0..20 m. */
static float
l1_clamp(double m)
{
	if (!isfinite(m) || m < 0)
		return 0;
	return m > L1_SP_MAX_M ? L1_SP_MAX_M : (float)m;
}

/* The coil write: REMOTE_SETPOINTS, ALARM_RESET, reserved 0, inhibits. */
static void
l1_coils(const struct cfg_station *cfg, const struct intent *it,
    struct codec_req *w)
{
	int	k;

	memset(w, 0, sizeof *w);
	w->fc = CODEC_FC_WRITE_COILS;
	w->addr = 0;
	w->n = L1_COIL_COUNT;
	w->v[L1_COIL_REMOTE_SP] = it->remote != 0;
	w->v[L1_COIL_ALARM_RESET] = it->alarm_reset != 0;
	for (k = 0; k < cfg->npumps && k < L1_MAX_PUMPS; k++)
		w->v[L1_COIL_INHIBIT(k)] = (it->inhibit_mask >> k) & 1;
}

/* The four set-points of a SUPERVISORY intent, then the coils. */
static int
l1_encode(const struct cfg_station *cfg, const struct intent *it,
    struct codec_req *w, char **cause)
{
	float	start, stop, step, all;

	if (it->control != OBS_SUPERVISORY)
		return codec_fail(cause, "map L1 takes supervisory control only");
	if (!it->write)
		return 0;
	if (!it->remote) {
		l1_coils(cfg, it, &w[0]);
		return 1;
	}
	start = l1_clamp(it->start_m);
	stop = l1_clamp(it->stop_m);
	step = l1_clamp(it->assist_step_m);
	all = l1_clamp(it->all_on_m);
	if (stop >= start || start > all)
		return codec_fail(cause, "set-points start %.2f stop %.2f all-on "
		    "%.2f m: the PLC takes stop < start <= all-on only",
		    (double)start, (double)stop, (double)all);
	memset(&w[0], 0, sizeof w[0]);
	w[0].fc = CODEC_FC_WRITE_REGS;
	w[0].addr = 0;
	w[0].n = L1_HR_COUNT;
	l1_put_f32(&w[0].v[L1_HR_START], start);
	l1_put_f32(&w[0].v[L1_HR_STOP], stop);
	l1_put_f32(&w[0].v[L1_HR_ASSIST_STEP], step);
	l1_put_f32(&w[0].v[L1_HR_ALL_ON], all);
	l1_coils(cfg, it, &w[1]);
	return 2;
}

const struct codec map_l1 = {
	.name = "L1",
	.control = OBS_SUPERVISORY,
	.max_pumps = L1_MAX_PUMPS,
	.ident_request = l1_ident_request,
	.ident_check = l1_ident_check,
	.poll = l1_poll,
	.decode = l1_decode,
	.encode = l1_encode,
};
