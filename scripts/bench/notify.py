#!/usr/bin/env python3
"""A stand-in for systemd's notify socket (make bench): listen on the
datagram socket SOCK and write each message pumpd sends, with the
listener's CLOCK_MONOTONIC time in seconds, to LOG, one line per message
(newlines inside a message become '|').  The file TRIGGER, once it
appears, holds a PID: the listener sends it SIGHUP itself (so that the
signal's time is on the same clock), logs "SIGHUP" and waits for the next.
"""
import os, select, signal, socket, sys, time

sock, log, trigger = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock)
with open(log, "a", buffering=1) as out:
    while True:
        r, _, _ = select.select([s], [], [], 0.005)
        if r:
            msg = s.recv(65536).decode(errors="replace").replace("\n", "|")
            out.write("%.6f %s\n" % (time.monotonic(), msg))
        if os.path.exists(trigger):
            pid = int(open(trigger).read())
            os.unlink(trigger)
            out.write("%.6f SIGHUP\n" % time.monotonic())
            os.kill(pid, signal.SIGHUP)
