// WebSessions: signing in to a program's own web pages, for the actions a
// person takes there (retry, edit, discard an exception).
//
// A person signs in with the same users file as the API (AdminUsers) through
// the page's form (POST /login). The answer sets a session cookie:
// random 256-bit token, HttpOnly, SameSite=Strict, Path=/ (Secure when the
// program serves HTTPS). Every form that changes something carries the
// session's own CSRF token in a hidden field; a POST is accepted only with the
// cookie, the matching token and an Origin that is this host's (or none). A
// GET never changes anything. Sessions live in memory: they end after
// `idle` without use, after `lifetime` in all, on sign-out, and when the
// program restarts. Wrong passwords count toward AdminUsers' flood limit.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "platform/core/clock.h"
#include "platform/http/admin_auth.h"
#include "platform/http/html.h"
#include "platform/http/http.h"

namespace sb {

struct WebSession {
  std::string user;
  std::string csrf;
};

class WebSessions {
 public:
  struct Options {
    std::string cookie_name = "sb_session";  // one per program: the agent and relay may share a host
    Millis idle{30LL * 60 * 1000};
    Millis lifetime{12LL * 3600 * 1000};
    bool secure_cookie = false;               // set when served over HTTPS
    size_t max_sessions = 256;                // the oldest goes first beyond it
  };
  WebSessions(std::shared_ptr<const AdminUsers> users, const Clock& clock, Options options);

  // The signed-in person of this request (its cookie names a live session), else nullopt.
  std::optional<WebSession> current(const HttpRequest& req);

  // Checks a form POST that changes something. The person's name, or a refusal:
  // 401 without a live session, 403 when the CSRF token does not match or the
  // Origin is another site's.
  struct FormCheck {
    std::optional<std::string> user;
    int status = 0;
    std::string why;
  };
  FormCheck check_form(const HttpRequest& req, const std::map<std::string, std::string>& form);

  // A page's options for this request: its title and refresh, where sign-in
  // comes back to (the path and query), and the signed-in person and their form token.
  html::PageOptions page_options(const HttpRequest& req, const std::string& title, int refresh_s);

  // GET /login, POST /login, POST /logout; the sign-in page uses `chrome`.
  void add_routes(Router& router, html::Chrome chrome);

  size_t size();

 private:
  struct Live {
    WebSession session;
    int64_t created_ms = 0;
    int64_t used_ms = 0;
  };
  std::string cookie_token(const HttpRequest& req) const;
  HttpResponse login_page(const HttpRequest& req, const html::Chrome& chrome, const std::string& message, int status);
  HttpResponse login(const HttpRequest& req, const html::Chrome& chrome);
  HttpResponse logout(const HttpRequest& req);

  std::shared_ptr<const AdminUsers> users_;
  const Clock& clock_;
  Options options_;
  std::mutex mu_;
  std::map<std::string, Live> live_;  // token -> session
};

// A path of this program to go back to after signing in: only "/..." and never
// "//host" (so a link cannot send a person elsewhere); "/" otherwise.
std::string local_path(const std::string& next);

}  // namespace sb
