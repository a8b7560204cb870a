#!/usr/bin/env python3
"""Raw-socket clients for tests/e2e/net_server.sh (prints ok / not ok).

  net_helper.py corpus LABEL PORT CAFILE|- FILE...
      send each file as is; its name starts with the status expected
  net_helper.py loris LABEL PORT CAFILE|- LIMIT_S
      send a request one byte a second; the server must answer 408 and
      close within LIMIT_S seconds
  net_helper.py crowd PORT CAFILE SLOW IDLE REQUESTS LIMIT_S
      SLOW TLS connections sending a request a byte a second and IDLE
      idle keep-alive ones, while a real client's REQUESTS are each
      answered within LIMIT_S seconds
  net_helper.py burst PORT CAFILE N
      N webhooks (POST /echo) at the same instant: each answered 200
      with its body, or 503 with Retry-After; none closed unanswered
  net_helper.py refused PORT CAFILE HOLD
      hold HOLD connections, then one more must get 503 + Retry-After
      after its TLS handshake
  net_helper.py handshakes PORT CAFILE THREADS EACH
      THREADS clients at once, each making EACH new connections with
      one GET: the first a full handshake, the others resuming its
      session (half by ticket, half by session id); every one answered
      200, every resumption after the first reused
  net_helper.py nohandshake PORT LIMIT_S
      connect and say nothing: closed within LIMIT_S seconds
  net_helper.py silent [CERT KEY]
      accept connections (and complete TLS handshakes with CERT and KEY)
      but never answer; prints its port first
"""
import concurrent.futures
import os
import resource
import socket
import ssl
import sys
import threading
import time

POST = (b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: "
        b"application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s")


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


def fd_room(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def ask(port, cafile, body, timeout=10):
    """One POST /echo on a fresh connection: (status line, headers, body)."""
    s = connect(port, cafile)
    s.settimeout(timeout)
    try:
        s.sendall(POST % (len(body), body))
    except OSError:
        pass
    resp = read_all(s)
    s.close()
    head, _, rest = resp.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    return line, head, rest


def crowd(port, cafile, nslow, nidle, nreq, limit):
    fd_room(2 * (nslow + nidle) + 256)
    msg = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 200
    t0 = time.time()
    slow = [connect(port, cafile) for _ in range(nslow)]
    idle = []
    for _ in range(nidle):
        s = connect(port, cafile)
        s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        s.settimeout(5)
        got = s.recv(4096)
        if b"keep-alive" not in got:
            print("not ok - crowd: idle client got a keep-alive answer")
        idle.append(s)
    print("# crowd: %d + %d TLS connections made in %.1f s"
          % (nslow, nidle, time.time() - t0))
    stop = threading.Event()

    def trickle():
        pos = 0
        while not stop.is_set() and pos < len(msg):
            for s in slow:
                try:
                    s.send(msg[pos:pos + 1])
                except (OSError, ssl.SSLError):
                    pass
            pos += 1
            stop.wait(1.0)

    th = threading.Thread(target=trickle)
    th.start()
    worst = 0.0
    good = 0
    for i in range(nreq):
        t = time.time()
        line, _, body = ask(port, cafile, b"n=%d" % i, timeout=limit + 5)
        took = time.time() - t
        worst = max(worst, took)
        if line.startswith("HTTP/1.1 200 ") and body == b"n=%d" % i \
                and took < limit:
            good += 1
        time.sleep(0.2)
    stop.set()
    th.join()
    print("%s - crowd: %d of %d real requests answered within %.0f s "
          "(worst %.2f s) beside %d slow and %d idle TLS clients"
          % ("ok" if good == nreq else "not ok", good, nreq, limit, worst,
             nslow, nidle))
    for s in slow + idle:
        s.close()


def burst(port, cafile, n):
    fd_room(2 * n + 256)
    gate = threading.Barrier(n)

    def one(i):
        body = b"From=%%2B4477009%05d&Body=hello" % i
        try:
            gate.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        try:
            line, head, rest = ask(port, cafile, body, timeout=30)
        except (OSError, ssl.SSLError) as e:
            return "error %s" % type(e).__name__
        if line.startswith("HTTP/1.1 200 ") and rest == body:
            return "200"
        if line.startswith("HTTP/1.1 503 ") and b"\r\nRetry-After: " in head:
            return "503"
        return line or "nothing"

    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        results = list(ex.map(one, range(n)))
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    good = counts.get("200", 0) + counts.get("503", 0)
    print("%s - burst: %d webhooks at once over TLS: %s"
          % ("ok" if good == n else "not ok", n,
             ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))))


def handshakes(port, cafile, nthreads, each):
    gate = threading.Barrier(nthreads)

    def one(i):
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if i % 2:
            ctx.options |= ssl.OP_NO_TICKET
        sess = None
        answered = reused = 0
        try:
            gate.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        for _ in range(each):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=20)
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1",
                                    session=sess)
                s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n"
                          b"Connection: close\r\n\r\n")
                resp = read_all(s)
                if sess is not None and s.session_reused:
                    reused += 1
                if sess is None:
                    sess = s.session
                s.close()
            except (OSError, ssl.SSLError):
                continue
            if resp.startswith(b"HTTP/1.1 200 "):
                answered += 1
        return answered, reused

    with concurrent.futures.ThreadPoolExecutor(nthreads) as ex:
        results = list(ex.map(one, range(nthreads)))
    answered = sum(a for a, _ in results)
    reused = sum(r for _, r in results)
    n = nthreads * each
    print("%s - %d clients at once, %d TLS connections: %d answered 200"
          % ("ok" if answered == n else "not ok", nthreads, n, answered))
    print("%s - ... and %d of %d resumptions reused the session "
          "(tickets and session ids, several handshake threads)"
          % ("ok" if reused == n - nthreads else "not ok", reused,
             n - nthreads))


def refused(port, cafile, hold):
    held = [connect(port, cafile) for _ in range(hold)]
    time.sleep(0.2)
    line, head, _ = ask(port, cafile, b"x=1")
    good = line.startswith("HTTP/1.1 503 ") and \
        b"\r\nRetry-After: 1" in head
    print("%s - over max_conns over TLS: answered after the handshake "
          "with %s" % ("ok" if good else "not ok", line or "nothing"))
    for s in held:
        s.close()


def nohandshake(port, limit):
    s = socket.create_connection(("127.0.0.1", port), timeout=limit + 5)
    t0 = time.time()
    try:
        got = s.recv(4096)
    except OSError:
        got = b""
    took = time.time() - t0
    s.close()
    print("%s - a client that never starts TLS is closed after %.1f s"
          % ("ok" if got == b"" and took < limit else "not ok", took))


def main():
    cmd = sys.argv[1]
    if cmd == "corpus":
        corpus(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif cmd == "loris":
        loris(sys.argv[2], int(sys.argv[3]), sys.argv[4],
              float(sys.argv[5]))
    elif cmd == "crowd":
        crowd(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),
              int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
    elif cmd == "burst":
        burst(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "refused":
        refused(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "handshakes":
        handshakes(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),
                   int(sys.argv[5]))
    elif cmd == "nohandshake":
        nohandshake(int(sys.argv[2]), float(sys.argv[3]))
    elif cmd == "silent":
        silent(*sys.argv[2:4])
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
