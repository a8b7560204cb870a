#!/bin/sh
# run-kiosk.sh: runs the kiosk. Starts kioskd and, once /health answers,
# the display: cage running Chromium in kiosk mode on http://LISTEN:PORT/
# from kioskd.conf, with a fresh profile each time. Restarts whichever
# exits (back-off 1 s doubling to 30 s while it keeps dying young), and the
# display when kioskd restarts (no error page left on screen). SIGTERM or
# SIGINT stops both. Options, or the environment variable after each:
#   --config FILE   KIOSK_CONFIG   default /etc/rj/kioskd.conf
#   --kioskd PATH   KIOSKD         default PREFIX/sbin/kioskd, else PATH
#   --display-only  KIOSK_DISPLAY_ONLY=1   kioskd runs elsewhere (systemd)
#   --user NAME     KIOSK_USER     cage and Chromium's user when run as
#                                  root (cage refuses root); rjdisplay
#   --headless      KIOSK_HEADLESS=1       no screen (tests)
#   --no-sandbox    KIOSK_NO_SANDBOX=1     only where Chromium cannot
#                                          sandbox itself
#   CAGE, CHROMIUM: the programs.
set -u

CONFIG=${KIOSK_CONFIG:-/etc/rj/kioskd.conf}
KIOSKD=${KIOSKD:-}
DISPLAY_ONLY=${KIOSK_DISPLAY_ONLY:-0}
USER_NAME=${KIOSK_USER:-rjdisplay}
HEADLESS=${KIOSK_HEADLESS:-0}
NO_SANDBOX=${KIOSK_NO_SANDBOX:-0}
CAGE=${CAGE:-cage}
CHROMIUM=${CHROMIUM:-chromium}

while [ $# -gt 0 ]; do
	case "$1" in
	--config) CONFIG=$2; shift ;;
	--kioskd) KIOSKD=$2; shift ;;
	--user) USER_NAME=$2; shift ;;
	--display-only) DISPLAY_ONLY=1 ;;
	--headless) HEADLESS=1 ;;
	--no-sandbox) NO_SANDBOX=1 ;;
	*) echo "run-kiosk: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
	esac
	shift
done

log() { echo "run-kiosk: $*" >&2; }
[ -r "$CONFIG" ] || { log "cannot read $CONFIG"; exit 1; }
if [ -z "$KIOSKD" ]; then
	# Installed as PREFIX/share/rj/kiosk/run-kiosk.sh, kioskd is
	# PREFIX/sbin/kioskd (make install, the packages).
	KIOSKD="$(cd "$(dirname "$0")" && pwd)/../../../sbin/kioskd"
	[ -x "$KIOSKD" ] || KIOSKD=kioskd
fi

# The last "key = value" in the file (kioskd.conf has one section).
conf() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([^[:space:]#;]*\).*/\1/p" "$CONFIG" | tail -n 1; }
PORT=$(conf port)
PORT=${PORT:-8080}
ADDR=$(conf listen)
case "${ADDR:-127.0.0.1}" in
*:*) URL="http://[$ADDR]:$PORT" ;;
*) URL="http://${ADDR:-127.0.0.1}:$PORT" ;;
esac

# Cage refuses to run as root: as root, cage and Chromium run as USER_NAME.
AS_USER=""
if [ "$(id -u)" -eq 0 ]; then
	id "$USER_NAME" >/dev/null 2>&1 || { log "no user $USER_NAME"; exit 1; }
	AS_USER="setpriv --reuid=$USER_NAME --regid=$(id -g "$USER_NAME") --init-groups --"
fi
# Private folder for the display, wiped at each start: HOME, profile, and
# XDG_RUNTIME_DIR unless a login session (systemd PAMName=) gave one.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rj-kiosk.XXXXXX") || exit 1
RUNTIME=${XDG_RUNTIME_DIR:-}
[ -n "$RUNTIME" ] && [ "$(id -u)" -ne 0 ] || RUNTIME="$WORK/run"

