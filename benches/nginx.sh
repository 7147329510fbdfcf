# Sourced by the long benchmarks: starts nginx on 127.0.0.1:$port with
# benches/nginx.conf, room for $1 connections, in the temporary folder $work,
# and stops it (removing $work) on exit. Needs nginx (Debian's nginx-light).

# Builds perfgate, sets $bin to it and $work to a new temporary folder, then
# starts nginx with room for $1 connections.
bench_with_nginx() { # connections
    cargo build --release --quiet
    bin="$PWD/target/release/perfgate"
    work="$(mktemp -d)"
    start_nginx "$1"
}

start_nginx() { # connections
    local nginx_bin
    nginx_bin="$(command -v nginx || true)"
    [ -n "$nginx_bin" ] || [ ! -x /usr/sbin/nginx ] || nginx_bin=/usr/sbin/nginx
    if [ -z "$nginx_bin" ]; then
        echo "$0: nginx is missing; install it (apt-get install nginx-light)" >&2
        exit 2
    fi
    mkdir -p "$work/body"
    # nginx needs a descriptor per connection, and one more towards the client.
    sed -e "s|__PORT__|$port|g" -e "s|__WORK__|$work|g" \
        -e "s|worker_connections [0-9]*;|worker_connections $(($1 * 2));|" \
        -e "s|^worker_processes 1;|worker_processes 1;\nworker_rlimit_nofile $(($1 * 2 + 64));|" \
        benches/nginx.conf >"$work/nginx.conf"
    "$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
    nginx_pid=$!
    trap 'kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "$0: nginx did not start on 127.0.0.1:$port" >&2
    cat "$work/error.log" >&2 || true
    exit 3
}
