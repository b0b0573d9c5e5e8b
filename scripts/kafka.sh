#!/usr/bin/env bash
# A real single-node KRaft Apache Kafka broker on loopback, run from Maven Central's jars.
#
#   scripts/kafka.sh start  [--port P] [--controller-port C] [--dir D] [--timeout S]
#   scripts/kafka.sh stop   [--port P | --dir D]     SIGTERM (controlled shutdown), SIGKILL after a bound
#   scripts/kafka.sh kill   [--port P | --dir D]     SIGKILL (crash, for fault tests)
#   scripts/kafka.sh pause  [--port P | --dir D]     SIGSTOP (a hung broker, for fault tests)
#   scripts/kafka.sh resume [--port P | --dir D]     SIGCONT (undoes pause)
#   scripts/kafka.sh status [--port P | --dir D]     exit 0 when running; without options: every state dir
#   scripts/kafka.sh logs   [--port P | --dir D] [-f] [-n N]
#
# Defaults: port $KAVRO_KAFKA_PORT or 9092, controller port = port + 1,
# state dir $KAVRO_KAFKA_DIR or <repo>/.kavro/kafka-<port> (data/, logs/, server.properties,
# kafka.pid, ports). With --dir, the ports recorded in that dir are reused.
# A restart on the same dir reuses the formatted storage and the data.
# Environment: KAVRO_KAFKA_VERSION (4.1.1), KAVRO_CACHE ($HOME/.cache/kavro),
#   KAVRO_KAFKA_LIBS (overrides the jar dir), KAVRO_KAFKA_HEAP (768m),
#   KAVRO_KAFKA_JVM_OPTS (extra JVM flags), KAVRO_KAFKA_TIMEOUT (readiness bound, 90 s),
#   KAVRO_KAFKA_EXTRA_PROPS (lines appended to server.properties; later keys win).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="${KAVRO_KAFKA_VERSION:-4.1.1}"
LIBS="${KAVRO_KAFKA_LIBS:-${KAVRO_CACHE:-$HOME/.cache/kavro}/kafka-$KAFKA_VERSION/libs}"

say() { echo "kafka: $*"; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; }

cmd="${1:-}"; [[ $# -gt 0 ]] && shift
port="" cport="" dir="" timeout="${KAVRO_KAFKA_TIMEOUT:-90}" follow=0 lines=100
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --port=*) port="${1#*=}"; shift ;;
    --controller-port) cport="$2"; shift 2 ;;
    --controller-port=*) cport="${1#*=}"; shift ;;
    --dir) dir="$2"; shift 2 ;;
    --dir=*) dir="${1#*=}"; shift ;;
    --timeout) timeout="$2"; shift 2 ;;
    -f|--follow) follow=1; shift ;;
    -n) lines="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "kafka: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

explicit=0; [[ -n "$port$dir${KAVRO_KAFKA_PORT:-}${KAVRO_KAFKA_DIR:-}" ]] && explicit=1
[[ -z "$dir" && -z "$port" ]] && dir="${KAVRO_KAFKA_DIR:-}"
# A dir that was started before remembers its ports.
if [[ -n "$dir" && -f "$dir/ports" ]]; then
  read -r p0 c0 < "$dir/ports"
  port="${port:-$p0}"
  [[ "$port" == "$p0" ]] && cport="${cport:-$c0}"
fi
port="${port:-${KAVRO_KAFKA_PORT:-9092}}"
[[ "$port" =~ ^[0-9]+$ ]] || die "bad port: $port"
cport="${cport:-$((port + 1))}"
[[ "$cport" =~ ^[0-9]+$ ]] || die "bad controller port: $cport"
dir="${dir:-$REPO/.kavro/kafka-$port}"
mkdir -p "$(dirname "$dir")"
dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"
pidfile="$dir/kafka.pid"
serverlog="$dir/logs/server.log"

# pid of the broker that owns $1 (a state dir), or nothing.
broker_pid() {
  local d="$1" pid
  [[ -f "$d/kafka.pid" ]] || return 1
  pid="$(cat "$d/kafka.pid" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # alive and really our JVM (pids get reused)
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $d/server.properties" || return 1
  echo "$pid"
}

