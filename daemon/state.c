/*
 * The state file.  See state.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"

/*
 * The document, version 1.0:
 *
 *   { "format": "pumpd state", "version": { "major": 1, "minor": 1 },
 *     "stations": { "<id>": {
 *       "saved_ms": 1764399600000,           wall clock, ms since 1970
 *       "alarms": [ "high_level", ... ],     by name, never by bit
 *       "storm": false,
 *       "last_rain_ms": 0, "rain_mm": 0.0,   rain since that pumpd started
 *       "rain_minutes": [ [ minute, mm ], ... ],   minute = ms / 60000
 *       "pumps": [ { "starts_ms": [ ... ], "off_ms": 0 }, ... ] } },
 *     "district": { "warning": 4,                       since 1.1
 *                   "limits": { "<id>": 1, ... } },  pumps at most
 *     "alarms": [ { "station": "<id>", "alarm": "high_level",   since 1.2
 *                   "pump": 0, "acked": true, "shelved_until_ms": 0,
 *                   "reason": "" }, ... ] }
 *
 * A station's "lockout_mask" (bit k: pump k + 1 locked out) is optional.
 * Added in 1.1 (older files without them stay readable, as no override):
 * a station's "local" and "local_until_ms" (an operator's hand-over to its
 * PLC), and each pump's "manual" ("auto", "run" or
 * "stop"), "manual_until_ms", "manual_reason", "lockout_since_ms" and
 * "lockout_reason".  Expiries are wall-clock ms; 9223372036854775807 is
 * none.
 *
 * A newer minor version only adds fields, which this reader ignores; a
 * newer major version is not read.  starts_ms lists a pump's recent starts
 * oldest first.
 */
#define STATE_FORMAT	"pumpd state"
#define STATE_MAJOR	1
#define STATE_MINOR	2
#define STATE_STARTS	CORE_STARTS	/* starts kept per pump (core_persist) */

/* The stable names of the alarms that are saved, whatever their bits. */
static const struct {
	uint32_t	 bit;
	const char	*name;
} state_alarms[] = {
	{ CORE_AL_COMMS, "comms" },
	{ CORE_AL_LEVEL_A, "level_a_rejected" },
	{ CORE_AL_LEVEL_B, "level_b_rejected" },
	{ CORE_AL_LEVEL_DISAGREE, "levels_disagree" },
	{ CORE_AL_LEVEL_LOST, "level_lost" },
	{ CORE_AL_HIGH_LEVEL, "high_level" },
	{ CORE_AL_HIGH_HIGH, "high_high" },
	{ CORE_AL_REMOTE_OFF, "remote_off" },
	{ CORE_AL_WATCHDOG, "watchdog" },
	{ CORE_AL_ESTOP, "emergency_stop" },
	{ CORE_AL_MAINS, "mains_failure" },
	{ CORE_AL_OUTFALL, "outfall_high" },
	{ CORE_AL_LIMIT_OVERRIDDEN, "limit_overridden" },
	{ CORE_AL_PUMP_FAULT, "pump_fault" },
	{ CORE_AL_FAIL_TO_START, "fail_to_start" },
	{ CORE_AL_RESTART, "plc_restart" },
	{ CORE_AL_SECOND_MASTER, "second_master" },
	{ CORE_AL_LOW_LOW, "low_low" },
	{ CORE_AL_DOOR_OPEN, "door_open" },
	{ CORE_AL_LOCAL_CONTROL, "local_control" },
	{ CORE_AL_PUMPS_SHORT, "pumps_short" },
	{ CORE_AL_MANUAL_OVERRIDDEN, "manual_stop_overridden" },
};
#define STATE_NALARMS	(sizeof state_alarms / sizeof state_alarms[0])

/*
 * The old binary format, "PUMPDST1" (pumpd before the JSON file): a header,
 * then count records that were that build's struct core_persist.  Its
 * layout is frozen here, with the alarm bits it used, so that it can still
 * be read whatever core_persist becomes.
 */
#define V1_MAGIC	"PUMPDST1"
#define V1_VERSION	1
#define V1_ID		32
#define V1_RAIN_MIN	61
#define V1_PUMPS	8

struct v1_hdr {
	char		magic[8];
	uint32_t	version;
	uint32_t	recsize;
	uint32_t	count;
	uint32_t	pad;
};

