/*
 * Modbus TCP frames, built and checked by pumpd itself: libmodbus 3.1.6 does
 * not check a reply's unit id or MBAP length and leaves trailing bytes to be
 * taken as the next reply, so the PLC workers send these requests on the
 * socket and accept a reply only when mbtcp_check finds nothing wrong with
 * it.  Pure: no I/O, no clock, no globals; any thread.
 *
 * A frame (ADU) is the 7-byte MBAP header (transaction id, protocol id 0,
 * length of what follows it counting the unit id, unit id) and the PDU
 * (function code and data), big-endian throughout.
 */
#ifndef MBTCP_H
#define MBTCP_H

#include <stddef.h>
#include <stdint.h>

#define MBTCP_HDR	7	/* MBAP header with the unit id */
#define MBTCP_MAX_ADU	260
#define MBTCP_MAX_READ	125	/* registers in one read */
#define MBTCP_MAX_WRITE	123	/* registers in one write */

#define MBTCP_FC_READ_HOLDING	0x03
#define MBTCP_FC_READ_INPUT	0x04
#define MBTCP_FC_WRITE_MULTIPLE	0x10

/*
 * Why a request failed.  The first group are defects of a reply's frame
 * (mbtcp_check); the rest come from the transport (the workers).
 */
enum mbtcp_cause {
	MBTCP_OK,
	MBTCP_E_TID,		/* transaction id not the request's */
	MBTCP_E_PROTOCOL,	/* protocol id not 0 */
	MBTCP_E_LENGTH,		/* MBAP length not the reply's size */
	MBTCP_E_UNIT,		/* unit id not the configured one */
	MBTCP_E_FUNCTION,	/* function code not the request's */
	MBTCP_E_COUNT,		/* byte count, or a write's echo, wrong */
	MBTCP_E_TRAILING,	/* bytes after the frame */
	MBTCP_E_EXCEPTION,	/* a well-formed exception reply */
	MBTCP_E_TIMEOUT,	/* no whole reply within the deadline */
	MBTCP_E_IO,		/* connect, refused, reset, closed */
	MBTCP_NCAUSES
};

/* What a request expects back. */
struct mbtcp_req {
	uint16_t	tid;
	uint8_t		unit;
	uint8_t		fc;
	uint16_t	addr;
	uint16_t	n;	/* registers */
};

/* A checked reply. */
struct mbtcp_reply {
	enum mbtcp_cause cause;
	uint8_t		 exception;	/* the code, for MBTCP_E_EXCEPTION */
	uint16_t	 regs[MBTCP_MAX_READ];	/* a read's registers */
	char		 why[96];	/* the cause in words, with values */
};

/* Build q's request (a read, or a write of regs) into buf (MBTCP_MAX_ADU
 * bytes); returns its length, 0 when q cannot be encoded. */
size_t	mbtcp_request(const struct mbtcp_req *q, const uint16_t *regs,
	    uint8_t *buf);

/* The size of q's good reply, whole frame. */
size_t	mbtcp_reply_len(const struct mbtcp_req *q);

/*
 * Check a reply's 7-byte header against q: transaction id, protocol id,
 * length (the good reply's or an exception's) and unit id.  0 with *rest,
 * the bytes still to read, else -1 with r->cause and r->why.
 */
int	mbtcp_check_head(const struct mbtcp_req *q, const uint8_t *hdr,
	    size_t *rest, struct mbtcp_reply *r);

/*
 * Check a whole reply of len bytes against q: the header as above, then the
 * function code, the byte count (reads) or the echoed address and count
 * (writes), and nothing after the frame.  0 with a read's registers in
 * r->regs, else -1 with r->cause (MBTCP_E_EXCEPTION with r->exception for
 * an exception reply) and r->why.
 */
int	mbtcp_check(const struct mbtcp_req *q, const uint8_t *adu, size_t len,
	    struct mbtcp_reply *r);

/* A short name of a cause, for logs and metric fields ("unit", ...). */
const char *mbtcp_cause_name(enum mbtcp_cause c);

#endif
