#!/bin/sh
# End to end: hubctl init + enroll, real hubd over TLS on loopback, a
# device outbox forwarded by the real forwarder, and staff reading it back.
. "$(dirname "$0")/lib.sh"

hub_setup
check "hubctl init" test -f "$HUB/hubd.conf"
PORT=$HUB_PORT
URL=$HUB_URL
SIM="$TOOLS/device_sim"

check "enroll kiosk-1" $HUBCTL enroll kiosk-1 --url "$URL" >/dev/null 2>&1
check "enroll sms-1" $HUBCTL enroll sms-1 --url "$URL" >/dev/null 2>&1
check "bundle is mode 0600" test "$(stat -c %a "$HUB/devices/kiosk-1.bundle")" = 600
check "enrolling a name twice is refused" sh -c "! $HUBCTL enroll kiosk-1 --url $URL >/dev/null 2>&1"

# The pin in the bundle is the one openssl computes from the certificate.
pin=$(openssl x509 -in "$HUB/tls.crt" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
check "bundle pin matches the certificate" grep -q "sha256//$pin" "$HUB/devices/kiosk-1.bundle"

start_hubd
check "hubd answers health over TLS (curl)" sh -c \
	"curl -sf --cacert $HUB/tls.crt $URL/v1/health | grep -q ok"
check "curl with the pin and the hostname" sh -c \
	"curl -sf --cacert $HUB/tls.crt --pinnedpubkey sha256//$pin https://localhost:$PORT/v1/health >/dev/null"
check "hubd runs as nobody" sh -c "ps -o user= -p $HUBD_PID | grep -q nobody"
check "hubd is confined by seccomp with no_new_privs" sh -c \
	"grep -q '^Seccomp:[[:space:]]*2' /proc/$HUBD_PID/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$HUBD_PID/status"
check "hubd stays non-dumpable after the drop (/proc owned by root)" sh -c \
	"test \"\$(stat -c %U /proc/$HUBD_PID/environ)\" = root"
check "hubd has core dumps off" sh -c "grep -q '^Max core file size *0 *0' /proc/$HUBD_PID/limits"
check "openssl s_client negotiates TLS 1.2" sh -c \
	"echo | openssl s_client -connect 127.0.0.1:$PORT -tls1_2 -CAfile $HUB/tls.crt 2>/dev/null | grep -q 'Protocol  *: TLSv1.2'"
check "TLS 1.1 is refused" sh -c \
	"! echo | openssl s_client -connect 127.0.0.1:$PORT -tls1_1 >/dev/null 2>&1"
check "X25519 key exchange" sh -c \
	"echo | openssl s_client -connect 127.0.0.1:$PORT -groups X25519:P-256 -CAfile $HUB/tls.crt 2>/dev/null | grep -q 'Server Temp Key: X25519'"
check "a weak curve (P-224) only is refused" sh -c \
	"! echo | openssl s_client -connect 127.0.0.1:$PORT -groups P-224 -CAfile $HUB/tls.crt 2>/dev/null | grep -q 'Server Temp Key'"
check "a CBC suite only is refused" sh -c \
	"! echo | openssl s_client -connect 127.0.0.1:$PORT -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256 >/dev/null 2>&1"

KIOSK="$HUB/devices/kiosk-1.bundle"
DEV="$T/kiosk"
mkdir -p "$DEV"
sim() { "$SIM" "$KIOSK" "$DEV/outbox.db" "$DEV/db.key" "$@" 2>>"$T/sim.log"; }

ref1=$("$TOOLS/refgen")
cat >"$T/p1.json" <<JSON
{"schema":1,"kind":"referral","ref":"$ref1","channel":"kiosk","language":"pl",
 "consent":{"wording_version":1,"wording_sha256":"00","given_at":"2026-11-23T10:00:00Z"},
 "contact":{"name":"Ala Przykład","phone":"+447700900123","method":"call","time":"morning","voicemail_ok":false},
 "borough":"Tower Hamlets","details":"=cmd|' /C calc'!A0 \"quoted\", comma"}
JSON
check "queue a referral" sh -c "sim_out=\$($SIM $KIOSK $DEV/outbox.db $DEV/db.key put $T/p1.json) && test -n \"\$sim_out\""
check "forwarder delivers it" sh -c "$SIM $KIOSK $DEV/outbox.db $DEV/db.key flush 10 | grep -q 'pending 0 dead 0'"

check "hubctl list shows the reference, spoke east, no personal data" sh -c \
	"$HUBCTL list --passphrase-file $PASS > $T/list.txt 2>&1 && grep -q '$ref1.*kiosk.*east.*received' $T/list.txt && ! grep -q 'Przyk' $T/list.txt"
check "hubctl show decrypts the exact answers" sh -c \
	"$HUBCTL show $ref1 --passphrase-file $PASS > $T/show.txt 2>&1 && grep -q 'Ala Przykład' $T/show.txt && grep -q '+447700900123' $T/show.txt"
# Staff type the passphrase at a terminal prompt, with echo off.
python3 - "$BIN/hubctl" "$HUB" "$ref1" >"$T/tty.log" 2>&1 <<'PY'
import os, pty, sys, time
hubctl, hub, ref = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(hubctl, [hubctl, "-d", hub, "show", ref])
out = b""
deadline = time.time() + 20
while b"passphrase" not in out and time.time() < deadline:
    out += os.read(fd, 1024)
os.write(fd, b"correct horse battery staple\n")
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
text = out.decode("utf-8", "replace")
print(text)
ok = os.WEXITSTATUS(status) == 0 and "Ala" in text and "correct horse" not in text
sys.exit(0 if ok else 1)
PY
check "passphrase typed at the terminal prompt (not echoed) opens the referral" test $? -eq 0
check "wrong passphrase is a clear error" sh -c \
	"printf 'wrong horse\n' > $T/bad; chmod 600 $T/bad; ! $HUBCTL show $ref1 --passphrase-file $T/bad > $T/bad.out 2>&1 && grep -q 'wrong passphrase' $T/bad.out"
$HUBCTL export --format json --passphrase-file "$PASS" -o "$T/export.json" 2>/dev/null
check "json export holds the exact payload" python3 - "$T/p1.json" "$T/export.json" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
assert len(got) == 1 and got[0]["referral"] == sent, got
assert got[0]["spoke"] == "east" and got[0]["ref"] == sent["ref"]
PY
check "export file is mode 0600" test "$(stat -c %a "$T/export.json")" = 600
$HUBCTL export --format csv --passphrase-file "$PASS" >"$T/export.csv" 2>/dev/null
check "csv export is well formed and defused" python3 - "$T/export.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 1, rows
r = rows[0]
assert r["contact.name"] == "Ala Przykład"
assert r["contact.phone"] == "'+447700900123"
assert r["details"].startswith("'=cmd"), r["details"]
assert r["status"] == "received", r["status"]
PY
check "exported referral is marked exported" sh -c \
	"$HUBCTL list --passphrase-file $PASS | grep -q '$ref1.*exported'"
check "export --spoke filters by spoke" sh -c \
	"$HUBCTL export --format json --spoke west --passphrase-file $PASS 2>/dev/null | python3 -c 'import json,sys; assert json.load(sys.stdin) == []'"
check "export --since filters by time" sh -c \
	"$HUBCTL export --format json --since 2999-01-01 --passphrase-file $PASS 2>/dev/null | python3 -c 'import json,sys; assert json.load(sys.stdin) == []'"
check "export with an unknown format is a usage error" sh -c \
	"$HUBCTL export --format xml --passphrase-file $PASS >/dev/null 2>&1; test \$? -eq 2"
check "assign moves a referral to another spoke" sh -c \
	"$HUBCTL assign $ref1 west >/dev/null 2>&1 && $HUBCTL list --passphrase-file $PASS | grep -q '$ref1.*west'"
check "assign to a spoke not in the table is refused" sh -c \
	"! $HUBCTL assign $ref1 nowhere >/dev/null 2>&1"
check "a reference with a typo is a clear error" sh -c \
	"! $HUBCTL show 0000-0000-0000-1 --passphrase-file $PASS > $T/typo.txt 2>&1 && grep -q 'not a valid reference' $T/typo.txt"
check "a typed reference is read in any case, with O for 0" sh -c \
	"$HUBCTL show \$(echo $ref1 | tr 'A-Z0' 'a-zO') --passphrase-file $PASS 2>/dev/null | grep -q 'Reference: $ref1'"

# The same envelope posted twice is stored once, with the same receipt.
dupref=$("$TOOLS/refgen")
sed -e "s/$ref1/$dupref/" -e 's/Ala Przykład/Other Person/' -e 's/447700900123/447700900999/' "$T/p1.json" >"$T/pdup.json"
sim build "$T/pdup.json" "$T/env.bin"
r1=$(curl -s -w ' %{http_code}' --cacert "$HUB/tls.crt" -H 'Content-Type: application/octet-stream' --data-binary @"$T/env.bin" "$URL/v1/envelopes")
r2=$(curl -s -w ' %{http_code}' --cacert "$HUB/tls.crt" -H 'Content-Type: application/octet-stream' --data-binary @"$T/env.bin" "$URL/v1/envelopes")
check "first post is 201" sh -c "echo '$r1' | grep -q ' 201$'"
check "second post is 200 with the same receipt" test "${r1% 201}" = "${r2% 200}"

# A tampered envelope is refused.
python3 -c "
import sys; b = bytearray(open('$T/env.bin','rb').read()); b[100] ^= 1; open('$T/bad.bin','wb').write(b)"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$HUB/tls.crt" -H 'Content-Type: application/octet-stream' --data-binary @"$T/bad.bin" "$URL/v1/envelopes")
check "tampered envelope gets 403" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$HUB/tls.crt" -H 'Content-Type: application/octet-stream' --data-binary 'RJE1 nonsense' "$URL/v1/envelopes")
check "malformed envelope gets 400" test "$code" = 400
head -c 70000 /dev/zero >"$T/big.bin"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$HUB/tls.crt" -H 'Content-Type: application/octet-stream' --data-binary @"$T/big.bin" "$URL/v1/envelopes")
check "oversized body gets 413" test "$code" = 413

