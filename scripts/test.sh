#!/usr/bin/env bash
# Runs perfgate's whole test suite. Installs the independent checkers first
# when they are missing: from PyPI (tests/requirements.txt) junitparser for the
# JUnit reports, check-jsonschema for the Action, workflows and GitLab
# template, hadolint for the Dockerfile; from Debian (with sudo when not root)
# Chromium for the HTML report, shellcheck for the shell scripts, curl and wget
# for the install script. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" -r tests/requirements.txt
}
if ! python3 -c 'import junitparser, check_jsonschema' 2>/dev/null || ! command -v hadolint >/dev/null; then
    pip_install || pip_install --user --break-system-packages
fi
# A user install puts hadolint here.
export PATH="$PATH:$HOME/.local/bin"
missing=""
{ command -v chromium >/dev/null || command -v google-chrome >/dev/null; } || missing="chromium"
for tool in shellcheck curl wget; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi
cargo test --release "$@"
