#!/usr/bin/env bash
# Prints what the open model costs: perfgate's CPU time per 1,000 arrivals at
# 1,000/s and 10,000/s against a fast local target (perfgate's demo API on
# 127.0.0.1, GET /health), and, when `oha` is installed, oha's constant-rate
# mode (`oha -q`) on the same target in the same run, with the ratio.
#
# A benchmark, not a test: figures depend on the machine. Run from anywhere:
#   benches/open_model.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
port=5090
cargo build --release --quiet
bin=target/release/perfgate
work="$(mktemp -d)"
"$bin" demo-api --addr "127.0.0.1:$port" --workers 1 2>/dev/null &
target=$!
trap 'kill "$target" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
done

cpu_of() { # command... -> prints user+system CPU seconds of the command
    local t="$work/time"
    /usr/bin/time -f "%U %S" -o "$t" "$@" >/dev/null 2>&1 || true
    awk '{ printf "%.3f", $1 + $2 }' "$t"
}

printf '%-8s %-10s %10s %12s %14s %12s\n' rate tool arrivals cpu_s "cpu_ms/1000" "lag_p99_ms"
for rate in 1000 10000; do
    cat > "$work/plan.yaml" <<PLAN
name: bench-open-$rate
host: http://127.0.0.1:$port
load:
  rate: $rate/s
  duration: ${seconds}s
  max_in_flight: 2000
  seed: 1
requests:
  - name: health
    path: /health
PLAN
    cpu="$(cpu_of "$bin" run "$work/plan.yaml" --quiet --json "$work/r.json")"
    read -r arrivals lag < <(python3 -c "
import json; r = json.load(open('$work/r.json'))['load']['open']
print(r['dispatched'], r['lag_p99_ms'])")
    per=$(python3 -c "print(f'{$cpu / max($arrivals, 1) * 1e6:.2f}')")
    printf '%-8s %-10s %10s %12s %14s %12s\n' "$rate/s" perfgate "$arrivals" "$cpu" "$per" "$lag"
    if command -v oha >/dev/null; then
        ocpu="$(cpu_of oha -z "${seconds}s" -q "$rate" --no-tui "http://127.0.0.1:$port/health")"
        oarr=$((rate * seconds))
        oper=$(python3 -c "print(f'{$ocpu / $oarr * 1e6:.2f}')")
        printf '%-8s %-10s %10s %12s %14s %12s\n' "$rate/s" oha "~$oarr" "$ocpu" "$oper" "-"
        python3 -c "print(f'         perfgate / oha CPU per arrival: {$per / max($oper, 1e-9):.2f}')"
    fi
done
command -v oha >/dev/null || echo "(oha not installed: cargo install oha to compare side by side)"
