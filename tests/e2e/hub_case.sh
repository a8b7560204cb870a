#!/bin/sh
# End to end, issue 11 step 2: the case workflow on the staff machine,
# with referrals planted as if pulled (sealed, opened by hubctl).
. "$(dirname "$0")/lib.sh"

hub_setup_split
$HUBCTL enroll kiosk-1 --url "$HUB_URL" >/dev/null 2>&1
KIOSK="$HUB/devices/kiosk-1.bundle"
export RJ_STAFF="Sam Staff"

kiosk() { # $1 ref, $2 borough, $3 crime, $4 risk
	cat <<JSON
{"schema":1,"kind":"referral","ref":"$1","channel":"kiosk","venue":"CAM-LIB-01","language":"en","easy_read":false,
 "consent":{"wording_version":1},"contact":{"name":"Case Marker","phone":"+447700900555"},
 "borough":"$2","details":{"crime":"$3","stage":"investigation"},"risk_assessment":$4,"created_at":"2026-11-23T10:00:00Z"}
JSON
}
plant() { # $1 file, $2 received at
	"$TOOLS/plant" "$STAFF" "$KIOSK" "$1" "$2" 2>>"$T/plant.log"
}
risky=$("$TOOLS/refgen")
plain=$("$TOOLS/refgen")
sms=$("$TOOLS/refgen")
away=$("$TOOLS/refgen")
kiosk "$risky" city-of-london domestic_abuse true >"$T/a.json"
kiosk "$plain" camden theft false >"$T/b.json"
kiosk "$away" outside-london burglary false >"$T/d.json"
cat >"$T/c.json" <<JSON
{"schema":1,"kind":"referral","ref":"$sms","channel":"sms","language":"en","consent":{"wording_version":1},
 "contact":{"phone":"+447700900556","method":"text"},"eligibility":{"offence_in_london":true,"lives_in_london":true},"created_at":"2026-11-23T10:00:00Z"}
JSON
plant "$T/a.json" 2026-11-23T09:00:00Z
plant "$T/b.json" 2026-11-23T09:30:00Z
plant "$T/c.json" 2026-11-23T10:00:00Z
plant "$T/d.json" 2026-11-23T11:00:00Z
S="$STAFFCTL"
P="--passphrase-file $PASS"
$S list $P >"$T/list.txt" 2>&1
check "routing: city-of-london goes to south-east" grep -q "$risky.*south-east.*received.*risk-check" "$T/list.txt"
check "routing: camden goes to north" grep -q "$plain.*north.*received" "$T/list.txt"
check "routing: an SMS referral (no borough) is unassigned" grep -q "$sms.*sms.*unassigned" "$T/list.txt"
$S unrouted $P >"$T/unrouted.txt" 2>&1
check "unrouted lists the SMS and outside-London referrals only" sh -c \
	"grep -q '$sms.*(none given)' $T/unrouted.txt && grep -q '$away.*outside-london' $T/unrouted.txt && ! grep -q '$plain' $T/unrouted.txt"

refused() { # $1 what, $2 expected message part, rest: command
	what=$1
	msg=$2
	shift 2
	if "$@" >"$T/refused.out" 2>&1; then
		not_ok "$what (was accepted)"
	elif grep -q "$msg" "$T/refused.out"; then
		ok "$what"
	else
		not_ok "$what (said: $(cat "$T/refused.out"))"
	fi
}
refused "contacted before assigned is refused" "assign it to a spoke first" $S contacted "$risky" $P
refused "in-progress before contacted is refused" "only a contacted case" $S in-progress "$plain" $P
refused "assigning an unrouted referral needs a spoke" "name a spoke" $S assign "$sms" $P
refused "assigning to a spoke not in the table is refused" "no spoke named" $S assign "$sms" nowhere $P
check "assign (the automatic route)" sh -c "$S assign $risky $P | grep -q 'assigned to south-east'"
refused "risk-flagged: contacted before the risk assessment is refused" "specialist risk assessment" $S contacted "$risky" $P
refused "an event dated before the referral arrived is refused" "between the referral" $S risk-assessed "$risky" --at 2026-11-22T00:00:00Z $P
check "risk-assessed recorded" sh -c "$S risk-assessed $risky --by 'Risk Lead' $P | grep -q 'risk-assessed recorded by Risk Lead'"
check "contacted after the risk assessment" sh -c "$S contacted $risky --at 2026-11-24T10:00:00Z $P | grep -q 'status contacted'"
refused "contacted twice is refused" "already recorded" $S contacted "$risky" $P
refused "close with an unknown outcome is refused" "must be one of" $S close "$risky" --outcome maybe $P
check "in-progress" sh -c "$S in-progress $risky $P | grep -q 'status in-progress'"
check "note" sh -c "$S note $risky 'Prefers mornings; Case Marker note' $P | grep -q 'note recorded'"
check "close --outcome direct-meeting" sh -c "$S close $risky --outcome direct-meeting $P | grep -q 'status closed'"
refused "assign after close is refused" "closed" $S assign "$risky" west $P
refused "contacted after close is refused" "closed" $S contacted "$risky" $P
$S history "$risky" $P >"$T/history.txt" 2>&1
check "history: every event in order, with names and times" python3 - "$T/history.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
events = [l.split()[1] for l in lines[1:] if l[:4].isdigit()]
assert events == ["received", "assigned", "risk-assessed", "contacted", "in-progress", "note", "closed"], events
text = "\n".join(lines)
assert "Risk Lead" in text and "Sam Staff" in text and "2026-11-24T10:00:00" in text
assert "direct-meeting" in text
PY
check "list shows closed and risk-assessed" sh -c "$S list $P | grep -q '$risky.*closed.*risk-assessed'"

check "assign an unrouted SMS referral by hand" sh -c "$S assign $sms east $P | grep -q 'assigned to east'"
check "unrouted no longer lists it" sh -c "! $S unrouted $P | grep -q $sms"
refused "closing as victim-declined before contact is refused" "before first contact" $S close "$sms" --outcome victim-declined $P
check "closing as no-contact-possible before contact" sh -c "$S close $sms --outcome no-contact-possible $P | grep -q closed"
check "closing an unrouted referral as not-suitable" sh -c "$S close $away --outcome not-suitable $P | grep -q closed"
check "a closed referral leaves the unrouted list" sh -c "! $S unrouted $P | grep -q $away"

check "note on an open case" sh -c "$S note $plain 'Case Marker said call after 5' $P >/dev/null"
check "withdraw" sh -c "$S withdraw $plain $P >/dev/null 2>&1"
refused "nothing is recorded on a withdrawn referral" "withdrawn" $S assign "$plain" $P
$S history "$plain" $P >"$T/whist.txt" 2>&1
check "withdrawal deletes the text of notes, keeps that there was one" sh -c \
	"grep -q 'deleted on withdrawal' $T/whist.txt && ! grep -q 'Case Marker' $T/whist.txt && grep -q withdrawn $T/whist.txt"
