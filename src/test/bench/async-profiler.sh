#!/usr/bin/env bash
# Prints the absolute path of async-profiler's agent library for this machine, fetching it first if needed: the
# Maven Central artifact tools.profiler:async-profiler carries it, unpacked under target/async-profiler/.
# Used by profile-mutate.sh and profile-native-mutate.sh; run from the repository root.
set -euo pipefail
VERSION=4.0
JAR=~/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION.jar
ARCH=$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')
LIB=$PWD/target/async-profiler/linux-$ARCH/libasyncProfiler.so
if [[ ! -f $LIB ]]; then
  [[ -f $JAR ]] || mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$VERSION >&2
  (mkdir -p target/async-profiler && cd target/async-profiler && unzip -q -o "$JAR" "linux-$ARCH/*")
fi
echo "$LIB"
