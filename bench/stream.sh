#!/usr/bin/env bash
# Streaming benchmark: time to first token (TTFT) of streamed chat calls through Barge against the same calls
# sent straight to the simulator, and through Barge while a large batch saturates the same backend.
#
#   bench/stream.sh [--requests N] [--latency-ms MS] [--token-ms MS] [--lines N]
#
#   --requests  streamed calls per measurement, one client after the other (default 2000)
#   --latency-ms the simulator's time to its first event (default 50: the batch then keeps the backend's
#               slots busy without taking this 2-core machine's CPU from everything else)
#   --token-ms  the simulator's time between streamed events (default 2)
#   --lines     lines of the batch that saturates the backend (default 200000)
#
# A fresh simulator (separate process) and `barge serve` with one openai backend on it,
# limits.max_concurrency 64. Measured with bench/ttft.py, alternating direct and through Barge in two rounds;
# then a batch is created and, once it runs, TTFT through Barge again (the batch cancelled afterwards).
# Reported: p50 and p99 of each, the p99 Barge adds (goal ≤ 5 ms) and p99 beside the batch / alone (goal ≤ 1.1).
# Needs curl, jq, python3.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

requests=2000
latency=50
token_ms=2
lines=200000
while (($#)); do
  case $1 in
    --requests) requests=${2:?}; shift 2 ;;
    --latency-ms) latency=${2:?}; shift 2 ;;
    --token-ms) token_ms=${2:?}; shift 2 ;;
    --lines) lines=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "$1" ;;
  esac
done

bench_start stream
echo "run: $requests streamed calls per measurement, simulator --latency-ms $latency --token-ms $token_ms," \
  "batch of $lines lines"
start_simulator stream --latency-ms "$latency" --token-ms "$token_ms"
start_barge stream "{max_concurrency: 64}"
ttft() { python3 "$here/ttft.py" "$1" "$requests"; }
field() { jq -r ".$2" <<<"$1"; }

python3 "$here/ttft.py" "$api" 200 >/dev/null # warm-up: connections, JIT
declare -a direct=() barge=()
for round in 1 2; do
  d=$(ttft "$sim_url"); b=$(ttft "$api")
  echo "round $round: direct $d"
  echo "round $round: barge  $b"
  direct+=("$(field "$d" p99_ms)"); barge+=("$(field "$b" p99_ms)")
  alone_p50=$(field "$b" p50_ms)
done
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat
batch_id=$(create_batch "$(upload_batch_file "$tmp/input.jsonl")")
until [[ $(batch_field "$batch_id" '.request_counts.completed') -gt 1000 ]]; do sleep 0.2; done
loaded=$(ttft "$api")
done_during=$(batch_field "$batch_id" '.request_counts.completed')
echo "beside the batch: $loaded (batch completed $done_during lines by the end)"
curl -sS -X POST "$api/batches/$batch_id/cancel" >/dev/null

added=$(calc "(${barge[0]} + ${barge[1]}) / 2 - (${direct[0]} + ${direct[1]}) / 2")
ratio=$(calc "$(field "$loaded" p99_ms) / ((${barge[0]} + ${barge[1]}) / 2)" 3)
echo "p99 added by Barge: $added ms (goal ≤ 5); p99 beside a batch / alone: $ratio (goal ≤ 1.1)"
echo "SUMMARY requests=$requests latency_ms=$latency token_ms=$token_ms direct_p99_ms=$(calc "(${direct[0]} + ${direct[1]}) / 2")" \
  "barge_p99_ms=$(calc "(${barge[0]} + ${barge[1]}) / 2") barge_p50_ms=$(calc "$alone_p50")" \
  "added_p99_ms=$added loaded_p99_ms=$(calc "$(field "$loaded" p99_ms)") loaded_ratio=$ratio"
