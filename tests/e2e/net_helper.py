#!/usr/bin/env python3
"""Raw-socket clients for tests/e2e/net_server.sh (prints ok / not ok).

  net_helper.py corpus LABEL PORT CAFILE|- FILE...
      send each file as is; its name starts with the status expected
  net_helper.py loris LABEL PORT CAFILE|- LIMIT_S
      send a request one byte a second; the server must answer 408 and
      close within LIMIT_S seconds
  net_helper.py silent [CERT KEY]
      accept connections (and complete TLS handshakes with CERT and KEY)
      but never answer; prints its port first
"""
import concurrent.futures
import os
import socket
import ssl
import sys
import time


def connect(port, cafile):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if cafile != "-":
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    return s


def read_all(s):
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (OSError, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
    return data


def corpus(label, port, cafile, files):
    def one(path):
        name = os.path.basename(path)
        want = name.split("-", 1)[0]
        with open(path, "rb") as f:
            data = f.read()
        s = connect(port, cafile)
        try:
            s.sendall(data)
            # Done sending: lets the server's lingering close end early.
            # (Not over TLS: SSLSocket.shutdown drops the TLS layer; there
            # the server's close_notify ends the read instead.)
            if cafile == "-":
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        resp = read_all(s)
        s.close()
        line = resp.split(b"\r\n", 1)[0].decode("latin-1")
        good = (line.startswith("HTTP/1.1 %s " % want)
                and b'\r\n\r\n{"error":"' in resp
                and b"\r\nConnection: close\r\n" in resp
                # Never an echo of what was sent.
                and b"evil" not in resp)
        return good, name, line or "nothing"

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, files))
    for good, name, line in results:
        print("%s - %s: %s answered %s"
              % ("ok" if good else "not ok", label, name, line))


def loris(label, port, cafile, limit):
    msg = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 100
    s = connect(port, cafile)
    s.settimeout(1.0)
    got = b""
    closed = False
    t0 = time.time()
    for byte in msg:
        try:
            s.sendall(bytes([byte]))
        except OSError:
            closed = True
            break
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue  # the one-second pace between bytes
        except (OSError, ssl.SSLError):
            closed = True
            break
        if not chunk:
            closed = True
            break
        got += chunk
    if not closed:
        got += read_all(s)
    elapsed = time.time() - t0
    s.close()
    good = elapsed < limit and got.startswith(b"HTTP/1.1 408 ")
    print("%s - %s: slow client answered 408 and cut off after %.1f s"
          % ("ok" if good else "not ok", label, elapsed))


def silent(cert=None, key=None):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    ctx = None
    if cert is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
    print(s.getsockname()[1], flush=True)
    held = []
    while True:
        c, _ = s.accept()
        if ctx is not None:
            try:
                c = ctx.wrap_socket(c, server_side=True)
            except (OSError, ssl.SSLError):
                continue
        held.append(c)


def main():
    cmd = sys.argv[1]
    if cmd == "corpus":
        corpus(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif cmd == "loris":
        loris(sys.argv[2], int(sys.argv[3]), sys.argv[4],
              float(sys.argv[5]))
    elif cmd == "silent":
        silent(*sys.argv[2:4])
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
