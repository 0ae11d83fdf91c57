/*
 * The simulated station: physics and PLC behaviour.  One mdl_step() is one
 * PLC scan followed by one physics step:
 *
 *   scan:    watchdog, LOCAL_CONTROL, fallback or remote commands, hard
 *            interlocks, at most one start every PLC_START_SPACING_S;
 *   physics: inflow (dry-weather flow with a daily pattern + runoff), pumped
 *            flow, storage, flood above flood_m; counters and energy;
 *   publish: the input registers.
 *
 * A map L1 station's PLC (its own level control, its images and request
 * checks) is model_l1.c's; the physics here serves both maps.
 *
 * The RUNNING bit is the contactor's auxiliary feedback; a fault can make
 * it arrive fb_delay_s late (the pump runs meanwhile).
 *
 * The wet well is prismatic: volume = area * level, capped at flood level,
 * above which the excess backs up into the catchment's pipes (their
 * surcharge storage, catchment.pipe_storage_m3) and, when they are full
 * too, leaves onto the streets as flood volume.  Surcharged water returns
 * to the well as soon as it has room.  So at every step inflow - pumped -
 * flood = change in storage (well and pipes), exactly.
 *
 * Each pump delivers the flow where its head-flow curve (hydro.c, at its
 * VFD's speed by the affinity laws) meets the system head: the static lift
 * from the well to the outfall (mdl_lift_m) plus friction.  A too-high
 * outfall gives no flow; power, current and energy follow from flow and
 * head.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hydro.h"
#include "model.h"

#define MOTOR_VOLTS	380.0
#define BOUND_RESTART_M	0.2	/* --bound: restart this far above low-low */
#define MOTOR_PF	0.85
#define OUTFALL_RISE_M_PER_MM	0.02	/* river rise per mm of rain */
#define OUTFALL_RISE_MAX_M	2.5

/* Level in mm, clamped to what a register holds. */
static uint16_t
level_mm(double m)
{
	double	mm = floor(m * 1000 + 0.5);

	if (mm < 0)
		return 0;
	return mm >= 65534 ? 65534 : (uint16_t)mm;
}

/* The holding registers as the PLC's program leaves them at power-up: LOCAL,
 * default watchdog, fallback set-points from the station's configuration. */
static void
hr_defaults(struct mdl_station *st)
{
	const struct cfg_station	*c = st->cfg;
	int				 k;

	memset(st->hr, 0, sizeof st->hr);
	st->hr[PLC_HR_MODE] = PLC_MODE_LOCAL;
	st->hr[PLC_HR_WATCHDOG] = PLC_WATCHDOG_DEF_S;
	st->hr[PLC_HR_FB_START] = level_mm(c->duty_start_m);
	st->hr[PLC_HR_FB_STOP] = level_mm(c->stop_m);
	st->hr[PLC_HR_FB_ALL] = level_mm(c->high_alarm_m);
	for (k = 0; k < PLC_MAX_PUMPS; k++)
		st->hr[PLC_HR_SPEED_SP(k)] = PLC_SPEED_MAX;
}

int
mdl_init(struct mdl_station *st, const struct cfg_station *cfg,
    const struct rain *rain, double tod0_s)
{
	int	i;

	memset(st, 0, sizeof *st);
	st->cfg = cfg;
	st->rain = rain;
	st->tod0_s = tod0_s;
	st->level_m = cfg->stop_m;
	st->vol_m3 = st->vol0_m3 = cfg->area_m2 * cfg->stop_m;
	st->max_level_m = st->min_level_m = st->level_m;
	st->remote = 1;
	st->mains_ok = 1;
	st->last_start_t = -1e9;
	st->outfall_m = cfg->outfall_base_m;
	st->rain_factor = 1;
	st->rain_col = rain_column(rain, cfg->id);
	st->limit_pumps = cfg->npumps;
	for (i = 0; i < cfg->npumps; i++)
		st->pump[i].deliver = 1.0;
	hr_defaults(st);
	st->local = 1;
	if (cfg->map == CFG_MAP_L1)
		mdl_l1_init(st);
	mdl_publish(st);
	return 0;
}

