// HttpClient on Poco's HTTPClientSession, with a pool of keep-alive sessions per
// scheme://host:port shared by all calling threads (one session serves one call
// at a time; the pool lock is held only to take or return one).
//
// What a failure means is decided by when it happened, since callers act on it:
// before the request left (connect, DNS, TLS handshake) -> Unavailable, safe to
// retry; after -> Timeout or ConnectionLost, the server may have acted.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Timestamp.h>
#include <poll.h>

#include <istream>
#include <ostream>
#include <type_traits>
#include <unordered_map>

#include "platform/core/log.h"
#include "platform/http/http.h"
#include "platform/http/poco_ssl.h"

namespace sb {
namespace {

using Poco::Net::HTTPClientSession;
using Poco::Net::HTTPSClientSession;

// Idle sessions older than this are closed rather than reused: many servers drop
// idle keep-alive connections after 5 s, and a POST sent on a connection the server
// is closing at that moment fails with an ambiguous outcome.
constexpr Poco::Timestamp::TimeDiff kMaxIdleMicros = 4'000'000;
constexpr size_t kChunk = 16 * 1024;

struct Target {
  bool https = false;
  std::string host;
  uint16_t port = 0;
  std::string path_and_query;  // sent as given: the caller encodes with url_encode
  std::string pool_key;        // "https://host:443"
  std::string display;         // for messages: no query, which may carry tokens
};

Status parse_url(const std::string& url, Target* t) {
  auto bad = [&](const char* why) { return Status::InvalidArgument("http: bad URL '" + url + "': " + why); };
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("expected http://host[:port]/path");
  std::string scheme = url.substr(0, scheme_end);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https");
  t->https = scheme == "https";
  size_t auth_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", auth_start);
  std::string_view authority(url.data() + auth_start,
                             (path_start == std::string::npos ? url.size() : path_start) - auth_start);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in the URL are not supported");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    t->host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("unexpected text after the IPv6 address");
      port_text = rest.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    t->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (t->host.empty()) return bad("no host");
  t->port = t->https ? 443 : 80;
  if (!port_text.empty()) {
    unsigned long p = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || (p = p * 10 + static_cast<unsigned long>(c - '0')) > 65535) return bad("bad port");
    }
    if (p == 0) return bad("bad port");
    t->port = static_cast<uint16_t>(p);
  }
  std::string rest = path_start == std::string::npos ? "" : url.substr(path_start);
  rest = rest.substr(0, rest.find('#'));  // fragments never go on the wire
  if (rest.empty() || rest.front() != '/') rest.insert(0, "/");
  t->path_and_query = std::move(rest);
  t->pool_key = scheme + "://" + t->host + ":" + std::to_string(t->port);
  t->display = t->pool_key + t->path_and_query.substr(0, t->path_and_query.find('?'));
  return Status::Ok();
}

// Exposes the connect step, so a failure to connect is told apart from a failure
// mid-exchange, and turns off Poco's own idle-time reconnect: the pool decides
// when a connection is too old, before the request, never during it.
template <class Base>
class PooledSession final : public Base {
 public:
  using Base::Base;
  void open() { this->reconnect(); }

 protected:
  bool mustReconnect() const override { return false; }
};

// True when a connected idle socket has something to read: the server closed it
// (EOF) or sent bytes nobody asked for. Either way it must not carry a request.
bool looks_closed(HTTPClientSession& session) {
  pollfd p{session.socket().impl()->sockfd(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

// Stale keep-alive connections fail this way when the first bytes hit them.
bool is_stale_connection_error(const Poco::Exception& e) {
  return dynamic_cast<const Poco::Net::NoMessageException*>(&e) ||
         dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) ||
         dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) ||
         (dynamic_cast<const Poco::IOException*>(&e) && !dynamic_cast<const Poco::Net::NetException*>(&e));
}

Status exchange_error(const Poco::Exception& e, const std::string& what) {
  const std::string why = what + ": " + e.displayText();
  if (dynamic_cast<const Poco::TimeoutException*>(&e)) return Status::Timeout(why);
  // Poco reconnects by itself when the first write on a kept-alive connection
  // fails; a failure of that connect still means nothing reached the server.
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e) ||
      dynamic_cast<const Poco::Net::DNSException*>(&e)) {
    return Status::Unavailable(why);
  }
  return Status::ConnectionLost(why);
}

bool is_safe_to_repeat(const std::string& method) { return method == "GET" || method == "HEAD"; }

class PocoHttpClient final : public HttpClient {
 public:
  explicit PocoHttpClient(HttpClientOptions options) : options_(std::move(options)) {}

