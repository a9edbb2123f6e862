#!/usr/bin/env bash
# Builds the real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) from the
# Go modules pinned in this directory's go.mod/go.sum, into a cache outside the clone:
#   ${ORDINAL_KUBE_CACHE:-~/.cache/ordinal/kube}/<k8s version>-<hash of go.mod+go.sum>/
# A machine builds them once; later runs find the stamp and return at once. Prints the binary directory last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$here/go.mod")"
etcd_version="$(awk '$1=="go.etcd.io/etcd/server/v3" {print $2; exit}' "$here/go.mod")"
hash="$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)"
out="${ORDINAL_KUBE_CACHE:-$HOME/.cache/ordinal/kube}/${version}-${hash}"
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi

command -v go >/dev/null || { echo "build.sh: Go is needed to build the control plane (go 1.25+); install it" >&2; exit 1; }
mkdir -p "$out"
start=$(date +%s)
minor="${version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
cd "$here"
export CGO_ENABLED=0 GOFLAGS=-mod=readonly
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  echo "build.sh: building $cmd $version" >&2
  go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd"
done
echo "build.sh: building etcd $etcd_version" >&2
go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
echo "$version etcd $etcd_version built in $(( $(date +%s) - start )) s on $(nproc) cores with $(go version)" > "$out/.complete"
echo "build.sh: $(cat "$out/.complete")" >&2
echo "$out"
