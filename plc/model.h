/*
 * One simulated pumping station: the wet well and its inflows (the physics)
 * and the PLC that runs its pumps (interlocks, watchdog, fallback control,
 * the 3 s start spacing), behind the register map of plcmap.h, or for a
 * map L1 station the PLC of model_l1.c behind plcmap_l1.h.  Pure: no
 * I/O, no clock; plcsim calls mdl_step() with a fixed simulated step and
 * serves the register images over Modbus TCP.  Every clock the PLC shows
 * (uptime, run time, watchdog) runs in simulated seconds.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stdint.h>

#include "cfg.h"
#include "plcmap.h"
#include "plcmap_l1.h"
#include "rain.h"

#define MDL_START_LOG	64	/* recent start times kept per pump */

enum mdl_level_fault {
	MDL_LVL_OK,
	MDL_LVL_STUCK,		/* transducer frozen at its last value */
	MDL_LVL_FAILED,		/* v1: reads 0xFFFF; L1: wire break 32767 */
	MDL_LVL_UNDER,		/* L1: under range (below -4864 counts) */
};

#define MDL_L1_UNDER_RAW	(-5000)	/* what an under-range transducer shows */

/*
 * The PLC of a map L1 station (../shared/plc-legacy.md): it always runs its
 * own level control, on the set-points of its holding registers when
 * REMOTE_SETPOINTS is set, else on those stored at its panel.  The images
 * are what a read returns, refreshed by mdl_publish().
 */
struct mdl_l1 {
	int	 remote_sp;		/* coil REMOTE_SETPOINTS */
	int	 inhibit[L1_MAX_PUMPS];	/* coils PUMP_INHIBIT */
	float	 sp_m[4];		/* start, stop, assist step, all-on */
	int	 nwant;			/* pumps the level control holds on */
	unsigned resets;		/* ALARM_RESET writes */
	uint16_t stuck_raw;		/* the level a stuck transducer shows */
	uint8_t	 di[L1_DI_COUNT];
	uint8_t	 coil[L1_COIL_COUNT];
	uint16_t ir[L1_IR_COUNT];
	uint16_t hr[L1_HR_COUNT];
};

struct mdl_pump {
	/* What the PLC commands and what the pump does. */
	int	contactor;	/* closed: the pump runs */
	double	on_t;		/* when the contactor last closed */
	int	fb_want;	/* fallback control wants it running */
	/* Faults, set from plcsim. */
	int	tripped;	/* FAULT: overload, over-temperature, seal */
	int	unavailable;	/* panel out of AUTO or locked out */
	double	deliver;	/* fraction of rated flow delivered, 1 healthy */
	/* Counters and what the summary reports. */
	double	run_s;
	uint32_t starts;
	double	energy_kwh;
	double	flow_m3s;
	double	head_m;		/* on its curve at the last step */
	double	start_t[MDL_START_LOG];	/* ring of recent start times */
	int	max_per_hour;	/* most starts in any 3600 s window */
	/* PLC counters (reset by a PLC restart). */
	double	plc_run_s;
	uint32_t plc_starts;
	/* L1 counters: retentive, with the history of a rebuilt station. */
	uint32_t l1_run_h0;
	uint32_t l1_starts0;
};

struct mdl_station {
	const struct cfg_station *cfg;
	const struct rain *rain;
	double	t;		/* simulated seconds since the start */
	double	tod0_s;		/* time of day at t = 0 */

	/* Wet well and water balance, m3 and m. */
	double	vol_m3;
	double	vol0_m3;	/* at the start, for the balance */
	double	level_m;
	double	inflow_m3;
	double	pumped_m3;
	double	flood_m3;
	double	max_level_m;
	double	min_level_m;
	double	inflow_m3s;	/* at the last step */
	double	pipe_m3;	/* surcharged into the catchment's pipes */
	double	max_pipe_m3;

