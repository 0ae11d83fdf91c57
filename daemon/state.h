/*
 * The state file: what survives a restart of pumpd (core_persist of every
 * station), in STATE_DIR/state.  Written whole and atomically (a temporary
 * file, fsync, rename) by a helper thread, so the event loop never waits
 * for the disk: the loop hands over a copy and goes on.  Read once at
 * start-up.  The format is this build's struct core_persist behind a magic,
 * a version and the record size; a file of another shape is ignored with a
 * reason, never trusted.
 */
#ifndef STATE_H
#define STATE_H

#include <pthread.h>

#include "core.h"

struct state {
	char		*path;
	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct core_persist *pending;	/* guarded by mu; NULL: nothing */
	int		 npending;
	int		 stop;		/* guarded by mu */
	unsigned long	 writes, failures;	/* guarded by mu */
	char		 err[160];	/* guarded by mu: last failure */
};

/* Start the writer for dir/state; 0, or -1 with *cause. */
int	state_open(struct state *st, const char *dir, char **cause);

/* Hand n records to the writer (copied); returns at once. */
void	state_save(struct state *st, const struct core_persist *rec, int n);

/* Write what is pending, stop the writer. */
void	state_close(struct state *st);

/*
 * Read dir/state: 0 with *rec (to be freed) and *n, 1 when there is no
 * file, -1 with *cause when it cannot be used.
 */
int	state_load(const char *dir, struct core_persist **rec, int *n,
	    char **cause);

#endif
