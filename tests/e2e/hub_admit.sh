#!/bin/sh
# What hubd refuses to store (issue 13), against a real hubd over TLS:
# envelopes an enrolled device signed but no device should send are
# refused with a 4xx and not stored, and the forwarder dead-letters them;
# a device over its quota gets 429 with Retry-After, and the forwarder
# delivers everything later.
. "$(dirname "$0")/lib.sh"

hub_setup || { not_ok "hubctl init"; exit 0; }
C="$HUB/hubd.conf"
# The settings hubctl init writes are the documented defaults.
check "hubctl init writes the admission settings" sh -c \
	"grep -q '^max_age_days = 365' $C && grep -q '^clock_skew_s = 86400' $C && grep -q '^quota_per_minute = 600' $C && grep -q '^quota_mib = 256' $C"
check "hubd --check-config reads them" sh -c \
	"$BIN/hubd --check-config $C | grep -q 'max_age_days 365, clock_skew_s 86400, quota_per_minute 600, quota_mib 256'"
# The block documented in docs/hub.md ("What hubd refuses"), in place of
# init's lines, is read as written.
python3 - "$ROOT/docs/hub.md" "$C" "$T/doc.conf" <<'PY'
import re, sys
doc, conf, out = sys.argv[1:4]
sec = open(doc).read().split("## What hubd refuses", 1)[1].split("\n## ", 1)[0]
block = re.search(r"\n\n((?:    .*\n)+)", sec).group(1)
names = [l.split("=")[0].strip() for l in block.splitlines() if "=" in l]
keep = [l for l in open(conf) if l.split("=")[0].strip() not in names]
open(out, "w").write("".join(keep) + "\n" + "".join(l[4:] + "\n" for l in block.splitlines()))
PY
check "the block in docs/hub.md loads (hubd --check-config)" sh -c \
	"grep -q '^quota_mib = ' $T/doc.conf && $BIN/hubd --check-config $T/doc.conf | grep -q 'max_age_days 365, clock_skew_s 86400, quota_per_minute 600, quota_mib 256'"
# Small quotas, so that a test reaches them in seconds.
sed -i -e 's/^quota_per_minute = .*/quota_per_minute = 120/' -e 's/^quota_mib = .*/quota_mib = 1/' "$C"
check "hubd --check-config reads changed quotas" sh -c \
	"$BIN/hubd --check-config $C | grep -q 'quota_per_minute 120, quota_mib 1'"
printf '[hubd]\nquota_per_minute = 0\n' >"$T/bad.conf"
check "a quota of 0 is a configuration error" sh -c "! $BIN/hubd --check-config $T/bad.conf >/dev/null 2>&1"

hub_enroll kiosk-a || not_ok "enroll kiosk-a"
hub_enroll kiosk-b || not_ok "enroll kiosk-b"
start_hubd || not_ok "hubd starts"
KA="$HUB/devices/kiosk-a.bundle"
KB="$HUB/devices/kiosk-b.bundle"
CRAFT="$TOOLS/envcraft"

post() { # $1 = envelope file; prints the HTTP status
	curl -s -o "$T/resp.json" -D "$T/resp.hdr" -w '%{http_code}' --cacert "$HUB/tls.crt" \
		-H 'Content-Type: application/octet-stream' --data-binary "@$1" "$HUB_URL/v1/envelopes"
}
stored() { $HUBCTL queue 2>/dev/null | sed -n 's/^waiting to be pulled: //p'; }

