/*
 * The control protocol and the command table: requests parsed by size and
 * shape before dispatch, the table's lookup and argument counts, the
 * values both sides check, and ctl_handle's answers (a version mismatch,
 * a malformed or unknown request, a changing command refused for a user
 * outside the operator group) with nothing changed unless allowed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl.h"
#include "fixture.h"
#include "proto.h"
#include "pumpd.h"

/* Parse the NUL-terminated line s into r; the return code. */
static int
parse(const char *s, struct proto_req *r, const char **cause)
{
	return proto_parse(s, strlen(s), r, cause);
}

/* A good request: version, command and arguments copied. */
static void
test_parse_good(void **state)
{
	struct proto_req	r;
	const char		*cause = NULL;

	(void)state;
	assert_int_equal(parse("{\"v\":1,\"cmd\":\"limit\",\"args\":"
	    "[\"all\",\"2\"]}", &r, &cause), 0);
	assert_string_equal(r.cmd, "limit");
	assert_int_equal(r.argc, 2);
	assert_string_equal(r.argv[0], "all");
	assert_string_equal(r.argv[1], "2");
	assert_int_equal(parse("{\"v\":1,\"cmd\":\"status\"}", &r, &cause),
	    0);
	assert_int_equal(r.argc, 0);
}

/* Malformed, oversized and odd requests: -1 with a cause each. */
static void
test_parse_bad(void **state)
{
	static const char *bad[] = {
		"", "not json", "[1,2]", "{\"cmd\":\"status\"}",
		"{\"v\":\"1\",\"cmd\":\"status\"}", "{\"v\":1}",
		"{\"v\":1,\"cmd\":7}", "{\"v\":1,\"cmd\":\"status\",\"args\":1}",
		"{\"v\":1,\"cmd\":\"status\",\"args\":[1]}",
		"{\"v\":1,\"cmd\":\"a\",\"args\":[\"1\",\"2\",\"3\",\"4\","
		    "\"5\",\"6\",\"7\",\"8\",\"9\"]}",
		"{\"v\":1,\"cmd\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		"{\"v\":1,\"cmd\":\"s\\u0000x\"}",
		"{\"v\":1,\"v\":1,\"cmd\":\"status\"}",
	};
	struct proto_req	 r;
	const char		*cause;
	char			*big;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(parse(bad[i], &r, &cause), -1);
		assert_non_null(cause);
	}
	big = malloc(PROTO_MAX_LINE + 2);
	memset(big, ' ', PROTO_MAX_LINE + 1);
	memcpy(big, "{\"v\":1,\"cmd\":\"status\"}", 22);
	big[PROTO_MAX_LINE + 1] = '\0';
	assert_int_equal(parse(big, &r, &cause), -1);
	assert_string_equal(cause, "request too long");
	big[PROTO_MAX_LINE] = '\0';	/* just fits */
	assert_int_equal(parse(big, &r, &cause), 0);
	free(big);
	assert_int_equal(proto_parse("{\"v\":1,\"cmd\":\"status\"}\0", 23, &r,
	    &cause), -1);
}

/* Another protocol version: -2, the version kept for the reply. */
static void
test_parse_version(void **state)
{
	struct proto_req	r;
	const char		*cause;

	(void)state;
	assert_int_equal(parse("{\"v\":2,\"cmd\":\"status\"}", &r, &cause),
	    -2);
	assert_int_equal(r.version, 2);
}

/* A request built by pumpctl parses back the same. */
static void
test_request_round_trip(void **state)
{
	char			*argv[] = { "all", "none" }, *line;
	struct proto_req	 r;
	const char		*cause;

	(void)state;
	line = proto_request("limit", 2, argv);
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(proto_parse(line, strlen(line) - 1, &r, &cause), 0);
	assert_string_equal(r.cmd, "limit");
	assert_int_equal(r.argc, 2);
	assert_string_equal(r.argv[1], "none");
	free(line);
}

