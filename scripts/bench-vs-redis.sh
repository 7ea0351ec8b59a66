#!/usr/bin/env bash
# Side-by-side benchmark of redis-server and coreshard-server with
# redis-benchmark: throughput (requests/s) and server CPU time per request,
# for SET and GET, pipeline 1 and 16, values of 64 and 4096 bytes.
#
# Two configurations:
#   one-core   both servers confined to the last core (coreshard: 1 shard
#              pinned there), redis-benchmark pinned to core 0.
#   all-cores  servers may use every core (coreshard: one shard per core),
#              redis-benchmark still pinned to core 0. coreshard is measured twice:
#              through its main port, and with `redis-benchmark --cluster`
#              against the port of shard 0 (shard ports present themselves as
#              cluster nodes, so the client sends each key to its owning core).
# The servers run one after the other, never at the same time, with identical
# client settings. Server CPU time is utime+stime of the server process from
# /proc/PID/stat, read before and after each redis-benchmark run.
#
# Both servers persist alike: not at all by default, or with
# `--appendfsync always|everysec|no` both log every write (redis-server's
# AOF, coreshard's per-shard log) to a scratch directory with that policy.
#
# Usage: scripts/bench-vs-redis.sh [--quick] [--requests N] [--clients N]
#                                  [--keys N] [--appendfsync P] [--out FILE]
# Environment:
#   CORESHARD_BIN  use this server binary instead of building
#                  target/release/coreshard-server
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/bench-vs-redis.sh [--quick] [--requests N] [--clients N] [--keys N] [--appendfsync P] [--out FILE]

  --quick         smoke test: 20000 requests per run and 10000 keys
                  (unless --requests/--keys say otherwise)
  --requests N    requests per run at pipeline 1 (default 200000); runs with
                  pipeline 16 send 8 times as many, so that each run lasts
                  long enough to measure
  --clients N     parallel connections of redis-benchmark (default 50)
  --keys N        key space (redis-benchmark -r, default 100000); every key is
                  written before the runs, so GETs hit
  --appendfsync P both servers log every write with this fsync policy
                  (always, everysec or no); without it neither persists
  --out FILE      also write the result table as CSV to FILE

Environment: CORESHARD_BIN=path uses that binary instead of running
`cargo build --release -p coreshard-server`.
EOF
}

die() {
  echo "bench-vs-redis: $*" >&2
  exit 1
}

is_count() {
  [[ $1 =~ ^[1-9][0-9]*$ ]]
}

quick=0
requests=""
clients=50
keys=""
out=""
appendfsync=""
while [ $# -gt 0 ]; do
  opt=$1
  val=""
  case $opt in
    --*=*)
      val=${opt#*=}
      opt=${opt%%=*}
      ;;
  esac
  case $opt in
    --quick) quick=1 ;;
    --requests | --clients | --keys | --out | --appendfsync)
      if [ -z "$val" ]; then
        [ $# -ge 2 ] || die "$opt needs a value"
        val=$2
        shift
      fi
      case $opt in
        --requests) requests=$val ;;
        --clients) clients=$val ;;
        --keys) keys=$val ;;
        --out) out=$val ;;
        --appendfsync) appendfsync=$val ;;
      esac
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option: $opt"
      ;;
  esac
  shift
done

if [ -z "$requests" ]; then
  if [ "$quick" = 1 ]; then requests=20000; else requests=200000; fi
fi
if [ -z "$keys" ]; then
  if [ "$quick" = 1 ]; then keys=10000; else keys=100000; fi
fi
is_count "$requests" || die "--requests must be a positive integer, got '$requests'"
is_count "$clients" || die "--clients must be a positive integer, got '$clients'"
is_count "$keys" || die "--keys must be a positive integer, got '$keys'"
case $appendfsync in
  "" | always | everysec | no) ;;
  *) die "--appendfsync must be always, everysec or no, got '$appendfsync'" ;;
esac

readonly PIPE_SCALE=8          # pipelined runs send requests * PIPE_SCALE
readonly PIPELINES=(1 16)
readonly SIZES=(64 4096)
readonly TESTS=(set get)
readonly RUN_TIMEOUT=600       # seconds, per redis-benchmark run
readonly CLUSTER_SLOTS=16384

