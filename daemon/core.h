/*
 * The control core: pure decisions for one station.  It takes the station's
 * configuration, the tuning (the configuration's control group), the last snapshot of its PLC (or
 * none when communications are lost), the operators' inputs and the time,
 * and returns the command block to write and the events to report.  No I/O,
 * no clock, no globals: the caller owns struct core_state and passes it back
 * each cycle.  Runs on the event-loop thread only.
 */
#ifndef CORE_H
#define CORE_H

#include <stdint.h>

#include "cfg.h"
#include "plcmap.h"

/* A decoded, already validated input block. */
struct core_snap {
	uint16_t status;
	uint16_t level_mm[2];	/* A, B; PLC_NO_VALUE when invalid */
	uint32_t rain_tips;
	uint16_t outfall_mm;
	uint16_t hb_echo;
	uint32_t uptime_s;
	int	 npumps;
	struct {
		uint16_t status;
		uint16_t current;
		uint16_t speed;
		uint32_t run_s;
		uint32_t starts;
	} pump[PLC_MAX_PUMPS];
	/*
	 * The last command block the worker wrote on this connection before
	 * this read, as the PLC acknowledged it (acked 0: none yet).  Feedback
	 * is judged only on reads taken after a command was acknowledged.
	 */
	int	 acked;
	uint16_t acked_hb, acked_mode, acked_cmd;
	/* Holding registers 0..2 as read back in this poll (function 03);
	 * a difference from the acked block, with no PLC restart between,
	 * means somebody else writes this PLC. */
	int	 hr_valid;
	uint16_t hr_hb, hr_mode, hr_cmd;
};

enum core_comms { CORE_COMMS_OK, CORE_COMMS_STALE, CORE_COMMS_DOWN };

/* Rainstorm warning signals of the China Meteorological Administration. */
enum core_warning { WARN_NONE, WARN_BLUE, WARN_YELLOW, WARN_ORANGE, WARN_RED };

struct core_input {
	enum core_warning warning;
	int	limit_pumps;	/* discharge limit: at most this many; -1 none */
};

/* Alarms: one bit each, raised and cleared with an event. */
#define AL_COMMS		(1u << 0)	/* no fresh data */
#define AL_LEVEL_A		(1u << 1)	/* transducer A rejected */
#define AL_LEVEL_B		(1u << 2)	/* transducer B rejected */
#define AL_LEVEL_DISAGREE	(1u << 3)
#define AL_LEVEL_LOST		(1u << 4)	/* no good level: PLC fallback */
#define AL_HIGH_LEVEL		(1u << 5)
#define AL_HIGH_HIGH		(1u << 6)	/* float or level */
#define AL_REMOTE_OFF		(1u << 7)
#define AL_WATCHDOG		(1u << 8)	/* PLC reports it expired */
#define AL_ESTOP		(1u << 9)
#define AL_MAINS		(1u << 10)
#define AL_OUTFALL		(1u << 11)
#define AL_LIMIT_OVERRIDDEN	(1u << 12)	/* flood risk beat a limit */
#define AL_PUMP_FAULT		(1u << 13)	/* any pump FAULT */
#define AL_FAIL_TO_START	(1u << 14)	/* any pump failed to start */
#define AL_PLC_RESTART		(1u << 15)	/* cleared after a cycle */
#define AL_SECOND_MASTER	(1u << 16)	/* latched: core_clear() */
#define AL_LOW_LOW		(1u << 17)	/* dry-run float */
#define AL_DOOR_OPEN		(1u << 18)	/* intrusion */
#define AL_LOCAL_CONTROL	(1u << 19)	/* PLC runs its own control */
#define AL_PUMPS_SHORT		(1u << 20)	/* high level, pumps short:
						 * PLC fallback control */
#define AL_COUNT		21

enum core_ev_kind { EV_ALARM_ON, EV_ALARM_OFF, EV_INFO };

struct core_event {
	enum core_ev_kind kind;
	uint32_t	  alarm;	/* AL_* for alarms */
	char		  text[112];
};

#define CORE_MAX_EVENTS	24
#define CORE_RAIN_MIN	61	/* minute buckets kept */

struct core_pump {
	int	cmd;		/* we command it to run */
	int64_t	cmd_ms;		/* when cmd last went to 1 */
	int64_t	off_ms;		/* when it last stopped */
	uint16_t cmd_hb;	/* heartbeat of the block that started it */
	int	seen;		/* the PLC has that block (acked or echoed) */
	int64_t	seen_ms;	/* since when, interlocks clear */
	int	nseen;		/* snapshots since then without RUNNING */
	int	failed;		/* failed to start: retried after
				 * fail_retry_s, at once at high level */
	int64_t	failed_ms;	/* when it last failed */
	int	was_fault;
	int	adopted;	/* found running under a master (a pumpd
				 * before us) with storm mode unknown: runs
				 * down to the storm-lowered stop level */
	int64_t	start_ms[16];	/* our recent starts */
	int	nstarts;
};

