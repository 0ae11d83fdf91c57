/*
 * Station codecs: one per PLC register map, behind one driver table, as
 * chrony's refclock drivers sit behind theirs.  A codec says which requests
 * a poll makes, decodes the replies of one poll into a struct obs (every
 * plausibility check of a reply is its job), and encodes the core's struct
 * intent into the writes its map allows.  Nothing above a codec knows a
 * register address.  Codecs are pure (no I/O, no clock, no globals); the
 * decode and encode run on the station's PLC worker thread, with a
 * per-station struct codec_mem that the worker keeps for them.
 *
 * A request and its reply carry values one per uint16_t whatever the
 * function: registers (03, 04, 06, 16), bits as 0 or 1 (01, 02, 05, 15),
 * bytes (17's reply data after the byte count).
 */
#ifndef CODEC_H
#define CODEC_H

#include <stdint.h>

#include "cfg.h"
#include "obs.h"

#define CODEC_MAX_VALUES	128	/* values in one request or reply
					 * (registers at most 125) */
#define CODEC_MAX_REQS		8	/* requests in one poll */
#define CODEC_MAX_WRITES	4	/* write requests for one intent */

/* Modbus function codes the codecs use. */
#define CODEC_FC_READ_COILS	0x01
#define CODEC_FC_READ_DISCRETE	0x02
#define CODEC_FC_READ_HOLDING	0x03
#define CODEC_FC_READ_INPUT	0x04
#define CODEC_FC_WRITE_COIL	0x05
#define CODEC_FC_WRITE_COILS	0x0F
#define CODEC_FC_WRITE_REGS	0x10
#define CODEC_FC_REPORT_ID	0x11

/* One request: a read of n values at addr, or a write of v[0..n-1]. */
struct codec_req {
	uint8_t		fc;
	uint16_t	addr;		/* 0-based protocol address */
	uint16_t	n;		/* registers, bits (0 for fc 17) */
	uint16_t	v[CODEC_MAX_VALUES];	/* a write's values */
};

/* The reply to one request, as the worker read and framed it. */
struct codec_reply {
	int		ok;		/* 0: an exception reply */
	uint8_t		exception;	/* its code when !ok */
	uint16_t	n;		/* values in v */
	uint16_t	v[CODEC_MAX_VALUES];	/* registers, bits or bytes */
};

/*
 * The intent the PLC acknowledged last on this connection, as written:
 * the worker records it when every request of it was acknowledged and
 * forgets it when the connection closes.  Decode compares it with what the
 * poll reads back (second master) and reports it as obs acked_*.
 */
struct codec_ack {
	int		valid;		/* 0: nothing acknowledged yet */
	uint16_t	seq;
	int		remote;
	int		nreq;
	struct codec_req req[CODEC_MAX_WRITES];
};

/*
 * What a codec keeps about a station between polls (for the restart
 * check), zeroed when the worker starts and kept across reconnects.  The
 * fields are the codec's own: v1 keeps the uptime, L1 the tips.
 */
struct codec_mem {
	int		polled;		/* a poll was decoded before */
	uint32_t	last_u32[4];	/* the codec's own values */
};

struct codec {
	const char	*name;		/* "v1", "L1": plc.map in the config */
	enum obs_control control;
	int		 max_pumps;	/* <= OBS_MAX_PUMPS */

	/*
	 * The request that asks the PLC who it is, at each connect; NULL
	 * when the map has none.  Fills one request, returns 0.
	 */
	int	(*ident_request)(struct codec_req *req);
	/* Whether the reply to it names this map's PLC: 0, or -1 with
	 * *cause (to be freed). */
	int	(*ident_check)(const struct codec_reply *rep, char **cause);

	/* The read requests of one poll, in order, into req (room for
	 * CODEC_MAX_REQS); returns how many. */
	int	(*poll)(const struct cfg_station *cfg, struct codec_req *req);

	/*
	 * Decode the n replies of one poll (rep[i] answers req[i]; the worker
	 * ends a poll at a failed or exception reply, as a transport error,
	 * but a codec checks ok anyway) into o, checking each against the map and the
	 * station's configuration, with ack (the intent acknowledged before
	 * the poll) and mem (updated only on success).  0 when good, else -1
	 * with *cause (to be freed): a reply that fails a check gives no obs.
	 */
	int	(*decode)(const struct cfg_station *cfg, struct codec_mem *mem,
		    const struct codec_req *req, const struct codec_reply *rep,
		    int n, const struct codec_ack *ack, struct obs *o,
		    char **cause);

	/*
	 * The write requests for intent it, in the order to send them, into
	 * w (room for CODEC_MAX_WRITES); returns how many (0 when the map
	 * has nothing to write for it), -1 with *cause when it cannot be
	 * written (a control kind not this map's).
	 */
	int	(*encode)(const struct cfg_station *cfg,
		    const struct intent *it, struct codec_req *w,
		    char **cause);
};

/* Set *cause to the formatted text (NULL when out of memory); returns -1,
 * so that a codec can `return codec_fail(cause, ...)`. */
int	codec_fail(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The codec named name ("v1" for NULL or ""); NULL when there is none. */
const struct codec *codec_find(const char *name);

#endif
