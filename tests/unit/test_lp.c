/*
 * Line protocol encoder against the protocol's rules and edge cases.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp.h"

static void
test_basic_types(void **state)
{
	struct lp_buf	b;

	(void)state;
	lp_init(&b);
	lp_begin(&b, "station");
	lp_tag(&b, "station", "xiaozhan-north");
	lp_tag(&b, "kind", "stormwater");
	lp_float(&b, "level_m", 1.25);
	lp_int(&b, "pumps_running", 2);
	lp_bool(&b, "storm", 1);
	lp_str(&b, "mode", "REMOTE");
	assert_int_equal(lp_end(&b, 1764000000123LL), 0);
	assert_string_equal(b.data, "station,station=xiaozhan-north,"
	    "kind=stormwater level_m=1.25,pumps_running=2i,storm=true,"
	    "mode=\"REMOTE\" 1764000000123\n");
	assert_int_equal(b.npoints, 1);
	lp_free(&b);
}

static void
test_escaping(void **state)
{
	struct lp_buf	b;

	(void)state;
	lp_init(&b);
	lp_begin(&b, "my meas,x=y");
	lp_tag(&b, "tag key", "a,b=c d");
	lp_str(&b, "field=key", "say \"hi\" \\o/");
	lp_end(&b, 1);
	assert_string_equal(b.data, "my\\ meas\\,x=y,tag\\ key=a\\,b\\=c\\ d "
	    "field\\=key=\"say \\\"hi\\\" \\\\o/\" 1\n");
	lp_free(&b);
}

static void
test_utf8_and_control(void **state)
{
	struct lp_buf	b;

	(void)state;
	lp_init(&b);
	lp_begin(&b, "event");
	lp_tag(&b, "name", "双桥河 雨水泵站");
	lp_tag(&b, "trail", "ends\\");
	lp_str(&b, "text", "line1\nline2\ttab");
	lp_end(&b, 2);
	assert_string_equal(b.data, "event,name=双桥河\\ 雨水泵站,trail=ends\\\\ "
	    "text=\"line1 line2 tab\" 2\n");
	lp_free(&b);
}

static void
test_empty_tags_and_fields(void **state)
{
	struct lp_buf	b;

	(void)state;
	lp_init(&b);
	lp_begin(&b, "pump");
	lp_tag(&b, "station", "");
	lp_tag(&b, "pump", NULL);
	lp_tag(&b, "", "x");
	lp_int(&b, "running", 0);
	lp_float(&b, "nan", NAN);
	lp_float(&b, "inf", INFINITY);
	lp_end(&b, 3);
	assert_string_equal(b.data, "pump running=0i 3\n");
	/* a point without a field is dropped whole */
	lp_begin(&b, "pump");
	lp_tag(&b, "station", "x");
	lp_float(&b, "nan", NAN);
	assert_int_equal(lp_end(&b, 4), -1);
	assert_string_equal(b.data, "pump running=0i 3\n");
	assert_int_equal(b.npoints, 1);
	lp_begin(&b, "pump");
	lp_int(&b, "n", -5);
	lp_bool(&b, "f", 0);
	lp_float(&b, "x", 1e-7);
	lp_end(&b, 5);
	assert_string_equal(b.data, "pump running=0i 3\npump n=-5i,f=false,"
	    "x=1e-07 5\n");
	lp_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.npoints, 0);
	lp_free(&b);
}

static void
test_grows(void **state)
{
	struct lp_buf	b;
	int		i;

	(void)state;
	lp_init(&b);
	for (i = 0; i < 10000; i++) {
		lp_begin(&b, "m");
		lp_int(&b, "i", i);
		lp_end(&b, i);
	}
	assert_int_equal(b.npoints, 10000);
	assert_false(b.oom);
	assert_non_null(strstr(b.data, "m i=9999i 9999\n"));
	lp_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_types),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_utf8_and_control),
		cmocka_unit_test(test_empty_tags_and_fields),
		cmocka_unit_test(test_grows),
	};

	return cmocka_run_group_tests_name("lp", tests, NULL, NULL);
}
