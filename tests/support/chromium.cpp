#include "tests/support/chromium.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Buffer.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "platform/core/json.h"
#include "tests/support/ports.h"

namespace sb::testing {
namespace {

std::vector<std::string> base_flags(const std::string& profile) {
  return {"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
          "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
          "--user-data-dir=" + profile};
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string chromium_path() {
  if (const char* env = std::getenv("CHROMIUM"); env && *env) return env;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::ifstream(p).good()) return p;
  }
  return "";
}

Result<std::string> dump_dom(const std::string& url, const std::string& scratch_dir) {
  const std::string chromium = chromium_path();
  if (chromium.empty()) return Status::NotFound("chromium is not installed (./run installs it)");
  static int n = 0;
  const std::string base = scratch_dir + "/dom-" + std::to_string(++n);
  std::string cmd = "timeout 90 " + shell_quote(chromium);
  for (const std::string& f : base_flags(base + "-profile")) cmd += " " + shell_quote(f);
  cmd += " --dump-dom " + shell_quote(url) + " > " + shell_quote(base + ".html") + " 2> " + shell_quote(base + ".log");
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    return Status(Code::kInternal, "chromium --dump-dom exited with " + std::to_string(rc) + ": " + read_file(base + ".log"));
  }
  return read_file(base + ".html");
}

struct Browser::Impl {
  Process process;
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  std::unique_ptr<Poco::Net::WebSocket> socket;
  int next_id = 0;

  // Sends one DevTools command and waits for its answer (events in between are skipped).
  Result<Json> call(const std::string& method, Json params) {
    const int id = ++next_id;
    Json msg = Json::object();
    msg.set("id", Json::number(static_cast<int64_t>(id)));
    msg.set("method", Json::string(method));
    msg.set("params", std::move(params));
    const std::string text = msg.dump();
    try {
      socket->sendFrame(text.data(), static_cast<int>(text.size()), Poco::Net::WebSocket::FRAME_TEXT);
      for (;;) {
        std::string whole;
        int flags = 0;
        do {
          Poco::Buffer<char> buf(0);
          const int n = socket->receiveFrame(buf, flags);
          if (n <= 0 && (flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) == Poco::Net::WebSocket::FRAME_OP_CLOSE)
            return Status::Unavailable("the browser closed the DevTools connection");
          whole.append(buf.begin(), static_cast<size_t>(n));
        } while (!(flags & Poco::Net::WebSocket::FRAME_FLAG_FIN));
        Result<Json> answer = Json::parse(whole, 512);
        if (!answer.ok()) return answer.status();
        const Json* got = answer->find("id");
        int64_t got_id = 0;
        if (!got || !got->as_int64(&got_id) || got_id != id) continue;  // an event, or another answer
        if (const Json* error = answer->find("error")) return Status(Code::kInternal, method + ": " + error->dump());
        const Json* result = answer->find("result");
        return result ? *result : Json::object();
      }
    } catch (const Poco::Exception& e) {
      return Status::Unavailable("DevTools " + method + ": " + e.displayText());
    }
  }
};

Browser::Browser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Browser::~Browser() {
  if (impl_) {
    impl_->socket.reset();
    impl_->process.kill9();
  }
}

Result<std::unique_ptr<Browser>> Browser::launch(const std::string& scratch_dir, int width, int height) {
  const std::string chromium = chromium_path();
  if (chromium.empty()) return Status::NotFound("chromium is not installed (./run installs it)");
  auto impl = std::make_unique<Impl>();
  const uint16_t port = free_port();
  std::vector<std::string> argv{chromium};
  for (const std::string& f : base_flags(scratch_dir + "/browser-profile")) argv.push_back(f);
  argv.push_back("--remote-debugging-address=127.0.0.1");
  argv.push_back("--remote-debugging-port=" + std::to_string(port));
  argv.push_back("--remote-allow-origins=*");
  argv.push_back("--window-size=" + std::to_string(width) + "," + std::to_string(height));
  argv.push_back("about:blank");
  SB_RETURN_IF_ERROR(impl->process.spawn(argv, {}, scratch_dir + "/browser.log"));
  // The page's DevTools address, once the browser answers.
  std::string ws_path;
  for (int i = 0; i < 300 && ws_path.empty(); ++i) {
    try {
      Poco::Net::HTTPClientSession s("127.0.0.1", port);
      s.setTimeout(Poco::Timespan(2, 0));
      Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, "/json/list", Poco::Net::HTTPMessage::HTTP_1_1);
      s.sendRequest(req);
      Poco::Net::HTTPResponse resp;
      std::istream& body = s.receiveResponse(resp);
      std::stringstream ss;
      ss << body.rdbuf();
      Result<Json> list = Json::parse(ss.str());
      if (list.ok() && list->is_array()) {
        for (const Json& t : list->items()) {
          if (t.get_string("type") == "page") {
            ws_path = Poco::URI(t.get_string("webSocketDebuggerUrl")).getPathEtc();
            break;
          }
        }
      }
    } catch (const Poco::Exception&) {
    }
    if (ws_path.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (ws_path.empty()) return Status::Unavailable("chromium did not open its DevTools port: " + impl->process.log_tail(20));
  try {
    impl->session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port);
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, ws_path, Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPResponse resp;
    impl->socket = std::make_unique<Poco::Net::WebSocket>(*impl->session, req, resp);
    impl->socket->setReceiveTimeout(Poco::Timespan(60, 0));
    impl->socket->setMaxPayloadSize(64 << 20);
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot attach to chromium's page: " + e.displayText());
  }
  SB_RETURN_IF_ERROR(impl->call("Page.enable", Json::object()).status());
  return std::unique_ptr<Browser>(new Browser(std::move(impl)));
}

