/*
 * The state file: what survives a restart of pumpd (core_persist of every
 * station), in STATE_DIR/state.  A versioned, self-describing JSON
 * document (jansson), alarms by name, so that a newer pumpd reads an older
 * file; the layout is described in state.c.  Written whole and atomically
 * (a temporary file, fsync, rename, fsync of the directory) by a helper
 * thread, so the event loop never waits for the disk: the loop hands over
 * a copy and goes on.  Read once at start-up; the old binary format
 * (PUMPDST1) is read and converted; a file that cannot be read is set
 * aside with a reason, never trusted and never fatal.  STATE_DIR/lock, held with flock() for the life
 * of the process and holding its PID, keeps a second pumpd off the same
 * directory; taking it also proves the directory writable.
 */
#ifndef STATE_H
#define STATE_H

#include <pthread.h>
#include <stdio.h>

#include "core.h"

#define STATE_MAX_LIMITS	128	/* stations with a discharge limit */

/* The district's inputs set by an operator (pumpctl), kept in the file's
 * "district" object (version 1.1): the warning, the stations' limits. */
struct state_district {
	int	warning;	/* enum core_warning */
	int	nlimits;
	struct {
		char	id[32];
		int	pumps;	/* at most this many */
	}	limit[STATE_MAX_LIMITS];
};

/* An alarm's acknowledgement or shelf (alarm.h), kept in the file's
 * "alarms" array (version 1.2) by station id, kind key and pump. */
#define STATE_REASON_MAX	64
struct state_alarm {
	char	 station[CFG_ID_MAX];
	char	 kind[32];	/* alarm_kind_key */
	int	 pump;		/* 1-based; 0 the station */
	int	 acked;		/* acknowledged while it stood */
	int64_t	 shelf_ms;	/* shelved until (wall clock); 0 not */
	char	 why[STATE_REASON_MAX];	/* the shelf's reason */
};

struct state {
	char		*path;
	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct core_persist *pending;	/* guarded by mu; NULL: nothing */
	int		 npending;
	int		 stop;		/* guarded by mu */
	unsigned long	 writes, failures;	/* guarded by mu */
	int		 failing;	/* guarded by mu: the last write failed */
	char		 err[160];	/* guarded by mu: last failure */
	struct state_district district;	/* guarded by mu */
	struct state_alarm *alarms;	/* guarded by mu */
	int		 nalarms;
};

/* What the writer has done so far, for the loop to log and count. */
struct state_health {
	unsigned long	writes, failures;
	int		failing;	/* the last write failed */
	char		err[160];	/* why, when failing */
};

/*
 * Check dir (created when missing) and lock it for this process: dir/lock,
 * created, flock()ed and holding our PID.  The descriptor in *fd is kept
 * open until exit.  0, or -1 with *cause (to be freed) saying why the
 * directory cannot be created or written, or -2 with *cause naming
 * another pumpd (its PID) that holds the lock.
 */
int	state_lock(const char *dir, int *fd, char **cause);

/* Release the lock taken by state_lock. */
void	state_unlock(int fd);

/* Start the writer for dir/state; 0, or -1 with *cause. */
int	state_open(struct state *st, const char *dir, char **cause);

/* Hand n records to the writer (copied); returns at once. */
void	state_save(struct state *st, const struct core_persist *rec, int n);

/* Set the district's inputs that the next save writes. */
void	state_set_district(struct state *st, const struct state_district *d);

/* Set the alarms' acknowledgements and shelves the next save writes
 * (copied). */
void	state_set_alarms(struct state *st, const struct state_alarm *a, int n);

/*
 * The alarms' acknowledgements and shelves in dir/state: 0 with *a (to
 * be freed; NULL when none) and *n, 1 when the file or its "alarms"
 * array is missing (an older file).  Bad entries are skipped.
 */
int	state_load_alarms(const char *dir, struct state_alarm **a, int *n);

/*
 * The district's inputs in dir/state: 0 with *d, 1 when the file or its
 * "district" object is missing or unreadable (an older file: *d is then
 * no warning, no limit).  A bad limit is skipped.
 */
int	state_load_district(const char *dir, struct state_district *d);

/* The writer's counters and its last failure. */
void	state_health(struct state *st, struct state_health *h);

/* Write what is pending, stop the writer. */
void	state_close(struct state *st);

/*
 * Read dir/state, JSON or the old binary format (converted): 0 with *rec
 * (to be freed) and *n, and *note (to be freed, or NULL) saying what was
 * skipped or converted; 1 when there is no file; -1 with *cause (to be
 * freed) when it cannot be used: a corrupt file, a newer major version, a
 * missing field.  Such a file is set aside as state.bad-<UTC time>, which
 * *cause names, so the next save starts afresh.
 */
int	state_load(const char *dir, struct core_persist **rec, int *n,
	    char **note, char **cause);

/*
 * The parser behind state_load: the records of the state file open as f,
 * either format, or -1 with *cause; it sets nothing aside.
 */
int	state_read(FILE *f, struct core_persist **rec, int *n, char **note,
	    char **cause);

#endif
