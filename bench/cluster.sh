#!/usr/bin/env bash
# Cluster benchmark: one chat batch through 1, 2 and 3 `barge serve` nodes sharing one PostgreSQL, with file
# bytes in S3 (s3proxy) and one nginx in front (round robin), against the simulator at zero latency; and
# the same batch on one node with SQLite and a local disk, for the ratio.
#
#   bench/cluster.sh [LINES] [--nodes LIST] [--concurrency N]
#
#   LINES          lines of the batch (default 1000000)
#   --nodes        the node counts to measure, comma-separated (default 1,2,3)
#   --concurrency  the backend's limits.max_concurrency, shared by the nodes (default 64)
#
# Every process shares this machine's cores: the simulator, s3proxy, PostgreSQL (Debian's, private, default
# settings), nginx (Debian's) and the nodes. Each run gets a database of its own and an S3 prefix of its
# own. Per run: the batch's rate from create to completed (the upload is not counted), the calls each
# node made (from its /metrics), and PostgreSQL transactions per result (pg_stat_database). Needs curl, jq,
# python3, psql, nginx and PostgreSQL's server binaries (apt-get install nginx postgresql).
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

lines=1000000
counts=1,2,3
concurrency=64
while (($#)); do
  case $1 in
    --nodes) counts=${2:?--nodes needs a list}; shift 2 ;;
    --concurrency) concurrency=${2:?--concurrency needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] && { lines=$1; shift; continue; }
       bad_arg "$1" ;;
  esac
done
[[ -x /usr/sbin/nginx ]] || die "needs nginx (apt-get install nginx)"

bench_start cluster psql
echo "run: $lines lines, node counts $counts, max_concurrency $concurrency shared, simulator latency 0 ms"
python3 "$here/gen_chat.py" "$lines" "$tmp/input.jsonl" sim-chat
start_simulator cluster --latency-ms 0
start_postgres
start_s3proxy
pg_port=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<<"$database")
nginx_pid=
stop_nginx() { stop "$nginx_pid"; nginx_pid=; }
trap 'rc=$?; stop_nginx; (exit $rc); cleanup_work_dir' EXIT

# nginx on a free port in front of $node_urls; sets front (its /v1 URL).
start_nginx() {
  local dir=$tmp/nginx-$1 port servers=""
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  for url in "${node_urls[@]}"; do servers+="server ${url#http://}; "; done
  servers=${servers//\/v1/}
  cat >"$dir/nginx.conf" <<CONF
$( ((EUID == 0)) && echo "user root;" )
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  upstream barge { $servers keepalive 16; }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 0;
    proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$http_host;
    proxy_request_buffering off; proxy_buffering off; proxy_read_timeout 300s;
    location / { proxy_pass http://barge; }
  }
}
CONF
  /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx.out" 2>&1 &
  nginx_pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  front="http://127.0.0.1:$port/v1"
}

commits() { psql -h 127.0.0.1 -p "$pg_port" -U barge -d barge -Atc \
  "SELECT xact_commit FROM pg_stat_database WHERE datname = '$1'"; }

# One measured batch through $front; prints the SUMMARY line of RUN.
measure() { # RUN NODES DB_NAME
  local run=$1 nodes=$2 db=$3 file_id batch_id t0 t1 status before=0 after=0 per_node="" url
  file_id=$(curl -sS --fail-with-body -F purpose=batch -F "file=@$tmp/input.jsonl" "$front/files" | jq -r .id)
  [[ -n $db ]] && before=$(commits "$db")
  t0=$(now)
  batch_id=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
    -d "{\"input_file_id\":\"$file_id\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" \
    "$front/batches" | jq -r .id)
  while :; do
    status=$(curl -sS "$front/batches/$batch_id" | jq -r .status)
    [[ $status == completed ]] && break
    [[ $status == failed || $status == cancelled || $status == expired ]] && die "batch ended $status"
    sleep 0.2
  done
  t1=$(now)
  [[ -n $db ]] && after=$(commits "$db")
  for url in "${node_urls[@]}"; do
    per_node+="$(curl -sS "${url%/v1}/metrics" | awk '/^barge_requests_total\{.*source="batch"/ {s += $2} END {printf "%d", s}'),"
  done
  local secs rate per_result
  secs=$(calc "$t1 - $t0")
  rate=$(calc "$lines / ($t1 - $t0)" 0)
  per_result=$( [[ -n $db ]] && calc "($after - $before) / $lines" 3 || echo -)
  echo "SUMMARY run=$run nodes=$nodes lines=$lines seconds=$secs rps=$rate calls_per_node=${per_node%,} pg_commits_per_result=$per_result"
}

# --- one node, SQLite, local disk: the reference ---------------------------------------------------------
storage_s3= start_barge local "{max_concurrency: $concurrency}"
start_nginx local
measure local 1 ""
stop_nginx; stop_nodes

# --- 1, 2, 3 nodes on PostgreSQL and S3 ------------------------------------------------------------------
for n in ${counts//,/ }; do
  db="cluster_$n"
  "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U barge "$db"
  for i in $(seq "$n"); do
    start_barge "n$n-$i" "{max_concurrency: $concurrency}" "${database%/barge}/$db" "s3://bench/cluster-$n"
  done
  start_nginx "n$n"
  measure "nodes-$n" "$n" "$db"
  stop_nginx; stop_nodes
done
