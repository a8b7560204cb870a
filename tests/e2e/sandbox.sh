#!/bin/sh
# Confinement (util/sandbox.h, issue 13): each daemon's allow list refuses
# what an attacker inside it would try, and lets through what it needs
# (tests/tools/sandbox_probe.c, as root dropping to nobody as the daemons
# do); the running daemons show the filter, no capabilities and no new
# privileges; hubd's user cannot read or remove the hub's box key.
. "$(dirname "$0")/lib.sh"

chmod 755 "$T"
mkdir -p "$T/outside"
chmod 777 "$T/outside"
for role in hubd smsd kioskd; do
	mkdir -p "$T/w-$role"
	"$TOOLS/sandbox_probe" "$role" "$T/w-$role" "$T/outside" nobody \
		>"$T/probe-$role.log" 2>&1
	rc=$?
	cat "$T/probe-$role.log"
	check "$role: the probe ran every case" test "$rc" -le 1 -a \
		"$(grep -c '^ok - \|^not ok - ' "$T/probe-$role.log")" -ge 25
done
check "nothing was created outside the write paths" \
	test ! -e "$T/outside/created"

# status PID FIELD: the value of one /proc/PID/status line.
status() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}
confined() { # name pid
	check "$1 runs as nobody" test "$(ps -o user= -p "$2")" = nobody
	check "$1: Seccomp 2 (filter)" test "$(status "$2" Seccomp)" = 2
	check "$1: NoNewPrivs 1" test "$(status "$2" NoNewPrivs)" = 1
	check "$1: empty capability bounding set" \
		test "$(status "$2" CapBnd)" = 0000000000000000
	check "$1: no effective, permitted or ambient capability" test \
		"$(status "$2" CapEff)$(status "$2" CapPrm)$(status "$2" CapAmb)" = \
		000000000000000000000000000000000000000000000000
	check "$1: not dumpable, no core" sh -c \
		"grep -q '^Max core file size *0 *0' /proc/$2/limits"
}

hub_setup
hub_enroll sms-1
hub_enroll kiosk-1
start_hubd
check "hubd is up" curl -sf --cacert "$HUB/tls.crt" "$HUB_URL/v1/health" -o /dev/null
confined hubd "$HUBD_PID"
as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
}
check "hubd's user cannot read hub.box.key" sh -c \
	"! $(command -v setpriv) --reuid=nobody --regid=$(id -g nobody) --clear-groups cat $HUB/hub.box.key >/dev/null 2>&1"
as_nobody rm -f "$HUB/hub.box.key" 2>/dev/null
as_nobody mv "$HUB/hub.sign.key" "$HUB/moved" 2>/dev/null
check "hubd's user cannot remove or replace the hub's keys" \
	test -f "$HUB/hub.box.key" -a -f "$HUB/hub.sign.key" -a ! -e "$HUB/moved"
check "hubd's user cannot read the keys hubd read as root" sh -c \
	"! $(command -v setpriv) --reuid=nobody --regid=$(id -g nobody) --clear-groups cat $HUB/hub.sign.key $HUB/tls.key $HUB/inbox.key >/dev/null 2>&1"
check "the hub's keys stay root's, mode 0600" test \
	"$(stat -c '%U %a' "$HUB/hub.box.key" "$HUB/hub.sign.key" "$HUB/tls.key" "$HUB/inbox.key" | sort -u)" = "root 600"

# smsd, with one provider, as root dropping to nobody.
S="$T/sms"
mkdir -p "$S"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$S/tls.key" -out "$S/tls.crt" -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
cp "$HUB/devices/sms-1.bundle" "$S/device.bundle"
printf 'json_secret = sandbox-test-secret\nstate_key = %s\n' \
	"$(openssl rand -hex 32)" >"$S/secrets"
chmod 600 "$S/tls.key" "$S/secrets" "$S/device.bundle"
SPORT=$(free_port)
{
	smsd_section "$S" "$SPORT"
	cat <<EOF
language = en

[json]
enabled = true
EOF
} >"$S/smsd.conf"
chown -R nobody "$S"
spawn "$T/smsd.log" "$BIN/smsd" --config "$S/smsd.conf"
SMSD_PID=$LAST_PID
check "smsd is up" wait_port "$SPORT"
confined smsd "$SMSD_PID"

# kioskd, printing to a file.
K="$T/kiosk"
mkdir -p "$K"
install -m 0600 "$HUB/devices/kiosk-1.bundle" "$K/kiosk.bundle"
KPORT=$(free_port)
cat >"$K/kioskd.conf" <<EOF
[kioskd]
listen = 127.0.0.1
port = $KPORT
user = nobody
venue_name = Sandbox Library
venue_code = SBX-LIB-01
device_bundle = $K/kiosk.bundle
database = $K/outbox.db
database_key = $K/outbox.key
content = $ROOT/content
templates = $ROOT/kiosk/templates
static = $ROOT/kiosk/static
languages = en
service_number = +447700900000
service_number_display = 07700 900000
printer = file:$K/slip.bin
EOF
chown -R nobody "$K"
spawn "$T/kioskd.log" "$BIN/kioskd" --config "$K/kioskd.conf"
KIOSKD_PID=$LAST_PID
check "kioskd is up" wait_port "$KPORT"
confined kioskd "$KIOSKD_PID"
if ! kill -0 "$KIOSKD_PID" 2>/dev/null; then tail -5 "$T/kioskd.log"; fi
check "kioskd serves its first page confined" sh -c \
	"curl -sf http://127.0.0.1:$KPORT/ -o /dev/null"
