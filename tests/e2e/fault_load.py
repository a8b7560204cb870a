#!/usr/bin/env python3
"""Referrals sent the way providers and visitors send them, retried the way
they retry when a daemon dies under them (tests/e2e/fault_kill.sh).

fault_load.py sms BASE CAFILE TOKEN COUNT OUT SECONDS [THREADS]
    COUNT whole SMS conversations (Twilio-signed webhooks, HMAC-SHA1 as
    Twilio signs, independently of smsd's code), each from its own number,
    with a random marker in the name. A webhook that got no answer, or a
    5xx, is sent again with the same MessageSid, as Twilio retries.
fault_load.py kiosk PORT COUNT OUT SECONDS
    COUNT visits through kioskd's pages one after another, every free-text
    field holding its own random marker. A visit the kiosk dropped (its
    daemon died) is started again by the visitor, with new markers.

fault_load.py nuisance PORT,PORT... SECONDS [STOPFILE]
    Idle and trickling connections to each port while the load runs
    (until SECONDS pass or STOPFILE exists).
fault_load.py webhook BASE CAFILE TOKEN FROM TEXT SID
    One signed webhook, sent once: prints "STATUS RETRY-AFTER BODY".
fault_load.py visit PORT PAGE
    One visit, not retried: prints "sent REF" or "failed STATUS STEP" and
    writes the last page kioskd answered to PAGE.

Writes one JSON line per conversation or visit attempt to OUT and prints
one summary line. Exit 0 only when every referral was taken.
"""
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def marker():
    # Letters and digits only: raw, URL-encoded and form-encoded forms
    # are the same bytes, so one scan finds all three.
    return "zq" + "".join(secrets.choice(ALNUM) for _ in range(12))


class Deadline(Exception):
    pass


# ---------------------------------------------------------------- SMS

SMS_STEPS = [  # text (None: the name), what the answer must say
    ("HELLO", "Thanks for your message"),
    ("AGREE", "Did it happen in London"),
    ("1", "What should we call you"),
    (None, "How should we contact you"),
    ("call evening", "voice message"),
    ("NO", "Your reference is"),
]


class SmsClient:
    def __init__(self, base, cafile, token, end):
        self.url = base + "/sms/twilio"
        u = urllib.parse.urlsplit(self.url)
        self.host, self.port, self.path = u.hostname, u.port, u.path
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.token = token.encode()
        self.end = end
        self.conn = None
        self.retries = 0

    def _once(self, params):
        signed = self.url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(self.token, signed.encode(),
                                        hashlib.sha1).digest()).decode()
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                self.host, self.port, context=self.ctx, timeout=20)
        self.conn.request("POST", self.path, urllib.parse.urlencode(params),
                          {"Content-Type":
                           "application/x-www-form-urlencoded",
                           "X-Twilio-Signature": sig})
        r = self.conn.getresponse()
        body = r.read().decode("utf-8", "replace")
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return r.status, r.getheader("Retry-After"), body

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def send(self, sender, text, sid):
        """Until answered with 200, as a provider retries (same sid)."""
        params = {"MessageSid": sid, "AccountSid": "AC123", "From": sender,
                  "To": "+447700900000", "Body": text, "NumMedia": "0"}
        while True:
            if time.time() > self.end:
                raise Deadline()
            try:
                status, retry_after, body = self._once(params)
            except (OSError, http.client.HTTPException):
                self.close()
                status, retry_after, body = 0, None, ""
            if status == 200:
                return body
            self.retries += 1
            wait = 0.2 + random.random() * 0.3
            if status == 503 and retry_after and retry_after.isdigit():
                wait = min(int(retry_after), 2)
            time.sleep(wait)


def sms_conversation(cl, sender, name, tag):
    rec = {"ch": "sms", "from": sender, "name": name, "ok": False}
    for n, (text, expect) in enumerate(SMS_STEPS):
        body = cl.send(sender, name if text is None else text,
                       "SM%s%02d" % (tag, n))
        if expect not in body:
            rec["error"] = "step %d: %s" % (n, body[:160])
            return rec
    m = re.search(r"Your reference is ([0-9A-Z-]{16})", body)
    if m:
        rec["ref"] = m.group(1)
        rec["ok"] = True
    else:
        rec["error"] = "no reference: " + body[:160]
    return rec


