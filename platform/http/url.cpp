// Value helpers of http.h that need no sockets: headers, query strings,
// percent-encoding, response shapes and the FakeHttpClient twin.
#include <cctype>
#include <strings.h>

#include "platform/core/log.h"
#include "platform/http/http.h"

namespace sb {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}


}  // namespace

std::string header_value(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return "";
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// Query strings follow HTML forms, where '+' stands for a space; paths do not.
std::string decode_query_component(std::string_view s) {
  std::string plus_as_space(s);
  for (char& c : plus_as_space) {
    if (c == '+') c = ' ';
  }
  return url_decode(plus_as_space);
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];  // a stray '%' is kept as written rather than rejected
    }
  }
  return out;
}

std::string HttpRequest::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name || decode_query_component(key) == name) {
      return eq == std::string_view::npos ? "" : decode_query_component(pair.substr(eq + 1));
    }
  }
  return "";
}

HttpResponse HttpResponse::error(int status, std::string_view reason) {
  HttpResponse r;
  r.status = status;
  r.body.reserve(reason.size() + 16);
  r.body += "{\"error\":";
  log::append_json_string(r.body, reason);
  r.body += '}';
  return r;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Result<HttpResponse> FakeHttpClient::send(const ClientRequest& request) {
  {
    std::lock_guard lock(mu_);
    seen_.push_back(request);
  }
  // Outside the lock: a responder may block or call send() itself.
  return responder_(request);
}

std::vector<ClientRequest> FakeHttpClient::requests() const {
  std::lock_guard lock(mu_);
  return seen_;
}

}  // namespace sb
