/*
 * Configuration loader: the shipped district file loads, and each kind of
 * bad file is reported with its exact "file:line: key: problem" message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg.h"

#define SHIPPED "../../config/jinnan.conf"

/* A valid one-station file; each test swaps one line.  Line numbers:
 * 1 stations, 3 id, 4 name, 5 kind, 6 plc, 7 well, 8 pumps, 9 setpoints,
 * 10 catchment. */
static const char *base =
"stations = (\n"
"{\n"
"  id = \"xz\";\n"
"  name = \"小站\";\n"
"  kind = \"stormwater\";\n"
"  plc = { host = \"127.0.0.1\"; port = 15001; };\n"
"  well = { area_m2 = 200.0; depth_m = 6.0; flood_m = 4.8; lowlow_m = 0.5; highhigh_m = 4.2; };\n"
"  pumps = ( { capacity_m3s = 1.5; vfd = true; }, { capacity_m3s = 1.5; } );\n"
"  setpoints = { stop_m = 1.0; duty_start_m = 1.6; assist_start_m = [ 2.4 ]; high_alarm_m = 3.8; };\n"
"  catchment = { area_ha = 20.0; runoff = 0.6; tc_min = 15.0; };\n"
"}\n"
");\n";

static char path[64];

/* Write text to a fresh temporary file named in path. */
static void
write_file(const char *text)
{
	FILE	*f;
	int	 fd;

	strcpy(path, "/tmp/test_cfg.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

/* base with the first occurrence of from replaced by to. */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char	*at = strstr(text, from);
	char		*out;

	assert_non_null(at);
	out = malloc(strlen(text) + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* Load text; return the diagnostics and the result code in *rc. */
static struct cfg_diag
load_text(const char *text, int *rc)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };

	write_file(text);
	*rc = cfg_load(path, &d, &diag);
	cfg_free(&d);
	unlink(path);
	return diag;
}

/* Assert that diag holds exactly the message "path:suffix". */
static void
expect_msg(const struct cfg_diag *diag, const char *suffix)
{
	char	want[512];
	int	i;

	snprintf(want, sizeof want, "%s:%s", path, suffix);
	for (i = 0; i < diag->nmsg; i++)
		if (strcmp(diag->msg[i], want) == 0)
			return;
	for (i = 0; i < diag->nmsg; i++)
		fprintf(stderr, "got: %s\n", diag->msg[i]);
	fail_msg("missing message: %s", want);
}

/* Replace from with to in base, load, expect one error message. */
static void
expect_error(const char *from, const char *to, const char *msg)
{
	struct cfg_diag	diag;
	char		*text = subst(base, from, to);
	int		 rc;

	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, msg);
	cfg_diag_free(&diag);
	free(text);
}

/* Load text, expect the error message msg among others. */
static void
expect_error_in(const char *text, const char *msg)
{
	struct cfg_diag	diag;
	int		rc;

	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, msg);
	cfg_diag_free(&diag);
}

static void
test_shipped(void **state)
{
	struct cfg_district		 d;
	struct cfg_diag			 diag = { 0 };
	const struct cfg_station	*s;
	int				 i, nsew = 0, nl1 = 0;

	(void)state;
	assert_int_equal(cfg_load(SHIPPED, &d, &diag), 0);
	assert_int_equal(diag.nerrors, 0);
	assert_int_equal(diag.nwarnings, 0);
	assert_int_equal(d.nstations, 33);
	for (i = 0; i < d.nstations; i++) {
		nsew += d.st[i].kind == CFG_SEWAGE;
		nl1 += d.st[i].map == CFG_MAP_L1;
		assert_true(d.st[i].npumps >= 2 && d.st[i].npumps <= 6);
		if (d.st[i].kind == CFG_STORMWATER) {
			assert_true(d.st[i].npumps >= 3);
			assert_true(cfg_capacity_m3s(&d.st[i]) >= 3);
		} else
			assert_true(cfg_capacity_m3s(&d.st[i]) < 1);
	}
	assert_int_equal(nsew, 8);
	assert_int_equal(nl1, 3);
	assert_non_null(s = cfg_find(&d, "gegu-old"));
	assert_int_equal(s->map, CFG_MAP_L1);
	assert_int_equal(s->port, 15032);
	assert_true(s->tip_mm == 0.2);		/* the L1 default */
	assert_true(s->level_tx.zero_m == 0.2 && s->level_tx.span_m == 5.0);
	assert_true(s->panel.stop_m == 1.1 && s->panel.all_on_m == 3.5);
	assert_non_null(s = cfg_find(&d, "shuangqiaohe"));
	assert_int_equal(s->map, CFG_MAP_V1);
	assert_string_equal(s->name, "双桥河雨水泵站");
	assert_non_null(cfg_find(&d, "sandaogou"));
	assert_non_null(cfg_find(&d, "beishilin"));
	assert_null(cfg_find(&d, "nowhere"));
	cfg_free(&d);
	cfg_diag_free(&diag);
}

