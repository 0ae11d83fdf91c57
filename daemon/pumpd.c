/*
 * pumpd: the control-centre daemon.  main() parses the command line, loads
 * the station configuration and (for --check-config) reports on it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

/* Print usage and exit with status. */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: pumpd [-n | --check-config] [-c FILE]\n"
	    "  -c, --config FILE    station configuration (default %s)\n"
	    "  -n, --check-config   check the configuration and exit\n",
	    "/etc/pumpd/jinnan.conf");
	exit(status);
}

/* Load and report on a configuration file; the exit status for -n. */
static int
check_config(const char *path)
{
	struct cfg_district	d;
	struct cfg_diag		diag = { 0 };
	double			cap = 0;
	int			i, rc, nsew = 0, npumps = 0;

	rc = cfg_load(path, &d, &diag);
	for (i = 0; i < diag.nmsg; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	if (rc == 0) {
		for (i = 0; i < d.nstations; i++) {
			nsew += d.st[i].kind == CFG_SEWAGE;
			npumps += d.st[i].npumps;
			cap += cfg_capacity_m3s(&d.st[i]);
		}
		printf("%s: ok: %d stations (%d stormwater, %d sewage), "
		    "%d pumps, %.1f m3/s installed%s\n", path, d.nstations,
		    d.nstations - nsew, nsew, npumps, cap,
		    diag.nwarnings ? ", with warnings" : "");
	} else
		fprintf(stderr, "%s: %d error%s\n", path, diag.nerrors,
		    diag.nerrors == 1 ? "" : "s");
	cfg_free(&d);
	cfg_diag_free(&diag);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = "/etc/pumpd/jinnan.conf";
	int		 ch, check = 0;

	while ((ch = getopt_long(argc, argv, "c:nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (check && optind < argc)
		path = argv[optind++];
	if (optind != argc)
		usage(2);
	if (check)
		return check_config(path);
	fprintf(stderr, "pumpd: the control loop is not built yet; "
	    "use --check-config\n");
	return 1;
}
