#!/usr/bin/env bash
# Builds the fuzz preset and runs libFuzzer targets for a bounded time; fails on any crash,
# sanitizer report, leak, timeout or out-of-memory.
#
#   scripts/fuzz.sh [TARGET...]     default: every target, i.e. every fuzz/corpus/<name>/
#   FUZZ_SECONDS=600 scripts/fuzz.sh   total time budget, split evenly (default 60)
#
# Each target starts from a temporary copy of its seed corpus, so the checked-in corpus only
# changes when someone copies an input in on purpose. A crashing input is kept in
# build/fuzz/artifacts/; once fixed, add it to fuzz/corpus/<name>/ so that the replay test
# guards against the regression.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
total=${FUZZ_SECONDS:-60}

targets=("$@")
if ((${#targets[@]} == 0)); then
  for dir in "$root"/fuzz/corpus/*/; do
    targets+=("$(basename "$dir")_fuzz")
  done
fi
per_target=$((total / ${#targets[@]}))
((per_target > 0)) || per_target=1

"$root/scripts/build.sh" fuzz "${targets[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$root/build/fuzz/artifacts"
mkdir -p "$artifacts"

failed=()
for target in "${targets[@]}"; do
  corpus="$work/${target%_fuzz}"
  cp -r "$root/fuzz/corpus/${target%_fuzz}" "$corpus"
  echo "== $target: ${per_target}s from $(find "$corpus" -type f | wc -l) seeds"
  # -max_len keeps inputs manifest-sized; -timeout catches hangs (exponential anchors, say);
  # -rss_limit_mb catches runaway allocation before the machine does.
  if ! "$root/build/fuzz/bin/$target" "$corpus" \
    -max_total_time="$per_target" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-"; then
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $artifacts)" >&2
  ls -l "$artifacts" >&2
  exit 1
fi
echo "fuzz: ${targets[*]}: no crashes in ${total}s"
