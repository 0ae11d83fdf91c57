/*
 * Station configuration loader.  This module reads the file whole (a regular
 * file, without NUL bytes or @include: the district is one file) and ends
 * it with a newline, which libconfig 1.5 needs on a last line that is a
 * comment.  libconfig parses the text; this module walks the tree, checks
 * every key against what it knows, and collects every problem as
 * "file:line: key: problem" so an integrator fixes them in one pass.  Keys are named by station id once the id is known
 * ("xiaozhan.pumps[2].capacity_m3s"), else by position ("stations[4].id").
 * Main thread, start-up only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "cfg.h"
#include "plcmap_l1.h"	/* L1_MAX_PUMPS: the map's own limit */

struct loader {
	const char	*path;
	struct cfg_diag	*diag;
};

static const char *top_keys[] = { "district", "stations", "influx",
    "control", "control_socket", "alarms", "rivers", "plant", NULL };
static const char *alarm_kind_keys[] = { "priority", "on_delay_s",
    "off_delay_s", NULL };
#define AK_(n, k, t, pr, on, off, c, pp) k,
static const char *alarm_keys[] = { "time_to_flood_s",
    "time_to_flood_deadband_s", "level_deadband_m", "outfall_deadband_m",
    ALARM_KINDS(AK_) NULL };
#undef AK_
static const char *ctl_keys[] = { "path", "group", "operator_group", NULL };
static const char *control_keys[] = { "poll_ms", "response_timeout_ms",
    "stale_s", "down_s", "watchdog_s", "stagger_s", "min_run_s", "min_off_s",
    "starts_per_hour_sewage", "starts_per_hour_stormwater",
    "fail_to_start_s", "fail_retry_s", "level_frozen_s", "level_max_rate_m_s",
    "level_disagree_m", "assist_hysteresis_m", "storm_mm_h",
    "storm_hold_min", "storm_drawdown_m", "handover_ms",
    "override_default_s", "feedforward", "drawdown", "coordination",
    "coord_margin",
    "estim_window_s", "estim_settle_s", "estim_tau_s", "ff_lead_s",
    "ff_recover_s", "ff_min_fraction", "ff_hysteresis", "ff_min_conf",
    "dd_margin_m", "dd_band_m", "dd_rain_mm_h", "dd_release_mm_h",
    "dd_hold_min", "reaches", "plants", NULL };
static const char *outlet_keys[] = { "id", "max_m3s", NULL };
static const char *influx_keys[] = { "url", "version", "database",
    "retention_policy", "user", "password_file", "org", "bucket",
    "token_file", "credential", "batch_points", "batch_ms", "timeout_ms", "spool_max_kb",
    "replay_per_s", NULL };
static const char *station_keys[] = { "id", "name", "kind", "plc", "well",
    "pumps", "setpoints", "rain", "catchment", "outfall", "head_m",
    "transducer", "panel", "reach", "plant", "upstream", "position", NULL };
static const char *plc_keys[] = { "host", "port", "unit", "map", NULL };
static const char *tx_keys[] = { "level", "outfall", NULL };
static const char *tx_one_keys[] = { "zero_m", "span_m", NULL };
static const char *panel_keys[] = { "start_m", "stop_m", "assist_step_m",
    "all_on_m", NULL };
static const char *well_keys[] = { "area_m2", "depth_m", "flood_m",
    "lowlow_m", "highhigh_m", NULL };
static const char *pump_keys[] = { "capacity_m3s", "vfd", "shutoff_head_m",
    "rated_head_m", "runout_m3s", NULL };
static const char *sp_keys[] = { "stop_m", "duty_start_m", "assist_start_m",
    "high_alarm_m", NULL };
static const char *rain_keys[] = { "tip_mm", NULL };
static const char *catch_keys[] = { "area_ha", "runoff", "tc_min", "dwf_m3s",
    "pipe_storage_m3", NULL };
static const char *outfall_keys[] = { "base_m", "warn_m", "river",
    "friction_m", NULL };
static const char *pos_keys[] = { "x_km", "y_km", NULL };
static const char *river_keys[] = { "id", "name", "area_m2", "area_top_m2",
    "base_m", "warn_m", "guarantee_m", "sluice_m3s", "upstream_m3s",
    "limit_frac", NULL };
static const char *plant_keys[] = { "name", "inflow_limit_m3s", NULL };

/* Append one formatted message to the diagnostics. */
static void
diag_add(struct loader *l, int warn, int line, const char *key,
    const char *fmt, ...)
{
	struct cfg_diag	*d = l->diag;
	char		 text[512], *m, **v;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (asprintf(&m, "%s:%d: %s: %s%s", l->path, line, key,
	    warn ? "warning: " : "", text) == -1)
		return;
	v = realloc(d->msg, (size_t)(d->nmsg + 1) * sizeof *v);
	if (v == NULL) {
		free(m);
		return;
	}
	d->msg = v;
	d->msg[d->nmsg++] = m;
	if (warn)
		d->nwarnings++;
	else
		d->nerrors++;
}

/* Line of a setting, falling back to its nearest parent with one. */
static int
line_of(const config_setting_t *s)
{
	while (s != NULL) {
		if (config_setting_source_line(s) > 0)
			return config_setting_source_line(s);
		s = config_setting_parent(s);
	}
	return 0;
}

/*
 * The line of the setting at path below g ("down_s", "well.flood_m",
 * "setpoints.assist_start_m[2]", 1-based), its own; where it is not
 * there, that of its nearest parent that is (a default: the group).
 */
static int
key_line(const config_setting_t *g, const char *path)
{
	config_setting_t	*m;
	char			 name[64];
	size_t			 n;

	while (g != NULL && *path != '\0') {
		n = strcspn(path, ".[");
		snprintf(name, sizeof name, "%.*s", (int)n, path);
		if (!config_setting_is_group(g) ||
		    (m = config_setting_get_member(g, name)) == NULL)
			break;
		g = m;
		path += n;
		if (*path == '[') {
			if ((m = config_setting_get_elem(g,
			    (unsigned)atoi(path + 1) - 1)) != NULL)
				g = m;
			path += strcspn(path, "]");
			path += *path != '\0';
		}
		path += *path == '.';
	}
	return line_of(g);
}

/* Report every member of grp whose name is not in allowed. */
static void
check_keys(struct loader *l, const config_setting_t *grp,
    const char **allowed, const char *prefix)
{
	config_setting_t	*m;
	const char		*name;
	char			 key[256];
	int			 i, j, ok;

	for (i = 0; (m = config_setting_get_elem(grp, (unsigned)i)) != NULL; i++) {
		name = config_setting_name(m);
		if (name == NULL)
			continue;
		for (ok = 0, j = 0; allowed[j] != NULL; j++)
			ok |= strcmp(allowed[j], name) == 0;
		if (ok)
			continue;
		snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "",
		    name);
		diag_add(l, 0, line_of(m), key, "unknown key");
	}
}

/* The group member key of grp, required to be a group; NULL if absent. */
static config_setting_t *
get_group(struct loader *l, config_setting_t *grp, const char *key,
    const char *prefix, int required)
{
	config_setting_t	*s = config_setting_get_member(grp, key);
	char			 full[256];

	snprintf(full, sizeof full, "%s.%s", prefix, key);
	if (s == NULL) {
		if (required)
			diag_add(l, 0, line_of(grp), full, "missing");
		return NULL;
	}
	if (!config_setting_is_group(s)) {
		diag_add(l, 0, line_of(s), full, "expected a group { ... }");
		return NULL;
	}
	return s;
}

/* Check a number against [lo, hi] and report it under key. */
static int
check_range(struct loader *l, const config_setting_t *s, const char *key,
    double v, double lo, double hi)
{
	if (v < lo || v > hi) {
		diag_add(l, 0, line_of(s), key, "%g is out of range (%g to %g)",
		    v, lo, hi);
		return -1;
	}
	return 0;
}

/* Read a number; a missing optional key leaves *out unchanged. */
static int
get_num(struct loader *l, config_setting_t *grp, const char *key,
    const char *prefix, int required, double *out, double lo, double hi)
{
	config_setting_t	*s;
	char			 full[256];
	double			 v;

	snprintf(full, sizeof full, "%s.%s", prefix, key);
	if (grp == NULL)
		return -1;
	if ((s = config_setting_get_member(grp, key)) == NULL) {
		if (required) {
			diag_add(l, 0, line_of(grp), full, "missing");
			return -1;
		}
		return 0;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		diag_add(l, 0, line_of(s), full, "expected a number");
		return -1;
	}
	if (check_range(l, s, full, v, lo, hi) == -1)
		return -1;
	*out = v;
	return 0;
}

