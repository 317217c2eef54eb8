#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every ctest test (the gtest unit
# tests, the cli pytest suite and the fuzz corpus replays), printing ctest's summary.
#
#   scripts/test.sh           release build (build/release)
#   scripts/test.sh --asan    the same tests in the ASan+UBSan build (build/asan)
# Further arguments go to ctest, e.g. `scripts/test.sh -R Quantity` or `-L unit`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=release
if [[ "${1:-}" == "--asan" ]]; then
  preset=asan
  shift
fi

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$preset"

if [[ "$preset" == asan ]]; then
  # Fail on the first report, with symbolized stacks; leaks count as failures too.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

# ctest prints "100% tests passed, 0 tests failed out of N" last and exits non-zero on failure.
# --timeout bounds each test without a TIMEOUT of its own (ctest's default is 25 minutes), so
# a deadlocked test fails the run in minutes instead of stalling it.
cd "$root/build/$preset"
exec ctest --output-on-failure --timeout 300 -j "$(nproc)" "$@"
