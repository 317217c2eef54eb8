#!/usr/bin/env bash
# Configures and builds one preset into build/<preset>:
#   debug    Debug
#   release  RelWithDebInfo (the default; what scripts/cubelet and scripts/test.sh use)
#   asan     Debug with AddressSanitizer + UndefinedBehaviorSanitizer (CUBELET_SANITIZE)
#   fuzz     clang 14 with libFuzzer targets only (CUBELET_FUZZ, no unit tests)
# Extra arguments go to the build tool, e.g. `scripts/build.sh release cubelet` builds one target.
# Ninja is incremental, so running this again is cheap when nothing changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-release}
shift || true

# The top-level CMakeLists.txt turns ccache on by itself when it is installed.
args=(-G Ninja)
case "$preset" in
  debug) args+=(-DCMAKE_BUILD_TYPE=Debug) ;;
  release) args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) args+=(-DCMAKE_BUILD_TYPE=Debug -DCUBELET_SANITIZE=ON) ;;
  fuzz)
    # libFuzzer ships with clang (libclang-rt-14-dev), not with g++.
    args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUBELET_FUZZ=ON -DCUBELET_TESTS=OFF
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14)
    ;;
  *)
    echo "usage: $0 [debug|release|asan|fuzz] [build-tool args...]" >&2
    exit 2
    ;;
esac

dir="$root/build/$preset"
# Configure only once; later runs let ninja re-run cmake when a CMakeLists.txt changes (and the
# CONFIGURE_DEPENDS globs pick up new source files).
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S "$root" -B "$dir" "${args[@]}"
fi
# One job per core (ninja's own default oversubscribes by two); CUBELET_JOBS overrides it.
cmake --build "$dir" -j "${CUBELET_JOBS:-$(nproc)}" -- "$@"
