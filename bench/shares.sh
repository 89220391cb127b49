#!/usr/bin/env bash
# Limits shared by demand: two `barge serve` nodes on one PostgreSQL, one backend whose requests per
# minute the simulator enforces, and synchronous callers split between the nodes in different ways. How
# much of the limit the two use together, and how many 429s they draw.
#
#   bench/shares.sh [--rpm N] [--seconds S] [--latency-ms MS] [--runs NAMES]
#
#   --rpm         requests per minute the simulator enforces, configured on the backend too (default 3000)
#   --seconds     length of each run; the first third is warm-up, not counted (default 45)
#   --latency-ms  the simulator's latency per answer (default 20)
#   --runs        which splits, comma-separated (default all-on-one,three-to-one,even,steady-tenth)
#
# The splits (callers in a closed loop send their next call as soon as the last one answers):
#   all-on-one    8 callers on node A, none on node B
#   three-to-one  6 on A, 2 on B
#   even          4 on A, 4 on B
#   steady-tenth  8 on A; B gets calls at a steady tenth of the limit, whatever the answers
# With the limit split blindly in halves, a node keeps to half the limit however idle the other one is.
# The simulator's bucket holds one second of burst, as a busy hosted API's does: a node that overdraws
# its part gets 429s. Needs curl, jq, python3 and PostgreSQL's server binaries (apt-get install postgresql).
set -euo pipefail

. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

rpm=3000
seconds=45
latency=20
runs=all-on-one,three-to-one,even,steady-tenth
while (($#)); do
  case $1 in
    --rpm) rpm=${2:?--rpm needs a value}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --latency-ms) latency=${2:?--latency-ms needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs names}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "$1" ;;
  esac
done

bench_start shares psql
echo "run: $rpm requests per minute enforced, $seconds s per split (first third warm-up), latency $latency ms"
start_postgres

run() { # NAME LOAD_A LOAD_B
  local name=$1
  start_simulator "$name" --latency-ms "$latency" --rpm "$rpm" --burst-seconds 1
  local limits="{max_concurrency: 16, requests_per_minute: $rpm}"
  start_barge "$name-a" "$limits" "$database" "$tmp/blobs"
  start_barge "$name-b" "$limits" "$database" "$tmp/blobs"
  local result stats a b limited
  result=$(python3 "$here/shares.py" "$seconds" "$(calc "$seconds / 3" 1)" "${node_urls[0]}" "$2" "${node_urls[1]}" "$3")
  stats=$(curl -sS "${sim_url%/v1}/simulator/stats")
  limited=$(jq '.answers["429"] // 0' <<<"$stats")
  a=$(jq '.per_second[0]' <<<"$result")
  b=$(jq '.per_second[1]' <<<"$result")
  echo "$name: A $2, B $3: A $a/s, B $b/s; together $(calc "($a + $b) * 60 / $rpm * 100" 1) % of $rpm RPM;" \
    "upstream 429s: $limited; errors to callers: $(jq -c .errors <<<"$result")"
  echo "SUMMARY run=$name load_a=$2 load_b=$3 a_per_s=$a b_per_s=$b" \
    "share=$(calc "($a + $b) * 60 / $rpm" 3) rate_limited=$limited"
  stop_servers
}

for name in ${runs//,/ }; do
  case $name in
    all-on-one) run all-on-one 8 0 ;;
    three-to-one) run three-to-one 6 2 ;;
    even) run even 4 4 ;;
    steady-tenth) run steady-tenth 8 "$(calc "$rpm / 600" 2)/s" ;;
    *) die "unknown run '$name' (all-on-one, three-to-one, even, steady-tenth)" ;;
  esac
done
