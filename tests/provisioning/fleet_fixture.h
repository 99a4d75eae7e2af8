// The fleet of the provisioning tests, as an operator builds it with the real
// scripts (provisioning/fleet-ca, broker-config, enroll): a fleet CA, a real
// mosquitto with the rendered TLS configuration and ACL, the real relay, and
// gateways, each a local root directory with its own agent and port.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/http/http.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

#include <CppUTest/TestHarness.h>

namespace sb::provisioning_test {

using namespace sb;
namespace fs = std::filesystem;

const std::string kSource = STOCKBRIDGE_SOURCE_DIR;
const std::string kBin = STOCKBRIDGE_BINARY_DIR;
const std::string kScripts = kSource + "/provisioning/";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Debian installs the broker in /usr/sbin, which is not on every user's PATH.
std::string mosquitto_program() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"})
    if (::access(p, X_OK) == 0) return p;
  return "mosquitto";
}

struct Run {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a program to its end (at most `timeout`), its output in `log`.
Run run_program(std::vector<std::string> argv, const std::string& log, Millis timeout = Millis(60'000),
                testing::Process::Env env = {}) {
  std::ofstream(log, std::ios::trunc).close();
  testing::Process p;
  Status s = p.spawn(std::move(argv), std::move(env), log);
  if (!s.ok()) return {-1, s.to_string()};
  std::optional<int> code = p.wait_exit(timeout);
  if (!code) p.kill9();
  return {code.value_or(-1), read_file(log)};
}

// The last `lines` lines of text.
std::string tail(const std::string& text, size_t lines = 30) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines; ++n) {
    if (pos == 0) return text;
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// The base64 body of a PEM private key, the part that must never leave the gateway.
std::string key_body(const std::string& pem) {
  std::string body, line;
  std::istringstream in(pem);
  while (std::getline(in, line))
    if (line.rfind("-----", 0) != 0) body += line;
  return body;
}

// Every line of base64 of the key, each long enough to be unmistakable.
std::vector<std::string> key_lines(const std::string& pem) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(pem);
  while (std::getline(in, line))
    if (line.rfind("-----", 0) != 0 && line.size() >= 40) out.push_back(line);
  return out;
}

// A gateway: a root directory with its own port; the agent enroll started there.
struct Gateway {
  std::string site;
  std::string root;
  uint16_t port;
  std::string key() const { return root + "/etc/stockbridge/tls/agent.key"; }
  pid_t pid() const {
    std::string text = read_file(root + "/run/stockbridge-agent.pid");
    return text.empty() ? 0 : static_cast<pid_t>(std::stol(text));
  }
  // Stops the agent enroll started (it is not this test's child).
  void stop() const {
    pid_t p = pid();
    if (p <= 0 || ::kill(p, 0) != 0) return;
    ::kill(p, SIGTERM);
    if (!testing::wait_until([p] { return ::kill(p, 0) != 0; }, Millis(5000))) ::kill(p, SIGKILL);
  }
};

class Fleet {
 public:
  testing::TempDir dir{"stockbridge-enrolment"};
  std::string ca = dir.file("fleet-ca");
  uint16_t broker_port = testing::free_port();
  uint16_t relay_port = testing::free_port();
  std::unique_ptr<HttpClient> http = make_poco_http_client({});
  testing::Process broker, relay;
  std::deque<Gateway> gateways;  // a deque: references to a gateway stay valid as more are added
  int runs = 0;

  ~Fleet() {
    for (const Gateway& g : gateways) g.stop();
  }

  std::string broker_uri() const { return "ssl://127.0.0.1:" + std::to_string(broker_port); }
  std::string relay_url() const { return "http://127.0.0.1:" + std::to_string(relay_port); }

