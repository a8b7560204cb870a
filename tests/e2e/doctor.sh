#!/bin/sh
# hubd / kioskd / smsd --check-config and hubctl doctor (issue 15): a
# good set-up exits 0 ("ready"); each problem made on purpose gives its
# own line, with how to fix it, and exit 1; warnings (a certificate
# near its end, a hub away, a clock off) are shown and exit 0.
. "$(dirname "$0")/lib.sh"

# expect STATUS "what" PATTERN command...: exit STATUS and a line
# matching PATTERN (grep -E) in what it printed.
expect() {
	want=$1
	what=$2
	pat=$3
	shift 3
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$pat" "$T/out"; then
		ok "$what"
	else
		not_ok "$what (exit $rc, wanted $want and /$pat/)"
		sed 's/^/# /' "$T/out"
	fi
}

hub_setup_split || { not_ok "hub set-up"; exit 1; }
hub_enroll kiosk-1
hub_enroll kiosk-2
hub_enroll sms-1
CONF="$HUB/hubd.conf"
chown -R nobody "$HUB"

# --- hubd --check-config ----------------------------------------------
expect 0 "hubd: a good hub folder is ready" '^hubd: ready' \
	"$BIN/hubd" --check-config "$CONF"
expect 0 "hubd: the inbox's owner is checked" '^ok: +the inbox belongs to nobody' \
	"$BIN/hubd" --check-config "$CONF"
sed 's/^\[hubd\]/[hbud]/' "$CONF" >"$T/hbud.conf"
line=$(grep -n '^\[hbud\]' "$T/hbud.conf" | cut -d: -f1)
expect 1 "hubd: a misspelled section is named with its line" \
	"hbud.conf:$line: unknown section \[hbud\]: this file takes \[hubd\] \[hubctl\]" \
	"$BIN/hubd" --check-config "$T/hbud.conf"
sed '/^sign_key/d' "$CONF" >"$T/nokey.conf"
expect 1 "hubd: a missing setting is named with its section" \
	'nokey.conf: \[hubd\] needs sign_key = the hub.s signing key' \
	"$BIN/hubd" --check-config "$T/nokey.conf"
expect 1 "hubd: a missing config file says why" \
	'none.conf: cannot read: No such file or directory' \
	"$BIN/hubd" --check-config "$T/none.conf"
chmod 644 "$HUB/hub.sign.key"
expect 1 "hubd: a signing key open to others" \
	'^ERROR: +signing key .* mode 0644.*chmod 600' "$BIN/hubd" --check-config "$CONF"
chmod 600 "$HUB/hub.sign.key"
cp "$HUB/inbox.key" "$T/inbox.key.good"
head -c 20 "$T/inbox.key.good" >"$HUB/inbox.key"
expect 1 "hubd: a damaged inbox key" '^ERROR: +inbox key .* does not load' \
	"$BIN/hubd" --check-config "$CONF"
cp "$STAFF/inbox.key" "$HUB/inbox.key"
expect 1 "hubd: an inbox key that is not the inbox's" \
	'^ERROR: +inbox .* does not open with' "$BIN/hubd" --check-config "$CONF"
cp "$T/inbox.key.good" "$HUB/inbox.key"
chown nobody "$HUB/inbox.key"
chown root "$HUB/inbox.db"
expect 1 "hubd: an inbox hubd's user does not own" \
	'^ERROR: +.*inbox.db is not owned by nobody.*chown nobody' \
	"$BIN/hubd" --check-config "$CONF"
chown nobody "$HUB/inbox.db"
sed 's/^user = nobody/user = rj-no-such-user/' "$CONF" >"$T/user.conf"
expect 1 "hubd: a user that does not exist" \
	'^ERROR: +user = rj-no-such-user does not exist: useradd' \
	"$BIN/hubd" --check-config "$T/user.conf"
cp "$HUB/tls.crt" "$T/tls.crt.good"
openssl req -x509 -new -key "$HUB/tls.key" -out "$HUB/tls.crt" -days 10 \
	-subj /CN=127.0.0.1 >/dev/null 2>&1
