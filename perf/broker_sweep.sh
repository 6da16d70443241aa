#!/usr/bin/env bash
# Produce->consume latency against offered load, every system in one run: RingMQ in each write
# mode with acks=all and acks=1 (librdkafka producer and consumer), next to Redis 7 Streams
# with appendfsync always and everysec (XADD pipelined, XREAD BLOCK) and NATS JetStream (file
# storage, push consumer; nats-server 2.9 syncs its files in the background, every 2 minutes by
# default, so it is a peer of acks=1 and everysec, not of acks=all), at each rate, without
# and with memory pressure (`ringmq-jitter pressure`, a separate process, so its unmaps never
# stall the measured one). Open loop: every message carries the time it was due, so a stall
# counts against every message it delayed. 1 KiB messages, one partition; the first second of
# each point (connection set-up, the consumer's assignment) is not counted.
#
#   perf/broker_sweep.sh [--rates "1000 10000 50000"] [--seconds 30] [--modes "pool mmap-locked mmap"]
#                        [--pressure "off on"] [--leave 4G] [--out DIR]
#
# Writes DIR/sweep.csv (one row per point) and, with python3, DIR/sweep.html (the table and
# latency-vs-throughput charts, self-contained). Needs build/ (./scripts/setup), redis-server
# and nats-server (skipped with a note if absent). Run it on an otherwise idle machine.
set -euo pipefail
rates="1000 10000 50000"
seconds=30
modes="pool mmap-locked mmap"
pressures="off on"
leave=4G
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/docs/latency"
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) rates="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --pressure) pressures="$2"; shift 2 ;;
    --leave) leave="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
bench="$here/build/perf/ringmq-broker-bench"
broker="$here/build/broker/ringmq-broker"
jitter="$here/build/perf/ringmq-jitter"
work="$(mktemp -d /var/tmp/ringmq-sweep.XXXXXX)"
mkdir -p "$out"
csv="$out/sweep.csv"
pressure_pid=""
broker_pid=""
nats_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  [ -n "$pressure_pid" ] && kill "$pressure_pid" 2>/dev/null || true
  redis-cli -p 16379 shutdown nosave >/dev/null 2>&1 || true
  [ -n "$nats_pid" ] && kill "$nats_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "system,config,acks,pressure,rate,n,p50_us,p99_us,p999_us,max_us,server_major_faults" > "$csv"
# Major faults of the measured server process (field 12 of /proc/PID/stat) during a point.
server_pid=""
major_faults() { [ -n "$server_pid" ] && awk '{print $12}' "/proc/$server_pid/stat" 2>/dev/null || echo 0; }
# Runs one measurement ("... n=N p50=Xus p99=Yus p99.9=Zus max=Wus") and appends its row.
record() {  # system config acks pressure rate -- command...
  local system="$1" config="$2" acks="$3" pressure="$4" rate="$5"
  shift 6
  local line majors_before
  majors_before="$(major_faults)"
  line="$("$@" 2>> "$work/bench.log" | tail -1)"
  local majors=$(( $(major_faults) - majors_before ))
  echo "  $system $config acks=$acks pressure=$pressure: $line (server major faults: $majors)"
  local n p50 p99 p999 max
  n="$(sed -n 's/.*n=\([0-9]*\).*/\1/p' <<< "$line")"
  p50="$(sed -n 's/.* p50=\([0-9.]*\)us.*/\1/p' <<< "$line")"
  p99="$(sed -n 's/.* p99=\([0-9.]*\)us.*/\1/p' <<< "$line")"
  p999="$(sed -n 's/.* p99\.9=\([0-9.]*\)us.*/\1/p' <<< "$line")"
  max="$(sed -n 's/.* max=\([0-9.]*\)us.*/\1/p' <<< "$line")"
  echo "$system,$config,$acks,$pressure,$rate,${n:-0},${p50:-},${p99:-},${p999:-},${max:-},$majors" >> "$csv"
}

wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

start_broker() {  # write mode
  rm -rf "$work/ringmq"
  "$broker" --data-dir "$work/ringmq" --port 19092 --set metrics.port=19644 --log-level warn \
    --set "engine.write_mode=$1" > "$work/broker-$1.log" 2>&1 &
  broker_pid=$!
  server_pid=$broker_pid
  wait_port 19092
}
stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""; }

start_redis() {  # appendfsync policy
  redis-cli -p 16379 shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work/redis" && mkdir -p "$work/redis"
  redis-server --port 16379 --dir "$work/redis" --appendonly yes --appendfsync "$1" --save '' \
    --daemonize no > "$work/redis.log" 2>&1 &
  for _ in $(seq 100); do redis-cli -p 16379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  server_pid="$(pgrep -f 'redis-server.*:16379' | head -1)"
}

for pressure in $pressures; do
  if [ "$pressure" = on ]; then
    "$jitter" pressure --leave "$leave" --dir "$work" > "$work/pressure.log" 2>&1 &
    pressure_pid=$!
    for _ in $(seq 600); do grep -q "pressure: established" "$work/pressure.log" && break; sleep 0.1; done
    echo "== with memory pressure: $(grep 'pressure: established' "$work/pressure.log" || echo 'not established')"
  else
    echo "== without memory pressure"
  fi
  for mode in $modes; do
    start_broker "$mode"
    for rate in $rates; do
      for acks in all 1; do
        sync; sleep 2
        record ringmq "$mode" "$acks" "$pressure" "$rate" -- \
          "$bench" kafka-latency 127.0.0.1:19092 --messages $((rate * seconds)) --rate "$rate" --acks "$acks" --partitions 1
      done
    done
    stop_broker
  done
  for policy in always everysec; do
    start_redis "$policy"
    for rate in $rates; do
      sync; sleep 2
      record redis "appendfsync-$policy" "-" "$pressure" "$rate" -- \
        "$bench" redis-latency 127.0.0.1:16379 --messages $((rate * seconds)) --rate "$rate"
    done
    redis-cli -p 16379 shutdown nosave >/dev/null 2>&1 || true
  done
  if command -v nats-server >/dev/null; then
    rm -rf "$work/nats"
    nats-server -js -sd "$work/nats" -a 127.0.0.1 -p 14222 > "$work/nats.log" 2>&1 &
    nats_pid=$!
    server_pid=$nats_pid
    wait_port 14222
    for rate in $rates; do
      sync; sleep 2
      record nats jetstream-file "-" "$pressure" "$rate" -- \
        "$bench" nats-latency 127.0.0.1:14222 --messages $((rate * seconds)) --rate "$rate"
    done
    kill "$nats_pid"; wait "$nats_pid" 2>/dev/null || true; nats_pid=""
  else
    echo "  nats-server not installed: NATS JetStream left out (apt-get install nats-server)"
  fi
  if [ -n "$pressure_pid" ]; then kill "$pressure_pid"; wait "$pressure_pid" 2>/dev/null || true; pressure_pid=""; fi
done

echo "wrote $csv"
if command -v python3 >/dev/null; then
  python3 "$here/perf/sweep_chart.py" "$csv" "$out/sweep.html" "perf/broker_sweep.sh --rates \"$rates\" --seconds $seconds"
  echo "wrote $out/sweep.html"
fi
