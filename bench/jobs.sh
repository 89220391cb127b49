#!/usr/bin/env bash
# One large chat batch through provider batch jobs: Barge packs the lines into the simulated provider's
# own batch jobs (the OpenAI Files + Batch API that `barge mock-upstream` serves), polls them, and reads
# their results back. Measures the jobs used, memory, and the time from the last job's completion
# upstream to the batch's `completed` in Barge (goal: under 30 s for 1,000,000 lines).
#
#   bench/jobs.sh [LINES] [--complete-after D] [--poll D] [--max-per-job N]
#
#   LINES             request lines in the batch (default 1000000)
#   --complete-after  how long the simulated provider takes per job (default 20s)
#   --poll            provider_batch.poll_every (default 2s): how late Barge may see a job end
#   --max-per-job     provider_batch.max_requests_per_job (default 50000, OpenAI's limit)
#
# The bench polls the simulator's GET /v1/batches every 0.1 s to see when the last job completed, and
# Barge's GET /v1/batches/{id} every 0.1 s to see when the batch completed.
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=1000000
complete_after=20s
poll=2s
max_per_job=50000
while (($#)); do
  case $1 in
    --complete-after) complete_after=${2:?--complete-after needs a duration}; shift 2 ;;
    --poll) poll=${2:?--poll needs a duration}; shift 2 ;;
    --max-per-job) max_per_job=${2:?--max-per-job needs a number}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       bad_arg "$1" ;;
  esac
done
timeout_s=${BENCH_TIMEOUT:-$((900 + lines / 200))}

bench_start jobs
echo "run: $lines lines in provider jobs of at most $max_per_job, each taking $complete_after upstream;" \
  "poll_every $poll; work dir $tmp"
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat

start_simulator jobs --seed 1 --job-complete-after "$complete_after"
start_barge jobs "{max_concurrency: 64}" "" "" "    provider_batch: {max_requests_per_job: $max_per_job, gather: 5s, poll_every: $poll, spill_before: 1h}
batch: {canary: {above_lines: 100000000}}"
echo "simulator $sim_url (pid $sim_pid), barge $api (pid $server_pid)"

t_create=$(now)
file_id=$(upload_batch_file "$tmp/input.jsonl")
batch_id=$(create_batch "$file_id")
expected_jobs=$(((lines + max_per_job - 1) / max_per_job))
t_jobs_done=
t_done=
deadline=$((SECONDS + timeout_s))
while :; do
  t=$(now)
  if [[ -z $t_jobs_done ]]; then
    finished=$(curl -sS "$sim_url/batches?limit=100" | jq '[.data[] | select(.status == "completed")] | length')
    ((finished >= expected_jobs)) && t_jobs_done=$t
  fi
  batch_json=$(curl -sS --fail-with-body "$api/batches/$batch_id") || die "batch poll failed: $batch_json"
  status=$(jq -r .status <<<"$batch_json")
  case $status in
    validating|in_progress|finalizing) ;;
    completed) t_done=$t; break ;;
    *) echo "$batch_json" | jq . >&2; die "batch ended as '$status'" ;;
  esac
  ((SECONDS < deadline)) || die "batch still '$status' after ${timeout_s} s: $(jq -c .request_counts <<<"$batch_json")"
  sleep 0.1
done
[[ -n $t_jobs_done ]] || t_jobs_done=$t_done
counts=$(jq -c .request_counts <<<"$batch_json")
jobs=$(jq '.barge.upstream_jobs | length' <<<"$batch_json")
tiers=$(jq -c .barge.tiers <<<"$batch_json")
stats=$(curl -sS "${sim_url%/v1}/simulator/stats")
created=$(jq '.jobs.openai.created' <<<"$stats")
realtime=$(jq '[.answers[]] | add // 0' <<<"$stats")
server_hwm_kib=$(proc_kib "$server_pid" VmHWM)
server_cpu=$(cpu_s "$server_pid")
sim_hwm_kib=$(proc_kib "$sim_pid" VmHWM)
stop_servers

run_s=$(calc "$t_done - $t_create")
lag_s=$(calc "$t_done - $t_jobs_done")
check=ok
[[ $(jq '.completed' <<<"$counts") -eq $lines && $created -eq $expected_jobs && $jobs -eq $expected_jobs \
  && $realtime -eq 0 ]] || check=MISMATCH

echo
echo "batch          $counts in ${run_s} s (upload → completed)"
echo "upstream jobs  $created created upstream, $jobs on the batch (fewest the limit allows: $expected_jobs);" \
  "$realtime real-time calls"
echo "tiers          $tiers"
echo "last job → completed  ${lag_s} s  (poll_every $poll)"
echo "barge server   peak RSS (VmHWM) $((server_hwm_kib / 1024)) MiB, CPU ${server_cpu} s;" \
  "simulator peak RSS $((sim_hwm_kib / 1024)) MiB"
echo
echo "SUMMARY lines=$lines jobs=$created expected_jobs=$expected_jobs realtime_calls=$realtime run_s=$run_s" \
  "last_job_to_completed_s=$lag_s peak_rss_mib=$((server_hwm_kib / 1024)) server_cpu_s=$server_cpu check=$check"
[[ $check == ok ]]
