#!/usr/bin/env bash
# Prefix-aware dispatch benchmark: the share of prompt tokens a self-hosted engine answers from its prefix
# cache, and the batch's throughput, with lines claimed in file order against lines grouped by prefix.
#
#   bench/prefix.sh [--lines N] [--prompts P] [--prompt-chars C] [--entries E] [--prefill-us U]
#                   [--latency-ms MS] [--concurrency K]
#
#   --lines        lines of the batch (default 100000)
#   --prompts      different system prompts, interleaved: line i has prompt i % P (default 20)
#   --prompt-chars length of each system prompt (default 1600, about 400 tokens)
#   --entries      prefixes the simulated engine keeps resident (its KV cache; default 4)
#   --prefill-us   the engine's prefill time per prompt token it did not find cached, in µs (default 100)
#   --latency-ms   the engine's time per answer besides prefill (default 20)
#   --concurrency  limits.max_concurrency of the backend (default 64)
#
# A fresh simulator (barge mock-upstream --prefix-cache-entries E --prefill-us-per-token U) and a fresh
# `barge serve` on SQLite for each of two runs of the same file, side by side: batch.group_prefixes false
# (claimed in line order), then true (lines sharing a prompt claimed one after another). Reported per run:
# the batch's usage (input tokens, cached tokens as the engine reported them), the cached share, and lines
# per second from create to completed (upload excluded); then the ratios grouped / ungrouped.
# Needs curl, jq, python3.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=100000
prompts=20
prompt_chars=1600
entries=4
prefill_us=100
latency=20
concurrency=64
while (($#)); do
  case $1 in
    --lines) lines=${2:?}; shift 2 ;;
    --prompts) prompts=${2:?}; shift 2 ;;
    --prompt-chars) prompt_chars=${2:?}; shift 2 ;;
    --entries) entries=${2:?}; shift 2 ;;
    --prefill-us) prefill_us=${2:?}; shift 2 ;;
    --latency-ms) latency=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "$1" ;;
  esac
done

bench_start prefix
echo "run: $lines lines, $prompts system prompts of $prompt_chars chars interleaved; engine keeps $entries" \
  "prefixes, prefill ${prefill_us} µs/token not cached, latency ${latency} ms; max_concurrency $concurrency"

python3 - "$lines" "$prompts" "$prompt_chars" "$tmp/interleaved.jsonl" <<'PY'
import json, sys
lines, prompts, chars, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
clause = "Clause {n}: the supplier delivers the goods within thirty days of the order, at its own risk. "
system = []
for p in range(prompts):
    text = f"You review contract {p} for a procurement team. "
    while len(text) < chars:
        text += clause.format(n=len(text) % 97 + p)
    system.append(text[:chars])
with open(path, "w") as out:
    for i in range(lines):
        body = {"model": "sim-chat", "temperature": 0, "max_tokens": 32, "messages": [
            {"role": "system", "content": system[i % prompts]},
            {"role": "user", "content": f"Question {i}: is clause {i % 50} fair to the buyer?"}]}
        out.write(json.dumps({"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}) + "\n")
PY
echo "file: $(du -m "$tmp/interleaved.jsonl" | cut -f1) MiB"

# One run: a fresh engine and server, the batch from create to completed. Sets r_s, r_in and r_cached.
run() { # NAME GROUP_PREFIXES
  start_simulator "$1" --latency-ms "$latency" --prefix-cache-entries "$entries" --prefill-us-per-token "$prefill_us"
  start_barge "$1" "{max_concurrency: $concurrency}" "" "" "batch: {group_prefixes: $2}"
  local file id t0 s
  file=$(upload_batch_file "$tmp/interleaved.jsonl")
  t0=$(now)
  id=$(create_batch "$file")
  while :; do
    case $(batch_field "$id" .status) in
      completed) break ;;
      failed|expired|cancelled) die "batch $id ended $(batch_field "$id" .status)" ;;
    esac
    sleep 0.2
  done
  s=$(calc "$(now) - $t0")
  local usage
  usage=$(curl -sS "$api/batches/$id" | jq -c '[.request_counts.completed, .usage.input_tokens, .usage.input_tokens_details.cached_tokens]')
  [[ $(jq '.[0]' <<<"$usage") -eq $lines ]] || die "batch $id completed only $(jq '.[0]' <<<"$usage") of $lines lines"
  stop_servers
  r_s=$s r_in=$(jq '.[1]' <<<"$usage") r_cached=$(jq '.[2]' <<<"$usage")
}

report() { # NAME SECONDS INPUT CACHED
  echo "$1: $lines lines in $2 s = $(calc "$lines / $2" 0) lines/s; input $3 tokens, cached $4" \
    "= $(calc "100 * $4 / $3" 1)%"
}
run ungrouped false
u_s=$r_s u_in=$r_in u_cached=$r_cached
report "ungrouped (line order)" "$u_s" "$u_in" "$u_cached"
run grouped true
g_s=$r_s g_in=$r_in g_cached=$r_cached
report "grouped by prefix     " "$g_s" "$g_in" "$g_cached"

share_u=$(calc "$u_cached / $u_in" 4)
share_g=$(calc "$g_cached / $g_in" 4)
share_ratio=$(python3 -c "print('inf' if $u_cached == 0 else f'{$share_g / $share_u:.1f}')")
speed_ratio=$(calc "$u_s / $g_s")
echo "cached share grouped / ungrouped: $share_g / $share_u = $share_ratio; throughput grouped / ungrouped: $speed_ratio"
echo "SUMMARY lines=$lines prompts=$prompts prompt_chars=$prompt_chars entries=$entries prefill_us=$prefill_us" \
  "latency_ms=$latency concurrency=$concurrency ungrouped_s=$u_s grouped_s=$g_s ungrouped_cached_share=$share_u" \
  "grouped_cached_share=$share_g share_ratio=$share_ratio throughput_ratio=$speed_ratio"
