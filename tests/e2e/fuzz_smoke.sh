#!/bin/sh
# Every libFuzzer target (fuzz/fuzz.mk, docs/fuzzing.md) built with ASan
# and UBSan, then run over its committed seeds and for a moment more:
# a crash, leak, time-out or sanitizer report in any parser fails here,
# and so does a target that no longer builds. The long runs are
# `make fuzz` and fuzz/long-run.sh.
. "$(dirname "$0")/lib.sh"

cd "$ROOT" || exit 1
if ! command -v clang >/dev/null 2>&1; then
	not_ok "clang is installed (scripts/deps.sh)"
	exit 1
fi
# Two jobs: the library build and the runs are independent of each
# other, and the machine has two cores.
if make --no-print-directory -j2 -f fuzz/fuzz.mk fuzz-build \
	>"$T/build.log" 2>&1; then
	ok "fuzz targets build ($(make -s -f fuzz/fuzz.mk fuzz-list | wc -w) targets)"
else
	not_ok "fuzz targets build (log follows)"
	grep -v '^  CC' "$T/build.log" | tail -n 40
	exit 1
fi
make --no-print-directory -s -j2 -f fuzz/fuzz.mk fuzz-smoke 2>&1 |
	grep -v '^make'

# The long-run script and its table (docs/fuzzing.md), on a small scale
# and in a directory of their own.
if LONG_DIR="$T/long" RUNS=3000 JOBS=1 bash fuzz/long-run.sh refcode \
	>"$T/long-run.log" 2>&1 &&
	LONG_DIR="$T/long" sh fuzz/long-summary.sh >"$T/table.md" &&
	grep -q '^| refcode | 3000 | [0-9]* | .* | 0 |$' "$T/table.md"; then
	ok "fuzz/long-run.sh runs a target and long-summary.sh counts it"
else
	not_ok "fuzz/long-run.sh and long-summary.sh (output follows)"
	tail -n 20 "$T/long-run.log" "$T/table.md"
fi

# The committed seeds are what fuzz/mkseeds.py writes.
if FUZZ_SEEDS_OUT="$T/seeds" python3 fuzz/mkseeds.py >"$T/seeds.log" 2>&1; then
	stale=""
	for d in "$T"/seeds/*; do
		diff -r "$d" "fuzz/corpus/$(basename "$d")" >/dev/null 2>&1 ||
			stale="$stale $(basename "$d")"
	done
	check "the committed seeds are what fuzz/mkseeds.py writes${stale:+ (differ:$stale)}" \
		test -z "$stale"
else
	not_ok "fuzz/mkseeds.py runs (output follows)"
	tail -n 20 "$T/seeds.log"
fi

# One target through the rule `make fuzz` runs for each.
check "make -f fuzz/fuzz.mk fuzz-refcode FUZZ_TIME=1 runs" sh -c \
	"make --no-print-directory -f fuzz/fuzz.mk fuzz-refcode FUZZ_TIME=1 >'$T/one.log' 2>&1 && grep -q 'stat::number_of_executed_units' '$T/one.log'"
