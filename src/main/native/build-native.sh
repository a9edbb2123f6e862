#!/usr/bin/env bash
# Ordinal's native build without a GraalVM distribution (issue 12). Prepares, once per machine, a "GraalVM home"
# whose bin/native-image is our driver (src/main/native/driver/NativeImage.java, which says why a driver rather
# than quarkus.native.sources-only), then runs the ordinary Quarkus native build against it.
#
#   src/main/native/build-native.sh              prepare the home, then mvn package -Dnative (target/*-runner)
#   src/main/native/build-native.sh --home       prepare the home and print its path (for your own mvn call:
#                                                -Dnative -Dquarkus.native.graalvm-home=<path>)
#   src/main/native/build-native.sh --test-clib  compile the C libraries and run their test
#   src/main/native/build-native.sh -- <mvn args> prepare the home, then mvn <mvn args> -Dnative -Dquarkus.native.graalvm-home=...
#
# Parts, each pinned by version and sha256, cached in $ORDINAL_NATIVE_CACHE (default ~/.cache/ordinal/native/25.0.2):
#  * builder JDK: Temurin 25 ($ORDINAL_BUILDER_JAVA_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64); it must carry
#    the jdk.internal.vm.ci (JVMCI) module;
#  * builder: the GraalVM 25.0.2 jars of builder-jars.txt, from Maven Central through Maven;
#  * the JDK's static libraries (libjava.a, libnio.a, libnet.a, libzip.a, ...): Debian's openjdk-25-jvmci-jdk
#    25.0.2+10-1~deb13u2 (trixie-security), fetched with apt-get download under a private apt configuration (the
#    machine's apt configuration is not touched) and unpacked with dpkg-deb -x;
#  * SubstrateVM's own C libraries (liblibchelper.a, libjvm.a, libsvm_container.a, the cpufeatures headers):
#    clib/ here, compiled with gcc on each run (seconds).
# Needs: gcc, ar, apt-get + dpkg-deb (Debian/Ubuntu), zlib headers/library (zlib1g-dev), Maven, the builder JDK.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PROJECT="$(cd "$HERE/../../.." && pwd)"
GRAAL_VERSION=25.0.2
DEB_PACKAGE=openjdk-25-jvmci-jdk
DEB_VERSION='25.0.2+10-1~deb13u2'
DEB_SUITE=trixie-security
DEB_SHA256=665b17a3fc2b6ae4723467652bc43dc3b45350e07a5071dd562f7f052b50dafc
CACHE="${ORDINAL_NATIVE_CACHE:-$HOME/.cache/ordinal/native/$GRAAL_VERSION}"
JAVA25="${ORDINAL_BUILDER_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
MVN="${MVN:-mvn -B}"

log() { echo "build-native: $*" >&2; }
die() { echo "build-native: error: $*" >&2; exit 1; }

check_tools() {
  [ -x "$JAVA25/bin/java" ] || die "no JDK 25 at $JAVA25 (set ORDINAL_BUILDER_JAVA_HOME)"
  "$JAVA25/bin/java" --list-modules | grep -q '^jdk.internal.vm.ci@' || die "$JAVA25 has no JVMCI module (jdk.internal.vm.ci)"
  command -v gcc >/dev/null || die "gcc is needed (apt-get install gcc)"
  [ -e /usr/include/zlib.h ] || die "zlib headers are needed (apt-get install zlib1g-dev)"
}

# ---- builder jars (Maven Central) ----
fetch_jars() {
  local dir="$CACHE/jars"
  if [ -f "$dir/.verified" ]; then return; fi
  log "fetching the GraalVM $GRAAL_VERSION builder jars from Maven Central"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  local ga sha
  while read -r ga sha; do
    case "$ga" in ''|'#'*) continue ;; esac
    $MVN -q dependency:copy -Dartifact="$ga:$GRAAL_VERSION:jar" -DoutputDirectory="$dir.tmp" -Dmdep.overWriteReleases=true >&2
    local f="$dir.tmp/${ga#*:}-$GRAAL_VERSION.jar"
    echo "$sha  $f" | sha256sum -c --quiet - || die "checksum mismatch for $ga:$GRAAL_VERSION"
  done < "$HERE/builder-jars.txt"
  rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.verified"
}

