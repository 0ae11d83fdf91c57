/*
 * Rainfall scenarios: the Tianjin design storm reproduces the design depths
 * of ../shared/design-rainfall-tianjin.md, its shape is the Chicago
 * hyetograph of the design note, and the other scenarios parse and add up.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rain.h"

/* Li et al. (2012) table 1, Tianjin station, mm. */
static const struct {
	double	p;
	double	mm[3];	/* 30, 60, 120 min */
} table[] = {
	{ 1, { 27.75, 36.99, 47.51 } },
	{ 2, { 32.53, 43.36, 55.69 } },
	{ 3, { 35.33, 47.09, 60.47 } },
	{ 5, { 38.85, 51.78, 66.50 } },
	{ 10, { 43.63, 58.15, 74.68 } },
	{ 20, { 48.41, 64.52, 82.86 } },
	{ 50, { 54.72, 72.94, 93.67 } },
};
static const double durations[3] = { 30, 60, 120 };

/* Every design storm of the table totals within 5 % of its depth. */
static void
test_design_depths(void **state)
{
	struct rain	 r;
	char		 spec[64], *cause = NULL;
	size_t		 i;
	int		 j;

	(void)state;
	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		for (j = 0; j < 3; j++) {
			snprintf(spec, sizeof spec, "storm:%g:%g", table[i].p,
			    durations[j]);
			assert_int_equal(rain_parse(spec, &r, &cause), 0);
			assert_true(fabs(rain_total_mm(&r) / table[i].mm[j] -
			    1) < 0.05);
			/* and the fit is in fact much closer */
			assert_true(fabs(rain_idf_depth_mm(table[i].p,
			    durations[j]) / table[i].mm[j] - 1) < 0.005);
			rain_free(&r);
		}
}

/* Chicago intensity of the design note, mm/min, t minutes from the start. */
static double
chicago_i(double p, double d, double r, double t)
{
	double	a = RAIN_A1 * (1 + RAIN_C * log10(p)), tp = r * d, x, k;

	if (t < tp) {
		x = (tp - t);
		k = r;
	} else {
		x = t - tp;
		k = 1 - r;
	}
	return a * ((1 - RAIN_N) * x / k + RAIN_B_MIN) /
	    pow(x / k + RAIN_B_MIN, 1 + RAIN_N);
}

/* The closed-form cumulative depth matches the integral of the note's
 * intensities, and the peak sits at r x duration. */
static void
test_hyetograph_shape(void **state)
{
	struct rain	 r;
	char		*cause = NULL;
	double		 sum = 0, dt = 0.01, t, i_peak = 0, t_peak = 0, i;

	(void)state;
	assert_int_equal(rain_parse("storm:3:120", &r, &cause), 0);
	for (t = 0; t < 120; t += dt) {
		sum += chicago_i(3, 120, RAIN_PEAK_R, t + dt / 2) * dt;
		if (fmod(t, 1.0) < dt / 2 && t > 0)
			assert_float_equal(sum, rain_depth_mm(&r, (t + dt) * 60),
			    0.05);
		i = (rain_depth_mm(&r, (t + dt) * 60) -
		    rain_depth_mm(&r, t * 60)) / dt;
		if (i > i_peak) {
			i_peak = i;
			t_peak = t;
		}
	}
	assert_float_equal(sum, rain_total_mm(&r), 0.1);
	assert_float_equal(t_peak, 0.375 * 120, 0.05);
	rain_free(&r);
}

static void
test_start_offset_and_const(void **state)
{
	struct rain	 r;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(rain_parse("const:30:60@10", &r, &cause), 0);
	assert_float_equal(rain_depth_mm(&r, 600), 0, 1e-9);
	assert_float_equal(rain_depth_mm(&r, 1200), 5, 1e-9);
	assert_float_equal(rain_total_mm(&r), 30, 1e-9);
	assert_int_equal(rain_parse("none", &r, &cause), 0);
	assert_float_equal(rain_total_mm(&r), 0, 1e-9);
}

static void
test_csv(void **state)
{
	struct rain	 r;
	char		 path[] = "/tmp/test_rain.XXXXXX", *cause = NULL;
	char		 spec[64];
	FILE		*f;

	(void)state;
	f = fdopen(mkstemp(path), "w");
	fputs("minute,mm\n0,1.5\n1,2.5\n# gap\n2,0\n", f);
	fclose(f);
	snprintf(spec, sizeof spec, "csv:%s", path);
	assert_int_equal(rain_parse(spec, &r, &cause), 0);
	assert_int_equal(r.nmin, 3);
	assert_float_equal(rain_depth_mm(&r, 90), 1.5 + 1.25, 1e-9);
	assert_float_equal(rain_total_mm(&r), 4.0, 1e-9);
	rain_free(&r);
	f = fopen(path, "w");
	fputs("0,1.5\n2,2.5\n", f);
	fclose(f);
	assert_int_equal(rain_parse(spec, &r, &cause), -1);
	assert_non_null(strstr(cause, ":2: expected \"1,MM\""));
	free(cause);
	rain_free(&r);
	unlink(path);
}


