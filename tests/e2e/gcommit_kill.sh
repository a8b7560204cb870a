#!/bin/sh
# Kill -9 during group commit (issue 12): hubd and smsd are killed with
# SIGKILL while 16 clients at a time are storing envelopes and webhooks
# through their group commits. After a restart, every request that was
# answered 201/200 is in the database (hubd answers its envelope as a
# duplicate with the same receipt; smsd's conversation has moved on), and
# none is missing.
. "$(dirname "$0")/lib.sh"
LOAD="$ROOT/tests/e2e/gcommit_load.py"

# Wait until file $1 has at least $2 lines (max ~20 s, looking often:
# the kill must land while requests are still coming).
wait_lines() {
	i=0
	while [ $i -lt 1000 ]; do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.02
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
N=2000
check "build $N envelopes" "$TOOLS/device_sim" "$HUB/devices/kiosk-k.bundle" \
	"$DEV/outbox.db" "$DEV/db.key" build "$T/p.json" "$DEV/envs" $N 2>/dev/null
timeout 60 python3 "$LOAD" hub "$HUB_URL" "$HUB/tls.crt" "$T/hub.out" 50 "$DEV/envs" &
load=$!
wait_lines "$T/hub.out" 40
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
r=$(timeout 60 python3 "$LOAD" hubcheck "$HUB_URL" "$HUB/tls.crt" "$T/hub.out" 50 "$DEV/envs")
echo "# hubd after restart: $r"
check "every envelope answered 201 is stored: same receipt again ($r)" \
	sh -c "echo '$r' | grep -q 'checked $stored kept $stored lost 0'"
check "hubd's inbox is not damaged" sh -c \
	"$HUBCTL list --passphrase-file $PASS >/dev/null 2>&1"

# The batch endpoint's answers, one per envelope (docs/hub.md).
"$TOOLS/device_sim" "$HUB/devices/kiosk-k.bundle" "$DEV/outbox.db" \
	"$DEV/db.key" build "$T/p.json" "$DEV/new" 3 2>/dev/null
r=$(python3 - "$HUB_URL" "$HUB/tls.crt" "$DEV/new" <<'PY'
import json, ssl, struct, sys, urllib.parse, http.client
base, ca, pre = sys.argv[1:4]
u = urllib.parse.urlsplit(base)
def post(body, ctype="application/vnd.rj.batch"):
    c = http.client.HTTPSConnection(u.hostname, u.port,
        context=ssl.create_default_context(cafile=ca), timeout=20)
    c.request("POST", "/v1/envelopes/batch", body, {"Content-Type": ctype})
    r = c.getresponse()
    return r.status, r.read()
data, envs = open(pre, "rb").read(), []
while data:
    n = struct.unpack(">I", data[:4])[0]
    envs.append(data[4:4 + n])
    data = data[4 + n:]
bad = bytearray(envs[1]); bad[-1] ^= 1       # its signature no longer holds
body = b"".join(struct.pack(">I", len(e)) + bytes(e) for e in (envs[0], bad, envs[2]))
s, d = post(body)
res = json.loads(d)["results"]
print("mixed", s, " ".join("%s:%s" % (x["status"], x.get("error", "-")) for x in res))
s, d = post(body)
print("again", s, " ".join(str(x["status"]) for x in json.loads(d)["results"]))
print("malformed", *post(struct.pack(">I", 9) + b"abc"))
print("ctype", post(body, "application/octet-stream")[0])
PY
)
echo "$r" | sed 's/^/# /'
check "batch: a bad signature is refused alone, the others stored" \
	sh -c "echo '$r' | grep -q '^mixed 200 201:- 403:bad_signature 201:-$'"
check "batch: sent again, the stored ones are duplicates (200)" \
	sh -c "echo '$r' | grep -q '^again 200 200 403 200$'"
check "batch: a torn frame is 400 malformed_batch" \
	sh -c "echo '$r' | grep -q '^malformed 400 .*malformed_batch'"
check "batch: another content type is 415" sh -c "echo '$r' | grep -q '^ctype 415$'"

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
{
	smsd_section "$S" "$SPORT"
	cat <<EOF2

[twilio]
enabled = true
public_url = $SURL/sms/twilio
EOF2
} >"$S/smsd.conf"
chown -R nobody "$S"
spawn "$T/smsd.log" "$BIN/smsd" --config "$S/smsd.conf"
SMSD_PID=$LAST_PID
check "smsd starts" wait_port "$SPORT"
M=2000
timeout 60 python3 "$LOAD" sms "$SURL" "$S/tls.crt" "$TWILIO" $M Hello "$T/sms.out" 50 &
load=$!
wait_lines "$T/sms.out" 40
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
check "smsd logs no store failure after restart" sh -c "! grep -Eq 'group commit: (transaction lost|[A-Z]+ failed)' $T/smsd2.log"
