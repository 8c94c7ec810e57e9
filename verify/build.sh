#!/usr/bin/env bash
# Builds the real-cluster check's control plane from the Go module proxy, once, into a cache outside
# the repository, and prints the cache directory (bin/ and stages/) on its last line of stdout.
#
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  from verify/go/kubernetes
#   etcd                                                              from verify/go/etcd
#   kwok + its pod/node stage configs                                 from verify/go/kwok
#
# The cache key is a hash of the wrapper modules (go.mod, go.sum, main.go), `go version` and this
# script, so changing a pin or the toolchain rebuilds; anything else reuses the binaries.
# Needs Go (the wrappers' `go` line) and the Go module proxy; no containers, no downloads besides
# Go modules. Build flags are upstream's release flags (kubernetes hack/lib/golang.sh: static,
# -trimpath, tags selinux,notest; hack/lib/version.sh: the version variables).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
GO_DIR="$HERE/go"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/dify-aws/control-plane"
# Measured on a 2-core machine from empty Go caches: ~1.5 GB of modules, ~4 GB of build cache,
# ~0.4 GB of binaries. Ask for headroom on top.
NEED_GIB=8
K8S_VERSION=v1.35.4

log() { echo "build: $*" >&2; }
fail() { echo "build: error: $*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || fail "Go is not on PATH; the control plane is built from Go modules (go 1.26 or newer)"
GO_VERSION="$(GOTOOLCHAIN=local go version)"

KEY="$( {
  echo "$GO_VERSION"
  for f in kubernetes/go.mod kubernetes/go.sum etcd/go.mod etcd/go.sum etcd/main.go kwok/go.mod kwok/go.sum; do
    echo "== $f"; cat "$GO_DIR/$f"
  done
  echo "== build.sh"; cat "$HERE/build.sh"
} | sha256sum | cut -c1-16)"
OUT="$CACHE_ROOT/$KEY"

if [ -f "$OUT/.complete" ]; then
  log "cached: $OUT"
  echo "$OUT"
  exit 0
fi

# Free disk: the Go caches and the output may sit on different filesystems; check each.
free_gib() { df -Pk "$1" 2>/dev/null | awk 'NR==2 { printf "%d", $4 / 1048576 }'; }
mkdir -p "$CACHE_ROOT"
for dir in "$CACHE_ROOT" "$(GOTOOLCHAIN=local go env GOCACHE)" "$(GOTOOLCHAIN=local go env GOMODCACHE)"; do
  probe="$dir"
  while [ ! -d "$probe" ]; do probe="$(dirname "$probe")"; done
  avail="$(free_gib "$probe")"
  if [ -n "$avail" ] && [ "$avail" -lt "$NEED_GIB" ]; then
    fail "only ${avail} GiB free on the filesystem of $dir; building the control plane needs about ${NEED_GIB} GiB (Go module and build caches plus binaries). Free some space or point XDG_CACHE_HOME / GOCACHE / GOMODCACHE elsewhere."
  fi
done

TMP="$(mktemp -d "$CACHE_ROOT/.build-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin" "$TMP/stages"

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly
start=$(date +%s)

log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $K8S_VERSION (cold: ~5-10 min on 2 cores)"
MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"
LDFLAGS="all=-s -w"
LDFLAGS+=" -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
LDFLAGS+=" -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
LDFLAGS+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
(cd "$GO_DIR/kubernetes" && go build -trimpath -tags selinux,notest -ldflags "$LDFLAGS" -o "$TMP/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)

log "building etcd"
(cd "$GO_DIR/etcd" && go build -trimpath -ldflags "-s -w" -o "$TMP/bin/etcd" .)

log "building kwok"
(cd "$GO_DIR/kwok" && go build -trimpath -ldflags "-s -w" -o "$TMP/bin/kwok" sigs.k8s.io/kwok/cmd/kwok)

# kwok v0.8.0 refuses to start without stage configs; they ship in its module (kustomize/stage).
KWOK_DIR="$(cd "$GO_DIR/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
for s in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  [ -f "$KWOK_DIR/kustomize/stage/$s" ] || fail "kwok stage $s is missing from $KWOK_DIR"
  cp "$KWOK_DIR/kustomize/stage/$s" "$TMP/stages/$(basename "$s")"
done

"$TMP/bin/kube-apiserver" --version >&2
"$TMP/bin/etcd" --version | head -1 >&2
"$TMP/bin/kwok" --version >&2

touch "$TMP/.complete"
rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT
log "built in $(( $(date +%s) - start )) s: $OUT"
# Older builds are dead weight (~0.4 GB each).
for old in "$CACHE_ROOT"/*; do
  [ "$old" != "$OUT" ] && [ -d "$old" ] && rm -rf "$old"
done
echo "$OUT"
