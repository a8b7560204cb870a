#!/bin/sh
# End to end in a real browser: Debian's Chromium, driven by playwright-core
# (tests/browser/*.mjs), walks kioskd's pages in front of a real hubd. The
# browser part prints its own ok/not ok lines and leaves what each visitor
# typed in $T/browser.json; this script then reads every referral back at
# the hub and compares it with what was typed. BROWSER_TESTS=name,... runs
# only some browser groups, BROWSER_LANGS=pl,... only some of the other
# languages (see tests/browser/run.mjs).
. "$(dirname "$0")/lib.sh"

BROWSER_DIR="$ROOT/tests/browser"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null 2>&1 ||
	! command -v zbarimg >/dev/null 2>&1; then
	not_ok "Chromium ($CHROMIUM), node and zbarimg are installed (scripts/deps.sh)"
	exit 1
fi
if ! sh "$ROOT/scripts/npm-deps.sh" >"$T/npm.log" 2>&1; then
	not_ok "npm packages for the browser tests (scripts/npm-deps.sh)"
	cat "$T/npm.log"
	exit 1
fi

hub_setup
hub_enroll kiosk-1
start_hubd
check "hubd is up for the kiosk" kill -0 "$HUBD_PID"

# Two kioskd with the same settings: the browser flows on the first, the
# idle tests (which mostly wait) beside them on the second. kioskd serves
# one visitor at a time.
SERVICE_NUMBER=+447700900000
VENUE=BRW-TEST-07
kiosk_setup() { # $1 = folder, $2 = port
	mkdir -p "$1"
	cp "$HUB/devices/kiosk-1.bundle" "$1/kiosk.bundle"
	cat >"$1/kioskd.conf" <<EOF
[kioskd]
listen = 127.0.0.1
port = $2
user = nobody
venue_name = Browser test venue
venue_code = $VENUE
device_bundle = $1/kiosk.bundle
database = $1/outbox.db
database_key = $1/outbox.key
content = $ROOT/content
templates = $ROOT/kiosk/templates
static = $ROOT/kiosk/static
languages = en pl ar bn ur so tr ro pt es
allow_drafts = yes
easy_read = yes
service_number = $SERVICE_NUMBER
service_number_display = 07700 900000
printer = file:$1/slip.bin
paper_width = 384
idle_warning_seconds = 5
idle_grace_seconds = 20
EOF
	chown -R nobody "$1"
	chmod 600 "$1/kiosk.bundle"
	chmod 700 "$1"
}
K="$T/kiosk"
KPORT=$(free_port)
kiosk_setup "$K" "$KPORT"
K2="$T/kiosk-idle"
KPORT2=$(free_port)
kiosk_setup "$K2" "$KPORT2"

if ! "$BIN/kioskd" --check-config "$K/kioskd.conf" >"$T/check.log" 2>&1; then
	not_ok "the browser test's kioskd.conf passes --check-config"
	cat "$T/check.log"
	exit 1
fi
ok "the browser test's kioskd.conf passes --check-config"
spawn "$T/kioskd.log" "$BIN/kioskd" --config "$K/kioskd.conf"
KPID=$LAST_PID
spawn "$T/kioskd-idle.log" "$BIN/kioskd" --config "$K2/kioskd.conf"
KPID2=$LAST_PID
if ! wait_port "$KPORT" || ! wait_port "$KPORT2"; then
	not_ok "kioskd listens on 127.0.0.1:$KPORT and :$KPORT2"
	cat "$T/kioskd.log" "$T/kioskd-idle.log"
	exit 1
fi
ok "kioskd listens on 127.0.0.1:$KPORT (and :$KPORT2 for the idle tests)"

# The browser part: one Chromium, a new context per visitor.
mkdir -p "$T/browser"
start=$(date +%s)
KIOSK_URL="http://127.0.0.1:$KPORT" \
	KIOSK_IDLE_URL="http://127.0.0.1:$KPORT2" \
	KIOSK_SLIP="$K/slip.bin" \
	ESCPOS2PNG="$TOOLS/escpos2png" \
	KIOSK_WORK="$T/browser" \
	KIOSK_RESULTS="$T/browser.json" \
	KIOSK_CONTENT="$ROOT/content" \
	KIOSK_SERVICE_NUMBER="$SERVICE_NUMBER" \
	KIOSK_IDLE_WARN=5 KIOSK_IDLE_GRACE=20 \
	CHROMIUM="$CHROMIUM" \
	node "$BROWSER_DIR/run.mjs"
end=$(date +%s)
echo "# browser part took $((end - start)) s"
if ! grep -q '"finished": true' "$T/browser.json" 2>/dev/null; then
	not_ok "the browser tests ran to their end"
	tail -n 20 "$T/kioskd.log"
fi

# What the hub received: every referral sent from the screen arrives once,
# with exactly what was typed; nothing else arrives (information only,
# not eligible, quick exit, idle, second submits).
[ -f "$T/browser.json" ] || exit 1
HUBCTL="$HUBCTL" PASS="$PASS" KIOSK_CONTENT="$ROOT/content" VENUE="$VENUE" \
	python3 - "$T/browser.json" "$T/kioskd.log" "$T/kioskd-idle.log" <<'PY'