  Result<HttpResponse> send(const ClientRequest& request) override {
    Target target;
    SB_RETURN_IF_ERROR(parse_url(request.url, &target));
    if (request.method.empty()) return Status::InvalidArgument("http: no method");
    const std::string what = request.method + " " + target.display;
    bool fresh_only = false;
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      Result<std::unique_ptr<HTTPClientSession>> session = acquire(target, fresh_only, &reused);
      if (!session.ok()) return session.status();
      bool stale = false;
      bool reusable = false;
      Result<HttpResponse> r = exchange(*session.value(), target, request, what, reused, &stale, &reusable);
      if (reusable) release(target, std::move(session.value()));
      if (stale && attempt == 0 && is_safe_to_repeat(request.method)) {
        fresh_only = true;  // once, on a new connection: the old one was dead
        continue;
      }
      return r;
    }
  }

 private:
  Result<std::unique_ptr<HTTPClientSession>> acquire(const Target& t, bool fresh_only, bool* reused) {
    std::vector<std::unique_ptr<HTTPClientSession>> dead;  // closed outside the lock
    {
      std::lock_guard lock(mu_);
      auto it = idle_.find(t.pool_key);
      while (!fresh_only && it != idle_.end() && !it->second.empty()) {
        Idle idle = std::move(it->second.back());
        it->second.pop_back();
        if (idle.since.isElapsed(kMaxIdleMicros) || looks_closed(*idle.session)) {
          dead.push_back(std::move(idle.session));
          continue;
        }
        *reused = true;
        return std::move(idle.session);
      }
    }
    *reused = false;
    if (!t.https) return std::unique_ptr<HTTPClientSession>(new PooledSession<HTTPClientSession>(t.host, t.port));
    Result<Poco::Net::Context::Ptr> context = tls_context();
    if (!context.ok()) return context.status();
    return std::unique_ptr<HTTPClientSession>(
        new PooledSession<HTTPSClientSession>(t.host, t.port, context.value()));
  }

  void release(const Target& t, std::unique_ptr<HTTPClientSession> session) {
    std::lock_guard lock(mu_);
    auto& idle = idle_[t.pool_key];
    if (static_cast<int>(idle.size()) < options_.max_idle_per_host) idle.push_back({std::move(session), {}});
  }

  Result<HttpResponse> exchange(HTTPClientSession& session, const Target& t, const ClientRequest& request,
                                const std::string& what, bool reused, bool* stale, bool* reusable) {
    const Poco::Timespan timeout(std::max<int64_t>(1, request.timeout.count()) * 1000);
    session.setKeepAlive(true);
    session.setTimeout(timeout, timeout, timeout);
    if (!session.connected()) {
      try {
        open(session, t.https);
      } catch (const Poco::Exception& e) {
        return Status::Unavailable(what + ": cannot connect: " + e.displayText());
      }
    }
    HttpResponse out;
    bool response_started = false;
    try {
      Poco::Net::HTTPRequest req(request.method, t.path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      for (const auto& [name, value] : request.headers) req.add(name, value);
      const bool has_body = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                            request.method == "PATCH";
      if (has_body) {
        if (!request.content_type.empty()) req.setContentType(request.content_type);
        req.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
      }
      std::ostream& os = session.sendRequest(req);
      os.exceptions(std::ios::badbit);  // let the Poco exception out instead of a silent badbit
      os.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));

      Poco::Net::HTTPResponse resp;
      std::istream& is = session.receiveResponse(resp);
      response_started = true;
      is.exceptions(std::ios::badbit);
      const bool head = request.method == "HEAD";
      if (!head && resp.hasContentLength() && !resp.getChunkedTransferEncoding()) {
        const auto length = static_cast<size_t>(resp.getContentLength64());
        out.body.resize(length);
        is.read(out.body.data(), static_cast<std::streamsize>(length));
        if (static_cast<size_t>(is.gcount()) != length) {
          return Status::ConnectionLost(what + ": connection closed after " + std::to_string(is.gcount()) +
                                        " of " + std::to_string(length) + " body bytes");
        }
      } else {
        while (is) {  // chunked, or until the server closes
          size_t old = out.body.size();
          out.body.resize(old + kChunk);
          is.read(out.body.data() + old, kChunk);
          out.body.resize(old + static_cast<size_t>(is.gcount()));
        }
      }
      out.status = static_cast<int>(resp.getStatus());
      out.content_type = resp.getContentType();
      out.headers.reserve(resp.size());
      for (const auto& header : resp) out.headers.emplace_back(header.first, header.second);
      *reusable = resp.getKeepAlive();  // only after the whole body was read
    } catch (const Poco::Exception& e) {
      *stale = reused && !response_started && is_stale_connection_error(e);
      return exchange_error(e, what);
    } catch (const std::exception& e) {
      return Status::Internal(what + ": " + e.what());
    }
    return out;
  }

  static void open(HTTPClientSession& session, bool https) {
    if (https) {
      static_cast<PooledSession<HTTPSClientSession>&>(session).open();
    } else {
      static_cast<PooledSession<HTTPClientSession>&>(session).open();
    }
  }

  Result<Poco::Net::Context::Ptr> tls_context() {
    std::lock_guard lock(mu_);
    if (context_) return context_;
    try {
      http_internal::ensure_ssl_initialized();
      Poco::Net::Context::Params p;
      p.caLocation = options_.ca_file;
      p.loadDefaultCAs = true;
      // STRICT rather than RELAXED: Poco skips the host name check for loopback
      // addresses unless verification is strict.
      p.verificationMode = options_.verify_tls ? Poco::Net::Context::VERIFY_STRICT : Poco::Net::Context::VERIFY_NONE;
      Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
      context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
      context->enableExtendedCertificateVerification(options_.verify_tls);  // host name must match
      // Without a handler Poco would consult a process-wide SSLManager; reject here.
      context->setInvalidCertificateHandler(new Poco::Net::RejectCertificateHandler(false));
      context_ = context;
      return context_;
    } catch (const Poco::Exception& e) {
      return Status::InvalidArgument("http: cannot set up TLS (CA file '" + options_.ca_file +
                                     "'): " + e.displayText());
    }
  }

  struct Idle {
    std::unique_ptr<HTTPClientSession> session;
    Poco::Timestamp since;
  };

  const HttpClientOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Idle>> idle_;
  Poco::Net::Context::Ptr context_;
};

}  // namespace

std::unique_ptr<HttpClient> make_poco_http_client(const HttpClientOptions& options) {
  return std::make_unique<PocoHttpClient>(options);
}

}  // namespace sb
