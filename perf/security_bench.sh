#!/usr/bin/env bash
# What security costs, measured side by side in one run on one broker build:
#   1. the same produce throughput and produce-to-consume latency workload (librdkafka,
#      ringmq-broker-bench) over the PLAINTEXT, SSL and SASL_SSL (SCRAM-SHA-512) listeners of
#      one broker, alternating listeners round by round so that all see the same machine;
#   2. the produce path with authorization on and 1,000 ACLs (none of them for the
#      benchmark's principal's topic by name: a prefixed ALLOW does that, so every produce
#      walks the index) against the same broker with authorization off, alternating.
#   perf/security_bench.sh [BUILD_DIR] [MESSAGES] [RATE] [ROUNDS]
#   e.g. perf/security_bench.sh build 200000 2000 3
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
messages="${2:-200000}"
rate="${3:-2000}"
rounds="${4:-3}"
work="$(mktemp -d /var/tmp/ringmq-security-bench.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
bench="$build/perf/ringmq-broker-bench"
admin="$build/admin/ringmq-admin"
settle() { sync; sleep 3; }

# Certificates (EC P-256) and a SCRAM user, as an operator would make them.
cd "$work"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
  -subj "/CN=broker" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
  -extfile server.ext 2>/dev/null
printf 'bench-secret\n' > password
"$admin" user set bench --credentials-dir "$work/security" --password-file password > /dev/null

run_broker() {  # extra --set arguments
  rm -rf "$work/data"
  settle
  "$build/broker/ringmq-broker" --data-dir "$work/data" --log-level warn --set metrics.port=19644 \
    --set topics.default_partitions=8 \
    --set server.listeners=PLAINTEXT://127.0.0.1:19092,SSL://127.0.0.1:19093,SASL_SSL://127.0.0.1:19094 \
    --set tls.cert_file="$work/server.pem" --set tls.key_file="$work/server.key" \
    --set sasl.credentials_dir="$work/security" "$@" > "$work/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/19092) 2>/dev/null && break; sleep 0.1; done
}
stop_broker() {
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
}
workload() {  # label, bootstrap, bench arguments...
  local label="$1" bootstrap="$2"
  shift 2
  echo "-- $label"
  "$bench" kafka-throughput "$bootstrap" --messages "$messages" --size 1024 --acks all --partitions 8 "$@"
  "$bench" kafka-latency "$bootstrap" --messages $((rate * 30)) --rate "$rate" --acks all --partitions 1 "$@"
}

tls=(-X security.protocol=SSL -X ssl.ca.location="$work/ca.pem")
scram=(-X security.protocol=SASL_SSL -X ssl.ca.location="$work/ca.pem" -X sasl.mechanism=SCRAM-SHA-512
  -X sasl.username=bench -X sasl.password=bench-secret)

echo "== listeners: $messages x 1 KiB acks=all (8 partitions), then $((rate * 30)) at $rate msg/s end to end"
run_broker
for round in $(seq "$rounds"); do
  echo "round $round"
  workload PLAINTEXT 127.0.0.1:19092
  workload SSL 127.0.0.1:19093 "${tls[@]}"
  workload "SASL_SSL SCRAM-SHA-512" 127.0.0.1:19094 "${scram[@]}"
done
stop_broker

echo "== ACL checks on the produce path: authorization off vs on with 1,000 ACLs"
# 91 principals x 11 operations = 1,001 bindings on topics the benchmark never touches, plus
# the ALLOWs the benchmark's (anonymous, PLAINTEXT) client needs, by prefix.
acls() {
  "$admin" -b 127.0.0.1:19094 "${scram[@]}" acl add --allow --principal User:ANONYMOUS --operation ALL \
    --topic bench --prefixed > /dev/null
  "$admin" -b 127.0.0.1:19094 "${scram[@]}" acl add --allow --principal User:ANONYMOUS --operation ALL \
    --topic lat --prefixed > /dev/null
  "$admin" -b 127.0.0.1:19094 "${scram[@]}" acl add --allow --principal User:ANONYMOUS --operation ALL \
    --group bench --prefixed > /dev/null
  for i in $(seq 91); do
    "$admin" -b 127.0.0.1:19094 "${scram[@]}" acl add --allow --principal "User:user$i" \
      --operation READ,WRITE,CREATE,DELETE,ALTER,DESCRIBE,DESCRIBE_CONFIGS,ALTER_CONFIGS,ALL,CLUSTER_ACTION,IDEMPOTENT_WRITE \
      --topic "other-topic-$i" > /dev/null
  done
}
for round in $(seq "$rounds"); do
  echo "round $round"
  run_broker
  workload "authorization off" 127.0.0.1:19092
  stop_broker
  run_broker --set authorization.enabled=true --set authorization.super_users=User:bench
  acls
  workload "authorization on, $(($(wc -l < "$work/security/acls") - 2)) ACLs" 127.0.0.1:19092
  stop_broker
done