before=$(stored)
for m in zero-seal:400:bad_seal short-seal:400:bad_seal at:0:422:too_old \
	at:9223372036854775808:422:created_in_future at:18446744073709551615:422:created_in_future \
	ago:-172800:422:created_in_future ago:31622400:422:too_old; do
	mode=${m%:*:*}
	want=${m#"$mode":}
	code=${want#*:}
	want=${want%%:*}
	"$CRAFT" "$KA" "$mode" file "$T/e.bin" 2>/dev/null
	got=$(post "$T/e.bin")
	check "$mode: refused with $want $code (got $got)" sh -c \
		"test '$got' = '$want' && grep -q '\"$code\"' $T/resp.json"
done
check "nothing refused was stored" test "$(stored)" = "$before"

# A device's clock a little ahead, an envelope held 30 days while the
# hub was down (or sealed by a device whose clock came up behind): stored.
for mode in now ago:2592000 ago:-600; do
	"$CRAFT" "$KA" "$mode" file "$T/e.bin" 2>/dev/null
	check "$mode: stored (201)" test "$(post "$T/e.bin")" = 201
done
check "three stored" test "$(stored)" = $((before + 3))
# hubd cannot open a seal (it never holds the key): a payload that is
# not JSON is stored, and the staff machine keeps it unopened, with a
# clear message, without holding back the others.
"$CRAFT" "$KA" non-json file "$T/e.bin" 2>/dev/null
check "non-JSON payload: hubd cannot tell, stores it (201)" test "$(post "$T/e.bin")" = 201
$HUBCTL list --passphrase-file "$PASS" >"$T/list.out" 2>"$T/list.err"
check "non-JSON payload: the staff side names it and keeps it unopened" \
	grep -q 'payload not understood; left unopened' "$T/list.err"
check "non-JSON payload: the three good ones are listed" \
	test "$(grep -c '^[0-9A-Z]\{4\}-' "$T/list.out")" = 3

# The forwarder: a refused envelope goes to the dead-letter table, loudly.
"$CRAFT" "$KA" at:0 queue "$T/a.db" "$T/a.key" 1 2>/dev/null
check "forwarder dead-letters a 422" sh -c \
	"$TOOLS/device_sim $KA $T/a.db $T/a.key flush 10 2>$T/dead.log | grep -q 'pending 0 dead 1'"
check "the refusal is logged with its reason" grep -q 'REFUSED.*422 too_old' "$T/dead.log"

# A burst over quota_per_minute (120): 429 with Retry-After, then every
# envelope delivered by the same forwarder, none dead-lettered.
"$CRAFT" "$KA" now queue "$T/burst.db" "$T/burst.key" 130 2>/dev/null
n0=$(stored)
t0=$(date +%s)
check "the forwarder delivers a 130-envelope burst in the end" sh -c \
	"$TOOLS/device_sim $KA $T/burst.db $T/burst.key flush 60 2>$T/burst.log | grep -q 'pending 0 dead 0'"
echo "# burst delivered in $(($(date +%s) - t0)) s"
n429=$(grep -c '429 rate_limited; will retry' "$T/burst.log")
check "the burst met the quota ($n429 answered 429 rate_limited, retried)" test "$n429" -gt 0
check "all 130 stored once" test "$(stored)" = $((n0 + 130))
check "hubd said when to come back" grep -q 'held back: rate_limited (retry in [0-9]* s)' "$T/hubd.log"

# Stored bytes (quota_mib = 1): kiosk-b sends 20 envelopes of ~60 KiB.
"$CRAFT" "$KB" now queue "$T/big.db" "$T/big.key" 20 60000 2>/dev/null
# A few seconds at a time until the quota is met (a slow machine needs more).
i=0
while [ $i -lt 10 ]; do
	out=$("$TOOLS/device_sim" "$KB" "$T/big.db" "$T/big.key" flush 2 2>>"$T/big.log")
	grep -q '429 quota_full' "$T/big.log" && break
	i=$((i + 1))
done
check "over quota_mib: the rest waits on the device, none dead ($out)" sh -c \
	"echo '$out' | grep -q 'pending [1-9][0-9]* dead 0' && grep -q '429 quota_full' $T/big.log"
"$CRAFT" "$KB" now file "$T/big.bin" 60000 2>/dev/null
code=$(post "$T/big.bin")
check "a post over quota_mib is 429 with Retry-After: 600" sh -c \
	"test '$code' = 429 && grep -qi '^Retry-After: 600' $T/resp.hdr"
check "hubd logged why it held envelopes back" grep -q 'held back: quota_full' "$T/hubd.log"
