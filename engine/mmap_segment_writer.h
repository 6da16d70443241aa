// MmapSegmentWriter: the `mmap` write mode, RocketMQ's default and the baseline. Records are
// copied straight into the segment's shared mapping; the first store to each page faults
// (page_mkwrite); msync of the written range makes it durable. Nothing is warmed or locked.
#pragma once

#include "engine/segment_writer.h"

namespace ringmq::engine {

class MmapSegmentWriter : public SegmentWriter {
 public:
  WriteMode mode() const override { return WriteMode::kMmap; }
  std::string describe() const override { return "records copied into mapped segments, msync to flush"; }
  Status prepare(const std::shared_ptr<MappedSegment>& segment, bool holds_records) override {
    (void)segment, (void)holds_records;
    return {};
  }
  std::byte* append_base(MappedSegment& segment) override { return segment.data(); }
  Status make_durable(std::span<const SegmentRange> ranges) override;
  // msync cleans and write-protects whole folios; the writer's folio is left for later so
  // its next append does not fault (see GroupCommitFlusher::async_flush_target).
  uint64_t async_flush_holdback_bytes() const override { return MappedSegment::kLargestFolioBytes; }
};

}  // namespace ringmq::engine
