#!/bin/sh
# Fault test: 1,000 referrals (SMS conversations and kiosk visits) while
# hubd, smsd and kioskd are killed with SIGKILL at random moments and
# restarted, and hubd is down for a while. Senders retry as they would
# (a provider resends a webhook with the same MessageSid; a visitor whose
# kiosk died starts again). Every referral must reach the hub exactly
# once, with what was typed (checked with hubctl export and show), and
# no file any node wrote may hold a word of it in the clear.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.inc"

N_SMS=${FAULT_SMS:-700}
N_KIOSK=${FAULT_KIOSK:-300}
LOAD_SECONDS=150
fault_tmp
mkdir -p "$T/logs" "$T/driver" "$T/out"
hub_setup
fault_sms_setup "$T/sms" sms-1
fault_kiosk_setup "$T/kiosk" kiosk-1
n=0
start() { # hubd, smsd or kioskd: started again, with a new log file
	n=$((n + 1))
	"fault_start_$1" "$T/logs/$1.$n.log"
}
start hubd
start smsd
start kioskd
check "hubd, smsd and kioskd are up" sh -c \
	"kill -0 $HUBD_PID && kill -0 $SMSD_PID && kill -0 $KIOSKD_PID"

LOAD="python3 $ROOT/tests/e2e/fault_load.py"
$LOAD sms "$SURL" "$S/tls.crt" "$TWILIO" "$N_SMS" "$T/driver/sms.jsonl" \
	"$LOAD_SECONDS" >"$T/driver/sms.out" 2>&1 &
SMS_LOAD=$!
$LOAD kiosk "$KPORT" "$N_KIOSK" "$T/driver/kiosk.jsonl" "$LOAD_SECONDS" \
	>"$T/driver/kiosk.out" 2>&1 &
KIOSK_LOAD=$!
# Idle and trickling clients hold connections to every daemon throughout.
$LOAD nuisance "$SPORT,$KPORT,$HUB_PORT" "$LOAD_SECONDS" "$T/driver/stop" >"$T/driver/nuisance.out" 2>&1 &
NUISANCE=$!

# SIGKILL one daemon at a time at random moments (every 0.3-1.2 s),
# taking them in a random order each round of three, until both loads are
# done and each daemon was killed at least twice; once, hubd stays down
# for 8 s while the others are still killed, and once it hangs for 3 s
# (SIGSTOP). A killed daemon comes back after up to 1 s.
kills_hubd=0
kills_smsd=0
kills_kioskd=0
during=0
during_hubd=0
during_smsd=0
during_kioskd=0
hub_down=0
hub_frozen=0
rnd() { # $1 = modulus
	od -An -N2 -tu2 /dev/urandom | awk -v m="$1" '{print $1 % m}'
}
loading() {
	kill -0 "$SMS_LOAD" 2>/dev/null || kill -0 "$KIOSK_LOAD" 2>/dev/null
}
round=0
order=""
hub_back=0 # while hubd is down for its outage: when it comes back
while loading || [ $kills_hubd -lt 2 ] || [ $kills_smsd -lt 2 ] ||
	[ $kills_kioskd -lt 2 ] || [ $hub_back -ne 0 ] || [ $hub_frozen -eq 0 ]; do
	sleep "0.$(rnd 10)"
	sleep 0.3
	if [ $hub_back -ne 0 ] && [ "$(date +%s)" -ge $hub_back ]; then
		start hubd
		hub_back=0
	fi
	round=$((round + 1))
	[ -n "$order" ] || order=$(printf 'hubd\nsmsd\nkioskd\n' | shuf | tr '\n' ' ')
	victim=${order%% *}
	order=${order#* }
	[ "$victim" = hubd ] && [ $hub_back -ne 0 ] && continue
	if loading; then
		during=$((during + 1))
		eval "during_$victim=\$((during_$victim + 1))"
	fi
	case $victim in
	hubd)
		if [ $hub_down -eq 1 ] && [ $hub_frozen -eq 0 ]; then
			# Once, hubd hangs instead (SIGSTOP): connections open,
			# nothing answers; devices must time out and retry.
			hub_frozen=1
			kill -STOP "$HUBD_PID"
			sleep 3
			kill -CONT "$HUBD_PID"
			continue
		fi
		fault_kill9 "$HUBD_PID"
		kills_hubd=$((kills_hubd + 1))
		if [ $hub_down -eq 0 ] && [ $round -ge 4 ]; then
			# The outage: hubd stays down 8 s while the rest goes on.
			hub_down=1
			hub_back=$(($(date +%s) + 8))
		else
			sleep "0.$(rnd 10)"
			start hubd
		fi
		;;
	smsd)
		fault_kill9 "$SMSD_PID"
		kills_smsd=$((kills_smsd + 1))
		sleep "0.$(rnd 10)"
		start smsd
		;;
	kioskd)
		fault_kill9 "$KIOSKD_PID"
		kills_kioskd=$((kills_kioskd + 1))
		sleep "0.$(rnd 10)"
		start kioskd
		;;
	esac
	[ $round -lt 300 ] || break
