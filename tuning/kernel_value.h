// How ringmq-tune reads the text of a kernel file. Most hold one value ("60\n"); sysfs
// "selector" files list the choices and bracket the one in force ("always [madvise] never",
// "[mq-deadline] none"): the value is the bracketed word, and the word alone is what is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::tuning {

std::string trim(std::string_view text);
// The value in force: the bracketed word of a selector, else the trimmed text.
std::string selected_value(std::string_view text);
// Every choice a selector or a list file ("tsc kvm-clock acpi_pm") offers, brackets removed.
std::vector<std::string> listed_values(std::string_view text);
// A whole decimal integer, optionally signed, with surrounding blanks; nullopt otherwise.
std::optional<int64_t> parse_integer(std::string_view text);

}  // namespace ringmq::tuning
