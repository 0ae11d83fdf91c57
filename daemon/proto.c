/*
 * The control protocol: see proto.h.  Parsing checks size and shape
 * before anything looks at the command, so that pumpd dispatches only
 * well-formed requests.  Pure; any thread.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"

static const char *warnings[] = { "none", "blue", "yellow", "orange",
    "red" };

/* Copy string member j into dst of size n; -1 when it is too long. */
static int
copy_str(char *dst, size_t n, json_t *j)
{
	size_t	len = json_string_length(j);

	if (len >= n || strlen(json_string_value(j)) != len)
		return -1;	/* too long, or an embedded NUL */
	memcpy(dst, json_string_value(j), len + 1);
	return 0;
}

/* Fill r's arguments from the array a; -1 with *cause. */
static int
parse_args(json_t *a, struct proto_req *r, const char **cause)
{
	size_t	i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return (*cause = "\"args\" must be an array of strings", -1);
	if (json_array_size(a) > PROTO_MAX_ARGS)
		return (*cause = "too many arguments", -1);
	for (i = 0; i < json_array_size(a); i++) {
		if (!json_is_string(json_array_get(a, i)))
			return (*cause = "every argument must be a string", -1);
		if (copy_str(r->argv[i], PROTO_MAX_ARG,
		    json_array_get(a, i)) == -1)
			return (*cause = "an argument is too long", -1);
	}
	r->argc = (int)i;
	return 0;
}

/* Check and copy the parsed document d into r. */
static int
parse_doc(json_t *d, struct proto_req *r, const char **cause)
{
	json_t	*v = json_object_get(d, "v"), *c = json_object_get(d, "cmd");

	if (!json_is_object(d))
		return (*cause = "a request must be a JSON object", -1);
	if (!json_is_integer(v))
		return (*cause = "no protocol version (\"v\")", -1);
	if (json_integer_value(v) != PROTO_VERSION) {
		r->version = json_integer_value(v) > 1000 ? 1000 :
		    json_integer_value(v) < -1000 ? -1000 :
		    (int)json_integer_value(v);
		*cause = "protocol version mismatch";
		return -2;
	}
	r->version = PROTO_VERSION;
	if (!json_is_string(c))
		return (*cause = "no command (\"cmd\")", -1);
	if (copy_str(r->cmd, sizeof r->cmd, c) == -1)
		return (*cause = "the command name is too long", -1);
	return parse_args(json_object_get(d, "args"), r, cause);
}

int
proto_parse(const char *line, size_t len, struct proto_req *r,
    const char **cause)
{
	json_error_t	 e;
	json_t		*d;
	int		 rc;

	memset(r, 0, sizeof *r);
	if (len > PROTO_MAX_LINE)
		return (*cause = "request too long", -1);
	if (memchr(line, '\0', len) != NULL)
		return (*cause = "a NUL byte in the request", -1);
	d = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	if (d == NULL)
		return (*cause = "malformed JSON", -1);
	rc = parse_doc(d, r, cause);
	json_decref(d);
	return rc;
}

/* Dump o as one line with its newline (o is released). */
static char *
dump_line(json_t *o)
{
	char	*s, *line;
	size_t	 n;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((line = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

char *
proto_request(const char *cmd, int argc, char *const argv[])
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < argc && a != NULL; i++)
		json_array_append_new(a, json_string(argv[i]));
	return dump_line(json_pack("{s:i, s:s, s:o*}", "v", PROTO_VERSION,
	    "cmd", cmd, "args", a));
}

char *
proto_reply(const char *status, const char *error, void *data)
{
	json_t	*o = json_pack("{s:i, s:s}", "v", PROTO_VERSION, "status",
	    status);

	if (o == NULL) {
		json_decref(data);
		return NULL;
	}
	if (error != NULL)
		json_object_set_new(o, "error", json_string(error));
	if (data != NULL)
		json_object_set_new(o, "data", data);
	return dump_line(o);
}

int
proto_exit_code(const char *status)
{
	if (strcmp(status, "ok") == 0)
		return PROTO_EXIT_OK;
	if (strcmp(status, "refused") == 0)
		return PROTO_EXIT_REFUSED;
	if (strcmp(status, "version") == 0)
		return PROTO_EXIT_VERSION;
	return PROTO_EXIT_ERROR;
}

int
proto_warning_parse(const char *s)
{
	int	i;

	for (i = 0; i < 5; i++)
		if (strcmp(s, warnings[i]) == 0)
			return i;
	return -1;
}

const char *
proto_warning_name(int w)
{
	return w >= 0 && w < 5 ? warnings[w] : "?";
}

int
proto_limit_parse(const char *s, int *lim)
{
	char	*end;
	long	 v;

	if (strcmp(s, "none") == 0)
		return (*lim = -1, 0);
	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v > 16)
		return -1;
	*lim = (int)v;
	return 0;
}