FLAGS="--ozone-platform=wayland --kiosk --incognito --no-first-run
--no-default-browser-check --disable-translate --noerrdialogs
--disable-background-networking --disable-component-update --disable-sync
--disable-default-apps --disable-extensions --disable-breakpad
--disable-crash-reporter --disable-session-crashed-bubble --disable-pinch
--overscroll-history-navigation=0 --deny-permission-prompts
--disable-notifications --no-proxy-server --password-store=basic
--disable-features=Translate,TranslateUI,PasswordManager,PasswordLeakDetection,AutofillServerCommunication,MediaRouter"
[ "$NO_SANDBOX" = 1 ] && FLAGS="$FLAGS --no-sandbox"
HEADLESS_ENV=""
[ "$HEADLESS" = 1 ] && HEADLESS_ENV="WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1"

alive() { # $1 = pid: running (not gone, not a zombie)
	[ -n "$1" ] || return 1
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in '' | Z*) return 1 ;; esac
}
healthy() { curl -sf --noproxy '*' --max-time 2 "$URL/health" 2>/dev/null | grep -q '"ok"'; }
# The inode of kioskd's listening socket: it changes when kioskd restarts.
listener() {
	awk -v p="$(printf ':%04X' "$PORT")" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}
await() { # $1 = pid: wait up to 5 s for it to exit
	i=0
	while alive "$1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
stop_pid() { # $1 = pid: TERM, then KILL after 5 s
	[ -n "$1" ] || return 0
	alive "$1" && kill -TERM "$1" 2>/dev/null && await "$1"
	alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
stop_display() { # Chromium first: cage then exits by itself, cleanly
	for c in $(ps -o pid= --ppid "$cpid" 2>/dev/null); do kill -TERM "$c" 2>/dev/null; done
	await "$cpid"
	stop_pid "$cpid"
}
pause() { sleep "$1" & wait $!; } # a signal interrupts it
backoff() { # $1 = start time, $2 = last delay: 1 s after a long run, else doubled
	d=$(($2 * 2))
	[ $(($(date +%s) - $1)) -ge 30 ] || [ $d -lt 1 ] && d=1
	[ $d -gt 30 ] && d=30
	echo $d
}

start_kioskd() {
	"$KIOSKD" --config "$CONFIG" &
	kpid=$! kstart=$(date +%s)
	log "kioskd started (pid $kpid)"
}
start_display() {
	rm -rf "${WORK:?}"/* && mkdir -p "$WORK/home" "$WORK/profile" "$WORK/run" "$WORK/tmp"
	chmod 0700 "$WORK" "$WORK/run"
	[ -z "$AS_USER" ] || chown -R "$USER_NAME:" "$WORK"
	# shellcheck disable=SC2086 # word splitting of the lists is meant
	env HOME="$WORK/home" TMPDIR="$WORK/tmp" XDG_RUNTIME_DIR="$RUNTIME" XDG_CONFIG_HOME="$WORK/home/.config" \
		XDG_CACHE_HOME="$WORK/home/.cache" $HEADLESS_ENV $AS_USER \
		"$CAGE" -- "$CHROMIUM" $FLAGS --user-data-dir="$WORK/profile" "$URL/" &
	cpid=$! cstart=$(date +%s) cinode=$(listener)
	log "display started (pid $cpid) on $URL/"
}
kpid="" cpid="" kdelay=0 cdelay=0 kstart=0 cstart=0 cinode=""
stop() {
	trap '' TERM INT HUP
	log "stopping"
	stop_display
	stop_pid "$kpid"
	rm -rf "$WORK"
	exit 0
}
trap stop TERM INT HUP

while :; do
	if [ "$DISPLAY_ONLY" != 1 ] && ! alive "$kpid"; then
		if [ -n "$kpid" ]; then
			wait "$kpid"
			rc=$?
			kdelay=$(backoff "$kstart" "$kdelay")
			log "kioskd exited ($rc), restarting in ${kdelay}s"
			pause "$kdelay"
		fi
		start_kioskd
	fi
	if alive "$cpid" && [ "$(listener)" != "$cinode" ]; then
		log "kioskd restarted: restarting the display"
		stop_display
		cdelay=0 cpid=""
	fi
	if ! alive "$cpid" && healthy; then
		if [ -n "$cpid" ]; then
			wait "$cpid"
			rc=$?
			cdelay=$(backoff "$cstart" "$cdelay")
			log "display exited ($rc), restarting in ${cdelay}s"
			pause "$cdelay"
		fi
		start_display
	fi
	pause 1
done
