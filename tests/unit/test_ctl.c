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
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
