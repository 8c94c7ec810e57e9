#!/usr/bin/env bash
# Offline preview of a pull request, for every stack: the offline plan of the base branch (saved
# with --json) and of the pull request's head with --diff against it, then one Markdown comment
# body (comment.md) with each stack's changes, summary and policy report. No cloud credentials
# and no write token are needed: pr.yml runs this for every pull request, forks included, and
# uploads OUT_DIR; pr-comment.yml (workflow_run) posts it.
#
# Inputs (environment): HEAD_DIR, BASE_DIR (checkouts of the head and base commits), OUT_DIR,
# PR_NUMBER, HEAD_SHA, BASE_REF (the base branch name), STACKS (default "dev prod").
# A plan that fails is reported in the comment with its exit code (the plan's own table: 1
# mandatory policy violation, 2 invalid config, 3 program failure); this script fails only when it
# cannot do its own work. The `test` job, not this one, fails the check on a violation.
set -euo pipefail

: "${HEAD_DIR:?HEAD_DIR must be set}" "${BASE_DIR:?BASE_DIR must be set}" "${OUT_DIR:?OUT_DIR must be set}"
: "${PR_NUMBER:?PR_NUMBER must be set}" "${HEAD_SHA:?HEAD_SHA must be set}"
base_ref="${BASE_REF:-base}"
stacks="${STACKS:-dev prod}"
# A comment holds at most 65,536 characters; every block is cut to this many lines.
max_lines="${PREVIEW_MAX_LINES:-120}"
marker='<!-- dify-aws:offline-preview -->'

[[ "$PR_NUMBER" =~ ^[0-9]+$ ]] || { echo "PR_NUMBER is not a number: $PR_NUMBER" >&2; exit 1; }
mkdir -p "$OUT_DIR"
out="$(cd "$OUT_DIR" && pwd)"
head_dir="$(cd "$HEAD_DIR" && pwd)"
base_dir="$(cd "$BASE_DIR" && pwd)"

for dir in "$base_dir" "$head_dir"; do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
done

# Runs the plan in $1 with the remaining arguments; output to $out/$2.txt; prints the exit code.
plan() {
  local dir="$1" name="$2"
  shift 2
  local code=0
  (cd "$dir" && npm run --silent plan -- "$@") > "$out/$name.txt" 2>&1 || code=$?
  echo "$code"
}

meaning() {
  case "$1" in
    0) echo "planned" ;;
    1) echo "a mandatory policy violation" ;;
    2) echo "invalid config or arguments, nothing planned" ;;
    *) echo "the plan failed (exit $1)" ;;
  esac
}

# Prints the lines of file $1 from the first line matching $2 (ERE) to the line before the first
# line matching $3 (or the end), at most $max_lines, with code fences defused.
section() {
  awk -v from="$2" -v to="$3" -v max="$max_lines" '
    !on && $0 ~ from { on = 1 }
    on && to != "" && n > 0 && $0 ~ to { exit }
    on { if (n < max) print; n++ }
    END { if (n > max) printf "… %d more lines in the workflow artifact\n", n - max }
  ' "$1" | sed -e 's/```/`\xe2\x80\x8b``/g' -e "s#$out/##g"
}

short_sha="${HEAD_SHA:0:12}"
{
  echo "$marker"
  echo "### Offline preview of \`$short_sha\` against \`$base_ref\`"
  echo
  echo "The program under Pulumi's mocks, no cloud account (\`npm run plan -- --stack <name> --diff base.json\`)."
  echo "Values the providers compute read \`<known after deploy>\`. A real \`pulumi preview\` runs only for branches of this repository."
} > "$out/comment.md"

for stack in $stacks; do
  [[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "bad stack name: $stack" >&2; exit 1; }
  base_code="$(plan "$base_dir" "base-$stack" --stack "$stack" --json "$out/base-$stack.json")"
  if [ -s "$out/base-$stack.json" ] && [ "$base_code" -le 1 ]; then
    head_code="$(plan "$head_dir" "head-$stack" --stack "$stack" --json "$out/head-$stack.json" --diff "$out/base-$stack.json" --diff-json "$out/diff-$stack.json")"
    against="the plan of \`$base_ref\`"
  else
    head_code="$(plan "$head_dir" "head-$stack" --stack "$stack" --json "$out/head-$stack.json")"
    against=""
  fi
  echo "$base_code" > "$out/base-$stack.exit"
  echo "$head_code" > "$out/head-$stack.exit"
  {
    echo
    echo "#### \`$stack\`: $(meaning "$head_code")"
    if [ -n "$against" ]; then
      changes="$(grep -m1 -E '^Diff against' "$out/head-$stack.txt" | sed -E 's/^Diff against [^:]*: //' || true)"
      echo "<details open><summary>Changes against $against: ${changes:-see the log}</summary>"
      echo
      echo '```text'
      section "$out/head-$stack.txt" '^Diff against' ''
      echo '```'
      echo "</details>"
    else
      echo
      echo "No diff: the plan of \`$base_ref\` for \`$stack\` did not complete ($(meaning "$base_code"))."
    fi
    echo "<details><summary>Summary and policy report</summary>"
    echo
    echo '```text'
    section "$out/head-$stack.txt" '.' '^$'
    echo '```'
    echo "</details>"
  } >> "$out/comment.md"
done

echo "$PR_NUMBER" > "$out/pr-number"
echo "$HEAD_SHA" > "$out/head-sha"
echo "wrote $out/comment.md ($(wc -c < "$out/comment.md") bytes)"
