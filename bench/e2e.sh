#!/usr/bin/env bash
# End-to-end benchmark of one chat batch through Barge against its simulator (a simulated model,
# not a real one), with zero simulated latency so Barge itself is the bottleneck.
#
#   bench/e2e.sh [LINES] [--concurrency N] [--ceiling] [--postgres] [--s3] [--priced] [--error-rate P]
#
#   LINES          request lines in the batch (default 100000)
#   --concurrency  the backend's limits.max_concurrency (default 64)
#   --ceiling      afterwards, measure the simulator alone with wrk (-t2 -c64, 3 s warm-up, 10 s measured)
#   --postgres     store in a private PostgreSQL started for the run (Debian: apt-get install postgresql)
#   --s3           keep file bytes in S3 (s3proxy started for the run, objects in the work directory)
#   --priced       give the model a price (2.50 / 10.00 USD per million input / output tokens), so every
#                  result is priced and summed; prints the batch's cost
#   --error-rate   the simulator answers this fraction of requests with a 500 (default 0), so that
#                  many lines are retried: measures the retry path
#
# Steps, each timed on this side with curl: upload the JSONL (POST /v1/files), create the batch, poll
# GET /v1/batches/{id} every 0.1 s until completed, download the output file. Everything lives in a
# fresh mktemp -d directory; both servers listen on ports the OS picks (port 0) and are stopped on exit.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=100000
concurrency=64
ceiling=0
postgres=0
s3=0
priced=0
error_rate=0
while (($#)); do
  case $1 in
    --concurrency) concurrency=${2:?--concurrency needs a value}; shift 2 ;;
    --ceiling) ceiling=1; shift ;;
    --postgres) postgres=1; shift ;;
    --s3) s3=1; shift ;;
    --priced) priced=1; shift ;;
    --error-rate) error_rate=${2:?--error-rate needs a fraction}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       bad_arg "$1" ;;
  esac
done

poll_s=0.1
timeout_s=${BENCH_TIMEOUT:-$((600 + lines / 100))}

bench_start e2e
echo "run: $lines lines, max_concurrency $concurrency, simulator latency 0 ms, error rate $error_rate; work dir $tmp"

echo "generating $lines lines…"
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat
input_bytes=$(stat -c %s "$tmp/input.jsonl")

# --- the simulator, a separate process ---------------------------------------------------------------
start_simulator e2e --latency-ms 0 --error-rate "$error_rate" --seed 1

# --- Barge -----------------------------------------------------------------------------------------------
database="sqlite:$tmp/data/barge.db"
((postgres)) && start_postgres
pricing=
((priced)) && pricing='pricing: {sim-chat: {input_per_million: 2.50, output_per_million: 10.00}}'
blobs="$tmp/data/blobs"
if ((s3)); then start_s3proxy; blobs="s3://bench/e2e"; fi
start_barge e2e "{max_concurrency: $concurrency}" "$database" "$blobs" "$pricing"
echo "simulator $sim_url (pid $sim_pid), barge $api (pid $server_pid)"

# --- upload --------------------------------------------------------------------------------------------
t_upload=$(now)
file_json=$(curl -sS --fail-with-body -F purpose=batch -F "file=@$tmp/input.jsonl;type=application/jsonl" \
  "$api/files") || die "upload failed: $file_json"
t_uploaded=$(now)
file_id=$(jq -r .id <<<"$file_json")

# --- batch: create, then poll until it ends ----------------------------------------------------------------
t_create=$(now)
batch_json=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
  -d "{\"input_file_id\":\"$file_id\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" \
  "$api/batches") || die "batch create failed: $batch_json"
batch_id=$(jq -r .id <<<"$batch_json")
t_started=
t_done=
status=validating
deadline=$((SECONDS + timeout_s))
while :; do
  batch_json=$(curl -sS --fail-with-body "$api/batches/$batch_id") || die "batch poll failed: $batch_json"
  t=$(now)
  read -r status completed < <(jq -r '"\(.status) \(.request_counts.completed + .request_counts.failed)"' <<<"$batch_json")
  echo "$t $completed" >>"$tmp/progress"
  case $status in
    validating) ;;
    in_progress|finalizing) [[ -n $t_started ]] || t_started=$t ;;
    completed) [[ -n $t_started ]] || t_started=$t; t_done=$t; break ;;
    *) echo "$batch_json" | jq . >&2; die "batch ended as '$status'" ;;
  esac
  ((SECONDS < deadline)) || die "batch still '$status' after ${timeout_s} s: $(jq -c .request_counts <<<"$batch_json")"
  sleep "$poll_s"
done
counts=$(jq -c .request_counts <<<"$batch_json")
cost=$(jq -r '"\(.barge.cost) USD (saved \(.barge.saved))"' <<<"$batch_json")
output_file_id=$(jq -r .output_file_id <<<"$batch_json")
error_file_id=$(jq -r .error_file_id <<<"$batch_json")

# --- download --------------------------------------------------------------------------------------------
t_download=$(now)
curl -sS --fail-with-body -o "$tmp/output.jsonl" "$api/files/$output_file_id/content" || die "download failed"
t_downloaded=$(now)
output_lines=$(wc -l <"$tmp/output.jsonl")
output_ok=$(grep -c '"status_code":200,' "$tmp/output.jsonl" || true)
output_bytes=$(stat -c %s "$tmp/output.jsonl")

