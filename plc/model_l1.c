/*
 * The PLC of a simulated map L1 station (../shared/plc-legacy.md): the
 * legacy PLCs of the three rebuilt stations.  model.c keeps the physics and
 * calls in here for what differs: the PLC's own level control (lead pump at
 * start_m, one more every assist_step_m above it, all at all_on_m, all off
 * at stop_m, the lead rotating at each stop, one start every 5 s), the
 * interlocks with the pump inhibits, the register images (discrete inputs,
 * coils, raw 4-20 mA levels, CDAB counters and floats) and the checks of
 * every request.  Pure like model.c; plcsim's thread only.
 */
#include <math.h>
#include <string.h>

#include "model.h"

#define FC_READ_COILS		0x01
#define FC_READ_DISCRETE	0x02
#define FC_READ_HOLDING		0x03
#define FC_READ_INPUT		0x04
#define FC_WRITE_COIL		0x05
#define FC_WRITE_REGISTER	0x06
#define FC_WRITE_COILS		0x0F
#define FC_WRITE_REGISTERS	0x10
#define FC_REPORT_ID		0x11
#define MAX_READ_BITS		2000
#define MAX_READ_REGS		125
#define MAX_WRITE_BITS		1968
#define FIRMWARE		" 2.07"	/* follows L1_IDENT */

/* The set-points in force: the holding registers' with REMOTE_SETPOINTS,
 * else the panel's, as start, stop, assist step, all-on. */
static void
setpoints(const struct mdl_station *st, double sp[4])
{
	const struct cfg_panel	*p = &st->cfg->panel;
	int			 i;

	if (st->l1.remote_sp) {
		for (i = 0; i < 4; i++)
			sp[i] = st->l1.sp_m[i];
		return;
	}
	sp[0] = p->start_m;
	sp[1] = p->stop_m;
	sp[2] = p->assist_step_m;
	sp[3] = p->all_on_m;
}

/* The holding registers at power-up: the panel's set-points. */
static void
sp_defaults(struct mdl_station *st)
{
	const struct cfg_panel	*p = &st->cfg->panel;

	st->l1.sp_m[0] = (float)p->start_m;
	st->l1.sp_m[1] = (float)p->stop_m;
	st->l1.sp_m[2] = (float)p->assist_step_m;
	st->l1.sp_m[3] = (float)p->all_on_m;
}

void
mdl_l1_init(struct mdl_station *st)
{
	int	k;

	memset(&st->l1, 0, sizeof st->l1);
	sp_defaults(st);
	for (k = 0; k < st->cfg->npumps; k++) {
		/* the counters of pumps that ran for years: large enough that
		 * the high word of a CDAB value is not 0 */
		st->pump[k].l1_run_h0 = 21000 + 1500 * (uint32_t)k;
		st->pump[k].l1_starts0 = 70000 + 1234 * (uint32_t)k;
	}
	st->local = 1;
}

void
mdl_l1_restart(struct mdl_station *st)
{
	int	k;

	st->l1.remote_sp = 0;
	for (k = 0; k < L1_MAX_PUMPS; k++)
		st->l1.inhibit[k] = 0;
	sp_defaults(st);
}

/* The level the PLC reads from its transducer, metres; -1 when the raw
 * value is no reading (wire break, under range). */
static double
plc_level_m(const struct mdl_station *st)
{
	uint16_t	raw = st->l1.ir[L1_IR_LEVEL_RAW];

	if (!l1_raw_valid(raw))
		return -1;
	return l1_raw_m(raw, st->cfg->level_tx.zero_m,
	    st->cfg->level_tx.span_m);
}

/* How many pumps the level asks for, before the latch: 0 below start. */
static int
pumps_for(const struct mdl_station *st, double lvl, const double sp[4])
{
	int	n = st->cfg->npumps, want;

	if (lvl >= sp[3])
		return n;
	if (lvl < sp[0])
		return 0;
	want = sp[2] > 0 ? 1 + (int)floor((lvl - sp[0]) / sp[2] + 1e-9) : n;
	return want > n ? n : want;
}

/* The level control: how many pumps to hold on (they stay on until the stop
 * level); the lead rotates at each stop.  Without a reading the PLC keeps
 * what it holds, and runs every pump on the high-high float. */
static void
level_control(struct mdl_station *st)
{
	double	sp[4], lvl = plc_level_m(st);
	int	n = st->cfg->npumps, want;

	setpoints(st, sp);
	if (lvl < 0) {
		if (st->level_m >= st->cfg->highhigh_m)
			st->l1.nwant = n;
		return;
	}
	if (lvl <= sp[1]) {
		if (st->l1.nwant > 0)
			st->lead = (st->lead + 1) % n;
		st->l1.nwant = 0;
		return;
	}
	want = pumps_for(st, lvl, sp);
	if (want > st->l1.nwant)
		st->l1.nwant = want;
}

/* Whether pump k may run: the hard interlocks and its inhibit. */
static int
may_run(const struct mdl_station *st, int k)
{
	return mdl_interlock_ok(st, k) && !st->l1.inhibit[k];
}

