/*
 * Station configuration: the district's stations, loaded from a libconfig
 * file and validated as a whole.  Every problem is collected as a message
 * "file:line: key: problem" so that an integrator sees all of them at once.
 * Used by pumpd and plcsim alike; runs on the main thread at start-up only.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>

#include "alarm_kinds.h"	/* ALARM_NKINDS: the alarm kinds */
#include "obs.h"	/* OBS_MAX_PUMPS: pumps at a station, any map */

#define CFG_ID_MAX	32
#define CFG_NAME_MAX	64
#define CFG_HOST_MAX	64
#define CFG_MAX_OUTLETS	16	/* river reaches and plants */
#define CFG_MAX_UPSTREAM 8	/* upstream neighbours of a station */

/* Which register map a station's PLC speaks. */
enum cfg_map {
	CFG_MAP_V1,		/* ../shared/plc-interface.md, the default */
	CFG_MAP_L1,		/* ../shared/plc-legacy.md, rebuilt stations */
};

/* A 4-20 mA transducer: 4 mA reads zero_m, 20 mA reads zero_m + span_m. */
struct cfg_transducer {
	double	zero_m;
	double	span_m;
};

/* The set-points stored at an L1 PLC's panel, metres above the floor: what
 * the PLC controls on when the centre does not supervise it. */
struct cfg_panel {
	double	start_m;
	double	stop_m;
	double	assist_step_m;
	double	all_on_m;
};

enum cfg_kind {
	CFG_STORMWATER,
	CFG_SEWAGE,
};

/*
 * A pump's head-flow curve (simulator only): a quadratic through the
 * shut-off head at no flow, the rated point and the run-out flow at no head.
 * Defaults: rated head = the station's head_m + friction_m, shut-off 1.7 x
 * the rated head, run-out 1.6 x the rated flow.
 */
struct cfg_pump {
	double	capacity_m3s;	/* rated flow */
	int	vfd;		/* has a variable-speed drive */
	double	shutoff_head_m;	/* curve: head at zero flow */
	double	rated_head_m;	/* curve: head at capacity_m3s */
	double	runout_m3s;	/* curve: flow at zero head */
};

/* A receiving river reach (simulator only): rivers = ( { ... } ). */
struct cfg_river {
	char	id[CFG_ID_MAX];
	char	name[CFG_NAME_MAX];
	int	line;
	double	area_m2;	/* water surface at base_m */
	double	area_top_m2;	/* at guarantee_m; linear in between */
	double	base_m;		/* dry-weather level, sluice closed */
	double	warn_m;		/* warning level: discharge limit ordered */
	double	guarantee_m;	/* guarantee level (保证水位) */
	double	sluice_m3s;	/* sluice outflow at and above warn_m */
	double	upstream_m3s;	/* inflow from upstream, constant */
	double	limit_frac;	/* under a limit: this share of the pumps */
};

/* The treatment plant the sewage stations feed (simulator only). */
struct cfg_plant {
	char	name[CFG_NAME_MAX];
	double	inflow_limit_m3s;	/* above this: overflow at the plant */
};

struct cfg_station {
	char		id[CFG_ID_MAX];		/* ASCII [a-z0-9_-] */
	char		name[CFG_NAME_MAX];	/* UTF-8 display name */
	enum cfg_kind	kind;
	int		line;			/* where it starts in the file */

	char		host[CFG_HOST_MAX];	/* PLC address */
	int		port;
	int		unit;
	enum cfg_map	map;			/* plc.map, "v1" by default */

	/* Wet well, levels in metres above its floor. */
	double		area_m2;
	double		depth_m;
	double		flood_m;	/* water leaves the system above this */
	double		lowlow_m;	/* dry-run float switch */
	double		highhigh_m;	/* high-high float switch */

	int		npumps;
	struct cfg_pump	pumps[OBS_MAX_PUMPS];

	/* Level set-points, metres: stop < duty < assist[] < high alarm. */
	double		stop_m;
	double		duty_start_m;
	double		assist_start_m[OBS_MAX_PUMPS - 1];	/* npumps - 1 */
	double		high_alarm_m;

	double		tip_mm;		/* rain-gauge depth per tip */
	double		head_m;		/* static head, for energy */

