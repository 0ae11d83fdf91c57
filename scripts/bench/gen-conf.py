#!/usr/bin/env python3
"""Write a district of N stations for the scale benchmark and tests.

Usage: gen-conf.py [--base PORT] [--influx URL] [--poll-ms MS]
                   [--from K --count M] [--only-v1 | --only-l1] SRC N > OUT

Station k (0-based) is a copy of SRC's station k mod 33 (its map, pumps and
set-points), renamed "<id>-<k>" beyond the first 33, with its PLC on
127.0.0.1:PORT+k.  The influx group is dropped unless --influx gives a URL.
--from/--count write only stations K..K+M-1 of the N (one plcsim's share).
"""
import argparse
import re
import sys


def blocks(text):
    """The stations list's entries of a libconfig file, as text."""
    head, sep, rest = text.partition("stations = (")
    if not sep:
        sys.exit("gen-conf: no stations list in the source")
    body = rest[:rest.rindex(");")]
    out, depth, start = [], 0, None
    for i, ch in enumerate(body):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                out.append(body[start:i + 1])
    return head, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=int, default=10000)
    ap.add_argument("--influx", default=None)
    ap.add_argument("--poll-ms", type=int, default=None)
    ap.add_argument("--batch-points", type=int, default=None)
    ap.add_argument("--from", dest="first", type=int, default=0)
    ap.add_argument("--count", type=int, default=None)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--only-v1", action="store_true")
    g.add_argument("--only-l1", action="store_true")
    ap.add_argument("src")
    ap.add_argument("n", type=int)
    a = ap.parse_args()
    head, st = blocks(open(a.src).read())
    if a.only_v1:
        st = [b for b in st if 'map = "L1"' not in b]
    if a.only_l1:
        st = [b for b in st if 'map = "L1"' in b]
    head = re.sub(r"\ninflux = \{.*?\n\};\n", "\n", head, flags=re.S)
    if a.poll_ms is not None:
        head = re.sub(r"poll_ms = \d+;", "poll_ms = %d;" % a.poll_ms, head)
    if a.influx:
        extra = ""
        if a.batch_points:
            extra = " batch_points = %d;" % a.batch_points
        head += ('influx = { url = "%s"; version = 1; database = "pumpd";%s };\n'
                 % (a.influx, extra))
    out = [head, "stations = (\n"]
    last = a.n if a.count is None else min(a.n, a.first + a.count)
    for k in range(a.first, last):
        b = st[k % len(st)]
        if k >= len(st):
            b = re.sub(r'id = "([^"]+)"', lambda m: 'id = "%s-%d"' % (m.group(1), k), b, count=1)
        b = re.sub(r"port = \d+;", "port = %d;" % (a.base + k), b, count=1)
        out.append("\t" + b + (",\n" if k + 1 < last else "\n"))
    out.append(");\n")
    sys.stdout.write("".join(out))


main()
