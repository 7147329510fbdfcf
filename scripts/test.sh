#!/usr/bin/env bash
# Runs perfgate's whole test suite. Installs the independent checkers first
# when they are missing: junitparser (PyPI) for the JUnit reports, and
# Debian's Chromium for the HTML report (with sudo when not root). Extra
# arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" -r tests/requirements.txt
}
if ! python3 -c 'import junitparser' 2>/dev/null; then
    pip_install || pip_install --user --break-system-packages
fi
if ! command -v chromium >/dev/null && ! command -v google-chrome >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi
cargo test --release "$@"