metadata_ok() {
  if command -v kcat >/dev/null 2>&1; then
    kcat -b "127.0.0.1:$port" -L -m 5 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$port"
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

write_config() {
  mkdir -p "$dir/data" "$dir/logs"
  cat > "$dir/server.properties" <<EOF
# written by scripts/kafka.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.check.interval.ms=300000
# After a SIGKILL the restarted broker cannot register until the old session expires
# (DUPLICATE_BROKER_REGISTRATION); the default 9 s session makes crash-restart slow.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
EOF
  if [[ -n "${KAVRO_KAFKA_EXTRA_PROPS:-}" ]]; then
    printf '# from KAVRO_KAFKA_EXTRA_PROPS\n%s\n' "$KAVRO_KAFKA_EXTRA_PROPS" >> "$dir/server.properties"
  fi
  cat > "$dir/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $dir/logs/server.log
appender.file.filePattern = $dir/logs/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  echo "$port $cport" > "$dir/ports"
}

jvm_opts() {
  # Lean for 2 cores: small heap, serial GC, C1 only (faster start-up).
  echo "-Xms128m -Xmx${KAVRO_KAFKA_HEAP:-768m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"
  echo "-Djava.awt.headless=true -Dlog4j2.configurationFile=$dir/log4j2.properties -Dkafka.logs.dir=$dir/logs"
  echo "${KAVRO_KAFKA_JVM_OPTS:-}"
}

ensure_libs() {
  if [[ ! -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" || ! -f "$LIBS/../.complete" ]]; then
    [[ -n "${KAVRO_KAFKA_LIBS:-}" ]] && die "KAVRO_KAFKA_LIBS=$LIBS has no kafka_2.13-$KAFKA_VERSION.jar"
    say "jars missing, running scripts/setup.sh --no-apt --no-python"
    bash "$REPO/scripts/setup.sh" --no-apt --no-python >&2 || die "could not fetch the Kafka jars"
  fi
}

format_storage() {
  [[ -f "$dir/data/meta.properties" ]] && return 0
  local id
  if [[ -f "$dir/cluster-id" ]]; then id="$(cat "$dir/cluster-id")"
  else
    # an id starting with '-' would be read as an option by the storage tool
    id="-"; while [[ "$id" == -* ]]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"; done
    echo "$id" > "$dir/cluster-id"
  fi
  # Static quorum (controller.quorum.voters): no --standalone / --initial-controllers.
  # shellcheck disable=SC2046
  if ! java $(jvm_opts) -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" \
        -c "$dir/server.properties" --ignore-formatted > "$dir/logs/format.log" 2>&1; then
    cat "$dir/logs/format.log" >&2
    die "storage format failed"
  fi
}

start() {
  local pid
  if pid="$(broker_pid "$dir")"; then
    if metadata_ok; then say "already running (pid $pid) on 127.0.0.1:$port"; return 0; fi
  fi
  command -v java >/dev/null 2>&1 || die "java not found (run scripts/setup.sh)"
  if [[ -z "${pid:-}" ]]; then
    ensure_libs
    write_config
    format_storage
    local offset=0
    [[ -f "$serverlog" ]] && offset="$(stat -c %s "$serverlog")"
    echo "$offset" > "$dir/start-offset"
    # shellcheck disable=SC2046
    setsid java $(jvm_opts) -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" \
      >> "$dir/logs/stdout.log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$pidfile"
    say "starting Kafka $KAFKA_VERSION (pid $pid) on 127.0.0.1:$port, controller $cport, dir $dir"
  fi
  local offset t0=$SECONDS started=0
  offset="$(cat "$dir/start-offset" 2>/dev/null || echo 0)"
  while (( SECONDS - t0 < timeout )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      echo "kafka: broker exited during start-up; last log lines:" >&2
      tail -n 50 "$serverlog" >&2 2>/dev/null || true
      tail -n 20 "$dir/logs/stdout.log" >&2 2>/dev/null || true
      die "start failed (port $port or $cport in use?)"
    fi
    if (( ! started )) && tail -c +"$((offset + 1))" "$serverlog" 2>/dev/null | grep -q "Kafka Server started"; then
      started=1
    fi
    if (( started )) && metadata_ok; then
      say "ready on 127.0.0.1:$port after $((SECONDS - t0)) s"
      return 0
    fi
    sleep 0.25
  done
  echo "kafka: not ready after ${timeout} s; last log lines:" >&2
  tail -n 50 "$serverlog" >&2 2>/dev/null || true
  die "start timed out (the broker, pid $pid, is left running: scripts/kafka.sh stop --dir $dir)"
}

stop() {
  local pid
  if ! pid="$(broker_pid "$dir")"; then
    rm -f "$pidfile"; say "not running ($dir)"; return 0
  fi
  local t0=$SECONDS bound="${KAVRO_KAFKA_STOP_TIMEOUT:-60}"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (( SECONDS - t0 < bound )); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka: no exit ${bound} s after SIGTERM, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  say "stopped (pid $pid) in $((SECONDS - t0)) s"
}

kill_broker() {
  local pid
  if ! pid="$(broker_pid "$dir")"; then
    rm -f "$pidfile"; say "not running ($dir)"; return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$pidfile"
  say "killed (pid $pid)"
}

signal_broker() {
  local sig="$1" what="$2" pid
  pid="$(broker_pid "$dir")" || die "not running ($dir)"
  kill "-$sig" "$pid"
  say "$what (pid $pid)"
}

status_one() {
  local d="$1" pid p="?"
  [[ -f "$d/ports" ]] && read -r p _ < "$d/ports"
  if pid="$(broker_pid "$d")"; then
    echo "running pid=$pid port=$p dir=$d"; return 0
  fi
  echo "stopped port=$p dir=$d"; return 3
}

status() {
  if (( explicit )); then status_one "$dir"; return; fi
  local d rc=3 any=0
  for d in "$REPO"/.kavro/kafka-* "$REPO"/.kavro/tmp/kafka.*; do
    [[ -d "$d" ]] || continue
    any=1
    status_one "$d" && rc=0
  done
  (( any )) || echo "no broker state dirs under $REPO/.kavro"
  return $rc
}

logs() {
  [[ -f "$serverlog" ]] || die "no log at $serverlog"
  if (( follow )); then exec tail -n "$lines" -F "$serverlog"; fi
  tail -n "$lines" "$serverlog"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  kill) kill_broker ;;
  pause) signal_broker STOP paused ;;
  resume) signal_broker CONT resumed ;;
  status) status ;;
  logs) logs ;;
  ""|-h|--help|help) usage ;;
  *) echo "kafka: unknown command: $cmd" >&2; usage >&2; exit 2 ;;
esac
