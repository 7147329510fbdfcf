#!/usr/bin/env bash
# Runs perfgate's whole test suite. Installs the independent JUnit checker
# (junitparser, from PyPI) first. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" -r tests/requirements.txt
}
if ! python3 -c 'import junitparser' 2>/dev/null; then
    pip_install || pip_install --user --break-system-packages
fi
cargo test --release "$@"
