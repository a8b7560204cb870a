#!/usr/bin/env python3
"""Writes the seed corpora of every fuzz target except http and
kiosk_form (written by hand) into fuzz/corpus/NAME, or into
$FUZZ_SEEDS_OUT/NAME:
    python3 fuzz/mkseeds.py [NAME...]
The files are committed; tests/e2e/fuzz_smoke.sh checks that they are
what this script writes."""
import os
import struct
import sys

TREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.environ.get("FUZZ_SEEDS_OUT") or os.path.join(TREE, "fuzz", "corpus")
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


def refcode():
    for name, text in (("valid", "Q5YJ-0511-6SPQ-H"), ("typed-lower-oil", "q5yj o5il 6spq h"),
                       ("no-dashes", "Q5YJ05116SPQH"), ("wrong-check", "Q5YJ-0511-6SPQ-J"),
                       ("short", "Q5YJ-0511-6SPQ"), ("long", "Q5YJ-0511-6SPQ-HH"),
                       ("crockford-u", "Q5YJ-0511-6SPQ-U"), ("spaces-tabs", "  39KV\tKBAS-CB64 -B  "),
                       ("over-limit", "S055-280N-90RP-D" + "0" * 48)):
        put("refcode", name, text)


def dialog():
    for name, text in (("stop", "STOP"), ("stop-code", "stop Q5YJ-0511-6SPQ-H"),
                       ("stop-code-bad", "STOP q5yj 05il 6spq j"), ("ref", "REF Q5YJ-0511-6SPQ-H"),
                       ("ref-punct", "ref: q5yj0511-6spqh!"), ("hello", "Hello"), ("consent", "yes please"),
                       ("contact", "call morning"), ("text-only", "text only"),
                       ("name-utf8", "  Zofia W\u00f3jcik-\u017b \t\r\n"), ("exit", "EXIT"),
                       ("punctuation", "...!!!"), ("controls", "ok\x01\x7f")):
        put("dialog", name, text)


def envelope():
    """Unsigned: fuzz_envelope signs them itself (first byte: its mode)."""
    def env(kind, flags, fix=True, payload=b"x" * 80, magic=b"RJE1", reserved=0):
        hdr = (magic + bytes([kind, flags]) + struct.pack(">H", reserved) +
               bytes(range(16)) + bytes(range(16, 32)) + struct.pack(">Q", NOW))
        return hdr + struct.pack(">I", len(payload) + (0 if fix else 7)) + payload
    put("envelope", "signed-referral", b"\x3f" + env(1, 0))
    put("envelope", "signed-withdrawal", b"\x1b" + env(2, 0))
    put("envelope", "signed-followup-min", b"\x1b" + env(3, 0, payload=b"\x00" * 49))
    put("envelope", "signed-kind-unknown", b"\x1b" + env(4, 0))
    put("envelope", "signed-flags", b"\x1b" + env(1, 1))
    put("envelope", "signed-reserved", b"\x1b" + env(1, 0, reserved=1))
    put("envelope", "signed-bad-magic", b"\x1b" + env(1, 0, magic=b"RJE2"))
    put("envelope", "signed-len-mismatch", b"\x1a" + env(1, 0, False))
    put("envelope", "signed-sealed-too-short", b"\x1b" + env(1, 0, payload=b"\x00" * 48))
    put("envelope", "signed-header-only", b"\x1b" + env(1, 0, payload=b"")[:52])
    put("envelope", "unsigned-referral", b"\x00" + env(1, 0) + b"\x00" * 64)
    put("envelope", "roundtrip-json", b"\x24" + b'{"v":1,"ref":"Q5YJ-0511-6SPQ-H","channel":"kiosk"}')


KIOSKD = """[kioskd]
# Loopback only: any other address is refused.
listen = 127.0.0.1
port = 8080
user = rjkiosk
venue_name = Camden Central Library
venue_code = CAM-LIB-01
device_bundle = /var/lib/rj-kiosk/kiosk.bundle
database = /var/lib/rj-kiosk/outbox.db
database_key = /var/lib/rj-kiosk/outbox.key
content = /usr/local/share/rj/content
templates = /usr/local/share/rj/kiosk/templates
static = /usr/local/share/rj/kiosk/static
languages = en pl ar bn ur so tr ro pt es
allow_drafts = yes
easy_read = yes
service_number = +447700900000
service_number_display = 07700 900000
printer = device:/dev/usb/lp0
paper_width = 384
idle_warning_seconds = 90
idle_grace_seconds = 30
"""

