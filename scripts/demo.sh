#!/usr/bin/env bash
# The embedded demo from nothing: installs the build dependencies (no Java, no Python needed),
# builds the release preset and runs `kavro demo` — librdkafka's in-process mock cluster, kavro's
# registry, producer and consumer in one process. Extra arguments go to `kavro demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --no-python --no-kafka
cmake --preset release >/dev/null
cmake --build --preset release --target kavro
exec ./build/release/src/cli/kavro demo "$@"
