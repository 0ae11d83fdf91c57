/*
 * Reload on SIGHUP (see reload.h): check the file, tell what changed,
 * carry the stations over, hand the removed ones to their PLCs and stop
 * the workers that are no longer needed, without waiting on the loop.
 * Loop thread only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "station.h"
#include "util.h"

/* A removed station on its way to its PLC's own control. */
struct leaving {
	struct station		s;
	struct cfg_station	cfg;	/* its configuration: the old file's */
	double			by;	/* monotonic: the hand-over's end */
};

/* A worker told to stop, not yet ended. */
struct ending {
	struct plc_dev		*dev;
	struct cfg_station	*wcfg;
};

struct reload {
	struct leaving		**lv;
	int			 nlv;
	struct ending		*end;
	int			 nend;
};

/* What a reload changes, in words, for the log and the audit trail. */
struct summary {
	char	text[1024];
	size_t	len;
	int	n;		/* changes noted */
};

/* Append a change to sum, ", "-separated. */
static void __attribute__((format(printf, 2, 3)))
note(struct summary *sum, const char *fmt, ...)
{
	va_list	ap;
	int	k;

	if (sum->len >= sizeof sum->text - 1)
		return;
	if (sum->n++ > 0)
		sum->len += (size_t)snprintf(sum->text + sum->len,
		    sizeof sum->text - sum->len, ", ");
	if (sum->len >= sizeof sum->text - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(sum->text + sum->len, sizeof sum->text - sum->len, fmt,
	    ap);
	va_end(ap);
	if (k > 0)
		sum->len += (size_t)k;
	if (sum->len > sizeof sum->text - 1)
		sum->len = sizeof sum->text - 1;
}

/* p->reload, allocated at first need; NULL out of memory. */
static struct reload *
reload_get(struct pumpd *p)
{
	if (p->reload == NULL)
		p->reload = calloc(1, sizeof *p->reload);
	return p->reload;
}

/* Tell a worker to stop; it is freed on a later tick once it has ended. */
static void
retire(struct pumpd *p, struct plc_dev *dev, struct cfg_station *wcfg)
{
	struct reload	*r = reload_get(p);
	struct ending	*e;

	if (dev == NULL)
		return;
	plc_halt(dev);
	if (r == NULL || (e = realloc(r->end, (size_t)(r->nend + 1) *
	    sizeof *e)) == NULL) {
		plc_stop(dev);	/* out of memory: wait for it, once */
		station_worker_free(p, dev, wcfg);
		return;
	}
	r->end = e;
	e[r->nend].dev = dev;
	e[r->nend++].wcfg = wcfg;
}

/* Station s was removed: hand it to its PLC as at a stop; its worker
 * stays until the PLC acknowledges or control.handover_ms passes. */
static void
leave(struct pumpd *p, const struct station *s, int64_t ms)
{
	struct reload	*r = reload_get(p);
	struct leaving	*l = calloc(1, sizeof *l), **v;

	if (r == NULL || l == NULL || (v = realloc(r->lv, (size_t)(r->nlv +
	    1) * sizeof *v)) == NULL) {
		free(l);
		log_warnx("station %s: removed; out of memory: left to its "
		    "watchdog", s->cfg->id);
		retire(p, s->dev, s->wcfg);
		return;
	}
	r->lv = v;
	l->s = *s;
	l->cfg = *s->cfg;
	l->s.cfg = &l->cfg;
	l->by = util_mono_s() + p->d.control.handover_ms / 1000.0;
	station_handover(p, &l->s, ms);
	r->lv[r->nlv++] = l;
}

void
reload_tick(struct pumpd *p)
{
	struct reload	*r = p->reload;
	struct leaving	*l;
	int		 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlv; i++) {
		l = r->lv[i];
		if (!station_handover_done(&l->s) && util_mono_s() < l->by)
			continue;
		station_handover_note(p, &l->s, station_now_ms(p));
		retire(p, l->s.dev, l->s.wcfg);
		free(l);
		r->lv[i--] = r->lv[--r->nlv];
	}
	for (i = 0; i < r->nend; i++)
		if (plc_reap(r->end[i].dev)) {
			station_worker_free(p, r->end[i].dev, r->end[i].wcfg);
			r->end[i--] = r->end[--r->nend];
		}
}

/* Station id comes back while an earlier reload still hands it over: end
 * that hand-over now (its block was sent) and stop its old worker, so
 * that the PLC never has two workers of ours at once. */
static void
drop_leaving(struct pumpd *p, const char *id)
{
	struct reload	*r = p->reload;
	struct leaving	*l;
	int		 i;

	for (i = 0; r != NULL && i < r->nlv; i++) {
		l = r->lv[i];
		if (strcmp(l->cfg.id, id) != 0)
			continue;
		station_handover_done(&l->s);
		station_handover_note(p, &l->s, station_now_ms(p));
		retire(p, l->s.dev, l->s.wcfg);
		free(l);
		r->lv[i--] = r->lv[--r->nlv];
	}
}

