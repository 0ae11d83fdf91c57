/*
 * The station PLC register map, version 1 (../shared/plc-interface.md).
 *
 * This header is the whole contract in C: addresses, bit numbers, limits.
 * pumpd and plcsim both use it, so the two cannot drift apart.  All addresses
 * are 0-based protocol addresses.  32-bit values take two registers, high
 * word first.
 */
#ifndef PLCMAP_H
#define PLCMAP_H

#include <stdint.h>

#define PLC_MAP_VERSION		1
#define PLC_NO_VALUE		0xFFFFu	/* "no valid value" in a measurement */

/* Input registers (function 04), read as one block. */
#define PLC_IR_COUNT		80
#define PLC_IR_MAP_VERSION	0
#define PLC_IR_STATUS		1
#define PLC_IR_LEVEL_A		2	/* mm above the wet-well floor */
#define PLC_IR_LEVEL_B		3	/* mm above the wet-well floor */
#define PLC_IR_RAIN_TIPS	4	/* uint32, wraps, 0 after PLC restart */
#define PLC_IR_OUTFALL		6	/* mm above the wet-well floor */
#define PLC_IR_HB_ECHO		7
#define PLC_IR_UPTIME		8	/* uint32 seconds */
#define PLC_IR_PUMP_COUNT	10
#define PLC_IR_PUMP_BASE	16
#define PLC_IR_PUMP_STRIDE	8
#define PLC_IR_PUMP(k)		(PLC_IR_PUMP_BASE + PLC_IR_PUMP_STRIDE * (k))

/* station_status bits */
#define PLC_ST_REMOTE		(1u << 0)
#define PLC_ST_LOCAL_CONTROL	(1u << 1)
#define PLC_ST_WATCHDOG		(1u << 2)
#define PLC_ST_MAINS_OK		(1u << 3)
#define PLC_ST_HIGH_HIGH	(1u << 4)
#define PLC_ST_LOW_LOW		(1u << 5)
#define PLC_ST_DOOR_OPEN	(1u << 6)
#define PLC_ST_ESTOP		(1u << 7)

/* Offsets inside a pump block. */
#define PLC_PU_STATUS		0
#define PLC_PU_CURRENT		1	/* 0.1 A */
#define PLC_PU_SPEED		2	/* 0.1 %, 0..1000 */
#define PLC_PU_RUN_TIME		3	/* uint32 seconds */
#define PLC_PU_STARTS		5	/* uint32 */

/* pump_status bits */
#define PLC_PU_RUNNING		(1u << 0)
#define PLC_PU_FAULT		(1u << 1)
#define PLC_PU_AVAILABLE	(1u << 2)
#define PLC_PU_OVERTEMP		(1u << 3)
#define PLC_PU_SEAL_LEAK	(1u << 4)
#define PLC_PU_HAS_VFD		(1u << 5)

/* Holding registers (functions 03 and 16), written as one block. */
#define PLC_HR_COUNT		16
#define PLC_HR_HEARTBEAT	0
#define PLC_HR_MODE		1	/* 0 LOCAL, 1 REMOTE */
#define PLC_HR_PUMP_CMD		2	/* bit k: run pump k */
#define PLC_HR_RESERVED		3
#define PLC_HR_WATCHDOG		4	/* seconds, 2..600 */
#define PLC_HR_FB_START		5	/* mm */
#define PLC_HR_FB_STOP		6	/* mm */
#define PLC_HR_FB_ALL		7	/* mm */
#define PLC_HR_SPEED_SP(k)	(8 + (k))	/* 0.1 % */

#define PLC_MODE_LOCAL		0
#define PLC_MODE_REMOTE		1

#define PLC_MAX_PUMPS		8
#define PLC_WATCHDOG_MIN_S	2
#define PLC_WATCHDOG_MAX_S	600
#define PLC_WATCHDOG_DEF_S	10
#define PLC_SETPOINT_MAX_MM	20000
#define PLC_SPEED_MAX		1000
#define PLC_START_SPACING_S	3	/* at most one pump start every 3 s */

/* A 32-bit value from two registers, high word first. */
static inline uint32_t
plc_u32(const uint16_t *r)
{
	return ((uint32_t)r[0] << 16) | r[1];
}

/* Store a 32-bit value into two registers, high word first. */
static inline void
plc_put_u32(uint16_t *r, uint32_t v)
{
	r[0] = (uint16_t)(v >> 16);
	r[1] = (uint16_t)(v & 0xFFFF);
}

#endif