Result<std::string> Browser::evaluate(const std::string& js) {
  Json p = Json::object();
  p.set("expression", Json::string(js));
  p.set("returnByValue", Json::boolean(true));
  Result<Json> r = impl_->call("Runtime.evaluate", std::move(p));
  if (!r.ok()) return r.status();
  if (const Json* ex = r->find("exceptionDetails")) return Status(Code::kInternal, "the page's script failed: " + ex->dump());
  const Json* result = r->find("result");
  const Json* value = result ? result->find("value") : nullptr;
  if (!value) return std::string();
  return value->is_string() ? value->as_string() : value->dump();
}

namespace {

// Waits until the page's document is a new one (the marker is gone) and complete.
Status wait_loaded(Browser& b) {
  for (int i = 0; i < 600; ++i) {
    Result<std::string> state = b.evaluate("(window.__sb_marker === undefined) + ':' + document.readyState");
    if (state.ok() && *state == "true:complete") return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status(Code::kTimeout, "the page did not finish loading within 30 s");
}

}  // namespace

Status Browser::navigate(const std::string& url) {
  SB_RETURN_IF_ERROR(evaluate("window.__sb_marker = 1").status());
  Json p = Json::object();
  p.set("url", Json::string(url));
  SB_RETURN_IF_ERROR(impl_->call("Page.navigate", std::move(p)).status());
  return wait_loaded(*this);
}

Status Browser::act_and_wait(const std::string& js) {
  SB_RETURN_IF_ERROR(evaluate("window.__sb_marker = 1").status());
  SB_RETURN_IF_ERROR(evaluate(js).status());
  return wait_loaded(*this);
}

Status Browser::clear_cookies() { return impl_->call("Network.clearBrowserCookies", Json::object()).status(); }

Status Browser::emulate(int width, int height, bool mobile) {
  Json p = Json::object();
  p.set("width", Json::number(static_cast<int64_t>(width)));
  p.set("height", Json::number(static_cast<int64_t>(height)));
  p.set("deviceScaleFactor", Json::number(static_cast<int64_t>(1)));
  p.set("mobile", Json::boolean(mobile));
  return impl_->call("Emulation.setDeviceMetricsOverride", std::move(p)).status();
}

Status Browser::screenshot(const std::string& png_path) {
  Json p = Json::object();
  p.set("format", Json::string("png"));
  p.set("captureBeyondViewport", Json::boolean(true));
  Result<std::string> height = evaluate("Math.ceil(document.documentElement.scrollHeight)");
  Result<std::string> width = evaluate("Math.ceil(document.documentElement.clientWidth)");
  if (height.ok() && width.ok()) {
    Json clip = Json::object();
    clip.set("x", Json::number(static_cast<int64_t>(0)));
    clip.set("y", Json::number(static_cast<int64_t>(0)));
    clip.set("width", Json::number(static_cast<int64_t>(std::atoll(width->c_str()))));
    clip.set("height", Json::number(static_cast<int64_t>(std::atoll(height->c_str()))));
    clip.set("scale", Json::number(static_cast<int64_t>(1)));
    p.set("clip", std::move(clip));
  }
  Result<Json> r = impl_->call("Page.captureScreenshot", std::move(p));
  if (!r.ok()) return r.status();
  std::istringstream in(r->get_string("data"));
  Poco::Base64Decoder decoder(in);
  std::ofstream out(png_path, std::ios::binary | std::ios::trunc);
  out << decoder.rdbuf();
  if (!out) return Status(Code::kIoError, "cannot write " + png_path);
  return Status::Ok();
}

}  // namespace sb::testing
