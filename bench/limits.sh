#!/usr/bin/env bash
# Rate-limit benchmark: how much of a backend's limit Barge uses, and how many 429s it draws.
#
#   bench/limits.sh [LINES] [--rpm N] [--tpm N]
#
#   LINES   chat lines per run (default 1200: two minutes at 600 requests per minute)
#   --rpm   requests per minute the simulator enforces (default 600)
#   --tpm   tokens per minute the simulator enforces (default 60000)
#
# Two runs against Barge's simulator (a separate process, zero latency, enforcing the limits):
#   known    Barge's backend configured with the same limits
#   unknown  no limits configured: Barge learns them from x-ratelimit-* headers and 429s
# Each run uses a fresh simulator, whose bucket starts with a minute's worth, as OpenAI's does; so the
# share of a limit is measured as requests (or tokens) per minute over the whole batch (creation →
# completed) against the limit, which a client can only exceed by the simulator's first minute's burst.
# Tokens are counted as the simulator charges them: prompt tokens (the batch's usage) plus max_tokens.
# 429s are counted by the simulator (GET /simulator/stats).
set -euo pipefail

lines=1200
rpm=600
tpm=60000
while (($#)); do
  case $1 in
    --rpm) rpm=${2:?--rpm needs a value}; shift 2 ;;
    --tpm) tpm=${2:?--tpm needs a value}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       echo "limits.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(dirname -- "$here")
barge="$root/barge"
. "$here/lib.sh"
need curl jq python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/barge-limits.XXXXXX")
sim_pid=
server_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop "$server_pid"
  stop "$sim_pid"
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$barge" --version >/dev/null
machine_line
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat

run() { # NAME LIMITS_YAML
  local name=$1 limits=$2
  "$barge" mock-upstream --host 127.0.0.1 --port 0 --latency-ms 0 --models sim-chat --rpm "$rpm" --tpm "$tpm" \
    >"$tmp/sim-$name.log" 2>&1 &
  sim_pid=$!
  local sim_url
  sim_url=$(wait_for_line "$tmp/sim-$name.log" 'listening on (http://[^ ]+/v1)' "$sim_pid" "the simulator")
  cat >"$tmp/barge-$name.yaml" <<YAML
server: {host: 127.0.0.1, port: 0}
storage: {database: "sqlite:$tmp/data-$name/barge.db", blobs: "$tmp/data-$name/blobs"}
backends:
  - name: simulator
    type: openai
    base_url: $sim_url
    models: [sim-chat]
    limits: $limits
YAML
  "$barge" serve --config "$tmp/barge-$name.yaml" >"$tmp/server-$name.log" 2>&1 &
  server_pid=$!
  local api file_id batch_id t0 t1 status stats
  api=$(wait_for_line "$tmp/server-$name.log" 'Barge API listening on (http://[^ ]+/v1)' "$server_pid" "barge serve")
  file_id=$(curl -sS --fail-with-body -F purpose=batch -F "file=@$tmp/input.jsonl" "$api/files" | jq -r .id)
  t0=$(now)
  batch_id=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
    -d "{\"input_file_id\":\"$file_id\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" \
    "$api/batches" | jq -r .id)
  while :; do
    status=$(curl -sS "$api/batches/$batch_id" | jq -r .status)
    [[ $status == completed || $status == failed || $status == expired || $status == cancelled ]] && break
    sleep 0.5
  done
  t1=$(now)
  stats=$(curl -sS "${sim_url%/v1}/simulator/stats")
  # The simulator charges each request its prompt tokens (as reported in usage) plus its max_tokens (32
  # in every generated line), as OpenAI counts against TPM.
  local input_tokens
  input_tokens=$(curl -sS "$api/batches/$batch_id" | jq '.usage.input_tokens // 0')
  local ok limited secs
  ok=$(jq '.answers["200"] // 0' <<<"$stats")
  limited=$(jq '.answers["429"] // 0' <<<"$stats")
  secs=$(calc "$t1 - $t0")
  echo "$name: status $status in $secs s; simulator answered 200 × $ok, 429 × $limited;" \
    "$(calc "$lines * 60 / $secs / $rpm * 100" 1) % of $rpm RPM;" \
    "$(calc "($input_tokens + 32 * $lines) * 60 / $secs / $tpm * 100" 1) % of $tpm TPM;" \
    "429s on $(calc "$limited * 100 / ($ok + $limited)" 2) % of requests"
  echo "SUMMARY run=$name lines=$lines rpm=$rpm tpm=$tpm status=$status seconds=$secs ok=$ok rate_limited=$limited" \
    "rpm_share=$(calc "$lines * 60 / $secs / $rpm" 3) tpm_share=$(calc "($input_tokens + 32 * $lines) * 60 / $secs / $tpm" 3)"
  stop "$server_pid"; server_pid=
  stop "$sim_pid"; sim_pid=
}

run known "{requests_per_minute: $rpm, tokens_per_minute: $tpm}"
run unknown "{}"
