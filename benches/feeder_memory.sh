#!/usr/bin/env bash
# Feeder memory (issue 5: "a 100 MB CSV must not become several GB"): makes a
# seeded CSV of Titanic-like passengers of about SIZE MB (default 100), then
# reports perfgate's peak RSS for `perfgate validate` of a plan that feeds it
# to a templated JSON body, and for a 5-second run of that plan (10 users, no
# think time) against nginx on 127.0.0.1. The same two measures with a
# one-row CSV give the baseline, so the table shows what the rows themselves
# cost: (RSS − baseline RSS) ÷ file size.
# Measured on 2 shared CPUs: 1,534,261 rows, 76 bytes a row, 1.17× the file
# (peak RSS 122 MB for validate, 126 MB for the run).
#
# A benchmark, not a test. Run from anywhere (nginx-light must be installed):
#   benches/feeder_memory.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-100}"
port="${PERFGATE_BENCH_PORT:-5094}"
# shellcheck source=benches/nginx.sh
. benches/nginx.sh
bench_with_nginx 64

python3 - "$work" "$size_mb" <<'PY'
import random, sys
work, size_mb = sys.argv[1], float(sys.argv[2])
rng = random.Random(1912)
first = ["Anna", "Clara", "Edith", "James", "John", "Karl", "Maria", "Olaf", "William"]
last = ["Abbott", "Jensen", "Kelly", "Nilsson", "Petrov", "Smith", "Svensson"]
header = "PassengerId,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\n"
def row(i):
    sex = rng.choice(["male", "female"])
    title = "Mr." if sex == "male" else rng.choice(["Mrs.", "Miss."])
    age = "" if rng.random() < 0.2 else f"{rng.uniform(0.5, 80):.1f}"
    cabin = "" if rng.random() < 0.75 else f"{rng.choice('ABCDEF')}{rng.randint(1, 130)}"
    ticket = rng.choice([str(rng.randint(1000, 399999)), f"C.A. {rng.randint(100, 39999)}"])
    return (f'{i},{rng.randint(1, 3)},"{rng.choice(last)}, {title} {rng.choice(first)}",'
            f"{sex},{age},{rng.randint(0, 4)},{rng.randint(0, 3)},{ticket},"
            f"{rng.uniform(5, 260):.4f},{cabin},{rng.choice('CQS')}\n")
with open(f"{work}/big.csv", "w") as big:
    big.write(header)
    i, written = 1, len(header)
    while written < size_mb * 1e6:
        line = row(i)
        big.write(line)
        written += len(line)
        i += 1
with open(f"{work}/one.csv", "w") as one:
    one.write(header + row(1))
PY

for data in big one; do
    cat >"$work/$data.yaml" <<PLAN
name: bench-feeder-memory
host: http://127.0.0.1:$port
load:
  users: 10
  duration: 5s
  seed: 1
data:
  passengers:
    file: $data.csv
    order: sequential
    text: [Ticket]
requests:
  - name: predict
    method: POST
    path: /predict
    json:
      PassengerId: "{{ passengers.PassengerId }}"
      Pclass: "{{ passengers.Pclass }}"
      Name: "{{ passengers.Name }}"
      Sex: "{{ passengers.Sex }}"
      Age: "{{ passengers.Age }}"
      Fare: "{{ passengers.Fare }}"
PLAN
done

rss_of() { # command... -> peak RSS in KiB of the command
    /usr/bin/time -f "%M" -o "$work/time" "$@" >"$work/out" 2>&1 || {
        cat "$work/out" >&2
        exit 3
    }
    cat "$work/time"
}
file_bytes="$(stat -c %s "$work/big.csv")"
rows="$(($(wc -l <"$work/big.csv") - 1))"
validate_big="$(rss_of "$bin" validate "$work/big.yaml")"
validate_one="$(rss_of "$bin" validate "$work/one.yaml")"
run_big="$(rss_of "$bin" run "$work/big.yaml" --quiet --json "$work/report.json")"
run_one="$(rss_of "$bin" run "$work/one.yaml" --quiet --json "$work/report.json")"
python3 - "$file_bytes" "$rows" "$validate_big" "$validate_one" "$run_big" "$run_one" "$(nproc)" <<'PY'
import sys
size, rows, vb, vo, rb, ro, cpus = (int(a) for a in sys.argv[1:])
mb = lambda kib: kib / 1024
print(f"CSV {size / 1e6:.1f} MB, {rows} rows, 11 columns; {cpus} CPUs")
print("| command | peak RSS, 1-row CSV | peak RSS, big CSV | rows' cost | ÷ file size |")
print("|---|---|---|---|---|")
for what, big, one in (("perfgate validate", vb, vo), ("perfgate run, 5 s", rb, ro)):
    rows_mb = mb(big - one)
    print(f"| {what} | {mb(one):.1f} MB | {mb(big):.1f} MB | {rows_mb:.1f} MB "
          f"({(big - one) * 1024 / rows:.0f} B/row) | {rows_mb * 1024 * 1024 / size:.2f}× |")
PY
