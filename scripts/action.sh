#!/usr/bin/env bash
# The logic of the perfgate GitHub Action (action.yml), kept out of YAML so it
# can be tested: installs perfgate into the tool cache through
# scripts/install.sh, runs the plan, writes the step's outputs, keeps a passing
# run's report as the next baseline, and posts the comparison on the pull
# request. It always exits 0 once perfgate has run: the action's last step
# fails the job with perfgate's exit code, after the reports are uploaded.
#
# Inputs (environment): INPUT_PLAN, INPUT_VERSION, INPUT_ARGS, INPUT_BASELINE,
# INPUT_BASELINE_LAST, INPUT_COMMENT, ACTION_REF, GH_TOKEN.
# From the runner: RUNNER_TEMP, RUNNER_TOOL_CACHE (optional), GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY.
# PERFGATE_DOWNLOAD_URL is passed on to the install script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${RUNNER_TEMP:?RUNNER_TEMP is not set: this script runs inside a GitHub Actions job}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs inside a GitHub Actions job}"
plan="${INPUT_PLAN:?the action needs a plan: with: plan: path/to/plan.yaml}"
[ -f "$plan" ] || { echo "::error::perfgate: the plan \`$plan\` does not exist" >&2; exit 2; }

# The version: the input, else the tag the action is pinned to (v0.2.0), else
# the latest release (a branch such as `main` names no release).
version="${INPUT_VERSION:-}"
if [ -z "$version" ]; then
    case "${ACTION_REF:-}" in
        v[0-9]*.*) version="${ACTION_REF#v}" ;;
        *) version="latest" ;;
    esac
fi
version="${version#v}"

# Install into the tool cache, once per version and machine.
arch="$(uname -m)"
cache="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP/tool-cache}"
bin_dir="$cache/perfgate/$version/$arch"
if [ "$version" = "latest" ] || [ ! -x "$bin_dir/perfgate" ]; then
    sh "$here/install.sh" --version "$version" --to "$bin_dir" >&2
fi
export PATH="$bin_dir:$PATH"
echo "perfgate: $(perfgate --version)" >&2

out="$RUNNER_TEMP/perfgate"
mkdir -p "$out"
report="$out/report.json"
args=(run "$plan" --json "$report" --junit "$out/junit.xml" --html "$out/report.html")
baseline_dir=""
if [ -n "${INPUT_BASELINE:-}" ]; then
    baseline_dir="$RUNNER_TEMP/perfgate-baseline"
    mkdir -p "$baseline_dir"
    args+=(--baseline "$baseline_dir" --baseline-last "${INPUT_BASELINE_LAST:-5}")
fi
if [ -n "${INPUT_ARGS:-}" ]; then
    # Word-split the extra arguments as a shell would, without running anything.
    read -r -a extra <<<"$INPUT_ARGS"
    args+=("${extra[@]}")
fi

code=0
perfgate "${args[@]}" || code=$?

verdict="invalid"
if [ -f "$report" ]; then
    verdict="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["verdict"]["outcome"])' "$report" 2>/dev/null || echo invalid)"
fi
{
    echo "verdict=$verdict"
    echo "exit-code=$code"
    echo "report-json=$report"
} >>"$GITHUB_OUTPUT"

# The comparison as one pull-request comment, updated in place on reruns.
if [ "${INPUT_COMMENT:-false}" = "true" ] && [ -n "$baseline_dir" ] && [ -f "$report" ]; then
    comment="$out/comment.md"
    # The comparison when the plan has regression rules, else the run's summary.
    # (compare exits 1 on a regression and still writes the comment).
    rm -f "$comment"
    perfgate compare "$baseline_dir" "$report" --markdown "$comment" \
        --baseline-last "${INPUT_BASELINE_LAST:-5}" >/dev/null 2>&1 || true
    [ -s "$comment" ] || perfgate report "$report" --markdown "$comment" >/dev/null
    marker="<!-- perfgate: $plan -->"
    printf '%s\n%s\n' "$marker" "$(cat "$comment")" >"$comment"
    pr=""
    if [ "${GITHUB_EVENT_NAME:-}" = "pull_request" ] || [ "${GITHUB_EVENT_NAME:-}" = "pull_request_target" ]; then
        pr="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pull_request"]["number"])' "${GITHUB_EVENT_PATH:-/dev/null}" 2>/dev/null || true)"
    fi
    if [ -z "$pr" ]; then
        echo "perfgate: not a pull request; the comment is in $comment" >&2
    elif ! command -v gh >/dev/null; then
        echo "::warning::perfgate: the GitHub CLI (gh) is missing; the comment is in the reports" >&2
    else
        existing="$(gh api "repos/$GITHUB_REPOSITORY/issues/$pr/comments" --paginate \
            --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1 || true)"
        if [ -n "$existing" ]; then
            gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -F "body=@$comment" >/dev/null
        else
            gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -F "body=@$comment" >/dev/null
        fi
    fi
fi
# A passing run becomes the newest baseline; the cache keeps the last 20.
if [ -n "$baseline_dir" ] && [ "$code" -eq 0 ] && [ -f "$report" ]; then
    cp "$report" "$baseline_dir/$(date -u +%Y%m%dT%H%M%SZ)-${GITHUB_RUN_ID:-local}.json"
    find "$baseline_dir" -maxdepth 1 -name '*.json' | sort | head -n -20 | xargs -r rm -f
fi

exit 0
