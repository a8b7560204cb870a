#!/bin/sh
# End to end: hubd + smsd on loopback over TLS, providers' webhooks sent
# with curl (Twilio-signed forms, Kannel GET, signed JSON), the consent
# conversation, and the hub reading back what was said.
. "$(dirname "$0")/lib.sh"

hub_setup
hub_enroll sms-1
start_hubd
check "hubd is up" curl -sf --cacert "$HUB/tls.crt" "$HUB_URL/v1/health" -o /dev/null

# smsd's own TLS identity, its secrets and its configuration.
S="$T/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
chmod 600 "$S/tls.key"
cp "$HUB/devices/sms-1.bundle" "$S/device.bundle"
TWILIO=0123456789abcdef0123456789abcdef
KANNEL=k4nn3l-t0ken-for-tests
JSONK=json-hook-secret-for-tests
umask 077
cat >"$S/secrets" <<EOF2
twilio_auth_token = $TWILIO
kannel_token = $KANNEL
json_secret = $JSONK
state_key = $(openssl rand -hex 32)
EOF2
umask 022
SPORT=$(free_port)
SURL="https://127.0.0.1:$SPORT"
{
	smsd_section "$S" "$SPORT"
	cat <<EOF2
language = en
sender_max_per_hour = 40

[twilio]
enabled = true
public_url = $SURL/sms/twilio

[kannel]
enabled = true
allow = 127.0.0.1 ::1

[json]
enabled = true
EOF2
} >"$S/smsd.conf"
# Configuration mistakes stop smsd at once with a clear message.
sed 's/^port = .*/port = not-a-number/' "$S/smsd.conf" >"$T/bad1.conf"
printf '[smsd]\nlisten = 127.0.0.1\ncolour = blue\n' >"$T/bad2.conf"
check "smsd refuses a bad port value, naming it" sh -c \
	"! $BIN/smsd --config $T/bad1.conf 2>$T/bad1.log && grep -q 'bad value for port' $T/bad1.log"
check "smsd refuses an unknown setting, naming it" sh -c \
	"! $BIN/smsd --config $T/bad2.conf 2>$T/bad2.log && grep -q 'unknown setting \[smsd\] colour' $T/bad2.log"
check "smsd refuses a missing configuration file" sh -c \
	"! $BIN/smsd --config $T/none.conf 2>$T/bad3.log && grep -q 'cannot read' $T/bad3.log"
chown -R nobody "$S"
spawn "$T/smsd.log" "$BIN/smsd" --config "$S/smsd.conf"
SMSD_PID=$LAST_PID
check "smsd starts and listens" wait_port "$SPORT"
check "smsd answers health over TLS" sh -c "curl -sf --cacert $S/tls.crt $SURL/v1/health | grep -q ok"

send() { # provider from text [id] [flags...]
	python3 "$ROOT/tests/e2e/sms_send.py" "$1" "$SURL" "$S/tls.crt" \
		"$(case $1 in twilio) echo $TWILIO ;; kannel) echo $KANNEL ;; json) echo $JSONK ;; esac)" \
		"$2" "$3" ${4:-} ${5:-}
}
expect() { # what, response, pattern
	if echo "$2" | grep -q -- "$3"; then ok "$1"; else not_ok "$1 (got: $2)"; fi
}

# The whole conversation over Twilio.
N1=+447700900111
r=$(send twilio $N1 HELLO)
expect "twilio: first message gets the neutral intro (TwiML)" "$r" '^200 .*<Response><Message>Thanks for your message'
if echo "$r" | grep -qi -e crime -e victim -e offender -e justice; then not_ok "intro is neutral"; else ok "intro is neutral"; fi
r=$(send twilio $N1 agree)
expect "consent word leads to the eligibility question" "$r" 'Did it happen in London'
r=$(send twilio $N1 "1")
expect "eligible: asked for a name" "$r" 'What should we call you'
r=$(send twilio $N1 "Robin")
expect "asked how to be contacted" "$r" 'How should we contact you'
r=$(send twilio $N1 "call evening")
expect "asked about voice messages" "$r" 'voice message'
r=$(send twilio $N1 "NO")
expect "confirmation with a reference code" "$r" 'Your reference is [0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]'
REF=$(echo "$r" | sed -n 's/.*Your reference is \([0-9A-Z-]\{16\}\).*/\1/p')