SMSD = """[smsd]
listen = 127.0.0.1
port = 8444
tls_cert = /etc/rj/tls.crt
tls_key = /etc/rj/tls.key
device_bundle = /var/lib/rj-sms/device.bundle
database = /var/lib/rj-sms/smsd.db
database_key = /var/lib/rj-sms/smsd.key
secrets = /etc/rj/secrets
content = /usr/local/share/rj/content
language = en
country_code = 44
consent_words = JOIN OK
exit_word = EXIT
user = nobody
workers = 8
read_timeout_ms = 5000
sender_max_per_hour = 40
idle_timeout_hours = 24 ; a day
link_keep_days = 90   # the default

[twilio]
enabled = true
public_url = https://sms.example.org/sms/twilio

[kannel]
enabled = yes
allow = 127.0.0.1 ::1, 10.0.0.0/8

[json]
enabled = on
max_skew_seconds = 300
"""

HUBD = """[hubd]
listen = 0.0.0.0
port = 8443
tls_cert = /etc/rj-hub/tls.crt
tls_key = /etc/rj-hub/tls.key
sign_key = /etc/rj-hub/hub.sign.key
inbox = /var/lib/rj-hub/inbox.db
inbox_key = /etc/rj-hub/inbox.key
keep_days = 7
user = rjhub
max_connections = 256
max_per_address = 32
"""


def conf():
    for t in ("conf", "smsd_conf", "hubd_conf"):
        put(t, "kioskd", KIOSKD)
        put(t, "smsd", SMSD)
        put(t, "hubd", HUBD)
        put(t, "comments", "; a comment\n# another\n[s]\nname = value # not part of it\nx=1;2\ny = a\t;c\n")
        put(t, "continuation", "[hubd]\nsign_key = /a\n  continued\nport=99999\n[unterminated\nkey\n")
        put(t, "bom-crlf", "\ufeff[smsd]\r\nlisten = ::1\r\nport = 0\r\n")
        put(t, "long-value", "[kioskd]\nvenue_name = " + "v" * 1100 + "\n")
    put("smsd_conf", "bad-url", SMSD.replace("https://sms.example.org/sms/twilio", "https://a b"))
    put("smsd_conf", "allow-17", SMSD.replace("127.0.0.1 ::1, 10.0.0.0/8", " ".join(["10.0.0.%d" % i for i in range(17)])))
    put("smsd_conf", "no-provider", SMSD.replace("true", "false").replace("yes", "no").replace("on\n", "off\n"))
    put("conf", "kioskd-bad", KIOSKD.replace("127.0.0.1", "0.0.0.0").replace("384", "383").replace("CAM-LIB-01", "cam lib"))


def secrets():
    good = ("# smsd secrets\n"
            "twilio_auth_token = 0123456789abcdef0123456789abcdef\n"
            "kannel_token = 9c1d77aa\n"
            "json_secret =   5f0e spaces inside  \n"
            "state_key = " + "0f" * 32 + "\n")
    put("secrets", "good", good)
    put("secrets", "duplicate", good + "kannel_token = again\n")
    put("secrets", "bad-name", "Twilio-Token = x\n")
    put("secrets", "short-key", "state_key = abcd\n")
    put("secrets", "no-equals", "state_key\n\n=\n")
    put("secrets", "crlf-no-final-newline", "a = b\r\nstate_key = " + "AB" * 32)


