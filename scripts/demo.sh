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

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
sport=$(free_port)
kport=$(free_port)
printf 'demo passphrase, not for real use\n' >"$D/passphrase"
chmod 600 "$D/passphrase"
HUBCTL="$BIN/hubctl -d $D/hub"

echo "== hubctl init: hub keys, TLS certificate, inbox"
$HUBCTL init --passphrase-file "$D/passphrase" --port "$port" \
	--content "$ROOT/content" 2>/dev/null
$HUBCTL enroll demo-kiosk --url "https://127.0.0.1:$port" 2>/dev/null
duser=
if [ "$(id -u)" -eq 0 ]; then
	duser=nobody
	sed -i 's/^user = rjhub/user = nobody/' "$D/hub/hubd.conf"
	# hubd reads its keys as root, then runs as nobody, which gets only
	# what it writes (the inbox, and the folder its journals go in):
	# hub.box.key and hubd's own keys stay root's, and the folder is
	# sticky so nobody cannot remove or replace them.
	chown -R root:root "$D/hub"
	chown "root:$(id -g nobody)" "$D/hub"
	chmod 1770 "$D/hub"
	chmod 600 "$D/hub/hub.box.key"
	chown nobody "$D/hub"/inbox.db*
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
 "consent":{"wording_version":1,"wording_sha256":"demo","given_at":"2026-01-01T10:00:00Z"},
 "contact":{"name":"Sam Demo","phone":"+447700900123","method":"call","time":"morning","voicemail_ok":false},
 "borough":"Camden"}
JSON
SIM="$TOOLS/device_sim $D/hub/devices/demo-kiosk.bundle $D/kiosk.db $D/kiosk.key"
$SIM put "$D/referral.json" >/dev/null 2>&1
$SIM flush 10 2>/dev/null

echo "== starting smsd (SMS gateway) on https://127.0.0.1:$sport"
S="$D/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 30 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
chmod 600 "$S/tls.key"
$HUBCTL enroll demo-sms --url "https://127.0.0.1:$port" --out "$S/device.bundle" >/dev/null 2>&1
twilio_token=$(openssl rand -hex 16)
kannel_token=$(openssl rand -hex 16)
(umask 077 && cat >"$S/secrets" <<EOF2
twilio_auth_token = $twilio_token
kannel_token = $kannel_token
json_secret = $(openssl rand -hex 16)
state_key = $(openssl rand -hex 32)
EOF2
)
cat >"$S/smsd.conf" <<EOF2
[smsd]
listen = 127.0.0.1
port = $sport
tls_cert = $S/tls.crt
tls_key = $S/tls.key
device_bundle = $S/device.bundle
database = $S/smsd.db
database_key = $S/smsd.key
secrets = $S/secrets
content = $ROOT/content
language = en
user = $duser

[twilio]
enabled = true
public_url = https://127.0.0.1:$sport/sms/twilio

[kannel]
enabled = true
allow = 127.0.0.1 ::1
EOF2
[ "$(id -u)" -eq 0 ] && chown -R nobody "$S"
"$BIN/smsd" --config "$S/smsd.conf" >"$D/smsd.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until curl -sf --cacert "$S/tls.crt" "https://127.0.0.1:$sport/v1/health" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { cat "$D/smsd.log"; exit 1; }
	sleep 0.1
done

# A curl command carrying a valid X-Twilio-Signature: HMAC-SHA1 with the
# auth token over the public URL and the sorted parameters.
twilio_cmd() { # from body sid
	url="https://127.0.0.1:$sport/sms/twilio"
	sig=$(printf '%s' "${url}Body$2From$1MessageSid$3To+447700900000" |
		openssl dgst -sha1 -hmac "$twilio_token" -binary | base64)
	printf "curl --cacert %s -H 'X-Twilio-Signature: %s' --data-urlencode 'Body=%s' --data-urlencode 'From=%s' --data-urlencode 'MessageSid=%s' --data-urlencode 'To=+447700900000' %s\n" \
		"$S/tls.crt" "$sig" "$2" "$1" "$3" "$url"
}

