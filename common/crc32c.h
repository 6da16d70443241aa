// CRC32C (Castagnoli), the checksum of every commit-log record and of Kafka's RecordBatch v2.
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once), a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ringmq {

// Extends `crc` (0 to start) over `data`. crc32c(0, "123456789") == 0xE3069283.
uint32_t crc32c(uint32_t crc, const void* data, size_t size);
inline uint32_t crc32c(std::span<const std::byte> data) { return crc32c(0, data.data(), data.size()); }
// The portable path, exposed so tests can check both give the same answer.
uint32_t crc32c_software(uint32_t crc, const void* data, size_t size);
bool crc32c_is_hardware_accelerated();

}  // namespace ringmq
