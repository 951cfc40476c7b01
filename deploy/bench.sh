#!/usr/bin/env bash
# The README benchmark. Starts a fresh durable customer-ledgerd on a temporary
# data directory, then runs ROUNDS rounds; each round runs every workload once,
# interleaved, so the ratios compare runs made under the same machine load.
# Prints each run and the medians. Usage: deploy/bench.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
seconds="${2:-10}"
port="${BENCH_PORT:-50551}"
build=build/release

cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target customer-ledgerd ledger-bench >/dev/null

data="$(mktemp -d "${BENCH_DATA_PARENT:-$PWD/build}/bench-data.XXXXXX")"
"$build/services/customer-ledgerd" --listen "127.0.0.1:$port" --data-dir "$data" \
  --log-level warn &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
# Wait until it listens (key generation and opening take a moment).
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

bench() {  # name, ledger-bench arguments...
  local name="$1"; shift
  "$build/tools/ledger-bench" "$@" --address "127.0.0.1:$port" \
    --duration "$seconds" --warmup 2 --json >"$results/$name.$r.json"
  python3 - "$results/$name.$r.json" "round $r $name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
line = "%s: %.0f req/s, %.0f events/s, p50 %.2f ms, p99 %.2f ms, errors %d" % (
    sys.argv[2], r["requests_per_sec"], r["events_per_sec"],
    r["latency_ms"]["p50"], r["latency_ms"]["p99"], r["error_count"])
if "commit" in r:
    line += ", %.1f appends/group" % r["commit"]["appends_per_group"]
print(line)
PY
}

results="$(mktemp -d)"
for r in $(seq 1 "$rounds"); do
  bench health-64 health --clients 64
  bench append-1 append --clients 1
  bench append-64 append --clients 64
  bench batch100-8 append --clients 8 --events-per-request 100
done

python3 - "$results" "$rounds" <<'PY'
import json, statistics, sys
folder, rounds = sys.argv[1], int(sys.argv[2])
def runs(name):
    return [json.load(open(f"{folder}/{name}.{r}.json"))["runs"][0] for r in range(1, rounds + 1)]
def med(values):
    return statistics.median(values)
print(f"\nmedians of {rounds} rounds")
print(f"{'workload':<34}{'req/s':>10}{'events/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'appends/group':>15}")
health = None
for name, label in [("health-64", "health check, 64 clients"),
                    ("append-1", "append 1 event, 1 client"),
                    ("append-64", "append 1 event, 64 clients"),
                    ("batch100-8", "append 100 events, 8 clients")]:
    rs = runs(name)
    rps = med([x["requests_per_sec"] for x in rs])
    eps = med([x["events_per_sec"] for x in rs])
    p50 = med([x["latency_ms"]["p50"] for x in rs])
    p99 = med([x["latency_ms"]["p99"] for x in rs])
    group = med([x["commit"]["appends_per_group"] for x in rs]) if "commit" in rs[0] else None
    print(f"{label:<34}{rps:>10.0f}{eps:>11.0f}{p50:>9.2f}{p99:>9.2f}{(f'{group:.1f}' if group else '-'):>15}")
    if name == "health-64":
        health = [x["requests_per_sec"] for x in rs]
    if name == "append-64":
        ratios = [a["requests_per_sec"] / h for a, h in zip(rs, health)]
        print(f"{'  append-64 / health-64 per round':<34}" + ", ".join(f"{x:.0%}" for x in ratios) + f"  (median {med(ratios):.0%})")
errors = sum(x["error_count"] for n in ["health-64", "append-1", "append-64", "batch100-8"] for x in runs(n))
print(f"failed calls in all runs: {errors}")
PY
rm -rf "$results"
