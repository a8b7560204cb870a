#!/bin/sh
# End to end: kioskd as installed, configured from the block in
# docs/kiosk.md, in front of a real hubd; hostile clients; a kill -9
# with a referral still queued; the slip decoded by zbarimg.
. "$(dirname "$0")/lib.sh"

hub_setup
hub_enroll kiosk-1
start_hubd
K="$T/kiosk"
mkdir -p "$K"
cp "$HUB/devices/kiosk-1.bundle" "$K/kiosk.bundle"
chmod 600 "$K/kiosk.bundle"
chown -R nobody "$K"
KPORT=$(free_port)

# The documented configuration, with this test's paths and port.
kiosk_conf() { # $1 = output, rest = key=value overrides
	out=$1
	shift
	python3 - "$ROOT/docs/kiosk.md" "$out" "$@" <<'PY'
import re, sys
doc, out, sets = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
block = re.search(r"## Configuration.*?```ini\n(.*?)```", open(doc).read(), re.S).group(1)
lines = []
for line in block.splitlines():
    k = line.split("=", 1)[0].strip()
    if "=" in line and not line.startswith("#") and k in sets:
        line = "%s = %s" % (k, sets.pop(k))
    lines.append(line)
lines += ["%s = %s" % kv for kv in sets.items()]
open(out, "w").write("\n".join(lines) + "\n")
PY
}
kiosk_conf "$K/kioskd.conf" port="$KPORT" user=nobody \
	device_bundle="$K/kiosk.bundle" database="$K/outbox.db" \
	database_key="$K/outbox.key" content="$ROOT/content" \
	templates="$ROOT/kiosk/templates" static="$ROOT/kiosk/static" \
	printer="file:$K/slip.bin"

check "the documented kioskd.conf passes --check-config" \
	"$BIN/kioskd" --check-config "$K/kioskd.conf"
bad() { # $1 = what, $2 = expected message, rest = overrides
	what=$1
	msg=$2
	shift 2
	kiosk_conf "$T/bad.conf" port="$KPORT" device_bundle="$K/kiosk.bundle" \
		content="$ROOT/content" templates="$ROOT/kiosk/templates" \
		static="$ROOT/kiosk/static" "$@"
	if "$BIN/kioskd" --check-config "$T/bad.conf" >"$T/bad.log" 2>&1; then
		not_ok "$what is refused"
	elif grep -q "$msg" "$T/bad.log"; then
		ok "$what is refused: $msg"
	else
		not_ok "$what: message lacks '$msg'"
		cat "$T/bad.log"
	fi
}
bad "a public listen address" "loopback only" listen=0.0.0.0
bad "TLS settings" "do not apply" tls_cert=/x tls_key=/y
bad "an idle grace under 20 s" "bad value for idle_grace_seconds" idle_grace_seconds=10
bad "an unknown setting" "unknown setting colour" colour=red
bad "a bad venue code" "venue_code must be" venue_code="bad code"
bad "a language not shipped" "xx is not in languages.json" languages="en xx"
bad "a missing templates folder" "cannot open" templates="$T/none"
bad "a printer spec that is not one" "printer" printer=lpt1
check "a missing config file is an error" sh -c "! $BIN/kioskd --check-config $T/none.conf 2>/dev/null"

spawn "$T/kioskd.log" "$BIN/kioskd" --config "$K/kioskd.conf"
KPID=$LAST_PID
check "kioskd listens" wait_port "$KPORT"
check "kioskd runs as nobody" sh -c "ps -o user= -p $KPID | grep -q nobody"
check "kioskd is confined by seccomp with no_new_privs" sh -c \
	"grep -q '^Seccomp:[[:space:]]*2' /proc/$KPID/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$KPID/status"
check "kioskd stays non-dumpable after the drop" sh -c \
	"test \"\$(stat -c %U /proc/$KPID/environ)\" = root"
check "kioskd has core dumps off" sh -c "grep -q '^Max core file size *0 *0' /proc/$KPID/limits"
check "kioskd listens on loopback only" sh -c \
	"ss -ltnp | grep ':$KPORT ' | grep -q '127.0.0.1:$KPORT'"

CLIENT="python3 $ROOT/tests/e2e/kiosk_client.py $KPORT"
$CLIENT hostile >"$T/hostile.log" 2>&1
cat "$T/hostile.log"
check "no envelope came from the hostile requests" sh -c \
	"! grep -q 'referral queued' $T/kioskd.log"

ref=$($CLIENT walk "Zoë <b>Test</b>" "07700 900456" 2>"$T/walk.err")
check "a visitor walks the flow and gets a reference" sh -c "echo '$ref' | grep -q '^[0-9A-Z]\{4\}-'"
i=0
while [ $i -lt 100 ] && ! $HUBCTL list --passphrase-file "$PASS" 2>/dev/null | grep -q "$ref"; do
	sleep 0.2
	i=$((i + 1))
done
check "the hub has the referral" sh -c "$HUBCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$ref.*kiosk'"
$HUBCTL show "$ref" --passphrase-file "$PASS" >"$T/show.txt" 2>&1
check "hub staff read exactly what was typed" sh -c \
	"grep -q 'Zoë <b>Test</b>' $T/show.txt && grep -q '+447700900456' $T/show.txt && grep -q 'TEST\|CAM-LIB-01' $T/show.txt"
check "the outbox on the kiosk is empty once the hub signed for it" sh -c \
	"grep -q 'delivered' $T/kioskd.log || ! grep -q 'queued' $T/kioskd.log"
"$TOOLS/escpos2png" "$K/slip.bin" "$T/slip.png" >/dev/null 2>&1
check "the printed slip's QR holds the code on the screen" sh -c \
	"zbarimg -q --raw $T/slip.png | grep -qx 'SMSTO:+447700900000:REF $ref'"
check "no personal data in kioskd's log" sh -c "! grep -q 'Zo\|900456' $T/kioskd.log"

# The hub is down, a visitor sends, kioskd is killed: nothing is lost.
stop_hubd
ref2=$($CLIENT walk "Kill Test" "07700 900789" 2>>"$T/walk.err")
check "a referral is taken while the hub is down" sh -c "echo '$ref2' | grep -q '^[0-9A-Z]\{4\}-'"
kill -9 "$KPID"
wait "$KPID" 2>/dev/null
check "nothing personal in kioskd's folder in the clear" sh -c "! grep -rq 'Kill Test' $K"
start_hubd
spawn "$T/kioskd2.log" "$BIN/kioskd" --config "$K/kioskd.conf"
wait_port "$KPORT"
i=0
while [ $i -lt 150 ] && ! $HUBCTL list --passphrase-file "$PASS" 2>/dev/null | grep -q "$ref2"; do
	sleep 0.2
	i=$((i + 1))
done
check "after kill -9 and restart the queued referral reaches the hub" sh -c \
	"$HUBCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$ref2'"
check "SIGTERM stops kioskd cleanly" sh -c "kill $LAST_PID && sleep 1 && ! kill -0 $LAST_PID 2>/dev/null"
