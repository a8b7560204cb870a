#!/bin/sh
# Damaged and mismatched keys (issue 13): hubd, smsd and kioskd refuse to
# start with one byte changed in a key, the device bundle or the TLS key,
# with a message naming the file, and leave every file as it was (no key
# regenerated, nothing written over).
. "$(dirname "$0")/lib.sh"

hub_setup || { not_ok "hubctl init"; exit 0; }
hub_enroll kiosk-1 || not_ok "enroll kiosk-1"
hub_enroll sms-1 || not_ok "enroll sms-1"

# Every file under the given folders with its SHA-256, one a line.
sums() { find "$@" -type f -exec sha256sum {} + 2>/dev/null | sort; }
# flip FILE OFFSET: XOR one byte with 0x01 in place.
flip() {
	python3 -c 'import sys
p, i = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
i = i % len(b)
b[i] ^= 1
open(p, "r+b").write(b)' "$1" "$2"
}
# refused WHAT FILE OFFSET MESSAGE DIR... -- COMMAND...: with one byte of
# FILE changed, COMMAND exits with an error within 20 s, its message
# names FILE and says MESSAGE, and no file under DIR... changes; FILE is
# put back afterwards.
refused() {
	what=$1 file=$2 off=$3 msg=$4
	shift 4
	dirs=""
	while [ "$1" != "--" ]; do
		dirs="$dirs $1"
		shift
	done
	shift
	cp -p "$file" "$T/saved"
	flip "$file" "$off"
	before=$(sums $dirs)
	timeout 20 "$@" >"$T/out.log" 2>&1
	rc=$?
	after=$(sums $dirs)
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
		not_ok "$what: not refused (exit $rc)"
	elif ! grep -q "$file.*$msg" "$T/out.log"; then
		not_ok "$what: message lacks '$file ... $msg'"
		cat "$T/out.log"
	elif [ "$before" != "$after" ]; then
		not_ok "$what: a file changed"
	else
		ok "$what: refused, naming the file; nothing changed"
	fi
	cp -p "$T/saved" "$file"
}

HUBD="$BIN/hubd --config $HUB/hubd.conf"
chown -R nobody "$HUB"
check "hubd --check-config passes with intact keys" $BIN/hubd --check-config "$HUB/hubd.conf"
len=$(stat -c %s "$HUB/hub.sign.key")
for off in 5 12 $((len - 1)); do
	refused "hubd, hub.sign.key byte $off" "$HUB/hub.sign.key" $off "is damaged" "$HUB" -- $HUBD
done
refused "hubd --check-config, hub.sign.key" "$HUB/hub.sign.key" 20 "is damaged" "$HUB" -- \
	"$BIN/hubd" --check-config "$HUB/hubd.conf"
refused "hubd, inbox.key" "$HUB/inbox.key" 30 "is damaged" "$HUB" -- $HUBD
# The TLS key and certificate: bytes inside the base64 (line 2 on).
TLSMSG='\(damaged\|does not belong\)'
refused "hubd, tls.key" "$HUB/tls.key" 80 "$TLSMSG" "$HUB" -- $HUBD
refused "hubd, tls.key (another byte)" "$HUB/tls.key" 150 "$TLSMSG" "$HUB" -- $HUBD
refused "hubd, tls.crt" "$HUB/tls.crt" 300 "is damaged" "$HUB" -- $HUBD

# A key from another hub's pair: refused by hubd, and by enrol.
$BIN/hubctl -d "$T/other" init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
	--content "$ROOT/content" >/dev/null 2>&1
cp -p "$HUB/tls.key" "$T/tls.key.mine"
cp "$T/other/tls.key" "$HUB/tls.key"
before=$(sums "$HUB")
check "hubd refuses a TLS key from another pair" sh -c \
	"! timeout 20 $HUBD 2>$T/pair.log && grep -q 'does not belong to' $T/pair.log"
check "hubd left every file as it was" test "$before" = "$(sums "$HUB")"
cp -p "$T/tls.key.mine" "$HUB/tls.key"
cp -p "$HUB/hub.sign.pub" "$T/sign.pub.mine"
cp "$T/other/hub.sign.pub" "$HUB/hub.sign.pub"
check "enrol refuses a hub.sign.pub that is not hub.sign.key's" sh -c \
	"! $HUBCTL enroll kiosk-9 --url $HUB_URL 2>$T/enrol.log && grep -q 'does not belong to' $T/enrol.log && test ! -e $HUB/devices/kiosk-9.bundle"
