#!/usr/bin/env bash
# Formats the C++ sources with .clang-format, or with --check only lists the files that are not
# formatted (and fails). Covers src/, tests/ and fuzz/.
#
#   scripts/format.sh           rewrite files in place
#   scripts/format.sh --check   what CI runs
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# clang-format 14 is the version CI pins (Debian 12's); other versions format slightly
# differently, so prefer the versioned binary when both exist.
format=clang-format-14
command -v "$format" >/dev/null || format=clang-format

mapfile -t files < <(find src tests fuzz -type f \( -name '*.h' -o -name '*.cc' \) | sort)

if [[ "${1:-}" != "--check" ]]; then
  "$format" -i "${files[@]}"
  exit 0
fi

unformatted=()
for f in "${files[@]}"; do
  if ! "$format" --dry-run -Werror "$f" >/dev/null 2>&1; then
    unformatted+=("$f")
  fi
done
if ((${#unformatted[@]} > 0)); then
  echo "format: ${#unformatted[@]} of ${#files[@]} files need scripts/format.sh:" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files ok"
