#!/bin/sh
# net/server and net/client end to end, against tests/tools/echo_server:
# the TLS 1.2 policy (versions, suites), keep-alive, pinned keys, a slow
# client cut off while others are served, malformed requests over plain
# and TLS, the client's pin, CA and timeout behaviour; a crowd of slow and
# idle TLS clients beside a real one, a burst of webhooks, the connection
# limits, and session resumption (tickets, cache, expiry).
. "$(dirname "$0")/lib.sh"

ES="$TOOLS/echo_server"
NC="$TOOLS/net_client"
HELP="$ROOT/tests/e2e/net_helper.py"
CORPUS="$ROOT/tests/e2e/http-corpus"

# start_es NAME ARGS...: start an echo_server, its port into PORT.
start_es() {
	name=$1
	shift
	spawn "$T/$name.log" "$ES" -p 0 "$@"
	i=0
	while [ $i -lt 50 ]; do
		PORT=$(sed -n 's/^port //p' "$T/$name.log" 2>/dev/null)
		if [ -n "$PORT" ]; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "echo_server $name starts"
	cat "$T/$name.log"
	exit 1
}

# sclient PORT ARGS...: one TLS handshake with openssl, nothing sent.
sclient() {
	port=$1
	shift
	timeout 10 openssl s_client -connect "127.0.0.1:$port" \
	    -servername localhost -CAfile "$T/ec.pem" "$@" \
	    </dev/null >"$T/sclient.out" 2>&1
}

count() { # count PATTERN FILE
	grep -c -- "$1" "$2"
}

# --- certificates -------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ec.key" -out "$T/ec.pem" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rsa.key" \
    -out "$T/rsa.pem" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
chmod 600 "$T/ec.key" "$T/rsa.key"

# --- refusals at start ----------------------------------------------------
"$ES" -a 0.0.0.0 -p 0 >"$T/refuse.log" 2>&1
rc=$?
check "plain HTTP on 0.0.0.0 refused at start" \
    test "$rc" -ne 0 -a "$(count 'refusing plain HTTP on 0.0.0.0' "$T/refuse.log")" -eq 1
"$ES" -a :: -p 0 >"$T/refuse6.log" 2>&1
rc=$?
check "plain HTTP on :: refused at start" \
    test "$rc" -ne 0 -a "$(count 'refusing plain HTTP' "$T/refuse6.log")" -eq 1
cp "$T/ec.key" "$T/open.key"
chmod 644 "$T/open.key"
"$ES" -p 0 -c "$T/ec.pem" -k "$T/open.key" >"$T/openkey.log" 2>&1
rc=$?
check "a group/world-readable TLS key is refused" \
    test "$rc" -ne 0 -a "$(count 'chmod 600' "$T/openkey.log")" -eq 1
"$ES" -p 0 -c "$T/ec.pem" -k "$T/rsa.key" >"$T/mismatch.log" 2>&1
rc=$?
check "a key that does not match the certificate is refused" \
    test "$rc" -ne 0 -a "$(count 'does not belong' "$T/mismatch.log")" -eq 1

# --- servers ----------------------------------------------------------------
start_es tls -c "$T/ec.pem" -k "$T/ec.key" -w 4 -i 2000 -r 3000
TLS=$PORT
TLS_PID=$LAST_PID
start_es rsa -c "$T/rsa.pem" -k "$T/rsa.key" -w 2
RSA=$PORT
RSA_PID=$LAST_PID
start_es plain -a 127.0.0.1 -w 4 -i 2000 -r 3000
PLAIN=$PORT
PLAIN_PID=$LAST_PID
URL="https://127.0.0.1:$TLS"

# Slow clients first, in the background: everything below is served
# while they hold a worker each.
python3 "$HELP" loris plain "$PLAIN" - 6 >"$T/loris-plain.out" 2>&1 &
LORIS1=$!
python3 "$HELP" loris tls "$TLS" "$T/ec.pem" 6 >"$T/loris-tls.out" 2>&1 &
LORIS2=$!
sleep 0.5

# --- curl over TLS ------------------------------------------------------------
out=$(curl -sS --http1.1 --cacert "$T/ec.pem" "$URL/" 2>&1)
check "curl --http1.1 GET / over TLS" test "$out" = "hello"
curl -sS --http1.1 --cacert "$T/ec.pem" -D "$T/head.txt" -o /dev/null "$URL/"
check "answers carry no-store and nosniff" \
    test "$(grep -ci -e '^cache-control: no-store' \
	-e '^x-content-type-options: nosniff' "$T/head.txt")" -eq 2
