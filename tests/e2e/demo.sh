#!/bin/sh
# make demo as README says: it starts, the kiosk it prints takes a
# referral that reaches its hub, a slip becomes a PNG, and SIGTERM stops
# it at once (deleting the demo keys).
. "$(dirname "$0")/lib.sh"

# hubd and kioskd run as nobody: they must reach the demo folder.
chmod 755 "$T"
BUILD=$BUILD TMPDIR=$T sh "$ROOT/scripts/demo.sh" >"$T/demo.out" 2>&1 &
DPID=$!
i=0
while [ $i -lt 300 ] && ! grep -q 'Press Ctrl-C' "$T/demo.out"; do
	sleep 0.1
	i=$((i + 1))
done
check "the demo starts and prints what to try" grep -q 'Press Ctrl-C' "$T/demo.out"
grep -q 'Press Ctrl-C' "$T/demo.out" || tail -n 20 "$T/demo.out"
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$T/demo.out" | head -n 1)
kport=$(echo "$url" | sed 's|.*:\([0-9]*\)/|\1|')
check "the demo prints the kiosk's address" test -n "$kport"
ref=$(python3 "$ROOT/tests/e2e/kiosk_client.py" "$kport" walk "Demo Visitor" "07700 900321" 2>"$T/walk.err")
check "a visit to the demo kiosk gets a reference" sh -c "echo '$ref' | grep -q '^[0-9A-Z]\{4\}-'"
i=0
while [ $i -lt 50 ] && ! ls "$T"/rj-demo.*/kiosk/slips/*.png >/dev/null 2>&1; do
	sleep 0.2
	i=$((i + 1))
done
check "the printed slip is written as a PNG" sh -c "ls $T/rj-demo.*/kiosk/slips/*.png >/dev/null 2>&1"
show=$(grep -o "[^ ]*/hubctl -d [^ ]* show [^ ]* --passphrase-file [^ ]*" "$T/demo.out" | head -n 1)
i=0
while [ $i -lt 50 ] && ! ${show%% show *} list --passphrase-file "${show##* }" 2>/dev/null | grep -q "$ref"; do
	sleep 0.2
	i=$((i + 1))
done
check "the demo hub has the kiosk's referral" sh -c \
	"${show%% show *} show $ref --passphrase-file ${show##* } 2>/dev/null | grep -q 'Demo Visitor'"
# The printed way to send another referral (a fresh reference from
# refgen, then put and flush) works as printed.
check "the demo says how to make a valid reference (refgen)" \
	grep -q 'refgen makes one' "$T/demo.out"
grep '^  sed -i .*refgen' "$T/demo.out" >"$T/another.sh"
grep '^  [^ ]*/device_sim .* put ' "$T/demo.out" >>"$T/another.sh"
grep '^  [^ ]*/device_sim .* flush ' "$T/demo.out" >>"$T/another.sh"
before=$(${show%% show *} list --passphrase-file "${show##* }" 2>/dev/null | grep -c '^[0-9A-Z]\{4\}-')
sh -e "$T/another.sh" >"$T/another.out" 2>&1 && sh -e "$T/another.sh" >>"$T/another.out" 2>&1
after=$(${show%% show *} list --passphrase-file "${show##* }" 2>/dev/null | grep -c '^[0-9A-Z]\{4\}-')
check "the printed commands send two more referrals, each with a new reference ($before, then $after)" \
	test "$after" -eq $((before + 2))
check "the printed hubctl doctor finds the demo hub fit" sh -c \
	"\$(grep -o '[^ ]*/hubctl -d [^ ]* doctor' $T/demo.out) >$T/doctor.out 2>&1"; cat $T/doctor.out >&2
if [ "$(id -u)" -eq 0 ]; then
	bk=$(ls $T/rj-demo.*/hub/hub.box.key 2>/dev/null | head -n 1)
	check "hubd's user (nobody) cannot read the demo hub's hub.box.key" sh -c \
		"test -n '$bk' && ! setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups cat '$bk' >/dev/null 2>&1"
fi
cat "$T/doctor.out"
start=$(date +%s)
kill -TERM "$DPID"
wait "$DPID"
end=$(date +%s)
check "SIGTERM stops the demo within 5 s" test $((end - start)) -le 5
check "the demo keys are deleted" sh -c "! ls -d $T/rj-demo.* >/dev/null 2>&1"