struct v1_rec {
	char	 id[V1_ID];
	int64_t	 saved_ms;
	uint32_t alarms;
	int	 storm;
	int64_t	 last_rain_ms;
	double	 rain_mm;
	double	 bucket_mm[V1_RAIN_MIN];
	int64_t	 bucket_min[V1_RAIN_MIN];
	struct {
		int64_t	start_ms[16];
		int	nstarts;
		int64_t	off_ms;
	} pump[V1_PUMPS];
};

/* The names of the v1 alarm bits, bit 0 first. */
static const char *v1_alarms[] = {
	"comms", "level_a_rejected", "level_b_rejected", "levels_disagree",
	"level_lost", "high_level", "high_high", "remote_off", "watchdog",
	"emergency_stop", "mains_failure", "outfall_high", "limit_overridden",
	"pump_fault", "fail_to_start", "plc_restart", "second_master",
	"low_low", "door_open", "local_control", "pumps_short",
};

/* What a load skipped without refusing the file, for the caller. */
struct state_notes {
	char	text[400];
	size_t	len;
};

/* Set *cause from a format; always returns -1. */
static int __attribute__((format(printf, 2, 3)))
state_fail(char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return -1;
}

/* Add a note to nt, "; " between notes. */
static void __attribute__((format(printf, 2, 3)))
state_note(struct state_notes *nt, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (nt == NULL || nt->len + 3 >= sizeof nt->text)
		return;
	if (nt->len > 0) {
		memcpy(nt->text + nt->len, "; ", 3);
		nt->len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(nt->text + nt->len, sizeof nt->text - nt->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		nt->len += (size_t)n;
	if (nt->len >= sizeof nt->text)
		nt->len = sizeof nt->text - 1;
}

/* The alarms in mask as an array of names. */
static json_t *
alarms_to_json(uint32_t mask)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < STATE_NALARMS; i++)
		if (mask & state_alarms[i].bit)
			json_array_append_new(a,
			    json_string(state_alarms[i].name));
	return a;
}

/* The bit of alarm name; 0 when this pumpd does not know it. */
static uint32_t
alarm_bit(const char *name)
{
	size_t	i;

	for (i = 0; i < STATE_NALARMS; i++)
		if (strcmp(state_alarms[i].name, name) == 0)
			return state_alarms[i].bit;
	return 0;
}

/* An array of alarm names into *mask, unknown names noted and skipped;
 * 0, or -1 with *cause. */
static int
alarms_from_json(json_t *a, const char *id, uint32_t *mask,
    struct state_notes *nt, char **cause)
{
	json_t	*v;
	size_t	 i;
	uint32_t bit;

	*mask = 0;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return state_fail(cause, "station %s: alarms: not "
			    "a name", id);
		if ((bit = alarm_bit(json_string_value(v))) == 0)
			state_note(nt, "station %s: unknown alarm \"%s\" "
			    "skipped", id, json_string_value(v));
		*mask |= bit;
	}
	return 0;
}

/* Rain buckets as [minute, mm] pairs, the used ones only. */
static json_t *
buckets_to_json(const double *mm, const int64_t *min, int n)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < n; i++)
		if (min[i] != 0 || mm[i] != 0)
			json_array_append_new(a, json_pack("[I,f]",
			    (json_int_t)min[i], mm[i]));
	return a;
}

/* [minute, mm] pairs into n buckets by minute; 0, or -1 with *cause. */
static int
buckets_from_json(json_t *a, const char *id, double *mm, int64_t *min,
    int n, char **cause)
{
	json_error_t	 err;
	json_int_t	 m;
	json_t		*v;
	double		 d;
	size_t		 i;
	int		 k;

	json_array_foreach(a, i, v) {
		if (json_unpack_ex(v, &err, JSON_STRICT, "[IF]", &m, &d) == -1)
			return state_fail(cause, "station %s: rain_minutes: "
			    "%s", id, err.text);
		if (m < 0)
			return state_fail(cause, "station %s: rain_minutes: "
			    "minute %lld", id, (long long)m);
		k = (int)(m % n);
		if (m >= min[k]) {
			min[k] = m;
			mm[k] = d;
		}
	}
	return 0;
}

