/*
 * Alarm management after ISA-18.2, pure: no I/O, no clock (the time comes
 * in), no globals.  The alarm table (alarm_kinds.h, with the
 * configuration's overrides) gives each kind a priority, an on-delay, an
 * off-delay and whether it is consequential to a loss of comms; the
 * analogue limits (high level, time to flood, outfall) have deadbands.
 * An instance is a station, a kind and a pump (0 for the station); its
 * state is NORMAL, UNACK (active, unacknowledged), ACKED (active,
 * acknowledged) or RTN_UNACK (returned, unacknowledged), seen through two
 * overlays: SHELVED by an operator until an expiry (the true state goes
 * on underneath and shows again at expiry) and SUPPRESSED while the
 * station's comms are down (a consequential alarm says nothing new: the
 * one "station comms lost" alarm stands for them).  While hidden, a raise
 * leaves the alarm UNACK and a return leaves it NORMAL: nobody saw it.
 *
 * Alarm ids are stable without a counter: (station index + 1) * 1000 +
 * kind * 10 + pump, the station index being its place in the
 * configuration (so "1052" is the first station's high-high, "3201" the
 * third station's pump 1 fault).  The state file keys instances by
 * station id, kind key and pump instead, so a reordered configuration
 * keeps them.
 *
 * alarm_sense turns the core's state and the last observation into
 * conditions; alarm_step applies the delays, deadbands, overlays and
 * expiries and returns the changes as events.  Loop thread.
 */
#ifndef ALARM_H
#define ALARM_H

#include <stdint.h>

#include "alarm_kinds.h"
#include "cfg.h"
#include "core.h"
#include "obs.h"

enum alarm_prio { ALARM_CRITICAL, ALARM_HIGH, ALARM_MEDIUM, ALARM_LOW };

/* The state an instance shows; the last two are overlays. */
enum alarm_state { ALARM_NORMAL, ALARM_UNACK, ALARM_ACKED, ALARM_RTN_UNACK,
	ALARM_SHELVED, ALARM_SUPPRESSED };

#define ALARM_PUMP_KINDS	3	/* the per-pump kinds, last in the list */
#define ALARM_FIRST_PUMP	(ALARM_NKINDS - ALARM_PUMP_KINDS)
#define ALARM_NSLOTS	(ALARM_FIRST_PUMP + ALARM_PUMP_KINDS * OBS_MAX_PUMPS)
#define ALARM_REASON_MAX	64
#define ALARM_MAX_SHELVE_S	(24 * 3600)	/* a shelf never lasts longer */

/* One kind as configured. */
struct alarm_rule {
	enum alarm_prio	prio;
	int64_t		on_ms;		/* the condition holds this long */
	int64_t		off_ms;		/* and is gone this long */
	int		consequential;	/* suppressed while comms are down */
};

/* The table: every kind's rule and the analogue limits' settings. */
struct alarm_table {
	struct alarm_rule rule[ALARM_NKINDS];
	double	ttf_s;			/* time to flood below this: alarm */
	double	ttf_deadband_s;		/* returns above ttf_s plus this */
	double	level_deadband_m;	/* high level returns this far below */
	double	outfall_deadband_m;	/* outfall returns this far below */
};

/* One instance. */
struct alarm_inst {
	uint8_t	 state;		/* ALARM_NORMAL..ALARM_RTN_UNACK */
	uint8_t	 cond;		/* the condition as last judged */
	uint8_t	 active;	/* raised: held for the on-delay */
	uint8_t	 suppressed;
	int64_t	 cond_ms;	/* when cond last changed */
	int64_t	 since_ms;	/* when the shown state began */
	int64_t	 raised_ms;	/* when it was last raised (to UNACK);
				 * 0 never */
	int64_t	 shelf_ms;	/* shelved until (wall clock); 0 not */
	char	 shelf_why[ALARM_REASON_MAX];
};

/* A station's alarms. */
struct alarm_station {
	int	 index;		/* in the configuration, for ids */
	int	 npumps;
	struct alarm_inst in[ALARM_NSLOTS];
};

/* The conditions of one cycle: digital ones by slot, analogue values. */
struct alarm_input {
	uint8_t	 on[ALARM_NSLOTS];	/* 1: the condition holds */
	enum core_comms comms;
	int	 has_level;
	double	 level_m, high_alarm_m;
	int	 has_ttf;		/* the level rises: ttf_s is known */
	double	 ttf_s;
	double	 ttf_arm_m;		/* time to flood is judged from this
					 * level up (the duty start): below
					 * it a well filling towards its
					 * first start is no alarm */
	int	 has_outfall;		/* a valid outfall level */
	double	 outfall_m, outfall_warn_m;
};

