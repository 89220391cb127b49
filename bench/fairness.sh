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
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fairness.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(dirname -- "$here")
barge="$root/barge"
. "$here/lib.sh"
need curl jq python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/barge-fairness.XXXXXX")
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
python3 "$here/gen_chat.py" "$large" "$tmp/large.jsonl" sim-chat
python3 "$here/gen_chat.py" "$small" "$tmp/small.jsonl" sim-chat

"$barge" mock-upstream --host 127.0.0.1 --port 0 --latency-ms "$latency" --models sim-chat >"$tmp/sim.log" 2>&1 &
sim_pid=$!
sim_url=$(wait_for_line "$tmp/sim.log" 'listening on (http://[^ ]+/v1)' "$sim_pid" "the simulator")
cat >"$tmp/barge.yaml" <<YAML
server: {host: 127.0.0.1, port: 0}
storage: {database: "sqlite:$tmp/data/barge.db", blobs: "$tmp/data/blobs"}
backends:
  - name: simulator
    type: openai
    base_url: $sim_url
    models: [sim-chat]
    limits: {max_concurrency: $concurrency}
YAML
"$barge" serve --config "$tmp/barge.yaml" >"$tmp/server.log" 2>&1 &
server_pid=$!
api=$(wait_for_line "$tmp/server.log" 'Barge API listening on (http://[^ ]+/v1)' "$server_pid" "barge serve")

upload() { curl -sS --fail-with-body -F purpose=batch -F "file=@$1" "$api/files" | jq -r .id; }
create() {
  curl -sS --fail-with-body -H 'Content-Type: application/json' \
    -d "{\"input_file_id\":\"$1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" \
    "$api/batches" | jq -r .id
}
field() { curl -sS "$api/batches/$1" | jq -r "$2"; }
# Seconds from creating a batch of FILE_ID to seeing it completed (polled every 0.05 s).
timed_run() {
  local t0 id
  t0=$(now)
  id=$(create "$1")
  until [[ $(field "$id" .status) == completed ]]; do sleep 0.05; done
  calc "$(now) - $t0" 3
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

small_file=$(upload "$tmp/small.jsonl")
timed_run "$small_file" >/dev/null # warm-up: JIT, connections
alone=()
for _ in 1 2 3; do alone+=("$(timed_run "$small_file")"); done
echo "small batch alone ($small lines): ${alone[*]} s"

large_id=$(create "$(upload "$tmp/large.jsonl")")
until (( $(field "$large_id" '.request_counts.completed') >= 1000 )); do sleep 0.1; done
beside=()
for _ in 1 2 3; do beside+=("$(timed_run "$small_file")"); done
large_done=$(field "$large_id" '.request_counts.completed')
large_status=$(field "$large_id" .status)
echo "small batch beside the large one ($large lines, $large_status, $large_done done): ${beside[*]} s"
curl -sS -X POST "$api/batches/$large_id/cancel" >/dev/null

m_alone=$(median "${alone[@]}")
m_beside=$(median "${beside[@]}")
echo "median: alone $m_alone s, beside $m_beside s; ratio $(calc "$m_beside / $m_alone" 2) (target ≤ 2)"
echo "SUMMARY large=$large small=$small latency_ms=$latency concurrency=$concurrency alone_s=$m_alone" \
  "beside_s=$m_beside ratio=$(calc "$m_beside / $m_alone" 2) large_status=$large_status"
