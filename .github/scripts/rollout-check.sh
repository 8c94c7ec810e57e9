#!/usr/bin/env bash
# Waits until every Deployment in the Dify namespace has finished rolling out (all replicas
# updated and available), then the same in the sandbox's namespace (DifyApp runs dify-sandbox in
# "<namespace>-sandbox", a PSA-baseline namespace of its own). Fails if the Dify namespace has no
# Deployments at all: the kubeconfig or the namespace output points somewhere else. The sandbox
# namespace is optional (absent when the sandbox is disabled).
set -euo pipefail

ns="${DIFY_NAMESPACE:?DIFY_NAMESPACE must be set (the stack output namespace)}"
sandbox_ns="${SANDBOX_NAMESPACE:-}"
timeout="${ROLLOUT_TIMEOUT:-10m}"
failed=()

# Rolls out every Deployment of namespace $1; $2 = required|optional.
check_namespace() {
  local names deployment
  names="$(kubectl get deployments --namespace "$1" --output name)"
  if [ -z "$names" ]; then
    if [ "$2" = required ]; then
      echo "::error::no Deployments found in namespace $1" >&2
      exit 1
    fi
    echo "no Deployments in namespace $1; skipped"
    return 0
  fi
  while IFS= read -r deployment; do
    [ -n "$deployment" ] || continue
    if ! kubectl rollout status "$deployment" --namespace "$1" --timeout "$timeout"; then
      failed+=("$1/${deployment#deployment.apps/}")
      # Pod phases and restart counts only: nothing from env or Secrets is printed.
      kubectl get pods --namespace "$1" --output wide || true
    fi
  done <<< "$names"
}

check_namespace "$ns" required
if [ -n "$sandbox_ns" ]; then
  check_namespace "$sandbox_ns" optional
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "::error::not rolled out within ${timeout}: ${failed[*]}" >&2
  exit 1
fi
echo "all Deployments are rolled out"