void
mdl_free(struct mdl_station *st)
{
	free(st->ro_ring);
	st->ro_ring = NULL;
}

int
mdl_local(const struct mdl_station *st)
{
	if (st->cfg->map == CFG_MAP_L1)
		return !st->l1.remote_sp;
	return !st->remote || st->hr[PLC_HR_MODE] != PLC_MODE_REMOTE ||
	    st->wd_expired;
}

/* The level the PLC itself sees: transducer A, else B; -1 when neither. */
static int
plc_level_mm(const struct mdl_station *st)
{
	if (st->ir[PLC_IR_LEVEL_A] != PLC_NO_VALUE)
		return st->ir[PLC_IR_LEVEL_A];
	if (st->ir[PLC_IR_LEVEL_B] != PLC_NO_VALUE)
		return st->ir[PLC_IR_LEVEL_B];
	return -1;
}

int
mdl_interlock_ok(const struct mdl_station *st, int k)
{
	const struct mdl_pump	*p = &st->pump[k];

	return !p->tripped && !p->unavailable && !st->estop &&
	    st->level_m > st->cfg->lowlow_m;
}

/* Fallback control: the three set-points, lead rotating at each stop. */
static void
fallback(struct mdl_station *st)
{
	int	n = st->cfg->npumps, lvl = plc_level_mm(st), k, i, any = 0;
	int	hh = st->level_m >= st->cfg->highhigh_m;

	for (k = 0; k < n; k++)
		any |= st->pump[k].fb_want;
	if ((lvl >= 0 && lvl >= st->hr[PLC_HR_FB_ALL]) || (lvl < 0 && hh)) {
		for (k = 0; k < n; k++)
			st->pump[k].fb_want = 1;
	} else if (lvl >= 0 && lvl <= st->hr[PLC_HR_FB_STOP]) {
		for (k = 0; k < n; k++)
			st->pump[k].fb_want = 0;
		if (any)
			st->lead = (st->lead + 1) % n;
	} else if (lvl >= 0 && lvl >= st->hr[PLC_HR_FB_START] && !any) {
		for (i = 0; i < n; i++) {
			k = (st->lead + i) % n;
			if (mdl_interlock_ok(st, k)) {
				st->pump[k].fb_want = 1;
				break;
			}
		}
	}
}

/* Record a start of pump k at time t and update its worst hour. */
void
mdl_count_start(struct mdl_station *st, int k)
{
	struct mdl_pump	*p = &st->pump[k];
	int		 i, n = 0;

	p->start_t[p->starts % MDL_START_LOG] = st->t;
	p->starts++;
	p->plc_starts++;
	for (i = 0; i < MDL_START_LOG && i < (int)p->starts; i++)
		if (p->start_t[i] > st->t - 3600)
			n++;
	if (n > p->max_per_hour)
		p->max_per_hour = n;
	st->last_start_t = st->t;
	p->on_t = st->t;
}

/* One PLC scan: decide which contactors are closed. */
static void
plc_scan(struct mdl_station *st)
{
	int	n = st->cfg->npumps, local, k, want;

	if (st->hr[PLC_HR_HEARTBEAT] != st->hb_last) {
		st->hb_last = st->hr[PLC_HR_HEARTBEAT];
		st->hb_t = st->t;
		st->wd_expired = 0;
		st->hb_seen = 1;
	} else if (st->t - st->hb_t >= st->hr[PLC_HR_WATCHDOG]) {
		if (!st->wd_expired && st->hb_seen)
			st->wd_trips++;
		st->wd_expired = 1;
	}
	local = mdl_local(st);
	if (local && !st->local)	/* bumpless: keep what runs */
		for (k = 0; k < n; k++)
			st->pump[k].fb_want = st->pump[k].contactor;
	st->local = local;
	if (local)
		fallback(st);
	for (k = 0; k < n; k++) {
		want = local ? st->pump[k].fb_want :
		    (st->hr[PLC_HR_PUMP_CMD] >> k) & 1;
		if (!mdl_interlock_ok(st, k))
			want = 0;
		mdl_contactor(st, k, want, PLC_START_SPACING_S);
	}
}

