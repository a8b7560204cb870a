#!/bin/sh
# Heartbeats (issue 15): a real kioskd's heartbeat shows in `hubctl
# devices` with its figures; a kiosk whose printer goes away, and a
# device reporting dead letters, are flagged; a stopped kiosk is flagged
# silent; forged, unsigned, replayed and unknown heartbeats are refused;
# `hubctl stats` counts by day, channel and device.
. "$(dirname "$0")/lib.sh"

hub_setup
hub_enroll kiosk-1
hub_enroll sms-1
hub_enroll gone-1
start_hubd
K="$T/kiosk"
mkdir -p "$K/printer"
cp "$HUB/devices/kiosk-1.bundle" "$K/kiosk.bundle"
chmod 600 "$K/kiosk.bundle"
KPORT=$(free_port)
# docs/kiosk.md's configuration, with this test's paths and a one-second
# heartbeat.
python3 - "$ROOT/docs/kiosk.md" "$K/kioskd.conf" port="$KPORT" user=nobody \
	device_bundle="$K/kiosk.bundle" database="$K/outbox.db" \
	database_key="$K/outbox.key" content="$ROOT/content" \
	templates="$ROOT/kiosk/templates" static="$ROOT/kiosk/static" \
	printer="file:$K/printer/slip.bin" heartbeat_seconds=1 <<'PY'
import re, sys
doc, out, sets = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
block = re.search(r"## Configuration.*?```ini\n(.*?)```", open(doc).read(), re.S).group(1)
lines = []
for line in block.splitlines():
    k = line.split("=", 1)[0].strip()
    if "=" in line and not line.startswith("#") and k in sets:
        line = "%s = %s" % (k, sets.pop(k))
    lines.append(line)
open(out, "w").write("\n".join(lines + ["%s = %s" % kv for kv in sets.items()]) + "\n")
PY
chown -R nobody "$K"
spawn "$T/kioskd.log" "$BIN/kioskd" --config "$K/kioskd.conf"
KPID=$LAST_PID

# Wait (at most ~10 s) until `hubctl devices` shows what we look for.
devices_show() { # $1 = device, $2 = pattern
	i=0
	while [ $i -lt 50 ]; do
		$HUBCTL devices >"$T/devices.out" 2>&1
		grep "^$1 " "$T/devices.out" | grep -q "$2" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	cat "$T/devices.out"
	return 1
}
check "a running kiosk shows as seen, with its figures" \
	devices_show kiosk-1 "kiosk last seen .* outbox 0  dead 0  printer ok  version"
check "a device never heard from says so" devices_show gone-1 "never seen"
check "a healthy kiosk is not flagged" sh -c "! grep '^kiosk-1 ' $T/devices.out | grep -q '!'"

rm -rf "$K/printer"
check "a kiosk whose printer went away is flagged" \
	devices_show kiosk-1 "! PRINTER missing"
mkdir -p "$K/printer" && chown nobody "$K/printer"

check "a signed heartbeat is taken" sh -c \
	"test \"\$($TOOLS/hbsend $HUB/devices/sms-1.bundle dead 2)\" = 200"
check "a device with dead letters is flagged" devices_show sms-1 "! DEAD LETTERS"
check "a forged heartbeat is refused" sh -c \
	"test \"\$($TOOLS/hbsend $HUB/devices/sms-1.bundle forged)\" = 403"
check "an unsigned heartbeat is refused" sh -c \
	"test \"\$($TOOLS/hbsend $HUB/devices/sms-1.bundle unsigned)\" = 403"
check "refused heartbeats changed nothing" devices_show sms-1 "dead 2 "
check "a replayed heartbeat is refused" sh -c \
	"test \"\$($TOOLS/hbsend $HUB/devices/sms-1.bundle replay)\" = 409"
check "garbage is refused" sh -c "curl -s -o /dev/null -w '%{http_code}' \
	--cacert $HUB/tls.crt -H 'Content-Type: application/octet-stream' \
	--data-binary 'RJH1 not a heartbeat' $HUB_URL/v1/heartbeat | grep -q 400"
# Idle and slow clients (20 TLS connections saying nothing, 5 sending a
# heartbeat a byte at a time) do not keep a device's heartbeat out; a
# burst of heartbeats at once is answered, each 200 or refused as stale.
python3 - "$HUB_PORT" "$HUB/tls.crt" "$T/crowd.ready" <<'PY' &
import socket, ssl, sys, time
port, ca, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1")
idle = [conn() for _ in range(20)]
slow = [conn() for _ in range(5)]
open(ready, "w").close()
msg = b"POST /v1/heartbeat HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n"
for i in range(3):
    for s in slow:
        try:
            s.send(msg[i:i + 1])
        except OSError:
            pass
    time.sleep(1)
PY
CROWD=$!
i=0
while [ $i -lt 100 ] && [ ! -e "$T/crowd.ready" ]; do sleep 0.1; i=$((i + 1)); done
check "with idle and slow clients held open, a heartbeat is still taken" sh -c \
	"test \"\$(timeout 10 $TOOLS/hbsend $HUB/devices/sms-1.bundle good)\" = 200"
for n in 1 2 3 4 5 6 7 8; do
	timeout 10 "$TOOLS/hbsend" "$HUB/devices/sms-1.bundle" good >"$T/burst.$n" 2>&1 &
done
wait $CROWD 2>/dev/null
sleep 1
check "a burst of 8 heartbeats at once: each answered 200 or 409 (stale)" sh -c \
	"cat $T/burst.* | grep -c -E '^(200|409)\$' | grep -qx 8"
$HUBCTL revoke sms-1 >/dev/null 2>&1
check "a revoked device's heartbeat is refused" sh -c \
	"test \"\$($TOOLS/hbsend $HUB/devices/sms-1.bundle good)\" = 403"

# A referral from kiosk-1 (through the real forwarder), then counts.
ref=$("$TOOLS/refgen")
cat >"$T/referral.json" <<JSON
{"schema":1,"kind":"referral","ref":"$ref","channel":"kiosk","language":"en",
 "consent":{"wording_version":1,"wording_sha256":"test","given_at":"2026-01-01T10:00:00Z"},
 "contact":{"name":"Sam Test","phone":"+447700900123","method":"call","time":"morning","voicemail_ok":false},
 "borough":"Camden"}
JSON
SIM="$TOOLS/device_sim $K/kiosk.bundle $T/sim.db $T/sim.key"
$SIM put "$T/referral.json" >/dev/null 2>&1
$SIM flush 10 >/dev/null 2>&1
$HUBCTL stats >"$T/stats.out" 2>&1
today=$(date -u +%F)
check "hubctl stats counts the referral by day, channel and device" \
	grep -q "^$today  kiosk    kiosk-1  *1  *0  *0" "$T/stats.out"
check "hubctl stats shows no personal data" sh -c \
	"! grep -q -e 'Sam Test' -e '$ref' -e 7700900123 $T/stats.out"

kill "$KPID"
wait "$KPID" 2>/dev/null
check "a stopped kiosk is flagged silent after three intervals" \
	devices_show kiosk-1 "! SILENT"
check "hubd logged the refusals without personal data" sh -c \
	"grep -q 'heartbeat with a bad signature' $T/hubd.log && ! grep -q 'Sam Test' $T/hubd.log"
# Last: the check sends a heartbeat of its own.
check "the kiosk's heartbeat_seconds is documented and accepted" sh -c \
	"$BIN/kioskd --check-config $K/kioskd.conf >$T/check.out 2>&1"