expect 0 "hubd: a certificate ending within 30 days is a warning" \
	"^WARNING: +hubd's TLS certificate expires in (9|10) days" \
	"$BIN/hubd" --check-config "$CONF"
faketime '2020-01-01 12:00:00' openssl req -x509 -new -key "$HUB/tls.key" \
	-out "$HUB/tls.crt" -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1
expect 1 "hubd: an expired certificate is an error" \
	"^ERROR: +hubd's TLS certificate expired [0-9]+ days? ago" \
	"$BIN/hubd" --check-config "$CONF"
cp "$T/tls.crt.good" "$HUB/tls.crt"
chown -R nobody "$HUB"

# --- hubctl doctor ----------------------------------------------------
expect 0 "hubctl doctor: a good hub folder is ready" '^hubctl doctor: ready' \
	$HUBCTL doctor
expect 0 "hubctl doctor: bundles left on the hub are a warning" \
	'^WARNING: .*kiosk-1.bundle holds a device.s secret key' $HUBCTL doctor
chmod 640 "$HUB/tls.key"
expect 1 "hubctl doctor: a secret file open to the group" \
	'^ERROR: .*tls.key has mode 0640.*chmod 600' $HUBCTL doctor
chmod 600 "$HUB/tls.key"
chmod 777 "$HUB/devices"
expect 1 "hubctl doctor: a folder others may write to" \
	'^ERROR: +folder .*devices may be written by others: chmod go-w' $HUBCTL doctor
chmod 700 "$HUB/devices"
expect 0 "hubctl doctor: a good staff folder, passphrase checked" \
	'^ok: +the passphrase opens the opening key' \
	$STAFFCTL doctor --passphrase-file "$PASS"
printf 'not the passphrase\n' >"$T/wrong"
chmod 600 "$T/wrong"
expect 1 "hubctl doctor: a wrong passphrase" \
	'^ERROR: +the passphrase in .* does not open the opening key' \
	$STAFFCTL doctor --passphrase-file "$T/wrong"
expect 1 "hubctl doctor: a folder that is neither" \
	'is neither a hub folder' "$BIN/hubctl" -d "$T" doctor

# --- kioskd --check-config, against the running hub ------------------
start_hubd
K="$T/kiosk"
mkdir -p "$K/printer"
cp "$HUB/devices/kiosk-1.bundle" "$K/kiosk.bundle"
cat >"$K/kioskd.conf" <<CONF
[kioskd]
listen = 127.0.0.1
port = $(free_port)
venue_name = Test Library
venue_code = TEST-LIB-01
device_bundle = $K/kiosk.bundle
database = $K/outbox.db
database_key = $K/outbox.key
content = $ROOT/content
templates = $ROOT/kiosk/templates
static = $ROOT/kiosk/static
languages = en
service_number = +447700900000
printer = file:$K/printer/slip.bin
CONF
chmod 600 "$K/kiosk.bundle"
KCHECK="$BIN/kioskd --check-config $K/kioskd.conf"
expect 0 "kioskd: a good kiosk is ready" '^kioskd: ready' $KCHECK
expect 0 "kioskd: the hub took a signed heartbeat" \
	'^ok: +hub round trip: https://127.0.0.1:[0-9]+ took a signed heartbeat' $KCHECK
expect 0 "kioskd: the clock agrees with the hub's" '^ok: +clock within' $KCHECK
expect 0 "kioskd: the printer can be written to" '^ok: +printer file:' $KCHECK
expect 0 "kioskd: nothing is created before the first start" \
	'made on first start' $KCHECK
check "kioskd: --check-config created no database" test ! -e "$K/outbox.db"
rmdir "$K/printer"
expect 1 "kioskd: a printer that is not there" \
	'^ERROR: +printer file:.*: missing: check it is plugged in' $KCHECK
mkdir -p "$K/printer"
chmod 644 "$K/kiosk.bundle"
expect 1 "kioskd: a bundle open to others" \
	'^ERROR: +device bundle .* mode 0644.*chmod 600' $KCHECK
