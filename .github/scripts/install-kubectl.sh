#!/usr/bin/env bash
# Installs a pinned kubectl and refuses to put it on PATH unless its SHA-256 matches the value
# recorded here (not one fetched from the same server at run time).
# v1.34.1 matches the cluster's default Kubernetes 1.34 (kubectl supports +/-1 minor of skew).
# Checksums: https://dl.k8s.io/release/v1.34.1/bin/linux/{amd64,arm64}/kubectl.sha256, the same
# values pinned by several independent public projects.
# To upgrade: change the version and both checksums together.
set -euo pipefail

KUBECTL_VERSION="v1.34.1"
SHA256_AMD64="7721f265e18709862655affba5343e85e1980639395d5754473dafaadcaa69e3"
SHA256_ARM64="420e6110e3ba7ee5a3927b5af868d18df17aae36b720529ffa4e9e945aa95450"

case "${RUNNER_ARCH:-X64}" in
  X64) arch=amd64; expected="$SHA256_AMD64" ;;
  ARM64) arch=arm64; expected="$SHA256_ARM64" ;;
  *) echo "::error::no pinned kubectl checksum for runner architecture ${RUNNER_ARCH}" >&2; exit 1 ;;
esac

dir="${RUNNER_TEMP:?RUNNER_TEMP must be set}/kubectl-${KUBECTL_VERSION}"
mkdir -p "$dir"
curl --fail --silent --show-error --location --retry 3 --proto '=https' \
  --output "$dir/kubectl.download" \
  "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl"

actual="$(sha256sum "$dir/kubectl.download" | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  rm -f "$dir/kubectl.download"
  echo "::error::kubectl ${KUBECTL_VERSION} (${arch}) checksum mismatch: expected ${expected}, got ${actual}" >&2
  exit 1
fi
mv "$dir/kubectl.download" "$dir/kubectl"
chmod 0755 "$dir/kubectl"
echo "$dir" >> "${GITHUB_PATH:?GITHUB_PATH must be set}"
echo "kubectl ${KUBECTL_VERSION} (${arch}) installed and verified"
