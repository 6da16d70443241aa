// RecordFile: the on-disk form of the broker's small security stores (SCRAM credentials,
// ACLs). A text file, one record per line, fields separated by single spaces:
//
//   line 1      "<kind> <version>"            e.g. "ringmq-scram-credentials 1"
//   lines 2..n  records, fields escaped with escape_field()
//   last line   "crc32c <8 hex digits>"       over every byte before this line
//
// Text so that an operator can read it; the checksum so that a torn or edited file is
// refused with a clear error instead of silently dropping users or ACLs. Written atomically
// (temp file, fdatasync, rename, directory fsync) with mode 0600: it holds secrets.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ringmq::broker::security {

// Writes `records` (each already a line of escaped fields, without '\n') to `path`;
// kInvalidArgument, and nothing written, if a record contains '\n'.
Status write_record_file(const std::string& path, std::string_view kind, int version,
                         std::span<const std::string> records);
// The records of `path`. kNotFound when the file does not exist (ENOENT only: a path that
// cannot be looked at is kIo); kCorrupt (naming the file and what is wrong) for another kind
// or version, a missing or wrong checksum.
Result<std::vector<std::string>> read_record_file(const std::string& path, std::string_view kind, int version);

// A field that survives the line format: '%', space, control bytes and bytes >= 0x7f become
// "%XX"; the empty string becomes "%" alone (so that a field is never empty).
std::string escape_field(std::string_view text);
// The inverse; kCorrupt for a malformed escape.
Result<std::string> unescape_field(std::string_view field);
// A record's fields (split on single spaces).
std::vector<std::string_view> split_fields(std::string_view record);

}  // namespace ringmq::broker::security