out=$(curl -sS --http1.1 --cacert "$T/ec.pem" -w '%{num_connects} ' \
    -o /dev/null -o /dev/null -o /dev/null "$URL/" "$URL/" "$URL/")
check "keep-alive: three requests on one connection ($out)" \
    test "$out" = "1 0 0 "
check "server log shows the third request on one connection" \
    grep -q 'GET / 200 .* req=3$' "$T/tls.log"
head -c 60000 /dev/urandom >"$T/body.bin"
curl -sS --http1.1 --cacert "$T/ec.pem" --data-binary @"$T/body.bin" \
    -H 'Content-Type: application/octet-stream' -o "$T/echo.bin" "$URL/echo"
check "a 60000-byte body echoed over TLS" cmp -s "$T/body.bin" "$T/echo.bin"
code=$(curl -sS --http1.1 --cacert "$T/ec.pem" -o /dev/null \
    -w '%{http_code}' "$URL/nowhere")
check "unknown path answers 404" test "$code" = "404"
code=$(curl -sS --http1.1 --cacert "$T/ec.pem" -o /dev/null \
    -w '%{http_code}' -X PUT "$URL/")
check "PUT answers 501" test "$code" = "501"
code=$(curl -sS --http1.0 --cacert "$T/ec.pem" -o /dev/null \
    -w '%{http_code}' "$URL/")
check "HTTP/1.0 request served" test "$code" = "200"
out=$(curl -sS --http1.1 --cacert "$T/ec.pem" \
    "$URL/form?from=%2B447700900123&text=secret+words")
check "query string parsed ($out)" test "$out" = '{"pairs":2}'
check "no query string (personal data) in the server log" \
    test "$(grep -c -e 447700900123 -e secret "$T/tls.log")" -eq 0

# --- pins -----------------------------------------------------------------
PIN=$("$NC" pin "$T/ec.pem")
OPIN=sha256//$(openssl x509 -in "$T/ec.pem" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
    base64)
check "tlscert_pin_file matches openssl ($PIN)" test "$PIN" = "$OPIN"
RSAPIN=$("$NC" pin "$T/rsa.pem")
out=$(curl -sS --http1.1 --cacert "$T/ec.pem" --pinnedpubkey "$PIN" \
    "$URL/" 2>&1)
check "curl with the right pinned key" test "$out" = "hello"
curl -sS --http1.1 --cacert "$T/ec.pem" --pinnedpubkey "$RSAPIN" \
    "$URL/" >/dev/null 2>&1
rc=$?
check "curl with a wrong pinned key fails (exit $rc)" test "$rc" -eq 90

# --- TLS policy -----------------------------------------------------------
fails_before=$(count 'TLS handshake failed' "$T/tls.log")
sclient "$TLS"
check "default handshake negotiates TLS 1.2" \
    grep -q 'New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384' \
    "$T/sclient.out"
sclient "$TLS" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
check "ECDHE-ECDSA-AES128-GCM-SHA256 accepted" \
    grep -q 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' "$T/sclient.out"
sclient "$TLS" -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
check "ECDHE-ECDSA-CHACHA20-POLY1305 accepted" \
    grep -q 'Cipher is ECDHE-ECDSA-CHACHA20-POLY1305' "$T/sclient.out"
refused=0
for v in tls1_3 tls1_1 tls1; do
	sclient "$TLS" "-$v" -cipher 'DEFAULT:@SECLEVEL=0'
	rc=$?
	check "$v refused (s_client exit $rc)" test "$rc" -ne 0
	refused=$((refused + 1))
done
for c in ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-SHA \
    ECDHE-ECDSA-AES128-CCM; do
	sclient "$TLS" -tls1_2 -cipher "$c:@SECLEVEL=0"
	rc=$?
	check "non-AEAD or unlisted suite $c refused" test "$rc" -ne 0
	refused=$((refused + 1))
done
sleep 0.3
fails_after=$(count 'TLS handshake failed' "$T/tls.log")
check "each refusal reached the server ($((fails_after - fails_before)) of $refused)" \
    test $((fails_after - fails_before)) -eq "$refused"
sclient "$RSA" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -CAfile "$T/rsa.pem"
check "RSA certificate: ECDHE-RSA-AES128-GCM-SHA256 accepted" \
    grep -q 'Cipher is ECDHE-RSA-AES128-GCM-SHA256' "$T/sclient.out"
