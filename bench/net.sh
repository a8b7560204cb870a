#!/bin/sh
# Issue 12, side by side in one run: the daemons' throughput, TLS
# handshakes, latency, durable storage and the forwarder, each next to a
# reference measured in the same run on the same machine (nginx and wrk
# from scripts/bench-deps.sh, SQLCipher and plain SQLite rows, mbedTLS's
# own handshake ceiling). Prints one table and writes it as JSON to
# bench/results/latest.json (BENCH_JSON to write elsewhere).
#
# Everything talks to the daemons through their normal interfaces: HTTPS
# on loopback (build/bench/loadgen, an OpenSSL client), the store's own
# functions (db_bench), the forwarder's own pass (drain). BENCH_S sets
# the seconds each throughput figure runs (default 5).
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S_RUN=${BENCH_S:-5}
JSON=${BENCH_JSON:-$ROOT/bench/results/latest.json}
. "$ROOT/tests/e2e/lib.sh" >/dev/null
B="$ROOT/$BUILD/bench"
LG="$B/loadgen"
NCPU=$(nproc)
R="$T/results"
: >"$R"

for t in nginx wrk openssl; do
	if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$t" ]; then
		echo "net.sh: $t missing: run scripts/bench-deps.sh" >&2
		exit 1
	fi
done

# put NAME VALUE: one measured number.
put() { echo "$1=$2" >>"$R"; }
# field KEY LINE: the value of KEY=... in a key=value line.
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# The same certificate kind as the daemons': P-256 ECDSA, self-signed.
gen_cert() { # $1 = dir
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/tls.key" -out "$1/tls.crt" -days 2 \
		-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" \
		>/dev/null 2>&1 && chmod 600 "$1/tls.key"
}

# cpu_ticks PID: the process's user + system CPU so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# sum KEY LINES: KEY=... added up over key=value lines.
sum() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | awk '{ s += $1 } END { print s + 0 }'; }
# div A B: A / B, or nothing when B is 0.
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b }'; }

# handshakes NAME PORT PATH [PID]: full and resumed TLS handshakes per
# second, one GET each, a new connection each time. With PID, the full
# handshakes take turns with mbedTLS's ceiling on all cores (three
# slices each, so the machine's other load falls on both alike), and
# both are also counted per second of their own CPU.
handshakes() {
	if [ -n "${4:-}" ]; then
		cl=""
		fl=""
		cpu=0
		i=0
		while [ $i -lt 3 ]; do
			cl="$cl $("$B/tls_ceiling" "$KEY" "$NCPU" \
				"$(div "$S_RUN" 3)")" || exit 1
			c0=$(cpu_ticks "$4")
			fl="$fl $("$LG" full 127.0.0.1 "$2" 8 "$(div "$S_RUN" 3)" "$3")"
			c1=$(cpu_ticks "$4")
			cpu=$((cpu + c1 - c0))
			i=$((i + 1))
		done
		echo "# mbedTLS ceiling, taking turns with $1: ops=$(sum ops "$cl") seconds=$(sum seconds "$cl") cpu=$(sum cpu "$cl")"
		echo "# $1 full: ok=$(sum ok "$fl") errors=$(sum errors "$fl") other=$(sum other "$fl") seconds=$(sum seconds "$fl") cpu=$(div "$cpu" "$HZ")"
		put "$1_ceiling" "$(div "$(sum ops "$cl")" "$(sum seconds "$cl")")"
		put "$1_ceiling_cpu" "$(div "$(sum ops "$cl")" "$(sum cpu "$cl")")"
		put "$1_full" "$(div "$(sum ok "$fl")" "$(sum seconds "$fl")")"
		put "$1_full_cpu" "$(div "$(($(sum ok "$fl") * HZ))" "$cpu")"
		pinned "$@"
	else
		l=$("$LG" full 127.0.0.1 "$2" 8 "$S_RUN" "$3")
		echo "# $1 full: $l"
		put "$1_full" "$(field rate "$l")"
	fi
	l=$("$LG" resume 127.0.0.1 "$2" 8 "$S_RUN" "$3")
	echo "# $1 resumed: $l"
	put "$1_resumed" "$(field rate "$l")"
	put "$1_reused" "$(field reused "$l")"
}

# pinned NAME PORT PATH PID: the same full handshakes in wall-clock time,
# like with like: every thread of the daemon on the last core, the
# client on the others, and mbedTLS's ceiling as one thread on that same
# last core (three turns each, as above). Without two cores or
# taskset, nothing is put and the table shows "-".
pinned() {
	last=$((NCPU - 1))
	[ "$NCPU" -ge 2 ] && command -v taskset >/dev/null 2>&1 || return 0
	taskset -a -p -c "$last" "$4" >/dev/null || return 0
	cl=""
	fl=""
	i=0
	while [ $i -lt 3 ]; do
		cl="$cl $(taskset -c "$last" "$B/tls_ceiling" "$KEY" 1 \
			"$(div "$S_RUN" 3)")" || break
		fl="$fl $(taskset -c "0-$((last - 1))" "$LG" full 127.0.0.1 \
			"$2" 8 "$(div "$S_RUN" 3)" "$3")"
		i=$((i + 1))
	done
	taskset -a -p -c "0-$last" "$4" >/dev/null
	echo "# $1 pinned to cpu $last: full ok=$(sum ok "$fl") seconds=$(sum seconds "$fl"); ceiling on cpu $last: ops=$(sum ops "$cl") seconds=$(sum seconds "$cl")"
	put "$1_ceiling_core" "$(div "$(sum ops "$cl")" "$(sum seconds "$cl")")"
	put "$1_full_core" "$(div "$(sum ok "$fl")" "$(sum seconds "$fl")")"
}

