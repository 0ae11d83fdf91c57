/*
 * pumpctl: the operators' tool.  It sends one request to pumpd's control
 * socket (proto.h), waits for the reply and prints it for a person, or as
 * JSON with --json.  Its own checks only shape messages: pumpd checks
 * every request again, and the permissions.  Exit codes: 0 done, 1 pumpd
 * said the request was wrong, 2 bad usage, 3 refused, 4 pumpd
 * unreachable, 5 protocol version mismatch.  One thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "proto.h"
#include "watch.h"

#ifndef PUMPD_VERSION
#define PUMPD_VERSION	"unknown"	/* the Makefile passes it */
#endif

#define REPLY_MAX	(4 * 1024 * 1024)
#define WAIT_MS		10000
#define WIDTH		80

/* One command as pumpctl knows it: its usage and help. */
struct pc_cmd {
	const char	*name;
	const char	*usage;
	const char	*help;
	int		 min_args, max_args;
	void		(*print)(json_t *data);
};

static void	print_status(json_t *);
static void	print_show(json_t *);
static void	print_alarms(json_t *);
static void	print_district(json_t *);
static void	print_log(json_t *);
static void	print_overrides(json_t *);
static void	print_changed(json_t *);
static void	print_events(json_t *);
static const char *fmt_clock(json_t *, char *, size_t);

static const struct pc_cmd pc_cmds[] = {
	{ "status", "status", "every station, the nearest to flooding first",
	    0, 0, print_status },
	{ "show", "show STATION", "one station, its pumps, its overrides, "
	    "its last events",
	    1, 1, print_show },
	{ "alarms", "alarms [--all]", "the standing alarms, most urgent "
	    "first (--all: shelved and suppressed ones too)", 0, 1,
	    print_alarms },
	{ "ack", "ack ID|all", "acknowledge an alarm (ID from alarms), or "
	    "every unacknowledged one", 1, 1, print_changed },
	{ "shelve", "shelve ID --for DURATION --reason TEXT",
	    "hide an alarm until DURATION (at most 24h) has passed", 1, 5,
	    print_changed },
	{ "unshelve", "unshelve ID", "show a shelved alarm again", 1, 1,
	    print_changed },
	{ "events", "events [--station ID] [--alarms-only] [--limit N]",
	    "the last events, oldest first (--alarms-only: the alarms' "
	    "changes, no pump starts or stops)", 0, 5, print_events },
	{ "warning", "warning none|blue|yellow|orange|red",
	    "set the CMA rainstorm warning for the district (storm mode)",
	    1, 1, print_district },
	{ "limit", "limit STATION|all PUMPS|none",
	    "set a discharge limit: at most PUMPS pumps at the station",
	    2, 2, print_district },
	{ "log", "log [--since TIME]",
	    "the audit trail (TIME: UTC, 2026-11-29T08:00:00Z or a prefix)",
	    0, 2, print_log },
	{ "pump", "pump STATION PUMP run|stop|auto [--for DURATION] "
	    "[--reason TEXT]", "run or stop a pump (1-based) by hand, or "
	    "give it back; DURATION 30s, 15m, 2h or forever, default the "
	    "configured one", 3, 7, print_overrides },
	{ "station", "station STATION auto|local [--for DURATION]",
	    "hand a station to its PLC's own control, or take it back",
	    2, 4, print_overrides },
	{ "lockout", "lockout STATION PUMP --reason TEXT",
	    "take a pump out of service for maintenance (until unlock)",
	    2, 4, print_overrides },
	{ "unlock", "unlock STATION PUMP", "put a locked-out pump back in "
	    "service", 2, 2, print_overrides },
	{ "overrides", "overrides [STATION]",
	    "the overrides and lock-outs in force, with their expiry",
	    0, 1, print_overrides },
};
#define PC_NCMDS	(sizeof pc_cmds / sizeof pc_cmds[0])

