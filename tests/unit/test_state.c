/*
 * cmocka tests of the state file (daemon/state.c) in a temporary
 * directory: a JSON round trip through the writer thread, the old binary
 * format (PUMPDST1) read and converted, a corrupt file, a future major
 * version and a missing field set aside, unknown alarm names skipped with
 * a note, extra fields of a newer minor version ignored, the start
 * ring kept in order, and operators' overrides and lock-outs: kept, read
 * as none from a 1.0 file, an unknown manual command refused.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"

static char dir[64];

/* A fresh temporary directory. */
static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_state.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* Remove the directory and what is in it. */
static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

/* Write text as dir/state. */
static void
put_file(const void *buf, size_t len)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof path, "%s/state", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* The contents of dir/name (at most len - 1 bytes) in buf. */
static size_t
get_file(const char *name, char *buf, size_t len)
{
	char	 path[160];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* The name of the one set-aside file in dir, or "" when there is none. */
static const char *
bad_name(char *buf, size_t len)
{
	struct dirent	*e;
	DIR		*d = opendir(dir);
	int		 n = 0;

	buf[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "state.bad-", 10) == 0) {
			snprintf(buf, len, "%s", e->d_name);
			n++;
		}
	closedir(d);
	assert_true(n <= 1);
	return buf;
}

/* A record with something in every field. */
static void
fill(struct core_persist *r, const char *id, int seed)
{
	int	i, k;

	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->saved_ms = 1764399600123LL + seed;
	r->lasting.alarms = CORE_AL_HIGH_LEVEL | CORE_AL_PUMP_FAULT | CORE_AL_DOOR_OPEN;
	r->lasting.storm = seed & 1;
	r->lasting.last_rain_ms = 1764399000000LL + seed;
	r->lasting.rain_mm = 12.3456789 + seed;
	for (i = 0; i < 5; i++) {
		r->lasting.bucket_min[(29406660 + i) % CORE_RAIN_MIN] = 29406660 + i;
		r->lasting.bucket_mm[(29406660 + i) % CORE_RAIN_MIN] = 0.1 * i + 1e-9;
	}
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 4 + k; i++)
			r->lasting.pump[k].start_ms[i] = 1764390000000LL + i * 60000 + k;
		r->lasting.pump[k].nstarts = 4 + k;
		r->lasting.pump[k].off_ms = 1764399500000LL - k;
	}
}

/* Operators' overrides and lock-outs in r (state 1.1), a reason in
 * Chinese. */
static void
fill_overrides(struct core_persist *r, int seed)
{
	r->lasting.local = seed & 1;
	r->lasting.local_until_ms = 1764403200000LL + seed;
	r->lasting.pump[0].man = CORE_MAN_RUN;
	r->lasting.pump[0].man_until_ms = 1764400500000LL;
	snprintf(r->lasting.pump[0].man_why, CORE_REASON_MAX, "draw down");
	r->lasting.pump[1].man = CORE_MAN_STOP;
	r->lasting.pump[1].man_until_ms = CORE_FOREVER;
	r->lasting.lockout_mask = 0x4;
	r->lasting.pump[2].lock_ms = 1764390000000LL;
	snprintf(r->lasting.pump[2].lock_why, CORE_REASON_MAX, "轴承更换");
}

/* Load dir/state expecting success; the records, count and note. */
static struct core_persist *
load_ok(int *n, char **note)
{
	struct core_persist	*rec;
	char			*cause = NULL;

	if (state_load(dir, &rec, n, note, &cause) != 0)
		fail_msg("state_load: %s", cause ? cause : "?");
	return rec;
}

/* Load dir/state expecting a refusal; the cause (to be freed). */
static char *
load_bad(void)
{
	struct core_persist	*rec;
	char			*cause = NULL, *note = NULL;
	int			 n;

	assert_int_equal(state_load(dir, &rec, &n, &note, &cause), -1);
	assert_null(rec);
	assert_null(note);
	assert_non_null(cause);
	return cause;
}

/* Records saved by the writer come back exactly, from a JSON file,
 * operators' overrides and lock-outs with them. */
