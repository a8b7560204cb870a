#!/bin/sh
# The systemd units in contrib/systemd (issue 13): each one parses without
# a warning, keeps to the installed layout (docs/install.md), and scores
# an exposure of at most 2.0 in `systemd-analyze security`. So does
# hubd.service with the IPAddressAllow= drop-in docs/install.md shows.
. "$(dirname "$0")/lib.sh"

UNITS="$ROOT/contrib/systemd"
MAX=2.0

if ! command -v systemd-analyze >/dev/null 2>&1 ||
	! systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	ok "skipped: no systemd-analyze with security --offline here"
	exit 0
fi

# exposure FILE: the overall exposure, checked against $MAX.
exposure() {
	name=$(basename "$1")
	out=$(systemd-analyze security --offline=true --no-pager "$1" 2>"$T/err")
	level=$(printf '%s\n' "$out" |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	if [ -z "$level" ]; then
		not_ok "$name: no exposure level"
		cat "$T/err"
	elif awk "BEGIN { exit !($level <= $MAX) }"; then
		ok "$name: exposure $level (at most $MAX)"
	else
		not_ok "$name: exposure $level, above $MAX"
		printf '%s\n' "$out" | grep '✗'
	fi
	# Unknown or mistyped settings are warnings systemd then ignores.
	if grep -i 'unknown\|failed to parse\|invalid\|ignoring' "$T/err" >/dev/null; then
		not_ok "$name: systemd warns about it"
		cat "$T/err"
	else
		ok "$name: parses without a warning"
	fi
}

for u in hubd smsd kioskd rj-kiosk; do
	check "$u.service exists" test -f "$UNITS/$u.service"
	exposure "$UNITS/$u.service"
done

# The layout the packages install (branch pkg) and docs/install.md names.
has() { # unit line
	grep -qx -- "$2" "$UNITS/$1.service"
}
for d in hubd:rjhub:hub smsd:rjsms:sms kioskd:rjkiosk:kiosk; do
	u=${d%%:*}
	rest=${d#*:}
	user=${rest%%:*}
	dir=${rest#*:}
	check "$u.service runs /usr/sbin/$u with /etc/rj/$u.conf" \
		has "$u" "ExecStart=/usr/sbin/$u --config /etc/rj/$u.conf"
	check "$u.service runs as $user" has "$u" "User=$user"
	check "$u.service writes only to /var/lib/rj/$dir" sh -c \
		"grep -qx 'StateDirectory=rj/$dir' $UNITS/$u.service &&
		 test \"\$(grep '^ReadWritePaths=' $UNITS/$u.service)\" = 'ReadWritePaths=/var/lib/rj/$dir'"
	check "$u.service: core dumps off, umask 0077, no new privileges" sh -c \
		"grep -qx LimitCORE=0 $UNITS/$u.service && grep -qx UMask=0077 $UNITS/$u.service &&
		 grep -qx NoNewPrivileges=yes $UNITS/$u.service"
done
check "hubd and kioskd get no capability at all" sh -c \
	"grep -qx CapabilityBoundingSet= $UNITS/hubd.service && grep -qx CapabilityBoundingSet= $UNITS/kioskd.service"
check "smsd gets CAP_NET_BIND_SERVICE alone (to bind 443)" \
	has smsd "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"
check "rj-kiosk.service runs the installed run-kiosk.sh" \
	has rj-kiosk "ExecStart=/usr/share/rj/kiosk/run-kiosk.sh --display-only --config /etc/rj/kioskd.conf"

# hubd.service with the drop-in from docs/install.md.
python3 - "$ROOT/docs/install.md" "$UNITS/hubd.service" "$T/hubd.service" <<'PY'
import re, sys
doc, unit, out = sys.argv[1:]
block = re.search(r"hubd-network\.conf`:\n\n((?:    .*\n)+)", open(doc).read())
drop = "".join(l[4:] for l in block.group(1).splitlines(True))
text = open(unit).read().replace("[Install]", drop.replace("[Service]\n", "") + "\n[Install]")
open(out, "w").write(text)
PY
check "docs/install.md has hubd's network drop-in" grep -q '^IPAddressAllow=192' "$T/hubd.service"
exposure "$T/hubd.service"