/* A pump's recent starts, oldest first, from its ring of STATE_STARTS. */
static json_t *
starts_to_json(const int64_t *start_ms, int nstarts)
{
	json_t	*a = json_array();
	int	 i, n = nstarts < STATE_STARTS ? nstarts : STATE_STARTS;

	for (i = nstarts - n; i < nstarts; i++)
		json_array_append_new(a,
		    json_integer(start_ms[i % STATE_STARTS]));
	return a;
}

/* Starts (oldest first) into a ring of STATE_STARTS, the latest kept. */
static int
starts_from_json(json_t *a, const char *id, int64_t *start_ms, int *nstarts,
    char **cause)
{
	size_t	n = json_array_size(a), i, skip;

	skip = n > STATE_STARTS ? n - STATE_STARTS : 0;
	*nstarts = 0;
	for (i = skip; i < n; i++) {
		if (!json_is_integer(json_array_get(a, i)))
			return state_fail(cause, "station %s: starts_ms: not "
			    "a time", id);
		start_ms[(*nstarts)++] =
		    json_integer_value(json_array_get(a, i));
	}
	return 0;
}

/*
 * The pair of functions that know struct core_persist's fields: one
 * station's record to its JSON object, and back.  Everything else here
 * deals in JSON or plain values.
 */
static const char *const manual_names[] = { "auto", "run", "stop" };

/* An operator's text as a JSON string; empty when it is not UTF-8. */
static json_t *
reason_to_json(const char *text)
{
	json_t	*j = json_string(text);

	return j != NULL ? j : json_string("");
}

/* A pump's manual override from its name into *man; 0, or -1 with *cause. */
static int
manual_from_json(const char *name, const char *id, size_t k,
    enum core_manual *man, char **cause)
{
	int	i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, manual_names[i]) == 0) {
			*man = (enum core_manual)i;
			return 0;
		}
	return state_fail(cause, "station %s: pump %zu: manual: \"%.20s\" is "
	    "not auto, run or stop", id, k + 1, name);
}

/* One pump's lasting state as JSON. */
static json_t *
pump_to_json(const struct core_lasting *l, int k)
{
	return json_pack("{s:o,s:I,s:s,s:I,s:o,s:I,s:o}",
	    "starts_ms", starts_to_json(l->pump[k].start_ms,
	    l->pump[k].nstarts), "off_ms", (json_int_t)l->pump[k].off_ms,
	    "manual", manual_names[(unsigned)l->pump[k].man <= CORE_MAN_STOP ?
	    l->pump[k].man : 0],
	    "manual_until_ms", (json_int_t)l->pump[k].man_until_ms,
	    "manual_reason", reason_to_json(l->pump[k].man_why),
	    "lockout_since_ms", (json_int_t)l->pump[k].lock_ms,
	    "lockout_reason", reason_to_json(l->pump[k].lock_why));
}

/* One pump's JSON object into l->pump[k] (k < OBS_MAX_PUMPS); 0, or -1
 * with *cause.  The override fields are optional (state 1.0). */
static int
pump_from_json(json_t *v, const char *id, size_t k, struct core_lasting *l,
    char **cause)
{
	json_error_t	 err;
	json_t		*starts;
	json_int_t	 off, until = 0, since = 0;
	const char	*man = "auto", *mwhy = "", *lwhy = "";

	if (json_unpack_ex(v, &err, 0, "{s:o,s:I,s?s,s?I,s?s,s?I,s?s}",
	    "starts_ms", &starts, "off_ms", &off, "manual", &man,
	    "manual_until_ms", &until, "manual_reason", &mwhy,
	    "lockout_since_ms", &since, "lockout_reason", &lwhy) == -1 ||
	    !json_is_array(starts))
		return state_fail(cause, "station %s: pump %zu: %s", id, k + 1,
		    json_is_object(v) ? err.text : "not an object");
	if (manual_from_json(man, id, k, &l->pump[k].man, cause) == -1)
		return -1;
	l->pump[k].off_ms = off;
	l->pump[k].man_until_ms = until;
	l->pump[k].lock_ms = since;
	snprintf(l->pump[k].man_why, sizeof l->pump[k].man_why, "%s", mwhy);
	snprintf(l->pump[k].lock_why, sizeof l->pump[k].lock_why, "%s", lwhy);
	return starts_from_json(starts, id, l->pump[k].start_ms,
	    &l->pump[k].nstarts, cause);
}

