#!/bin/sh
# Runs every unit test binary and every end-to-end script, then prints one
# summary line "N passed, N failed". TESTS=substring limits the run.
set -u
BUILD=${BUILD:-build}
export BUILD
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
cd "$ROOT" || exit 1
filter=${TESTS:-}
passed=0
failed=0
failed_names=""
logdir=$(mktemp -d "${TMPDIR:-/tmp}/rj-tests.XXXXXX")

count() { # $1 = name, $2 = pass count, $3 = fail count
	passed=$((passed + $2))
	failed=$((failed + $3))
	if [ "$3" -gt 0 ]; then
		failed_names="$failed_names $1"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	log="$logdir/$name.log"
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed outside a test case
	fi
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name (log follows)"
		tail -n 60 "$log"
	else
		echo "ok   $name: $p passed"
	fi
	count "$name" "$p" "$f"
done

for t in tests/e2e/*.sh; do
	case "$t" in */lib.sh) continue ;; esac
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	log="$logdir/e2e-$name.log"
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$f" -gt 0 ]; then
		echo "FAIL e2e/$name (log follows)"
		tail -n 80 "$log"
	else
		echo "ok   e2e/$name: $p passed ($((end - start))s)"
	fi
	count "e2e/$name" "$p" "$f"
done

if [ "$failed" -gt 0 ]; then
	echo "failed:$failed_names (logs in $logdir)"
else
	rm -rf "$logdir"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
