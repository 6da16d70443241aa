// add_scram_user: a SCRAM user made the way an operator makes the first one, offline with
// `ringmq-admin user set` (the password through a file in `dir`, never on the command line),
// into the credential store `dir`/security. Needs RINGMQ_ADMIN_BINARY.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/integration/broker_process.h"

namespace ringmq::test {

inline void add_scram_user(const std::string& dir, const std::string& user, const std::string& password) {
  const std::string file = dir + "/" + user + ".password";
  std::ofstream(file) << password << "\n";
  auto [rc, out] = run_command(std::string(RINGMQ_ADMIN_BINARY) + " user set " + user + " --credentials-dir " + dir +
                               "/security --password-file " + file + " 2>&1");
  if (rc != 0) throw std::runtime_error("ringmq-admin user set failed: " + out);
}

}  // namespace ringmq::test
