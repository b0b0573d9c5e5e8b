#!/usr/bin/env bash
# ThreadSanitizer run: configures build/tsan (the tsan preset: TSAN, no ASan), builds only what the
# unit tier and the consumer's fault tests need, and runs them. The fault tests start their own broker.
#
#   scripts/tsan.sh                 the unit tier, then the consumer's fault tests
#   scripts/tsan.sh -R poll_keeper  any ctest arguments replace the default selection (unit tier only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

start=$(date +%s)
cmake --preset tsan >/dev/null
# The unit tier's executables (every test directory under tests/unit), the consumer's fault tests and the
# kavro command they drive.
mapfile -t unit_targets < <(grep -ho 'NAME [a-z_0-9]* LABEL unit' tests/unit/*/CMakeLists.txt | awk '{print $2}')
cmake --build build/tsan --target "${unit_targets[@]}" consumer_fault_tests kavro -j "${KAVRO_TSAN_JOBS:-2}"
built=$(date +%s)
echo "tsan: built in $(( built - start )) s"

rc=0
if [[ $# -gt 0 ]]; then
  ctest --preset tsan -L unit "$@" || rc=$?
else
  ctest --preset tsan -L unit || rc=$?
  ctest --preset tsan -R '^consumer_fault\.' --timeout 900 || rc=$?
fi
echo "tsan: $(( $(date +%s) - built )) s of tests, $(( $(date +%s) - start )) s in all (exit $rc)"
exit "$rc"
