#!/bin/sh
# Fault test: the disk under each daemon's state fills up. The kiosk
# visitor is told plainly that nothing was sent (content/*/kiosk.json
# not_sent_*), a webhook gets 503 with Retry-After and the provider's
# retry (same MessageSid) is answered once space is back, hubd answers
# 503 so devices keep their envelopes, nothing stored is damaged, and
# every daemon carries on when space returns.
#
# Each state folder is a small tmpfs filled to the last byte. Where that
# cannot be mounted (not root, no mount; or FAULT_DISK_MODE=rlimit), a
# daemon is "filled" by a SIGKILL and a restart under RLIMIT_FSIZE at the
# size of its write-ahead log (ulimit -f), so no file may grow: writes
# fail with EFBIG, SIGXFSZ ignored as a supervisor would; space comes
# back with a restart without the limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.inc"

fault_tmp
MODE=${FAULT_DISK_MODE:-tmpfs}
MOUNTED=""
if [ "$MODE" = tmpfs ]; then
	for d in hub sms kiosk; do
		mkdir -p "$T/$d"
		if mount -t tmpfs -o size=8m,mode=755 rj-fault "$T/$d" 2>/dev/null; then
			MOUNTED="$MOUNTED $T/$d"
		else
			MODE=rlimit
		fi
	done
fi
disk_cleanup() {
	for p in $E2E_PIDS; do kill "$p" 2>/dev/null; done
	for p in $E2E_PIDS; do wait "$p" 2>/dev/null; done
	for m in $MOUNTED; do umount "$m"; done
	e2e_cleanup
}
trap disk_cleanup EXIT INT TERM HUP PIPE
if [ "$MODE" = rlimit ]; then
	for m in $MOUNTED; do umount "$m"; done
	MOUNTED=""
	trap '' XFSZ
fi
echo "# full disk made with: $MODE"

hub_setup
fault_sms_setup "$T/sms" sms-1
fault_kiosk_setup "$T/kiosk" kiosk-1
fault_start_hubd "$T/hubd.log"
fault_start_smsd "$T/smsd.log"
fault_start_kioskd "$T/kioskd.log"
LOAD="python3 $ROOT/tests/e2e/fault_load.py"
hook() { # from text sid
	$LOAD webhook "$SURL" "$S/tls.crt" "$TWILIO" "$1" "$2" "$3"
}
expect() { # what, response, pattern
	if echo "$2" | grep -q -- "$3"; then ok "$1"; else not_ok "$1 (got: $(echo "$2" | cut -c1-160))"; fi
}
wait_hub() { # count: until hubctl lists that many (max ~60 s)
	i=0
	while [ $i -lt 120 ]; do
		[ "$(hub_count)" -ge "$1" ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

# Before: referrals through both devices, and a conversation half way.
$LOAD sms "$SURL" "$S/tls.crt" "$TWILIO" 4 "$T/sms.jsonl" 60 >/dev/null
$LOAD kiosk "$KPORT" 3 "$T/kiosk.jsonl" 60 >/dev/null
A=+447700900801
hook $A HELLO a1 >/dev/null
r=$(hook $A AGREE a2)
expect "before: a conversation is half way" "$r" '^200 .*Did it happen in London'
check "before: the hub has all 7 referrals" wait_hub 7

# Fill: each state folder to the last byte.
n=0
restart() { # daemon, then limit (512-byte blocks) or "" for none
	case $1 in
	smsd) pid=$SMSD_PID ;;
	kioskd) pid=$KIOSKD_PID ;;
	hubd) pid=$HUBD_PID ;;
	esac
	fault_kill9 "$pid"
	n=$((n + 1))
	FAULT_FSIZE=$2
	"fault_start_$1" "$T/$1.$n.log"
	FAULT_FSIZE=""
}
fill() { # dir daemon database
	if [ "$MODE" = tmpfs ]; then
		dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null
		sync
	else
		restart "$2" $(($(stat -c %s "$3-wal") / 512))
	fi
}
unfill() { # dir daemon
	if [ "$MODE" = tmpfs ]; then
		rm -f "$1/filler"
	else
		restart "$2" ""
	fi
}
# Keys, bundles, secrets, certificates and configs: not one byte may
# change through all of it.
sha() { find "$HUB" "$S" "$K" -type f ! -name '*.db*' ! -name filler ! -name slip.bin -print0 | sort -z | xargs -0 sha256sum; }
sha >"$T/sha.before"
fill "$T/sms" smsd "$S/smsd.db"
fill "$T/kiosk" kioskd "$K/outbox.db"
fill "$HUB" hubd "$HUB/inbox.db"

