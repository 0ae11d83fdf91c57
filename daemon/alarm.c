/*
 * Alarm management (see alarm.h): the table, the conditions, the state
 * machine of each instance and its overlays.  Pure; loop thread.
 */
#include <stdio.h>
#include <string.h>

#include "alarm.h"

#define MS(s)	((int64_t)(s) * 1000)

/* The kinds' defaults, expanded from alarm_kinds.h. */
static const struct {
	const char	*key, *text;
	int		 prio, on_s, off_s, consequential, per_pump;
} kinds[ALARM_NKINDS] = {
#define ALARM_ROW_(n, k, t, pr, on, off, c, pp) { k, t, pr, on, off, c, pp },
	ALARM_KINDS(ALARM_ROW_)
#undef ALARM_ROW_
};

const char *
alarm_kind_key(enum alarm_kind k)
{
	return (unsigned)k < ALARM_NKINDS ? kinds[k].key : "?";
}

const char *
alarm_kind_text(enum alarm_kind k)
{
	return (unsigned)k < ALARM_NKINDS ? kinds[k].text : "?";
}

const char *
alarm_prio_name(enum alarm_prio p)
{
	static const char *name[] = ALARM_PRIO_NAMES;

	return (unsigned)p < ALARM_NPRIO ? name[p] : "?";
}

const char *
alarm_state_name(enum alarm_state s)
{
	static const char *name[] = { "NORMAL", "UNACK", "ACKED",
	    "RTN_UNACK", "SHELVED", "SUPPRESSED" };

	return (unsigned)s < 6 ? name[s] : "?";
}

int
alarm_kind_parse(const char *key)
{
	int	k;

	for (k = 0; k < ALARM_NKINDS; k++)
		if (strcmp(kinds[k].key, key) == 0)
			return k;
	return -1;
}

void
alarm_table_init(struct alarm_table *t, const struct cfg_alarms *c)
{
	const struct cfg_alarm_kind	*o;
	int				 k;

	memset(t, 0, sizeof *t);
	for (k = 0; k < ALARM_NKINDS; k++) {
		o = c != NULL ? &c->kind[k] : NULL;
		t->rule[k].prio = (enum alarm_prio)(o && o->priority >= 0 ?
		    o->priority : kinds[k].prio);
		t->rule[k].on_ms = MS(o && o->on_delay_s >= 0 ?
		    o->on_delay_s : kinds[k].on_s);
		t->rule[k].off_ms = MS(o && o->off_delay_s >= 0 ?
		    o->off_delay_s : kinds[k].off_s);
		t->rule[k].consequential = kinds[k].consequential;
	}
	t->ttf_s = c != NULL ? c->ttf_s : CFG_ALARM_TTF_S;
	t->ttf_deadband_s = c != NULL ? c->ttf_deadband_s :
	    CFG_ALARM_TTF_DEADBAND_S;
	t->level_deadband_m = c != NULL ? c->level_deadband_m :
	    CFG_ALARM_DEADBAND_M;
	t->outfall_deadband_m = c != NULL ? c->outfall_deadband_m :
	    CFG_ALARM_DEADBAND_M;
}

void
alarm_init(struct alarm_station *a, int index, int npumps)
{
	memset(a, 0, sizeof *a);
	a->index = index;
	a->npumps = npumps;
}

/* The slot of kind and pump (1-based for per-pump kinds). */
static int
slot_of(enum alarm_kind k, int pump)
{
	if (k < ALARM_FIRST_PUMP)
		return (int)k;
	return ALARM_FIRST_PUMP + (k - ALARM_FIRST_PUMP) * OBS_MAX_PUMPS +
	    pump - 1;
}

/* The kind of a slot. */
static enum alarm_kind
slot_kind(int slot)
{
	if (slot < ALARM_FIRST_PUMP)
		return (enum alarm_kind)slot;
	return (enum alarm_kind)(ALARM_FIRST_PUMP + (slot - ALARM_FIRST_PUMP) /
	    OBS_MAX_PUMPS);
}