static void
test_base_ok(void **state)
{
	struct cfg_diag	diag;
	int		rc;

	(void)state;
	diag = load_text(base, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(diag.nmsg, 0);
	cfg_diag_free(&diag);
}

static void
test_missing_file(void **state)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };

	(void)state;
	assert_int_equal(cfg_load("/nonexistent/pumpd.conf", &d, &diag), -1);
	assert_int_equal(diag.nmsg, 1);
	assert_string_equal(diag.msg[0], "/nonexistent/pumpd.conf:0: file: "
	    "cannot open: No such file or directory");
	cfg_free(&d);
	cfg_diag_free(&diag);
}

static void
test_syntax(void **state)
{
	(void)state;
	expect_error("  kind = \"stormwater\";\n", "  kind = stormwater\n",
	    "5: syntax: syntax error");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("  name = \"小站\";\n",
	    "  name = \"小站\";\n  colour = \"red\";\n",
	    "5: xz.colour: unknown key");
	expect_error("lowlow_m = 0.5;", "lowlow_m = 0.5; deep_m = 9.0;",
	    "7: xz.well.deep_m: unknown key");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_error("area_m2 = 200.0", "area_m2 = \"big\"",
	    "7: xz.well.area_m2: expected a number");
	expect_error("vfd = true", "vfd = 1", "8: xz.pumps[1].vfd: expected "
	    "true or false");
	expect_error("port = 15001", "port = 15001.5",
	    "6: xz.plc.port: expected a whole number");
	expect_error("plc = {", "plc = 3; x = {",
	    "6: xz.plc: expected a group { ... }");
}

static void
test_missing_key(void **state)
{
	(void)state;
	expect_error("flood_m = 4.8; ", "", "7: xz.well.flood_m: missing");
	expect_error("  kind = \"stormwater\";\n", "", "2: xz.kind: missing");
}

static void
test_range(void **state)
{
	(void)state;
	expect_error("port = 15001", "port = 70000",
	    "6: xz.plc.port: 70000 is out of range (1 to 65535)");
	expect_error("runoff = 0.6", "runoff = 1.6",
	    "10: xz.catchment.runoff: 1.6 is out of range (0 to 1)");
}

static void
test_pump_count(void **state)
{
	char	nine[1024] = "pumps = (";
	int	i;

	(void)state;
	expect_error("pumps = ( { capacity_m3s = 1.5; vfd = true; }, "
	    "{ capacity_m3s = 1.5; } )", "pumps = ( )",
	    "8: xz.pumps: 0 pumps: a station has 1 to 8");
	for (i = 0; i < 9; i++)
		strcat(nine, i ? ", { capacity_m3s = 1.0; }" :
		    " { capacity_m3s = 1.0; }");
	strcat(nine, " )");
	expect_error("pumps = ( { capacity_m3s = 1.5; vfd = true; }, "
	    "{ capacity_m3s = 1.5; } )", nine,
	    "8: xz.pumps: 9 pumps: a station has 1 to 8");
}

/* base turned into an L1 station: line 6 names the map, line 11 holds the
 * transducer and panel groups. */
static char *
l1_text(void)
{
	char	*a, *b;

	a = subst(base, "port = 15001; }", "port = 15001; map = \"L1\"; }");
	b = subst(a, "tc_min = 15.0; };\n", "tc_min = 15.0; };\n"
	    "  transducer = { level = { zero_m = 0.0; span_m = 6.0; }; }; "
	    "panel = { start_m = 1.8; stop_m = 1.0; assist_step_m = 0.5; "
	    "all_on_m = 3.6; };\n");
	free(a);
	return b;
}

/* Load l1_text() with from replaced by to; expect msg (NULL: no error). */
static void
expect_l1(const char *from, const char *to, const char *msg)
{
	struct cfg_diag	 diag;
	char		*l1 = l1_text(), *text = subst(l1, from, to);
	int		 rc;

	diag = load_text(text, &rc);
	if (msg == NULL) {
		if (rc != 0)
			expect_msg(&diag, "(no error)");
	} else {
		assert_int_equal(rc, -1);
		expect_msg(&diag, msg);
	}
	cfg_diag_free(&diag);
	free(text);
	free(l1);
}

