#!/usr/bin/env python3
# Hostile clients of pumpd's control socket, for test_pumpctl.sh:
#   hostile_ctl.py SOCKET idle N     hold N connections open, silent
#   hostile_ctl.py SOCKET flood      one line of 1 MiB without a newline
#   hostile_ctl.py SOCKET stall      2000 status requests, never read
# Each runs for the seconds in HOLD (default 5), then prints what pumpd did
# to its connections ("closed" or "open") and exits.
import os
import socket
import sys
import time

path, mode = sys.argv[1], sys.argv[2]
hold = float(os.environ.get("HOLD", "5"))


def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def closed(s):
    # whether pumpd closed s: EOF or a reset after any reply bytes
    s.setblocking(False)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


socks = []
if mode == "idle":
    for _ in range(int(sys.argv[3])):
        socks.append(conn())
elif mode == "flood":
    s = conn()
    s.setblocking(False)
    sent = 0
    end = time.time() + hold
    while sent < 1 << 20 and time.time() < end:
        try:
            sent += s.send(b"x" * 65536)
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break
    socks.append(s)
elif mode == "stall":
    s = conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setblocking(False)
    req = b'{"v":1,"cmd":"status"}\n' * 2000
    end = time.time() + hold
    while req and time.time() < end:
        try:
            req = req[s.send(req):]
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break
    socks.append(s)
time.sleep(hold)
print(" ".join("closed" if closed(s) else "open" for s in socks))
