#!/usr/bin/env bash
# Interactive protection benchmark: latency of a steady synchronous load through Barge, alone and with a
# large batch running on the same backend, and how much of the capacity left over the batch gets.
#
#   bench/interactive.sh [--capacity N] [--latency-ms MS] [--clients N] [--seconds S]
#
#   --capacity    requests the simulator serves at full speed; more in flight slow every answer (default 16)
#   --latency-ms  its latency per request at or under capacity (default 200)
#   --clients     concurrent synchronous clients, each sending its next request when the last returns (default 4)
#   --seconds     length of each measurement (default 20)
#
# The simulator (a separate process) has a fixed capacity; Barge's backend has max_concurrency equal to it.
# Steps: wrk (-c clients, --latency, bench/chat.lua) against Barge's POST /v1/chat/completions alone; then
# a batch of 100,000 chat lines is created and, once it runs, the same wrk again, while the batch's completed
# count is sampled. The batch is then cancelled. Needs wrk (Debian: apt-get install wrk), curl, jq, python3.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

capacity=16
latency=200
clients=4
seconds=20
while (($#)); do
  case $1 in
    --capacity) capacity=${2:?}; shift 2 ;;
    --latency-ms) latency=${2:?}; shift 2 ;;
    --clients) clients=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "$1" ;;
  esac
done

bench_start interactive wrk
python3 "$here/gen_chat.py" 100000 "$tmp/large.jsonl" sim-chat

start_simulator interactive --latency-ms "$latency" --capacity "$capacity"
start_barge interactive "{max_concurrency: $capacity}"

# p50 and p99 in ms, and requests/s, from wrk --latency output.
measure() {
  wrk -t1 -c"$clients" -d"${seconds}s" --latency -s "$here/chat.lua" "$api/chat/completions" >"$tmp/wrk.txt"
  python3 - "$tmp/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    v, unit = re.search(rf'^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$', text, re.M).groups()
    return float(v) * {'us': 0.001, 'ms': 1, 's': 1000}[unit]
rate = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
bad = re.search(r'Non-2xx or 3xx responses: (\d+)', text)
print(f"{ms('50'):.1f} {ms('99'):.1f} {rate:.2f} {bad.group(1) if bad else 0}")
PY
}

wrk -t1 -c"$clients" -d3s -s "$here/chat.lua" "$api/chat/completions" >/dev/null # warm-up
read -r p50_alone p99_alone rate_alone bad_alone < <(measure)
echo "interactive alone:        p50 $p50_alone ms, p99 $p99_alone ms, $rate_alone req/s, non-2xx $bad_alone"

batch_id=$(create_batch "$(upload_batch_file "$tmp/large.jsonl")")
done_count() { batch_field "$batch_id" .request_counts.completed; }
until (( $(done_count) >= 200 )); do sleep 0.2; done
c0=$(done_count); t0=$(now)
read -r p50_beside p99_beside rate_beside bad_beside < <(measure)
c1=$(done_count); t1=$(now)
curl -sS -X POST "$api/batches/$batch_id/cancel" >/dev/null
batch_rate=$(calc "($c1 - $c0) / ($t1 - $t0)" 1)
# What the backend could still serve at full speed beside the synchronous clients.
left=$(calc "($capacity - $clients) * 1000 / $latency" 1)
echo "interactive beside batch: p50 $p50_beside ms, p99 $p99_beside ms, $rate_beside req/s, non-2xx $bad_beside"
echo "batch meanwhile: $batch_rate req/s of the $left req/s left at full speed ($(calc "$batch_rate / $left * 100" 1) %)"
echo "p99 beside / alone: $(calc "$p99_beside / $p99_alone" 3) (target ≤ 1.10); batch share of what is left ≥ 0.90"
echo "SUMMARY capacity=$capacity latency_ms=$latency clients=$clients seconds=$seconds p99_alone_ms=$p99_alone" \
  "p99_beside_ms=$p99_beside p99_ratio=$(calc "$p99_beside / $p99_alone" 3) batch_rps=$batch_rate" \
  "batch_share=$(calc "$batch_rate / $left" 3)"
