#!/usr/bin/env bash
# The end-to-end benchmark: kavro against librdkafka alone (the ceiling) and against the orders example's
# Python stack (confluent-kafka with AvroSerializer/AvroDeserializer) and the Java stack (Kafka's Java client
# with Apache Avro's GenericDatumWriter/Reader, bench/java), in one run, through the same real broker and the
# same kavro registry, with the same messages, partitions and client settings.
#
#   scripts/bench.sh [--count N] [--partitions P] [--pad BYTES] [--only a,b,...]
#                    [-X producer.key=value]... [-C consumer.key=value]... [--out DIR]
#
# Without --bootstrap it starts a private broker on free ports (scripts/with-kafka.sh) and stops it
# afterwards; it always starts its own registry (`kavro registry serve`) on a free port. Each
# contestant runs in its own process; for each it prints messages/s, MB/s, CPU seconds (user+sys of
# the client process, every thread) per million messages, peak RSS, and the ratios to the ceiling
# and to the Python stack. Writes DIR/bench-results.{md,svg,jsonl} and DIR/bench-meta.json (DIR:
# docs/, or build/bench-smoke with --smoke) and exits non-zero if any contestant did not move every
# message.
#
# Options:
#   --count N            messages per contestant (default 1000000)
#   --partitions P       partitions of every topic (default 3)
#   --pad BYTES          grow each order's product name by BYTES (message-size curves; default 0)
#   --only LIST          contestants to run, comma-separated (default: all; see `kavro-bench list`)
#   --repeat R           run every contestant R times, interleaved, and report each one's fastest run
#                        (default 1; on a shared machine 3 gives steadier figures)
#   -X key=value         librdkafka property for every producer (after the defaults below)
#   -C key=value         librdkafka property for every consumer
#   --out DIR            where the results go
#   --smoke              2,000 messages, 1 partition, results under build/: the test suite's run
#   --bootstrap B        use this broker instead of starting one; --bootstrap-file F reads B from F
#   --bench-bin, --kavro-bin, --python   the drivers (default: the release build, .venv/bin/python)
# Producer defaults (kavro's own, made explicit so every contestant has them):
#   enable.idempotence=true acks=all retries=3 retry.backoff.ms=100 delivery.timeout.ms=30000 linger.ms=5
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/ports.sh
source "$REPO/scripts/lib/ports.sh"

count=1000000 partitions=3 pad=0 only="" out="" smoke=0 repeat=1 bootstrap="" bootstrap_file=""
bench_bin="" kavro_bin="" python="$REPO/.venv/bin/python"
producer_props=(enable.idempotence=true acks=all retries=3 retry.backoff.ms=100 delivery.timeout.ms=30000 linger.ms=5)
consumer_props=()
args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --partitions) partitions="$2"; shift 2 ;;
    --pad) pad="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    -X) producer_props+=("$2"); shift 2 ;;
    -C) consumer_props+=("$2"); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --bootstrap) bootstrap="$2"; shift 2 ;;
    --bootstrap-file) bootstrap_file="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --kavro-bin) kavro_bin="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "bench: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if (( smoke )); then
  count=2000 partitions=1
  out="${out:-$REPO/build/bench-smoke}"
fi
out="${out:-$REPO/docs}"
[[ -n "$bootstrap_file" ]] && bootstrap="$(cat "$bootstrap_file")"
[[ "${KAVRO_BENCH_IN_BROKER:-0}" == 1 ]] && bootstrap="${bootstrap:-$KAVRO_BOOTSTRAP}"
say() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }

# The drivers: the release build unless given; built when missing.
if [[ -z "$bench_bin" || -z "$kavro_bin" ]]; then
  bench_bin="${bench_bin:-$REPO/build/release/bench/pipeline/kavro-bench}"
  kavro_bin="${kavro_bin:-$REPO/build/release/src/cli/kavro}"
  if [[ ! -x "$bench_bin" || ! -x "$kavro_bin" ]]; then
    say "building the release preset (kavro, kavro-bench)"
    (cd "$REPO" && cmake --preset release >/dev/null && cmake --build --preset release --target kavro kavro_bench) >&2
  fi
fi
[[ -x "$bench_bin" ]] || die "no kavro-bench at $bench_bin"
[[ -x "$kavro_bin" ]] || die "no kavro at $kavro_bin"
if [[ ! -x "$python" ]]; then
  say "no $python: running scripts/setup.sh --no-apt --no-kafka for the Python stack"
  bash "$REPO/scripts/setup.sh" --no-apt --no-kafka >&2 || die "could not set up .venv"
fi

# No broker given: rerun this script inside a private one.
if [[ -z "$bootstrap" ]]; then
  say "starting a private Kafka broker"
  exec bash "$REPO/scripts/with-kafka.sh" env KAVRO_BENCH_IN_BROKER=1 bash "$0" ${args[@]+"${args[@]}"} \
    --bench-bin "$bench_bin" --kavro-bin "$kavro_bin" --python "$python"
fi

mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/kavro-bench.XXXXXX")"
registry_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$registry_pid" ]]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# kavro's registry, on a free port.
read -r rport _ < <(free_ports)
"$kavro_bin" registry serve --host 127.0.0.1 --port "$rport" > "$work/registry.log" 2>&1 &
registry_pid=$!
registry="http://127.0.0.1:$rport"
for _ in $(seq 1 100); do
  curl -sf "$registry/subjects" >/dev/null 2>&1 && break
  kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.log" >&2; die "the registry did not start"; }
  sleep 0.1
done
curl -sf "$registry/subjects" >/dev/null || die "the registry does not answer on $registry"

