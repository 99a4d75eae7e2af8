// Log lines are what operators grep and ship: each must be one valid JSON object.
#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/log.h"

#include <CppUTest/TestHarness.h>

namespace {

std::mutex g_mu;
std::vector<std::string> g_lines;

Poco::JSON::Object::Ptr parse_line(const std::string& line) {
  Poco::JSON::Parser parser;
  try {
    return parser.parse(line).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    FAIL(("not JSON: " + line + " (" + e.displayText() + ")").c_str());
  }
  return nullptr;
}

std::vector<std::string> lines() {
  std::lock_guard lock(g_mu);
  return g_lines;
}

}  // namespace

TEST_GROUP(Log) {
  void setup() override {
    g_lines.clear();
    sb::log::set_level(sb::log::Level::kDebug);
    sb::log::set_sink([](std::string_view line) {
      std::lock_guard lock(g_mu);
      g_lines.emplace_back(line);
    });
  }
  void teardown() override {
    sb::log::set_sink(nullptr);
    sb::log::set_level(sb::log::Level::kInfo);
  }
};

TEST(Log, WritesOneJsonObjectPerLine) {
  sb::log::info("journal", "opened", {{"events", 42}, {"path", "/data/journal"}});
  auto got = lines();
  CHECK_EQUAL(1, got.size());
  CHECK(got[0].find('\n') == std::string::npos);  // the sink gets the line without its newline
  auto obj = parse_line(got[0]);
  STRCMP_EQUAL("info", obj->getValue<std::string>("level").c_str());
  STRCMP_EQUAL("journal", obj->getValue<std::string>("component").c_str());
  STRCMP_EQUAL("opened", obj->getValue<std::string>("msg").c_str());
  CHECK_EQUAL(42, obj->getValue<int64_t>("events"));
  STRCMP_EQUAL("/data/journal", obj->getValue<std::string>("path").c_str());
}

TEST(Log, TimestampIsIsoUtcAndCurrent) {
  const int64_t before = sb::SystemClock::instance().wall_ms();
  sb::log::warn("c", "m");
  const int64_t after = sb::SystemClock::instance().wall_ms();
  int64_t ts = 0;
  CHECK_TRUE(sb::parse_iso8601(parse_line(lines().at(0))->getValue<std::string>("ts"), &ts));
  CHECK_TRUE(ts >= before && ts <= after);
}

TEST(Log, EscapesWhatWouldBreakTheLine) {
  const std::string nasty = "quote\" backslash\\ newline\n return\r tab\t bell\x07 nul-free \x1f end";
  const std::string utf8 = "Lagerplatz Größe 東京";
  sb::log::error("clarus \"adapter\"", nasty, {{"key\nwith newline", nasty}, {"utf8", utf8}});
  auto got = lines();
  CHECK_EQUAL(1, got.size());
  CHECK(got[0].find('\n') == std::string::npos);
  CHECK(got[0].find('\r') == std::string::npos);
  auto obj = parse_line(got[0]);
  STRCMP_EQUAL(nasty.c_str(), obj->getValue<std::string>("msg").c_str());
  STRCMP_EQUAL("clarus \"adapter\"", obj->getValue<std::string>("component").c_str());
  STRCMP_EQUAL(nasty.c_str(), obj->getValue<std::string>("key\nwith newline").c_str());
  STRCMP_EQUAL(utf8.c_str(), obj->getValue<std::string>("utf8").c_str());
}

TEST(Log, FieldsKeepTheirJsonTypes) {
  sb::log::info("c", "m", {{"i", -7}, {"big", static_cast<long long>(INT64_MAX)}, {"u", 3u},
                           {"d", 0.25}, {"yes", true}, {"no", false}, {"s", "text"}});
  auto obj = parse_line(lines().at(0));
  CHECK_EQUAL(-7, obj->getValue<int64_t>("i"));
  CHECK_EQUAL(INT64_MAX, obj->getValue<int64_t>("big"));
  CHECK_EQUAL(3, obj->getValue<int64_t>("u"));
  DOUBLES_EQUAL(0.25, obj->getValue<double>("d"), 1e-12);
  CHECK_TRUE(obj->get("yes").isBoolean() && obj->getValue<bool>("yes"));
  CHECK_TRUE(obj->get("no").isBoolean() && !obj->getValue<bool>("no"));
  CHECK_TRUE(obj->get("s").isString());
  CHECK_TRUE(obj->get("i").isInteger());
}

TEST(Log, NonFiniteNumbersBecomeNull) {
  sb::log::info("c", "m", {{"rate", 0.0 / 0.0}, {"eta", 1.0 / 0.0}});
  auto obj = parse_line(lines().at(0));
  CHECK_TRUE(obj->isNull("rate"));
  CHECK_TRUE(obj->isNull("eta"));
}

TEST(Log, LevelFiltersLowerLevels) {
  sb::log::set_level(sb::log::Level::kWarn);
  sb::log::debug("c", "debug");
  sb::log::info("c", "info");
  sb::log::warn("c", "warn");
  sb::log::error("c", "error");
  auto got = lines();
  CHECK_EQUAL(2, got.size());
  STRCMP_EQUAL("warn", parse_line(got[0])->getValue<std::string>("msg").c_str());
  STRCMP_EQUAL("error", parse_line(got[1])->getValue<std::string>("level").c_str());
}

TEST(Log, DebugIsOffByDefaultLevel) {
  sb::log::set_level(sb::log::Level::kInfo);
  sb::log::debug("c", "hidden");
  CHECK_EQUAL(0, lines().size());
}

TEST(Log, ParsesLevelNames) {
  sb::log::Level l = sb::log::Level::kInfo;
  CHECK_TRUE(sb::log::parse_level("debug", &l));
  CHECK(l == sb::log::Level::kDebug);
  CHECK_TRUE(sb::log::parse_level("error", &l));
  CHECK(l == sb::log::Level::kError);
  CHECK_TRUE(sb::log::parse_level("warn", &l));
  CHECK(l == sb::log::Level::kWarn);
  CHECK_FALSE(sb::log::parse_level("verbose", &l));
  CHECK(l == sb::log::Level::kWarn);
}

TEST(Log, LinesFromManyThreadsStayWhole) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) sb::log::info("worker", "tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  auto got = lines();
  CHECK_EQUAL(1600, got.size());
  for (const auto& line : got) parse_line(line);
}

TEST_GROUP(AppendJsonString){};

TEST(AppendJsonString, QuotesAndEscapesPerRfc8259) {
  std::string out = "x=";
  sb::log::append_json_string(out, std::string_view("a\"b\\c\n\x01\x7f", 8));
  STRCMP_EQUAL("x=\"a\\\"b\\\\c\\n\\u0001\x7f\"", out.c_str());
  std::string empty;
  sb::log::append_json_string(empty, "");
  STRCMP_EQUAL("\"\"", empty.c_str());
}