/* The pump of a slot, 0 for a station-wide kind. */
static int
slot_pump(int slot)
{
	if (slot < ALARM_FIRST_PUMP)
		return 0;
	return (slot - ALARM_FIRST_PUMP) % OBS_MAX_PUMPS + 1;
}

/* Whether slot exists at station a (its pump is installed). */
static int
slot_valid(const struct alarm_station *a, int slot)
{
	return slot_pump(slot) <= a->npumps;
}

/* The id of slot at station a. */
static int
slot_id(const struct alarm_station *a, int slot)
{
	return (a->index + 1) * 1000 + (int)slot_kind(slot) * 10 +
	    slot_pump(slot);
}

int
alarm_id_station(int id)
{
	return id >= 1000 ? id / 1000 - 1 : -1;
}

/* The slot of id at station a, or -1 with *why. */
static int
slot_find(const struct alarm_station *a, int id, const char **why)
{
	int	k = id % 1000 / 10, pump = id % 10;

	*why = "no such alarm id at this station";
	if (alarm_id_station(id) != a->index || k >= ALARM_NKINDS)
		return -1;
	if (kinds[k].per_pump ? pump < 1 || pump > a->npumps : pump != 0)
		return -1;
	return slot_of((enum alarm_kind)k, pump);
}

/* The state instance i shows. */
static enum alarm_state
shown(const struct alarm_inst *i)
{
	if (i->shelf_ms != 0)
		return ALARM_SHELVED;
	if (i->state == ALARM_NORMAL)
		return ALARM_NORMAL;
	return i->suppressed ? ALARM_SUPPRESSED : (enum alarm_state)i->state;
}

/* An event for slot of a if what it shows moved from was; returns how
 * many were written (0 or 1). */
static int
note(struct alarm_station *a, const struct alarm_table *t, int slot,
    enum alarm_state was, int64_t now_ms, int op, struct alarm_event *ev)
{
	struct alarm_inst	*i = &a->in[slot];

	if (shown(i) == was)
		return 0;
	i->since_ms = now_ms;
	if (ev == NULL)
		return 1;
	ev->id = slot_id(a, slot);
	ev->kind = slot_kind(slot);
	ev->pump = slot_pump(slot);
	ev->state = shown(i);
	ev->was = was;
	ev->prio = t->rule[ev->kind].prio;
	ev->by_operator = op;
	return 1;
}

/* An analogue condition with its deadband: on at or above on_at, off
 * below off_at (<= on_at) once on. */
static int
above(int was, double v, double on_at, double off_at)
{
	return was ? v >= off_at : v >= on_at;
}

/* The condition of slot this cycle, prev being its last judgement. */
static int
judge(const struct alarm_table *t, const struct alarm_input *in, int slot,
    int prev)
{
	switch (slot_kind(slot)) {
	case ALARM_COMMS_DOWN:
		return in->comms == CORE_COMMS_DOWN;
	case ALARM_COMMS_STALE:
		return in->comms != CORE_COMMS_OK;
	case ALARM_HIGH_LEVEL:
		return in->has_level ? above(prev, in->level_m,
		    in->high_alarm_m, in->high_alarm_m - t->level_deadband_m) :
		    prev;
	case ALARM_TTF:
		if (t->ttf_s <= 0)
			return 0;
		if (!in->has_level)
			return prev;
		return in->has_ttf && in->ttf_s < t->ttf_s +
		    (prev ? t->ttf_deadband_s : 0) && above(prev,
		    in->level_m, in->ttf_arm_m, in->ttf_arm_m -
		    t->level_deadband_m);
	case ALARM_OUTFALL:
		return in->has_outfall ? above(prev, in->outfall_m,
		    in->outfall_warn_m, in->outfall_warn_m -
		    t->outfall_deadband_m) : prev;
	default:
		return in->on[slot];
	}
}

