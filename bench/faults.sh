#!/usr/bin/env bash
# Fault benchmark: throughput of one chat batch against an upstream that fails the way hosted APIs fail,
# side by side with the same batch against the same upstream without faults.
#
#   bench/faults.sh [LINES] [--latency-ms MS] [--concurrency N] [--mix "SIMULATOR OPTIONS"] [--rounds N]
#
#   LINES          chat lines per batch (default 30000: long enough that the batch's last seconds, which
#                  wait for its unluckiest line, do not decide its rate)
#   --latency-ms   the simulator's latency per answer (default 5)
#   --concurrency  the backend's limits.max_concurrency (default 64)
#   --mix          the faults, as barge mock-upstream options (default: about one call in twenty fails:
#                  "--error-rate 0.02 --unavailable-rate 0.01 --retry-after-ms 1000 --reset-rate 0.005
#                   --truncated-rate 0.005 --slow-rate 0.005 --slow-ms 3000")
#   --rounds       clean/faulty pairs to run, alternating (default 1)
#
# Each run: a fresh simulator (a separate process) and a fresh barge serve with one openai backend; upload,
# create, poll every 0.1 s until completed; rate = lines / (created → completed). The steady rate is the
# pace between 10 % and 90 % of the lines settled: throughput without the batch's last seconds, which wait
# for its unluckiest lines (a 3 s answer, a retry after its Retry-After). GET /v1/barge/backends is
# sampled every 0.5 s (the adaptive concurrency limit and calls in flight).
# Every line must end in the output file: a line in the error file is a lost line and is reported.
# Slot use is the time calls spent at the upstream (Barge's barge_upstream_latency_seconds_sum) over what
# max_concurrency slots allow in the run's time: how busy Barge kept the slots it may use. By Little's law
# a run can go no faster than max_concurrency / mean call time, so answers that take seconds (the slow
# ones) bound throughput by themselves; slot use tells that bound from capacity Barge left idle.
# Needs curl, jq, python3.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=30000
latency=5
concurrency=64
rounds=1
mix="--error-rate 0.02 --unavailable-rate 0.01 --retry-after-ms 1000 --reset-rate 0.005 --truncated-rate 0.005 --slow-rate 0.005 --slow-ms 3000"
while (($#)); do
  case $1 in
    --latency-ms) latency=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    --mix) mix=${2?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       bad_arg "$1" ;;
  esac
done

bench_start faults
echo "run: $lines lines, max_concurrency $concurrency, simulator latency $latency ms; faults: $mix"
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat

run() { # NAME [SIMULATOR OPTIONS...]; prints the rate and sets rate_NAME
  local name=$1; shift
  # shellcheck disable=SC2086 # the fault options are words
  start_simulator "$name" --latency-ms "$latency" --seed 7 "$@"
  start_barge "$name" "{max_concurrency: $concurrency}"
  local file_id batch_id t0 t1 status json samples=() progress=()
  file_id=$(upload_batch_file "$tmp/input.jsonl")
  t0=$(now)
  batch_id=$(create_batch "$file_id")
  while :; do
    json=$(curl -sS "$api/batches/$batch_id")
    status=$(jq -r .status <<<"$json")
    progress+=("$(now) $(jq -r '.request_counts.completed + .request_counts.failed' <<<"$json")")
    [[ $status == completed || $status == failed || $status == expired || $status == cancelled ]] && break
    samples+=("$(curl -sS "$api/barge/backends" | jq -r '.data[0] | "\(.concurrency_limit)/\(.in_flight)"')")
    sleep 0.1
  done
  t1=$(now)
  local counts errors stats secs rate
  counts=$(jq -c .request_counts <<<"$json")
  errors=$(jq -r '.request_counts.failed' <<<"$json")
  stats=$(curl -sS "${sim_url%/v1}/simulator/stats" | jq -c .answers)
  secs=$(calc "$t1 - $t0")
  rate=$(calc "$lines / $secs" 0)
  local steady
  steady=$(printf '%s\n' "${progress[@]}" | python3 -c '
import sys
n = int(sys.argv[1])
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
at = lambda k: next(t for t, c in rows if c >= k)
print(f"{0.8 * n / (at(0.9 * n) - at(0.1 * n)):.0f}")' "$lines")
  local busy slot_use bound
  busy=$(curl -sS "${api%/v1}/metrics" | awk '/^barge_upstream_latency_seconds_sum/ {s += $NF} END {printf "%.3f", s}')
  slot_use=$(calc "$busy / ($concurrency * $secs)" 3)
  bound=$(calc "$lines * $concurrency / $busy" 0)
  # limit/in-flight every 0.5 s (every 5th poll), at most 12 samples spread over the run
  local shown
  shown=$(printf '%s\n' "${samples[@]}" | awk 'NR % 5 == 1' | awk '{a[NR]=$0} END {s = NR > 12 ? NR / 12 : 1; for (i = 1; i <= NR; i += s) printf "%s ", a[int(i)]}')
  echo "$name: $status in $secs s = $rate req/s (steady $steady req/s); counts $counts; simulator answers $stats"
  echo "  concurrency limit/in flight over the run: $shown"
  echo "  slot use $slot_use ($busy s of calls in $concurrency slots × $secs s); Little's law bound $bound req/s"
  ((errors == 0)) || echo "  LOST: $errors lines ended in the error file"
  printf -v "rate_$name" '%s' "$rate"
  printf -v "steady_$name" '%s' "$steady"
  printf -v "failed_$name" '%s' "$errors"
  printf -v "slots_$name" '%s' "$slot_use"
  stop_servers
}

for round in $(seq "$rounds"); do
  run clean
  # shellcheck disable=SC2086
  run faulty $mix
  echo "round $round: faulty / clean = $(calc "$rate_faulty / $rate_clean" 3) (goal ≥ 0.8), steady" \
    "$(calc "$steady_faulty / $steady_clean" 3)"
  echo "SUMMARY round=$round lines=$lines latency_ms=$latency concurrency=$concurrency clean_rps=$rate_clean" \
    "faulty_rps=$rate_faulty ratio=$(calc "$rate_faulty / $rate_clean" 3) lost_lines=$failed_faulty" \
    "clean_steady_rps=$steady_clean faulty_steady_rps=$steady_faulty steady_ratio=$(calc "$steady_faulty / $steady_clean" 3)" \
    "clean_slot_use=$slots_clean faulty_slot_use=$slots_faulty"
done