def tmpl():
    tdir = os.path.join(TREE, "kiosk", "templates")
    for f in sorted(os.listdir(tdir)):
        if f.endswith(".html"):
            with open(os.path.join(tdir, f), "rb") as fh:
                put("tmpl", f[:-5], fh.read())
    put("tmpl", "three-files", "<main>{{>b}}{{#flag}}{{>c}}{{/flag}}</main>\0"
        "<p>{{t:title}} {{v:who}} {{h:frag}}</p>\0"
        "{{^none}}<a href=\"/x?{{v:q}}\" aria-label=\"{{t:label}}\">{{t:go}}</a>{{/none}}")
    put("tmpl", "include-loop", "<div>{{>b}}</div>\0<div>{{>a}}{{>a}}</div>")
    put("tmpl", "unclosed", "<p>{{#open}}{{t:x}}</p>")
    put("tmpl", "words", "<p>Hello</p><img alt=\"words\">")


def content():
    """First byte: which file fuzz_content writes the rest to."""
    src = os.path.join(TREE, "content")
    for name, which, path in (("kiosk-en", 0, "en/kiosk.json"), ("languages", 1, "languages.json"),
                              ("support", 2, "support.json"), ("service", 3, "service.json"),
                              ("spokes", 4, "spokes.json"), ("bank-holidays", 5, "bank-holidays.json")):
        with open(os.path.join(src, path), "rb") as fh:
            put("content", name, bytes([which]) + fh.read())
    meta = '{"_meta":{"language":"en","version":1,"draft":false},'
    put("content", "small-table", b"\0" + (meta + '"a":"x {code} {nope} {","b_c":"{x}{x}"}').encode())
    put("content", "meta-wrong-lang", b"\0" + b'{"_meta":{"language":"pl","version":1,"draft":true},"a":"x"}')
    put("content", "bad-key", b"\0" + (meta + '"A-b":"x","c":1}').encode())
    put("content", "date", b"\5" + b"2026-12-25")
    put("content", "date-feb-30", b"\5" + b"2024-02-30")


def keys():
    """Mode byte, type byte, then a key file (mode 0) or key material."""
    lens = {1: 64, 2: 32, 3: 32, 4: 32, 5: 32}
    for t, n in lens.items():
        hdr = b"RJK1" + bytes([t, 0, 0, 0]) + struct.pack(">H", n)
        put("keys", "file-type%d" % t, bytes([0, t - 1]) + hdr + bytes(range(n)))
    put("keys", "file-short", b"\0\0RJK1\x01\x00\x00\x00\x00\x40" + b"k" * 10)
    put("keys", "file-wrong-type", b"\0\x01RJK1\x01\x00\x00\x00\x00\x40" + b"k" * 64)
    put("keys", "file-protected-needs-pass", b"\0\x02RJK1\x03\x01\x00\x00\x00\x20" + b"s" * 16 +
        struct.pack(">QQ", 1, 8192) + b"n" * 24 + b"c" * 48)
    put("keys", "file-protected-huge-kdf", b"\0\x02RJK1\x03\x01\x00\x00\x00\x20" + b"s" * 16 +
        struct.pack(">QQ", 1 << 40, 1 << 40) + b"n" * 24 + b"c" * 48)
    put("keys", "save-plain", b"\x01\x00" + bytes(range(64)))
    put("keys", "save-protected", b"\x03\x02" + bytes(range(32)))
    put("keys", "save-protected-flip", b"\x07\x02" + bytes(range(32)) + b"\x05\x80")
    put("keys", "save-public-flip", b"\x05\x01" + bytes(range(32)) + b"\x0c\x01")


