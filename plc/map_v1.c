/*
 * The codec of map version 1 (../shared/plc-interface.md, plcmap.h): a
 * poll reads the input block (function 04, 80 registers) and reads back
 * the command block (function 03, 16 registers); an intent is the whole
 * command block in one function-16 write.  Decoding checks the map
 * version, the pump count against the configuration and every value's
 * range; levels go from mm to m, 0xFFFF to "no valid value", speed from
 * 0.1 % to %, current from 0.1 A to A.  The PLC restarted when its uptime
 * dropped.  Pure; runs on the station's PLC worker.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "plcmap.h"

_Static_assert(PLC_MAX_PUMPS <= OBS_MAX_PUMPS, "map v1 pumps fit an obs");

/* codec_mem.last_u32[] slots of this codec */
#define MEM_UPTIME	0

/* The read requests of one poll: input block, then command block. */
static int
v1_poll(const struct cfg_station *cfg, struct codec_req *req)
{
	(void)cfg;
	memset(req, 0, 2 * sizeof *req);
	req[0].fc = CODEC_FC_READ_INPUT;
	req[0].addr = 0;
	req[0].n = PLC_IR_COUNT;
	req[1].fc = CODEC_FC_READ_HOLDING;
	req[1].addr = 0;
	req[1].n = PLC_HR_COUNT;
	return 2;
}

/* A measurement register in m into *m, with *ok 0 for 0xFFFF. */
static void
v1_level(uint16_t mm, double *m, int *ok)
{
	*ok = mm != PLC_NO_VALUE;
	*m = *ok ? mm / 1000.0 : 0;
}

/* Decode and check pump k's block p into o; 0 or -1 with *cause. */
static int
v1_pump(const uint16_t *p, int k, struct obs *o, char **cause)
{
	struct obs_pump	*op = &o->pump[k];
	uint16_t	 st = p[PLC_PU_STATUS];

	if (p[PLC_PU_SPEED] > PLC_SPEED_MAX || st > 0x3F)
		return codec_fail(cause, "pump %d: speed %u or status 0x%04x out "
		    "of range", k + 1, p[PLC_PU_SPEED], st);
	op->flags = ((st & PLC_PU_RUNNING) ? OBS_PU_RUNNING : 0) |
	    ((st & PLC_PU_FAULT) ? OBS_PU_FAULT : 0) |
	    ((st & PLC_PU_AVAILABLE) ? OBS_PU_AVAILABLE : 0) |
	    ((st & PLC_PU_OVERTEMP) ? OBS_PU_OVERTEMP : 0) |
	    ((st & PLC_PU_SEAL_LEAK) ? OBS_PU_SEAL_LEAK : 0) |
	    ((st & PLC_PU_HAS_VFD) ? OBS_PU_VFD : 0);
	op->current_a = p[PLC_PU_CURRENT] / 10.0;
	op->speed_pct = p[PLC_PU_SPEED] / 10.0;
	op->run_s = plc_u32(&p[PLC_PU_RUN_TIME]);
	op->starts = plc_u32(&p[PLC_PU_STARTS]);
	return 0;
}

/* station_status bits in plain words. */
static unsigned
v1_flags(uint16_t st)
{
	static const struct { uint16_t bit; unsigned flag; } map[] = {
		{ PLC_ST_REMOTE, OBS_ST_REMOTE },
		{ PLC_ST_LOCAL_CONTROL, OBS_ST_OWN_CONTROL },
		{ PLC_ST_WATCHDOG, OBS_ST_WATCHDOG },
		{ PLC_ST_MAINS_OK, OBS_ST_MAINS_OK },
		{ PLC_ST_HIGH_HIGH, OBS_ST_HIGH_HIGH },
		{ PLC_ST_LOW_LOW, OBS_ST_LOW_LOW },
		{ PLC_ST_DOOR_OPEN, OBS_ST_DOOR_OPEN },
		{ PLC_ST_ESTOP, OBS_ST_ESTOP },
	};
	unsigned	f = 0;
	size_t		i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (st & map[i].bit)
			f |= map[i].flag;
	return f;
}

/* The input block ir into o; 0 or -1 with *cause. */
static int
v1_input(const struct cfg_station *cfg, const uint16_t *ir, struct obs *o,
    char **cause)
{
	int	k;

	if (ir[PLC_IR_MAP_VERSION] != PLC_MAP_VERSION)
		return codec_fail(cause, "map version %u, not %d: refusing to "
		    "control", ir[PLC_IR_MAP_VERSION], PLC_MAP_VERSION);
	if (ir[PLC_IR_PUMP_COUNT] != cfg->npumps)
		return codec_fail(cause, "PLC reports %u pumps, the "
		    "configuration %d", ir[PLC_IR_PUMP_COUNT], cfg->npumps);
	if (cfg->npumps < 1 || cfg->npumps > PLC_MAX_PUMPS)
		return codec_fail(cause, "%d pumps: map v1 has 1..%d",
		    cfg->npumps, PLC_MAX_PUMPS);
	if (ir[PLC_IR_STATUS] > 0xFF)
		return codec_fail(cause, "station_status 0x%04x has undefined "
		    "bits", ir[PLC_IR_STATUS]);
	o->control = OBS_DIRECT;
	o->flags = v1_flags(ir[PLC_IR_STATUS]);
	o->nlevels = 2;
	v1_level(ir[PLC_IR_LEVEL_A], &o->level_m[0], &o->level_ok[0]);
	v1_level(ir[PLC_IR_LEVEL_B], &o->level_m[1], &o->level_ok[1]);
	v1_level(ir[PLC_IR_OUTFALL], &o->outfall_m, &o->outfall_ok);
	o->rain_tips = plc_u32(&ir[PLC_IR_RAIN_TIPS]);
	o->echo_seq = ir[PLC_IR_HB_ECHO];
	o->echo_ok = o->echo_seq != 0;	/* 0: fresh from power-up */
	o->npumps = cfg->npumps;
	for (k = 0; k < cfg->npumps; k++)
		if (v1_pump(&ir[PLC_IR_PUMP(k)], k, o, cause) == -1)
			return -1;
	return 0;
}

