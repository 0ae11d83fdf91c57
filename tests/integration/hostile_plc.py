#!/usr/bin/env python3
"""A hostile station PLC for the tests: a Modbus TCP server (map version 1)
whose every reply says the wet well stands at 3.3 m with every pump
available, so that a daemon that obeys it starts pumps, and whose replies
carry one defect, chosen by the first word of the mode file at each request
(a poll's read-back of the holding registers keeps its input read's mode):

  valid      correct replies (the control: the daemon should write)
  unit       unit id one more than asked
  length     MBAP length field 4 more than the bytes that follow
  junk       a correct frame followed by 6 junk bytes in the same send
  tid        transaction id one more than asked
  protocol   protocol id 1
  drip       a correct reply, one byte every DRIP seconds
  exception  exception 4 (server device failure) to every request
  hrexc      correct replies, except exception 2 (illegal data address) to
             the read-back of the holding registers (function 03)

Every request is logged to the log file as "req MODE fc=N tid=N"; every
write (function 6 or 16) as "WRITE MODE hr0=... hr1=... hr2=...", where
MODE is the one the last read of the input block on that connection was
answered in (what the write was decided on); a drip
that the client gave up as "drip-end MODE elapsed=S sent=N of M".  Standard
library only.

  hostile_plc.py PORT MODE_FILE LOG_FILE [NPUMPS] [DRIP_S]
"""
import socket
import socketserver
import struct
import sys
import threading
import time

PORT = int(sys.argv[1])
MODE_FILE = sys.argv[2]
LOG_FILE = sys.argv[3]
NPUMPS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
DRIP_S = float(sys.argv[5]) if len(sys.argv) > 5 else 0.1
LEVEL_MM = 3300
lock = threading.Lock()
hr = [0] * 16
t0 = time.monotonic()


def log(line):
    with lock, open(LOG_FILE, "a") as f:
        f.write("%.3f %s\n" % (time.monotonic() - t0, line))


def mode():
    try:
        with open(MODE_FILE) as f:
            return (f.read().split() or ["valid"])[0]
    except OSError:
        return "valid"


def input_block():
    ir = [0] * 80
    ir[0] = 1                       # map version
    ir[1] = 0x09                    # REMOTE, MAINS_OK
    ir[2] = ir[3] = LEVEL_MM
    ir[6] = 0xFFFF                  # no outfall
    ir[7] = hr[0]                   # heartbeat echo
    up = int(time.monotonic() - t0) + 100
    ir[8], ir[9] = up >> 16, up & 0xFFFF
    ir[10] = NPUMPS
    for k in range(NPUMPS):
        ir[16 + 8 * k] = 0x04       # AVAILABLE, stopped
    return ir


def pdu_for(fc, data):
    """The correct reply PDU to a request PDU."""
    addr, n = struct.unpack(">HH", data[:4])
    if fc == 4:
        regs = input_block()[addr:addr + n]
    elif fc == 3:
        with lock:
            regs = hr[addr:addr + n]
    elif fc == 16:
        vals = struct.unpack(">%dH" % n, data[5:5 + 2 * n])
        with lock:
            hr[addr:addr + n] = vals
        return struct.pack(">BHH", fc, addr, n)
    elif fc == 6:
        with lock:
            hr[addr] = n
        return struct.pack(">BHH", fc, addr, n)
    else:
        return struct.pack(">BB", fc | 0x80, 1)
    if len(regs) != n:
        return struct.pack(">BB", fc | 0x80, 2)
    return struct.pack(">BB%dH" % n, fc, 2 * n, *regs)


def frame(m, tid, unit, fc, data):
    pdu = pdu_for(fc, data)
    proto, length = 0, len(pdu) + 1
    if m == "exception" or (m == "hrexc" and fc == 3):
        pdu = struct.pack(">BB", fc | 0x80, 4 if m == "exception" else 2)
        length = 3
    elif m == "unit":
        unit = (unit + 1) & 0xFF
    elif m == "length":
        length += 4
    elif m == "tid":
        tid = (tid + 1) & 0xFFFF
    elif m == "protocol":
        proto = 1
    out = struct.pack(">HHHB", tid, proto, length, unit) + pdu
    if m == "junk":
        out += b"\x00\x01junk"
    return out


class Handler(socketserver.BaseRequestHandler):
    def recv_n(self, n):
        b = b""
        while len(b) < n:
            c = self.request.recv(n - len(b))
            if not c:
                raise EOFError
            b += c
        return b

    def drip(self, m, out):
        start = time.monotonic()
        for i in range(len(out)):
            try:
                self.request.sendall(out[i:i + 1])
            except OSError:
                log("drip-end %s elapsed=%.2f sent=%d of %d" %
                    (m, time.monotonic() - start, i, len(out)))
                raise EOFError
            time.sleep(DRIP_S)

    def handle(self):
        read_mode = "none"
        try:
            while True:
                tid, proto, length, unit = struct.unpack(">HHHB",
                                                         self.recv_n(7))
                body = self.recv_n(length - 1)
                fc, data = body[0], body[1:]
                # a poll's read-back (function 3) keeps the mode of its
                # input read: a mode changed between the two would give
                # the poll two defects, or none
                m = read_mode if fc == 3 and read_mode != "none" else mode()
                log("req %s fc=%d tid=%d" % (m, fc, tid))
                if fc == 4:
                    read_mode = m
                if fc in (6, 16):
                    vals = struct.unpack(">%dH" % ((len(data) - 5) // 2),
                                         data[5:]) if fc == 16 else \
                        struct.unpack(">HH", data)
                    log("WRITE %s %s" % (read_mode, " ".join(
                        "hr%d=%d" % (i, v) for i, v in
                        enumerate(vals[:3]))))
                out = frame(m, tid, unit, fc, data)
                if m == "drip":
                    self.drip(m, out)
                else:
                    self.request.sendall(out)
        except (EOFError, OSError, struct.error):
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    srv = Server(("127.0.0.1", PORT), Handler)
    log("listening on %d" % PORT)
    srv.serve_forever()