/* Print the usage and exit with status. */
static void
usage(int status)
{
	FILE	*f = status ? stderr : stdout;
	size_t	 i;

	fprintf(f, "usage: pumpctl [-S SOCKET] COMMAND [--json] [--help] "
	    "[ARGS]\n  -S, --socket PATH  pumpd's control socket (default "
	    "/run/pumpd/ctl.sock)\n      --version      print the version "
	    "and exit\ncommands:\n");
	for (i = 0; i < PC_NCMDS; i++)
		fprintf(f, "  %-38s %s\n", pc_cmds[i].usage, pc_cmds[i].help);
	fprintf(f, "  %-38s %s\n", "watch [--interval S] [--count N]",
	    "the live status, alarms on top (q or Ctrl-C quits)");
	fprintf(f, "exit codes: 0 ok, 1 request wrong, 2 usage, 3 refused, "
	    "4 pumpd unreachable, 5 version mismatch\n");
	exit(status);
}

/* Connect to path: the descriptor, or -1 with a message printed. */
static int
pc_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "pumpctl: %s: socket path too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "pumpctl: cannot reach pumpd at %s: %s\n",
		    path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Write all of s to fd; 0 or -1. */
static int
pc_send(int fd, const char *s)
{
	size_t	len = strlen(s), off = 0;
	ssize_t	n;

	while (off < len) {
		if ((n = write(fd, s + off, len - off)) == -1 &&
		    errno != EINTR)
			return -1;
		off += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

/* Read one reply line from fd (malloc'd), NULL with a message. */
static char *
pc_recv(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*buf = malloc(REPLY_MAX + 1), *nl;
	size_t		 len = 0;
	ssize_t		 n;

	while (buf != NULL && len < REPLY_MAX) {
		if (poll(&pfd, 1, WAIT_MS) <= 0)
			break;
		if ((n = read(fd, buf + len, REPLY_MAX - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	fprintf(stderr, "pumpctl: pumpd sent no complete reply\n");
	free(buf);
	return NULL;
}

/* The string member k of o, "" when absent or not a string. */
static const char *
pc_str(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* The whole-number member k of o, 0 when absent. */
static long long
pc_int(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The number member k of o, 0 when absent. */
static double
pc_num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* One status line of station o with its overrides (from the array ovr),
 * in the columns of watch at 80: at most WIDTH columns, no trailing
 * blank. */
static void
status_line(json_t *o, json_t *ovr)
{
	char	al[512], ov[256], line[1024];
	size_t	len;

	watch_fmt_station(o, line, sizeof line);
	watch_fmt_overrides(ovr, pc_str(o, "id"), 1, ov, sizeof ov);
	len = strlen(line);
	if (*ov != '\0' && len + 1 < WIDTH)
		len += (size_t)snprintf(line + len, sizeof line - len, " %.*s",
		    (int)(WIDTH - len - 1), ov);
	if (len + 1 < WIDTH) {
		watch_fit_alarms(json_object_get(o, "alarms"),
		    (int)(WIDTH - len - 1), al, sizeof al);
		if (*al != '\0')
			snprintf(line + len, sizeof line - len, " %s", al);
	}
	len = strlen(line);
	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	printf("%s\n", line);
}

/* status: the district's inputs, then one line per station. */
static void
print_status(json_t *d)
{
	json_t	*st = json_object_get(d, "stations");
	size_t	 i;

	printf("warning %s, limits at %zu; %zu stations, nearest to flooding "
	    "first\n", pc_str(d, "warning"), json_object_size(
	    json_object_get(d, "limits")), json_array_size(st));
	printf("%-16s %5s %5s %5s %5s %5s %c %-5s %-10s %s\n", "STATION",
	    "LEVEL", "FLOOD", "TTF", "RAIN", "PUMPS", 'S', "COMMS", "MODE",
	    "[OVR] ALARMS");
	for (i = 0; i < json_array_size(st); i++)
		status_line(json_array_get(st, i), json_object_get(d,
		    "overrides"));
}

/* show: the estimator's confidence and trend, drawdown, feed-forward
 * and the share of a reach or plant (issue 11), when pumpd sends them. */
static void
print_control(json_t *c)
{
	if (!json_is_object(c))
		return;
	printf("estimate confidence %.2f, inflow trend %+.4f m3/s per s; "
	    "drawdown %s; feed-forward %lld pumps", pc_num(c, "inflow_conf"),
	    pc_num(c, "inflow_trend_m3s2"), json_is_true(json_object_get(c,
	    "drawdown")) ? "on" : "off", pc_int(c, "ff_pumps"));
	if (pc_int(c, "coord_limit") >= 0)
		printf("; share of its reach or plant %lld pumps",
		    pc_int(c, "coord_limit"));
	printf("\n");
}

/* show: the station's line, its pumps, its overrides, its last events. */
static void
print_show(json_t *d)
{
	json_t	*a = json_object_get(d, "pump_list"), *e;
	char	 t[32];
	size_t	 i;

	printf("%s (%s), %s, map %s: high alarm %.2f m, high-high %.2f m, "
	    "flood %.2f m\n", pc_str(d, "id"), pc_str(d, "name"), pc_str(d,
	    "kind"), pc_str(d, "map"), pc_num(d, "high_alarm_m"), pc_num(d,
	    "highhigh_m"), pc_num(d, "flood_m"));
	status_line(d, json_object_get(d, "overrides"));
	if (pc_int(d, "limit_pumps") >= 0)
		printf("discharge limit: %lld pumps at most\n",
		    pc_int(d, "limit_pumps"));
	if (json_is_number(json_object_get(d, "inflow_m3s")))
		printf("inflow %.2f m3/s\n", pc_num(d, "inflow_m3s"));
	print_control(json_object_get(d, "control"));
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		printf("pump %lld: %-8s %.2f m3/s", pc_int(e, "pump"),
		    pc_str(e, "state"), pc_num(e, "capacity_m3s"));
		if (json_is_number(json_object_get(e, "flow_est_m3s")))
			printf(" (estimated %.2f m3/s)", pc_num(e,
			    "flow_est_m3s"));
		printf("\n");
	}
	if (json_array_size(json_object_get(d, "overrides")) > 0) {
		printf("overrides in force:\n");
		print_overrides(d);
	}
	a = json_object_get(d, "events");
	printf("last %zu events:\n", json_array_size(a));
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		printf("  %s %-5s %s", fmt_clock(json_object_get(e, "ms"), t,
		    sizeof t), pc_str(e, "kind"), pc_str(e, "text"));
		if (json_is_integer(json_object_get(e, "id")))
			printf(": alarm %lld %s (%s)", pc_int(e, "id"),
			    pc_str(e, "state"), pc_str(e, "priority"));
		printf("\n");
	}
}

/* UTC text of ms since the epoch. */
static const char *
fmt_ms(json_t *ms, char *buf, size_t n)
{
	time_t		t = (time_t)(json_integer_value(ms) / 1000);
	struct tm	tm;

	if (!json_is_integer(ms))
		return "before the recent events";
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* The UTC time of day of ms since the epoch, "08:15:02Z". */
static const char *
fmt_clock(json_t *ms, char *buf, size_t n)
{
	time_t		t = (time_t)(json_integer_value(ms) / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%H:%M:%SZ", &tm);
	return buf;
}

/* alarms: one line each, most urgent first; unacknowledged ones show
 * UNACK or RTN_UNACK in their state column. */
static void
print_alarms(json_t *d)
{
	json_t	*a = json_object_get(d, "alarms"), *e;
	char	 t[32], u[32];
	size_t	 i;

	if (json_array_size(a) == 0) {
		printf("no alarms standing\n");
		return;
	}
	printf("%-6s %-8s %-10s %-16s %-9s %s\n", "ID", "PRIORITY", "STATE",
	    "STATION", "SINCE", "ALARM");
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		printf("%-6lld %-8s %-10s %-16.16s %-9s %s", pc_int(e, "id"),
		    pc_str(e, "priority"), pc_str(e, "state"), pc_str(e,
		    "station"), fmt_clock(json_object_get(e, "since_ms"), t,
		    sizeof t), pc_str(e, "text"));
		if (json_is_integer(json_object_get(e, "shelved_until_ms")))
			printf(" until %s: %s", fmt_clock(json_object_get(e,
			    "shelved_until_ms"), u, sizeof u), pc_str(e,
			    "reason"));
		printf("\n");
	}
}

/* ack, shelve, unshelve: what changed. */
static void
print_changed(json_t *d)
{
	json_t	*a = json_object_get(d, "changed"), *e;
	size_t	 i;

	if (json_array_size(a) == 0)
		printf("nothing to acknowledge\n");
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		printf("alarm %lld at %s: %s (was %s)\n", pc_int(e, "id"),
		    pc_str(e, "station"), pc_str(e, "state"), pc_str(e, "was"));
	}
}

/* events: one line each, oldest first. */
static void
print_events(json_t *d)
{
	json_t	*a = json_object_get(d, "events"), *e;
	char	 t[32];
	size_t	 i;

	if (json_array_size(a) == 0)
		printf("no events\n");
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		printf("%s %-16.16s ", fmt_clock(json_object_get(e, "ms"), t,
		    sizeof t), pc_str(e, "station"));
		if (json_is_integer(json_object_get(e, "id")))
			printf("alarm %lld %s: %s (%s)\n", pc_int(e, "id"),
			    pc_str(e, "text"), pc_str(e, "state"), pc_str(e,
			    "priority"));
		else
			printf("%s\n", pc_str(e, "text"));
	}
}

/* warning, limit: the district's inputs now. */
static void
print_district(json_t *d)
{
	const char	*id;
	json_t		*v, *lim = json_object_get(d, "limits");

	printf("warning %s, ", pc_str(d, "warning"));
	if (json_object_size(lim) == 0)
		printf("no discharge limit\n");
	else {
		printf("discharge limits (pumps at most):");
		json_object_foreach(lim, id, v)
			printf(" %s %lld", id, json_integer_value(v));
		printf("\n");
	}
}

/* log: one line per audit entry. */
static void
print_log(json_t *d)
{
	json_t	*a = json_object_get(d, "entries"), *e;
	char	*args;
	size_t	 i;

	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		args = json_dumps(json_object_get(e, "args"), JSON_COMPACT);
		printf("%s %s(%lld) %s %s: %s%s%s\n", pc_str(e, "time"),
		    pc_str(e, "user"), pc_int(e, "uid"), pc_str(e, "cmd"),
		    args ? args : "[]", pc_str(e, "result"),
		    json_is_string(json_object_get(e, "error")) ? ": " : "",
		    pc_str(e, "error"));
		free(args);
	}
}

/* overrides and the changing commands: one line per override. */
static void
print_overrides(json_t *d)
{
	json_t	*a = json_object_get(d, "overrides"), *e;
	char	 t[32];
	size_t	 i;

	if (json_array_size(a) == 0)
		printf("no overrides in force\n");
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		printf("%-16s ", pc_str(e, "station"));
		if (pc_int(e, "pump") > 0)
			printf("pump %-2lld ", pc_int(e, "pump"));
		else
			printf("station ");
		printf("%-8s ", pc_str(e, "kind"));
		if (json_is_integer(json_object_get(e, "until_ms")))
			printf("until %s (%llds left)", fmt_ms(json_object_get(
			    e, "until_ms"), t, sizeof t), pc_int(e, "left_s"));
		else
			printf("no expiry");
		printf("%s%s\n", *pc_str(e, "reason") ? ": " : "", pc_str(e,
		    "reason"));
	}
}

/* Exit 2 with the message "pumpctl CMD: why \"arg\"" (arg may be NULL). */
static void
pc_bad(const struct pc_cmd *c, const char *why, const char *arg)
{
	fprintf(stderr, "pumpctl %s: %s%s%s%s\nusage: pumpctl %s\n",
	    c->name, why, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "",
	    c->usage);
	exit(PROTO_EXIT_USAGE);
}

/* The value cause (from proto_opts) is about: the --for value, NULL for
 * a reason (its control characters are not echoed), the last argument
 * for an option without its value, else the first option that is
 * unknown or repeated. */
static const char *
opt_value(int argc, char **argv, int skip, const char *cause)
{
	const char	*opt = strncmp(cause, "bad duration", 12) == 0 ? "--for" :
			    NULL;
	int		 i, nfor = 0, nreason = 0;

	if (strncmp(cause, "bad reason", 10) == 0)
		return NULL;
	if (strncmp(cause, "an option without", 17) == 0)
		return argc > skip ? argv[argc - 1] : NULL;
	for (i = skip; opt != NULL && i + 1 < argc; i++)
		if (strcmp(argv[i], opt) == 0)
			return argv[i + 1];
	for (i = skip; i < argc; i += 2)
		if ((strcmp(argv[i], "--for") == 0 ? ++nfor :
		    strcmp(argv[i], "--reason") == 0 ? ++nreason : 2) > 1)
			return argv[i];
	return argc > skip ? argv[skip] : NULL;
}

/* The override commands' own checks: pump number, verb, options. */
static void
pc_check_override(const struct pc_cmd *c, int argc, char **argv)
{
	const char	*reason, *cause;
	long		 secs;
	int		 pump, skip = 1;

	if (strcmp(c->name, "overrides") == 0)
		return;
	if (strcmp(c->name, "station") != 0) {
		if (proto_pump_parse(argv[1], &pump) == -1)
			pc_bad(c, "bad pump number (1-based, 1..16)", argv[1]);
		skip = 2;
	}
	if (strcmp(c->name, "pump") == 0) {
		if (strcmp(argv[2], "run") && strcmp(argv[2], "stop") &&
		    strcmp(argv[2], "auto"))
			pc_bad(c, "bad pump command (run, stop or auto)",
			    argv[2]);
		skip = 3;
	}
	if (strcmp(c->name, "station") == 0 && strcmp(argv[1], "auto") &&
	    strcmp(argv[1], "local"))
		pc_bad(c, "bad station command (auto or local)", argv[1]);
	if (strcmp(c->name, "station") == 0)	/* STATION auto|local */
		skip = 2;
	if (proto_opts(argc - skip, (const char *const *)argv + skip, &secs,
	    &reason, &cause) == -1)
		pc_bad(c, cause, opt_value(argc, argv, skip, cause));
	if (strcmp(c->name, "pump") == 0 && strcmp(argv[2], "auto") == 0 &&
	    (secs != 0 || reason != NULL))
		pc_bad(c, "pump ... auto takes no --for or --reason", NULL);
	if (strcmp(c->name, "lockout") == 0 && (reason == NULL ||
	    *reason == '\0'))
		pc_bad(c, "a lock-out needs --reason TEXT", NULL);
}

/* The alarm commands' own checks: the id, the options. */
static void
pc_check_alarm(const struct pc_cmd *c, int argc, char **argv)
{
	const char	*reason, *cause, *sid;
	long		 secs;
	int		 id, only, lim;

	if (strcmp(c->name, "alarms") == 0 && argc == 1 &&
	    strcmp(argv[0], "--all") != 0)
		pc_bad(c, "unknown option", argv[0]);
	if (strcmp(c->name, "events") == 0 && proto_events_opts(argc,
	    (const char *const *)argv, &sid, &only, &lim, &cause) == -1)
		pc_bad(c, cause, NULL);
	if (strcmp(c->name, "ack") == 0 && strcmp(argv[0], "all") == 0)
		return;
	if (c->print == print_changed &&
	    proto_alarm_id_parse(argv[0], &id) == -1)
		pc_bad(c, "bad alarm id (a number from pumpctl alarms)",
		    argv[0]);
	if (strcmp(c->name, "shelve") != 0)
		return;
	if (proto_opts(argc - 1, (const char *const *)argv + 1, &secs,
	    &reason, &cause) == -1)
		pc_bad(c, cause, opt_value(argc, argv, 1, cause));
	if (secs == 0 || reason == NULL || *reason == '\0')
		pc_bad(c, "a shelf needs --for DURATION and --reason TEXT",
		    NULL);
	if (secs == PROTO_FOREVER || secs > 24 * 3600)
		pc_bad(c, "a shelf lasts at most 24h, never forever", NULL);
}

/* log [--since TIME]: the option and its time. */
static void
pc_check_log(const struct pc_cmd *c, int argc, char **argv)
{
	if (argc == 0)
		return;
	if (strcmp(argv[0], "--since") != 0)
		pc_bad(c, "unknown option", argv[0]);
	if (argc == 1)
		pc_bad(c, "--since without its TIME", NULL);
	if (!proto_since_ok(argv[1]))
		pc_bad(c, "bad time (" PROTO_SINCE_HELP ")", argv[1]);
}

/* Check the arguments pumpctl can judge alone; exits 2 with why. */
static void
pc_check(const struct pc_cmd *c, int argc, char **argv)
{
	int	lim;

	if (argc < c->min_args || argc > c->max_args) {
		fprintf(stderr, "pumpctl %s: wrong number of arguments\n"
		    "usage: pumpctl %s\n", c->name, c->usage);
		exit(PROTO_EXIT_USAGE);
	}
	if (strcmp(c->name, "warning") == 0 &&
	    proto_warning_parse(argv[0]) < 0) {
		fprintf(stderr, "pumpctl warning: bad warning \"%s\": "
		    "expected none, blue, yellow, orange or red\n", argv[0]);
		exit(PROTO_EXIT_USAGE);
	}
	if (strcmp(c->name, "limit") == 0 &&
	    proto_limit_parse(argv[1], &lim) == -1) {
		fprintf(stderr, "pumpctl limit: bad limit \"%s\": expected a "
		    "number of pumps 0..16 or none\n", argv[1]);
		exit(PROTO_EXIT_USAGE);
	}
	if (c->print == print_overrides)
		pc_check_override(c, argc, argv);
	if (c->print == print_log)
		pc_check_log(c, argc, argv);
	pc_check_alarm(c, argc, argv);
}

/* Send the request, print the reply; the exit code. */
static int
pc_run(const char *path, const struct pc_cmd *c, int argc, char **argv,
    int json)
{
	char	*req = proto_request(c->name, argc, argv), *line;
	json_t	*rep;
	int	 fd, rc;

	if (req == NULL || (fd = pc_connect(path)) == -1) {
		free(req);
		return PROTO_EXIT_UNREACHABLE;
	}
	rc = pc_send(fd, req);
	free(req);
	line = rc == 0 ? pc_recv(fd) : NULL;
	close(fd);
	if (line == NULL)
		return PROTO_EXIT_UNREACHABLE;
	rep = json_loads(line, 0, NULL);
	free(line);
	if (!json_is_string(json_object_get(rep, "status"))) {
		fprintf(stderr, "pumpctl: pumpd's reply is not understood\n");
		json_decref(rep);
		return PROTO_EXIT_ERROR;
	}
	rc = proto_exit_code(pc_str(rep, "status"));
	if (json)
		json_dumpf(rep, stdout, JSON_INDENT(2)), putchar('\n');
	else if (rc != PROTO_EXIT_OK)
		fprintf(stderr, "pumpctl %s: %s: %s\n", c->name,
		    pc_str(rep, "status"), pc_str(rep, "error"));
	else
		c->print(json_object_get(rep, "data"));
	json_decref(rep);
	return rc;
}

int
main(int argc, char **argv)
{
	const char		*path = "/run/pumpd/ctl.sock";
	const struct pc_cmd	*c = NULL;
	char			*args[PROTO_MAX_ARGS];
	int			 i, n = 0, json = 0;
	size_t			 k;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-S") == 0 ||
		    strcmp(argv[i], "--socket") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			usage(0);
		else if (strcmp(argv[i], "--version") == 0) {
			printf("pumpctl %s\n", PUMPD_VERSION);
			return PROTO_EXIT_OK;
		} else
			usage(PROTO_EXIT_USAGE);
	}
	if (i >= argc)
		usage(PROTO_EXIT_USAGE);
	if (strcmp(argv[i], "watch") == 0)	/* watch.c */
		return watch_main(path, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "complete") == 0)	/* bash completion's helper */
		return watch_complete(path, argc - i - 1, argv + i + 1);
	for (k = 0; k < PC_NCMDS; k++)
		if (strcmp(pc_cmds[k].name, argv[i]) == 0)
			c = &pc_cmds[k];
	if (c == NULL) {
		fprintf(stderr, "pumpctl: unknown command \"%s\"\n", argv[i]);
		usage(PROTO_EXIT_USAGE);
	}
	for (i++; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("usage: pumpctl %s [--json]\n  %s\n", c->usage,
			    c->help);
			return PROTO_EXIT_OK;
		} else if (n < PROTO_MAX_ARGS)
			args[n++] = argv[i];
		else
			usage(PROTO_EXIT_USAGE);
	}
	pc_check(c, n, args);
	return pc_run(path, c, n, args, json);
}