  // Runs provisioning/NAME; `env` is added to this process's environment.
  Run script(const std::string& name, std::vector<std::string> args, Millis timeout = Millis(60'000),
             testing::Process::Env env = {}) {
    args.insert(args.begin(), kScripts + name);
    return run_program(std::move(args), dir.file("run-" + std::to_string(++runs) + "-" + name + ".log"), timeout,
                       std::move(env));
  }

  void must(const Run& r, const std::string& what) {
    if (r.code != 0) FAIL((what + " exited " + std::to_string(r.code) + ":\n" + tail(r.output)).c_str());
  }

  void make_ca() {
    must(script("fleet-ca", {"init", ca}), "fleet-ca init");
    must(script("fleet-ca", {"issue-server", ca, "--host", "127.0.0.1", "--host", "localhost"}), "fleet-ca issue-server");
    must(script("fleet-ca", {"issue-relay", ca, "--id", "relay-1"}), "fleet-ca issue-relay");
  }

  void start_broker() {
    std::vector<std::string> args = {"--out", dir.file("broker"), "--ca-dir", ca, "--host", "127.0.0.1",
                                     "--port", std::to_string(broker_port), "--bind", "127.0.0.1",
                                     "--data-dir", dir.file("broker/data"), "--relay-id", "relay-1"};
    // As root, mosquitto would switch users, which clears the parent-death signal.
    if (::geteuid() == 0) {
      args.push_back("--run-as");
      args.push_back("root");
    }
    must(script("broker-config", args), "broker-config");
    fs::create_directories(dir.file("broker/data"));
    Status s = broker.spawn({mosquitto_program(), "-c", dir.file("broker/mosquitto.conf")}, {}, dir.file("mosquitto.log"));
    CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
    bool up = testing::wait_until([&] { return !broker.running() || testing::tcp_port_open(broker_port); }, Millis(10'000));
    CHECK_TRUE_TEXT(up && broker.running(), ("mosquitto did not start:\n" + broker.log_tail()).c_str());
  }

  void start_relay() {
    std::ofstream conf(dir.file("relay.conf"));
    conf << "relay.id = relay-1\n"
         << "ledger.path = " << dir.file("relay-ledger") << "\n"
         << "http.port = " << relay_port << "\n"
         << "mqtt.server_uri = " << broker_uri() << "\n"
         << "mqtt.ca_file = " << ca << "/ca.crt\n"
         << "mqtt.cert_file = " << ca << "/relay/relay-1.crt\n"
         << "mqtt.key_file = " << ca << "/relay/relay-1.key\n"
         << "mqtt.keepalive = 2s\n"
         << "uplink.site_silent_after = 5s\n"  // the agents send their state every second
         << "erp.base_url = http://127.0.0.1:" << testing::free_port() << "\n"
         << "log.level = info\n";
    conf.close();
    Status s = relay.spawn({kBin + "/relay/stockbridge-relay", "--config", dir.file("relay.conf")}, {}, dir.file("relay.log"));
    CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
    bool ready = testing::wait_until([&] { return !relay.running() || get(relay_url() + "/readyz").ok(); }, Millis(20'000), Millis(100));
    CHECK_TRUE_TEXT(ready && relay.running(), ("the relay did not connect to the TLS broker:\n" + relay.log_tail() +
                                               "\n--- mosquitto ---\n" + broker.log_tail()).c_str());
  }

  Result<std::string> get(const std::string& url) {
    ClientRequest req;
    req.url = url;
    req.timeout = Millis(3000);
    Result<HttpResponse> r = http->send(req);
    if (!r.ok()) return r.status();
    if (r->status != 200) return Status::Unavailable(url + " answered " + std::to_string(r->status));
    return r->body;
  }

  // The relay's /api/status "sites", each by its site id (none when it does not answer).
  std::map<std::string, Json> relay_site_list() {
    std::map<std::string, Json> out;
    Result<std::string> body = get(relay_url() + "/api/status");
    if (!body.ok()) return out;
    Result<Json> j = Json::parse(*body);
    if (!j.ok() || !j->find("sites")) return out;
    for (const Json& s : j->find("sites")->items()) out[s.get_string("site_id")] = s;
    return out;
  }

  // site -> online, as the relay's /api/status says.
  std::map<std::string, bool> relay_sites() {
    std::map<std::string, bool> out;
    for (const auto& [site, s] : relay_site_list()) {
      const Json* online = s.find("online");
      out[site] = online && online->is_bool() && online->as_bool();
    }
    return out;
  }

  // site -> when the relay last heard its state (the agents send it every second).
  std::map<std::string, std::string> relay_state_at() {
    std::map<std::string, std::string> out;
    for (const auto& [site, s] : relay_site_list()) {
      const Json* at = s.find("state_at");
      out[site] = at ? at->dump() : "";
    }
    return out;
  }

  Gateway& add_gateway(const std::string& site) {
    gateways.push_back({site, dir.file("gw-" + site), testing::free_port()});
    return gateways.back();
  }

  // Enrols g with the local transport, starting `agent` (the built program by
  // default); `extra` are more enroll options.
  Run enroll(const Gateway& g, const std::string& relay, int timeout_s, const std::string& agent = "",
             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "--site", g.site, "--ca-dir", ca, "--broker-uri", broker_uri(), "--relay-url", relay,
        "--transport", "local", "--root", g.root, "--no-install",
        "--agent-bin", agent.empty() ? kBin + "/agent/stockbridge-agent" : agent, "--http-port", std::to_string(g.port),
        "--set", "mqtt.keepalive=2s", "--set", "forward.state_interval=1s", "--timeout", std::to_string(timeout_s)};
    args.insert(args.end(), extra.begin(), extra.end());
    return script("enroll", args, Millis((timeout_s + 60) * 1000));
  }

  std::vector<std::string> tls(const std::string& cert, const std::string& key) const {
    return {"-h", "127.0.0.1", "-p", std::to_string(broker_port), "--cafile", ca + "/ca.crt", "--cert", cert, "--key", key};
  }

  // mosquitto_pub of one QoS 1 message; its exit code.
  int publish(std::vector<std::string> id, const std::string& topic, const std::string& message) {
    std::vector<std::string> argv = {"mosquitto_pub"};
    argv.insert(argv.end(), id.begin(), id.end());
    for (const char* a : {"-q", "1", "-t"}) argv.push_back(a);
    argv.push_back(topic);
    argv.push_back("-m");
    argv.push_back(message);
    return run_program(argv, dir.file("pub-" + std::to_string(++runs) + ".log"), Millis(15'000)).code;
  }

  // A mosquitto_sub running until the test ends, printing "topic payload" lines.
  std::unique_ptr<testing::Process> subscribe(std::vector<std::string> id, const std::string& client_id,
                                              std::vector<std::string> filters) {
    auto p = std::make_unique<testing::Process>();
    std::vector<std::string> argv = {"mosquitto_sub", "-v", "-q", "1", "-i", client_id};
    argv.insert(argv.end(), id.begin(), id.end());
    for (const std::string& f : filters) {
      argv.push_back("-t");
      argv.push_back(f);
    }
    Status s = p->spawn(argv, {}, dir.file(client_id + ".log"));
    CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
    // Subscribed once the broker logs the client's connection.
    bool in = testing::wait_until([&] { return contains(read_file(dir.file("mosquitto.log")), client_id); }, Millis(10'000));
    CHECK_TRUE_TEXT(in && p->running(), ("mosquitto_sub did not connect:\n" + p->log_tail()).c_str());
    testing::wait_until([] { return false; }, Millis(300));  // its SUBSCRIBE follows the CONNECT
    return p;
  }

  std::string relay_id_cert() const { return ca + "/relay/relay-1.crt"; }
  std::string relay_id_key() const { return ca + "/relay/relay-1.key"; }
  std::string site_cert(const std::string& site) const { return ca + "/sites/" + site + ".crt"; }

  std::string logs() { return "--- relay ---\n" + relay.log_tail(20) + "\n--- mosquitto ---\n" + broker.log_tail(20); }
};

}  // namespace sb::provisioning_test