/* Read a whole number in [lo, hi]. */
static int
get_int(struct loader *l, config_setting_t *grp, const char *key,
    const char *prefix, int required, int *out, int lo, int hi)
{
	config_setting_t	*s;
	char			 full[256];

	snprintf(full, sizeof full, "%s.%s", prefix, key);
	if ((s = config_setting_get_member(grp, key)) == NULL) {
		if (required)
			diag_add(l, 0, line_of(grp), full, "missing");
		return required ? -1 : 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		diag_add(l, 0, line_of(s), full, "expected a whole number");
		return -1;
	}
	if (check_range(l, s, full, (double)config_setting_get_int64(s),
	    lo, hi) == -1)
		return -1;
	*out = (int)config_setting_get_int64(s);
	return 0;
}

/* Read a boolean. */
static int
get_bool(struct loader *l, config_setting_t *grp, const char *key,
    const char *prefix, int *out)
{
	config_setting_t	*s = config_setting_get_member(grp, key);
	char			 full[256];

	if (s == NULL)
		return 0;
	snprintf(full, sizeof full, "%s.%s", prefix, key);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		diag_add(l, 0, line_of(s), full, "expected true or false");
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

/* Read a string into buf of size len. */
static int
get_str(struct loader *l, config_setting_t *grp, const char *key,
    const char *prefix, char *buf, size_t len)
{
	config_setting_t	*s = config_setting_get_member(grp, key);
	char			 full[256];
	const char		*v;

	snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", key);
	if (s == NULL) {
		diag_add(l, 0, line_of(grp), full, "missing");
		return -1;
	}
	if ((v = config_setting_get_string(s)) == NULL) {
		diag_add(l, 0, line_of(s), full, "expected a string");
		return -1;
	}
	if (*v == '\0' || strlen(v) >= len) {
		diag_add(l, 0, line_of(s), full, "must be 1 to %zu bytes long",
		    len - 1);
		return -1;
	}
	strcpy(buf, v);
	return 0;
}

/* Read an optional string; absent leaves buf as it is. */
static void
get_opt_str(struct loader *l, config_setting_t *grp, const char *key,
    const char *prefix, char *buf, size_t len)
{
	if (config_setting_get_member(grp, key) != NULL)
		get_str(l, grp, key, prefix, buf, len);
}

void
cfg_control_defaults(struct cfg_control *c)
{
	c->poll_ms = 1000;
	c->response_timeout_ms = 1000;
	c->stale_s = 5;
	c->down_s = 30;
	c->watchdog_s = 10;
	c->stagger_s = 10;
	c->min_run_s = 120;
	c->min_off_s = 60;
	c->starts_per_hour_sewage = 6;
	c->starts_per_hour_stormwater = 12;
	c->fail_to_start_s = 15;
	c->fail_retry_s = 300;
	c->level_frozen_s = 180;
	c->level_max_rate_m_s = 0.05;
	c->level_disagree_m = 0.25;
	c->assist_hysteresis_m = 0.4;
	c->storm_mm_h = 5;
	c->storm_hold_min = 60;
	c->storm_drawdown_m = 0.3;
	c->handover_ms = 2000;
	c->override_default_s = 3600;
	c->feedforward = 0;
	c->drawdown = 0;
	c->coordination = 0;
	c->coord_margin = 0.25;
	c->estim_window_s = 120;
	c->estim_settle_s = 20;
	c->estim_tau_s = 60;
	c->ff_lead_s = 300;
	c->ff_recover_s = 600;
	c->ff_min_fraction = 0.3;
	c->ff_hysteresis = 0.3;
	c->ff_min_conf = 0.5;
	c->dd_margin_m = 0.3;
	c->dd_band_m = 0.8;
	c->dd_rain_mm_h = 2.0;
	c->dd_release_mm_h = 0.5;
	c->dd_hold_min = 60;
	c->noutlets = 0;
}

static int	valid_id(const char *);

/* Load one list of outlets (control.reaches or control.plants). */
static void
load_outlets(struct loader *l, config_setting_t *g, const char *key,
    int plant, struct cfg_control *c)
{
	config_setting_t	*list = config_setting_get_member(g, key), *e;
	struct cfg_outlet	*o;
	char			 k[96];
	int			 i, n;

	if (list == NULL)
		return;
	snprintf(k, sizeof k, "control.%s", key);
	if (!config_setting_is_list(list)) {
		diag_add(l, 0, line_of(list), k, "expected a list ( {...} )");
		return;
	}
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		snprintf(k, sizeof k, "control.%s[%d]", key, i + 1);
		if (c->noutlets == CFG_MAX_OUTLETS) {
			diag_add(l, 0, line_of(e), k, "more than %d reaches "
			    "and plants", CFG_MAX_OUTLETS);
			return;
		}
		o = &c->outlet[c->noutlets++];
		o->plant = plant;
		o->line = line_of(e);
		if (!config_setting_is_group(e)) {
			diag_add(l, 0, line_of(e), k, "expected a group");
			continue;
		}
		check_keys(l, e, outlet_keys, k);
		if (get_str(l, e, "id", k, o->id, sizeof o->id) == 0 &&
		    !valid_id(o->id))
			diag_add(l, 0, line_of(e), k, "\"%s\": not a valid id",
			    o->id);
		get_num(l, e, "max_m3s", k, 1, &o->max_m3s, 0, 1000);
	}
}

/* Load the keys of control beyond the level rules (issue 11). */
static void
load_control_plan(struct loader *l, config_setting_t *g,
    struct cfg_control *c)
{
	const char	*p = "control";

	get_bool(l, g, "feedforward", p, &c->feedforward);
	get_bool(l, g, "drawdown", p, &c->drawdown);
	get_bool(l, g, "coordination", p, &c->coordination);
	get_num(l, g, "coord_margin", p, 0, &c->coord_margin, 0, 10);
	get_int(l, g, "estim_window_s", p, 0, &c->estim_window_s, 20, 1800);
	get_int(l, g, "estim_settle_s", p, 0, &c->estim_settle_s, 0, 600);
	get_num(l, g, "estim_tau_s", p, 0, &c->estim_tau_s, 1, 3600);
	get_num(l, g, "ff_lead_s", p, 0, &c->ff_lead_s, 0, 7200);
	get_num(l, g, "ff_recover_s", p, 0, &c->ff_recover_s, 60, 7200);
	get_num(l, g, "ff_min_fraction", p, 0, &c->ff_min_fraction, 0, 1);
	get_num(l, g, "ff_hysteresis", p, 0, &c->ff_hysteresis, 0, 1);
	get_num(l, g, "ff_min_conf", p, 0, &c->ff_min_conf, 0, 1);
	get_num(l, g, "dd_margin_m", p, 0, &c->dd_margin_m, 0.05, 5);
	get_num(l, g, "dd_band_m", p, 0, &c->dd_band_m, 0.05, 5);
	get_num(l, g, "dd_rain_mm_h", p, 0, &c->dd_rain_mm_h, 0.1, 500);
	get_num(l, g, "dd_release_mm_h", p, 0, &c->dd_release_mm_h, 0, 500);
	get_int(l, g, "dd_hold_min", p, 0, &c->dd_hold_min, 0, 1440);
	if (c->dd_release_mm_h >= c->dd_rain_mm_h)
		diag_add(l, 0, key_line(g, "dd_release_mm_h"),
		    "control.dd_release_mm_h", "%g mm/h must be below "
		    "dd_rain_mm_h (%g mm/h): no hysteresis",
		    c->dd_release_mm_h, c->dd_rain_mm_h);
	if (c->estim_settle_s >= c->estim_window_s)
		diag_add(l, 0, key_line(g, "estim_settle_s"),
		    "control.estim_settle_s", "%d s must be below "
		    "estim_window_s (%d s)", c->estim_settle_s,
		    c->estim_window_s);
	load_outlets(l, g, "reaches", 0, c);
	load_outlets(l, g, "plants", 1, c);
}