/* A historical-style CSV with a column per station: each station's own
 * depths; a station it does not name has no column; a short row is an
 * error with its line. */
static void
test_csv_stations(void **state)
{
	struct rain	 r;
	char		 path[] = "/tmp/test_rain.XXXXXX", *cause = NULL;
	char		 spec[64];
	FILE		*f;

	(void)state;
	f = fdopen(mkstemp(path), "w");
	fputs("minute,gegu-east,xiaozhan-old\n0,1.0,0\n1,3.0,0.5\n2,0,4\n", f);
	fclose(f);
	snprintf(spec, sizeof spec, "csv:%s@10", path);
	assert_int_equal(rain_parse(spec, &r, &cause), 0);
	assert_int_equal(r.ncol, 2);
	assert_int_equal(rain_column(&r, "gegu-east"), 0);
	assert_int_equal(rain_column(&r, "xiaozhan-old"), 1);
	assert_int_equal(rain_column(&r, "beishilin"), -1);
	assert_float_equal(rain_depth_col_mm(&r, 0, 600 + 90), 1.0 + 1.5, 1e-9);
	assert_float_equal(rain_depth_col_mm(&r, 1, 600 + 90), 0.25, 1e-9);
	assert_float_equal(rain_depth_col_mm(&r, 1, 1e6), 4.5, 1e-9);
	assert_float_equal(rain_depth_col_mm(&r, 0, 1e6), 4.0, 1e-9);
	assert_float_equal(rain_end_s(&r), 600 + 180, 1e-9);
	rain_free(&r);
	f = fopen(path, "w");
	fputs("minute,a,b\n0,1.0,2.0\n1,3.0\n", f);
	fclose(f);
	snprintf(spec, sizeof spec, "csv:%s", path);
	assert_int_equal(rain_parse(spec, &r, &cause), -1);
	assert_non_null(strstr(cause, ":3: 2 depths of 0 to 100 mm expected"));
	free(cause);
	rain_free(&r);
	unlink(path);
}

/* Two storms back to back with a gap: depths add, each keeps its own
 * total, the rain ends with the second; a bad second part is refused. */
static void
test_back_to_back(void **state)
{
	struct rain	 a, b, r;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(rain_parse("storm:5:120@10", &a, &cause), 0);
	assert_int_equal(rain_parse("storm:20:360@250", &b, &cause), 0);
	assert_int_equal(rain_parse("storm:5:120@10,storm:20:360@250", &r,
	    &cause), 0);
	assert_float_equal(rain_total_mm(&r), rain_total_mm(&a) +
	    rain_total_mm(&b), 1e-9);
	assert_float_equal(rain_depth_mm(&r, 200 * 60), rain_total_mm(&a),
	    1e-9);	/* in the gap */
	assert_float_equal(rain_depth_mm(&r, 400 * 60), rain_total_mm(&a) +
	    rain_depth_mm(&b, 400 * 60), 1e-9);
	assert_float_equal(rain_end_s(&r), (250 + 360) * 60, 1e-9);
	assert_float_equal(rain_end_s(&a), 130 * 60, 1e-9);
	rain_free(&a);
	rain_free(&b);
	rain_free(&r);
	assert_int_equal(rain_parse("storm:5:120,drizzle", &r, &cause), -1);
	assert_non_null(strstr(cause, "\"drizzle\""));
	free(cause);
}

static void
test_bad_specs(void **state)
{
	static const char *bad[] = { "drizzle", "storm:0:120", "storm:3",
	    "storm:3:120:1.5", "const:-1:10", "const:10", "storm:3:x",
	    "csv:/nonexistent.csv" };
	struct rain	 r;
	char		*cause;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(rain_parse(bad[i], &r, &cause), -1);
		assert_non_null(cause);
		free(cause);
		rain_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_depths),
		cmocka_unit_test(test_hyetograph_shape),
		cmocka_unit_test(test_start_offset_and_const),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_stations),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_bad_specs),
	};

	return cmocka_run_group_tests_name("rain", tests, NULL, NULL);
}