int
reload_leaving(const struct pumpd *p)
{
	return p->reload != NULL ? p->reload->nlv : 0;
}

void
reload_free(struct pumpd *p)
{
	struct reload	*r = p->reload;
	int		 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlv; i++) {
		station_handover_note(p, &r->lv[i]->s, station_now_ms(p));
		plc_stop(r->lv[i]->s.dev);
		station_worker_free(p, r->lv[i]->s.dev, r->lv[i]->s.wcfg);
		free(r->lv[i]);
	}
	for (i = 0; i < r->nend; i++) {
		plc_stop(r->end[i].dev);
		station_worker_free(p, r->end[i].dev, r->end[i].wcfg);
	}
	free(r->lv);
	free(r->end);
	free(r);
	p->reload = NULL;
}

/* Whether a and b differ in what a station's worker and codec read. */
static int
plc_changed(const struct cfg_station *a, const struct cfg_station *b)
{
	return strcmp(a->host, b->host) != 0 || a->port != b->port ||
	    a->unit != b->unit || a->map != b->map ||
	    a->has_outfall != b->has_outfall ||
	    a->level_tx.zero_m != b->level_tx.zero_m ||
	    a->level_tx.span_m != b->level_tx.span_m ||
	    a->outfall_tx.zero_m != b->outfall_tx.zero_m ||
	    a->outfall_tx.span_m != b->outfall_tx.span_m;
}

/* How many level set-points differ between a and b (same pumps). */
static int
setpoints_changed(const struct cfg_station *a, const struct cfg_station *b)
{
	int	k, n = 0;

	n += a->stop_m != b->stop_m;
	n += a->duty_start_m != b->duty_start_m;
	n += a->high_alarm_m != b->high_alarm_m;
	for (k = 0; k < a->npumps - 1; k++)
		n += a->assist_start_m[k] != b->assist_start_m[k];
	n += a->panel.start_m != b->panel.start_m;
	n += a->panel.stop_m != b->panel.stop_m;
	n += a->panel.assist_step_m != b->panel.assist_step_m;
	n += a->panel.all_on_m != b->panel.all_on_m;
	return n;
}

/* How many other settings differ between a and b (same pumps). */
static int
others_changed(const struct cfg_station *a, const struct cfg_station *b)
{
	const double	x[] = { a->area_m2, a->depth_m, a->flood_m,
	    a->lowlow_m, a->highhigh_m, a->tip_mm, a->head_m,
	    a->outfall_base_m, a->outfall_warn_m, a->catch_ha, a->runoff,
	    a->tc_min, a->dwf_m3s };
	const double	y[] = { b->area_m2, b->depth_m, b->flood_m,
	    b->lowlow_m, b->highhigh_m, b->tip_mm, b->head_m,
	    b->outfall_base_m, b->outfall_warn_m, b->catch_ha, b->runoff,
	    b->tc_min, b->dwf_m3s };
	size_t		i;
	int		k, n = a->kind != b->kind;

	for (i = 0; i < sizeof x / sizeof x[0]; i++)
		n += x[i] != y[i];
	for (k = 0; k < a->npumps; k++)
		n += a->pumps[k].capacity_m3s != b->pumps[k].capacity_m3s ||
		    a->pumps[k].vfd != b->pumps[k].vfd;
	return n;
}

/* Note what changed at a kept station, from a to b. */
static void
note_station(struct summary *sum, const struct cfg_station *a,
    const struct cfg_station *b)
{
	int	n;

	if ((n = setpoints_changed(a, b)) > 0)
		note(sum, "%d set-point%s changed at %s", n, n == 1 ? "" : "s",
		    b->id);
	if (strcmp(a->name, b->name) != 0)
		note(sum, "name of %s changed", b->id);
	if ((n = others_changed(a, b)) > 0)
		note(sum, "%d other setting%s changed at %s", n, n == 1 ? "" :
		    "s", b->id);
	if (plc_changed(a, b))
		note(sum, "PLC of %s changed (reconnecting to %s:%d unit %d, "
		    "map %s)", b->id, b->host, b->port, b->unit,
		    cfg_map_name(b->map));
}

/* The control group's settings a reload applies, by name. */
static const struct {
	const char	*key;
	size_t		 off;
	int		 dbl;
} control_keys[] = {
#define CI(k)	{ #k, offsetof(struct cfg_control, k), 0 }
#define CD(k)	{ #k, offsetof(struct cfg_control, k), 1 }
	CI(stale_s), CI(down_s), CI(watchdog_s), CI(stagger_s), CI(min_run_s),
	CI(min_off_s), CI(starts_per_hour_sewage),
	CI(starts_per_hour_stormwater), CI(fail_to_start_s), CI(fail_retry_s),
	CI(level_frozen_s), CD(level_max_rate_m_s), CD(level_disagree_m),
	CD(assist_hysteresis_m), CD(storm_mm_h), CI(storm_hold_min),
	CD(storm_drawdown_m), CI(handover_ms), CI(override_default_s),
#undef CI
#undef CD
};

