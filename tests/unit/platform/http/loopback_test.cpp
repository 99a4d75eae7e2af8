// A real server and the Poco client on 127.0.0.1, and raw sockets that misbehave
// the way networks do: what callers of HttpClient and HttpServer can rely on.
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <strings.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/log.h"
#include "platform/http/http.h"

#include <CppUTest/TestHarness.h>

namespace {

using Clock = std::chrono::steady_clock;

// A throwaway self-signed certificate for localhost / 127.0.0.1 (valid 2000-2100),
// used only by these tests.
constexpr const char* kTestCert = R"(-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgICEAAwCgYIKoZIzj0EAwIwFDESMBAGA1UEAwwJbG9jYWxo
b3N0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAUMRIwEAYDVQQD
DAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQHBBzG9pXAsYaf
UZdcL6Z5xknBDijGA3R9Kw9F413M5pzZRZ3saRUVeIgm79a3gP3OpYDYZcj+6Lso
DikHizcdo3MwcTAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwDwYDVR0TAQH/
BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAoQwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYD
VR0OBBYEFDcev7vgwUmX29EV6YiREmsLlPfYMAoGCCqGSM49BAMCA0gAMEUCIQDg
EWiwVVzT7O3g7Zt/GNDTvswXW1TlBu7km2Xruwn3UQIgBjpNk7YnKD3iyPIzsYrf
B7WF/xsjOIk14CayeTNd/ts=
-----END CERTIFICATE-----
)";
constexpr const char* kTestKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfYau1NwxtYlhQdMH
ouHemVQU0Rd6yqCEryeO97I63a6hRANCAAQHBBzG9pXAsYafUZdcL6Z5xknBDijG
A3R9Kw9F413M5pzZRZ3saRUVeIgm79a3gP3OpYDYZcj+6LsoDikHizcd
-----END PRIVATE KEY-----
)";

struct TempFile {
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/sb-http-test-XXXXXX";
    int fd = mkstemp(name);
    CHECK_TRUE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

// Reads one request (headers and a Content-Length body); false on EOF or timeout.
bool read_request(Poco::Net::StreamSocket& s, std::string* head = nullptr) {
  std::string data;
  char buf[4096];
  size_t end;
  while ((end = data.find("\r\n\r\n")) == std::string::npos) {
    int n = s.receiveBytes(buf, sizeof buf);
    if (n <= 0) return false;
    data.append(buf, static_cast<size_t>(n));
  }
  size_t length = 0;
  size_t cl = 0;
  while ((cl = data.find('\n', cl)) != std::string::npos && cl < end) {
    ++cl;
    if (strncasecmp(data.c_str() + cl, "content-length:", 15) == 0) length = std::stoul(data.substr(cl + 15));
  }
  while (data.size() < end + 4 + length) {
    int n = s.receiveBytes(buf, sizeof buf);
    if (n <= 0) return false;
    data.append(buf, static_cast<size_t>(n));
  }
  if (head) *head = data.substr(0, end);
  return true;
}

void send_all(Poco::Net::StreamSocket& s, const std::string& text) { s.sendBytes(text.data(), static_cast<int>(text.size())); }

void reset(Poco::Net::StreamSocket& s) {
  s.setLinger(true, 0);  // close() now sends RST instead of FIN
  s.close();
}

// A listening socket that runs `script` on each accepted connection, one at a time.
class RawServer {
 public:
  using Script = std::function<void(Poco::Net::StreamSocket&, RawServer&)>;
  explicit RawServer(Script script) : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), script_(std::move(script)) {
    thread_ = std::thread([this] { run(); });
  }
  ~RawServer() {
    stop_ = true;
    {
      std::lock_guard lock(mu_);
      try {
        if (active_.impl()->initialized()) active_.shutdown();  // a script waiting to read sees EOF
      } catch (const Poco::Exception&) {
        // already closed or reset by the peer: nothing is waiting on it
      }
    }
    thread_.join();
  }
  uint16_t port() const { return socket_.address().port(); }
  std::atomic<int> requests{0};
  std::atomic<int> connections{0};
  std::atomic<int> closed{0};  // connections whose script has ended and socket is closed

