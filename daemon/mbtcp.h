/*
 * Modbus TCP frames, built and checked by pumpd itself: libmodbus 3.1.6 does
 * not check a reply's unit id or MBAP length and leaves trailing bytes to be
 * taken as the next reply, so the PLC workers send these requests on the
 * socket and accept a reply only when mbtcp_check finds nothing wrong with
 * it.  Pure: no I/O, no clock, no globals; any thread.
 *
 * A frame (ADU) is the 7-byte MBAP header (transaction id, protocol id 0,
 * length of what follows it counting the unit id, unit id) and the PDU
 * (function code and data), big-endian throughout.  The functions are
 * those the station maps use: 01 and 02 (bits, packed eight to a byte, the
 * first in the lowest bit, the padding 0), 03 and 04 (registers), 05 (one
 * coil, written as 0xFF00 or 0x0000 and echoed whole), 15 and 16 (bits and
 * registers, the address and count echoed) and 17 (report server id, a
 * reply of any length its byte count gives).  Values travel one per
 * uint16_t whatever the function: a register, a bit as 0 or 1, a byte.
 */
#ifndef MBTCP_H
#define MBTCP_H

#include <stddef.h>
#include <stdint.h>

#define MBTCP_HDR	7	/* MBAP header with the unit id */
#define MBTCP_MAX_ADU	260
#define MBTCP_MAX_READ	125	/* registers in one read */
#define MBTCP_MAX_WRITE	123	/* registers in one write */
#define MBTCP_MAX_BITS	248	/* bits in one read or write: ours, the
				 * protocol allows more */
#define MBTCP_MAX_VALUES 251	/* values in a reply: function 17's bytes */

#define MBTCP_FC_READ_COILS	0x01
#define MBTCP_FC_READ_DISCRETE	0x02
#define MBTCP_FC_READ_HOLDING	0x03
#define MBTCP_FC_READ_INPUT	0x04
#define MBTCP_FC_WRITE_COIL	0x05
#define MBTCP_FC_WRITE_COILS	0x0F
#define MBTCP_FC_WRITE_MULTIPLE	0x10
#define MBTCP_FC_REPORT_ID	0x11

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
	uint16_t	n;	/* registers or bits (1 for 05, 0 for 17) */
	uint16_t	coil;	/* the value function 05 writes, 0 or 1 */
};

/* A checked reply. */
struct mbtcp_reply {
	enum mbtcp_cause cause;
	uint8_t		 exception;	/* the code, for MBTCP_E_EXCEPTION */
	uint16_t	 n;		/* values in regs (0 for a write) */
	uint16_t	 regs[MBTCP_MAX_VALUES]; /* a read's registers, bits
					 * (0 or 1) or function 17's bytes */
	char		 why[96];	/* the cause in words, with values */
};

/* Build q's request (a read, a write of regs: registers, or bits that
 * are 0 or 1, or 05's write of q->coil) into buf (MBTCP_MAX_ADU bytes); returns its length, 0 when q
 * cannot be encoded (a function not listed above, a count out of range, a
 * bit not 0 or 1). */
size_t	mbtcp_request(const struct mbtcp_req *q, const uint16_t *regs,
	    uint8_t *buf);

/* The size of q's good reply, whole frame; 0 for function 17, whose
 * reply has the length its byte count gives. */
size_t	mbtcp_reply_len(const struct mbtcp_req *q);

/*
 * Check a reply's 7-byte header against q: transaction id, protocol id,
 * length (the good reply's, one function 17 may have, or an exception's)
 * and unit id.  0 with *rest,
 * the bytes still to read, else -1 with r->cause and r->why.
 */
int	mbtcp_check_head(const struct mbtcp_req *q, const uint8_t *hdr,
	    size_t *rest, struct mbtcp_reply *r);

/*
 * Check a whole reply of len bytes against q: the header as above, then the
 * function code, the byte count (reads, 17) or the echoed address and
 * count or coil value (writes), bits that are 0 beyond the count, and
 * nothing after the frame.  0 with a read's values in r->regs (r->n of
 * them), else -1 with r->cause (MBTCP_E_EXCEPTION with r->exception for
 * an exception reply) and r->why.
 */
int	mbtcp_check(const struct mbtcp_req *q, const uint8_t *adu, size_t len,
	    struct mbtcp_reply *r);

/* A short name of a cause, for logs and metric fields ("unit", ...). */
const char *mbtcp_cause_name(enum mbtcp_cause c);

#endif