chmod 600 "$K/kiosk.bundle"
"$TOOLS/device_sim" "$K/kiosk.bundle" "$K/outbox.db" "$K/outbox.key" status >/dev/null 2>&1
expect 0 "kioskd: the database opens with its key" \
	'^ok: +database opens with its key' $KCHECK
mv "$K/outbox.key" "$T/outbox.key.good"
expect 1 "kioskd: a database whose key is missing" \
	'^ERROR: +database .* exists but its key .* does not: restore' $KCHECK
cp "$HUB/inbox.key" "$K/outbox.key"
expect 1 "kioskd: a database key that is not the database's" \
	'^ERROR: +database .* does not open with' $KCHECK
mv "$T/outbox.key.good" "$K/outbox.key"
# faketime preloads itself; an ASan build (make asan) must let it.
expect 0 "kioskd: a clock 10 minutes ahead is a warning" \
	"^WARNING: +this clock is [0-9]+ s ahead of the hub's: turn on time sync" \
	env ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	faketime -f '+10m' $KCHECK
cp "$HUB/devices/kiosk-2.bundle" "$K/kiosk.bundle"
$HUBCTL revoke kiosk-2 >/dev/null 2>&1
expect 1 "kioskd: a revoked device" '^ERROR: +device kiosk-2 was revoked' $KCHECK
cp "$HUB/devices/kiosk-1.bundle" "$K/kiosk.bundle"

# --- smsd --check-config ----------------------------------------------
S="$T/sms"
mkdir -p "$S"
cp "$HUB/devices/sms-1.bundle" "$S/device.bundle"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 365 -subj /CN=localhost \
	>/dev/null 2>&1
chmod 600 "$S/tls.key" "$S/device.bundle"
(umask 077 && printf 'json_secret = %s\nstate_key = %s\n' \
	"$(openssl rand -hex 16)" "$(openssl rand -hex 32)" >"$S/secrets")
cat >"$S/smsd.conf" <<CONF
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

[json]
enabled = true
CONF
SCHECK="$BIN/smsd --check-config $S/smsd.conf"
expect 0 "smsd: a good gateway is ready" '^smsd: ready' $SCHECK
expect 0 "smsd: its certificate's expiry is shown" \
	"^ok: +smsd's TLS certificate valid for 36[45] more days" $SCHECK
expect 0 "smsd: the hub took a signed heartbeat" '^ok: +hub round trip' $SCHECK
chmod 644 "$S/tls.key"
expect 1 "smsd: a TLS key open to others" '^ERROR: +TLS key .* mode 0644' $SCHECK
chmod 600 "$S/tls.key"
faketime '2020-01-01 12:00:00' openssl req -x509 -new -key "$S/tls.key" \
	-out "$S/tls.crt" -days 1 -subj /CN=localhost >/dev/null 2>&1
expect 1 "smsd: an expired certificate" \
	"^ERROR: +smsd's TLS certificate expired" $SCHECK
openssl req -x509 -new -key "$S/tls.key" -out "$S/tls.crt" -days 5 \
	-subj /CN=localhost >/dev/null 2>&1
expect 0 "smsd: a certificate ending in 5 days is a warning" \
	"^WARNING: +smsd's TLS certificate expires in [45] days" $SCHECK
sed 's/^\[json\]/[jsn]/' "$S/smsd.conf" >"$S/bad.conf"
expect 1 "smsd: a misspelled section is named" \
	'bad.conf:[0-9]+: unknown section \[jsn\]: this file takes \[smsd\] \[twilio\] \[kannel\] \[json\]' \
	"$BIN/smsd" --check-config "$S/bad.conf"

# --- the hub away: a warning, not a failure ----------------------------
stop_hubd
expect 0 "kioskd: a hub that does not answer is a warning" \
	'^WARNING: +the hub at .* did not answer' $KCHECK
expect 0 "smsd: a hub that does not answer is a warning" \
	'^WARNING: +the hub at .* did not answer' $SCHECK
