#!/usr/bin/env bash
# Run CMD against a fresh, private single-node Kafka broker.
#
#   scripts/with-kafka.sh CMD [ARGS...]
#
# Starts a broker (scripts/kafka.sh) on a free port pair with a fresh state dir under
# <repo>/.kavro/tmp/, exports to CMD
#   KAVRO_BOOTSTRAP=127.0.0.1:<port>   KAVRO_KAFKA_LOG_DIR=<broker log dir>
#   KAVRO_KAFKA_DIR=<state dir>        KAVRO_KAFKA_PORT=<port>
# (so `scripts/kafka.sh kill|start|stop` inside CMD act on this broker), runs CMD, always
# stops the broker, and exits with CMD's status. The state dir is removed when CMD
# succeeds and kept (for its logs) when it fails; KAVRO_KEEP_KAFKA_DIR=1 always keeps it.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_SH="$REPO/scripts/kafka.sh"

if [[ $# -eq 0 || "$1" == -h || "$1" == --help ]]; then
  awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"
  [[ $# -eq 0 ]] && exit 2 || exit 0
fi

# shellcheck source=lib/ports.sh
source "$REPO/scripts/lib/ports.sh"

mkdir -p "$REPO/.kavro/tmp"
dir="" port="" started=0
for attempt in 1 2 3; do
  read -r port cport < <(free_ports)
  dir="$(mktemp -d "$REPO/.kavro/tmp/kafka.XXXXXX")"
  if bash "$KAFKA_SH" start --port "$port" --controller-port "$cport" --dir "$dir" >&2; then
    started=1; break
  fi
  echo "with-kafka: broker start failed (attempt $attempt, ports $port/$cport)" >&2
  bash "$KAFKA_SH" stop --dir "$dir" >/dev/null 2>&1 || true
  [[ $attempt -lt 3 ]] && rm -rf "$dir"
done
(( started )) || { echo "with-kafka: ERROR: could not start a broker; logs kept in $dir/logs" >&2; exit 1; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  bash "$KAFKA_SH" stop --dir "$dir" >&2 || true
  if [[ $rc -eq 0 && "${KAVRO_KEEP_KAFKA_DIR:-0}" != 1 ]]; then
    rm -rf "$dir"
  else
    echo "with-kafka: broker state and logs kept in $dir" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT

export KAVRO_BOOTSTRAP="127.0.0.1:$port"
export KAVRO_KAFKA_LOG_DIR="$dir/logs"
export KAVRO_KAFKA_DIR="$dir"
export KAVRO_KAFKA_PORT="$port"

# CMD runs as a child we wait for, so that a signal to this script is handled at once:
# it is passed on to CMD (as SIGTERM: background children ignore SIGINT), then the broker stops.
child=""
on_signal() {
  local rc=$1
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit "$rc"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
"$@" <&0 &
child=$!
set +e
wait "$child"
rc=$?
set -e
child=""
exit "$rc"
