#!/bin/sh
# End to end, issue 14 "Also": hubctl's clear messages and exit statuses
# (passphrase checked by list even with nothing new, show prints nothing
# before a wrong passphrase, a device name enrolled twice, a re-sent
# envelope whose reference is in use, an option a command does not take).
. "$(dirname "$0")/lib.sh"

hub_setup
URL=$HUB_URL
SIM="$TOOLS/device_sim"
KIOSK="$HUB/devices/kiosk-1.bundle"
DEV="$T/kiosk"
mkdir -p "$DEV"
sim() { "$SIM" "$KIOSK" "$DEV/outbox.db" "$DEV/db.key" "$@" 2>>"$T/sim.log"; }

# Enrolling a name twice: a clear refusal, the first bundle untouched.
check "enroll kiosk-1" $HUBCTL enroll kiosk-1 --url "$URL" >/dev/null 2>&1
sum=$(sha256sum "$KIOSK")
$HUBCTL enroll kiosk-1 --url "$URL" >"$T/enroll2.out" 2>&1
rc=$?
check "enrolling a name twice exits non-zero" test "$rc" -ne 0
check "enrolling a name twice says the name is already enrolled" \
	grep -q 'a device named kiosk-1 is already enrolled' "$T/enroll2.out"
check "enrolling a name twice shows no raw SQLite error" sh -c \
	"! grep -q -e UNIQUE -e constraint $T/enroll2.out"
check "enrolling a name twice leaves the first bundle as it was" \
	test "$(sha256sum "$KIOSK")" = "$sum"
check "enrolling a name twice adds no device" test \
	"$($HUBCTL devices 2>/dev/null | grep -c '^kiosk-1 ')" = 1

start_hubd
ref=$("$TOOLS/refgen")
cat >"$T/p.json" <<JSON
{"schema":1,"kind":"referral","ref":"$ref","channel":"kiosk","language":"en",
 "consent":{"wording_version":1,"wording_sha256":"00","given_at":"2026-11-23T10:00:00Z"},
 "contact":{"name":"Quentin Testperson","phone":"+447700900321","method":"call","time":"morning","voicemail_ok":false},
 "borough":"camden","details":"x"}
JSON
sim put "$T/p.json" >/dev/null
sim flush 10 >/dev/null
check "list opens the referral" sh -c \
	"$HUBCTL list --passphrase-file $PASS 2>/dev/null | grep -q '^$ref '"

# list with nothing new waiting still checks the passphrase.
printf 'wrong horse\n' >"$T/bad"
chmod 600 "$T/bad"
printf 'correct horse battery staple\n' >"$T/open"
chmod 644 "$T/open"
listfails() { # $1 = what, $2 = passphrase file, $3 = message
	$HUBCTL list --passphrase-file "$2" >"$T/l.out" 2>"$T/l.err"
	rc=$?
	check "list, nothing new, $1: exits non-zero" test "$rc" -ne 0
	check "list, nothing new, $1: says so" grep -q "$3" "$T/l.err"
	check "list, nothing new, $1: lists nothing" sh -c "! grep -q '$ref' $T/l.out"
}
listfails "wrong passphrase" "$T/bad" 'wrong passphrase'
listfails "missing passphrase file" "$T/none" "$T/none"
listfails "passphrase file others can read" "$T/open" "$T/open"
check "list, nothing new, right passphrase: exits 0" sh -c \
	"$HUBCTL list --passphrase-file $PASS >/dev/null 2>&1"

# show unlocks first: nothing printed before a wrong passphrase.
$HUBCTL show "$ref" --passphrase-file "$T/bad" >"$T/s.out" 2>"$T/s.err"
rc=$?
check "show, wrong passphrase: exits non-zero" test "$rc" -ne 0
check "show, wrong passphrase: says so" grep -q 'wrong passphrase' "$T/s.err"
check "show, wrong passphrase: prints no header" test ! -s "$T/s.out"
check "show, right passphrase: header and referral" sh -c \
	"$HUBCTL show $ref --passphrase-file $PASS 2>/dev/null | grep -q 'Reference: $ref' &&
	 $HUBCTL show $ref --passphrase-file $PASS 2>/dev/null | grep -q Quentin"

# The same referral sent again (a new envelope, the reference in use):
# reported once, clearly; later commands are quiet; nothing lost.
sim put "$T/p.json" >"$T/dup.id"
sim flush 10 >/dev/null
dupid=$(cat "$T/dup.id")
$HUBCTL list --passphrase-file "$PASS" >"$T/d1.out" 2>"$T/d1.err"
rc=$?
check "re-sent envelope: list exits 0" test "$rc" -eq 0
check "re-sent envelope: reported with its envelope id and reference" sh -c \
	"grep -q '$dupid' $T/d1.err && grep -q 'reference $ref is already in use' $T/d1.err"
check "re-sent envelope: no raw SQLite error" sh -c "! grep -q -e UNIQUE -e constraint $T/d1.err"
check "re-sent envelope: still one row for the reference" test \
	"$(grep -c "^$ref " "$T/d1.out")" = 1
$HUBCTL list --passphrase-file "$PASS" >/dev/null 2>"$T/d2.err"
check "re-sent envelope: the next list is quiet" test ! -s "$T/d2.err"
check "re-sent envelope: recorded in the case history" sh -c \
	"$HUBCTL history $ref 2>/dev/null | grep 'duplicate' | grep -q '$dupid'"
check "re-sent envelope: show still carries it" sh -c \
	"test \$($HUBCTL show $ref --passphrase-file $PASS 2>/dev/null | grep -c Quentin) = 2"

# An option the command does not take is named, with the command.
$HUBCTL purge --older-than 9999 --passphrase-file "$PASS" >/dev/null 2>"$T/p.err"
rc=$?
check "purge --passphrase-file: usage error (2)" test "$rc" -eq 2
check "purge --passphrase-file: names the option and the command" \
	grep -q 'hubctl purge does not accept --passphrase-file' "$T/p.err"
stop_hubd

# A server folder (no opening key): list keeps saying so.
$BIN/hubctl -d "$T/srv" init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
	--port "$(free_port)" --content "$ROOT/content" --staff-dir "$T/stf" >/dev/null 2>&1
$BIN/hubctl -d "$T/srv" list --passphrase-file "$PASS" >/dev/null 2>"$T/srv.err"
rc=$?
check "server folder: list exits non-zero" test "$rc" -ne 0
check "server folder: list says there is no opening key" \
	grep -q 'holds no opening key' "$T/srv.err"
