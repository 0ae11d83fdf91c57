/*
 * The metrics schema, line by line: what the dashboards read must not
 * change by accident.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "schema.h"

static void
test_station_and_pumps(void **state)
{
	struct cfg_station	c;
	struct station_view	v;
	struct obs		snap;
	struct sch_station	s = { &v, &snap };
	struct lp_buf		b;

	(void)state;
	fixture_station(&c, 2);
	strcpy(c.id, "gegu-east");
	memset(&v, 0, sizeof v);
	memset(&snap, 0, sizeof snap);
	v.cfg = &c;
	v.npumps = 2;
	v.has_level = 1;
	v.level_m = 2.345;
	v.rain_mm = 12.5;
	v.storm = 1;
	v.nalarms = 2;
	v.rain_mmh5 = 30;
	v.running = 1;
	v.mode = VIEW_REMOTE;
	v.comms = CORE_COMMS_OK;
	snap.nlevels = 2;
	snap.level_m[0] = 2.345;
	snap.level_ok[0] = 1;
	snap.level_ok[1] = 0;
	snap.outfall_m = 2.1;
	snap.outfall_ok = 1;
	snap.npumps = 2;
	snap.pump[0].flags = OBS_PU_RUNNING | OBS_PU_AVAILABLE;
	snap.pump[0].current_a = 123.4;
	snap.pump[0].speed_pct = 100;
	snap.pump[0].run_s = 3600;
	snap.pump[0].starts = 7;
	snap.pump[1].flags = OBS_PU_FAULT;
	lp_init(&b);
	sch_station(&b, &s, 1764000000123LL);
	assert_string_equal(b.data,
	    "station,station=gegu-east,kind=stormwater level_m=2.345,"
	    "level_a_m=2.345,rain_mm_h=30,rain_mm=12.5,outfall_m=2.1,"
	    "pumps_running=1i,storm=1i,mode=1i,stop_m=1,duty_m=1.6,"
	    "high_alarm_m=3.8,flood_m=4.8,comms=0i,alarms=2i 1764000000123\n"
	    "pump,station=gegu-east,pump=1 running=1i,fault=0i,available=1i,"
	    "current_a=123.4,speed_pct=100,run_s=3600i,starts=7i "
	    "1764000000123\n"
	    "pump,station=gegu-east,pump=2 running=0i,fault=1i,available=0i,"
	    "current_a=0,speed_pct=0,run_s=0i,starts=0i 1764000000123\n");
	lp_free(&b);
}

static void
test_station_without_data(void **state)
{
	struct cfg_station	c;
	struct station_view	v;
	struct sch_station	s = { &v, NULL };
	struct lp_buf		b;

	(void)state;
	fixture_station(&c, 3);
	c.kind = CFG_SEWAGE;
	memset(&v, 0, sizeof v);
	v.cfg = &c;
	v.npumps = 3;
	v.nalarms = 1;
	v.comms = CORE_COMMS_DOWN;
	lp_init(&b);
	sch_station(&b, &s, 5);
	assert_string_equal(b.data,
	    "station,station=test,kind=sewage comms=2i,alarms=1i 5\n");
	lp_free(&b);
}

static void
test_events(void **state)
{
	struct core_out		out;
	struct lp_buf		b;

	(void)state;
	memset(&out, 0, sizeof out);
	out.nevents = 2;
	out.ev[0].kind = CORE_EV_ALARM_ON;
	strcpy(out.ev[0].text, "high level");
	out.ev[1].kind = CORE_EV_INFO;
	strcpy(out.ev[1].text, "start pump 2");
	lp_init(&b);
	sch_events(&b, "xiaozhan-north", &out, 100);
	assert_string_equal(b.data,
	    "event,station=xiaozhan-north,type=alarm text=\"high level\" 100\n"
	    "event,station=xiaozhan-north,type=info text=\"start pump 2\" "
	    "101\n");
	lp_free(&b);
}

/* An alarm's change: type alarm_state, its id a tag, priority, state,
 * was, pump and the operator as fields; an audit entry its own type. */
static void
test_alarm_and_audit_events(void **state)
{
	struct alarm_event	e = { 3202, ALARM_PUMP_FAULT, 2, ALARM_ACKED,
				    ALARM_UNACK, ALARM_HIGH, 1 };
	struct lp_buf		b;

	(void)state;
	lp_init(&b);
	sch_alarm(&b, "beishilin", &e, "pump 2 fault", "alice", 100);
	e.state = ALARM_UNACK;
	e.was = ALARM_NORMAL;
	sch_alarm(&b, "beishilin", &e, "pump 2 fault", NULL, 101);
	sch_audit(&b, "bob", 1001, "shelve", "[\"1000\",\"--for\",\"1h\"]",
	    "error", "a shelf needs both", 102);
	assert_string_equal(b.data,
	    "event,station=beishilin,type=alarm_state,id=3202 "
	    "alarm=\"pump_fault\",pump=2i,priority=\"high\",state=\"ACKED\","
	    "was=\"UNACK\",text=\"pump 2 fault\",operator=\"alice\" 100\n"
	    "event,station=beishilin,type=alarm_state,id=3202 "
	    "alarm=\"pump_fault\",pump=2i,priority=\"high\",state=\"UNACK\","
	    "was=\"NORMAL\",text=\"pump 2 fault\" 101\n"
	    "event,type=audit user=\"bob\",uid=1001i,cmd=\"shelve\","
	    "args=\"[\\\"1000\\\",\\\"--for\\\",\\\"1h\\\"]\","
	    "result=\"error\",error=\"a shelf needs both\" 102\n");
	lp_free(&b);
}

