#!/usr/bin/env bash
# A flat CPU profile (perf, by symbol) of Ordinal's two native replicas during `make bench-rollout PACKAGED=native`:
# what the native executable spends its CPU on while the real control plane rolls out, scales down and re-creates.
#
# The executable must keep its symbols (the default build deletes them); SYMBOLS=build builds one that does first
# (~12 min on 2 cores). perf's call graphs are not usable on it (SubstrateVM code keeps no frame pointers), so the
# report is by symbol only. Needs perf (Debian: linux-perf) and perf events (root, or kernel.perf_event_paranoid <= 1).
#
# Usage: [SYMBOLS=build] src/test/bench/profile-native-rollout.sh [out-dir]
#   writes out-dir/perf.data, out-dir/flat.txt (symbols by self time) and out-dir/rollouts.log (the bench's output);
#   out-dir defaults to target/profiles/native-rollout.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${1:-target/profiles/native-rollout}
RUNNER=target/ordinal-0.1.0-SNAPSHOT-runner
command -v perf >/dev/null || { echo "perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 2; }
if [[ "${SYMBOLS:-}" == build ]]; then
  MVN="${MVN:-mvn -B}" src/main/native/build-native.sh -- package -DskipTests \
    -Dquarkus.native.additional-build-args-append=-H:-DeleteLocalSymbols
fi
[[ -x $RUNNER ]] || { echo "$RUNNER is missing: run SYMBOLS=build $0" >&2; exit 2; }
if [[ $(nm "$RUNNER" 2>/dev/null | wc -l) -lt 1000 ]]; then
  echo "$RUNNER has no symbol table: run SYMBOLS=build $0" >&2
  exit 2
fi
mkdir -p "$OUT"
make target/classpath.stamp
make bench-rollout PACKAGED=native > "$OUT/rollouts.log" 2>&1 &
bench=$!
for _ in $(seq 1 300); do
  [[ $(pgrep -fc "$RUNNER" || true) -ge 2 ]] && break
  kill -0 $bench 2>/dev/null || { echo "bench-rollout ended before two replicas ran: $OUT/rollouts.log" >&2; exit 1; }
  sleep 1
done
pids=$(pgrep -f "$RUNNER" | paste -sd, -)
# perf stops by itself when both replicas exit at the end of the bench (the HTTP/1.1 run's replicas are not profiled).
perf record -F 499 -p "$pids" -o "$OUT/perf.data" > "$OUT/perf-record.log" 2>&1
wait $bench
perf report -i "$OUT/perf.data" --no-children --sort sym --stdio 2>/dev/null | grep '%' > "$OUT/flat.txt"
head -40 "$OUT/flat.txt"
echo "profile of replicas $pids: $OUT/flat.txt (bench output: $OUT/rollouts.log)"
