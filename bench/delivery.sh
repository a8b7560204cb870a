#!/bin/sh
# The forwarder draining a device outbox: N envelopes (DELIVERY_N,
# default 10,000) queued through the store, then build/bench/drain runs
# the forwarder's own pass back to back (no sleeping between passes)
# against a real hubd over TLS on loopback, each receipt verified before
# the envelope is deleted, until the outbox is empty. Prints one table
# row, and hubd's peak memory; with DELIVERY_RESULTS, also appends
# drain_s= and drain_delivered= to that file (bench/net.sh's table).
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${DELIVERY_N:-10000}
. "$ROOT/tests/e2e/lib.sh" >/dev/null
hub_setup || exit 1
hub_enroll bench-1 || exit 1
# One bench device sends what a whole estate would: lift hubd's
# per-device quota (600 a minute by default, docs/hub.md), or the
# figures measure the quota's 429s instead of the store.
sed -i 's/^quota_per_minute = .*/quota_per_minute = 100000/' "$HUB/hubd.conf"
start_hubd || exit 1
mkdir -p "$T/dev"
out=$("$ROOT/$BUILD/bench/drain" "$HUB/devices/bench-1.bundle" "$T/dev" "$N" 2>/dev/null)
rc=$?
rss=$(grep VmHWM /proc/"$HUBD_PID"/status | awk '{print $2}')
stop_hubd
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
s=$(field seconds "$out")
echo "| operation                    | envelopes | seconds | per second | target |"
echo "|------------------------------|-----------|---------|------------|--------|"
awk -v n="$(field delivered "$out")" -v s="${s:-0}" 'BEGIN {
	r = 0
	if (s > 0)
		r = n / s
	printf "| forward + receipt + delete   | %9d | %7.2f | %10.1f | < 5 s  |\n", n, s, r }'
echo "| hubd peak RSS (KiB)          | $rss |"
echo "($out)"
if [ -n "${DELIVERY_RESULTS:-}" ]; then
	echo "drain_s=$s" >>"$DELIVERY_RESULTS"
	echo "drain_delivered=$(field delivered "$out")" >>"$DELIVERY_RESULTS"
fi
exit $rc