static void
test_l1_station(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*l1 = l1_text();

	(void)state;
	write_file(l1);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	unlink(path);
	assert_int_equal(d.st[0].map, CFG_MAP_L1);
	assert_true(d.st[0].tip_mm == 0.2);
	assert_true(d.st[0].panel.assist_step_m == 0.5);
	assert_true(d.st[0].level_tx.span_m == 6.0);
	cfg_free(&d);
	cfg_diag_free(&diag);
	free(l1);
	/* "v1" is the default and may be said */
	expect_error("port = 15001; }", "port = 15001; map = \"v2\"; }",
	    "6: xz.plc.map: \"v2\": expected \"v1\" or \"L1\"");
	expect_l1("map = \"L1\"", "map = \"L1\"", NULL);
}

static void
test_l1_keys_on_v1(void **state)
{
	char	*l1 = l1_text(), *v1 = subst(l1, " map = \"L1\";", "");
	struct cfg_diag	diag;
	int		rc;

	(void)state;
	diag = load_text(v1, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "11: xz.transducer: only for a map L1 PLC "
	    "(plc.map = \"L1\"); this station's is v1");
	expect_msg(&diag, "11: xz.panel: only for a map L1 PLC "
	    "(plc.map = \"L1\"); this station's is v1");
	assert_int_equal(diag.nerrors, 2);
	cfg_diag_free(&diag);
	free(v1);
	free(l1);
}

static void
test_l1_checks(void **state)
{
	(void)state;
	expect_l1("panel = { start_m = 1.8; stop_m = 1.0; assist_step_m = 0.5; "
	    "all_on_m = 3.6; };", "",
	    "2: xz.panel: missing");
	expect_l1("transducer = { level = { zero_m = 0.0; span_m = 6.0; }; };",
	    "", "2: xz.transducer: missing");
	expect_l1("stop_m = 1.0; assist", "stop_m = 1.8; assist",
	    "11: xz.panel.stop_m: 1.8 m must be below start_m (1.8 m)");
	expect_l1("stop_m = 1.0; assist", "stop_m = 0.4; assist",
	    "11: xz.panel.stop_m: 0.4 m must be above well.lowlow_m (0.5 m)");
	expect_l1("all_on_m = 3.6", "all_on_m = 1.7",
	    "11: xz.panel.all_on_m: 1.7 m must not be below start_m (1.8 m)");
	expect_l1("all_on_m = 3.6", "all_on_m = 4.8",
	    "11: xz.panel.all_on_m: 4.8 m must be below well.flood_m (4.8 m)");
	expect_l1("all_on_m = 3.6", "all_on_m = 21",
	    "11: xz.panel.all_on_m: 21 is out of range (0 to 20)");
	expect_l1("span_m = 6.0", "span_m = 3.0",
	    "11: xz.transducer.level: reads up to 3.53 m: it must see the "
	    "flood level (4.8 m)");
	/* below its zero it still reads 4864/27648 of its span */
	expect_l1("zero_m = 0.0", "zero_m = 1.0", NULL);
	expect_l1("zero_m = 0.0", "zero_m = 1.6",
	    "11: xz.transducer.level: reads from 0.54 m: it must see the "
	    "low-low float level (0.5 m)");
	expect_l1("span_m = 6.0", "span_m = 0",
	    "11: xz.transducer.level.span_m: 0 is out of range (0.1 to 40)");
	expect_l1("level = {", "outfall = { zero_m = 0.0; span_m = 8.0; }; "
	    "level = {", "11: xz.transducer.outfall: the station has no "
	    "outfall group");
	expect_l1("port = 15001;", "port = 15001; unit = 1;", NULL);
}

static void
test_l1_pump_count(void **state)
{
	(void)state;
	expect_l1("pumps = ( { capacity_m3s = 1.5; vfd = true; }, "
	    "{ capacity_m3s = 1.5; } )", "pumps = ( { capacity_m3s = 1.0; }, "
	    "{ capacity_m3s = 1.0; }, { capacity_m3s = 1.0; }, "
	    "{ capacity_m3s = 1.0; }, { capacity_m3s = 1.0; } )",
	    "8: xz.pumps: 5 pumps: a map L1 PLC has at most 4");
}

