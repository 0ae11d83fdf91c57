/*
 * Rainfall scenarios.  The design storm is a Chicago hyetograph built on the
 * fitted Tianjin storm-intensity formula.  Its cumulative depth has a closed
 * form: the depth falling in the window [peak - r T, peak + (1 - r) T] is the
 * formula depth F(T) = A T / (T + b)^n for every T, so before the peak the
 * depth is r (F(D) - F((tp - u) / r)) and after it r F(D) + (1 - r)
 * F((u - tp) / (1 - r)), u minutes into a storm of D minutes peaking at
 * tp = r D.  Integrating the intensities of the design note gives the same.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rain.h"

static void	one_describe(const struct rain *, char *, int);

double
rain_idf_depth_mm(double period_y, double dur_min)
{
	double	a = RAIN_A1 * (1 + RAIN_C * log10(period_y));

	if (dur_min <= 0)
		return 0;
	return a * dur_min / pow(dur_min + RAIN_B_MIN, RAIN_N);
}

/* Cumulative depth of the Chicago storm u minutes after it starts. */
static double
storm_depth(const struct rain *r, double u)
{
	double	d = r->dur_s / 60, tp = r->r * d, p = r->period_y;

	if (u <= 0)
		return 0;
	if (u >= d)
		return rain_idf_depth_mm(p, d);
	if (u < tp)
		return r->r * (rain_idf_depth_mm(p, d) -
		    rain_idf_depth_mm(p, (tp - u) / r->r));
	return r->r * rain_idf_depth_mm(p, d) +
	    (1 - r->r) * rain_idf_depth_mm(p, (u - tp) / (1 - r->r));
}

/* Cumulative depth of column col of the CSV series u minutes after it
 * starts. */
static double
csv_depth(const struct rain *r, int col, double u)
{
	int	m, nc = r->ncol > 1 ? r->ncol : 1;
	double	before;

	if (u <= 0 || r->nmin == 0 || col < 0 || col >= nc)
		return 0;
	if (u >= r->nmin)
		return r->cum_mm[(r->nmin - 1) * nc + col];
	m = (int)u;
	before = m > 0 ? r->cum_mm[(m - 1) * nc + col] : 0;
	return before + (r->cum_mm[m * nc + col] - before) * (u - m);
}

/* Cumulative depth of one scenario of a chain (column col of a CSV of
 * several stations). */
static double
one_depth_mm(const struct rain *r, int col, double t_s)
{
	double	u = (t_s - r->start_s) / 60;

	if (u <= 0)
		return 0;
	switch (r->kind) {
	case RAIN_CONST:
		return r->mmh * fmin(u, r->dur_s / 60) / 60;
	case RAIN_STORM:
		return storm_depth(r, u);
	case RAIN_CSV:
		return csv_depth(r, col, u);
	default:
		return 0;
	}
}

double
rain_depth_mm(const struct rain *r, double t_s)
{
	return rain_depth_col_mm(r, 0, t_s);
}

double
rain_depth_col_mm(const struct rain *r, int col, double t_s)
{
	double	d = 0;

	for (; r != NULL; r = r->next)
		d += one_depth_mm(r, col, t_s);
	return d;
}

double
rain_total_mm(const struct rain *r)
{
	double	d = 0;

	for (; r != NULL; r = r->next)
		d += one_depth_mm(r, 0, r->start_s + r->dur_s + 60);
	return d;
}

double
rain_end_s(const struct rain *r)
{
	double	end = 0;

	for (; r != NULL; r = r->next)
		if (r->kind != RAIN_NONE && r->start_s + r->dur_s > end)
			end = r->start_s + r->dur_s;
	return end;
}

/* The header "minute,ID,ID..." of a CSV: its station columns into r. */
static int
csv_header(char *line, struct rain *r)
{
	char	*save = NULL, *tok, **v;
	int	 i = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (tok = strtok_r(line, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), i++) {
		if (i == 0)
			continue;
		tok += strspn(tok, " \t");
		if ((v = realloc(r->col_id, (size_t)i * sizeof *v)) == NULL)
			return -1;
		r->col_id = v;
		if ((v[i - 1] = strdup(tok)) == NULL)
			return -1;
		r->ncol = i;
	}
	return 0;
}