/* The condition of instance i, judged cond, on or off after its delays. */
static void
delays(struct alarm_inst *i, const struct alarm_rule *r, int cond,
    int64_t now_ms)
{
	int	hidden = i->shelf_ms != 0;

	if (cond != i->cond) {
		i->cond = (uint8_t)cond;
		i->cond_ms = now_ms;
	}
	if (!i->active && i->cond && now_ms - i->cond_ms >= r->on_ms) {
		i->active = 1;
		if (i->state == ALARM_NORMAL || i->state == ALARM_RTN_UNACK) {
			i->state = ALARM_UNACK;
			i->raised_ms = now_ms;
		}
	} else if (i->active && !i->cond && now_ms - i->cond_ms >= r->off_ms) {
		i->active = 0;
		if (i->state == ALARM_UNACK && !hidden)
			i->state = ALARM_RTN_UNACK;
		else if (i->state != ALARM_RTN_UNACK)
			i->state = ALARM_NORMAL;
	}
}

int
alarm_step(struct alarm_station *a, const struct alarm_table *t,
    const struct alarm_input *in, int64_t now_ms, struct alarm_event *ev,
    int max)
{
	const struct alarm_rule	*r;
	struct alarm_inst	*i;
	enum alarm_state	 was;
	int			 s, n = 0;

	for (s = 0; s < ALARM_NSLOTS; s++) {
		if (!slot_valid(a, s))
			continue;
		i = &a->in[s];
		r = &t->rule[slot_kind(s)];
		was = shown(i);
		if (i->shelf_ms != 0 && now_ms >= i->shelf_ms) {
			i->shelf_ms = 0;
			i->shelf_why[0] = '\0';
		}
		i->suppressed = r->consequential &&
		    in->comms == CORE_COMMS_DOWN;
		if (!i->suppressed)
			delays(i, r, judge(t, in, s, i->cond), now_ms);
		n += note(a, t, s, was, now_ms, 0, n < max ? &ev[n] : NULL);
	}
	return n;
}

int
alarm_ack(struct alarm_station *a, const struct alarm_table *t, int id,
    int64_t now_ms, struct alarm_event *ev, const char **why)
{
	struct alarm_inst	*i;
	enum alarm_state	 was;
	int			 s;

	if ((s = slot_find(a, id, why)) == -1)
		return -1;
	i = &a->in[s];
	was = shown(i);
	if (was == ALARM_SHELVED)
		return (*why = "it is shelved: unshelve it first", -1);
	if (i->state == ALARM_NORMAL)
		return (*why = "it is not standing", -1);
	if (i->state == ALARM_ACKED)
		return (*why = "it is acknowledged already", -1);
	i->state = i->state == ALARM_UNACK ? ALARM_ACKED : ALARM_NORMAL;
	note(a, t, s, was, now_ms, 1, ev);
	return 0;
}

int
alarm_ack_all(struct alarm_station *a, const struct alarm_table *t,
    int64_t now_ms, struct alarm_event *ev, int max)
{
	const char	*why;
	int		 s, n = 0;

	for (s = 0; s < ALARM_NSLOTS && n < max; s++) {
		if (!slot_valid(a, s) || (shown(&a->in[s]) != ALARM_UNACK &&
		    shown(&a->in[s]) != ALARM_RTN_UNACK))
			continue;
		if (alarm_ack(a, t, slot_id(a, s), now_ms, &ev[n], &why) == 0)
			n++;
	}
	return n;
}

int
alarm_shelve(struct alarm_station *a, const struct alarm_table *t, int id,
    int64_t until_ms, const char *reason, int64_t now_ms,
    struct alarm_event *ev, const char **why)
{
	struct alarm_inst	*i;
	enum alarm_state	 was;
	int			 s;