# --- what the processes used, read just before stopping them ------------------------------------------------
server_hwm_kib=$(proc_kib "$server_pid" VmHWM)
server_cpu=$(cpu_s "$server_pid")
sim_hwm_kib=$(proc_kib "$sim_pid" VmHWM)
sim_cpu=$(cpu_s "$sim_pid")
log_errors=$(grep -cE ' (ERROR|WARN) ' "$tmp/server-e2e.log" || true)
stop "$server_pid"; server_pid=

upload_s=$(calc "$t_uploaded - $t_upload")
validate_s=$(calc "$t_started - $t_create")
ingest_s=$(calc "$t_started - $t_upload")
run_s=$(calc "$t_done - $t_create")
dispatch_s=$(calc "$t_done - $t_started")
download_s=$(calc "$t_downloaded - $t_download")
ingest_rate=$(calc "$lines / ($t_started - $t_upload)" 0)
e2e_rate=$(calc "$lines / ($t_done - $t_create)" 0)
dispatch_rate=$(calc "$lines / ($t_done - $t_started)" 0)
rss_mb=$((server_hwm_kib / 1024))
sim_rss_mb=$((sim_hwm_kib / 1024))
# Rate over each quarter of the requests, from the poll samples: shows whether the pace changes as the queue drains.
quarters=$(python3 - "$tmp/progress" "$lines" "$t_started" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
n, t0 = int(sys.argv[2]), float(sys.argv[3])
rows = [(t0, 0.0)] + [r for r in rows if r[0] >= t0]
def time_at(k):  # first poll that saw at least k requests settled
    return next(t for t, c in rows if c >= k)
marks = [time_at(n * q / 4) if q else t0 for q in range(5)]
print(" ".join(f"{n / 4 / (b - a):.0f}" if b > a else "-" for a, b in zip(marks, marks[1:])))
PY
)

# Every line answered once: all 200 in the output file; with injected errors, a line whose every attempt
# failed may end in the error file instead.
error_lines=0
if [[ $error_file_id != null ]]; then
  error_lines=$(curl -sS --fail-with-body "$api/files/$error_file_id/content" | wc -l) || die "error file download failed"
fi
check=ok
if [[ $output_lines -ne $output_ok || $((output_lines + error_lines)) -ne $lines ]] \
  || { [[ $error_rate == 0 ]] && ((error_lines > 0)); }; then check=MISMATCH; fi

echo
echo "input          $lines lines, $((input_bytes / 1024)) KiB"
echo "upload         ${upload_s} s"
echo "validation     ${validate_s} s  (batch created → in_progress seen; polled every ${poll_s} s)"
echo "ingest         ${ingest_rate} lines/s  (upload start → in_progress, ${ingest_s} s)"
echo "run            ${run_s} s  (batch created → completed), of which in_progress → completed ${dispatch_s} s"
echo "end to end     ${e2e_rate} requests/s  (in_progress → completed alone: ${dispatch_rate} requests/s)"
echo "pace           ${quarters// / \/ } requests/s over the 1st / 2nd / 3rd / 4th quarter of the requests"
echo "download       ${download_s} s, $((output_bytes / 1024)) KiB"
echo "output check   $output_lines lines, $output_ok with status 200, error file $error_file_id ($error_lines lines), counts $counts: $check"
echo "cost           $cost"
echo "barge server   peak RSS (VmHWM) ${rss_mb} MiB, CPU ${server_cpu} s; ${log_errors} WARN/ERROR log lines"
echo "simulator      peak RSS ${sim_rss_mb} MiB, CPU ${sim_cpu} s"

ceiling_part=
if ((ceiling)); then
  if command -v wrk >/dev/null; then
    url="${sim_url}/chat/completions"
    wrk -t2 -c64 -d3s -s "$here/chat.lua" "$url" >/dev/null
    wrk_out=$(wrk -t2 -c64 -d10s -s "$here/chat.lua" "$url")
    wrk_rate=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$wrk_out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$wrk_out")
    fraction=$(calc "$e2e_rate / $wrk_rate" 3)
    echo "simulator alone ${wrk_rate} requests/s (wrk -t2 -c64 -d10s, bench/chat.lua${non2xx:+, $non2xx non-2xx});" \
      "Barge end to end is ${fraction} of it"
    ceiling_part=" sim_ceiling_rps=$wrk_rate fraction=$fraction"
  else
    echo "simulator alone: skipped, wrk is not installed (apt-get install wrk)"
  fi
fi

echo
echo "SUMMARY lines=$lines concurrency=$concurrency upload_s=$upload_s validate_s=$validate_s" \
  "error_rate=$error_rate ingest_lines_per_s=$ingest_rate run_s=$run_s e2e_rps=$e2e_rate download_s=$download_s" \
  "quarters_rps=${quarters// //} output_lines=$output_lines error_lines=$error_lines check=$check peak_rss_mib=$rss_mb server_cpu_s=$server_cpu${ceiling_part}"
[[ $check == ok ]]