	int		has_outfall;
	double		outfall_base_m;	/* simulator: dry-weather river level */
	double		outfall_warn_m;	/* alarm above this */
	char		river[CFG_ID_MAX];	/* outfall.river: the reach, or "" */
	int		river_i;	/* index in cfg_district.rivers, -1 */
	double		friction_m;	/* outfall.friction_m: loss at rated flow */

	/* For the simulator. */
	double		catch_ha;	/* catchment area */
	double		runoff;		/* runoff coefficient 0..1 */
	double		tc_min;		/* time of concentration */
	double		dwf_m3s;	/* sewage dry-weather flow (mean) */
	double		pipe_m3;	/* catchment.pipe_storage_m3: surcharge */
	double		x_km, y_km;	/* position { }: for storm tracks */

	/* Map L1 only (plc.map = "L1"). */
	struct cfg_transducer level_tx;		/* transducer.level */
	struct cfg_transducer outfall_tx;	/* transducer.outfall */
	struct cfg_panel panel;

	/* District control (issue 11), all optional. */
	int		outlet;		/* index in control.outlet: the reach
					 * (reach = "id") or plant (plant =
					 * "id") it discharges to; -1 none */
	int		nupstream;	/* upstream = [ "id", ... ] */
	int		upstream[CFG_MAX_UPSTREAM];	/* station indices */
	char		upstream_id[CFG_MAX_UPSTREAM][CFG_ID_MAX];
	char		link_id[CFG_ID_MAX];	/* the reach's or plant's id */
	int		link_plant;	/* link_id names a plant */
};

/* A river reach or the treatment plant: what the stations that discharge
 * to it may send together. */
struct cfg_outlet {
	char	id[CFG_ID_MAX];
	int	plant;		/* 0: control.reaches, 1: control.plants */
	double	max_m3s;	/* the allowance, m3/s; -1: the sum of the
				 * limits ordered for its stations */
	int	line;
	int	river;		/* derived from rivers (an outfall.river) */
};

/* Where metrics go: InfluxDB 1.x or 2.x over HTTP. */
struct cfg_influx {
	char	url[256];		/* base URL, http://host:port */
	int	version;		/* 1 or 2 */
	char	database[64];		/* 1.x */
	char	rp[64];			/* 1.x retention policy, optional */
	char	user[64];		/* 1.x, optional */
	char	password_file[256];	/* 1.x, optional */
	char	org[64];		/* 2.x */
	char	bucket[64];		/* 2.x */
	char	token_file[256];	/* 2.x */
	char	credential[64];		/* instead of password_file (1.x) or
					 * token_file (2.x): the name of a
					 * systemd credential, read from
					 * $CREDENTIALS_DIRECTORY/NAME */
	int	batch_points;		/* flush at this many points */
	int	batch_ms;		/* or after this long */
	int	timeout_ms;		/* whole request */
	int	spool_max_kb;		/* disk spool bound */
	int	replay_per_s;		/* spooled batches sent per second */
};

/* Tuning of polling and control, the same for every station. */
struct cfg_control {
	int	poll_ms;		/* PLC poll period */
	int	response_timeout_ms;
	int	stale_s;		/* data older than this: STALE */
	int	down_s;			/* older than this: DOWN */
	int	watchdog_s;		/* written to every PLC */
	int	stagger_s;		/* between two starts at a station */
	int	min_run_s;
	int	min_off_s;
	int	starts_per_hour_sewage;
	int	starts_per_hour_stormwater;
	int	fail_to_start_s;	/* no RUNNING feedback after this */
	int	fail_retry_s;		/* a failed pump is tried again */
	int	level_frozen_s;		/* transducer unchanged while active */
	double	level_max_rate_m_s;	/* faster is implausible */
	double	level_disagree_m;	/* A and B differ by more: alarm */
	double	assist_hysteresis_m;	/* an assist stops this far below */
	double	storm_mm_h;		/* storm mode above (15-min) */
	int	storm_hold_min;		/* ends this long after the rain */
	double	storm_drawdown_m;	/* levels lowered in storm mode */
	int	handover_ms;		/* at a stop: wait this long (real ms)
					 * for the PLCs to take over */
	int	override_default_s;	/* an operator's override expires
					 * after this unless told: never
					 * infinite */

