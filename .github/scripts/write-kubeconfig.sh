#!/usr/bin/env bash
# Writes the stack's kubeconfig (a secret output) to a file only the runner user can read, and
# points later steps at it through $GITHUB_ENV. The kubeconfig never reaches stdout, stderr or
# the log: do not add `set -x`, `cat` or `echo` of it here.
set -euo pipefail

stack="${STACK_NAME:?STACK_NAME must be set (the Pulumi stack, e.g. prod or acme/prod)}"
file="${RUNNER_TEMP:?RUNNER_TEMP must be set}/kubeconfig-${GITHUB_RUN_ID:-local}-${GITHUB_JOB:-job}"

umask 077
rm -f "$file"
: > "$file"
chmod 600 "$file"
if ! pulumi stack output kubeconfig --show-secrets --stack "$stack" > "$file"; then
  rm -f "$file"
  echo "::error::could not read the kubeconfig output of stack ${stack}" >&2
  exit 1
fi
if [ ! -s "$file" ]; then
  rm -f "$file"
  echo "::error::stack ${stack} has an empty kubeconfig output" >&2
  exit 1
fi
echo "KUBECONFIG=$file" >> "${GITHUB_ENV:?GITHUB_ENV must be set}"
echo "kubeconfig of stack ${stack} written to a mode-600 file"
