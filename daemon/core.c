/*
 * The control core, on observations and intents in engineering units (no
 * register: the station's codec turns them into its map's).  Each cycle,
 * in this order:
 *   1. alarms from the station flags (REMOTE, ESTOP, mains, watchdog, PLC
 *      restart, dry-run float, door, the PLC's own control while we command
 *      REMOTE) and communications; another master writing the PLC;
 *   2. rain: tips to depth (wrap and PLC restart handled), minute buckets,
 *      intensities over 5, 15 and 60 minutes, storm mode;
 *   3. level: choose from the transducers (no valid value, out of range,
 *      frozen while the other moved, implausible rate; disagreement takes
 *      the higher, safer one); then the inflow and pump-flow estimates
 *      (estim.c) and rain-driven drawdown (plan.c: it lowers the stop and
 *      duty start levels of a stormwater station, core_levels);
 *   4. DIRECT (map v1): sequencing: how many pumps the level asks for,
 *      which ones (least run time first), or more when feed-forward
 *      (plan.c) asks more for the estimated inflow in storm mode or
 *      drawdown, never fewer; one start per stagger, minimum
 *      run and off times, starts per hour, failed-to-start (judged on reads
 *      the PLC answered after it had the intent) and its retry, discharge
 *      limits; then the intent: REMOTE or LOCAL, the pumps to run, watchdog
 *      and the fallback set-points, so the PLC can take over at any moment;
 *   5. SUPERVISORY (map L1): the PLC runs its own control, rotation and
 *      failover included; the intent is its start/stop/assist/all-on levels
 *      (storm-lowered in storm mode) and the inhibits of a discharge limit
 *      (none at high-high), written when they change.
 * Without fresh data, without a good level, or (DIRECT) when pumpd cannot
 * get the pumps a level at or above the high alarm needs, the station is
 * handed to its PLC's own control (v1 mode LOCAL; L1 its panel set-points;
 * nothing is written when the data is not fresh) and an alarm is raised.
 * When another master writes the PLC, nothing is written until an
 * operator clears the alarm.
 * Operators' overrides (core_override_pump, core_override_station,
 * core_lockout) live in the lasting state with wall-clock expiries; each
 * cycle first expires the ones due.  Pumps under a manual override or
 * locked out are outside the automatic sequencing: a manual run is
 * started like any other start, a manual stop holds but at high-high, a
 * locked-out pump is never commanded (v1) or inhibited (L1).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static const char *alarm_names[CORE_AL_COUNT] = {
	"comms", "level A rejected", "level B rejected",
	"level transducers disagree", "no valid level: PLC fallback control",
	"high level", "high-high level", "REMOTE off: watching only",
	"PLC watchdog expired", "emergency stop", "mains failure",
	"outfall above warning level", "discharge limit overridden: flood risk",
	"pump fault", "pump failed to start", "PLC restarted",
	"another master writes this PLC: pumpd no longer writes to it",
	"low-low float: dry-run level", "station door open: intrusion",
	"PLC runs its own control although pumpd commands REMOTE",
	"pumps short at high level: PLC fallback control",
	"manual stop overridden at high-high: flood risk runs the pump",
};

/* A transducer that did not move while the other moved this far is
 * frozen (after level_frozen_s), in m. */
#define FROZEN_EVIDENCE_M	0.05
/* Fallback set-points are kept at least this far apart (m). */
#define LEVEL_GAP_M		0.01
/* The watchdog written at a hand-over (s): the longest any map allows;
 * a codec clamps it to its own. */
#define CORE_HANDOVER_WATCHDOG_S	3600

void
core_init(struct core_state *s)
{
	int	k;

	memset(s, 0, sizeof *s);
	s->level_m = -1;
	s->last_m[0] = s->last_m[1] = -1;
	s->ref_m[0] = s->ref_m[1] = -1;
	s->last_start_ms = INT64_MIN / 2;
	s->short_ms = INT64_MIN;
	for (k = 0; k < OBS_MAX_PUMPS; k++)
		s->lasting.pump[k].off_ms = INT64_MIN / 2;
	estim_init(&s->est);
}

int
core_clear(struct core_state *s, uint32_t alarm)
{
	if (alarm != CORE_AL_SECOND_MASTER)
		return -1;
	s->lasting.alarms &= ~alarm;
	s->foreign = 0;
	return 0;
}

/* Whether rain-driven drawdown lowers this station's levels now:
 * stormwater stations only (sewage keeps its stop level, as in storm
 * mode). */
static int
drawdown_on(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p)
{
	return p->drawdown && s->dd.active && cfg->kind == CFG_STORMWATER;
}

void
core_levels(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_levels *lv)
{
	double	drop = s->lasting.storm ? p->storm_drawdown_m : 0, lo;
	int	i, n = cfg->npumps < 1 ? 1 : cfg->npumps;
	int	dd = drawdown_on(s, cfg, p);

	memset(lv, 0, sizeof *lv);
	lv->stop = cfg->stop_m - (cfg->kind == CFG_SEWAGE ? 0 : drop);
	if (dd)
		lv->stop = fmin(lv->stop, plan_dd_target_m(cfg, p));
	if (lv->stop < 0)
		lv->stop = 0;
	lo = lv->stop + LEVEL_GAP_M;	/* lowered levels must not cross */
	for (i = 0; i < n && i < OBS_MAX_PUMPS; i++) {
		lv->start[i] = (i == 0 ? cfg->duty_start_m :
		    cfg->assist_start_m[i - 1]) - drop;
		if (i == 0 && dd)	/* the duty pump draws it down */
			lv->start[0] = fmin(lv->start[0],
			    plan_dd_target_m(cfg, p) + p->dd_band_m);
		if (lv->start[i] < lo)
			lv->start[i] = lo;
		lo = lv->start[i];
	}
	lv->all = lv->start[i - 1];
}

const char *
core_alarm_name(uint32_t alarm)
{
	int	i;

	for (i = 0; i < CORE_AL_COUNT; i++)
		if (alarm == (1u << i))
			return alarm_names[i];
	return "?";
}