static void
test_setpoint_order(void **state)
{
	(void)state;
	expect_error("duty_start_m = 1.6", "duty_start_m = 0.9",
	    "9: xz.setpoints.stop_m: 1 m must be below "
	    "setpoints.duty_start_m (0.9 m)");
	expect_error("[ 2.4 ]", "[ 4.0 ]",
	    "9: xz.setpoints.assist_start_m[1]: 4 m must be below "
	    "setpoints.high_alarm_m (3.8 m)");
	expect_error("high_alarm_m = 3.8", "high_alarm_m = 4.9",
	    "9: xz.setpoints.high_alarm_m: 4.9 m must be below "
	    "well.flood_m (4.8 m)");
	expect_error("depth_m = 6.0", "depth_m = 4.5",
	    "7: xz.well.flood_m: 4.8 m is above the well's depth (4.5 m)");
	expect_error("lowlow_m = 0.5", "lowlow_m = 1.2",
	    "7: xz.well.lowlow_m: 1.2 m must be below setpoints.stop_m (1 m)");
	expect_error("[ 2.4 ]", "[ 2.4, 3.0 ]",
	    "9: xz.setpoints.assist_start_m: 2 levels for 2 pumps: give one "
	    "per assist pump (1)");
}

static void
test_duplicates(void **state)
{
	struct cfg_diag	 diag;
	char		*two, *second, *tmp;
	int		 rc;

	(void)state;
	/* the same station twice: lines 2-11 and 12-21 */
	second = subst(base, "stations = (\n", "");
	tmp = subst(second, "\n);\n", "\n");
	two = malloc(strlen(base) + strlen(tmp) + 4);
	sprintf(two, "%.*s,\n%s);\n", (int)(strrchr(base, '}') - base + 1),
	    base, tmp);
	diag = load_text(two, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "12: xz.id: duplicate id (first at line 2)");
	expect_msg(&diag, "12: xz.plc: address 127.0.0.1:15001 is already "
	    "station xz's (line 2)");
	assert_int_equal(diag.nerrors, 2);
	cfg_diag_free(&diag);
	free(two);
	free(second);
	free(tmp);
}

static void
test_bad_id_and_name(void **state)
{
	(void)state;
	expect_error("id = \"xz\"", "id = \"Xiao Zhan\"",
	    "3: stations[1].id: \"Xiao Zhan\": use lowercase letters, digits, "
	    "- and _, starting with a letter");
	expect_error("name = \"小站\"", "name = \"\\xff\\xfe\"",
	    "4: xz.name: not valid UTF-8 text");
	expect_error("kind = \"stormwater\"", "kind = \"storm\"",
	    "5: xz.kind: \"storm\": expected stormwater or sewage");
}