/* One data line "MINUTE,MM[,MM...]" into row r->nmin of r: 0, or -1 with
 * *cause set. */
static int
csv_row(const char *path, int lineno, char *line, struct rain *r,
    char **cause)
{
	char	*end;
	double	 mm, *v;
	long	 minute;
	int	 nc = r->ncol > 0 ? r->ncol : 1, c;

	minute = strtol(line, &end, 10);
	if (*end != ',' || minute != r->nmin) {
		asprintf(cause, "%s:%d: expected \"%d,MM%s\"", path, lineno,
		    r->nmin, nc > 1 ? ",..." : "");
		return -1;
	}
	if ((v = realloc(r->cum_mm, (size_t)(r->nmin + 1) * (size_t)nc *
	    sizeof *v)) == NULL) {
		asprintf(cause, "%s: out of memory", path);
		return -1;
	}
	r->cum_mm = v;
	for (c = 0; c < nc; c++) {
		mm = strtod(end + 1, &end);
		if (end == NULL || !(mm >= 0 && mm < 100) || (c + 1 < nc ?
		    *end != ',' : strspn(end, " \t\r\n") != strlen(end))) {
			asprintf(cause, "%s:%d: %d depths of 0 to 100 mm "
			    "expected", path, lineno, nc);
			return -1;
		}
		v[r->nmin * nc + c] = mm + (r->nmin > 0 ?
		    v[(r->nmin - 1) * nc + c] : 0);
	}
	r->nmin++;
	return 0;
}

/* Read a CSV of "minute,mm" lines into r; with a header "minute,ID,ID..."
 * of more than one station, one column of minute depths per station. */
static int
read_csv(const char *path, struct rain *r, char **cause)
{
	FILE	*f;
	char	 line[8192];
	int	 lineno = 0;

	if ((f = fopen(path, "r")) == NULL) {
		asprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (lineno == 1 && strchr("0123456789", line[0]) == NULL) {
			if (csv_header(line, r) == -1) {
				asprintf(cause, "%s: out of memory", path);
				goto fail;
			}
			if (r->ncol < 2) {	/* one series for all */
				if (r->ncol == 1)
					free(r->col_id[0]);
				free(r->col_id);
				r->col_id = NULL;
				r->ncol = 0;
			}
			continue;
		}
		if (csv_row(path, lineno, line, r, cause) == -1)
			goto fail;
	}
	fclose(f);
	r->dur_s = r->nmin * 60.0;
	return 0;
fail:
	fclose(f);
	return -1;
}

int
rain_column(const struct rain *r, const char *id)
{
	int	i;

	for (; r != NULL; r = r->next)
		if (r->kind == RAIN_CSV && r->ncol > 1) {
			for (i = 0; i < r->ncol; i++)
				if (strcmp(r->col_id[i], id) == 0)
					return i;
			return -1;
		}
	return 0;
}

/* Parse "A:B[:C]" numbers after the scenario name. */
static int
parse_nums(const char *s, double *v, int min, int max)
{
	char	*end;
	int	 n = 0;

	while (n < max) {
		v[n++] = strtod(s, &end);
		if (end == s)
			return -1;
		if (*end == '\0')
			break;
		if (*end != ':')
			return -1;
		s = end + 1;
	}
	return n >= min && *end == '\0' ? n : -1;
}

