#!/bin/sh
# README.md's "Quick start, by hand" as a person types it: every indented
# command block under that heading, in order, run in one shell in a
# scratch folder (only the ports are moved to free ones, and build/ to
# $BUILD/). It must end with the referrals from the test device, the
# kiosk set-up and the texted conversation pulled and listed on the
# staff machine, the devices seen by the hub, nothing left running, and
# nothing written into the source folder. The README's picture must be
# the one docs/dataflow.dot draws.
. "$(dirname "$0")/lib.sh"

P_HUB=$(free_port)
P_KIOSK=$(free_port)
P_SMS=$(free_port)
# Blocks: lines indented by four spaces; blank lines inside a block
# belong to it, any other line ends it.
awk '
	/^## Quick start, by hand/ { on = 1; next }
	/^## / { on = 0 }
	!on { next }
	/^    / { for (; blanks > 0; blanks--) print ""
		print substr($0, 5); inb = 1; next }
	/^[ \t]*$/ { if (inb) blanks++; next }
	{ inb = 0; blanks = 0 }
' "$ROOT/README.md" |
	sed -e 's/^make$/: make/' -e "s|/build/|/$BUILD/|g" \
		-e "s/8443/$P_HUB/g" -e "s/8080/$P_KIOSK/g" -e "s/8444/$P_SMS/g" \
		>"$T/quickstart.sh"
check "README has a quick start for the hub, a kiosk and an SMS gateway" sh -c \
	"grep -q '^hubd --config' $T/quickstart.sh && grep -q '^kioskd --config' $T/quickstart.sh && grep -q '^smsd --config' $T/quickstart.sh"
check "README's quick start never uses the source folder as the hub folder" sh -c \
	"! grep -q -e '-d hub init' -e 'cd \"\$SRC\"' $T/quickstart.sh || grep -q 'mktemp -d' $T/quickstart.sh"

# The daemons drop to nobody: they must reach the scratch folder, as
# they reach one in /tmp.
chmod 755 "$T"
before=$(cd "$ROOT" && git status --porcelain --untracked-files=all | sort)
(cd "$ROOT" && TMPDIR="$T" timeout 180 sh -e "$T/quickstart.sh") >"$T/out" 2>&1
rc=$?
check "README's quick start runs from start to end (exit 0)" test "$rc" -eq 0
S=$(ls -d "$T"/tmp.* 2>/dev/null | head -n 1)
if [ "$rc" -ne 0 ]; then
	grep -v -e "^ " -e "^Warning" "$T/out" | tail -n 40
	tail -n 5 "$S"/*.log
fi | sed "s/^/# /"
# Whatever the blocks started, stop it even if they failed part way.
for f in "$S"/*.pid; do
	[ -f "$f" ] && E2E_PIDS="$E2E_PIDS $(cat "$f")"
done
after=$(cd "$ROOT" && git status --porcelain --untracked-files=all | sort)
check "nothing was written into the source folder" test "$before" = "$after"
check "the checks said ready" sh -c \
	"grep -q '^hubd: ready' $T/out && grep -q '^kioskd: ready' $T/out && grep -q '^smsd: ready' $T/out"
check "hubctl doctor found both folders ready, the passphrase checked" sh -c \
	"test \$(grep -c '^hubctl doctor: ready' $T/out) -eq 2 && grep -q 'the passphrase opens the opening key' $T/out"
check "the hub answered its health check" grep -q '"status":"ok"' "$T/out"
n=$(grep -c '^[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-' "$T/out")
check "the staff machine listed the device's referral, then the texted one too ($n lines)" \
	test "$n" -ge 3
check "the Twilio conversation was answered in TwiML" grep -q '<Response>' "$T/out"
check "the hub saw the kiosk's heartbeat" grep -q '^library-1 .*last seen' "$T/out"
check "the hub saw the SMS gateway's heartbeat" grep -q '^sms-1 .*last seen' "$T/out"
check "hubctl stats counted them without a name or number" sh -c \
	"grep -q '^total' $T/out && ! grep -q -e 'Sam' -e 447700900123 $T/out"
# They stop on SIGTERM within a few seconds.
i=0
alive=1
while [ $i -lt 50 ] && [ $alive -eq 1 ]; do
	alive=0
	for f in "$S"/*.pid; do
		[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
	done
	[ $alive -eq 0 ] || sleep 0.2
	i=$((i + 1))
done
check "the last command stopped hubd, kioskd and smsd" test "$alive" -eq 0
check "the opening key never sat in hubd's folder" test ! -e "$S/hub/hub.box.key"

dot -Tsvg "$ROOT/docs/dataflow.dot" -o "$T/dataflow.svg"
check "docs/dataflow.svg is what docs/dataflow.dot draws (scripts/dataflow.sh)" \
	cmp -s "$T/dataflow.svg" "$ROOT/docs/dataflow.svg"
check "README shows the picture" grep -q '(docs/dataflow.svg)' "$ROOT/README.md"
check "README's dependency list names libseccomp and Graphviz" sh -c \
	"grep -q libseccomp $ROOT/README.md && grep -q Graphviz $ROOT/README.md"