/* Load the optional control { ... } group: polling and control tuning. */
static void
load_control(struct loader *l, config_setting_t *root, struct cfg_district *d)
{
	config_setting_t	*g = config_setting_get_member(root, "control");
	struct cfg_control	*c = &d->control;
	const char		*p = "control";

	cfg_control_defaults(c);
	if (g == NULL)
		return;
	if (!config_setting_is_group(g)) {
		diag_add(l, 0, line_of(g), p, "expected a group { ... }");
		return;
	}
	check_keys(l, g, control_keys, p);
	get_int(l, g, "poll_ms", p, 0, &c->poll_ms, 100, 60000);
	get_int(l, g, "response_timeout_ms", p, 0, &c->response_timeout_ms,
	    50, 60000);
	get_int(l, g, "stale_s", p, 0, &c->stale_s, 1, 3600);
	get_int(l, g, "down_s", p, 0, &c->down_s, 1, 86400);
	get_int(l, g, "watchdog_s", p, 0, &c->watchdog_s, 2, 600);
	get_int(l, g, "stagger_s", p, 0, &c->stagger_s, 0, 600);
	get_int(l, g, "min_run_s", p, 0, &c->min_run_s, 0, 3600);
	get_int(l, g, "min_off_s", p, 0, &c->min_off_s, 0, 3600);
	get_int(l, g, "starts_per_hour_sewage", p, 0,
	    &c->starts_per_hour_sewage, 1, 60);
	get_int(l, g, "starts_per_hour_stormwater", p, 0,
	    &c->starts_per_hour_stormwater, 1, 60);
	get_int(l, g, "fail_to_start_s", p, 0, &c->fail_to_start_s, 1, 600);
	get_int(l, g, "fail_retry_s", p, 0, &c->fail_retry_s, 10, 86400);
	get_int(l, g, "level_frozen_s", p, 0, &c->level_frozen_s, 10, 86400);
	get_num(l, g, "level_max_rate_m_s", p, 0, &c->level_max_rate_m_s,
	    0.001, 10);
	get_num(l, g, "level_disagree_m", p, 0, &c->level_disagree_m, 0.01, 5);
	get_num(l, g, "assist_hysteresis_m", p, 0, &c->assist_hysteresis_m,
	    0, 5);
	get_num(l, g, "storm_mm_h", p, 0, &c->storm_mm_h, 0.1, 500);
	get_int(l, g, "storm_hold_min", p, 0, &c->storm_hold_min, 0, 1440);
	get_num(l, g, "storm_drawdown_m", p, 0, &c->storm_drawdown_m, 0, 5);
	get_int(l, g, "handover_ms", p, 0, &c->handover_ms, 100, 30000);
	get_int(l, g, "override_default_s", p, 0, &c->override_default_s, 60,
	    86400);
	load_control_plan(l, g, c);
	if (c->down_s <= c->stale_s)
		diag_add(l, 0, key_line(g, "down_s"), "control.down_s",
		    "%d s must be above stale_s (%d s)", c->down_s,
		    c->stale_s);
	if (c->watchdog_s * 1000 < 3 * c->poll_ms)
		diag_add(l, 0, key_line(g, "watchdog_s"),
		    "control.watchdog_s", "%d s is shorter than three polls "
		    "(%d ms): the PLC would fall back between them",
		    c->watchdog_s, 3 * c->poll_ms);
	if (c->response_timeout_ms >= c->stale_s * 1000)
		diag_add(l, 1, key_line(g, "response_timeout_ms"),
		    "control.response_timeout_ms",
		    "%d ms reaches stale_s: one slow answer makes a station "
		    "STALE", c->response_timeout_ms);
}

/* A group name that must exist on this system, unless empty. */
static void
check_group(struct loader *l, config_setting_t *g, const char *key,
    const char *name)
{
	if (*name != '\0' && getgrnam(name) == NULL)
		diag_add(l, 0, line_of(g), key, "\"%s\": no such group", name);
}

/* Load the optional control_socket { ... } group. */
static void
load_ctl(struct loader *l, config_setting_t *root, struct cfg_district *d)
{
	config_setting_t	*g = config_setting_get_member(root,
				    "control_socket");
	struct cfg_ctl		*c = &d->ctl;

	snprintf(c->path, sizeof c->path, "/run/pumpd/ctl.sock");
	if (g == NULL)
		return;
	if (!config_setting_is_group(g)) {
		diag_add(l, 0, line_of(g), "control_socket",
		    "expected a group { ... }");
		return;
	}
	check_keys(l, g, ctl_keys, "control_socket");
	get_opt_str(l, g, "path", "control_socket", c->path, sizeof c->path);
	get_opt_str(l, g, "group", "control_socket", c->group,
	    sizeof c->group);
	get_opt_str(l, g, "operator_group", "control_socket",
	    c->operator_group, sizeof c->operator_group);
	if (c->path[0] != '/')
		diag_add(l, 0, key_line(g, "path"), "control_socket.path",
		    "\"%s\": expected an absolute path", c->path);
	check_group(l, g, "control_socket.group", c->group);
	check_group(l, g, "control_socket.operator_group",
	    c->operator_group);
}

/* influx.credential: a systemd credential's name (LoadCredential=NAME:FILE),
 * the secret instead of password_file (1.x, with user) or token_file
 * (2.x), never both. */
static void
check_credential(struct loader *l, config_setting_t *g,
    const struct cfg_influx *c)
{
	const char	*k = "influx.credential", *v = c->credential;
	int		 line;

	if (*v == '\0')
		return;
	line = line_of(config_setting_get_member(g, "credential"));
	if (strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != strlen(v) || *v == '.')
		diag_add(l, 0, line, k, "\"%s\": a credential name is letters, "
		    "digits, -, _ and ., not starting with .", v);
	else if (c->password_file[0] != '\0' || c->token_file[0] != '\0')
		diag_add(l, 0, line, k, "give the secret once: credential or "
		    "%s, not both", c->password_file[0] ? "password_file" :
		    "token_file");
	else if (c->version == 1 && c->user[0] == '\0')
		diag_add(l, 0, line, k, "InfluxDB 1.x takes the credential as "
		    "the password of user: set influx.user");
}

void
cfg_alarms_defaults(struct cfg_alarms *a)
{
	int	k;

	a->ttf_s = CFG_ALARM_TTF_S;
	a->ttf_deadband_s = CFG_ALARM_TTF_DEADBAND_S;
	a->level_deadband_m = CFG_ALARM_DEADBAND_M;
	a->outfall_deadband_m = CFG_ALARM_DEADBAND_M;
	for (k = 0; k < ALARM_NKINDS; k++)
		a->kind[k] = (struct cfg_alarm_kind){ -1, -1, -1 };
}

/* One kind's overrides in alarms.KEY { priority; on_delay_s; off_delay_s }. */
static void
load_alarm_kind(struct loader *l, config_setting_t *g, const char *key,
    struct cfg_alarm_kind *k)
{
	static const char	*prio[] = ALARM_PRIO_NAMES;
	config_setting_t	*s;
	const char		*v;
	char			 p[64], full[80];
	int			 i;

	snprintf(p, sizeof p, "alarms.%s", key);
	snprintf(full, sizeof full, "%s.priority", p);
	check_keys(l, g, alarm_kind_keys, p);
	get_int(l, g, "on_delay_s", p, 0, &k->on_delay_s, 0, 3600);
	get_int(l, g, "off_delay_s", p, 0, &k->off_delay_s, 0, 3600);
	if ((s = config_setting_get_member(g, "priority")) == NULL)
		return;
	v = config_setting_get_string(s);
	for (i = 0; v != NULL && i < ALARM_NPRIO; i++)
		if (strcmp(v, prio[i]) == 0)
			k->priority = i;
	if (k->priority < 0)
		diag_add(l, 0, line_of(s), full, "%s%s%s: "
		    "expected \"critical\", \"high\", \"medium\" or "
		    "\"low\"", v ? "\"" : "", v ? v : "not a string",
		    v ? "\"" : "");
}

/* Load the optional alarms { ... } group: the alarm table's overrides. */
static void
load_alarms(struct loader *l, config_setting_t *root, struct cfg_district *d)
{
	config_setting_t	*g = config_setting_get_member(root, "alarms");
	config_setting_t	*k;
	struct cfg_alarms	*a = &d->alarms;
	int			 i;

	cfg_alarms_defaults(a);
	if (g == NULL)
		return;
	if (!config_setting_is_group(g)) {
		diag_add(l, 0, line_of(g), "alarms", "expected a group { ... }");
		return;
	}
	check_keys(l, g, alarm_keys, "alarms");
	get_int(l, g, "time_to_flood_s", "alarms", 0, &a->ttf_s, 0, 86400);
	get_int(l, g, "time_to_flood_deadband_s", "alarms", 0,
	    &a->ttf_deadband_s, 0, 3600);
	get_num(l, g, "level_deadband_m", "alarms", 0, &a->level_deadband_m,
	    0, 2);
	get_num(l, g, "outfall_deadband_m", "alarms", 0,
	    &a->outfall_deadband_m, 0, 2);
	for (i = 4; alarm_keys[i] != NULL; i++)
		if ((k = get_group(l, g, alarm_keys[i], "alarms", 0)) != NULL)
			load_alarm_kind(l, k, alarm_keys[i], &a->kind[i - 4]);
}

