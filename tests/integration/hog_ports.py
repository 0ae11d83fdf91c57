#!/usr/bin/env python3
"""Hold TCP ports the way other services on a busy machine do.

    hog_ports.py SECONDS PORT[-PORT] ...

Listens on 127.0.0.1 at every port given (ranges are inclusive), accepts
connections and holds them without a word, and exits after SECONDS or on
SIGTERM.  Ports already taken are skipped.  Prints "holding N ports" once
every listener is up.  Used by .ci/run and test_ports_busy.sh to show that
the tests pick free ports and never talk to a stranger.
"""
import selectors
import signal
import socket
import sys
import time


def ports(specs):
    for spec in specs:
        lo, _, hi = spec.partition("-")
        yield from range(int(lo), int(hi or lo) + 1)


def main():
    end = time.monotonic() + float(sys.argv[1])
    sel = selectors.DefaultSelector()
    held = 0
    for port in ports(sys.argv[2:]):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            s.listen(16)
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        held += 1
    print("holding %d ports" % held, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    conns = []
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=1):
            try:
                c, _ = key.fileobj.accept()
                conns.append(c)
            except OSError:
                pass


if __name__ == "__main__":
    main()