static void
test_all_errors_at_once(void **state)
{
	struct cfg_diag	 diag;
	char		*a, *b, *c;
	int		 rc;

	(void)state;
	a = subst(base, "port = 15001", "port = 0");
	b = subst(a, "area_m2 = 200.0", "area_m2 = \"x\"");
	c = subst(b, "runoff = 0.6", "runoff = 7");
	diag = load_text(c, &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(diag.nerrors, 3);
	expect_msg(&diag, "6: xz.plc.port: 0 is out of range (1 to 65535)");
	expect_msg(&diag, "7: xz.well.area_m2: expected a number");
	expect_msg(&diag, "10: xz.catchment.runoff: 7 is out of range (0 to 1)");
	cfg_diag_free(&diag);
	free(a);
	free(b);
	free(c);
}

static void
test_small_well_warns(void **state)
{
	struct cfg_diag	 diag;
	char		*text;
	int		 rc;

	(void)state;
	/* 10 m2 x 2.8 m = 28 m3 < 30 s x 1.5 m3/s = 45 m3 */
	text = subst(base, "area_m2 = 200.0", "area_m2 = 10.0");
	diag = load_text(text, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(diag.nwarnings, 1);
	expect_msg(&diag, "2: xz.well.area_m2: warning: effective volume 28 m3 "
	    "(stop to high alarm) is below GB 50014's 45 m3 (30 s of the "
	    "largest pump)");
	cfg_diag_free(&diag);
	free(text);
	/* a sewage station needs 5 minutes: 200 m2 x 2.8 m = 560 < 450? no */
	text = subst(base, "kind = \"stormwater\";", "kind = \"sewage\";");
	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);	/* sewage needs dwf_m3s */
	expect_msg(&diag, "10: xz.catchment.dwf_m3s: missing");
	cfg_diag_free(&diag);
	free(text);
}

/* The control group: defaults, values, and its own cross-checks. */
/* A check inside a group spread over lines names the setting's own line,
 * not the group's first; a key left to its default, the group's. */
static void
test_setting_line(void **state)
{
	const char	*sp = "  setpoints = {\n    stop_m = 1.0;\n"
			    "    duty_start_m = 1.6;\n    assist_start_m = "
			    "[ 2.4 ];\n    high_alarm_m = 3.8;\n  };\n";
	char		*multi, *text, *ctl;

	(void)state;
	multi = subst(base, "  setpoints = { stop_m = 1.0; duty_start_m = "
	    "1.6; assist_start_m = [ 2.4 ]; high_alarm_m = 3.8; };\n", sp);
	text = subst(multi, "high_alarm_m = 3.8", "high_alarm_m = 4.9");
	expect_error_in(text, "13: xz.setpoints.high_alarm_m: 4.9 m must be "
	    "below well.flood_m (4.8 m)");
	free(text);
	text = subst(multi, "[ 2.4 ]", "[ 4.0 ]");
	expect_error_in(text, "12: xz.setpoints.assist_start_m[1]: 4 m must "
	    "be below setpoints.high_alarm_m (3.8 m)");
	free(text);
	ctl = subst(base, "stations = (\n", "control = {\n  poll_ms = 5000;"
	    "\n  stale_s = 5;\n  down_s = 4;\n};\nstations = (\n");
	expect_error_in(ctl, "4: control.down_s: 4 s must be above stale_s "
	    "(5 s)");
	expect_error_in(ctl, "1: control.watchdog_s: 10 s is shorter than "
	    "three polls (15000 ms): the PLC would fall back between them");
	free(ctl);
	free(multi);
}

static void
test_control_group(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*text;
	int			 rc;

	(void)state;
	write_file(base);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.control.poll_ms, 1000);
	assert_int_equal(d.control.watchdog_s, 10);
	assert_int_equal(d.control.starts_per_hour_sewage, 6);
	assert_float_equal(d.control.storm_drawdown_m, 0.3, 1e-9);
	assert_int_equal(d.control.fail_retry_s, 300);
	cfg_free(&d);
	unlink(path);
	text = subst(base, "stations = (\n", "control = { poll_ms = 500; "
	    "stagger_s = 20; storm_mm_h = 8; fail_retry_s = 120; };\nstations = (\n");
	write_file(text);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.control.poll_ms, 500);
	assert_int_equal(d.control.stagger_s, 20);
	assert_float_equal(d.control.storm_mm_h, 8, 1e-9);
	assert_int_equal(d.control.fail_retry_s, 120);
	cfg_free(&d);
	unlink(path);
	free(text);
	text = subst(base, "stations = (\n", "control = { poll_ms = 5000; "
	    "down_s = 4; hurry = true; fail_retry_s = 5; };\nstations = (\n");
	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "1: control.hurry: unknown key");
	expect_msg(&diag, "1: control.fail_retry_s: 5 is out of range (10 to "
	    "86400)");
	expect_msg(&diag, "1: control.down_s: 4 s must be above stale_s (5 s)");
	expect_msg(&diag, "1: control.watchdog_s: 10 s is shorter than three "
	    "polls (15000 ms): the PLC would fall back between them");
	cfg_diag_free(&diag);
	free(text);
}

/* influx.credential: a systemd credential's name, the secret instead of
 * password_file or token_file, never with them; 1.x needs the user. */
static void
test_influx_credential(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*text;

	(void)state;
	text = subst(base, "stations = (\n", "influx = { url = "
	    "\"http://10.1.2.3:8086\"; version = 2; org = \"jn\"; bucket = "
	    "\"pumpd\"; credential = \"influx-token\"; };\nstations = (\n");
	write_file(text);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_string_equal(d.influx.credential, "influx-token");
	assert_string_equal(d.influx.token_file, "");
	cfg_free(&d);
	unlink(path);
	free(text);
	expect_error("stations = (\n", "influx = { url = \"http://h:1\"; "
	    "database = \"p\"; credential = \"influx-token\"; };\n"
	    "stations = (\n", "1: influx.credential: InfluxDB 1.x takes the "
	    "credential as the password of user: set influx.user");
	expect_error("stations = (\n", "influx = { url = \"http://h:1\"; "
	    "database = \"p\"; user = \"u\"; password_file = \"/p\";\n"
	    "credential = \"pw\"; };\nstations = (\n", "2: influx.credential: "
	    "give the secret once: credential or password_file, not both");
	expect_error("stations = (\n", "influx = { url = \"http://h:1\"; "
	    "version = 2; org = \"o\"; bucket = \"b\";\ncredential = "
	    "\"../etc/shadow\"; };\nstations = (\n", "2: influx.credential: "
	    "\"../etc/shadow\": a credential name is letters, digits, -, _ "
	    "and ., not starting with .");
	expect_error("stations = (\n", "influx = { url = \"http://h:1\"; "
	    "version = 2; org = \"o\"; bucket = \"b\"; };\nstations = (\n",
	    "1: influx: InfluxDB 2.x needs org, bucket and token_file or "
	    "credential");
}

