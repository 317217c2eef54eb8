#!/usr/bin/env bash
# Pod runtime benchmark: `cubelet runtime` side by side with podman (`kube play` / `kube down`)
# and crun (`crun run`), in one run on one machine, so the results are ratios.
#
#   bench/runtime_pod.sh [--runs N] [--pods N] [--quick | --smoke] [--skip-podman-density]
#                        [--results DIR] [--strict]
#
#   --runs N               timed runs per command (default 20; crun/runc/unshare get 5x as many)
#   --pods N               density: pods started one after another, then removed (default 50)
#   --quick                --runs 3 --pods 5, every tool (1-2 minutes: podman's teardown is slow)
#   --smoke                cubelet only (no podman, crun or runc; installs nothing beyond
#                          scripts/install-deps.sh; hyperfine is used when present): --runs 3
#                          --pods 5, about 20 s once built. Checks the absolute targets.
#   --skip-podman-density  leave podman out of the density and memory scenarios (removing 50
#                          podman pods takes about 3 minutes)
#   --results DIR          keep the hyperfine JSON, the logs and the table in DIR
#   --strict               exit 1 when a target is missed (failures of a tool always exit 1)
#   env BENCH_NO_HYPERFINE=1  time with bash's clock instead of hyperfine (what --smoke does when
#                          hyperfine is missing); BENCH_PORT_BASE: first of the 6 registry ports
#
# Scenarios (medians; every command is checked to work before it is timed):
#   1. pod to running, one busybox `sleep 3600` container, no network:
#      `cubelet runtime run -f pod.yaml` vs `podman kube play --network none pod.yaml`, plus
#      `crun run` / `runc run` of a /bin/true bundle (busybox rootfs, `crun spec` defaults) and
#      the floor `unshare -pfnmiu true`; teardown `cubelet runtime rmp bb1` vs `podman kube down`
#      and `podman pod rm -f -t 0`.
#   2. the same pod with two init containers (echo): the cost per init container is
#      (init pod - plain pod) / 2 for each tool.
#   3. density: pods d1..dN started one after another, then all removed.
#   4. memory with the N pods running: PSS and RSS (/proc/PID/smaps_rollup) of cubelet's
#      supervisors per pod, against podman's conmon processes and infra (catatonit) per pod.
#
# Isolation: cubelet gets a private --data-dir and --cgroup-parent; podman a private --root,
# --runroot and --tmpdir (CONTAINERS_CONF points at a generated file); the registry fixtures run
# with a private REG_DIR and ports (BENCH_PORT_BASE, default 15600). Everything is undone on exit,
# including the cgroup-v1 mount for controllers stranded in cgroup2 (hugetlb on this kind of
# host; crun <= 1.8 refuses to run otherwise), which is mounted only if it was missing.
# Needs root.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=20
pods=50
mode=full
skip_podman_density=0
results_dir=
strict=0
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift ;;
    --pods) pods=$2; shift ;;
    --quick) mode=quick runs=3 pods=5 ;;
    --smoke) mode=smoke runs=3 pods=5 ;;
    --skip-podman-density) skip_podman_density=1 ;;
    --results) results_dir=$2; shift ;;
    --strict) strict=1 ;;
    -h | --help) usage ;;
    *) usage ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ && $pods =~ ^[1-9][0-9]*$ ]] || usage
if ((EUID != 0)); then
  echo "runtime_pod.sh: run as root (pods, cgroups and mounts)" >&2
  exit 2
fi
with_others=1
[[ $mode == smoke ]] && with_others=0

say() { echo "== $*" >&2; }
die() {
  echo "runtime_pod.sh: $*" >&2
  exit 1
}

# ---- dependencies and build -------------------------------------------------------------------
if ((with_others)); then
  "$root/scripts/install-deps.sh" --bench
else
  "$root/scripts/install-deps.sh"