import json, os, re, subprocess, sys, time

hubctl = os.environ["HUBCTL"].split()
pw = os.environ["PASS"]
content = os.environ["KIOSK_CONTENT"]
venue = os.environ["VENUE"]
rec = json.load(open(sys.argv[1]))
sends = rec.get("referrals", [])

def say(good, what):
    print(("ok - " if good else "not ok - ") + what)
    return good

def hub_refs():
    r = subprocess.run(hubctl + ["list", "--passphrase-file", pw],
                       capture_output=True, text=True)
    return re.findall(r"^([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]+)", r.stdout, re.M)

shown = {}
def show(ref):
    if ref not in shown:
        r = subprocess.run(hubctl + ["show", ref, "--passphrase-file", pw],
                           capture_output=True, text=True)
        m = re.search(r"^Referral:\n(.*?)(?:^Follow-ups:|\Z)", r.stdout, re.S | re.M)
        shown[ref] = json.loads(m.group(1)) if r.returncode == 0 and m else None
    return shown[ref]

def wording_version(lang, easy):
    name = "kiosk_easy.json" if easy else "kiosk.json"
    return json.load(open(os.path.join(content, lang, name)))["_meta"]["version"]

# Wait for every reference shown on screen (~20 s at most).
want = [s["ref"] for s in sends if s["ref"]]
deadline = time.time() + 20
got = hub_refs()
while time.time() < deadline and not all(r in got for r in want):
    time.sleep(0.5)
    got = hub_refs()

for s in sends:
    ref, exp, tag = s["ref"], s["expect"], s["tag"]
    if not say(ref in got, "%s: the hub has %s, the code on the screen" % (tag, ref or "(none shown)")):
        continue
    say(got.count(ref) == 1, "%s: the hub holds %s once" % (tag, ref))
    p = show(ref)
    if not say(p is not None, "%s: hubctl show opens %s" % (tag, ref)):
        continue
    c = p.get("contact", {})
    problems = []
    def eq(what, got_v, want_v):
        if got_v != want_v:
            problems.append("%s: got %r, typed %r" % (what, got_v, want_v))
    eq("channel", p.get("channel"), "kiosk")
    eq("ref", p.get("ref"), ref)
    eq("venue", p.get("venue"), venue)
    eq("language", p.get("language"), exp["language"])
    eq("easy_read", p.get("easy_read"), exp["easy_read"])
    eq("consent.wording_version", p.get("consent", {}).get("wording_version"),
       wording_version(exp["content_lang"], exp["easy_read"]))
    eq("contact.name", c.get("name"), exp.get("name"))
    eq("contact.phone", c.get("phone"), exp.get("phone"))
    eq("contact.email", c.get("email"), exp.get("email"))
    eq("contact.methods", sorted(c.get("methods", [])), sorted(exp["methods"]))
    eq("borough", p.get("borough"), exp.get("borough"))
    eq("details.crime", p.get("details", {}).get("crime"), exp.get("crime"))
    eq("access_needs.other", p.get("access_needs", {}).get("other"), exp.get("other_needs"))
    eq("risk_assessment", p.get("risk_assessment"), exp["risk_assessment"])
    say(not problems, "%s: the hub's payload is exactly what was typed%s" %
        (tag, "" if not problems else " (" + "; ".join(problems) + ")"))

# Nothing else: information only, not eligible, quick exits, idle expiry
# and the second submits left no referral.
extra = [r for r in got if r not in want]
say(not extra and len(got) == len(set(want)),
    "nothing else reached the hub (info only, outside, quick exit, idle, second submits): "
    "%d referrals for %d sends%s" % (len(got), len(want), ", extra " + " ".join(extra) if extra else ""))

# One referral per visitor who sent, none for those who did not, found by
# the name each one typed.
names = {}
for r in got:
    n = ((show(r) or {}).get("contact") or {}).get("name")
    names[n] = names.get(n, 0) + 1
for s in sends:
    n = s["expect"]["name"]
    say(names.get(n, 0) == 1, "%s: exactly one referral at the hub for this visitor (%d)" % (s["tag"], names.get(n, 0)))
sent = {s["expect"]["name"] for s in sends}
unsent = sorted({t for t in rec.get("names", []) if t not in sent})
leaked = [n for n in unsent if names.get(n)]
say(not leaked, "no referral at the hub from the %d visitors who left without sending" % len(unsent))

# kioskd's logs name nobody.
logs = ""
for f in sys.argv[2:]:
    logs += open(f, errors="replace").read()
found = sorted({t for t in rec.get("typed", []) if t and t in logs})
found += [w for w in ("<script>", "alert(1)") if w in logs]
say(not found, "kioskd's logs hold nothing a visitor typed" + (" (found %s)" % found if found else ""))
PY

check "kioskd is still running" kill -0 "$KPID"
check "the idle tests' kioskd is still running" kill -0 "$KPID2"
