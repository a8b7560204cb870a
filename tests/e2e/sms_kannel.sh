#!/bin/sh
# End to end through a real Kannel: bearerbox and smsbox from the Debian
# package, configured with the smsbox and sms-service groups exactly as
# docs/sms.md writes them (read out of the doc here, so the doc cannot
# rot), a fake phone network on loopback (tests/e2e/fake_smsc.py), and
# smsd. Checks that every reply reaches the phone whole (concatenated,
# GSM-7 or UCS-2 as the text needs), that long texts get through, and
# that Kannel says nothing of its own when smsd refuses or is away.
. "$(dirname "$0")/lib.sh"

if ! command -v bearerbox >/dev/null 2>&1 || ! command -v smsbox >/dev/null 2>&1; then
	not_ok "kannel is installed (scripts/deps.sh installs the Debian package)"
	exit 1
fi
SMSC="python3 $ROOT/tests/e2e/fake_smsc.py"

hub_setup
hub_enroll sms-k
S="$T/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
chmod 600 "$S/tls.key"
cp "$HUB/devices/sms-k.bundle" "$S/device.bundle"
TOKEN=$(openssl rand -hex 16)
umask 077
printf 'kannel_token = %s\nstate_key = %s\n' "$TOKEN" "$(openssl rand -hex 32)" >"$S/secrets"
umask 022
SPORT=$(free_port)
smsd_conf() { # $1 = language
	cat >"$S/smsd.conf" <<EOF
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
language = $1
user = nobody

[kannel]
enabled = true
allow = 127.0.0.1
EOF
	chown -R nobody "$S"
}
start_smsd() { # $1 = language
	smsd_conf "$1"
	spawn "$T/smsd-$1.log" "$BIN/smsd" --config "$S/smsd.conf"
	SMSD_PID=$LAST_PID
	wait_port "$SPORT"
}
stop_smsd() {
	kill "$SMSD_PID" 2>/dev/null
	wait "$SMSD_PID" 2>/dev/null
}

# The documented groups, as written in docs/sms.md: indented blocks that
# start with "group = smsbox" and "group = sms-service".
doc_group() { # $1 = group name
	awk -v g="$1" '
		/^    / && !inb && $0 == "    group = " g { inb = 1 }
		inb && /^    / { sub(/^    /, ""); print; next }
		inb { exit }
	' "$ROOT/docs/sms.md"
}
doc_group smsbox >"$T/doc-smsbox.conf"
doc_group sms-service >"$T/doc-service.conf"
check "docs/sms.md documents an smsbox group" grep -q '^group = smsbox' "$T/doc-smsbox.conf"
check "docs/sms.md documents an sms-service group using post-url" grep -q '^post-url = ' "$T/doc-service.conf"

ADMIN=$(free_port)
BOXPORT=$(free_port)
FAKEPORT=$(free_port)
CTRL=$(free_port)
K="$T/kannel.conf"
# The site's own groups (core and smsc), then the documented ones with
# the example host and token replaced by this test's.
cat >"$K" <<EOF
group = core
admin-port = $ADMIN
admin-password = $(openssl rand -hex 8)
admin-interface = 127.0.0.1
admin-allow-ip = 127.0.0.1
smsbox-port = $BOXPORT
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
ssl-trusted-ca-file = $S/tls.crt
log-level = 1

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = $FAKEPORT
connect-allow-ip = 127.0.0.1

EOF
cat "$T/doc-smsbox.conf" >>"$K"
printf "\n" >>"$K"
sed -e "s|https://smsd.example:8443|https://127.0.0.1:$SPORT|" \
	-e "s|token=SECRET|token=$TOKEN|" "$T/doc-service.conf" >>"$K"

start_smsd en
check "smsd (en) is up" sh -c "curl -sf --cacert $S/tls.crt https://127.0.0.1:$SPORT/v1/health | grep -q ok"
spawn "$T/bearerbox.log" bearerbox "$K"
spawn "$T/fake_smsc.log" $SMSC serve "$FAKEPORT" "$CTRL" "$T/phones.jsonl"
check "the fake network's control port is up" wait_port "$CTRL"
spawn "$T/smsbox.log" smsbox "$K"
i=0
while [ $i -lt 100 ] && ! grep -q 'Connected to bearerbox\|connected to bearerbox' "$T/smsbox.log" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
check "smsbox connected to bearerbox" grep -qi 'connected to bearerbox' "$T/smsbox.log"