static void
test_round_trip(void **state)
{
	struct core_persist	 in[2], *out;
	struct state		 st;
	char			*cause = NULL, *note = NULL, buf[65536];
	int			 n;

	(void)state;
	fill(&in[0], "gegu-east", 0);
	fill(&in[1], "shuangqiaohe", 1);
	fill_overrides(&in[0], 0);
	fill_overrides(&in[1], 1);
	assert_int_equal(state_open(&st, dir, &cause), 0);
	state_save(&st, in, 2);
	state_close(&st);
	assert_true(get_file("state", buf, sizeof buf) > 0);
	assert_int_equal(buf[0], '{');
	assert_non_null(strstr(buf, "\"door_open\""));
	assert_int_equal(get_file("state.tmp", buf, sizeof buf), 0);
	out = load_ok(&n, &note);
	assert_null(note);
	assert_int_equal(n, 2);
	assert_memory_equal(&out[0], &in[0], sizeof in[0]);
	assert_memory_equal(&out[1], &in[1], sizeof in[1]);
	free(out);
}

/*
 * The old binary format, as pumpd wrote it before JSON: its layout frozen
 * here (the v1 header, then records laid out as struct core_persist was).
 */
struct old_hdr {
	char		magic[8];
	uint32_t	version, recsize, count, pad;
};
struct old_rec {
	char	 id[32];
	int64_t	 saved_ms;
	uint32_t alarms;
	int	 storm;
	int64_t	 last_rain_ms;
	double	 rain_mm;
	double	 bucket_mm[61];
	int64_t	 bucket_min[61];
	struct {
		int64_t	start_ms[16];
		int	nstarts;
		int64_t	off_ms;
	} pump[8];
};

/* An old binary file is read and converted, with a note; bit 5 was
 * "high level", bit 13 "pump fault", bit 18 "door open". */
static void
test_old_binary(void **state)
{
	struct {
		struct old_hdr	h;
		struct old_rec	r[2];
	}			 f;
	struct core_persist	 want, *out;
	char			*note = NULL;
	int			 n, i, k;

	(void)state;
	memset(&f, 0, sizeof f);
	memcpy(f.h.magic, "PUMPDST1", 8);
	f.h.version = 1;
	f.h.recsize = sizeof f.r[0];
	f.h.count = 2;
	fill(&want, "gegu-east", 0);
	snprintf(f.r[0].id, sizeof f.r[0].id, "gegu-east");
	f.r[0].saved_ms = want.saved_ms;
	f.r[0].alarms = (1u << 5) | (1u << 13) | (1u << 18);
	f.r[0].storm = want.lasting.storm;
	f.r[0].last_rain_ms = want.lasting.last_rain_ms;
	f.r[0].rain_mm = want.lasting.rain_mm;
	memcpy(f.r[0].bucket_mm, want.lasting.bucket_mm, sizeof f.r[0].bucket_mm);
	memcpy(f.r[0].bucket_min, want.lasting.bucket_min, sizeof f.r[0].bucket_min);
	for (k = 0; k < 8; k++) {
		for (i = 0; i < 16; i++)
			f.r[0].pump[k].start_ms[i] = want.lasting.pump[k].start_ms[i];
		f.r[0].pump[k].nstarts = want.lasting.pump[k].nstarts;
		f.r[0].pump[k].off_ms = want.lasting.pump[k].off_ms;
	}
	snprintf(f.r[1].id, sizeof f.r[1].id, "second");
	put_file(&f, sizeof f);
	out = load_ok(&n, &note);
	assert_int_equal(n, 2);
	assert_memory_equal(&out[0], &want, sizeof want);
	assert_string_equal(out[1].id, "second");
	assert_non_null(note);
	assert_non_null(strstr(note, "converted from the old binary format"));
	free(note);
	free(out);
}

/* A corrupt file is set aside, with its contents, and the cause says so. */
static void
test_corrupt_set_aside(void **state)
{
	char	*cause, name[300], buf[256];

	(void)state;
	put_file("{\"format\": \"pumpd state\", \"vers", 31);
	cause = load_bad();
	assert_non_null(strstr(cause, "not JSON"));
	assert_non_null(strstr(cause, "set aside as"));
	assert_true(bad_name(name, sizeof name)[0] != '\0');
	assert_non_null(strstr(cause, name));
	assert_int_equal(get_file("state", buf, sizeof buf), 0);
	assert_int_equal(get_file(name, buf, sizeof buf), 31);
	free(cause);
}

