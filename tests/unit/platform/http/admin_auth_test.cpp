// AdminUsers: the users file a person's password is checked against, and the
// HTTP Basic credentials every exception action must carry.
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "platform/http/admin_auth.h"
#include "tests/unit/platform/http/exception_desk.h"
#include "tests/unit/platform/store/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using sb::test::basic;

namespace {

constexpr uint32_t kFast = 1000;  // the fewest iterations a users file accepts; keeps the tests quick

std::shared_ptr<AdminUsers> users_of(const std::string& text) {
  Result<std::shared_ptr<AdminUsers>> u = AdminUsers::parse(text);
  if (!u.ok()) FAIL(u.status().to_string().c_str());
  return u.ok() ? *u : nullptr;
}

std::string line_for(const std::string& name, const std::string& password) {
  Result<std::string> line = make_password_line(name, password, kFast);
  if (!line.ok()) FAIL(line.status().to_string().c_str());
  return line.ok() ? *line : "";
}

// The parse error's message, or "" when the text parsed.
std::string parse_error(const std::string& text) {
  Result<std::shared_ptr<AdminUsers>> u = AdminUsers::parse(text);
  if (u.ok()) return "";
  CHECK_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(u.status().code()));
  return u.status().message();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

HttpRequest with_authorization(const std::string& value) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/api/exceptions/EX-000001/retry";
  if (!value.empty()) r.headers.emplace_back("Authorization", value);
  return r;
}

}  // namespace

TEST_GROUP(AdminUsers) {};

TEST(AdminUsers, ALineFromMakePasswordLineLetsThatPasswordIn) {
  auto users = users_of(line_for("alice", "correct horse") + "\n");
  CHECK_EQUAL(1, users->size());
  CHECK_TRUE(users->check("alice", "correct horse") == std::optional<std::string>("alice"));
  CHECK_FALSE(users->check("alice", "correct horsE").has_value());
  CHECK_FALSE(users->check("alice", "").has_value());
  CHECK_FALSE(users->check("bob", "correct horse").has_value());
}

TEST(AdminUsers, TheLineHoldsSaltAndHashNotThePassword) {
  const std::string a = line_for("alice", "correct horse");
  const std::string b = line_for("alice", "correct horse");
  CHECK_FALSE(contains(a, "correct horse"));
  CHECK_TRUE(a.rfind("alice:pbkdf2-sha256:1000:", 0) == 0);
  // name, scheme, iterations, 32 hex salt, 64 hex hash
  CHECK_EQUAL(std::string("alice:pbkdf2-sha256:1000:").size() + 32 + 1 + 64, a.size());
  CHECK_TRUE(a != b);  // a fresh salt every time
  auto users = users_of(a + "\n" + line_for("bob", "battery staple") + "\n");
  CHECK_EQUAL(2, users->size());
  CHECK_TRUE(users->check("bob", "battery staple").has_value());
  CHECK_FALSE(users->check("bob", "correct horse").has_value());
}

TEST(AdminUsers, TheDefaultIterationCountIsWrittenAndAccepted) {
  Result<std::string> line = make_password_line("carol", "a long passphrase");
  CHECK_TRUE(line.ok());
  CHECK_TRUE(contains(*line, ":pbkdf2-sha256:200000:"));
  CHECK_TRUE(users_of(*line)->check("carol", "a long passphrase").has_value());
}

TEST(AdminUsers, CommentsAndBlankLinesAreSkipped) {
  const std::string text = "# Stockbridge admins\n\n   \n" + line_for("alice", "correct horse") +
                           "   # the warehouse lead\r\n#bob:nothing\n";
  auto users = users_of(text);
  CHECK_EQUAL(1, users->size());
  CHECK_TRUE(users->check("alice", "correct horse").has_value());
  CHECK_TRUE(users_of("")->empty());
}

TEST(AdminUsers, ARepeatedCheckIsRememberedOnlyForTheRightPassword) {
  auto users = users_of(line_for("alice", "correct horse"));
  CHECK_TRUE(users->check("alice", "correct horse").has_value());
  CHECK_FALSE(users->check("alice", "wrong password").has_value());
  CHECK_TRUE(users->check("alice", "correct horse").has_value());
}

TEST(AdminUsers, MalformedLinesAreRefusedNamingTheLine) {
  const std::string good = line_for("alice", "correct horse");
  const std::string hash = good.substr(good.rfind(':') + 1);
  const std::string salt = good.substr(good.rfind(':') - 32, 32);
  struct Case {
    std::string line;
    std::string says;
  };
  const Case cases[] = {
      {"bob:pbkdf2-sha256:1000:" + salt, "expected NAME:pbkdf2-sha256"},
      {"bob:md5:1000:" + salt + ":" + hash, "scheme"},
      {"bob:pbkdf2-sha256:ten:" + salt + ":" + hash, "iteration"},
      {"bob:pbkdf2-sha256:10:" + salt + ":" + hash, "iteration"},
      {"bob:pbkdf2-sha256:1000:abc:" + hash, "salt"},
      {"bob:pbkdf2-sha256:1000:" + salt + ":" + hash.substr(2) + "zz", "hash"},
      {"bob:pbkdf2-sha256:1000:" + salt + ":" + hash.substr(1), "hash"},
      {"bo b:pbkdf2-sha256:1000:" + salt + ":" + hash, "whitespace"},
      {good, "listed twice"},
  };
  for (const Case& c : cases) {
    const std::string why = parse_error("# admins\n" + good + "\n" + c.line + "\n");
    STRCMP_CONTAINS("line 3", why.c_str());
    STRCMP_CONTAINS(c.says.c_str(), why.c_str());
    CHECK_FALSE(contains(why, hash));
  }
}