 private:
  void run() {
    while (!stop_) {
      if (!socket_.poll(Poco::Timespan(0, 20'000), Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket s = socket_.acceptConnection();
      s.setReceiveTimeout(Poco::Timespan(5, 0));
      ++connections;
      {
        std::lock_guard lock(mu_);
        active_ = s;
      }
      try {
        script_(s, *this);
      } catch (const Poco::Exception&) {
      }
      s.close();
      ++closed;
      std::lock_guard lock(mu_);
      active_ = Poco::Net::StreamSocket();
    }
  }
  Poco::Net::ServerSocket socket_;
  Script script_;
  std::mutex mu_;
  Poco::Net::StreamSocket active_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

const char* kOk = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

sb::ClientRequest req(std::string method, std::string url, std::string body = "") {
  sb::ClientRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = sb::Millis(5'000);
  return r;
}

uint16_t unused_port() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  uint16_t port = s.address().port();
  s.close();
  return port;
}

}  // namespace

TEST_GROUP(Loopback) {
  std::shared_ptr<sb::Router> router = std::make_shared<sb::Router>();
  std::unique_ptr<sb::HttpServer> server;
  std::unique_ptr<sb::HttpClient> client = sb::make_poco_http_client();

  void setup() override { sb::log::set_level(sb::log::Level::kWarn); }
  void teardown() override {
    if (server) server->stop();
    server.reset();
    client.reset();
    sb::log::set_level(sb::log::Level::kInfo);
  }
  void start(sb::HttpServerOptions options = {}) {
    auto r = sb::start_http_server(options, router);
    CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
    server = std::move(r.value());
    CHECK_TRUE(server->port() != 0);
  }
  std::string url(const std::string& path, const char* scheme = "http") {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(server->port()) + path;
  }
  sb::HttpResponse ok(const sb::ClientRequest& r) {
    auto resp = client->send(r);
    CHECK_TRUE_TEXT(resp.ok(), resp.status().to_string().c_str());
    return resp.value();
  }
};

TEST(Loopback, RoundTripWithBody) {
  router->add("POST", "/v1/sites/{site}/events", [](const sb::HttpRequest& r) {
    sb::HttpResponse resp = sb::HttpResponse::text(
        201, r.method + "|" + r.params.at("site") + "|" + r.query_param("mode") + "|" + r.header("x-request-id") + "|" +
                 r.header("content-type") + "|" + r.remote_address.substr(0, 10) + "|" + r.body,
        "application/octet-stream");
    resp.headers.emplace_back("X-Echo", "yes");
    return resp;
  });
  start();
  std::string body(10'000, 'x');
  body[5] = '\0';  // bodies are bytes, not C strings
  sb::ClientRequest r = req("POST", url("/v1/sites/lyon-1/events?mode=sync%20now"), body);
  r.headers.emplace_back("X-Request-Id", "abc-123");
  sb::HttpResponse resp = ok(r);
  CHECK_EQUAL(201, resp.status);
  STRCMP_EQUAL("application/octet-stream", resp.content_type.c_str());
  STRCMP_EQUAL("yes", resp.header("x-echo").c_str());
  CHECK_TRUE(resp.body == "POST|lyon-1|sync now|abc-123|application/json|127.0.0.1:|" + body);
}

TEST(Loopback, HeadGetsHeadersWithoutBody) {
  router->add("GET", "/status", [](const sb::HttpRequest&) { return sb::HttpResponse::json(200, "{\"up\":true}"); });
  start();
  sb::HttpResponse head = ok(req("HEAD", url("/status")));
  CHECK_EQUAL(200, head.status);
  STRCMP_EQUAL("", head.body.c_str());
  STRCMP_EQUAL("{\"up\":true}", ok(req("GET", url("/status"))).body.c_str());  // same connection still in step
}

TEST(Loopback, KeepAliveConnectionsAreReusedAcrossThreads) {
  std::mutex mu;
  std::set<std::string> peers;
  std::atomic<int> handled{0};
  router->add("POST", "/v1/events", [&](const sb::HttpRequest& r) {
    {
      std::lock_guard lock(mu);
      peers.insert(r.remote_address);
    }
    ++handled;
    return sb::HttpResponse::json(202, "{\"accepted\":1}");
  });
  start();
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 125; ++i) {
        auto resp = client->send(req("POST", url("/v1/events"), "{\"t\":" + std::to_string(t) + "}"));
        if (resp.ok() && resp->status == 202) ++accepted;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQUAL(1000, accepted.load());
  CHECK_EQUAL(1000, handled.load());
  // One connection per concurrent caller at most, kept for all 1,000 requests.
  CHECK_TRUE_TEXT(peers.size() <= 8, std::to_string(peers.size()).c_str());
}

TEST(Loopback, OversizedBodyIs413WithoutReachingTheRouter) {
  std::atomic<int> handled{0};
  router->add("POST", "/v1/events", [&](const sb::HttpRequest& r) {
    ++handled;
    return sb::HttpResponse::json(202, std::to_string(r.body.size()));
  });
  sb::HttpServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  for (size_t size : {size_t{1025}, size_t{5} << 20}) {
    sb::HttpResponse resp = ok(req("POST", url("/v1/events"), std::string(size, 'a')));
    CHECK_EQUAL(413, resp.status);
    STRCMP_EQUAL("{\"error\":\"request body is larger than the limit of 1024 bytes\"}", resp.body.c_str());
    CHECK_EQUAL(0, handled.load());
  }
  // The server still answers, on a fresh connection.
  sb::HttpResponse at_limit = ok(req("POST", url("/v1/events"), std::string(1024, 'a')));
  CHECK_EQUAL(202, at_limit.status);
  STRCMP_EQUAL("1024", at_limit.body.c_str());
  CHECK_EQUAL(1, handled.load());
}

TEST(Loopback, OversizedChunkedBodyIs413) {
  std::atomic<int> handled{0};
  router->add("POST", "/v1/events", [&](const sb::HttpRequest& r) {
    ++handled;
    return sb::HttpResponse::json(202, std::to_string(r.body.size()));
  });
  sb::HttpServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  auto send_chunked = [&](size_t chunks) {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", server->port()));
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string text = "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t i = 0; i < chunks; ++i) text += "100\r\n" + std::string(256, 'c') + "\r\n";
    text += "0\r\n\r\n";
    send_all(s, text);
    char buf[4096];
    int n = s.receiveBytes(buf, sizeof buf);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  };
  CHECK_EQUAL(0, send_chunked(8).rfind("HTTP/1.1 413", 0));
  CHECK_EQUAL(0, handled.load());
  std::string fits = send_chunked(4);
  CHECK_EQUAL(0, fits.rfind("HTTP/1.1 202", 0));
  CHECK_TRUE(fits.size() >= 4 && fits.compare(fits.size() - 4, 4, "1024") == 0);
  CHECK_EQUAL(1, handled.load());
}

TEST(Loopback, ThrowingHandlerIs500AndTheServerStaysUp) {
  router->add("GET", "/boom", [](const sb::HttpRequest&) -> sb::HttpResponse { throw std::runtime_error("bug"); });
  router->add("GET", "/fine", [](const sb::HttpRequest&) { return sb::HttpResponse::json(200, "{}"); });
  start();
  sb::log::set_sink([](std::string_view) {});  // the expected error line stays out of the test output
  sb::HttpResponse boom = ok(req("GET", url("/boom")));
  sb::log::set_sink(nullptr);
  CHECK_EQUAL(500, boom.status);
  STRCMP_EQUAL("{\"error\":\"internal error\"}", boom.body.c_str());
  CHECK_EQUAL(200, ok(req("GET", url("/fine"))).status);
}

TEST(Loopback, ClientTimesOutOnASlowHandler) {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::atomic<bool> handled{false};
  router->add("POST", "/slow", [&](const sb::HttpRequest&) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return released; });
    handled = true;
    return sb::HttpResponse::json(200, "{}");
  });
  start();
  sb::ClientRequest r = req("POST", url("/slow"), "{}");
  r.timeout = sb::Millis(200);
  const auto t0 = Clock::now();
  auto resp = client->send(r);
  const auto waited = Clock::now() - t0;
  {
    std::lock_guard lock(mu);
    released = true;
  }
  cv.notify_all();
  CHECK_FALSE(resp.ok());
  CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kTimeout, resp.status().to_string().c_str());
  CHECK_TRUE(resp.status().ambiguous());  // the server may yet act, and here it does:
  CHECK_TRUE(waited >= std::chrono::milliseconds(150) && waited < std::chrono::seconds(3));
  server->stop();
  CHECK_TRUE(handled.load());
}