void
mdl_contactor(struct mdl_station *st, int k, int want, double spacing_s)
{
	if (!want)
		st->pump[k].contactor = 0;
	else if (!st->pump[k].contactor &&
	    st->t - st->last_start_t >= spacing_s) {
		st->pump[k].contactor = 1;
		mdl_count_start(st, k);
	}
}

/* Daily pattern of sewage flow: mean 1, low at 02:00, high at 14:00. */
static double
dwf_factor(double tod_s)
{
	return 1 + 0.35 * sin(2 * M_PI * (tod_s / 3600 - 8) / 24);
}

/* Runoff (m3/s) from rain depth d_mm fallen in this step of dt seconds:
 * rational method Q = C i A with i averaged over the time of concentration. */
static double
runoff(struct mdl_station *st, double d_mm, double dt)
{
	const struct cfg_station	*c = st->cfg;
	int				 n;

	if (st->ro_ring == NULL || st->ro_dt != dt) {
		n = (int)ceil(c->tc_min * 60 / dt);
		if (n < 1)
			n = 1;
		free(st->ro_ring);
		if ((st->ro_ring = calloc((size_t)n, sizeof(double))) == NULL)
			return 0;
		st->ro_n = n;
		st->ro_i = 0;
		st->ro_sum = 0;
		st->ro_dt = dt;
	}
	st->ro_sum += d_mm - st->ro_ring[st->ro_i];
	st->ro_ring[st->ro_i] = d_mm;
	st->ro_i = (st->ro_i + 1) % st->ro_n;
	if (st->ro_sum < 1e-12)
		st->ro_sum = 0;
	/* mean intensity mm/s * area m2 / 1000 */
	return c->runoff * (st->ro_sum / (st->ro_n * dt)) * c->catch_ha * 1e4 /
	    1000;
}

double
mdl_lift_m(const struct mdl_station *st)
{
	const struct cfg_station	*c = st->cfg;
	double				 lift;

	lift = c->head_m - (st->level_m - c->duty_start_m);
	if (c->river[0] != '\0')
		lift += st->outfall_m - c->outfall_base_m;
	return lift;
}

/* Pump k's curve; one built by hand without one gets cfg.c's defaults. */
static struct cfg_pump
curve(const struct mdl_station *st, int k)
{
	struct cfg_pump	c = st->cfg->pumps[k];

	if (c.rated_head_m <= 0)
		c.rated_head_m = st->cfg->head_m + st->cfg->friction_m;
	if (c.shutoff_head_m <= c.rated_head_m)
		c.shutoff_head_m = 1.7 * c.rated_head_m;
	if (c.runout_m3s <= c.capacity_m3s)
		c.runout_m3s = 1.6 * c.capacity_m3s;
	return c;
}

/* Relative speed of pump k: its VFD's set-point, else 1. */
static double
pump_speed(const struct mdl_station *st, int k)
{
	if (!st->cfg->pumps[k].vfd || st->cfg->map == CFG_MAP_L1)
		return 1;
	return st->hr[PLC_HR_SPEED_SP(k)] / (double)PLC_SPEED_MAX;
}

/* Flow pump k delivers now, m3/s: its curve's operating point, less what a
 * worn pump loses. */
static double
pump_flow(const struct mdl_station *st, int k)
{
	struct cfg_pump	c;

	if (!st->pump[k].contactor)
		return 0;
	c = curve(st, k);
	return hyd_pump_flow(&c, pump_speed(st, k), mdl_lift_m(st),
	    st->cfg->friction_m) * st->pump[k].deliver;
}

/* Water above the flood level goes into the catchment's pipes, and what
 * they cannot hold onto the streets; with room in the well, it returns. */
