#!/usr/bin/env bash
# Where a review's CPU goes in the native executable and in the jar, with call graphs: the same `make bench` runs
# (shared cores, 10,000-pod set, the new-ordinal mutation and its no-op pair), profiled over two windows each, the
# no-op pair on the mutation's review and the mutation itself.
#
#   native: perf record -g on an executable built with frame pointers and its symbol table
#           (-H:+PreserveFramePointer -H:-DeleteLocalSymbols; the release build has neither, so perf's call graphs
#           are useless on it). It is built once into target/profiling/ (about 6 min on 2 cores) and kept apart
#           from target/*-runner, which stays the release build `make bench` measures.
#   jvm:    async-profiler (tools.profiler:async-profiler from Maven Central, as profile-mutate.sh), attached with
#           jcmd for the same windows.
#
# Writes to out-dir (default target/profiles/native-mutate): <mode>-<window>.folded (collapsed stacks), an SVG flame
# graph of each (inferno, `cargo install inferno`), components.txt (each window's CPU per request by component:
# src/test/bench/components.py) and bench-<mode>.log. Needs perf (Debian: linux-perf), perf events (root, or
# kernel.perf_event_paranoid <= 1) and python3.
#
# Usage: src/test/bench/profile-native-mutate.sh [out-dir]   (after `make target/classpath.stamp`)
# Env: MODES (default "native jvm"), CASE (a Bench -Dbench.only part, default "mutate generateName"), SECONDS_PER_RUN (6)
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${1:-target/profiles/native-mutate}
MODES=${MODES:-native jvm}
CASE=${CASE:-mutate generateName}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-6}
PROFILING_RUNNER=target/profiling/ordinal-runner
RELEASE_RUNNER=target/ordinal-0.1.0-SNAPSHOT-runner
die() { echo "profile-native-mutate: $*" >&2; exit 2; }
command -v perf >/dev/null || die "perf is not installed (Debian: apt-get install linux-perf)"
command -v python3 >/dev/null || die "python3 is needed for components.py"
command -v inferno-flamegraph >/dev/null || PATH="$HOME/.cargo/bin:$PATH"
command -v inferno-flamegraph >/dev/null || die "inferno is not installed: cargo install inferno --version 0.12.8 --locked"
[[ -f target/test-classpath.txt ]] || die "run make target/classpath.stamp first"

build_profiling_runner() {
  echo "profile-native-mutate: building $PROFILING_RUNNER (frame pointers, symbols kept)" >&2
  local saved=
  if [[ -f $RELEASE_RUNNER ]]; then saved=target/profiling/release-runner.saved; mkdir -p target/profiling; mv "$RELEASE_RUNNER" "$saved"; fi
  MVN="${MVN:-mvn -B}" src/main/native/build-native.sh -- package -DskipTests \
    "-Dquarkus.native.additional-build-args-append=-H:+PreserveFramePointer,-H:-DeleteLocalSymbols" >&2
  mkdir -p target/profiling
  mv "$RELEASE_RUNNER" "$PROFILING_RUNNER"
  # The release executable comes back with its own timestamp, so make still sees whether it is stale.
  if [[ -n $saved ]]; then mv "$saved" "$RELEASE_RUNNER"; fi
}
if [[ " $MODES " == *" native "* ]]; then
  stale=$(find src/main pom.xml -newer "$PROFILING_RUNNER" -print -quit 2>/dev/null || echo missing)
  [[ -x $PROFILING_RUNNER && -z $stale ]] || build_profiling_runner
fi

mkdir -p "$OUT"
if [[ " $MODES " == *" jvm "* ]]; then
  LIB=$(src/test/bench/async-profiler.sh)
fi

# Waits until the bench log has a line matching $2 (grep -E), or the bench ended.
await_line() { until grep -qiE "$2" "$1"; do kill -0 "$bench" 2>/dev/null || die "the bench ended early: $1"; sleep 0.05; done; }

for mode in $MODES; do
  log=$OUT/bench-$mode.log
  java -Dbench.modes="$mode" -Dbench.placements=shared -Dbench.only="$CASE" -Dbench.sizes=10000 \
    -Dbench.seed=10,10000 -Dbench.release-sizes= -Dbench.seconds="$SECONDS_PER_RUN" -Dbench.paced-seconds=2 \
    -Dnative.image.path="$PROFILING_RUNNER" \
    -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.ordinal.bench.Bench > "$log" 2>&1 &
  bench=$!
  if [[ $mode == native ]]; then pattern="^$PWD/$PROFILING_RUNNER|^$PROFILING_RUNNER"; else pattern="quarkus-run.jar"; fi
  pid=
  for _ in $(seq 1 600); do pid=$(pgrep -f "$pattern" | head -1 || true); [[ -n $pid ]] && break; sleep 0.2; done
  [[ -n $pid ]] || die "no $mode app process appeared: $log"
  # The windows: from the reference no-op run's line to the first paired no-op's line, then to the case's line.
  await_line "$log" "$mode +shared no-op baseline"
  for window in noop case; do
    if [[ $mode == native ]]; then
      perf record -F 997 -g -p "$pid" -o "$OUT/$mode-$window.data" > "$OUT/$mode-$window.perf.log" 2>&1 &
      recorder=$!
    else
      jcmd "$pid" JVMTI.agent_load "$LIB" '"start,event=cpu,interval=1ms"' > /dev/null
    fi
    if [[ $window == noop ]]; then
      await_line "$log" "shared no-op on the review of"
    else
      await_line "$log" "shared $CASE"
    fi
    if [[ $mode == native ]]; then
      kill -INT "$recorder"; wait "$recorder" || true
      # SubstrateVM's symbols end in a hash of the signature: dropped, so the flame graph reads Class_method.
      perf script -i "$OUT/$mode-$window.data" 2>/dev/null | inferno-collapse-perf \
        | sed -E 's/_[A-Za-z0-9]{22}(;| )/\1/g' > "$OUT/$mode-$window.folded"
    else
      jcmd "$pid" JVMTI.agent_load "$LIB" "\"stop,collapsed,file=$PWD/$OUT/$mode-$window.folded\"" > /dev/null
    fi
  done
  wait "$bench"
done

: > "$OUT/components.txt"
for mode in $MODES; do
  log=$OUT/bench-$mode.log
  for window in noop case; do
    folded=$OUT/$mode-$window.folded
    for _ in $(seq 1 50); do [[ -s $folded ]] && break; sleep 0.1; done
    if [[ $window == noop ]]; then pat="shared no-op on the review of"; else pat="shared $CASE"; fi
    cpu=$(grep -iE "$pat" "$log" | head -1 | sed -E 's/.*app CPU ([0-9]+) .*/\1/')
    title="$mode, $(grep -iE "$pat" "$log" | head -1 | sed -E 's/.*shared +//; s/ +[0-9]+ pods +/, /; s/ +p50.*app CPU/, app CPU/; s/ \(JIT.*//')"
    inferno-flamegraph --minwidth 0.2 --title "$title" < "$folded" > "$OUT/$mode-$window.svg"
    { echo "## $title"; python3 src/test/bench/components.py "$folded" "$cpu"; echo; } >> "$OUT/components.txt"
  done
done
cat "$OUT/components.txt"
echo "flame graphs and stacks: $OUT"
