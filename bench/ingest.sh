#!/usr/bin/env bash
# Ingest benchmark: upload + validate + queue one large chat batch, with the server's heap capped.
#
#   bench/ingest.sh [LINES] [--line-bytes B] [--random-ids] [--heap SIZE] [--jfr FILE] [--input FILE]
#
#   LINES          request lines in the input (default 1000000)
#   --line-bytes   size of each generated line, newline included (default 1024: 1M lines ≈ 1 GB)
#   --random-ids   random UUIDs as custom_ids instead of req-0, req-1, …
#   --heap         the server's -Xmx (default 512m)
#   --jfr FILE     also record a JFR profile of the server to FILE (read it with `jfr print`)
#   --input FILE   use this JSONL instead of generating one (it must use model sim-chat)
#
# Steps, each timed on this side: generate the JSONL (not timed), start `barge serve` with
# BARGE_JAVA_OPTS=-Xmx<heap> on an OS-chosen port, data (SQLite + blobs) in a fresh mktemp -d directory;
# upload it with curl (POST /v1/files, multipart); create the batch; poll GET /v1/batches/{id} every
# 0.05 s until it is in_progress (every line checked and queued as a request row); then cancel the
# batch, read the server's peak RSS (VmHWM) and stop it. The backend is Barge's in-process simulator
# with a long latency and one slot, so almost nothing is dispatched while we watch.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=1000000
line_bytes=1024
id_opt=
heap=512m
jfr=
input=
while (($#)); do
  case $1 in
    --line-bytes) line_bytes=${2:?--line-bytes needs a value}; shift 2 ;;
    --random-ids) id_opt=--random-ids; shift ;;
    --heap) heap=${2:?--heap needs a value}; shift 2 ;;
    --jfr) jfr=${2:?--jfr needs a file}; shift 2 ;;
    --input) input=${2:?--input needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       bad_arg "$1" ;;
  esac
done

poll_s=0.05
timeout_s=${BENCH_TIMEOUT:-$((300 + lines / 1000))}

bench_start ingest

if [[ -n $input ]]; then
  [[ -f $input ]] || die "no such input file: $input"
  lines=$(wc -l <"$input")
else
  echo "generating $lines lines of about $line_bytes bytes${id_opt:+ with random custom_ids}…"
  input="$tmp/input.jsonl"
  python3 "$here/gen_chat.py" "$lines" "$input" sim-chat --line-bytes "$line_bytes" $id_opt
fi
input_bytes=$(stat -c %s "$input")
input_mb=$(calc "$input_bytes / 1e6" 1)
echo "run: $lines lines, $input_mb MB, server heap -Xmx$heap; work dir $tmp"

cat >"$tmp/barge.yaml" <<EOF
server: {host: 127.0.0.1, port: 0}
storage:
  database: "sqlite:$tmp/data/barge.db"
  blobs: "$tmp/data/blobs"
backends:
  - name: simulator
    type: simulator
    models: [sim-chat]
    limits: {max_concurrency: 1}
    simulator: {latency_ms: 600000}
batch: {cancel_grace: 1s}
EOF
opts="-Xmx$heap"
[[ -n $jfr ]] && opts="$opts -XX:StartFlightRecording=filename=$jfr,settings=profile"
BARGE_JAVA_OPTS=$opts "$barge" serve --config "$tmp/barge.yaml" >"$tmp/server.log" 2>&1 &
server_pid=$!
api=$(wait_for_line "$tmp/server.log" 'Barge API listening on (http://[^ ]+/v1)' "$server_pid" "barge serve")
echo "barge $api (pid $server_pid)"
cpu_before=$(cpu_s "$server_pid")

# --- upload ----------------------------------------------------------------------------------------------
t_upload=$(now)
file_json=$(curl -sS --fail-with-body -F purpose=batch -F "file=@$input;type=application/jsonl" \
  "$api/files") || die "upload failed: $file_json"
t_uploaded=$(now)
file_id=$(jq -r .id <<<"$file_json")
[[ $(jq -r .bytes <<<"$file_json") == "$input_bytes" ]] || die "upload stored $(jq -r .bytes <<<"$file_json") bytes"

# --- create, then poll until every line is queued (in_progress) --------------------------------------------
t_create=$(now)
batch_json=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
  -d "{\"input_file_id\":\"$file_id\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" \
  "$api/batches") || die "batch create failed: $batch_json"
batch_id=$(jq -r .id <<<"$batch_json")
deadline=$((SECONDS + timeout_s))
while :; do
  batch_json=$(curl -sS --fail-with-body "$api/batches/$batch_id") || die "batch poll failed: $batch_json"
  t_started=$(now)
  status=$(jq -r .status <<<"$batch_json")
  case $status in
    validating) ;;
    in_progress) break ;;
    *) jq . <<<"$batch_json" >&2; die "batch became '$status' instead of in_progress" ;;
  esac
  ((SECONDS < deadline)) || die "batch still validating after ${timeout_s} s"
  sleep "$poll_s"
done
total=$(jq -r .request_counts.total <<<"$batch_json")

server_hwm_kib=$(proc_kib "$server_pid" VmHWM)
server_cpu=$(calc "$(cpu_s "$server_pid") - $cpu_before" 1)
curl -sS --fail-with-body -X POST "$api/batches/$batch_id/cancel" >/dev/null || die "cancel failed"
log_errors=$(grep -cE ' (ERROR|WARN) ' "$tmp/server.log" || true)
stop "$server_pid"; server_pid=

upload_s=$(calc "$t_uploaded - $t_upload")
validate_s=$(calc "$t_started - $t_create")
ingest_s=$(calc "$t_started - $t_upload")
mb_s=$(calc "$input_bytes / 1e6 / ($t_started - $t_upload)" 1)
upload_mb_s=$(calc "$input_bytes / 1e6 / ($t_uploaded - $t_upload)" 1)
validate_mb_s=$(calc "$input_bytes / 1e6 / ($t_started - $t_create)" 1)
lines_s=$(calc "$lines / ($t_started - $t_upload)" 0)
rss_mb=$((server_hwm_kib / 1024))
check=ok
[[ $total == "$lines" ]] || check="MISMATCH (request_counts.total $total)"

echo
echo "input          $lines lines, $input_mb MB"
echo "upload         ${upload_s} s  (${upload_mb_s} MB/s)"
echo "validation     ${validate_s} s  (${validate_mb_s} MB/s; batch created → in_progress seen, polled every ${poll_s} s)"
echo "ingest         ${ingest_s} s: ${mb_s} MB/s, ${lines_s} lines/s  (upload start → in_progress)"
echo "queued         $total requests: $check"
echo "barge server   peak RSS (VmHWM) ${rss_mb} MiB, CPU ${server_cpu} s during ingest, -Xmx$heap;" \
  "${log_errors} WARN/ERROR log lines"
[[ -n $jfr ]] && echo "profile        $jfr"

echo
echo "SUMMARY lines=$lines mb=$input_mb heap=$heap upload_s=$upload_s validate_s=$validate_s ingest_s=$ingest_s" \
  "ingest_mb_s=$mb_s ingest_lines_s=$lines_s peak_rss_mib=$rss_mb server_cpu_s=$server_cpu check=${check%% *}"
[[ $check == ok ]]