void
mdl_l1_scan(struct mdl_station *st)
{
	int	n = st->cfg->npumps, i, k, left, want[L1_MAX_PUMPS] = { 0 };

	level_control(st);
	for (left = st->l1.nwant, i = 0; i < n && left > 0; i++) {
		k = (st->lead + i) % n;
		if (may_run(st, k)) {
			want[k] = 1;
			left--;
		}
	}
	for (k = 0; k < n; k++)
		mdl_contactor(st, k, want[k], L1_START_SPACING_S);
}

/* The raw count of the level transducer, with its fault. */
static uint16_t
level_raw(struct mdl_station *st)
{
	const struct cfg_transducer	*tx = &st->cfg->level_tx;

	switch (st->lvl_fault[0]) {
	case MDL_LVL_STUCK:
		return st->l1.stuck_raw;
	case MDL_LVL_FAILED:
		return L1_RAW_WIRE_BREAK;
	case MDL_LVL_UNDER:
		return (uint16_t)(int16_t)MDL_L1_UNDER_RAW;
	default:
		st->l1.stuck_raw = l1_m_raw(st->level_m, tx->zero_m,
		    tx->span_m);
		return st->l1.stuck_raw;
	}
}

/* The discrete inputs. */
static void
publish_di(struct mdl_station *st)
{
	const struct cfg_station	*c = st->cfg;
	uint8_t				*di = st->l1.di;
	int				 k;

	memset(di, 0, sizeof st->l1.di);
	di[L1_DI_AUTO] = 1;
	di[L1_DI_REMOTE] = st->remote != 0;
	di[L1_DI_MAINS_OK] = st->mains_ok != 0;
	di[L1_DI_HIGH_HIGH] = st->level_m >= c->highhigh_m;
	di[L1_DI_LOW_LOW] = st->level_m <= c->lowlow_m;
	di[L1_DI_ESTOP] = st->estop != 0;
	for (k = 0; k < c->npumps; k++) {
		di[L1_DI_RUNNING(k)] = (uint8_t)mdl_running_fb(st, k);
		di[L1_DI_FAULT(k)] = st->pump[k].tripped != 0;
		di[L1_DI_AVAILABLE(k)] = !st->pump[k].tripped &&
		    !st->pump[k].unavailable;
		di[L1_DI_INHIBITED(k)] = st->l1.inhibit[k] != 0;
	}
}

/* The input registers. */
static void
publish_ir(struct mdl_station *st, double outfall_m)
{
	const struct cfg_station	*c = st->cfg;
	uint16_t			*ir = st->l1.ir;
	const struct mdl_pump		*p;
	int				 k;

	memset(ir, 0, sizeof st->l1.ir);
	ir[L1_IR_LEVEL_RAW] = level_raw(st);
	ir[L1_IR_OUTFALL_RAW] = c->has_outfall ? l1_m_raw(outfall_m,
	    c->outfall_tx.zero_m, c->outfall_tx.span_m) : L1_RAW_WIRE_BREAK;
	l1_put_u32(&ir[L1_IR_RAIN_TIPS], (uint32_t)floor((st->rain_mm -
	    st->plc_rain0_mm) / c->tip_mm + 1e-9));
	for (k = 0; k < c->npumps; k++) {
		p = &st->pump[k];
		l1_put_f32(&ir[L1_IR_CURRENT(k)], (float)mdl_current_a(st, k));
		l1_put_u32(&ir[L1_IR_RUN_HOURS(k)], p->l1_run_h0 +
		    (uint32_t)(p->run_s / 3600));
		l1_put_u32(&ir[L1_IR_STARTS(k)], p->l1_starts0 + p->starts);
	}
}

void
mdl_l1_publish(struct mdl_station *st)
{
	int				 k;

	publish_di(st);
	publish_ir(st, mdl_outfall_m(st));
	memset(st->l1.coil, 0, sizeof st->l1.coil);
	st->l1.coil[L1_COIL_REMOTE_SP] = st->l1.remote_sp != 0;
	for (k = 0; k < L1_MAX_PUMPS; k++)
		st->l1.coil[L1_COIL_INHIBIT(k)] = st->l1.inhibit[k] != 0;
	for (k = 0; k < 4; k++)
		l1_put_f32(&st->l1.hr[2 * k], st->l1.sp_m[k]);
}

int
mdl_l1_sp_check(const struct mdl_station *st, int addr, int n,
    const uint16_t *v)
{
	uint16_t	hr[L1_HR_COUNT];
	float		f[4];
	int		i;

	if (addr < 0 || n < 1 || addr + n > L1_HR_COUNT)
		return 2;
	if (addr % 2 != 0 || n % 2 != 0)
		return 3;	/* half a float */
	memcpy(hr, st->l1.hr, sizeof hr);
	memcpy(&hr[addr], v, (size_t)n * sizeof *v);
	for (i = 0; i < 4; i++) {
		f[i] = l1_f32(&hr[2 * i]);
		if (!isfinite(f[i]) || f[i] < 0 || f[i] > L1_SP_MAX_M)
			return 3;
	}
	if (f[1] >= f[0] || f[0] > f[3])
		return 3;
	return 0;
}