for c in AES128-GCM-SHA256 AES256-GCM-SHA384 DHE-RSA-AES128-GCM-SHA256 \
    ECDHE-RSA-AES128-SHA256; do
	sclient "$RSA" -tls1_2 -cipher "$c:@SECLEVEL=0" -CAfile "$T/rsa.pem"
	rc=$?
	check "RSA certificate: non-ECDHE or CBC suite $c refused" \
	    test "$rc" -ne 0
done

# --- malformed requests -----------------------------------------------------
python3 "$HELP" corpus plain "$PLAIN" - "$CORPUS"/*.http
python3 "$HELP" corpus tls "$TLS" "$T/ec.pem" "$CORPUS"/*.http
out=$(curl -sS --http1.1 "http://127.0.0.1:$PLAIN/")
check "plain server still serving after the corpus" test "$out" = "hello"
out=$(curl -sS --http1.1 --cacert "$T/ec.pem" "$URL/")
check "TLS server still serving after the corpus" test "$out" = "hello"

# --- net/client -------------------------------------------------------------
printf 'envelope bytes' >"$T/env.bin"
"$NC" post "$URL" "$T/ec.pem" "$PIN" /echo "$T/env.bin" 2000 5000 3 \
    >"$T/nc.out" 2>"$T/nc1.err"
rc=$?
check "client_post with the right pin" \
    test "$rc" -eq 0 -a "$(count '^status 200 len 14$' "$T/nc.out")" -eq 3
check "client_post got the body back" grep -q 'envelope bytes$' "$T/nc.out"
check "client reused one connection for three posts" \
    grep -q 'POST /echo 200 .* req=3$' "$T/tls.log"
"$NC" post "$URL" "pem:$T/ec.pem" "$PIN;$RSAPIN" /echo "$T/env.bin" \
    2000 5000 1 >"$T/nc.out" 2>"$T/nc2.err"
check "client_new_pem, CA as PEM text, two pins" \
    test $? -eq 0 -a "$(count '^status 200' "$T/nc.out")" -eq 1
posts=$(count 'POST /echo' "$T/tls.log")
"$NC" post "$URL" "$T/ec.pem" "$RSAPIN" /echo "$T/env.bin" 2000 5000 1 \
    >"$T/nc.out" 2>"$T/nc3.err"
rc=$?
sleep 0.3
check "client_post with a wrong pin fails" test "$rc" -ne 0
check "wrong pin: the body was never sent (server saw no request)" \
    test "$(count 'POST /echo' "$T/tls.log")" -eq "$posts"
"$NC" post "$URL" "$T/rsa.pem" "$PIN" /echo "$T/env.bin" 2000 5000 1 \
    >"$T/nc.out" 2>"$T/nc4.err"
check "client_post with an untrusted certificate fails" test $? -ne 0
"$NC" post "$URL" "$T/ec.pem" "$PIN" /echo "$T/body.bin" 2000 5000 1 100 \
    >"$T/nc.out" 2>"$T/nc5.err"
check "client_post refuses a response over its limit" \
    test $? -ne 0 -a "$(count 'response over 100 bytes' "$T/nc5.err")" -eq 1
"$NC" post "http://127.0.0.1:$PLAIN" - "$PIN" /echo "$T/env.bin" 2000 5000 1 \
    >"$T/nc.out" 2>"$T/nc6.err"
check "client refuses a plain http:// URL" test $? -ne 0
spawn "$T/silent.log" python3 "$HELP" silent
i=0
while [ $i -lt 50 ] && [ ! -s "$T/silent.log" ]; do
	sleep 0.1
	i=$((i + 1))
done
SILENT=$(head -n 1 "$T/silent.log")
t0=$(date +%s%N)
"$NC" post "https://127.0.0.1:$SILENT" "$T/ec.pem" "$PIN" /echo \
    "$T/env.bin" 500 1000 1 >"$T/nc.out" 2>"$T/nc7.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "client_post: connect timeout when TLS never starts (${ms} ms)" \
    test "$rc" -ne 0 -a "$ms" -lt 3000
# A TLS server that completes the handshake and then never answers.
spawn "$T/mute.log" python3 "$HELP" silent "$T/ec.pem" "$T/ec.key"
i=0
while [ $i -lt 50 ] && [ ! -s "$T/mute.log" ]; do
	sleep 0.1
	i=$((i + 1))
done
MUTE=$(head -n 1 "$T/mute.log")
t0=$(date +%s%N)
"$NC" post "https://127.0.0.1:$MUTE" "$T/ec.pem" "$PIN" /echo \
    "$T/env.bin" 2000 1000 1 >"$T/nc.out" 2>"$T/nc8.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "client_post: total timeout when the answer never comes (${ms} ms)" \
    test "$rc" -ne 0 -a "$ms" -ge 900 -a "$ms" -lt 3000 -a \
    "$(grep -c 'timed out' "$T/nc8.err")" -eq 1

# --- slow clients -----------------------------------------------------------
wait "$LORIS1"
wait "$LORIS2"
cat "$T/loris-plain.out" "$T/loris-tls.out"
out=$(curl -sS --http1.1 "http://127.0.0.1:$PLAIN/")
check "plain server serving after the slow client" test "$out" = "hello"

# --- crowds, bursts and limits over TLS --------------------------------------
# Everyone here is 127.0.0.1: the per-address limit is raised.
start_es crowd -c "$T/ec.pem" -k "$T/ec.key" -C 1024 -A 1024 -i 60000 \
    -r 60000
CROWD_PID=$LAST_PID
python3 "$HELP" crowd "$PORT" "$T/ec.pem" 500 50 10 3
start_es burst -c "$T/ec.pem" -k "$T/ec.key" -A 1024 -q 16 -W 4
BURST_PID=$LAST_PID
BURST_PORT=$PORT
python3 "$HELP" burst "$PORT" "$T/ec.pem" 300
start_es limit -c "$T/ec.pem" -k "$T/ec.key" -C 2 -H 1000
LIMIT_PID=$LAST_PID
python3 "$HELP" refused "$PORT" "$T/ec.pem" 2
python3 "$HELP" nohandshake "$PORT" 2.5
check "the refusal is logged" grep -q 'over the connection limits' \
    "$T/limit.log"

# --- resumption -------------------------------------------------------------
sclient "$TLS" -tls1_2 -reconnect
check "session tickets: s_client -reconnect resumed 5 of 5" \
    test "$(count '^Reused, TLSv1.2' "$T/sclient.out")" -eq 5
sclient "$TLS" -tls1_2 -no_ticket -reconnect
check "session cache: resumed by id 5 of 5 without tickets" \
    test "$(count '^Reused, TLSv1.2' "$T/sclient.out")" -eq 5
# Handshake steps run on 4 handshake threads at once, sharing the DRBG,
# the ticket keys, the session cache and the key.
python3 "$HELP" handshakes "$BURST_PORT" "$T/ec.pem" 16 12
start_es ticket -c "$T/ec.pem" -k "$T/ec.key" -T 1
TICKET_PID=$LAST_PID
sclient "$PORT" -tls1_2 -sess_out "$T/sess.pem"
check "a ticket is issued (lifetime 1 s)" \
    grep -q 'TLS session ticket lifetime hint: 1 ' "$T/sclient.out"
sclient "$PORT" -tls1_2 -sess_in "$T/sess.pem"
check "the ticket resumes at once" grep -q '^Reused, TLSv1.2' "$T/sclient.out"
sleep 3
sclient "$PORT" -tls1_2 -sess_in "$T/sess.pem"
check "an expired ticket (its key rotated out) gives a full handshake" \
    grep -q '^New, TLSv1.2' "$T/sclient.out"

# --- clean stop -------------------------------------------------------------
kill -TERM "$CROWD_PID" "$BURST_PID" "$LIMIT_PID" "$TICKET_PID"
for p in "$CROWD_PID" "$BURST_PID" "$LIMIT_PID" "$TICKET_PID"; do
	wait "$p"
	rc=$?
	check "crowd/burst/limit/ticket server stops cleanly ($rc)" \
	    test "$rc" -eq 0
done
kill -TERM "$TLS_PID" "$PLAIN_PID" "$RSA_PID"
wait "$TLS_PID"
rc1=$?
wait "$PLAIN_PID"
rc2=$?
wait "$RSA_PID"
rc3=$?
check "servers stop cleanly on SIGTERM ($rc1 $rc2 $rc3)" \
    test "$rc1" -eq 0 -a "$rc2" -eq 0 -a "$rc3" -eq 0
check "the TLS keys (EC and RSA) were locked in memory" \
    test "$(cat "$T/tls.log" "$T/rsa.log" | grep -c 'cannot lock')" -eq 0
check "server logs hold no error lines" \
    test "$(cat "$T/tls.log" "$T/plain.log" "$T/rsa.log" |
	grep -c '\[error\]')" -eq 0
# Under SAN=1 a report in a run that was meant to fail would go unseen.
check "no sanitizer reports anywhere" \
    test "$(cat "$T"/*.log "$T"/*.err | grep -c -e 'Sanitizer' \
	-e 'runtime error')" -eq 0
