#!/bin/bash
# The long runs recorded in docs/fuzzing.md: each named target (default:
# all) to RUNS executions in all (default 10 million; the rounds already
# logged count, so a run stopped with Ctrl-C or kill -INT is taken up
# again where it stopped) or TIME seconds a round (default: no limit),
# JOBS at a time, under nice -n 19, from its committed seeds and
# build-fuzz/corpus/NAME. Each round's log, with libFuzzer's final
# stats, is LONG_DIR/NAME.N.log (default build-fuzz/long); crashes go to
# LONG_DIR. fuzz/long-summary.sh adds the rounds up into the table.
#   [RUNS=n] [TIME=s] [JOBS=n] [LONG_DIR=d] bash fuzz/long-run.sh [NAME...]
set -u
RUNS=${RUNS:-10000000}
TIME=${TIME:-0}
JOBS=${JOBS:-2}
LONG_DIR=${LONG_DIR:-build-fuzz/long}
cd "$(dirname "$0")/.." || exit 1
targets=${*:-$(make --no-print-directory -s -f fuzz/fuzz.mk fuzz-list)}
bins=""
for t in $targets; do bins="$bins build-fuzz/fuzz_$t"; done
make --no-print-directory -f fuzz/fuzz.mk $bins || exit 1
mkdir -p "$LONG_DIR"
one() {
	t=$1
	maxlen=$(sed -n "s/^MAXLEN_$t := //p" fuzz/fuzz.mk)
	dict=""
	[ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
	mkdir -p "build-fuzz/corpus/$t"
	done_runs=$(cat "$LONG_DIR/$t".*.log 2>/dev/null |
		sed -n 's/^stat::number_of_executed_units: *//p' |
		awk '{ s += $1 } END { printf "%.0f\n", s }')
	# RUNS=-1 is libFuzzer's "no limit" (with TIME): nothing to subtract.
	left=$RUNS
	[ "$RUNS" -ge 0 ] && left=$((RUNS - done_runs))
	if [ "$RUNS" -ge 0 ] && [ "$left" -le 0 ]; then
		echo "$t: $done_runs executions logged already"
		return 0
	fi
	n=1
	while [ -e "$LONG_DIR/$t.$n.log" ]; do n=$((n + 1)); done
	log="$LONG_DIR/$t.$n.log"
	start=$(date +%s)
	nice -n 19 "build-fuzz/fuzz_$t" -runs="$left" -max_total_time="$TIME" \
		-max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=2 $dict -print_final_stats=1 \
		-artifact_prefix="$LONG_DIR/" "build-fuzz/corpus/$t" \
		"fuzz/corpus/$t" >"$log" 2>&1
	echo "rc=$? seconds=$(($(date +%s) - start))" >>"$log"
}
running=0
for t in $targets; do
	one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
