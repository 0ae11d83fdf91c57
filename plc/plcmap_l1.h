/*
 * The legacy station PLC register map L1 (../shared/plc-legacy.md) in C:
 * addresses, the identity, the raw 4-20 mA scaling and the CDAB word order.
 * plcsim and pumpd's L1 codec both use it, so the two cannot drift apart.
 * All addresses are 0-based protocol addresses.  32-bit values take two
 * registers, LOW word first (CDAB); floats are IEEE-754 single precision.
 */
#ifndef PLCMAP_L1_H
#define PLCMAP_L1_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define L1_UNIT			1
#define L1_MAX_PUMPS		4

/* Function 17 (Report Server ID): server id, run indicator, then text. */
#define L1_SERVER_ID		0x4C
#define L1_RUN_INDICATOR	0xFF
#define L1_IDENT		"JNPS-L1"	/* then a firmware revision */

/* Discrete inputs (function 02), 0..23. */
#define L1_DI_COUNT		24
#define L1_DI_AUTO		0
#define L1_DI_REMOTE		1	/* 0: every write gets exception 4 */
#define L1_DI_MAINS_OK		2
#define L1_DI_HIGH_HIGH		3
#define L1_DI_LOW_LOW		4
#define L1_DI_ESTOP		5
#define L1_DI_PUMP_BASE		8
#define L1_DI_RUNNING(k)	(8 + 4 * (k))
#define L1_DI_FAULT(k)		(9 + 4 * (k))
#define L1_DI_AVAILABLE(k)	(10 + 4 * (k))
#define L1_DI_INHIBITED(k)	(11 + 4 * (k))

/* Input registers (function 04), 0..27. */
#define L1_IR_COUNT		28
#define L1_IR_LEVEL_RAW		0
#define L1_IR_OUTFALL_RAW	1
#define L1_IR_RAIN_TIPS		2	/* uint32 CDAB, wraps, 0 after restart */
#define L1_IR_CURRENT(k)	(4 + 2 * (k))	/* float32 CDAB, A */
#define L1_IR_RUN_HOURS(k)	(12 + 2 * (k))	/* uint32 CDAB */
#define L1_IR_STARTS(k)		(20 + 2 * (k))	/* uint32 CDAB */

/* Coils (functions 01, 05, 15), 0..11. */
#define L1_COIL_COUNT		12
#define L1_COIL_REMOTE_SP	0	/* 1: holding registers in force */
#define L1_COIL_ALARM_RESET	1	/* write 1 to reset; reads 0 */
#define L1_COIL_RESERVED_LO	2	/* 2..7: 0; writing 1: exception 3 */
#define L1_COIL_RESERVED_HI	7
#define L1_COIL_INHIBIT(k)	(8 + (k))

/* Holding registers (functions 03, 16), 0..7: float32 CDAB, metres. */
#define L1_HR_COUNT		8
#define L1_HR_START		0
#define L1_HR_STOP		2
#define L1_HR_ASSIST_STEP	4
#define L1_HR_ALL_ON		6
#define L1_SP_MAX_M		20.0f

/* Raw 4-20 mA counts: 0 is the transducer's zero, 27648 zero + span. */
#define L1_RAW_SPAN		27648
#define L1_RAW_OVER_MAX		32511	/* 27649..32511 over range, valid */
#define L1_RAW_WIRE_BREAK	32767	/* wire break or transducer fault */
#define L1_RAW_UNDER_MIN	(-4864)	/* as int16, below: under range */

#define L1_START_SPACING_S	5	/* the PLC starts one pump every 5 s */

/* A 32-bit value from two registers, low word first (CDAB). */
static inline uint32_t
l1_u32(const uint16_t *r)
{
	return ((uint32_t)r[1] << 16) | r[0];
}

/* Store a 32-bit value into two registers, low word first. */
static inline void
l1_put_u32(uint16_t *r, uint32_t v)
{
	r[0] = (uint16_t)(v & 0xFFFF);
	r[1] = (uint16_t)(v >> 16);
}

/* A float from two registers, low word first. */
static inline float
l1_f32(const uint16_t *r)
{
	uint32_t	u = l1_u32(r);
	float		f;

	memcpy(&f, &u, sizeof f);
	return f;
}

/* Store a float into two registers, low word first. */
static inline void
l1_put_f32(uint16_t *r, float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof u);
	l1_put_u32(r, u);
}

/* Whether a raw level count is a valid reading (not wire break, not
 * under range, not beyond the over range). */
static inline int
l1_raw_valid(uint16_t raw)
{
	int16_t	v = (int16_t)raw;

	return v >= L1_RAW_UNDER_MIN && v <= L1_RAW_OVER_MAX;
}

/* The metres a valid raw count stands for, given the transducer's zero and
 * span in metres. */
static inline double
l1_raw_m(uint16_t raw, double zero_m, double span_m)
{
	return zero_m + span_m * (int16_t)raw / (double)L1_RAW_SPAN;
}

/* The raw count a level in metres gives, clamped to the valid range (a
 * transducer saturates; it does not wrap). */
static inline uint16_t
l1_m_raw(double m, double zero_m, double span_m)
{
	double	c = floor((m - zero_m) / span_m * L1_RAW_SPAN + 0.5);

	if (c > L1_RAW_OVER_MAX)
		c = L1_RAW_OVER_MAX;
	if (c < L1_RAW_UNDER_MIN)
		c = L1_RAW_UNDER_MIN;
	return (uint16_t)(int16_t)c;
}

#endif
