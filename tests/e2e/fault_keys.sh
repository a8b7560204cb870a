#!/bin/sh
# Fault test: bad keys. A wrong database key, a database key from another
# device or another hub, a missing key beside an existing database, a
# wrong hub passphrase, and every secret file readable by group or
# others: each daemon (and hubctl) stops with a clear error that names
# the file, exits non-zero, and writes nothing (every file's checksum is
# the same before and after). Corrupt or flipped bytes in key files are
# tests/e2e/keys*.sh's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.inc"

fault_tmp
hub_setup
fault_sms_setup "$T/sms" sms-1
fault_kiosk_setup "$T/kiosk" kiosk-1
# A second hub, for a key that belongs somewhere else.
HUB2="$T/hub2"
"$BIN/hubctl" -d "$HUB2" init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
	--port "$(free_port)" --content "$ROOT/content" >/dev/null 2>&1
# One good run of each, so every database exists.
fault_start_hubd "$T/hubd.log"
fault_start_smsd "$T/smsd.log"
fault_start_kioskd "$T/kioskd.log"
check "hubd, smsd and kioskd start with their own keys" sh -c \
	"kill -0 $HUBD_PID && kill -0 $SMSD_PID && kill -0 $KIOSKD_PID"
python3 "$ROOT/tests/e2e/fault_load.py" sms "$SURL" "$S/tls.crt" "$TWILIO" 2 "$T/sms.jsonl" 60 >/dev/null
python3 "$ROOT/tests/e2e/fault_load.py" kiosk "$KPORT" 1 "$T/kiosk.jsonl" 60 >/dev/null
i=0
while [ $i -lt 60 ] && [ "$(hub_count)" -lt 3 ]; do sleep 0.5; i=$((i + 1)); done
check "three referrals at the hub before the faults" test "$(hub_count)" = 3
kill "$HUBD_PID" "$SMSD_PID" "$KIOSKD_PID"
wait "$HUBD_PID" "$SMSD_PID" "$KIOSKD_PID" 2>/dev/null
E2E_PIDS=""

sums() { find "$HUB" "$HUB2" "$S" "$K" -type f -print0 | sort -z | xargs -0 sha256sum; }

# expect_refusal "what" file-to-name command...: the command exits
# non-zero within 20 s, says something naming the file, and every file's
# checksum is unchanged.
expect_refusal() {
	what=$1
	name=$2
	shift 2
	sums >"$T/sum.before"
	timeout 20 "$@" >"$T/out.log" 2>&1
	rc=$?
	sums >"$T/sum.after"
	if [ $rc -eq 124 ]; then
		not_ok "$what: still running after 20 s"
	elif [ $rc -eq 0 ]; then
		not_ok "$what: exit status 0"
	elif ! grep -qF "$name" "$T/out.log"; then
		not_ok "$what: exit $rc, but the message does not name $name: $(head -c 300 "$T/out.log")"
	elif ! cmp -s "$T/sum.before" "$T/sum.after"; then
		not_ok "$what: a file changed: $(diff "$T/sum.before" "$T/sum.after" | head -n 4)"
	else
		ok "$what: exit $rc, names $(basename "$name"), nothing written"
	fi
	grep -v '^[[:space:]]*$' "$T/out.log" | head -n 2 | sed 's/^/#   /'
}
as_nobody() { chown -R nobody "$HUB" "$S" "$K"; }
SMSD="$BIN/smsd --config $S/smsd.conf"
KIOSKD="$BIN/kioskd --config $K/kioskd.conf"
HUBD="$BIN/hubd --config $HUB/hubd.conf"

# A wrong database key: another 32 random bytes, as the key file writes them.
swap_key() { # file, replacement file: put it in place, keeping a copy
	cp -p "$1" "$1.orig"
	cp "$2" "$1"
	chmod 600 "$1"
	as_nobody
}
restore() { # file
	mv "$1.orig" "$1"
	as_nobody
}
cp -p "$K/outbox.key" "$T/other-device.key"
swap_key "$S/smsd.key" "$T/other-device.key"
expect_refusal "smsd with the kiosk's database key" "$S/smsd.db" $SMSD
restore "$S/smsd.key"
cp -p "$S/smsd.key" "$T/sms-device.key"
swap_key "$K/outbox.key" "$T/sms-device.key"
expect_refusal "kioskd with the SMS gateway's database key" "$K/outbox.db" $KIOSKD
restore "$K/outbox.key"
swap_key "$HUB/inbox.key" "$HUB2/inbox.key"
expect_refusal "hubd with another hub's inbox key" "$HUB/inbox.db" $HUBD
expect_refusal "hubctl list with another hub's inbox key" "$HUB/inbox.db" \
	$HUBCTL list --passphrase-file "$PASS"
