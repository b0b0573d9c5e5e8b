#!/usr/bin/env bash
# Load benchmark of kavro's Schema Registry with wrk: GET /schemas/ids/{id} (the consumer's path),
# registering new schemas (the write path) and re-registering a known one (a producer's cache miss).
# Prints requests/s and p99 latency per scenario.
#
#   bench/registry/bench.sh [--kavro PATH] [--duration 10s] [--threads 2] [--connections 32]
#                           [--kafka-bootstrap HOST:PORT]   # measure the Kafka-backed store instead
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAVRO="$REPO/build/release/src/cli/kavro"
DURATION=10s THREADS=2 CONNECTIONS=32 BOOTSTRAP=""
while (($#)); do
  case "$1" in
    --kavro) KAVRO="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --kafka-bootstrap) BOOTSTRAP="$2"; shift 2 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (scripts/setup.sh installs it)" >&2; exit 1; }
[[ -x "$KAVRO" ]] || { echo "no kavro binary at $KAVRO (cmake --build --preset release, or --kavro PATH)" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
work=$(mktemp -d); trap '[[ -n "${KEEP_LOG:-}" ]] && cp "$work/registry.log" "$KEEP_LOG"; ''kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
args=(registry serve --host 127.0.0.1 --port "$port" ${KAVRO_BENCH_LOG_REQUESTS:+--log-requests})
store="memory"
if [[ -n "$BOOTSTRAP" ]]; then
  args+=(--kafka-bootstrap "$BOOTSTRAP" --kafka-topic "_schemas-bench-$$-$RANDOM"); store="kafka ($BOOTSTRAP)"
fi
"$KAVRO" "${args[@]}" >"$work/registry.log" 2>&1 & pid=$!
for _ in $(seq 300); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "$url/readyz" >/dev/null || { cat "$work/registry.log"; exit 1; }

schema='{"schema":"{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"order_id\",\"type\":\"int\"},{\"name\":\"price\",\"type\":\"float\"}]}"}'
curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' --data "$schema" "$url/subjects/orders-value/versions" >/dev/null

# p99 and rate, printed by wrk's done() hook on one line.
cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n", summary.requests / secs, latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, summary.requests, errors))
end
LUA
cat "$work/report.lua" >"$work/get.lua"
{ cat <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.schemaregistry.v1+json"
wrk.body = [[$schema]]
LUA
  cat "$work/report.lua"; } >"$work/reregister.lua"
{ cat <<'LUA'
-- Every request registers a schema never seen before, under its own subject.
local counter = 0
local thread_id = 0
local next_thread = 0
setup = function(thread) thread:set("tid", next_thread); next_thread = next_thread + 1 end
init = function() thread_id = tid end
request = function()
  counter = counter + 1
  local name = string.format("R%d_%d", thread_id, counter)
  local body = '{"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"' .. name .. '\\",\\"fields\\":[{\\"name\\":\\"f\\",\\"type\\":\\"long\\"}]}"}'
  return wrk.format("POST", "/subjects/bench-" .. name .. "/versions",
                    {["Content-Type"] = "application/vnd.schemaregistry.v1+json"}, body)
end
LUA
  cat "$work/report.lua"; } >"$work/register.lua"

run() {  # name path script
  local line
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$3" "$url$2" | grep '^RESULT')
  read -r _ rps p50 p99 total errors <<<"$line"
  printf '%-34s %10s req/s   p50 %7s ms   p99 %7s ms   (%s requests, %s errors)\n' "$1" "$rps" "$p50" "$p99" "$total" "$errors"
}

echo "kavro registry benchmark: store $store, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
run "GET /schemas/ids/1" /schemas/ids/1 "$work/get.lua"
run "POST re-register (existing schema)" /subjects/orders-value/versions "$work/reregister.lua"
run "POST register (new schema)" / "$work/register.lua"