/* The table: lookup, argument counts, what is valid on a wrong name. */
static void
test_table(void **state)
{
	const struct ctl_cmd	*c;
	struct proto_req	 r;
	const char		*cause;
	char			 buf[256];

	(void)state;
	assert_non_null(ctl_find("status"));
	assert_null(ctl_find("reboot"));
	assert_true(ctl_find("warning")->flags & CTL_CHANGES);
	assert_true(ctl_find("limit")->flags & CTL_CHANGES);
	assert_false(ctl_find("status")->flags & CTL_CHANGES);
	assert_false(ctl_find("log")->flags & CTL_CHANGES);
	memset(&r, 0, sizeof r);
	strcpy(r.cmd, "reboot");
	assert_int_equal(ctl_check(&r, &c, buf, sizeof buf, &cause), -1);
	assert_non_null(strstr(cause, "valid: status show alarms"));
	strcpy(r.cmd, "show");
	assert_int_equal(ctl_check(&r, &c, buf, sizeof buf, &cause), -1);
	assert_non_null(strstr(cause, "usage: show STATION"));
	r.argc = 1;
	assert_int_equal(ctl_check(&r, &c, buf, sizeof buf, &cause), 0);
	assert_string_equal(c->name, "show");
}

/* The values: warning names and limits. */
static void
test_values(void **state)
{
	int	lim = 99;

	(void)state;
	assert_int_equal(proto_warning_parse("none"), 0);
	assert_int_equal(proto_warning_parse("red"), 4);
	assert_int_equal(proto_warning_parse("Red"), -1);
	assert_int_equal(proto_warning_parse("purple"), -1);
	assert_string_equal(proto_warning_name(3), "orange");
	assert_int_equal(proto_limit_parse("none", &lim), 0);
	assert_int_equal(lim, -1);
	assert_int_equal(proto_limit_parse("0", &lim), 0);
	assert_int_equal(lim, 0);
	assert_int_equal(proto_limit_parse("16", &lim), 0);
	assert_int_equal(proto_limit_parse("17", &lim), -1);
	assert_int_equal(proto_limit_parse("-1", &lim), -1);
	assert_int_equal(proto_limit_parse("2x", &lim), -1);
	assert_int_equal(proto_limit_parse("", &lim), -1);
	assert_int_equal(proto_exit_code("ok"), PROTO_EXIT_OK);
	assert_int_equal(proto_exit_code("refused"), PROTO_EXIT_REFUSED);
	assert_int_equal(proto_exit_code("version"), PROTO_EXIT_VERSION);
	assert_int_equal(proto_exit_code("error"), PROTO_EXIT_ERROR);
}

/* The status of a reply line; "" when it has none. */
static char *
status_of(char *line, char *buf, size_t n)
{
	json_t	*o = json_loads(line, 0, NULL);

	snprintf(buf, n, "%s", json_string_value(json_object_get(o,
	    "status")) ? json_string_value(json_object_get(o, "status")) : "");
	json_decref(o);
	free(line);
	return buf;
}

/* The status of ctl_handle's reply to the line s from peer. */
static char *
handle(struct pumpd *p, const char *s, const struct ctl_peer *peer,
    char *buf, size_t n)
{
	return status_of(ctl_handle(p, s, strlen(s), peer), buf, n);
}

/* ctl_handle: each kind of bad request its reply; a changing command from
 * a user outside the operator group refused and nothing changed; from an
 * operator done: the warning, a limit at one station (the other keeps
 * none), at all, and lifted at one; each handed to the state file. */