static void
surcharge(struct mdl_station *st)
{
	const struct cfg_station	*c = st->cfg;
	double				 vmax = c->area_m2 * c->flood_m, x;

	if (st->vol_m3 > vmax) {
		x = fmin(st->vol_m3 - vmax, c->pipe_m3 - st->pipe_m3);
		st->pipe_m3 += x;
		st->flood_m3 += st->vol_m3 - vmax - x;
		st->vol_m3 = vmax;
	} else if (st->pipe_m3 > 0) {
		x = fmin(st->pipe_m3, vmax - st->vol_m3);
		st->pipe_m3 -= x;
		st->vol_m3 += x;
	}
	if (st->pipe_m3 > st->max_pipe_m3)
		st->max_pipe_m3 = st->pipe_m3;
}

/* Energy, head and counters of the running pumps over dt. */
static void
pump_accounts(struct mdl_station *st, double dt)
{
	struct mdl_pump	*p;
	struct cfg_pump	 c;
	int		 k, running = 0;

	for (k = 0; k < st->cfg->npumps; k++) {
		p = &st->pump[k];
		if (!p->contactor)
			continue;
		running++;
		c = curve(st, k);
		p->head_m = hyd_pump_head(&c, pump_speed(st, k), p->flow_m3s);
		p->energy_kwh += hyd_pump_kw(&c, pump_speed(st, k),
		    p->flow_m3s, p->head_m) * dt / 3600;
		p->run_s += dt;
		p->plc_run_s += dt;
	}
	if (running > st->limit_pumps)
		st->over_limit_s += dt;
}

/* One physics step of dt seconds. */
static void
physics(struct mdl_station *st, double dt)
{
	const struct cfg_station	*c = st->cfg;
	double				 d_mm, q_in, want, out, t;
	int				 k;

	t = st->t - st->rain_delay_s;
	d_mm = st->rain_factor * (rain_depth_col_mm(st->rain, st->rain_col,
	    t + dt) - rain_depth_col_mm(st->rain, st->rain_col, t));
	st->rain_mm += d_mm;
	q_in = c->dwf_m3s * dwf_factor(st->tod0_s + st->t) +
	    runoff(st, d_mm, dt);
	st->inflow_m3s = q_in;
	for (want = 0, k = 0; k < c->npumps; k++) {
		st->pump[k].flow_m3s = pump_flow(st, k);
		want += st->pump[k].flow_m3s * dt;
	}
	out = fmin(want, st->vol_m3 + q_in * dt);
	if (want > 0 && out < want)	/* the well ran dry: scale down */
		for (k = 0; k < c->npumps; k++)
			st->pump[k].flow_m3s *= out / want;
	st->vol_m3 += q_in * dt - out;
	st->inflow_m3 += q_in * dt;
	st->pumped_m3 += out;
	surcharge(st);
	st->level_m = st->vol_m3 / c->area_m2;
	if (st->level_m > st->max_level_m)
		st->max_level_m = st->level_m;
	if (st->level_m < st->min_level_m)
		st->min_level_m = st->level_m;
	pump_accounts(st, dt);
	if (st->local)
		st->local_s += dt;
	st->t += dt;
}

/* Motor current of pump k in 0.1 A. */
static uint16_t
pump_current(const struct mdl_station *st, int k)
{
	return (uint16_t)fmin(mdl_current_a(st, k) * 10, 65534);
}

double
mdl_current_a(const struct mdl_station *st, int k)
{
	struct cfg_pump	c = curve(st, k);
	double		s = pump_speed(st, k), kw, amps;

	if (!st->pump[k].contactor)
		return 0;
	/* a third of the rated power turning, the rest with flow x head */
	kw = hyd_pump_kw(&c, s, st->pump[k].flow_m3s,
	    hyd_pump_head(&c, s, st->pump[k].flow_m3s));
	amps = kw * 1000 / (sqrt(3) * MOTOR_VOLTS * MOTOR_PF);
	return amps;
}

int
mdl_running_fb(const struct mdl_station *st, int k)
{
	return st->pump[k].contactor && st->t - st->pump[k].on_t >=
	    st->fb_delay_s - 1e-9;
}