/* A PLC named by a hostname is refused at check time, with the reason. */
static void
test_hostname(void **state)
{
	(void)state;
	expect_error("host = \"127.0.0.1\"", "host = \"plc-xz.example\"",
	    "6: xz.plc.host: \"plc-xz.example\" is not an IPv4 address "
	    "(a.b.c.d): libmodbus takes addresses only, and a control centre "
	    "must not depend on DNS");
}

/* -c naming a directory names it and says it is one. */
static void
test_directory(void **state)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };

	(void)state;
	assert_int_equal(cfg_load("/tmp", &d, &diag), -1);
	assert_int_equal(diag.nmsg, 1);
	assert_string_equal(diag.msg[0], "/tmp:0: file: is a directory, not a "
	    "configuration file");
	cfg_free(&d);
	cfg_diag_free(&diag);
}

/* A file ending in a comment without a final newline loads; a syntax error
 * on such a last line is reported on that line, not past the end. */
static void
test_no_final_newline(void **state)
{
	struct cfg_diag	 diag;
	char		*text;
	int		 rc;

	(void)state;
	text = subst(base, "}\n);\n", "}\n);\n# the end, no newline");
	diag = load_text(text, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(diag.nmsg, 0);
	cfg_diag_free(&diag);
	free(text);
	text = subst(base, "}\n);\n", "}\n);\noops");
	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "13: syntax: syntax error at the end of the file");
	cfg_diag_free(&diag);
	free(text);
}

/* The district is one file: an @include is refused with its line. */
static void
test_include(void **state)
{
	(void)state;
	expect_error("  kind = \"stormwater\";\n", "  @include \"more.conf\"\n",
	    "5: @include: not supported: the district is one file");
}

/* control.handover_ms: 2000 by default, range-checked. */
static void
test_handover_ms(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*text;
	int			 rc;

	(void)state;
	write_file(base);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.control.handover_ms, 2000);
	cfg_free(&d);
	unlink(path);
	text = subst(base, "stations = (\n", "control = { handover_ms = 500; "
	    "};\nstations = (\n");
	write_file(text);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.control.handover_ms, 500);
	cfg_free(&d);
	unlink(path);
	free(text);
	text = subst(base, "stations = (\n", "control = { handover_ms = 40000; "
	    "};\nstations = (\n");
	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "1: control.handover_ms: 40000 is out of range (100 "
	    "to 30000)");
	cfg_diag_free(&diag);
	free(text);
}

/* control.override_default_s: an hour by default, never infinite (0 is out
 * of range), at most a day. */
static void
test_override_default(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*text;
	int			 rc;

	(void)state;
	write_file(base);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.control.override_default_s, 3600);
	cfg_free(&d);
	unlink(path);
	text = subst(base, "stations = (\n", "control = { override_default_s = "
	    "900; };\nstations = (\n");
	write_file(text);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.control.override_default_s, 900);
	cfg_free(&d);
	unlink(path);
	free(text);
	text = subst(base, "stations = (\n", "control = { override_default_s = "
	    "0; };\nstations = (\n");
	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "1: control.override_default_s: 0 is out of range "
	    "(60 to 86400)");
	cfg_diag_free(&diag);
	free(text);
}

/* The alarms group: absent, no override and the defaults (30 min to
 * flood, 0.05 m deadbands); a kind's priority and delays overridden; an
 * unknown kind, a bad priority and a delay out of range each an error
 * with its line and key. */
static void
test_alarms_group(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*text;
	int			 rc;

	(void)state;
	write_file(base);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.alarms.ttf_s, 1800);
	assert_true(d.alarms.level_deadband_m == 0.05);
	assert_int_equal(d.alarms.kind[ALARM_DOOR].priority, -1);
	assert_int_equal(d.alarms.kind[ALARM_DOOR].on_delay_s, -1);
	cfg_free(&d);
	unlink(path);
	text = subst(base, "stations = (\n", "alarms = { time_to_flood_s = "
	    "900;\n door_open = { priority = \"high\"; on_delay_s = 20; };\n"
	    " estop = { off_delay_s = 5; }; };\nstations = (\n");
	write_file(text);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_int_equal(d.alarms.ttf_s, 900);
	assert_int_equal(d.alarms.kind[ALARM_DOOR].priority, 1);
	assert_int_equal(d.alarms.kind[ALARM_DOOR].on_delay_s, 20);
	assert_int_equal(d.alarms.kind[ALARM_DOOR].off_delay_s, -1);
	assert_int_equal(d.alarms.kind[ALARM_ESTOP].off_delay_s, 5);
	assert_int_equal(d.alarms.kind[ALARM_ESTOP].priority, -1);
	cfg_free(&d);
	unlink(path);
	free(text);
	text = subst(base, "stations = (\n", "alarms = { dorr_open = { "
	    "priority = \"low\"; };\n door_open = { priority = \"urgent\"; "
	    "};\n estop = { on_delay_s = 7200; }; };\nstations = (\n");
	diag = load_text(text, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "1: alarms.dorr_open: unknown key");
	expect_msg(&diag, "2: alarms.door_open.priority: \"urgent\": expected "
	    "\"critical\", \"high\", \"medium\" or \"low\"");
	expect_msg(&diag, "3: alarms.estop.on_delay_s: 7200 is out of range "
	    "(0 to 3600)");
	cfg_diag_free(&diag);
	free(text);
}