	/* Control beyond the level rules (issue 11); each part switched. */
	int	feedforward;		/* pumps follow the estimated inflow */
	int	drawdown;		/* rain draws the wells down */
	int	coordination;		/* reaches and plants shared by risk */
	double	coord_margin;		/* a share moves to another station
					 * only when its storage time is
					 * shorter by this fraction */
	int	estim_window_s;		/* the level's slope fitted over this */
	int	estim_settle_s;		/* levels ignored after a pump change */
	double	estim_tau_s;		/* inflow smoothing */
	double	ff_lead_s;		/* the inflow's trend looked ahead */
	double	ff_recover_s;		/* a level above the duty start is
					 * pumped out over this long */
	double	ff_min_fraction;	/* of the station's capacity: below,
					 * the level rules alone (economy) */
	double	ff_hysteresis;		/* of one pump's flow: spare needed
					 * before one stops (no cycling) */
	double	ff_min_conf;		/* estimates trusted from this on */
	double	dd_margin_m;		/* drawdown target above low-low */
	double	dd_band_m;		/* duty start this far above it */
	double	dd_rain_mm_h;		/* trigger: rising 5-min rain here, or
					 * 5-min rain at an upstream one */
	double	dd_release_mm_h;	/* released below this 15-min rain */
	int	dd_hold_min;		/* and this long after the trigger */
	int	noutlets;
	struct cfg_outlet outlet[CFG_MAX_OUTLETS];
};

/* The control socket: where, and who may use it and change things. */
struct cfg_ctl {
	char	path[108];		/* sun_path */
	char	group[64];		/* the socket's group; "": ours */
	char	operator_group[64];	/* may change things; "": root only */
};

/* The alarms { } group: per-kind overrides (-1: the kind's default, see
 * alarm_kinds.h) and the analogue limits. */
#define CFG_ALARM_TTF_S		1800	/* time to flood below 30 min */
#define CFG_ALARM_TTF_DEADBAND_S 300
#define CFG_ALARM_DEADBAND_M	0.05
struct cfg_alarm_kind {
	int	priority;		/* 0 critical .. 3 low */
	int	on_delay_s;
	int	off_delay_s;
};
struct cfg_alarms {
	int	ttf_s;			/* time-to-flood threshold; 0 off */
	int	ttf_deadband_s;		/* returns above ttf_s plus this */
	double	level_deadband_m;	/* high level returns this far below */
	double	outfall_deadband_m;	/* outfall returns this far below */
	struct cfg_alarm_kind kind[ALARM_NKINDS];
};

struct cfg_district {
	char			 name[CFG_NAME_MAX];
	struct cfg_control	 control;
	int			 has_influx;
	struct cfg_influx	 influx;
	struct cfg_ctl		 ctl;		/* control_socket { } */
	struct cfg_alarms	 alarms;	/* alarms { } */
	int			 nstations;
	struct cfg_station	*st;
	int			 nrivers;	/* simulator: rivers = ( ) */
	struct cfg_river	*rivers;
	int			 has_plant;	/* simulator: plant = { } */
	struct cfg_plant	 plant;
};

/* Messages gathered while loading: errors and warnings, in file order. */
struct cfg_diag {
	char	**msg;
	int	  nmsg;
	int	  nerrors;
	int	  nwarnings;
};

/* Load and validate path into d; 0 when there is no error, else -1.  Every
 * error and warning is appended to diag.  d must be freed with cfg_free
 * either way. */
int	cfg_load(const char *path, struct cfg_district *d, struct cfg_diag *diag);

/* The defaults of the control group. */
void	cfg_control_defaults(struct cfg_control *c);

/* The defaults of the alarms group: no override. */
void	cfg_alarms_defaults(struct cfg_alarms *a);

/* Free what cfg_load allocated in d. */
void	cfg_free(struct cfg_district *d);

/* Free the messages in diag. */
void	cfg_diag_free(struct cfg_diag *diag);

/* Find a station by id; NULL when there is none. */
const struct cfg_station *cfg_find(const struct cfg_district *d, const char *id);

/* Effective wet-well volume (m3) between stop level and high alarm. */
double	cfg_well_volume_m3(const struct cfg_station *s);

/* Installed pump capacity of a station, m3/s. */
double	cfg_capacity_m3s(const struct cfg_station *s);

/* "v1" or "L1". */
const char *cfg_map_name(enum cfg_map m);

/* "stormwater" or "sewage". */
const char *cfg_kind_name(enum cfg_kind k);

#endif
