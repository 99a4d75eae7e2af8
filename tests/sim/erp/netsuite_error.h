// NetSuite-shaped error answers.
//
// Every failure the simulator reports, including injected ones, has the body
// NetSuite's REST API uses, so a client's error parsing is exercised by all of
// them:
//   {"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
//    "title":"Bad Request","status":400,
//    "o:errorDetails":[{"detail":"...","o:errorCode":"...","o:errorPath":"..."}]}
// o:errorPath appears only when the error concerns one field, as in NetSuite.
#pragma once

#include <string>

#include "sim_http.h"

namespace sb::erpsim {

// Error codes the simulator answers with (NetSuite's names).
namespace error_code {
inline constexpr const char* kUserError = "USER_ERROR";
inline constexpr const char* kInvalidKeyOrRef = "INVALID_KEY_OR_REF";
inline constexpr const char* kInvalidContent = "INVALID_CONTENT";
inline constexpr const char* kDuplicateRecord = "DUP_RCRD";
inline constexpr const char* kNonexistentId = "NONEXISTENT_ID";
inline constexpr const char* kInvalidParameter = "INVALID_PARAMETER";
inline constexpr const char* kInvalidHeader = "INVALID_HEADER";
inline constexpr const char* kInvalidLogin = "INVALID_LOGIN";
inline constexpr const char* kConcurrencyLimit = "CONCURRENCY_LIMIT_EXCEEDED";
inline constexpr const char* kUnexpectedError = "UNEXPECTED_ERROR";
inline constexpr const char* kServiceUnavailable = "SERVICE_UNAVAILABLE";
inline constexpr const char* kInvalidUrl = "INVALID_URL";
inline constexpr const char* kMethodNotAllowed = "METHOD_NOT_ALLOWED";
inline constexpr const char* kContentTooLarge = "CONTENT_TOO_LARGE";
}  // namespace error_code

SimResponse netsuite_error(int status, const std::string& code, const std::string& detail,
                           const std::string& error_path = "");

// 429 CONCURRENCY_LIMIT_EXCEEDED with Retry-After: the answer to a request
// over the concurrency limit, and to an injected throttle (they must look alike).
SimResponse too_many_requests(int retry_after_s);

}  // namespace sb::erpsim
