// Config: what an operator sees when the settings file is right, and when it is wrong.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "platform/core/config.h"

#include <CppUTest/TestHarness.h>

namespace {

using sb::SettingType;

std::string lowercase_id(const std::string& v) {
  for (char c : v) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return "must be lowercase letters, digits and '-', got '" + v + "'";
    }
  }
  return "";
}

sb::SettingTable table() {
  return {
      {"site.id", SettingType::kString, "", "The site's identifier, as in its certificate.", lowercase_id},
      {"site.name", SettingType::kString, "Main warehouse", "Shown on the status page."},
      {"journal.path", SettingType::kPath, "/var/lib/stockbridge/journal", "Directory of the LMDB journal."},
      {"journal.max_events", SettingType::kInt, "10000000", "Hard cap; beyond it new work is refused (503)."},
      {"journal.map_size", SettingType::kBytes, "16GiB", "LMDB map size."},
      {"mqtt.keepalive", SettingType::kDuration, "30s", "MQTT keep-alive interval."},
      {"mqtt.tls", SettingType::kBool, "true", "Use TLS to the broker."},
      {"mqtt.password", SettingType::kString, "", "Broker password.\nPrefer a client certificate.", nullptr, true},
      {"http.offset", SettingType::kInt, "-5", "A signed number."},
  };
}

sb::Config parse_ok(const std::string& text) {
  sb::Result<sb::Config> r = sb::Config::parse(text, table(), "agent.conf");
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  return r.value();
}

std::string parse_error(const std::string& text, const sb::SettingTable& t = table()) {
  sb::Result<sb::Config> r = sb::Config::parse(text, t, "agent.conf");
  CHECK_FALSE_TEXT(r.ok(), ("expected an error for: " + text).c_str());
  CHECK(r.status().code() == sb::Code::kInvalidArgument || r.status().code() == sb::Code::kInternal);
  return r.status().message();
}

std::string value_error(SettingType type, const std::string& text) {
  int64_t n = 0;
  sb::Status s = sb::parse_setting_value(type, text, &n);
  CHECK_FALSE_TEXT(s.ok(), text.c_str());
  return s.message();
}

int64_t value(SettingType type, const std::string& text) {
  int64_t n = -12345;
  sb::Status s = sb::parse_setting_value(type, text, &n);
  CHECK_TRUE_TEXT(s.ok(), (text + ": " + s.message()).c_str());
  return n;
}

// Lines 1-6 are valid, so the bad one is line 7.
std::string at_line_7(const std::string& bad_line) {
  return "# agent settings\n\nsite.id = lyon-1\nsite.name = Lyon\n\n# broker\n" + bad_line + "\n";
}

struct TempFile {
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/sb-config-test-XXXXXX";
    int fd = mkstemp(name);
    CHECK_TRUE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

// Runs f in a child process; returns what it wrote to stderr if it aborted, or
// "<no abort>" if it returned.
std::string abort_message(const std::function<void()>& f) {
  int fds[2];
  CHECK_EQUAL(0, pipe(fds));
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    f();
    _exit(0);
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)) return "<no abort>";
  return err;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_GROUP(SettingValues){};

TEST(SettingValues, Integers) {
  CHECK_EQUAL(42, value(SettingType::kInt, "42"));
  CHECK_EQUAL(-1, value(SettingType::kInt, "-1"));
  CHECK_EQUAL(7, value(SettingType::kInt, "+7"));
  CHECK_EQUAL(INT64_MAX, value(SettingType::kInt, "9223372036854775807"));
  STRCMP_EQUAL("expected an integer like 42 or -1, got 'twelve'", value_error(SettingType::kInt, "twelve").c_str());
  STRCMP_EQUAL("expected an integer like 42 or -1, got '1.5'", value_error(SettingType::kInt, "1.5").c_str());
  STRCMP_EQUAL("expected an integer like 42 or -1, got ''", value_error(SettingType::kInt, "").c_str());
  STRCMP_EQUAL("expected an integer like 42 or -1, got '99999999999999999999'",
               value_error(SettingType::kInt, "99999999999999999999").c_str());
}

TEST(SettingValues, Booleans) {
  for (const char* t : {"true", "yes", "on", "1", "TRUE", "Yes"}) CHECK_EQUAL_TEXT(1, value(SettingType::kBool, t), t);
  for (const char* f : {"false", "no", "off", "0", "False", "OFF"}) CHECK_EQUAL_TEXT(0, value(SettingType::kBool, f), f);
  STRCMP_EQUAL("expected true or false (or yes/no, on/off, 1/0), got 'maybe'",
               value_error(SettingType::kBool, "maybe").c_str());
}

