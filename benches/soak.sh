#!/usr/bin/env bash
# Soak: the open model at 1,000/s for 10 minutes, GET against nginx on
# 127.0.0.1. Samples perfgate's RSS (VmRSS from /proc) every 10 s, prints the
# samples, and whether the last is at most 10% above the sample at 1 minute
# (issue 8: memory stays flat). Run by hand, not in CI.
# It also prints the most requests in flight at once: each holds a task and a
# read buffer while it lasts, so a stall of the target raises the RSS it leaves.
# Measured on 2 shared CPUs (README, Performance): 12.0 MB at 1 minute, 12.5 MB
# at the end, +3.9%.
#
#   benches/soak.sh [SECONDS]     # default 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
port="${PERFGATE_BENCH_PORT:-5093}"
# shellcheck source=benches/nginx.sh
. benches/nginx.sh
bench_with_nginx 4096

cat >"$work/plan.yaml" <<PLAN
name: bench-soak
host: http://127.0.0.1:$port
load:
  rate: 1000/s
  duration: ${seconds}s
  max_in_flight: 1000
  seed: 1
requests:
  - name: predict
    path: /predict
PLAN
echo "open model, 1000/s, ${seconds}s, RSS of perfgate every 10 s:"
"$bin" run "$work/plan.yaml" --quiet --json "$work/report.json" >"$work/out" 2>&1 &
pg=$!
samples=()
t=0
while kill -0 "$pg" 2>/dev/null; do
    rss_kib="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pg/status" 2>/dev/null || true)"
    if [ -n "$rss_kib" ]; then
        samples+=("$t $rss_kib")
        printf '  t=%4ss  rss %7.1f MB\n' "$t" "$(python3 -c "print($rss_kib / 1024)")"
    fi
    sleep 10
    t=$((t + 10))
done
wait "$pg" || true
cat "$work/out"
python3 -c "
import json; l = json.load(open('$work/report.json'))['load']
print(f\"most requests in flight at once: {l['peak_users']}\")" || true
printf '%s\n' "${samples[@]}" | python3 -c '
import sys
s = [tuple(map(int, l.split())) for l in sys.stdin if l.strip()]
minute = next((r for t, r in s if t >= 60), None)
if minute is None:
    print("run shorter than a minute: no verdict")
else:
    last = s[-1][1]
    print(f"1-minute sample {minute / 1024:.1f} MB, last {last / 1024:.1f} MB: "
          f"{100 * (last / minute - 1):+.1f}%, " + ("flat (<= +10%)" if last <= 1.1 * minute else "GROWING (> +10%)"))
'
