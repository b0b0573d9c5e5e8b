#!/usr/bin/env bash
# kavro's scale and cost curves: the end-to-end benchmark (scripts/bench.sh) run at several points
# against one private Kafka broker, started once (scripts/with-kafka.sh):
#   size        3 partitions; the Order record (~25 bytes of key and value), a ~1 KB and a ~10 KB record
#               (bench.sh --pad): messages/s, MB/s, CPU seconds per million messages and per GB, peak RSS
#   partitions  the Order record over 1, 3 and 12 partitions (the 3-partition point is the size curve's)
#   backlog     the consumers' peak RSS over a topic holding 1 M and one holding 10 M Order messages,
#               written in full before the consumers start: kavro's consumer memory must be bounded by
#               its configuration, not by the backlog (flat within 20%)
# Contestants: raw-produce, kavro-produce-generic, raw-consume, kavro-consume-noop, and the Python pair
# (python-produce, python-consume) at smaller counts in a point of its own. raw-consume reads with
# kavro's consumer prefetch settings (kavro-bench applies them, as kavro's consumer does); with
# --ceiling-props it also runs with other settings in a point of its own, and the faster of the two is
# the ceiling. Counts are chosen per record size so
# that each contestant runs a few seconds on a 2-core machine; the full run takes about 5 minutes
# (each --backlog-variant adds about 1), --quick about 1.
#
#   scripts/bench-scale.sh [--quick] [--out DIR] [--curves size,partitions,backlog] [--no-python]
#                          [--repeat R] [-C consumer.key=value]...
#
# Writes DIR/bench-scale.md (a table per curve, the machine and the build), DIR/bench-scale.svg (the
# curves) and DIR/bench-scale.jsonl (every run of every point, tagged with its settings); each point's
# own bench.sh output stays under build/bench-scale/<run>/. Exits non-zero if any point did not move
# every message.
#
# Options:
#   --quick              small counts, results under build/bench-scale-quick: checks that it all works
#   --out DIR            where the results go (default: docs/)
#   --curves LIST        which curves to run, comma-separated (default: size,partitions,backlog)
#   --no-python          leave the Python pair out
#   --repeat R           runs per contestant at each size and partition point, the fastest kept
#                        (default 2; the backlog points run once: their figure is memory)
#   -C key=value         librdkafka property for every consumer of every point (passed to bench.sh)
#   --backlogs LIST      backlog sizes, comma-separated (default: 1000000,10000000)
#   --backlog-variant P  also run the backlog points with these consumer properties (comma-separated
#                        key=value), kavro-consume-noop only, side by side with the defaults; repeatable
#   --ceiling-props P    consumer properties of a second raw-consume (comma-separated key=value, e.g.
#                        librdkafka 2.0.2's defaults queued.min.messages=100000,queued.max.messages.kbytes=65536;
#                        default "none": no second run)
#   --bootstrap B        use this broker instead of starting one
#   --bench-bin, --kavro-bin   the drivers (default: bench.sh's, the release build)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/scripts/bench.sh"

quick=0 out="" curves="size,partitions,backlog" python=1 repeat="" bootstrap=""
bench_bin="" kavro_bin=""
consumer_props=() backlog_variants=() backlog_list=""
ceiling_props="none"
args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --curves) curves="$2"; shift 2 ;;
    --no-python) python=0; shift ;;
    --repeat) repeat="$2"; shift 2 ;;
    -C) consumer_props+=("$2"); shift 2 ;;
    --backlogs) backlog_list="$2"; shift 2 ;;
    --backlog-variant) backlog_variants+=("$2"); shift 2 ;;
    --ceiling-props) ceiling_props="$2"; shift 2 ;;
    --bootstrap) bootstrap="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --kavro-bin) kavro_bin="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "bench-scale: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { echo "bench-scale: $*" >&2; }
die() { echo "bench-scale: ERROR: $*" >&2; exit 1; }
wants() { [[ ",$curves," == *",$1,"* ]]; }

# Messages per point. The C++ contestants move each size at a few seconds' worth; the Python pair, about
# ten times slower on small records, gets fewer. A 10 KB point moves about 0.5 GB per producer run.
if (( quick )); then
  sizes=(0:20000 1000:5000 10000:1000)
  py_sizes=(0:5000 1000:2000 10000:500)
  partition_list=(1 3 12) partition_count=20000 py_partition_count=5000
  backlogs=(20000 200000)
  repeat="${repeat:-1}"
  out="${out:-$REPO/build/bench-scale-quick}"
else
  sizes=(0:1000000 1000:300000 10000:50000)
  py_sizes=(0:200000 1000:100000 10000:20000)
  partition_list=(1 3 12) partition_count=1000000 py_partition_count=200000
  backlogs=(1000000 10000000)
  repeat="${repeat:-2}"
fi
out="${out:-$REPO/docs}"
[[ -n "$backlog_list" ]] && IFS=, read -r -a backlogs <<< "$backlog_list"
[[ "$ceiling_props" == none ]] && ceiling_props=""
# "a=1,b=2" -> (-C a=1 -C b=2)
as_cprops() { local kv kvs=(); IFS=, read -r -a kvs <<< "$1"; for kv in ${kvs[@]+"${kvs[@]}"}; do printf '%s\0%s\0' -C "$kv"; done; }
ceiling=(); [[ -n "$ceiling_props" ]] && mapfile -d '' -t ceiling < <(as_cprops "$ceiling_props")
cpp=raw-produce,kavro-produce-generic,raw-consume,kavro-consume-noop
py=python-produce,python-consume