/* Parse one scenario of a chain. */
static int
parse_one(const char *spec, struct rain *r, char **cause)
{
	char	*s, *at;
	double	 v[3];
	int	 n, rc = -1;

	memset(r, 0, sizeof *r);
	r->r = RAIN_PEAK_R;
	if ((s = strdup(spec)) == NULL)
		return -1;
	if ((at = strrchr(s, '@')) != NULL) {
		*at++ = '\0';
		r->start_s = strtod(at, NULL) * 60;
	}
	if (strcmp(s, "none") == 0) {
		r->kind = RAIN_NONE;
		rc = 0;
	} else if (strncmp(s, "const:", 6) == 0 &&
	    parse_nums(s + 6, v, 2, 2) == 2 && v[0] >= 0 && v[1] > 0) {
		r->kind = RAIN_CONST;
		r->mmh = v[0];
		r->dur_s = v[1] * 60;
		rc = 0;
	} else if (strncmp(s, "storm:", 6) == 0 &&
	    (n = parse_nums(s + 6, v, 2, 3)) > 0 && v[0] >= 1 &&
	    v[0] <= 1000 && v[1] >= 5 && v[1] <= 24 * 60) {
		r->kind = RAIN_STORM;
		r->period_y = v[0];
		r->dur_s = v[1] * 60;
		if (n == 3)
			r->r = v[2];
		rc = r->r > 0 && r->r < 1 ? 0 : -1;
	} else if (strncmp(s, "csv:", 4) == 0) {
		r->kind = RAIN_CSV;
		rc = read_csv(s + 4, r, cause);
		free(s);
		return rc;
	}
	if (rc == -1)
		asprintf(cause, "rain \"%s\": expected none, const:MM_H:MIN, "
		    "storm:YEARS:MIN[:R] (1-1000 years, 5-1440 min, 0<R<1) or "
		    "csv:FILE, with an optional @START_MIN, several joined "
		    "by commas", spec);
	free(s);
	return rc;
}

int
rain_parse(const char *spec, struct rain *r, char **cause)
{
	const char	*comma = strchr(spec, ',');
	char		*first;
	int		 rc;

	if (comma == NULL)
		return parse_one(spec, r, cause);
	if ((first = strndup(spec, (size_t)(comma - spec))) == NULL)
		return -1;
	rc = parse_one(first, r, cause);
	free(first);
	if (rc == -1)
		return -1;
	if ((r->next = calloc(1, sizeof *r->next)) == NULL ||
	    rain_parse(comma + 1, r->next, cause) == -1) {
		rain_free(r);
		return -1;
	}
	return 0;
}

void
rain_free(struct rain *r)
{
	int	i;

	free(r->cum_mm);
	r->cum_mm = NULL;
	for (i = 0; i < r->ncol; i++)
		free(r->col_id[i]);
	free(r->col_id);
	r->col_id = NULL;
	r->ncol = 0;
	if (r->next != NULL) {
		rain_free(r->next);
		free(r->next);
		r->next = NULL;
	}
}

void
rain_describe(const struct rain *r, char *buf, int len)
{
	int	n;

	one_describe(r, buf, len);
	for (r = r->next; r != NULL; r = r->next) {
		n = (int)strlen(buf);
		if (n + 4 >= len)
			return;
		snprintf(buf + n, (size_t)(len - n), ", then at minute %.0f ",
		    r->start_s / 60);
		n = (int)strlen(buf);
		one_describe(r, buf + n, len - n);
	}
}

/* Describe one scenario of a chain. */
static void
one_describe(const struct rain *r, char *buf, int len)
{
	switch (r->kind) {
	case RAIN_CONST:
		snprintf(buf, (size_t)len, "constant %.1f mm/h for %.0f min",
		    r->mmh, r->dur_s / 60);
		break;
	case RAIN_STORM:
		snprintf(buf, (size_t)len, "Tianjin %g-year design storm, "
		    "%.0f min, %.1f mm (Chicago, r=%.3f)", r->period_y,
		    r->dur_s / 60, rain_total_mm(r), r->r);
		break;
	case RAIN_CSV:
		if (r->ncol > 1)
			snprintf(buf, (size_t)len, "CSV series of %d stations, "
			    "%d min, %.1f mm at %s", r->ncol, r->nmin,
			    one_depth_mm(r, 0, r->start_s + r->dur_s + 60),
			    r->col_id[0]);
		else
			snprintf(buf, (size_t)len, "CSV series, %d min, %.1f mm",
			    r->nmin, one_depth_mm(r, 0, r->start_s + r->dur_s +
			    60));
		break;
	default:
		snprintf(buf, (size_t)len, "no rain");
	}
}
