#!/bin/sh
# End to end, issue 11 step 4: `hubctl report` over planted referrals:
# the expected numbers, small numbers suppressed, no personal data, and
# the HTML report rendered by Debian's Chromium (build/hub-report.png).
. "$(dirname "$0")/lib.sh"

hub_setup_split
$HUBCTL enroll kiosk-1 --url "$HUB_URL" >/dev/null 2>&1
KIOSK="$HUB/devices/kiosk-1.bundle"
export RJ_STAFF="Sam Staff"
S="$STAFFCTL"
P="--passphrase-file $PASS"
n=0

plant() { # $1 at, $2 borough, $3 venue, $4 crime, $5 stage, $6 risk, $7 language; prints the ref
	r=$("$TOOLS/refgen")
	n=$((n + 1))
	cat >"$T/p.json" <<JSON
{"schema":1,"kind":"referral","ref":"$r","channel":"kiosk","venue":"$3","language":"$7","easy_read":false,
 "consent":{"wording_version":1},"contact":{"name":"PLANTED-NAME-$n","phone":"+447700900$n$n$n","email":"planted$n@example.org"},
 "borough":"$2","details":{"crime":"$4","stage":"$5","crime_reference":"PLANTED-CRIMEREF-$n"},"risk_assessment":$6}
JSON
	"$TOOLS/plant" "$STAFF" "$KIOSK" "$T/p.json" "$1" 2>>"$T/plant.log"
	echo "$r"
}
plant_sms() { # $1 at
	r=$("$TOOLS/refgen")
	n=$((n + 1))
	cat >"$T/p.json" <<JSON
{"schema":1,"kind":"referral","ref":"$r","channel":"sms","language":"en","consent":{"wording_version":1},
 "contact":{"name":"PLANTED-NAME-$n","phone":"+447700901$n$n","method":"text"},"eligibility":{"offence_in_london":true,"lives_in_london":true}}
JSON
	"$TOOLS/plant" "$STAFF" "$KIOSK" "$T/p.json" "$1" 2>>"$T/plant.log"
}

# Camden, CAM-LIB-01, theft, court: 12 in the period.
i=0
while [ $i -lt 12 ]; do
	day=$(printf '%02d' $((2 + i)))
	lang=en
	[ $i -eq 11 ] && lang=pl
	ref=$(plant "2026-11-${day}T10:00:00Z" camden CAM-LIB-01 theft court false $lang)
	if [ $i -eq 0 ]; then
		# Contacted after 5 days: missed the standard.
		$S assign "$ref" $P >/dev/null 2>&1
		$S contacted "$ref" --at 2026-11-07T10:00:00Z $P >/dev/null 2>&1
	elif [ $i -le 7 ]; then
		$S assign "$ref" $P >/dev/null 2>&1
		$S contacted "$ref" --at "2026-11-$(printf '%02d' $((3 + i)))T10:00:00Z" $P >/dev/null 2>&1
	fi
	if [ $i -ge 1 ] && [ $i -le 3 ]; then
		$S close "$ref" --outcome direct-meeting $P >/dev/null 2>&1
	elif [ $i -ge 4 ] && [ $i -le 5 ]; then
		$S close "$ref" --outcome victim-declined $P >/dev/null 2>&1
	fi
	i=$((i + 1))
done
# One withdrawn a couple of hours after it arrived.
w=$(plant 2026-11-16T10:00:00Z camden CAM-LIB-01 theft court false en)
cat >"$T/wd.json" <<JSON
{"schema":1,"kind":"withdrawal","ref":"$w","channel":"kiosk","at":"2026-11-16T12:00:00Z"}
JSON
"$TOOLS/plant" "$STAFF" "$KIOSK" "$T/wd.json" 2026-11-16T12:00:00Z 2>>"$T/plant.log"
for d in 17 18 19; do plant "2026-11-${d}T10:00:00Z" hackney HAC-GP-02 burglary investigation false en >/dev/null; done
for d in 20 23; do plant "2026-11-${d}T10:00:00Z" tower-hamlets HAC-GP-02 stalking sentenced true en >/dev/null; done
for d in 22 23 24 25 26 27; do plant_sms "2026-11-${d}T10:00:00Z"; done
# Outside the period.
plant 2026-10-15T10:00:00Z camden CAM-LIB-01 theft court false en >/dev/null
plant 2026-11-30T10:00:00Z camden CAM-LIB-01 theft court false en >/dev/null