# No broker given: rerun this script inside a private one, which with-kafka.sh stops afterwards.
if [[ -z "$bootstrap" && "${KAVRO_BENCH_SCALE_IN_BROKER:-0}" != 1 ]]; then
  say "starting a private Kafka broker"
  exec bash "$REPO/scripts/with-kafka.sh" env KAVRO_BENCH_SCALE_IN_BROKER=1 bash "$0" ${args[@]+"${args[@]}"}
fi
bootstrap="${bootstrap:-$KAVRO_BOOTSTRAP}"

started=$(date +%s)
# What is measured: the commit, and the sources that differ from it when the run starts.
dirty="$(cd "$REPO" && git status --porcelain --untracked-files=no -- src include bench 2>/dev/null | awk '{print $2}' | paste -sd' ' -)"
build="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')${dirty:+ + uncommitted changes in $dirty}"
runs="$REPO/build/bench-scale/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$runs" "$out"
manifest="$runs/manifest.tsv"
: > "$manifest"
drivers=()
[[ -n "$bench_bin" ]] && drivers+=(--bench-bin "$bench_bin")
[[ -n "$kavro_bin" ]] && drivers+=(--kavro-bin "$kavro_bin")
cprops=(); for p in ${consumer_props[@]+"${consumer_props[@]}"}; do cprops+=(-C "$p"); done
failed=()

# One point: a bench.sh run into its own directory, named by its settings, so that a point two curves
# share runs once. Its progress goes to <dir>.log; a point that fails is reported and the others go on.
#   point CURVE NAME bench.sh-args...
point() {
  local curve="$1" name="$2"; shift 2
  local dir="$runs/$name"
  if [[ ! -f "$dir/bench-results.jsonl" ]]; then
    say "$curve: $name ($(( $(date +%s) - started )) s in)"
    if ! bash "$BENCH" --bootstrap "$bootstrap" --out "$dir" ${drivers[@]+"${drivers[@]}"} "$@" > "$dir.log" 2>&1; then
      failed+=("$name")
      say "$name failed (see $dir.log):"
      grep -v '^bench: [a-z-]*: \(produce\|consume\) ' "$dir.log" | tail -n 15 | sed 's/^/  /' >&2 || true
    fi
  fi
  [[ -f "$dir/bench-results.jsonl" ]] && printf '%s\t%s\n' "$curve" "$dir" >> "$manifest"
  return 0
}

# The contestants at one point of the size or partition curve: the C++ four, the ceiling with kavro's
# prefetch settings, and the Python pair at its own count. A point two curves share runs once.
#   curve_point CURVE PARTITIONS PAD COUNT PYTHON-COUNT
curve_point() {
  local curve="$1" p="$2" pad="$3" n="$4" pyn="$5"
  local at=(--pad "$pad" --partitions "$p" ${cprops[@]+"${cprops[@]}"})
  point "$curve" "p$p-pad$pad-n$n-cpp" --only "$cpp" --count "$n" --repeat "$repeat" "${at[@]}"
  if (( ${#ceiling[@]} )); then
    point "$curve" "p$p-pad$pad-n$n-ceiling" --only raw-consume --count "$n" --repeat "$repeat" "${at[@]}" "${ceiling[@]}"
  fi
  if (( python )); then
    point "$curve" "p$p-pad$pad-n$pyn-py" --only "$py" --count "$pyn" --repeat 1 "${at[@]}"
  fi
}

if wants size; then
  for i in "${!sizes[@]}"; do
    s="${sizes[$i]}" pys="${py_sizes[$i]}"
    curve_point size 3 "${s%%:*}" "${s#*:}" "${pys#*:}"
  done
fi

if wants partitions; then
  # Its 3-partition point is the size curve's Order point when the counts agree.
  for p in "${partition_list[@]}"; do
    curve_point partitions "$p" 0 "$partition_count" "$py_partition_count"
  done
fi

if wants backlog; then
  # bench.sh writes the consumers' topic in full (raw-produce, the fastest writer) before any consumer
  # starts, then each consumer reads the whole backlog in its own group.
  for n in "${backlogs[@]}"; do
    point backlog "backlog-n$n" --only raw-produce,raw-consume,kavro-consume-noop --count "$n" --partitions 3 \
      --repeat 1 ${cprops[@]+"${cprops[@]}"}
  done
  v=0
  for variant in ${backlog_variants[@]+"${backlog_variants[@]}"}; do
    v=$((v + 1))
    mapfile -d '' -t vprops < <(as_cprops "$variant")
    for n in "${backlogs[@]}"; do
      point backlog "backlog-n$n-variant$v" --only kavro-consume-noop --count "$n" --partitions 3 --repeat 1 \
        ${cprops[@]+"${cprops[@]}"} "${vprops[@]}"
    done
  done
fi

[[ -s "$manifest" ]] || die "no point produced results (logs under $runs)"
duration=$(( $(date +%s) - started ))
command="scripts/bench-scale.sh${args[*]+ ${args[*]}}"
python3 "$REPO/bench/python/scale_report.py" "$manifest" --out "$out" \
  --set "nproc=$(nproc)" --set "build=$build" --set "duration_s=$duration" --set "command=$command" \
  --set "ceiling_props=${ceiling_props//,/ }" || true
say "done in $((duration / 60)) min $((duration % 60)) s: $out/bench-scale.md, $out/bench-scale.svg, $out/bench-scale.jsonl"
(( ${#failed[@]} == 0 )) || die "points that did not move every message: ${failed[*]}"
