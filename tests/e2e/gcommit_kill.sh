#!/bin/sh
# Kill -9 during group commit (issue 12): hubd and smsd are killed with
# SIGKILL while 16 clients at a time are storing envelopes and webhooks
# through their group commits. After a restart, every request that was
# answered 201/200 is in the database (hubd answers its envelope as a
# duplicate with the same receipt; smsd's conversation has moved on), and
# none is missing.
. "$(dirname "$0")/lib.sh"
LOAD="$ROOT/tests/e2e/gcommit_load.py"

# Wait until file $1 has at least $2 lines (max ~20 s).
wait_lines() {
	i=0
	while [ $i -lt 200 ]; do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
count() { # file status
	awk -v s="$2" '$2 == s' "$1" | wc -l
}

hub_setup
hub_enroll kiosk-k
hub_enroll sms-k
start_hubd
check "hubd starts" test -n "$HUBD_PID"

# --- hubd: envelopes, one by one and in batches of four ---
DEV="$T/kiosk"
mkdir -p "$DEV"
cat >"$T/p.json" <<JSON
{"schema":1,"kind":"referral","ref":"$("$TOOLS/refgen")","channel":"kiosk","language":"en",
 "consent":{"wording_version":1,"wording_sha256":"00","given_at":"2026-11-23T10:00:00Z"},
 "contact":{"name":"K","phone":"+447700900123","method":"call","time":"morning","voicemail_ok":false},
 "borough":"Hackney"}
JSON
N=320
check "build $N envelopes" "$TOOLS/device_sim" "$HUB/devices/kiosk-k.bundle" \
	"$DEV/outbox.db" "$DEV/db.key" build "$T/p.json" "$DEV/env" $N 2>/dev/null
files=""
i=0
while [ $i -lt $N ]; do
	files="$files $DEV/env.$i"
	i=$((i + 1))
done
# shellcheck disable=SC2086
timeout 60 python3 "$LOAD" hub "$HUB_URL" "$HUB/tls.crt" "$T/hub.out" 50 $files &
load=$!
wait_lines "$T/hub.out" 60
kill -9 "$HUBD_PID"
wait "$HUBD_PID" 2>/dev/null
wait $load
stored=$(count "$T/hub.out" 201)
lost=$(count "$T/hub.out" 0)
echo "# hubd: $stored answered 201, $lost not answered (killed) of $N"
check "hubd answered some envelopes before SIGKILL ($stored)" test "$stored" -gt 0
check "... and the kill cut requests off mid-stream ($lost)" test "$lost" -gt 0
start_hubd
check "hubd restarts after SIGKILL" kill -0 "$HUBD_PID"
r=$(timeout 60 python3 "$LOAD" hubcheck "$HUB_URL" "$HUB/tls.crt" "$T/hub.out" 50)
echo "# hubd after restart: $r"
check "every envelope answered 201 is stored: same receipt again ($r)" \
	sh -c "echo '$r' | grep -q 'checked $stored kept $stored lost 0'"
check "hubd's inbox is not damaged" sh -c \
	"$HUBCTL list --passphrase-file $PASS >/dev/null 2>&1"

# --- smsd: first messages from many numbers ---
S="$T/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
chmod 600 "$S/tls.key"
cp "$HUB/devices/sms-k.bundle" "$S/device.bundle"
TWILIO=$(openssl rand -hex 16)
umask 077
cat >"$S/secrets" <<EOF2
twilio_auth_token = $TWILIO
state_key = $(openssl rand -hex 32)
EOF2
umask 022
SPORT=$(free_port)
SURL="https://127.0.0.1:$SPORT"
cat >"$S/smsd.conf" <<EOF2
[smsd]
listen = 127.0.0.1
port = $SPORT
tls_cert = $S/tls.crt
tls_key = $S/tls.key
device_bundle = $S/device.bundle
database = $S/smsd.db
database_key = $S/smsd.key
secrets = $S/secrets
content = $ROOT/content
user = nobody

[twilio]
enabled = true
public_url = $SURL/sms/twilio
EOF2
chown -R nobody "$S"
spawn "$T/smsd.log" "$BIN/smsd" --config "$S/smsd.conf"
SMSD_PID=$LAST_PID
check "smsd starts" wait_port "$SPORT"
M=400
timeout 60 python3 "$LOAD" sms "$SURL" "$S/tls.crt" "$TWILIO" $M Hello "$T/sms.out" 50 &
load=$!
wait_lines "$T/sms.out" 80
kill -9 "$SMSD_PID"
wait "$SMSD_PID" 2>/dev/null
wait $load
stored=$(count "$T/sms.out" 200)
lost=$(count "$T/sms.out" 0)
echo "# smsd: $stored answered 200, $lost not answered (killed) of $M"
check "smsd answered some webhooks before SIGKILL ($stored)" test "$stored" -gt 0
check "... and the kill cut webhooks off mid-stream ($lost)" test "$lost" -gt 0
spawn "$T/smsd2.log" "$BIN/smsd" --config "$S/smsd.conf"
check "smsd restarts after SIGKILL" wait_port "$SPORT"
r=$(timeout 60 python3 "$LOAD" smscheck "$SURL" "$S/tls.crt" "$TWILIO" "$T/sms.out" AGREE 'Did it happen in London' 50)
echo "# smsd after restart: $r"
check "every webhook answered 200 was stored: its conversation moves on ($r)" \
	sh -c "echo '$r' | grep -q 'checked $stored kept $stored lost 0'"
check "smsd logs no store failure after restart" sh -c "! grep -q 'group commit' $T/smsd2.log"