/* Command feedback: the acknowledged block against hr read back. */
static void
v1_feedback(const struct codec_ack *ack, const uint16_t *hr, struct obs *o)
{
	const uint16_t	*w;

	if (ack == NULL || !ack->valid || ack->nreq < 1)
		return;
	w = ack->req[0].v;
	o->acked = 1;
	o->acked_seq = ack->seq;
	o->acked_remote = ack->remote;
	o->foreign = !o->restarted &&
	    (hr[PLC_HR_HEARTBEAT] != w[PLC_HR_HEARTBEAT] ||
	    hr[PLC_HR_MODE] != w[PLC_HR_MODE] ||
	    hr[PLC_HR_PUMP_CMD] != w[PLC_HR_PUMP_CMD]);
}

/* Check that reply i answers a read of n registers. */
static int
v1_reply_ok(const struct codec_reply *rep, int i, int n, char **cause)
{
	if (!rep[i].ok)
		return codec_fail(cause, "read %d: exception %u", i + 1,
		    rep[i].exception);
	if (rep[i].n != n)
		return codec_fail(cause, "read %d: %u registers, not %d", i + 1,
		    rep[i].n, n);
	return 0;
}

/* Decode a poll's two replies. */
static int
v1_decode(const struct cfg_station *cfg, struct codec_mem *mem,
    const struct codec_req *req, const struct codec_reply *rep, int n,
    const struct codec_ack *ack, struct obs *o, char **cause)
{
	uint32_t	uptime;

	(void)req;
	memset(o, 0, sizeof *o);
	if (n != 2)
		return codec_fail(cause, "%d replies, not 2", n);
	if (v1_reply_ok(rep, 0, PLC_IR_COUNT, cause) == -1 ||
	    v1_reply_ok(rep, 1, PLC_HR_COUNT, cause) == -1 ||
	    v1_input(cfg, rep[0].v, o, cause) == -1)
		return -1;
	uptime = plc_u32(&rep[0].v[PLC_IR_UPTIME]);
	o->restarted = mem->polled && uptime < mem->last_u32[MEM_UPTIME];
	v1_feedback(ack, rep[1].v, o);
	mem->polled = 1;
	mem->last_u32[MEM_UPTIME] = uptime;
	return 0;
}

/* A level in m as a set-point register in mm, clamped to the map. */
static uint16_t
v1_setpoint(double m)
{
	long	mm = isfinite(m) ? lround(m * 1000) : 0;

	return (uint16_t)(mm < 0 ? 0 : mm > PLC_SETPOINT_MAX_MM ?
	    PLC_SETPOINT_MAX_MM : mm);
}

/* A speed in % as a register in 0.1 %, clamped to the map. */
static uint16_t
v1_speed(double pct)
{
	long	v = isfinite(pct) ? lround(pct * 10) : 0;

	return (uint16_t)(v < 0 ? 0 : v > PLC_SPEED_MAX ? PLC_SPEED_MAX : v);
}

/* The command block for a DIRECT intent: one function-16 write. */
static int
v1_encode(const struct cfg_station *cfg, const struct intent *it,
    struct codec_req *w, char **cause)
{
	uint16_t	*hr = w->v;
	int		 k, wd = it->watchdog_s;

	(void)cfg;
	if (it->control != OBS_DIRECT)
		return codec_fail(cause, "map v1 takes direct control only");
	if (!it->write)
		return 0;
	memset(w, 0, sizeof *w);
	w->fc = CODEC_FC_WRITE_REGS;
	w->addr = 0;
	w->n = PLC_HR_COUNT;
	hr[PLC_HR_HEARTBEAT] = it->seq;
	hr[PLC_HR_MODE] = it->remote ? PLC_MODE_REMOTE : PLC_MODE_LOCAL;
	hr[PLC_HR_PUMP_CMD] = it->remote ?
	    (uint16_t)(it->run_mask & ((1u << PLC_MAX_PUMPS) - 1)) : 0;
	hr[PLC_HR_WATCHDOG] = (uint16_t)(wd < PLC_WATCHDOG_MIN_S ?
	    PLC_WATCHDOG_MIN_S : wd > PLC_WATCHDOG_MAX_S ?
	    PLC_WATCHDOG_MAX_S : wd);
	hr[PLC_HR_FB_START] = v1_setpoint(it->fb_start_m);
	hr[PLC_HR_FB_STOP] = v1_setpoint(it->fb_stop_m);
	hr[PLC_HR_FB_ALL] = v1_setpoint(it->fb_all_m);
	for (k = 0; k < PLC_MAX_PUMPS; k++)
		hr[PLC_HR_SPEED_SP(k)] = v1_speed(it->speed_pct[k]);
	return 1;
}

const struct codec map_v1 = {
	.name = "v1",
	.control = OBS_DIRECT,
	.max_pumps = PLC_MAX_PUMPS,
	.ident_request = NULL,
	.ident_check = NULL,
	.poll = v1_poll,
	.decode = v1_decode,
	.encode = v1_encode,
};