static void
test_handle(void **state)
{
	struct ctl_peer	 nobody = { 65534, 65534, "nobody", 0 };
	struct ctl_peer	 op = { 1000, 1000, "op", 1 };
	struct pumpd	*p = calloc(1, sizeof *p);
	struct cfg_station c[2];
	char		 b[32];
	const char	*red = "{\"v\":1,\"cmd\":\"warning\",\"args\":[\"red\"]}";

	(void)state;
	p->in.limit_pumps = -1;
	p->n = 2;
	p->st = calloc(2, sizeof *p->st);
	fixture_station(&c[0], 2);
	fixture_station(&c[1], 3);
	strcpy(c[0].id, "a");
	strcpy(c[1].id, "b");
	p->st[0].cfg = &c[0];
	p->st[1].cfg = &c[1];
	p->st[0].limit_pumps = p->st[1].limit_pumps = -1;
	assert_string_equal(handle(p, "{\"v\":9,\"cmd\":\"x\"}", &op, b,
	    sizeof b), "version");
	assert_string_equal(handle(p, "{", &op, b, sizeof b), "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"reboot\"}", &op,
	    b, sizeof b), "error");
	assert_string_equal(handle(p, red, &nobody, b, sizeof b), "refused");
	assert_int_equal(p->in.warning, CORE_WARN_NONE);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"warning\","
	    "\"args\":[\"crimson\"]}", &op, b, sizeof b), "error");
	assert_int_equal(p->in.warning, CORE_WARN_NONE);
	assert_string_equal(handle(p, red, &op, b, sizeof b), "ok");
	assert_int_equal(p->in.warning, CORE_WARN_RED);
	assert_int_equal(p->state.district.warning, CORE_WARN_RED);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"limit\","
	    "\"args\":[\"all\",\"x\"]}", &op, b, sizeof b), "error");
	assert_int_equal(p->st[1].limit_pumps, -1);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"limit\","
	    "\"args\":[\"nowhere\",\"1\"]}", &op, b, sizeof b), "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"limit\","
	    "\"args\":[\"b\",\"1\"]}", &nobody, b, sizeof b), "refused");
	assert_int_equal(p->st[1].limit_pumps, -1);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"limit\","
	    "\"args\":[\"b\",\"1\"]}", &op, b, sizeof b), "ok");
	assert_int_equal(p->st[0].limit_pumps, -1);
	assert_int_equal(p->st[1].limit_pumps, 1);
	assert_int_equal(p->state.district.nlimits, 1);
	assert_string_equal(p->state.district.limit[0].id, "b");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"limit\","
	    "\"args\":[\"all\",\"2\"]}", &op, b, sizeof b), "ok");
	assert_int_equal(p->st[0].limit_pumps, 2);
	assert_int_equal(p->st[1].limit_pumps, 2);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"limit\","
	    "\"args\":[\"a\",\"none\"]}", &op, b, sizeof b), "ok");
	assert_int_equal(p->st[0].limit_pumps, -1);
	assert_int_equal(p->st[1].limit_pumps, 2);
	free(p->state.pending);
	free(p->st);
	free(p);
}

/* Durations: seconds, minutes, hours and forever; zero, negative, huge,
 * unit-less and odd ones refused. */
