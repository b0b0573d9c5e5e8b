#!/usr/bin/env bash
# Scale-out measured on a local 3-node cluster (scripts/cluster.sh): `kavro consume` in 1, 2 and 3 processes
# over 6 partitions (replication factor 3), and `kavro produce` acks=all on replication factor 3 vs 1.
# Prints a Markdown table (messages/s; client and broker CPU µs per message).
#
#   bench/cluster/scale.sh [--count N] [--kavro BIN] [--out FILE]
#
# Starts its own cluster in a temporary dir and stops it afterwards. Default kavro: the release build.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
count=200000 kavro="$REPO/build/release/src/cli/kavro" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --kavro) kavro="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "scale: unknown option: $1" >&2; exit 2 ;;
  esac
done
if [[ ! -x "$kavro" ]]; then
  (cd "$REPO" && cmake --preset release >/dev/null && cmake --build --preset release --target kavro) >&2
fi
mkdir -p "$REPO/.kavro/tmp"
dir="$(mktemp -d "$REPO/.kavro/tmp/scale-cluster.XXXXXX")"
trap 'bash "$REPO/scripts/cluster.sh" stop --dir "$dir" >&2 || true; rm -rf "$dir"' EXIT
bash "$REPO/scripts/cluster.sh" start --nodes 3 --dir "$dir"
"$REPO/.venv/bin/python" "$REPO/bench/cluster/scale.py" --cluster-dir "$dir" --kavro "$kavro" --count "$count" \
  ${out:+--out "$out"}
