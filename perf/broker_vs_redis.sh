#!/usr/bin/env bash
# RingMQ (librdkafka producer, 1 KiB messages) next to Redis 7 Streams (XADD) in one run:
#  - throughput: acks=1 and acks=all, 1 and 8 partitions; Redis with appendfsync everysec
#    (acks=1's peer) and always (acks=all's durable peer);
#  - produce-to-consume latency p50/p99/p99.9 at a fixed rate.
#   perf/broker_vs_redis.sh [MESSAGES] [RATE]          defaults: 200000 5000
#   RINGMQ_BROKER_ARGS="--set engine.write_mode=pool"  extra broker arguments (e.g. another write mode)
set -euo pipefail
messages="${1:-200000}"
rate="${2:-5000}"
here="$(cd "$(dirname "$0")/.." && pwd)"
bench="$here/build/perf/ringmq-broker-bench"
broker="$here/build/broker/ringmq-broker"
work="$(mktemp -d /var/tmp/ringmq-vs-redis.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

"$broker" --data-dir "$work/ringmq" --port 19092 --set metrics.port=19644 --log-level warn \
  --set topics.default_partitions=8 ${RINGMQ_BROKER_ARGS:-} > "$work/broker.log" 2>&1 &
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/19092) 2>/dev/null && break; sleep 0.1; done

start_redis() {  # $1 = appendfsync policy
  redis-cli -p 16379 shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work/redis" && mkdir -p "$work/redis"
  redis-server --port 16379 --dir "$work/redis" --appendonly yes --appendfsync "$1" --save '' \
    --daemonize no > "$work/redis.log" 2>&1 &
  for _ in $(seq 100); do redis-cli -p 16379 ping >/dev/null 2>&1 && break; sleep 0.1; done
}

echo "== throughput, $messages messages of 1 KiB"
for acks in 1 all; do
  for partitions in 1 8; do
    "$bench" kafka-throughput 127.0.0.1:19092 --messages "$messages" --size 1024 --acks "$acks" --partitions "$partitions"
  done
done
for policy in everysec always; do
  start_redis "$policy"
  echo -n "appendfsync $policy: "
  "$bench" redis-throughput 127.0.0.1:16379 --messages "$messages" --size 1024 --pipeline 64
done

echo "== produce-to-consume latency, $((rate * 10)) messages at $rate msg/s"
"$bench" kafka-latency 127.0.0.1:19092 --messages $((rate * 10)) --rate "$rate" --acks all --partitions 1
"$bench" kafka-latency 127.0.0.1:19092 --messages $((rate * 10)) --rate "$rate" --acks 1 --partitions 1
for policy in always everysec; do
  start_redis "$policy"
  echo -n "appendfsync $policy: "
  "$bench" redis-latency 127.0.0.1:16379 --messages $((rate * 10)) --rate "$rate"
done
redis-cli -p 16379 shutdown nosave >/dev/null 2>&1 || true