cp -p "$T/sign.pub.mine" "$HUB/hub.sign.pub"
# Another hub's signing key (whole and self-consistent): devices hold
# hub.sign.pub, so every receipt would fail; hubd says so at start.
cp -p "$HUB/hub.sign.key" "$T/sign.key.mine"
cp -p "$T/other/hub.sign.key" "$HUB/hub.sign.key"
before=$(sums "$HUB")
check "hubd refuses another hub's hub.sign.key, naming hub.sign.pub" sh -c \
	"! timeout 20 $HUBD 2>$T/sk.log && grep -q 'hub.sign.key is not the key of .*hub.sign.pub' $T/sk.log"
check "hubd --check-config says the same" sh -c \
	"! $BIN/hubd --check-config $HUB/hubd.conf >$T/skc.log 2>&1 && grep -q 'does not match hub.sign.pub' $T/skc.log"
check "hubd left every file as it was (signing key)" test "$before" = "$(sums "$HUB")"
cp -p "$T/sign.key.mine" "$HUB/hub.sign.key"
chown -R nobody "$HUB"
start_hubd
check "hubd starts with every key put back" curl -sf --cacert "$HUB/tls.crt" "$HUB_URL/v1/health" -o /dev/null

# kioskd, configured from the block in docs/kiosk.md.
K="$T/kiosk"
mkdir -p "$K"
cp "$HUB/devices/kiosk-1.bundle" "$K/kiosk.bundle"
chmod 600 "$K/kiosk.bundle"
python3 - "$ROOT/docs/kiosk.md" "$K/kioskd.conf" port="$(free_port)" user=nobody \
	device_bundle="$K/kiosk.bundle" database="$K/outbox.db" \
	database_key="$K/outbox.key" content="$ROOT/content" \
	templates="$ROOT/kiosk/templates" static="$ROOT/kiosk/static" \
	printer="file:$K/slip.bin" <<'PY'
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
# The device's database and key, as a first start makes them.
"$TOOLS/device_sim" "$K/kiosk.bundle" "$K/outbox.db" "$K/outbox.key" status >/dev/null 2>&1
chown -R nobody "$K"
check "kioskd --check-config passes with an intact bundle" "$BIN/kioskd" --check-config "$K/kioskd.conf"
blen=$(stat -c %s "$K/kiosk.bundle")
for off in 3 $((blen / 2)) $((blen - 2)); do
	refused "kioskd, bundle byte $off" "$K/kiosk.bundle" $off "damaged" "$K" -- \
		"$BIN/kioskd" --config "$K/kioskd.conf"
done
refused "kioskd, database key" "$K/outbox.key" 20 "is damaged" "$K" -- \
	"$BIN/kioskd" --config "$K/kioskd.conf"

# smsd, over TLS with a certificate of its own (openssl's).
S="$T/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 2 -subj /CN=localhost >/dev/null 2>&1
chmod 600 "$S/tls.key"
cp "$HUB/devices/sms-1.bundle" "$S/device.bundle"
umask 077
printf 'json_secret = json-hook-secret-for-tests\nstate_key = %s\n' "$(openssl rand -hex 32)" >"$S/secrets"
umask 022
cat >"$S/smsd.conf" <<EOF
[smsd]
listen = 127.0.0.1
port = $(free_port)
tls_cert = $S/tls.crt
tls_key = $S/tls.key
device_bundle = $S/device.bundle
database = $S/smsd.db
database_key = $S/smsd.key
secrets = $S/secrets
content = $ROOT/content
language = en
user = nobody

[json]
enabled = true
EOF
chown -R nobody "$S"
check "smsd --check-config passes with intact keys" "$BIN/smsd" --check-config "$S/smsd.conf"
slen=$(stat -c %s "$S/device.bundle")
for off in 10 $((slen - 5)); do
	refused "smsd, bundle byte $off" "$S/device.bundle" $off "damaged" "$S" -- \
		"$BIN/smsd" --config "$S/smsd.conf"
done
refused "smsd, tls.key" "$S/tls.key" 100 "$TLSMSG" "$S" -- "$BIN/smsd" --config "$S/smsd.conf"
check "a refused smsd created no database key" test ! -e "$S/smsd.key"