static void
test_duration(void **state)
{
	static const char *bad[] = { "", "0s", "-5m", "30", "30x", "1.5h",
	    "s", "30 s", "721h", "99999999999s", "Forever", "1h30m", "+3s" };
	long	 v;
	size_t	 i;

	(void)state;
	assert_int_equal(proto_duration_parse("30s", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(proto_duration_parse("15m", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(proto_duration_parse("2h", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(proto_duration_parse("720h", &v), 0);
	assert_int_equal(v, PROTO_MAX_DURATION_S);
	assert_int_equal(proto_duration_parse("forever", &v), 0);
	assert_int_equal(v, PROTO_FOREVER);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(proto_duration_parse(bad[i], &v), -1);
}

/* Pump numbers are 1-based, 1..16, plain digits. */
static void
test_pump_number(void **state)
{
	static const char *bad[] = { "", "0", "17", "-1", "01", "1a", "a",
	    "100", " 1", "+2" };
	int	 n;
	size_t	 i;

	(void)state;
	assert_int_equal(proto_pump_parse("1", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(proto_pump_parse("16", &n), 0);
	assert_int_equal(n, 16);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(proto_pump_parse(bad[i], &n), -1);
}

/* Reasons: any text, UTF-8 too, but no control characters; log's --since
 * time a prefix of ISO-8601 UTC; the options --for and --reason each
 * once, with a value. */
static void
test_reason_opts(void **state)
{
	const char	*ok[] = { "--reason", "bearing 轴承", "--for", "15m" };
	const char	*nl[] = { "--reason", "a\nFAKE AUDIT LINE" };
	const char	*two[] = { "--for", "1m", "--for", "2m" };
	const char	*lone[] = { "--for" };
	const char	*odd[] = { "--force", "1m" };
	const char	*reason, *cause;
	long		 secs;

	(void)state;
	assert_true(proto_reason_ok("pump 2 bearing, ticket #42"));
	assert_true(proto_reason_ok("轴承"));
	assert_false(proto_reason_ok("a\tb"));
	assert_false(proto_reason_ok("a\x1b[2Jb"));
	assert_false(proto_reason_ok("a\x7f"));
	assert_true(proto_since_ok("2026-11-29T08:00:00Z"));
	assert_true(proto_since_ok("2026"));
	assert_false(proto_since_ok("garbage"));
	assert_false(proto_since_ok("202"));
	assert_false(proto_since_ok("2026-11-29 08:00"));
	assert_int_equal(proto_opts(0, ok, &secs, &reason, &cause), 0);
	assert_int_equal(secs, 0);
	assert_null(reason);
	assert_int_equal(proto_opts(4, ok, &secs, &reason, &cause), 0);
	assert_int_equal(secs, 900);
	assert_string_equal(reason, "bearing 轴承");
	assert_int_equal(proto_opts(2, nl, &secs, &reason, &cause), -1);
	assert_int_equal(proto_opts(4, two, &secs, &reason, &cause), -1);
	assert_int_equal(proto_opts(1, lone, &secs, &reason, &cause), -1);
	assert_int_equal(proto_opts(2, odd, &secs, &reason, &cause), -1);
	assert_non_null(cause);
}

/* The error text of ctl_handle's reply to s (static buffer). */
static const char *
error_of(struct pumpd *p, const char *s, const struct ctl_peer *peer)
{
	static char	 buf[256];
	char		*line = ctl_handle(p, s, strlen(s), peer);
	json_t		*j = json_loads(line, 0, NULL);

	snprintf(buf, sizeof buf, "%s: %s", json_string_value(
	    json_object_get(j, "status")), json_is_string(json_object_get(j,
	    "error")) ? json_string_value(json_object_get(j, "error")) : "");
	json_decref(j);
	free(line);
	return buf;
}

/* The override commands through ctl_handle: unknown station and pump,
 * bad verb, duration and reason are errors; a manual run before the
 * station was observed is refused with the core's reason; a stop with
 * --for and a lock-out are done and listed by overrides; a non-operator
 * is refused; unlock and auto undo them. */
static void
test_handle_overrides(void **state)
{
	struct ctl_peer	 nobody = { 65534, 65534, "nobody", 0 };
	struct ctl_peer	 op = { 1000, 1000, "op", 1 };
	struct pumpd	*p = calloc(1, sizeof *p);
	struct cfg_station c;
	struct core_override o[4];
	char		 b[32];

	(void)state;
	p->in.limit_pumps = -1;
	p->d.control.override_default_s = 3600;
	p->wall0_ms = 1000000;
	p->n = 1;
	p->st = calloc(1, sizeof *p->st);
	fixture_station(&c, 3);
	strcpy(c.id, "a");
	p->st[0].cfg = &c;
	p->st[0].limit_pumps = -1;
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"zz\",\"1\",\"stop\"]}", &op), "error: unknown station \"zz\"");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"4\",\"stop\"]}", &op),
	    "error: bad pump \"4\": station a has pumps 1..3");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"0\",\"stop\"]}", &op),
	    "error: bad pump \"0\": station a has pumps 1..3");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"1\",\"halt\"]}", &op, b, sizeof b), "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"1\",\"stop\",\"--for\",\"0s\"]}", &op, b, sizeof b),
	    "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"1\",\"stop\",\"--reason\",\"x\\u001by\"]}", &op, b,
	    sizeof b), "error");
	assert_int_equal(core_overrides(&p->st[0].core, &c, o, 4), 0);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"1\",\"run\"]}", &op, b, sizeof b), "refused");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"2\",\"stop\",\"--for\",\"15m\",\"--reason\",\"test\"]}",
	    &nobody, b, sizeof b), "refused");
	assert_int_equal(core_overrides(&p->st[0].core, &c, o, 4), 0);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"2\",\"stop\",\"--for\",\"15m\",\"--reason\",\"test\"]}",
	    &op, b, sizeof b), "ok");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"lockout\",\"args\":"
	    "[\"a\",\"3\",\"--for\",\"1h\"]}", &op, b, sizeof b), "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"lockout\",\"args\":"
	    "[\"a\",\"3\",\"--reason\",\"seal\"]}", &op, b, sizeof b), "ok");
	assert_int_equal(core_overrides(&p->st[0].core, &c, o, 4), 2);
	assert_int_equal(o[0].kind, CORE_OVR_STOP);
	assert_int_equal(o[0].pump, 2);
	assert_true(o[0].until_ms == p->wall0_ms + 900 * 1000);
	assert_string_equal(o[0].reason, "test");
	assert_int_equal(o[1].kind, CORE_OVR_LOCKOUT);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"overrides\"}",
	    &nobody, b, sizeof b), "ok");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"station\",\"args\":"
	    "[\"a\",\"local\",\"--for\",\"forever\"]}", &op, b, sizeof b),
	    "ok");
	assert_true(p->st[0].core.lasting.local_until_ms == CORE_FOREVER);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"unlock\",\"args\":"
	    "[\"a\",\"3\"]}", &op, b, sizeof b), "ok");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"unlock\",\"args\":"
	    "[\"a\",\"3\"]}", &op), "refused: the pump is not locked out");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"pump\",\"args\":"
	    "[\"a\",\"2\",\"auto\"]}", &op, b, sizeof b), "ok");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"station\",\"args\":"
	    "[\"a\",\"auto\"]}", &op, b, sizeof b), "ok");
	assert_int_equal(core_overrides(&p->st[0].core, &c, o, 4), 0);
	free(p->state.pending);
	free(p->st);
	free(p);
}

