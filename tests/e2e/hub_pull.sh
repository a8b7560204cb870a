#!/bin/sh
# End to end, issue 11 step 1: the opening key lives on the staff
# machine; the staff machine pulls sealed envelopes from the real hubd
# with a staff credential over pinned TLS.
. "$(dirname "$0")/lib.sh"

SIM="$TOOLS/device_sim"
hub_setup_split
check "init --staff-dir: the opening key is in the staff folder" test -f "$STAFF/hub.box.key"
check "init --staff-dir: the server folder has no opening key" test ! -e "$HUB/hub.box.key"
check "the staff folder has its own database key" sh -c "! cmp -s $HUB/inbox.key $STAFF/inbox.key"
check "staff credential is mode 0600" test "$(stat -c %a "$HUB/staff/alice.cred")" = 600
$HUBCTL enroll kiosk-1 --url "$HUB_URL" >/dev/null 2>&1
KIOSK="$HUB/devices/kiosk-1.bundle"
DEV="$T/kiosk"
mkdir -p "$DEV"
sim() { "$SIM" "$KIOSK" "$DEV/outbox.db" "$DEV/db.key" "$@" 2>>"$T/sim.log"; }
start_hubd

payload() { # $1 ref, $2 borough, $3 crime, $4 risk, $5 marker
	cat <<JSON
{"schema":1,"kind":"referral","ref":"$1","channel":"kiosk","venue":"CAM-LIB-01","language":"en","easy_read":false,
 "consent":{"wording_version":1,"wording_sha256":"00","given_at":"2026-11-23T10:00:00Z"},
 "contact":{"name":"$5","phone":"+447700900123","method":"call","methods":["call"],"time":"any","times":[],"voicemail_ok":false,"may_say_service":false},
 "eligibility":{"offence_in_london":true,"lives_in_london":true,"offence_place":"yes"},
 "borough":"$2","details":{"crime":"$3","stage":"court"},"access_needs":{"interpreter":false},
 "risk_assessment":$4,"created_at":"2026-11-23T10:00:00Z"}
JSON
}
ref1=$("$TOOLS/refgen")
payload "$ref1" city-of-london stalking true "Marker Zebedee" >"$T/p1.json"
sim put "$T/p1.json" >/dev/null
sim flush 10 >/dev/null

# The server's folder cannot open a referral with any file in it.
find "$HUB" -type f >"$T/hubfiles"
check "no file in the server folder opens a referral (every 32-byte window, every key file with the passphrase)" \
	"$TOOLS/keyscan" "$HUB/hub.box.pub" "$PASS" $(cat "$T/hubfiles")
check "keyscan finds the key in the staff folder (the scan works)" sh -c \
	"! $TOOLS/keyscan $HUB/hub.box.pub $PASS $STAFF/hub.box.key >/dev/null 2>&1"
check "hubctl in the server folder refuses to open, saying why" sh -c \
	"! $HUBCTL show $ref1 --passphrase-file $PASS >$T/srv.txt 2>&1 && grep -q 'holds no opening key' $T/srv.txt && ! grep -q Zebedee $T/srv.txt"

$STAFFCTL pull --passphrase-file "$PASS" >"$T/pull1.out" 2>"$T/pull1.err"
check "pull: one new envelope" grep -q 'Pulled 1 envelope(s): 1 new' "$T/pull1.out"
check "pull: routed on pull (city-of-london -> south-east), risk flagged" sh -c \
	"$STAFFCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$ref1.*kiosk.*south-east.*received.*risk-check'"
check "the staff machine opens the referral" sh -c \
	"$STAFFCTL show $ref1 --passphrase-file $PASS 2>/dev/null | grep -q 'Marker Zebedee'"
check "the hub logged the pull with the staff name and count" grep -q 'staff alice pulled 1 envelope' "$T/hubd.log"
check "pull-log at the hub: alice, pull 1, ack 1" sh -c \
	"$HUBCTL pull-log | grep -q 'alice.*pull.*1' && $HUBCTL pull-log | grep -q 'alice.*ack.*1'"
check "hubd keeps the pulled copy for now (keep_days 7)" sh -c \
	"$HUBCTL queue | grep -q 'waiting to be pulled: 0' && $HUBCTL queue | grep -q 'kept until keep_days pass: 1'"