struct core_state {
	int	 started;	/* first good snapshot seen (adopted) */
	int64_t	 now_ms;
	uint16_t hb;
	uint32_t alarms;
	double	 level_m;	/* chosen level; < 0 when none */
	uint16_t last_mm[2];
	int64_t	 changed_ms[2];	/* when each transducer last moved */
	int64_t	 last_ms;	/* previous snapshot */
	uint32_t last_tips;
	uint32_t last_uptime;
	double	 rain_mm;	/* cumulative since pumpd started */
	double	 bucket_mm[CORE_RAIN_MIN];
	int64_t	 bucket_min[CORE_RAIN_MIN];
	int	 storm;
	int	 storm_known;	/* storm mode taken from a saved state */
	int64_t	 last_rain_ms;
	int64_t	 last_start_ms;
	int	 local;		/* we hand the station to its PLC */
	int	 lost;		/* running pumps lost to a fault: replace */
	uint16_t ref_mm[2];	/* the other transducer when each last moved */
	int	 frozen[2];	/* judged frozen: rejected until it moves */
	int	 foreign;	/* polls in a row showing another master */
	int	 local_seen;	/* polls in a row LOCAL_CONTROL under REMOTE */
	int	 short_plc;	/* handed over: pumps short at high level */
	int64_t	 short_ms;	/* since when short; INT64_MIN when not */
	struct core_pump pump[PLC_MAX_PUMPS];
};

struct core_out {
	int		 write;		/* write hr to the PLC */
	uint16_t	 hr[PLC_HR_COUNT];
	int		 nevents;
	struct core_event ev[CORE_MAX_EVENTS];
	/* for display */
	double		 level_m;
	double		 rain_mmh5, rain_mmh15, rain_mmh60;
	int		 running;
};

/* What of a station's state survives a restart of pumpd: alarms standing,
 * storm mode and the rain behind it, and the recent starts of each pump
 * (for starts per hour and minimum off time).  What runs is never taken
 * from here: it is adopted from the PLC. */
struct core_persist {
	char	 id[CFG_ID_MAX];
	int64_t	 saved_ms;
	uint32_t alarms;
	int	 storm;
	int64_t	 last_rain_ms;
	double	 rain_mm;
	double	 bucket_mm[CORE_RAIN_MIN];
	int64_t	 bucket_min[CORE_RAIN_MIN];
	struct {
		int64_t	start_ms[16];
		int	nstarts;
		int64_t	off_ms;
	} pump[PLC_MAX_PUMPS];
};

/* Copy what survives a restart out of s, at now_ms. */
void	core_export(const struct core_state *s, const char *id, int64_t now_ms,
	    struct core_persist *out);

/* Take a saved state back into a fresh s, if it is from the past and no
 * older than max_age_ms at now_ms; 0 when taken, -1 when not. */
int	core_import(struct core_state *s, const struct core_persist *in,
	    int64_t now_ms, int64_t max_age_ms);

/* A fresh state for a station. */
void	core_init(struct core_state *s);

/*
 * One cycle at now_ms.  snap is NULL when there is no fresh data (comms says
 * why).  Fills out; out->write says whether to write out->hr.
 */
void	core_step(struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, const struct core_snap *snap,
	    enum core_comms comms, const struct core_input *in, int64_t now_ms,
	    struct core_out *out);

/*
 * The hand-over at a stop of pumpd: fill out with the command block that
 * hands the station to its PLC's own control (mode LOCAL, the fallback
 * set-points in force, storm-lowered in storm mode); pumps that run keep
 * running (the PLC's take-over is bumpless).  out->write is 0 where nothing
 * may be written (never controlled, REMOTE off, another master).
 */
void	core_handover(struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, struct core_out *out);

/*
 * An operator clears a latched alarm (AL_SECOND_MASTER): pumpd writes to the
 * station again from the next cycle.  0, or -1 when alarm is not latched.
 */
int	core_clear(struct core_state *s, uint32_t alarm);

/* The set-points in force, in m: storm mode lowers the stormwater stop
 * level and every start level by storm_drawdown_m (sewage keeps its stop
 * level); stop < start[0] <= ... <= all always holds.  all is the level at
 * which pumpd runs every pump (the last start), written as fb_all. */
struct core_levels {
	double	stop;
	double	start[PLC_MAX_PUMPS];
	double	all;
};
void	core_levels(const struct core_state *s, const struct cfg_station *cfg,
	    const struct cfg_control *p, struct core_levels *lv);

/* Rain intensity (mm/h) over the last minutes (1..60) at now_ms. */
double	core_rain_mmh(const struct core_state *s, int minutes, int64_t now_ms);

/* Name of an alarm bit. */
const char *core_alarm_name(uint32_t alarm);

#endif
