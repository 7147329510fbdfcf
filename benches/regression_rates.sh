#!/usr/bin/env bash
# Measures the regression gate's false-alarm and detection rates: for each
# run size and server change, PAIRS baseline/rerun pairs against the built-in
# demo API on 127.0.0.1 (a server-side sleep of 20 ms), each rerun judged with
# `p95 +10%` against the baseline taken just before it.
#
#   false alarm: the rerun's server is unchanged, yet the rule fails
#   detection:   the rerun's server sleeps longer (+10%, +20%, +50%) and the
#                rule fails; +10% is exactly the allowance, so it should not
#                fail often: the rule fails only on a credible excess
#
# A benchmark, not a test: figures depend on the machine and its load.
#   benches/regression_rates.sh [PAIRS]        (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs="${1:-10}"
cargo build --release --quiet
bin="$PWD/target/release/perfgate"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# One demo API per latency, on fixed local ports.
start() { # PORT LATENCY
  "$bin" demo-api --addr "127.0.0.1:$1" --latency "$2" >/dev/null 2>&1 &
  pids+=("$!")
}
start 5801 20ms
start 5802 22ms
start 5803 24ms
start 5804 30ms
sleep 1

cat >"$work/plan.yaml" <<'YAML'
name: regression-rates
host: http://127.0.0.1:5801
load:
  users: 5
  spawn_rate: 100/s   # every user from the start, so the sizes below hold
  duration: 4s
requests:
  - name: predict
    method: POST
    path: /predict
    json: [{ PassengerId: 1, Age: 30, Sex: male }]
regression:
  - p95 +10%
YAML

# At about 250 requests/s (5 users, 20 ms), 0.8 s is about 200 requests and 4 s about 1000.
printf '%-10s %-8s %s\n' requests change "failed / pairs (inconclusive)"
for size in 0.8s 4s; do
  for case in "5801 +0%" "5802 +10%" "5803 +20%" "5804 +50%"; do
    set -- $case
    port=$1 change=$2 failed=0 unsure=0
    for i in $(seq "$pairs"); do
      "$bin" run "$work/plan.yaml" --quiet -t "$size" --host http://127.0.0.1:5801 \
        --json "$work/base.json" >/dev/null
      code=0
      "$bin" run "$work/plan.yaml" --quiet -t "$size" --host "http://127.0.0.1:$port" \
        --json "$work/new.json" --baseline "$work/base.json" >/dev/null 2>"$work/err" || code=$?
      [ "$code" -eq 1 ] && failed=$((failed + 1))
      grep -q "INCONCLUSIVE" "$work/err" && unsure=$((unsure + 1))
    done
    printf '%-10s %-8s %d / %d (%d)\n' "~$( [ "$size" = 4s ] && echo 1000 || echo 200)" "$change" "$failed" "$pairs" "$unsure"
  done
done