# Hub down: envelopes wait; hub up: all arrive, once each.
stop_hubd
for i in 1 2 3; do
	r=$("$TOOLS/refgen")
	sed -e "s/$ref1/$r/" -e 's/Ala Przykład/Other Person/' -e 's/447700900123/447700900999/' "$T/p1.json" >"$T/p$i.down.json"
	sim put "$T/p$i.down.json" >/dev/null
done
check "hub down: nothing is lost" sh -c "$SIM $KIOSK $DEV/outbox.db $DEV/db.key flush 2 | grep -q 'pending 3 dead 0'"
start_hubd
check "hub up again: all three delivered by the thread" sh -c "$SIM $KIOSK $DEV/outbox.db $DEV/db.key thread 20 | grep -q 'pending 0 dead 0'"
n=$(hub_count)
check "hub holds exactly five referrals (1 + duplicate-post 1 + 3)" test "$n" = 5

# Wrong pin: the bundle is refused as it is loaded (the pin is not its
# certificate's), so nothing is queued and nothing is sent. Written as a
# version 1 bundle (no checksum) so that the pin check is what refuses.
python3 - "$KIOSK" "$T/wrongpin.bundle" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["hub_tls_pin"] = "sha256//" + "A" * 43 + "="
b["version"] = 1
del b["checksum"]
import os
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, json.dumps(b).encode()); os.close(fd)
PY
posts_before=$(grep -c 'POST /v1/envelopes' "$T/hubd.log")
check "wrong pin: the bundle is refused, naming the pin" sh -c \
	"! $SIM $T/wrongpin.bundle $T/wp.db $T/wp.key put $T/p1.json >/dev/null 2>$T/wp.err && grep -q 'pin does not match' $T/wp.err"