/* The value a level transducer shows. */
static uint16_t
transducer(struct mdl_station *st, int which)
{
	uint16_t	mm = level_mm(st->level_m);

	switch (st->lvl_fault[which]) {
	case MDL_LVL_STUCK:
		return st->lvl_stuck_mm[which];
	case MDL_LVL_FAILED:
		return PLC_NO_VALUE;
	default:
		st->lvl_stuck_mm[which] = mm;
		return mm;
	}
}

/* Status bits of pump k. */
static uint16_t
pump_status(const struct mdl_station *st, int k)
{
	uint16_t	s = 0;

	if (mdl_running_fb(st, k))
		s |= PLC_PU_RUNNING;
	if (st->pump[k].tripped)
		s |= PLC_PU_FAULT;
	if (!st->pump[k].tripped && !st->pump[k].unavailable)
		s |= PLC_PU_AVAILABLE;
	if (st->cfg->pumps[k].vfd)
		s |= PLC_PU_HAS_VFD;
	return s;
}

void
mdl_publish(struct mdl_station *st)
{
	const struct cfg_station	*c = st->cfg;
	uint16_t			*ir = st->ir, s = 0, *p;
	double				 out;
	int				 k;

	if (c->map == CFG_MAP_L1) {
		mdl_l1_publish(st);
		return;
	}
	memset(ir, 0, sizeof st->ir);
	ir[PLC_IR_MAP_VERSION] = PLC_MAP_VERSION;
	s |= st->remote ? PLC_ST_REMOTE : 0;
	s |= mdl_local(st) ? PLC_ST_LOCAL_CONTROL : 0;
	s |= st->wd_expired ? PLC_ST_WATCHDOG : 0;
	s |= st->mains_ok ? PLC_ST_MAINS_OK : 0;
	s |= st->level_m >= c->highhigh_m ? PLC_ST_HIGH_HIGH : 0;
	s |= st->level_m <= c->lowlow_m ? PLC_ST_LOW_LOW : 0;
	s |= st->door_open ? PLC_ST_DOOR_OPEN : 0;
	s |= st->estop ? PLC_ST_ESTOP : 0;
	ir[PLC_IR_STATUS] = s;
	ir[PLC_IR_LEVEL_A] = transducer(st, 0);
	ir[PLC_IR_LEVEL_B] = transducer(st, 1);
	plc_put_u32(&ir[PLC_IR_RAIN_TIPS], (uint32_t)floor((st->rain_mm -
	    st->plc_rain0_mm) / c->tip_mm + 1e-9));
	if (c->has_outfall) {
		out = mdl_outfall_m(st);
		ir[PLC_IR_OUTFALL] = level_mm(out);
	} else
		ir[PLC_IR_OUTFALL] = PLC_NO_VALUE;
	ir[PLC_IR_HB_ECHO] = st->hb_last;
	plc_put_u32(&ir[PLC_IR_UPTIME], (uint32_t)(st->t - st->plc_t0));
	ir[PLC_IR_PUMP_COUNT] = (uint16_t)c->npumps;
	for (k = 0; k < c->npumps; k++) {
		p = &ir[PLC_IR_PUMP(k)];
		p[PLC_PU_STATUS] = pump_status(st, k);
		p[PLC_PU_CURRENT] = pump_current(st, k);
		if (st->pump[k].contactor)
			p[PLC_PU_SPEED] = c->pumps[k].vfd ?
			    st->hr[PLC_HR_SPEED_SP(k)] : PLC_SPEED_MAX;
		plc_put_u32(&p[PLC_PU_RUN_TIME], (uint32_t)st->pump[k].plc_run_s);
		plc_put_u32(&p[PLC_PU_STARTS], st->pump[k].plc_starts);
	}
}

double
mdl_outfall_m(const struct mdl_station *st)
{
	if (st->cfg->river[0] != '\0')
		return st->outfall_m;
	return st->cfg->outfall_base_m + fmin(OUTFALL_RISE_MAX_M,
	    OUTFALL_RISE_M_PER_MM * st->rain_mm);
}