$S report --from 2026-11-01 --to 2026-11-29 --format csv --as-of 2026-12-03 $P -o "$T/report.csv" 2>"$T/report.err"
check "report --format csv written" test -s "$T/report.csv"
check "report: the expected numbers, small cells suppressed" python3 - "$T/report.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0] == ["table", "key", "label", "value"], rows[0]
v = {(r[0], r[1]): r[3] for r in rows[1:]}
want = {
    ("summary", "received"): "24",
    ("summary", "withdrawn"): "<5",
    ("summary", "contacted"): "8",
    ("summary", "missed_standard"): "16",
    ("summary", "waiting"): "15",
    ("summary", "contact_median"): "1.0 days",
    ("summary", "contact_p90"): "5.0 days",
    ("channel", "kiosk"): "18", ("channel", "sms"): "6", ("channel", "total"): "24",
    ("venue", "CAM-LIB-01"): "12", ("venue", "HAC-GP-02"): "5", ("venue", "sms"): "6",
    ("venue", "total"): "23",
    ("borough", "camden"): "12", ("borough", "hackney"): "<5",
    ("borough", "tower-hamlets"): "<5", ("borough", "not-given"): "6",
    ("spoke", "north"): "13", ("spoke", "east"): "5", ("spoke", "unassigned"): "6",
    ("crime", "theft"): "12", ("crime", "burglary"): "<5", ("crime", "stalking"): "<5",
    ("stage", "court"): "12", ("stage", "investigation"): "<5", ("stage", "sentenced"): "<5",
    # One small cell alone would be total minus the other: the other
    # is hidden too.
    ("language", "pl"): "<5", ("language", "en"): "[c]", ("language", "total"): "24",
    ("status", "received"): "15", ("status", "contacted"): "<5",
    ("status", "closed"): "5", ("status", "withdrawn"): "<5", ("status", "assigned"): "0",
    ("outcome", "direct-meeting"): "<5", ("outcome", "victim-declined"): "<5",
    ("outcome", "not-suitable"): "0", ("outcome", "total"): "5",
}
bad = {k: (v.get(k), w) for k, w in want.items() if v.get(k) != w}
assert not bad, bad
# No count from 1 to 4 anywhere.
for r in rows[1:]:
    assert r[3] not in ("1", "2", "3", "4"), r
PY
check "report: crime and borough labels in plain English" sh -c \
	"grep -q 'Tower Hamlets' $T/report.csv && grep -q 'Stalking or harassment' $T/report.csv"

$S report --from 2026-11-01 --to 2026-11-29 --format md --as-of 2026-12-03 $P -o "$T/report.md" 2>/dev/null
check "report --format md: headings and the suppression note" sh -c \
	"grep -q '^# Referrals received 2026-11-01 to 2026-11-29' $T/report.md && grep -q '| Stalking or harassment | <5 |' $T/report.md && grep -q 'shown as <5' $T/report.md"
$S report --from 2026-11-01 --to 2026-11-29 --format html --as-of 2026-12-03 $P -o "$T/report.html" 2>/dev/null
check "report --format html written" test -s "$T/report.html"
check "no planted personal data in any report" sh -c \
	"! grep -q -e PLANTED -e 447700 -e example.org $T/report.html $T/report.md $T/report.csv"
check "html: self-contained (no script, no external resource)" sh -c \
	"! grep -qi -e '<script' -e 'src=' -e 'href=' -e 'url(' -e '@import' -e '<link' $T/report.html"
check "html: a chart (inline SVG) beside each table, tables with captions and headers" python3 - "$T/report.html" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.tags = {}; s.svg_labels = 0
    def handle_starttag(s, tag, attrs):
        s.tags[tag] = s.tags.get(tag, 0) + 1
        a = dict(attrs)
        if tag == "svg" and a.get("role") == "img" and a.get("aria-label"):
            s.svg_labels += 1
p = P(); p.feed(open(sys.argv[1]).read())
assert p.tags.get("svg") == 9 and p.svg_labels == 9, p.tags
assert p.tags.get("table") == 10 and p.tags.get("caption") == 10, p.tags
assert p.tags.get("th", 0) > 40
PY
$S report --from 2026-11-30 --to 2026-11-30 --format csv --as-of 2026-12-03 $P >"$T/small.csv" 2>/dev/null
check "a period with one referral: every count and total is <5" python3 - "$T/small.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))[1:]
assert ["channel", "total", "Total", "<5"] in rows, rows
assert ["summary", "received", "Referrals received", "<5"] in rows
for r in rows:
    assert r[3] not in ("1", "2", "3", "4"), r
PY
check "report: --to before --from is refused" sh -c \
	"! $S report --from 2026-11-29 --to 2026-11-01 --format md $P >/dev/null 2>&1"

# Rendered by Debian's Chromium, screenshot for a person to look at.
SHOT="$ROOT/$BUILD/hub-report.png"
if command -v chromium >/dev/null 2>&1; then
	rm -f "$SHOT"
	timeout 60 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$T/chromium" --window-size=1200,3800 \
		--screenshot="$SHOT" "file://$T/report.html" >"$T/chromium.log" 2>&1
	check "Chromium renders the HTML report (screenshot $BUILD/hub-report.png)" sh -c \
		"test -s $SHOT && test \$(stat -c %s $SHOT) -gt 20000"
	cp "$T/report.html" "$ROOT/$BUILD/hub-report.html" 2>/dev/null
else
	not_ok "Chromium renders the HTML report (chromium not installed)"
fi