fi
say "building cubelet and cubelet-supervisor (release)"
build_log=$(mktemp /tmp/cubelet-bench-build.XXXXXX)
if ! "$root/scripts/build.sh" release cubelet cubelet-supervisor >"$build_log" 2>&1; then
  tail -n 30 "$build_log" >&2
  rm -f "$build_log"
  die "build failed"
fi
rm -f "$build_log"
bin="$root/build/release/bin"
cubelet="$bin/cubelet"
supervisor_exe=$(readlink -f "$bin/cubelet-supervisor")

# ---- state, and the one cleanup that undoes all of it ------------------------------------------
work=$(mktemp -d /tmp/cubelet-bench-pod.XXXXXX)
chmod 755 "$work"
res=$work/results
mkdir -p "$res" "$work/kube"
log=$res/log.txt
cdata=$work/cubelet
cgparent=cubelet-bench-$$
crt=("$cubelet" runtime --data-dir "$cdata" --cgroup-parent "$cgparent")
export CONTAINERS_CONF=$work/containers.conf
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
  --storage-driver overlay)
reg_env=()
fixtures=$root/tests/fixtures/registry/setup.sh
registries_started=0
podman_used=0
mounted_ctls=()      # cgroup-v1 hierarchies this script mounted
created_mountpoints=() # and the mount points it created for them
libpod_parent_new=() # /sys/fs/cgroup/<ctl>/libpod_parent directories that podman created

supervisor_pids() {
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$supervisor_exe" || $exe == "$supervisor_exe (deleted)" ]] || continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$cdata/" && echo "${p#/proc/}"
  done
}
cubelet_cgroup_dirs() { # every cgroup directory under our --cgroup-parent, deepest first
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -d $h/$cgparent ]] && find "$h/$cgparent" -depth -type d
  done 2>/dev/null || true
}
mounts_under() { awk -v d="$1" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r; }
rmdir_tree() { [[ -d $1 ]] && find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true; }
hierarchy_id() { awk -v c="$1" '$1 == c {print $2}' /proc/cgroups; }