TEST(Loopback, UnavailableWhenNothingListens) {
  const uint16_t port = unused_port();
  auto resp = client->send(req("POST", "http://127.0.0.1:" + std::to_string(port) + "/v1/events", "{}"));
  CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kUnavailable, resp.status().to_string().c_str());
  CHECK_FALSE(resp.status().ambiguous());  // nothing was sent: safe to retry
}

TEST(Loopback, BadUrlsAreInvalidArguments) {
  for (const char* bad : {"", "127.0.0.1:80/x", "ftp://host/x", "http:///x", "http://host:99999/x", "http://u:p@host/x",
                          "http://[::1/x"}) {
    auto resp = client->send(req("GET", bad));
    CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kInvalidArgument, bad);
  }
}

TEST(Loopback, ConnectionResetMidRequestIsConnectionLost) {
  RawServer raw([](Poco::Net::StreamSocket& s, RawServer& self) {
    if (read_request(s)) ++self.requests;
    reset(s);
  });
  auto resp = client->send(req("POST", "http://127.0.0.1:" + std::to_string(raw.port()) + "/v1/events", "{}"));
  CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kConnectionLost, resp.status().to_string().c_str());
  CHECK_TRUE(resp.status().ambiguous());
  CHECK_EQUAL(1, raw.requests.load());  // it did arrive: the outcome really is unknown
}