$STAFFCTL pull --passphrase-file "$PASS" >"$T/pull2.out" 2>&1
check "pull twice: nothing new" grep -q 'Pulled 0 envelope(s)' "$T/pull2.out"
check "pull twice: stored once" test "$(staff_count)" = 1

# Credentials: forged, unknown, replayed, revoked.
"$TOOLS/staffreq" "$STAFF/staff.cred" /v1/staff/pull '{"at":@NOW,"max":5}' "$T/req.bin" 2>/dev/null
post() { curl -s -o "$T/post.out" -w '%{http_code}' --cacert "$HUB/tls.crt" -H 'Content-Type: application/octet-stream' --data-binary @"$1" "$HUB_URL$2"; }
check "a signed request is answered 200" test "$(post "$T/req.bin" /v1/staff/pull)" = 200
check "the same request replayed gets 403" test "$(post "$T/req.bin" /v1/staff/pull)" = 403
"$TOOLS/staffreq" "$STAFF/staff.cred" /v1/staff/pull '{"at":@NOW}' "$T/req2.bin" 2>/dev/null
check "a request signed for /pull posted to /ack gets 403" test "$(post "$T/req2.bin" /v1/staff/ack)" = 403
python3 -c "
b = bytearray(open('$T/req2.bin','rb').read()); b[-3] ^= 1; open('$T/forged.bin','wb').write(b)"
check "a tampered request gets 403" test "$(post "$T/forged.bin" /v1/staff/pull)" = 403
python3 -c "
b = bytearray(open('$T/req2.bin','rb').read()); b[5] ^= 1; open('$T/unknown.bin','wb').write(b)"
check "an unknown credential gets 403" test "$(post "$T/unknown.bin" /v1/staff/pull)" = 403
"$TOOLS/staffreq" "$STAFF/staff.cred" /v1/staff/pull '{"at":1000}' "$T/old.bin" 2>/dev/null
check "a request from long ago gets 403" test "$(post "$T/old.bin" /v1/staff/pull)" = 403
check "a device bundle is no staff credential" sh -c \
	"! $STAFFCTL pull --credential $KIOSK --no-open >$T/dev.out 2>&1 && grep -q 'refused' $T/dev.out"

ref2=$("$TOOLS/refgen")
payload "$ref2" camden theft false "Marker Quentin" >"$T/p2.json"
sim put "$T/p2.json" >/dev/null
sim flush 10 >/dev/null
check "revoke-staff alice" sh -c "$HUBCTL revoke-staff alice >/dev/null"
$STAFFCTL pull --passphrase-file "$PASS" >"$T/rev.out" 2>&1
rc=$?
check "pull with a revoked credential fails and says so" sh -c "test $rc -ne 0 && grep -q 'refused this staff credential (revoked_staff)' $T/rev.out"
check "pull with a revoked credential stores nothing" test "$(staff_count)" = 1
check "the revoked pull left the envelope waiting at the hub" sh -c "$HUBCTL queue | grep -q 'waiting to be pulled: 1'"
check "enroll-staff bob" sh -c "$HUBCTL enroll-staff bob --url $HUB_URL -o $T/bob.cred >/dev/null 2>&1"
check "staff lists alice revoked and bob active" sh -c \
	"$HUBCTL staff | grep -q 'alice.*REVOKED' && $HUBCTL staff | grep -q 'bob.*active'"
check "bob pulls the waiting referral" sh -c \
	"$STAFFCTL pull --credential $T/bob.cred --passphrase-file $PASS 2>/dev/null | grep -q '1 new'"

# keep_days 0: the hub deletes its copy once it has been handed over.
stop_hubd
sed -i 's/^keep_days = 7/keep_days = 0/' "$HUB/hubd.conf"
start_hubd
sleep 0.01
$STAFFCTL pull --credential "$T/bob.cred" --no-open >/dev/null 2>&1
check "keep_days 0: the server holds no pulled envelope" sh -c "$HUBCTL queue | grep -q 'kept until keep_days pass: 0'"

