#!/usr/bin/env python3
"""Writes the seed corpora of the text-format targets into fuzz/corpus/.
Run from the top of the tree: python3 fuzz/mkseeds.py (the files are
committed; run it again after changing a seed here)."""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
NOW = 1764775000


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def req(headers, body):
    return "".join("%s: %s\n" % hv for hv in headers) + "\n" + body


FORM = [("Content-Type", "application/x-www-form-urlencoded")]
TW = "MessageSid=SM1234567890abcdef1234567890abcdef&From=%2B447700900123&To=%2B447700900000"


def twilio():
    put("twilio", "hello", req(FORM, TW + "&Body=Hello"))
    put("twilio", "utf8", req(FORM, TW + "&Body=Cze%C5%9B%C4%87+%F0%9F%91%8B"))
    put("twilio", "stop", req(FORM, TW + "&Body=STOP&NumMedia=0&AccountSid=AC1"))
    put("twilio", "national", req(FORM, "MessageSid=SM1&From=07700900123&To=00447700900000&Body=yes"))
    put("twilio", "repeated-body", req(FORM, TW + "&Body=a&Body=b"))
    put("twilio", "missing-sid", req(FORM, "From=%2B447700900123&To=%2B44770&Body=x"))
    put("twilio", "bad-utf8", req(FORM, TW + "&Body=%C3%28"))
    put("twilio", "nul-in-text", req(FORM, TW + "&Body=a%00b"))
    put("twilio", "own-bad-signature",
        req(FORM + [("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")], TW + "&Body=Hi"))
    put("twilio", "get", req([(":method", "GET")] + FORM, TW))
    put("twilio", "json-type", req([("Content-Type", "application/json")], "{}"))
    put("twilio", "charset",
        req([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], TW + "&Body=ok"))
    put("twilio", "reply-escapes", req(FORM, TW + "&Body=%3Ca+href%3D%22x%22%3E%26amp%3B%27"))


def kannel():
    put("kannel", "get", req([(":method", "GET"), (":query", "from=%2B447700900123&to=84433&text=hello&time=" + str(NOW) + "&id=abc-1")], ""))
    put("kannel", "post", req([("Content-Type", "text/plain; charset=utf-8"), ("X-Kannel-From", "+447700900123"),
                               ("X-Kannel-To", "84433"), ("X-Kannel-Time", "2026-12-03 15:16:40"), (":query", "id=u1")], "STOP"))
    put("kannel", "post-ucs2-reply", req([("Content-Type", "text/plain"), ("X-Kannel-From", "07700900123"),
                                          ("X-Kannel-Time", "2026-02-31 10:00")], "Zażółć gęślą jaźń"))
    put("kannel", "post-latin1", req([("Content-Type", "text/plain; charset=ISO-8859-1"), ("X-Kannel-From", "+447700900123")], "caf").encode() + b"\xe9")
    put("kannel", "v6-peer", req([(":peer", "::ffff:10.1.2.3"), (":allow", "10.0.0.0/8"), (":allow", "2001:db8::/32"),
                                  (":method", "GET"), (":query", "from=447700900123&text=REF+Q5YJ-0511-6SPQ-H")], ""))
    put("kannel", "denied-peer", req([(":peer", "192.0.2.7"), (":method", "GET"), (":query", "from=447700900123&text=x")], ""))
    put("kannel", "wrong-token", req([(":method", "GET"), (":query", "token=nope&from=447700900123&text=x")], ""))
    put("kannel", "no-id-no-time", req([("Content-Type", "text/plain"), ("X-Kannel-From", "+447700900123")], "hello"))
    put("kannel", "bad-allow", req([(":allow", "10.0.0.0/33"), (":allow", "::1/"), (":allow", "fe80::1%eth0")], "x"))


JS = [("Content-Type", "application/json")]


def jsonhook():
    body = '{"from": "+447700900123", "to": "+447700900000", "text": "HELLO", "id": "msg-123", "timestamp": %d}' % NOW
    put("jsonhook", "hello", req(JS, body))
    put("jsonhook", "no-to", req(JS, '{"from":"+447700900123","text":"STOP","id":"m2","timestamp":%d}' % NOW))
    put("jsonhook", "unicode-escapes", req(JS, '{"from":"+447700900123","text":"\\u017c\\ud83d\\udc4b","id":"m3","timestamp":%d}' % NOW))
    put("jsonhook", "nul-escape", req(JS, '{"from":"+447700900123","text":"a\\u0000b","id":"m4","timestamp":%d}' % NOW))
    put("jsonhook", "ts-differs", req(JS, '{"from":"+447700900123","text":"x","id":"m5","timestamp":%d}' % (NOW + 1)))
    put("jsonhook", "duplicate-key", req(JS, '{"from":"+447700900123","from":"+1","text":"x","id":"m6","timestamp":%d}' % NOW))
    put("jsonhook", "old-timestamp", req(JS + [("X-Timestamp", str(NOW - 301))],
                                         '{"from":"+447700900123","text":"x","id":"m7","timestamp":%d}' % (NOW - 301)))
    put("jsonhook", "own-signature", req(JS + [("X-Signature", "ab" * 32)], body))
    put("jsonhook", "not-object", req(JS, '["from"]'))
    put("jsonhook", "wrong-types", req(JS, '{"from":447700900123,"text":null,"id":1,"timestamp":"%d"}' % NOW))


for f in sys.argv[1:] or ["twilio", "kannel", "jsonhook"]:
    globals()[f]()