int
proto_duration_parse(const char *s, long *secs)
{
	char	*end;
	long	 v, unit;

	if (strcmp(s, "forever") == 0)
		return (*secs = PROTO_FOREVER, 0);
	if (*s < '0' || *s > '9' || strlen(s) > 9)
		return -1;
	v = strtol(s, &end, 10);
	if (strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else
		return -1;
	if (v < 1 || v > PROTO_MAX_DURATION_S / unit)
		return -1;
	*secs = v * unit;
	return 0;
}

int
proto_pump_parse(const char *s, int *pump)
{
	if (*s < '1' || *s > '9' || strlen(s) > 2 ||
	    (s[1] != '\0' && (s[1] < '0' || s[1] > '9')) ||
	    atoi(s) > 16)
		return -1;
	*pump = atoi(s);
	return 0;
}

int
proto_since_ok(const char *s)
{
	size_t	i;

	if (strlen(s) < 4)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789-T:Z", s[i]) == NULL)
			return 0;
	return 1;
}

int
proto_alarm_id_parse(const char *s, int *id)
{
	size_t	i, n = strlen(s);

	if (n < 4 || n > 8 || *s == '0')
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	*id = atoi(s);
	return 0;
}

/* A whole number 1..max in s: it, or -1. */
static int
small_number(const char *s, int max)
{
	size_t	i, n = strlen(s);

	if (n < 1 || n > 9 || *s == '0')
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	return atoi(s) <= max ? atoi(s) : -1;
}

int
proto_events_opts(int argc, const char *const argv[], const char **station,
    int *alarms_only, int *limit, const char **cause)
{
	int	i;

	*station = NULL;
	*alarms_only = 0;
	*limit = 0;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--alarms-only") == 0 && !*alarms_only)
			*alarms_only = 1;
		else if (strcmp(argv[i], "--station") == 0 && !*station &&
		    i + 1 < argc)
			*station = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && !*limit &&
		    i + 1 < argc) {
			if ((*limit = small_number(argv[++i],
			    PROTO_MAX_EVENTS)) == -1)
				return (*cause = "bad --limit: expected a "
				    "number of events 1..1000", -1);
		} else
			return (*cause = "unknown, repeated or incomplete "
			    "option: expected --station ID, --alarms-only, "
			    "--limit N", -1);
	}
	if (*limit == 0)
		*limit = PROTO_EVENTS_DEFAULT;
	return 0;
}

int
proto_reason_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
proto_opts(int argc, const char *const argv[], long *secs,
    const char **reason, const char **cause)
{
	int	i, seen_for = 0;

	*secs = 0;
	*reason = NULL;
	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc) {
			*cause = "an option without its value";
			return -1;
		}
		if (strcmp(argv[i], "--for") == 0 && !seen_for) {
			seen_for = 1;
			if (proto_duration_parse(argv[i + 1], secs) == -1) {
				*cause = "bad duration: expected 30s, 15m, 2h "
				    "(at most 30 days) or forever";
				return -1;
			}
		} else if (strcmp(argv[i], "--reason") == 0 &&
		    *reason == NULL) {
			if (!proto_reason_ok(argv[i + 1])) {
				*cause = "bad reason: control characters";
				return -1;
			}
			*reason = argv[i + 1];
		} else {
			*cause = "unknown or repeated option: expected --for "
			    "DURATION and --reason TEXT";
			return -1;
		}
	}
	return 0;
}