/* A station as JSON, with the alarms given. */
#define STATION(alarms) "{\"saved_ms\": 1000, \"alarms\": [" alarms "], " \
	"\"storm\": true, \"last_rain_ms\": 0, \"rain_mm\": 0, " \
	"\"rain_minutes\": [], \"pumps\": [{\"starts_ms\": [5, 6], " \
	"\"off_ms\": 7}]}"

/* Unknown alarm names are skipped with a note; known ones are taken. */
static void
test_unknown_alarm(void **state)
{
	static const char doc[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 0}, \"stations\": "
	    "{\"a\": " STATION("\"high_level\", \"flux_capacitor\"") "}}";
	struct core_persist	*out;
	char			*note = NULL;
	int			 n;

	(void)state;
	put_file(doc, strlen(doc));
	out = load_ok(&n, &note);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].lasting.alarms, CORE_AL_HIGH_LEVEL);
	assert_int_equal(out[0].lasting.storm, 1);
	assert_int_equal(out[0].lasting.pump[0].nstarts, 2);
	assert_int_equal(out[0].lasting.pump[0].start_ms[1], 6);
	assert_int_equal(out[0].lasting.pump[0].off_ms, 7);
	assert_non_null(note);
	assert_non_null(strstr(note, "station a: unknown alarm "
	    "\"flux_capacitor\" skipped"));
	free(note);
	free(out);
}

/* A newer major version is not read: set aside. */
static void
test_future_major(void **state)
{
	static const char doc[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 2, \"minor\": 0}, \"stations\": "
	    "{\"a\": " STATION("") "}}";
	char	*cause, name[300];

	(void)state;
	put_file(doc, strlen(doc));
	cause = load_bad();
	assert_non_null(strstr(cause, "version 2.0, this pumpd reads 1.x"));
	assert_true(bad_name(name, sizeof name)[0] != '\0');
	free(cause);
}

/* A newer minor version's extra fields are ignored. */
static void
test_newer_minor(void **state)
{
	static const char doc[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 7}, \"hint\": 1, "
	    "\"stations\": {\"a\": {\"saved_ms\": 1000, \"alarms\": [], "
	    "\"storm\": false, \"last_rain_ms\": 0, \"rain_mm\": 2.5, "
	    "\"rain_minutes\": [[61, 0.5]], \"new\": {}, \"pumps\": []}}}";
	struct core_persist	*out;
	char			*note = NULL;
	int			 n;

	(void)state;
	put_file(doc, strlen(doc));
	out = load_ok(&n, &note);
	assert_null(note);
	assert_int_equal(n, 1);
	assert_true(out[0].lasting.rain_mm == 2.5);
	assert_int_equal(out[0].lasting.bucket_min[61 % CORE_RAIN_MIN], 61);
	assert_true(out[0].lasting.bucket_mm[61 % CORE_RAIN_MIN] == 0.5);
	free(out);
}

/* A station without a field it needs: the file is set aside. */
static void
test_missing_field(void **state)
{
	static const char doc[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 0}, \"stations\": "
	    "{\"a\": {\"saved_ms\": 1000, \"alarms\": [], \"storm\": false, "
	    "\"last_rain_ms\": 0, \"rain_minutes\": [], \"pumps\": []}}}";
	char	*cause, name[300];

	(void)state;
	put_file(doc, strlen(doc));
	cause = load_bad();
	assert_non_null(strstr(cause, "station a:"));
	assert_non_null(strstr(cause, "rain_mm"));
	assert_true(bad_name(name, sizeof name)[0] != '\0');
	free(cause);
}

/* A 1.0 file, pumps without the override fields: read, no override in
 * force; the 1.1 names are in the file written. */
static void
test_overrides_old_file(void **state)
{
	static const char doc[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 0}, \"stations\": "
	    "{\"a\": {\"saved_ms\": 1000, \"alarms\": [], \"storm\": false, "
	    "\"last_rain_ms\": 0, \"rain_mm\": 0, \"rain_minutes\": [], "
	    "\"pumps\": [{\"starts_ms\": [5], \"off_ms\": 7}]}}}";
	struct core_persist	*out;
	struct state		 st;
	char			*cause = NULL, *note = NULL, buf[65536];
	int			 n, k;

	(void)state;
	put_file(doc, strlen(doc));
	out = load_ok(&n, &note);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].lasting.pump[0].off_ms, 7);
	assert_int_equal(out[0].lasting.local, 0);
	assert_int_equal(out[0].lasting.lockout_mask, 0);
	for (k = 0; k < OBS_MAX_PUMPS; k++)
		assert_int_equal(out[0].lasting.pump[k].man, CORE_MAN_AUTO);
	out[0].lasting.pump[0].man = CORE_MAN_STOP;
	out[0].lasting.pump[0].man_until_ms = 9000;
	assert_int_equal(state_open(&st, dir, &cause), 0);
	state_save(&st, out, 1);
	state_close(&st);
	assert_true(get_file("state", buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "\"manual\": \"stop\""));
	assert_non_null(strstr(buf, "\"manual_until_ms\": 9000"));
	assert_non_null(strstr(buf, "\"local_until_ms\""));
	assert_non_null(strstr(buf, "\"minor\": 2"));
	free(out);
}