/* The alarm commands' values: ids and the options of events. */
static void
test_alarm_values(void **state)
{
	const char	*ok1[] = { "--alarms-only" };
	const char	*ok2[] = { "--limit", "7", "--station", "a" };
	const char	*bad[][2] = { { "--limit", "0" }, { "--limit", "1001" },
			    { "--limit", "x" }, { "--station", NULL },
			    { "--alarms-only", "--alarms-only" },
			    { "--since", "1" } };
	const char	*sid, *cause;
	size_t		 i;
	int		 id, only, lim;

	(void)state;
	assert_int_equal(proto_alarm_id_parse("1090", &id), 0);
	assert_int_equal(id, 1090);
	assert_int_equal(proto_alarm_id_parse("33222", &id), 0);
	assert_int_equal(id, 33222);
	assert_int_equal(proto_alarm_id_parse("999", &id), -1);
	assert_int_equal(proto_alarm_id_parse("01090", &id), -1);
	assert_int_equal(proto_alarm_id_parse("10x0", &id), -1);
	assert_int_equal(proto_alarm_id_parse("-1090", &id), -1);
	assert_int_equal(proto_alarm_id_parse("123456789", &id), -1);
	assert_int_equal(proto_alarm_id_parse("", &id), -1);
	assert_int_equal(proto_events_opts(0, NULL, &sid, &only, &lim,
	    &cause), 0);
	assert_null(sid);
	assert_false(only);
	assert_int_equal(lim, PROTO_EVENTS_DEFAULT);
	assert_int_equal(proto_events_opts(1, ok1, &sid, &only, &lim, &cause),
	    0);
	assert_true(only);
	assert_int_equal(proto_events_opts(4, ok2, &sid, &only, &lim, &cause),
	    0);
	assert_string_equal(sid, "a");
	assert_int_equal(lim, 7);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(proto_events_opts(bad[i][1] ? 2 : 1, bad[i],
		    &sid, &only, &lim, &cause), -1);
	assert_non_null(strstr(cause, "expected --station ID"));
	assert_true(ctl_find("ack")->flags & CTL_CHANGES);
	assert_true(ctl_find("shelve")->flags & CTL_CHANGES);
	assert_true(ctl_find("unshelve")->flags & CTL_CHANGES);
	assert_false(ctl_find("alarms")->flags & CTL_CHANGES);
	assert_false(ctl_find("events")->flags & CTL_CHANGES);
}

/* ctl_handle with the alarm commands: an estop standing at station a
 * (index 0: id 1090); bad ids and options get exact errors; a
 * non-operator is refused and nothing changes; ack, a second ack, shelve
 * (never forever, never without a reason), unshelve, ack all; alarms
 * and events answer; the changes go to the state file's alarms. */
