// CredentialStore: the durable SCRAM credentials. Changes survive a reopen, a damaged file stops
// the open without being overwritten, and a failed write changes neither memory nor disk.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "broker/security/credential_store.h"
#include "broker/security/record_file.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker::security {
namespace {

std::unique_ptr<CredentialStore> open_ok(const std::string& directory) {
  auto store = CredentialStore::open(directory);
  EXPECT_TRUE(store) << store.error().to_string();
  return store ? std::move(*store) : nullptr;
}

ScramCredential credential(ScramMechanism mechanism, std::string_view password, int32_t iterations = 4096) {
  auto made = make_scram_credential(mechanism, password, iterations);
  EXPECT_TRUE(made) << made.error().message;
  return made ? *made : ScramCredential{};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

bool same_credential(const std::optional<ScramCredential>& found, const ScramCredential& expected) {
  return found && found->mechanism == expected.mechanism && found->iterations == expected.iterations &&
         found->salt == expected.salt && found->stored_key == expected.stored_key &&
         found->server_key == expected.server_key;
}

TEST(CredentialStore, StartsEmptyInAPrivateDirectoryItCreates) {
  ringmq::test::TempDir dir;
  const std::string directory = dir.path() + "/security/scram";
  auto store = open_ok(directory);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->empty());
  EXPECT_TRUE(store->list().empty());
  EXPECT_EQ(store->find("alice", ScramMechanism::kSha256), std::nullopt);
  EXPECT_EQ(mode_of(directory), 0700u);
  EXPECT_FALSE(std::filesystem::exists(store->path())) << "nothing written until something changes";
  EXPECT_EQ(store->path(), directory + "/scram-credentials");
}

TEST(CredentialStore, UpsertsFindsListsAndRemoves) {
  ringmq::test::TempDir dir;
  auto store = open_ok(dir.path());
  const ScramCredential alice256 = credential(ScramMechanism::kSha256, "a1");
  const ScramCredential alice512 = credential(ScramMechanism::kSha512, "a2", 8192);
  const ScramCredential bob256 = credential(ScramMechanism::kSha256, "b1");
  ASSERT_TRUE(store->upsert("bob", bob256));
  ASSERT_TRUE(store->upsert("alice", alice256));
  ASSERT_TRUE(store->upsert("alice", alice512));
  EXPECT_FALSE(store->empty());
  EXPECT_TRUE(same_credential(store->find("alice", ScramMechanism::kSha256), alice256));
  EXPECT_TRUE(same_credential(store->find("alice", ScramMechanism::kSha512), alice512));
  EXPECT_EQ(store->find("bob", ScramMechanism::kSha512), std::nullopt);
  EXPECT_EQ(store->find("carol", ScramMechanism::kSha256), std::nullopt);

  const std::vector<ScramUserInfo> users = store->list();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].user, "alice");
  using Entry = std::pair<ScramMechanism, int32_t>;
  EXPECT_EQ(users[0].credentials,
            (std::vector<Entry>{{ScramMechanism::kSha256, 4096}, {ScramMechanism::kSha512, 8192}}));
  EXPECT_EQ(users[1].user, "bob");
  EXPECT_EQ(users[1].credentials, (std::vector<Entry>{{ScramMechanism::kSha256, 4096}}));

  const ScramCredential replaced = credential(ScramMechanism::kSha256, "new", 5000);
  ASSERT_TRUE(store->upsert("alice", replaced));
  EXPECT_TRUE(same_credential(store->find("alice", ScramMechanism::kSha256), replaced));

  auto removed = store->remove("alice", ScramMechanism::kSha512);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  removed = store->remove("alice", ScramMechanism::kSha512);
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed) << "already gone";
  removed = store->remove("bob", ScramMechanism::kSha256);
  ASSERT_TRUE(removed && *removed);
  ASSERT_EQ(store->list().size(), 1u) << "a user with no credential left is not listed";
  EXPECT_EQ(store->list()[0].user, "alice");
}

TEST(CredentialStore, ChangesSurviveAReopen) {
  ringmq::test::TempDir dir;
  // Names the record format must escape: space, '%', newline, non-ASCII.
  const std::string odd_user = "o d%d\nuser\xc3\xa9";
  const ScramCredential odd = credential(ScramMechanism::kSha512, "pw", 16384);
  const ScramCredential plain = credential(ScramMechanism::kSha256, "pw");
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store->upsert(odd_user, odd));
    ASSERT_TRUE(store->upsert("plain", plain));
    ASSERT_TRUE(store->upsert("gone", plain));
    ASSERT_TRUE(store->remove("gone", ScramMechanism::kSha256));
  }
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store);
  EXPECT_TRUE(same_credential(store->find(odd_user, ScramMechanism::kSha512), odd));
  EXPECT_TRUE(same_credential(store->find("plain", ScramMechanism::kSha256), plain));
  EXPECT_EQ(store->find("gone", ScramMechanism::kSha256), std::nullopt);
  EXPECT_EQ(store->list().size(), 2u);
  EXPECT_TRUE(scram_password_matches(*store->find("plain", ScramMechanism::kSha256), "pw"));
}