/* Load the optional influx { ... } group: where metrics go. */
static void
load_influx(struct loader *l, config_setting_t *root, struct cfg_district *d)
{
	config_setting_t	*g = config_setting_get_member(root, "influx");
	struct cfg_influx	*c = &d->influx;

	if (g == NULL)
		return;
	if (!config_setting_is_group(g)) {
		diag_add(l, 0, line_of(g), "influx", "expected a group { ... }");
		return;
	}
	d->has_influx = 1;
	check_keys(l, g, influx_keys, "influx");
	c->version = 1;
	c->batch_points = 5000;
	c->batch_ms = 1000;
	c->timeout_ms = 5000;
	c->spool_max_kb = 256 * 1024;
	c->replay_per_s = 10;
	get_str(l, g, "url", "influx", c->url, sizeof c->url);
	if (c->url[0] != '\0' && strncmp(c->url, "http://", 7) != 0 &&
	    strncmp(c->url, "https://", 8) != 0)
		diag_add(l, 0, line_of(config_setting_get_member(g, "url")),
		    "influx.url", "\"%s\": expected http:// or https://",
		    c->url);
	get_int(l, g, "version", "influx", 0, &c->version, 1, 2);
	get_opt_str(l, g, "database", "influx", c->database,
	    sizeof c->database);
	get_opt_str(l, g, "retention_policy", "influx", c->rp, sizeof c->rp);
	get_opt_str(l, g, "user", "influx", c->user, sizeof c->user);
	get_opt_str(l, g, "password_file", "influx", c->password_file,
	    sizeof c->password_file);
	get_opt_str(l, g, "org", "influx", c->org, sizeof c->org);
	get_opt_str(l, g, "bucket", "influx", c->bucket, sizeof c->bucket);
	get_opt_str(l, g, "token_file", "influx", c->token_file,
	    sizeof c->token_file);
	get_opt_str(l, g, "credential", "influx", c->credential,
	    sizeof c->credential);
	check_credential(l, g, c);
	get_int(l, g, "batch_points", "influx", 0, &c->batch_points, 1,
	    1000000);
	get_int(l, g, "batch_ms", "influx", 0, &c->batch_ms, 10, 600000);
	get_int(l, g, "timeout_ms", "influx", 0, &c->timeout_ms, 100, 600000);
	get_int(l, g, "spool_max_kb", "influx", 0, &c->spool_max_kb, 16,
	    64 * 1024 * 1024);
	get_int(l, g, "replay_per_s", "influx", 0, &c->replay_per_s, 1, 1000);
	if (c->version == 1 && c->database[0] == '\0')
		diag_add(l, 0, line_of(g), "influx.database",
		    "missing (InfluxDB 1.x)");
	if (c->version == 2 && (c->org[0] == '\0' || c->bucket[0] == '\0' ||
	    (c->token_file[0] == '\0' && c->credential[0] == '\0')))
		diag_add(l, 0, line_of(g), "influx", "InfluxDB 2.x needs org, "
		    "bucket and token_file or credential");
}

/* Whether s is well-formed UTF-8 without control characters. */
static int
valid_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 n, i;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80)
			n = 0;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			n = 1;
		else if ((*p & 0xF0) == 0xE0)
			n = 2;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			n = 3;
		else
			return 0;
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

/* Whether s is a valid station id: lowercase ASCII letters, digits, - and _. */
static int
valid_id(const char *s)
{
	if (*s < 'a' || *s > 'z')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* Read plc.map into st->map: "v1" (the default) or "L1". */
static void
load_map(struct loader *l, config_setting_t *g, struct cfg_station *st,
    const char *p)
{
	config_setting_t	*m = config_setting_get_member(g, "map");
	char			 k[160], name[16];

	st->map = CFG_MAP_V1;
	if (m == NULL)
		return;
	snprintf(k, sizeof k, "%s.map", p);
	if (get_str(l, g, "map", p, name, sizeof name) == -1)
		return;
	if (strcmp(name, "v1") == 0)
		st->map = CFG_MAP_V1;
	else if (strcmp(name, "L1") == 0)
		st->map = CFG_MAP_L1;
	else
		diag_add(l, 0, line_of(m), k, "\"%s\": expected \"v1\" or "
		    "\"L1\"", name);
}

/* Load the plc { host, port, unit, map } group. */
static void
load_plc(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	config_setting_t	*g;
	struct in_addr		 a;
	char			 p[128], k[160];

	snprintf(p, sizeof p, "%s.plc", pfx);
	if ((g = get_group(l, s, "plc", pfx, 1)) == NULL)
		return;
	check_keys(l, g, plc_keys, p);
	if (get_str(l, g, "host", p, st->host, sizeof st->host) == 0 &&
	    inet_pton(AF_INET, st->host, &a) != 1) {
		snprintf(k, sizeof k, "%s.host", p);
		diag_add(l, 0, line_of(config_setting_get_member(g, "host")), k,
		    "\"%s\" is not an IPv4 address (a.b.c.d): libmodbus "
		    "takes addresses only, and a control centre must not "
		    "depend on DNS", st->host);
	}
	st->port = 502;
	st->unit = 1;
	get_int(l, g, "port", p, 0, &st->port, 1, 65535);
	get_int(l, g, "unit", p, 0, &st->unit, 0, 255);
	load_map(l, g, st, p);
}

/* Load the well { ... } group. */
static void
load_well(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	config_setting_t	*g;
	char			 p[128];

	snprintf(p, sizeof p, "%s.well", pfx);
	if ((g = get_group(l, s, "well", pfx, 1)) == NULL)
		return;
	check_keys(l, g, well_keys, p);
	get_num(l, g, "area_m2", p, 1, &st->area_m2, 1, 10000);
	get_num(l, g, "depth_m", p, 1, &st->depth_m, 0.5, 20);
	get_num(l, g, "flood_m", p, 1, &st->flood_m, 0.1, 20);
	get_num(l, g, "lowlow_m", p, 1, &st->lowlow_m, 0, 20);
	get_num(l, g, "highhigh_m", p, 1, &st->highhigh_m, 0.1, 20);
}

/* Load the pumps ( { capacity_m3s, vfd }, ... ) list. */
static void
load_pumps(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	config_setting_t	*list, *e;
	char			 p[128];
	int			 i, n;

	snprintf(p, sizeof p, "%s.pumps", pfx);
	if ((list = config_setting_get_member(s, "pumps")) == NULL) {
		diag_add(l, 0, line_of(s), p, "missing");
		return;
	}
	if (!config_setting_is_list(list)) {
		diag_add(l, 0, line_of(list), p, "expected a list ( {...}, ... )");
		return;
	}
	n = config_setting_length(list);
	if (n < 1 || n > OBS_MAX_PUMPS) {
		diag_add(l, 0, line_of(list), p,
		    "%d pumps: a station has 1 to %d", n, OBS_MAX_PUMPS);
		return;
	}
	st->npumps = n;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		snprintf(p, sizeof p, "%s.pumps[%d]", pfx, i + 1);
		if (!config_setting_is_group(e)) {
			diag_add(l, 0, line_of(e), p, "expected a group { ... }");
			continue;
		}
		check_keys(l, e, pump_keys, p);
		get_num(l, e, "capacity_m3s", p, 1, &st->pumps[i].capacity_m3s,
		    0.001, 30);
		get_bool(l, e, "vfd", p, &st->pumps[i].vfd);
		get_num(l, e, "shutoff_head_m", p, 0,
		    &st->pumps[i].shutoff_head_m, 0.5, 200);
		get_num(l, e, "rated_head_m", p, 0,
		    &st->pumps[i].rated_head_m, 0.5, 200);
		get_num(l, e, "runout_m3s", p, 0, &st->pumps[i].runout_m3s,
		    0.001, 60);
	}
}

/* Fill in and check pump i's head-flow curve (simulator only): shut-off
 * head above the rated head, run-out flow above the rated flow. */
