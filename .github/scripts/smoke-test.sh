#!/usr/bin/env bash
# Smoke test of a Dify install through its public URL (the load balancer and ingress included).
# Passes when, in the same attempt:
#   GET <url>/health             -> 200, JSON with "status": "ok"  (dify-api's /health)
#   GET <url>/console/api/ping   -> 200, JSON with "result": "pong" (the console API route)
#   GET <url>/signin             -> 200, text/html after redirects  (the dify-web console)
# Retries with exponential backoff (5s, 10s, 20s, 40s, then every 60s) for SMOKE_TIMEOUT_SECONDS
# (default 300): DNS, the load balancer's target registration and health checks take minutes
# after a rollout.
set -euo pipefail

base="${DIFY_URL:?DIFY_URL must be set (the stack output url)}"
base="${base%/}"
budget="${SMOKE_TIMEOUT_SECONDS:-300}"
delay="${SMOKE_INITIAL_DELAY_SECONDS:-5}"
max_delay=60
deadline=$((SECONDS + budget))

# Prints why an attempt failed; returns non-zero on failure.
check() {
  local body status
  if ! body="$(curl --silent --show-error --fail --max-time 10 "$base/health" 2>&1)"; then
    echo "/health: ${body}"; return 1
  fi
  if ! grep -Eq '"status"[[:space:]]*:[[:space:]]*"ok"' <<< "$body"; then
    echo "/health: 200 but not Dify's api health JSON: ${body:0:200}"; return 1
  fi
  if ! body="$(curl --silent --show-error --fail --max-time 10 "$base/console/api/ping" 2>&1)"; then
    echo "/console/api/ping: ${body}"; return 1
  fi
  if ! grep -Eq '"result"[[:space:]]*:[[:space:]]*"pong"' <<< "$body"; then
    echo "/console/api/ping: unexpected body: ${body:0:200}"; return 1
  fi
  if ! status="$(curl --silent --show-error --location --max-redirs 5 --max-time 10 \
      --output /dev/null --write-out '%{http_code} %{content_type}' "$base/signin" 2>&1)"; then
    echo "/signin: ${status}"; return 1
  fi
  case "$status" in
    "200 text/html"*) ;;
    *) echo "/signin: expected 200 text/html, got ${status}"; return 1 ;;
  esac
}

attempt=1
while true; do
  if reason="$(check)"; then
    echo "smoke test of ${base} passed (attempt ${attempt})"
    exit 0
  fi
  echo "attempt ${attempt}: ${reason}"
  if [ $((SECONDS + delay)) -gt "$deadline" ]; then
    echo "::error::smoke test of ${base} failed for ${budget}s; last failure: ${reason}" >&2
    exit 1
  fi
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2 > max_delay ? max_delay : delay * 2))
done
