#include "platform/http/html.h"

#include <cstdio>
#include <ctime>

namespace sb::html {
namespace {

// One style sheet for every page: readable at arm's length on a tablet,
// tables scroll sideways on a phone instead of squeezing.
constexpr std::string_view kStyle = R"css(
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2430;background:#f4f6f8}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1rem;background:#1d2430;color:#fff}
header .brand{font-weight:700}
header .place{opacity:.8}
header nav{display:flex;gap:1rem;flex-wrap:wrap}
header a{color:#cfe3ff;text-decoration:none}
header .who{margin-left:auto;display:flex;gap:.5rem;align-items:center}
header form{margin:0}
header button{font-size:.85rem;padding:.2rem .6rem}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
.banner{padding:1rem 1.2rem;border-radius:.5rem;color:#fff;margin-bottom:1rem}
.banner .headline{font-size:1.5rem;font-weight:700}
.banner .detail{margin-top:.3rem;font-size:1.05rem}
.banner.flowing{background:#1e7d4f}
.banner.offline{background:#b3261e}
.banner.catching_up{background:#a35c00}
.banner.full{background:#6b1a14}
.bar{position:relative;height:1.6rem;border-radius:.8rem;background:rgba(255,255,255,.3);overflow:hidden;margin-top:.6rem}
.bar>span{position:absolute;left:0;top:0;bottom:0;background:#fff;opacity:.85}
.bar>em{position:relative;display:block;text-align:center;font-style:normal;line-height:1.6rem;color:#1d2430;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.75rem}
.card{background:#fff;border:1px solid #d8dee6;border-radius:.5rem;padding:.75rem 1rem}
.card h3{margin:0 0 .3rem;font-size:1rem}
.card .big{font-size:1.4rem;font-weight:700}
.muted{color:#5b6675;font-size:.9rem}
.pill{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.85rem;font-weight:600}
.pill.ok{background:#d5f1e2;color:#155c3a}.pill.warn{background:#ffe8c2;color:#7a4500}
.pill.bad{background:#fbd8d5;color:#8c1d16}.pill.idle{background:#e4e8ee;color:#3c4654}
.scroll{overflow-x:auto;background:#fff;border:1px solid #d8dee6;border-radius:.5rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e6eaf0;vertical-align:top}
th{background:#eef1f5;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
form.inline{display:inline}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin-bottom:.6rem}
label{display:block;font-size:.9rem;color:#3c4654}
input,select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #b8c2cf;border-radius:.3rem;background:#fff}
textarea{width:100%;min-height:3.5rem}
button{font:inherit;padding:.4rem .9rem;border-radius:.35rem;border:1px solid #1d4f91;background:#2563b5;color:#fff;cursor:pointer}
button.danger{background:#b3261e;border-color:#8c1d16}
button.plain{background:#fff;color:#1d2430;border-color:#b8c2cf}
.notice{padding:.6rem .9rem;border-radius:.4rem;margin-bottom:1rem}
.notice.ok{background:#d5f1e2}.notice.bad{background:#fbd8d5}
.actions{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.75rem}
pre{white-space:pre-wrap;word-break:break-word;font-size:.85rem;background:#f7f8fa;padding:.5rem;border-radius:.3rem}
footer{max-width:1200px;margin:1rem auto;padding:0 1rem;color:#5b6675;font-size:.85rem}
)css";

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> fields;
  const auto decode = [](std::string_view s) { return decode_query_component(s); };
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    fields[decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
  }
  return fields;
}

std::string page(const Chrome& chrome, const PageOptions& options, std::string_view body) {
  std::string d;
  d.reserve(body.size() + kStyle.size() + 1024);
  d += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  d += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  if (options.refresh_s > 0) d += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(options.refresh_s) + "\">";
  d += "<title>" + escape(options.title) + " · " + escape(chrome.program) + "</title><style>";
  d += kStyle;
  d += "</style></head><body><header><span class=\"brand\">" + escape(chrome.program) + "</span>";
  if (!chrome.place.empty()) d += "<span class=\"place\">" + escape(chrome.place) + "</span>";
  d += "<nav>";
  for (const auto& [label, path] : chrome.nav) d += "<a href=\"" + escape(path) + "\">" + escape(label) + "</a>";
  d += "</nav><span class=\"who\">";
  if (!options.user.empty()) {
    d += "<span id=\"signed-in\">signed in as " + escape(options.user) + "</span>";
    d += "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"" + escape(options.csrf) +
         "\"><button class=\"plain\" type=\"submit\">Sign out</button></form>";
  } else {
    d += "<a id=\"sign-in\" href=\"/login?next=" + escape(url_encode(options.here.empty() ? "/" : options.here)) +
         "\">Sign in</a>";
  }
  d += "</span></header><main>";
  d += body;
  d += "</main></body></html>\n";
  return d;
}

HttpResponse respond(int status, std::string document) {
  HttpResponse r = HttpResponse::text(status, std::move(document), "text/html; charset=utf-8");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
                         "frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  return r;
}

HttpResponse see_other(const std::string& path) {
  HttpResponse r = HttpResponse::text(303, "", "text/plain; charset=utf-8");
  r.headers.emplace_back("Location", path);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::string duration_text(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[48];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min", static_cast<long long>(seconds / 60));
  } else if (seconds < 86400) {
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld d %lld h", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  }
  return buf;
}

std::string time_text(int64_t wall_ms, int64_t now_ms) {
  if (wall_ms <= 0) return "never";
  const std::time_t t = static_cast<std::time_t>(wall_ms / 1000);
  const std::time_t n = static_cast<std::time_t>(now_ms / 1000);
  std::tm at{}, now{};
  localtime_r(&t, &at);
  localtime_r(&n, &now);
  char buf[48];
  const bool today = at.tm_year == now.tm_year && at.tm_yday == now.tm_yday;
  std::strftime(buf, sizeof buf, today ? "%H:%M:%S" : "%d %b %H:%M", &at);
  return buf;
}

std::string count_text(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string progress_bar(double fraction, std::string_view label) {
  if (!(fraction >= 0)) fraction = 0;
  if (fraction > 1) fraction = 1;
  char width[16];
  std::snprintf(width, sizeof width, "%.1f%%", fraction * 100.0);
  return "<div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" aria-valuenow=\"" +
         std::to_string(static_cast<int>(fraction * 100.0)) + "\"><span style=\"width:" + width + "\"></span><em>" +
         escape(label) + "</em></div>";
}

std::string pill(std::string_view tone, std::string_view text) {
  return "<span class=\"pill " + escape(tone) + "\">" + escape(text) + "</span>";
}

}  // namespace sb::html
