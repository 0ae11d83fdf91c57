/*
 * The metrics schema: what pumpd writes to InfluxDB, one function per
 * measurement, encoding into a line protocol buffer.  This file and the
 * README's table are the contract the dashboards rely on: fields are added,
 * never renamed or retyped.  Pure: no I/O.  Loop thread.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stdint.h>

#include "cfg.h"
#include "core.h"
#include "lp.h"
#include "mbtcp.h"

/* A station as one cycle of the core left it. */
struct sch_station {
	const struct cfg_station *cfg;
	const struct core_state	 *core;
	const struct core_out	 *out;
	const struct obs	 *obs;	/* NULL: no fresh data */
	enum core_comms		  comms;
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

/* The "pumpd" point. */
void	sch_self(struct lp_buf *b, const struct sch_self *s, int64_t ms);

/* The station's mode: 0 PLC fallback (its own control), 1 REMOTE, 2
 * watching only, 3 SUPERVISED (an L1 PLC on the centre's set-points). */
int	sch_mode(const struct core_state *core);

#endif