selftest=${BENCH_SELFTEST:-0}

for tool in redis-server redis-benchmark redis-cli taskset getconf awk timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' not found in PATH (redis-server, redis-benchmark and redis-cli come with the redis-server / redis-tools packages; taskset with util-linux)"
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The cores this script may run on (normally 0..nproc-1): the client goes on
# the first, the one-core servers on the last.
cpus=()
IFS=, read -r -a cpu_ranges <<<"$(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status)"
for range in "${cpu_ranges[@]}"; do
  if [[ $range =~ ^([0-9]+)-([0-9]+)$ ]]; then
    for ((c = BASH_REMATCH[1]; c <= BASH_REMATCH[2]; c++)); do cpus+=("$c"); done
  elif [[ $range =~ ^[0-9]+$ ]]; then
    cpus+=("$range")
  fi
done
ncpu=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
[ "${#cpus[@]}" = "$ncpu" ] || die "allowed cpu list (${cpus[*]}) does not match nproc ($ncpu)"
client_core=${cpus[0]}
last_core=${cpus[$((ncpu - 1))]}
clk_tck=$(getconf CLK_TCK)
is_count "$clk_tck" || die "getconf CLK_TCK gave '$clk_tck'"

# ---------------------------------------------------------------- binary

coreshard_bin=""
if [ "$selftest" = 1 ]; then
  coreshard_bin=$(command -v redis-server)
elif [ -n "${CORESHARD_BIN:-}" ]; then
  coreshard_bin=$CORESHARD_BIN
  [ -x "$coreshard_bin" ] || die "CORESHARD_BIN=$coreshard_bin is not an executable file"
else
  command -v cargo >/dev/null 2>&1 || die "cargo not found in PATH (or set CORESHARD_BIN)"
  echo "building coreshard-server (release)..." >&2
  (cd "$repo" && cargo build --release -p coreshard-server) ||
    die "cargo build --release -p coreshard-server failed"
  coreshard_bin=$repo/target/release/coreshard-server
  [ -x "$coreshard_bin" ] || die "build did not produce $coreshard_bin"
fi

# ---------------------------------------------------------------- processes

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-vs-redis.XXXXXX")
all_pids=()     # every server process this script started and has not reaped
side_pids=()    # processes of the server under test
side_port=""    # its main port
cluster_port="" # port of shard 0 for --cluster runs ('' when not applicable)
cluster_data_ports=() # ports that hold the --cluster keys (selftest only)

kill_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  local i
  for i in $(seq 50); do
    local alive=0
    for pid in "$@"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "$@"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

