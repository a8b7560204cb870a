#!/bin/sh
# kioskd as a process: time from exec to answering /health, and memory
# at start and after 50 visitors walked the whole flow, sent and printed
# (private memory, RssAnon, is kioskd's own; RssFile is shared library
# code). The reference in the same run is hubd's own start.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/e2e/lib.sh" >/dev/null
hub_setup || exit 1
hub_enroll kiosk-b || exit 1
t0=$(date +%s%N)
start_hubd || exit 1
t1=$(date +%s%N)
K="$T/k"
mkdir -p "$K"
cp "$HUB/devices/kiosk-b.bundle" "$K/b" && chmod 600 "$K/b"
PORT=$(free_port)
cat >"$K/c" <<EOF2
[kioskd]
port = $PORT
user = nobody
venue_name = Bench
venue_code = BENCH-1
device_bundle = $K/b
database = $K/o.db
database_key = $K/o.key
content = $ROOT/content
templates = $ROOT/kiosk/templates
static = $ROOT/kiosk/static
languages = en pl ar bn ur so tr ro pt es
allow_drafts = yes
easy_read = yes
service_number = +447700900000
printer = file:$K/slip.bin
EOF2
chown -R nobody "$K"
t2=$(date +%s%N)
spawn "$T/kioskd.log" "$BIN/kioskd" --config "$K/c"
KPID=$LAST_PID
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do sleep 0.005; done
t3=$(date +%s%N)
ANON0=$(awk '/RssAnon/ {print $2}' /proc/"$KPID"/status)
i=0
while [ $i -lt 50 ]; do
	python3 "$ROOT/tests/e2e/kiosk_client.py" "$PORT" walk "Bench $i" "07700 900$((100 + i))" >/dev/null || exit 1
	i=$((i + 1))
done
anon0=$ANON0
rss=$(awk '/VmRSS/ {print $2}' /proc/"$KPID"/status)
anon=$(awk '/RssAnon/ {print $2}' /proc/"$KPID"/status)
file=$(awk '/RssFile/ {print $2}' /proc/"$KPID"/status)
echo "| kioskd process               | value     | reference         | target   |"
echo "|------------------------------|-----------|-------------------|----------|"
echo "| start to /health (ms)        | $(( (t3 - t2) / 1000000 ))        | hubd: $(( (t1 - t0) / 1000000 )) ms       | < 50 ms  |"
echo "| private memory at start (KiB)| $anon0     |                   | < 8192   |"
echo "| private memory, 50 visits    | $anon     | shared libs $file KiB |          |"
echo "| RSS after 50 visits (KiB)    | $rss    |                   |          |"
