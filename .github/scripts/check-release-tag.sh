#!/usr/bin/env bash
# A production release must be a reviewed commit with a matching version: the tag (vX.Y.Z) has to
# point at a commit already on the default branch, and equal "v" + package.json's version.
# Needs the full history (actions/checkout with fetch-depth: 0).
set -euo pipefail

tag="${RELEASE_TAG:?RELEASE_TAG must be set (e.g. v1.2.3)}"
branch="${DEFAULT_BRANCH:-main}"

if ! [[ "$tag" =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "::error::release tag ${tag} is not vMAJOR.MINOR.PATCH" >&2
  exit 1
fi
commit="$(git rev-parse "${tag}^{commit}")"
if ! git merge-base --is-ancestor "$commit" "origin/${branch}"; then
  echo "::error::tag ${tag} (${commit}) is not on ${branch}: only reviewed, merged commits are released" >&2
  exit 1
fi
version="$(node -p 'require("./package.json").version')"
if [ "v${version}" != "$tag" ]; then
  echo "::error::tag ${tag} does not match package.json version ${version}: bump the version and CHANGELOG.md first" >&2
  exit 1
fi
echo "release ${tag} is ${commit} on ${branch}"
