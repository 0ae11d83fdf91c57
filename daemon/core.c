/*
 * The control core.  Each cycle, in this order:
 *   1. alarms from the station status (REMOTE, ESTOP, mains, watchdog, PLC
 *      restart) and communications;
 *   2. rain: tips to depth (wrap and PLC restart handled), minute buckets,
 *      intensities over 5, 15 and 60 minutes, storm mode;
 *   3. level: choose from transducers A and B (0xFFFF, out of range, frozen,
 *      implausible rate; disagreement takes the higher, safer one);
 *   4. sequencing: how many pumps the level asks for, which ones (least run
 *      time first), one start per stagger, minimum run and off times, starts
 *      per hour, failed-to-start, discharge limits;
 *   5. the command block: heartbeat, REMOTE or LOCAL, pump_cmd, watchdog and
 *      the fallback set-points, so the PLC can take over at any moment.
 * Without fresh data, or without a good level, the station is handed to its
 * PLC's fallback control (mode LOCAL) and an alarm is raised.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

static const char *alarm_names[AL_COUNT] = {
	"comms", "level A rejected", "level B rejected",
	"level transducers disagree", "no valid level: PLC fallback control",
	"high level", "high-high level", "REMOTE off: watching only",
	"PLC watchdog expired", "emergency stop", "mains failure",
	"outfall above warning level", "discharge limit overridden: flood risk",
	"pump fault", "pump failed to start", "PLC restarted",
};

void
core_init(struct core_state *s)
{
	int	k;

	memset(s, 0, sizeof *s);
	s->level_m = -1;
	s->last_start_ms = INT64_MIN / 2;
	for (k = 0; k < PLC_MAX_PUMPS; k++)
		s->pump[k].off_ms = INT64_MIN / 2;
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

/* Whether any pump shows RUNNING. */
static int
any_running(const struct core_snap *snap)
{
	int	k;

	for (k = 0; k < snap->npumps; k++)
		if (snap->pump[k].status & PLC_PU_RUNNING)
			return 1;
	return 0;
}

/* Judge transducer i: 1 good, 0 rejected. */
static int
level_good(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap, int i,
    int active)
{
	uint16_t	mm = snap->level_mm[i];
	double		dt;

	if (mm == PLC_NO_VALUE || mm > cfg->depth_m * 1000)
		return 0;
	if (mm != s->last_mm[i] || !s->started || !active)
		s->changed_ms[i] = s->now_ms;
	if (s->now_ms - s->changed_ms[i] > (int64_t)p->level_frozen_s * 1000)
		return 0;	/* frozen while the well must be moving */
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
	int	active = any_running(snap) || s->now_ms - s->last_rain_ms <
	    15 * 60000;
	int	ga = level_good(s, cfg, p, snap, 0, active);
	int	gb = level_good(s, cfg, p, snap, 1, active);
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

	if (cp->cmd || cp->failed || (st & PLC_PU_FAULT) ||
	    !(st & PLC_PU_AVAILABLE) || (st & PLC_PU_RUNNING))
		return 0;
	if (s->now_ms - cp->off_ms < (int64_t)p->min_off_s * 1000 && !high)
		return 0;
	return high || starts_last_hour(s, k) < lim;
}

/* Pumps the level asks for, from the set-points (storm mode lowers them). */
static int
pumps_wanted(const struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, double lvl, int running, int navail)
{
	double	drop = s->storm ? p->storm_drawdown_m : 0, stop, start;
	int	n = 0, keep = 0, i;

	stop = cfg->stop_m - (cfg->kind == CFG_SEWAGE ? 0 : drop);
	if (lvl >= cfg->high_alarm_m)
		return navail;
	if (lvl <= stop)
		return 0;
	for (i = 0; i < cfg->npumps; i++) {
		start = (i == 0 ? cfg->duty_start_m :
		    cfg->assist_start_m[i - 1]) - drop;
		if (lvl >= start)
			n = i + 1;
		if (i == 0 || lvl > start - p->assist_hysteresis_m)
			keep = i + 1;
	}
	if (running > n)
		n = running < keep ? running : keep;
	return n;
}

/* Update pump bookkeeping from feedback: faults, failed-to-start. */
static void
pump_feedback(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, const struct core_snap *snap,
    struct core_out *out)
{
	struct core_pump	*cp;
	uint16_t		 st;
	int			 k, fault = 0, fts = 0;