TEST(Loopback, ConnectionClosedWithoutAnswerIsConnectionLost) {
  RawServer raw([](Poco::Net::StreamSocket& s, RawServer& self) {
    if (read_request(s)) ++self.requests;
    s.close();
  });
  auto resp = client->send(req("POST", "http://127.0.0.1:" + std::to_string(raw.port()) + "/v1/events", "{}"));
  CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kConnectionLost, resp.status().to_string().c_str());
  CHECK_EQUAL(1, raw.requests.load());
}

TEST(Loopback, ResponseCutShortIsConnectionLost) {
  RawServer raw([](Poco::Net::StreamSocket& s, RawServer&) {
    if (!read_request(s)) return;
    send_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    s.close();
  });
  auto resp = client->send(req("GET", "http://127.0.0.1:" + std::to_string(raw.port()) + "/status"));
  CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kConnectionLost, resp.status().to_string().c_str());
}

TEST(Loopback, GarbledResponseIsConnectionLost) {
  RawServer raw([](Poco::Net::StreamSocket& s, RawServer&) {
    if (!read_request(s)) return;
    send_all(s, "SMTP ready\r\n\r\n");
    s.close();
  });
  auto resp = client->send(req("GET", "http://127.0.0.1:" + std::to_string(raw.port()) + "/status"));
  CHECK_TRUE_TEXT(resp.status().code() == sb::Code::kConnectionLost, resp.status().to_string().c_str());
}

namespace {
// Answers the first request on each connection and resets the connection on the
// second: a kept-alive connection that dies while idle in the pool.
void answer_once_then_reset(Poco::Net::StreamSocket& s, RawServer& self) {
  for (int on_this_connection = 0; read_request(s); ++on_this_connection) {
    ++self.requests;
    if (on_this_connection > 0) return reset(s);
    send_all(s, kOk);
  }
}
}  // namespace