static void
test_handle_alarms(void **state)
{
	struct ctl_peer		 nobody = { 65534, 65534, "nobody", 0 };
	struct ctl_peer		 op = { 1000, 1000, "op", 1 };
	struct pumpd		*p = calloc(1, sizeof *p);
	struct cfg_station	 c;
	struct alarm_input	 in;
	struct alarm_event	 ev[8];
	struct alarm_row	 row[4];
	char			 b[32];

	(void)state;
	p->in.limit_pumps = -1;
	p->wall0_ms = 1764000000000LL;	/* speed 0: the clock stands */
	p->n = 1;
	p->st = calloc(1, sizeof *p->st);
	fixture_station(&c, 2);
	strcpy(c.id, "a");
	p->st[0].cfg = &c;
	p->st[0].limit_pumps = -1;
	alarm_table_init(&p->alarms, NULL);
	alarm_init(&p->st[0].al, 0, 2);
	p->st[0].alt = &p->alarms;
	memset(&in, 0, sizeof in);
	in.on[ALARM_ESTOP] = 1;
	assert_int_equal(alarm_step(&p->st[0].al, &p->alarms, &in,
	    p->wall0_ms, ev, 8), 1);
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"2090\"]}", &op), "error: bad alarm id \"2090\": expected an id "
	    "from pumpctl alarms");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"10\"]}", &op), "error: bad alarm id \"10\": expected an id "
	    "from pumpctl alarms");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"1031\"]}", &op), "error: alarm 1031: no such alarm id at this "
	    "station");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"1090\"]}", &nobody, b, sizeof b), "refused");
	assert_int_equal(alarm_list(&p->st[0].al, &p->alarms, 1, row, 4), 1);
	assert_int_equal(row[0].state, ALARM_UNACK);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"1090\"]}", &op, b, sizeof b), "ok");
	alarm_list(&p->st[0].al, &p->alarms, 1, row, 4);
	assert_int_equal(row[0].state, ALARM_ACKED);
	assert_int_equal(p->state.nalarms, 1);
	assert_string_equal(p->state.alarms[0].kind, "estop");
	assert_true(p->state.alarms[0].acked);
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"1090\"]}", &op), "error: alarm 1090: it is acknowledged "
	    "already");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"shelve\","
	    "\"args\":[\"2090\",\"--for\",\"forever\",\"--reason\",\"x\"]}",
	    &op), "error: bad alarm id \"2090\": expected an id from pumpctl "
	    "alarms");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"shelve\","
	    "\"args\":[\"1090\",\"--for\",\"forever\",\"--reason\",\"x\"]}",
	    &op), "error: a shelf lasts at most 24h, never forever");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"shelve\","
	    "\"args\":[\"1090\",\"--for\",\"25h\",\"--reason\",\"x\"]}",
	    &op), "error: a shelf lasts at most 24h, never forever");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"shelve\","
	    "\"args\":[\"1090\",\"--for\",\"1h\",\"--reason\",\"\"]}",
	    &op), "error: usage: shelve ID --for DURATION --reason TEXT (a "
	    "shelf needs both)");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"shelve\","
	    "\"args\":[\"1090\",\"--for\",\"1h\"]}", &op, b, sizeof b),
	    "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"shelve\","
	    "\"args\":[\"1090\",\"--for\",\"1h\",\"--reason\",\"test\"]}",
	    &op, b, sizeof b), "ok");
	assert_int_equal(alarm_list(&p->st[0].al, &p->alarms, 0, row, 4), 0);
	alarm_list(&p->st[0].al, &p->alarms, 1, row, 4);
	assert_int_equal(row[0].state, ALARM_SHELVED);
	assert_true(row[0].shelf_ms == p->wall0_ms + 3600 * 1000);
	assert_true(p->state.alarms[0].shelf_ms == p->wall0_ms + 3600 * 1000);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"alarms\","
	    "\"args\":[\"--all\"]}", &nobody, b, sizeof b), "ok");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"alarms\","
	    "\"args\":[\"--every\"]}", &nobody, b, sizeof b), "error");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"unshelve\","
	    "\"args\":[\"1090\"]}", &op, b, sizeof b), "ok");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"unshelve\","
	    "\"args\":[\"1090\"]}", &op), "error: alarm 1090: it is not "
	    "shelved");
	in.on[ALARM_DOOR] = 1;
	p->alarms.rule[ALARM_DOOR].on_ms = 0;
	alarm_step(&p->st[0].al, &p->alarms, &in, p->wall0_ms, ev, 8);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"ack\",\"args\":"
	    "[\"all\"]}", &op, b, sizeof b), "ok");
	assert_int_equal(p->st[0].al.in[ALARM_DOOR].state, ALARM_ACKED);
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"events\","
	    "\"args\":[\"--alarms-only\",\"--station\",\"a\"]}", &nobody, b,
	    sizeof b), "ok");
	assert_string_equal(error_of(p, "{\"v\":1,\"cmd\":\"events\","
	    "\"args\":[\"--station\",\"zz\"]}", &nobody),
	    "error: unknown station \"zz\"");
	assert_string_equal(handle(p, "{\"v\":1,\"cmd\":\"events\","
	    "\"args\":[\"--limit\",\"0\"]}", &nobody, b, sizeof b), "error");
	free(p->state.pending);
	free(p->state.alarms);
	free(p->st);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_version),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_pump_number),
		cmocka_unit_test(test_reason_opts),
		cmocka_unit_test(test_handle_overrides),
		cmocka_unit_test(test_alarm_values),
		cmocka_unit_test(test_handle_alarms),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
