/*
 * The control core: pure decisions for one station.  It takes the station's
 * configuration, the tuning (the configuration's control group), the last
 * observation of its PLC in engineering units (or none when communications
 * are lost), the operators' inputs and the time, and returns the intent to
 * write and the events to report.  It knows no register: a codec
 * (plc/codec.h) turns observations and intents into a map's registers.  No I/O,
 * no clock, no globals: the caller owns struct core_state and passes it back
 * each cycle.  Runs on the event-loop thread only.
 */
#ifndef CORE_H
#define CORE_H

#include <stdint.h>

#include "cfg.h"
#include "estim.h"
#include "obs.h"
#include "plan.h"

enum core_comms { CORE_COMMS_OK, CORE_COMMS_STALE, CORE_COMMS_DOWN };

/* Rainstorm warning signals of the China Meteorological Administration. */
enum core_warning {
	CORE_WARN_NONE, CORE_WARN_BLUE, CORE_WARN_YELLOW, CORE_WARN_ORANGE,
	CORE_WARN_RED
};

struct core_input {
	enum core_warning warning;
	int	limit_pumps;	/* discharge limit: at most this many; -1 none */
	double	upstream_mmh5;	/* 5-min rain at the wettest upstream
				 * neighbour (drawdown) */
};

/* Alarms: one bit each, raised and cleared with an event. */
#define CORE_AL_COMMS		(1u << 0)	/* no fresh data */
#define CORE_AL_LEVEL_A		(1u << 1)	/* transducer A rejected */
#define CORE_AL_LEVEL_B		(1u << 2)	/* transducer B rejected */
#define CORE_AL_LEVEL_DISAGREE	(1u << 3)
#define CORE_AL_LEVEL_LOST	(1u << 4)	/* no good level: PLC fallback */
#define CORE_AL_HIGH_LEVEL	(1u << 5)
#define CORE_AL_HIGH_HIGH	(1u << 6)	/* float or level */
#define CORE_AL_REMOTE_OFF	(1u << 7)
#define CORE_AL_WATCHDOG	(1u << 8)	/* PLC reports it expired */
#define CORE_AL_ESTOP		(1u << 9)
#define CORE_AL_MAINS		(1u << 10)
#define CORE_AL_OUTFALL		(1u << 11)
#define CORE_AL_LIMIT_OVERRIDDEN (1u << 12)	/* flood risk beat a limit */
#define CORE_AL_PUMP_FAULT	(1u << 13)	/* any pump FAULT */
#define CORE_AL_FAIL_TO_START	(1u << 14)	/* any pump failed to start */
#define CORE_AL_RESTART		(1u << 15)	/* cleared after a cycle */
#define CORE_AL_SECOND_MASTER	(1u << 16)	/* latched: core_clear() */
#define CORE_AL_LOW_LOW		(1u << 17)	/* dry-run float */
#define CORE_AL_DOOR_OPEN	(1u << 18)	/* intrusion */
#define CORE_AL_LOCAL_CONTROL	(1u << 19)	/* PLC runs its own control */
#define CORE_AL_PUMPS_SHORT	(1u << 20)	/* high level, pumps short:
						 * PLC fallback control */
#define CORE_AL_MANUAL_OVERRIDDEN (1u << 21)	/* flood risk beat a manual
						 * stop: the operator is told */
#define CORE_AL_COUNT		22

enum core_ev_kind { CORE_EV_ALARM_ON, CORE_EV_ALARM_OFF, CORE_EV_INFO };

/* One event, structured so that nobody parses its text: the station is
 * the caller's (core_step runs for one station). */
struct core_event {
	enum core_ev_kind kind;
	uint32_t	  alarm;	/* CORE_AL_* for alarms, else 0 */
	int		  pump;		/* 1-based pump it is about; 0 none */
	char		  text[112];	/* in words, for logs and metrics */
};

#define CORE_MAX_EVENTS	24
#define CORE_PENDING	8	/* override events kept for the next cycle */
#define CORE_REASON_MAX	64	/* an operator's reason, with its NUL */
#define CORE_FOREVER	INT64_MAX	/* an expiry asked for as none */

/* An operator's manual override of one pump. */
enum core_manual { CORE_MAN_AUTO, CORE_MAN_RUN, CORE_MAN_STOP };
#define CORE_RAIN_MIN	61	/* minute buckets kept */
#define CORE_STARTS	16	/* recent starts kept per pump */

/*
 * The lasting part of a station's state: what survives a restart of pumpd
 * (alarms standing, storm mode and the rain behind it, each pump's recent
 * starts and last stop, for starts per hour and minimum off time).  What
 * runs is never taken from here: it is adopted from the PLC.
 */
