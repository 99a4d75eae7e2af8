// Small parts for the programs' own web pages: the agent's status page that a
// warehouse lead opens during an outage, and the relay's fleet page.
//
// The pages are rendered on the server, one self-contained document each: the
// style sheet is inline, there is no script and no external asset, so a page
// works with no internet, on a phone or a tablet, and reads the same to a
// headless browser in the tests. A list page refreshes itself with a meta
// refresh; pages with a form do not (a refresh would lose what is typed).
// Every page answer carries no-store, a Content-Security-Policy that allows
// only inline style and same-origin forms, and refuses framing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/http/http.h"

namespace sb::html {

// Text made safe for HTML element content and quoted attribute values.
std::string escape(std::string_view text);

// The fields of an application/x-www-form-urlencoded body (a later field of
// the same name wins).
std::map<std::string, std::string> parse_form(std::string_view body);

struct Chrome {
  std::string program;                                // "Stockbridge agent"
  std::string place;                                  // "site WH1"
  std::vector<std::pair<std::string, std::string>> nav;  // label, path
};

struct PageOptions {
  std::string title;
  int refresh_s = 0;      // 0 = no automatic refresh
  std::string user;       // the signed-in person ("" = nobody)
  std::string csrf;       // their form token (for the sign-out form)
  std::string here;       // this page's path, for "sign in" to come back to
};

// A whole document: head, inline style, the header with navigation and the
// sign-in state, then `body`.
std::string page(const Chrome& chrome, const PageOptions& options, std::string_view body);

// text/html answer with the headers every page carries.
HttpResponse respond(int status, std::string document);
// 303 See Other to a path of this program (a form's answer).
HttpResponse see_other(const std::string& path);

// "3 s", "12 min", "2 h 05 min", "3 d 4 h": how long, for people.
std::string duration_text(int64_t seconds);
// A time of day on this gateway's clock ("10:42:07"), with the date when not
// today ("26 Nov 10:42"); "never" for 0.
std::string time_text(int64_t wall_ms, int64_t now_ms);
// 1234567 -> "1,234,567".
std::string count_text(uint64_t n);
// A bar showing `fraction` (0..1) done, with a text label inside for readers.
std::string progress_bar(double fraction, std::string_view label);
// <span class="pill {tone}">text</span>; tone: ok, warn, bad, idle.
std::string pill(std::string_view tone, std::string_view text);

}  // namespace sb::html