/* The mode field is the view's, L1's SUPERVISED included. */
static void
test_mode_from_view(void **state)
{
	static const struct {
		enum view_mode	m;
		const char	*field;
	} t[] = {
		{ VIEW_PLC_FALLBACK, "mode=0i" }, { VIEW_REMOTE, "mode=1i" },
		{ VIEW_WATCHING, "mode=2i" }, { VIEW_SUPERVISED, "mode=3i" },
	};
	struct cfg_station	c;
	struct station_view	v;
	struct obs		snap;
	struct sch_station	s = { &v, &snap };
	struct lp_buf		b;
	size_t			i;

	(void)state;
	fixture_station(&c, 1);
	memset(&snap, 0, sizeof snap);
	lp_init(&b);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&v, 0, sizeof v);
		v.cfg = &c;
		v.mode = t[i].m;
		lp_reset(&b);
		sch_station(&b, &s, 1);
		assert_non_null(strstr(b.data, t[i].field));
	}
	lp_free(&b);
}

static void
test_self(void **state)
{
	struct sch_self	me = { 0 };
	struct lp_buf	b;

	(void)state;
	me.ok = 29;
	me.down = 1;
	me.points_sent = 1000;
	lp_init(&b);
	sch_self(&b, &me, 7);
	assert_string_equal(b.data, "pumpd cycle_overruns=0i,max_lag_ms=0,"
	    "stations_ok=29i,stations_stale=0i,stations_down=1i,"
	    "replies_rejected=0i,poll_failures=0i,points_sent=1000i,"
	    "points_spooled=0i,points_dropped=0i,points_rejected=0i,"
	    "spool_bytes=0i,write_ms=0,reply_tid=0i,reply_protocol=0i,"
	    "reply_length=0i,reply_unit=0i,reply_function=0i,reply_count=0i,"
	    "reply_trailing=0i,reply_exception=0i,reply_timeout=0i,"
	    "commands_acked=0i,state_save_failures=0i 7\n");
	me.nrtt = 10;
	me.poll_p50_ms = 1.5;
	me.poll_p99_ms = 9;
	lp_reset(&b);
	sch_self(&b, &me, 8);
	assert_non_null(strstr(b.data, "pumpd poll_p50_ms=1.5,poll_p99_ms=9,"));
	lp_free(&b);
}

/* The failed requests by cause and the command ages. */
static void
test_self_replies_and_commands(void **state)
{
	struct sch_self	me = { 0 };
	struct lp_buf	b;

	(void)state;
	me.causes[MBTCP_E_TID] = 1;
	me.causes[MBTCP_E_PROTOCOL] = 2;
	me.causes[MBTCP_E_LENGTH] = 3;
	me.causes[MBTCP_E_UNIT] = 4;
	me.causes[MBTCP_E_FUNCTION] = 5;
	me.causes[MBTCP_E_COUNT] = 6;
	me.causes[MBTCP_E_TRAILING] = 7;
	me.causes[MBTCP_E_EXCEPTION] = 8;
	me.causes[MBTCP_E_TIMEOUT] = 9;
	me.causes[MBTCP_E_IO] = 10;	/* in poll_failures only */
	me.ncmd = 30;
	me.cmd_age_p99_ms = 2.5;
	me.cmd_age_max_ms = 12;
	lp_init(&b);
	sch_self(&b, &me, 9);
	assert_non_null(strstr(b.data, ",write_ms=0,reply_tid=1i,"
	    "reply_protocol=2i,reply_length=3i,reply_unit=4i,"
	    "reply_function=5i,reply_count=6i,reply_trailing=7i,"
	    "reply_exception=8i,reply_timeout=9i,commands_acked=30i,"
	    "cmd_age_p99_ms=2.5,cmd_age_max_ms=12,state_save_failures=0i 9\n"));
	assert_null(strstr(b.data, "=10i"));
	lp_free(&b);
}

/* With an estimate: the inflow, its trend and confidence, drawdown,
 * feed-forward's pumps, the reach's share, and each pump's flow. */
static void
test_estimates(void **state)
{
	struct cfg_station	c;
	struct station_view	v;
	struct obs		snap;
	struct sch_station	s = { &v, &snap };
	struct lp_buf		b;

	(void)state;
	fixture_station(&c, 1);
	strcpy(c.id, "x");
	memset(&v, 0, sizeof v);
	memset(&snap, 0, sizeof snap);
	v.cfg = &c;
	v.npumps = 1;
	v.has_estim = 1;
	v.inflow_m3s = 1.25;
	v.inflow_trend_m3s2 = 0.001;
	v.inflow_conf = 0.5;
	v.drawdown = 1;
	v.ff_pumps = 2;
	v.coord_limit = 1;
	v.pump_m3s[0] = 1.375;
	snap.npumps = 1;
	lp_init(&b);
	sch_station(&b, &s, 1000);
	assert_non_null(strstr(b.data, "flood_m=4.8,inflow_m3s=1.25,"
	    "inflow_trend_m3s2=0.001,inflow_conf=0.5,drawdown=1i,ff_pumps=2i,"
	    "coord_limit=1i,comms=0i"));
	assert_non_null(strstr(b.data, "starts=0i,flow_est_m3s=1.375 1000"));
	lp_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_station_and_pumps),
		cmocka_unit_test(test_station_without_data),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_mode_from_view),
		cmocka_unit_test(test_alarm_and_audit_events),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_self_replies_and_commands),
		cmocka_unit_test(test_estimates),
	};

	return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