TEST(CredentialStore, TheFileIsPrivateAndHoldsNoPassword) {
  ringmq::test::TempDir dir;
  auto store = open_ok(dir.path());
  ASSERT_TRUE(store->upsert("alice", credential(ScramMechanism::kSha256, "hunter2-password")));
  EXPECT_EQ(mode_of(store->path()), 0600u);
  const std::string text = read_text(store->path());
  EXPECT_TRUE(text.starts_with("ringmq-scram-credentials 1\nalice SCRAM-SHA-256 4096 ")) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

TEST(CredentialStore, ADamagedFileStopsTheOpenAndIsLeftAlone) {
  ringmq::test::TempDir dir;
  std::string path;
  {
    auto store = open_ok(dir.path());
    ASSERT_TRUE(store->upsert("alice", credential(ScramMechanism::kSha256, "pw")));
    path = store->path();
  }
  std::string damaged = read_text(path);
  damaged[damaged.find("alice")] ^= 0x01;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;

  auto store = CredentialStore::open(dir.path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
  EXPECT_EQ(read_text(path), damaged) << "the evidence is kept for the operator";
}

TEST(CredentialStore, ABadRecordUnderAGoodChecksumNamesTheLine) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/scram-credentials";
  const std::string key = std::string(43, 'A') + "=";  // 32 zero bytes
  const std::string good = "alice SCRAM-SHA-256 4096 c2FsdA== " + key + " " + key;
  const std::vector<std::vector<std::string>> bad_files = {
      {good, "bob SCRAM-SHA-256 4096"},                             // too few fields
      {good, "bob SCRAM-MD5 4096 c2FsdA== AAAA AAAA"},              // unknown mechanism
      {good, "bob SCRAM-SHA-256 100 c2FsdA== " + key + " " + key},  // too few iterations,
      {good, "bob SCRAM-SHA-256 4096 c2FsdA== AAAA AAAA"},          // keys too short
      {good, "bob SCRAM-SHA-256 4096 !!!! " + key + " " + key},     // salt not base64,
      {good, good},                                                 // duplicate
  };
  for (const auto& records : bad_files) {
    ASSERT_TRUE(write_record_file(path, "ringmq-scram-credentials", 1, records));
    auto store = CredentialStore::open(dir.path());
    ASSERT_FALSE(store) << records[1];
    EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(store.error().message.find(path + " line 3"), std::string::npos) << store.error().message;
  }
  // The same good record alone is accepted: the refusals above are about the second line.
  ASSERT_TRUE(write_record_file(path, "ringmq-scram-credentials", 1, std::vector<std::string>{good}));
  EXPECT_TRUE(CredentialStore::open(dir.path()));
}

TEST(CredentialStore, AFailedWriteChangesNeitherMemoryNorDisk) {
  ringmq::test::TempDir dir;
  auto store = open_ok(dir.path());
  const ScramCredential original = credential(ScramMechanism::kSha256, "pw");
  ASSERT_TRUE(store->upsert("alice", original));
  const std::string on_disk = read_text(store->path());

  // io::write_file_atomically writes <path>.tmp first. A directory there makes that fail, even
  // for root (which a read-only mode would not stop).
  std::filesystem::create_directory(store->path() + ".tmp");
  auto upserted = store->upsert("alice", credential(ScramMechanism::kSha256, "other"));
  ASSERT_FALSE(upserted);
  EXPECT_NE(upserted.error().message.find(store->path()), std::string::npos) << upserted.error().message;
  EXPECT_FALSE(store->upsert("bob", original));
  EXPECT_FALSE(store->remove("alice", ScramMechanism::kSha256));

  EXPECT_TRUE(same_credential(store->find("alice", ScramMechanism::kSha256), original));
  EXPECT_EQ(store->find("bob", ScramMechanism::kSha256), std::nullopt);
  ASSERT_EQ(store->list().size(), 1u);
  EXPECT_EQ(read_text(store->path()), on_disk);
  auto reopened = open_ok(dir.path());
  EXPECT_TRUE(same_credential(reopened->find("alice", ScramMechanism::kSha256), original));
  EXPECT_EQ(reopened->list().size(), 1u);

  std::filesystem::remove(store->path() + ".tmp");
  EXPECT_TRUE(store->upsert("bob", original)) << "writes work again once the obstacle is gone";
}

TEST(CredentialStore, RefusesWhatItCouldNotReadBack) {
  ringmq::test::TempDir dir;
  auto store = open_ok(dir.path());
  const ScramCredential good = credential(ScramMechanism::kSha256, "pw");
  ScramCredential weak = good;
  weak.iterations = 1000;
  ScramCredential short_keys = good;
  short_keys.stored_key.resize(16);
  ScramCredential no_salt = good;
  no_salt.salt.clear();
  ScramCredential wrong_mechanism = good;
  wrong_mechanism.mechanism = ScramMechanism::kSha512;  // 32-byte keys under SHA-512
  EXPECT_EQ(store->upsert("", good).error().code, ErrorCode::kInvalidArgument);
  for (const ScramCredential& bad : {weak, short_keys, no_salt, wrong_mechanism})
    EXPECT_EQ(store->upsert("alice", bad).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store->empty());
  EXPECT_FALSE(std::filesystem::exists(store->path()));
  auto removed = store->remove("nobody", ScramMechanism::kSha256);
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);
  EXPECT_FALSE(std::filesystem::exists(store->path())) << "removing nothing writes nothing";
}

TEST(CredentialStore, FindsSeeWholeCredentialsWhileWritesGoOn) {
  ringmq::test::TempDir dir;
  auto store = open_ok(dir.path());
  const ScramCredential first = credential(ScramMechanism::kSha256, "one");
  const ScramCredential second = credential(ScramMechanism::kSha256, "two", 5000);
  ASSERT_TRUE(store->upsert("alice", first));
  std::atomic<bool> stop = false;
  std::atomic<int> torn = 0;
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto found = store->find("alice", ScramMechanism::kSha256);
        if (!same_credential(found, first) && !same_credential(found, second)) ++torn;
      }
    });
  }
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(store->upsert("alice", i % 2 ? first : second));
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace ringmq::broker::security
