#!/usr/bin/env bash
# Prints perfgate's start-up time: from just before the process is started
# (fork + exec) to the moment the target receives the first request's bytes,
# for a simple plan (1 user, GET /), median of N runs (default 20), in ms.
#
# The target is a tiny raw-socket HTTP/1.1 server in the same Python process
# as the clock, on 127.0.0.1, so both timestamps come from one monotonic
# clock. Each run is stopped with SIGTERM once the first request arrived.
#
# A benchmark, not a test: figures depend on the machine. Run from anywhere:
#   benches/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
cargo build --release --quiet
bin="$PWD/target/release/perfgate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$bin" "$work" "$runs" <<'PY'
import os, signal, socket, statistics, subprocess, sys, threading, time

binary, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
first = {"t": None}
arrived = threading.Event()
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\n\r\n{}")

def serve_connection(conn):
    buf = b""
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            if first["t"] is None:
                first["t"] = time.monotonic_ns()
                arrived.set()
            buf += data
            while b"\r\n\r\n" in buf:
                _, buf = buf.split(b"\r\n\r\n", 1)
                try:
                    conn.sendall(RESPONSE)
                except OSError:
                    return

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
port = listener.getsockname()[1]

def accept_loop():
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve_connection, args=(conn,), daemon=True).start()

threading.Thread(target=accept_loop, daemon=True).start()

plan = os.path.join(work, "plan.yaml")
with open(plan, "w") as f:
    f.write(f"""name: bench-startup
host: http://127.0.0.1:{port}
load:
  users: 1
  duration: 10s
  seed: 1
  grace: 1s
requests:
  - name: root
    path: /
""")

samples = []
for i in range(runs + 1):  # the first run warms the page cache and is dropped
    first["t"] = None
    arrived.clear()
    t0 = time.monotonic_ns()
    proc = subprocess.Popen([binary, "run", plan, "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not arrived.wait(10):
        proc.kill()
        sys.exit("no request arrived within 10 s")
    ms = (first["t"] - t0) / 1e6
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    if i > 0:
        samples.append(ms)

samples.sort()
print(f"start-up (process start -> first request received), {runs} runs:")
print(f"  median {statistics.median(samples):.1f} ms   min {samples[0]:.1f} ms   "
      f"max {samples[-1]:.1f} ms")
PY
