/*
 * Line protocol encoder against the protocol's rules and edge cases.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Numbers come out exactly as printf writes them ("%.10g", "%lldi"),
 * whichever path writes them: whole ten-thousandths by hand, the rest by
 * snprintf; over many values, signs, sizes and timestamps. */
static void
test_numbers_as_printf(void **state)
{
	static const double	fixed[] = { 0.0, -0.0, 1.0, -1.0, 0.1, 0.2,
	    0.1 + 0.2, 1.234, 1.236, 12.5, 0.0001, 0.00001, -0.0005, 100.0,
	    999999.9999, 9999999.999, 123456789.1234, 1234567890.0, 1e10,
	    -1e10, 1e-7, 3.14159265358979, 4294967296.0, 0.5e-4, 65535.0 };
	static const int64_t	ints[] = { 0, 1, -1, 9, 10, -10, 123456,
	    INT64_MAX, INT64_MIN, 1700000000000LL };
	struct lp_buf		b;
	char			want[128];
	unsigned		seed = 12345;
	double			v;
	int			i, d;

	(void)state;
	lp_init(&b);
	for (i = 0; i < 200000; i++) {
		if (i < (int)(sizeof fixed / sizeof fixed[0]))
			v = fixed[i];
		else if (i % 3 == 0)
			v = (rand_r(&seed) - RAND_MAX / 2) / 1e3 *
			    pow(10, rand_r(&seed) % 12 - 6);
		else {
			d = rand_r(&seed) % 7;
			v = (rand_r(&seed) % 2000001 - 1000000) / pow(10, d);
		}
		lp_reset(&b);
		lp_begin(&b, "m");
		lp_float(&b, "f", v);
		lp_int(&b, "i", ints[i % 10]);
		lp_end(&b, ints[(i + 3) % 10]);
		snprintf(want, sizeof want, "m f=%.10g,i=%" PRId64 "i %" PRId64
		    "\n", v, ints[i % 10], ints[(i + 3) % 10]);
		assert_string_equal(b.data, want);
	}
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
		cmocka_unit_test(test_numbers_as_printf),
	};

	return cmocka_run_group_tests_name("lp", tests, NULL, NULL);
}
