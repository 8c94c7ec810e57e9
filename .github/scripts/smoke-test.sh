#!/usr/bin/env bash
# Smoke test of a Dify install through its public URL (load balancer and ingress included).
# Passes when, in the same attempt:
#   GET <url>/console/api/ping  -> 200, JSON {"result": "pong"}  (dify-api, through the console
#                                  API route the browser uses; controllers/console/ping.py)
#   GET <url>/signin            -> 200, text/html after redirects (dify-web's console)
#   GET <url>$SMOKE_HEALTH_PATH -> 200, JSON with "status": "ok"  (only when SMOKE_HEALTH_PATH is
#                                  set, e.g. /health once the ingress routes it to dify-api; its
#                                  /health answers {"pid", "status": "ok", "version"})
# Retries with exponential backoff (5s, 10s, 20s, 40s, then every 60s) for SMOKE_TIMEOUT_SECONDS
# (default 300): DNS, load balancer target registration and health checks take minutes after a
# rollout.
set -euo pipefail

base="${DIFY_URL:?DIFY_URL must be set (the stack output url)}"
base="${base%/}"
health_path="${SMOKE_HEALTH_PATH:-}"
budget="${SMOKE_TIMEOUT_SECONDS:-300}"
delay="${SMOKE_INITIAL_DELAY_SECONDS:-5}"
max_delay=60
deadline=$((SECONDS + budget))

# GET $1 and require a 200 whose body matches the extended regex $2; prints why not.
expect_json() {
  local body
  if ! body="$(curl --silent --show-error --fail --max-time 10 "$base$1" 2>&1)"; then
    echo "$1: ${body}"; return 1
  fi
  if ! grep -Eq "$2" <<< "$body"; then
    echo "$1: 200 but not the expected Dify api JSON: ${body:0:200}"; return 1
  fi
}

check() {
  expect_json /console/api/ping '"result"[[:space:]]*:[[:space:]]*"pong"' || return 1
  local status
  if ! status="$(curl --silent --show-error --location --max-redirs 5 --max-time 10 \
      --output /dev/null --write-out '%{http_code} %{content_type}' "$base/signin" 2>&1)"; then
    echo "/signin: ${status}"; return 1
  fi
  case "$status" in
    "200 text/html"*) ;;
    *) echo "/signin: expected 200 text/html, got ${status}"; return 1 ;;
  esac
  if [ -n "$health_path" ]; then
    expect_json "$health_path" '"status"[[:space:]]*:[[:space:]]*"ok"' || return 1
  fi
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