TEST(Loopback, GetOnADeadPooledConnectionIsRetriedOnceOnAFreshOne) {
  RawServer raw(answer_once_then_reset);
  const std::string u = "http://127.0.0.1:" + std::to_string(raw.port()) + "/status";
  CHECK_EQUAL(200, ok(req("GET", u)).status);
  sb::HttpResponse second = ok(req("GET", u));
  CHECK_EQUAL(200, second.status);
  STRCMP_EQUAL("ok", second.body.c_str());
  CHECK_EQUAL(3, raw.requests.load());
  CHECK_EQUAL(2, raw.connections.load());
}

TEST(Loopback, PostOnADeadPooledConnectionIsNeverRetried) {
  RawServer raw(answer_once_then_reset);
  const std::string u = "http://127.0.0.1:" + std::to_string(raw.port()) + "/v1/events";
  CHECK_EQUAL(200, ok(req("POST", u, "{\"n\":1}")).status);
  auto second = client->send(req("POST", u, "{\"n\":2}"));
  CHECK_TRUE_TEXT(second.status().code() == sb::Code::kConnectionLost, second.status().to_string().c_str());
  CHECK_EQUAL(2, raw.requests.load());  // the server saw it once; a retry could post it twice
  // The dead connection is not pooled again; the next call connects afresh.
  CHECK_EQUAL(200, ok(req("POST", u, "{\"n\":3}")).status);
  CHECK_EQUAL(2, raw.connections.load());
}

