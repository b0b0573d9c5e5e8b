#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UBSan) and runs each for a bounded
# time. A crash is copied to fuzz/regressions/<target>-<hash>; the unit test avro_fuzz_regressions
# replays that directory, so commit the file together with the fix.
#   fuzz/run.sh [SECONDS_PER_TARGET=60] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
targets=("$@")
(( ${#targets[@]} )) || targets=(schema decode container json http protobuf)
build=$root/build/fuzz
command -v clang++ >/dev/null || { echo "fuzz/run.sh: clang++ is missing (scripts/setup.sh installs it)" >&2; exit 2; }
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DKAVRO_FUZZ=ON -DKAVRO_SANITIZE=ON -DKAVRO_BUILD_TESTS=OFF \
    -DKAVRO_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target "${targets[@]/#/fuzz_}" -j"${KAVRO_JOBS:-2}"
status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus" "$build/artifacts/$t"
  seeds=()
  [[ -d $root/fuzz/corpus/$t ]] && seeds+=("$root/fuzz/corpus/$t")
  echo "== fuzz_$t for ${secs}s"
  if ! "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$build/artifacts/$t/" -print_final_stats=1 "$corpus" "${seeds[@]}" 2>"$build/fuzz_$t.log"; then
    status=1
  fi
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$build/fuzz_$t.log" || true
  for a in "$build/artifacts/$t"/*; do
    [[ -f $a ]] || continue
    dest=$root/fuzz/regressions/$t-$(sha1sum "$a" | cut -c1-12)
    cp "$a" "$dest"
    echo "fuzz_$t: crash saved as $dest (see $build/fuzz_$t.log)"
    status=1
  done
done
exit $status
