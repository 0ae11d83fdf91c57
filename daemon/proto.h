/*
 * The control protocol between pumpd and pumpctl, shared by both: one JSON
 * object per line each way (jansson).  A request is
 *   { "v": 1, "cmd": "status", "args": [ "..." ] }
 * and a reply
 *   { "v": 1, "status": "ok" | "error" | "refused" | "version",
 *     "error": "why" (not with ok), "data": { ... } }.
 * The status becomes pumpctl's exit code.  This module only parses and
 * builds lines and the argument values both sides check (warning names,
 * limits); it holds no state and does no I/O.  Any thread.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>

#define PROTO_VERSION	1
#define PROTO_MAX_LINE	4096	/* a request line, without its newline */
#define PROTO_MAX_ARGS	8
#define PROTO_MAX_ARG	128	/* bytes of one argument, with its NUL */
#define PROTO_MAX_CMD	32

/* pumpctl's exit codes, one per reply status and for its own failures. */
#define PROTO_EXIT_OK		0
#define PROTO_EXIT_ERROR	1	/* the request was wrong (unknown
					 * station, bad value...) */
#define PROTO_EXIT_USAGE	2	/* pumpctl's own command line */
#define PROTO_EXIT_REFUSED	3	/* not allowed for this user */
#define PROTO_EXIT_UNREACHABLE	4	/* no pumpd on the socket */
#define PROTO_EXIT_VERSION	5	/* protocol version mismatch */

struct proto_req {
	int	version;
	char	cmd[PROTO_MAX_CMD];
	int	argc;
	char	argv[PROTO_MAX_ARGS][PROTO_MAX_ARG];
};

/*
 * Parse one request line of len bytes (no newline needed; NULs refused):
 * 0 with *r filled; -1 with *cause (static text) when it is malformed or
 * oversized; -2 when it parses but names another protocol version
 * (r->version holds it).
 */
int	proto_parse(const char *line, size_t len, struct proto_req *r,
	    const char **cause);

/* A request line for cmd and its argc arguments, with its newline;
 * malloc'd, NULL when out of memory. */
char	*proto_request(const char *cmd, int argc, char *const argv[]);

/* A reply line with status ("ok", "error", "refused", "version"), error
 * (NULL with ok) and data (stolen; may be NULL), with its newline;
 * malloc'd, NULL when out of memory. */
char	*proto_reply(const char *status, const char *error, void *data);

/* The exit code of a reply status; PROTO_EXIT_ERROR for an unknown one. */
int	proto_exit_code(const char *status);

/* The CMA warning named s ("none", "blue", ... "red"): 0..4, or -1. */
int	proto_warning_parse(const char *s);

/* The name of warning w (0..4), "?" otherwise. */
const char *proto_warning_name(int w);

/* A discharge limit: "none" is -1, else a pump count 0..16; 0 with *lim,
 * or -1 when s is neither. */
int	proto_limit_parse(const char *s, int *lim);

#define PROTO_FOREVER	(-1)	/* a duration asked for as "forever" */
#define PROTO_MAX_DURATION_S (30 * 86400)	/* the longest one */

/* A duration "30s", "15m", "2h" (1..PROTO_MAX_DURATION_S seconds) or
 * "forever" (PROTO_FOREVER): 0 with *secs, or -1. */
int	proto_duration_parse(const char *s, long *secs);

/* A pump number as operators count, 1..16: 0 with *pump, or -1. */
int	proto_pump_parse(const char *s, int *pump);

/* An alarm id (alarm.h: station * 1000 + kind * 10 + pump), 1000 to
 * 99999999 in decimal digits: 0 with *id, or -1. */
int	proto_alarm_id_parse(const char *s, int *id);

/* The options of events in argv[0..argc-1]: --station ID,
 * --alarms-only, --limit N (1..PROTO_MAX_EVENTS), each at most once: 0
 * with *station (NULL: every station), *alarms_only and *limit
 * (PROTO_EVENTS_DEFAULT when absent), or -1 with *cause (static). */
#define PROTO_MAX_EVENTS	1000
#define PROTO_EVENTS_DEFAULT	50
int	proto_events_opts(int argc, const char *const argv[],
	    const char **station, int *alarms_only, int *limit,
	    const char **cause);

/* What log --since takes, for the messages about it. */
#define PROTO_SINCE_HELP	"expected UTC as 2026-11-29T08:00:00Z or a " \
				"prefix of it"

/* Whether s may be the TIME of log --since: a prefix of an ISO-8601 UTC
 * time, "2026-11-29T08:00", at least the year. */
int	proto_since_ok(const char *s);

/* Whether s may be an operator's reason: no control characters. */
int	proto_reason_ok(const char *s);

/* The options --for DURATION and --reason TEXT in argv[0..argc-1], each at
 * most once: 0 with *secs (0 when absent) and *reason (NULL when absent),
 * or -1 with *cause (static text). */
int	proto_opts(int argc, const char *const argv[], long *secs,
	    const char **reason, const char **cause);

#endif