int
mdl_bound_active(const struct mdl_station *st)
{
	double	t = st->t - st->rain_delay_s;

	return st->bound && rain_depth_col_mm(st->rain, st->rain_col,
	    t + 1e-6) > 0 &&
	    t < rain_end_s(st->rain);
}

/* --bound: every pump the interlocks allow runs at full speed (a pump
 * stopped by the low-low float starts again 0.2 m above it); when the rain
 * has ended the PLC's own control takes over what runs. */
static void
bound_scan(struct mdl_station *st)
{
	int	k, n = 0;

	for (k = 0; k < st->cfg->npumps; k++) {
		/* run down to the low-low float, start again 0.2 m above */
		mdl_contactor(st, k, mdl_interlock_ok(st, k) &&
		    (st->pump[k].contactor || st->level_m > st->cfg->lowlow_m +
		    BOUND_RESTART_M), 0);
		st->pump[k].fb_want = st->pump[k].contactor;
		n += st->pump[k].contactor;
		if (st->cfg->map == CFG_MAP_V1)
			st->hr[PLC_HR_SPEED_SP(k)] = PLC_SPEED_MAX;
	}
	st->l1.nwant = n;
}

void
mdl_step(struct mdl_station *st, double dt)
{
	if (mdl_bound_active(st))
		bound_scan(st);
	else if (st->cfg->map == CFG_MAP_L1) {
		mdl_l1_scan(st);
		st->local = mdl_local(st);
	} else
		plc_scan(st);
	physics(st, dt);
	mdl_publish(st);
}

int
mdl_read_check(int input, int addr, int n)
{
	int	size = input ? PLC_IR_COUNT : PLC_HR_COUNT;

	if (addr < 0 || n < 1 || addr + n > size)
		return 2;
	return 0;
}

/* Whether value v is acceptable in holding register a. */
static int
value_ok(const struct mdl_station *st, int a, uint16_t v)
{
	switch (a) {
	case PLC_HR_HEARTBEAT:
		return 1;
	case PLC_HR_MODE:
		return v <= PLC_MODE_REMOTE;
	case PLC_HR_PUMP_CMD:
		return (v >> st->cfg->npumps) == 0;
	case PLC_HR_RESERVED:
		return v == 0;
	case PLC_HR_WATCHDOG:
		return v >= PLC_WATCHDOG_MIN_S && v <= PLC_WATCHDOG_MAX_S;
	case PLC_HR_FB_START:
	case PLC_HR_FB_STOP:
	case PLC_HR_FB_ALL:
		return v <= PLC_SETPOINT_MAX_MM;
	default:
		return v <= PLC_SPEED_MAX;
	}
}

int
mdl_write_check(const struct mdl_station *st, int addr, int n,
    const uint16_t *v)
{
	int	i;

	if (mdl_read_check(0, addr, n) != 0)
		return 2;
	for (i = 0; i < n; i++)
		if (!value_ok(st, addr + i, v[i]))
			return 3;
	return 0;
}

int
mdl_write(struct mdl_station *st, int addr, int n, const uint16_t *v)
{
	int	rc;

	if ((rc = mdl_write_check(st, addr, n, v)) != 0)
		return rc;
	memcpy(&st->hr[addr], v, (size_t)n * sizeof *v);
	return 0;
}

#define FC_READ_HOLDING		0x03
#define FC_READ_INPUT		0x04
#define FC_WRITE_SINGLE		0x06
#define FC_WRITE_MULTIPLE	0x10
#define MAX_READ		125	/* registers in one read */
#define MAX_WRITE		123	/* registers in one write */

int
mdl_req_head(const struct mdl_station *st, const uint8_t *req, int len,
    int hl, struct mdl_req *r)
{
	memset(r, 0, sizeof *r);
	if (hl < 1 || len < hl + 1)
		return -1;
	r->unit = req[hl - 1];
	r->fc = req[hl];
	r->addr = len >= hl + 3 ? (req[hl + 1] << 8) | req[hl + 2] : -1;
	r->nb = len >= hl + 5 ? (req[hl + 3] << 8) | req[hl + 4] : -1;
	if (r->unit != st->cfg->unit && r->unit != 0xFF)
		return 11;	/* gateway target failed to respond */
	return 0;
}

