#!/usr/bin/env bash
# A local N-node KRaft Apache Kafka cluster on loopback (default 3), for fault tests and scale-out runs.
#
#   scripts/cluster.sh start   [--nodes N] [--controllers K] [--dir D] [--timeout S]
#                                                 start every node, wait until ready
#   scripts/cluster.sh stop    [--dir D]          SIGTERM every node (controlled), SIGKILL after a bound
#   scripts/cluster.sh kill    N [--dir D]        SIGKILL node N (a crash)
#   scripts/cluster.sh pause   N / resume N       SIGSTOP / SIGCONT node N (a hung broker)
#   scripts/cluster.sh restart N... [--dir D]     controlled stop of node(s) N (if running), start again,
#                                                 wait until it is registered and every ISR is full again
#   scripts/cluster.sh status  [--dir D]          each node's state; exit 0 when all are running
#   scripts/cluster.sh leader  TOPIC PARTITION    the node id leading that partition (-1: none)
#   scripts/cluster.sh controller                 the node id of the active KRaft controller
#   scripts/cluster.sh wait-isr [--timeout S]     wait until every partition has a leader and a full ISR
#   scripts/cluster.sh bootstrap                  the bootstrap list (127.0.0.1:P1,127.0.0.1:P2,...)
#
# Nodes 1..K (K = --controllers, default min(N,3)) are combined broker+controllers
# (process.roles=broker,controller), the rest brokers only; node.id 1..N, each with its own data dir,
# logs and free ports under D/node-N. Combined nodes, not separate controllers: on a
# 2-core machine three JVMs cost half of six (memory, start-up CPU, GC threads), and a 3-voter quorum
# still survives one lost node, so killing the active controller (a node) is a real controller failover.
# What combined nodes cannot show is a controller lost while its broker lives; no kavro guarantee depends
# on that. A broker-only node beyond the voters (the test fixture runs 4 nodes, 3 of them voters) lets a
# test kill a follower and then a leader and still have a controller quorum to shrink the ISR.
#
# Defaults set in every node: default.replication.factor=min(N,3), min.insync.replicas=min(N-1,2) (1 for
# a single node), the same for the offsets and transaction-state topics; broker.session.timeout.ms=4000
# so a killed broker is fenced (leaders moved, ISRs shrunk) in about 4 s instead of 9.
# State dir: $KAVRO_CLUSTER_DIR or <repo>/.kavro/cluster (D/ports, D/bootstrap, D/node-N/...).
# Environment: KAVRO_KAFKA_VERSION (4.1.1), KAVRO_CACHE, KAVRO_KAFKA_LIBS (as scripts/kafka.sh),
#   KAVRO_CLUSTER_HEAP (512m per node), KAVRO_KAFKA_JVM_OPTS, KAVRO_KAFKA_EXTRA_PROPS (appended to every
#   node's server.properties), KAVRO_CLUSTER_TIMEOUT (readiness bound, 120 s).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="${KAVRO_KAFKA_VERSION:-4.1.1}"
LIBS="${KAVRO_KAFKA_LIBS:-${KAVRO_CACHE:-$HOME/.cache/kavro}/kafka-$KAFKA_VERSION/libs}"
# shellcheck source=lib/ports.sh
source "$REPO/scripts/lib/ports.sh"

say() { echo "cluster: $*" >&2; }
die() { echo "cluster: ERROR: $*" >&2; exit 1; }
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; }

cmd="${1:-}"; [[ $# -gt 0 ]] && shift
nodes="" controllers="" dir="${KAVRO_CLUSTER_DIR:-}" timeout="${KAVRO_CLUSTER_TIMEOUT:-120}" pos=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --controllers) controllers="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "cluster: unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) pos+=("$1"); shift ;;
  esac
done
dir="${dir:-$REPO/.kavro/cluster}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# D/ports: one line per node, "id port controller-port" ("-" for a broker-only node); written once,
# reused by every later command.
declare -A PORT CPORT
load_ports() {
  [[ -f "$dir/ports" ]] || return 1
  local id p c
  controllers=0
  while read -r id p c; do PORT[$id]=$p; CPORT[$id]=$c; [[ "$c" != - ]] && controllers=$((controllers + 1)); done < "$dir/ports"
  nodes="${#PORT[@]}"
}
is_voter() { [[ "${CPORT[$1]}" != - ]]; }
node_ids() { seq 1 "$nodes"; }
bootstrap() { local id out=(); for id in $(node_ids); do out+=("127.0.0.1:${PORT[$id]}"); done; (IFS=,; echo "${out[*]}"); }
need_cluster() { load_ports || die "no cluster in $dir (scripts/cluster.sh start)"; }
check_node() {
  [[ "${1:-}" =~ ^[0-9]+$ && -n "${PORT[$1]:-}" ]] || die "no node '${1:-}' (nodes are 1..$nodes)"
}

