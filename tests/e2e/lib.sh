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
	rm -rf "$T"
}
trap e2e_cleanup EXIT INT TERM