/* Check a read of nb items at addr of a table of size items. */
static int
read_check(int addr, int nb, int size, int max)
{
	if (nb < 1 || nb > max)
		return 3;
	return addr < 0 || addr + nb > size ? 2 : 0;
}

/* Check a coil write already unpacked into r->v: exception 3 on a 1 in a
 * reserved coil. */
static int
coils_check(const struct mdl_req *r)
{
	int	i, a;

	for (i = 0; i < r->nwrite; i++) {
		a = r->addr + i;
		if (a >= L1_COIL_RESERVED_LO && a <= L1_COIL_RESERVED_HI &&
		    r->v[i])
			return 3;
	}
	return 0;
}

/* Function 15: unpack the coils of the request into r->v. */
static int
unpack_coils(const uint8_t *req, int len, int hl, struct mdl_req *r)
{
	int	i, nbytes;

	if (r->nb < 1 || r->nb > MAX_WRITE_BITS)
		return 3;
	nbytes = (r->nb + 7) / 8;
	if (len < hl + 6 + nbytes || req[hl + 5] != nbytes)
		return 3;
	if (r->addr + r->nb > L1_COIL_COUNT)
		return 2;
	for (i = 0; i < r->nb; i++)
		r->v[i] = (req[hl + 6 + i / 8] >> (i % 8)) & 1;
	r->nwrite = r->nb;
	return 0;
}

/* Check a write request (05, 15, 16): address first, then REMOTE, then the
 * values. */
static int
write_check(const struct mdl_station *st, const uint8_t *req, int len,
    int hl, struct mdl_req *r)
{
	int	ex;

	switch (r->fc) {
	case FC_WRITE_COIL:
		if (r->addr < 0 || r->addr >= L1_COIL_COUNT)
			return 2;
		if (r->nb != 0xFF00 && r->nb != 0x0000)
			return 3;
		r->v[0] = r->nb == 0xFF00;
		r->nwrite = 1;
		break;
	case FC_WRITE_COILS:
		if ((ex = unpack_coils(req, len, hl, r)) != 0)
			return ex;
		break;
	default:
		if ((ex = mdl_req_regs(req, len, hl, L1_HR_COUNT, r)) != 0)
			return ex;
	}
	if (!st->remote)
		return 4;
	if (r->fc == FC_WRITE_REGISTERS)
		return mdl_l1_sp_check(st, r->addr, r->nb, r->v);
	return coils_check(r);
}

int
mdl_l1_check_request(const struct mdl_station *st, const uint8_t *req,
    int len, int hl, struct mdl_req *r)
{
	int	ex;

	if ((ex = mdl_req_head(st, req, len, hl, r)) != 0)
		return ex;
	switch (r->fc) {
	case FC_READ_COILS:
		return read_check(r->addr, r->nb, L1_COIL_COUNT, MAX_READ_BITS);
	case FC_READ_DISCRETE:
		return read_check(r->addr, r->nb, L1_DI_COUNT, MAX_READ_BITS);
	case FC_READ_HOLDING:
		return read_check(r->addr, r->nb, L1_HR_COUNT, MAX_READ_REGS);
	case FC_READ_INPUT:
		return read_check(r->addr, r->nb, L1_IR_COUNT, MAX_READ_REGS);
	case FC_WRITE_COIL:
	case FC_WRITE_COILS:
	case FC_WRITE_REGISTERS:
		if (r->addr < 0 || r->nb < 0)
			return 3;
		return write_check(st, req, len, hl, r);
	case FC_REPORT_ID:
		return 0;
	default:
		return 1;	/* 06 included: a set-point is two registers */
	}
}

void
mdl_l1_apply(struct mdl_station *st, const struct mdl_req *r)
{
	int	i, a;

	if (r->fc == FC_WRITE_REGISTERS) {
		memcpy(&st->l1.hr[r->addr], r->v, (size_t)r->nwrite *
		    sizeof r->v[0]);
		for (i = 0; i < 4; i++)
			st->l1.sp_m[i] = l1_f32(&st->l1.hr[2 * i]);
		return;
	}
	for (i = 0; i < r->nwrite; i++) {
		a = r->addr + i;
		if (a == L1_COIL_REMOTE_SP)
			st->l1.remote_sp = r->v[i] != 0;
		else if (a == L1_COIL_ALARM_RESET && r->v[i])
			st->l1.resets++;	/* a tripped motor stays so */
		else if (a >= L1_COIL_INHIBIT(0) && a < L1_COIL_COUNT)
			st->l1.inhibit[a - L1_COIL_INHIBIT(0)] = r->v[i] != 0;
	}
	mdl_publish(st);
}

int
mdl_l1_ident(uint8_t *buf, int len)
{
	const char	*text = L1_IDENT FIRMWARE;
	int		 n = (int)strlen(text);

	if (len < n + 3)
		return -1;
	buf[0] = (uint8_t)(n + 2);
	buf[1] = L1_SERVER_ID;
	buf[2] = L1_RUN_INDICATOR;
	memcpy(buf + 3, text, (size_t)n);
	return n + 3;
}
