#!/bin/sh
# Runs every benchmark program in $BUILD/bench (from the top of the tree,
# so they find content/) and prints their tables one after another.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
rc=0
found=0
for b in "$BUILD"/bench/*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	# Tools bench/net.sh drives with arguments, not benchmarks of their own.
	case "$(basename "$b")" in loadgen | tls_ceiling | db_bench | drain) continue ;; esac
	found=1
	echo "== $(basename "$b")"
	if ! "$b"; then
		echo "$(basename "$b") failed"
		rc=1
	fi
	echo
done
for b in bench/*.sh; do
	# bench/net.sh runs delivery.sh itself, its drain in net.sh's table.
	case "$b" in */run.sh | */delivery.sh) continue ;; esac
	[ -f "$b" ] || continue
	found=1
	echo "== $(basename "$b" .sh)"
	if ! BUILD="$BUILD" sh "$b"; then
		echo "$(basename "$b") failed"
		rc=1
	fi
	echo
done
if [ "$found" -eq 0 ]; then
	echo "no benchmarks in $BUILD/bench (run make bench)"
	rc=1
fi
exit $rc
