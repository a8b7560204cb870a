#!/bin/sh
# End to end: the kiosk as a kiosk. kiosk/run-kiosk.sh runs the real kioskd
# and cage + Chromium on cage's headless backend (no screen); kioskd's
# request log shows Chromium loading the start page and its stylesheet.
# Then: Chromium killed, kioskd killed (both come back and the page loads
# again), and SIGTERM to run-kiosk.sh stops everything.
. "$(dirname "$0")/lib.sh"

# scripts/deps.sh installs both; without them there is nothing to run.
command -v cage >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 || exit 0

if [ ! -x "$BIN/kioskd" ]; then
	not_ok "kioskd is built ($BIN/kioskd)"
	exit 1
fi

hub_setup || { not_ok "hub set-up"; exit 1; }
hub_enroll kiosk-1 || { not_ok "enroll kiosk-1"; exit 1; }
KDIR="$T/kiosk"
install -d -o nobody -m 0700 "$KDIR"
install -o nobody -m 0600 "$HUB/devices/kiosk-1.bundle" "$KDIR/kiosk.bundle"
install -o nobody -m 0600 /dev/null "$T/slip.bin"
PORT=$(free_port)
CONF="$T/kioskd.conf"
cat >"$CONF" <<EOF
[kioskd]
listen = 127.0.0.1
port = $PORT
user = nobody
venue_name = Test Library
venue_code = TEST-LIB-01
device_bundle = $KDIR/kiosk.bundle
database = $KDIR/outbox.db
database_key = $KDIR/outbox.key
content = $ROOT/content
templates = $ROOT/kiosk/templates
static = $ROOT/kiosk/static
languages = en
allow_drafts = yes
easy_read = yes
service_number = +447700900000
service_number_display = 07700 900000
printer = file:$T/slip.bin
paper_width = 384
EOF
check "kioskd --check-config accepts the kiosk configuration" \
	"$BIN/kioskd" --check-config "$CONF"

# run-kiosk.sh in its own session and process group (setsid does not fork
# here), so that everything it starts can be found and killed.
LOG="$T/kiosk.log"
TMPDIR="$T" KIOSK_USER=nobody KIOSK_HEADLESS=1 \
	setsid "$ROOT/kiosk/run-kiosk.sh" --config "$CONF" --kioskd "$BIN/kioskd" \
	>"$LOG" 2>&1 &
RUN=$!

# Processes left from this test: run-kiosk.sh's group, or anything that
# names the test folder (Chromium's helpers carry its profile path).
leftovers() {
	ps -eo pid=,pgid=,args= | awk -v g="$RUN" -v t="$T" -v me="$$" \
		'($2 == g || index($0, t)) && $1 != me && $0 !~ /awk -v g=/ { print $1 }'
}
no_leftovers() { [ -z "$(leftovers)" ]; }
gone() { # $1 = pid: exited (a zombie not yet waited for counts as gone)
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in '' | Z*) return 0 ;; esac
	return 1
}
kiosk_cleanup() {
	kill -TERM "$RUN" 2>/dev/null
	i=0
	while ! gone "$RUN" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL -- "-$RUN" 2>/dev/null
	for p in $(leftovers); do kill -KILL "$p" 2>/dev/null; done
	wait "$RUN" 2>/dev/null
	e2e_cleanup
}
trap kiosk_cleanup EXIT INT TERM HUP PIPE

wait_until() { # $1 = seconds, rest = a command that must succeed
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# kioskd logs "... GET /path STATUS ..." for every request.
hits() { grep -c " GET $1 200 " "$LOG"; }
more_hits() { [ "$(hits "$1")" -gt "$2" ]; }
child() { # $1 = parent pid, $2 = command name
	ps -o pid=,comm= --ppid "$1" 2>/dev/null | awk -v c="$2" '$2 == c { print $1; exit }'
}
health() { curl -sf --noproxy '*' --max-time 2 "http://127.0.0.1:$PORT/health" | grep -q '"status": *"ok"'; }

check "run-kiosk.sh leads its own process group" test "$(ps -o pgid= -p "$RUN" | tr -d ' ')" = "$RUN"
if ! wait_until 25 more_hits / 0; then
	not_ok "Chromium under cage loads the start page from kioskd"
	grep -v '^\[' "$LOG" | tail -n 20 | sed 's/^/# /'
	exit 1
fi
ok "Chromium under cage loads the start page from kioskd"
check "... and its stylesheet /static/kiosk.css" wait_until 5 more_hits /static/kiosk.css 0

KIOSKD_PID=$(child "$RUN" kioskd)
CAGE_PID=$(child "$RUN" cage)
CHROME_PID=$(child "$CAGE_PID" chromium)
check "kioskd answers /health" health
check "kioskd runs as nobody" test "$(ps -o user= -p "$KIOSKD_PID")" = nobody
check "cage and Chromium run as the display user, not root" sh -c \
	"test \"\$(ps -o user= -p $CAGE_PID)\" = nobody && test \"\$(ps -o user= -p $CHROME_PID)\" = nobody"
check "Chromium runs in kiosk mode with its sandbox, on a fresh profile" sh -c \
	"ps -o args= -p $CHROME_PID | grep -- --kiosk | grep -- '--user-data-dir=$T/rj-kiosk' | grep -v -- --no-sandbox >/dev/null"

n=$(hits /)
kill -KILL "$CHROME_PID"
check "killing Chromium: run-kiosk.sh starts the display again" wait_until 15 more_hits / "$n"
new_cage() { c=$(child "$RUN" cage) && test -n "$c" && test "$c" != "$CAGE_PID"; }
check "... in a new cage" new_cage

n=$(hits /)
kill -KILL "$KIOSKD_PID"
check "killing kioskd: run-kiosk.sh starts it again and the page reloads" wait_until 20 more_hits / "$n"
new_kioskd() { k=$(child "$RUN" kioskd) && test -n "$k" && test "$k" != "$KIOSKD_PID" && health; }
check "... a new kioskd that answers /health" new_kioskd

kill -TERM "$RUN"
check "SIGTERM: run-kiosk.sh exits" wait_until 15 gone "$RUN"
wait "$RUN" 2>/dev/null
check "... and nothing it started is left running" wait_until 5 no_leftovers
check "... kioskd's port is closed" sh -c "! curl -s --noproxy '*' --max-time 1 http://127.0.0.1:$PORT/ >/dev/null"
check "... and the display's private folder is gone" sh -c "! ls -d $T/rj-kiosk.* >/dev/null 2>&1"
