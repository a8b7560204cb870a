#!/usr/bin/env python3
"""Many people text in at once: Twilio-signed webhooks sent in parallel.

sms_burst.py BASE_URL CAFILE AUTH_TOKEN COUNT TEXT EXPECT [SECONDS]

COUNT numbers (+4477009100000 onwards) each send TEXT once, 16 at a time,
each request signed as Twilio signs it (HMAC-SHA1 over the URL and the
sorted parameters, independently of smsd's code). Prints one line
"sent N ok N other N seconds S" and exits 0 only when every answer was
200 with EXPECT in its TwiML. Stops by itself after SECONDS (default 90).
"""
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import ssl
import sys
import time
import urllib.parse


def one(base, ctx, token, number, text, msg_id):
    url = base + "/sms/twilio"
    params = {"MessageSid": "SM" + msg_id, "AccountSid": "AC123",
              "From": number, "To": "+447700900000", "Body": text,
              "NumMedia": "0"}
    signed = url + "".join(k + params[k] for k in sorted(params))
    sig = base64.b64encode(hmac.new(token.encode(), signed.encode(),
                                    hashlib.sha1).digest()).decode()
    body = urllib.parse.urlencode(params)
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                    timeout=30)
    try:
        c.request("POST", u.path, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sig})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def main():
    base, cafile, token, count, text, expect = sys.argv[1:7]
    limit = float(sys.argv[7]) if len(sys.argv) > 7 else 90.0
    ctx = ssl.create_default_context(cafile=cafile)
    start = time.time()
    good = other = 0
    tag = "%d" % (time.time_ns() // 1000)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futs = [pool.submit(one, base, ctx, token, "+44770091%05d" % i,
                            text, "%s-%d" % (tag, i))
                for i in range(int(count))]
        for f in concurrent.futures.as_completed(futs, timeout=limit):
            try:
                status, body = f.result()
            except Exception:  # a refused or broken connection counts
                status, body = 0, ""
            if status == 200 and expect in body:
                good += 1
            else:
                other += 1
    print("sent %s ok %d other %d seconds %.1f" % (count, good, other,
                                                  time.time() - start))
    sys.exit(0 if good == int(count) else 1)


if __name__ == "__main__":
    main()
