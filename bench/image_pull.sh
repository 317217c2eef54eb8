#!/usr/bin/env bash
# Pull + unpack benchmark: cubelet against skopeo copy + umoci unpack (what a user would script
# without cubelet), the same image from the same loopback registry, cold caches on both sides.
#
#   bench/image_pull.sh [--big] [--runs N]
#
# --big adds the >= 100 MB fixture image. Prints one line per image with the median wall time
# of each tool and the ratio (skopeo+umoci / cubelet: above 1 means cubelet is faster).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=5
big=0
while (($#)); do
  case "$1" in
    --big) big=1 ;;
    --runs) runs=$2; shift ;;
    *) echo "usage: $0 [--big] [--runs N]" >&2; exit 2 ;;
  esac
  shift
done

"$root/scripts/build.sh" release cubelet >/dev/null 2>&1
cubelet="$root/build/release/bin/cubelet"
fixtures="$root/tests/fixtures/registry/setup.sh"
setup_args=(up)
((big)) && setup_args+=(--big)
env_lines=$("$fixtures" "${setup_args[@]}")
plain=$(sed -n 's/^PLAIN=//p' <<<"$env_lines")
trap '"$fixtures" down >/dev/null' EXIT

work=$(mktemp -d /tmp/cubelet-bench.XXXXXX)
trap 'rm -rf "$work"; "$fixtures" down >/dev/null' EXIT

# Median of the wall times (seconds) of `runs` runs of a command; `prep` runs untimed before
# each run to clear the tool's cache.
median() {
  local prep=$1; shift
  local times=()
  for ((i = 0; i < runs; i++)); do
    eval "$prep"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

skopeo_umoci() {
  local image=$1
  skopeo --insecure-policy copy --src-tls-verify=false "docker://$plain/$image" \
    "oci:$work/oci:img" && umoci unpack --image "$work/oci:img" "$work/bundle"
}

images=(library/busybox:latest multiarch:latest)
((big)) && images+=(library/big:latest)
printf '%-28s %10s %14s %8s\n' IMAGE cubelet skopeo+umoci ratio
for image in "${images[@]}"; do
  # A failing tool would time its error path: check both work before timing them.
  rm -rf "$work/data" "$work/oci" "$work/bundle"
  "$cubelet" image --data-dir "$work/data" pull "$plain/$image" >/dev/null ||
    { echo "cubelet failed to pull $image" >&2; exit 1; }
  skopeo_umoci "$image" >/dev/null 2>&1 || { echo "skopeo/umoci failed on $image" >&2; exit 1; }
  c=$(median "rm -rf '$work/data'" "$cubelet" image --data-dir "$work/data" pull "$plain/$image")
  s=$(median "rm -rf '$work/oci' '$work/bundle'" skopeo_umoci "$image")
  printf '%-28s %9.3fs %13.3fs %7.2fx\n' "$image" "$c" "$s" "$(echo "$s / $c" | bc -l)"
done
