// Status and Result: the error currency every module returns.
#include <memory>
#include <set>
#include <string>

#include "platform/core/status.h"

#include <CppUTest/TestHarness.h>

namespace {

sb::Status fails_with(sb::Code code) { return {code, "why"}; }

sb::Status forwards(sb::Code code, bool* reached_end) {
  SB_RETURN_IF_ERROR(fails_with(code));
  *reached_end = true;
  return sb::Status::Ok();
}

sb::Result<int> parse_positive(int v) {
  if (v <= 0) return sb::Status::InvalidArgument("not positive: " + std::to_string(v));
  return v;
}

}  // namespace

TEST_GROUP(Status){};

TEST(Status, DefaultIsOkWithNoMessage) {
  sb::Status s;
  CHECK_TRUE(s.ok());
  CHECK(s.code() == sb::Code::kOk);
  STRCMP_EQUAL("OK", s.to_string().c_str());
  CHECK_FALSE(s.ambiguous());
}

TEST(Status, ToStringNamesCodeAndMessage) {
  STRCMP_EQUAL("IO_ERROR: fsync failed: Input/output error",
               sb::Status::IoError("fsync failed: Input/output error").to_string().c_str());
  STRCMP_EQUAL("UNAVAILABLE", sb::Status::Unavailable("").to_string().c_str());
}

TEST(Status, FactoriesSetTheirCodes) {
  CHECK(sb::Status::InvalidArgument("x").code() == sb::Code::kInvalidArgument);
  CHECK(sb::Status::NotFound("x").code() == sb::Code::kNotFound);
  CHECK(sb::Status::AlreadyExists("x").code() == sb::Code::kAlreadyExists);
  CHECK(sb::Status::FailedPrecondition("x").code() == sb::Code::kFailedPrecondition);
  CHECK(sb::Status::ResourceExhausted("x").code() == sb::Code::kResourceExhausted);
  CHECK(sb::Status::Unavailable("x").code() == sb::Code::kUnavailable);
  CHECK(sb::Status::Timeout("x").code() == sb::Code::kTimeout);
  CHECK(sb::Status::ConnectionLost("x").code() == sb::Code::kConnectionLost);
  CHECK(sb::Status::IoError("x").code() == sb::Code::kIoError);
  CHECK(sb::Status::Corruption("x").code() == sb::Code::kCorruption);
  CHECK(sb::Status::Internal("x").code() == sb::Code::kInternal);
  STRCMP_EQUAL("x", sb::Status::Internal("x").message().c_str());
}

TEST(Status, EveryCodeHasItsOwnName) {
  std::set<std::string> names;
  for (int c = static_cast<int>(sb::Code::kOk); c <= static_cast<int>(sb::Code::kInternal); ++c) {
    std::string name = sb::code_name(static_cast<sb::Code>(c));
    CHECK(name != "UNKNOWN");
    CHECK_TRUE(names.insert(name).second);
  }
}

TEST(Status, OnlyTimeoutAndConnectionLostAreAmbiguous) {
  // Callers look an ERP record up before posting again exactly in these cases.
  for (int c = static_cast<int>(sb::Code::kOk); c <= static_cast<int>(sb::Code::kInternal); ++c) {
    auto code = static_cast<sb::Code>(c);
    bool expected = code == sb::Code::kTimeout || code == sb::Code::kConnectionLost;
    CHECK_EQUAL(expected, sb::Status(code, "m").ambiguous());
  }
}

TEST(Status, ReturnIfErrorStopsAtTheFirstFailure) {
  bool reached = false;
  sb::Status s = forwards(sb::Code::kCorruption, &reached);
  CHECK(s.code() == sb::Code::kCorruption);
  STRCMP_EQUAL("why", s.message().c_str());
  CHECK_FALSE(reached);
  CHECK_TRUE(forwards(sb::Code::kOk, &reached).ok());
  CHECK_TRUE(reached);
}

TEST_GROUP(Result){};

TEST(Result, HoldsAValue) {
  sb::Result<int> r = parse_positive(7);
  CHECK_TRUE(r.ok());
  CHECK_EQUAL(7, r.value());
  CHECK_EQUAL(7, *r);
  CHECK_TRUE(r.status().ok());
}

TEST(Result, HoldsTheStatusWhyNot) {
  sb::Result<int> r = parse_positive(-2);
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == sb::Code::kInvalidArgument);
  STRCMP_EQUAL("not positive: -2", r.status().message().c_str());
}

TEST(Result, MovesOutMoveOnlyValues) {
  sb::Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("journal");
  CHECK_TRUE(r.ok());
  STRCMP_EQUAL("journal", r->get()->c_str());
  std::unique_ptr<std::string> taken = std::move(r).value();
  STRCMP_EQUAL("journal", taken->c_str());
}

TEST(Result, ReturnIfErrorWorksInFunctionsReturningResult) {
  auto f = [](sb::Code code) -> sb::Result<std::string> {
    SB_RETURN_IF_ERROR(fails_with(code));
    return std::string("done");
  };
  CHECK(f(sb::Code::kTimeout).status().code() == sb::Code::kTimeout);
  STRCMP_EQUAL("done", f(sb::Code::kOk).value().c_str());
}
