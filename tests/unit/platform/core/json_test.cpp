// The JSON parser every request body goes through: what it accepts, what it
// refuses (with the byte and the reason), and that output is valid JSON.
#include <string>

#include "platform/core/json.h"

#include <CppUTest/TestHarness.h>

using sb::Json;

namespace {

std::string error_of(const std::string& text) {
  sb::Result<Json> r = Json::parse(text);
  return r.ok() ? "OK" : r.status().message();
}

}  // namespace

TEST_GROUP(Json) {};

TEST(Json, ParsesEveryType) {
  sb::Result<Json> r = Json::parse(R"( {"s":"text","n":-12,"f":1.5e3,"t":true,"x":false,"z":null,"a":[1,[2]],"o":{"k":"v"}} )");
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  STRCMP_EQUAL("text", r->get_string("s").c_str());
  int64_t n = 0;
  CHECK(r->find("n")->as_int64(&n));
  LONGS_EQUAL(-12, n);
  DOUBLES_EQUAL(1500.0, r->find("f")->as_double(), 1e-9);
  CHECK_FALSE(r->find("f")->as_int64(&n));  // not an integer
  CHECK(r->find("t")->as_bool());
  CHECK_FALSE(r->find("x")->as_bool());
  CHECK(r->find("z")->is_null());
  LONGS_EQUAL(2, r->find("a")->items().size());
  STRCMP_EQUAL("v", r->find("o")->get_string("k").c_str());
  CHECK(r->find("missing") == nullptr);
}

TEST(Json, IntegersKeepAll64Bits) {
  sb::Result<Json> r = Json::parse("[9223372036854775807,-9223372036854775808,9223372036854775808]");
  int64_t v = 0;
  CHECK(r->items()[0].as_int64(&v));
  CHECK(v == INT64_MAX);
  CHECK(r->items()[1].as_int64(&v));
  CHECK(v == INT64_MIN);
  CHECK_FALSE(r->items()[2].as_int64(&v));  // out of range is refused, not wrapped
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  sb::Result<Json> r = Json::parse(R"(["a\"b\\c\/d\n\t", "\u00e9\u20ac", "\ud83d\ude00"])");
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  STRCMP_EQUAL("a\"b\\c/d\n\t", r->items()[0].as_string().c_str());
  STRCMP_EQUAL("\xC3\xA9\xE2\x82\xAC", r->items()[1].as_string().c_str());
  STRCMP_EQUAL("\xF0\x9F\x98\x80", r->items()[2].as_string().c_str());
}

TEST(Json, AcceptsUtf8TextAndRefusesAnythingElse) {
  CHECK(Json::parse("\"Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"").ok());
  // A Windows-1252 byte, an overlong form, a surrogate, a truncated sequence, beyond U+10FFFF:
  for (const char* bad : {"\"Caf\xE9\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xE2\x82\"", "\"\xF4\x90\x80\x80\""}) {
    std::string e = error_of(bad);
    CHECK_TRUE_TEXT(e.find("invalid UTF-8") != std::string::npos, e.c_str());
  }
}

TEST(Json, ErrorsSayWhereAndWhat) {
  STRCMP_EQUAL("malformed JSON at byte 0: unexpected end of input, expected a value", error_of("").c_str());
  STRCMP_EQUAL("malformed JSON at byte 5: expected ':' after object key", error_of(R"({"a" 1})").c_str());
  STRCMP_EQUAL("malformed JSON at byte 8: unexpected text after the JSON value", error_of("{\"a\":1} x").c_str());
  CHECK(error_of(R"({"a":1,"a":2})").find("duplicate key \"a\"") != std::string::npos);
  CHECK(error_of("[1,]").find("unexpected character ']'") != std::string::npos);
  CHECK(error_of("\"tab\there\"").find("control character") != std::string::npos);
  CHECK(error_of("01").find("unexpected text") != std::string::npos);
  CHECK(error_of("[1.]").find("expected a digit after '.'") != std::string::npos);
  CHECK(error_of(R"("\ud800")").find("unpaired surrogate") != std::string::npos);
  CHECK(error_of("tru").find("expected 'true'") != std::string::npos);
}

TEST(Json, RefusesNestingDeeperThanTheLimit) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK(error_of(deep).find("nested deeper than 64 levels") != std::string::npos);
  std::string ok(60, '[');
  ok += std::string(60, ']');
  CHECK(Json::parse(ok).ok());
}

TEST(Json, DuplicateKeysAreFoundInLargeObjectsToo) {
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  CHECK(Json::parse(big + "\"last\":0}").ok());
  CHECK(error_of(big + "\"k3\":0}").find("duplicate key \"k3\"") != std::string::npos);
  CHECK(error_of(big + "\"k39\":0}").find("duplicate key \"k39\"") != std::string::npos);
}

TEST(Json, DumpIsCompactValidAndRoundTrips) {
  Json o = Json::object();
  o.set("id", Json::string("q\"\n\x01"));
  o.set("n", Json::number(int64_t{42}));
  o.set("d", Json::number(0.5));
  o.set("nan", Json::number(0.0 / 0.0));  // JSON has no NaN
  Json& list = o.set("list", Json::array());
  list.push(Json::boolean(true));
  list.push(Json());
  std::string text = o.dump();
  STRCMP_EQUAL(R"({"id":"q\"\n\u0001","n":42,"d":0.5,"nan":0,"list":[true,null]})", text.c_str());
  sb::Result<Json> back = Json::parse(text);
  CHECK(back.ok());
  STRCMP_EQUAL(text.c_str(), back->dump().c_str());
  o.set("n", Json::number(int64_t{7}));  // set replaces
  CHECK(o.dump().find("\"n\":7") != std::string::npos);
}
