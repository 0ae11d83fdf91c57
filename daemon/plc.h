/*
 * PLC workers: one thread per station PLC owns its libmodbus context and
 * nothing else.  It connects (with capped exponential backoff and jitter),
 * reads the input block every poll period, writes the command block when the
 * loop hands it one, and posts each result into a one-slot mailbox, waking
 * the event loop through a shared eventfd.  Any error closes the connection
 * so that a late reply is never taken for the current request.
 */
#ifndef PLC_H
#define PLC_H

#include <pthread.h>
#include <stdint.h>

#include <modbus.h>

#include "cfg.h"
#include "core.h"
#include "plcmap.h"

struct plc_result {
	int		ok;		/* ir holds a fresh read */
	char		err[128];	/* why not */
	uint16_t	ir[PLC_IR_COUNT];
	double		rtt_ms;		/* how long the read took */
};

struct plc_dev {
	const struct cfg_station *cfg;
	int		 notify_fd;
	double		 poll_s;	/* real seconds between reads */
	double		 timeout_s;	/* response timeout, real seconds */

	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;		/* guarded by mu */
	int		 have_cmd;	/* guarded by mu */
	uint16_t	 cmd[PLC_HR_COUNT];
	int		 have_res;	/* guarded by mu */
	int		 acked;		/* guarded by mu */
	uint16_t	 acked_hr[PLC_HR_COUNT];	/* guarded by mu */
	struct plc_result res;

	/* worker thread only */
	modbus_t	*ctx;
	double		 backoff_s;
	unsigned	 seed;
	double		 rtt_ms;	/* last read's round trip */
};

/* Start the worker for station cfg; results wake notify_fd. */
int	plc_start(struct plc_dev *d, const struct cfg_station *cfg,
	    int notify_fd, double poll_s, double timeout_s);

/* Ask the worker to stop, without waiting for it (plc_stop waits). */
void	plc_halt(struct plc_dev *d);

/* Stop the worker and free its context: it ends within one response
 * timeout (the request in progress, if any). */
void	plc_stop(struct plc_dev *d);

/* Hand the worker a command block to write (replaces an unwritten one). */
void	plc_command(struct plc_dev *d, const uint16_t *hr);

/* The heartbeat of the last command block the PLC acknowledged; 0 when
 * none was written on this connection, else 1 with *hb. */
int	plc_acked(struct plc_dev *d, uint16_t *hb);

/* Take the latest result; 0 when there was none since the last call. */
int	plc_take(struct plc_dev *d, struct plc_result *r);

/*
 * Check and decode an input block against the map and the station's
 * configuration: map version 1, pump count, values in range.  0 when good,
 * else -1 with the reason in cause (len bytes).
 */
int	plc_decode(const struct cfg_station *cfg, const uint16_t *ir,
	    struct core_snap *snap, char *cause, int len);

#endif