static void
check_curve(struct loader *l, config_setting_t *s, struct cfg_station *st,
    int i, const char *pfx)
{
	struct cfg_pump		*c = &st->pumps[i];
	config_setting_t	*e;
	char			 k[160];

	snprintf(k, sizeof k, "%s.pumps[%d]", pfx, i + 1);
	if ((e = config_setting_get_member(s, "pumps")) != NULL &&
	    (e = config_setting_get_elem(e, (unsigned)i)) != NULL)
		s = e;		/* report at the pump's own line */
	if (c->rated_head_m == 0)
		c->rated_head_m = st->head_m + st->friction_m;
	if (c->shutoff_head_m == 0)
		c->shutoff_head_m = 1.7 * c->rated_head_m;
	if (c->runout_m3s == 0)
		c->runout_m3s = 1.6 * c->capacity_m3s;
	if (c->shutoff_head_m <= c->rated_head_m)
		diag_add(l, 0, line_of(s), k, "shutoff_head_m %g must be above "
		    "rated_head_m %g", c->shutoff_head_m, c->rated_head_m);
	if (c->runout_m3s <= c->capacity_m3s)
		diag_add(l, 0, line_of(s), k, "runout_m3s %g must be above "
		    "capacity_m3s %g", c->runout_m3s, c->capacity_m3s);
	else if (c->shutoff_head_m * c->capacity_m3s <= (c->shutoff_head_m -
	    c->rated_head_m) * c->runout_m3s)
		diag_add(l, 0, line_of(s), k, "no pump curve bends down "
		    "through shut-off %g m, rated %g m3/s at %g m and run-out "
		    "%g m3/s: lower the shut-off head or the run-out",
		    c->shutoff_head_m, c->capacity_m3s, c->rated_head_m,
		    c->runout_m3s);
}

/* Load the setpoints { ... } group. */
static void
load_setpoints(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	config_setting_t	*g, *a, *e;
	char			 p[128], k[160];
	int			 i, n;

	snprintf(p, sizeof p, "%s.setpoints", pfx);
	if ((g = get_group(l, s, "setpoints", pfx, 1)) == NULL)
		return;
	check_keys(l, g, sp_keys, p);
	get_num(l, g, "stop_m", p, 1, &st->stop_m, 0, 20);
	get_num(l, g, "duty_start_m", p, 1, &st->duty_start_m, 0, 20);
	get_num(l, g, "high_alarm_m", p, 1, &st->high_alarm_m, 0, 20);
	snprintf(k, sizeof k, "%s.assist_start_m", p);
	if ((a = config_setting_get_member(g, "assist_start_m")) == NULL) {
		if (st->npumps > 1)
			diag_add(l, 0, line_of(g), k, "missing");
		return;
	}
	if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
		diag_add(l, 0, line_of(a), k, "expected an array [ ... ]");
		return;
	}
	n = config_setting_length(a);
	if (st->npumps > 0 && n != st->npumps - 1) {
		diag_add(l, 0, line_of(a), k,
		    "%d levels for %d pumps: give one per assist pump (%d)",
		    n, st->npumps, st->npumps - 1);
		return;
	}
	for (i = 0; i < n && i < OBS_MAX_PUMPS - 1; i++) {
		e = config_setting_get_elem(a, (unsigned)i);
		snprintf(k, sizeof k, "%s.assist_start_m[%d]", p, i + 1);
		if (config_setting_type(e) != CONFIG_TYPE_FLOAT &&
		    config_setting_type(e) != CONFIG_TYPE_INT) {
			diag_add(l, 0, line_of(e), k, "expected a number");
			continue;
		}
		st->assist_start_m[i] = config_setting_type(e) ==
		    CONFIG_TYPE_FLOAT ? config_setting_get_float(e) :
		    config_setting_get_int(e);
		check_range(l, e, k, st->assist_start_m[i], 0, 20);
	}
}

/* Load the optional rain, catchment and outfall groups. */
static void
load_extras(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	config_setting_t	*g;
	char			 p[128];
	int			 i;

	st->tip_mm = st->map == CFG_MAP_L1 ? 0.2 : 0.1;
	st->friction_m = 1.0;
	st->river_i = -1;
	st->head_m = 6.0;
	get_num(l, s, "head_m", pfx, 0, &st->head_m, 0.5, 100);
	snprintf(p, sizeof p, "%s.rain", pfx);
	if ((g = get_group(l, s, "rain", pfx, 0)) != NULL) {
		check_keys(l, g, rain_keys, p);
		get_num(l, g, "tip_mm", p, 0, &st->tip_mm, 0.01, 10);
	}
	snprintf(p, sizeof p, "%s.catchment", pfx);
	if ((g = get_group(l, s, "catchment", pfx, 1)) != NULL) {
		check_keys(l, g, catch_keys, p);
		get_num(l, g, "area_ha", p, 1, &st->catch_ha, 0, 100000);
		get_num(l, g, "runoff", p, 1, &st->runoff, 0, 1);
		get_num(l, g, "tc_min", p, 1, &st->tc_min, 1, 240);
		get_num(l, g, "dwf_m3s", p, st->kind == CFG_SEWAGE,
		    &st->dwf_m3s, 0, 100);
		get_num(l, g, "pipe_storage_m3", p, 0, &st->pipe_m3, 0, 1e7);
	}
	snprintf(p, sizeof p, "%s.position", pfx);
	if ((g = get_group(l, s, "position", pfx, 0)) != NULL) {
		check_keys(l, g, pos_keys, p);
		get_num(l, g, "x_km", p, 1, &st->x_km, -1000, 1000);
		get_num(l, g, "y_km", p, 1, &st->y_km, -1000, 1000);
	}
	snprintf(p, sizeof p, "%s.outfall", pfx);
	if ((g = get_group(l, s, "outfall", pfx, 0)) != NULL) {
		check_keys(l, g, outfall_keys, p);
		st->has_outfall = 1;
		get_num(l, g, "base_m", p, 1, &st->outfall_base_m, 0, 20);
		get_num(l, g, "warn_m", p, 1, &st->outfall_warn_m, 0, 20);
		get_num(l, g, "friction_m", p, 0, &st->friction_m, 0, 50);
		if (config_setting_get_member(g, "river") != NULL)
			get_str(l, g, "river", p, st->river, sizeof st->river);
	}
	for (i = 0; i < st->npumps; i++)
		check_curve(l, s, st, i, pfx);
}

/* Load one transducer { zero_m, span_m } group of transducer t. */
static int
load_tx(struct loader *l, config_setting_t *t, const char *key,
    const char *p, struct cfg_transducer *tx)
{
	config_setting_t	*g;
	char			 k[160];

	snprintf(k, sizeof k, "%s.%s", p, key);
	if ((g = get_group(l, t, key, p, 1)) == NULL)
		return -1;
	check_keys(l, g, tx_one_keys, k);
	if (get_num(l, g, "zero_m", k, 1, &tx->zero_m, -20, 20) == -1 ||
	    get_num(l, g, "span_m", k, 1, &tx->span_m, 0.1, 40) == -1)
		return -1;
	return 0;
}

/*
 * The level a transducer can still show: from its zero less the valid
 * under-range (-4864 counts) to zero + span plus the valid over-range (32511
 * counts); 27648 counts are the span.
 */
static double
tx_low_m(const struct cfg_transducer *tx)
{
	return tx->zero_m - tx->span_m * 4864 / 27648;
}

/* The highest level transducer tx can show. */
static double
tx_high_m(const struct cfg_transducer *tx)
{
	return tx->zero_m + tx->span_m * 32511 / 27648;
}

/* Load transducer { level { ... }; outfall { ... } } of an L1 station and
 * check that the level transducer sees from the low-low float to the flood
 * level. */
static void
load_transducers(struct loader *l, config_setting_t *s,
    struct cfg_station *st, const char *pfx)
{
	config_setting_t	*t;
	char			 p[128], k[160];

	snprintf(p, sizeof p, "%s.transducer", pfx);
	if ((t = get_group(l, s, "transducer", pfx, 1)) == NULL)
		return;
	check_keys(l, t, tx_keys, p);
	snprintf(k, sizeof k, "%s.level", p);
	if (load_tx(l, t, "level", p, &st->level_tx) == 0) {
		if (tx_low_m(&st->level_tx) > st->lowlow_m)
			diag_add(l, 0, key_line(t, "level"), k, "reads from "
			    "%.2f m: it must see the low-low float level (%g m)",
			    tx_low_m(&st->level_tx), st->lowlow_m);
		if (tx_high_m(&st->level_tx) < st->flood_m)
			diag_add(l, 0, key_line(t, "level"), k, "reads up to "
			    "%.2f m: it must see the flood level (%g m)",
			    tx_high_m(&st->level_tx), st->flood_m);
	}
	snprintf(k, sizeof k, "%s.outfall", p);
	if (st->has_outfall)
		load_tx(l, t, "outfall", p, &st->outfall_tx);
	else if (config_setting_get_member(t, "outfall") != NULL)
		diag_add(l, 0, key_line(t, "outfall"), k, "the station has no "
		    "outfall group");
}

/* Load panel { start_m, stop_m, assist_step_m, all_on_m } of an L1
 * station: the PLC would refuse an order it cannot hold, so must we. */
