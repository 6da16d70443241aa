#!/usr/bin/env bash
# Side by side, one run, same file system: fio's sequential O_DIRECT io_uring write bandwidth
# (the disk's limit) and RingMQ's three write modes on the same data size, then the ratio of
# pool mode's sustained (durable) bandwidth to fio's.
#   perf/pool_vs_fio.sh [DIR] [BYTES]      defaults: /var/tmp/ringmq-perf 4G
set -euo pipefail
dir="${1:-/var/tmp/ringmq-perf}"
bytes="${2:-4G}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tool="$here/build/perf/ringmq-append-latency"
mkdir -p "$dir"
command -v fio >/dev/null || { echo "fio is not installed (apt-get install fio)"; exit 2; }

fio_mib=$(fio --name=seq --ioengine=io_uring --direct=1 --bs=1M --iodepth=16 --rw=write --size="$bytes" \
  --filename="$dir/fio.dat" --output-format=terse --terse-version=3 2>/dev/null | awk -F';' '{printf "%.1f", $48/1024}')
rm -f "$dir/fio.dat"
echo "fio --ioengine=io_uring --direct=1 --bs=1M --iodepth=16 --rw=write --size=$bytes: $fio_mib MiB/s"

# Two pool buffers (the active segment and the next): the writer cannot run ahead of the
# disk by more than that, so "durable" is the sustained rate, not a burst into memory.
out=$("$tool" --bytes "$bytes" --record-bytes 1024 --modes mmap,mmap-locked,pool --pool-buffers 2 --dir "$dir" 2>/dev/null)
echo "$out"
pool_durable=$(echo "$out" | awk '$1 == "pool" {print $6}')
awk -v p="$pool_durable" -v f="$fio_mib" 'BEGIN {printf "pool sustained (durable) bandwidth / fio: %.2f\n", p / f}'
