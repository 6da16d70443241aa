#include "engine/mmap_segment_writer.h"

namespace ringmq::engine {

Status MmapSegmentWriter::make_durable(std::span<const SegmentRange> ranges) {
  for (const SegmentRange& r : ranges) {
    const uint64_t base = r.segment->base_offset();
    if (auto s = r.segment->flush(r.from - base, r.to - base); !s) return s;
  }
  return {};
}

}  // namespace ringmq::engine
