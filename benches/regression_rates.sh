#!/usr/bin/env bash
# Measures the regression gate's pass / inconclusive / fail rates on real runs
# against the built-in demo API on 127.0.0.1 (a server-side sleep, LATENCY).
#
# Each of PAIRS rounds takes one baseline run, then three candidate runs, each
# judged against that baseline with `p95 +10%`, `p99 +20%` and `rps -5%`:
#
#   identical   the same target: every rule should pass, and none fail
#   p95 +20%    a target slower by 20% of the baseline's p95 (its sleep grows
#               by that much, so the whole distribution shifts): p95 +10%
#               should fail
#   rps -10%    a target slower by 1/9 of the baseline's time per request, so
#               that the users (who wait for their replies) complete 10% fewer
#               requests a second: rps -5% should fail
#
# The two slowdowns are calibrated on three runs before the rounds, and the
# candidates' order rotates from round to round so that none is always the
# furthest from its baseline. The table gives, per case and rule, the
# outcomes and the median observed change; then how much the baselines
# themselves varied, and the load average, which say how noisy the machine was.
#
# A benchmark, not a test: figures depend on the machine and its load. Each
# run lasts DURATION; a round is four runs (about 25 s with the defaults).
#   benches/regression_rates.sh [PAIRS]     (default 20)
#   environment: USERS (10), LATENCY (10ms), DURATION (5s), WARMUP (1s)
# Needs python3 for the tally.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs="${1:-20}"
users="${USERS:-10}"
latency="${LATENCY:-10ms}"
duration="${DURATION:-5s}"
warmup="${WARMUP:-1s}"
cargo build --release --quiet
bin="$PWD/target/release/perfgate"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# One demo API per case, on fixed local ports; LATENCY as microseconds.
start() { # PORT LATENCY_US
  "$bin" demo-api --addr "127.0.0.1:$1" --latency "${2}us" >/dev/null 2>&1 &
  pids+=("$!")
}
base_us="$(python3 -c "
import re, sys
m = re.fullmatch(r'([0-9.]+)(us|ms|s)', sys.argv[1])
sys.exit('LATENCY must be like 10ms, 500us or 1s') if not m else None
print(round(float(m[1]) * {'us': 1, 'ms': 1e3, 's': 1e6}[m[2]]))" "$latency")"
start 5821 "$base_us"
sleep 1

cat >"$work/plan.yaml" <<YAML
name: regression-rates
host: http://127.0.0.1:5821
load:
  users: $users
  spawn_rate: 1000/s   # every user from the start
  duration: $duration
  warmup: $warmup
requests:
  - name: predict
    method: POST
    path: /predict
    json: [{ PassengerId: 1, Age: 30, Sex: male }]
regression:
  - p95 +10%
  - p99 +20%
  - rps -5%
YAML

run() { # PORT JSON [BASELINE]
  local args=(run "$work/plan.yaml" --quiet --host "http://127.0.0.1:$1" --json "$2")
  [ $# -ge 3 ] && args+=(--baseline "$3")
  "$bin" "${args[@]}" >/dev/null 2>&1 || [ $? -eq 1 ]
}

# Calibration: the slowdowns are fractions of what the baseline measures.
for i in 1 2 3; do run 5821 "$work/calibrate-$i.json"; done
read -r p95_us rps_ <<<"$(python3 - "$work" <<'PY'
import json, statistics, sys
runs = [json.load(open(f"{sys.argv[1]}/calibrate-{i}.json")) for i in (1, 2, 3)]
p95 = statistics.median(r["overall"]["latency"]["p95"] for r in runs)
rps = statistics.median(r["overall"]["rps"] for r in runs)
print(round(p95 * 1000), rps)
PY
)"
slow_p95_us=$((base_us + p95_us / 5))
slow_rps_us="$(python3 -c "import sys; print(round($base_us + $users / $rps_ * 1e6 / 9))")"
start 5822 "$slow_p95_us"
start 5823 "$slow_rps_us"
sleep 1
echo "users $users, $duration with $warmup warm-up; baseline p95 $((p95_us / 1000)).$(printf '%03d' $((p95_us % 1000))) ms, $rps_ rps"
echo "targets: identical ${base_us} us, p95 +20% ${slow_p95_us} us, rps -10% ${slow_rps_us} us"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

cases=(same:5821 p95:5822 rps:5823)
for i in $(seq "$pairs"); do
  run 5821 "$work/base-$i.json"
  for k in 0 1 2; do
    entry="${cases[$(((i + k) % 3))]}"
    run "${entry#*:}" "$work/${entry%%:*}-$i.json" "$work/base-$i.json"
  done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

python3 - "$work" "$pairs" <<'PY'
import json, statistics, sys
work, pairs = sys.argv[1], int(sys.argv[2])
names = {"same": "identical", "p95": "p95 +20%", "rps": "rps -10%"}
print(f"\n{'case':<10} {'rule':<9} {'pass':>9} {'inconclusive':>12} {'fail':>9}  median change")
unsure = []
for case, label in names.items():
    rows = {}
    for i in range(1, pairs + 1):
        report = json.load(open(f"{work}/{case}-{i}.json"))
        for r in report["regression"]["results"]:
            row = rows.setdefault(r["rule"], {"pass": 0, "inconclusive": 0, "fail": 0, "changes": []})
            row[r["outcome"]] += 1
            row["changes"].append(r["change"])
            if case == "same" and r["outcome"] != "pass":
                unsure.append(f"  round {i}: {r['message']}")
    for rule, row in rows.items():
        rate = lambda k: f"{row[k]} ({100 * row[k] / pairs:.0f}%)"
        change = statistics.median(row["changes"]) * 100
        print(f"{label:<10} {rule:<9} {rate('pass'):>9} {rate('inconclusive'):>12} {rate('fail'):>9}  {change:+.1f}%")
if unsure:
    print("\nidentical runs that did not pass:")
    print("\n".join(unsure))
bases = [json.load(open(f"{work}/base-{i}.json"))["overall"] for i in range(1, pairs + 1)]
def spread(values, unit, digits=2):
    values = sorted(values)
    low, mid, high = values[0], statistics.median(values), values[-1]
    return f"min {low:.{digits}f}, median {mid:.{digits}f}, max {high:.{digits}f} {unit}".rstrip()
print(f"\n{pairs} rounds; the baselines (identical runs) varied:")
print(f"  requests  {spread([b['requests'] for b in bases], '', 0)}")
print(f"  p95       {spread([b['latency']['p95'] for b in bases], 'ms')}")
print(f"  p99       {spread([b['latency']['p99'] for b in bases], 'ms')}")
print(f"  rps       {spread([b['rps'] for b in bases], '/s')}")
PY