# mbedTLS's ceiling is measured with the hub's own TLS key (smsd's is
# the same kind: P-256), next to each daemon's handshakes.
hub_setup || exit 1
hub_enroll bench-1 || exit 1
KEY="$HUB/tls.key"
# One bench device sends what a whole estate would: lift hubd's
# per-device quota (600 a minute by default, docs/hub.md), or the
# figures measure the quota's 429s instead of the store.
sed -i 's/^quota_per_minute = .*/quota_per_minute = 100000/' "$HUB/hubd.conf"

# --- nginx: static 200 over TLS ---------------------------------------
N="$T/nginx"
mkdir -p "$N/www"
gen_cert "$N"
echo ok >"$N/www/index.html"
NPORT=$(free_port)
cat >"$N/nginx.conf" <<EOF
worker_processes $NCPU;
pid $N/nginx.pid;
error_log $N/error.log;
daemon off;
user nobody nogroup;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $N/tmp;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $N/tls.crt;
		ssl_certificate_key $N/tls.key;
		ssl_protocols TLSv1.2;
		ssl_session_cache shared:bench:10m;
		root $N/www;
	}
}
EOF
chmod -R a+rX "$N"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
spawn "$T/nginx.log" "$NGINX" -e "$N/error.log" -p "$N" -c "$N/nginx.conf"
NGINX_PID=$LAST_PID
if ! wait_port "$NPORT"; then
	echo "net.sh: nginx did not start" >&2
	cat "$N/error.log" >&2
	exit 1
fi
l=$(wrk -t2 -c64 -d"${S_RUN}s" "https://127.0.0.1:$NPORT/index.html" |
	sed -n 's/^Requests\/sec: *//p')
echo "# nginx keep-alive (wrk -t2 -c64): $l req/s"
put nginx_keepalive "$l"
handshakes nginx "$NPORT" /index.html
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null

# --- storage references and the sealed enqueue ------------------------
l=$("$B/db_bench" "$T" 2 "$HUB/devices/bench-1.bundle" 2>/dev/null | tr '\n' ' ')
echo "# storage: $l"
for k in sqlcipher_single sqlcipher_batch plain_single plain_batch \
	enqueue_sqlcipher enqueue_plain; do
	put "$k" "$(field "$k" "$l")"
done

# --- hubd -------------------------------------------------------------
start_hubd || exit 1
handshakes hubd "$HUB_PORT" /v1/health "$HUBD_PID"
l=$("$LG" rps 127.0.0.1 "$HUB_PORT" 48 "$S_RUN" envelope \
	"$HUB/devices/bench-1.bundle")
echo "# hubd envelopes: $l"
put hubd_envelopes "$(field rate "$l")"
put hubd_envelopes_other "$(($(field other "$l") + $(field errors "$l")))"

stop_hubd

# --- the forwarder: 10,000 queued envelopes drained into a hubd -------
DELIVERY_RESULTS="$R" BUILD="$BUILD" sh "$ROOT/bench/delivery.sh" |
	sed 's/^/# /'

# --- smsd -------------------------------------------------------------
hub_enroll sms-bench || exit 1
S="$T/sms"
mkdir -p "$S"
gen_cert "$S"
cp "$HUB/devices/sms-bench.bundle" "$S/device.bundle"
TWILIO=$(openssl rand -hex 16)
umask 077
cat >"$S/secrets" <<EOF
twilio_auth_token = $TWILIO
state_key = $(openssl rand -hex 32)
EOF
umask 022
SPORT=$(free_port)
SURL="https://127.0.0.1:$SPORT/sms/twilio"
{
	smsd_section "$S" "$SPORT"
	cat <<EOF

[twilio]
enabled = true
public_url = $SURL
EOF
} >"$S/smsd.conf"
chown -R nobody "$S"
spawn "$T/smsd.log" "$BIN/smsd" --config "$S/smsd.conf"
SMSD_PID=$LAST_PID
wait_port "$SPORT" || {
	echo "net.sh: smsd did not start" >&2
	cat "$T/smsd.log" >&2
	exit 1
}
handshakes smsd "$SPORT" /v1/health "$SMSD_PID"
l=$("$LG" rps 127.0.0.1 "$SPORT" 48 "$S_RUN" twilio "$TWILIO" "$SURL")
echo "# smsd webhooks: $l"
put smsd_webhooks "$(field rate "$l")"
put smsd_webhooks_other "$(($(field other "$l") + $(field errors "$l")))"
l=$("$LG" paced 127.0.0.1 "$SPORT" 32 "$((S_RUN * 2))" 1000 twilio "$TWILIO" "$SURL")
echo "# smsd paced 1000/s: $l"
put smsd_paced_rate "$(field rate "$l")"
put smsd_p50 "$(field p50_ms "$l")"
put smsd_p99 "$(field p99_ms "$l")"
kill "$SMSD_PID"
wait "$SMSD_PID" 2>/dev/null

echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "$JSON")"
python3 "$ROOT/bench/table.py" "$R" "$JSON" \
	"$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$NCPU"