struct core_lasting {
	uint32_t alarms;	/* CORE_AL_* standing */
	int	 storm;		/* storm mode on */
	int64_t	 last_rain_ms;	/* when rain last fell */
	double	 rain_mm;	/* cumulative since the state began */
	double	 bucket_mm[CORE_RAIN_MIN];	/* rain per minute */
	int64_t	 bucket_min[CORE_RAIN_MIN];	/* which minute (epoch) */
	/* pumps locked out by an operator (core_lockout), meant to outlive
	 * pumpd: never commanded at v1, inhibited at L1 (at a hand-over too) */
	unsigned lockout_mask;
	int	 local;		/* an operator handed the station to its PLC */
	int64_t	 local_until_ms;	/* until then (wall clock) */
	struct {
		int64_t	start_ms[CORE_STARTS];	/* ring, nstarts % 16 */
		int	nstarts;	/* starts ever recorded */
		int64_t	off_ms;		/* when it last stopped */
		enum core_manual man;	/* manual override in force */
		int64_t	man_until_ms;	/* its expiry (wall clock) */
		char	man_why[CORE_REASON_MAX];
		int64_t	lock_ms;	/* locked out since */
		char	lock_why[CORE_REASON_MAX];
	} pump[OBS_MAX_PUMPS];
};

struct core_pump {
	int	cmd;		/* we command it to run */
	int64_t	cmd_ms;		/* when cmd last went to 1 */
	uint16_t cmd_seq;	/* seq of the intent that started it */
	int	seen;		/* the PLC has that intent (acked or echoed) */
	int64_t	seen_ms;	/* since when, interlocks clear */
	int	nseen;		/* observations since then without RUNNING */
	int	failed;		/* failed to start: retried after
				 * fail_retry_s, at once at high level */
	int64_t	failed_ms;	/* when it last failed */
	int	was_fault;
	int	adopted;	/* found running under a master (a pumpd
				 * before us) with storm mode unknown: runs
				 * down to the storm-lowered stop level */
};

struct core_state {
	struct core_lasting lasting;	/* survives a restart of pumpd */
	enum obs_control control;	/* the station's, from its obs */
	int	 started;	/* first good observation seen (adopted) */
	int64_t	 now_ms;
	uint16_t seq;		/* of the last intent */
	double	 level_m;	/* chosen level; < 0 when none */
	double	 last_m[OBS_MAX_LEVELS];	/* previous reading; < 0 none */
	int64_t	 changed_ms[OBS_MAX_LEVELS];	/* when each last moved */
	double	 ref_m[OBS_MAX_LEVELS];	/* the other transducer then */
	int64_t	 last_ms;	/* previous observation */
	uint32_t last_tips;
	int	 storm_known;	/* storm mode taken from a saved state */
	int64_t	 last_start_ms;
	int	 local;		/* we hand the station to its PLC */
	int	 lost;		/* running pumps lost to a fault: replace */
	int	 frozen[OBS_MAX_LEVELS];	/* judged frozen: rejected until it moves */
	int	 foreign;	/* polls in a row showing another master */
	int	 local_seen;	/* polls in a row LOCAL_CONTROL under REMOTE */
	int	 short_plc;	/* handed over: pumps short at high level */
	int	 limit_over;	/* flood risk overrode the discharge limit
				 * at high-high: until below the last assist
				 * start (restored from its alarm) */
	int64_t	 short_ms;	/* since when short; INT64_MIN when not */
	struct intent last_it;	/* SUPERVISORY: the last intent written */
	int	 written;	/* last_it holds one */
	struct core_pump pump[OBS_MAX_PUMPS];
	unsigned pflags[OBS_MAX_PUMPS];	/* OBS_PU_* last observed */
	int	 npending;	/* override events for the next cycle */
	struct core_event pending[CORE_PENDING];
	/* issue 11: the estimates, drawdown, what feed-forward asked */
	struct estim est;
	struct plan_dd dd;
	int	 ff_pumps;	/* feed-forward's pumps last cycle */
	int	 level_pumps;	/* the level rules' pumps last cycle */
};

struct core_out {
	struct intent	 it;		/* it.write: write it to the PLC */
	int		 nevents;
	struct core_event ev[CORE_MAX_EVENTS];
	/* for display */
	double		 level_m;
	double		 rain_mmh5, rain_mmh15, rain_mmh60;
	int		 running;
};

/* A saved station: its id, when, and its lasting state. */
struct core_persist {
	char	 id[CFG_ID_MAX];
	int64_t	 saved_ms;
	struct core_lasting lasting;
};

/* Copy what survives a restart out of s, at now_ms. */
void	core_export(const struct core_state *s, const char *id, int64_t now_ms,
	    struct core_persist *out);

/* Take a saved state back into a fresh s, if it is from the past and no
 * older than max_age_ms at now_ms; 0 when taken, -1 when not (then only
 * the operators' lock-outs and overrides are taken: they never go stale). */
int	core_import(struct core_state *s, const struct core_persist *in,
	    int64_t now_ms, int64_t max_age_ms);

/* A fresh state for a station. */
void	core_init(struct core_state *s);

/*
 * One cycle at now_ms.  o is NULL when there is no fresh observation (comms
 * says why).  Fills out; out->it.write says whether to write out->it.
 * DIRECT: pump commands, REMOTE or LOCAL, the fallback set-points.
 * SUPERVISORY: the PLC's set-points (storm-lowered in storm mode) and the
 * inhibits of a discharge limit (none at high-high); rotation and failover
 * are the PLC's own.  Written when it changes or was not acknowledged.
 */