static void
load_panel(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	struct cfg_panel	*c = &st->panel;
	config_setting_t	*g;
	char			 p[128], k[160];

	snprintf(p, sizeof p, "%s.panel", pfx);
	if ((g = get_group(l, s, "panel", pfx, 1)) == NULL)
		return;
	check_keys(l, g, panel_keys, p);
	if (get_num(l, g, "start_m", p, 1, &c->start_m, 0, 20) == -1 ||
	    get_num(l, g, "stop_m", p, 1, &c->stop_m, 0, 20) == -1 ||
	    get_num(l, g, "assist_step_m", p, 1, &c->assist_step_m, 0,
	    20) == -1 || get_num(l, g, "all_on_m", p, 1, &c->all_on_m, 0,
	    20) == -1)
		return;
	snprintf(k, sizeof k, "%s.stop_m", p);
	if (c->stop_m >= c->start_m)
		diag_add(l, 0, key_line(g, "stop_m"), k, "%g m must be below "
		    "start_m (%g m)", c->stop_m, c->start_m);
	else if (c->stop_m <= st->lowlow_m)
		diag_add(l, 0, key_line(g, "stop_m"), k, "%g m must be above "
		    "well.lowlow_m (%g m)", c->stop_m, st->lowlow_m);
	snprintf(k, sizeof k, "%s.all_on_m", p);
	if (c->start_m > c->all_on_m)
		diag_add(l, 0, key_line(g, "all_on_m"), k, "%g m must not be "
		    "below start_m (%g m)", c->all_on_m, c->start_m);
	else if (c->all_on_m >= st->flood_m)
		diag_add(l, 0, key_line(g, "all_on_m"), k, "%g m must be "
		    "below well.flood_m (%g m)", c->all_on_m, st->flood_m);
}

/* The L1 keys: required at an L1 station, refused at a v1 station. */
static void
load_l1(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	static const char	*only_l1[] = { "transducer", "panel", NULL };
	config_setting_t	*m;
	char			 k[160];
	int			 i;

	if (st->map == CFG_MAP_L1) {
		if (st->npumps > L1_MAX_PUMPS) {
			snprintf(k, sizeof k, "%s.pumps", pfx);
			diag_add(l, 0, line_of(config_setting_get_member(s,
			    "pumps")), k, "%d pumps: a map L1 PLC has at most "
			    "%d", st->npumps, L1_MAX_PUMPS);
		}
		load_transducers(l, s, st, pfx);
		load_panel(l, s, st, pfx);
		return;
	}
	for (i = 0; only_l1[i] != NULL; i++) {
		if ((m = config_setting_get_member(s, only_l1[i])) == NULL)
			continue;
		snprintf(k, sizeof k, "%s.%s", pfx, only_l1[i]);
		diag_add(l, 0, line_of(m), k, "only for a map L1 PLC "
		    "(plc.map = \"L1\"); this station's is v1");
	}
}

/* Check that a < b, reporting under key ka of station s at its line. */
static void
check_order(struct loader *l, const config_setting_t *s, const char *pfx,
    const char *ka, double a, const char *kb, double b)
{
	char	key[160];

	if (a < b)
		return;
	snprintf(key, sizeof key, "%s.%s", pfx, ka);
	diag_add(l, 0, key_line(s, ka), key, "%g m must be below %s (%g m)",
	    a, kb, b);
}

/* Cross-checks between the levels of one station. */
static void
check_levels(struct loader *l, config_setting_t *s,
    const struct cfg_station *st, const char *pfx)
{
	double			 last;
	char			 k[128], kb[64];
	int			 i;

	check_order(l, s, pfx, "well.lowlow_m", st->lowlow_m,
	    "setpoints.stop_m", st->stop_m);
	check_order(l, s, pfx, "setpoints.stop_m", st->stop_m,
	    "setpoints.duty_start_m", st->duty_start_m);
	last = st->duty_start_m;
	snprintf(kb, sizeof kb, "setpoints.duty_start_m");
	for (i = 0; i < st->npumps - 1; i++) {
		snprintf(k, sizeof k, "setpoints.assist_start_m[%d]", i + 1);
		check_order(l, s, pfx, kb, last, k, st->assist_start_m[i]);
		last = st->assist_start_m[i];
		strcpy(kb, k);
	}
	check_order(l, s, pfx, kb, last, "setpoints.high_alarm_m",
	    st->high_alarm_m);
	check_order(l, s, pfx, "setpoints.high_alarm_m", st->high_alarm_m,
	    "well.flood_m", st->flood_m);
	if (st->highhigh_m < st->high_alarm_m)
		check_order(l, s, pfx, "setpoints.high_alarm_m",
		    st->high_alarm_m, "well.highhigh_m", st->highhigh_m);
	check_order(l, s, pfx, "well.highhigh_m", st->highhigh_m,
	    "well.flood_m", st->flood_m);
	if (st->flood_m > st->depth_m) {
		snprintf(k, sizeof k, "%s.well.flood_m", pfx);
		diag_add(l, 0, key_line(s, "well.flood_m"), k, "%g m is above "
		    "the well's depth (%g m)", st->flood_m, st->depth_m);
	}
	if (st->has_outfall && st->outfall_warn_m <= st->outfall_base_m) {
		snprintf(k, sizeof k, "%s.outfall.warn_m", pfx);
		diag_add(l, 1, key_line(s, "outfall.warn_m"), k, "at or below "
		    "base_m: always alarmed");
	}
}

/* GB 50014-2021 6.3.1: wet-well volume against the largest pump. */
static void
check_well_volume(struct loader *l, config_setting_t *s,
    const struct cfg_station *st, const char *pfx)
{
	double	big = 0, need_s, need;
	char	k[128];
	int	i;

	for (i = 0; i < st->npumps; i++)
		if (st->pumps[i].capacity_m3s > big)
			big = st->pumps[i].capacity_m3s;
	need_s = st->kind == CFG_SEWAGE ? 300 : 30;
	need = big * need_s;
	if (big <= 0 || cfg_well_volume_m3(st) >= need)
		return;
	snprintf(k, sizeof k, "%s.well.area_m2", pfx);
	diag_add(l, 1, line_of(s), k, "effective volume %.0f m3 (stop to high "
	    "alarm) is below GB 50014's %.0f m3 (%.0f s of the largest pump)",
	    cfg_well_volume_m3(st), need, need_s);
}

/* Load a station's reach or plant and its upstream neighbours (ids:
 * resolved once every station is loaded, by resolve_links). */
static void
load_links(struct loader *l, config_setting_t *s, struct cfg_station *st,
    const char *pfx)
{
	config_setting_t	*u = config_setting_get_member(s, "upstream"), *e;
	char			 k[128];
	const char		*v;
	int			 i, n;

	st->outlet = -1;
	st->nupstream = 0;
	if (config_setting_get_member(s, "reach") != NULL)
		get_str(l, s, "reach", pfx, st->link_id, sizeof st->link_id);
	if (config_setting_get_member(s, "plant") != NULL) {
		if (st->link_id[0] != '\0') {
			snprintf(k, sizeof k, "%s.plant", pfx);
			diag_add(l, 0, line_of(s), k, "a station discharges "
			    "to a reach or to a plant, not both");
		}
		get_str(l, s, "plant", pfx, st->link_id, sizeof st->link_id);
		st->link_plant = 1;
	}
	if (u == NULL)
		return;
	snprintf(k, sizeof k, "%s.upstream", pfx);
	if (!config_setting_is_array(u) && !config_setting_is_list(u)) {
		diag_add(l, 0, line_of(u), k, "expected [ \"id\", ... ]");
		return;
	}
	n = config_setting_length(u);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(u, (unsigned)i);
		if ((v = config_setting_get_string(e)) == NULL ||
		    strlen(v) >= CFG_ID_MAX) {
			diag_add(l, 0, line_of(e), k, "expected station ids");
			continue;
		}
		if (st->nupstream == CFG_MAX_UPSTREAM) {
			diag_add(l, 0, line_of(e), k, "more than %d",
			    CFG_MAX_UPSTREAM);
			return;
		}
		strcpy(st->upstream_id[st->nupstream++], v);
	}
}

/* Load one station from its group s (index i) into st. */
static void
load_station(struct loader *l, config_setting_t *s, int i,
    struct cfg_station *st)
{
	char		 pfx[80], key[96], kind[32];

