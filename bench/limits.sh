#!/usr/bin/env bash
# Rate-limit benchmark: how much of a backend's limit Barge uses, and how many 429s it draws.
#
#   bench/limits.sh [LINES] [--rpm N] [--tpm N] [--nodes N] [--hosted] [--latency-ms MS] [--runs NAMES]
#
#   LINES         chat lines per run (default 1200: two minutes at 600 requests per minute)
#   --rpm         requests per minute the simulator enforces (default 600)
#   --tpm         tokens per minute the simulator enforces (default 60000; 0 for none)
#   --nodes       barge serve processes sharing one private PostgreSQL and blob directory (default 1: SQLite);
#                 the limits hold for all of them together (Debian: apt-get install postgresql)
#   --hosted      the simulator paces like a busy hosted API: its buckets hold one second of burst (not a
#                 minute's) and it sends x-ratelimit-* headers and retry-after only on its 429 answers
#   --latency-ms  the simulator's latency per answer (default 0)
#   --concurrency the backend's limits.max_concurrency (default 16)
#   --runs        which runs, comma-separated (default known,unknown,wrong)
#
# Runs against Barge's simulator (a separate process, enforcing the limits):
#   known    Barge's backend configured with the same limits
#   unknown  no limits configured: Barge learns them from x-ratelimit-* headers and 429s
#   wrong    configured at twice the limits: the lower limits the backend announces win
# Each run uses a fresh simulator, whose bucket starts with a minute's worth, as OpenAI's does; so the
# share of a limit is measured as requests (or tokens) per minute over the whole batch (creation →
# completed) against the limit, which a client can only exceed by the simulator's first minute's burst.
# Tokens are counted as the simulator charges them: prompt tokens (the batch's usage) plus max_tokens.
# 429s are counted by the simulator (GET /simulator/stats).
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=1200
rpm=600
tpm=60000
nodes=1
hosted=0
latency=0
runs=known,unknown,wrong
concurrency=16
while (($#)); do
  case $1 in
    --rpm) rpm=${2:?--rpm needs a value}; shift 2 ;;
    --tpm) tpm=${2:?--tpm needs a value}; shift 2 ;;
    --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
    --hosted) hosted=1; shift ;;
    --latency-ms) latency=${2:?--latency-ms needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs names}; shift 2 ;;
    --concurrency) concurrency=${2:?--concurrency needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       bad_arg "$1" ;;
  esac
done

bench_start limits
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat
((nodes == 1)) || start_postgres

run() { # NAME LIMITS_YAML
  local name=$1 limits=$2
  local shape=(--latency-ms "$latency" --rpm "$rpm")
  ((tpm == 0)) || shape+=(--tpm "$tpm")
  ((hosted == 0)) || shape+=(--burst-seconds 1 --limit-headers on_429)
  start_simulator "$name" "${shape[@]}"
  if ((nodes == 1)); then
    start_barge "$name" "$limits"
  else
    local i
    for i in $(seq "$nodes"); do start_barge "$name-$i" "$limits" "$database" "$tmp/blobs-$name"; done
    sleep 3 # a heartbeat (every 2 s) for each node to count the others
  fi
  local file_id batch_id t0 t1 status stats
  file_id=$(upload_batch_file "$tmp/input.jsonl")
  t0=$(now)
  batch_id=$(create_batch "$file_id")
  while :; do
    status=$(batch_field "$batch_id" .status)
    [[ $status == completed || $status == failed || $status == expired || $status == cancelled ]] && break
    sleep 0.5
  done
  t1=$(now)
  stats=$(curl -sS "${sim_url%/v1}/simulator/stats")
  # The simulator charges each request its prompt tokens (as reported in usage) plus its max_tokens (32
  # in every generated line), as OpenAI counts against TPM.
  local input_tokens
  input_tokens=$(batch_field "$batch_id" '.usage.input_tokens // 0')
  local ok limited secs
  ok=$(jq '.answers["200"] // 0' <<<"$stats")
  limited=$(jq '.answers["429"] // 0' <<<"$stats")
  secs=$(calc "$t1 - $t0")
  local tpm_share=-
  ((tpm == 0)) || tpm_share=$(calc "($input_tokens + 32 * $lines) * 60 / $secs / $tpm" 3)
  echo "$name: status $status in $secs s; simulator answered 200 × $ok, 429 × $limited;" \
    "$(calc "$lines * 60 / $secs / $rpm * 100" 1) % of $rpm RPM;" \
    "TPM share $tpm_share; 429s on $(calc "$limited * 100 / ($ok + $limited)" 2) % of requests"
  echo "SUMMARY run=$name nodes=$nodes hosted=$hosted lines=$lines rpm=$rpm tpm=$tpm status=$status seconds=$secs ok=$ok" \
    "rate_limited=$limited rpm_share=$(calc "$lines * 60 / $secs / $rpm" 3) tpm_share=$tpm_share"
  stop_servers
}

c="max_concurrency: $concurrency"
known="{$c, requests_per_minute: $rpm, tokens_per_minute: $tpm}"
wrong="{$c, requests_per_minute: $((rpm * 2)), tokens_per_minute: $((tpm * 2))}"
if ((tpm == 0)); then known="{$c, requests_per_minute: $rpm}"; wrong="{$c, requests_per_minute: $((rpm * 2))}"; fi
for name in ${runs//,/ }; do
  case $name in
    known) run known "$known" ;;
    unknown) run unknown "{$c}" ;;
    wrong) run wrong "$wrong" ;;
    *) die "unknown run '$name' (known, unknown, wrong)" ;;
  esac
done
