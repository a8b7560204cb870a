"""A visitor's browser, as far as kioskd can tell: cookie, CSRF token, forms.

usage: kiosk_client.py PORT walk NAME PHONE [LANG] -> prints the reference code
       kiosk_client.py PORT hostile              -> one line per check
"""
import http.client
import re
import socket
import sys
import time
import urllib.parse

PORT = int(sys.argv[1])


class Visitor:
    def __init__(self):
        self.cookie = ""
        self.csrf = ""

    def req(self, method, path, fields=None, headers=None, raw_body=None):
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        h = {"Host": "127.0.0.1:%d" % PORT}
        if self.cookie:
            h["Cookie"] = "rjk=" + self.cookie
        body = raw_body
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Origin"] = "http://127.0.0.1:%d" % PORT
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        m = re.search(r"rjk=([0-9a-f]*)", r.getheader("Set-Cookie") or "")
        if m:
            self.cookie = m.group(1)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', data)
        if m:
            self.csrf = m.group(1)
        c.close()
        return r.status, r.getheader("Location"), data

    def post(self, path, **fields):
        f = {"csrf": self.csrf}
        f.update(fields)
        return self.req("POST", path, f)


def walk(v, name, phone, lang="en"):
    steps = [
        ("GET", "/", None),
        ("POST", "/start", {"lang": lang}),
        ("POST", "/choose", {"choice": "contact"}),
        ("POST", "/eligible", {"happened": "no", "lives": "yes"}),
        ("POST", "/consent", {"agree": "yes"}),
        ("POST", "/contact", {"name": name, "m_text": "yes", "phone": phone,
                              "t_evening": "yes"}),
        ("POST", "/details", {"crime": "burglary", "borough": "hackney"}),
        ("GET", "/check", None),
        ("POST", "/send", {}),
    ]
    for method, path, fields in steps:
        if method == "GET":
            st, loc, body = v.req("GET", path)
        else:
            st, loc, body = v.post(path, **fields)
        if st not in (200, 303):
            raise SystemExit("%s %s: %d" % (method, path, st))
    st, loc, body = v.req("GET", "/done")
    m = re.search(r'id="ref-code"[^>]*>\s*([0-9A-Z-]{16})', body)
    if st != 200 or not m:
        raise SystemExit("no reference on /done (%d)" % st)
    return m.group(1)


def slow_clients_do_not_block():
    # A client that opens a connection and trickles, and one that never
    # sends anything: a real visitor is still answered.
    idle = socket.create_connection(("127.0.0.1", PORT))
    slow = socket.create_connection(("127.0.0.1", PORT))
    slow.send(b"GET / HTTP/1.1\r\nHo")
    t = time.time()
    st, _, _ = Visitor().req("GET", "/health")
    dt = time.time() - t
    idle.close()
    slow.close()
    return st == 200 and dt < 2.0


def hostile():
    v = Visitor()
    v.req("GET", "/")
    v.post("/start", lang="en")
    v.post("/choose", choice="contact")
    v.post("/eligible", happened="yes")
    v.post("/consent", agree="yes")
    checks = []

    def check(what, ok):
        checks.append(("ok - " if ok else "not ok - ") + what)

    st, _, _ = v.req("POST", "/contact", raw_body=b"name=" + b"a" * 70000)
    check("oversized form gets 413", st == 413)
    st, _, _ = v.req("POST", "/contact",
                     raw_body=("csrf=%s&name=%%C3%%28&m_call=yes" % v.csrf).encode())
    check("invalid UTF-8 gets 400", st == 400)
    st, _, _ = v.post("/contact", m_call="yes", admin="1")
    check("an unknown field gets 400", st == 400)
    st, _, _ = v.req("POST", "/contact", {"m_call": "yes", "phone": "07700900123"})
    check("a missing token gets 403", st == 403)
    st, _, _ = v.req("POST", "/contact", {"csrf": "0" * 64, "m_call": "yes"})
    check("a wrong token gets 403", st == 403)
    st, _, _ = v.req("GET", "/contact", headers={"Host": "evil.example"})
    check("a foreign Host gets 400", st == 400)
    st, _, _ = v.req("POST", "/contact", {"csrf": v.csrf, "m_call": "yes"},
                     headers={"Origin": "http://evil.example"})
    check("a foreign Origin gets 403", st == 403)
    st, _, _ = v.req("POST", "/contact", headers={"Content-Type": "text/plain"},
                     raw_body=("csrf=" + v.csrf).encode())
    check("a form that is not urlencoded gets 415", st == 415)
    st, _, _ = v.req("GET", "/../../etc/passwd")
    check("a path outside the site gets 404", st == 404)
    st, _, _ = v.req("PUT", "/contact")
    check("an unknown method gets 501", st == 501)
    st, _, body = v.post("/contact", name="<script>alert(1)</script>",
                         m_call="yes", phone="07700900123")
    st, _, body = v.req("GET", "/contact")
    check("a form value comes back escaped",
          "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body)
    check("idle and trickling clients do not block a visitor",
          slow_clients_do_not_block())
    st, _, _ = v.req("GET", "/health")
    check("kioskd still serving after all of it", st == 200)
    print("\n".join(checks))


if sys.argv[2] == "walk":
    print(walk(Visitor(), sys.argv[3], sys.argv[4],
               sys.argv[5] if len(sys.argv) > 5 else "en"))
else:
    hostile()