# The reply smsd means to send, from content/ (keywords filled in).
expected() { # lang key [prefix_key]
	python3 - "$ROOT/content" "$@" <<'EOF'
import json, sys
root, lang, key = sys.argv[1:4]
sms = json.load(open("%s/%s/sms.json" % (root, lang), encoding="utf-8"))
svc = json.load(open("%s/service.json" % root, encoding="utf-8"))
words = {k[3:]: v.split()[0] for k, v in sms.items() if k.startswith("kw_")}
words["stop"] = svc["sms_keywords"]["stop"]
text = sms[key]
for k, v in words.items():
    text = text.replace("{%s}" % k, v)
print(text)
EOF
}
phone() { # from text
	$SMSC mo "$CTRL" "$1" 447700900000 "$2"
}
got() { # to n seconds: the messages the phone received, one JSON a line
	$SMSC wait "$T/phones.jsonl" "$1" "$2" "$3"
}
same_text() { # what, json line, expected text, coding
	if printf '%s\n' "$2" | python3 -c '
import json, sys
m = json.loads(sys.stdin.readline())
want, coding = sys.argv[1], sys.argv[2]
sys.exit(0 if m["text"] == want and m["coding"] == coding else 1)' "$3" "$4"; then
		ok "$1"
	else
		not_ok "$1 (got: $2; wanted [$4]: $3)"
	fi
}
parts() { # json line -> parts
	printf '%s\n' "$1" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["parts"])'
}

# 1. English: the whole introduction, as one concatenated GSM-7 message.
P1=447700900501
phone $P1 Hello
m=$(got $P1 1 15)
same_text "en: the introduction arrives whole, with AGREE, STOP and EXIT" "$m" "$(expected en intro)" gsm
n=$(parts "$m" 2>/dev/null || echo 0)
check "en: the introduction is one message of several parts ($n)" sh -c "[ '$n' -ge 2 ] && [ '$n' -le 6 ]"
phone $P1 AGREE
m=$(got $P1 2 15 | tail -n 1)
same_text "en: the place question arrives whole" "$m" "$(expected en ask_place)" gsm
phone $P1 STOP
m=$(got $P1 3 15 | tail -n 1)
same_text "en: STOP is confirmed" "$m" "$(expected en stop_done)" gsm

# 2. A long text in accented letters goes through post-url (get-url would
# put it in a request target over 2 KiB: 414).
P2=447700900502
LONG=$(python3 -c 'print("àéíóúñç" * 57 + "é")')
phone $P2 "$LONG"
m=$(got $P2 1 15)
same_text "400 accented letters reach smsd and are answered" "$m" "$(expected en intro)" gsm

# 3. smsd refuses (a text over 1600 characters: 413): Kannel says nothing.
P3=447700900503
phone $P3 "$(python3 -c 'print("a" * 1700)')"
check "smsd refused the over-long text" sh -c "sleep 1; grep -q 'text is too long' $T/smsd-en.log"
# smsbox tries a refused request again 3 times, 5 s apart (docs/sms.md).
check "after a refusal (and Kannel's retries) the phone gets nothing" got $P3 -1 18

# 4. Polish: every reply needs UCS-2; it arrives whole, not as '?'.
stop_smsd
start_smsd pl
check "smsd (pl) is up" sh -c "curl -sf --cacert $S/tls.crt https://127.0.0.1:$SPORT/v1/health | grep -q ok"
P4=447700900504
phone $P4 Dzień
m=$(got $P4 1 15)
same_text "pl: the introduction arrives whole as UCS-2" "$m" "$(expected pl intro)" ucs2
n=$(parts "$m" 2>/dev/null || echo 0)
check "pl: within the documented six parts ($n)" sh -c "[ '$n' -ge 2 ] && [ '$n' -le 6 ]"
phone $P4 banana
m=$(got $P4 2 15 | tail -n 1)
same_text "pl: the longest reply (sorry + introduction) arrives whole" "$m" "$(expected pl sorry) $(expected pl intro)" ucs2

# 5. smsd away: Kannel cannot fetch, and still says nothing.
stop_smsd
P5=447700900505
phone $P5 Hello
check "with smsd down (and after Kannel's retries) the phone gets nothing" got $P5 -1 18
check "Kannel did try smsd (and failed)" sh -c "grep -qi 'fail\|couldn\|error' $T/smsbox.log"

check "smsd logged no numbers or text" sh -c "! grep -q -e 44770090050 -e Hello -e banana $T/smsd-en.log $T/smsd-pl.log"