	st->line = line_of(s);
	snprintf(pfx, sizeof pfx, "stations[%d]", i + 1);
	if (!config_setting_is_group(s)) {
		diag_add(l, 0, line_of(s), pfx, "expected a group { ... }");
		return;
	}
	snprintf(key, sizeof key, "%s.id", pfx);
	if (get_str(l, s, "id", pfx, st->id, sizeof st->id) == 0) {
		if (!valid_id(st->id))
			diag_add(l, 0, line_of(config_setting_get_member(s,
			    "id")), key, "\"%s\": use lowercase "
			    "letters, digits, - and _, starting with a letter",
			    st->id);
		else
			snprintf(pfx, sizeof pfx, "%s", st->id);
	}
	check_keys(l, s, station_keys, pfx);
	snprintf(key, sizeof key, "%s.name", pfx);
	if (get_str(l, s, "name", pfx, st->name, sizeof st->name) == 0 &&
	    !valid_utf8(st->name))
		diag_add(l, 0, line_of(config_setting_get_member(s, "name")),
		    key, "not valid UTF-8 text");
	snprintf(key, sizeof key, "%s.kind", pfx);
	if (get_str(l, s, "kind", pfx, kind, sizeof kind) == 0) {
		if (strcmp(kind, "stormwater") == 0)
			st->kind = CFG_STORMWATER;
		else if (strcmp(kind, "sewage") == 0)
			st->kind = CFG_SEWAGE;
		else
			diag_add(l, 0, line_of(config_setting_get_member(s,
			    "kind")), key, "\"%s\": expected stormwater or "
			    "sewage", kind);
	}
	load_plc(l, s, st, pfx);
	load_well(l, s, st, pfx);
	load_pumps(l, s, st, pfx);
	load_setpoints(l, s, st, pfx);
	load_extras(l, s, st, pfx);
	load_l1(l, s, st, pfx);
	load_links(l, s, st, pfx);
	check_levels(l, s, st, pfx);
	check_well_volume(l, s, st, pfx);
}

/* Report duplicate ids and PLC addresses. */
static void
check_duplicates(struct loader *l, const struct cfg_district *d)
{
	const struct cfg_station	*a, *b;
	char				 k[128];
	int				 i, j;

	for (i = 0; i < d->nstations; i++) {
		a = &d->st[i];
		for (j = 0; j < i; j++) {
			b = &d->st[j];
			if (a->id[0] != '\0' && strcmp(a->id, b->id) == 0) {
				snprintf(k, sizeof k, "%s.id", a->id);
				diag_add(l, 0, a->line, k, "duplicate id (first "
				    "at line %d)", b->line);
			}
			if (a->host[0] != '\0' && strcmp(a->host, b->host) == 0
			    && a->port == b->port) {
				snprintf(k, sizeof k, "%s.plc", a->id[0] ?
				    a->id : "station");
				diag_add(l, 0, a->line, k, "address %s:%d is "
				    "already station %s's (line %d)", a->host,
				    a->port, b->id, b->line);
			}
		}
	}
}

/* Resolve each station's outlet and upstream ids; a reach or plant that
 * nobody names, or an unknown id, is reported. */
static void
resolve_links(struct loader *l, struct cfg_district *d)
{
	struct cfg_station	*st;
	const struct cfg_station *u;
	char			 k[128];
	int			 i, j;

	for (i = 0; i < d->nstations; i++) {
		st = &d->st[i];
		for (j = 0; st->link_id[0] && j < d->control.noutlets; j++)
			if (strcmp(d->control.outlet[j].id, st->link_id) == 0 &&
			    d->control.outlet[j].plant == st->link_plant)
				st->outlet = j;
		snprintf(k, sizeof k, "%s.%s", st->id, st->link_plant ?
		    "plant" : "reach");
		if (st->link_id[0] && st->outlet < 0)
			diag_add(l, 0, st->line, k, "\"%s\": no such %s in "
			    "control.%s", st->link_id, st->link_plant ?
			    "plant" : "reach", st->link_plant ? "plants" :
			    "reaches");
		for (j = 0; j < st->nupstream; j++) {
			snprintf(k, sizeof k, "%s.upstream", st->id);
			if ((u = cfg_find(d, st->upstream_id[j])) == NULL ||
			    u == st)
				diag_add(l, 0, st->line, k, "\"%s\": %s",
				    st->upstream_id[j], u == NULL ?
				    "no such station" : "the station itself");
			else
				st->upstream[j] = (int)(u - d->st);
		}
	}
}

/* Load one river reach from group g (index i) into r. */
static void
load_river(struct loader *l, config_setting_t *g, int i, struct cfg_river *r)
{
	char	p[80];

	r->line = line_of(g);
	snprintf(p, sizeof p, "rivers[%d]", i + 1);
	if (!config_setting_is_group(g)) {
		diag_add(l, 0, line_of(g), p, "expected a group { ... }");
		return;
	}
	if (get_str(l, g, "id", p, r->id, sizeof r->id) == 0 &&
	    valid_id(r->id))
		snprintf(p, sizeof p, "rivers.%s", r->id);
	check_keys(l, g, river_keys, p);
	snprintf(r->name, sizeof r->name, "%s", r->id);
	get_opt_str(l, g, "name", p, r->name, sizeof r->name);
	r->limit_frac = 0.5;
	get_num(l, g, "area_m2", p, 1, &r->area_m2, 100, 1e9);
	r->area_top_m2 = r->area_m2;
	get_num(l, g, "area_top_m2", p, 0, &r->area_top_m2, 100, 1e9);
	get_num(l, g, "base_m", p, 1, &r->base_m, -20, 50);
	get_num(l, g, "warn_m", p, 1, &r->warn_m, -20, 50);
	get_num(l, g, "guarantee_m", p, 1, &r->guarantee_m, -20, 50);
	get_num(l, g, "sluice_m3s", p, 1, &r->sluice_m3s, 0, 10000);
	get_num(l, g, "upstream_m3s", p, 0, &r->upstream_m3s, 0, 10000);
	get_num(l, g, "limit_frac", p, 0, &r->limit_frac, 0, 1);
	if (!(r->base_m < r->warn_m && r->warn_m < r->guarantee_m))
		diag_add(l, 0, line_of(g), p, "levels must rise: base_m %g < "
		    "warn_m %g < guarantee_m %g", r->base_m, r->warn_m,
		    r->guarantee_m);
}

/* Load the optional rivers = ( { ... } ) list: the simulator's receiving
 * reaches; pumpd reads and ignores it. */
static void
load_rivers(struct loader *l, config_setting_t *root, struct cfg_district *d)
{
	config_setting_t	*list;
	int			 i, j, n;

	if ((list = config_setting_get_member(root, "rivers")) == NULL)
		return;
	if (!config_setting_is_list(list)) {
		diag_add(l, 0, line_of(list), "rivers",
		    "expected a list ( {...}, ... )");
		return;
	}
	n = config_setting_length(list);
	if (n == 0 || (d->rivers = calloc((size_t)n, sizeof *d->rivers)) ==
	    NULL)
		return;
	d->nrivers = n;
	for (i = 0; i < n; i++) {
		load_river(l, config_setting_get_elem(list, (unsigned)i), i,
		    &d->rivers[i]);
		for (j = 0; j < i; j++)
			if (d->rivers[i].id[0] != '\0' && strcmp(d->rivers[i].id,
			    d->rivers[j].id) == 0)
				diag_add(l, 0, d->rivers[i].line, "rivers",
				    "duplicate id \"%s\" (first at line %d)",
				    d->rivers[i].id, d->rivers[j].line);
	}
}

/* Load the optional plant = { name, inflow_limit_m3s } group. */
static void
load_plant(struct loader *l, config_setting_t *root, struct cfg_district *d)
{
	config_setting_t	*g;

	if ((g = get_group(l, root, "plant", "", 0)) == NULL)
		return;
	check_keys(l, g, plant_keys, "plant");
	d->has_plant = 1;
	snprintf(d->plant.name, sizeof d->plant.name, "plant");
	get_opt_str(l, g, "name", "plant", d->plant.name,
	    sizeof d->plant.name);
	get_num(l, g, "inflow_limit_m3s", "plant", 1,
	    &d->plant.inflow_limit_m3s, 0, 10000);
}

/* Resolve each station's outfall.river to its reach. */
static void
link_rivers(struct loader *l, struct cfg_district *d)
{
	struct cfg_station	*st;
	char			 k[128];
	int			 i, j;

	for (i = 0; i < d->nstations; i++) {
		st = &d->st[i];
		st->river_i = -1;
		if (st->river[0] == '\0')
			continue;
		for (j = 0; j < d->nrivers; j++)
			if (strcmp(st->river, d->rivers[j].id) == 0)
				st->river_i = j;
		snprintf(k, sizeof k, "%s.outfall.river", st->id);
		if (st->river_i < 0)
			diag_add(l, 0, st->line, k, "\"%s\": no such river "
			    "in rivers", st->river);
	}
}