TEST(SettingValues, Durations) {
  CHECK_EQUAL(250, value(SettingType::kDuration, "250ms"));
  CHECK_EQUAL(30'000, value(SettingType::kDuration, "30s"));
  CHECK_EQUAL(300'000, value(SettingType::kDuration, "5m"));
  CHECK_EQUAL(7'200'000, value(SettingType::kDuration, "2h"));
  CHECK_EQUAL(86'400'000, value(SettingType::kDuration, "1d"));
  CHECK_EQUAL(1'500, value(SettingType::kDuration, "1500"));  // a bare number is milliseconds
  CHECK_EQUAL(0, value(SettingType::kDuration, "0s"));
  CHECK_EQUAL(10'000, value(SettingType::kDuration, "10 s"));
  STRCMP_EQUAL("expected a duration like 30s or 500ms, got 'abc'",
               value_error(SettingType::kDuration, "abc").c_str());
  for (const char* bad : {"-5s", "1.5s", "30 seconds", "s", "5y", ""}) {
    CHECK_TRUE_TEXT(contains(value_error(SettingType::kDuration, bad), "expected a duration"), bad);
  }
  CHECK_TRUE(contains(value_error(SettingType::kDuration, "999999999999999d"), "too large"));
}

TEST(SettingValues, Sizes) {
  CHECK_EQUAL(512, value(SettingType::kBytes, "512"));
  CHECK_EQUAL(512, value(SettingType::kBytes, "512B"));
  CHECK_EQUAL(64 * 1024, value(SettingType::kBytes, "64KiB"));
  CHECK_EQUAL(16LL << 20, value(SettingType::kBytes, "16MiB"));
  CHECK_EQUAL(10LL << 30, value(SettingType::kBytes, "10GiB"));
  CHECK_EQUAL(2LL << 40, value(SettingType::kBytes, "2TiB"));
  CHECK_EQUAL(1'000, value(SettingType::kBytes, "1KB"));
  CHECK_EQUAL(5'000'000, value(SettingType::kBytes, "5MB"));
  CHECK_EQUAL(3'000'000'000LL, value(SettingType::kBytes, "3GB"));
  CHECK_EQUAL(16LL << 20, value(SettingType::kBytes, "16 mib"));
  STRCMP_EQUAL("expected a size like 512, 64KiB or 16MiB, got '12XB'", value_error(SettingType::kBytes, "12XB").c_str());
  for (const char* bad : {"-1", "1.5GiB", "GiB", ""}) {
    CHECK_TRUE_TEXT(contains(value_error(SettingType::kBytes, bad), "expected a size"), bad);
  }
  CHECK_TRUE(contains(value_error(SettingType::kBytes, "99999999999TiB"), "too large"));
}

TEST(SettingValues, StringsAndPathsTakeAnything) {
  CHECK_EQUAL(0, value(SettingType::kString, "anything at all"));
  CHECK_EQUAL(0, value(SettingType::kPath, "relative/dir"));
}

TEST_GROUP(ConfigFile){};

TEST(ConfigFile, EmptyFileGivesEveryDefault) {
  sb::Config c = parse_ok("");
  STRCMP_EQUAL("", c.str("site.id").c_str());
  STRCMP_EQUAL("Main warehouse", c.str("site.name").c_str());
  STRCMP_EQUAL("/var/lib/stockbridge/journal", c.str("journal.path").c_str());
  CHECK_EQUAL(10'000'000, c.integer("journal.max_events"));
  CHECK_EQUAL(16ULL << 30, c.bytes("journal.map_size"));
  CHECK_EQUAL(30'000, c.duration("mqtt.keepalive").count());
  CHECK_TRUE(c.flag("mqtt.tls"));
  CHECK_EQUAL(-5, c.integer("http.offset"));
}

TEST(ConfigFile, ReadsEveryType) {
  sb::Config c = parse_ok(
      "site.id = lyon-1\n"
      "site.name = Lyon North\n"
      "journal.path = data/journal\n"
      "journal.max_events = 5000000\n"
      "journal.map_size = 32GiB\n"
      "mqtt.keepalive = 500ms\n"
      "mqtt.tls = off\n"
      "http.offset = -12\n");
  STRCMP_EQUAL("lyon-1", c.str("site.id").c_str());
  STRCMP_EQUAL("Lyon North", c.str("site.name").c_str());
  STRCMP_EQUAL("data/journal", c.str("journal.path").c_str());
  CHECK_EQUAL(5'000'000, c.integer("journal.max_events"));
  CHECK_EQUAL(32ULL << 30, c.bytes("journal.map_size"));
  CHECK_EQUAL(500, c.duration("mqtt.keepalive").count());
  CHECK_FALSE(c.flag("mqtt.tls"));
  CHECK_EQUAL(-12, c.integer("http.offset"));
}

TEST(ConfigFile, CommentsBlankLinesSpacesAndCrlf) {
  sb::Config c = parse_ok(
      "# a comment\r\n"
      "   \r\n"
      "\t# indented comment\n"
      "  site.name=   Lyon   # trailing comment\r\n"
      "mqtt.keepalive=10s#no space before the comment\n");
  STRCMP_EQUAL("Lyon", c.str("site.name").c_str());
  CHECK_EQUAL(10'000, c.duration("mqtt.keepalive").count());
}

TEST(ConfigFile, QuotesKeepSpacesHashesAndEscapes) {
  sb::Config c = parse_ok(
      "site.name = \"  Dock #4 \\\"north\\\" \\\\ \"  # the comment after the quotes is dropped\n"
      "mqtt.password = \"p#ss=word\"\n");
  STRCMP_EQUAL("  Dock #4 \"north\" \\ ", c.str("site.name").c_str());
  STRCMP_EQUAL("p#ss=word", c.str("mqtt.password").c_str());
}

TEST(ConfigFile, EmptyValueIsAllowedForStrings) {
  sb::Config c = parse_ok("site.name =\n");
  STRCMP_EQUAL("", c.str("site.name").c_str());
}

TEST(ConfigFile, BadValueNamesFileLineKeyAndWhy) {
  STRCMP_EQUAL("agent.conf:7: mqtt.keepalive: expected a duration like 30s or 500ms, got 'abc'",
               parse_error(at_line_7("mqtt.keepalive = abc")).c_str());
  STRCMP_EQUAL("agent.conf:7: mqtt.tls: expected true or false (or yes/no, on/off, 1/0), got 'sometimes'",
               parse_error(at_line_7("mqtt.tls = sometimes")).c_str());
  STRCMP_EQUAL("agent.conf:7: journal.max_events: expected an integer like 42 or -1, got '10M'",
               parse_error(at_line_7("journal.max_events = 10M")).c_str());
  STRCMP_EQUAL("agent.conf:7: journal.map_size: expected a size like 512, 64KiB or 16MiB, got '16Gb?'",
               parse_error(at_line_7("journal.map_size = 16Gb?")).c_str());
}

TEST(ConfigFile, UnknownKeySuggestsTheClosestName) {
  STRCMP_EQUAL("agent.conf:7: unknown setting 'mqtt.keepalve' (did you mean 'mqtt.keepalive'?)",
               parse_error(at_line_7("mqtt.keepalve = 30s")).c_str());
  STRCMP_EQUAL("agent.conf:1: unknown setting 'mqtt.kepealive' (did you mean 'mqtt.keepalive'?)",
               parse_error("mqtt.kepealive = 30s").c_str());  // transposed letters
  STRCMP_EQUAL("agent.conf:1: unknown setting 'keepalive' (did you mean 'mqtt.keepalive'?)",
               parse_error("keepalive = 30s").c_str());  // section left out
  STRCMP_EQUAL("agent.conf:1: unknown setting 'Site.Name' (did you mean 'site.name'?)",
               parse_error("Site.Name = x").c_str());
}

TEST(ConfigFile, UnknownKeyWithNothingCloseHasNoSuggestion) {
  STRCMP_EQUAL("agent.conf:1: unknown setting 'erp.account_id'", parse_error("erp.account_id = 123").c_str());
}

TEST(ConfigFile, DuplicateKeyNamesBothLines) {
  STRCMP_EQUAL("agent.conf:4: mqtt.tls: set twice (first on line 2)",
               parse_error("site.id = a\nmqtt.tls = on\n\nmqtt.tls = off\n").c_str());
}

TEST(ConfigFile, LineWithoutEqualsSign) {
  STRCMP_EQUAL("agent.conf:2: expected 'key = value', got 'mqtt.tls on'",
               parse_error("site.id = a\nmqtt.tls on\n").c_str());
}

TEST(ConfigFile, KeyWithForbiddenCharacters) {
  STRCMP_EQUAL("agent.conf:1: 'site id' is not a setting name (letters, digits, '.', '_', '-')",
               parse_error("site id = a").c_str());
  STRCMP_EQUAL("agent.conf:1: '' is not a setting name (letters, digits, '.', '_', '-')",
               parse_error("= a").c_str());
}

TEST(ConfigFile, BrokenQuotes) {
  STRCMP_EQUAL("agent.conf:1: site.name: unterminated quoted value", parse_error("site.name = \"Lyon").c_str());
  STRCMP_EQUAL("agent.conf:1: site.name: unexpected text after the closing quote: 'North'",
               parse_error("site.name = \"Lyon\" North").c_str());
}

TEST(ConfigFile, CheckCallbackRejectsWithItsReason) {
  STRCMP_EQUAL("agent.conf:7: site.id: must be lowercase letters, digits and '-', got 'Lyon 1'",
               parse_error("# 1\n# 2\n# 3\n# 4\n# 5\n# 6\nsite.id = Lyon 1\n").c_str());
}

TEST(ConfigFile, CheckCallbackSeesOnlyValuesThatParsed) {
  int calls = 0;
  sb::SettingTable t = {{"n", SettingType::kInt, "1", "n", [&calls](const std::string& v) {
                           ++calls;
                           return v == "13" ? std::string("unlucky") : std::string();
                         }}};
  STRCMP_EQUAL("agent.conf:1: n: expected an integer like 42 or -1, got 'x'", parse_error("n = x", t).c_str());
  CHECK_EQUAL(0, calls);
  STRCMP_EQUAL("agent.conf:1: n: unlucky", parse_error("n = 13", t).c_str());
  CHECK_EQUAL(1, calls);
}

TEST(ConfigFile, InvalidDefaultInTheTableIsAProgrammingError) {
  sb::SettingTable t = {{"mqtt.keepalive", SettingType::kDuration, "soon", "d"}};
  sb::Result<sb::Config> r = sb::Config::parse("", t);
  CHECK(r.status().code() == sb::Code::kInternal);
  STRCMP_EQUAL("setting table: default of mqtt.keepalive: expected a duration like 30s or 500ms, got 'soon'",
               r.status().message().c_str());
  sb::SettingTable twice = {{"a", SettingType::kInt, "1", "a"}, {"a", SettingType::kInt, "2", "a"}};
  CHECK(sb::Config::parse("", twice).status().code() == sb::Code::kInternal);
}

TEST(ConfigFile, ConfigOutlivesTheTableItWasLoadedFrom) {
  sb::Config copy;
  {
    sb::SettingTable t = table();
    sb::Result<sb::Config> r = sb::Config::parse("site.name = Kept", t);
    CHECK_TRUE(r.ok());
    copy = r.value();
  }
  STRCMP_EQUAL("Kept", copy.str("site.name").c_str());
  CHECK_TRUE(contains(copy.effective(), "site.name = Kept\n"));
}

TEST_GROUP(ConfigLoad){};

TEST(ConfigLoad, ReadsAFileAndNamesItInErrors) {
  TempFile good("site.id = lyon-1\nmqtt.keepalive = 45s\n");
  sb::Result<sb::Config> r = sb::Config::load(good.path, table());
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  CHECK_EQUAL(45'000, r->duration("mqtt.keepalive").count());

  TempFile bad("site.id = lyon-1\n\nmqtt.keepalive = abc\n");
  sb::Result<sb::Config> e = sb::Config::load(bad.path, table());
  STRCMP_EQUAL((bad.path + ":3: mqtt.keepalive: expected a duration like 30s or 500ms, got 'abc'").c_str(),
               e.status().message().c_str());
}

TEST(ConfigLoad, ARequiredSettingLeftUnsetIsNamed) {
  sb::SettingTable t = {{"erp.base_url", SettingType::kString, "", "The ERP's URL.",
                         [](const std::string& v) { return v.empty() ? std::string("must be set") : std::string(); }}};
  sb::Result<sb::Config> r = sb::Config::load("", t);
  CHECK_FALSE(r.ok());
  STRCMP_EQUAL("config: erp.base_url: must be set (it is not set)", r.status().message().c_str());
  sb::Result<sb::Config> set = sb::Config::load("", t, {{"erp.base_url", "https://erp.example.com"}});
  CHECK_TRUE(set.ok());
}

TEST(ConfigLoad, MissingFileIsNotFound) {
  sb::Result<sb::Config> r = sb::Config::load("/nonexistent/stockbridge/agent.conf", table());
  CHECK(r.status().code() == sb::Code::kNotFound);
  STRCMP_EQUAL("/nonexistent/stockbridge/agent.conf: cannot read: No such file or directory",
               r.status().message().c_str());
}

TEST(ConfigLoad, EmptyPathMeansDefaultsOnly) {
  sb::Result<sb::Config> r = sb::Config::load("", table());
  CHECK_TRUE(r.ok());
  STRCMP_EQUAL("Main warehouse", r->str("site.name").c_str());
}

TEST(ConfigLoad, OverridesWinOverTheFile) {
  TempFile f("mqtt.keepalive = 45s\nsite.name = From file\n");
  sb::Result<sb::Config> r =
      sb::Config::load(f.path, table(), {{"mqtt.keepalive", "5s"}, {"mqtt.tls", "no"}, {"site.name", "\" padded \""}});
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  CHECK_EQUAL(5'000, r->duration("mqtt.keepalive").count());
  CHECK_FALSE(r->flag("mqtt.tls"));
  STRCMP_EQUAL(" padded ", r->str("site.name").c_str());
}

TEST(ConfigLoad, OverrideMayRepeatAndTheLastWins) {
  sb::Result<sb::Config> r = sb::Config::load("", table(), {{"mqtt.keepalive", "5s"}, {"mqtt.keepalive", "7s"}});
  CHECK_EQUAL(7'000, r->duration("mqtt.keepalive").count());
}

TEST(ConfigLoad, OverrideValuesKeepHashes) {
  sb::Result<sb::Config> r = sb::Config::load("", table(), {{"mqtt.password", "abc#123"}});
  STRCMP_EQUAL("abc#123", r->str("mqtt.password").c_str());
}

TEST(ConfigLoad, OverrideErrorsNameTheOverride) {
  STRCMP_EQUAL("--set mqtt.keepalive: expected a duration like 30s or 500ms, got 'abc'",
               sb::Config::load("", table(), {{"mqtt.keepalive", "abc"}}).status().message().c_str());
  STRCMP_EQUAL("--set: unknown setting 'mqtt.keepalve' (did you mean 'mqtt.keepalive'?)",
               sb::Config::load("", table(), {{"mqtt.keepalve", "5s"}}).status().message().c_str());
  STRCMP_EQUAL("--set site.id: must be lowercase letters, digits and '-', got 'LYON'",
               sb::Config::load("", table(), {{"site.id", "LYON"}}).status().message().c_str());
}

TEST_GROUP(ConfigGetters){};

TEST(ConfigGetters, PathsReadAsStrings) {
  STRCMP_EQUAL("/var/lib/stockbridge/journal", parse_ok("").str("journal.path").c_str());
}

TEST(ConfigGetters, UnknownNameAbortsWithAMessage) {
  sb::Config c = parse_ok("");
  std::string err = abort_message([&] { (void)c.str("mqtt.server"); });
  CHECK_TRUE_TEXT(contains(err, "no setting named 'mqtt.server'"), err.c_str());
}

TEST(ConfigGetters, WrongTypeAbortsWithAMessage) {
  sb::Config c = parse_ok("");
  std::string err = abort_message([&] { (void)c.integer("mqtt.keepalive"); });
  CHECK_TRUE_TEXT(contains(err, "setting 'mqtt.keepalive' is a duration, read as a integer"), err.c_str());
  CHECK_TRUE(contains(abort_message([&] { (void)c.flag("site.name"); }), "'site.name' is a string"));
  CHECK_TRUE(contains(abort_message([&] { (void)c.bytes("journal.max_events"); }), "'journal.max_events'"));
  CHECK_TRUE(contains(abort_message([&] { (void)c.duration("mqtt.tls"); }), "'mqtt.tls'"));
  CHECK_TRUE(contains(abort_message([&] { (void)c.str("mqtt.tls"); }), "'mqtt.tls' is a boolean"));
}

TEST(ConfigGetters, RightTypeDoesNotAbort) {
  sb::Config c = parse_ok("");
  STRCMP_EQUAL("<no abort>", abort_message([&] { (void)c.duration("mqtt.keepalive"); }).c_str());
}

TEST_GROUP(ConfigExample){};

TEST(ConfigExample, ListsEverySettingWithDescriptionTypeAndDefault) {
  const std::string ex = sb::Config::example(table(), "stockbridge-agent 0.1.0");
  CHECK_EQUAL(0, ex.rfind("# stockbridge-agent 0.1.0\n", 0));
  for (const sb::Setting& s : table()) {
    CHECK_TRUE_TEXT(contains(ex, s.name), s.name.c_str());
  }
  CHECK_TRUE(contains(ex, "# MQTT keep-alive interval.\n# type: duration"));
  CHECK_TRUE(contains(ex, "\n# mqtt.keepalive = 30s\n"));
  CHECK_TRUE(contains(ex, "\n# journal.map_size = 16GiB\n"));
  CHECK_TRUE(contains(ex, "\n# mqtt.tls = true\n"));
  CHECK_TRUE(contains(ex, "# type: boolean"));
  CHECK_TRUE(contains(ex, "# type: integer"));
  CHECK_TRUE(contains(ex, "# type: size"));
  CHECK_TRUE(contains(ex, "# type: path"));
  CHECK_TRUE(contains(ex, "# type: string"));
  // No default: an active line for the operator to fill in.
  CHECK_TRUE(contains(ex, "# The site's identifier, as in its certificate.\n# type: string\nsite.id =\n"));
  // Multi-line descriptions stay comments; secrets are marked.
  CHECK_TRUE(contains(ex, "# Broker password.\n# Prefer a client certificate.\n# type: string; secret"));
  // Defaults that need quotes are quoted.
  CHECK_TRUE(contains(ex, "\n# site.name = Main warehouse\n"));
}

TEST(ConfigExample, ParsesBackToTheDefaults) {
  const std::string ex = sb::Config::example(table(), "title");
  sb::Result<sb::Config> r = sb::Config::parse(ex, table(), "example.conf");
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  STRCMP_EQUAL(parse_ok("").effective().c_str(), r->effective().c_str());
}

TEST(ConfigExample, UncommentedDefaultsParseToo) {
  // An operator who removes every '#' before a setting gets the same values.
  std::string ex = sb::Config::example(table(), "title");
  std::string uncommented;
  size_t pos = 0;
  while (pos < ex.size()) {
    size_t end = ex.find('\n', pos);
    std::string line = ex.substr(pos, end - pos);
    for (const sb::Setting& s : table()) {
      if (line.rfind("# " + s.name + " = ", 0) == 0) line = line.substr(2);
    }
    uncommented += line + "\n";
    pos = end + 1;
  }
  sb::Result<sb::Config> r = sb::Config::parse(uncommented, table(), "example.conf");
  CHECK_TRUE_TEXT(r.ok(), (r.status().to_string() + "\n" + uncommented).c_str());
  STRCMP_EQUAL(parse_ok("").effective().c_str(), r->effective().c_str());
}

TEST_GROUP(ConfigEffective){};

TEST(ConfigEffective, PrintsEveryValueAndMasksSecrets) {
  sb::Config c = parse_ok("site.id = lyon-1\nmqtt.password = hunter2\nmqtt.keepalive = 5s\n");
  const std::string eff = c.effective();
  CHECK_TRUE(contains(eff, "site.id = lyon-1\n"));
  CHECK_TRUE(contains(eff, "mqtt.keepalive = 5s\n"));
  CHECK_TRUE(contains(eff, "journal.map_size = 16GiB\n"));
  CHECK_TRUE(contains(eff, "mqtt.password = ********\n"));
  CHECK_FALSE(contains(eff, "hunter2"));
  size_t lines = 0;
  for (char ch : eff) lines += ch == '\n';
  CHECK_EQUAL(table().size(), lines);
}

TEST(ConfigEffective, UnsetSecretShowsAsEmpty) {
  CHECK_TRUE(contains(parse_ok("").effective(), "mqtt.password =\n"));
}

TEST(ConfigEffective, OutputParsesBackToTheSameValues) {
  sb::SettingTable t = table();
  t[7].secret = false;  // a masked secret could not round-trip
  sb::Result<sb::Config> a = sb::Config::parse(
      "site.name = \" spaced # name \"\nmqtt.password = \"say \\\"hi\\\"\"\nmqtt.tls = no\n", t);
  CHECK_TRUE_TEXT(a.ok(), a.status().to_string().c_str());
  sb::Result<sb::Config> b = sb::Config::parse(a->effective(), t);
  CHECK_TRUE_TEXT(b.ok(), (b.status().to_string() + "\n" + a->effective()).c_str());
  STRCMP_EQUAL(" spaced # name ", b->str("site.name").c_str());
  STRCMP_EQUAL("say \"hi\"", b->str("mqtt.password").c_str());
  STRCMP_EQUAL(a->effective().c_str(), b->effective().c_str());
}
