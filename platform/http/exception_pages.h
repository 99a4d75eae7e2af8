// The exception pages both programs serve to people, beside the JSON API of
// exception_routes.h and with the same rules:
//
//   GET  /exceptions                    the list, filtered by class, owner, state and site
//   GET  /exceptions/{id}               one exception: what it means, who owns it, the
//                                       held work, the trail, and the action forms
//   POST /exceptions/{id}/retry         form fields: csrf, note
//   POST /exceptions/{id}/edit          form fields: csrf, note, field.<name> for each editable field
//   POST /exceptions/{id}/discard       form fields: csrf, reason (required)
//
// The forms are shown to a signed-in person only, and a POST is accepted only
// from one (WebSessions::check_form: session cookie, CSRF token, Origin);
// otherwise 401/403 with the page saying why, and nothing changes. A closed
// exception answers 409. After an action the browser is sent back to the
// exception's page (303), which then says what was done.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/http/exception_routes.h"
#include "platform/http/html.h"
#include "platform/http/web_session.h"

namespace sb {

// What the pages say about each class (the programs pass in the shared
// vocabulary; platform/ does not know it).
struct ExceptionClassText {
  std::string name, owner, meaning, fix;
};
using ExceptionVocabulary = std::vector<ExceptionClassText>;

// The filter a list page was asked for: class, owner, site, state ("unclosed"
// when not given, "all" for every state).
ExceptionFilter exception_filter_from(const HttpRequest& req);

// The filter form (GET to `action`), with the classes and owners of the vocabulary.
std::string exception_filter_form(const std::string& action, const ExceptionFilter& filter,
                                  const ExceptionVocabulary& vocabulary, bool with_site);

// A table of exceptions, each id linking to its page; "nothing here" when empty.
std::string exception_table(const std::vector<ExceptionRecord>& records, int64_t now_ms, bool with_site);

struct ExceptionPagesContext {
  ExceptionBook* book = nullptr;
  ExceptionActions* actions = nullptr;
  WebSessions* sessions = nullptr;
  const Clock* clock = nullptr;
  html::Chrome chrome;
  ExceptionVocabulary vocabulary;
  bool with_site = false;  // the relay's pages show each exception's site
};

// Adds the pages; `ctx` must outlive the router.
void add_exception_pages(Router& router, const ExceptionPagesContext& ctx);

}  // namespace sb
