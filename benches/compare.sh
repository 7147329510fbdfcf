#!/usr/bin/env bash
# Compares what the load generator costs, side by side in one run: perfgate
# (with each of its HTTP/1.1 transports: the lean one, its default for
# plain http://, and reqwest), wrk and (when installed) oha, closed loop, 50 connections, no think time,
# POST with a JSON body, against nginx on 127.0.0.1 (`return 200` with a small
# JSON body, config in benches/nginx.conf). Each tool runs under
# /usr/bin/time; the table gives, per tool, the medians over the rounds of:
# requests completed, requests/s, CPU µs per request ((user + sys) ÷ requests)
# and peak RSS, with ratios to wrk and to oha.
#
# A benchmark, not a test: figures depend on the machine. Run from anywhere:
#   benches/compare.sh            # 10 s per tool, 3 rounds (tools alternate)
#   benches/compare.sh --quick    # 2 s, 1 round: the smoke mode
# nginx (Debian's nginx-light) and wrk are installed with apt-get when missing
# (needs root). oha is optional; PERFGATE_BENCH_INSTALL_OHA=1 installs it with
# `cargo install oha --locked` when missing. PERFGATE_BENCH_PORT picks the port
# (default 5091). All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
rounds=3
if [ "${1:-}" = "--quick" ]; then
    seconds=2
    rounds=1
fi
users=50
port="${PERFGATE_BENCH_PORT:-5091}"
url="http://127.0.0.1:$port/predict"
body='{"PassengerId":1,"Pclass":3,"Sex":"female","Age":30,"Fare":7.25}'

install_apt() { # package
    if [ "$(id -u)" != 0 ]; then
        echo "benches/compare.sh: $1 is missing; install it (apt-get install $1)" >&2
        exit 2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null; }
}
nginx_bin="$(command -v nginx || true)"
[ -n "$nginx_bin" ] || [ ! -x /usr/sbin/nginx ] || nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
    install_apt nginx-light
    nginx_bin=/usr/sbin/nginx
fi
command -v wrk >/dev/null || install_apt wrk
[ -x /usr/bin/time ] || install_apt time
if ! command -v oha >/dev/null && [ "${PERFGATE_BENCH_INSTALL_OHA:-0}" = 1 ]; then
    cargo install oha --locked --quiet
fi
have_oha=0
command -v oha >/dev/null && have_oha=1

cargo build --release --quiet
bin="$PWD/target/release/perfgate"
work="$(mktemp -d)"
mkdir -p "$work/body"
sed -e "s|__PORT__|$port|g" -e "s|__WORK__|$work|g" benches/nginx.conf >"$work/nginx.conf"
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
target=$!
trap 'kill "$target" 2>/dev/null; wait "$target" 2>/dev/null; rm -rf "$work"' EXIT
ready=0
for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ "$ready" != 1 ]; then
    echo "benches/compare.sh: nginx did not start on 127.0.0.1:$port" >&2
    cat "$work/error.log" >&2 || true
    exit 3
fi

cat >"$work/plan.yaml" <<PLAN
name: bench-compare
host: http://127.0.0.1:$port
load:
  users: $users
  spawn_rate: 1000/s
  duration: ${seconds}s
  seed: 1
  grace: 2s
requests:
  - name: predict
    method: POST
    path: /predict
    json: $body
PLAN
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
oha_format=(-j)
if [ "$have_oha" = 1 ] && oha --help 2>/dev/null | grep -q -- '--output-format'; then
    oha_format=(--output-format json)
fi

timed() { # tool command... -> runs it under /usr/bin/time, output in $work/out
    /usr/bin/time -f "%U %S %M" -o "$work/time" "${@:2}" >"$work/out" 2>"$work/err" || {
        echo "benches/compare.sh: $1 failed:" >&2
        cat "$work/err" >&2
        exit 3
    }
}
record() { # tool requests -> appends one result line
    read -r user sys rss <"$work/time"
    echo "$1 $2 $user $sys $rss" >>"$work/results"
    printf '  %-16s %10s requests  cpu %6.2f s  rss %7.1f MB\n' "$1" "$2" \
        "$(python3 -c "print($user + $sys)")" \
        "$(python3 -c "print($rss / 1024)")"
}

echo "closed loop, $users connections, no think time, POST JSON, ${seconds}s, $rounds round(s), nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||'), $(nproc) CPUs"
for round in $(seq "$rounds"); do
    echo "round $round:"
    for transport in lean reqwest; do
        PERFGATE_TRANSPORT=$transport timed "perfgate-$transport" \
            "$bin" run "$work/plan.yaml" --quiet --json "$work/report.json"
        record "perfgate-$transport" "$(python3 -c "
import json; l = json.load(open('$work/report.json'))['load']
print(l['requests_started'] - l['cancelled'])")"
    done
    timed wrk wrk -t2 -c"$users" -d"${seconds}s" -s "$work/post.lua" "$url"
    record wrk "$(awk '/requests in/ { print $1 }' "$work/out")"
    if [ "$have_oha" = 1 ]; then
        timed oha oha -z "${seconds}s" -c "$users" -m POST -d "$body" -T application/json \
            --no-tui "${oha_format[@]}" "$url"
        record oha "$(python3 -c "
import json; s = json.load(open('$work/out'))
print(sum(s.get('statusCodeDistribution', {}).values()))")"
    fi
done

python3 - "$work/results" "$seconds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    tool, requests, user, sys_s, rss = line.split()
    rows.setdefault(tool, []).append((int(requests), float(user) + float(sys_s), int(rss)))
seconds = float(sys.argv[2])
med = {}
for tool, runs in rows.items():
    med[tool] = {
        "requests": statistics.median(r for r, _, _ in runs),
        "cpu_us": statistics.median(c / max(r, 1) * 1e6 for r, c, _ in runs),
        "rss_mb": statistics.median(m / 1024 for _, _, m in runs),
    }
def ratio(tool, other, key):
    if other not in med or tool == other:
        return "-"
    return f"{med[tool][key] / max(med[other][key], 1e-9):.2f}"
print()
print(f"medians over {len(next(iter(rows.values())))} round(s):")
head = ("tool", "requests", "req/s", "CPU µs/req", "RSS MB",
        "CPU ×wrk", "CPU ×oha", "RSS ×wrk", "RSS ×oha")
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for tool, m in med.items():
    print(f"| {tool} | {m['requests']:.0f} | {m['requests'] / seconds:.0f} | "
          f"{m['cpu_us']:.2f} | {m['rss_mb']:.1f} | {ratio(tool, 'wrk', 'cpu_us')} | "
          f"{ratio(tool, 'oha', 'cpu_us')} | {ratio(tool, 'wrk', 'rss_mb')} | "
          f"{ratio(tool, 'oha', 'rss_mb')} |")
if "oha" not in med:
    print("(oha not installed: PERFGATE_BENCH_INSTALL_OHA=1 or cargo install oha to compare)")
PY
