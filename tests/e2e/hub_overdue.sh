#!/bin/sh
# End to end, issue 11 step 3: `hubctl overdue` over planted referrals,
# with weekends, bank holidays and the end of the bank holiday table.
. "$(dirname "$0")/lib.sh"

hub_setup_split
$HUBCTL enroll kiosk-1 --url "$HUB_URL" >/dev/null 2>&1
KIOSK="$HUB/devices/kiosk-1.bundle"
export RJ_STAFF="Sam Staff"
S="$STAFFCTL"
P="--passphrase-file $PASS"

plant() { # $1 received at, $2 crime, $3 risk; prints the reference
	r=$("$TOOLS/refgen")
	cat >"$T/p.json" <<JSON
{"schema":1,"kind":"referral","ref":"$r","channel":"kiosk","venue":"V1","language":"en","consent":{"wording_version":1},
 "contact":{"name":"Overdue Marker"},"borough":"hackney","details":{"crime":"$2","stage":"court"},"risk_assessment":$3}
JSON
	"$TOOLS/plant" "$STAFF" "$KIOSK" "$T/p.json" "$1" 2>>"$T/plant.log"
	echo "$r"
}
A=$(plant 2026-11-23T10:00:00Z stalking true)
B=$(plant 2026-11-20T15:00:00Z theft false)
C=$(plant 2026-11-24T09:00:00Z theft false)
D=$(plant 2026-11-25T09:00:00Z hate_crime true)
E=$(plant 2026-11-26T09:00:00Z robbery false)
F=$(plant 2026-11-19T09:00:00Z theft false)
$S assign "$C" $P >/dev/null 2>&1
$S contacted "$C" --at 2026-11-25T10:00:00Z $P >/dev/null 2>&1
$S withdraw "$F" $P >/dev/null 2>&1

$S overdue --as-of 2026-11-30T12:00:00Z $P >"$T/over.txt" 2>"$T/over.err"
check "overdue: risk-flagged first, then oldest first (A, D, B)" python3 - "$T/over.txt" "$A" "$D" "$B" <<'PY'
import sys
lines = [l.split()[0] for l in open(sys.argv[1]) if l[:4].isalnum() and "-" in l.split()[0]]
assert lines == sys.argv[2:5], lines
PY
check "overdue: a Friday referral was due at the end of Tuesday" grep -q "$B.*2026-11-25T00:00:00" "$T/over.txt"
check "overdue: not yet due, contacted in time, and withdrawn are not listed" sh -c \
	"! grep -q -e $E -e $C -e $F $T/over.txt"
check "overdue: the count line" grep -q '^3 referral(s) not contacted within 2 working days' "$T/over.txt"
check "overdue: no warning inside the table" test ! -s "$T/over.err"
check "overdue: no personal data" sh -c "! grep -q Marker $T/over.txt"

# Christmas 2026: received Thursday 24 December; Friday 25 and Monday 28
# are bank holidays, so it is due at the end of Wednesday 30.
X=$(plant 2026-12-24T11:00:00Z theft false)
$S overdue --as-of 2026-12-30T23:00:00Z $P >"$T/xmas1.txt" 2>/dev/null
$S overdue --as-of 2026-12-31T00:00:00Z $P >"$T/xmas2.txt" 2>/dev/null
check "bank holidays: not overdue on the evening of 30 December" sh -c "! grep -q $X $T/xmas1.txt"
check "bank holidays: overdue from midnight 31 December" grep -q "$X.*2026-12-31T00:00:00" "$T/xmas2.txt"

# Past the end of the table: a clear warning, weekends still counted.
Y=$(plant 2027-12-30T11:00:00Z theft false)
$S overdue --as-of 2028-01-10T12:00:00Z $P >"$T/end.txt" 2>"$T/end.err"
check "table end: a clear warning naming the last date" sh -c \
	"grep -q 'WARNING: the bank holiday table' $T/end.err && grep -q '2027-12-31' $T/end.err"
check "table end: the deadline counts weekends only (Friday 31, Monday 3)" grep -q "$Y.*2028-01-04T00:00:00" "$T/end.txt"