	if ((s = slot_find(a, id, why)) == -1)
		return -1;
	if (until_ms <= now_ms || until_ms - now_ms > MS(ALARM_MAX_SHELVE_S))
		return (*why = "a shelf lasts 1 s to 24 h", -1);
	if (reason == NULL || *reason == '\0')
		return (*why = "shelving needs a reason", -1);
	i = &a->in[s];
	was = shown(i);
	i->shelf_ms = until_ms;
	snprintf(i->shelf_why, sizeof i->shelf_why, "%s", reason);
	if (note(a, t, s, was, now_ms, 1, ev) == 0) {
		*ev = (struct alarm_event){ slot_id(a, s), slot_kind(s),
		    slot_pump(s), ALARM_SHELVED, was,
		    t->rule[slot_kind(s)].prio, 1 };
	}
	return 0;
}

int
alarm_unshelve(struct alarm_station *a, const struct alarm_table *t, int id,
    int64_t now_ms, struct alarm_event *ev, const char **why)
{
	struct alarm_inst	*i;
	enum alarm_state	 was;
	int			 s;

	if ((s = slot_find(a, id, why)) == -1)
		return -1;
	i = &a->in[s];
	if (i->shelf_ms == 0)
		return (*why = "it is not shelved", -1);
	was = shown(i);
	i->shelf_ms = 0;
	i->shelf_why[0] = '\0';
	note(a, t, s, was, now_ms, 1, ev);
	return 0;
}

int
alarm_list(const struct alarm_station *a, const struct alarm_table *t,
    int all, struct alarm_row *rows, int max)
{
	const struct alarm_inst	*i;
	enum alarm_state	 st;
	int			 s, n = 0;

	for (s = 0; s < ALARM_NSLOTS && n < max; s++) {
		i = &a->in[s];
		st = shown(i);
		if (!slot_valid(a, s) || st == ALARM_NORMAL || (!all &&
		    (st == ALARM_SHELVED || st == ALARM_SUPPRESSED)))
			continue;
		rows[n].id = slot_id(a, s);
		rows[n].kind = slot_kind(s);
		rows[n].pump = slot_pump(s);
		rows[n].state = st;
		rows[n].prio = t->rule[rows[n].kind].prio;
		rows[n].since_ms = i->raised_ms != 0 ? i->raised_ms :
		    i->since_ms;	/* shelved before it was ever raised */
		rows[n].state_ms = i->since_ms;
		rows[n].shelf_ms = i->shelf_ms;
		rows[n].shelf_why = i->shelf_why;
		n++;
	}
	return n;
}

int
alarm_export(const struct alarm_station *a, struct alarm_saved *out, int max)
{
	const struct alarm_inst	*i;
	int			 s, n = 0;

	for (s = 0; s < ALARM_NSLOTS && n < max; s++) {
		i = &a->in[s];
		if (!slot_valid(a, s) || (i->state != ALARM_ACKED &&
		    i->shelf_ms == 0))
			continue;
		out[n].kind = slot_kind(s);
		out[n].pump = slot_pump(s);
		out[n].acked = i->state == ALARM_ACKED;
		out[n].shelf_ms = i->shelf_ms;
		snprintf(out[n].why, sizeof out[n].why, "%s", i->shelf_why);
		n++;
	}
	return n;
}

void
alarm_import(struct alarm_station *a, const struct alarm_saved *in, int n,
    int64_t now_ms)
{
	struct alarm_inst	*i;
	const char		*why;
	int			 j, s, id;

	for (j = 0; j < n; j++) {
		if ((unsigned)in[j].kind >= ALARM_NKINDS)
			continue;
		id = (a->index + 1) * 1000 + (int)in[j].kind * 10 +
		    in[j].pump;
		if ((s = slot_find(a, id, &why)) == -1)
			continue;
		i = &a->in[s];
		if (in[j].acked) {
			i->state = ALARM_ACKED;
			i->active = i->cond = 1;
			i->cond_ms = i->since_ms = i->raised_ms = now_ms;
		}
		if (in[j].shelf_ms > now_ms) {
			i->since_ms = now_ms;
			i->shelf_ms = in[j].shelf_ms;
			snprintf(i->shelf_why, sizeof i->shelf_why, "%s",
			    in[j].why);
		}
	}
}

