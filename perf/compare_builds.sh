#!/usr/bin/env bash
# Two builds of RingMQ side by side in one run, for a change that must lose no speed (a
# refactor): the engine's per-append latency (ringmq-append-latency, every write mode) and
# the broker's throughput and produce-to-consume latency with librdkafka (ringmq-broker-bench),
# alternating between the builds so that both see the same machine. Before each measurement
# it syncs and waits, so that no run inherits the previous one's writeback; even so, modes run
# one after another in one ringmq-append-latency call affect each other (compare a mode alone
# with --modes when a difference matters).
#   perf/compare_builds.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [BYTES] [MESSAGES] [RATE]
#   e.g. git worktree add /tmp/before HEAD~5 && cmake -S /tmp/before -B /tmp/before/build ... &&
#        perf/compare_builds.sh /tmp/before/build build 1G 200000 2000
set -euo pipefail
before="${1:?before build dir}"
after="${2:?after build dir}"
bytes="${3:-1G}"
messages="${4:-200000}"
rate="${5:-2000}"
work="$(mktemp -d /var/tmp/ringmq-compare.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
settle() { sync; sleep 5; }

echo "== engine: ringmq-append-latency --bytes $bytes --record-bytes 1024 (1 GiB segments)"
for build in "$before" "$after"; do
  echo "-- $build"
  settle
  "$build/perf/ringmq-append-latency" --bytes "$bytes" --record-bytes 1024 --modes mmap,mmap-locked,pool \
    --dir "$work/engine"
  rm -rf "$work/engine"
done

run_broker() {  # $1 = build dir, $2 = write mode
  rm -rf "$work/broker"
  settle
  "$1/broker/ringmq-broker" --data-dir "$work/broker" --port 19092 --set metrics.port=19644 --log-level warn \
    --set topics.default_partitions=8 --set engine.write_mode="$2" > "$work/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/19092) 2>/dev/null && break; sleep 0.1; done
}
stop_broker() {
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
}

for mode in mmap-locked pool; do
  echo "== broker ($mode): $messages messages of 1 KiB, then $((rate * 10)) at $rate msg/s end to end (acks=1, all)"
  for build in "$before" "$after"; do
    echo "-- $build"
    run_broker "$build" "$mode"
    for acks in 1 all; do
      "$after/perf/ringmq-broker-bench" kafka-throughput 127.0.0.1:19092 --messages "$messages" --size 1024 \
        --acks "$acks" --partitions 8
    done
    for acks in 1 all; do
      "$after/perf/ringmq-broker-bench" kafka-latency 127.0.0.1:19092 --messages $((rate * 10)) --rate "$rate" \
        --acks "$acks" --partitions 1
    done
    stop_broker
  done
done
