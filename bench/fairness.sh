#!/usr/bin/env bash
# Fairness benchmark: how long a small batch takes while a large one runs on the same backend,
# against how long it takes alone.
#
#   bench/fairness.sh [--large N] [--small N] [--latency-ms MS] [--concurrency N]
#
#   --large        lines of the large batch (default 200000)
#   --small        lines of the small batch (default 100)
#   --latency-ms   the simulator's latency per request (default 20)
#   --concurrency  the backend's limits.max_concurrency (default 64)
#
# One barge serve (SQLite) and one simulator (a separate process), both on OS-chosen ports in a fresh
# mktemp -d directory. Steps: the small batch alone (creation → completed, three times, median); then the
# large batch, and once it is in progress and has finished 1,000 lines, the small batch again (three
# times, one after another, median). The large batch is then cancelled. The target of issue 4: the
# small batch in at most twice its time alone.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

large=200000
small=100
latency=20
concurrency=64
while (($#)); do
  case $1 in
    --large) large=${2:?}; shift 2 ;;
    --small) small=${2:?}; shift 2 ;;
    --latency-ms) latency=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "$1" ;;
  esac
done

bench_start fairness
python3 "$here/gen_chat.py" "$large" "$tmp/large.jsonl" sim-chat
python3 "$here/gen_chat.py" "$small" "$tmp/small.jsonl" sim-chat

start_simulator fairness --latency-ms "$latency"
start_barge fairness "{max_concurrency: $concurrency}"

# Seconds from creating a batch of FILE_ID to seeing it completed (polled every 0.05 s).
timed_run() {
  local t0 id
  t0=$(now)
  id=$(create_batch "$1")
  until [[ $(batch_field "$id" .status) == completed ]]; do sleep 0.05; done
  calc "$(now) - $t0" 3
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

small_file=$(upload_batch_file "$tmp/small.jsonl")
timed_run "$small_file" >/dev/null # warm-up: JIT, connections
alone=()
for _ in 1 2 3; do alone+=("$(timed_run "$small_file")"); done
echo "small batch alone ($small lines): ${alone[*]} s"

large_id=$(create_batch "$(upload_batch_file "$tmp/large.jsonl")")
until (( $(batch_field "$large_id" '.request_counts.completed') >= 1000 )); do sleep 0.1; done
beside=()
for _ in 1 2 3; do beside+=("$(timed_run "$small_file")"); done
large_done=$(batch_field "$large_id" '.request_counts.completed')
large_status=$(batch_field "$large_id" .status)
echo "small batch beside the large one ($large lines, $large_status, $large_done done): ${beside[*]} s"
curl -sS -X POST "$api/batches/$large_id/cancel" >/dev/null

m_alone=$(median "${alone[@]}")
m_beside=$(median "${beside[@]}")
echo "median: alone $m_alone s, beside $m_beside s; ratio $(calc "$m_beside / $m_alone" 2) (target ≤ 2)"
echo "SUMMARY large=$large small=$small latency_ms=$latency concurrency=$concurrency alone_s=$m_alone" \
  "beside_s=$m_beside ratio=$(calc "$m_beside / $m_alone" 2) large_status=$large_status"
