/*
 * The control core.  Each cycle, in this order:
 *   1. alarms from the station status (REMOTE, ESTOP, mains, watchdog, PLC
 *      restart, dry-run float, door, the PLC's own control while we command
 *      REMOTE) and communications; another master writing the PLC;
 *   2. rain: tips to depth (wrap and PLC restart handled), minute buckets,
 *      intensities over 5, 15 and 60 minutes, storm mode;
 *   3. level: choose from transducers A and B (0xFFFF, out of range, frozen
 *      while the other moved, implausible rate; disagreement takes the
 *      higher, safer one);
 *   4. sequencing: how many pumps the level asks for, which ones (least run
 *      time first), one start per stagger, minimum run and off times, starts
 *      per hour, failed-to-start (judged on reads the PLC answered after it
 *      had the command) and its retry, discharge limits;
 *   5. the command block: heartbeat, REMOTE or LOCAL, pump_cmd, watchdog and
 *      the fallback set-points, so the PLC can take over at any moment.
 * Without fresh data, without a good level, or when pumpd cannot get the
 * pumps a level at or above the high alarm needs, the station is handed to
 * its PLC's fallback control (mode LOCAL) and an alarm is raised.  When
 * another master writes the PLC, nothing is written until an operator
 * clears the alarm.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static const char *alarm_names[AL_COUNT] = {
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
};

/* A transducer that did not move while the other moved this far is
 * frozen (after level_frozen_s). */
#define FROZEN_EVIDENCE_MM	50
/* Fallback set-points are kept at least this far apart (m). */
#define LEVEL_GAP_M		0.01

void
core_init(struct core_state *s)
{
	int	k;

	memset(s, 0, sizeof *s);
	s->level_m = -1;
	s->last_start_ms = INT64_MIN / 2;
	s->short_ms = INT64_MIN;
	for (k = 0; k < PLC_MAX_PUMPS; k++)
		s->pump[k].off_ms = INT64_MIN / 2;
}

int
core_clear(struct core_state *s, uint32_t alarm)
{
	if (alarm != AL_SECOND_MASTER)
		return -1;
	s->alarms &= ~alarm;
	s->foreign = 0;
	return 0;
}

