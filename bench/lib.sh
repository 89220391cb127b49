# Helpers shared by the benchmark scripts; sourced, not run. Sets $here (bench/), $root (the repository)
# and $barge (its launcher).
here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(dirname -- "$here")
barge="$root/barge"

die() { echo "$(basename -- "$0"): $*" >&2; exit 1; }
# Prints the script's header comment (from line 2 to the first line that is not a comment) as its help.
usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; }
# Exits 2 naming an argument the script does not know.
bad_arg() { echo "$(basename -- "$0"): unknown argument '$1' (see --help)" >&2; exit 2; }
# Exits 2 unless every named tool is on PATH.
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$(basename -- "$0"): needs $tool on PATH" >&2; exit 2; }
  done
}
# Stops one process we started: TERM, up to 15 s, then KILL.
stop() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
now() { printf '%s' "$EPOCHREALTIME"; }
# Arithmetic on decimals: calc EXPR [DIGITS] prints the value rounded to DIGITS decimals (default 2).
calc() { python3 -c "print(f'{($1):.${2:-2}f}')"; }
# KiB of a /proc/PID/status field (VmHWM = peak resident set size).
proc_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# CPU seconds (user + system) a process has used so far.
cpu_s() {
  local ticks; ticks=$(getconf CLK_TCK)
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# Waits until FILE has a line matching REGEX (sed -E syntax) and prints its first capture group.
wait_for_line() {
  local file=$1 regex=$2 pid=$3 what=$4 out
  for _ in $(seq 600); do
    out=$(sed -nE "s#.*$regex.*#\\1#p" "$file" | head -n 1)
    [[ -n $out ]] && { printf '%s' "$out"; return 0; }
    kill -0 "$pid" 2>/dev/null || die "$what exited before it listened"
    sleep 0.1
  done
  die "$what did not start within 60 s"
}
# One line naming the machine and the JDK the launcher picks.
machine_line() {
  local java_version
  java_version=$(. "$root/.mvn/find-jdk.sh" >/dev/null 2>&1; "$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $java_version"
}

# --- a private PostgreSQL (Debian's server binaries) in $tmp/pg; sets pg_bin and database ------------
pg_bin=
# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_postgres() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x $pg_bin/initdb ]] || die "PostgreSQL's server binaries are needed (apt-get install postgresql)"
  mkdir -p "$tmp/pg"
  chmod 755 "$tmp" # the postgres user must reach its data directory inside
  ((EUID != 0)) || chown postgres "$tmp/pg"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_postgres "$pg_bin/initdb" -D "$tmp/pg" -A trust -U barge >/dev/null
  as_postgres "$pg_bin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/server.log" -w \
    -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1" start >/dev/null
  "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U barge barge
  database="postgresql://barge@127.0.0.1:$port/barge"
  echo "storage: $($pg_bin/postgres --version), default settings, port $port"
}
stop_postgres() {
  [[ -n $pg_bin ]] && as_postgres "$pg_bin/pg_ctl" -D "$tmp/pg" -m fast stop >/dev/null 2>&1 || true
  pg_bin=
}

# --- a run's work directory and servers (sets tmp, sim_pid, sim_url, server_pid, api) ---------------
sim_pid=
server_pid=
more_pids=() # further barge serve nodes
# Makes a fresh work directory $tmp (mktemp -d, named after NAME) that is removed, with every server
# started by the helpers below, when the script exits.
work_dir() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/barge-$1.XXXXXX")
  trap cleanup_work_dir EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
cleanup_work_dir() {
  local rc=$?
  trap - EXIT INT TERM
  if ((rc != 0)); then # the server's (or else the simulator's) last words say why
    local log
    for log in "$tmp"/server*.log "$tmp"/sim*.log; do
      [[ -s $log ]] || continue
      echo "--- last lines of $(basename "$log") ---" >&2
      tail -n 20 "$log" >&2 || true
      break
    done
  fi
  stop_servers
  stop_postgres
  rm -rf -- "$tmp"
  exit "$rc"
}
# Starts `barge mock-upstream` on a free port with the given options (log: $tmp/sim-LOG.log).
start_simulator() {
  local log=$1; shift
  "$barge" mock-upstream --host 127.0.0.1 --port 0 --models sim-chat "$@" >"$tmp/sim-$log.log" 2>&1 &
  sim_pid=$!
  sim_url=$(wait_for_line "$tmp/sim-$log.log" 'listening on (http://[^ ]+/v1)' "$sim_pid" "the simulator")
}
# Starts s3proxy, the S3 protocol server the tests use (from Maven Central, on the test classpath), on a
# free port, keeping objects in $tmp/s3, with one bucket "bench". Sets s3_pid, and storage_s3: the
# storage.s3 map that start_barge then adds to the configuration (blobs then go to s3://bench/…).
s3_pid=
storage_s3=
start_s3proxy() {
  local cp port
  cp=$(cd "$root" && ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$tmp/test.cp" \
    >/dev/null && cat "$tmp/test.cp")
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$tmp/s3/bench"
  cat >"$tmp/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$tmp/s3
CONF
  (. "$root/.mvn/find-jdk.sh" >/dev/null 2>&1; exec "$JAVA_HOME/bin/java" -cp "$cp" org.gaul.s3proxy.Main \
    --properties "$tmp/s3proxy.conf") >"$tmp/s3proxy.log" 2>&1 &
  s3_pid=$!
  for _ in $(seq 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    kill -0 "$s3_pid" 2>/dev/null || die "s3proxy exited before it listened (see $tmp/s3proxy.log)"
    sleep 0.1
  done
  storage_s3="{endpoint: \"http://127.0.0.1:$port\", access_key: bench, secret_key: bench-secret}"
}
# Starts `barge serve` with one openai backend at $sim_url serving sim-chat, with LIMITS (a YAML flow
# map) as its limits; stored in DATABASE and BLOBS when given, else SQLite in $tmp/data-LOG (with
# $storage_s3 set, BLOBS is an s3:// URL); MORE, when given, is YAML added to its configuration (e.g. a
# pricing section). Sets server_pid and api; a node started while one runs is added to more_pids instead.
start_barge() { # LOG LIMITS [DATABASE] [BLOBS] [MORE]
  local log=$1 limits=$2 db=${3:-sqlite:$tmp/data-$1/barge.db} blobs=${4:-$tmp/data-$1/blobs} more=${5:-}
  cat >"$tmp/barge-$log.yaml" <<YAML
server: {host: 127.0.0.1, port: 0}
storage: {database: "$db", blobs: "$blobs"${storage_s3:+, s3: $storage_s3}}
backends:
  - name: simulator
    type: openai
    base_url: $sim_url
    models: [sim-chat]
    limits: $limits
$more
YAML
  "$barge" serve --config "$tmp/barge-$log.yaml" >"$tmp/server-$log.log" 2>&1 &
  local pid=$! url
  url=$(wait_for_line "$tmp/server-$log.log" 'Barge API listening on (http://[^ ]+/v1)' "$pid" "barge serve")
  if [[ -n $server_pid ]]; then more_pids+=("$pid"); else server_pid=$pid; api=$url; fi
  node_urls+=("$url")
}
node_urls=()
# Stops the `barge serve` nodes only (the simulator, s3proxy and PostgreSQL stay).
stop_nodes() {
  local pid
  for pid in "${more_pids[@]}"; do stop "$pid"; done
  more_pids=()
  stop "$server_pid"; server_pid=
  node_urls=()
}
# Stops every server started by these helpers.
stop_servers() {
  stop_nodes
  stop "$sim_pid"; sim_pid=
  stop "$s3_pid"; s3_pid=
}
# Uploads a JSONL file for batches; prints its id.
upload_batch_file() { curl -sS --fail-with-body -F purpose=batch -F "file=@$1" "$api/files" | jq -r .id; }
# Creates a 24h chat-completions batch of a file id; prints the batch id.
create_batch() {
  curl -sS --fail-with-body -H 'Content-Type: application/json' \
    -d "{\"input_file_id\":\"$1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" \
    "$api/batches" | jq -r .id
}
# A field of a batch, as jq selects it.
batch_field() { curl -sS "$api/batches/$1" | jq -r "$2"; }
# The start of every measurement: the tools it needs (curl, jq and python3, and those named after NAME), a
# work directory removed on exit, Barge built up front (the launcher rebuilds a stale jar, so no build
# lands inside a measurement), and the machine's line for the record.
bench_start() { # NAME [MORE TOOLS...]
  need curl jq python3 "${@:2}"
  work_dir "$1"
  "$barge" --version >/dev/null
  machine_line
}
