#!/usr/bin/env bash
# What templating costs (issue 5: a fully templated JSON body at most 1.5× the
# CPU per request of the same body static): perfgate runs two plans side by
# side, closed loop, 50 users, no think time, POST, against nginx on
# 127.0.0.1, alternating, ROUNDS rounds of SECONDS each:
#   static     the demo's predict body (13 fields) written out;
#   templated  the same body with every leaf a template: 11 from a row of
#              plans/data/passengers.csv (sequential feeder), plus uuid() and
#              random_int().
# Each run is under /usr/bin/time; the table gives the medians of CPU µs per
# request ((user + sys) ÷ requests) and requests/s, and the ratio.
# Measured on 2 shared CPUs (3 s, 6 rounds, quiet): 20.9 µs static, 29.9 µs
# templated, 1.43× (README, Performance).
#
# A benchmark, not a test. Run from anywhere (nginx-light must be installed):
#   benches/templating.sh [SECONDS] [ROUNDS]     # default 10 s, 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"
port="${PERFGATE_BENCH_PORT:-5095}"
# shellcheck source=benches/nginx.sh
. benches/nginx.sh
bench_with_nginx 256
cp plans/data/passengers.csv "$work/"

plan_head() { # plan name -> the plan up to its request's body
    cat <<PLAN
name: bench-templating-$1
host: http://127.0.0.1:$port
load:
  users: 50
  spawn_rate: 1000/s
  duration: ${seconds}s
  seed: 1
  grace: 2s
data:
  p:
    file: passengers.csv
    order: sequential
    text: [Ticket]
requests:
  - name: predict
    method: POST
    path: /predict
PLAN
}
{
    plan_head static
    cat <<'BODY'
    json:
      - PassengerId: 1
        Pclass: 3
        Name: "Kelly, Mr. James"
        Sex: male
        Age: 34.5
        SibSp: 0
        Parch: 0
        Ticket: "330911"
        Fare: 7.8292
        Cabin: null
        Embarked: Q
        RequestId: 9f1c2a3e-58d4-4b6e-9a0f-3c2d1e4b5a69
        Draw: 123456
BODY
} >"$work/static.yaml"
{
    plan_head templated
    cat <<'BODY'
    json:
      - PassengerId: "{{ p.PassengerId }}"
        Pclass: "{{ p.Pclass }}"
        Name: "{{ p.Name }}"
        Sex: "{{ p.Sex }}"
        Age: "{{ p.Age }}"
        SibSp: "{{ p.SibSp }}"
        Parch: "{{ p.Parch }}"
        Ticket: "{{ p.Ticket }}"
        Fare: "{{ p.Fare }}"
        Cabin: "{{ p.Cabin }}"
        Embarked: "{{ p.Embarked }}"
        RequestId: "{{ uuid() }}"
        Draw: "{{ random_int(1, 1000000) }}"
BODY
} >"$work/templated.yaml"

echo "closed loop, 50 users, no think time, POST JSON, ${seconds}s, $rounds round(s), nginx on 127.0.0.1, $(nproc) CPUs"
for round in $(seq "$rounds"); do
    for kind in static templated; do
        /usr/bin/time -f "%U %S" -o "$work/time" \
            "$bin" run "$work/$kind.yaml" --quiet --json "$work/report.json" >"$work/out" 2>&1 || {
            cat "$work/out" >&2
            exit 3
        }
        read -r user sys <"$work/time"
        requests="$(python3 -c "
import json; r = json.load(open('$work/report.json'))
l = r['load']; assert r['overall']['errors']['total'] == 0, r['overall']['errors']
print(l['requests_started'] - l['cancelled'])")"
        echo "$kind $requests $user $sys" >>"$work/results"
        printf '  round %s %-10s %9s requests  %6.2f µs/request\n' "$round" "$kind" "$requests" \
            "$(python3 -c "print(($user + $sys) / $requests * 1e6)")"
    done
done
python3 - "$work/results" "$seconds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, requests, user, sys_s = line.split()
    rows.setdefault(kind, []).append((int(requests), float(user) + float(sys_s)))
seconds = float(sys.argv[2])
cpu = {k: statistics.median(c / r * 1e6 for r, c in v) for k, v in rows.items()}
rate = {k: statistics.median(r for r, _ in v) / seconds for k, v in rows.items()}
print("| body | requests/s | CPU µs/request |")
print("|---|---|---|")
for k in ("static", "templated"):
    print(f"| {k} | {rate[k]:.0f} | {cpu[k]:.2f} |")
ratio = cpu["templated"] / cpu["static"]
print(f"templated ÷ static CPU per request: {ratio:.2f}× "
      + ("(goal ≤ 1.5×: met)" if ratio <= 1.5 else "(goal ≤ 1.5×: NOT met)"))
PY