restore "$HUB/inbox.key"

# Keys from another hub or device, beside the certificate or public half
# they must match.
swap_key "$HUB/tls.key" "$HUB2/tls.key"
expect_refusal "hubd with another hub's TLS key" "$HUB/tls.key" $HUBD
restore "$HUB/tls.key"
swap_key "$S/tls.key" "$HUB/tls.key"
expect_refusal "smsd with the hub's TLS key" "$S/tls.key" $SMSD
restore "$S/tls.key"
# (A signing key that does not match hub.sign.pub is the key checks'
# own test, with their integrity checks: issue 13.)

# A missing database key beside an existing database: never a new key
# (that would be a new, empty database and the old one lost).
for f in "$S/smsd.key:$SMSD" "$K/outbox.key:$KIOSKD" "$HUB/inbox.key:$HUBD"; do
	key=${f%%:*}
	cmd=${f#*:}
	mv "$key" "$key.orig"
	# shellcheck disable=SC2086
	expect_refusal "$(basename "${cmd%% *}") with its database key missing" "$key" $cmd
	restore "$key"
done

# The hub passphrase: a wrong one opens nothing.
printf 'not the passphrase\n' >"$T/wrongpass"
chmod 600 "$T/wrongpass"
ref=$($HUBCTL list --passphrase-file "$PASS" 2>/dev/null | sed -n 's/^\([0-9A-Z-]\{16\}\) .*/\1/p' | head -n 1)
for cmd in "list" "show $ref" "export --format json -o $T/x.json"; do
	# shellcheck disable=SC2086
	expect_refusal "hubctl $cmd with a wrong passphrase" "hub.box.key" \
		$HUBCTL $cmd --passphrase-file "$T/wrongpass"
done
check "nothing was exported with a wrong passphrase" test ! -e "$T/x.json"
# The staff key from another hub: the right passphrase, the wrong key.
swap_key "$HUB/hub.box.key" "$HUB2/hub.box.key"
expect_refusal "hubctl show with another hub's opening key" "hub.box.key" \
	$HUBCTL show "$ref" --passphrase-file "$PASS"
restore "$HUB/hub.box.key"

# Loose permissions: each secret file readable by group, then by others.
loose() { # file mode command...
	f=$1
	mode=$2
	shift 2
	old=$(stat -c %a "$f")
	chmod "$mode" "$f"
	expect_refusal "$(basename "$1") with $(basename "$f") mode $mode" "$f" "$@"
	chmod "$old" "$f"
}
for mode in 640 604; do
	for f in "$S/tls.key" "$S/secrets" "$S/smsd.key" "$S/device.bundle"; do
		loose "$f" $mode $SMSD
	done
	for f in "$K/outbox.key" "$K/kiosk.bundle"; do
		loose "$f" $mode $KIOSKD
	done
	for f in "$HUB/tls.key" "$HUB/hub.sign.key" "$HUB/inbox.key"; do
		loose "$f" $mode $HUBD
	done
	for f in "$HUB/hub.box.key" "$HUB/inbox.key" "$PASS"; do
		loose "$f" $mode $HUBCTL show "$ref" --passphrase-file "$PASS"
	done
done

# And after all of it, everything still works with the right keys.
as_nobody
fault_start_hubd "$T/hubd2.log"
fault_start_smsd "$T/smsd2.log"
fault_start_kioskd "$T/kioskd2.log"
check "after all of it, each daemon starts with its own keys" sh -c \
	"kill -0 $HUBD_PID && kill -0 $SMSD_PID && kill -0 $KIOSKD_PID"
check "... and the hub still lists its three referrals" test "$(hub_count)" = 3
