#!/usr/bin/env bash
# The whole test suite from nothing: installs what is missing (scripts/setup.sh), builds the debug
# preset (AddressSanitizer + UBSan), and runs every tier. The integration and interop tiers start
# a private real Kafka broker on free ports through a ctest fixture and stop it afterwards.
#
#   scripts/test.sh              every tier
#   scripts/test.sh -L unit      any ctest arguments select a subset
#   KAVRO_TSAN=0 scripts/test.sh skips the ThreadSanitizer step (scripts/tsan.sh: the pipeline's unit
#                                tests, in their own build tree build/tsan; `scripts/tsan.sh --faults`
#                                adds the consumer's fault tests)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
# The tree is clang-formatted: a file that drifts fails the run at once, before the long build.
bash scripts/format.sh --check
cmake --preset debug >/dev/null
cmake --build --preset debug
start=$(date +%s)
rc=0
ctest --preset debug --timeout 600 "$@" || rc=$?
echo "test suite: $(( $(date +%s) - start )) s of tests (exit $rc)"
if [[ "${KAVRO_TSAN:-1}" != 0 ]]; then
  bash scripts/tsan.sh || rc=$?
fi
exit "$rc"