/* Append an event to out: alarm bit (or 0), 1-based pump (or 0), text. */
static void
core_event_add(struct core_out *out, enum core_ev_kind kind, uint32_t bit,
    int pump, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
core_event_add(struct core_out *out, enum core_ev_kind kind, uint32_t bit,
    int pump, const char *fmt, ...)
{
	struct core_event	*e;
	va_list			 ap;

	if (out->nevents == CORE_MAX_EVENTS)
		return;
	e = &out->ev[out->nevents++];
	e->kind = kind;
	e->alarm = bit;
	e->pump = pump;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

/* Raise or clear alarm a, with an event on each change. */
static void
core_alarm_set(struct core_state *s, struct core_out *out, uint32_t a, int on)
{
	if (on && !(s->lasting.alarms & a)) {
		s->lasting.alarms |= a;
		core_event_add(out, CORE_EV_ALARM_ON, a, 0, "%s",
		    core_alarm_name(a));
	} else if (!on && (s->lasting.alarms & a)) {
		s->lasting.alarms &= ~a;
		core_event_add(out, CORE_EV_ALARM_OFF, a, 0, "%s cleared",
		    core_alarm_name(a));
	}
}

/* Rain depth since the last snapshot, from the tip counter. */
static double
rain_delta_mm(struct core_state *s, const struct cfg_station *cfg,
    const struct obs *o)
{
	uint32_t	tips = o->rain_tips, d;

	if (!s->started)
		return 0;
	if (o->restarted)	/* PLC restart: from 0 */
		d = tips;
	else
		d = tips - s->last_tips;	/* unsigned: wraps correctly */
	if (d > 10000)	/* > 1 m of rain in a poll: not rain, a reset */
		d = 0;
	return d * cfg->tip_mm;
}

/* Add rain to the bucket of the current minute. */
static void
rain_add(struct core_state *s, double mm, int64_t now_ms)
{
	int64_t	m = now_ms / 60000;
	int	i = (int)(m % CORE_RAIN_MIN);

	if (s->lasting.bucket_min[i] != m) {
		s->lasting.bucket_min[i] = m;
		s->lasting.bucket_mm[i] = 0;
	}
	s->lasting.bucket_mm[i] += mm;
	s->lasting.rain_mm += mm;
	if (mm > 0)
		s->lasting.last_rain_ms = now_ms;
}

double
core_rain_mmh(const struct core_state *s, int minutes, int64_t now_ms)
{
	int64_t	m = now_ms / 60000;
	double	sum = 0;
	int	i;

	for (i = 0; i < CORE_RAIN_MIN; i++)
		if (s->lasting.bucket_min[i] > m - minutes && s->lasting.bucket_min[i] <= m)
			sum += s->lasting.bucket_mm[i];
	return sum * 60 / minutes;
}

/* Transducer i's reading in m; -1 when the PLC has none (not installed,
 * or no valid value). */
static double
reading(const struct obs *o, int i)
{
	if (i >= o->nlevels || i >= OBS_MAX_LEVELS || !o->level_ok[i])
		return -1;
	return o->level_m[i];
}

/*
 * Whether transducer i is frozen: unchanged for level_frozen_s while the
 * other one moved by more than FROZEN_EVIDENCE_M.  A steady level is no
 * evidence by itself (pumps may balance a steady inflow), and a level held
 * at the flood level (the water leaves the well there) or confirmed by the
 * high-high float is never frozen.  A single transducer has no witness.
 */
static int
level_frozen(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o, int i)
{
	double	m = reading(o, i), other = reading(o, !i);

	if (m >= cfg->flood_m - 0.005 || ((o->flags & OBS_ST_HIGH_HIGH) &&
	    m >= cfg->highhigh_m))
		return 0;
	/* once judged frozen, a transducer stays rejected until it moves:
	 * the evidence comes and goes as the other one swings, and taking a
	 * stuck reading back each time it does would cycle the pumps */
	if (s->frozen[i])
		return 1;
	if (s->now_ms - s->changed_ms[i] <= (int64_t)p->level_frozen_s * 1000)
		return 0;
	if (other < 0 || s->ref_m[i] < 0)
		return 0;
	return fabs(other - s->ref_m[i]) > FROZEN_EVIDENCE_M + 1e-9;
}

/* Judge transducer i: 1 good, 0 rejected. */
static int
level_good(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o, int i)
{
	double	m = reading(o, i), dt;

	if (m != s->last_m[i] || !s->started) {
		s->changed_ms[i] = s->now_ms;
		s->ref_m[i] = reading(o, !i);
		s->frozen[i] = 0;
	}
	/* the depth cap: a flooding well stands at flood_m <= depth_m */
	if (m < 0 || m > cfg->depth_m)
		return 0;
	if ((s->frozen[i] = level_frozen(s, cfg, p, o, i)) != 0)
		return 0;
	dt = (s->now_ms - s->last_ms) / 1000.0;
	if (s->started && dt > 0 && s->last_m[i] >= 0 &&
	    fabs(m - s->last_m[i]) > p->level_max_rate_m_s * dt + 0.05)
		return 0;	/* implausible jump */
	return 1;
}

/* Choose the level; -1 when no transducer is good.  With two, the
 * higher (safer) one; their disagreement is an alarm. */
static double
choose_level(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    struct core_out *out)
{
	int	two = o->nlevels >= 2;
	int	ga = level_good(s, cfg, p, o, 0);
	int	gb = two && level_good(s, cfg, p, o, 1);
	double	a = reading(o, 0), b = reading(o, 1);

	s->last_m[0] = a;
	s->last_m[1] = b;
	core_alarm_set(s, out, CORE_AL_LEVEL_A, !ga);
	core_alarm_set(s, out, CORE_AL_LEVEL_B, two && !gb);
	core_alarm_set(s, out, CORE_AL_LEVEL_DISAGREE, ga && gb &&
	    fabs(a - b) > p->level_disagree_m);
	core_alarm_set(s, out, CORE_AL_LEVEL_LOST, !ga && !gb);
	if (ga && gb)
		return fmax(a, b);
	return ga ? a : gb ? b : -1;
}

/* Starts of pump k in the hour before now. */
static int
starts_last_hour(const struct core_state *s, int k)
{
	int	i, n = 0;

	for (i = 0; i < CORE_STARTS && i < s->lasting.pump[k].nstarts; i++)
		if (s->lasting.pump[k].start_ms[i] > s->now_ms - 3600000)
			n++;
	return n;
}

/* Whether pump k, if it failed to start, may be tried again: after
 * fail_retry_s, at once at the high-alarm level. */
static int
retry_due(const struct core_state *s, const struct cfg_control *p, int k,
    int high)
{
	const struct core_pump	*cp = &s->pump[k];

	return !cp->failed || high || s->now_ms - cp->failed_ms >=
	    (int64_t)p->fail_retry_s * 1000;
}

/* Whether pump k can be started now; high says flood risk overrides the
 * starts-per-hour limit. */
static int
can_start(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o, int k,
    int high)
{
	const struct core_pump	*cp = &s->pump[k];
	unsigned		 st = o->pump[k].flags;
	int			 lim = cfg->kind == CFG_SEWAGE ?
	    p->starts_per_hour_sewage : p->starts_per_hour_stormwater;

	if (cp->cmd || (s->lasting.lockout_mask & (1u << k)) ||
	    (st & OBS_PU_FAULT) || !(st & OBS_PU_AVAILABLE) ||
	    (st & OBS_PU_RUNNING) || !retry_due(s, p, k, high))
		return 0;
	if (s->now_ms - s->lasting.pump[k].off_ms < (int64_t)p->min_off_s * 1000 && !high)
		return 0;
	return high || starts_last_hour(s, k) < lim;
}

/* Pumps the level asks for, from the set-points in force. */
static int
pumps_wanted(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, double lvl, int running, int navail)
{
	struct core_levels	lv;
	double			start;
	int			n = 0, keep = 0, i;

	core_levels(s, cfg, p, &lv);
	if (lvl >= cfg->high_alarm_m)
		return navail;
	if (lvl <= lv.stop)
		return 0;
	for (i = 0; i < cfg->npumps; i++) {
		start = lv.start[i];
		if (lvl >= start)
			n = i + 1;
		if (i == 0 || lvl > start - p->assist_hysteresis_m)
			keep = i + 1;
	}
	if (running > n)
		n = running < keep ? running : keep;
	return n;
}

/*
 * Whether the PLC has the intent with seq h: acknowledged by the worker
 * (acked), or echoed by the PLC's program (echo_seq, v1's heartbeat echo).
 * 1 yes, 0 not yet, -1 when the observation does not say: no
 * acknowledgement, and no echo or one that is not one of our recent seqs
 * (another pumpd before us).
 */
static int
block_seen(const struct core_state *s, const struct obs *o, uint16_t h)
{
	if (o->acked)
		return (int16_t)(uint16_t)(o->acked_seq - h) >= 0;
	if (o->echo_ok && (uint16_t)(s->seq - o->echo_seq) < 1000)
		return (int16_t)(uint16_t)(o->echo_seq - h) >= 0;
	return -1;
}

/* Whether an interlock of the PLC holds pump k: then a commanded pump that
 * does not run has not failed to start. */
static int
interlocked(const struct obs *o, int k)
{
	unsigned	st = o->pump[k].flags;

	return (st & OBS_PU_FAULT) || !(st & OBS_PU_AVAILABLE) ||
	    (o->flags & (OBS_ST_ESTOP | OBS_ST_LOW_LOW)) ||
	    !(o->flags & OBS_ST_REMOTE);
}

/*
 * Whether commanded pump k, not RUNNING in o, has failed to start: for
 * fail_to_start_s, and on at least two snapshots, read after the PLC had
 * the block that started it (on time alone when the snapshot cannot say).
 */
static int
start_failed(struct core_state *s, const struct cfg_control *p,
    const struct obs *o, int k)
{
	struct core_pump	*cp = &s->pump[k];
	int64_t			 fts_ms = (int64_t)p->fail_to_start_s * 1000;
	int			 seen;

	if (interlocked(o, k) || (s->lasting.alarms & CORE_AL_SECOND_MASTER)) {
		/* not ours to judge; the clock starts when it clears */
		cp->seen = 0;
		cp->cmd_ms = s->now_ms;
		return 0;
	}
	if ((seen = block_seen(s, o, cp->cmd_seq)) == -1)
		return s->now_ms - cp->cmd_ms > fts_ms;
	if (!cp->seen && seen) {
		cp->seen = 1;
		cp->seen_ms = s->now_ms;
		cp->nseen = 0;
	}
	if (!cp->seen)
		return 0;
	cp->nseen++;
	return cp->nseen >= 2 && s->now_ms - cp->seen_ms >= fts_ms;
}

/* Update pump bookkeeping from feedback: faults, failed-to-start. */
static void
pump_feedback(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    struct core_out *out)
{
	struct core_pump	*cp;
	uint16_t		 st;
	int			 k, fault = 0, fts = 0, failed;

	for (k = 0; k < cfg->npumps; k++) {
		cp = &s->pump[k];
		st = o->pump[k].flags;
		failed = 0;
		if ((st & OBS_PU_FAULT) && !cp->was_fault)
			core_event_add(out, CORE_EV_INFO, 0, k + 1, "pump %d FAULT", k + 1);
		cp->was_fault = (st & OBS_PU_FAULT) != 0;
		if (st & OBS_PU_RUNNING) {
			if (cp->failed)
				core_event_add(out, CORE_EV_INFO, 0, k + 1, "pump %d runs", k + 1);
			cp->failed = 0;
			cp->nseen = 0;
		} else if (cp->cmd && start_failed(s, p, o, k)) {
			core_event_add(out, CORE_EV_INFO, 0, k + 1,
			    "pump %d failed to start%s",
			    k + 1, cp->failed ? " again" : "");
			cp->failed = failed = 1;
			cp->failed_ms = s->now_ms;
		}
		if (cp->cmd && (failed || (st & OBS_PU_FAULT) ||
		    !(st & OBS_PU_AVAILABLE))) {
			cp->cmd = 0;
			s->lasting.pump[k].off_ms = s->now_ms;
			s->lost++;	/* its work goes to another pump */
		}
		fault |= cp->was_fault;
		fts |= cp->failed;
	}
	core_alarm_set(s, out, CORE_AL_PUMP_FAULT, fault);
	core_alarm_set(s, out, CORE_AL_FAIL_TO_START, fts);
}

/* Start pump k now. */
static void
start_pump(struct core_state *s, int k, struct core_out *out)
{
	struct core_pump	*cp = &s->pump[k];

	cp->cmd = 1;
	cp->cmd_ms = s->now_ms;
	cp->cmd_seq = (uint16_t)(s->seq + 1);	/* the next intent's */
	cp->seen = 0;
	s->lasting.pump[k].start_ms[s->lasting.pump[k].nstarts++ %
	    CORE_STARTS] = s->now_ms;
	s->last_start_ms = s->now_ms;
	core_event_add(out, CORE_EV_INFO, 0, k + 1, "start pump %d", k + 1);
}

/* Whether the level or the float says high-high. */
static int
high_high(const struct cfg_station *cfg, const struct obs *o,
    double lvl)
{
	return lvl >= cfg->highhigh_m || (o->flags & OBS_ST_HIGH_HIGH);
}

/* Pumps an operator holds out of the automatic control at high-high hh:
 * the locked out, and the manually stopped but at high-high. */
static unsigned
held_mask(const struct core_state *s, const struct cfg_station *cfg, int hh)
{
	unsigned	m = s->lasting.lockout_mask;
	int		k;

	for (k = 0; k < cfg->npumps && !hh; k++)
		if (s->lasting.pump[k].man == CORE_MAN_STOP)
			m |= 1u << k;
	return m;
}

/* Pumps the PLC's own fallback control would run at a level at or above
 * fb_all: every pump its interlocks allow, but those an operator holds. */
static int
plc_would_run(const struct cfg_station *cfg, const struct obs *o,
    unsigned held)
{
	int	k, n = 0;

	if (o->flags & (OBS_ST_ESTOP | OBS_ST_LOW_LOW))
		return 0;
	for (k = 0; k < cfg->npumps; k++)
		n += (o->pump[k].flags & OBS_PU_AVAILABLE) &&
		    !(o->pump[k].flags & OBS_PU_FAULT) && !(held & (1u << k));
	return n;
}

/*
 * Whether the station goes (or stays) to its PLC's fallback control because
 * pumpd cannot get the pumps a level at or above the high alarm needs:
 * fewer run than the PLC's own control would run there (a discharge limit
 * counts below high-high), for longer than fail_to_start_s plus one
 * stagger per further pump (pumpd starts them one per stagger).  Taken back
 * when the level is below the duty start in force.
 */
static int
pumps_short(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    const struct core_input *in, struct core_out *out)
{
	struct core_levels	lv;
	int			k, run = 0, plc = plc_would_run(cfg, o,
	    held_mask(s, cfg, high_high(cfg, o, s->level_m)));

	if (s->short_plc) {
		core_levels(s, cfg, p, &lv);
		if (s->level_m >= lv.start[0])
			return 1;
		s->short_plc = 0;
		s->short_ms = INT64_MIN;
		core_alarm_set(s, out, CORE_AL_PUMPS_SHORT, 0);
		return 0;
	}
	for (k = 0; k < cfg->npumps; k++)
		run += (o->pump[k].flags & OBS_PU_RUNNING) != 0;
	if (in->limit_pumps >= 0 && plc > in->limit_pumps &&
	    !high_high(cfg, o, s->level_m))
		plc = in->limit_pumps;
	if (s->level_m < cfg->high_alarm_m || run >= plc) {
		s->short_ms = INT64_MIN;
		return 0;
	}
	if (s->short_ms == INT64_MIN)
		s->short_ms = s->now_ms;
	if (s->now_ms - s->short_ms <= ((int64_t)p->fail_to_start_s +
	    (int64_t)p->stagger_s * (plc - 1)) * 1000)
		return 0;
	s->short_plc = 1;
	core_alarm_set(s, out, CORE_AL_PUMPS_SHORT, 1);
	return 1;
}

/* Whether adopted pump k keeps running at level lvl, at or below the stop
 * level in force: storm mode is not known yet, and the pumpd before us may
 * have run it down to the storm-lowered stop level; never below that. */
static int
adopt_held(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, int k, double lvl)
{
	double	floor_m = cfg->stop_m - p->storm_drawdown_m;

	if (p->drawdown && cfg->kind == CFG_STORMWATER)	/* or drawn down */
		floor_m = fmin(floor_m, plan_dd_target_m(cfg, p));
	return s->pump[k].adopted && !s->lasting.storm && lvl > floor_m;
}

/* Pumps under a manual run. */
static unsigned
manual_runs(const struct core_state *s, const struct cfg_station *cfg)
{
	unsigned	m = 0;
	int		k;

	for (k = 0; k < cfg->npumps; k++)
		if (s->lasting.pump[k].man == CORE_MAN_RUN)
			m |= 1u << k;
	return m;
}

/* Stop at once the commanded pumps an operator holds (held_mask). */
static void
drop_held(struct core_state *s, const struct cfg_station *cfg,
    unsigned held, struct core_out *out)
{
	int	k;

	for (k = 0; k < cfg->npumps; k++)
		if (s->pump[k].cmd && (held & (1u << k))) {
			s->pump[k].cmd = 0;
			s->lasting.pump[k].off_ms = s->now_ms;
			core_event_add(out, CORE_EV_INFO, 0, k + 1,
			    "stop pump %d: %s", k + 1,
			    (s->lasting.lockout_mask & (1u << k)) ?
			    "locked out" : "manual stop");
		}
}

/* The pumps to run: what the level rules ask (want) or, at a stormwater
 * station, what the estimated inflow asks when more (never fewer than the
 * level rules).  Sewage stations keep their level rules: their inflow is
 * mostly the dry-weather flow, and their starts per hour are fewer. */
static int
feed_forward(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, double lvl, int running, int navail,
    int want)
{
	struct core_levels	lv;
	struct plan_ff		f;

	s->level_pumps = want;
	s->ff_pumps = 0;
	if (cfg->kind != CFG_STORMWATER)	/* sewage: its level rules */
		return want;
	core_levels(s, cfg, p, &lv);
	f.level_m = lvl;
	f.stop_m = lv.stop;
	f.target_m = lv.start[0];
	f.running = running;
	f.navail = navail;
	f.wet = s->lasting.storm || drawdown_on(s, cfg, p);
	f.now_ms = s->now_ms;
	s->ff_pumps = plan_ff_pumps(cfg, p, &s->est, &f);
	return s->ff_pumps > want ? s->ff_pumps : want;
}

/*
 * A discharge limit on *want: cut to the limit, except where flood risk
 * overrides it (with the alarm): from high-high until the level is back
 * below the last assist start in force, so that a station at high-high
 * does not start and stop its pumps on a centimetre (a sewage station
 * under the plant's share would fill to high-high, pump 20 m3 and stop,
 * again and again).  Returns 1 when it cut.
 */
static int
limit_cut(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_input *in, double lvl, int hh, int *want,
    struct core_out *out)
{
	struct core_levels	lv;

	core_levels(s, cfg, p, &lv);
	if (hh)
		s->limit_over = 1;
	else if (lvl < lv.start[cfg->npumps - 1])
		s->limit_over = 0;
	if (in->limit_pumps < 0 || *want <= in->limit_pumps) {
		core_alarm_set(s, out, CORE_AL_LIMIT_OVERRIDDEN, 0);
		return 0;
	}
	core_alarm_set(s, out, CORE_AL_LIMIT_OVERRIDDEN, s->limit_over);
	if (s->limit_over)
		return 0;
	*want = in->limit_pumps;
	return 1;
}

/* Decide pump commands for level lvl. */
static void
sequence(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    const struct core_input *in, double lvl, struct core_out *out)
{
	struct core_levels lv;
	int		k, best, running = 0, navail = 0, want, hh, high, at_stop;
	int		cut;
	unsigned	held, manual;

	hh = high_high(cfg, o, lvl);
	held = held_mask(s, cfg, hh);
	manual = held | manual_runs(s, cfg);
	drop_held(s, cfg, held, out);
	for (k = 0; k < cfg->npumps; k++) {
		if (manual & (1u << k))
			continue;	/* outside the automatic control */
		running += s->pump[k].cmd;
		navail += (o->pump[k].flags & OBS_PU_AVAILABLE) &&
		    !(o->pump[k].flags & OBS_PU_FAULT) &&
		    retry_due(s, p, k, lvl >= cfg->high_alarm_m);
	}
	/* a pump lost to a fault still counts as wanted until replaced */
	want = pumps_wanted(s, cfg, p, lvl, running + s->lost, navail);
	/* and by feed-forward too, which starts nothing below the duty
	 * start beyond what runs: a trip must not wait for the level */
	want = feed_forward(s, cfg, p, lvl, running + s->lost, navail, want);
	if (s->lost > 0 && want <= running)
		s->lost = 0;
	high = lvl >= cfg->high_alarm_m;
	cut = limit_cut(s, cfg, p, in, lvl, hh, &want, out);
	for (k = 0; k < cfg->npumps; k++)	/* adoption ends with a stop */
		s->pump[k].adopted &= s->pump[k].cmd;
	core_levels(s, cfg, p, &lv);
	at_stop = lvl <= lv.stop;	/* feed-forward may keep some there */
	/* too many: stop the one that ran longest, after its minimum run;
	 * at the stop level at once, pumps adopted at start-up too (the
	 * minimum run is against short cycles of ours, and must never pump a
	 * well below its stop level); a discharge limit stops them after
	 * their minimum run too */
	while (running > want) {
		best = -1;
		for (k = 0; k < cfg->npumps; k++)
			if (s->pump[k].cmd && !(manual & (1u << k)) &&
			    ((want == 0 && !cut) || at_stop ?
			    !adopt_held(s, cfg, p, k, lvl) : s->now_ms -
			    s->pump[k].cmd_ms >= (int64_t)p->min_run_s * 1000) &&
			    (best < 0 || o->pump[k].run_s >
			    o->pump[best].run_s))
				best = k;
		if (best < 0)
			break;
		s->pump[best].cmd = 0;
		s->lasting.pump[best].off_ms = s->now_ms;
		core_event_add(out, CORE_EV_INFO, 0, best + 1, "stop pump %d",
		    best + 1);
		running--;
	}
	/* a manual run first, then too few: start the least-run available
	 * pump, one per stagger */
	if (s->now_ms - s->last_start_ms < (int64_t)p->stagger_s * 1000)
		return;
	for (k = 0; k < cfg->npumps; k++)
		if (s->lasting.pump[k].man == CORE_MAN_RUN &&
		    can_start(s, cfg, p, o, k, high)) {
			start_pump(s, k, out);
			return;
		}
	if (running < want) {
		best = -1;
		for (k = 0; k < cfg->npumps; k++)
			if (!(manual & (1u << k)) &&
			    can_start(s, cfg, p, o, k, high) && (best < 0 ||
			    o->pump[k].run_s < o->pump[best].run_s))
				best = k;
		if (best >= 0) {
			start_pump(s, best, out);
			if (s->lost > 0)
				s->lost--;
		} else
			s->lost = 0;	/* nothing left to take over */
	}
}

/*
 * LOCAL_CONTROL while pumpd commands REMOTE: judged only once the PLC
 * acknowledged a block with mode REMOTE, its REMOTE switch on and its
 * watchdog not expired, on two polls in a row (the PLC takes a scan to
 * act on a block).
 */
static int
plc_own_control(struct core_state *s, const struct obs *o)
{
	int	on = o->acked && o->acked_remote &&
	    !s->local && (o->flags & OBS_ST_REMOTE) &&
	    !(o->flags & OBS_ST_WATCHDOG) &&
	    (o->flags & OBS_ST_OWN_CONTROL);

	s->local_seen = on ? s->local_seen + 1 : 0;
	return s->local_seen >= 2;
}

/*
 * Another master: what the PLC holds, read back, differs from the intent
 * it acknowledged from us, with no PLC restart between (the codec judges
 * that), on two polls in a row.  Latched until core_clear().
 */
static void
master_check(struct core_state *s, const struct obs *o,
    struct core_out *out)
{
	int	other = o->acked && o->foreign && !o->restarted;

	s->foreign = other ? s->foreign + 1 : 0;
	if (s->foreign >= 2)
		core_alarm_set(s, out, CORE_AL_SECOND_MASTER, 1);
}

/* Station status alarms and PLC restart detection. */
static void
status_alarms(struct core_state *s, const struct obs *o,
    struct core_out *out)
{
	core_alarm_set(s, out, CORE_AL_LOW_LOW,
	    (o->flags & OBS_ST_LOW_LOW) != 0);
	core_alarm_set(s, out, CORE_AL_DOOR_OPEN,
	    (o->flags & OBS_ST_DOOR_OPEN) != 0);
	/* an L1 PLC always runs its own control: no alarm there */
	core_alarm_set(s, out, CORE_AL_LOCAL_CONTROL,
	    o->control == OBS_DIRECT && plc_own_control(s, o));
	core_alarm_set(s, out, CORE_AL_REMOTE_OFF, !(o->flags & OBS_ST_REMOTE));
	core_alarm_set(s, out, CORE_AL_ESTOP, (o->flags & OBS_ST_ESTOP) != 0);
	core_alarm_set(s, out, CORE_AL_MAINS, !(o->flags & OBS_ST_MAINS_OK));
	core_alarm_set(s, out, CORE_AL_WATCHDOG, s->started &&
	    (o->flags & OBS_ST_WATCHDOG) != 0);
	core_alarm_set(s, out, CORE_AL_RESTART, s->started &&
	    o->restarted);
}

/* Adopt what runs at the first snapshot: no pump starts or stops because
 * pumpd started. */
static void
adopt(struct core_state *s, const struct cfg_station *cfg,
    const struct obs *o, struct core_out *out)
{
	int	k, n = 0, unknown;

	/* as if each running pump had just started and the last start were
	 * now: a restart of pumpd starts nothing for one stagger and stops
	 * no pump above the stop level before its minimum run; at or below
	 * the stop level in force it stops like any other pump, unless a
	 * master (not the PLC's own control) ran it while storm mode, and so
	 * the stop level that master used, is unknown (no saved state) */
	unknown = !s->storm_known && !s->lasting.storm &&
	    cfg->kind == CFG_STORMWATER && o->control == OBS_DIRECT &&
	    !(o->flags & OBS_ST_OWN_CONTROL);
	for (k = 0; k < o->npumps && k < OBS_MAX_PUMPS; k++)
		if (o->pump[k].flags & OBS_PU_RUNNING) {
			s->pump[k].cmd = 1;
			s->pump[k].cmd_ms = s->now_ms;
			s->pump[k].cmd_seq = (uint16_t)(s->seq + 1);
			s->pump[k].adopted = unknown;
			n++;
		}
	s->last_start_ms = s->now_ms;
	s->last_tips = o->rain_tips;
	s->started = 1;
	core_event_add(out, CORE_EV_INFO, 0, 0, "adopted: %d pump%s running", n,
	    n == 1 ? "" : "s");
}

/* Fill the DIRECT intent; the fallback set-points are the levels in
 * force, so that a hand-over to the PLC at any moment changes nothing. */
static void
direct_intent(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_out *out)
{
	struct intent		*it = &out->it;
	struct core_levels	 lv;
	int			 k;

	memset(it, 0, sizeof *it);
	it->control = OBS_DIRECT;
	it->seq = ++s->seq;
	it->remote = !s->local;
	for (k = 0; k < cfg->npumps && !s->local; k++)
		if (s->pump[k].cmd)
			it->run_mask |= 1u << k;
	it->watchdog_s = p->watchdog_s;
	core_levels(s, cfg, p, &lv);
	it->fb_start_m = lv.start[0];
	it->fb_stop_m = lv.stop;
	it->fb_all_m = lv.all;
	for (k = 0; k < OBS_MAX_PUMPS; k++)
		it->speed_pct[k] = 100;
	it->write = 1;
}

/* Storm mode: on by intensity or, at a stormwater station only, by a
 * rainstorm warning; off after the hold time. */
static void
storm_mode(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_input *in,
    struct core_out *out)
{
	static const char	*warn[] = { "no warning", "blue warning",
	    "yellow warning", "orange warning", "red warning" };
	int			 on = out->rain_mmh15 >= p->storm_mm_h ||
	    (in->warning != CORE_WARN_NONE && cfg->kind == CFG_STORMWATER);

	if (on && !s->lasting.storm) {
		s->lasting.storm = 1;
		core_event_add(out, CORE_EV_INFO, 0, 0, "storm mode on (%.1f mm/h over 15 min, "
		    "%s)", out->rain_mmh15, warn[in->warning <= CORE_WARN_RED ?
		    in->warning : 0]);
	} else if (!on && s->lasting.storm && s->now_ms - s->lasting.last_rain_ms >=
	    (int64_t)p->storm_hold_min * 60000) {
		s->lasting.storm = 0;
		core_event_add(out, CORE_EV_INFO, 0, 0, "storm mode off");
	}
}

/* Hand the station to the PLC: no pump commands of ours. */
static void
hand_to_plc(struct core_state *s, const struct cfg_station *cfg)
{
	int	k;

	s->local = 1;
	for (k = 0; k < cfg->npumps; k++)
		s->pump[k].cmd = 0;
}

/* DIRECT: decide pump commands and fill the intent (watch only when
 * REMOTE is off or another master writes). */
static void
direct_step(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    const struct core_input *in, struct core_out *out)
{
	int	k;

	if (!(o->flags & OBS_ST_REMOTE) ||
	    (s->lasting.alarms & CORE_AL_SECOND_MASTER)) {
		/* watch only: keep in step with what runs, command nothing
		 * (REMOTE off, or another master: two must never fight) */
		for (k = 0; k < cfg->npumps; k++)
			s->pump[k].cmd = (o->pump[k].flags &
			    OBS_PU_RUNNING) != 0;
		out->it.write = 0;
	} else if (s->level_m < 0 || s->lasting.local ||
	    pumps_short(s, cfg, p, o, in, out)) {
		hand_to_plc(s, cfg);
		direct_intent(s, cfg, p, out);
	} else {
		if (s->local)	/* taking back from fallback: bumpless */
			for (k = 0; k < cfg->npumps; k++)
				if ((s->pump[k].cmd = (o->pump[k].flags &
				    OBS_PU_RUNNING) != 0))
					s->pump[k].cmd_ms = s->now_ms;
		s->local = 0;
		sequence(s, cfg, p, o, in, s->level_m, out);
		direct_intent(s, cfg, p, out);
	}
}

/* How a pump ranks to stay allowed under a discharge limit, lower first:
 * running ones, then available ones, then the rest. */
static int
limit_rank(const struct obs *o, int k, unsigned held)
{
	unsigned	f = o->pump[k].flags;

	if (held & (1u << k))	/* inhibited anyway: last */
		return 3;
	if (f & OBS_PU_RUNNING)
		return 0;
	return (f & OBS_PU_AVAILABLE) && !(f & OBS_PU_FAULT) ? 1 : 2;
}

/* Whether pump k ranks before pump best to stay allowed: by limit_rank,
 * then the least run. */
static int
rank_before(const struct obs *o, int k, int best, unsigned held)
{
	int	a = limit_rank(o, k, held), b = limit_rank(o, best, held);

	return a < b || (a == b && o->pump[k].run_s < o->pump[best].run_s);
}

/*
 * SUPERVISORY discharge limit: the inhibit mask that leaves the PLC at
 * most limit pumps.  Allowed are, in turn, pumps that run, then pumps that
 * can run, then the rest (so that a pump that recovers can take over);
 * within each group the least-run first, so that when running pumps must
 * go, the ones that ran longest are inhibited (stopped) first, as at v1.
 */
static unsigned
limit_inhibits(const struct cfg_station *cfg, const struct obs *o, int limit,
    unsigned held)
{
	unsigned	allowed = 0, mask = 0;
	int		n, k, best;

	for (n = 0; n < limit && n < cfg->npumps; n++) {
		best = -1;
		for (k = 0; k < cfg->npumps; k++)
			if (!(allowed & (1u << k)) && (best < 0 ||
			    rank_before(o, k, best, held)))
				best = k;
		allowed |= 1u << best;
	}
	for (k = 0; k < cfg->npumps; k++)
		if (!(allowed & (1u << k)))
			mask |= 1u << k;
	return mask;
}

#define FF_L1_STEP_MIN_M	0.05	/* the least assist step written */

/* Feed-forward at an L1 station: the PLC sequences its own pumps, so the
 * pumps the inflow asks for (plan_ff_pumps) become a lowered assist step,
 * in whole 5 cm, with which its sequence runs them at the level now; the
 * start and stop levels stay (never fewer pumps than the level rules). */
static void
ff_assist(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o, int wet,
    struct intent *it)
{
	struct plan_ff	f;
	double		step;
	int		k, n = cfg->npumps;

	s->ff_pumps = 0;
	if (cfg->kind != CFG_STORMWATER || n < 2 || s->level_m < 0)
		return;
	memset(&f, 0, sizeof f);
	f.level_m = s->level_m;
	f.stop_m = it->stop_m;
	f.target_m = it->start_m;
	for (k = 0; k < n && k < o->npumps; k++) {
		f.running += (o->pump[k].flags & OBS_PU_RUNNING) != 0;
		f.navail += (o->pump[k].flags & OBS_PU_AVAILABLE) != 0;
	}
	f.wet = wet;
	f.now_ms = s->now_ms;
	s->ff_pumps = plan_ff_pumps(cfg, p, &s->est, &f);
	if (s->ff_pumps < 2 || s->level_m <= it->start_m)
		return;
	step = floor((s->level_m - it->start_m) / (s->ff_pumps - 1) /
	    FF_L1_STEP_MIN_M) * FF_L1_STEP_MIN_M;
	if (step < FF_L1_STEP_MIN_M)
		step = FF_L1_STEP_MIN_M;
	if (step < it->assist_step_m) {
		it->assist_step_m = step;
		it->all_on_m = it->start_m + step * (n - 1);
	}
}

/* The SUPERVISORY set-points in force (storm-lowered in storm mode) and
 * the inhibits of a discharge limit, overridden from high-high down to
 * the last assist start. */
static void
supervisory_levels(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    const struct core_input *in, struct core_out *out, struct intent *it)
{
	struct core_levels	lv;
	int			hh = high_high(cfg, o, s->level_m);
	int			n = cfg->npumps < 1 ? 1 : cfg->npumps;
	unsigned		held = held_mask(s, cfg, hh);
	int			cut = in->limit_pumps >= 0 &&
	    in->limit_pumps < plc_would_run(cfg, o, held);

	core_levels(s, cfg, p, &lv);
	it->remote = 1;
	it->start_m = lv.start[0];
	it->stop_m = lv.stop;
	it->all_on_m = lv.all;
	it->assist_step_m = n > 1 ? (lv.all - lv.start[0]) / (n - 1) : 0;
	ff_assist(s, cfg, p, o, s->lasting.storm || drawdown_on(s, cfg, p), it);
	/* flood risk overrides from high-high down to the last assist start
	 * in force, as at v1 (no inhibit toggled on a centimetre) */
	if (hh)
		s->limit_over = 1;
	else if (s->level_m < lv.start[n - 1])
		s->limit_over = 0;
	core_alarm_set(s, out, CORE_AL_LIMIT_OVERRIDDEN, cut && s->limit_over);
	it->inhibit_mask |= held;
	if (in->limit_pumps >= 0 && !s->limit_over)
		it->inhibit_mask |= limit_inhibits(cfg, o, in->limit_pumps,
		    held);
}

/* Whether two SUPERVISORY intents write the same. */
static int
same_supervision(const struct intent *a, const struct intent *b)
{
	return a->remote == b->remote && a->start_m == b->start_m &&
	    a->stop_m == b->stop_m && a->assist_step_m == b->assist_step_m &&
	    a->all_on_m == b->all_on_m && a->inhibit_mask == b->inhibit_mask;
}

/*
 * SUPERVISORY: the PLC runs its own control; pumpd decides its set-points
 * and inhibits, and hands back to the panel set-points (inhibits cleared
 * but lock-outs) while it has no valid level.  Nothing is written while
 * REMOTE is off (the PLC refuses) or another master writes.  Written when
 * the intent changes, after a PLC restart, or until acknowledged.
 */
static void
supervisory_step(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    const struct core_input *in, struct core_out *out)
{
	struct intent	it;

	memset(&it, 0, sizeof it);
	it.control = OBS_SUPERVISORY;
	it.inhibit_mask = s->lasting.lockout_mask;
	if (!(o->flags & OBS_ST_REMOTE) ||
	    (s->lasting.alarms & CORE_AL_SECOND_MASTER)) {
		s->written = 0;	/* write afresh when it may */
		return;
	}
	s->local = s->level_m < 0 || s->lasting.local;
	if (!s->local)
		supervisory_levels(s, cfg, p, o, in, out, &it);
	if (s->written && !o->restarted && o->acked &&
	    o->acked_seq == s->last_it.seq && same_supervision(&it, &s->last_it))
		return;
	it.seq = ++s->seq;
	it.write = 1;
	s->last_it = it;
	s->written = 1;
	out->it = it;
}

/* The inflow and pump-flow estimates from a good level. */
static void
estimate(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o)
{
	unsigned	run = 0;
	int		k;

	if (s->level_m < 0)
		return;
	for (k = 0; k < cfg->npumps && k < o->npumps; k++)
		if (o->pump[k].flags & OBS_PU_RUNNING)
			run |= 1u << k;
	estim_add(&s->est, cfg, p, s->level_m, run, o->outfall_ok ?
	    fmax(0, o->outfall_m - s->level_m) : -1, s->now_ms);
}

/* Rain-driven drawdown: started by rain rising here or upstream or a
 * warning, released after the rain; a pumpd that restarts in storm mode
 * (kept in the state) keeps the wells drawn down. */
static void
drawdown(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_input *in,
    struct core_out *out)
{
	struct plan_rain	r;
	int			ch;

	if (cfg->kind != CFG_STORMWATER)
		return;
	if (!s->dd.begun && p->drawdown && s->lasting.storm) {
		s->dd.active = 1;	/* the storm mode a restart kept */
		s->dd.trigger_ms = s->now_ms;
		snprintf(s->dd.why, sizeof s->dd.why, "storm mode");
	}
	s->dd.begun = 1;
	r.mmh5 = out->rain_mmh5;
	r.mmh15 = out->rain_mmh15;
	r.upstream_mmh5 = in->upstream_mmh5;
	r.warning = in->warning != CORE_WARN_NONE;
	if ((ch = plan_drawdown(&s->dd, p, &r, s->now_ms)) == 1)
		core_event_add(out, CORE_EV_INFO, 0, 0, "drawdown on (%s): "
		    "down to %.2f m", s->dd.why, plan_dd_target_m(cfg, p));
	else if (ch == -1)
		core_event_add(out, CORE_EV_INFO, 0, 0, "drawdown off");
}

/* Observations of one cycle: alarms, adoption, rain, storm, level. */
static void
observe(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    const struct core_input *in, struct core_out *out)
{
	status_alarms(s, o, out);
	master_check(s, o, out);
	if (!s->started)
		adopt(s, cfg, o, out);
	rain_add(s, rain_delta_mm(s, cfg, o), s->now_ms);
	out->rain_mmh5 = core_rain_mmh(s, 5, s->now_ms);
	out->rain_mmh15 = core_rain_mmh(s, 15, s->now_ms);
	out->rain_mmh60 = core_rain_mmh(s, 60, s->now_ms);
	storm_mode(s, cfg, p, in, out);
	s->level_m = out->level_m = choose_level(s, cfg, p, o, out);
	core_alarm_set(s, out, CORE_AL_OUTFALL, cfg->has_outfall &&
	    o->outfall_ok && o->outfall_m > cfg->outfall_warn_m);
	if (s->level_m >= 0) {
		core_alarm_set(s, out, CORE_AL_HIGH_LEVEL,
		    s->level_m >= cfg->high_alarm_m);
		core_alarm_set(s, out, CORE_AL_HIGH_HIGH,
		    high_high(cfg, o, s->level_m));
	}
	core_alarm_set(s, out, CORE_AL_MANUAL_OVERRIDDEN,
	    high_high(cfg, o, s->level_m) &&
	    held_mask(s, cfg, 0) != s->lasting.lockout_mask);
	pump_feedback(s, cfg, p, o, out);
	estimate(s, cfg, p, o);
	drawdown(s, cfg, p, in, out);
}

/* The override events queued since the last cycle into out, then the
 * overrides due at s->now_ms back to automatic control, each with an
 * event. */
static void
overrides_due(struct core_state *s, const struct cfg_station *cfg,
    struct core_out *out)
{
	struct core_lasting	*l = &s->lasting;
	int			 i, k;

	for (i = 0; i < s->npending && out->nevents < CORE_MAX_EVENTS; i++)
		out->ev[out->nevents++] = s->pending[i];
	s->npending = 0;
	for (k = 0; k < cfg->npumps; k++)
		if (l->pump[k].man != CORE_MAN_AUTO &&
		    l->pump[k].man_until_ms <= s->now_ms) {
			core_event_add(out, CORE_EV_INFO, 0, k + 1, "pump %d: "
			    "manual %s expired: automatic control", k + 1,
			    l->pump[k].man == CORE_MAN_RUN ? "run" : "stop");
			l->pump[k].man = CORE_MAN_AUTO;
		}
	if (l->local && l->local_until_ms <= s->now_ms) {
		l->local = 0;
		core_event_add(out, CORE_EV_INFO, 0, 0, "station hand-over to "
		    "its PLC expired: automatic control");
	}
}

void
core_step(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct obs *o,
    enum core_comms comms, const struct core_input *in, int64_t now_ms,
    struct core_out *out)
{
	int	k;

	memset(out, 0, sizeof *out);
	s->now_ms = now_ms;
	overrides_due(s, cfg, out);
	core_alarm_set(s, out, CORE_AL_COMMS, comms != CORE_COMMS_OK ||
	    o == NULL);
	if (comms != CORE_COMMS_OK || o == NULL) {
		/* Nothing to decide on: a v1 PLC's watchdog hands over; an
		 * L1 PLC keeps controlling, nothing is written to it. */
		hand_to_plc(s, cfg);
		s->written = 0;
		s->level_m = -1;
		out->level_m = -1;
		return;
	}
	s->control = o->control;
	observe(s, cfg, p, o, in, out);
	if (o->control == OBS_SUPERVISORY)
		supervisory_step(s, cfg, p, o, in, out);
	else
		direct_step(s, cfg, p, o, in, out);
	for (k = 0; k < cfg->npumps; k++) {
		out->running += (o->pump[k].flags & OBS_PU_RUNNING) != 0;
		s->pflags[k] = o->pump[k].flags;
	}
	s->last_ms = now_ms;
	s->last_tips = o->rain_tips;
}

void
core_handover(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_out *out)
{
	memset(out, 0, sizeof *out);
	if (!s->started || (s->lasting.alarms & (CORE_AL_REMOTE_OFF |
	    CORE_AL_SECOND_MASTER)))
		return;
	hand_to_plc(s, cfg);
	if (s->control == OBS_SUPERVISORY) {
		/* the panel set-points, inhibits cleared but lock-outs */
		out->it.control = OBS_SUPERVISORY;
		out->it.inhibit_mask = s->lasting.lockout_mask;
		out->it.seq = ++s->seq;
		out->it.write = 1;
		return;
	}
	direct_intent(s, cfg, p, out);
	/* an orderly stop is no watchdog failure: the longest watchdog keeps
	 * the PLC from reporting one for ten minutes (in LOCAL it runs its
	 * own control whatever the watchdog says; a pumpd that comes back
	 * writes the configured watchdog with its first block); the codec
	 * clamps it to its map's longest */
	out->it.watchdog_s = CORE_HANDOVER_WATCHDOG_S;
}

int
core_manual_run_allowed(const struct core_state *s,
    const struct cfg_station *cfg, int pump, const char **why)
{
	if (pump < 1 || pump > cfg->npumps) {
		*why = "no such pump at this station";
		return 0;
	}
	if (!s->started) {
		*why = "no observation of this station yet";
		return 0;
	}
	if (s->control == OBS_SUPERVISORY) {
		*why = "the station's PLC runs its own level control (map L1): "
		    "it takes set-points and inhibits, no per-pump command";
		return 0;
	}
	if (s->lasting.alarms & (CORE_AL_REMOTE_OFF | CORE_AL_SECOND_MASTER |
	    CORE_AL_COMMS)) {
		*why = "pumpd does not control this station now";
		return 0;
	}
	*why = NULL;
	return 1;
}

void
core_export(const struct core_state *s, const char *id, int64_t now_ms,
    struct core_persist *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->id, sizeof out->id, "%s", id);
	out->saved_ms = now_ms;
	out->lasting = s->lasting;
	/* CORE_AL_SECOND_MASTER is latched for an operator to clear; until a
	 * command to clear it exists, a restart of pumpd clears it: it is not
	 * saved.  CORE_AL_PUMPS_SHORT goes with state that is not saved
	 * either. */
	out->lasting.alarms &= ~(CORE_AL_COMMS | CORE_AL_RESTART |
	    CORE_AL_SECOND_MASTER | CORE_AL_PUMPS_SHORT);
}

/* Take only the operators' decisions (lock-outs, overrides) from l: they
 * are never stale data, and a lock-out must never end by itself; a timed
 * override already due expires at the first cycle, with its event. */
static void
import_operators(struct core_state *s, const struct core_lasting *l)
{
	int	k;

	s->lasting.lockout_mask = l->lockout_mask;
	s->lasting.local = l->local != 0;
	s->lasting.local_until_ms = l->local_until_ms;
	for (k = 0; k < OBS_MAX_PUMPS; k++) {
		s->lasting.pump[k].man = (unsigned)l->pump[k].man <=
		    CORE_MAN_STOP ? l->pump[k].man : CORE_MAN_AUTO;
		s->lasting.pump[k].man_until_ms = l->pump[k].man_until_ms;
		memcpy(s->lasting.pump[k].man_why, l->pump[k].man_why,
		    CORE_REASON_MAX - 1);
		s->lasting.pump[k].lock_ms = l->pump[k].lock_ms;
		memcpy(s->lasting.pump[k].lock_why, l->pump[k].lock_why,
		    CORE_REASON_MAX - 1);
	}
}

int
core_import(struct core_state *s, const struct core_persist *in,
    int64_t now_ms, int64_t max_age_ms)
{
	int	k;

	if (in->saved_ms > now_ms || now_ms - in->saved_ms > max_age_ms) {
		import_operators(s, &in->lasting);
		return -1;
	}
	s->lasting = in->lasting;
	s->lasting.alarms &= ~(CORE_AL_SECOND_MASTER | CORE_AL_PUMPS_SHORT);
	/* flood risk overriding a limit goes on until the level is below
	 * the last assist start, restart or not */
	s->limit_over = (s->lasting.alarms & CORE_AL_LIMIT_OVERRIDDEN) != 0;
	s->lasting.local = s->lasting.local != 0;
	for (k = 0; k < OBS_MAX_PUMPS; k++) {
		if (s->lasting.pump[k].nstarts < 0)
			s->lasting.pump[k].nstarts = 0;
		if ((unsigned)s->lasting.pump[k].man > CORE_MAN_STOP)
			s->lasting.pump[k].man = CORE_MAN_AUTO;
		s->lasting.pump[k].man_why[CORE_REASON_MAX - 1] = '\0';
		s->lasting.pump[k].lock_why[CORE_REASON_MAX - 1] = '\0';
	}
	s->storm_known = 1;
	return 0;
}

/* Queue an override event for the next cycle (the oldest kept when full). */
static void
core_pending_add(struct core_state *s, int pump, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
core_pending_add(struct core_state *s, int pump, const char *fmt, ...)
{
	struct core_event	*e;
	va_list			 ap;

	if (s->npending == CORE_PENDING)
		return;
	e = &s->pending[s->npending++];
	e->kind = CORE_EV_INFO;
	e->alarm = 0;
	e->pump = pump;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

/* The expiry of an override asked at now_ms: until_ms, 0 for the default;
 * 0, or -1 with *why when it is not in the future. */
static int
override_until(const struct cfg_control *p, int64_t until_ms, int64_t now_ms,
    int64_t *out, const char **why)
{
	if (until_ms == 0)
		until_ms = now_ms + (int64_t)p->override_default_s * 1000;
	if (until_ms <= now_ms) {
		*why = "the expiry is not in the future";
		return -1;
	}
	*out = until_ms;
	return 0;
}

/* Copy an operator's reason into dst (CORE_REASON_MAX), cut at a UTF-8
 * character boundary when too long; NULL is empty. */
static void
reason_copy(char *dst, const char *src)
{
	size_t	n = src != NULL ? strlen(src) : 0;

	if (n > CORE_REASON_MAX - 1) {
		n = CORE_REASON_MAX - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;	/* src[n] would start the cut character */
	}
	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
}

/* "for N s" or "with no expiry", for an event. */
static const char *
until_text(char *buf, size_t len, int64_t until_ms, int64_t now_ms)
{
	if (until_ms == CORE_FOREVER)
		snprintf(buf, len, "with no expiry");
	else
		snprintf(buf, len, "for %lld s",
		    (long long)((until_ms - now_ms + 999) / 1000));
	return buf;
}

/* Whether pump (1-based) may be run by hand now: 1, or 0 with *why. */
static int
manual_run_ok(const struct core_state *s, const struct cfg_station *cfg,
    int pump, const char **why)
{
	if (!core_manual_run_allowed(s, cfg, pump, why))
		return 0;
	if (s->lasting.lockout_mask & (1u << (pump - 1)))
		*why = "the pump is locked out";
	else if (s->pflags[pump - 1] & OBS_PU_FAULT)
		*why = "the pump is in FAULT";
	else if (!(s->pflags[pump - 1] & OBS_PU_AVAILABLE))
		*why = "the pump is not AVAILABLE (its PLC's interlocks or "
		    "its panel hold it)";
	else
		return 1;
	return 0;
}

int
core_override_pump(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, int pump, enum core_manual what,
    int64_t until_ms, const char *reason, int64_t now_ms, const char **why)
{
	static const char	*name[] = { "auto", "run", "stop" };
	char			 ut[32];
	int64_t			 until;

	*why = NULL;
	if (pump < 1 || pump > cfg->npumps) {
		*why = "no such pump at this station";
		return -1;
	}
	if (what == CORE_MAN_AUTO) {
		if (s->lasting.pump[pump - 1].man == CORE_MAN_AUTO) {
			*why = "the pump is under automatic control already";
			return -1;
		}
		s->lasting.pump[pump - 1].man = CORE_MAN_AUTO;
		core_pending_add(s, pump, "pump %d: back to automatic control "
		    "by an operator", pump);
		return 0;
	}
	if (what != CORE_MAN_RUN && what != CORE_MAN_STOP) {
		*why = "unknown manual command";
		return -1;
	}
	if (override_until(p, until_ms, now_ms, &until, why) == -1 ||
	    (what == CORE_MAN_RUN && !manual_run_ok(s, cfg, pump, why)))
		return -1;
	s->lasting.pump[pump - 1].man = what;
	s->lasting.pump[pump - 1].man_until_ms = until;
	reason_copy(s->lasting.pump[pump - 1].man_why, reason);
	core_pending_add(s, pump, "pump %d: manual %s %s%s%s", pump,
	    name[what], until_text(ut, sizeof ut, until, now_ms),
	    reason != NULL && *reason ? ": " : "",
	    s->lasting.pump[pump - 1].man_why);
	return 0;
}

int
core_override_station(struct core_state *s, const struct cfg_control *p,
    int local, int64_t until_ms, int64_t now_ms, const char **why)
{
	char	ut[32];
	int64_t	until;

	*why = NULL;
	if (!local) {
		if (!s->lasting.local) {
			*why = "the station is under automatic control already";
			return -1;
		}
		s->lasting.local = 0;
		core_pending_add(s, 0, "station taken back from its PLC by an "
		    "operator: automatic control");
		return 0;
	}
	if (override_until(p, until_ms, now_ms, &until, why) == -1)
		return -1;
	s->lasting.local = 1;
	s->lasting.local_until_ms = until;
	core_pending_add(s, 0, "station handed to its PLC's own control by an "
	    "operator %s", until_text(ut, sizeof ut, until, now_ms));
	return 0;
}

int
core_lockout(struct core_state *s, const struct cfg_station *cfg, int pump,
    const char *reason, int64_t now_ms, const char **why)
{
	unsigned	bit = 1u << (pump - 1);

	*why = NULL;
	if (pump < 1 || pump > cfg->npumps)
		*why = "no such pump at this station";
	else if (reason == NULL || *reason == '\0')
		*why = "a lock-out needs a reason";
	else if (s->lasting.lockout_mask & bit)
		*why = "the pump is locked out already";
	if (*why != NULL)
		return -1;
	if (s->lasting.pump[pump - 1].man != CORE_MAN_AUTO) {
		s->lasting.pump[pump - 1].man = CORE_MAN_AUTO;
		core_pending_add(s, pump, "pump %d: manual override ended by "
		    "its lock-out", pump);
	}
	s->lasting.lockout_mask |= bit;
	s->lasting.pump[pump - 1].lock_ms = now_ms;
	reason_copy(s->lasting.pump[pump - 1].lock_why, reason);
	core_pending_add(s, pump, "pump %d locked out: %s", pump,
	    s->lasting.pump[pump - 1].lock_why);
	return 0;
}

int
core_unlock(struct core_state *s, const struct cfg_station *cfg, int pump,
    const char **why)
{
	*why = NULL;
	if (pump < 1 || pump > cfg->npumps) {
		*why = "no such pump at this station";
		return -1;
	}
	if (!(s->lasting.lockout_mask & (1u << (pump - 1)))) {
		*why = "the pump is not locked out";
		return -1;
	}
	s->lasting.lockout_mask &= ~(1u << (pump - 1));
	s->lasting.pump[pump - 1].lock_why[0] = '\0';
	core_pending_add(s, pump, "pump %d unlocked: back in service", pump);
	return 0;
}

/* Append one override to list if there is room; the count grows anyway. */
static void
override_put(struct core_override *list, int max, int *n,
    enum core_ovr_kind kind, int pump, int64_t since_ms, int64_t until_ms,
    const char *reason)
{
	if (*n < max) {
		list[*n].kind = kind;
		list[*n].pump = pump;
		list[*n].since_ms = since_ms;
		list[*n].until_ms = until_ms;
		snprintf(list[*n].reason, CORE_REASON_MAX, "%s", reason);
	}
	(*n)++;
}

int
core_overrides(const struct core_state *s, const struct cfg_station *cfg,
    struct core_override *list, int max)
{
	const struct core_lasting	*l = &s->lasting;
	int				 k, n = 0;

	if (l->local)
		override_put(list, max, &n, CORE_OVR_LOCAL, 0, 0,
		    l->local_until_ms, "");
	for (k = 0; k < cfg->npumps && k < OBS_MAX_PUMPS; k++) {
		if (l->pump[k].man != CORE_MAN_AUTO)
			override_put(list, max, &n, l->pump[k].man ==
			    CORE_MAN_RUN ? CORE_OVR_RUN : CORE_OVR_STOP, k + 1,
			    0, l->pump[k].man_until_ms, l->pump[k].man_why);
		if (l->lockout_mask & (1u << k))
			override_put(list, max, &n, CORE_OVR_LOCKOUT, k + 1,
			    l->pump[k].lock_ms, CORE_FOREVER,
			    l->pump[k].lock_why);
	}
	return n;
}

const char *
core_override_name(enum core_ovr_kind kind)
{
	static const char	*name[] = { "run", "stop", "local", "lockout" };

	return (unsigned)kind < 4 ? name[kind] : "?";
}
