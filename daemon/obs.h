/*
 * What the core sees of a station and what it asks of it, in engineering
 * units and intent, whatever the PLC's register map: struct obs is one poll
 * of one station, decoded and checked by the station's codec (plc/codec.h)
 * on its PLC worker; struct intent is what the core wants written, which
 * the codec turns into the writes its map allows.  Nothing here knows a
 * register address.  Plain data: any thread, handed over by copy.
 */
#ifndef OBS_H
#define OBS_H

#include <stdint.h>

#define OBS_MAX_PUMPS	8	/* pumps at a station, any map */
#define OBS_MAX_LEVELS	2	/* wet-well level transducers, any map */

/*
 * How a station may be controlled.  DIRECT (map v1): the centre runs each
 * pump itself and leaves the PLC fallback set-points for when it stops.
 * SUPERVISORY (map L1): the PLC always runs its own level control; the
 * centre writes its start/stop/assist/all-on levels and pump inhibits.
 */
enum obs_control { OBS_DIRECT, OBS_SUPERVISORY };

/* One pump as observed. */
struct obs_pump {
#define OBS_PU_RUNNING	0x01	/* contactor feedback */
#define OBS_PU_FAULT	0x02	/* tripped */
#define OBS_PU_AVAILABLE 0x04	/* panel in AUTO and healthy (an inhibit
				 * of ours not counted) */
#define OBS_PU_INHIBITED 0x08	/* L1: the PLC holds our inhibit */
#define OBS_PU_OVERTEMP	0x10	/* v1 only */
#define OBS_PU_SEAL_LEAK 0x20	/* v1 only */
#define OBS_PU_VFD	0x40	/* has a variable-speed drive (v1 only) */
	unsigned	flags;
	double		current_a;	/* motor current, A; < 0 when absent */
	double		speed_pct;	/* speed feedback, 0..100 %; < 0 when the
					 * map has none (L1) */
	uint32_t	run_s;		/* total running time, s (L1: its run
					 * hours times 3600) */
	uint32_t	starts;		/* total starts */
};

/*
 * One poll of one station, decoded and checked: every value here passed
 * the codec's plausibility checks (a reply that fails one gives no obs at
 * all).  A measurement that the PLC reports as invalid (v1 0xFFFF, L1 wire
 * break or under range) is present with its _ok flag 0.
 */
struct obs {
	enum obs_control control;	/* the codec's kind */
	int		nlevels;	/* transducers: v1 2 (A, B), L1 1 */
	double		level_m[OBS_MAX_LEVELS];	/* m above the wet-well
							 * floor */
	int		level_ok[OBS_MAX_LEVELS];	/* 0: no valid value */
	double		outfall_m;	/* receiving water, m above the
					 * wet-well floor */
	int		outfall_ok;	/* 0: none or no valid value */
	uint32_t	rain_tips;	/* rain-gauge tip counter, wraps; its
					 * depth per tip is configuration */
	/*
	 * The PLC restarted since the previous poll the codec decoded for
	 * this station (v1: its uptime dropped; L1: the tips dropped to 0
	 * and REMOTE_SETPOINTS or an inhibit we had set is found cleared).
	 * 0 on the first poll after pumpd starts: nothing to compare with.
	 */
	int		restarted;

	/* Station flags, in plain words. */
#define OBS_ST_REMOTE		0x001	/* the selector allows the centre to
					 * write (v1 REMOTE, L1 REMOTE) */
#define OBS_ST_OWN_CONTROL	0x002	/* the PLC runs its own level control
					 * (v1 LOCAL_CONTROL; L1 AUTO) */
#define OBS_ST_WATCHDOG		0x004	/* v1: the PLC's watchdog expired */
#define OBS_ST_MAINS_OK		0x008	/* station power healthy */
#define OBS_ST_HIGH_HIGH	0x010	/* high-high float */
#define OBS_ST_LOW_LOW		0x020	/* dry-run float */
#define OBS_ST_DOOR_OPEN	0x040	/* v1: door / intrusion contact */
#define OBS_ST_ESTOP		0x080	/* emergency stop pressed */
#define OBS_ST_AUTO		0x100	/* L1: panel selector in AUTO */
#define OBS_ST_REMOTE_SP	0x200	/* L1: the PLC uses the centre's
					 * set-points (REMOTE_SETPOINTS) */
	unsigned	flags;

	int		npumps;		/* pumps installed, 1..OBS_MAX_PUMPS */
	struct obs_pump	pump[OBS_MAX_PUMPS];

	/*
	 * Command feedback.  acked: the worker wrote an intent on this
	 * connection and the PLC acknowledged every request of it before
	 * this poll's reads; then acked_seq is that intent's seq and
	 * acked_remote its remote.  echo_ok: the PLC's program reports the
	 * seq of the last intent it saw (v1: heartbeat_echo, nonzero), in
	 * echo_seq; L1 has none.
	 */
	int		acked;
	uint16_t	acked_seq;
	int		acked_remote;
	int		echo_ok;
	uint16_t	echo_seq;
	/*
	 * What the PLC holds, read back in this poll, differs from what the
	 * acknowledged intent wrote, with no restart between: somebody else
	 * writes this PLC.  Only when acked; the core keeps the two-poll
	 * latch and the policy.
	 */
	int		foreign;
};

/*
 * What the core wants written to a station.  Levels in m above the
 * wet-well floor; a codec clamps them to its map's range.
 */
struct intent {
	int		write;		/* 0: write nothing this cycle */
	uint16_t	seq;		/* counts up, wrapping, one per intent
					 * written (v1: the heartbeat) */
	/*
	 * 1: the centre controls (v1 mode REMOTE; L1 REMOTE_SETPOINTS on).
	 * 0: handed back (v1 mode LOCAL with the fallback set-points; L1
	 * REMOTE_SETPOINTS off, the panel set-points in force).
	 */
	int		remote;
	enum obs_control control;	/* which part below applies */

	/* DIRECT (v1) */
	unsigned	run_mask;	/* bit k: run pump k (0 unless remote) */
	double		speed_pct[OBS_MAX_PUMPS];	/* set-points, 0..100 */
	int		watchdog_s;	/* the PLC's heartbeat timeout */
	double		fb_start_m;	/* fallback: lead pump on */
	double		fb_stop_m;	/* fallback: all off */
	double		fb_all_m;	/* fallback: every pump on */

	/* SUPERVISORY (L1); the set-points matter only while remote */
	double		start_m;	/* lead pump starts at or above */
	double		stop_m;		/* every pump stops at or below */
	double		assist_step_m;	/* each further pump this far above
					 * the previous start */
	double		all_on_m;	/* every available pump runs */
	unsigned	inhibit_mask;	/* bit k: the PLC may not run pump k */
	int		alarm_reset;	/* one shot: reset latched faults */
};

#endif