	/* The district around the station (district.c sets these). */
	double	outfall_m;	/* the river at the outfall, when on one */
	double	rain_delay_s;	/* a moving storm reaches it this late */
	double	rain_factor;	/* with this share of its intensity */
	int	rain_col;	/* its column of a CSV of several stations */
	int	limit_pumps;	/* discharge limit: at most this many run */
	double	over_limit_s;	/* time running more than that */
	int	bound;		/* --bound: every pump on while it rains */
	double	rain_mm;	/* cumulative */
	double	plc_rain0_mm;	/* rain_mm when the PLC last started */

	/* Runoff: moving average of rain intensity over the catchment's
	 * time of concentration (rational method). */
	double	*ro_ring;	/* mm per step */
	int	 ro_n, ro_i;
	double	 ro_sum;
	double	 ro_dt;		/* the step the ring was sized for */

	/* PLC state. */
	uint16_t hr[PLC_HR_COUNT];	/* holding registers (commands) */
	uint16_t ir[PLC_IR_COUNT];	/* input registers (telemetry) */
	uint16_t hb_last;
	double	hb_t;		/* when the heartbeat last changed */
	int	wd_expired;
	int	hb_seen;	/* the heartbeat has changed at least once */
	unsigned wd_trips;	/* watchdog expiries after that */
	int	local;		/* LOCAL_CONTROL at the last step */
	double	plc_t0;		/* simulated time the PLC started */
	double	last_start_t;
	int	lead;		/* fallback lead pump */
	double	local_s;	/* time under fallback control */

	/* Station inputs and faults. */
	int	remote;		/* selector switch in REMOTE */
	int	estop;
	int	mains_ok;
	int	door_open;
	double	fb_delay_s;	/* RUNNING feedback this late (0: at once) */
	enum mdl_level_fault lvl_fault[2];
	uint16_t lvl_stuck_mm[2];

	struct mdl_pump pump[OBS_MAX_PUMPS];
	struct mdl_l1	l1;		/* map L1 stations only */
};

/* Set up station st for cfg under rain; the well starts at its stop level. */
int	mdl_init(struct mdl_station *st, const struct cfg_station *cfg,
	    const struct rain *rain, double tod0_s);

/* Free what mdl_init allocated. */
void	mdl_free(struct mdl_station *st);

/* Advance by dt simulated seconds: PLC scan, then physics, then registers. */
void	mdl_step(struct mdl_station *st, double dt);

/*
 * Check a write of n holding registers at addr against the map: 0 when it is
 * acceptable, else the Modbus exception code (2 illegal address, 3 illegal
 * value).  mdl_write() checks and, when acceptable, applies it.
 */
int	mdl_write_check(const struct mdl_station *st, int addr, int n,
	    const uint16_t *v);
int	mdl_write(struct mdl_station *st, int addr, int n, const uint16_t *v);

/* 0 when a read of n registers at addr is inside the block, else 2. */
int	mdl_read_check(int input, int addr, int n);

/* A Modbus request as the PLC sees it, after mdl_check_request. */
struct mdl_req {
	int	unit, fc, addr, nb;
	int	nwrite;			/* values to write, in v */
	uint16_t v[PLC_HR_COUNT > 123 ? PLC_HR_COUNT : 123];	/* L1 coils:
					 * one bit a value */
};

/*
 * The head of a Modbus request to either map (len bytes, the PDU after a
 * header of hl bytes whose last byte is the unit id) into r, cleared first:
 * unit, function, and the two words behind it (address, then count or
 * value; -1 where the request is too short for one).  0, -1 when there is
 * no function code at all, 11 when it is for another unit (0xFF is ours).
 */
int	mdl_req_head(const struct mdl_station *st, const uint8_t *req,
	    int len, int hl, struct mdl_req *r);

/*
 * Function 16 of a request whose head r holds: its registers into r->v
 * (r->nwrite of them).  0; 3 when the count (1..123) or the byte count is
 * off or the request too short for them; 2 when they run past a table of
 * size registers.
 */
int	mdl_req_regs(const uint8_t *req, int len, int hl, int size,
	    struct mdl_req *r);