# The contestants, as the drivers list them (name, role, what). Producers run first: the consumers all
# read what raw-produce wrote, the same bytes every producer writes. A contestant a driver lists that
# is not named here (e.g. a new one) runs after the known ones.
"$bench_bin" list > "$work/what.tsv"
"$python" "$REPO/bench/python/bench_python.py" list >> "$work/what.tsv"
# The Java stack (bench/java): fetched and compiled on first use; left out, with a note, without a JDK.
java_cp="${KAVRO_CACHE:-$HOME/.cache/kavro}/java-bench"
if bash "$REPO/bench/java/setup.sh" >&2; then
  java_cp="$java_cp/classes:$java_cp/libs/*"
  java -cp "$java_cp" KavroJavaBench list >> "$work/what.tsv"
else
  say "the Java contestants are left out (bench/java/setup.sh failed)"
fi
known=(raw-produce kavro-produce-generic kavro-produce-generated python-produce
       raw-consume kavro-consume-noop kavro-consume-generated kavro-consume-sqlite kavro-consume-sqlite-batched
       python-consume python-consume-sqlite java-produce java-consume)
role_of() { awk -F'\t' -v c="$1" '$1==c {print $2; exit}' "$work/what.tsv"; }
selected=()
for role in produce consume; do
  for c in "${known[@]}" $(cut -f1 "$work/what.tsv"); do
    [[ "$(role_of "$c")" == "$role" ]] || continue
    [[ " ${selected[*]-} " == *" $c "* ]] && continue
    [[ -z "$only" || ",$only," == *",$c,"* ]] || continue
    selected+=("$c")
  done
done
(( ${#selected[@]} )) || die "no contestant selected (see: $bench_bin list)"

run="bench-$(date +%s)-$RANDOM"
source_topic="$run-source"
# raw-produce's first run writes what every consumer reads; every other producer run gets its own topic,
# so the consumers' topic holds each order id once (the SQLite contestants check that).
produce_topic() { if [[ "$1" == raw-produce && "$2" == 1 ]]; then echo "$source_topic"; else echo "$run-$1-$2"; fi; }
topics=("$source_topic")
for (( r = 1; r <= repeat; ++r )); do
  for c in "${selected[@]}"; do
    t="$(produce_topic "$c" "$r")"
    [[ "$(role_of "$c")" == produce && "$t" != "$source_topic" ]] && topics+=("$t")
  done
done
"$bench_bin" setup --bootstrap "$bootstrap" --topics "$(IFS=,; echo "${topics[*]}")" --partitions "$partitions"

xprops=(); for p in "${producer_props[@]}"; do xprops+=(-X "$p"); done
cprops=(); for p in ${consumer_props[@]+"${consumer_props[@]}"}; do cprops+=(-C "$p"); done
common=(--bootstrap "$bootstrap" --registry "$registry" --count "$count" --pad "$pad")

# What the consumers read must exist even when raw-produce is not selected.
if [[ " ${selected[*]} " != *" raw-produce "* ]]; then
  say "writing the consumers' $count messages (raw-produce, not measured)"
  "$bench_bin" raw-produce "${common[@]}" --topic "$source_topic" "${xprops[@]}" > /dev/null
fi

# A freshly started broker is slow for its first messages (JIT, new segments): warm it up unmeasured.
say "warming the broker up (unmeasured)"
"$bench_bin" raw-produce --bootstrap "$bootstrap" --registry "$registry" --count "$(( count < 200000 ? count : 200000 ))" \
  --pad "$pad" --topic "$run-warmup" \
  "${xprops[@]}" > /dev/null || die "warm-up produce failed"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
results="$out/bench-results.jsonl"
: > "$results"
failed=()
for (( r = 1; r <= repeat; ++r )); do
for c in "${selected[@]}"; do
  role="$(role_of "$c")"
  if [[ "$role" == produce ]]; then
    topic="$(produce_topic "$c" "$r")"
    extra=("${xprops[@]}")
  else
    topic="$source_topic"
    extra=(--db "$work/$c.db" --group "$run-$c-$r" ${cprops[@]+"${cprops[@]}"})
  fi
  if [[ "$c" == python-* ]]; then cmd=("$python" "$REPO/bench/python/bench_python.py" "$c")
  elif [[ "$c" == java-* ]]; then cmd=(java -Xmx1g -cp "$java_cp" KavroJavaBench "$c")
  else cmd=("$bench_bin" "$c"); fi
  say "$c: $role $count messages ($topic), run $r of $repeat"
  if ! "${cmd[@]}" "${common[@]}" --topic "$topic" "${extra[@]}" >> "$results" 2> "$work/$c.err"; then
    failed+=("$c")
    sed 's/^/  /' "$work/$c.err" >&2
  fi
  rm -f "$work/$c.db" "$work/$c.db-wal" "$work/$c.db-shm"
done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$REPO/bench/python/meta.py" "$out/bench-meta.json" "count=$count" "partitions=$partitions" "pad=$pad" \
  "repeat=$repeat" "producer_props=${producer_props[*]}" "consumer_props=${consumer_props[*]-}" \
  "load_before=$load_before" "load_after=$load_after" "python=$python"
python3 "$REPO/bench/python/report.py" "$results" --meta "$out/bench-meta.json" --what "$work/what.tsv" \
  --markdown "$out/bench-results.md" --svg "$out/bench-results.svg" || true
say "results: $out/bench-results.md, $out/bench-results.svg, $results"
(( ${#failed[@]} == 0 )) || die "not every message moved for: ${failed[*]}"
