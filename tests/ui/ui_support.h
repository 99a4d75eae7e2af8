// What the page tests share: a signed-in person, screenshots, and reading the
// rendered DOM.
#pragma once

#include <string>

#include "platform/core/status.h"
#include "tests/support/chromium.h"
#include "tests/support/temp_dir.h"

namespace sb::ui {

constexpr char kLead[] = "lead";
constexpr char kPassword[] = "dock-lead-pass";

// A users file (admin.users_file) naming the one person who acts.
struct Admins {
  testing::TempDir dir{"ui-admins"};
  std::string users = dir.file("users");
  Admins();
};

// Where screenshots go: $STOCKBRIDGE_SCREENSHOTS, else <build>/ui-screenshots.
std::string screenshot_dir();

// The text between the opening tag of the element with id="<id>" and its end
// tag (good enough for the server-rendered pages: no nesting of the same tag
// inside the element is assumed for leaf elements); "" when absent.
std::string element_text(const std::string& dom, const std::string& id);
// The value of attribute `attr` on the element with id="<id>"; "" when absent.
std::string element_attr(const std::string& dom, const std::string& id, const std::string& attr);
// The DOM with tags removed and entities for & < > " ' decoded, whitespace collapsed.
std::string visible_text(const std::string& dom);

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The DOM of a page as headless Chromium renders it (dump_dom in a scratch directory).
Result<std::string> page_dom(const std::string& url);

// Signs in through the page's own form and waits for the page it leads to.
Status sign_in(testing::Browser& browser, const std::string& base_url, const std::string& next,
               const std::string& user = kLead, const std::string& password = kPassword);

}  // namespace sb::ui

// In a test (after CppUTest's header): `text` holds `part`, else the failure shows the text.
#define CHECK_CONTAINS(text, part)                                                                    \
  CHECK_TRUE_TEXT(::sb::ui::contains((text), (part)),                                                 \
                  (std::string("expected '") + (part) + "' in: " + std::string(text).substr(0, 600)).c_str())