node_pid() {
  local d="$dir/node-$1" pid
  [[ -f "$d/kafka.pid" ]] || return 1
  pid="$(cat "$d/kafka.pid" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # alive and really this node's JVM (pids get reused)
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $d/server.properties" || return 1
  echo "$pid"
}

allocate_ports() {
  local id p c seen=" "
  : > "$dir/ports.new"
  for id in $(seq 1 "$nodes"); do
    while :; do
      read -r p c < <(free_ports)
      [[ "$seen" != *" $p "* && "$seen" != *" $c "* ]] && break
    done
    seen+="$p $c "
    (( id > controllers )) && c=-
    echo "$id $p $c" >> "$dir/ports.new"
  done
  mv "$dir/ports.new" "$dir/ports"
}

write_config() {
  local id="$1" d="$dir/node-$1" voters="" v rf isr
  for v in $(node_ids); do is_voter "$v" && voters+="${voters:+,}$v@127.0.0.1:${CPORT[$v]}"; done
  local roles=broker listeners="PLAINTEXT://127.0.0.1:${PORT[$id]}"
  if is_voter "$id"; then roles=broker,controller; listeners+=",CONTROLLER://127.0.0.1:${CPORT[$id]}"; fi
  rf=$(( nodes < 3 ? nodes : 3 ))
  isr=$(( nodes == 1 ? 1 : (nodes - 1 < 2 ? nodes - 1 : 2) ))
  mkdir -p "$d/data" "$d/logs"
  cat > "$d/server.properties" <<EOF
# written by scripts/cluster.sh: node $id of $nodes ($roles)
process.roles=$roles
node.id=$id
controller.quorum.voters=$voters
listeners=$listeners
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT[$id]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$d/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
share.coordinator.state.topic.num.partitions=1
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=2
log.retention.check.interval.ms=300000
# A crashed broker is fenced after this (leaders move, ISRs shrink); a restarted one cannot register
# until its old session expired. Kafka's 9 s default makes every crash test slow.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
# A hung (paused) follower leaves the ISR after this instead of 30 s.
replica.lag.time.max.ms=10000
EOF
  if [[ -n "${KAVRO_KAFKA_EXTRA_PROPS:-}" ]]; then
    printf '# from KAVRO_KAFKA_EXTRA_PROPS\n%s\n' "$KAVRO_KAFKA_EXTRA_PROPS" >> "$d/server.properties"
  fi
  cat > "$d/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $d/logs/server.log
appender.file.filePattern = $d/logs/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

jvm_opts() {
  # Lean for 2 cores: small heap, serial GC, C1 only (half the start-up CPU of C2), class-data sharing.
  echo "-Xms128m -Xmx${KAVRO_CLUSTER_HEAP:-512m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xshare:auto"
  echo "-XX:CICompilerCount=1 -XX:-UsePerfData"
  echo "-Djava.awt.headless=true -Dlog4j2.configurationFile=$dir/node-$1/log4j2.properties -Dkafka.logs.dir=$dir/node-$1/logs"
  echo "${KAVRO_KAFKA_JVM_OPTS:-}"
}

ensure_libs() {
  if [[ ! -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    [[ -n "${KAVRO_KAFKA_LIBS:-}" ]] && die "KAVRO_KAFKA_LIBS=$LIBS has no kafka_2.13-$KAFKA_VERSION.jar"
    say "jars missing, running scripts/setup.sh --no-apt --no-python"
    bash "$REPO/scripts/setup.sh" --no-apt --no-python >&2 || die "could not fetch the Kafka jars"
  fi
}

format_node() {
  local id="$1" d="$dir/node-$1" cid
  [[ -f "$d/data/meta.properties" ]] && return 0
  cid="$(cat "$dir/cluster-id")"
  # shellcheck disable=SC2046
  java $(jvm_opts "$id") -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cid" \
      -c "$d/server.properties" --ignore-formatted > "$d/logs/format.log" 2>&1 \
    || { cat "$d/logs/format.log" >&2; die "storage format of node $id failed"; }
}

launch_node() {
  local id="$1" d="$dir/node-$1" pid
  if pid="$(node_pid "$id")"; then return 0; fi
  local offset=0
  [[ -f "$d/logs/server.log" ]] && offset="$(stat -c %s "$d/logs/server.log")"
  echo "$offset" > "$d/start-offset"
  # shellcheck disable=SC2046
  setsid java $(jvm_opts "$id") -cp "$LIBS/*" kafka.Kafka "$d/server.properties" \
    >> "$d/logs/stdout.log" 2>&1 < /dev/null &
  echo "$!" > "$d/kafka.pid"
  say "node $id: started (pid $!) on 127.0.0.1:${PORT[$id]}, controller ${CPORT[$id]}"
}

# kcat's metadata, asked of the running nodes only (a paused or dead bootstrap server costs a timeout).
metadata() {
  local id bs=()
  for id in $(node_ids); do
    [[ "$(node_state "$id")" == running ]] && bs+=("127.0.0.1:${PORT[$id]}")
  done
  (( ${#bs[@]} )) || return 1
  kcat -b "$(IFS=,; echo "${bs[*]}")" -L -m 5 "$@" 2>/dev/null
}

node_state() {
  local pid st
  pid="$(node_pid "$1")" || { echo stopped; return; }
  st="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)"
  [[ "$st" == T ]] && echo paused || echo running
}

# Ready: every running node is a registered broker, every partition has a leader and its ISR equals its
# replica list. Prints what is missing when not.
ready_problem() {
  local md id want=()
  md="$(metadata)" || { echo "no metadata"; return 0; }
  for id in $(node_ids); do
    [[ "$(node_state "$id")" == running ]] && want+=("$id")
  done
  for id in "${want[@]}"; do
    grep -q "broker $id at 127.0.0.1:${PORT[$id]}" <<< "$md" || { echo "broker $id not registered"; return 0; }
  done
  awk '
    /^  topic "/ { topic = $2 }
    /partition [0-9]+, leader/ {
      line = $0
      match(line, /leader -?[0-9]+/); leader = substr(line, RSTART + 7, RLENGTH - 7)
      match(line, /replicas: [0-9,]*/); reps = substr(line, RSTART + 10, RLENGTH - 10)
      match(line, /isrs: [0-9,]*/); isrs = substr(line, RSTART + 6, RLENGTH - 6)
      sub(/,$/, "", reps); sub(/,$/, "", isrs)
      if (leader + 0 < 0) { print topic " " $2 " has no leader"; exit }
      if (split(reps, a, ",") != split(isrs, b, ",")) { print topic " " $2 " ISR " isrs " of replicas " reps; exit }
    }' <<< "$md"
}

wait_isr() {
  local t0=$SECONDS problem=""
  while (( SECONDS - t0 < timeout )); do
    problem="$(ready_problem)"
    [[ -z "$problem" ]] && { say "every partition has a leader and a full ISR ($((SECONDS - t0)) s)"; return 0; }
    sleep 0.5
  done
  die "not ready after ${timeout} s: $problem"
}

wait_started() {
  local id t0=$SECONDS d pending
  while (( SECONDS - t0 < timeout )); do
    pending=0
    for id in "$@"; do
      d="$dir/node-$id"
      # kill -0 on the recorded pid, not node_pid: right after the launch the child may not have exec'd
      # java yet, and its command line is still the shell's.
      if ! kill -0 "$(cat "$d/kafka.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
        tail -n 40 "$d/logs/server.log" >&2 2>/dev/null || true
        tail -n 20 "$d/logs/stdout.log" >&2 2>/dev/null || true
        die "node $id exited during start-up (logs: $d/logs)"
      fi
      tail -c +"$(( $(cat "$d/start-offset") + 1 ))" "$d/logs/server.log" 2>/dev/null \
        | grep -q "Kafka Server started" || pending=1
    done
    (( pending )) || return 0
    sleep 0.5
  done
  die "nodes $* not started after ${timeout} s (logs: $dir/node-*/logs)"
}

start() {
  command -v java >/dev/null 2>&1 || die "java not found (run scripts/setup.sh)"
  command -v kcat >/dev/null 2>&1 || die "kcat not found (run scripts/setup.sh)"
  ensure_libs
  if load_ports; then
    [[ -z "${PORT[1]:-}" ]] && die "bad $dir/ports"
  else
    nodes="${nodes:-3}"
    [[ "$nodes" =~ ^[1-9][0-9]*$ ]] || die "bad --nodes: $nodes"
    controllers="${controllers:-$(( nodes < 3 ? nodes : 3 ))}"
    [[ "$controllers" =~ ^[1-9][0-9]*$ ]] && (( controllers <= nodes )) || die "bad --controllers: $controllers (1..$nodes)"
    allocate_ports
    load_ports
  fi
  if [[ ! -f "$dir/cluster-id" ]]; then
    local cid="-"
    # an id starting with '-' would be read as an option by the storage tool
    while [[ "$cid" == -* ]]; do cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"; done
    echo "$cid" > "$dir/cluster-id"
  fi
  local t0=$SECONDS id
  for id in $(node_ids); do write_config "$id"; format_node "$id"; done
  for id in $(node_ids); do launch_node "$id"; done
  # shellcheck disable=SC2046
  wait_started $(node_ids)
  bootstrap > "$dir/bootstrap"
  wait_isr
  say "$nodes nodes ready in $((SECONDS - t0)) s: $(cat "$dir/bootstrap")"
}

stop_nodes() {
  local id pid pids=() bound="${KAVRO_CLUSTER_STOP_TIMEOUT:-30}" t0=$SECONDS
  for id in "$@"; do
    if pid="$(node_pid "$id")"; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in ${pids[@]+"${pids[@]}"}; do
    while kill -0 "$pid" 2>/dev/null && (( SECONDS - t0 < bound )); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "pid $pid did not exit ${bound} s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  done
  for id in "$@"; do rm -f "$dir/node-$id/kafka.pid"; done
  say "stopped node(s) $* in $((SECONDS - t0)) s"
}

kill_node() {
  local pid
  pid="$(node_pid "$1")" || { say "node $1 is not running"; return 0; }
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$dir/node-$1/kafka.pid"
  say "node $1: killed (pid $pid)"
}

restart_nodes() {
  local id
  stop_nodes "$@"
  for id in "$@"; do write_config "$id"; launch_node "$id"; done
  wait_started "$@"
  wait_isr
}

leader() {
  local topic="${1:?topic}" part="${2:?partition}"
  metadata -t "$topic" | awk -v p="$part" '
    $1 == "partition" && $2 == p "," { for (i = 1; i <= NF; i++) if ($i == "leader") { sub(/,/, "", $(i+1)); print $(i+1); found = 1; exit } }
    END { if (!found) exit 1 }' || die "no partition $part of topic $topic in the metadata"
}

# The active controller: the leader of the KRaft quorum, as recorded by the voters in quorum-state
# (the highest epoch any running node knows). Kafka's Metadata answer names a random broker instead.
controller() {
  local id f best_epoch=-1 best=-1 line epoch lid
  for id in $(node_ids); do
    is_voter "$id" && [[ "$(node_state "$id")" == running ]] || continue
    f="$dir/node-$id/data/__cluster_metadata-0/quorum-state"
    [[ -f "$f" ]] || continue
    line="$(cat "$f")"
    epoch="$(sed -n 's/.*"leaderEpoch":\([0-9-]*\).*/\1/p' <<< "$line")"
    lid="$(sed -n 's/.*"leaderId":\([0-9-]*\).*/\1/p' <<< "$line")"
    [[ -n "$epoch" && -n "$lid" ]] || continue
    if (( epoch > best_epoch )); then best_epoch=$epoch best=$lid; fi
  done
  (( best >= 1 )) || die "no active controller known"
  echo "$best"
}

status() {
  local id rc=0 st
  for id in $(node_ids); do
    st="$(node_state "$id")"
    [[ "$st" == running ]] || rc=3
    echo "node $id: $st port=${PORT[$id]} controller-port=${CPORT[$id]} pid=$(node_pid "$id" || echo -)"
  done
  return $rc
}

case "$cmd" in
  start) start ;;
  stop) need_cluster; stop_nodes $(node_ids) ;;
  kill) need_cluster; check_node "${pos[0]:-}"; kill_node "${pos[0]}" ;;
  pause) need_cluster; check_node "${pos[0]:-}"; pid="$(node_pid "${pos[0]}")" || die "node ${pos[0]} is not running"
         kill -STOP "$pid"; say "node ${pos[0]}: paused (pid $pid)" ;;
  resume) need_cluster; check_node "${pos[0]:-}"; pid="$(node_pid "${pos[0]}")" || die "node ${pos[0]} is not running"
          kill -CONT "$pid"; say "node ${pos[0]}: resumed (pid $pid)" ;;
  restart) need_cluster; for n in "${pos[@]:-}"; do check_node "$n"; done; restart_nodes "${pos[@]}" ;;
  status) need_cluster; status ;;
  leader) need_cluster; leader "${pos[0]:-}" "${pos[1]:-}" ;;
  controller) need_cluster; controller ;;
  wait-isr) need_cluster; wait_isr ;;
  bootstrap) need_cluster; bootstrap ;;
  ""|-h|--help|help) usage ;;
  *) echo "cluster: unknown command: $cmd" >&2; usage >&2; exit 2 ;;
esac
