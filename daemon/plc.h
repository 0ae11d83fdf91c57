/*
 * PLC workers: one thread per station PLC owns its libmodbus context and
 * nothing else.  It connects (with capped exponential backoff and jitter),
 * reads the input block and reads back the holding registers every poll
 * period, writes the command block as soon as the loop hands it one (never
 * more than one request outstanding), and posts each poll's result into a
 * one-slot mailbox, waking the event loop through a shared eventfd.
 *
 * libmodbus only connects: the worker sends its own requests on the socket
 * and takes a reply only when mbtcp_check finds it whole and right, read
 * under one deadline for the whole reply (the response timeout).  Any error
 * closes the connection so that a late reply is never taken for the current
 * request; a request never takes longer than the response timeout, so
 * plc_stop returns within about one response timeout.
 */
#ifndef PLC_H
#define PLC_H

#include <pthread.h>
#include <stdint.h>

#include <modbus.h>

#include "cfg.h"
#include "core.h"
#include "mbtcp.h"
#include "plcmap.h"

#define PLC_AGES	64	/* command ages kept between two takes */

struct plc_result {
	int		 ok;		/* ir and hr hold a fresh poll */
	enum mbtcp_cause cause;		/* why not */
	char		 err[128];	/* why not, in words (only when !ok) */
	uint16_t	 ir[PLC_IR_COUNT];
	uint16_t	 hr[PLC_HR_COUNT];	/* read back after ir (fn 03) */
	int		 acked;		/* acked_hr was acknowledged before ir
					 * was read, on this connection */
	uint16_t	 acked_hr[PLC_HR_COUNT];
	double		 rtt_ms;	/* how long the poll's two reads took */
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
	double		 cmd_t;		/* when cmd came; guarded by mu */
	double		 ages_ms[PLC_AGES];	/* guarded by mu */
	int		 nages;		/* acknowledged since the last take */
	double		 age_max_ms;	/* guarded by mu */
	struct plc_result res;

	/* worker thread only */
	modbus_t	*ctx;
	double		 backoff_s;
	unsigned	 seed;
	uint16_t	 tid;		/* the last transaction id used */
	double		 next_poll;	/* monotonic seconds */
	struct plc_result work;		/* the poll being made */
};

/* Start the worker for station cfg; results wake notify_fd.  A request
 * gets timeout_s for its whole reply. */
int	plc_start(struct plc_dev *d, const struct cfg_station *cfg,
	    int notify_fd, double poll_s, double timeout_s);

/* Ask the worker to stop, without waiting for it (plc_stop waits). */
void	plc_halt(struct plc_dev *d);

/* Stop the worker and free its context: it ends within one response
 * timeout (the request in progress, if any). */
void	plc_stop(struct plc_dev *d);

/* Hand the worker a command block to write at once (replaces an unwritten
 * one). */
void	plc_command(struct plc_dev *d, const uint16_t *hr);

/* The heartbeat of the last command block the PLC acknowledged; 0 when
 * none was written on this connection, else 1 with *hb. */
int	plc_acked(struct plc_dev *d, uint16_t *hb);

/* Take the latest result; 0 when there was none since the last call. */
int	plc_take(struct plc_dev *d, struct plc_result *r);

/*
 * Take the ages of the commands the PLC acknowledged since the last call,
 * in ms from plc_command to the acknowledgement: up to PLC_AGES of them in
 * ages (the latest), *max_ms the largest of all.  Returns how many were
 * acknowledged.
 */
int	plc_take_ages(struct plc_dev *d, double *ages, double *max_ms);

/*
 * Check and decode a poll's input block against the map and the station's
 * configuration (map version 1, pump count, values in range) into snap,
 * with the command block acknowledged before it and the holding registers
 * read back after it.  0 when good, else -1 with the reason in cause (len
 * bytes).
 */
int	plc_decode(const struct cfg_station *cfg, const struct plc_result *r,
	    struct core_snap *snap, char *cause, int len);

#endif