/* A change of the state an instance shows. */
struct alarm_event {
	int		 id;
	enum alarm_kind	 kind;
	int		 pump;		/* 1-based; 0 the station */
	enum alarm_state state;		/* shown now */
	enum alarm_state was;		/* shown before */
	enum alarm_prio	 prio;
	int		 by_operator;	/* ack, shelve, unshelve */
};

/* An instance as listed. */
struct alarm_row {
	int		 id;
	enum alarm_kind	 kind;
	int		 pump;
	enum alarm_state state;		/* shown */
	enum alarm_prio	 prio;
	int64_t		 since_ms;	/* raised: an ack or a shelf keeps it */
	int64_t		 state_ms;	/* when the shown state began */
	int64_t		 shelf_ms;	/* SHELVED: until */
	const char	*shelf_why;
};

/* What survives a restart of an instance: acknowledged, shelved. */
struct alarm_saved {
	enum alarm_kind	 kind;
	int		 pump;
	int		 acked;		/* ACKED when it stood */
	int64_t		 shelf_ms;	/* 0 not shelved */
	char		 why[ALARM_REASON_MAX];
};

/* The table from the kinds' defaults and the configuration's overrides. */
void	alarm_table_init(struct alarm_table *t, const struct cfg_alarms *c);

/* A fresh station: index in the configuration, npumps pumps. */
void	alarm_init(struct alarm_station *a, int index, int npumps);

/* The conditions at now_ms from the core's state, the station's
 * configuration and its last observation (NULL: none yet); the
 * analogue values are the caller's (level, time to flood, outfall). */
void	alarm_sense(struct alarm_input *in, const struct core_state *core,
	    const struct cfg_station *cfg, const struct cfg_control *p,
	    const struct obs *o, enum core_comms comms, int64_t now_ms);

/* One cycle at now_ms: delays, deadbands, suppression, shelf expiry.
 * The changes go to ev (at most max; the rest are lost, counted in the
 * return value, which is how many changes there were). */
int	alarm_step(struct alarm_station *a, const struct alarm_table *t,
	    const struct alarm_input *in, int64_t now_ms,
	    struct alarm_event *ev, int max);

/* Acknowledge instance id at now_ms: 0 with *ev, or -1 with *why. */
int	alarm_ack(struct alarm_station *a, const struct alarm_table *t,
	    int id, int64_t now_ms, struct alarm_event *ev, const char **why);

/* Acknowledge every instance shown UNACK or RTN_UNACK; returns how many
 * changes went to ev (at most max). */
int	alarm_ack_all(struct alarm_station *a, const struct alarm_table *t,
	    int64_t now_ms, struct alarm_event *ev, int max);

/* Shelve instance id until until_ms (after now_ms, at most
 * ALARM_MAX_SHELVE_S away) with a reason (required): 0 with *ev, or -1
 * with *why. */
int	alarm_shelve(struct alarm_station *a, const struct alarm_table *t,
	    int id, int64_t until_ms, const char *reason, int64_t now_ms,
	    struct alarm_event *ev, const char **why);

/* Take instance id off the shelf: 0 with *ev, or -1 with *why. */
int	alarm_unshelve(struct alarm_station *a, const struct alarm_table *t,
	    int id, int64_t now_ms, struct alarm_event *ev, const char **why);

/* The instances not NORMAL into rows (at most max); all 0 leaves out
 * SHELVED and SUPPRESSED ones.  Returns how many were written. */
int	alarm_list(const struct alarm_station *a, const struct alarm_table *t,
	    int all, struct alarm_row *rows, int max);

/* The station index of an id, or -1 when it cannot be one. */
int	alarm_id_station(int id);

/* The instances whose acknowledgement or shelf must outlive pumpd
 * (at most max); returns how many. */
int	alarm_export(const struct alarm_station *a, struct alarm_saved *out,
	    int max);

/* Take saved instances back into a fresh station at now_ms: an
 * acknowledged one stands ACKED until its condition is judged gone (raised
 * at now_ms: the state file keeps no raise time); a shelf that has expired
 * is dropped. */
void	alarm_import(struct alarm_station *a, const struct alarm_saved *in,
	    int n, int64_t now_ms);

/* Names: a kind's key ("high_level") and text ("high level"), a
 * priority, a state ("UNACK"...); a kind by its key, or -1. */
const char *alarm_kind_key(enum alarm_kind k);
const char *alarm_kind_text(enum alarm_kind k);
const char *alarm_prio_name(enum alarm_prio p);
const char *alarm_state_name(enum alarm_state s);
int	alarm_kind_parse(const char *key);

#endif