# The referral reaches the hub, and staff read exactly what was said.
i=0
while [ $i -lt 50 ] && [ "$(hub_count)" -lt 1 ]; do sleep 0.2; i=$((i + 1)); done
check "referral forwarded to the hub" test "$(hub_count)" = 1
$HUBCTL show "$REF" --passphrase-file "$PASS" >"$T/show.txt" 2>&1
check "hubctl show: channel sms" grep -q 'Channel: *sms' "$T/show.txt"
check "hubctl show: the number" grep -q "$N1" "$T/show.txt"
check "hubctl show: the name" grep -q '"Robin"' "$T/show.txt"
check "hubctl show: call in the evening" sh -c "grep -q '\"call\"' $T/show.txt && grep -q '\"evening\"' $T/show.txt"
check "hubctl show: no voice messages" grep -q '"voicemail_ok": false' "$T/show.txt"
check "hubctl show: happened in London" grep -q '"offence_in_london": true' "$T/show.txt"

# STOP withdraws, and the hub applies it.
r=$(send twilio $N1 STOP)
expect "STOP: one short confirmation" "$r" 'Stopped'
i=0
while [ $i -lt 50 ] && ! $HUBCTL list --passphrase-file "$PASS" 2>/dev/null | grep -q "$REF.*withdrawn"; do
	sleep 0.2
	i=$((i + 1))
done
check "STOP: the hub marks the referral withdrawn" sh -c "$HUBCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$REF.*withdrawn'"
check "STOP: personal data deleted at the hub" sh -c "! $HUBCTL show $REF --passphrase-file $PASS 2>/dev/null | grep -q $N1"

# Kannel: a conversation start, the exit word, a REF follow-up.
N2=+447700900222
r=$(send kannel $N2 Hello k1)
expect "kannel: intro as text/plain" "$r" '^200 Thanks for your message'
r=$(send kannel $N2 EXIT k2)
expect "exit word: no reply at all" "$r" '^200 *$'
r=$(send kannel $N2 "REF $REF" k3)
expect "REF code: neutral acknowledgement" "$r" '^200 Thank you. We have added this phone number'
BAD=$(echo "$REF" | sed 's/.$/0/')
[ "$BAD" = "$REF" ] && BAD=$(echo "$REF" | sed 's/.$/1/')
r=$(send kannel $N2 "REF $BAD" k4)
expect "REF with a wrong check symbol: asked again" "$r" 'does not look right'

# One phone, two providers: Kannel passes the national form, Twilio E.164.
r=$(send kannel 07700900666 Hello k30)
expect "kannel: national number starts a conversation" "$r" '^200 Thanks for your message'
r=$(send twilio +447700900666 AGREE)
expect "the same phone through Twilio continues it" "$r" 'Did it happen in London'
r=$(send kannel 07700900666 STOP k31)
expect "STOP through either provider ends it" "$r" 'Stopped'

# Generic JSON hook: a message and a replay.
N3=+447700900333
r=$(send json $N3 hi j1)
expect "json: reply in JSON" "$r" '^200 {"reply": *"Thanks for your message'
r=$(send json $N3 hi j1)
expect "json: replayed id answered the same, not processed twice" "$r" '^200 {"reply": *"Thanks for your message'
r=$(send json $N3 AGREE j2)
expect "json: conversation moved on once" "$r" 'Did it happen in London'

# Ineligible: a kind signpost and nothing kept.
N4=+447700900444
send json $N4 hi j10 >/dev/null
send json $N4 AGREE j11 >/dev/null
r=$(send json $N4 4 j12)
expect "ineligible: kind signpost" "$r" 'we have not kept your answers'

# Twilio's own helper library (npm "twilio") signs as Twilio does: the
# reference vector from Twilio's documentation first, then real requests.
TWSEND="node $ROOT/tests/browser/twilio_send.mjs"
check "Twilio's helper library reproduces its documented signature" sh -c \
	"cd $ROOT/tests/browser && node -e \"const t=require('twilio'); process.exit(t.getExpectedTwilioSignature('12345','https://mycompany.com/myapp.php?foo=1&bar=2',{CallSid:'CA1234567890ABCDE',Caller:'+12349013030',Digits:'1234',From:'+12349013030',To:'+18005551212'})==='0/KCTR6DLpKmkAf8muzZqo1nDgQ='?0:1)\""
