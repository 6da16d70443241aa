#!/usr/bin/env bash
# What replication costs, in one run: acks=all throughput and produce->consume latency of a
# standalone broker next to a 3-broker group on etcd (leader + 2 in-sync followers), with
# acks_all_waits_for = received (Kafka's meaning) and = durable. Every broker runs on this
# host with the default write mode; one partition, 1 KiB messages. Latency is open loop
# (ringmq-broker-bench kafka-latency: each message stamped with the time it was due).
#
#   perf/replication_bench.sh [--rate 2000] [--seconds 20] [--messages 200000]
#
# Prints one line per configuration: throughput (msg/s, MiB/s) and p50 / p99 / p99.9 / max.
set -euo pipefail
rate=2000
seconds=20
messages=200000
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
here="$(cd "$(dirname "$0")/.." && pwd)"
broker="$here/build/broker/ringmq-broker"
bench="$here/build/perf/ringmq-broker-bench"
work="$(mktemp -d /var/tmp/ringmq-replication.XXXXXX)"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
metric() {  # metrics port, name
  local answer
  answer=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /metrics HTTP/1.1\r\nHost: b\r\n\r\n' >&3 &&
    timeout 2 cat <&3) 2>/dev/null) || true
  awk -v n="$2" '$1 == n { print $2 }' <<< "$answer"
}
stop_all() {
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}

run() {  # label bootstrap
  echo "== $1"
  "$bench" kafka-throughput "$2" --messages "$messages" --size 1024 --acks all --partitions 1 \
    --topic-prefix "tp-$RANDOM" 2>> "$work/bench.log" | tail -1 | sed 's/^/  throughput: /'
  "$bench" kafka-latency "$2" --messages $((rate * seconds)) --rate "$rate" --acks all --partitions 1 \
    --topic-prefix "lat-$RANDOM" 2>> "$work/bench.log" | tail -1 | sed 's/^/  latency at '"$rate"' msg\/s: /'
}

# Standalone.
"$broker" --data-dir "$work/standalone" --port 29300 --set metrics.enabled=false --log-level warn \
  > "$work/standalone.log" 2>&1 &
pids+=($!)
wait_port 29300
run "standalone broker, acks=all" 127.0.0.1:29300
stop_all

group() {  # acks_all_waits_for
  etcd --name rb --data-dir "$work/etcd-$1" \
    --listen-client-urls http://127.0.0.1:23891 --advertise-client-urls http://127.0.0.1:23891 \
    --listen-peer-urls http://127.0.0.1:23892 --initial-advertise-peer-urls http://127.0.0.1:23892 \
    --initial-cluster rb=http://127.0.0.1:23892 --logger zap --log-level error > "$work/etcd.log" 2>&1 &
  pids+=($!)
  wait_port 23891
  sleep 0.5
  for n in 1 2 3; do
    "$broker" --data-dir "$work/$1-broker-$n" --port $((29300 + n)) --etcd http://127.0.0.1:23891 \
      --set server.node_id=$n --set metrics.port=$((29400 + n)) --log-level warn \
      --set "cluster.acks_all_waits_for=$1" > "$work/broker-$n.log" 2>&1 &
    pids+=($!)
    wait_port $((29300 + n))
    [ $n = 1 ] && for _ in $(seq 100); do [ "$(metric 29401 ringmq_cluster_leader)" = 1 ] && break; sleep 0.1; done
  done
  # A first write makes the followers stream; wait until both are in sync.
  echo warm | kcat -P -b 127.0.0.1:29301 -t warm -p 0 -X acks=all 2>/dev/null || true
  for _ in $(seq 300); do [ "$(metric 29401 ringmq_replication_in_sync_replicas)" = 3 ] && break; sleep 0.1; done
  echo "(in sync: $(metric 29401 ringmq_replication_in_sync_replicas) replicas)"
  run "3-broker group, acks=all waits for followers' $1" 127.0.0.1:29301,127.0.0.1:29302,127.0.0.1:29303
  echo "  follower lag after the run: $(metric 29402 ringmq_replication_lag_bytes) / $(metric 29403 ringmq_replication_lag_bytes) bytes"
  stop_all
}
group received
group durable