void	core_step(struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, const struct obs *o,
	    enum core_comms comms, const struct core_input *in, int64_t now_ms,
	    struct core_out *out);

/*
 * The hand-over at a stop of pumpd: fill out with the intent that hands the
 * station to its PLC's own control.  DIRECT: mode LOCAL, the fallback
 * set-points in force (storm-lowered in storm mode), the longest watchdog;
 * pumps that run keep running (the PLC's take-over is bumpless).
 * SUPERVISORY: REMOTE_SETPOINTS off (the panel set-points) and every
 * inhibit cleared but the lock-outs meant to outlive pumpd
 * (lasting.lockout_mask).  out->it.write is 0 where nothing may be written
 * (never controlled, REMOTE off, another master).
 */
void	core_handover(struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, struct core_out *out);

/*
 * An operator clears a latched alarm (CORE_AL_SECOND_MASTER): pumpd writes to the
 * station again from the next cycle.  0, or -1 when alarm is not latched.
 */
int	core_clear(struct core_state *s, uint32_t alarm);

/* The set-points in force, in m: storm mode lowers the stormwater stop
 * level and every start level by storm_drawdown_m (sewage keeps its stop
 * level); rain-driven drawdown (control.drawdown) lowers a stormwater
 * station's stop level further to plan_dd_target_m and its duty start to
 * dd_band_m above that; stop < start[0] <= ... <= all always holds.  all is the level at
 * which pumpd runs every pump (the last start), written as fb_all. */
struct core_levels {
	double	stop;
	double	start[OBS_MAX_PUMPS];
	double	all;
};
void	core_levels(const struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, struct core_levels *lv);

/* Rain intensity (mm/h) over the last minutes (1..60) at now_ms. */
double	core_rain_mmh(const struct core_state *s, int minutes, int64_t now_ms);

/*
 * Whether an operator may run pump (1-based) by hand at this station now:
 * 1, or 0 with *why (static text).  Never at a SUPERVISORY station: its PLC
 * runs its own control and its map has no per-pump command; nor before
 * the station was observed, nor while pumpd does not control it.
 */
int	core_manual_run_allowed(const struct core_state *s,
	    const struct cfg_station *cfg, int pump, const char **why);

/*
 * Operators' overrides.  Each returns 0, or -1 with *why (static text);
 * each change is an event of the next core_step.  until_ms is the expiry
 * in wall-clock ms: 0 for now_ms plus p->override_default_s, CORE_FOREVER
 * for none (only when asked for explicitly); past ones are refused.  At
 * expiry the pump or station returns to automatic control with an event.
 */

/* Pump (1-based) by hand: RUN (refused in FAULT, locked out, not
 * AVAILABLE in the last observation, and wherever core_manual_run_allowed
 * says no: at an L1 station), STOP (always allowed; at L1 an inhibit),
 * AUTO (back to automatic control).  A manual run is a start like any
 * other (interlocks, stagger, starts per hour below the high alarm); a
 * manual stop holds the pump off but at high-high, where flood risk wins
 * with CORE_AL_MANUAL_OVERRIDDEN.  reason may be NULL. */
int	core_override_pump(struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, int pump, enum core_manual what,
	    int64_t until_ms, const char *reason, int64_t now_ms,
	    const char **why);

/* Hand the station to its PLC's own control (local 1: v1 mode LOCAL, L1
 * its panel set-points, lock-outs still inhibited) or take it back (0). */
int	core_override_station(struct core_state *s,
	    const struct cfg_control *p, int local, int64_t until_ms,
	    int64_t now_ms, const char **why);

/* Lock pump out for maintenance, with a reason (required): never
 * commanded and not counted available at v1, inhibited at L1.  Ends its
 * manual override.  No expiry: core_unlock ends it. */
int	core_lockout(struct core_state *s, const struct cfg_station *cfg,
	    int pump, const char *reason, int64_t now_ms, const char **why);
int	core_unlock(struct core_state *s, const struct cfg_station *cfg,
	    int pump, const char **why);

/* One override in force, for listing. */
enum core_ovr_kind { CORE_OVR_RUN, CORE_OVR_STOP, CORE_OVR_LOCAL,
	CORE_OVR_LOCKOUT };
struct core_override {
	enum core_ovr_kind kind;
	int	 pump;		/* 1-based; 0 for the station */
	int64_t	 since_ms;	/* lock-outs; 0 otherwise */
	int64_t	 until_ms;	/* CORE_FOREVER: none */
	char	 reason[CORE_REASON_MAX];
};

/* The overrides in force into list (at most max); returns how many are in
 * force (may exceed max). */
int	core_overrides(const struct core_state *s,
	    const struct cfg_station *cfg, struct core_override *list, int max);

/* Name of an override kind ("run", "stop", "local", "lockout"). */
const char *core_override_name(enum core_ovr_kind kind);

/* Name of an alarm bit. */
const char *core_alarm_name(uint32_t alarm);

#endif
