#!/usr/bin/env python3
"""Raise the wet well of every map v1 station of CONF past its duty start,
through plcsim's control port, for the reaction-time benchmark.

Usage: ramp.py CONF CTL_PORT SPREAD_S

Each station's level climbs from its stop level by 0.04 m a second (slower
than pumpd's plausibility limit) to 0.04 m above its duty start, the
stations starting at moments spread over SPREAD_S seconds, so that the
crossings (timed by plcsim: "timing") come one by one.
"""
import random
import re
import socket
import sys
import time


def stations(path):
    """(id, stop_m, duty_start_m) of the v1 stations in a configuration."""
    text = open(path).read()
    out = []
    for b in re.findall(r"\n\t\{\n.*?\n\t\}", text, flags=re.S):
        if 'map = "L1"' in b:
            continue
        sid = re.search(r'id = "([^"]+)"', b).group(1)
        stop = float(re.search(r"stop_m = ([0-9.]+)", b).group(1))
        duty = float(re.search(r"duty_start_m = ([0-9.]+)", b).group(1))
        out.append((sid, stop, duty))
    return out


def main():
    conf, port, spread = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rnd = random.Random(port)
    plan = []
    for sid, stop, duty in stations(conf):
        t = rnd.uniform(0, spread)
        lvl, k = stop, 0
        while lvl < duty + 0.04:
            lvl = min(stop + 0.04 * (k + 1), duty + 0.04)
            plan.append((t + k, sid, lvl))
            k += 1
    plan.sort()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rw")
    t0 = time.monotonic()
    for at, sid, lvl in plan:
        d = t0 + at - time.monotonic()
        if d > 0:
            time.sleep(d)
        f.write("fault %s:level:%.3f\n" % (sid, lvl))
        f.flush()
        f.readline()


main()
