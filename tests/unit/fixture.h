/*
 * The test station shared by the unit tests, the fuzz targets and the
 * benchmarks: a stormwater station with a 200 m2 wet well and npumps pumps
 * of 1.5 m3/s (the first with a VFD), levels stop 1.0 < duty 1.6 < assists
 * from 2.4 m < high alarm 3.8 < high-high 4.2 < flood 4.8 m, and a 20 ha
 * catchment (runoff 0.6, 15 min).
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "cfg.h"

/* Fill c with the test station of npumps pumps (1..8). */
void	fixture_station(struct cfg_station *c, int npumps);

/* Fill c with the test station of a legacy (map L1, supervisory) PLC: the
 * same levels, 3 fixed-speed pumps (assists from 2.4 m every 0.8 m), a 0-6 m
 * level and a 0-8 m outfall transducer, panel set-points start 1.8, stop
 * 1.0, assist step 0.5, all on 3.6 m (as config/jinnan.conf's). */
void	fixture_station_l1(struct cfg_station *c);

#endif
