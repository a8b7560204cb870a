#!/usr/bin/env python3
"""Send one SMS webhook to smsd the way a provider would, through curl.

sms_send.py PROVIDER BASE_URL CAFILE SECRET FROM TEXT [ID] [--bad-sig]
  [--stale] [--public-url URL]

Prints "<http status> <body>" on one line. PROVIDER: twilio, kannel, json.
"""
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.parse

TO = "+447700900000"


def curl(args):
    out = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", "--max-time", "10"] + args,
        capture_output=True, check=False)
    body, _, code = out.stdout.decode("utf-8", "replace").rpartition("\n")
    return code, body.replace("\n", " ")


def main():
    argv = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    public_url = None
    for f in flags:
        if f.startswith("--public-url="):
            public_url = f.split("=", 1)[1]
    provider, base, cafile, secret, sender, text = argv[:6]
    msg_id = argv[6] if len(argv) > 6 else "m%d" % (time.time_ns() // 1000)
    bad = "--bad-sig" in flags
    common = ["--cacert", cafile]
    if provider == "twilio":
        url = base + "/sms/twilio"
        params = {"MessageSid": "SM" + msg_id, "AccountSid": "AC123",
                  "From": sender, "To": TO, "Body": text, "NumMedia": "0"}
        signed = (public_url or url) + "".join(
            k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(
            secret.encode(), signed.encode(), hashlib.sha1).digest()).decode()
        if bad:
            sig = sig[:-2] + ("A=" if sig[-2] != "A" else "B=")
        args = common + ["-H", "X-Twilio-Signature: " + sig]
        for k, v in params.items():
            args += ["--data-urlencode", k + "=" + v]
        code, body = curl(args + [url])
    elif provider == "kannel":
        token = secret if not bad else secret + "x"
        q = urllib.parse.urlencode({"token": token, "from": sender, "to": TO,
                                    "text": text, "time": str(int(time.time())),
                                    "id": msg_id})
        code, body = curl(common + [base + "/sms/kannel?" + q])
    elif provider == "json":
        ts = int(time.time()) - (600 if "--stale" in flags else 0)
        payload = json.dumps({"from": sender, "to": TO, "text": text,
                              "id": msg_id, "timestamp": ts}).encode()
        sig = hmac.new(secret.encode(), str(ts).encode() + payload,
                       hashlib.sha256).hexdigest()
        if bad:
            sig = ("0" if sig[0] != "0" else "1") + sig[1:]
        code, body = curl(common + ["-H", "Content-Type: application/json",
                                    "-H", "X-Timestamp: %d" % ts,
                                    "-H", "X-Signature: " + sig,
                                    "--data-binary", payload.decode(),
                                    base + "/sms/json"])
    else:
        sys.exit("unknown provider")
    print(code, body)


if __name__ == "__main__":
    main()