# ---- the JDK's static libraries (Debian) ----
# The archive this machine's own apt sources use for Debian security updates (deb822 .sources or one-line lists):
# another suite of the same archive, so nothing but the suite name is ours.
security_archive_uri() {
  local uri
  uri="$(awk '/^URIs:/ {u=$2} /^Suites:/ && /-security/ {print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)"
  [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $3 ~ /-security/ {for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)"
  [ -n "$uri" ] || die "no Debian security archive in this machine's apt sources; put the .deb at $CACHE (see docs/deploy.md)"
  echo "$uri"
}
fetch_static_libs() {
  local out="$CACHE/jdk-static"
  if [ -f "$out/.verified" ]; then return; fi
  local apt="$CACHE/apt" deb="$CACHE/${DEB_PACKAGE}_${DEB_VERSION}_amd64.deb"
  if ! { [ -f "$deb" ] && echo "$DEB_SHA256  $deb" | sha256sum -c --quiet - 2>/dev/null; }; then
    log "fetching $DEB_PACKAGE $DEB_VERSION ($DEB_SUITE) with a private apt configuration"
    command -v apt-get >/dev/null || die "apt-get is needed to fetch $DEB_PACKAGE (or put the .deb at $deb)"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d"
    local uri; uri="$(security_archive_uri)"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $DEB_SUITE main" > "$apt/etc/sources.list"
    : > "$apt/status"
    local opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d" -o Dir::Etc::Preferences=/dev/null
      -o "Dir::State::Lists=$apt/lists" -o "Dir::State::Status=$apt/status" -o "Dir::Cache=$apt/cache"
      -o APT::Architecture=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" -qq update >&2
    (cd "$CACHE" && apt-get "${opts[@]}" -qq download "$DEB_PACKAGE=$DEB_VERSION" >&2) || die \
      "$DEB_PACKAGE $DEB_VERSION is no longer in $DEB_SUITE: see docs/deploy.md (\"When the Debian package is gone\")"
    local got; got=$(ls "$CACHE"/${DEB_PACKAGE}_*_amd64.deb | head -1)
    [ "$got" = "$deb" ] || mv "$got" "$deb"
    echo "$DEB_SHA256  $deb" | sha256sum -c --quiet - || die "checksum mismatch for $deb"
  fi
  log "unpacking the static libraries"
  local x="$CACHE/deb-x"
  rm -rf "$x" "$out" && mkdir -p "$x" "$out"
  dpkg-deb -x "$deb" "$x"
  cp "$x"/usr/lib/jvm/java-25-openjdk-amd64-jvmci/lib/*.a "$out/"
  cp -r "$x"/usr/lib/jvm/java-25-openjdk-amd64-jvmci/include "$out/include"
  rm -rf "$x"
  touch "$out/.verified"
}

# ---- SubstrateVM's C libraries (ours) ----
build_clib() {
  local out="$1" inc="$2"
  local cflags=(-O2 -fPIC -fno-strict-aliasing -Wall -Werror -I "$HERE/clib/include" -I "$inc" -I "$inc/linux")
  mkdir -p "$out/include" "$out/obj"
  cp "$HERE"/clib/include/*.h "$out/include/"
  local f
  for f in cpufeatures libchelper signals glibc_compat jvm container; do
    gcc "${cflags[@]}" -c "$HERE/clib/$f.c" -o "$out/obj/$f.o"
  done
  rm -f "$out"/lib*.a
  ar rcs "$out/liblibchelper.a" "$out/obj/cpufeatures.o" "$out/obj/libchelper.o" "$out/obj/signals.o"
  ar rcs "$out/libjvm.a" "$out/obj/jvm.o"
  ar rcs "$out/libsvm_container.a" "$out/obj/container.o"
  # Always linked (an object, not an archive member): the __isoc23_* functions the Debian archives need.
  cp "$out/obj/glibc_compat.o" "$out/ordinal-glibc-compat.o"
}

test_clib() {
  local out="$1"
  local t; t=$(mktemp -d)
  gcc -O2 -Wall -Wno-format-truncation -o "$t/container_test" "$HERE/clib/test/container_test.c" "$out/libsvm_container.a"
  "$t/container_test" "$t"
  rm -rf "$t"
}

# The home Quarkus is pointed at: bin/native-image + lib/clibraries (JDK static libs and ours, one directory).
make_home() {
  local key; key=$( (cd "$HERE" && cat build-native.sh builder-jars.txt driver/NativeImage.java clib/*.c clib/include/*.h) | sha256sum | cut -c1-16)
  local home="$CACHE/home-$key"
  if [ ! -f "$home/.ready" ]; then
    rm -rf "$home" && mkdir -p "$home/bin" "$home/lib/clibraries"
    build_clib "$home/lib/clibraries" "$CACHE/jdk-static/include"
    test_clib "$home/lib/clibraries" >&2
    local a
    for a in "$CACHE"/jdk-static/*.a; do
      case "$(basename "$a")" in libjvm.a) continue ;; esac  # SubstrateVM's libjvm is ours, not HotSpot's
      ln -s "$a" "$home/lib/clibraries/"
    done
    # The builder loads lib/svm/builder/lib/libreporterchelper.so from java.home. The system JDK stays untouched:
    # the builder runs on a copy of its launcher and libjvm.so (java.home follows libjvm.so) with the rest linked.
    local jdk="$home/jdk" e
    mkdir -p "$jdk/bin" "$jdk/lib/server" "$jdk/lib/svm/builder/lib"
    for e in "$JAVA25"/*; do [ "$(basename "$e")" = lib ] || [ "$(basename "$e")" = bin ] || ln -s "$e" "$jdk/"; done
    for e in "$JAVA25"/bin/*; do ln -s "$e" "$jdk/bin/"; done
    rm "$jdk/bin/java" && cp "$JAVA25/bin/java" "$jdk/bin/java"
    for e in "$JAVA25"/lib/*; do [ "$(basename "$e")" = server ] || ln -s "$e" "$jdk/lib/"; done
    for e in "$JAVA25"/lib/server/*; do ln -s "$e" "$jdk/lib/server/"; done
    rm "$jdk/lib/server/libjvm.so" && cp "$JAVA25/lib/server/libjvm.so" "$jdk/lib/server/"
    gcc -O2 -shared -fPIC -Wall -Werror -I "$JAVA25/include" -I "$JAVA25/include/linux" \
      -o "$jdk/lib/svm/builder/lib/libreporterchelper.so" "$HERE/clib/reporterchelper.c"
    mkdir -p "$home/lib/driver"
    cp "$HERE/driver/NativeImage.java" "$home/lib/driver/"
    "$JAVA25/bin/javac" -d "$home/lib/driver" "$home/lib/driver/NativeImage.java"
    cat > "$home/bin/native-image" <<SH
#!/bin/sh
# Generated by src/main/native/build-native.sh: Ordinal's native-image driver (GraalVM $GRAAL_VERSION builder jars).
exec "$JAVA25/bin/java" -cp "$home/lib/driver" \\
  -Dordinal.ni.java="$jdk/bin/java" -Dordinal.ni.jars="$CACHE/jars" \\
  -Dordinal.ni.clib="$home/lib/clibraries" -Dordinal.ni.compat="$home/lib/clibraries/ordinal-glibc-compat.o" \\
  -Dordinal.ni.version=$GRAAL_VERSION -Dordinal.ni.log="\${ORDINAL_NI_LOG:-}" NativeImage "\$@"
SH
    chmod +x "$home/bin/native-image"
    touch "$home/.ready"
  fi
  echo "$home"
}

prepare() {
  check_tools
  mkdir -p "$CACHE"
  fetch_jars
  fetch_static_libs
  make_home
}

case "${1:-}" in
  --home) prepare ;;
  --test-clib)
    t=$(mktemp -d); build_clib "$t" "${2:-$CACHE/jdk-static/include}"; test_clib "$t"; rm -rf "$t" ;;
  --) shift; home=$(prepare); cd "$PROJECT"; exec $MVN "$@" -Dnative -Dquarkus.native.graalvm-home="$home" ;;
  '') home=$(prepare); cd "$PROJECT"
      exec $MVN package -DskipTests -Dnative -Dquarkus.native.graalvm-home="$home" ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
