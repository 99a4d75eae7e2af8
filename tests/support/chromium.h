// Headless Chromium (Debian's `chromium`) for the page tests: the DOM as a
// person's browser renders it (--dump-dom), screenshots, and a browser a test
// drives through the DevTools protocol (a WebSocket on loopback) to fill in
// and send a page's own forms, cookies and all.
// Thread-safety: one Browser is used by one thread.
#pragma once

#include <memory>
#include <string>

#include "platform/core/status.h"
#include "tests/support/process.h"

namespace sb::testing {

// The browser to run: $CHROMIUM, else `chromium` on PATH; "" when there is none.
std::string chromium_path();

// The DOM of `url` after it loaded, as Chromium serialises it.
Result<std::string> dump_dom(const std::string& url, const std::string& scratch_dir);

class Browser {
 public:
  // Starts a headless Chromium with its own profile under scratch_dir and a
  // window of width x height (CSS pixels), and attaches to its page.
  static Result<std::unique_ptr<Browser>> launch(const std::string& scratch_dir, int width = 1280, int height = 900);
  ~Browser();

  // Loads `url` and waits until the document is complete.
  Status navigate(const std::string& url);
  // Runs `js` in the page; its value as text (strings as they are, the rest as JSON).
  Result<std::string> evaluate(const std::string& js);
  // Runs `js`, which makes the page go somewhere (a click on a form's button),
  // and waits until the next document is complete.
  Status act_and_wait(const std::string& js);
  // The rendered DOM.
  Result<std::string> dom() { return evaluate("document.documentElement.outerHTML"); }
  // A PNG of the page as it now looks (the whole page, not only the window).
  Status screenshot(const std::string& png_path);
  // Forgets every cookie (as if the session had ended in this browser).
  Status clear_cookies();
  // Makes the window a phone's or tablet's (width x height, touch, mobile layout).
  Status emulate(int width, int height, bool mobile);

 private:
  struct Impl;
  explicit Browser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::testing