TEST(Loopback, IdleConnectionClosedByTheServerIsNotReused) {
  RawServer raw([](Poco::Net::StreamSocket& s, RawServer& self) {
    if (!read_request(s)) return;
    ++self.requests;
    send_all(s, kOk);
    s.close();  // closes while the client keeps the connection in its pool
  });
  const std::string u = "http://127.0.0.1:" + std::to_string(raw.port()) + "/v1/events";
  CHECK_EQUAL(200, ok(req("POST", u, "{}")).status);
  while (raw.closed.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_EQUAL(200, ok(req("POST", u, "{}")).status);  // a POST: it must not hit the dead connection
  CHECK_EQUAL(2, raw.requests.load());
}

TEST(Loopback, StopWaitsForHandlersInProgress) {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  std::atomic<bool> finished{false};
  router->add("POST", "/slow", [&](const sb::HttpRequest&) {
    {
      std::lock_guard lock(mu);
      started = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    finished = true;
    return sb::HttpResponse::json(200, "{\"done\":true}");
  });
  start();
  sb::Result<sb::HttpResponse> in_flight = sb::Status::Internal("not run");
  std::thread caller([&] { in_flight = client->send(req("POST", url("/slow"), "{}")); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started; });
  }
  const std::string after = url("/slow");
  server->stop();
  CHECK_TRUE(finished.load());
  caller.join();
  CHECK_TRUE_TEXT(in_flight.ok(), in_flight.status().to_string().c_str());
  CHECK_EQUAL(200, in_flight->status);
  auto refused = client->send(req("POST", after, "{}"));
  CHECK_TRUE_TEXT(refused.status().code() == sb::Code::kUnavailable, refused.status().to_string().c_str());
}

TEST(Loopback, SecondServerOnTheSamePortIsUnavailable) {
  start();
  sb::HttpServerOptions o;
  o.port = server->port();
  auto second = sb::start_http_server(o, router);
  CHECK_FALSE(second.ok());
  CHECK_TRUE_TEXT(second.status().code() == sb::Code::kUnavailable, second.status().to_string().c_str());
  CHECK_TRUE(second.status().message().find(std::to_string(o.port)) != std::string::npos);
}

TEST(Loopback, HttpsWithVerification) {
  TempFile cert(kTestCert), key(kTestKey);
  std::mutex mu;
  std::set<std::string> peers;
  router->add("GET", "/status", [&](const sb::HttpRequest& r) {
    std::lock_guard lock(mu);
    peers.insert(r.remote_address);
    return sb::HttpResponse::json(200, "{\"tls\":true}");
  });
  sb::HttpServerOptions o;
  o.tls_cert_file = cert.path;
  o.tls_key_file = key.path;
  start(o);

  sb::HttpClientOptions trusting;
  trusting.ca_file = cert.path;
  auto verified = sb::make_poco_http_client(trusting);
  for (int i = 0; i < 3; ++i) {
    auto resp = verified->send(req("GET", url("/status", "https")));
    CHECK_TRUE_TEXT(resp.ok(), resp.status().to_string().c_str());
    STRCMP_EQUAL("{\"tls\":true}", resp->body.c_str());
  }
  CHECK_EQUAL(1, peers.size());  // one handshake, then the connection is kept
  auto by_name = verified->send(req("GET", "https://localhost:" + std::to_string(server->port()) + "/status"));
  CHECK_TRUE_TEXT(by_name.ok(), by_name.status().to_string().c_str());

  // An unknown issuer is refused before anything is sent.
  auto strict = sb::make_poco_http_client();
  auto refused = strict->send(req("GET", url("/status", "https")));
  CHECK_TRUE_TEXT(refused.status().code() == sb::Code::kUnavailable, refused.status().to_string().c_str());

  // A trusted certificate for another name is refused too, loopback or not.
  o.bind_address = "127.0.0.2";  // all of 127/8 is loopback; the certificate names 127.0.0.1
  auto other = sb::start_http_server(o, router);
  CHECK_TRUE_TEXT(other.ok(), other.status().to_string().c_str());
  auto mismatch = verified->send(req("GET", "https://127.0.0.2:" + std::to_string(other.value()->port()) + "/status"));
  CHECK_TRUE_TEXT(mismatch.status().code() == sb::Code::kUnavailable, mismatch.status().to_string().c_str());
  other.value()->stop();

  sb::HttpClientOptions lax;
  lax.verify_tls = false;
  auto unverified = sb::make_poco_http_client(lax);
  auto resp = unverified->send(req("GET", url("/status", "https")));
  CHECK_TRUE_TEXT(resp.ok(), resp.status().to_string().c_str());
}

TEST(Loopback, HttpsWithMissingKeyFileIsInvalidArgument) {
  TempFile cert(kTestCert);
  sb::HttpServerOptions o;
  o.tls_cert_file = cert.path;
  o.tls_key_file = cert.path + ".missing";
  auto r = sb::start_http_server(o, router);
  CHECK_TRUE_TEXT(r.status().code() == sb::Code::kInvalidArgument, r.status().to_string().c_str());
  o.tls_key_file = "";
  CHECK_TRUE(sb::start_http_server(o, router).status().code() == sb::Code::kInvalidArgument);
}

TEST_GROUP(FakeHttpClient){};

TEST(FakeHttpClient, AnswersFromItsResponderAndRecordsEveryRequest) {
  sb::FakeHttpClient fake([](const sb::ClientRequest& r) -> sb::Result<sb::HttpResponse> {
    if (r.url.find("/down") != std::string::npos) return sb::Status::Unavailable("simulated outage");
    return sb::HttpResponse::json(200, "{\"echo\":\"" + r.body + "\"}");
  });
  auto a = fake.send(req("POST", "http://erp/record/itemFulfillment", "a"));
  auto b = fake.send(req("GET", "http://erp/down"));
  STRCMP_EQUAL("{\"echo\":\"a\"}", a->body.c_str());
  CHECK_TRUE(b.status().code() == sb::Code::kUnavailable);
  auto seen = fake.requests();
  CHECK_EQUAL(2, seen.size());
  STRCMP_EQUAL("POST", seen[0].method.c_str());
  STRCMP_EQUAL("a", seen[0].body.c_str());
  STRCMP_EQUAL("http://erp/down", seen[1].url.c_str());
}

TEST(FakeHttpClient, IsSafeFromManyThreads) {
  sb::FakeHttpClient fake([](const sb::ClientRequest&) -> sb::Result<sb::HttpResponse> {
    return sb::HttpResponse::json(200, "{}");
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) (void)fake.send(req("POST", "http://erp/x", std::to_string(i)));
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQUAL(1000, fake.requests().size());
}
