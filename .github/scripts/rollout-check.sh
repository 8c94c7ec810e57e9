#!/usr/bin/env bash
# Waits until every Deployment in the Dify namespace has finished rolling out (all replicas
# updated and available). Fails if the namespace has no Deployments at all: that means the
# kubeconfig or the namespace output points somewhere else.
set -euo pipefail

ns="${DIFY_NAMESPACE:?DIFY_NAMESPACE must be set (the stack output namespace)}"
timeout="${ROLLOUT_TIMEOUT:-10m}"

names="$(kubectl get deployments --namespace "$ns" --output name)"
if [ -z "$names" ]; then
  echo "::error::no Deployments found in namespace ${ns}" >&2
  exit 1
fi

failed=()
while IFS= read -r deployment; do
  [ -n "$deployment" ] || continue
  if ! kubectl rollout status "$deployment" --namespace "$ns" --timeout "$timeout"; then
    failed+=("$deployment")
  fi
done <<< "$names"

if [ "${#failed[@]}" -gt 0 ]; then
  # Pod phases and restart counts only: nothing from env or Secrets is printed.
  kubectl get pods --namespace "$ns" --output wide || true
  echo "::error::not rolled out within ${timeout}: ${failed[*]}" >&2
  exit 1
fi
echo "all Deployments in ${ns} are rolled out"