/* The outlet of id (plant or reach) in d's control, made if missing
 * (max_m3s, from line); -1 when there is no room left. */
static int
outlet_get(struct loader *l, struct cfg_district *d, const char *id,
    int plant, double max_m3s, int line)
{
	struct cfg_control	*c = &d->control;
	struct cfg_outlet	*o;
	int			 j;

	for (j = 0; j < c->noutlets; j++)
		if (strcmp(c->outlet[j].id, id) == 0 &&
		    c->outlet[j].plant == plant)
			return j;
	if (c->noutlets == CFG_MAX_OUTLETS) {
		diag_add(l, 0, line, plant ? "plant" : "rivers", "more than %d "
		    "reaches and plants", CFG_MAX_OUTLETS);
		return -1;
	}
	o = &c->outlet[c->noutlets];
	memset(o, 0, sizeof *o);
	snprintf(o->id, sizeof o->id, "%s", id);
	o->plant = plant;
	o->max_m3s = max_m3s;
	o->line = line;
	o->river = !plant;
	return c->noutlets++;
}

/*
 * The district's own description as coordination's outlets: a station that
 * names no reach or plant of control.reaches/plants discharges to its
 * outfall.river (allowance: the sum of the limits ordered for the reach's
 * stations) or, a sewage station, to the plant (inflow_limit_m3s).
 */
static void
derive_outlets(struct loader *l, struct cfg_district *d)
{
	struct cfg_station	*st;
	int			 i;

	for (i = 0; i < d->nstations; i++) {
		st = &d->st[i];
		if (st->link_id[0] != '\0')
			continue;
		if (st->river_i >= 0)
			st->outlet = outlet_get(l, d, d->rivers[st->river_i].id,
			    0, -1, d->rivers[st->river_i].line);
		else if (st->kind == CFG_SEWAGE && d->has_plant)
			st->outlet = outlet_get(l, d, "plant", 1,
			    d->plant.inflow_limit_m3s, st->line);
	}
}

/* Walk the parsed tree. */
static void
load_tree(struct loader *l, config_t *cf, struct cfg_district *d)
{
	config_setting_t	*root = config_root_setting(cf), *list;
	const char		*name;
	int			 i, n;

	check_keys(l, root, top_keys, "");
	if (config_lookup_string(cf, "district", &name) == CONFIG_TRUE)
		snprintf(d->name, sizeof d->name, "%s", name);
	load_influx(l, root, d);
	load_ctl(l, root, d);
	load_alarms(l, root, d);
	load_control(l, root, d);
	if ((list = config_setting_get_member(root, "stations")) == NULL) {
		diag_add(l, 0, 1, "stations", "missing");
		return;
	}
	if (!config_setting_is_list(list)) {
		diag_add(l, 0, line_of(list), "stations",
		    "expected a list ( {...}, ... )");
		return;
	}
	if ((n = config_setting_length(list)) == 0) {
		diag_add(l, 0, line_of(list), "stations", "no stations");
		return;
	}
	if ((d->st = calloc((size_t)n, sizeof *d->st)) == NULL) {
		diag_add(l, 0, line_of(list), "stations", "out of memory");
		return;
	}
	d->nstations = n;
	for (i = 0; i < n; i++)
		load_station(l, config_setting_get_elem(list, (unsigned)i), i,
		    &d->st[i]);
	check_duplicates(l, d);
	resolve_links(l, d);
	load_rivers(l, root, d);
	load_plant(l, root, d);
	link_rivers(l, d);
	derive_outlets(l, d);
}

#define CFG_FILE_MAX	(4 * 1024 * 1024)	/* a district is far smaller */

/* Report a NUL byte: libconfig would stop reading there.  -1 if any. */
static int
check_nul(struct loader *l, const char *text, size_t len)
{
	const char	*z = memchr(text, '\0', len);
	int		 line = 1;

	if (z == NULL)
		return 0;
	for (; text < z; text++)
		line += *text == '\n';
	diag_add(l, 0, line, "file", "contains a NUL byte: not a text file");
	return -1;
}

/* Read the whole regular file path into *text, ending in a newline (libconfig
 * misreads a last line without one); 0, or -1 with the problem reported. */
static int
read_text(struct loader *l, char **text)
{
	struct stat	 sb;
	FILE		*f;
	size_t		 n;

	*text = NULL;
	if ((f = fopen(l->path, "r")) == NULL) {
		diag_add(l, 0, 0, "file", "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > CFG_FILE_MAX) {
		diag_add(l, 0, 0, "file", "%s", S_ISDIR(sb.st_mode) ?
		    "is a directory, not a configuration file" :
		    !S_ISREG(sb.st_mode) ? "not a regular file" :
		    "larger than 4 MB: not a configuration file");
		fclose(f);
		return -1;
	}
	if ((*text = malloc((size_t)sb.st_size + 2)) == NULL) {
		diag_add(l, 0, 0, "file", "out of memory");
		fclose(f);
		return -1;
	}
	n = fread(*text, 1, (size_t)sb.st_size + 1, f);
	if (ferror(f) || n > (size_t)sb.st_size) {
		diag_add(l, 0, 0, "file", "cannot read: %s", ferror(f) ?
		    strerror(errno) : "it changed while read");
		fclose(f);
		free(*text);
		*text = NULL;
		return -1;
	}
	fclose(f);
	if (check_nul(l, *text, n) == -1) {
		free(*text);
		*text = NULL;
		return -1;
	}
	if (n == 0 || (*text)[n - 1] != '\n')
		(*text)[n++] = '\n';
	(*text)[n] = '\0';
	return 0;
}

/* Report @include directives: the district is one file (an included file
 * would be read by libconfig itself, relative to the working directory).
 * Returns the number found. */
static int
check_includes(struct loader *l, const char *text)
{
	const char	*p = text;
	int		 line = 1, n = 0;

	for (; *p != '\0'; line++) {
		p += strspn(p, " \t");
		if (strncmp(p, "@include", 8) == 0) {
			diag_add(l, 0, line, "@include", "not supported: the "
			    "district is one file");
			n++;
		}
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
	}
	return n;
}

int
cfg_load(const char *path, struct cfg_district *d, struct cfg_diag *diag)
{
	struct loader	 l = { path, diag };
	config_t	 cf;
	char		*text, *c;
	int		 line, nlines = 0;

	memset(d, 0, sizeof *d);
	if (read_text(&l, &text) == -1)
		return -1;
	for (c = text; (c = strchr(c, '\n')) != NULL; c++)
		nlines++;
	if (check_includes(&l, text) > 0) {
		free(text);
		return -1;
	}
	config_init(&cf);
	config_set_auto_convert(&cf, 0);
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
		/* libconfig places an error at the end on the line after it */
		line = config_error_line(&cf);
		diag_add(&l, 0, line > nlines ? nlines : line, "syntax", "%s%s",
		    config_error_text(&cf), line > nlines ?
		    " at the end of the file" : "");
		config_destroy(&cf);
		free(text);
		return -1;
	}
	free(text);
	load_tree(&l, &cf, d);
	config_destroy(&cf);
	return diag->nerrors > 0 ? -1 : 0;
}

void
cfg_free(struct cfg_district *d)
{
	free(d->st);
	d->st = NULL;
	d->nstations = 0;
	free(d->rivers);
	d->rivers = NULL;
	d->nrivers = 0;
}

void
cfg_diag_free(struct cfg_diag *diag)
{
	int	i;

	for (i = 0; i < diag->nmsg; i++)
		free(diag->msg[i]);
	free(diag->msg);
	memset(diag, 0, sizeof *diag);
}

const struct cfg_station *
cfg_find(const struct cfg_district *d, const char *id)
{
	int	i;

	for (i = 0; i < d->nstations; i++)
		if (strcmp(d->st[i].id, id) == 0)
			return &d->st[i];
	return NULL;
}

double
cfg_well_volume_m3(const struct cfg_station *s)
{
	return s->area_m2 * (s->high_alarm_m - s->stop_m);
}

double
cfg_capacity_m3s(const struct cfg_station *s)
{
	double	sum = 0;
	int	i;

	for (i = 0; i < s->npumps; i++)
		sum += s->pumps[i].capacity_m3s;
	return sum;
}

const char *
cfg_map_name(enum cfg_map m)
{
	return m == CFG_MAP_L1 ? "L1" : "v1";
}

const char *
cfg_kind_name(enum cfg_kind k)
{
	return k == CFG_SEWAGE ? "sewage" : "stormwater";
}