static json_t *
persist_to_json(const struct core_persist *r)
{
	json_t	*pumps = json_array();
	int	 k;

	for (k = 0; k < OBS_MAX_PUMPS; k++)
		json_array_append_new(pumps, pump_to_json(&r->lasting, k));
	return json_pack("{s:I,s:o,s:b,s:I,s:f,s:o,s:o,s:I,s:b,s:I}",
	    "saved_ms", (json_int_t)r->saved_ms,
	    "alarms", alarms_to_json(r->lasting.alarms),
	    "storm", r->lasting.storm,
	    "last_rain_ms", (json_int_t)r->lasting.last_rain_ms,
	    "rain_mm", r->lasting.rain_mm,
	    "rain_minutes", buckets_to_json(r->lasting.bucket_mm, r->lasting.bucket_min,
	    CORE_RAIN_MIN),
	    "pumps", pumps,
	    "lockout_mask", (json_int_t)r->lasting.lockout_mask,
	    "local", r->lasting.local,
	    "local_until_ms", (json_int_t)r->lasting.local_until_ms);
}

/* One station's JSON object into r; 0, or -1 with *cause. */
static int
persist_from_json(json_t *o, const char *id, struct core_persist *r,
    struct state_notes *nt, char **cause)
{
	json_error_t	 err;
	json_int_t	 saved, last_rain, lockouts = 0, local_until = 0;
	json_t		*alarms, *rain, *pumps, *v;
	size_t		 k;
	int		 storm, local = 0;

	memset(r, 0, sizeof *r);
	if (strlen(id) >= sizeof r->id)
		return state_fail(cause, "station %.40s...: id too long", id);
	snprintf(r->id, sizeof r->id, "%s", id);
	if (json_unpack_ex(o, &err, 0,
	    "{s:I,s:o,s:b,s:I,s:F,s:o,s:o,s?I,s?b,s?I}",
	    "saved_ms", &saved, "alarms", &alarms, "storm", &storm,
	    "last_rain_ms", &last_rain, "rain_mm", &r->lasting.rain_mm,
	    "rain_minutes", &rain, "pumps", &pumps, "lockout_mask",
	    &lockouts, "local", &local, "local_until_ms", &local_until) == -1 ||
	    !json_is_array(alarms) || !json_is_array(rain) ||
	    !json_is_array(pumps))
		return state_fail(cause, "station %s: %s", id,
		    json_is_object(o) ? err.text : "not an object");
	r->saved_ms = saved;
	r->lasting.lockout_mask = (unsigned)lockouts &
	    ((1u << OBS_MAX_PUMPS) - 1);
	r->lasting.storm = storm;
	r->lasting.local = local;
	r->lasting.local_until_ms = local_until;
	r->lasting.last_rain_ms = last_rain;
	if (alarms_from_json(alarms, id, &r->lasting.alarms, nt, cause) == -1 ||
	    buckets_from_json(rain, id, r->lasting.bucket_mm, r->lasting.bucket_min,
	    CORE_RAIN_MIN, cause) == -1)
		return -1;
	json_array_foreach(pumps, k, v) {
		if (k >= OBS_MAX_PUMPS) {
			state_note(nt, "station %s: pump %zu skipped (this "
			    "pumpd knows %d)", id, k + 1, OBS_MAX_PUMPS);
			continue;
		}
		if (pump_from_json(v, id, k, &r->lasting, cause) == -1)
			return -1;
	}
	return 0;
}

/* The alarms' acknowledgements and shelves a[0..n-1] as an array. */
static json_t *
alarms_list_to_json(const struct state_alarm *a, int n)
{
	json_t	*arr = json_array();
	int	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:b,s:I,"
		    "s:s}", "station", a[i].station, "alarm", a[i].kind,
		    "pump", a[i].pump, "acked", a[i].acked,
		    "shelved_until_ms", (json_int_t)a[i].shelf_ms, "reason",
		    a[i].why));
	return arr;
}

/* The whole document for n records, the district's inputs d and the
 * alarms al[0..nal-1]. */
static json_t *
doc_build(const struct core_persist *rec, int n,
    const struct state_district *d, const struct state_alarm *al, int nal)
{
	json_t	*st = json_object(), *lim = json_object();
	int	 i;

	for (i = 0; i < n; i++)
		json_object_set_new(st, rec[i].id, persist_to_json(&rec[i]));
	for (i = 0; i < d->nlimits; i++)
		json_object_set_new(lim, d->limit[i].id,
		    json_integer(d->limit[i].pumps));
	return json_pack("{s:s,s:{s:i,s:i},s:o,s:{s:i,s:o},s:o}", "format",
	    STATE_FORMAT, "version", "major", STATE_MAJOR, "minor",
	    STATE_MINOR, "stations", st, "district", "warning", d->warning,
	    "limits", lim, "alarms", alarms_list_to_json(al, nal));
}

