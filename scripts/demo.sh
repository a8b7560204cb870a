#!/bin/sh
# make demo: the whole system on loopback with fresh demo keys in a
# temporary directory. Ctrl-C stops it and deletes the demo keys.
# DEMO_SECONDS=N stops it by itself after N seconds.
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/bin"
TOOLS="$ROOT/$BUILD/tools"
D=$(mktemp -d "${TMPDIR:-/tmp}/rj-demo.XXXXXX")
chmod 755 "$D"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$D"
	echo "demo stopped; demo keys deleted"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'demo passphrase, not for real use\n' >"$D/passphrase"
chmod 600 "$D/passphrase"
HUBCTL="$BIN/hubctl -d $D/hub"

echo "== hubctl init: hub keys, TLS certificate, inbox"
$HUBCTL init --passphrase-file "$D/passphrase" --port "$port" \
	--content "$ROOT/content" 2>/dev/null
$HUBCTL enroll demo-kiosk --url "https://127.0.0.1:$port" 2>/dev/null
if [ "$(id -u)" -eq 0 ]; then
	sed -i 's/^user = rjhub/user = nobody/' "$D/hub/hubd.conf"
	chown -R nobody "$D/hub"
else
	sed -i 's/^user = rjhub/user =/' "$D/hub/hubd.conf"
fi

echo "== starting hubd on https://127.0.0.1:$port"
"$BIN/hubd" --config "$D/hub/hubd.conf" >"$D/hubd.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until curl -sf --cacert "$D/hub/tls.crt" "https://127.0.0.1:$port/v1/health" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { cat "$D/hubd.log"; exit 1; }
	sleep 0.1
done

echo "== a demo device seals a made-up referral and forwards it"
ref=$("$TOOLS/refgen")
cat >"$D/referral.json" <<JSON
{"schema":1,"kind":"referral","ref":"$ref","channel":"kiosk","language":"en",
 "consent":{"wording_version":"1","wording_sha256":"demo","given_at":"2026-01-01T10:00:00Z"},
 "contact":{"name":"Sam Demo","phone":"+447700900123","method":"call","time":"morning","voicemail_ok":false},
 "borough":"Camden"}
JSON
SIM="$TOOLS/device_sim $D/hub/devices/demo-kiosk.bundle $D/kiosk.db $D/kiosk.key"
$SIM put "$D/referral.json" >/dev/null 2>&1
$SIM flush 10 2>/dev/null

echo "== hubctl list (no personal data)"
$HUBCTL list --passphrase-file "$D/passphrase" 2>/dev/null
echo
cat <<EOF2
The demo hub is running. Try, in another terminal:

  $HUBCTL show $ref --passphrase-file $D/passphrase
  $HUBCTL export --format csv --passphrase-file $D/passphrase
  $HUBCTL devices
  curl --cacert $D/hub/tls.crt https://127.0.0.1:$port/v1/health
  $SIM put $D/referral.json      # (edit "ref" first: references are unique)
  $SIM flush 10

Everything lives in $D and is deleted when the demo stops.
Press Ctrl-C to stop.
EOF2
if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
else
	while :; do sleep 3600; done
fi