/* Starts of pump k (0-based) in the hour up to now_ms. */
static int
starts_in_hour(const struct core_state *core, int k, int64_t now_ms)
{
	int	j, n = 0, have = core->lasting.pump[k].nstarts;

	if (have > CORE_STARTS)
		have = CORE_STARTS;
	for (j = 0; j < have; j++)
		n += now_ms - core->lasting.pump[k].start_ms[j] < MS(3600) &&
		    core->lasting.pump[k].start_ms[j] <= now_ms;
	return n;
}

/* The core's alarm bits behind each station-wide kind (0: not the
 * core's: judged here). */
static const uint32_t core_bits[ALARM_FIRST_PUMP] = {
	[ALARM_HIGH_HIGH] = CORE_AL_HIGH_HIGH,
	[ALARM_LOW_LOW] = CORE_AL_LOW_LOW,
	[ALARM_LEVEL_FAULT] = CORE_AL_LEVEL_A | CORE_AL_LEVEL_B |
	    CORE_AL_LEVEL_LOST,
	[ALARM_LEVEL_DISAGREE] = CORE_AL_LEVEL_DISAGREE,
	[ALARM_PLC_RESTART] = CORE_AL_RESTART,
	[ALARM_WATCHDOG] = CORE_AL_WATCHDOG,
	[ALARM_ESTOP] = CORE_AL_ESTOP,
	[ALARM_REMOTE_OFF] = CORE_AL_REMOTE_OFF,
	[ALARM_MAINS] = CORE_AL_MAINS,
	[ALARM_DOOR] = CORE_AL_DOOR_OPEN,
	[ALARM_SECOND_MASTER] = CORE_AL_SECOND_MASTER,
	[ALARM_LIMIT_OVERRIDDEN] = CORE_AL_LIMIT_OVERRIDDEN,
	[ALARM_LOCAL_CONTROL] = CORE_AL_LOCAL_CONTROL,
	[ALARM_PUMPS_SHORT] = CORE_AL_PUMPS_SHORT,
	[ALARM_MANUAL_OVERRIDDEN] = CORE_AL_MANUAL_OVERRIDDEN,
};

void
alarm_sense(struct alarm_input *in, const struct core_state *core,
    const struct cfg_station *cfg, const struct cfg_control *p,
    const struct obs *o, enum core_comms comms, int64_t now_ms)
{
	int	k, limit;

	memset(in, 0, sizeof *in);
	for (k = 0; k < ALARM_FIRST_PUMP; k++)
		in->on[k] = (core->lasting.alarms & core_bits[k]) != 0;
	limit = cfg->kind == CFG_SEWAGE ? p->starts_per_hour_sewage :
	    p->starts_per_hour_stormwater;
	for (k = 0; k < cfg->npumps && k < OBS_MAX_PUMPS; k++) {
		in->on[slot_of(ALARM_PUMP_FAULT, k + 1)] = o != NULL &&
		    (o->pump[k].flags & OBS_PU_FAULT);
		in->on[slot_of(ALARM_FAIL_TO_START, k + 1)] =
		    core->pump[k].failed != 0;
		in->on[slot_of(ALARM_STARTS_HOUR, k + 1)] = limit > 0 &&
		    starts_in_hour(core, k, now_ms) > limit;
	}
	in->comms = comms;
	in->has_level = core->level_m >= 0;
	in->level_m = core->level_m;
	in->high_alarm_m = cfg->high_alarm_m;
	in->ttf_arm_m = cfg->duty_start_m;
	in->has_outfall = cfg->has_outfall && o != NULL && o->outfall_ok;
	in->outfall_m = in->has_outfall ? o->outfall_m : 0;
	in->outfall_warn_m = cfg->outfall_warn_m;
}
