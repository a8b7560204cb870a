#!/usr/bin/env python3
"""A phone network for Kannel's bearerbox, on loopback only.

Speaks the line protocol of Kannel's "smsc = fake" connection (the one
its own fakesmsc uses): "SENDER RECEIVER text TEXT", "... ucs-2 HEX...",
"... udh UDH data DATA" (URL-encoded). Messages bearerbox sends to a
phone are put back together from their concatenation headers and written
one JSON line each to OUT: {"to", "parts", "coding", "text"}; the raw
lines bearerbox sent go to OUT.raw, for reading when a check fails.

  fake_smsc.py serve BB_PORT CTRL_PORT OUT   connect to bearerbox, serve
  fake_smsc.py mo CTRL_PORT FROM TO TEXT     a phone sends TEXT
  fake_smsc.py wait OUT TO N SECONDS         print the first N messages
                                             to TO (exit 1 if fewer came)

A UCS-2 part inside a concatenated message is told from a GSM-7 one
(which bearerbox hands over as UTF-8) by its NUL bytes: every reply holds
spaces or ASCII digits, which are 00 xx in UTF-16BE and never NUL in
UTF-8.
"""
import json
import socket
import sys
import threading
import time
import urllib.parse


def unquote(b):
    """Kannel's URL encoding writes a space (or a 0x20 byte) as '+'."""
    return urllib.parse.unquote_to_bytes(b.replace(b"+", b" "))


def decode(data, ucs2):
    return data.decode("utf-16-be" if ucs2 else "utf-8", "replace")


def serve(bb_port, ctrl_port, out_path):
    bb = None
    for _ in range(200):
        try:
            bb = socket.create_connection(("127.0.0.1", bb_port), timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    if bb is None:
        sys.exit("fake_smsc: bearerbox never listened")
    bb.settimeout(None)
    lock = threading.Lock()
    out = open(out_path, "a", encoding="utf-8")

    def control():
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", ctrl_port))
        srv.listen(8)
        while True:
            c, _ = srv.accept()
            line = c.makefile("rb").readline()
            with lock:
                bb.sendall(line)
            c.sendall(b"ok\n")
            c.close()

    threading.Thread(target=control, daemon=True).start()
    parts = {}
    f = bb.makefile("rb")
    raw_log = open(out_path + ".raw", "ab")
    for raw in f:
        raw_log.write(raw)
        raw_log.flush()
        fields = raw.rstrip(b"\n").split(b" ", 3)
        if len(fields) < 4:
            continue
        _sender, receiver, kind, rest = fields
        to = receiver.decode()
        if kind == b"text":
            msg = {"to": to, "parts": 1, "coding": "gsm",
                   "text": rest.decode("utf-8", "replace")}
        elif kind == b"ucs-2":
            msg = {"to": to, "parts": 1, "coding": "ucs2",
                   "text": decode(unquote(rest), 1)}
        elif kind == b"udh":
            udh_enc, _, data_enc = rest.partition(b" data ")
            udh = unquote(udh_enc)
            data = unquote(data_enc)
            # 05 00 03 ref total seq, or 06 08 04 ref ref total seq.
            if len(udh) >= 6 and udh[1] == 0:
                ref, total, seq = udh[3], udh[4], udh[5]
            elif len(udh) >= 7 and udh[1] == 8:
                ref, total, seq = udh[3] << 8 | udh[4], udh[5], udh[6]
            else:
                continue
            got = parts.setdefault((to, ref), {})
            got[seq] = data
            if len(got) < total:
                continue
            whole = b"".join(got[i] for i in sorted(got))
            del parts[(to, ref)]
            ucs2 = b"\x00" in whole
            msg = {"to": to, "parts": total,
                   "coding": "ucs2" if ucs2 else "gsm",
                   "text": decode(whole, ucs2)}
        else:
            continue
        out.write(json.dumps(msg, ensure_ascii=False) + "\n")
        out.flush()


def wait_found(out_path, to):
    try:
        with open(out_path, encoding="utf-8") as f:
            return [m for m in map(json.loads, f) if m["to"] == to]
    except FileNotFoundError:
        return []


def mo(ctrl_port, sender, to, text):
    line = "%s %s text %s\n" % (sender, to, text)
    c = socket.create_connection(("127.0.0.1", ctrl_port), timeout=5)
    c.sendall(line.encode("utf-8"))
    c.makefile("rb").readline()
    c.close()


def wait(out_path, to, n, seconds):
    """n < 0: wait all the seconds; succeed only if nothing came."""
    if n < 0:
        time.sleep(seconds)
        found = wait_found(out_path, to)
        for m in found:
            print(json.dumps(m, ensure_ascii=False))
        return 0 if not found else 1
    end = time.time() + seconds
    found = []
    while True:
        found = wait_found(out_path, to)
        if len(found) >= n or time.time() > end:
            break
        time.sleep(0.1)
    for m in found[:n]:
        print(json.dumps(m, ensure_ascii=False))
    return 0 if len(found) >= n else 1


def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif cmd == "mo":
        mo(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    elif cmd == "wait":
        sys.exit(wait(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                      float(sys.argv[5])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