	for (k = 0; k < cfg->npumps; k++) {
		cp = &s->pump[k];
		st = snap->pump[k].status;
		if ((st & PLC_PU_FAULT) && !cp->was_fault)
			event(out, EV_INFO, 0, "pump %d FAULT", k + 1);
		cp->was_fault = (st & PLC_PU_FAULT) != 0;
		if (st & PLC_PU_RUNNING)
			cp->failed = 0;
		if (cp->cmd && !(st & PLC_PU_RUNNING) && !(st & PLC_PU_FAULT) &&
		    s->now_ms - cp->cmd_ms > (int64_t)p->fail_to_start_s * 1000) {
			cp->failed = 1;
			event(out, EV_INFO, 0, "pump %d failed to start",
			    k + 1);
		}
		if (cp->cmd && (cp->failed || (st & PLC_PU_FAULT) ||
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
	cp->start_ms[cp->nstarts++ % 16] = s->now_ms;
	s->last_start_ms = s->now_ms;
	event(out, EV_INFO, 0, "start pump %d", k + 1);
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
		    !(snap->pump[k].status & PLC_PU_FAULT) && !s->pump[k].failed;
	}
	/* a pump lost to a fault still counts as wanted until replaced */
	want = pumps_wanted(s, cfg, p, lvl, running + s->lost, navail);
	if (s->lost > 0 && want <= running)
		s->lost = 0;
	high = lvl >= cfg->high_alarm_m;
	hh = lvl >= cfg->highhigh_m || (snap->status & PLC_ST_HIGH_HIGH);
	alarm(s, out, AL_HIGH_LEVEL, high);
	alarm(s, out, AL_HIGH_HIGH, hh);
	if (in->limit_pumps >= 0 && want > in->limit_pumps) {
		alarm(s, out, AL_LIMIT_OVERRIDDEN, hh);
		if (!hh)
			want = in->limit_pumps;
	} else
		alarm(s, out, AL_LIMIT_OVERRIDDEN, 0);
	/* too many: stop the one that ran longest, after its minimum run
	 * (at the stop level at once, but for pumps adopted at start-up) */
	while (running > want) {
		best = -1;
		for (k = 0; k < cfg->npumps; k++)
			if (s->pump[k].cmd && ((want == 0 &&
			    !s->pump[k].adopted) || s->now_ms -
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
	for (k = 0; k < cfg->npumps; k++)	/* adoption ends */
		if (!s->pump[k].cmd || s->now_ms - s->pump[k].cmd_ms >=
		    (int64_t)p->min_run_s * 1000)
			s->pump[k].adopted = 0;
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

/* Station status alarms and PLC restart detection. */
static void
status_alarms(struct core_state *s, const struct core_snap *snap,
    struct core_out *out)
{
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
adopt(struct core_state *s, const struct core_snap *snap,
    struct core_out *out)
{
	int	k, n = 0;

	/* as if each running pump had just started and the last start were
	 * now: a restart of pumpd starts nothing for one stagger and stops
	 * nothing before the pumps' minimum run, not even at the stop level
	 * (storm mode, and its lower stop level, may not be known yet; the
	 * PLC's dry-run float still protects the pumps) */
	for (k = 0; k < snap->npumps; k++)
		if (snap->pump[k].status & PLC_PU_RUNNING) {
			s->pump[k].cmd = 1;
			s->pump[k].cmd_ms = s->now_ms;
			s->pump[k].adopted = 1;
			n++;
		}
	s->last_start_ms = s->now_ms;
	s->last_uptime = snap->uptime_s;
	s->last_tips = snap->rain_tips;
	s->started = 1;
	event(out, EV_INFO, 0, "adopted: %d pump%s running", n,
	    n == 1 ? "" : "s");
}

/* Fill the command block. */
static void
command_block(struct core_state *s, const struct cfg_station *cfg,
    const struct cfg_control *p, struct core_out *out)
{
	uint16_t	*hr = out->hr, cmd = 0;
	int		 k;

	memset(out->hr, 0, sizeof out->hr);
	hr[PLC_HR_HEARTBEAT] = ++s->hb;
	hr[PLC_HR_MODE] = s->local ? PLC_MODE_LOCAL : PLC_MODE_REMOTE;
	for (k = 0; k < cfg->npumps; k++)
		if (s->pump[k].cmd)
			cmd |= (uint16_t)(1u << k);
	hr[PLC_HR_PUMP_CMD] = s->local ? 0 : cmd;
	hr[PLC_HR_WATCHDOG] = (uint16_t)p->watchdog_s;
	hr[PLC_HR_FB_START] = (uint16_t)lround(cfg->duty_start_m * 1000);
	hr[PLC_HR_FB_STOP] = (uint16_t)lround(cfg->stop_m * 1000);
	hr[PLC_HR_FB_ALL] = (uint16_t)lround(cfg->high_alarm_m * 1000);
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
	if (!s->started)
		adopt(s, snap, out);
	rain_add(s, rain_delta_mm(s, cfg, snap), now_ms);
	out->rain_mmh5 = core_rain_mmh(s, 5, now_ms);
	out->rain_mmh15 = core_rain_mmh(s, 15, now_ms);
	out->rain_mmh60 = core_rain_mmh(s, 60, now_ms);
	storm_mode(s, p, in, out);
	s->level_m = out->level_m = choose_level(s, cfg, p, snap, out);
	alarm(s, out, AL_OUTFALL, cfg->has_outfall &&
	    snap->outfall_mm != PLC_NO_VALUE &&
	    snap->outfall_mm / 1000.0 > cfg->outfall_warn_m);
	pump_feedback(s, cfg, p, snap, out);
	if (!(snap->status & PLC_ST_REMOTE)) {
		/* watch only: keep in step with what runs, command nothing */
		for (k = 0; k < cfg->npumps; k++)
			s->pump[k].cmd = (snap->pump[k].status &
			    PLC_PU_RUNNING) != 0;
		out->write = 0;
	} else if (s->level_m < 0) {
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
	if (!s->started || (s->alarms & AL_REMOTE_OFF))
		return;
	hand_to_plc(s, cfg);
	command_block(s, cfg, p, out);
}

void
core_export(const struct core_state *s, const char *id, int64_t now_ms,
    struct core_persist *out)
{
	int	k;

	memset(out, 0, sizeof *out);
	snprintf(out->id, sizeof out->id, "%s", id);
	out->saved_ms = now_ms;
	out->alarms = s->alarms & ~(AL_COMMS | AL_PLC_RESTART);
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
	s->alarms = in->alarms;
	s->storm = in->storm;
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
