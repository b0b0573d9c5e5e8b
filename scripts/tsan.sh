#!/usr/bin/env bash
# ThreadSanitizer run: configures build/tsan (the tsan preset: TSAN, no ASan), builds only what its
# tests need, and runs them. The consumer's fault tests start their own broker.
#
#   scripts/tsan.sh                 the pipeline's unit tests (partition table, commit batcher, poll
#                                   keeper, ...): what scripts/test.sh runs
#   scripts/tsan.sh --faults        those, then the consumer's fault tests (builds the kavro command too)
#   scripts/tsan.sh --unit-tier     every unit test executable, then the consumer's fault tests
#   scripts/tsan.sh -R poll_keeper  any other ctest arguments replace the default selection (unit tier only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

start=$(date +%s)
cmake --preset tsan >/dev/null
# The threads under test live in the pipeline (the consumer and its poll keeper): its unit tests and the
# consumer's fault tests (with the kavro command they drive) are what the suite's TSAN step builds. Only
# built executables register their tests, so `ctest -L unit` below runs just these.
# The suite's default is the pipeline's unit tests alone: the fault tests need a TSAN build of the whole
# kavro command, which takes longer than the rest of the suite's budget allows on 2 cores.
unit_targets=(pipeline_unit_tests)
fault_targets=()
if [[ "${1:-}" == --faults ]]; then
  shift
  fault_targets=(consumer_fault_tests kavro)
elif [[ "${1:-}" == --unit-tier ]]; then
  shift
  mapfile -t unit_targets < <(grep -ho 'NAME [a-z_0-9]* LABEL unit' tests/unit/*/CMakeLists.txt | awk '{print $2}')
  fault_targets=(consumer_fault_tests kavro)
fi
cmake --build --preset tsan --target "${unit_targets[@]}" "${fault_targets[@]}" -j "${KAVRO_TSAN_JOBS:-2}"
built=$(date +%s)
echo "tsan: built in $(( built - start )) s"

rc=0
if [[ $# -gt 0 ]]; then
  ctest --preset tsan -L unit "$@" || rc=$?
else
  ctest --preset tsan -L unit || rc=$?
  if (( ${#fault_targets[@]} > 0 )); then
    ctest --preset tsan -R '^consumer_fault\.' --timeout 900 || rc=$?
  fi
fi
echo "tsan: $(( $(date +%s) - built )) s of tests, $(( $(date +%s) - start )) s in all (exit $rc)"
exit "$rc"