def run_sms(base, cafile, token, count, out, seconds, threads=8):
    end = time.time() + seconds
    lock = threading.Lock()
    todo = list(range(count))
    numbers = random.sample(range(100000000, 999999999), count)
    results = []
    clients = []

    def worker():
        cl = SmsClient(base, cafile, token, end)
        clients.append(cl)
        while True:
            with lock:
                if not todo:
                    break
                i = todo.pop(0)
            sender = "+447%09d" % numbers[i]
            name = "Zoë " + marker()
            tag = secrets.token_hex(8)
            try:
                rec = sms_conversation(cl, sender, name, tag)
            except Deadline:
                rec = {"ch": "sms", "from": sender, "name": name,
                       "ok": False, "error": "deadline"}
            with lock:
                results.append(rec)
        cl.close()

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(worker) for _ in range(threads)]:
            f.result()
    with open(out, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    good = sum(1 for r in results if r["ok"])
    print("sms: referrals %d taken %d webhook-retries %d" %
          (count, good, sum(c.retries for c in clients)))
    return good == count


# ---------------------------------------------------------------- kiosk

class Visitor:
    def __init__(self, port):
        self.port = port
        self.cookie = ""
        self.csrf = ""

    def req(self, method, path, fields=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        h = {"Host": "127.0.0.1:%d" % self.port}
        if self.cookie:
            h["Cookie"] = "rjk=" + self.cookie
        body = None
        if fields is not None:
            f = {"csrf": self.csrf}
            f.update(fields)
            body = urllib.parse.urlencode(f).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Origin"] = "http://127.0.0.1:%d" % self.port
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read().decode("utf-8", "replace")
        finally:
            c.close()
        m = re.search(r"rjk=([0-9a-f]*)", r.getheader("Set-Cookie") or "")
        if m:
            self.cookie = m.group(1)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', data)
        if m:
            self.csrf = m.group(1)
        return r.status, r.getheader("Location") or "", data


def postcode():
    L = "ABCDEFGHJKLMNOPRSTUWYZ"
    return "%s%d%s%s %d%s%s" % (random.choice(L), random.randint(1, 9),
                                random.choice(L), random.choice(L),
                                random.randint(0, 9), random.choice(L),
                                random.choice(L))


def kiosk_fields():
    """Every free-text field of the kiosk with its own marker."""
    mk = {k: marker() for k in ("name", "email", "address", "worker_name",
                                "worker_org", "worker_contact", "crime_ref",
                                "interpreter_lang", "disability",
                                "other_needs")}
    mk["phone"] = "07%09d" % random.randint(100000000, 999999999)
    mk["postcode"] = postcode()
    contact = {"name": "Zoë " + mk["name"], "m_call": "yes", "m_text": "yes",
               "m_email": "yes", "m_post": "yes", "m_worker": "yes",
               "phone": mk["phone"], "email": mk["email"] + "@example.org",
               "address": "1 " + mk["address"] + " Road\nLondon",
               "postcode": mk["postcode"],
               "worker_name": mk["worker_name"],
               "worker_org": mk["worker_org"],
               "worker_contact": mk["worker_contact"],
               "t_evening": "yes", "voicemail": "no", "say_who": "no"}
    details = {"crime": "burglary", "when": "year", "borough": "hackney",
               "reported": "yes", "crime_ref": mk["crime_ref"],
               "stage": "investigation", "interpreter": "yes",
               "interpreter_lang": mk["interpreter_lang"],
               "disability": "needs " + mk["disability"],
               "other_needs": mk["other_needs"] + "\nmore"}
    return mk, contact, details


def kiosk_attempt(port, rec, contact, details):
    v = Visitor(port)
    steps = [
        ("GET", "/", None),
        ("POST", "/start", {"lang": "en"}),
        ("POST", "/choose", {"choice": "contact"}),
        ("POST", "/eligible", {"happened": "no", "lives": "yes"}),
        ("POST", "/consent", {"agree": "yes"}),
        ("POST", "/contact", contact),
        ("POST", "/details", details),
        ("GET", "/check", None),
        ("POST", "/send", {}),
    ]
    for method, path, fields in steps:
        rec["step"] = path
        if path == "/send":
            rec["send_tried"] = True
        st, loc, body = v.req(method, path, fields)
        rec["status"], rec["body"] = st, body
        if st not in (200, 303):
            raise RuntimeError("%s %s: %d" % (method, path, st))
        if st == 303 and path in ("/contact", "/details") and \
                loc.endswith(path):
            raise RuntimeError("%s refused the answers" % path)
    # kioskd answered the send: the referral is committed, whatever
    # happens to the page that shows its code.
    rec["sent"] = True
    st, loc, body = v.req("GET", "/done")
    m = re.search(r'id="ref-code"[^>]*>\s*([0-9A-Z-]{16})', body)
    if st == 200 and m:
        rec["ref"] = m.group(1)


def run_kiosk(port, count, out, seconds):
    end = time.time() + seconds
    results = []
    done = attempts = 0
    for i in range(count):
        while time.time() < end:
            attempts += 1
            mk, contact, details = kiosk_fields()
            rec = {"ch": "kiosk", "visit": i, "markers": mk, "sent": False,
                   "send_tried": False}
            try:
                kiosk_attempt(port, rec, contact, details)
            except (OSError, http.client.HTTPException, RuntimeError) as e:
                rec["error"] = str(e)[:120]
            rec.pop("body", None)
            results.append(rec)
            if rec["sent"]:
                done += 1
                break
            time.sleep(0.2 + random.random() * 0.3)
    with open(out, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    print("kiosk: visits %d taken %d attempts %d" % (count, done, attempts))
    return done == count


def one_webhook(base, cafile, token, sender, text, sid):
    """One try, no retry: prints status, Retry-After and the body."""
    cl = SmsClient(base, cafile, token, time.time() + 30)
    params = {"MessageSid": sid, "AccountSid": "AC123", "From": sender,
              "To": "+447700900000", "Body": text, "NumMedia": "0"}
    try:
        status, retry_after, body = cl._once(params)
    except (OSError, http.client.HTTPException) as e:
        status, retry_after, body = 0, None, str(e)
    cl.close()
    print(status, retry_after or "-", body.replace("\n", " "))
    return status == 200


def one_visit(port, page_out):
    """One visit, no retry: prints "sent REF" or "failed STATUS STEP" and
    writes the last page the visitor saw to page_out."""
    mk, contact, details = kiosk_fields()
    rec = {"sent": False, "send_tried": False}
    try:
        kiosk_attempt(port, rec, contact, details)
    except (OSError, http.client.HTTPException, RuntimeError):
        pass
    with open(page_out, "w") as f:
        f.write(rec.get("body", ""))
    if rec["sent"]:
        print("sent", rec.get("ref", "-"))
    else:
        print("failed", rec.get("status", 0), rec.get("step", "-"))
    return rec["sent"]


def nuisance(ports, seconds, stop=None):
    """Idle and trickling clients on each port for SECONDS: two that
    connect and say nothing, one that sends a request a byte every half
    second; each reconnects when its daemon dies. Prints how many
    connections it made."""
    import socket
    end = time.time() + seconds
    socks = {}
    made = 0
    request = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    while time.time() < end and not (stop and os.path.exists(stop)):
        for port in ports:
            for kind in ("idle1", "idle2", "slow"):
                key = (port, kind)
                s, pos = socks.get(key, (None, 0))
                if s is None:
                    try:
                        s = socket.create_connection(("127.0.0.1", port), 1)
                        made += 1
                        pos = 0
                    except OSError:
                        continue
                if kind == "slow":
                    try:
                        s.send(request[pos % len(request):][:1])
                        pos += 1
                    except OSError:
                        s.close()
                        s = None
                socks[key] = (s, pos)
        time.sleep(0.5)
    for s, _ in socks.values():
        if s is not None:
            s.close()
    print("nuisance: %d idle or trickling connections" % made)
    return True


def main():
    a = sys.argv[1:]
    if a[0] == "nuisance":
        ok = nuisance([int(p) for p in a[1].split(",")], float(a[2]),
                      a[3] if len(a) > 3 else None)
    elif a[0] == "webhook":
        ok = one_webhook(*a[1:7])
    elif a[0] == "visit":
        ok = one_visit(int(a[1]), a[2])
    elif a[0] == "sms":
        ok = run_sms(a[1], a[2], a[3], int(a[4]), a[5], float(a[6]),
                     int(a[7]) if len(a) > 7 else 8)
    elif a[0] == "kiosk":
        ok = run_kiosk(int(a[1]), int(a[2]), a[3], float(a[4]))
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
