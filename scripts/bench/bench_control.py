#!/usr/bin/env python3
"""
make bench-control: how well a controller keeps the simulated district dry.

Every storm of the set is played by plcsim on the whole district three
times (or more, one row per pumpd variant):
  baseline  plcsim alone: the PLCs' fallback control on today's set-points;
  pumpd     pumpd controlling, on the same clock; the discharge limits that
            plcsim publishes on its control port ("limits") are relayed to
            pumpd with `pumpctl limit`, as an operator would;
  bound     plcsim --bound: every available pump runs from the first drop
            at each station until the rain ends there, wells starting at
            their low-low level.  An upper bound for pumping, not a
            controller.
The scores come from plcsim's summary (--summary) and trace (--trace): flood
volume and flooded stations, overflow at the treatment plant, the highest
level against the flood level, pump starts and the worst starts in an hour
of any pump, energy, and the time a station ran more pumps than a discharge
limit in force allowed.  Gap closure for flood volume: (baseline - pumpd) /
(baseline - bound) where baseline > bound.

Outputs: a table on stdout, results.json, results.csv and results.md (the
table in Markdown), and gnuplot PNGs
in --out: for each storm the worst station (level with its set-points,
rain, pumps running, the river at its outfall, one panel per controller),
and a district bar chart of flood volume per storm and controller.

Ports: a free block of 100 in 20000-32699, reserved the way the integration
tests' lib.sh does (a directory under $TMPDIR/pumpd-test-ports).
"""
import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# name, rain spec, extra plcsim options, simulated minutes to run.  Every
# storm begins at minute 10; a run ends an hour after the last rain.
PEAK_MIN = 10 + 0.375 * 120          # the 2-hour storms' peak
BIG3 = ("xiaozhan-east", "sandaogou", "xinzhuang-west")


def storm_set():
    """The storms of issue 10."""
    s = []
    for p in (1, 3, 5, 10, 20, 50, 100):
        s.append(("P%d-2h" % p, "storm:%d:120@10" % p, [], 190))
    for p in (1, 3, 5, 10, 20, 50, 100):
        s.append(("P%d-6h" % p, "storm:%d:360@10" % p, [], 430))
    s.append(("moving-P50", "storm:50:120@10", ["--track", "45:30:6"], 250))
    s.append(("b2b-P20", "storm:20:120@10,storm:20:120@250", [], 430))
    trip = []
    for st in BIG3:
        trip += ["-f", "%s:trip:1@%g" % (st, PEAK_MIN)]
    s.append(("trip-P50", "storm:50:120@10", trip, 190))
    s.append(("highriver-P50", "storm:50:120@10", ["--river-start", "0.8"],
              190))
    return s


def smoke_set():
    """One short storm on two stations: the machinery, in seconds."""
    return [("smoke-P20", "storm:20:20@2", [], 30)]


SMOKE_ONLY = "xiaozhan-east,gegu-sewage"


# ---------------------------------------------------------------- ports
def port_res_dir():
    d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "pumpd-test-ports")
    os.makedirs(d, exist_ok=True)
    return d