posts_after=$(grep -c 'POST /v1/envelopes' "$T/hubd.log")
check "wrong pin: no request reached hubd" test "$posts_before" = "$posts_after"

# Revoked device: 403, kept in the dead-letter table.
check "revoke sms-1" sh -c "$HUBCTL revoke sms-1 >/dev/null"
SMSB="$HUB/devices/sms-1.bundle"
"$SIM" "$SMSB" "$T/sms.db" "$T/sms.key" put "$T/p1.json" >/dev/null 2>&1
check "revoked device: dead-lettered, not lost" sh -c "$SIM $SMSB $T/sms.db $T/sms.key flush 5 2>$T/revoked.log | grep -q 'pending 0 dead 1'"
check "revoked device: refusal logged loudly" grep -q 'REFUSED.*revoked_device' "$T/revoked.log"

# Follow-up and withdrawal.
cat >"$T/fu.json" <<JSON
{"schema":1,"kind":"followup","ref":"$ref1","channel":"sms","contact":{"phone":"+447700900456"},"at":"2026-11-23T11:00:00Z"}
JSON
sim put "$T/fu.json" >/dev/null
sim flush 10 >/dev/null
check "follow-up shows with its referral" sh -c \
	"$HUBCTL show $ref1 --passphrase-file $PASS 2>/dev/null | grep -q '+447700900456'"
