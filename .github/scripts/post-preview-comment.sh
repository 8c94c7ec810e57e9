#!/usr/bin/env bash
# Posts the offline preview (comment.md from offline-preview.sh, downloaded from the pr run's
# artifact) as ONE comment on the pull request, updating the previous one on each push.
#
# Runs in pr-comment.yml (workflow_run) with a token that can write pull requests, so the
# artifact, which a fork's code produced, is data only: nothing from it is executed or
# interpolated into a command; the pull request number must be a number whose head commit (asked
# from the API) is the commit the pr run tested; the body is cut to fit a comment and always
# starts with our marker; only a comment by github-actions[bot] that starts with the marker is
# ever edited.
#
# Inputs (environment): PREVIEW_DIR, GITHUB_TOKEN, REPO (owner/name), RUN_HEAD_SHA (the head
# commit of the triggering run), GITHUB_API_URL (set by Actions).
set -euo pipefail

: "${PREVIEW_DIR:?PREVIEW_DIR must be set}" "${GITHUB_TOKEN:?GITHUB_TOKEN must be set}"
: "${REPO:?REPO must be set}" "${RUN_HEAD_SHA:?RUN_HEAD_SHA must be set}"
api_url="${GITHUB_API_URL:-https://api.github.com}"
marker='<!-- dify-aws:offline-preview -->'
bot="github-actions[bot]"
# GitHub refuses comments over 65,536 characters; leave room for the marker and the note.
max_bytes=60000

pr="$(head -c 20 "$PREVIEW_DIR/pr-number" | tr -d '[:space:]')"
if ! [[ "$pr" =~ ^[0-9]{1,10}$ ]]; then
  echo "the artifact's pr-number is not a pull request number" >&2
  exit 1
fi

api() {
  curl --silent --show-error --fail --max-time 30 \
    -H "Authorization: Bearer $GITHUB_TOKEN" -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" "$@"
}

head_sha="$(api "$api_url/repos/$REPO/pulls/$pr" | jq -r '.head.sha')"
if [ "$head_sha" != "$RUN_HEAD_SHA" ]; then
  # A newer push (its own run will post) or a number that is not this run's pull request.
  echo "::notice::pull request #$pr is at $head_sha, this run tested $RUN_HEAD_SHA: not commenting"
  exit 0
fi

content="$(mktemp)"
body="$(mktemp)"
trap 'rm -f "$content" "$body"' EXIT
# Our marker exactly once, first; the artifact's own copies dropped.
grep -vF "$marker" "$PREVIEW_DIR/comment.md" > "$content" || true
{
  echo "$marker"
  head -c "$max_bytes" "$content"
  if [ "$(wc -c < "$content")" -gt "$max_bytes" ]; then
    printf '\n\n… cut to fit a comment: the workflow artifact `offline-preview` has the full plans and diffs.\n'
  fi
} > "$body"

# The existing preview comment: ours, marked, on any page of the conversation.
existing=""
for page in $(seq 1 30); do
  comments="$(api "$api_url/repos/$REPO/issues/$pr/comments?per_page=100&page=$page")"
  [ "$(jq 'length' <<< "$comments")" -gt 0 ] || break
  existing="$(jq -r --arg m "$marker" --arg bot "$bot" \
    'map(select(.user.login == $bot and (.body | startswith($m)))) | first | .id // empty' <<< "$comments")"
  [ -z "$existing" ] || break
done

payload="$(jq -n --rawfile b "$body" '{body: $b}')"
if [ -n "$existing" ]; then
  api -X PATCH "$api_url/repos/$REPO/issues/comments/$existing" -d "$payload" > /dev/null
  echo "updated the preview comment $existing on #$pr"
else
  api -X POST "$api_url/repos/$REPO/issues/$pr/comments" -d "$payload" > /dev/null
  echo "posted the preview comment on #$pr"
fi
