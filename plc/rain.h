/*
 * Rainfall scenarios for the simulator: none, constant intensity, a Tianjin
 * design storm (Chicago hyetograph) or a CSV of minute depths.  A scenario is
 * a pure function of simulated time: rain_depth_mm() gives the cumulative
 * depth since the start of the simulation, so any step size yields the same
 * totals.  No I/O except rain_parse() reading a CSV file.
 */
#ifndef RAIN_H
#define RAIN_H

/*
 * Storm-intensity formula fitted to the Tianjin design depths
 * (../shared/design-rainfall-tianjin.md), in the form of DB/T 29-236-2016:
 *   i = A1 (1 + C lg P) / (t + b)^n   mm/min,  q = 167 i  L/(s ha)
 * The fit reproduces every depth in the table within 0.1 %.
 */
#define RAIN_A1		12.138
#define RAIN_C		0.572
#define RAIN_B_MIN	8.5
#define RAIN_N		0.705
#define RAIN_PEAK_R	0.375	/* default peak position, North China 0.3-0.4 */

enum rain_kind {
	RAIN_NONE,
	RAIN_CONST,
	RAIN_STORM,
	RAIN_CSV,
};

struct rain {
	enum rain_kind	 kind;
	double		 start_s;	/* when rain begins, simulated s */
	double		 dur_s;		/* how long it lasts */
	double		 mmh;		/* RAIN_CONST intensity */
	double		 period_y;	/* RAIN_STORM return period */
	double		 r;		/* RAIN_STORM peak position 0..1 */
	double		*cum_mm;	/* RAIN_CSV: depth by minute end, a
					 * row of ncol columns a minute */
	int		 nmin;
	int		 ncol;		/* RAIN_CSV of several stations: > 1 */
	char		**col_id;	/* the stations' ids, from the header */
	struct rain	*next;		/* "A,B": B falls too (back to back) */
};

/*
 * Parse a scenario: "none", "const:MM_PER_H:MINUTES", "storm:YEARS:MINUTES"
 * or "storm:YEARS:MINUTES:R", "csv:FILE" (lines "minute,mm"), each optionally
 * followed by "@START_MINUTE"; several joined by commas fall one on top of
 * the other ("storm:5:120,storm:5:120@300": back to back, with a gap of
 * three hours).  0 on success, else -1 with *cause set
 * (to be freed).
 */
int	rain_parse(const char *spec, struct rain *r, char **cause);

/* Free what rain_parse allocated. */
void	rain_free(struct rain *r);

/* Cumulative rain depth (mm) from simulated time 0 to t_s (of a CSV of
 * several stations: its first column's). */
double	rain_depth_mm(const struct rain *r, double t_s);

/* The same at the station of column col (rain_column()). */
double	rain_depth_col_mm(const struct rain *r, int col, double t_s);

/* The column of station id in the first CSV of several stations of the
 * chain (all such CSVs of a chain share its layout); 0 when there is
 * none, -1 when it has no column for id. */
int	rain_column(const struct rain *r, const char *id);

/* Formula depth (mm) of the heaviest dur_min minutes of a P-year storm. */
double	rain_idf_depth_mm(double period_y, double dur_min);

/* When the last rain of the scenario ends (s); 0 without rain. */
double	rain_end_s(const struct rain *r);

/* Total depth of the scenario (mm). */
double	rain_total_mm(const struct rain *r);

/* One-line description into buf. */
void	rain_describe(const struct rain *r, char *buf, int len);

#endif