/*
 * Check a Modbus request (len bytes, the PDU after a header of hl bytes
 * whose last byte is the unit id) against the map: 0 to answer it, the
 * exception code otherwise (1 illegal function, 2 illegal address, 3
 * illegal value, 11 wrong unit), -1 when there is no function code at all.
 * Reads 03/04 and writes 06/16 only; for writes the values land in r->v.
 */
int	mdl_check_request(const struct mdl_station *st, const uint8_t *req,
	    int len, int hl, struct mdl_req *r);

/*
 * The same for a map L1 station: reads 01, 02, 03, 04, writes 05, 15, 16 and
 * function 17; exception 4 on any write while REMOTE is off, exception 3 on
 * a write of 1 to a reserved coil or of set-points the PLC refuses.
 * mdl_check_request() calls it for an L1 station.
 */
int	mdl_l1_check_request(const struct mdl_station *st, const uint8_t *req,
	    int len, int hl, struct mdl_req *r);

/* Apply an L1 write that mdl_l1_check_request() accepted. */
void	mdl_l1_apply(struct mdl_station *st, const struct mdl_req *r);

/* Check n holding-register values v written at addr of an L1 PLC: 0, 2
 * (illegal address) or 3 (a float not finite, below 0 or above 20 m, stop
 * at or above start, start above all-on, or not whole floats). */
int	mdl_l1_sp_check(const struct mdl_station *st, int addr, int n,
	    const uint16_t *v);

/* Function 17's answer of an L1 PLC (byte count first) into buf; its
 * length. */
int	mdl_l1_ident(uint8_t *buf, int len);

/* L1 internals for model.c: set up, one PLC scan, publish, restart. */
void	mdl_l1_init(struct mdl_station *st);
void	mdl_l1_scan(struct mdl_station *st);
void	mdl_l1_publish(struct mdl_station *st);
void	mdl_l1_restart(struct mdl_station *st);

/* Whether pump k may run at all: the PLC's hard interlocks. */
int	mdl_interlock_ok(const struct mdl_station *st, int k);

/* Record a start of pump k now. */
void	mdl_count_start(struct mdl_station *st, int k);

/* Drive pump k's contactor towards want: open at once, close only
 * spacing_s after the station's last start (the PLC's start spacing). */
void	mdl_contactor(struct mdl_station *st, int k, int want, double spacing_s);

/* Motor current of pump k in amperes. */
double	mdl_current_a(const struct mdl_station *st, int k);

/* Whether pump k's RUNNING feedback shows. */
int	mdl_running_fb(const struct mdl_station *st, int k);

/* Set the wet well to level_m (0..flood_m), as if it had filled or emptied
 * there: the balance counts the change as inflow or outflow of storage. */
void	mdl_set_level(struct mdl_station *st, double level_m);

/* The PLC's own control runs pump k now, if its interlocks allow: 0, or -1
 * when they do not.  In REMOTE the next scan obeys pump_cmd again. */
int	mdl_plc_run(struct mdl_station *st, int k);

/* Restart the PLC: uptime, counters and commands reset; pumps keep running. */
void	mdl_restart(struct mdl_station *st);

/* Water-balance residual: inflow - pumped - flood - change in storage
 * (wet well and the catchment's pipes). */
double	mdl_balance_m3(const struct mdl_station *st);

/* Refresh the input registers from the state (mdl_step does this too). */
void	mdl_publish(struct mdl_station *st);

/* Static lift (m) of the station's pumps now: head_m with the well at
 * its duty start level and the river at its base, less the well's rise,
 * plus the river's. */
double	mdl_lift_m(const struct mdl_station *st);

/* The outfall level (m) the station's gauge shows: its river's, or without
 * one a rise with the rain (2 cm a mm, at most 2.5 m) over base_m. */
double	mdl_outfall_m(const struct mdl_station *st);

/* Whether --bound runs every pump now: rain has begun and not ended at the
 * station. */
int	mdl_bound_active(const struct mdl_station *st);

/* Whether the PLC is running its own fallback control. */
int	mdl_local(const struct mdl_station *st);

#endif