/* Note the control settings that changed from a to b. */
static void
note_control(struct summary *sum, const struct cfg_control *a,
    const struct cfg_control *b)
{
	const char	*x, *y;
	size_t		 i;

	for (i = 0; i < sizeof control_keys / sizeof control_keys[0]; i++) {
		x = (const char *)a + control_keys[i].off;
		y = (const char *)b + control_keys[i].off;
		if (control_keys[i].dbl ? *(const double *)x !=
		    *(const double *)y : *(const int *)x != *(const int *)y)
			note(sum, "control.%s changed", control_keys[i].key);
	}
}

/* Whether the influx groups of a and b differ. */
static int
influx_changed(const struct cfg_district *a, const struct cfg_district *b)
{
	const struct cfg_influx	*x = &a->influx, *y = &b->influx;

	if (a->has_influx != b->has_influx)
		return 1;
	return a->has_influx && (strcmp(x->url, y->url) ||
	    x->version != y->version || strcmp(x->database, y->database) ||
	    strcmp(x->rp, y->rp) || strcmp(x->user, y->user) ||
	    strcmp(x->password_file, y->password_file) ||
	    strcmp(x->org, y->org) || strcmp(x->bucket, y->bucket) ||
	    strcmp(x->token_file, y->token_file) ||
	    x->batch_points != y->batch_points ||
	    x->batch_ms != y->batch_ms || x->timeout_ms != y->timeout_ms ||
	    x->spool_max_kb != y->spool_max_kb ||
	    x->replay_per_s != y->replay_per_s);
}

/* Log that key changed in the file but keeps its value in use. */
static void
keep_warn(const char *path, const char *key)
{
	log_warnx("reload: %s: %s changed, but only a restart of pumpd can "
	    "change it: the value in use stays until then", path, key);
}

/* Settings only a restart changes: keep the ones in use in nd, warn. */
static void
keep_restart_only(struct pumpd *p, struct cfg_district *nd,
    struct summary *sum)
{
	const struct cfg_ctl	*a = &p->d.ctl, *b = &nd->ctl;

	if (influx_changed(&p->d, nd)) {
		keep_warn(p->cfg_path, "influx");
		note(sum, "influx kept (needs a restart)");
	}
	nd->has_influx = p->d.has_influx;
	nd->influx = p->d.influx;
	if (strcmp(a->path, b->path) || strcmp(a->group, b->group) ||
	    strcmp(a->operator_group, b->operator_group)) {
		keep_warn(p->cfg_path, "control_socket");
		note(sum, "control_socket kept (needs a restart)");
	}
	nd->ctl = p->d.ctl;
	if (nd->control.poll_ms != p->d.control.poll_ms) {
		keep_warn(p->cfg_path, "control.poll_ms");
		note(sum, "control.poll_ms kept (needs a restart)");
	}
	nd->control.poll_ms = p->d.control.poll_ms;
	if (nd->control.response_timeout_ms !=
	    p->d.control.response_timeout_ms) {
		keep_warn(p->cfg_path, "control.response_timeout_ms");
		note(sum, "control.response_timeout_ms kept (needs a "
		    "restart)");
	}
	nd->control.response_timeout_ms = p->d.control.response_timeout_ms;
}

/* The station of id in use; NULL if none. */
static struct station *
find_kept(struct pumpd *p, const char *id)
{
	int	i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->st[i].cfg->id, id) == 0)
			return &p->st[i];
	return NULL;
}

/* What only a restart can do with a station: log each as an error
 * "file:line: pumps: ..." and return how many. */
static int
check_stations(struct pumpd *p, const struct cfg_district *nd)
{
	const struct station	*s;
	int			 j, n = 0;

	for (j = 0; j < nd->nstations; j++) {
		if ((s = find_kept(p, nd->st[j].id)) == NULL ||
		    s->cfg->npumps == nd->st[j].npumps)
			continue;
		log_errx("%s:%d: pumps: station %s has %d pumps, the one in "
		    "use %d: a reload cannot change a station's pumps (remove "
		    "it in one reload and add it back in the next, or restart "
		    "pumpd)", p->cfg_path, nd->st[j].line, nd->st[j].id,
		    nd->st[j].npumps, s->cfg->npumps);
		n++;
	}
	return n;
}

/* Station t (a copy of one in use) takes its new configuration c; a new
 * worker when its PLC changed. */
