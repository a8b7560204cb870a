#!/bin/sh
# The table in docs/fuzzing.md from the logs of fuzz/long-run.sh: per
# target, the executions and seconds of every round added up, the
# coverage (cov, ft) of the last round, the corpus kept in
# build-fuzz/corpus/NAME, and the rounds that ended in a crash.
#   [LONG_DIR=d] sh fuzz/long-summary.sh
cd "$(dirname "$0")/.." || exit 1
LONG_DIR=${LONG_DIR:-build-fuzz/long}
echo "| target | executions | time (s) | exec/s | corpus (files) | cov | ft | crashes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for t in $(make --no-print-directory -s -f fuzz/fuzz.mk fuzz-list); do
	runs=0 secs=0 crashes=0 cov="" ft=""
	for log in "$LONG_DIR/$t".*.log; do
		[ -f "$log" ] || continue
		r=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		s=$(sed -n 's/^rc=[0-9]* seconds=//p' "$log")
		if [ -z "$s" ]; then
			# Interrupted by hand: its own count of time.
			e=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
			s=$(( ${r:-0} / (${e:-1} > 0 ? ${e:-1} : 1) ))
		fi
		# 72: libFuzzer's exit code when interrupted (SIGINT), which
		# ends a round without a finding.
		grep '^rc=[1-9]' "$log" | grep -qv '^rc=72 ' &&
			crashes=$((crashes + 1))
		runs=$((runs + ${r:-0}))
		secs=$((secs + ${s:-0}))
		c=$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
		[ -n "$c" ] && cov=${c#cov: } && cov=${cov%% *} && ft=${c##* }
	done
	files=$(find "build-fuzz/corpus/$t" -type f 2>/dev/null | wc -l)
	rate=$([ "$secs" -gt 0 ] && echo $((runs / secs)) || echo -)
	echo "| $t | $runs | $secs | $rate | $files | ${cov:--} | ${ft:--} | $crashes |"
done