/* Write all of buf to fd; 0 or -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding path, so a rename in it is on disk. */
static int
sync_dir(const char *path)
{
	char	dir[4096];
	char	*slash;
	int	fd, rc;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write text to path atomically: a temporary file, fsync, rename, fsync
 * of the directory; 0, or -1 with *cause. */
static int
write_atomic(const char *path, const char *text, char **cause)
{
	char	tmp[4200];
	int	fd, e;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return state_fail(cause, "%.100s: %s", tmp, strerror(errno));
	if (write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		return state_fail(cause, "%.100s: %s", tmp, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) == -1 || sync_dir(path) == -1)
		return state_fail(cause, "%.100s: %s", path, strerror(errno));
	return 0;
}

/* Write n records to path as the JSON document; 0, or -1 with *cause. */
static int
write_file(const char *path, const struct core_persist *rec, int n,
    const struct state_district *d, const struct state_alarm *al, int nal,
    char **cause)
{
	json_t	*doc = doc_build(rec, n, d, al, nal);
	char	*text = doc != NULL ? json_dumps(doc, JSON_INDENT(1)) : NULL;
	int	 rc;

	json_decref(doc);
	if (text == NULL)
		return state_fail(cause, "%.100s: cannot build the document",
		    path);
	rc = write_atomic(path, text, cause);
	free(text);
	return rc;
}

/* The writer thread: write the latest records handed over. */
static void *
writer(void *arg)
{
	struct state		*st = arg;
	struct core_persist	*rec;
	struct state_district	 d;
	struct state_alarm	*al;
	char			*cause;
	int			 n, nal, stop, rc;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (st->pending == NULL && !st->stop)
			pthread_cond_wait(&st->cv, &st->mu);
		rec = st->pending;
		n = st->npending;
		stop = st->stop;
		d = st->district;
		nal = st->nalarms;
		al = nal > 0 ? malloc((size_t)nal * sizeof *al) : NULL;
		if (al != NULL)
			memcpy(al, st->alarms, (size_t)nal * sizeof *al);
		else
			nal = 0;
		st->pending = NULL;
		pthread_mutex_unlock(&st->mu);
		cause = NULL;
		rc = rec != NULL ? write_file(st->path, rec, n, &d, al, nal,
		    &cause) : 0;
		free(rec);
		free(al);
		pthread_mutex_lock(&st->mu);
		if (rec != NULL && rc == 0) {
			st->writes++;
			st->failing = 0;
		} else if (rec != NULL) {
			st->failures++;
			st->failing = 1;
			snprintf(st->err, sizeof st->err, "%s", cause != NULL ?
			    cause : "out of memory");
		}
		free(cause);
		if (stop && st->pending == NULL)
			break;
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

int
state_open(struct state *st, const char *dir, char **cause)
{
	memset(st, 0, sizeof *st);
	if (asprintf(&st->path, "%s/state", dir) == -1) {
		st->path = NULL;
		*cause = NULL;
		return -1;
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	if (pthread_create(&st->thr, NULL, writer, st) != 0) {
		if (asprintf(cause, "state: cannot start its writer") == -1)
			*cause = NULL;
		free(st->path);
		return -1;
	}
	return 0;
}

void
state_save(struct state *st, const struct core_persist *rec, int n)
{
	struct core_persist	*copy = malloc((size_t)n * sizeof *rec);

	if (copy == NULL)
		return;
	memcpy(copy, rec, (size_t)n * sizeof *rec);
	pthread_mutex_lock(&st->mu);
	free(st->pending);	/* an older copy not yet written */
	st->pending = copy;
	st->npending = n;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

void
state_set_district(struct state *st, const struct state_district *d)
{
	pthread_mutex_lock(&st->mu);
	st->district = *d;
	pthread_mutex_unlock(&st->mu);
}

void
state_set_alarms(struct state *st, const struct state_alarm *a, int n)
{
	struct state_alarm	*copy = NULL;

	if (n > 0 && (copy = malloc((size_t)n * sizeof *a)) == NULL)
		return;
	if (n > 0)
		memcpy(copy, a, (size_t)n * sizeof *a);
	pthread_mutex_lock(&st->mu);
	free(st->alarms);
	st->alarms = copy;
	st->nalarms = n > 0 ? n : 0;
	pthread_mutex_unlock(&st->mu);
}

/* One saved alarm from object o into *a; 0, or -1 when it is bad. */
static int
alarm_entry_from_json(json_t *o, struct state_alarm *a)
{
	const char	*id, *kind, *why = "";
	json_int_t	 pump, until = 0;
	int		 acked = 0;

	memset(a, 0, sizeof *a);
	if (json_unpack(o, "{s:s,s:s,s:I,s?b,s?I,s?s}", "station", &id,
	    "alarm", &kind, "pump", &pump, "acked", &acked,
	    "shelved_until_ms", &until, "reason", &why) == -1 ||
	    strlen(id) >= sizeof a->station || strlen(kind) >= sizeof a->kind ||
	    pump < 0 || pump > OBS_MAX_PUMPS || until < 0)
		return -1;
	strcpy(a->station, id);
	strcpy(a->kind, kind);
	snprintf(a->why, sizeof a->why, "%s", why);
	a->pump = (int)pump;
	a->acked = acked;
	a->shelf_ms = until;
	return 0;
}

int
state_load_alarms(const char *dir, struct state_alarm **a, int *n)
{
	json_t	*doc, *arr;
	char	*path;
	size_t	 i;

	*a = NULL;
	*n = 0;
	if (asprintf(&path, "%s/state", dir) == -1)
		return 1;
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	free(path);
	if (!json_is_array(arr = json_object_get(doc, "alarms"))) {
		json_decref(doc);
		return 1;
	}
	if (json_array_size(arr) > 0 &&
	    (*a = calloc(json_array_size(arr), sizeof **a)) == NULL) {
		json_decref(doc);
		return 1;
	}
	for (i = 0; i < json_array_size(arr); i++)
		if (alarm_entry_from_json(json_array_get(arr, i), &(*a)[*n])
		    == 0)
			(*n)++;
	json_decref(doc);
	return 0;
}

/* The limits in object o into d; bad ones skipped. */
static void
limits_from_json(json_t *o, struct state_district *d)
{
	const char	*id;
	json_t		*v;

	json_object_foreach(o, id, v) {
		if (d->nlimits >= STATE_MAX_LIMITS || strlen(id) >=
		    sizeof d->limit[0].id || !json_is_integer(v) ||
		    json_integer_value(v) < 0 || json_integer_value(v) > 16)
			continue;
		strcpy(d->limit[d->nlimits].id, id);
		d->limit[d->nlimits++].pumps = (int)json_integer_value(v);
	}
}

int
state_load_district(const char *dir, struct state_district *d)
{
	json_t	*doc, *dist, *w;
	char	*path;
	int	 rc = 1;

	memset(d, 0, sizeof *d);
	if (asprintf(&path, "%s/state", dir) == -1)
		return 1;
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	free(path);
	dist = json_object_get(doc, "district");
	w = json_object_get(dist, "warning");
	if (json_is_integer(w) && json_integer_value(w) >= 0 &&
	    json_integer_value(w) <= 4) {
		d->warning = (int)json_integer_value(w);
		limits_from_json(json_object_get(dist, "limits"), d);
		rc = 0;
	}
	json_decref(doc);
	return rc;
}

void
state_health(struct state *st, struct state_health *h)
{
	memset(h, 0, sizeof *h);
	if (st->path == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	h->writes = st->writes;
	h->failures = st->failures;
	h->failing = st->failing;
	memcpy(h->err, st->err, sizeof h->err);
	pthread_mutex_unlock(&st->mu);
}

/* The PID written in the lock file fd; 0 when it holds none. */
static long
lock_holder(int fd)
{
	char	buf[32];
	ssize_t	n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Write our PID into the lock file fd; 0 or -1 with errno. */
static int
lock_write_pid(int fd)
{
	char	buf[32];
	int	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n ||
	    fsync(fd) == -1)
		return -1;
	return 0;
}

/* Set *cause from a format; close fd (unless -1); always returns -1. */
static int __attribute__((format(printf, 3, 4)))
lock_fail(char **cause, int fd, const char *fmt, ...)
{
	va_list	ap;

	if (fd != -1)
		close(fd);
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return -1;
}

int
state_lock(const char *dir, int *fd, char **cause)
{
	char	path[4096];
	long	pid;

	*fd = -1;
	*cause = NULL;
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		return lock_fail(cause, -1, "state directory %s: cannot create "
		    "it: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/lock", dir);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1)
		return lock_fail(cause, -1, "state directory %s: cannot create "
		    "its lock file: %s", dir, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			return lock_fail(cause, *fd, "state directory %s: "
			    "cannot lock %s: %s", dir, path, strerror(errno));
		if ((pid = lock_holder(*fd)) > 0)
			return lock_fail(cause, *fd, "state directory %s is "
			    "in use by another pumpd, PID %ld (%s)", dir, pid,
			    path) - 1;
		return lock_fail(cause, *fd, "state directory %s is in use "
		    "by another pumpd, PID unknown (%s)", dir, path) - 1;
	}
	if (lock_write_pid(*fd) == -1 || access(dir, W_OK | X_OK) == -1)
		return lock_fail(cause, *fd, "state directory %s is not "
		    "writable: %s", dir, strerror(errno));
	return 0;
}

void
state_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

void
state_close(struct state *st)
{
	if (st->path == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->thr, NULL);
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->cv);
	free(st->pending);
	free(st->alarms);
	st->alarms = NULL;
	free(st->path);
	st->path = NULL;
}

/* One v1 record as the JSON object of a station. */
static json_t *
v1_to_json(const struct v1_rec *v)
{
	json_t	*alarms = json_array(), *rain = json_array();
	json_t	*pumps = json_array();
	size_t	 b;
	int	 k;

	for (b = 0; b < sizeof v1_alarms / sizeof v1_alarms[0]; b++)
		if (v->alarms & (1u << b))
			json_array_append_new(alarms,
			    json_string(v1_alarms[b]));
	for (k = 0; k < V1_RAIN_MIN; k++)
		if (v->bucket_min[k] != 0 || v->bucket_mm[k] != 0)
			json_array_append_new(rain, json_pack("[I,f]",
			    (json_int_t)v->bucket_min[k], v->bucket_mm[k]));
	for (k = 0; k < V1_PUMPS; k++)
		json_array_append_new(pumps, json_pack("{s:o,s:I}",
		    "starts_ms", starts_to_json(v->pump[k].start_ms,
		    v->pump[k].nstarts < 0 ? 0 : v->pump[k].nstarts),
		    "off_ms", (json_int_t)v->pump[k].off_ms));
	return json_pack("{s:I,s:o,s:b,s:I,s:f,s:o,s:o}",
	    "saved_ms", (json_int_t)v->saved_ms, "alarms", alarms,
	    "storm", v->storm, "last_rain_ms", (json_int_t)v->last_rain_ms,
	    "rain_mm", v->rain_mm, "rain_minutes", rain, "pumps", pumps);
}

/* The old binary file f (its magic already checked) as a JSON document;
 * NULL with *cause when it is not one. */
static json_t *
v1_read(FILE *f, char **cause)
{
	struct v1_hdr	 h;
	struct v1_rec	 v;
	json_t		*st;
	uint32_t	 i;

	rewind(f);
	if (fread(&h, sizeof h, 1, f) != 1 || h.version != V1_VERSION ||
	    h.recsize != sizeof v || h.count > 10000) {
		state_fail(cause, "an old binary state file of another "
		    "layout");
		return NULL;
	}
	st = json_object();
	for (i = 0; i < h.count; i++) {
		if (fread(&v, sizeof v, 1, f) != 1) {
			json_decref(st);
			state_fail(cause, "an old binary state file, "
			    "truncated");
			return NULL;
		}
		v.id[V1_ID - 1] = '\0';
		json_object_set_new(st, v.id, v1_to_json(&v));
	}
	return json_pack("{s:s,s:{s:i,s:i},s:o}", "format", STATE_FORMAT,
	    "version", "major", 1, "minor", 0, "stations", st);
}

/* The file f as a JSON document, whichever format; NULL with *cause.
 * *old is set when it was the old binary format. */
static json_t *
doc_read(FILE *f, int *old, char **cause)
{
	json_error_t	 err;
	json_t		*doc;
	char		 magic[8];

	*old = 0;
	if (fread(magic, sizeof magic, 1, f) == 1 &&
	    memcmp(magic, V1_MAGIC, sizeof magic) == 0) {
		*old = 1;
		return v1_read(f, cause);
	}
	rewind(f);
	if ((doc = json_loadf(f, JSON_REJECT_DUPLICATES, &err)) == NULL)
		state_fail(cause, "not JSON: line %d: %s", err.line, err.text);
	return doc;
}

/* Check the document's format and version; 0, or -1 with *cause. */
static int
doc_check(json_t *doc, json_t **stations, char **cause)
{
	json_error_t	 err;
	const char	*format;
	int		 major, minor;

	if (json_unpack_ex(doc, &err, 0, "{s:s,s:{s:i,s:i},s:o}", "format",
	    &format, "version", "major", &major, "minor", &minor,
	    "stations", stations) == -1)
		return state_fail(cause, "not a pumpd state file: %s",
		    err.text);
	if (strcmp(format, STATE_FORMAT) != 0)
		return state_fail(cause, "not a pumpd state file: format "
		    "\"%.40s\"", format);
	if (major != STATE_MAJOR)
		return state_fail(cause, "version %d.%d, this pumpd reads "
		    "%d.x", major, minor, STATE_MAJOR);
	if (!json_is_object(*stations))
		return state_fail(cause, "stations: not an object");
	return 0;
}

/* The records of a checked document; 0, or -1 with *cause. */
static int
doc_records(json_t *stations, struct core_persist **rec, int *n,
    struct state_notes *nt, char **cause)
{
	const char	*id;
	json_t		*o;

	*n = 0;
	if ((*rec = calloc(json_object_size(stations) + 1,
	    sizeof **rec)) == NULL)
		return state_fail(cause, "out of memory");
	json_object_foreach(stations, id, o) {
		if (persist_from_json(o, id, &(*rec)[*n], nt, cause) == -1) {
			free(*rec);
			*rec = NULL;
			*n = 0;
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* Move path aside as path.bad-<UTC time>; the new name, or NULL. */
static char *
set_aside(const char *path)
{
	char		 stamp[32], *bad;
	struct tm	 tm;
	time_t		 t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&bad, "%s.bad-%s", path, stamp) == -1)
		return NULL;
	if (rename(path, bad) == -1) {
		free(bad);
		return NULL;
	}
	return bad;
}

/* Refuse path for why: set it aside and say so in *cause; -1. */
static int
refuse_file(const char *path, char *why, char **cause)
{
	char	*bad = set_aside(path);
	int	 e = errno;

	if (bad != NULL)
		state_fail(cause, "%s: %s; set aside as %s", path,
		    why != NULL ? why : "unreadable", bad);
	else
		state_fail(cause, "%s: %s; cannot set it aside: %s", path,
		    why != NULL ? why : "unreadable", strerror(e));
	free(bad);
	free(why);
	return -1;
}

int
state_read(FILE *f, struct core_persist **rec, int *n, char **note,
    char **cause)
{
	struct state_notes	 nt = { "", 0 };
	json_t			*doc, *stations;
	int			 old, rc;

	*rec = NULL;
	*n = 0;
	*note = *cause = NULL;
	doc = doc_read(f, &old, cause);
	rc = doc != NULL ? doc_check(doc, &stations, cause) : -1;
	if (rc == 0)
		rc = doc_records(stations, rec, n, &nt, cause);
	json_decref(doc);
	if (rc == -1)
		return -1;
	if (old)
		state_note(&nt, "converted from the old binary format "
		    "(PUMPDST1); the next save writes JSON");
	if (nt.len > 0 && (*note = strdup(nt.text)) == NULL) {
		free(*rec);
		*rec = NULL;
		return state_fail(cause, "out of memory");
	}
	return 0;
}

int
state_load(const char *dir, struct core_persist **rec, int *n, char **note,
    char **cause)
{
	char	 path[4096], *why = NULL;
	FILE	*f;
	int	 rc;

	*rec = NULL;
	*n = 0;
	*note = *cause = NULL;
	snprintf(path, sizeof path, "%s/state", dir);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 1;
		return state_fail(cause, "%s: %s", path, strerror(errno));
	}
	rc = state_read(f, rec, n, note, &why);
	fclose(f);
	if (rc == -1)
		return refuse_file(path, why, cause);
	return 0;
}