/* Issue 11's keys: the switches off by default; reaches and plants named
 * by the stations, upstream neighbours by id; each mistake reported. */
static void
test_control_plan(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	char			*text, *t2;
	int			 rc;

	(void)state;
	write_file(base);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_false(d.control.feedforward);
	assert_false(d.control.drawdown);
	assert_false(d.control.coordination);
	assert_int_equal(d.control.noutlets, 0);
	assert_int_equal(d.st[0].outlet, -1);
	cfg_free(&d);
	unlink(path);
	text = subst(base, "stations = (\n", "control = { feedforward = true; "
	    "drawdown = true; coordination = true; dd_margin_m = 0.4; "
	    "reaches = ( { id = \"haihe\"; max_m3s = 6.0; } ); plants = ( { "
	    "id = \"wwtp\"; max_m3s = 1.0; } ); };\nstations = (\n");
	t2 = subst(text, "  kind = \"stormwater\";\n", "  kind = "
	    "\"stormwater\"; reach = \"haihe\";\n");
	write_file(t2);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	assert_true(d.control.feedforward && d.control.drawdown &&
	    d.control.coordination);
	assert_float_equal(d.control.dd_margin_m, 0.4, 1e-9);
	assert_int_equal(d.control.noutlets, 2);
	assert_true(d.control.outlet[1].plant);
	assert_int_equal(d.st[0].outlet, 0);
	cfg_free(&d);
	unlink(path);
	free(t2);
	free(text);
	text = subst(base, "stations = (\n", "control = { dd_rain_mm_h = 1.0; "
	    "dd_release_mm_h = 1.0; feedforward = 1; };\nstations = (\n");
	t2 = subst(text, "  kind = \"stormwater\";\n", "  kind = "
	    "\"stormwater\"; plant = \"wwtp\"; upstream = [ \"nowhere\" ];\n");
	diag = load_text(t2, &rc);
	assert_int_equal(rc, -1);
	expect_msg(&diag, "1: control.dd_release_mm_h: 1 mm/h must be below "
	    "dd_rain_mm_h (1 mm/h): no hysteresis");
	expect_msg(&diag, "1: control.feedforward: expected true or false");
	expect_msg(&diag, "3: xz.plant: \"wwtp\": no such plant in "
	    "control.plants");
	expect_msg(&diag, "3: xz.upstream: \"nowhere\": no such station");
	cfg_diag_free(&diag);
	free(t2);
	free(text);
}

/* The simulation keys (issue 10): rivers, the plant, a station's river,
 * position, pipe storage and pump curve load with their defaults, an old
 * file gets the defaults, and each problem names its line and key. */