def bundle():
    import base64
    import json
    b64 = lambda n, c: base64.b64encode(bytes([c]) * n).decode()
    good = {"version": 1, "device_name": "kiosk-camden-1", "device_id": "00112233445566778899aabbccddeeff",
            "device_sign_sk": b64(64, 1), "hub_url": "https://hub.example.org:8443",
            "hub_box_pk": b64(32, 2), "hub_sign_pk": b64(32, 3),
            "hub_tls_pin": "sha256//" + b64(32, 4),
            "hub_tls_cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}
    put("bundle", "good", json.dumps(good, indent=2, sort_keys=True))
    for i, (k, v) in enumerate((("version", 2), ("device_name", "-bad"), ("device_id", "0011"), ("hub_box_pk", b64(31, 2)),
                 ("hub_url", "http://hub"), ("hub_tls_pin", "sha1//x"), ("device_name", "a\u0000b"),
                 ("hub_sign_pk", 5))):
        bad = dict(good)
        bad[k] = v
        put("bundle", "bad-%d-%s" % (i, k.replace("_", "-")), json.dumps(bad, sort_keys=True))
    put("bundle", "duplicate-key", '{"version":1,"version":1}')
    put("bundle", "not-object", "[1]")


def receipt():
    """Mode byte (bit 0: the harness signs, bit 1: and names the right
    envelope), then the hub's JSON answer."""
    good = '{"envelope_id":"deadbeef010203000000000000000000","received_at":%d,"receipt":"%s"}'
    put("receipt", "signed", b"\x03" + (good % (NOW, "A" * 88)).encode())
    put("receipt", "signed-other-id", b"\x01" + (good % (NOW, "A" * 88)).encode())
    put("receipt", "signed-negative-time", b"\x03" + (good % (-1, "")).encode())
    put("receipt", "unsigned", b"\x00" + (good % (NOW, "A" * 88)).encode())
    put("receipt", "bad-base64", b"\x00" + (good % (NOW, "!!")).encode())
    put("receipt", "error", b"\x00" + b'{"error":"device_revoked"}')
    put("receipt", "error-odd-code", b"\x00" + b'{"error":"Bad\\u0000Code <x>"}')
    put("receipt", "time-as-string", b"\x03" + b'{"envelope_id":"x","received_at":"1"}')


def payload():
    """First byte: the envelope's kind (0 referral, 1 withdrawal, 2
    follow-up); then the payload JSON as kioskd and smsd seal it."""
    import json
    kiosk = {"schema": 1, "kind": "referral", "ref": "Q5YJ-0511-6SPQ-H", "channel": "kiosk",
             "venue": "CAM-LIB-01", "language": "pl", "easy_read": False,
             "consent": {"wording_version": 3, "wording_sha256": "ab" * 32, "given_at": "2026-12-03T15:16:40Z"},
             "contact": {"method": "phone", "phone": "+447700900123", "name": "Zofia"},
             "eligibility": {"offence_in_london": True, "lives_in_london": False, "offence_place": "yes"},
             "details": {"crime": "burglary", "stage": "not-reported", "what": "free text"},
             "access_needs": ["interpreter"], "risk_assessment": True,
             "created_at": "2026-12-03T15:16:40Z", "borough": "Camden"}
    put("payload", "kiosk-referral", b"\0" + json.dumps(kiosk, sort_keys=True).encode())
    sms = {"schema": 1, "kind": "referral", "ref": "39KV-KBAS-CB64-B", "channel": "sms", "language": "en",
           "consent": {"wording_version": 1, "wording_sha256": "cd" * 32, "given_at": "2026-12-03T15:16:40Z"},
           "contact": {"method": "call", "phone": "+447700900123", "time": "morning", "name": None, "voicemail_ok": False},
           "eligibility": {"offence_in_london": True, "lives_in_london": True}, "at": "2026-12-03T15:16:40Z"}
    put("payload", "sms-referral", b"\0" + json.dumps(sms).encode())
    put("payload", "withdrawal", b"\1" + json.dumps({"schema": 1, "kind": "withdrawal", "ref": "S055-280N-90RP-D",
                                                       "channel": "sms", "at": "2026-12-03T15:16:40Z"}).encode())
    put("payload", "followup", b"\2" + json.dumps({"schema": 1, "kind": "followup", "ref": "s055 280n 90rp d",
                                                     "channel": "sms", "contact": {"phone": "+447700900123"}}).encode())
    put("payload", "kind-mismatch", b"\1" + json.dumps(kiosk).encode())
    bad = dict(kiosk, borough="<script>", venue="a b", channel="Kiosk-1", language=None)
    put("payload", "odd-fields", b"\0" + json.dumps(bad).encode())


for f in sys.argv[1:] or ["refcode", "dialog", "payload", "receipt", "keys", "bundle", "content", "secrets", "tmpl", "envelope", "twilio", "kannel", "jsonhook", "conf"]:
    globals()[f]()
