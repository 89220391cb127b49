#!/usr/bin/env bash
# Background responses benchmark (POST /v1/responses with "background": true).
#
#   bench/background.sh [--requests N] [--latency-ms MS] [--concurrency C] [--clients K] [--sample S] [--lines L]
#
#   --requests    background responses in the throughput run, and lines of the batch it is compared with
#                 (default 10000)
#   --latency-ms  the simulator's time to answer (default 50)
#   --concurrency limits.max_concurrency of the backend (default 64); with the latency it bounds any
#                 throughput at concurrency / latency
#   --clients     client threads creating and polling (default 16)
#   --sample      background responses timed from create to completed, alone and beside a batch (default 500)
#   --lines       lines of the batch that saturates the backend for the second timing (default 200000)
#
# A fresh simulator (separate process) and `barge serve` with one openai backend on it, SQLite. Measured
# side by side in one run: (1) N background responses created by K clients then polled until each ended,
# against (2) the same N requests as one batch, created and polled until completed; (3) S background
# responses created with "stream": true and read to their terminal event, K at a time, first alone, then
# while a large batch holds every slot of the backend (background work is claimed ahead of batch work).
# Reported: responses ended per second and the ratio to the batch's lines per second; p50/p99 from create to
# completed alone and beside the batch. Needs curl, jq, python3.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

requests=10000
latency=50
concurrency=64
clients=16
sample=500
lines=200000
while (($#)); do
  case $1 in
    --requests) requests=${2:?}; shift 2 ;;
    --latency-ms) latency=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    --clients) clients=${2:?}; shift 2 ;;
    --sample) sample=${2:?}; shift 2 ;;
    --lines) lines=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "$1" ;;
  esac
done

bench_start background
echo "run: $requests background responses, simulator --latency-ms $latency, max_concurrency $concurrency," \
  "$clients clients; $sample timed alone and beside a batch of $lines lines"
start_simulator background --latency-ms "$latency"
start_barge background "{max_concurrency: $concurrency}"
bg() { python3 "$here/background.py" "$1" "$api" "$2" "$clients"; }
field() { jq -r ".$2" <<<"$1"; }

bg throughput 500 >/dev/null # warm-up: connections, JIT

# --- (1) background responses ------------------------------------------------------------------------------
background=$(bg throughput "$requests")
echo "background: $background"
[[ $(field "$background" not_answered) == 0 ]] || die "background responses did not all get their answer"

# --- (2) the same requests as one batch --------------------------------------------------------------------
python3 "$here/gen_chat.py" "$requests" "$tmp/same.jsonl" sim-chat
t_create=$(now)
batch_id=$(create_batch "$(upload_batch_file "$tmp/same.jsonl")")
until [[ $(batch_field "$batch_id" .status) == completed ]]; do sleep 0.1; done
batch_s=$(calc "$(now) - $t_create")
batch_rate=$(calc "$requests / $batch_s" 1)
echo "batch: $requests lines in $batch_s s (upload excluded), $batch_rate lines/s"

# --- (3) create → completed, alone and beside a batch ------------------------------------------------------
alone=$(bg latency "$sample")
echo "create → completed alone: $alone"
python3 "$here/gen_chat.py" "$lines" "$tmp/large.jsonl" sim-chat
large_id=$(create_batch "$(upload_batch_file "$tmp/large.jsonl")")
until [[ $(batch_field "$large_id" .request_counts.completed) -gt 1000 ]]; do sleep 0.2; done
beside=$(bg latency "$sample")
echo "create → completed beside the batch: $beside (batch completed $(batch_field "$large_id" .request_counts.completed) lines by the end)"
curl -sS -X POST "$api/batches/$large_id/cancel" >/dev/null

bound=$(calc "$concurrency * 1000 / $latency" 0)
ratio=$(calc "$(field "$background" completed_per_s) / $batch_rate" 3)
p99_ratio=$(calc "$(field "$beside" p99_ms) / $(field "$alone" p99_ms)" 3)
echo "background $(field "$background" completed_per_s)/s against the batch's $batch_rate/s: $ratio" \
  "(bound $bound/s); p99 create → completed beside a batch / alone: $p99_ratio"
echo "SUMMARY requests=$requests latency_ms=$latency concurrency=$concurrency clients=$clients" \
  "accepted_per_s=$(field "$background" accepted_per_s) create_p99_ms=$(field "$background" create_p99_ms)" \
  "background_per_s=$(field "$background" completed_per_s) batch_per_s=$batch_rate ratio=$ratio bound_per_s=$bound" \
  "alone_p50_ms=$(field "$alone" p50_ms) alone_p99_ms=$(field "$alone" p99_ms)" \
  "beside_p50_ms=$(field "$beside" p50_ms) beside_p99_ms=$(field "$beside" p99_ms) beside_ratio=$p99_ratio"
