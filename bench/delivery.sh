#!/bin/sh
# Delivery throughput: N envelopes queued in a device outbox, forwarded
# by the real forwarder to a real hubd over TLS on loopback, each receipt
# verified before the envelope is deleted. Prints one table row, and
# hubd's peak memory.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${DELIVERY_N:-200}
. "$ROOT/tests/e2e/lib.sh" >/dev/null
hub_setup || exit 1
hub_enroll bench-1 || exit 1
start_hubd || exit 1
K="$HUB/devices/bench-1.bundle"
ref=$("$TOOLS/refgen")
i=0
while [ $i -lt "$N" ]; do
	r=$("$TOOLS/refgen")
	printf '{"schema":1,"kind":"referral","ref":"%s","channel":"kiosk","language":"en","contact":{"name":"Bench Person","phone":"+447700900123"}}' "$r" >"$T/p.json"
	"$TOOLS/device_sim" "$K" "$T/o.db" "$T/o.key" put "$T/p.json" >/dev/null 2>&1
	i=$((i + 1))
done
t0=$(date +%s.%N)
out=$("$TOOLS/device_sim" "$K" "$T/o.db" "$T/o.key" flush 120 2>/dev/null)
t1=$(date +%s.%N)
rss=$(grep VmHWM /proc/"$HUBD_PID"/status | awk '{print $2}')
stop_hubd
echo "| operation                    | envelopes | seconds | per second | target |"
echo "|------------------------------|-----------|---------|------------|--------|"
awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { s = b - a; printf "| forward + receipt + delete   | %9d | %7.2f | %10.1f | > 50/s |\n", n, s, n / s }'
echo "| hubd peak RSS (KiB)          | $rss |"
echo "($out)"
