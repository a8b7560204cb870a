#!/usr/bin/env python3
"""Concurrent load for the group-commit kill test (gcommit_kill.sh).

  gcommit_load.py sms BASE CAFILE TOKEN COUNT TEXT OUT SECONDS
      COUNT numbers (+44770092xxxxx) each send TEXT once as a Twilio-signed
      webhook, 16 at a time on keep-alive connections; one line
      "NUMBER STATUS" per request goes to OUT as its answer arrives.
  gcommit_load.py smscheck BASE CAFILE TOKEN IN TEXT EXPECT SECONDS
      every NUMBER answered 200 in IN sends TEXT again; prints
      "checked N kept K lost L" (kept: the answer holds EXPECT).
  gcommit_load.py hub BASE CAFILE OUT SECONDS FILE
      posts the envelopes in FILE (each as length u32 BE | envelope,
      device_sim build ... N), 16 at a time: every other group of four
      as one POST /v1/envelopes/batch, the rest one by one; one line
      "INDEX STATUS RECEIPT" per envelope to OUT.
  gcommit_load.py hubcheck BASE CAFILE IN SECONDS FILE
      every envelope answered 201 in IN is posted again; prints
      "checked N kept K lost L" (kept: 200 with the same receipt).

Requests that fail (connection refused or closed: the daemon was killed)
are recorded with status 0. Stops by itself after SECONDS.
"""
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import ssl
import struct
import sys
import threading
import time
import urllib.parse

local = threading.local()


def conn(base, ctx):
    c = getattr(local, "c", None)
    if c is None:
        u = urllib.parse.urlsplit(base)
        c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                        timeout=20)
        local.c = c
    return c


def post(base, ctx, path, body, headers):
    for attempt in range(2):  # one retry on a keep-alive closed by the server
        c = conn(base, ctx)
        try:
            c.request("POST", path, body, headers)
            r = c.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                local.c = None
            return r.status, data
        except (OSError, http.client.HTTPException):
            c.close()
            local.c = None
            if attempt == 1:
                return 0, b""
            time.sleep(0.05)
    return 0, b""


def sms_one(base, ctx, token, number, text, msg_id):
    url = base + "/sms/twilio"
    params = {"MessageSid": "SM" + msg_id, "AccountSid": "AC123",
              "From": number, "To": "+447700900000", "Body": text,
              "NumMedia": "0"}
    signed = url + "".join(k + params[k] for k in sorted(params))
    sig = base64.b64encode(hmac.new(token.encode(), signed.encode(),
                                    hashlib.sha1).digest()).decode()
    status, data = post(base, ctx, "/sms/twilio",
                        urllib.parse.urlencode(params),
                        {"Content-Type": "application/x-www-form-urlencoded",
                         "X-Twilio-Signature": sig})
    return status, data.decode("utf-8", "replace")


def run(jobs, seconds):
    out = []
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futs = [pool.submit(j) for j in jobs]
        try:
            for f in concurrent.futures.as_completed(futs, timeout=seconds):
                out.extend(f.result())
        except concurrent.futures.TimeoutError:
            pass
    return out


def envelopes(path):
    data = open(path, "rb").read()
    out, off = [], 0
    while off < len(data):
        n = struct.unpack(">I", data[off:off + 4])[0]
        out.append(data[off + 4:off + 4 + n])
        off += 4 + n
    return out


def hub_single(base, ctx, env):
    status, data = post(base, ctx, "/v1/envelopes", env,
                        {"Content-Type": "application/octet-stream"})
    try:
        receipt = json.loads(data)["receipt"]
    except (ValueError, KeyError):
        receipt = "-"
    return status, receipt


def hub_batch(base, ctx, envs, paths):
    body = b""
    for env in envs:
        body += struct.pack(">I", len(env)) + env
    status, data = post(base, ctx, "/v1/envelopes/batch", body,
                        {"Content-Type": "application/vnd.rj.batch"})
    try:
        results = json.loads(data)["results"]
    except (ValueError, KeyError):
        results = None
    if status != 200 or results is None or len(results) != len(paths):
        return [(p, status if status != 200 else 502, "-") for p in paths]
    return [(p, r.get("status", 0), r.get("receipt", "-"))
            for p, r in zip(paths, results)]


def main():
    mode = sys.argv[1]
    base, cafile = sys.argv[2], sys.argv[3]
    ctx = ssl.create_default_context(cafile=cafile)
    lock = threading.Lock()
    if mode == "sms":
        token, count, text, out, secs = sys.argv[4:9]
        tag = "%d" % (time.time_ns() // 1000)
        f = open(out, "w")

        def job(i):
            def go():
                n = "+44770092%05d" % i
                s, _ = sms_one(base, ctx, token, n, text, "%s-%d" % (tag, i))
                with lock:
                    f.write("%s %d\n" % (n, s))
                    f.flush()
                return []
            return go
        run([job(i) for i in range(int(count))], float(secs))
        f.close()
    elif mode == "smscheck":
        token, inp, text, expect, secs = sys.argv[4:9]
        nums = [l.split()[0] for l in open(inp) if l.split()[1] == "200"]
        tag = "c%d" % (time.time_ns() // 1000)

        def job(i, n):
            return lambda: [expect in sms_one(base, ctx, token, n, text,
                                              "%s-%d" % (tag, i))[1]]
        res = run([job(i, n) for i, n in enumerate(nums)], float(secs))
        print("checked %d kept %d lost %d" % (len(nums), sum(res),
                                              len(nums) - sum(res)))
    elif mode == "hub":
        out, secs, envs = sys.argv[4], sys.argv[5], envelopes(sys.argv[6])
        f = open(out, "w")
        groups = [list(range(i, min(i + 4, len(envs))))
                  for i in range(0, len(envs), 4)]

        def job(k, g):
            def go():
                if k % 2 == 0:
                    res = hub_batch(base, ctx, [envs[i] for i in g], g)
                else:
                    res = [(i,) + hub_single(base, ctx, envs[i]) for i in g]
                with lock:
                    for p, s, r in res:
                        f.write("%s %d %s\n" % (p, s, r))
                    f.flush()
                return []
            return go
        run([job(k, g) for k, g in enumerate(groups)], float(secs))
        f.close()
    elif mode == "hubcheck":
        inp, secs, envs = sys.argv[4], sys.argv[5], envelopes(sys.argv[6])
        want = [l.split() for l in open(inp) if l.split()[1] == "201"]

        def job(p, receipt):
            def go():
                s, r = hub_single(base, ctx, envs[int(p)])
                return [s == 200 and r == receipt]
            return go
        res = run([job(p, r) for p, _, r in want], float(secs))
        print("checked %d kept %d lost %d" % (len(want), sum(res),
                                              len(want) - sum(res)))
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