cat >"$T/wd.json" <<JSON
{"schema":1,"kind":"withdrawal","ref":"$ref1","channel":"sms","at":"2026-11-23T12:00:00Z"}
JSON
sim put "$T/wd.json" >/dev/null
sim flush 10 >/dev/null
check "withdrawal applied" sh -c "$HUBCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$ref1.*withdrawn'"
check "withdrawn: show has no personal data" sh -c \
	"$HUBCTL show $ref1 --passphrase-file $PASS > $T/wshow.txt 2>&1; grep -q 'personal data deleted' $T/wshow.txt && ! grep -q 'Przyk' $T/wshow.txt && ! grep -q 447700900456 $T/wshow.txt"
$HUBCTL export --format json --passphrase-file "$PASS" >"$T/export2.json" 2>/dev/null
check "withdrawn: export leaves personal data out" sh -c \
	"! grep -q 'Przyk' $T/export2.json && ! grep -q 447700900456 $T/export2.json && grep -q '\"withdrawn\"' $T/export2.json"

# Staff record a withdrawal for a referral still on its way: it is
# deleted when it arrives.
late=$("$TOOLS/refgen")
check "staff withdrawal before the referral arrives is recorded" sh -c \
	"$HUBCTL withdraw $late --passphrase-file $PASS 2>/dev/null | grep -q 'not reached the hub yet'"
sed -e "s/$ref1/$late/" -e 's/Ala Przykład/Late Person/' "$T/p1.json" >"$T/late.json"
sim put "$T/late.json" >/dev/null
sim flush 10 >/dev/null
check "the late referral arrives already withdrawn, without its data" sh -c \
	"$HUBCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$late.*withdrawn' && ! $HUBCTL export --format json --passphrase-file $PASS 2>/dev/null | grep -q 'Late Person'"

# Malformed HTTP: answered 4xx, hubd keeps serving.
python3 - "$PORT" "$HUB/tls.crt" >"$T/malformed.log" 2>&1 <<'PY'
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
bad = [
    b"GET / HTTP/1.1\r\n\r\n",
    b"POST /v1/envelopes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /v1/envelopes HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\n folded: yes\r\n\r\n",
    b"GET /v1/health HTTP/1.1\nHost: x\n\n",
    b"GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX: \x01\r\n\r\n",
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 100 + b"\r\n",
    b"\xff\xfe\r\n\r\n",
]
fails = 0
for req in bad:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5), server_hostname="127.0.0.1")
    s.sendall(req)
    resp = s.recv(200)
    s.close()
    code = int(resp.split(b" ")[1]) if resp.startswith(b"HTTP/1.1 ") else 0
    ok = 400 <= code < 600
    print(("ok" if ok else "BAD"), code, req[:30])
    fails += not ok
sys.exit(1 if fails else 0)
PY
check "malformed requests all answered 4xx/5xx" test $? -eq 0
check "hubd still serving after them" sh -c "curl -sf --cacert $HUB/tls.crt $URL/v1/health | grep -q ok"
check "hubd logs carry no personal data" sh -c "! grep -q -e Przyk -e 447700900 $T/hubd.log"

check "purge --older-than 0 empties the hub" sh -c \
	"$HUBCTL purge --older-than 0 >/dev/null 2>&1"
check "nothing is left after purging" test "$(hub_count)" = 0
stop_hubd
