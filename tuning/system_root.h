// SystemRoot: every file ringmq-tune reads or writes goes through this one class, by its host
// path ("/proc/sys/vm/swappiness", "/etc/sysctl.d/90-ringmq.conf"). With root "/" it is the
// machine itself; with any other root it is a fake /proc, /sys and /etc tree for tests, and it
// then also plays the kernel's part where a plain file cannot (see write_kernel_value).
// Methods are virtual so a test can inject a failure (EACCES on one file) without patching code.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace ringmq::tuning {

class SystemRoot {
 public:
  // `root_dir` "/" means this machine; anything else is a directory holding a fake tree.
  explicit SystemRoot(std::string root_dir);
  virtual ~SystemRoot() = default;
  SystemRoot(const SystemRoot&) = delete;
  SystemRoot& operator=(const SystemRoot&) = delete;

  const std::string& root_dir() const { return root_dir_; }
  bool is_this_machine() const { return root_dir_ == "/"; }
  // Where `host_path` lives on the real file system ("/tmp/x" + "/proc/meminfo").
  std::string real_path(const std::string& host_path) const;
  // The path a host path names after "..", "." and (on this machine only) symlinks are resolved.
  std::string canonical_host_path(const std::string& host_path) const;

  // Whole contents of a file. procfs and sysfs report a size of 0 or 4096 whatever they hold,
  // so this reads to end of file instead of trusting stat. A missing file is kNotFound.
  virtual Result<std::string> read_file(const std::string& host_path) const;
  virtual bool exists(const std::string& host_path) const;
  virtual bool is_directory(const std::string& host_path) const;
  // Whether this process may open the file for writing (access(2) W_OK). apply asks first so
  // that it can say which items it cannot set before it changes anything.
  virtual bool is_writable(const std::string& host_path) const;
  // Names of the entries of a directory, sorted.
  virtual Result<std::vector<std::string>> list_directory(const std::string& host_path) const;

  // Writes one value into an existing kernel file the way `echo value > file` does; never
  // creates the file. In a fake tree a plain file cannot act like sysfs, so this does what the
  // kernel would: writing "madvise" into "always [madvise] never" moves the brackets and keeps
  // the list; any other file then holds "value\n", which is what the kernel shows on reading.
  virtual Status write_kernel_value(const std::string& host_path, const std::string& value);
  // Replaces a configuration file under /etc atomically (temp file, fsync, rename).
  virtual Status write_config_file(const std::string& host_path, const std::string& contents);
  virtual Status remove_file(const std::string& host_path);
  // Creates a directory and its missing parents; returns the ones it created, outermost first,
  // so that a rollback can remove exactly those.
  virtual Result<std::vector<std::string>> create_directories(const std::string& host_path);
  // Removes a directory only if it is empty.
  virtual Status remove_empty_directory(const std::string& host_path);

 private:
  std::string root_dir_;
};

// The text a selector file holds after writing `value` into it: "always [madvise] never" with
// "never" gives "always madvise [never]". Separators and the trailing newline are kept; if
// `value` is not one of the listed words the text comes back unchanged.
std::string select_in_list(const std::string& list_text, const std::string& value);

}  // namespace ringmq::tuning