void
core_levels(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_levels *lv)
{
	double	drop = s->storm ? p->storm_drawdown_m : 0, lo;
	int	i, n = cfg->npumps < 1 ? 1 : cfg->npumps;

	memset(lv, 0, sizeof *lv);
	lv->stop = cfg->stop_m - (cfg->kind == CFG_SEWAGE ? 0 : drop);
	if (lv->stop < 0)
		lv->stop = 0;
	lo = lv->stop + LEVEL_GAP_M;	/* lowered levels must not cross */
	for (i = 0; i < n && i < PLC_MAX_PUMPS; i++) {
		lv->start[i] = (i == 0 ? cfg->duty_start_m :
		    cfg->assist_start_m[i - 1]) - drop;
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

	for (i = 0; i < AL_COUNT; i++)
		if (alarm == (1u << i))
			return alarm_names[i];
	return "?";
}

/* Append an event to out. */
static void
event(struct core_out *out, enum core_ev_kind kind, uint32_t alarm,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
event(struct core_out *out, enum core_ev_kind kind, uint32_t alarm,
    const char *fmt, ...)
{
	struct core_event	*e;
	va_list			 ap;

	if (out->nevents == CORE_MAX_EVENTS)
		return;
	e = &out->ev[out->nevents++];
	e->kind = kind;
	e->alarm = alarm;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

/* Raise or clear alarm a, with an event on each change. */
static void
alarm(struct core_state *s, struct core_out *out, uint32_t a, int on)
{
	if (on && !(s->alarms & a)) {
		s->alarms |= a;
		event(out, EV_ALARM_ON, a, "%s", core_alarm_name(a));
	} else if (!on && (s->alarms & a)) {
		s->alarms &= ~a;
		event(out, EV_ALARM_OFF, a, "%s cleared", core_alarm_name(a));
	}
}

/* Rain depth since the last snapshot, from the tip counter. */
static double
rain_delta_mm(struct core_state *s, const struct cfg_station *cfg,
    const struct core_snap *snap)
{
	uint32_t	tips = snap->rain_tips, d;

	if (!s->started)
		return 0;
	if (snap->uptime_s < s->last_uptime)	/* PLC restart: from 0 */
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

	if (s->bucket_min[i] != m) {
		s->bucket_min[i] = m;
		s->bucket_mm[i] = 0;
	}
	s->bucket_mm[i] += mm;
	s->rain_mm += mm;
	if (mm > 0)
		s->last_rain_ms = now_ms;
}

double
core_rain_mmh(const struct core_state *s, int minutes, int64_t now_ms)
{
	int64_t	m = now_ms / 60000;
	double	sum = 0;
	int	i;

	for (i = 0; i < CORE_RAIN_MIN; i++)
		if (s->bucket_min[i] > m - minutes && s->bucket_min[i] <= m)
			sum += s->bucket_mm[i];
	return sum * 60 / minutes;
}

/*
 * Whether transducer i is frozen: unchanged for level_frozen_s while the
 * other one moved by more than FROZEN_EVIDENCE_MM.  A steady level is no
 * evidence by itself (pumps may balance a steady inflow), and a level held
 * at the flood level (the water leaves the well there) or confirmed by the
 * high-high float is never frozen.
 */
static int
level_frozen(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap, int i)
{
	uint16_t	mm = snap->level_mm[i], other = snap->level_mm[!i];

	if (mm >= cfg->flood_m * 1000 - 5 || ((snap->status &
	    PLC_ST_HIGH_HIGH) && mm >= cfg->highhigh_m * 1000))
		return 0;
	/* once judged frozen, a transducer stays rejected until it moves:
	 * the evidence comes and goes as the other one swings, and taking a
	 * stuck reading back each time it does would cycle the pumps */
	if (s->frozen[i])
		return 1;
	if (s->now_ms - s->changed_ms[i] <= (int64_t)p->level_frozen_s * 1000)
		return 0;
	if (other == PLC_NO_VALUE || s->ref_mm[i] == PLC_NO_VALUE)
		return 0;
	return abs((int)other - (int)s->ref_mm[i]) > FROZEN_EVIDENCE_MM;
}

/* Judge transducer i: 1 good, 0 rejected. */
static int
level_good(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap, int i)
{
	uint16_t	mm = snap->level_mm[i];
	double		dt;

	if (mm != s->last_mm[i] || !s->started) {
		s->changed_ms[i] = s->now_ms;
		s->ref_mm[i] = snap->level_mm[!i];
		s->frozen[i] = 0;
	}
	/* the depth cap: a flooding well stands at flood_m <= depth_m */
	if (mm == PLC_NO_VALUE || mm > cfg->depth_m * 1000)
		return 0;
	if ((s->frozen[i] = level_frozen(s, cfg, p, snap, i)) != 0)
		return 0;
	dt = (s->now_ms - s->last_ms) / 1000.0;
	if (s->started && dt > 0 && s->last_mm[i] != PLC_NO_VALUE &&
	    fabs(mm - (double)s->last_mm[i]) / 1000 > p->level_max_rate_m_s * dt +
	    0.05)
		return 0;	/* implausible jump */
	return 1;
}

/* Choose the level; -1 when neither transducer is good. */
static double
choose_level(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap,
    struct core_out *out)
{
	int	ga = level_good(s, cfg, p, snap, 0);
	int	gb = level_good(s, cfg, p, snap, 1);
	double	a = snap->level_mm[0] / 1000.0, b = snap->level_mm[1] / 1000.0;

	s->last_mm[0] = snap->level_mm[0];
	s->last_mm[1] = snap->level_mm[1];
	alarm(s, out, AL_LEVEL_A, !ga);
	alarm(s, out, AL_LEVEL_B, !gb);
	alarm(s, out, AL_LEVEL_DISAGREE, ga && gb && fabs(a - b) >
	    p->level_disagree_m);
	alarm(s, out, AL_LEVEL_LOST, !ga && !gb);
	if (ga && gb)
		return fmax(a, b);
	return ga ? a : gb ? b : -1;
}

/* Starts of pump k in the hour before now. */
static int
starts_last_hour(const struct core_state *s, int k)
{
	const struct core_pump	*cp = &s->pump[k];
	int			 i, n = 0;

	for (i = 0; i < 16 && i < cp->nstarts; i++)
		if (cp->start_ms[i] > s->now_ms - 3600000)
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
    const struct cfg_control *p, const struct core_snap *snap, int k,
    int high)
{
	const struct core_pump	*cp = &s->pump[k];
	uint16_t		 st = snap->pump[k].status;
	int			 lim = cfg->kind == CFG_SEWAGE ?
	    p->starts_per_hour_sewage : p->starts_per_hour_stormwater;

	if (cp->cmd || (st & PLC_PU_FAULT) || !(st & PLC_PU_AVAILABLE) ||
	    (st & PLC_PU_RUNNING) || !retry_due(s, p, k, high))
		return 0;
	if (s->now_ms - cp->off_ms < (int64_t)p->min_off_s * 1000 && !high)
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
 * Whether the PLC has the block with heartbeat h: acknowledged by the
 * worker (acked), or echoed by the PLC (heartbeat_echo, the last heartbeat
 * its program saw).  1 yes, 0 not yet, -1 when the snapshot does not say:
 * no acknowledgement, and an echo that is 0 (a PLC fresh from power-up) or
 * not one of our recent heartbeats (another pumpd before us).
 */
static int
block_seen(const struct core_state *s, const struct core_snap *snap,
    uint16_t h)
{
	if (snap->acked)
		return (int16_t)(uint16_t)(snap->acked_hb - h) >= 0;
	if (snap->hb_echo != 0 && (uint16_t)(s->hb - snap->hb_echo) < 1000)
		return (int16_t)(uint16_t)(snap->hb_echo - h) >= 0;
	return -1;
}

/* Whether an interlock of the PLC holds pump k: then a commanded pump that
 * does not run has not failed to start. */
static int
interlocked(const struct core_snap *snap, int k)
{
	uint16_t	st = snap->pump[k].status;

	return (st & PLC_PU_FAULT) || !(st & PLC_PU_AVAILABLE) ||
	    (snap->status & (PLC_ST_ESTOP | PLC_ST_LOW_LOW)) ||
	    !(snap->status & PLC_ST_REMOTE);
}

/*
 * Whether commanded pump k, not RUNNING in snap, has failed to start: for
 * fail_to_start_s, and on at least two snapshots, read after the PLC had
 * the block that started it (on time alone when the snapshot cannot say).
 */
static int
start_failed(struct core_state *s, const struct cfg_control *p,
    const struct core_snap *snap, int k)
{
	struct core_pump	*cp = &s->pump[k];
	int64_t			 fts_ms = (int64_t)p->fail_to_start_s * 1000;
	int			 seen;

	if (interlocked(snap, k) || (s->alarms & AL_SECOND_MASTER)) {
		/* not ours to judge; the clock starts when it clears */
		cp->seen = 0;
		cp->cmd_ms = s->now_ms;
		return 0;
	}
	if ((seen = block_seen(s, snap, cp->cmd_hb)) == -1)
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
    const struct cfg_control *p, const struct core_snap *snap,
    struct core_out *out)
{
	struct core_pump	*cp;
	uint16_t		 st;
	int			 k, fault = 0, fts = 0, failed;

	for (k = 0; k < cfg->npumps; k++) {
		cp = &s->pump[k];
		st = snap->pump[k].status;
		failed = 0;
		if ((st & PLC_PU_FAULT) && !cp->was_fault)
			event(out, EV_INFO, 0, "pump %d FAULT", k + 1);
		cp->was_fault = (st & PLC_PU_FAULT) != 0;
		if (st & PLC_PU_RUNNING) {
			if (cp->failed)
				event(out, EV_INFO, 0, "pump %d runs", k + 1);
			cp->failed = 0;
			cp->nseen = 0;
		} else if (cp->cmd && start_failed(s, p, snap, k)) {
			event(out, EV_INFO, 0, "pump %d failed to start%s",
			    k + 1, cp->failed ? " again" : "");
			cp->failed = failed = 1;
			cp->failed_ms = s->now_ms;
		}
		if (cp->cmd && (failed || (st & PLC_PU_FAULT) ||
		    !(st & PLC_PU_AVAILABLE))) {
			cp->cmd = 0;
			cp->off_ms = s->now_ms;
			s->lost++;	/* its work goes to another pump */
		}
		fault |= cp->was_fault;
		fts |= cp->failed;
	}
	alarm(s, out, AL_PUMP_FAULT, fault);
	alarm(s, out, AL_FAIL_TO_START, fts);
}

/* Start pump k now. */
static void
start_pump(struct core_state *s, int k, struct core_out *out)
{
	struct core_pump	*cp = &s->pump[k];

	cp->cmd = 1;
	cp->cmd_ms = s->now_ms;
	cp->cmd_hb = (uint16_t)(s->hb + 1);	/* the next block's */
	cp->seen = 0;
	cp->start_ms[cp->nstarts++ % 16] = s->now_ms;
	s->last_start_ms = s->now_ms;
	event(out, EV_INFO, 0, "start pump %d", k + 1);
}

/* Whether the level or the float says high-high. */
static int
high_high(const struct cfg_station *cfg, const struct core_snap *snap,
    double lvl)
{
	return lvl >= cfg->highhigh_m || (snap->status & PLC_ST_HIGH_HIGH);
}

/* Pumps the PLC's own fallback control would run at a level at or above
 * fb_all: every pump its interlocks allow. */
static int
plc_would_run(const struct cfg_station *cfg, const struct core_snap *snap)
{
	int	k, n = 0;

	if (snap->status & (PLC_ST_ESTOP | PLC_ST_LOW_LOW))
		return 0;
	for (k = 0; k < cfg->npumps; k++)
		n += (snap->pump[k].status & PLC_PU_AVAILABLE) &&
		    !(snap->pump[k].status & PLC_PU_FAULT);
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
    const struct cfg_control *p, const struct core_snap *snap,
    const struct core_input *in, struct core_out *out)
{
	struct core_levels	lv;
	int			k, run = 0, plc = plc_would_run(cfg, snap);

	if (s->short_plc) {
		core_levels(s, cfg, p, &lv);
		if (s->level_m >= lv.start[0])
			return 1;
		s->short_plc = 0;
		s->short_ms = INT64_MIN;
		alarm(s, out, AL_PUMPS_SHORT, 0);
		return 0;
	}
	for (k = 0; k < cfg->npumps; k++)
		run += (snap->pump[k].status & PLC_PU_RUNNING) != 0;
	if (in->limit_pumps >= 0 && plc > in->limit_pumps &&
	    !high_high(cfg, snap, s->level_m))
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
	alarm(s, out, AL_PUMPS_SHORT, 1);
	return 1;
}

/* Whether adopted pump k keeps running at level lvl, at or below the stop
 * level in force: storm mode is not known yet, and the pumpd before us may
 * have run it down to the storm-lowered stop level; never below that. */
static int
adopt_held(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, int k, double lvl)
{
	return s->pump[k].adopted && !s->storm &&
	    lvl > cfg->stop_m - p->storm_drawdown_m;
}

/* Decide pump commands for level lvl. */
static void
sequence(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap,
    const struct core_input *in, double lvl, struct core_out *out)
{
	int	k, best, running = 0, navail = 0, want, hh, high;

	for (k = 0; k < cfg->npumps; k++) {
		running += s->pump[k].cmd;
		navail += (snap->pump[k].status & PLC_PU_AVAILABLE) &&
		    !(snap->pump[k].status & PLC_PU_FAULT) &&
		    retry_due(s, p, k, lvl >= cfg->high_alarm_m);
	}
	/* a pump lost to a fault still counts as wanted until replaced */
	want = pumps_wanted(s, cfg, p, lvl, running + s->lost, navail);
	if (s->lost > 0 && want <= running)
		s->lost = 0;
	high = lvl >= cfg->high_alarm_m;
	hh = high_high(cfg, snap, lvl);
	if (in->limit_pumps >= 0 && want > in->limit_pumps) {
		alarm(s, out, AL_LIMIT_OVERRIDDEN, hh);
		if (!hh)
			want = in->limit_pumps;
	} else
		alarm(s, out, AL_LIMIT_OVERRIDDEN, 0);
	for (k = 0; k < cfg->npumps; k++)	/* adoption ends with a stop */
		s->pump[k].adopted &= s->pump[k].cmd;
	/* too many: stop the one that ran longest, after its minimum run;
	 * at the stop level at once, pumps adopted at start-up too (the
	 * minimum run is against short cycles of ours, and must never pump a
	 * well below its stop level) */
	while (running > want) {
		best = -1;
		for (k = 0; k < cfg->npumps; k++)
			if (s->pump[k].cmd && (want == 0 ?
			    !adopt_held(s, cfg, p, k, lvl) : s->now_ms -
			    s->pump[k].cmd_ms >= (int64_t)p->min_run_s * 1000) &&
			    (best < 0 || snap->pump[k].run_s >
			    snap->pump[best].run_s))
				best = k;
		if (best < 0)
			break;
		s->pump[best].cmd = 0;
		s->pump[best].off_ms = s->now_ms;
		event(out, EV_INFO, 0, "stop pump %d", best + 1);
		running--;
	}
	/* too few: start the least-run available pump, one per stagger */
	if (running < want && s->now_ms - s->last_start_ms >=
	    (int64_t)p->stagger_s * 1000) {
		best = -1;
		for (k = 0; k < cfg->npumps; k++)
			if (can_start(s, cfg, p, snap, k, high) && (best < 0 ||
			    snap->pump[k].run_s < snap->pump[best].run_s))
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
plc_own_control(struct core_state *s, const struct core_snap *snap)
{
	int	on = snap->acked && snap->acked_mode == PLC_MODE_REMOTE &&
	    !s->local && (snap->status & PLC_ST_REMOTE) &&
	    !(snap->status & PLC_ST_WATCHDOG) &&
	    (snap->status & PLC_ST_LOCAL_CONTROL);

	s->local_seen = on ? s->local_seen + 1 : 0;
	return s->local_seen >= 2;
}

/*
 * Another master: the holding registers read back differ from the block
 * the PLC acknowledged from us, with no PLC restart between (a restart
 * resets them), on two polls in a row.  Latched until core_clear().
 */
static void
master_check(struct core_state *s, const struct core_snap *snap,
    struct core_out *out)
{
	int	other = snap->acked && snap->hr_valid &&
	    !(s->started && snap->uptime_s < s->last_uptime) &&
	    (snap->hr_hb != snap->acked_hb ||
	    snap->hr_mode != snap->acked_mode ||
	    snap->hr_cmd != snap->acked_cmd);

	s->foreign = other ? s->foreign + 1 : 0;
	if (s->foreign >= 2)
		alarm(s, out, AL_SECOND_MASTER, 1);
}

/* Station status alarms and PLC restart detection. */
static void
status_alarms(struct core_state *s, const struct core_snap *snap,
    struct core_out *out)
{
	alarm(s, out, AL_LOW_LOW, (snap->status & PLC_ST_LOW_LOW) != 0);
	alarm(s, out, AL_DOOR_OPEN, (snap->status & PLC_ST_DOOR_OPEN) != 0);
	alarm(s, out, AL_LOCAL_CONTROL, plc_own_control(s, snap));
	alarm(s, out, AL_REMOTE_OFF, !(snap->status & PLC_ST_REMOTE));
	alarm(s, out, AL_ESTOP, (snap->status & PLC_ST_ESTOP) != 0);
	alarm(s, out, AL_MAINS, !(snap->status & PLC_ST_MAINS_OK));
	alarm(s, out, AL_WATCHDOG, s->started &&
	    (snap->status & PLC_ST_WATCHDOG) != 0);
	alarm(s, out, AL_PLC_RESTART, s->started &&
	    snap->uptime_s < s->last_uptime);
}

/* Adopt what runs at the first snapshot: no pump starts or stops because
 * pumpd started. */
static void
adopt(struct core_state *s, const struct cfg_station *cfg,
    const struct core_snap *snap, struct core_out *out)
{
	int	k, n = 0, unknown;

	/* as if each running pump had just started and the last start were
	 * now: a restart of pumpd starts nothing for one stagger and stops
	 * no pump above the stop level before its minimum run; at or below
	 * the stop level in force it stops like any other pump, unless a
	 * master (not the PLC's own control) ran it while storm mode, and so
	 * the stop level that master used, is unknown (no saved state) */
	unknown = !s->storm_known && !s->storm &&
	    cfg->kind == CFG_STORMWATER &&
	    !(snap->status & PLC_ST_LOCAL_CONTROL);
	for (k = 0; k < snap->npumps && k < PLC_MAX_PUMPS; k++)
		if (snap->pump[k].status & PLC_PU_RUNNING) {
			s->pump[k].cmd = 1;
			s->pump[k].cmd_ms = s->now_ms;
			s->pump[k].cmd_hb = (uint16_t)(s->hb + 1);
			s->pump[k].adopted = unknown;
			n++;
		}
	s->last_start_ms = s->now_ms;
	s->last_uptime = snap->uptime_s;
	s->last_tips = snap->rain_tips;
	s->started = 1;
	event(out, EV_INFO, 0, "adopted: %d pump%s running", n,
	    n == 1 ? "" : "s");
}

/* A level in m as a set-point register in mm. */
static uint16_t
setpoint_mm(double m)
{
	long	mm = lround(m * 1000);

	return (uint16_t)(mm < 0 ? 0 : mm > PLC_SETPOINT_MAX_MM ?
	    PLC_SETPOINT_MAX_MM : mm);
}

/* Fill the command block; the fallback set-points are the levels in force,
 * so that a hand-over to the PLC at any moment changes nothing. */
static void
command_block(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_out *out)
{
	struct core_levels	 lv;
	uint16_t		*hr = out->hr, cmd = 0;
	int			 k;

	memset(out->hr, 0, sizeof out->hr);
	hr[PLC_HR_HEARTBEAT] = ++s->hb;
	hr[PLC_HR_MODE] = s->local ? PLC_MODE_LOCAL : PLC_MODE_REMOTE;
	for (k = 0; k < cfg->npumps; k++)
		if (s->pump[k].cmd)
			cmd |= (uint16_t)(1u << k);
	hr[PLC_HR_PUMP_CMD] = s->local ? 0 : cmd;
	hr[PLC_HR_WATCHDOG] = (uint16_t)p->watchdog_s;
	core_levels(s, cfg, p, &lv);
	hr[PLC_HR_FB_START] = setpoint_mm(lv.start[0]);
	hr[PLC_HR_FB_STOP] = setpoint_mm(lv.stop);
	hr[PLC_HR_FB_ALL] = setpoint_mm(lv.all);
	for (k = 0; k < PLC_MAX_PUMPS; k++)
		hr[PLC_HR_SPEED_SP(k)] = PLC_SPEED_MAX;
	out->write = 1;
}

/* Storm mode: on by intensity or warning, off after the hold time. */
static void
storm_mode(struct core_state *s, const struct cfg_control *p,
    const struct core_input *in, struct core_out *out)
{
	static const char	*warn[] = { "no warning", "blue warning",
	    "yellow warning", "orange warning", "red warning" };
	int			 on = out->rain_mmh15 >= p->storm_mm_h ||
	    in->warning != WARN_NONE;

	if (on && !s->storm) {
		s->storm = 1;
		event(out, EV_INFO, 0, "storm mode on (%.1f mm/h over 15 min, "
		    "%s)", out->rain_mmh15, warn[in->warning <= WARN_RED ?
		    in->warning : 0]);
	} else if (!on && s->storm && s->now_ms - s->last_rain_ms >=
	    (int64_t)p->storm_hold_min * 60000) {
		s->storm = 0;
		event(out, EV_INFO, 0, "storm mode off");
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

void
core_step(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap,
    enum core_comms comms, const struct core_input *in, int64_t now_ms,
    struct core_out *out)
{
	int	k;

	memset(out, 0, sizeof *out);
	s->now_ms = now_ms;
	alarm(s, out, AL_COMMS, comms != CORE_COMMS_OK || snap == NULL);
	if (comms != CORE_COMMS_OK || snap == NULL) {
		/* Nothing to decide on: the PLC's watchdog hands over. */
		hand_to_plc(s, cfg);
		s->level_m = -1;
		out->level_m = -1;
		return;
	}
	status_alarms(s, snap, out);
	master_check(s, snap, out);
	if (!s->started)
		adopt(s, cfg, snap, out);
	rain_add(s, rain_delta_mm(s, cfg, snap), now_ms);
	out->rain_mmh5 = core_rain_mmh(s, 5, now_ms);
	out->rain_mmh15 = core_rain_mmh(s, 15, now_ms);
	out->rain_mmh60 = core_rain_mmh(s, 60, now_ms);
	storm_mode(s, p, in, out);
	s->level_m = out->level_m = choose_level(s, cfg, p, snap, out);
	alarm(s, out, AL_OUTFALL, cfg->has_outfall &&
	    snap->outfall_mm != PLC_NO_VALUE &&
	    snap->outfall_mm / 1000.0 > cfg->outfall_warn_m);
	if (s->level_m >= 0) {
		alarm(s, out, AL_HIGH_LEVEL, s->level_m >= cfg->high_alarm_m);
		alarm(s, out, AL_HIGH_HIGH, high_high(cfg, snap, s->level_m));
	}
	pump_feedback(s, cfg, p, snap, out);
	if (!(snap->status & PLC_ST_REMOTE) || (s->alarms & AL_SECOND_MASTER)) {
		/* watch only: keep in step with what runs, command nothing
		 * (REMOTE off, or another master: two must never fight) */
		for (k = 0; k < cfg->npumps; k++)
			s->pump[k].cmd = (snap->pump[k].status &
			    PLC_PU_RUNNING) != 0;
		out->write = 0;
	} else if (s->level_m < 0 || pumps_short(s, cfg, p, snap, in, out)) {
		hand_to_plc(s, cfg);
		command_block(s, cfg, p, out);
	} else {
		if (s->local)	/* taking back from fallback: bumpless */
			for (k = 0; k < cfg->npumps; k++)
				if ((s->pump[k].cmd = (snap->pump[k].status &
				    PLC_PU_RUNNING) != 0))
					s->pump[k].cmd_ms = now_ms;
		s->local = 0;
		sequence(s, cfg, p, snap, in, s->level_m, out);
		command_block(s, cfg, p, out);
	}
	for (k = 0; k < cfg->npumps; k++)
		out->running += (snap->pump[k].status & PLC_PU_RUNNING) != 0;
	s->last_ms = now_ms;
	s->last_tips = snap->rain_tips;
	s->last_uptime = snap->uptime_s;
}

void
core_handover(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_out *out)
{
	memset(out, 0, sizeof *out);
	if (!s->started || (s->alarms & (AL_REMOTE_OFF | AL_SECOND_MASTER)))
		return;
	hand_to_plc(s, cfg);
	command_block(s, cfg, p, out);
	/* an orderly stop is no watchdog failure: the longest watchdog keeps
	 * the PLC from reporting one for ten minutes (in LOCAL it runs its
	 * own control whatever the watchdog says; a pumpd that comes back
	 * writes the configured watchdog with its first block) */
	out->hr[PLC_HR_WATCHDOG] = PLC_WATCHDOG_MAX_S;
}

void
core_export(const struct core_state *s, const char *id, int64_t now_ms,
    struct core_persist *out)
{
	int	k;

	memset(out, 0, sizeof *out);
	snprintf(out->id, sizeof out->id, "%s", id);
	out->saved_ms = now_ms;
	/* AL_SECOND_MASTER is latched for an operator to clear; until a
	 * command to clear it exists, a restart of pumpd clears it: it is not
	 * saved.  AL_PUMPS_SHORT goes with state that is not saved either. */
	out->alarms = s->alarms & ~(AL_COMMS | AL_PLC_RESTART |
	    AL_SECOND_MASTER | AL_PUMPS_SHORT);
	out->storm = s->storm;
	out->last_rain_ms = s->last_rain_ms;
	out->rain_mm = s->rain_mm;
	memcpy(out->bucket_mm, s->bucket_mm, sizeof out->bucket_mm);
	memcpy(out->bucket_min, s->bucket_min, sizeof out->bucket_min);
	for (k = 0; k < PLC_MAX_PUMPS; k++) {
		memcpy(out->pump[k].start_ms, s->pump[k].start_ms,
		    sizeof out->pump[k].start_ms);
		out->pump[k].nstarts = s->pump[k].nstarts;
		out->pump[k].off_ms = s->pump[k].off_ms;
	}
}

int
core_import(struct core_state *s, const struct core_persist *in,
    int64_t now_ms, int64_t max_age_ms)
{
	int	k;

	if (in->saved_ms > now_ms || now_ms - in->saved_ms > max_age_ms)
		return -1;
	s->alarms = in->alarms & ~(AL_SECOND_MASTER | AL_PUMPS_SHORT);
	s->storm = in->storm;
	s->storm_known = 1;
	s->last_rain_ms = in->last_rain_ms;
	s->rain_mm = in->rain_mm;
	memcpy(s->bucket_mm, in->bucket_mm, sizeof s->bucket_mm);
	memcpy(s->bucket_min, in->bucket_min, sizeof s->bucket_min);
	for (k = 0; k < PLC_MAX_PUMPS; k++) {
		memcpy(s->pump[k].start_ms, in->pump[k].start_ms,
		    sizeof s->pump[k].start_ms);
		s->pump[k].nstarts = in->pump[k].nstarts < 0 ? 0 :
		    in->pump[k].nstarts;
		s->pump[k].off_ms = in->pump[k].off_ms;
	}
	return 0;
}
