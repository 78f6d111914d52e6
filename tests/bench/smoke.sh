#!/usr/bin/env bash
# Runs every tscope-bench benchmark once (one iteration where the benchmark lets us choose): no
# time is judged, but a benchmark that crashes, aborts on an exception, or reports an error fails
# the test. Only the skips that depend on the machine are allowed: a CPU without AVX-512, and
# prompts longer than the small model's context.
# usage: smoke.sh TSCOPE_BENCH MODEL_DIR
set -uo pipefail
bench=$1
export TSCOPE_BENCH_MODEL=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$bench" --benchmark_min_time=0 >"$log" 2>&1
status=$?
allowed="kernel path not supported by this CPU|T is longer than the model's context"
errors=$(grep "ERROR OCCURRED" "$log" | grep -Ev "$allowed")
ran=$(grep -c "^BM_" "$log")
if [ "$status" -ne 0 ] || [ -n "$errors" ] || [ "$ran" -eq 0 ]; then
    tail -n 40 "$log"
    echo "tscope-bench: exit status $status, $ran benchmark lines; unexpected errors:"
    echo "$errors"
    exit 1
fi
echo "tscope-bench: $ran benchmarks ran once, exit status 0"