/* A manual command this pumpd does not know: the file is set aside, with
 * a cause that names it. */
static void
test_overrides_bad_manual(void **state)
{
	static const char doc[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 1}, \"stations\": "
	    "{\"a\": {\"saved_ms\": 1000, \"alarms\": [], \"storm\": false, "
	    "\"last_rain_ms\": 0, \"rain_mm\": 0, \"rain_minutes\": [], "
	    "\"pumps\": [{\"starts_ms\": [], \"off_ms\": 0, "
	    "\"manual\": \"spin\"}]}}}";
	char	*cause, name[300];

	(void)state;
	put_file(doc, strlen(doc));
	cause = load_bad();
	assert_non_null(strstr(cause, "pump 1: manual: \"spin\""));
	assert_true(bad_name(name, sizeof name)[0] != '\0');
	free(cause);
}

/* The alarms' acknowledgements and shelves (1.2) go round: saved with
 * the records, read back whole; a 1.1 file has none (1), and bad entries
 * are skipped, not fatal. */
static void
test_alarms_round_trip(void **state)
{
	static const char old[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 1}, \"stations\": {}, "
	    "\"district\": {\"warning\": 0, \"limits\": {}}}";
	static const char bad[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 2}, \"stations\": {}, "
	    "\"alarms\": [ {\"station\": \"a\", \"alarm\": \"estop\", "
	    "\"pump\": 99}, {\"alarm\": \"estop\"}, 7, {\"station\": \"b\", "
	    "\"alarm\": \"door_open\", \"pump\": 0, \"acked\": true} ]}";
	struct state_alarm	 a[2], *got;
	struct core_persist	 rec, *out;
	struct state		 st;
	char			*cause = NULL, *note = NULL;
	int			 n;

	(void)state;
	memset(a, 0, sizeof a);
	memset(&rec, 0, sizeof rec);
	snprintf(rec.id, sizeof rec.id, "gegu-east");
	snprintf(a[0].station, sizeof a[0].station, "gegu-east");
	snprintf(a[0].kind, sizeof a[0].kind, "high_high");
	a[0].acked = 1;
	snprintf(a[1].station, sizeof a[1].station, "gegu-east");
	snprintf(a[1].kind, sizeof a[1].kind, "pump_fault");
	a[1].pump = 2;
	a[1].shelf_ms = 1764000000000LL;
	snprintf(a[1].why, sizeof a[1].why, "breaker under repair");
	assert_int_equal(state_open(&st, dir, &cause), 0);
	state_set_alarms(&st, a, 2);
	state_save(&st, &rec, 1);
	state_close(&st);
	assert_int_equal(state_load_alarms(dir, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(&got[0], &a[0], sizeof a[0]);
	assert_memory_equal(&got[1], &a[1], sizeof a[1]);
	free(got);
	out = load_ok(&n, &note);	/* the records still load */
	assert_int_equal(n, 1);
	free(out);

	put_file(old, strlen(old));
	assert_int_equal(state_load_alarms(dir, &got, &n), 1);
	assert_int_equal(n, 0);
	assert_null(got);
	put_file(bad, strlen(bad));
	assert_int_equal(state_load_alarms(dir, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].station, "b");
	assert_true(got[0].acked);
	free(got);
}

/* No file: 1, nothing set aside. */
static void
test_no_file(void **state)
{
	struct core_persist	*rec;
	char			*cause = NULL, *note = NULL, name[300];
	int			 n;

	(void)state;
	assert_int_equal(state_load(dir, &rec, &n, &note, &cause), 1);
	assert_string_equal(bad_name(name, sizeof name), "");
}

/* A pump's ring of 16 starts that wrapped comes back oldest first, the
 * latest 16 kept, and goes on wrapping in the right place. */
static void
test_start_ring(void **state)
{
	struct core_persist	 in, *out;
	struct state		 st;
	char			*cause = NULL, *note = NULL;
	int			 n, i;

	(void)state;
	memset(&in, 0, sizeof in);
	snprintf(in.id, sizeof in.id, "ring");
	for (i = 0; i < 20; i++)	/* as core.c files them */
		in.lasting.pump[0].start_ms[i % 16] = 1000 + i;
	in.lasting.pump[0].nstarts = 20;
	assert_int_equal(state_open(&st, dir, &cause), 0);
	state_save(&st, &in, 1);
	state_close(&st);
	out = load_ok(&n, &note);
	assert_int_equal(out[0].lasting.pump[0].nstarts, 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(out[0].lasting.pump[0].start_ms[i], 1004 + i);
	free(out);
}

/* The district's inputs (warning, discharge limit) go through the writer
 * and come back; a 1.0 file without them, or a bad warning, reads as no
 * warning and no limit, and its stations are still read; a bad limit is
 * skipped, the others taken. */
static void
test_district(void **state)
{
	static const char old[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 0}, \"stations\": "
	    "{\"a\": " STATION("\"high_level\"") "}}";
	static const char bad[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 1}, \"stations\": "
	    "{}, \"district\": {\"warning\": 9, \"limits\": {\"a\": 1}}}";
	static const char badlim[] = "{\"format\": \"pumpd state\", "
	    "\"version\": {\"major\": 1, \"minor\": 1}, \"stations\": "
	    "{}, \"district\": {\"warning\": 1, \"limits\": {\"a\": 99, "
	    "\"b\": \"2\", \"c\": 3}}}";
	struct state_district	 d, back;
	struct core_persist	 rec, *out;
	struct state		 st;
	char			*cause = NULL, *note = NULL;
	int			 n;

	(void)state;
	memset(&d, 0, sizeof d);
	d.warning = 4;
	d.nlimits = 2;
	strcpy(d.limit[0].id, "a");
	d.limit[0].pumps = 2;
	strcpy(d.limit[1].id, "b");
	d.limit[1].pumps = 0;
	memset(&rec, 0, sizeof rec);
	strcpy(rec.id, "a");
	assert_int_equal(state_open(&st, dir, &cause), 0);
	state_set_district(&st, &d);
	state_save(&st, &rec, 1);
	state_close(&st);
	assert_int_equal(state_load_district(dir, &back), 0);
	assert_int_equal(back.warning, 4);
	assert_int_equal(back.nlimits, 2);
	assert_string_equal(back.limit[0].id, "a");
	assert_int_equal(back.limit[0].pumps, 2);
	assert_string_equal(back.limit[1].id, "b");
	assert_int_equal(back.limit[1].pumps, 0);
	put_file(old, strlen(old));
	assert_int_equal(state_load_district(dir, &back), 1);
	assert_int_equal(back.warning, 0);
	assert_int_equal(back.nlimits, 0);
	out = load_ok(&n, &note);
	assert_int_equal(n, 1);
	free(out);
	free(note);
	put_file(bad, strlen(bad));
	assert_int_equal(state_load_district(dir, &back), 1);
	assert_int_equal(back.warning, 0);
	assert_int_equal(back.nlimits, 0);
	put_file(badlim, strlen(badlim));
	assert_int_equal(state_load_district(dir, &back), 0);
	assert_int_equal(back.nlimits, 1);
	assert_string_equal(back.limit[0].id, "c");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_binary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_set_aside, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_alarm, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_future_major, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_district, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_minor, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_field, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alarms_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_start_ring, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overrides_old_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overrides_bad_manual,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
