#!/usr/bin/env bash
# CPU per broker thread (and the guest's steal) while one open-loop latency point runs: what
# docs/latency/README.md's "Less CPU per message" table was measured with.
#
#   perf/broker_cpu.sh [--acks 1|all] [--rate 10000] [--seconds 15] [-- broker --set options...]
#
# Starts build/broker/ringmq-broker (default config, data in a temp dir, port 19092), drives it
# with ringmq-broker-bench kafka-latency, and prints the latency line, each broker thread's CPU
# time during the point (from /proc/PID/task/*/stat), the client's CPU and the steal.
set -euo pipefail
acks=1; rate=10000; seconds=15
here="$(cd "$(dirname "$0")/.." && pwd)"
while [ $# -gt 0 ]; do
  case "$1" in
    --acks) acks="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d /var/tmp/ringmq-cpu.XXXXXX)"
"$here/build/broker/ringmq-broker" --data-dir "$work/data" --port 19092 --set metrics.port=19644 --log-level warn "$@" \
  > "$work/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do (echo > /dev/tcp/127.0.0.1/19092) 2>/dev/null && break; sleep 0.05; done
threads() { for t in /proc/$broker/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done; }
steal() { awk '/^cpu /{print $9}' /proc/stat; }
ticks=$(getconf CLK_TCK)
threads > "$work/before"; steal0=$(steal)
/usr/bin/time -f 'client cpu: %U s user, %S s system' "$here/build/perf/ringmq-broker-bench" kafka-latency \
  127.0.0.1:19092 --messages $((rate * seconds)) --rate "$rate" --acks "$acks" --partitions 1 2> "$work/time" | tail -1
threads > "$work/after"; steal1=$(steal)
# Threads are matched by name; ones that came and went in between (io-wq workers) are missed.
awk -v hz="$ticks" 'NR == FNR { before[$1] += $2; next } { after[$1] += $2 }
  END { for (t in after) { d = (after[t] - before[t]) * 1000 / hz; total += d; if (d > 0) printf "  %-16s %6d ms\n", t, d }
        printf "  broker total     %6d ms\n", total }' "$work/before" "$work/after"
tail -1 "$work/time"
echo "steal (whole guest): $(( (steal1 - steal0) * 1000 / ticks )) ms"