r=$($TWSEND "$SURL/sms/twilio" "$S/tls.crt" "$TWILIO" +447700900777 HELLO SMlib0001)
expect "twilio: a request signed by Twilio's helper library gets the intro" "$r" '^200 .*<Response><Message>Thanks for your message'
r=$($TWSEND "$SURL/sms/twilio" "$S/tls.crt" "$TWILIO" +447700900777 "Zoë AGREE" SMlib0002 --tamper)
expect "twilio: a body changed after Twilio's library signed it is 403" "$r" '^403'
r=$($TWSEND "$SURL/sms/twilio" "$S/tls.crt" "$TWILIO" +447700900777 STOP SMlib0003)
expect "twilio: STOP through Twilio's helper library is honoured" "$r" '^200 '

# Forged and broken requests: refused, and smsd keeps serving.
r=$(send twilio $N1 HELLO "" --bad-sig)
expect "twilio: forged signature is 403" "$r" '^403'
r=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$S/tls.crt" -d 'From=%2B447700900111&Body=hi' "$SURL/sms/twilio")
expect "twilio: missing signature is 403" "$r" '^403'
r=$(send twilio $N1 HELLO "" --public-url=https://evil.example/sms/twilio)
expect "twilio: signature over another URL is 403" "$r" '^403'
r=$(send kannel $N1 HELLO k9 --bad-sig)
expect "kannel: wrong token is 403" "$r" '^403'
# The right token from an address Kannel does not call from (127.0.0.2
# is loopback too, but not on the allowlist).
q="token=$KANNEL&from=%2B447700900555&to=%2B447700900000&text=HELLO&id=k20"
r=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 --cacert "$S/tls.crt" "$SURL/sms/kannel?$q")
expect "kannel: right token from an address not allowed is 403" "$r" '^403'
r=$(send json $N1 HELLO j9 --bad-sig)
expect "json: bad signature is 403" "$r" '^403'
r=$(send json $N1 HELLO j8 --stale)
expect "json: stale timestamp is 403" "$r" '^403'
head -c 30000 /dev/zero | tr '\0' a >"$T/big"
r=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$S/tls.crt" -H 'X-Twilio-Signature: x' --data-binary @"$T/big" "$SURL/sms/twilio")
expect "oversized body is 413" "$r" '^413'
r=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$S/tls.crt" -H 'Content-Type: application/json' -H 'X-Timestamp: 1' -H 'X-Signature: zz' --data-binary '{"from":' "$SURL/sms/json")
expect "malformed JSON webhook is refused" "$r" '^4'
r=$(python3 "$ROOT/tests/e2e/sms_send.py" json "$SURL" "$S/tls.crt" "$JSONK" $N1 "$(printf 'bad \377 utf8')" j7)
expect "invalid UTF-8 is 400" "$r" '^400'
r=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$S/tls.crt" "$SURL/sms/nope")
expect "unknown path is 404" "$r" '^404'
check "smsd still serving" sh -c "curl -sf --cacert $S/tls.crt $SURL/v1/health | grep -q ok"

# Nothing personal in logs or in the device database in clear.
check "smsd log holds no numbers or message text" sh -c \
	"! grep -q -e 447700900 -e Robin -e HELLO $T/smsd.log"
check "smsd database does not hold the number in clear" sh -c \
	"! grep -q -a -e 447700900111 -e Robin $S/smsd.db $S/smsd.db-wal 2>/dev/null"
check "smsd runs as nobody" sh -c "ps -o user= -p $SMSD_PID | grep -q nobody"
check "smsd is confined by seccomp with no_new_privs" sh -c \
	"grep -q '^Seccomp:[[:space:]]*2' /proc/$SMSD_PID/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$SMSD_PID/status"

kill "$SMSD_PID" 2>/dev/null
wait "$SMSD_PID" 2>/dev/null
check "smsd stops cleanly on SIGTERM" grep -q 'server: stopped' "$T/smsd.log"
stop_hubd
