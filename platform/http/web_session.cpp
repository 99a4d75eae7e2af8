#include "platform/http/web_session.h"

#include <openssl/rand.h>

#include <string_view>

#include "platform/core/log.h"
#include "platform/http/exception_routes.h"

namespace sb {
namespace {

constexpr char kLog[] = "web";

// 32 random bytes as hex; "" if the system's random source fails (then nobody can sign in).
std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

std::string local_path(const std::string& next) {
  // Browsers drop tabs and newlines from a URL before reading it ("/\t/evil"
  // becomes "//evil"), so any control character makes the path unsafe.
  for (char c : next) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "/";
  }
  if (next.empty() || next[0] != '/' || (next.size() > 1 && (next[1] == '/' || next[1] == '\\'))) return "/";
  return next;
}

WebSessions::WebSessions(std::shared_ptr<const AdminUsers> users, const Clock& clock, Options options)
    : users_(std::move(users)), clock_(clock), options_(std::move(options)) {}

std::string WebSessions::cookie_token(const HttpRequest& req) const {
  const std::string cookies = req.header("Cookie");
  std::string_view rest = cookies;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == options_.cookie_name) return std::string(part.substr(eq + 1));
  }
  return "";
}

std::optional<WebSession> WebSessions::current(const HttpRequest& req) {
  const std::string token = cookie_token(req);
  if (token.empty()) return std::nullopt;
  const int64_t now = clock_.mono_ms();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(token);
  if (it == live_.end()) return std::nullopt;
  if (now - it->second.used_ms > options_.idle.count() || now - it->second.created_ms > options_.lifetime.count()) {
    live_.erase(it);
    return std::nullopt;
  }
  it->second.used_ms = now;
  return it->second.session;
}

WebSessions::FormCheck WebSessions::check_form(const HttpRequest& req, const std::map<std::string, std::string>& form) {
  FormCheck c;
  if (!same_origin(req)) {
    c.status = 403;
    c.why = "this form was sent from another site's page";
    return c;
  }
  std::optional<WebSession> s = current(req);
  if (!s) {
    c.status = 401;
    c.why = "sign in first (or your session has ended)";
    return c;
  }
  auto token = form.find("csrf");
  if (token == form.end() || !same_secret(token->second, s->csrf)) {
    c.status = 403;
    c.why = "the form's security token does not match your session: reload the page and try again";
    log::warn(kLog, "refused a form without this session's token", {{"who", s->user}, {"path", req.path}});
    return c;
  }
  c.user = s->user;
  return c;
}

html::PageOptions WebSessions::page_options(const HttpRequest& req, const std::string& title, int refresh_s) {
  html::PageOptions po;
  po.title = title;
  po.refresh_s = refresh_s;
  po.here = req.path + (req.query.empty() ? "" : "?" + req.query);
  if (std::optional<WebSession> s = current(req)) {
    po.user = s->user;
    po.csrf = s->csrf;
  }
  return po;
}

size_t WebSessions::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.size();
}

HttpResponse WebSessions::login_page(const HttpRequest& req, const html::Chrome& chrome, const std::string& message,
                                     int status) {
  const std::string next = local_path(req.method == "GET" ? req.query_param("next") : html::parse_form(req.body)["next"]);
  std::string b = "<h1>Sign in</h1>";
  if (!message.empty()) b += "<div class=\"notice bad\" id=\"login-error\">" + html::escape(message) + "</div>";
  if (!users_ || users_->empty()) {
    b += "<p class=\"notice bad\">No one can sign in here: no admin users are configured (admin.users_file). "
         "Reading this program's pages needs no sign-in.</p>";
  }
  b += "<form method=\"post\" action=\"/login\" class=\"card\" style=\"max-width:24rem\">"
       "<input type=\"hidden\" name=\"next\" value=\"" + html::escape(next) + "\">"
       "<p><label for=\"user\">Name</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required></p>"
       "<p><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
       "autocomplete=\"current-password\" required></p>"
       "<button type=\"submit\" id=\"login-submit\">Sign in</button></form>"
       "<p class=\"muted\">Actions on exceptions need a sign-in; everything else on these pages is open to read.</p>";
  html::PageOptions po;
  po.title = "Sign in";
  po.here = next;
  return html::respond(status, html::page(chrome, po, b));
}

HttpResponse WebSessions::login(const HttpRequest& req, const html::Chrome& chrome) {
  if (!same_origin(req)) return login_page(req, chrome, "this sign-in came from another site's page", 403);
  std::map<std::string, std::string> form = html::parse_form(req.body);
  const std::string name = form["user"];
  std::optional<std::string> who = users_ ? users_->check(name, form["password"]) : std::nullopt;
  if (!who) {
    log::warn(kLog, "a sign-in failed", {{"user", name}, {"remote", req.remote_address}});
    return login_page(req, chrome, "Unknown name or wrong password.", 401);
  }
  Live live;
  live.session.user = *who;
  live.session.csrf = random_token();
  const std::string token = random_token();
  if (token.empty() || live.session.csrf.empty()) return login_page(req, chrome, "the system's random source failed", 503);
  live.created_ms = live.used_ms = clock_.mono_ms();
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (live_.size() >= options_.max_sessions) {
      auto oldest = live_.begin();
      for (auto it = live_.begin(); it != live_.end(); ++it)
        if (it->second.used_ms < oldest->second.used_ms) oldest = it;
      live_.erase(oldest);
    }
    live_[token] = live;
  }
  log::info(kLog, "signed in", {{"who", *who}, {"remote", req.remote_address}});
  HttpResponse r = html::see_other(local_path(form["next"]));
  r.headers.emplace_back("Set-Cookie", options_.cookie_name + "=" + token + "; Path=/; HttpOnly; SameSite=Strict" +
                                           (options_.secure_cookie ? "; Secure" : ""));
  return r;
}

HttpResponse WebSessions::logout(const HttpRequest& req) {
  std::map<std::string, std::string> form = html::parse_form(req.body);
  FormCheck c = check_form(req, form);
  if (!c.user) return html::see_other("/");  // a form from elsewhere (or no session) changes nothing
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(cookie_token(req));
  }
  log::info(kLog, "signed out", {{"who", *c.user}});
  HttpResponse r = html::see_other("/");
  r.headers.emplace_back("Set-Cookie", options_.cookie_name + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  return r;
}

void WebSessions::add_routes(Router& router, html::Chrome chrome) {
  router.add("GET", "/login", [this, chrome](const HttpRequest& req) { return login_page(req, chrome, "", 200); });
  router.add("POST", "/login", [this, chrome](const HttpRequest& req) { return login(req, chrome); });
  router.add("POST", "/logout", [this](const HttpRequest& req) { return logout(req); });
}

}  // namespace sb