done
touch "$T/driver/stop"
wait "$SMS_LOAD"
sms_rc=$?
wait "$KIOSK_LOAD"
kiosk_rc=$?
wait "$NUISANCE"
echo "# kills: hubd $kills_hubd (one outage of 8 s: $hub_down, one hang of 3 s: $hub_frozen) smsd $kills_smsd kioskd $kills_kioskd; $during while the load ran"
cat "$T/driver/sms.out" "$T/driver/kiosk.out" "$T/driver/nuisance.out" | sed 's/^/# /'
check "SIGKILLs: hubd $kills_hubd, smsd $kills_smsd, kioskd $kills_kioskd times (each at least twice), hubd down 8 s once, hung 3 s once" \
	test $kills_hubd -ge 2 -a $kills_smsd -ge 2 -a $kills_kioskd -ge 2 -a $hub_down -eq 1 -a $hub_frozen -eq 1
check "each daemon was killed while referrals were being sent (hubd $during_hubd, smsd $during_smsd, kioskd $during_kioskd times)" \
	test $during_hubd -ge 1 -a $during_smsd -ge 1 -a $during_kioskd -ge 1
check "every one of $N_SMS SMS conversations was answered to the end" test $sms_rc -eq 0
check "every one of $N_KIOSK kiosk visits was taken" test $kiosk_rc -eq 0

# The outboxes drain: wait until the hub has every referral taken (and
# then a little more, for a send cut off by a kill that was committed).
want=$((N_SMS + N_KIOSK))
unsure=$(grep -c '"sent": false, "send_tried": true' "$T/driver/kiosk.jsonl")
have=0
i=0
while [ $i -lt 120 ]; do
	have=$($HUBCTL list --passphrase-file "$PASS" 2>/dev/null | grep -c '^[0-9A-Z]\{4\}-')
	[ "$have" -ge $((want + unsure)) ] && break
	[ "$have" -ge "$want" ] && [ $i -ge 20 ] && break
	sleep 1
	i=$((i + 1))
done
echo "# hub lists $have referrals after ${i}s of draining"
$HUBCTL export --format json --passphrase-file "$PASS" -o "$T/out/export.json" \
	>"$T/out/export.log" 2>&1
check "hubctl export writes every referral" test -s "$T/out/export.json"
python3 "$ROOT/tests/e2e/fault_check.py" "$T/out/export.json" \
	"$T/driver/sms.jsonl" "$T/driver/kiosk.jsonl" "$N_SMS" "$N_KIOSK"
have=$($HUBCTL list --passphrase-file "$PASS" 2>/dev/null | grep -c '^[0-9A-Z]\{4\}-')
check "hubctl list counts as many as export holds ($have)" test "$have" = \
	"$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$T/out/export.json")"