def block_busy(b):
    """Whether any TCP socket uses a port in b..b+99."""
    out = subprocess.run(["ss", "-Htan"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) < 4:
            continue
        try:
            p = int(f[3].rsplit(":", 1)[1])
        except ValueError:
            continue
        if b <= p <= b + 99:
            return True
    return False


def pick_ports():
    """Reserve a free block of 100 ports; its first port."""
    res = port_res_dir()
    b = 20000 + (os.getpid() % 127) * 100
    for _ in range(127):
        if b < 20000 or b > 32600:
            b = 20000
        d = os.path.join(res, str(b))
        if not block_busy(b):
            try:
                os.mkdir(d)
                with open(os.path.join(d, "pid"), "w") as f:
                    f.write("%d\n" % os.getpid())
                return b, d
            except FileExistsError:
                try:
                    pid = int(open(os.path.join(d, "pid")).read())
                    os.kill(pid, 0)
                except (OSError, ValueError):
                    shutil.rmtree(d, ignore_errors=True)
                    continue
        b += 100
    sys.exit("bench-control: no free block of 100 ports in 20000-32699")


# ---------------------------------------------------------------- runs
def district_conf(src, pb, dst):
    """src with station i's PLC port at pb + i (as storm_lib.sh does)."""
    n = 0
    with open(src) as f, open(dst, "w") as o:
        for line in f:
            if "port = " in line and "plc = {" in line:
                head, tail = line.split("port = ", 1)
                num = tail.split(";", 1)
                line = "%sport = %d;%s" % (head, pb + n, num[1])
                n += 1
            o.write(line)
    return n


def wait_port(port, proc, secs=20):
    """Wait until something listens on port (proc must stay alive)."""
    end = time.time() + secs
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def ctl(port, cmd):
    """One line to plcsim's control port; its reply."""
    with socket.create_connection(("127.0.0.1", port), 2) as s:
        s.sendall((cmd + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            c = s.recv(4096)
            if not c:
                break
            buf += c
    return buf.decode().strip()


class Relay(threading.Thread):
    """The operator: reads plcsim's published discharge limits and relays
    every change to pumpd with pumpctl limit."""

    def __init__(self, args, ctlport, sock, log):
        super().__init__(daemon=True)
        self.args, self.ctlport, self.sock, self.log = args, ctlport, sock, log
        self.stop = threading.Event()
        self.now = {}
        self.relayed = 0

    def pumpctl(self, station, n):
        r = subprocess.run([self.args.pumpctl, "-S", self.sock, "limit",
                            station, n], capture_output=True, text=True)
        self.log.write("relay %s %s: %d %s%s" % (station, n, r.returncode,
                       r.stdout, r.stderr))
        self.relayed += 1

    def run(self):
        while not self.stop.wait(0.2):
            try:
                f = ctl(self.ctlport, "limits").split()
            except OSError:
                continue
            if len(f) < 2 or f[0] != "ok":
                continue
            want = dict(x.split(":") for x in f[2:])
            for st, n in want.items():
                if self.now.get(st) != n:
                    self.pumpctl(st, n)
            for st in list(self.now):
                if st not in want:
                    self.pumpctl(st, "none")
            self.now = want


def run_storm(args, storm, ctrl, variant_args, work, pb):
    """Play one storm under one controller; the paths of its summary and
    trace."""
    name, spec, extra, minutes = storm
    d = os.path.join(work, "%s-%s" % (name, ctrl))
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "district.conf")
    district_conf(args.config, pb, conf)
    summ, trace = os.path.join(d, "summary"), os.path.join(d, "trace.csv")
    speed = args.sim_speed if ctrl == "baseline" or ctrl == "bound" \
        else args.pumpd_speed
    cmd = [args.plcsim, "-c", conf, "-s", str(speed), "-r", spec, "-d",
           str(minutes), "-S", summ, "--trace", trace] + extra
    if args.only:
        cmd += ["--only", args.only]
    if ctrl == "bound":
        cmd.append("--bound")
    log = open(os.path.join(d, "plcsim.log"), "w")
    if ctrl in ("baseline", "bound"):
        r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if r.returncode != 0:
            sys.exit("bench-control: plcsim failed, see %s" % log.name)
        return summ, trace
    ctlport = pb + 99
    cmd += ["-p", str(ctlport)]
    sim = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    if not wait_port(ctlport, sim):
        sim.kill()
        sys.exit("bench-control: plcsim did not start, see %s" % log.name)
    if args.only:
        # pumpd's district: the stations plcsim simulates
        keep = args.only.split(",")
        only_conf(conf, keep, pb)
    no_influx(conf)
    sock = os.path.join(d, "ctl.sock")
    plog = open(os.path.join(d, "pumpd.log"), "w")
    pconf = args.pumpd_conf_for(conf, d, pb)
    kv = dict(a[len("control."):].split("=", 1) for a in variant_args
              if a.startswith("control."))
    if kv:
        control_overlay(pconf, os.path.join(d, "pumpd-variant.conf"), kv)
        pconf = os.path.join(d, "pumpd-variant.conf")
    pcmd = [args.pumpd, "-c", pconf, "--sim-speed",
            str(speed), "--state-dir", os.path.join(d, "state"),
            "--ctl-socket", sock, "--log-every", "600", "--poll-ms",
            str(args.pumpd_poll_ms)] + [a for a in variant_args
                                        if not a.startswith("control.")]
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    pd = subprocess.Popen(pcmd, stdout=plog, stderr=subprocess.STDOUT)
    rlog = open(os.path.join(d, "relay.log"), "w")
    relay = Relay(args, ctlport, sock, rlog)
    relay.start()
    sim.wait()
    relay.stop.set()
    relay.join()
    pd.send_signal(signal.SIGTERM)
    try:
        pd.wait(30)
    except subprocess.TimeoutExpired:
        pd.kill()
        pd.wait()
    for f in (log, plog, rlog):
        f.close()
    if sim.returncode != 0:
        sys.exit("bench-control: plcsim failed, see %s" % log.name)
    return summ, trace


def only_conf(conf, keep, pb):
    """Cut conf down to the stations in keep (their ports stay, as plcsim
    --only serves them)."""
    text = open(conf).read()
    head, rest = text.split("\nstations = (", 1)
    body, tail = rest.rsplit(");", 1)
    blocks, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{" and depth == 0:
            cur = ""
        if depth > 0 or ch == "{":
            cur += ch
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                blocks.append(cur)
    kept = [b for b in blocks if any('id = "%s";' % k in b for k in keep)]
    with open(conf, "w") as o:
        o.write(head + "\nstations = (\n\t" + ",\n\t".join(kept) + "\n);" +
                tail)


def control_overlay(src, dst, kv):
    """src with these keys of its control group set (a variant's
    control.KEY=VALUE options), into dst."""
    out, inside, done = [], False, set()
    for line in open(src):
        if line.startswith("control = {"):
            inside = True
        elif inside and line.startswith("};"):
            out += ["\t%s = %s;\n" % (k, v) for k, v in kv.items()
                    if k not in done]
            inside = False
        elif inside:
            k = line.strip().split(" ", 1)[0]
            if k in kv and line.startswith("\t" + k + " = "):
                line = "\t%s = %s;\n" % (k, kv[k])
                done.add(k)
        out.append(line)
    with open(dst, "w") as o:
        o.writelines(out)


def no_influx(conf):
    """Drop the influx group: the benchmark's pumpd writes no metrics."""
    text = open(conf).read()
    i = text.find("\ninflux = {")
    if i >= 0:
        j = text.find("};", i)
        text = text[:i] + text[j + 2:]
        with open(conf, "w") as o:
            o.write(text)


# ---------------------------------------------------------------- scores
def kv_lines(path):
    out = []
    for line in open(path):
        d = {}
        for f in line.split():
            if "=" in f:
                k, v = f.split("=", 1)
                d[k] = v
        out.append(d)
    return out


def station_pumps(conf):
    """Each station's rated pump flows (m3/s) and high-high level (m), from
    the district's file: {id: (capacities, highhigh_m)}."""
    out, sid, caps, hh, inst = {}, None, [], None, False
    for line in open(conf):
        t = line.split("#", 1)[0]
        if t.startswith("stations"):
            inst = True
        if not inst:
            continue
        m = t.split('id = "', 1)
        if len(m) == 2 and "river" not in t:
            if sid is not None:
                out[sid] = (caps, hh)
            sid, caps, hh = m[1].split('"', 1)[0], [], None
        for part in t.split(";"):
            if "capacity_m3s = " in part:
                caps.append(float(part.split("capacity_m3s = ")[1]))
            if "highhigh_m = " in part:
                hh = float(part.split("highhigh_m = ")[1])
    if sid is not None:
        out[sid] = (caps, hh)
    return out


def reach_scores(conf, trace):
    """Per river reach, from plcsim's trace (one row a simulated minute):
    the minutes its stations' pumps (rated flows) exceeded its allowance
    (the sum of each station's limit in pumps times its pump flow) while a
    limit stood, summed over the reaches; and of those, the minutes where
    every station over its own limit was at or above its high-high level
    (flood risk overrode the limit there, with pumpd's alarm)."""
    pumps = station_pumps(conf)
    rows = {}
    with open(trace) as f:
        for d in csv.DictReader(f):
            if d["river"] in ("", "-") or d["station"] not in pumps:
                continue
            rows.setdefault((d["t_min"], d["river"]), []).append(d)
    over = risk = 0
    for group in rows.values():
        allow = flow = 0.0
        limited, excess_ok = False, True
        for d in group:
            caps, hh = pumps[d["station"]]
            q1 = sum(caps) / len(caps) if caps else 0.0
            lim, run = int(d["limit_pumps"]), int(d["running"])
            limited |= lim < len(caps)
            allow += min(lim, len(caps)) * q1
            flow += run * q1
            if run > lim and (hh is None or float(d["level_m"]) < hh):
                excess_ok = False
        if limited and flow > allow + 1e-6:
            over += 1
            risk += excess_ok
    return {"reach_over_min": over, "reach_over_risk_min": risk}


def scores(summ):
    """The scores of one run from its summary."""
    st = [d for d in kv_lines(summ) if "station" in d]
    dist = [d for d in kv_lines(summ) if "district" in d]
    plant = [d for d in kv_lines(summ) if "plant" in d]
    worst_frac, worst_st = 0, ""
    for d in st:
        f = float(d["max_level_m"]) / float(d["flood_level_m"])
        if f > worst_frac:
            worst_frac, worst_st = f, d["station"]
    sph = 0
    for d in st:
        for k, v in d.items():
            if k.endswith("_max_per_hour"):
                sph = max(sph, int(v))
    return {
        "flood_m3": sum(float(d["flood_m3"]) for d in st),
        "flooded": sum(1 for d in st if float(d["flood_m3"]) > 0.05),
        "overflow_m3": float(plant[0]["overflow_m3"]) if plant else 0.0,
        "max_level_frac": worst_frac,
        "max_level_station": worst_st,
        "starts": sum(int(v) for d in st for k, v in d.items()
                      if k.endswith("_starts")),
        "worst_starts_per_h": sph,
        "energy_kwh": sum(float(d["energy_kwh"]) for d in st),
        # the energy goal is per volume pumped: drawing a well down pumps
        # water the baseline leaves in it, against a higher lift
        "pumped_m3": sum(float(d["pumped_m3"]) for d in st),
        "kwh_per_1000m3": 1000 * sum(float(d["energy_kwh"]) for d in st) /
        max(1.0, sum(float(d["pumped_m3"]) for d in st)),
        "over_limit_min": sum(float(d["over_limit_s"]) for d in st) / 60,
        "balance_m3": float(dist[0]["balance_m3"]) if dist else 0.0,
        # under the PLCs' own control, and watchdog expiries: a pumpd that
        # falls behind its clock shows here
        "local_min": sum(float(d["local_s"]) for d in st) / 60,
        "wd_trips": sum(int(d["wd_trips"]) for d in st),
        "stations": {d["station"]: {
            "flood_m3": float(d["flood_m3"]),
            "max_level_m": float(d["max_level_m"]),
            "flood_level_m": float(d["flood_level_m"]),
            "duty_m": float(d["duty_m"]),
            "stop_m": float(d["stop_m"])} for d in st},
    }


def gap(b, p, u):
    """Gap closure for flood volume, or None when baseline <= bound."""
    if b - u <= 0.5:
        return None
    return (b - p) / (b - u)


# ---------------------------------------------------------------- plots
def worst_station(res, storm, ctrls):
    """The station of the storm nearest to (or deepest in) flooding under
    any controller."""
    best, who = -1, None
    for c in ctrls:
        for sid, s in res[storm][c]["stations"].items():
            v = s["flood_m3"] * 1000 + s["max_level_m"] / s["flood_level_m"]
            if v > best:
                best, who = v, sid
    return who


def plot_storm(args, storm, station, ctrls, traces, res, out):
    """One PNG: the station's level, set-points, rain, pumps, river; a
    panel per controller."""
    d = tempfile.mkdtemp(dir=args.work)
    files = {}
    for c in ctrls:
        f = os.path.join(d, c + ".dat")
        with open(traces[c]) as t, open(f, "w") as o:
            r = csv.DictReader(t)
            for row in r:
                if row["station"] == station:
                    o.write("%s %s %s %s %s\n" % (
                        row["t_min"], row["level_m"], row["rain_mm_h"],
                        row["running"], row["outfall_m"]))
        files[c] = f
    s = res[storm][ctrls[0]]["stations"][station]
    png = os.path.join(out, "storm-%s.png" % storm)
    g = ["set terminal pngcairo size 1000,%d font ',9'" % (260 * len(ctrls)),
         "set output '%s'" % png,
         "set multiplot layout %d,1 title '%s: %s (worst station)'" %
         (len(ctrls), storm, station),
         "set xlabel 'minutes'", "set ylabel 'm'",
         "set y2label 'rain mm/h, pumps x10'", "set y2tics", "set ytics nomirror",
         "set key outside right", "set grid"]
    for c in ctrls:
        r = res[storm][c]
        g += ["set title '%s: flood %.0f m3, max %.2f m'" % (
            c, r["stations"][station]["flood_m3"],
            r["stations"][station]["max_level_m"]),
              "plot '%s' u 1:2 w l lw 2 t 'well level', "
              "'' u 1:5 w l t 'river at outfall', "
              "%g w l dt 2 t 'duty start', %g w l dt 3 t 'stop', "
              "%g w l lc rgb 'red' dt 4 t 'flood level', "
              "'' u 1:3 axes x1y2 w boxes fs solid 0.3 lc rgb 'blue' t 'rain', "
              "'' u 1:($4*10) axes x1y2 w steps lc rgb 'black' t 'pumps x10'"
              % (files[c], s["duty_m"], s["stop_m"], s["flood_level_m"])]
    g.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(g), text=True, check=True)
    return png


def plot_bars(args, res, storms, ctrls, out):
    """The district's flood volume per storm and controller."""
    f = os.path.join(args.work, "bars.dat")
    with open(f, "w") as o:
        for s in storms:
            o.write(s + " " + " ".join("%.1f" % res[s][c]["flood_m3"]
                                       for c in ctrls) + "\n")
    png = os.path.join(out, "flood-by-storm.png")
    cols = ", ".join("'%s' u %d:xtic(1) t '%s'" % (f if i == 0 else "", i + 2, c)
                     for i, c in enumerate(ctrls))
    g = ["set terminal pngcairo size 1100,450 font ',9'",
         "set output '%s'" % png,
         "set title 'District flood volume (m3) per storm and controller'",
         "set style data histograms", "set style histogram clustered gap 1",
         "set style fill solid 0.8 border -1", "set xtics rotate by -35",
         "set ylabel 'flood m3'", "set grid ytics", "set yrange [0:*]",
         "plot " + cols]
    subprocess.run(["gnuplot"], input="\n".join(g), text=True, check=True)
    return png


def markdown(res, storms, ctrls):
    """The table as Markdown, for the README."""
    out = ["| storm | controller | flood m3 | flooded | plant overflow m3 | "
           "max level / flood level | starts | worst starts/h | kWh | "
           "kWh per 1000 m3 | "
           "river over its allowance, min (of which flood risk) | "
           "gap closure |",
           "|" + "---|" * 12]
    for s in storms:
        for c in ctrls:
            r = res[s][c]
            g = r.get("gap")
            out.append("| %s | %s | %.0f | %d | %.0f | %.2f (%s) | %d | %d | "
                       "%.0f | %.1f | %d (%d) | %s |" % (
                           s, c, r["flood_m3"], r["flooded"],
                           r["overflow_m3"], r["max_level_frac"],
                           r["max_level_station"], r["starts"],
                           r["worst_starts_per_h"], r["energy_kwh"],
                           r.get("kwh_per_1000m3", 0),
                           r.get("reach_over_min", 0),
                           r.get("reach_over_risk_min", 0),
                           "" if not c.startswith("pumpd") else
                           "n/a" if g is None else "%.2f" % g))
    return "\n".join(out) + "\n"


def write_outputs(args, res, names, ctrls, storms, t0):
    """results.json, results.csv and results.md in args.out."""
    meta = {"storms": [{"name": s[0], "rain": s[1], "options": s[2],
                        "minutes": s[3]} for s in storms],
            "controllers": ctrls, "pumpd_speed": args.pumpd_speed,
            "pumpd_poll_ms": args.pumpd_poll_ms,
            "sim_speed": args.sim_speed, "only": args.only,
            "wall_s": round(time.time() - t0, 1), "results": res}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    with open(os.path.join(args.out, "results.csv"), "w") as f:
        w = csv.writer(f)
        keys = ["flood_m3", "flooded", "overflow_m3", "max_level_frac",
                "max_level_station", "starts", "worst_starts_per_h",
                "energy_kwh", "pumped_m3", "kwh_per_1000m3",
                "over_limit_min", "reach_over_min",
                "reach_over_risk_min", "gap", "local_min",
                "wd_trips", "wall_s"]
        w.writerow(["storm", "controller"] + keys)
        for s in names:
            for c in ctrls:
                w.writerow([s, c] + [res[s][c].get(k, "") for k in keys])
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(res, names, ctrls))


# ---------------------------------------------------------------- main
def table(res, storms, ctrls):
    hdr = ("%-14s %-16s %9s %4s %9s %7s %6s %5s %8s %7s %8s" %
           ("storm", "controller", "flood m3", "st.", "overfl m3", "max/fl",
            "starts", "w/h", "kWh", "kWh/km3", "reach min"))
    lines = [hdr, "-" * len(hdr)]
    for s in storms:
        for c in ctrls:
            r = res[s][c]
            lines.append("%-14s %-16s %9.0f %4d %9.0f %7.2f %6d %5d %8.0f "
                         "%7.1f %8.0f"
                         % (s, c, r["flood_m3"], r["flooded"],
                            r["overflow_m3"], r["max_level_frac"],
                            r["starts"], r["worst_starts_per_h"],
                            r["energy_kwh"], r.get("kwh_per_1000m3", 0),
                            r.get("reach_over_min", 0)))
        for c in ctrls:
            if c.startswith("pumpd"):
                g = res[s][c].get("gap")
                lines.append("%-14s %-16s gap closure (flood): %s" % (
                    s, c, "n/a (baseline does not flood more than the bound)"
                    if g is None else "%.2f" % g))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plcsim", default=os.path.join(TOP, "build/plcsim"))
    ap.add_argument("--pumpd", default=os.path.join(TOP, "build/pumpd"))
    ap.add_argument("--pumpctl", default=os.path.join(TOP, "build/pumpctl"))
    ap.add_argument("--config", default=os.path.join(TOP, "config/jinnan.conf"))
    ap.add_argument("--pumpd-config", default=None,
                    help="pumpd's own configuration (its ports are "
                    "rewritten like the district's): a variant's control")
    ap.add_argument("--variant", action="append", default=[],
                    metavar="NAME=OPTIONS",
                    help="another pumpd row, run with these extra options; "
                    "control.KEY=VALUE sets a key of pumpd's control group "
                    "(e.g. ff-off=control.feedforward=false); repeat")
    ap.add_argument("--pumpd-args", default="",
                    help="extra options for the plain pumpd row")
    ap.add_argument("--no-pumpd", action="store_true")
    ap.add_argument("--sim-speed", type=float, default=10000)
    ap.add_argument("--pumpd-speed", type=float, default=200,
                    help="pumpd's runs: simulated seconds per real second")
    ap.add_argument("--pumpd-poll-ms", type=int, default=3000,
                    help="pumpd's poll period in simulated ms (--poll-ms): "
                    "3000 at x200 polls as often in real time as 1000 at "
                    "x67")
    ap.add_argument("--storms", default="",
                    help="comma-separated names: a subset of the set")
    ap.add_argument("--only", default="",
                    help="simulate only these stations (plcsim --only)")
    ap.add_argument("--smoke", action="store_true",
                    help="one short storm on two stations, in seconds")
    ap.add_argument("--out", default=os.path.join(TOP, "tests/bench/results"))
    ap.add_argument("--keep", action="store_true", help="keep the runs")
    args = ap.parse_args()
    storms = smoke_set() if args.smoke else storm_set()
    if args.smoke and not args.only:
        args.only = SMOKE_ONLY
    if args.storms:
        want = args.storms.split(",")
        storms = [s for s in storms if s[0] in want]
        if not storms:
            sys.exit("bench-control: --storms %s: none of the set" %
                     args.storms)
    for tool in (args.plcsim, args.pumpd, args.pumpctl):
        if not os.access(tool, os.X_OK):
            sys.exit("bench-control: %s: not built (make all)" % tool)
    if shutil.which("gnuplot") is None:
        sys.exit("bench-control: gnuplot is not installed")
    os.makedirs(args.out, exist_ok=True)
    args.work = tempfile.mkdtemp(prefix="bench-control.")

    def pumpd_conf_for(conf, d, pb):
        if args.pumpd_config is None:
            return conf
        c = os.path.join(d, "pumpd.conf")
        district_conf(args.pumpd_config, pb, c)
        if args.only:
            only_conf(c, args.only.split(","), pb)
        no_influx(c)
        return c
    args.pumpd_conf_for = pumpd_conf_for

    rows = [("baseline", None)]
    if not args.no_pumpd:
        rows.append(("pumpd", args.pumpd_args.split()))
        for v in args.variant:
            name, _, opts = v.partition("=")
            rows.append(("pumpd:" + name, opts.split()))
    rows.append(("bound", None))
    ctrls = [r[0] for r in rows]
    pb, resdir = pick_ports()
    res, traces, t0 = {}, {}, time.time()
    try:
        for s in storms:
            res[s[0]], traces[s[0]] = {}, {}
            for c, va in rows:
                t1 = time.time()
                summ, tr = run_storm(args, s, c, va or [], args.work, pb)
                res[s[0]][c] = scores(summ)
                res[s[0]][c].update(reach_scores(
                    os.path.join(os.path.dirname(summ), "district.conf"),
                    tr))
                res[s[0]][c]["wall_s"] = round(time.time() - t1, 1)
                traces[s[0]][c] = tr
                print("bench-control: %s %s: flood %.0f m3 (%.0f s)" % (
                    s[0], c, res[s[0]][c]["flood_m3"], time.time() - t1),
                    file=sys.stderr, flush=True)
            for c in ctrls:
                if c.startswith("pumpd"):
                    res[s[0]][c]["gap"] = gap(res[s[0]]["baseline"]["flood_m3"],
                                              res[s[0]][c]["flood_m3"],
                                              res[s[0]]["bound"]["flood_m3"])
        names = [s[0] for s in storms]
        print(table(res, names, ctrls))
        pngs = []
        for s in names:
            st = worst_station(res, s, ctrls)
            pngs.append(plot_storm(args, s, st, ctrls, traces[s], res,
                                   args.out))
        pngs.append(plot_bars(args, res, names, ctrls, args.out))
        write_outputs(args, res, names, ctrls, storms, t0)
        print("bench-control: %d runs in %.0f s; %s, results.json, "
              "results.csv, results.md in %s" % (len(names) * len(ctrls),
                                     time.time() - t0,
                                     ", ".join(os.path.basename(p)
                                               for p in pngs), args.out))
    finally:
        shutil.rmtree(resdir, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
        else:
            print("bench-control: runs kept in %s" % args.work,
                  file=sys.stderr)


if __name__ == "__main__":
    main()
