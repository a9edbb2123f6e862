#!/usr/bin/env bash
# A CPU flame graph of the packaged app under wrk load on /mutate-pods (generateName, new ordinal), with the image's
# JVM options, by async-profiler (the Maven Central artifact tools.profiler:async-profiler carries the agent).
# Usage: src/test/bench/profile-mutate.sh [out.html]   (after `make target/classpath.stamp`, i.e. package + classpath)
# Env: SCENARIO (Bench -Dbench.only, default "mutate generateName"), SIZES (default 10000), SECONDS_PER_RUN (10).
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${1:-docs/profiles/mutate.html}
LIB=$(src/test/bench/async-profiler.sh)
mkdir -p "$(dirname "$OUT")"
# cpu falls back to a timer when perf events are not allowed (containers); 1 ms sampling, whole app lifetime:
# the mutate load dominates (warm-up + run), start-up shows as its own tower.
AGENT="-agentpath:$LIB=start,event=cpu,interval=1ms,file=$PWD/$OUT"
JVM="${BENCH_JVM:--Xmx160m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m}"
java -Dbench.only="${SCENARIO:-mutate generateName}" -Dbench.sizes="${SIZES:-10000}" \
  -Dbench.seconds="${SECONDS_PER_RUN:-10}" -Dbench.jvm="$JVM $AGENT" \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.ordinal.bench.Bench
echo "flame graph: $OUT"