TEST(AdminUsers, LoadNamesAnUnreadableFile) {
  Result<std::shared_ptr<AdminUsers>> u = AdminUsers::load("no/such/dir/admin.users");
  CHECK_FALSE(u.ok());
  STRCMP_CONTAINS("no/such/dir/admin.users", u.status().message().c_str());
}

TEST(AdminUsers, LoadReadsTheFileAndNamesItOnABadLine) {
  test::TempDir dir("sb-admin");
  CHECK_TRUE(dir.ok());
  const std::string path = dir.sub("admin.users");
  {
    std::ofstream(path) << line_for("alice", "correct horse") << "\n";
  }
  Result<std::shared_ptr<AdminUsers>> u = AdminUsers::load(path);
  CHECK_TRUE(u.ok());
  CHECK_TRUE((*u)->check("alice", "correct horse").has_value());
  {
    std::ofstream(path) << "\nalice\n";
  }
  u = AdminUsers::load(path);
  CHECK_FALSE(u.ok());
  STRCMP_CONTAINS(path.c_str(), u.status().message().c_str());
  STRCMP_CONTAINS("line 2", u.status().message().c_str());
}

TEST(AdminUsers, NamesAndShortPasswordsAreRefused) {
  for (const char* name : {"", "ali:ce", "ali ce", "alice\t", "#alice", "al\x01ice"}) {
    Result<std::string> line = make_password_line(name, "correct horse", kFast);
    CHECK_FALSE(line.ok());
    STRCMP_CONTAINS("user name", line.status().message().c_str());
  }
  Result<std::string> short_one = make_password_line("alice", "1234567", kFast);
  CHECK_FALSE(short_one.ok());
  STRCMP_CONTAINS("at least 8", short_one.status().message().c_str());
  CHECK_TRUE(make_password_line("alice", "12345678", kFast).ok());
  CHECK_TRUE(make_password_line("o'brien.j@site-2", "12345678", kFast).ok());
}

TEST_GROUP(BasicCredentials) {
  std::shared_ptr<AdminUsers> users;
  void setup() override { users = users_of(line_for("alice", "correct horse:with colon")); }

  std::string refused(const std::string& header) {
    std::string why;
    std::optional<std::string> who = users->authenticate(with_authorization(header), &why);
    CHECK_FALSE(who.has_value());
    return why;
  }
};

TEST(BasicCredentials, AGoodHeaderNamesTheUser) {
  // The password may itself hold ':'; only the first one splits (RFC 7617).
  std::optional<std::string> who = users->authenticate(with_authorization(basic("alice", "correct horse:with colon")));
  CHECK_TRUE(who == std::optional<std::string>("alice"));
  who = users->authenticate(with_authorization("basic " + test::base64("alice:correct horse:with colon")));
  CHECK_TRUE(who == std::optional<std::string>("alice"));
}

TEST(BasicCredentials, EachRefusalSaysWhy) {
  STRCMP_EQUAL("no credentials", refused("").c_str());
  STRCMP_EQUAL("unknown user or wrong password", refused(basic("alice", "correct horse")).c_str());
  STRCMP_EQUAL("unknown user or wrong password", refused(basic("mallory", "correct horse:with colon")).c_str());
  STRCMP_EQUAL("malformed Authorization header", refused("Basic !!!notbase64!!!").c_str());
  STRCMP_EQUAL("malformed Authorization header", refused("Basic YWxpY2U").c_str());  // unpadded
  STRCMP_EQUAL("malformed Authorization header", refused("Basic " + test::base64("alice")).c_str());  // no colon
  STRCMP_EQUAL("malformed Authorization header", refused("Bearer abc.def").c_str());
  STRCMP_EQUAL("malformed Authorization header", refused("Basic").c_str());
}

TEST(BasicCredentials, UnauthorizedAsksForBasicAndSaysWhy) {
  HttpResponse r = unauthorized("no credentials");
  CHECK_EQUAL(401, r.status);
  STRCMP_EQUAL("Basic realm=\"stockbridge\"", r.header("WWW-Authenticate").c_str());
  STRCMP_EQUAL("{\"error\":\"no credentials\"}", r.body.c_str());
}

TEST(AdminUsers, AFloodOfWrongPasswordsIsRefusedWithoutHashingForTheRestOfTheSecond) {
  auto users = users_of(line_for("alice", "correct horse") + "\n");
  for (int i = 0; i < 20; ++i) CHECK_FALSE(users->check("alice", "guess " + std::to_string(i)).has_value());
  // Even the right password waits until the flood has passed.
  CHECK_FALSE(users->check("alice", "correct horse").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK_TRUE(users->check("alice", "correct horse") == std::optional<std::string>("alice"));
}