cleanup() {
  local rc=$? p m i ctl
  trap - EXIT INT TERM
  set +e
  say "cleaning up"
  if [[ -x $cubelet && -d $cdata ]]; then
    "${crt[@]}" rmp -a >/dev/null 2>&1
    for p in $(supervisor_pids); do kill -9 "$p"; done
  fi
  if ((podman_used)); then
    "${podman[@]}" pod rm -a -f -t 0 >/dev/null 2>&1
    "${podman[@]}" rm -a -f -t 0 >/dev/null 2>&1
  fi
  for m in $(mounts_under "$work/"); do umount "$m" 2>/dev/null || umount -l "$m"; done
  for m in $(cubelet_cgroup_dirs); do rmdir "$m" 2>/dev/null; done
  for m in "${libpod_parent_new[@]}"; do rmdir_tree "$m"; done
  if ((registries_started)); then env "${reg_env[@]}" "$fixtures" down >/dev/null 2>&1; fi
  # Give the stranded controllers back to cgroup2: empty the hierarchy, unmount it; a hierarchy
  # that still has dying children outlives the unmount, so mount and unmount it again until the
  # kernel lets it go.
  for i in "${!mounted_ctls[@]}"; do
    ctl=${mounted_ctls[$i]} m=/sys/fs/cgroup/$ctl
    for _ in $(seq 20); do
      if ! mountpoint -q "$m"; then
        [[ $(hierarchy_id "$ctl") == 0 ]] && break
        mkdir -p "$m" && mount -t cgroup -o "$ctl" cgroup "$m" || break
      fi
      find "$m" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
      umount "$m"
      [[ $(hierarchy_id "$ctl") == 0 ]] && break
      sleep 0.5
    done
    [[ " ${created_mountpoints[*]} " == *" $m "* ]] && rmdir "$m" 2>/dev/null
    if [[ $(hierarchy_id "$ctl") != 0 ]]; then
      echo "WARNING: cgroup controller $ctl is still bound to a v1 hierarchy" >&2
    fi
  done
  if [[ -n $results_dir ]]; then
    mkdir -p "$results_dir" && cp -r "$res"/. "$results_dir"/
  fi
  rm -rf --one-file-system "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- host fixes (only when another tool runs) ---------------------------------------------------
if ((with_others)); then
  # crun <= 1.8 fails every container on a v1 host whose cgroup2 still owns a controller
  # ("cgroups in hybrid mode not supported"): bind those controllers to v1 hierarchies.
  if [[ -f /sys/fs/cgroup/unified/cgroup.controllers ]]; then
    for ctl in $(cat /sys/fs/cgroup/unified/cgroup.controllers); do
      m=/sys/fs/cgroup/$ctl
      mountpoint -q "$m" && continue
      if [[ ! -d $m ]]; then
        mkdir "$m"
        created_mountpoints+=("$m")
      fi
      mount -t cgroup -o "$ctl" cgroup "$m"
      mounted_ctls+=("$ctl")
      say "mounted cgroup controller $ctl as v1 at $m (undone on exit)"
    done
  fi
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h/libpod_parent ]] || libpod_parent_new+=("${h}libpod_parent")
  done
  # podman as root asks for nofile=1048576, more than a host without CAP_SYS_RESOURCE allows.
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [[ $nofile == unlimited ]] && nofile=1048576
  [[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
  cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  mkdir -p "$work/podman"
fi

# ---- registry, manifests ------------------------------------------------------------------------
port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
base=${BENCH_PORT_BASE:-15600}
for _ in $(seq 10); do
  ok=1
  for o in 0 1 2 3 4 5; do port_free $((base + o)) || ok=0; done
  ((ok)) && break
  base=$((base + 10))
done
((ok)) || die "no 6 free ports from ${BENCH_PORT_BASE:-15600}"
reg_env=(REG_DIR="$work/registry" PORT_BASE="$base")
say "starting the registry fixtures on 127.0.0.1:$base.."
registries_started=1
env_lines=$(env "${reg_env[@]}" "$fixtures" up 2>>"$log") || die "registry fixtures failed (see above)"
plain=$(sed -n 's/^PLAIN=//p' <<<"$env_lines")
image=$plain/library/busybox:latest

pod_yaml() { # name [init]
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: Never
EOF
  if [[ ${2:-} == init ]]; then
    cat <<EOF
  initContainers:
  - name: init1
    image: $image
    imagePullPolicy: IfNotPresent
    command: ["echo", "init1"]
  - name: init2
    image: $image
    imagePullPolicy: IfNotPresent
    command: ["echo", "init2"]
EOF
  fi
  cat <<EOF
  containers:
  - name: app
    image: $image
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
EOF
}
pod_yaml bb1 >"$work/kube/pod.yaml"
pod_yaml bbinit init >"$work/kube/pod-init.yaml"
for i in $(seq "$pods"); do pod_yaml "d$i" >"$work/kube/d$i.yaml"; done
K=$work/kube

# ---- measuring -----------------------------------------------------------------------------------
# measure NAME RUNS WARMUP  LABEL PREPARE COMMAND  [LABEL PREPARE COMMAND ...]
# Commands and prepare steps are plain argv strings (no shell; hyperfine -N). The runs go in
# blocks of at most 5 per command, the commands taking turns block by block, so that a burst of
# load from elsewhere on the machine falls on every command alike rather than on one. Every
# run's time lands in $res/times/LABEL; "label median min max" (seconds) goes to medians.tsv.
measure() {
  local name=$1 n=$2 warm=$3
  shift 3
  local specs=("$@") done_runs=0 block k i
  mkdir -p "$res/times"
  for ((i = 0; i < ${#specs[@]}; i += 3)); do : >"$res/times/${specs[i]}"; done
  echo "## $name" >>"$log"
  for ((k = 0; done_runs < n; k++)); do
    block=$((n - done_runs < 5 ? n - done_runs : 5))
    ((n >= 50)) && block=$((n - done_runs < 25 ? n - done_runs : 25))
    if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
      local args=(-N --style basic --runs "$block" --export-json "$res/$name-$k.json")
      ((k == 0)) && args+=(--warmup "$warm")
      for ((i = 0; i < ${#specs[@]}; i += 3)); do
        args+=(-n "${specs[i]}" --prepare "${specs[i + 1]}" "${specs[i + 2]}")
      done
      if ! hyperfine "${args[@]}" >>"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "hyperfine failed in $name"
      fi
      for ((i = 0; i < ${#specs[@]}; i += 3)); do
        jq -r --arg l "${specs[i]}" '.results[] | select(.command == $l) | .times[]' \
          "$res/$name-$k.json" >>"$res/times/${specs[i]}"
      done
    else
      # Without hyperfine (--smoke on a machine without the bench packages): bash's own clock.
      local label prep cmd t0 t1 r
      for ((i = 0; i < ${#specs[@]}; i += 3)); do
        label=${specs[i]} prep=${specs[i + 1]} cmd=${specs[i + 2]}
        for ((r = 0; r < block + (k == 0 ? warm : 0); r++)); do
          $prep >/dev/null 2>&1 || die "$name: prepare failed: $prep"
          t0=$EPOCHREALTIME
          $cmd >/dev/null 2>>"$log" || die "$name: command failed: $cmd"
          t1=$EPOCHREALTIME
          if ((k > 0 || r >= warm)); then
            awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f\n", b - a}' >>"$res/times/$label"
          fi
        done
      done
    fi
    done_runs=$((done_runs + block))
  done
  for ((i = 0; i < ${#specs[@]}; i += 3)); do
    sort -g "$res/times/${specs[i]}" | awk -v l="${specs[i]}" '{a[NR] = $1}
      END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
           printf "%s\t%s\t%s\t%s\n", l, m, a[1], a[NR]}' >>"$res/medians.tsv"
  done
}
# ms LABEL [column]: median (or min=3, max=4) of a measured command, in ms
ms() { awk -F'\t' -v l="$1" -v c="${2:-2}" '$1 == l {printf "%.2f", $c * 1000; f = 1} END {if (!f) print "nan"}' "$res/medians.tsv"; }
calc() { awk "BEGIN {v = $1; printf \"%.${2:-2}f\", v}"; }
now() { echo "$EPOCHREALTIME"; }

cubelet_running() { "${crt[@]}" ps -q | wc -l; }
check_cubelet_pod() { # name expected-running-containers
  local want=$2 got
  got=$("${crt[@]}" ps --pod "$1" -q | wc -l)
  [[ $got == "$want" ]] || {
    "${crt[@]}" ps -a >&2
    die "cubelet pod $1: $got running containers, want $want"
  }
}
podman_state() { "${podman[@]}" inspect --format '{{.State.Status}}' "$1" 2>&1; }

# ---- checks before timing ------------------------------------------------------------------------
say "first runs (cubelet pulls busybox; podman gets it with skopeo and builds its pause image)"
t0=$(now)
"${crt[@]}" run -f "$K/pod.yaml" -q >/dev/null || die "cubelet runtime run failed"
t1=$(now)
echo "cubelet first run (pull + unpack + pod): $(calc "($t1 - $t0) * 1000" 1) ms" >>"$log"
check_cubelet_pod bb1 1
"${crt[@]}" rmp bb1 >/dev/null || die "cubelet runtime rmp failed"
"${crt[@]}" run -f "$K/pod-init.yaml" -q >/dev/null || die "cubelet init pod failed"
check_cubelet_pod bbinit 1
exited=$("${crt[@]}" ps -a --pod bbinit | grep -c ' Exited ' || true)
[[ $exited == 2 ]] || {
  "${crt[@]}" ps -a --pod bbinit >&2
  die "cubelet init pod: $exited exited init containers, want 2"
}
"${crt[@]}" rmp -a >/dev/null

if ((with_others)); then
  podman_used=1
  skopeo copy -q --src-tls-verify=false "docker://$image" \
    "containers-storage:[overlay@$work/podman/root+$work/podman/run]$image" >>"$log" 2>&1 ||
    die "skopeo copy into podman's storage failed"
  "${podman[@]}" kube play --network none "$K/pod.yaml" >>"$log" 2>&1 || die "podman kube play failed (see $log)"
  [[ $(podman_state bb1-app) == running ]] || die "podman: bb1-app is $(podman_state bb1-app)"
  "${podman[@]}" kube down "$K/pod.yaml" >/dev/null || die "podman kube down failed"
  "${podman[@]}" kube play --network none "$K/pod-init.yaml" >>"$log" 2>&1 || die "podman kube play (init) failed"
  [[ $(podman_state bbinit-app) == running ]] || die "podman: bbinit-app is $(podman_state bbinit-app)"
  "${podman[@]}" pod rm -a -f -t 0 >/dev/null

  # The /bin/true bundle: the busybox rootfs with `crun spec` defaults.
  skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$work/oci:latest" >>"$log" 2>&1
  umoci --log error unpack --image "$work/oci:latest" "$work/bundle" >>"$log" 2>&1
  rm -f "$work/bundle/config.json"
  (cd "$work/bundle" && crun spec)
  jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" \
    >"$work/bundle/c.json" && mv "$work/bundle/c.json" "$work/bundle/config.json"
  crun --root "$work/crun" run -b "$work/bundle" bench-crun || die "crun run failed"
  runc --root "$work/runc" run -b "$work/bundle" bench-runc || die "runc run failed"
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# ---- 1 + 2: pod to running, init containers, teardown ----------------------------------------------
if ((with_others)); then
  say "1. raw OCI run and the floor ($((runs * 5)) runs each)"
  measure oci $((runs * 5)) 5 \
    crun-run true "crun --root $work/crun run -b $work/bundle bench-crun" \
    runc-run true "runc --root $work/runc run -b $work/bundle bench-runc" \
    unshare-floor true "unshare -pfnmiu true"
fi
say "1+2. pod to running, with and without 2 init containers ($runs runs each)"
play=(cubelet-play "${crt[*]} rmp -a" "${crt[*]} run -f $K/pod.yaml -q"
  cubelet-play-init "${crt[*]} rmp -a" "${crt[*]} run -f $K/pod-init.yaml -q")
if ((with_others)); then
  play+=(podman-play "${podman[*]} pod rm -a -f -t 0" "${podman[*]} kube play --network none $K/pod.yaml"
    podman-play-init "${podman[*]} pod rm -a -f -t 0" "${podman[*]} kube play --network none $K/pod-init.yaml")
fi
measure play "$runs" 2 "${play[@]}"
"${crt[@]}" rmp -a >/dev/null
((with_others)) && "${podman[@]}" pod rm -a -f -t 0 >/dev/null

say "1. pod teardown ($runs runs each)"
down=(cubelet-rmp "${crt[*]} run -f $K/pod.yaml -q" "${crt[*]} rmp bb1")
if ((with_others)); then
  down+=(podman-kube-down "${podman[*]} kube play --network none $K/pod.yaml" "${podman[*]} kube down $K/pod.yaml")
  [[ $mode == full ]] && down+=(podman-pod-rm "${podman[*]} kube play --network none $K/pod.yaml" "${podman[*]} pod rm -f -t 0 bb1")
fi
measure down "$runs" 1 "${down[@]}"
[[ $("${crt[@]}" pods -q | wc -l) == 0 ]] || die "cubelet: pods left after rmp"

# ---- 3 + 4: density and memory ----------------------------------------------------------------
mem_sum() { # pids... -> "procs rss_kib pss_kib"
  local p
  for p; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '/^Rss:/ {r += $2; n++} /^Pss:/ {s += $2} END {printf "%d %d %d\n", n, r, s}'
}
declare -A D # density results
density_cubelet() {
  local i t0 t1 running
  local a
  : >"$res/times/cubelet-density"
  t0=$(now)
  for ((i = 1; i <= pods; i++)); do
    a=$EPOCHREALTIME
    "${crt[@]}" run -f "$K/d$i.yaml" -q >/dev/null || die "cubelet: pod d$i failed"
    echo "$a $EPOCHREALTIME" >>"$res/times/cubelet-density"
  done
  t1=$(now)
  D[cubelet-start]=$(calc "$t1 - $t0" 3)
  running=$(cubelet_running)
  [[ $running == "$pods" ]] || die "cubelet density: $running running containers, want $pods"
  sleep 1 # let the pods settle (log pipes, lazily touched pages)
  local sup procs rss pss
  mapfile -t sup < <(supervisor_pids)
  read -r procs rss pss <<<"$(mem_sum "${sup[@]}")"
  D[cubelet-procs]=$procs D[cubelet-rss]=$rss D[cubelet-pss]=$pss
  D[cubelet-cg-mem]=$(cat "/sys/fs/cgroup/memory/$cgparent/memory.usage_in_bytes" 2>/dev/null || echo 0)
  t0=$(now)
  "${crt[@]}" rmp -a >/dev/null || die "cubelet: rmp -a failed"
  t1=$(now)
  D[cubelet-rm]=$(calc "$t1 - $t0" 3)
}
density_podman() {
  local i t0 t1 running pids=() line conmon pid infra
  local a
  : >"$res/times/podman-density"
  t0=$(now)
  for ((i = 1; i <= pods; i++)); do
    a=$EPOCHREALTIME
    "${podman[@]}" kube play --network none "$K/d$i.yaml" >/dev/null || die "podman: pod d$i failed"
    echo "$a $EPOCHREALTIME" >>"$res/times/podman-density"
  done
  t1=$(now)
  D[podman-start]=$(calc "$t1 - $t0" 3)
  running=$("${podman[@]}" ps --filter status=running --format '{{.Names}}' | grep -c -- '-app$' || true)
  [[ $running == "$pods" ]] || die "podman density: $running running app containers, want $pods"
  sleep 1
  # conmon of every container (infra and app) and the infra process (catatonit)
  while read -r line; do
    read -r conmon pid infra <<<"$line"
    pids+=("$conmon")
    if [[ $infra == true ]]; then pids+=("$pid"); fi
  done < <("${podman[@]}" ps -q | xargs "${podman[@]}" inspect --format '{{.State.ConmonPid}} {{.State.Pid}} {{.IsInfra}}')
  local procs rss pss
  read -r procs rss pss <<<"$(mem_sum "${pids[@]}")"
  D[podman-procs]=$procs D[podman-rss]=$rss D[podman-pss]=$pss
  t0=$(now)
  "${podman[@]}" pod rm -a -f -t 0 >/dev/null || die "podman: pod rm -a failed"
  t1=$(now)
  D[podman-rm]=$(calc "$t1 - $t0" 3)
}
say "3+4. density: $pods cubelet pods, one after another; memory; removal"
density_cubelet
leaks=()
[[ -z $(supervisor_pids) ]] || leaks+=("supervisors left after rmp -a: $(supervisor_pids | tr '\n' ' ')")
m=$(mounts_under "$cdata/" | wc -l)
((m == 0)) || leaks+=("$m mounts left under the data dir after rmp -a")
m=$(cubelet_cgroup_dirs | grep -vc "/$cgparent\$" || true)
((m == 0)) || leaks+=("$m cgroups left under --cgroup-parent after rmp -a")
m=$(find "$cdata/runtime/sandboxes" "$cdata/runtime/containers" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
((m == 0)) || leaks+=("$m sandbox/container directories left after rmp -a")
podman_density=0
if ((with_others && !skip_podman_density)); then
  podman_density=1
  say "3+4. density: $pods podman pods (removal takes about 3.3 s per pod)"
  density_podman
fi

# ---- report -----------------------------------------------------------------------------------
table=$res/table.txt
: >"$table"
ok_count=0 miss_count=0
out() { echo "$*" >>"$table"; }
row() { printf '%-36s %13s %13s %9s  %-25s %s\n' "$@" >>"$table"; }
# target ROW-ARGS... CONDITION: a row whose last column says whether the awk CONDITION holds
target() {
  local cond=${*: -1} v=MISSED
  if [[ $(awk "BEGIN {print ($cond) ? 1 : 0}") == 1 ]]; then
    v=met
    ok_count=$((ok_count + 1))
  else
    miss_count=$((miss_count + 1))
  fi
  row "${@:1:$#-1}" "$v"
}
ratio() { [[ $1 == nan || $2 == nan || $2 == 0 ]] && echo - || echo "$(calc "$1 / $2" 3)x"; }

cp_=$(ms cubelet-play) ci_=$(ms cubelet-play-init) cd_=$(ms cubelet-rmp)
c_init=$(calc "($ci_ - $cp_) / 2")
c_pps=$(calc "$pods / ${D[cubelet-start]}" 1)
c_pss=$(calc "${D[cubelet-pss]} / $pods" 0) c_rss=$(calc "${D[cubelet-rss]} / $pods" 0)
rm_limit=$(calc "5 * $pods / 50" 2)
versions=
if ((with_others)); then
  versions=" vs podman $(podman --version | awk '{print $3}'), crun $(crun --version | awk 'NR == 1 {print $3}')"
fi
out ""
out "cubelet runtime$versions: mode $mode, $runs runs per command, $pods pods; medians"
out "$(uname -r), $(nproc) CPUs; load average at start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
out "ratio = cubelet / other (below 1: cubelet is faster or smaller; for pods/s above 1 is better)"
out ""
row SCENARIO cubelet other ratio TARGET RESULT
if ((with_others)); then
  pp=$(ms podman-play) pi=$(ms podman-play-init) pd=$(ms podman-kube-down) cr=$(ms crun-run)
  p_init=$(calc "($pi - $pp) / 2")
  target "pod to running vs podman kube play" "$cp_ ms" "$pp ms" "$(ratio "$cp_" "$pp")" \
    "<= 1/15 podman (0.067x)" "$cp_ * 15 <= $pp"
  target "pod to running vs crun run" "$cp_ ms" "$cr ms" "$(ratio "$cp_" "$cr")" "<= 1.5x crun run" \
    "$cp_ <= 1.5 * $cr"
  row "  runc run /bin/true" "" "$(ms runc-run) ms" "$(ratio "$cp_" "$(ms runc-run)")" "(reference)"
  row "  floor: unshare -pfnmiu true" "" "$(ms unshare-floor) ms" \
    "$(ratio "$cp_" "$(ms unshare-floor)")" "(reference)"
  row "2-init pod to running" "$ci_ ms" "$pi ms" "$(ratio "$ci_" "$pi")" "(reference)"
  target "per init container" "$c_init ms" "$p_init ms" "$(ratio "$c_init" "$p_init")" "<= 15 ms" \
    "$c_init <= 15"
  target "pod teardown vs podman kube down" "$cd_ ms" "$pd ms" "$(ratio "$cd_" "$pd")" "<= 50 ms" \
    "$cd_ <= 50"
  if [[ $mode == full ]]; then
    row "  vs podman pod rm -f -t 0" "" "$(ms podman-pod-rm) ms" "$(ratio "$cd_" "$(ms podman-pod-rm)")" \
      "(reference)"
  fi
else
  row "pod to running" "$cp_ ms" - - "(smoke: no podman/crun)"
  row "2-init pod to running" "$ci_ ms" - - "(reference)"
  target "per init container" "$c_init ms" - - "<= 15 ms" "$c_init <= 15"
  target "pod teardown" "$cd_ ms" - - "<= 50 ms" "$cd_ <= 50"
fi
if ((podman_density)); then
  p_pps=$(calc "$pods / ${D[podman-start]}" 1)
  p_pss=$(calc "${D[podman-pss]} / $pods" 0) p_rss=$(calc "${D[podman-rss]} / $pods" 0)
  target "$pods pods started one by one" "$c_pps/s" "$p_pps/s" "$(ratio "$c_pps" "$p_pps")" \
    ">= 50 pods/s" "$c_pps >= 50"
  target "$pods pods removed" "${D[cubelet-rm]} s" "${D[podman-rm]} s" \
    "$(ratio "${D[cubelet-rm]}" "${D[podman-rm]}")" "< $rm_limit s" "${D[cubelet-rm]} < $rm_limit"
  target "resident PSS per pod" "$c_pss KiB" "$p_pss KiB" "$(ratio "$c_pss" "$p_pss")" "<= 256 KiB" \
    "$c_pss <= 256"
  row "resident RSS per pod" "$c_rss KiB" "$p_rss KiB" "$(ratio "$c_rss" "$p_rss")" "(reference)"
else
  target "$pods pods started one by one" "$c_pps/s" - - ">= 50 pods/s" "$c_pps >= 50"
  target "$pods pods removed" "${D[cubelet-rm]} s" - - "< $rm_limit s" "${D[cubelet-rm]} < $rm_limit"
  target "resident PSS per pod" "$c_pss KiB" - - "<= 256 KiB" "$c_pss <= 256"
  row "resident RSS per pod" "$c_rss KiB" - - "(reference)"
fi
out ""
out "spread of the timed commands (ms): min / median / max over all runs"
while IFS=$'\t' read -r l m lo hi; do
  out "$(printf '  %-18s %9.2f %9.2f %9.2f' "$l" "$(calc "$lo * 1000")" "$(calc "$m * 1000")" "$(calc "$hi * 1000")")"
done <"$res/medians.tsv"
# Per-pod start times in the density loop: does a pod start get slower as pods accumulate?
for t in cubelet podman; do
  f=$res/times/$t-density
  [[ -s $f ]] || continue
  d=$(awk '{printf "%.3f\n", ($2 - $1) * 1000}' "$f")
  k=$(($(wc -l <<<"$d") < 10 ? $(wc -l <<<"$d") : 10))
  out "$(printf '  %-18s density: per pod median %s ms, max %s ms; mean of the first %d %s ms, of the last %d %s ms' \
    "$t" "$(sort -g <<<"$d" | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)]}')" \
    "$(sort -g <<<"$d" | tail -n 1 | awk '{printf "%.1f", $1}')" \
    "$k" "$(head -n "$k" <<<"$d" | awk '{s += $1} END {printf "%.1f", s / NR}')" \
    "$k" "$(tail -n "$k" <<<"$d" | awk '{s += $1} END {printf "%.1f", s / NR}')")"
done
if [[ $(calc "$c_init < 0" 0) == 1 ]]; then
  out "NOTE: the 2-init pod was faster than the plain pod (noise); the per-init figure is not meaningful"
fi
out ""
out "cubelet: ${D[cubelet-procs]} cubelet-supervisor processes for $pods pods; memory cgroup" \
  "$cgparent (pods included): $(calc "${D[cubelet-cg-mem]} / 1048576" 1) MiB"
if ((podman_density)); then
  out "podman: ${D[podman-procs]} processes (a conmon per container, a catatonit per pod) for $pods pods"
fi
if ((pods != 50)); then out "the removal target (< 5 s for 50 pods) is scaled to $pods pods"; fi
for l in "${leaks[@]}"; do out "LEAK: $l"; done
out "targets: $ok_count met, $miss_count missed"
cat "$table"
((${#leaks[@]} == 0)) || exit 1
if ((strict && miss_count > 0)); then exit 1; fi
exit 0