echo "== starting kioskd (the kiosk) on http://127.0.0.1:$kport/"
KD="$D/kiosk"
mkdir -p "$KD/slips"
$HUBCTL enroll demo-kiosk-2 --url "https://127.0.0.1:$port" --out "$KD/kiosk.bundle" >/dev/null 2>&1
cat >"$KD/kioskd.conf" <<EOF2
[kioskd]
listen = 127.0.0.1
port = $kport
user = $duser
venue_name = Demo venue
venue_code = DEMO-1
device_bundle = $KD/kiosk.bundle
database = $KD/outbox.db
database_key = $KD/outbox.key
content = $ROOT/content
templates = $ROOT/kiosk/templates
static = $ROOT/kiosk/static
languages = en pl ar bn ur so tr ro pt es
allow_drafts = yes
easy_read = yes
service_number = +447700900000
service_number_display = 07700 900000
printer = file:$KD/slip.bin
EOF2
[ "$(id -u)" -eq 0 ] && chown -R nobody "$KD"
"$BIN/kioskd" --config "$KD/kioskd.conf" >"$D/kioskd.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until curl -sf "http://127.0.0.1:$kport/health" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { cat "$D/kioskd.log"; exit 1; }
	sleep 0.1
done
# Each printed slip becomes a PNG a person can open.
(
	n=0
	last=
	while :; do
		m=$(stat -c %Y.%s "$KD/slip.bin" 2>/dev/null || true)
		if [ -n "$m" ] && [ "$m" != "$last" ]; then
			n=$((n + 1))
			"$TOOLS/escpos2png" "$KD/slip.bin" "$KD/slips/slip-$n.png" >/dev/null 2>&1 &&
				echo "printed: $KD/slips/slip-$n.png"
			last=$m
		fi
		sleep 1
	done
) &
PIDS="$PIDS $!"

echo "== hubctl list (no personal data)"
$HUBCTL list --passphrase-file "$D/passphrase" 2>/dev/null
echo
cat <<EOF2
The demo hub is running. Try, in another terminal:

  $HUBCTL show $ref --passphrase-file $D/passphrase
  $HUBCTL export --format csv --passphrase-file $D/passphrase
  $HUBCTL devices
  $HUBCTL stats
  $HUBCTL doctor
  curl --cacert $D/hub/tls.crt https://127.0.0.1:$port/v1/health

Send another made-up referral: references are unique, so give it a new
valid one first ($TOOLS/refgen makes one, check symbol and all):

  sed -i "s/\"ref\":\"[^\"]*\"/\"ref\":\"\$($TOOLS/refgen)\"/" $D/referral.json
  $SIM put $D/referral.json
  $SIM flush 10

Text the SMS gateway as Twilio would (each command is signed; run them
in order to walk through the conversation, then look at hubctl list):

  $(twilio_cmd +447700900123 HELLO SM0001)
  $(twilio_cmd +447700900123 AGREE SM0002)
  $(twilio_cmd +447700900123 1 SM0003)
  $(twilio_cmd +447700900123 Sam SM0004)
  $(twilio_cmd +447700900123 'TEXT ONLY' SM0005)

Or as Kannel would (a token in the URL, from an allowed address):

  curl --cacert $S/tls.crt 'https://127.0.0.1:$sport/sms/kannel?token=$kannel_token&from=%2B447700900456&to=%2B447700900000&text=HELLO&id=k1'

Open the kiosk in a browser (or run it full screen: kiosk/run-kiosk.sh):

  http://127.0.0.1:$kport/

Each slip it prints is written as a PNG to $KD/slips/. Referrals sent
from the kiosk reach the hub within seconds: look with hubctl list.

Everything lives in $D and is deleted when the demo stops.
Press Ctrl-C to stop.
EOF2
# sleep in the background and wait, so SIGTERM and Ctrl-C stop the demo
# at once rather than after the sleep.
if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS" &
else
	sleep 2147483647 &
fi
PIDS="$PIDS $!"
wait $!
