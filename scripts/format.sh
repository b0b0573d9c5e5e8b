#!/usr/bin/env bash
# clang-format over kavro's C++ sources with the repository's .clang-format (Debian's clang-format 14).
#
#   scripts/format.sh --check   lists the files whose formatting differs and exits 1 if any; changes nothing
#   scripts/format.sh           formats them in place
#
# CLANG_FORMAT overrides the binary. Only tracked and new (not ignored) files under src include tests
# bench examples fuzz are touched: never build trees or third-party code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=apply
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "format.sh: unknown argument '$1' (use --check, or nothing to apply)" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-}
if [[ -z $cf ]]; then
  for c in clang-format-14 clang-format; do
    if command -v "$c" >/dev/null; then cf=$c; break; fi
  done
fi
if [[ -z $cf ]]; then
  echo "format.sh: clang-format not found: apt-get install clang-format (scripts/setup.sh installs it)" >&2
  exit 2
fi
version=$("$cf" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [[ $version != 14 ]]; then
  # Another major version formats some constructs differently: the check would flag files that are fine.
  echo "format.sh: warning: $cf is version ${version:-unknown}; the tree is formatted with clang-format 14" >&2
fi

mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard -- \
  'src/*.cpp' 'src/*.hpp' 'src/*.h' 'src/*.cc' \
  'include/*.hpp' 'include/*.h' \
  'tests/*.cpp' 'tests/*.hpp' 'tests/*.h' \
  'bench/*.cpp' 'bench/*.hpp' 'examples/*.cpp' 'examples/*.hpp' 'fuzz/*.cpp' 'fuzz/*.hpp' \
  | while IFS= read -r -d '' f; do [[ -f $f ]] && printf '%s\0' "$f"; done)
if (( ${#files[@]} == 0 )); then
  echo "format.sh: no C++ files found" >&2
  exit 2
fi

if [[ $mode == apply ]]; then
  printf '%s\0' "${files[@]}" | xargs -0 -n 50 "$cf" -i --style=file
  echo "format.sh: formatted ${#files[@]} files with $cf" >&2
  exit 0
fi

differ=()
for f in "${files[@]}"; do
  # The formatted text compared with the file: nothing is written.
  if ! "$cf" --style=file "$f" | cmp -s - "$f"; then differ+=("$f"); fi
done
if (( ${#differ[@]} > 0 )); then
  printf '%s\n' "${differ[@]}"
  echo "format.sh: ${#differ[@]} of ${#files[@]} files differ from .clang-format; run scripts/format.sh to fix" >&2
  exit 1
fi
echo "format.sh: all ${#files[@]} files formatted" >&2
