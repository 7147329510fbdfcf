#!/usr/bin/env bash
# Fuzzes perfgate's untrusted-input parsers: the plan loader, the SLO
# expression parser and the JSON report reader.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600 s, every target)
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz`). It runs on a stable
# toolchain without sanitizers (`--sanitizer none`); libFuzzer still catches
# every panic, abort and out-of-memory. Crashes land in fuzz/artifacts/;
# turn each into a case of tests/fuzz_regressions.rs once fixed.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(plan slo_expr json_report)
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
    echo "== $target for ${seconds}s"
    cargo fuzz run --sanitizer none -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
done