cleanup() {
  if [ ${#all_pids[@]} -gt 0 ]; then kill_pids "${all_pids[@]}"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ports are taken from outside the kernel's ephemeral range, where client
# sockets would otherwise claim them between the check and the bind.
read -r ephemeral_lo ephemeral_hi </proc/sys/net/ipv4/ip_local_port_range
if [ "$ephemeral_lo" -ge 20000 ]; then
  port_lo=10000
  port_hi=$((ephemeral_lo - 100))
elif [ "$ephemeral_hi" -le 55000 ]; then
  port_lo=$((ephemeral_hi + 1))
  port_hi=65000
else
  port_lo=20000
  port_hi=60000
fi

port_in_use() {
  local p=$1
  if command -v ss >/dev/null 2>&1; then
    # Any socket bound to the port (listening or connected) blocks a bind.
    if [ -n "$(ss -tanH "sport = :$p" 2>/dev/null)" ]; then return 0; fi
  fi
  # A listener anywhere on loopback answers a connect.
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then return 0; fi
  return 1
}

# Prints the first of `count` consecutive free loopback ports.
free_ports() {
  local count=$1 base p ok _
  for _ in $(seq 200); do
    base=$((port_lo + (RANDOM * 32768 + RANDOM) % (port_hi - port_lo - count)))
    ok=1
    for ((p = base; p < base + count; p++)); do
      if port_in_use "$p"; then
        ok=0
        break
      fi
    done
    if [ "$ok" = 1 ]; then
      echo "$base"
      return 0
    fi
  done
  die "no $count consecutive free loopback ports found"
}

# Starts a server in the background: launch LOG CMD...; sets $launched_pid.
launch() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  launched_pid=$!
  all_pids+=("$launched_pid")
}

rcli() {
  local port=$1
  shift
  timeout 10 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null | tr -d '\r'
}

# Waits up to 30 s for PONG on PORT; fails early if process PID exits.
wait_ping() {
  local port=$1 pid=$2 _
  for _ in $(seq 300); do
    if [ "$(rcli "$port" PING || true)" = PONG ]; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

core_list() { # 0,1,...,ncpu-1
  local IFS=,
  echo "${cpus[*]}"
}

start_redis() { # config
  local cfg=$1 port log
  port=$(free_ports 1)
  log=$tmp/redis-$cfg.log
  local cmd=(redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no)
  if [ -n "$appendfsync" ]; then
    mkdir -p "$tmp/redis-data-$cfg"
    cmd+=(--appendonly yes --appendfsync "$appendfsync" --dir "$tmp/redis-data-$cfg")
  fi
  if [ "$cfg" = one-core ]; then cmd=(taskset -c "$last_core" "${cmd[@]}"); fi
  launch "$log" "${cmd[@]}"
  side_pids=("$launched_pid")
  side_port=$port
  cluster_port=""
  cluster_data_ports=()
  wait_ping "$port" "$launched_pid"
}

start_coreshard() { # config
  local cfg=$1 shards pin port log
  if [ "$cfg" = one-core ]; then
    shards=1
    pin=$last_core
  else
    shards=$ncpu
    pin=$(core_list)
  fi
  port=$(free_ports $((shards + 1)))
  log=$tmp/coreshard-$cfg.log
  side_port=$port
  cluster_port=""
  cluster_data_ports=()
  side_pids=()
  cluster_note=""
  if [ "$selftest" = 1 ]; then
    start_selftest_substitute "$cfg" "$port" "$shards" "$log"
    return
  fi
  local cmd=("$coreshard_bin" --bind 127.0.0.1 --port "$port" --shard-port-base $((port + 1))
    --shards "$shards" --pin-cores "$pin")
  if [ -n "$appendfsync" ]; then
    cmd+=(--appendfsync "$appendfsync" --dir "$tmp/coreshard-data-$cfg")
  else
    cmd+=(--appendonly no)
  fi
  if [ "$cfg" = one-core ]; then cmd=(taskset -c "$last_core" "${cmd[@]}"); fi
  launch "$log" "${cmd[@]}"
  side_pids=("$launched_pid")
  wait_ping "$port" "$launched_pid" || return 1
  # redis-benchmark --cluster refuses clusters of fewer than two nodes.
  if [ "$shards" -ge 2 ]; then
    local i
    for i in $(seq 50); do
      if [ "$(rcli $((port + 1)) PING || true)" = PONG ]; then
        cluster_port=$((port + 1))
        return 0
      fi
      sleep 0.1
    done
    cluster_note="--cluster runs skipped: shard port $((port + 1)) does not answer PING"
    echo "  *** $cluster_note" >&2
  fi
}

# BENCH_SELFTEST=1: the coreshard side is redis-server on the main port and,
# for all-cores, a redis cluster of one node per core on the shard ports.
# Exercises every code path of this script without coreshard-server.
start_selftest_substitute() { # config port shards log
  local cfg=$1 port=$2 shards=$3 log=$4
  local cmd=(redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no)
  if [ "$cfg" = one-core ]; then cmd=(taskset -c "$last_core" "${cmd[@]}"); fi
  launch "$log" "${cmd[@]}"
  side_pids=("$launched_pid")
  wait_ping "$port" "$launched_pid" || return 1
  [ "$shards" -ge 2 ] || return 0
  local i p first last bus
  # Cluster bus ports (the default, port+10000, may be taken), clear of the
  # shard ports, which are not bound yet.
  bus=$(free_ports "$shards")
  while [ "$bus" -le $((port + shards)) ] && [ $((bus + shards)) -gt "$port" ]; do
    bus=$(free_ports "$shards")
  done
  for ((i = 0; i < shards; i++)); do
    p=$((port + 1 + i))
    launch "$log.node$i" redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize no --cluster-enabled yes --cluster-config-file "$tmp/nodes-$p.conf" \
      --cluster-port $((bus + i))
    side_pids+=("$launched_pid")
    cluster_data_ports+=("$p")
    wait_ping "$p" "$launched_pid" || return 1
    first=$((CLUSTER_SLOTS * i / shards))
    last=$((CLUSTER_SLOTS * (i + 1) / shards - 1))
    [ "$(rcli "$p" CLUSTER ADDSLOTSRANGE "$first" "$last")" = OK ] || return 1
    if [ "$i" -gt 0 ]; then rcli "$((port + 1))" CLUSTER MEET 127.0.0.1 "$p" $((bus + i)) >/dev/null; fi
  done
  for i in $(seq 300); do
    local ok=1
    for p in "${cluster_data_ports[@]}"; do
      if ! rcli "$p" CLUSTER INFO | grep -q '^cluster_state:ok'; then ok=0; fi
      if [ "$(rcli "$p" CLUSTER INFO | awk -F: '$1=="cluster_known_nodes"{print $2}')" != "$shards" ]; then ok=0; fi
    done
    if [ "$ok" = 1 ]; then
      cluster_port=$((port + 1))
      return 0
    fi
    sleep 0.1
  done
  echo "selftest: the redis cluster did not reach cluster_state:ok" >&2
  return 1
}

# Starts the server under test; retries with other ports when another
# process took a port between the check and the bind.
start_side() { # config side
  local cfg=$1 side=$2 attempt log
  for attempt in 1 2 3; do
    if [ "$side" = redis ]; then
      start_redis "$cfg" && return 0
    else
      start_coreshard "$cfg" && return 0
    fi
    local what="did not answer PING within 30 s" status=0
    if [ ${#side_pids[@]} -gt 0 ] && ! kill -0 "${side_pids[0]}" 2>/dev/null; then
      wait "${side_pids[0]}" || status=$?
      what="exited with status $status before answering PING"
    fi
    stop_side
    log=$tmp/$side-$cfg.log
    if [ "$attempt" -lt 3 ] && cat "$log"* 2>/dev/null | grep -qi 'address already in use'; then
      echo "  a port was taken meanwhile; starting $side again" >&2
      continue
    fi
    echo "$side ($cfg) $what; its output:" >&2
    tail -n 30 "$log"* >&2 || true
    exit 1
  done
}

stop_side() {
  kill_pids "${side_pids[@]}"
  local keep=() pid s stopped
  for pid in "${all_pids[@]}"; do
    stopped=0
    for s in "${side_pids[@]}"; do
      if [ "$pid" = "$s" ]; then stopped=1; fi
    done
    if [ "$stopped" = 0 ]; then keep+=("$pid"); fi
  done
  all_pids=("${keep[@]+"${keep[@]}"}")
  side_pids=()
}

side_alive() {
  local pid
  for pid in "${side_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || return 1
  done
}

# utime+stime of all server processes, in clock ticks. Fields 14 and 15 of
# /proc/PID/stat cover every thread of the process; the command name (field 2)
# may contain spaces, so count from the last ')'.
side_ticks() {
  local total=0 pid stat rest
  local -a f
  for pid in "${side_pids[@]}"; do
    stat=$(<"/proc/$pid/stat")
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# ---------------------------------------------------------------- data

# DBSIZE summed over the ports holding the keys of MODE (main|cluster).
side_dbsize() {
  local mode=$1 total=0 p n
  local ports=("$side_port")
  if [ "$mode" = cluster ] && [ ${#cluster_data_ports[@]} -gt 0 ]; then
    ports=("${cluster_data_ports[@]}")
  fi
  for p in "${ports[@]}"; do
    n=$(rcli "$p" DBSIZE || true)
    [[ $n =~ ^[0-9]+$ ]] || {
      echo "?"
      return 0
    }
    total=$((total + n))
  done
  echo "$total"
}

side_flushall() {
  local mode=$1 p
  local ports=("$side_port")
  if [ "$mode" = cluster ] && [ ${#cluster_data_ports[@]} -gt 0 ]; then
    ports=("${cluster_data_ports[@]}")
  fi
  for p in "${ports[@]}"; do
    [ "$(rcli "$p" FLUSHALL || true)" = OK ] || echo "  warning: FLUSHALL on port $p failed" >&2
  done
}

# Writes key:000000000000 .. key:<keys-1> (redis-benchmark's -r key names)
# with values of SIZE bytes, so that every GET of the runs hits.
fill_keys() { # size
  local size=$1 log=$tmp/fill.log
  if ! awk -v n="$keys" -v d="$size" 'BEGIN {
      v = "x"; while (length(v) < d) v = v v; v = substr(v, 1, d)
      for (i = 0; i < n; i++) {
        k = sprintf("key:%012d", i)
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, d, v
      }
    }' | timeout "$RUN_TIMEOUT" taskset -c "$client_core" redis-cli -h 127.0.0.1 -p "$side_port" --pipe >"$log" 2>&1 ||
    ! grep -q "errors: 0, replies: $keys" "$log"; then
    echo "  loading $keys keys of $size bytes into port $side_port failed:" >&2
    tail -n 5 "$log" >&2
    return 1
  fi
  local n
  n=$(side_dbsize main)
  if [ "$n" != "?" ] && [ "$n" -lt "$keys" ]; then
    echo "  warning: DBSIZE is $n after loading $keys keys" >&2
  fi
}

# ---------------------------------------------------------------- runs

declare -A rps=() cpu_us=()
failures=()

requests_for() { # pipeline
  if [ "$1" = 1 ]; then echo "$requests"; else echo $((requests * PIPE_SCALE)); fi
}

# bench RESULT_KEY PORT TEST PIPE SIZE N KEYSPACE [--cluster]; returns 1 on failure.
bench() {
  local key=$1 port=$2 test=$3 pipe=$4 size=$5 n=$6 r=$7 cluster=${8:-}
  local args=(-h 127.0.0.1 -p "$port" -t "$test" -P "$pipe" -d "$size" -c "$clients" -n "$n" -r "$r" --csv -q)
  if [ -n "$cluster" ]; then args+=(--cluster); fi
  local o=$tmp/run.out e=$tmp/run.err before after
  side_alive || return 1
  before=$(side_ticks)
  if ! timeout "$RUN_TIMEOUT" taskset -c "$client_core" redis-benchmark "${args[@]}" >"$o" 2>"$e"; then
    echo "  redis-benchmark ${args[*]} failed:" >&2
    tail -q -n 5 "$o" "$e" >&2 || true
    return 1
  fi
  side_alive || return 1
  after=$(side_ticks)
  local name=${test^^} value
  # redis-benchmark 7 --csv: "test","rps","avg_latency_ms",... then one row per test.
  value=$(awk -F, -v t="\"$name\"" '$1 == t { gsub(/"/, "", $2); print $2; exit }' "$o")
  if ! [[ $value =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "  redis-benchmark ${args[*]}: no $name row in its CSV output:" >&2
    tail -q -n 5 "$o" "$e" >&2 || true
    return 1
  fi
  rps[$key]=$value
  cpu_us[$key]=$(awk -v t="$((after - before))" -v hz="$clk_tck" -v n="$n" \
    'BEGIN { printf "%.3f", t / hz * 1e6 / n }')
  printf '  %-36s %12.0f req/s  %8s us CPU/req\n' "$key" "$value" "${cpu_us[$key]}" >&2
}

# Records that the server under test stopped; prints the end of its output.
side_exited() { # config side
  echo "  *** $2 exited during the runs; its output:" >&2
  tail -n 30 "$tmp/$2-$1.log" >&2 || true
  failures+=("$2 ($1) exited during the runs")
}

run_standard() { # config side
  local cfg=$1 side=$2 size pipe test
  for size in "${SIZES[@]}"; do
    if ! fill_keys "$size"; then
      if ! side_alive; then
        side_exited "$cfg" "$side"
      else
        failures+=("$side ($cfg): loading keys of $size bytes failed")
      fi
      return 1
    fi
    for pipe in "${PIPELINES[@]}"; do
      for test in "${TESTS[@]}"; do
        if bench "$cfg|$test|$pipe|$size|$side" "$side_port" "$test" "$pipe" "$size" \
          "$(requests_for "$pipe")" "$keys"; then
          continue
        fi
        if ! side_alive; then
          side_exited "$cfg" "$side"
          return 1
        fi
        failures+=("$side ($cfg): ${test^^} pipeline $pipe size $size failed")
      done
    done
  done
}

cluster_note=""

# redis-benchmark --cluster against shard 0. redis-benchmark puts a hash tag
# in every key ("key:{tag}:<n>"): redis-benchmark 7.0 uses one tag (one slot)
# per node, later versions a random slot of the node per request. A probe run
# tells which, and the key space is sized so that GETs hit either way.
run_cluster() {
  local cfg=all-cores
  if [ -z "$cluster_port" ]; then
    if [ -z "$cluster_note" ]; then cluster_note="--cluster runs skipped: fewer than two shards"; fi
    return 0
  fi
  local o=$tmp/probe.out e=$tmp/probe.err
  side_flushall cluster
  if ! timeout 120 taskset -c "$client_core" redis-benchmark -h 127.0.0.1 -p "$cluster_port" --cluster \
    -t set -r 1 -n 2000 -c 4 --csv -q >"$o" 2>"$e" || ! grep -q '^"SET"' "$o"; then
    echo "" >&2
    echo "  *** redis-benchmark --cluster against shard port $cluster_port FAILED; continuing without it:" >&2
    tail -q -n 8 "$o" "$e" | sed 's/^/  | /' >&2 || true
    cluster_note="redis-benchmark --cluster FAILED against shard port $cluster_port (see the log above)"
    return 0
  fi
  local nodes probe_keys per_node expected
  nodes=$(awk '/^Cluster has [0-9]+ master nodes/ { print $3; exit }' "$o")
  [[ $nodes =~ ^[0-9]+$ ]] || nodes=$ncpu
  probe_keys=$(side_dbsize cluster)
  if [ "$probe_keys" != "?" ] && [ "$probe_keys" -le $((2 * nodes)) ]; then
    per_node=$(((keys + nodes - 1) / nodes))
    expected=$((per_node * nodes))
    cluster_note="--cluster runs: $nodes nodes, -r $per_node per node ($expected keys)"
  else
    per_node=1
    expected=$CLUSTER_SLOTS
    cluster_note="--cluster runs: $nodes nodes, redis-benchmark picks a random slot per request: -r 1 ($expected keys, one per slot)"
  fi
  side_flushall cluster
  local size pipe test key n
  for size in "${SIZES[@]}"; do
    # Unmeasured load: 8 writes per key leave about 0.03% of keys unwritten.
    if ! timeout "$RUN_TIMEOUT" taskset -c "$client_core" redis-benchmark -h 127.0.0.1 -p "$cluster_port" --cluster \
      -t set -P 16 -d "$size" -c "$clients" -n $((8 * expected)) -r "$per_node" --csv -q >"$o" 2>"$e"; then
      echo "  *** loading keys with redis-benchmark --cluster FAILED; skipping the --cluster runs:" >&2
      tail -q -n 8 "$o" "$e" | sed 's/^/  | /' >&2 || true
      cluster_note="redis-benchmark --cluster FAILED while loading keys (see the log above)"
      return 0
    fi
    n=$(side_dbsize cluster)
    if [ "$n" != "?" ] && [ "$n" -lt $((expected * 99 / 100)) ]; then
      echo "  warning: only $n of $expected --cluster keys present after loading; GETs will miss" >&2
    fi
    for pipe in "${PIPELINES[@]}"; do
      for test in "${TESTS[@]}"; do
        key="$cfg-cluster|$test|$pipe|$size|coreshard"
        if ! bench "$key" "$cluster_port" "$test" "$pipe" "$size" "$(requests_for "$pipe")" "$per_node" --cluster; then
          echo "  *** redis-benchmark --cluster FAILED; skipping the remaining --cluster runs" >&2
          cluster_note="$cluster_note; some --cluster runs FAILED (see the log above)"
          return 0
        fi
      done
    done
  done
}

# ---------------------------------------------------------------- report

machine_info() {
  local model
  model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "== redis-server vs coreshard-server, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus:       $ncpu (nproc)"
  echo "cpu model:  ${model:-unknown}"
  echo "kernel:     $(uname -sr)"
  echo "redis:      $(redis-server --version)"
  echo "client:     $(redis-benchmark --version 2>/dev/null || echo unknown)"
  if [ "$selftest" = 1 ]; then
    echo "coreshard:  SELFTEST - the coreshard column is redis-server (all-cores --cluster: a redis cluster of $ncpu nodes)"
  else
    echo "coreshard:  $coreshard_bin ($(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'no git'))"
  fi
  echo "settings:   requests $requests at pipeline 1, $((requests * PIPE_SCALE)) at pipeline 16; clients $clients; keys $keys"
  echo "            redis-benchmark pinned to core $client_core; one-core: servers pinned to core $last_core;"
  echo "            all-cores: coreshard --shards $ncpu --pin-cores $(core_list), redis-server unpinned with default settings"
  echo "            server CPU from /proc/PID/stat utime+stime (CLK_TCK $clk_tck)"
}

ratio() { # numerator denominator
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

report() {
  local csv=$tmp/results.csv cfg redis_cfg test pipe size r c rc cc
  echo "config,test,pipeline,size,requests,redis_rps,coreshard_rps,rps_ratio,redis_us_cpu_per_req,coreshard_us_cpu_per_req,cpu_ratio" >"$csv"
  echo
  printf '%-18s %-4s %4s %5s %12s %14s %6s %11s %15s %6s\n' \
    config test pipe size "redis rps" "coreshard rps" ratio "redis us/r" "coreshard us/r" ratio
  for cfg in one-core all-cores all-cores-cluster; do
    redis_cfg=${cfg%-cluster}
    for size in "${SIZES[@]}"; do
      for pipe in "${PIPELINES[@]}"; do
        for test in "${TESTS[@]}"; do
          r=${rps["$redis_cfg|$test|$pipe|$size|redis"]:-}
          c=${rps["$cfg|$test|$pipe|$size|coreshard"]:-}
          rc=${cpu_us["$redis_cfg|$test|$pipe|$size|redis"]:-}
          cc=${cpu_us["$cfg|$test|$pipe|$size|coreshard"]:-}
          if [ -z "$r$c" ] || { [ "$cfg" != "$redis_cfg" ] && [ -z "$c" ]; }; then continue; fi
          printf '%-18s %-4s %4s %5s %12s %14s %6s %11s %15s %6s\n' "$cfg" "${test^^}" "$pipe" "$size" \
            "${r:--}" "${c:--}" "$(ratio "$c" "$r")" "${rc:--}" "${cc:--}" "$(ratio "$cc" "$rc")"
          echo "$cfg,${test^^},$pipe,$size,$(requests_for "$pipe"),$r,$c,$(ratio "$c" "$r"),$rc,$cc,$(ratio "$cc" "$rc")" >>"$csv"
        done
      done
    done
  done
  echo
  echo "ratio = coreshard / redis: higher is better for rps, lower is better for CPU us per request."
  if grep -q '^all-cores-cluster,' "$csv"; then
    echo "all-cores-cluster: coreshard measured with redis-benchmark --cluster; the redis columns repeat all-cores."
  fi
  if [ -n "$cluster_note" ]; then echo "$cluster_note"; fi
  local f
  for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
  if [ -n "$out" ]; then
    cp "$csv" "$out"
    echo "CSV written to $out"
  fi
}

# ---------------------------------------------------------------- main

machine_info
configs=(one-core all-cores)
if [ "$ncpu" -lt 2 ]; then
  echo "note: 1 cpu: client and server share core $client_core; all-cores is the same as one-core and is skipped"
  configs=(one-core)
fi
for cfg in "${configs[@]}"; do
  for side in redis coreshard; do
    echo "-- $cfg: $side" >&2
    start_side "$cfg" "$side"
    if run_standard "$cfg" "$side" && [ "$side" = coreshard ] && [ "$cfg" = all-cores ]; then
      echo "-- $cfg: coreshard, redis-benchmark --cluster" >&2
      run_cluster
    fi
    stop_side
  done
done
report
[ ${#failures[@]} -eq 0 ] || exit 1
