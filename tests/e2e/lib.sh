# Shared helpers for end-to-end scripts (sourced, POSIX sh).
# Each check prints "ok - what" or "not ok - what"; tests/run.sh counts them.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
BIN="$ROOT/$BUILD/bin"
TOOLS="$ROOT/$BUILD/tools"
T=$(mktemp -d "${TMPDIR:-/tmp}/rj-e2e.XXXXXX")
E2E_PIDS=""

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# check "what" command...: ok when the command succeeds
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# A free TCP port on loopback (the kernel picks one, we release it).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Start a daemon in the background, remember its pid for cleanup.
spawn() { # $1 = log file, rest = command
	log=$1
	shift
	"$@" >"$log" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	LAST_PID=$!
}

# Wait until a TCP port accepts connections (max ~10 s).
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); s.connect(('127.0.0.1',$1))" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

e2e_cleanup() {
	for p in $E2E_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $E2E_PIDS; do
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap e2e_cleanup EXIT INT TERM HUP PIPE

# A hub in $T/hub with fresh keys (fast KDF: tests only), started by
# start_hubd. Sets HUB PASS HUB_PORT HUB_URL HUBCTL.
hub_setup() {
	HUB="$T/hub"
	PASS="$T/pass"
	printf 'correct horse battery staple\n' >"$PASS"
	chmod 600 "$PASS"
	HUB_PORT=$(free_port)
	HUB_URL="https://127.0.0.1:$HUB_PORT"
	HUBCTL="$BIN/hubctl -d $HUB"
	$HUBCTL init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
		--port "$HUB_PORT" --content "$ROOT/content" >"$T/init.log" 2>&1 || return 1
	# hubd drops from root to an unprivileged user that owns the inbox.
	sed -i 's/^user = rjhub/user = nobody/' "$HUB/hubd.conf"
	chmod 755 "$T"
}

hub_enroll() { # $1 = device name
	$HUBCTL enroll "$1" --url "$HUB_URL" >/dev/null 2>&1 && hub_own
}

# hubd reads its keys as root, then runs as nobody, which gets only what
# it writes: the inbox and the folder its journals go in. Everything else
# (hub.box.key above all) stays root's, mode 0600; the folder is sticky
# so nobody cannot remove or replace root's files in it.
hub_own() {
	chown -R root:root "$HUB" &&
		chown "root:$(id -g nobody)" "$HUB" &&
		chmod 1770 "$HUB" &&
		{ [ ! -e "$HUB/hub.box.key" ] || chmod 600 "$HUB/hub.box.key"; } &&
		for f in "$HUB"/inbox.db*; do
			[ ! -e "$f" ] || chown nobody "$f" || return 1
		done
}

start_hubd() {
	hub_own || echo "hub_own: cannot give the inbox to nobody" >&2
	spawn "$T/hubd.log" "$BIN/hubd" --config "$HUB/hubd.conf"
	HUBD_PID=$LAST_PID
	wait_port "$HUB_PORT"
}

stop_hubd() {
	kill "$HUBD_PID" 2>/dev/null
	wait "$HUBD_PID" 2>/dev/null
}

# The [smsd] section of a test gateway whose files (tls.crt, tls.key,
# device.bundle, secrets) are in folder $1, listening on port $2, to
# stdout; a caller adds its own settings and providers after it.
smsd_section() {
	cat <<EOF
[smsd]
listen = 127.0.0.1
port = $2
tls_cert = $1/tls.crt
tls_key = $1/tls.key
device_bundle = $1/device.bundle
database = $1/smsd.db
database_key = $1/smsd.key
secrets = $1/secrets
content = $ROOT/content
user = nobody
EOF
}

# Referrals hubctl lists (lines that start with a reference code).
hub_count() {
	$HUBCTL list --passphrase-file "$PASS" 2>/dev/null | grep -c '^[0-9A-Z]\{4\}-'
}

# A hub whose opening key is on a separate staff machine (issue 11):
# server folder $HUB (hubd's keys only) and staff folder $STAFF, with a
# staff credential "alice" installed there. Sets what hub_setup sets,
# and STAFF and STAFFCTL.
hub_setup_split() {
	HUB="$T/hub"
	STAFF="$T/staff"
	PASS="$T/pass"
	printf 'correct horse battery staple\n' >"$PASS"
	chmod 600 "$PASS"
	HUB_PORT=$(free_port)
	HUB_URL="https://127.0.0.1:$HUB_PORT"
	HUBCTL="$BIN/hubctl -d $HUB"
	STAFFCTL="$BIN/hubctl -d $STAFF"
	$HUBCTL init --passphrase-file "$PASS" --insecure-fast-kdf-for-tests \
		--port "$HUB_PORT" --content "$ROOT/content" \
		--staff-dir "$STAFF" >"$T/init.log" 2>&1 || return 1
	sed -i 's/^user = rjhub/user = nobody/' "$HUB/hubd.conf"
	$HUBCTL enroll-staff alice --url "$HUB_URL" >/dev/null 2>&1 || return 1
	cp "$HUB/staff/alice.cred" "$STAFF/staff.cred"
	chmod 600 "$STAFF/staff.cred"
	chmod 755 "$T"
}

# Referrals the staff machine lists.
staff_count() {
	$STAFFCTL list --passphrase-file "$PASS" 2>/dev/null | grep -c '^[0-9A-Z]\{4\}-'
}
