#!/usr/bin/env bash
# Installs every Debian package that building and testing cubelet needs.
#
#   scripts/install-deps.sh           build and test dependencies (what CI installs)
#   scripts/install-deps.sh --bench   also BENCH_PACKAGES: the tools cubelet is compared against
#                                     by bench/runtime_pod.sh (podman, crun, ...); never in CI
#
# Idempotent and quiet: when everything is already installed it prints nothing and touches
# neither the network nor apt's lists, so scripts/test.sh and scripts/cubelet can call it on
# every run. Needs root only when something is missing.
set -euo pipefail

# The one list of build and test dependencies. New issues add their packages here.
PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache g++ pkg-config
  # clang 14: libFuzzer (libclang-rt-14-dev), clang-format, clang-tidy
  clang clang-14 libclang-rt-14-dev clang-format clang-tidy
  # libraries (see the dependency table of DESIGN.md)
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev
  libssl-dev libcurl4-openssl-dev libarchive-dev libseccomp-dev libsqlite3-dev libboost-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev python3 python3-pytest python3-yaml bc
  # loopback registries for tests/integration (tests/fixtures/registry/README.md)
  docker-registry skopeo umoci busybox-static apache2-utils zstd jq curl openssl
)

# Only with --bench: other container engines, for side-by-side benchmarks (bench/runtime_pod.sh).
# CI never installs these.
BENCH_PACKAGES=(podman conmon crun runc catatonit hyperfine)

bench=0
while (($#)); do
  case "$1" in
    --bench) bench=1 ;;
    *)
      echo "usage: $0 [--bench]" >&2
      exit 2
      ;;
  esac
  shift
done
wanted=("${PACKAGES[@]}")
if ((bench)); then
  wanted+=("${BENCH_PACKAGES[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package; a removed
  # package whose config files remain ("deinstall ok config-files") counts as missing.
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
# env(1) carries DEBIAN_FRONTEND through sudo, which would otherwise drop it.
run=(env DEBIAN_FRONTEND=noninteractive)
if ((EUID != 0)); then
  run=(sudo "${run[@]}")
fi
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