static void
test_sim_keys(void **state)
{
	struct cfg_district	 d;
	struct cfg_diag		 diag = { 0 };
	const char		*rivers = "rivers = ( { id = \"yy\"; name = "
	    "\"月牙河\"; area_m2 = 40000.0; base_m = 1.5; warn_m = 2.5; "
	    "guarantee_m = 3.2; sluice_m3s = 9.0; } );\n"
	    "plant = { name = \"津沽\"; inflow_limit_m3s = 1.5; };\n"
	    "stations = (\n";
	char			*t1, *t2, *t3, *t4;

	(void)state;
	/* defaults on an old file */
	write_file(base);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	unlink(path);
	assert_int_equal(d.nrivers, 0);
	assert_int_equal(d.has_plant, 0);
	assert_int_equal(d.st[0].river_i, -1);
	assert_float_equal(d.st[0].friction_m, 1.0, 1e-12);
	assert_float_equal(d.st[0].pipe_m3, 0, 1e-12);
	assert_float_equal(d.st[0].pumps[0].rated_head_m, 7.0, 1e-12);
	assert_float_equal(d.st[0].pumps[0].shutoff_head_m, 11.9, 1e-9);
	assert_float_equal(d.st[0].pumps[0].runout_m3s, 2.4, 1e-9);
	cfg_free(&d);
	cfg_diag_free(&diag);
	/* everything given */
	t1 = subst(base, "stations = (\n", rivers);
	t2 = subst(t1, "tc_min = 15.0; };", "tc_min = 15.0; pipe_storage_m3 "
	    "= 100.0; }; outfall = { base_m = 2.0; warn_m = 4.0; river = "
	    "\"yy\"; }; position = { x_km = 1.0; y_km = -2.0; };");
	write_file(t2);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	unlink(path);
	assert_int_equal(d.nrivers, 1);
	assert_int_equal(d.st[0].river_i, 0);
	assert_float_equal(d.rivers[0].area_top_m2, 40000, 1e-9);
	assert_float_equal(d.rivers[0].limit_frac, 0.5, 1e-12);
	assert_float_equal(d.plant.inflow_limit_m3s, 1.5, 1e-12);
	assert_float_equal(d.st[0].pipe_m3, 100, 1e-12);
	assert_float_equal(d.st[0].y_km, -2, 1e-12);
	/* coordination's outlet is the station's river: allowance ordered */
	assert_int_equal(d.control.noutlets, 1);
	assert_int_equal(d.st[0].outlet, 0);
	assert_string_equal(d.control.outlet[0].id, "yy");
	assert_false(d.control.outlet[0].plant);
	assert_true(d.control.outlet[0].river);
	assert_true(d.control.outlet[0].max_m3s < 0);
	cfg_free(&d);
	cfg_diag_free(&diag);
	/* a sewage station of no river: the plant, at its inflow limit */
	t3 = subst(t1, "kind = \"stormwater\";", "kind = \"sewage\";");
	t4 = subst(t3, "tc_min = 15.0; };", "tc_min = 15.0; dwf_m3s = 0.1; "
	    "};");
	free(t3);
	t3 = t4;
	write_file(t3);
	assert_int_equal(cfg_load(path, &d, &diag), 0);
	unlink(path);
	assert_int_equal(d.control.noutlets, 1);
	assert_int_equal(d.st[0].outlet, 0);
	assert_true(d.control.outlet[0].plant);
	assert_float_equal(d.control.outlet[0].max_m3s, 1.5, 1e-12);
	cfg_free(&d);
	cfg_diag_free(&diag);
	free(t3);
	/* problems */
	t3 = subst(t2, "river = \"yy\"", "river = \"zz\"");
	expect_error_in(t3, "4: xz.outfall.river: \"zz\": no such river in "
	    "rivers");
	free(t3);
	t3 = subst(t2, "warn_m = 2.5;", "warn_m = 3.5;");
	expect_error_in(t3, "1: rivers.yy: levels must rise: base_m 1.5 < "
	    "warn_m 3.5 < guarantee_m 3.2");
	free(t3);
	t3 = subst(t2, "inflow_limit_m3s = 1.5;", "");
	expect_error_in(t3, "2: plant.inflow_limit_m3s: missing");
	free(t3);
	t3 = subst(t2, "{ capacity_m3s = 1.5; }", "{ capacity_m3s = 1.5; "
	    "shutoff_head_m = 20.0; runout_m3s = 4.0; }");
	expect_error_in(t3, "10: xz.pumps[2]: no pump curve bends down "
	    "through shut-off 20 m, rated 1.5 m3/s at 7 m and run-out 4 "
	    "m3/s: lower the shut-off head or the run-out");
	free(t3);
	t3 = subst(t2, "x_km = 1.0; ", "");
	expect_error_in(t3, "12: xz.position.x_km: missing");
	free(t3);
	free(t1);
	free(t2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_base_ok),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_pump_count),
		cmocka_unit_test(test_setpoint_order),
		cmocka_unit_test(test_setting_line),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_id_and_name),
		cmocka_unit_test(test_all_errors_at_once),
		cmocka_unit_test(test_small_well_warns),
		cmocka_unit_test(test_control_group),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_influx_credential),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_handover_ms),
		cmocka_unit_test(test_override_default),
		cmocka_unit_test(test_alarms_group),
		cmocka_unit_test(test_l1_station),
		cmocka_unit_test(test_l1_keys_on_v1),
		cmocka_unit_test(test_l1_checks),
		cmocka_unit_test(test_l1_pump_count),
		cmocka_unit_test(test_control_plan),
		cmocka_unit_test(test_sim_keys),
	};

	return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
