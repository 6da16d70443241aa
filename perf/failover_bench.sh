#!/usr/bin/env bash
# Failover time of a broker group on etcd: kill -9 the leader, then time until a producer
# bootstrapped at both brokers has a record acknowledged (acks=all) by the new leader. The
# killed broker is restarted on its data before the next round and rejoins as a follower, so
# the two brokers take turns. Elections are clean (unclean_leader_election off): each round
# waits until the follower is in sync before the kill, and at the end every acknowledged
# record must be readable from the last leader. Prints each round, p50 / p99 / max, and the
# records acknowledged and found.
#   perf/failover_bench.sh [KILLS] [SESSION_S]      defaults: 20 2
set -euo pipefail
kills="${1:-20}"
session="${2:-2}"
here="$(cd "$(dirname "$0")/.." && pwd)"
broker="$here/build/broker/ringmq-broker"
work="$(mktemp -d /var/tmp/ringmq-failover.XXXXXX)"
pids=([1]=0 [2]=0)
cleanup() {
  kill "${pids[@]}" "${etcd_pid:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

etcd --name bench --data-dir "$work/etcd" \
  --listen-client-urls http://127.0.0.1:23791 --advertise-client-urls http://127.0.0.1:23791 \
  --listen-peer-urls http://127.0.0.1:23801 --initial-advertise-peer-urls http://127.0.0.1:23801 \
  --initial-cluster bench=http://127.0.0.1:23801 --logger zap --log-level error > "$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/23791) 2>/dev/null && break; sleep 0.1; done
sleep 0.5

start_broker() {  # $1 = node id
  "$broker" --data-dir "$work/broker-$1" --port $((19190 + $1)) --etcd http://127.0.0.1:23791 \
    --set server.node_id="$1" --set metrics.port=$((19290 + $1)) --set log.level=warn \
    --set cluster.session_timeout_s="$session" --set cluster.etcd_timeout_ms=500 \
    --set cluster.replica_lag_max_ms=1000 >> "$work/broker-$1.log" 2>&1 &
  pids[$1]=$!
}
metric() {  # $1 = node id, $2 = metric name
  local answer
  answer=$( (exec 3<>/dev/tcp/127.0.0.1/$((19290 + $1)) &&
    printf 'GET /metrics HTTP/1.1\r\nHost: b\r\n\r\n' >&3 && timeout 2 cat <&3) 2>/dev/null) || true
  awk -v n="$2" '$1 == n { print $2 }' <<< "$answer"
}
leader() { for n in 1 2; do [[ "$(metric "$n" ringmq_cluster_leader)" == 1 ]] && echo "$n"; done; true; }
now_ms() { date +%s%3N; }
bootstrap=127.0.0.1:19191,127.0.0.1:19192

start_broker 1
for _ in $(seq 200); do [[ "$(leader)" == 1 ]] && break; sleep 0.1; done
start_broker 2
echo warm | kcat -P -b "$bootstrap" -t failover -p 0 -X acks=all
acknowledged=1

times=()
for round in $(seq "$kills"); do
  # Both registered, one leading, the other in sync.
  for _ in $(seq 600); do
    current=$(leader)
    [[ -n $current && "$(metric "$current" ringmq_replication_in_sync_replicas)" == 2 ]] && break
    sleep 0.1
  done
  [[ -n $current ]] || { echo "no leader before round $round" >&2; exit 1; }
  kill -9 "${pids[$current]}"
  wait "${pids[$current]}" 2>/dev/null || true
  killed_at=$(now_ms)
  until echo "round $round" | kcat -P -b "$bootstrap" -t failover -p 0 -X acks=all \
    -X message.timeout.ms=1500 -X topic.metadata.refresh.interval.ms=100 2>/dev/null; do :; done
  took=$(( $(now_ms) - killed_at ))
  times+=("$took")
  acknowledged=$((acknowledged + 1))
  echo "round $round: broker $current killed, acknowledged again after $took ms"
  start_broker "$current"
done

sorted=$(printf '%s\n' "${times[@]}" | sort -n)
pick() { sed -n "$(( ($1 * ${#times[@]} + 99) / 100 ))p" <<< "$sorted"; }
echo "failover over $kills kills (session ${session} s): p50 $(pick 50) ms, p99 $(pick 99) ms, max $(tail -1 <<< "$sorted") ms"
found=$(kcat -C -b "$bootstrap" -t failover -p 0 -o beginning -e -q 2>/dev/null | grep -c -E '^(warm|round [0-9]+)$' || true)
echo "records acknowledged: $acknowledged, found on the last leader: $found"
[[ $found -ge $acknowledged ]] || { echo "acknowledged records were lost" >&2; exit 1; }