B=+447700900802
r=$(hook $B HELLO b1)
expect "disk full: a webhook gets 503" "$r" '^503 '
expect "... with Retry-After" "$r" '^503 [0-9][0-9]* '
r=$(hook $A 1 a3)
expect "disk full: the next message of a conversation gets 503 too" "$r" '^503 [0-9]'
r=$($LOAD visit "$KPORT" "$T/page.html")
expect "disk full: kioskd does not take the referral" "$r" '^failed 503 /send'
title=$(python3 -c "import json; print(json.load(open('$ROOT/content/en/kiosk.json'))['not_sent_title'])")
body=$(python3 -c "import json,html; print(html.escape(json.load(open('$ROOT/content/en/kiosk.json'))['not_sent_body'], quote=True))")
check "disk full: the visitor reads that nothing was sent ('$title')" \
	grep -qF "$title" "$T/page.html"
check "... and what to do (the not_sent_body text)" grep -qF "$body" "$T/page.html"
check "... on a page with the quick exit" grep -q 'quick-exit\|quick_exit\|/exit' "$T/page.html"
check "disk full: smsd, kioskd and hubd are all still running" sh -c \
	"kill -0 $SMSD_PID && kill -0 $KIOSKD_PID && kill -0 $HUBD_PID"
check "disk full: no 500 from smsd or kioskd" sh -c \
	"! grep -q ' 500 ' $T/smsd*.log $T/kioskd*.log"

# Devices get space back, the hub not yet: they take referrals again,
# and hold them while hubd cannot store (503, kept, never dead-lettered).
unfill "$T/sms" smsd
unfill "$T/kiosk" kioskd
r=$(hook $B HELLO b1)
expect "space back: the provider's retry of the same MessageSid is answered" "$r" '^200 .*Thanks for your message'
r=$(hook $A 1 a3)
expect "space back: the half-way conversation carries on where it was" "$r" '^200 .*What should we call you'
n=3
for m in "Robin Disk" "call evening" "NO"; do
	n=$((n + 1))
	r=$(hook $A "$m" "a$n")
done
expect "... to its end, with a reference" "$r" 'Your reference is'
r=$($LOAD visit "$KPORT" "$T/page2.html")
expect "space back: a new kiosk visit is taken" "$r" '^sent [0-9A-Z]'
i=0
while [ $i -lt 40 ] && ! grep -q 'store_unavailable\|will retry' "$T"/smsd*.log "$T"/kioskd*.log; do
	sleep 0.5
	i=$((i + 1))
done
check "hub disk full: devices are told to retry (503), and keep the envelopes" \
	grep -q 'will retry' "$T"/smsd*.log "$T"/kioskd*.log
check "hub disk full: hubd answered 503, not a 4xx a device would give up on" sh -c \
	"grep -q 'POST /v1/envelopes 503' $T/hubd*.log && ! grep -q 'POST /v1/envelopes 4' $T/hubd*.log"
check "hub disk full: nothing dead-lettered" sh -c \
	"! grep -q 'REFUSED' $T/smsd*.log $T/kioskd*.log"
check "hub disk full: hubd still running" kill -0 "$HUBD_PID"
unfill "$HUB" hubd
check "space back at the hub: both new referrals arrive (9)" wait_hub 9

# Nothing damaged: each daemon restarts on its files and carries on.
for p in "$SMSD_PID" "$KIOSKD_PID" "$HUBD_PID"; do
	kill "$p"
	wait "$p" 2>/dev/null
	E2E_PIDS=$(echo "$E2E_PIDS" | tr ' ' '\n' | grep -vx "$p" | tr '\n' ' ')
done
fault_start_hubd "$T/hubd2.log"
fault_start_smsd "$T/smsd2.log"
fault_start_kioskd "$T/kioskd2.log"
check "after restart: the hub lists every referral, earlier ones included (9)" \
	test "$(hub_count)" = 9
$HUBCTL export --format json --passphrase-file "$PASS" -o "$T/export.json" >/dev/null 2>&1
check "after restart: every earlier referral reads back whole" python3 - "$T/export.json" "$T/sms.jsonl" "$T/kiosk.jsonl" <<'PY'
import json, sys
exp = {e["ref"]: e for e in json.load(open(sys.argv[1]))}
names = {(e["referral"] or {}).get("contact", {}).get("name") for e in exp.values()}
sms = [json.loads(l) for l in open(sys.argv[2])]
kiosk = [json.loads(l) for l in open(sys.argv[3])]
ok = all(r["ref"] in exp and r["name"] in names for r in sms)
ok = ok and all("Zoë " + r["markers"]["name"] in names for r in kiosk)
ok = ok and "Robin Disk" in names
sys.exit(0 if ok else 1)
PY
C=+447700900803
r=$(hook $C HELLO c1)
expect "after restart: smsd answers a new conversation" "$r" '^200 .*Thanks'
r=$($LOAD visit "$KPORT" "$T/page3.html")
expect "after restart: kioskd takes a new visit" "$r" '^sent [0-9A-Z]'
check "after restart: it reaches the hub (10)" wait_hub 10
sha >"$T/sha.after"
check "keys, bundles, secrets and configs unchanged ($(wc -l <"$T/sha.before") files)" \
	cmp -s "$T/sha.before" "$T/sha.after"
check "no daemon answered 500 or found its database damaged" sh -c \
	"! grep -qi -e ' 500 ' -e 'corrupt' -e 'not a database' $T/*.log"
