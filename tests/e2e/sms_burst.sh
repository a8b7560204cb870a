#!/bin/sh
# End to end: a burst of people texting in is never dropped (600 first
# messages from 600 numbers within a minute, past the gateway's limit of
# 300 a minute: all stored, all answered), and text limits are counted in
# characters as the providers count them (1600 emoji are one message).
. "$(dirname "$0")/lib.sh"

hub_setup
hub_enroll sms-b
S="$T/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
chmod 600 "$S/tls.key"
cp "$HUB/devices/sms-b.bundle" "$S/device.bundle"
TWILIO=$(openssl rand -hex 16)
KANNEL=$(openssl rand -hex 16)
JSONK=$(openssl rand -hex 32)
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
# The shipped limits (global_max_per_minute 300): not set here.
{
	smsd_section "$S" "$SPORT"
	cat <<EOF2

[twilio]
enabled = true
public_url = $SURL/sms/twilio

[kannel]
enabled = true
allow = 127.0.0.1

[json]
enabled = true
EOF2
} >"$S/smsd.conf"
chown -R nobody "$S"
spawn "$T/smsd.log" "$BIN/smsd" --config "$S/smsd.conf"
check "smsd starts" wait_port "$SPORT"

burst() { # text expect
	timeout 100 python3 "$ROOT/tests/e2e/sms_burst.py" "$SURL" "$S/tls.crt" \
		"$TWILIO" 600 "$1" "$2" 90
}
r=$(burst Hello 'Thanks for your message')
echo "# first messages: $r"
check "600 first messages from 600 numbers: every one answered ($r)" \
	sh -c "echo '$r' | grep -q 'ok 600 other 0'"
s=$(echo "$r" | sed -n 's/.*seconds \([0-9]*\).*/\1/p')
check "... within a minute (${s}s)" test "${s:-99}" -lt 60
r=$(burst AGREE 'Did it happen in London')
echo "# second messages: $r"
check "every one of the 600 was stored: each conversation moves on ($r)" \
	sh -c "echo '$r' | grep -q 'ok 600 other 0'"
check "past the gateway limit smsd warns, and refuses nothing" sh -c \
	"grep -q 'all still answered' $T/smsd.log && ! grep -q '\"busy\"' $T/smsd.log"

send() { # provider from text [id]
	python3 "$ROOT/tests/e2e/sms_send.py" "$1" "$SURL" "$S/tls.crt" \
		"$(case $1 in twilio) echo $TWILIO ;; kannel) echo $KANNEL ;; json) echo $JSONK ;; esac)" \
		"$2" "$3" ${4:-}
}
expect() { # what, response, pattern
	if echo "$2" | grep -q -- "$3"; then ok "$1"; else not_ok "$1 (got: $(echo "$2" | cut -c1-120))"; fi
}
emoji() { python3 -c "import sys; print('\U0001F600' * int(sys.argv[1]))" "$1"; }
accents() { python3 -c "import sys; print('é' * int(sys.argv[1]))" "$1"; }
r=$(send twilio +447700900601 "$(emoji 1600)")
expect "twilio: 1600 emoji (6400 bytes) are one message: answered" "$r" '^200 .*Thanks for your message'
r=$(send twilio +447700900602 "$(emoji 1601)")
expect "twilio: 1601 emoji are over 1600 characters: 413" "$r" '^413'
r=$(send twilio +447700900603 "$(accents 1600)")
expect "twilio: 1600 accented letters: answered" "$r" '^200 .*Thanks for your message'
r=$(send json +447700900604 "$(emoji 1600)")
expect "json: 1600 emoji: answered" "$r" '^200 {"reply": *"Thanks'
r=$(send json +447700900605 "$(emoji 1601)")
expect "json: 1601 emoji: 413" "$r" '^413'
# Kannel's post-url (docs/sms.md): the text is the body.
kpost() { # from text id
	curl -s -w '\n%{http_code}' --cacert "$S/tls.crt" -H 'Content-Type: text/plain; charset="UTF-8"' \
		-H "X-Kannel-From: $1" -H 'X-Kannel-To: 447700900000' -H 'X-Kannel-Time: 2026-01-01 10:00:00' \
		--data-binary "$2" "$SURL/sms/kannel?token=$KANNEL&id=$3" | tail -n 1
}
r=$(kpost 447700900606 "$(emoji 1600)" kp1)
expect "kannel post-url: 1600 emoji: answered" "$r" '^200'
r=$(kpost 447700900607 "$(accents 400)" kp2)
expect "kannel post-url: 400 accented letters: answered" "$r" '^200'
r=$(kpost 447700900608 "$(accents 1601)" kp3)
expect "kannel post-url: 1601 characters: 413" "$r" '^413'
check "smsd still serving" sh -c "curl -sf --cacert $S/tls.crt $SURL/v1/health | grep -q ok"
check "smsd log holds no numbers" sh -c "! grep -q -e 4477009 $T/smsd.log"
