/*
 * The alarm kinds, as one list that the alarm module (alarm.c) and the
 * configuration loader (cfg.c, shared with plcsim, which links no alarm
 * code) both expand: ALARM_KINDS(X) calls X(NAME, key, text, priority,
 * on_delay_s, off_delay_s, consequential, per_pump) once per kind, in
 * the order of their numbers, which are part of the alarm ids (alarm.h)
 * and must never be reordered: new kinds go at the end, below 100.
 * key is the configuration's and the state file's name; text is what
 * operators read.  Plain macros: no code, any thread.
 */
#ifndef ALARM_KINDS_H
#define ALARM_KINDS_H

/* ISA-18.2 priorities, most urgent first (they sort that way). */
#define ALARM_PRIO_NAMES { "critical", "high", "medium", "low" }
#define ALARM_NPRIO	4

#define ALARM_KINDS(X)							\
	X(COMMS_DOWN, "comms_down", "station comms lost", 1, 0, 0, 0, 0)	\
	X(COMMS_STALE, "comms_stale", "comms stale", 3, 0, 0, 1, 0)	\
	X(HIGH_LEVEL, "high_level", "high level", 1, 5, 30, 1, 0)	\
	X(HIGH_HIGH, "high_high", "high-high level", 0, 0, 10, 1, 0)	\
	X(LOW_LOW, "low_low", "low-low float (dry run)", 1, 0, 10, 1, 0) \
	X(LEVEL_FAULT, "level_fault", "level sensor fault", 1, 5, 10, 1, 0) \
	X(LEVEL_DISAGREE, "level_disagree", "level sensors disagree",	\
	    2, 10, 10, 1, 0)						\
	X(PLC_RESTART, "plc_restart", "PLC restarted", 2, 0, 0, 1, 0)	\
	X(WATCHDOG, "watchdog", "PLC watchdog expired", 1, 0, 0, 1, 0)	\
	X(ESTOP, "estop", "emergency stop", 0, 0, 0, 1, 0)		\
	X(REMOTE_OFF, "remote_off", "REMOTE switch off", 2, 0, 0, 1, 0)	\
	X(OUTFALL, "outfall_high", "outfall above warning level",	\
	    2, 10, 30, 1, 0)						\
	X(MAINS, "mains_failure", "mains failure", 0, 2, 10, 1, 0)	\
	X(DOOR, "door_open", "door open", 3, 5, 5, 1, 0)		\
	X(SECOND_MASTER, "another_master", "another master writes the PLC", \
	    1, 0, 0, 1, 0)						\
	X(TTF, "time_to_flood", "time to flood below threshold",	\
	    0, 30, 60, 1, 0)						\
	X(LIMIT_OVERRIDDEN, "limit_overridden",				\
	    "flood risk overrides the discharge limit", 1, 0, 0, 1, 0)	\
	X(LOCAL_CONTROL, "local_control", "PLC runs its own control",	\
	    2, 5, 0, 1, 0)						\
	X(PUMPS_SHORT, "pumps_short",					\
	    "high level with pumps short: PLC fallback", 1, 0, 0, 1, 0)	\
	X(MANUAL_OVERRIDDEN, "manual_overridden",			\
	    "flood risk overrides a manual stop", 2, 0, 0, 1, 0)	\
	X(PUMP_FAULT, "pump_fault", "pump fault", 1, 0, 0, 1, 1)	\
	X(FAIL_TO_START, "fail_to_start", "pump failed to start",	\
	    1, 0, 0, 1, 1)						\
	X(STARTS_HOUR, "starts_per_hour", "pump over its starts per hour", \
	    3, 0, 0, 1, 1)

#define ALARM_ENUM_(n, k, t, pr, on, off, c, pp) ALARM_##n,
enum alarm_kind { ALARM_KINDS(ALARM_ENUM_) ALARM_NKINDS };
#undef ALARM_ENUM_

#endif