static void
carry_over(struct pumpd *p, struct station *t, const struct cfg_station *c,
    struct summary *sum)
{
	note_station(sum, t->cfg, c);
	if (plc_changed(t->cfg, c)) {
		retire(p, t->dev, t->wcfg);
		t->dev = NULL;
		t->wcfg = NULL;
		t->bad_episode = 0;
		t->logged = 0;
		memset(&t->fail_log, 0, sizeof t->fail_log);
	}
	t->cfg = c;
	if (t->dev == NULL && station_worker_start(p, t) == -1)
		log_warnx("station %s: cannot start its PLC worker: no data, "
		    "it goes DOWN", c->id);
}

/* Apply nd (checked): carry the stations over, hand the removed ones to
 * their PLCs, swap the configuration.  Consumes nd. */
static int
apply(struct pumpd *p, struct cfg_district *nd, struct summary *sum)
{
	struct cfg_district	 old;
	struct station		*st, *s;
	char			*kept;
	int64_t			 ms = station_now_ms(p);
	int			 i, j;

	st = calloc((size_t)nd->nstations + 1, sizeof *st);
	kept = calloc((size_t)p->n + 1, 1);
	if (st == NULL || kept == NULL) {
		free(st);
		free(kept);
		return -1;
	}
	note_control(sum, &p->d.control, &nd->control);
	for (j = 0; j < nd->nstations; j++) {
		if ((s = find_kept(p, nd->st[j].id)) != NULL) {
			kept[s - p->st] = 1;
			st[j] = *s;
			st[j].al.index = j;	/* alarm ids follow the order */
			carry_over(p, &st[j], &nd->st[j], sum);
			continue;
		}
		drop_leaving(p, nd->st[j].id);
		station_init(p, &st[j], j, &nd->st[j]);
		note(sum, "station %s added", nd->st[j].id);
		if (station_worker_start(p, &st[j]) == -1)
			log_warnx("station %s: cannot start its PLC worker: "
			    "no data, it goes DOWN", nd->st[j].id);
	}
	for (i = 0; i < p->n; i++)
		if (!kept[i]) {
			note(sum, "station %s removed (handing it to its PLC)",
			    p->st[i].cfg->id);
			leave(p, &p->st[i], ms);
		}
	free(kept);
	old = p->d;
	p->d = *nd;
	free(p->st);
	p->st = st;
	p->n = nd->nstations;
	p->stale_ms = p->d.control.stale_s * 1000;
	p->down_ms = p->d.control.down_s * 1000;
	alarm_table_init(&p->alarms, &p->d.alarms);
	station_slots(p);
	cfg_free(&old);
	return 0;
}

/* Read and check p->cfg_path into nd: 0, or -1 with every problem
 * logged at LOG_ERR and *err saying so. */
static int
load(struct pumpd *p, struct cfg_district *nd, char *err, size_t len)
{
	struct cfg_diag	diag = { 0 };
	int		i, rc, bad;

	rc = cfg_load(p->cfg_path, nd, &diag);
	for (i = 0; i < diag.nmsg; i++)
		if (strstr(diag.msg[i], ": warning: ") != NULL)
			log_warnx("%s", diag.msg[i]);
		else
			log_errx("%s", diag.msg[i]);
	bad = rc == -1 ? diag.nerrors : check_stations(p, nd);
	if (rc == -1 && bad == 0)
		bad = 1;
	cfg_diag_free(&diag);
	if (bad == 0)
		return 0;
	snprintf(err, len, "%s: %d error%s; the configuration in use stays in "
	    "force", p->cfg_path, bad, bad == 1 ? "" : "s");
	return -1;
}

void
reload_run(struct pumpd *p)
{
	struct cfg_district	nd;
	struct summary		sum = { "", 0, 0 };
	char			err[512];

	memset(&nd, 0, sizeof nd);
	notify_reloading(p);
	log_notice("reload: reading %s (SIGHUP)", p->cfg_path);
	if (load(p, &nd, err, sizeof err) == -1) {
		cfg_free(&nd);
		log_errx("reload refused: %s", err);
		ctl_audit_event(p, "reload", p->cfg_path, err);
		notify_reloaded(p, "reload refused: errors in the file");
		return;
	}
	keep_restart_only(p, &nd, &sum);
	if (apply(p, &nd, &sum) == -1) {
		cfg_free(&nd);
		log_errx("reload refused: out of memory; the configuration in "
		    "use stays in force");
		ctl_audit_event(p, "reload", p->cfg_path, "out of memory");
		notify_reloaded(p, "reload refused: out of memory");
		return;
	}
	if (sum.n == 0)
		snprintf(sum.text, sizeof sum.text, "no change");
	log_notice("reload: %s", sum.text);
	ctl_audit_event(p, "reload", sum.text, NULL);
	notify_reloaded(p, "reloaded");
}