int
mdl_req_regs(const uint8_t *req, int len, int hl, int size,
    struct mdl_req *r)
{
	int	i;

	if (r->nb < 1 || r->nb > MAX_WRITE || len < hl + 6 + 2 * r->nb ||
	    req[hl + 5] != 2 * r->nb)
		return 3;
	if (r->addr < 0 || r->addr + r->nb > size)
		return 2;
	for (i = 0; i < r->nb; i++)
		r->v[i] = (uint16_t)((req[hl + 6 + 2 * i] << 8) |
		    req[hl + 7 + 2 * i]);
	r->nwrite = r->nb;
	return 0;
}

int
mdl_check_request(const struct mdl_station *st, const uint8_t *req,
    int len, int hl, struct mdl_req *r)
{
	int	i;

	if (st->cfg->map == CFG_MAP_L1)
		return mdl_l1_check_request(st, req, len, hl, r);
	if ((i = mdl_req_head(st, req, len, hl, r)) != 0)
		return i;
	switch (r->fc) {
	case FC_READ_HOLDING:
	case FC_READ_INPUT:
		if (r->nb < 1 || r->nb > MAX_READ)
			return 3;
		return mdl_read_check(r->fc == FC_READ_INPUT, r->addr, r->nb);
	case FC_WRITE_SINGLE:
		if (r->nb < 0)
			return 3;
		r->v[0] = (uint16_t)r->nb;
		r->nwrite = 1;
		return mdl_write_check(st, r->addr, 1, r->v);
	case FC_WRITE_MULTIPLE:
		if ((i = mdl_req_regs(req, len, hl, PLC_HR_COUNT, r)) != 0)
			return i;
		return mdl_write_check(st, r->addr, r->nb, r->v);
	default:
		return 1;
	}
}

void
mdl_set_level(struct mdl_station *st, double level_m)
{
	double	lvl = fmax(0, fmin(level_m, st->cfg->flood_m));
	double	dv = st->cfg->area_m2 * lvl - st->vol_m3;

	/* storage changed from outside: keep inflow - pumped - flood equal
	 * to the change in storage */
	if (dv > 0)
		st->inflow_m3 += dv;
	else
		st->pumped_m3 -= dv;
	st->vol_m3 += dv;
	st->level_m = lvl;
	if (lvl > st->max_level_m)
		st->max_level_m = lvl;
	st->min_level_m = lvl;	/* a new episode starts here */
	mdl_publish(st);
}

int
mdl_plc_run(struct mdl_station *st, int k)
{
	if (k < 0 || k >= st->cfg->npumps || !mdl_interlock_ok(st, k) ||
	    st->cfg->map == CFG_MAP_L1)
		return -1;
	st->pump[k].fb_want = 1;
	if (!st->pump[k].contactor) {
		st->pump[k].contactor = 1;
		mdl_count_start(st, k);
	}
	mdl_publish(st);
	return 0;
}

void
mdl_restart(struct mdl_station *st)
{
	int	k;

	st->plc_t0 = st->t;
	st->plc_rain0_mm = st->rain_mm;
	if (st->cfg->map == CFG_MAP_L1) {
		mdl_l1_restart(st);
		mdl_publish(st);
		return;
	}
	for (k = 0; k < st->cfg->npumps; k++) {
		st->pump[k].plc_run_s = 0;
		st->pump[k].plc_starts = 0;
	}
	hr_defaults(st);
	st->hb_last = 0;
	st->hb_t = st->t;
	st->wd_expired = 0;
	mdl_publish(st);
}

double
mdl_balance_m3(const struct mdl_station *st)
{
	return st->inflow_m3 - st->pumped_m3 - st->flood_m3 -
	    (st->vol_m3 - st->vol0_m3) - st->pipe_m3;
}