for d in hubd smsd kioskd; do
	check "$d logged its allow list and Landlock" sh -c \
		"grep -q 'sandbox: $d allow list in place' $T/$d.log && grep -q 'sandbox: Landlock ABI\|no Landlock' $T/$d.log"
done

# As the systemd units run them: started as the daemon's user, not root
# (setpriv here, User= there), from the layout docs/install.md gives.
# hubd: a hub made with --staff-dir, its folder the user's own.
H2="$T/hub2"
$BIN/hubctl -d "$H2" init --passphrase-file "$PASS" \
	--insecure-fast-kdf-for-tests --port "$(free_port)" \
	--content "$ROOT/content" --staff-dir "$T/staff2" >"$T/init2.log" 2>&1
check "the server folder holds no box key (--staff-dir)" test ! -e "$H2/hub.box.key"
chown -R nobody "$H2"
H2_PORT=$(sed -n 's/^port = //p' "$H2/hubd.conf")
spawn "$T/hubd2.log" setpriv --reuid=nobody --regid="$(id -g nobody)" \
	--clear-groups "$BIN/hubd" --config "$H2/hubd.conf"
H2_PID=$LAST_PID
check "hubd started as its user is up" wait_port "$H2_PORT"
check "hubd started as its user: Seccomp 2, NoNewPrivs 1" test \
	"$(status "$H2_PID" Seccomp) $(status "$H2_PID" NoNewPrivs)" = "2 1"

# smsd: given CAP_NET_BIND_SERVICE as ambient (smsd.service) gives it up.
S2="$T/sms2"
mkdir -p "$S2"
cp -p "$S/tls.crt" "$S/tls.key" "$S/secrets" "$S/device.bundle" "$S2/"
S2_PORT=$(free_port)
sed -e "s|$S/|$S2/|g" -e "s/^port = .*/port = $S2_PORT/" "$S/smsd.conf" >"$S2/smsd.conf"
chown -R nobody "$S2"
spawn "$T/smsd2.log" setpriv --reuid=nobody --regid="$(id -g nobody)" \
	--clear-groups --inh-caps=+net_bind_service \
	--ambient-caps=+net_bind_service "$BIN/smsd" --config "$S2/smsd.conf"
S2_PID=$LAST_PID
check "smsd started as its user with CAP_NET_BIND_SERVICE is up" wait_port "$S2_PORT"
check "smsd gave up the capability it was passed (CapEff, CapPrm, CapAmb 0)" test \
	"$(status "$S2_PID" CapEff)$(status "$S2_PID" CapPrm)$(status "$S2_PID" CapAmb)" = \
	000000000000000000000000000000000000000000000000
check "smsd started as its user: Seccomp 2, NoNewPrivs 1" test \
	"$(status "$S2_PID" Seccomp) $(status "$S2_PID" NoNewPrivs)" = "2 1"

# Paused and resumed (a debugger, an operator's kill -STOP): the kernel
# resumes interrupted sleeps with restart_syscall, which the lists allow.
for d in "hubd:$HUBD_PID" "smsd:$SMSD_PID" "kioskd:$KIOSKD_PID"; do
	kill -STOP "${d##*:}"
done
sleep 1
for d in "hubd:$HUBD_PID" "smsd:$SMSD_PID" "kioskd:$KIOSKD_PID"; do
	kill -CONT "${d##*:}"
done
sleep 2
check "hubd answers after SIGSTOP and SIGCONT" \
	curl -sf --cacert "$HUB/tls.crt" "$HUB_URL/v1/health" -o /dev/null
check "smsd answers after SIGSTOP and SIGCONT" \
	curl -sf --cacert "$S/tls.crt" "https://127.0.0.1:$SPORT/v1/health" -o /dev/null
check "kioskd answers after SIGSTOP and SIGCONT" \
	curl -sf "http://127.0.0.1:$KPORT/health" -o /dev/null

# Stopping is part of the allow list too (the signal thread is cancelled,
# databases closed; a sanitizer build's leak check runs): each daemon
# exits 0 on SIGTERM, not killed by SIGSYS (159 = 128 + 31). Under
# `make asan`, LeakSanitizer aborts kioskd (134) over fontconfig's own
# allocations: there only SIGSYS counts against it.
for d in "hubd:$HUBD_PID" "smsd:$SMSD_PID" "kioskd:$KIOSKD_PID" \
	"hubd as its user:$H2_PID" "smsd as its user:$S2_PID"; do
	kill -TERM "${d##*:}" 2>/dev/null
	wait "${d##*:}"
	rc=$?
	case "$BUILD:$d" in
	*asan*:kioskd:*) check "kioskd stops on SIGTERM, not killed by the filter (exit $rc)" test "$rc" -ne 159 ;;
	*) check "${d%:*} stops cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0 ;;
	esac
done