# hubctl show, the staff's one-by-one view, agrees for a few of them.
python3 - "$T/driver/sms.jsonl" "$T/driver/kiosk.jsonl" >"$T/driver/sample" <<'PY'
import json, random, sys
sms = [json.loads(l) for l in open(sys.argv[1]) if '"ok": true' in l]
kiosk = [json.loads(l) for l in open(sys.argv[2]) if '"ref"' in l]
for r in random.sample(sms, min(3, len(sms))):
    print(r["ref"], r["name"].split()[-1])
for r in random.sample(kiosk, min(3, len(kiosk))):
    print(r["ref"], r["markers"]["other_needs"])
PY
shown=0
while read -r ref mk; do
	$HUBCTL show "$ref" --passphrase-file "$PASS" >"$T/out/show.txt" 2>&1 &&
		grep -q "$mk" "$T/out/show.txt" && shown=$((shown + 1))
done <"$T/driver/sample"
check "hubctl show gives back each sampled referral's marker ($shown of 6)" test $shown -eq 6

# No plaintext at rest: every marker planted, searched for in every file
# the hub, smsd and kioskd wrote (databases, WAL, SHM and journals, key
# and config folders, the printed slips, temporary files, every
# daemon's log) while they still run, and again after a last SIGKILL.
# markers: every attempt's; markers.sent: those of referrals taken.
python3 - "$T/driver/sms.jsonl" "$T/driver/kiosk.jsonl" "$T/driver/markers" <<'PY'
import json, sys
every, sent = open(sys.argv[3], "w"), open(sys.argv[3] + ".sent", "w")
for l in open(sys.argv[1]):
    r = json.loads(l)
    for f in (every, sent):
        f.write(r["name"].split()[-1] + "\n" + r["from"][3:] + "\n")
for l in open(sys.argv[2]):
    r = json.loads(l)
    for k, v in r["markers"].items():
        v = v[1:] if k == "phone" else v.replace(" ", "")
        every.write(v + "\n")
        if r["sent"]:
            sent.write(v + "\n")
PY
nmark=$(wc -l <"$T/driver/markers")
nsent=$(wc -l <"$T/driver/markers.sent")
SCAN="python3 $ROOT/tests/e2e/fault_scan.py $T/driver/markers"
check "the scanner finds each of the $nsent markers of referrals taken in hubctl's export (so it can see them)" sh -c \
	"python3 $ROOT/tests/e2e/fault_scan.py $T/driver/markers.sent $T/out/export.json | tail -n 1 | grep -q 'markers $nsent\$'"
python3 -c "import sys; open(sys.argv[2],'wb').write(open(sys.argv[1],'rb').read().decode().encode('utf-16-le'))" \
	"$T/out/export.json" "$T/out/export16.json"
check "... and in the same export written in UTF-16" sh -c \
	"python3 $ROOT/tests/e2e/fault_scan.py $T/driver/markers.sent $T/out/export16.json | tail -n 1 | grep -q 'markers $nsent\$'"
$SCAN "$HUB" "$S" "$K" "$T/tmp" "$T/logs" "$T/init.log" >"$T/out/scan1" 2>&1
r1=$?
fault_kill9 "$HUBD_PID"
fault_kill9 "$SMSD_PID"
fault_kill9 "$KIOSKD_PID"
$SCAN "$HUB" "$S" "$K" "$T/tmp" "$T/logs" "$T/init.log" >"$T/out/scan2" 2>&1
r2=$?
cat "$T/out/scan1" "$T/out/scan2" | head -n 12 | sed 's/^/# /'
check "none of the $nmark markers in any file the nodes wrote, running ($(tail -n 1 "$T/out/scan1"))" test $r1 -eq 0
check "none of them in any file the nodes wrote, after SIGKILL ($(tail -n 1 "$T/out/scan2"))" test $r2 -eq 0
check "the kiosk printed slips, and they were scanned" test -s "$K/slip.bin"
