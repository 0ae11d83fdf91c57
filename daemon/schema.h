/*
 * The metrics schema: what pumpd writes to InfluxDB, one function per
 * measurement, encoding into a line protocol buffer.  This file and the
 * README's table are the contract the dashboards rely on: fields are added,
 * never renamed or retyped.  Pure: no I/O.  Loop thread.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stdint.h>

#include "alarm.h"
#include "cfg.h"
#include "core.h"
#include "lp.h"
#include "mbtcp.h"
#include "view.h"

/* A station as one cycle of the core left it: its view and, when the
 * cycle had fresh data, the observation behind it. */
struct sch_station {
	const struct station_view *view;
	const struct obs	  *obs;	/* NULL: no fresh data */
};

/* pumpd's own health. */
struct sch_self {
	int		nrtt;		/* poll latencies measured */
	double		poll_p50_ms, poll_p99_ms;
	unsigned long	overruns;
	double		max_lag_ms;
	int		ok, stale, down;	/* stations by comms */
	unsigned long	replies_rejected, poll_failures;
	uint64_t	points_sent, points_spooled, points_dropped;
	uint64_t	points_rejected, spool_bytes;
	double		write_ms;
	unsigned long	causes[MBTCP_NCAUSES];	/* failed requests by cause */
	int		ncmd;		/* commands acknowledged */
	double		cmd_age_p99_ms, cmd_age_max_ms;
	unsigned long	state_save_failures;	/* state file writes failed */
};

/* The "station" point and, with fresh data, one "pump" point per pump. */
void	sch_station(struct lp_buf *b, const struct sch_station *s,
	    int64_t ms);

/* One "event" point for each event of the cycle (ms, ms + 1, ...). */
void	sch_events(struct lp_buf *b, const char *station,
	    const struct core_out *out, int64_t ms);

/* One "event" point of type "alarm_state" for an alarm's change e at
 * station, tagged with its id: fields alarm (its key), pump, priority,
 * state, was, text and, for an operator's change, operator. */
void	sch_alarm(struct lp_buf *b, const char *station,
	    const struct alarm_event *e, const char *text, const char *user,
	    int64_t ms);

/* One "event" point of type "audit" for a changing command: fields user,
 * uid, cmd, args (as one JSON array), result and error (when any). */
void	sch_audit(struct lp_buf *b, const char *user, long uid,
	    const char *cmd, const char *args, const char *result,
	    const char *error, int64_t ms);

/* The "pumpd" point. */
void	sch_self(struct lp_buf *b, const struct sch_self *s, int64_t ms);

#endif