# A withdrawal that arrives after the referral was pulled shreds it on
# the staff machine at the next pull.
cat >"$T/wd.json" <<JSON
{"schema":1,"kind":"withdrawal","ref":"$ref1","channel":"sms","at":"2026-11-23T12:00:00Z"}
JSON
sim put "$T/wd.json" >/dev/null
sim flush 10 >/dev/null
$STAFFCTL pull --credential "$T/bob.cred" --passphrase-file "$PASS" >/dev/null 2>&1
check "withdrawal after pull: withdrawn on the staff machine" sh -c \
	"$STAFFCTL list --passphrase-file $PASS 2>/dev/null | grep -q '$ref1.*withdrawn'"
check "withdrawal after pull: personal data deleted on the staff machine" sh -c \
	"$STAFFCTL show $ref1 --passphrase-file $PASS >$T/wshow.txt 2>&1; grep -q 'personal data deleted' $T/wshow.txt && ! grep -q Zebedee $T/wshow.txt"
check "withdrawal after pull: export leaves it out" sh -c \
	"! $STAFFCTL export --format json --passphrase-file $PASS 2>/dev/null | grep -q Zebedee"

# A pull killed part way resumes: every envelope kept exactly once.
i=0
while [ $i -lt 30 ]; do
	r=$("$TOOLS/refgen")
	# About 3 KiB each: the pages after the kill are over 64 KiB.
	payload "$r" hackney burglary false "Bulk $i $(head -c 3000 /dev/zero | tr '\0' x)" >"$T/bulk.json"
	sim put "$T/bulk.json" >/dev/null
	i=$((i + 1))
done
sim flush 20 >/dev/null
before=$(staff_count)
$STAFFCTL pull --credential "$T/bob.cred" --no-open --page-size 1 >"$T/kill.out" 2>"$T/kill.err" &
kpid=$!
i=0
while [ $i -lt 200 ] && ! grep -q 'page 3:' "$T/kill.err" 2>/dev/null; do
	sleep 0.02
	i=$((i + 1))
done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
mid=$(staff_count)
check "killed pull: part kept ($before -> $mid of $((before + 30)))" sh -c "test $mid -gt $before && test $mid -lt $((before + 30))"
$STAFFCTL pull --credential "$T/bob.cred" --passphrase-file "$PASS" >"$T/resume.out" 2>&1
check "resumed pull: all 30 kept exactly once" test "$(staff_count)" = $((before + 30))
check "resumed pull: a page over 64 KiB came through" sh -c \
	"grep 'POST /v1/staff/pull 200' $T/hubd.log | awk '{print \$6}' | tr -d B | sort -n | tail -n 1 | awk '{exit !(\$1 > 65536)}'"
check "resumed pull: nothing waits at the hub" sh -c "$HUBCTL queue | grep -q 'waiting to be pulled: 0'"

check "hubd logs carry no personal data" sh -c "! grep -q -e Zebedee -e Quentin -e 447700900 $T/hubd.log"
stop_hubd

# A hub made the old way (one folder) moves its opening key out.
H2="$T/hub2"
S2="$T/staff2"
"$BIN/hubctl" -d "$H2" init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
	--content "$ROOT/content" >/dev/null 2>&1
check "export-staff-keys moves the key out of the server folder" sh -c \
	"$BIN/hubctl -d $H2 export-staff-keys -o $T/keys.out >/dev/null 2>&1 && test ! -e $H2/hub.box.key && test \$(stat -c %a $T/keys.out) = 600"
check "after export no file in that server folder opens a referral" \
	"$TOOLS/keyscan" "$H2/hub.box.pub" "$PASS" $(find "$H2" -type f)
printf 'wrong horse battery\n' >"$T/badpass"
chmod 600 "$T/badpass"
check "import with the wrong passphrase writes nothing" sh -c \
	"! $BIN/hubctl -d $S2 import-staff-keys $T/keys.out --passphrase-file $T/badpass --content $ROOT/content >/dev/null 2>&1 && test ! -e $S2/hub.box.key"
check "import-staff-keys sets up the staff folder" sh -c \
	"$BIN/hubctl -d $S2 import-staff-keys $T/keys.out --passphrase-file $PASS --content $ROOT/content >/dev/null 2>&1 && cmp -s $H2/hub.box.pub $S2/hub.box.pub && test -f $S2/inbox.db"
