#!/usr/bin/env bash
# Sync flush (group commit) with 1, 4 and 16 concurrent producers in each write mode:
# records/s and append latency percentiles, next to fio's fdatasync latency for 4 KiB writes
# on the same file system, in one run.
#   perf/sync_flush.sh [DIR] [BYTES]       defaults: /var/tmp/ringmq-perf 64M
set -euo pipefail
dir="${1:-/var/tmp/ringmq-perf}"
bytes="${2:-64M}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tool="$here/build/perf/ringmq-append-latency"
mkdir -p "$dir"
command -v fio >/dev/null || { echo "fio is not installed (apt-get install fio)"; exit 2; }

echo "fio --ioengine=sync --rw=write --bs=4k --fdatasync=1 --size=$bytes (fdatasync latency):"
fio --name=sync4k --ioengine=sync --rw=write --bs=4k --fdatasync=1 --size="$bytes" --filename="$dir/fio-sync.dat" \
  2>/dev/null | grep -A5 'sync percentiles' | grep -E '50.00th|99.00th|99.90th' | sed 's/^/  /'
rm -f "$dir/fio-sync.dat"
for producers in 1 4 16; do
  "$tool" --bytes "$bytes" --record-bytes 1024 --flush sync --producers "$producers" \
    --modes mmap,mmap-locked,pool --segment-bytes 256M --dir "$dir" 2>/dev/null | { [ "$producers" = 1 ] && cat || tail -n +3; }
done
