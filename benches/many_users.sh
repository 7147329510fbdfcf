#!/usr/bin/env bash
# Many users: 10,000 closed-model users thinking 3s..5s each, 60 s, GET against
# nginx on 127.0.0.1. Prints perfgate's peak RSS and CPU time, the achieved
# rate against the theoretical users ÷ mean think time (2,500/s; measured
# after a 15 s warm-up that covers the spawn ramp) and the errors.
# Targets (issue 8): RSS < 150 MB, rate within 2%, no errors.
# Measured on 2 shared CPUs (README, Performance): rate −0.01%, no errors, peak
# RSS 35.9 MB with the lean transport (it was 223 MB, about 20 KB per user, on
# hyper's connection API: a request channel, 8 KiB read and write buffers).
#
# A benchmark, not a test. Run from anywhere (nginx-light must be installed):
#   benches/many_users.sh [USERS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-10000}"
seconds="${2:-60}"
port="${PERFGATE_BENCH_PORT:-5092}"
# nginx inherits this shell's open-files limit; perfgate raises its own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# shellcheck source=benches/nginx.sh
. benches/nginx.sh
bench_with_nginx "$users"

cat >"$work/plan.yaml" <<PLAN
name: bench-many-users
host: http://127.0.0.1:$port
load:
  users: $users
  spawn_rate: 2000/s
  think_time: 3s..5s
  duration: ${seconds}s
  warmup: 15s
  seed: 1
requests:
  - name: predict
    path: /predict
PLAN
echo "$users users, think 3s..5s, ${seconds}s (15 s warm-up), nginx on 127.0.0.1, $(nproc) CPUs, open files $(ulimit -n)"
/usr/bin/time -f "%U %S %M" -o "$work/time" \
    "$bin" run "$work/plan.yaml" --quiet --json "$work/report.json" || true
read -r user sys rss <"$work/time"
python3 - "$work/report.json" "$users" "$user" "$sys" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
users, cpu, rss_kib = int(sys.argv[2]), float(sys.argv[3]) + float(sys.argv[4]), int(sys.argv[5])
theory = users / 4.0
rate = r["overall"]["rps"]
errors = r["overall"]["errors"]["total"]
print(f"peak users        {r['load']['peak_users']}")
print(f"requests          {r['overall']['requests']} (+{r['load']['warmup_requests']} in warm-up)")
print(f"achieved rate     {rate:.1f}/s against {theory:.1f}/s: {100 * (rate / theory - 1):+.2f}%")
print(f"errors            {errors}")
print(f"peak RSS          {rss_kib / 1024:.1f} MB")
print(f"CPU               {cpu:.2f} s ({cpu / max(r['overall']['requests'] + r['load']['warmup_requests'], 1) * 1e6:.1f} µs/request)")
lat = r["overall"].get("latency") or {}
print(f"p50 / p99         {lat.get('p50')} / {lat.get('p99')} ms")
ok = rss_kib / 1024 < 150 and abs(rate / theory - 1) <= 0.02 and errors == 0
print("targets met" if ok else "targets NOT met")
PY
