// TestCertificates: the certificates a TLS test needs, made with the openssl CLI in a temp
// dir (EC P-256 keys, quick to make): a CA, a server certificate for 127.0.0.1 and localhost,
// a client certificate (CN=alice), an expired client certificate, and a second CA with a client
// certificate of its own (CN=mallory), which the broker must not trust.
#pragma once

#include <stdexcept>
#include <string>

#include "tests/integration/broker_process.h"

namespace ringmq::test {

class TestCertificates {
 public:
  explicit TestCertificates(std::string dir) : dir_(std::move(dir)) {
    make_ca("ca", "RingMQ Test CA");
    make_ca("other-ca", "Other Test CA");
    issue("ca", "server", "/CN=broker", 30, "subjectAltName=IP:127.0.0.1,DNS:localhost");
    issue("ca", "alice", "/O=RingMQ Tests/CN=alice", 30, "");
    issue("ca", "expired", "/CN=expired", -1, "");
    issue("other-ca", "mallory", "/CN=mallory", 30, "");
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string ca() const { return path("ca.pem"); }
  std::string other_ca() const { return path("other-ca.pem"); }
  std::string cert(const std::string& who) const { return path(who + ".pem"); }
  std::string key(const std::string& who) const { return path(who + ".key"); }

  // Issues a certificate `name`.pem / `name`.key signed by CA `ca`, valid for `days` (negative:
  // expired already), with an optional extension line ("subjectAltName=...").
  void issue(const std::string& ca, const std::string& name, const std::string& subject, int days,
             const std::string& extension) {
    run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key(name) + " -out " +
        path(name + ".csr") + " -subj '" + subject + "'");
    std::string extfile;
    if (!extension.empty()) {
      run("printf '%s\\n' '" + extension + "' > " + path(name + ".ext"));
      extfile = " -extfile " + path(name + ".ext");
    }
    run("openssl x509 -req -in " + path(name + ".csr") + " -CA " + cert(ca) + " -CAkey " + key(ca) +
        " -CAcreateserial -out " + cert(name) + " -days " + std::to_string(days) + extfile);
  }

 private:
  void make_ca(const std::string& name, const std::string& common_name) {
    run("openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key(name) +
        " -out " + cert(name) + " -days 30 -subj '/CN=" + common_name + "'");
  }
  static void run(const std::string& command) {
    auto [status, out] = run_command(command + " 2>&1");
    if (status != 0) throw std::runtime_error("`" + command + "` failed: " + out);
  }

  std::string dir_;
};

}  // namespace ringmq::test
