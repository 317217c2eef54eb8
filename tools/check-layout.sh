#!/usr/bin/env bash
# Makes DESIGN.md's module arrows executable (containerd's depguard): fails when a module
# includes a module it must not use, or another module's private header. Prints every
# offending #include line as file:line.
#
# Checked: src/<module>/** (dependency and private-header rules) and tests/unit/<module>/**
# (private-header rule; a module's own tests may include its private headers).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# The modules each module may include, besides itself (DESIGN.md "Layout": arrows go down,
# base is used by everyone, cli and cmd wire everything together). A module missing here may
# include any module; add it when it is created.
declare -A ALLOWED=(
  [base]=""
  [api]="base"
  [store]="base api"
  [image]="base api"
  [runtime]="base api"
  [net]="base api"
  [client]="base api"
  [apiserver]="base api store"
  [controllers]="base api client"
  [node]="base api client image runtime net"
)

# Headers other modules may include. Besides these, src/<m>/<m>.h and src/<m>/types/*.h are
# public everywhere, and src/<m>/testing/*.h (fakes) are public to tests.
PUBLIC_HEADERS=(
  'base/[^/]+\.h' # base is a utility module with several public headers
  'api/api\.h'
  'api/types/[^/]+\.h'
  'api/field_errors\.h'
  'api/field_path\.h'
  'api/yaml\.h'
  'api/image_ref\.h'
  'api/patch\.h'
  'api/selector\.h'
  'cli/cli\.h'
)

modules=" $(cd src && find . -mindepth 1 -maxdepth 1 -type d -printf '%f ') "

is_public() { # header (e.g. "api/codec.h"), in_test
  local header=$1 in_test=$2 m=${1%%/*} re
  [[ "$header" == "$m/$m.h" ]] && return 0
  [[ "$header" =~ ^$m/types/[^/]+\.h$ ]] && return 0
  [[ "$in_test" == 1 && "$header" =~ ^$m/testing/[^/]+\.h$ ]] && return 0
  for re in "${PUBLIC_HEADERS[@]}"; do
    [[ "$header" =~ ^${re}$ ]] && return 0
  done
  return 1
}

failures=0
report() { # grep line ("file:line:text"), reason
  echo "$1" >&2
  echo "    ^ $2" >&2
  failures=$((failures + 1))
}

while IFS= read -r hit; do
  file=${hit%%:*}
  text=${hit#*:*:}
  [[ "$text" =~ \#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
  header=${BASH_REMATCH[1]}
  target=${header%%/*}
  # Only includes of src/ modules matter ("api/api.h"; not "gtest/gtest.h" or "testutil.h").
  [[ "$header" == */* && "$modules" == *" $target "* ]] || continue

  # The module the including file belongs to: src/<m>/... or tests/unit/<m>/...
  rel=${file#src/}
  in_test=0
  if [[ "$file" == tests/unit/* ]]; then
    rel=${file#tests/unit/}
    in_test=1
  fi
  owner=${rel%%/*}
  [[ "$target" == "$owner" ]] && continue

  if [[ "$in_test" == 0 && -v "ALLOWED[$owner]" && " ${ALLOWED[$owner]} " != *" $target "* ]]; then
    report "$hit" "$owner must not include $target (allowed: ${ALLOWED[$owner]:-nothing})"
  elif ! is_public "$header" "$in_test"; then
    report "$hit" "$header is private to src/$target"
  fi
done < <(grep -rnE --include='*.h' --include='*.cc' '^[[:space:]]*#[[:space:]]*include' src tests/unit || true)

if ((failures > 0)); then
  echo "check-layout: $failures forbidden include(s); see DESIGN.md \"Layout\"" >&2
  exit 1
fi
echo "check-layout: ok"
