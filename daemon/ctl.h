/*
 * The control socket of pumpd (pumpctl's side is pumpctl.c; the lines are
 * proto.h's): a Unix socket, mode 0660 with the configured group, on the
 * loop with one bufferevent per client.  Every request is looked up in one
 * command table (name, argument counts, read-only or changing, handler);
 * the peer's uid and gid come from SO_PEERCRED, and a changing command
 * from a user outside the operator group (root excepted) is refused.
 * Every changing command, accepted or refused, is appended to
 * STATE_DIR/audit.log, one JSON line in one write, and goes to the log
 * and to the "event" measurement (type audit).  Lines, clients and
 * pending output are capped: a client that floods or stalls is closed, and
 * only that client.  Loop thread only.
 */
#ifndef CTL_H
#define CTL_H

#include <sys/types.h>

#include "proto.h"

struct pumpd;
struct ctl;

#define CTL_MAX_CLIENTS	16
#define CTL_MAX_PER_UID	8		/* so that one user cannot take all */
#define CTL_MAX_OUT	(256 * 1024)	/* pending reply bytes per client */
#define CTL_IDLE_S	60		/* a silent client is closed */

/* The command table's flag: the command changes something. */
#define CTL_CHANGES	0x1

/* Who sent a request. */
struct ctl_peer {
	uid_t	uid;
	gid_t	gid;
	char	user[64];
	int	operator;	/* may run changing commands */
};

/* One command of the table. */
struct ctl_cmd {
	const char	*name;
	int		 min_args, max_args;
	int		 flags;
	const char	*usage;
	/* the reply line (malloc'd) to request r from peer */
	char		*(*fn)(struct pumpd *, const struct proto_req *,
			    const struct ctl_peer *);
};

/* The command named name; NULL when there is none. */
const struct ctl_cmd *ctl_find(const char *name);

/*
 * Check request r against the table: 0 with *cmd, or -1 with *cause
 * (static, or in buf of size n) saying what is valid.
 */
int	ctl_check(const struct proto_req *r, const struct ctl_cmd **cmd,
	    char *buf, size_t n, const char **cause);

/*
 * The reply line (malloc'd, NULL out of memory) to one request line of len
 * bytes from peer: parsed, checked, permitted, run and audited.
 */
char	*ctl_handle(struct pumpd *p, const char *line, size_t len,
	    const struct ctl_peer *peer);

/* Restore the district's inputs from the state file and listen on the
 * socket (p->ctl_path or the configuration's); 0, or -1 with *cause. */
int	ctl_open(struct pumpd *p, char **cause);

/* One audit line for something pumpd did by itself (a reload on SIGHUP):
 * user "pumpd", command cmd, detail as its one argument, result "ok" or,
 * with error, "error". */
void	ctl_audit_event(struct pumpd *p, const char *cmd, const char *detail,
	    const char *error);

/* Close every client and the socket, remove it. */
void	ctl_close(struct pumpd *p);

#endif
