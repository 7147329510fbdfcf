#!/usr/bin/env bash
# Runs the sharded perfgate Job of perfgate-shards.yaml and gates on the merged
# result, from any machine with kubectl (pointed at the cluster) and perfgate:
#
#   1. deletes the Job of a previous run, if any (with its pods);
#   2. applies the manifest with `--start-at` set to now + DELAY seconds;
#   3. waits until the Job has finished, complete or failed (a shard that
#      failed on its own SLOs does not decide: the merged run does);
#   4. saves each shard pod's `kubectl logs` in OUT/shard-INDEX.log and the
#      JSON record in it in OUT/shard-INDEX.json (`kubectl logs` holds standard
#      error too; standard output is the record alone, pretty-printed JSON
#      whose outer braces are the only lines that are exactly `{` and `}`);
#   5. runs `perfgate merge OUT/shard-*.json -o OUT/merged.json MERGE_ARGS...`
#      and exits with its code: 0 pass, 1 the gate failed, 2 a shard is missing
#      (its log says why), 3 a shard's measurement was invalid.
#
# Usage: run-sharded.sh [--namespace NS] [--manifest FILE] [--delay SECONDS]
#                       [--timeout SECONDS] [--out DIR] [-- MERGE_ARGS...]
# e.g.   run-sharded.sh --out reports -- --junit reports/junit.xml --html reports/report.html
#
# Exit 2 for a bad invocation or a missing tool, 3 when the Job did not finish
# within the timeout or no shard printed a record.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
manifest="$here/perfgate-shards.yaml"
job=perfgate-shards
namespace=""
delay=30
timeout=1800
out=perfgate-shards

usage() {
    sed -n '/^# Usage:/,/^# e.g./s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

whole_number() {
    case "$2" in
        '' | *[!0-9]*)
            echo "error: $1 needs a whole number of seconds, got \`$2\`" >&2
            exit 2
            ;;
    esac
}

while [ $# -gt 0 ]; do
    case "$1" in
        --namespace | --manifest | --delay | --timeout | --out)
            [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; usage; }
            case "$1" in
                --namespace) namespace=$2 ;;
                --manifest) manifest=$2 ;;
                --delay) whole_number "$1" "$2"; delay=$2 ;;
                --timeout) whole_number "$1" "$2"; timeout=$2 ;;
                --out) out=$2 ;;
            esac
            shift 2
            ;;
        --)
            shift
            break
            ;;
        -h | --help) usage ;;
        *)
            echo "error: unknown option \`$1\`" >&2
            usage
            ;;
    esac
done

for tool in kubectl perfgate; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: $tool is not on PATH; this script needs kubectl (for the cluster) and perfgate (to merge)" >&2
        exit 2
    fi
done
if [ ! -r "$manifest" ]; then
    echo "error: cannot read the manifest \`$manifest\`" >&2
    exit 2
fi

kube=(kubectl)
if [ -n "$namespace" ]; then
    kube+=(--namespace "$namespace")
fi

# An RFC 3339 instant DELAY seconds from now (GNU date, then BSD date).
at=$(($(date -u +%s) + delay))
start_at=$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$at" +%Y-%m-%dT%H:%M:%SZ)

echo "run-sharded: deleting the previous Job $job, if any" >&2
"${kube[@]}" delete job "$job" --ignore-not-found --cascade=foreground --wait=true >&2
echo "run-sharded: applying $manifest, the shards start at $start_at" >&2
sed "s/__START_AT__/$start_at/g" "$manifest" | "${kube[@]}" apply -f - >&2

echo "run-sharded: waiting for the Job to finish (at most $timeout s)" >&2
deadline=$((SECONDS + timeout))
while :; do
    conditions=$("${kube[@]}" get job "$job" \
        -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    case " $conditions " in
        *" Complete "* | *" Failed "*) break ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "error: the Job $job did not finish within $timeout s; see \`kubectl describe job $job\`" >&2
        exit 3
    fi
    sleep 5
done
echo "run-sharded: the Job finished: $conditions" >&2

uid=$("${kube[@]}" get job "$job" -o jsonpath='{.metadata.uid}')
mkdir -p "$out"
rm -f "$out"/shard-*.json "$out"/shard-*.log
records=()
while read -r index pod; do
    [ -n "$pod" ] || continue
    log="$out/shard-$index.log"
    record="$out/shard-$index.json"
    if ! "${kube[@]}" logs "$pod" >"$log"; then
        echo "warning: cannot read the log of pod $pod (shard index $index)" >&2
    fi
    sed -n '/^{$/,/^}$/p' "$log" >"$record"
    if [ -s "$record" ]; then
        records+=("$record")
    else
        rm -f "$record"
        echo "warning: pod $pod (shard index $index) printed no record; its log is $log:" >&2
        tail -n 20 "$log" >&2
    fi
done < <("${kube[@]}" get pods --selector "batch.kubernetes.io/controller-uid=$uid" \
    -o jsonpath='{range .items[*]}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{" "}{.metadata.name}{"\n"}{end}')

if [ "${#records[@]}" -eq 0 ]; then
    echo "error: no shard printed a record; the logs are in $out/" >&2
    exit 3
fi
code=0
perfgate merge "${records[@]}" -o "$out/merged.json" "$@" || code=$?
exit "$code"
