// Enrolment of gateways, as an operator does it, with the real scripts
// (provisioning/fleet-ca, broker-config, enroll), a real mosquitto with the
// rendered TLS configuration and ACL, the real relay and real agents.
//
// Each gateway is a local root directory (enroll --transport local): its key
// is made there and must not be found anywhere else.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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

using namespace sb;
namespace fs = std::filesystem;

namespace {

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
Run run_program(std::vector<std::string> argv, const std::string& log, Millis timeout = Millis(60'000)) {
  std::ofstream(log, std::ios::trunc).close();
  testing::Process p;
  Status s = p.spawn(std::move(argv), {}, log);
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
  std::vector<Gateway> gateways;
  int runs = 0;

  ~Fleet() {
    for (const Gateway& g : gateways) g.stop();
  }

  std::string broker_uri() const { return "ssl://127.0.0.1:" + std::to_string(broker_port); }
  std::string relay_url() const { return "http://127.0.0.1:" + std::to_string(relay_port); }

  Run script(const std::string& name, std::vector<std::string> args, Millis timeout = Millis(60'000)) {
    args.insert(args.begin(), kScripts + name);
    return run_program(std::move(args), dir.file("run-" + std::to_string(++runs) + "-" + name + ".log"), timeout);
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

  // site -> online, as the relay's /api/status says.
  std::map<std::string, bool> relay_sites() {
    std::map<std::string, bool> out;
    Result<std::string> body = get(relay_url() + "/api/status");
    if (!body.ok()) return out;
    Result<Json> j = Json::parse(*body);
    if (!j.ok() || !j->find("sites")) return out;
    for (const Json& s : j->find("sites")->items()) {
      const Json* online = s.find("online");
      out[s.get_string("site_id")] = online && online->is_bool() && online->as_bool();
    }
    return out;
  }

  // site -> when the relay last heard its state (the agents send it every second).
  std::map<std::string, std::string> relay_state_at() {
    std::map<std::string, std::string> out;
    Result<std::string> body = get(relay_url() + "/api/status");
    if (!body.ok()) return out;
    Result<Json> j = Json::parse(*body);
    if (!j.ok() || !j->find("sites")) return out;
    for (const Json& s : j->find("sites")->items()) {
      const Json* at = s.find("state_at");
      out[s.get_string("site_id")] = at ? at->dump() : "";
    }
    return out;
  }

  Gateway& add_gateway(const std::string& site) {
    gateways.push_back({site, dir.file("gw-" + site), testing::free_port()});
    return gateways.back();
  }

  Run enroll(const Gateway& g, const std::string& relay, int timeout_s) {
    return script("enroll",
                  {"--site", g.site, "--ca-dir", ca, "--broker-uri", broker_uri(), "--relay-url", relay,
                   "--transport", "local", "--root", g.root, "--no-install",
                   "--agent-bin", kBin + "/agent/stockbridge-agent", "--http-port", std::to_string(g.port),
                   "--set", "mqtt.keepalive=2s", "--set", "forward.state_interval=1s",
                   "--timeout", std::to_string(timeout_s)},
                  Millis((timeout_s + 60) * 1000));
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

// Files under `top`, except those under any of `skip`, that hold any of `needles`.
std::vector<std::string> files_holding(const std::string& top, const std::vector<std::string>& skip,
                                       const std::vector<std::string>& needles) {
  std::vector<std::string> found;
  for (auto it = fs::recursive_directory_iterator(top, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string path = it->path().string();
    bool skipped = false;
    for (const std::string& s : skip) skipped = skipped || path.rfind(s + "/", 0) == 0 || path == s;
    if (skipped) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->file_size() > (64u << 20)) continue;
    const std::string text = read_file(path);
    for (const std::string& n : needles)
      if (contains(text, n)) found.push_back(path);
  }
  return found;
}

}  // namespace

TEST_GROUP(Enrolment){};

// The whole operator's path: CA, broker, relay, three gateways enrolled; then
// the ACL, a client without a certificate, and the revocation of one site.
TEST(Enrolment, ThreeGatewaysEachConfinedToItsOwnTreeAndOneRevoked) {
  Fleet f;
  f.make_ca();
  f.start_broker();
  f.start_relay();

  for (const char* site : {"site-a", "site-b", "site-c"}) {
    Gateway& g = f.add_gateway(site);
    Run r = f.enroll(g, f.relay_url(), 60);
    CHECK_EQUAL_TEXT(0, r.code, ("enroll " + g.site + ":\n" + tail(r.output) + "\n" + f.logs()).c_str());
    CHECK_TRUE_TEXT(contains(r.output, "[1/8] generating the key on the gateway ... ok"), r.output.c_str());
    CHECK_TRUE_TEXT(contains(r.output, "site " + g.site + " is enrolled"), r.output.c_str());
    struct stat st {};
    CHECK_EQUAL(0, ::stat(g.key().c_str(), &st));
    CHECK_EQUAL(0600, st.st_mode & 0777);
  }
  std::map<std::string, bool> sites = f.relay_sites();
  for (const char* site : {"site-a", "site-b", "site-c"})
    CHECK_TRUE_TEXT(sites[site], (std::string(site) + " is not online at the relay\n" + f.logs()).c_str());

  // Enrolling again changes nothing but restarts the agent: same key, same certificate.
  const std::string key_before = read_file(f.gateways[0].key());
  const std::string cert_before = read_file(f.site_cert("site-a"));
  Run again = f.enroll(f.gateways[0], f.relay_url(), 60);
  CHECK_EQUAL_TEXT(0, again.code, tail(again.output).c_str());
  CHECK_TRUE_TEXT(contains(again.output, "kept the existing key"), again.output.c_str());
  CHECK_EQUAL(key_before, read_file(f.gateways[0].key()));
  CHECK_EQUAL(cert_before, read_file(f.site_cert("site-a")));

  // The ACL. The relay's identity watches every site's uplink; site-a writes
  // into site-b's tree (dropped) and into its own (delivered, after it).
  const Gateway& a = f.gateways[0];
  auto watch = f.subscribe(f.tls(f.relay_id_cert(), f.relay_id_key()), "acl-watch",
                           {"stockbridge/v1/+/up", "stockbridge/v1/+/up/ack"});
  const auto as_a = f.tls(f.site_cert("site-a"), a.key());
  CHECK_EQUAL(0, f.publish(as_a, "stockbridge/v1/site-b/up", "forged-by-site-a"));
  CHECK_EQUAL(0, f.publish(as_a, "stockbridge/v1/site-a/up/ack", "self-ack-by-site-a"));
  CHECK_EQUAL(0, f.publish(as_a, "stockbridge/v1/site-a/up", "own-by-site-a"));
  const std::string watch_log = f.dir.file("acl-watch.log");
  CHECK_TRUE_TEXT(testing::wait_until([&] { return contains(read_file(watch_log), "own-by-site-a"); }, Millis(10'000)),
                  ("site-a's publish to its own tree did not arrive:\n" + read_file(watch_log) + f.logs()).c_str());
  CHECK_FALSE_TEXT(contains(read_file(watch_log), "forged-by-site-a"), "site-a could publish into site-b's tree");
  CHECK_FALSE_TEXT(contains(read_file(watch_log), "self-ack-by-site-a"), "site-a could forge its own acknowledgements");

  // Reading: site-b's agent publishes its state every second; site-a sees none of it.
  auto peek = f.subscribe(as_a, "site-a-peeking", {"stockbridge/v1/site-b/#", "stockbridge/v1/+/state"});
  auto relay_sees = f.subscribe(f.tls(f.relay_id_cert(), f.relay_id_key()), "relay-sees-b", {"stockbridge/v1/site-b/state"});
  CHECK_TRUE_TEXT(testing::wait_until([&] { return contains(read_file(f.dir.file("relay-sees-b.log")), "site-b/state"); },
                                      Millis(10'000)),
                  "the relay's identity does not see site-b's state");
  CHECK_FALSE_TEXT(contains(read_file(f.dir.file("site-a-peeking.log")), "site-b"), "site-a could read site-b's tree");

  // No client certificate, no connection.
  int anonymous = f.publish({"-h", "127.0.0.1", "-p", std::to_string(f.broker_port), "--cafile", f.ca + "/ca.crt"},
                            "stockbridge/v1/site-a/up", "no-cert");
  CHECK_TRUE_TEXT(anonymous != 0, "a client without a certificate was accepted");
  CHECK_FALSE(contains(read_file(watch_log), "no-cert"));
  watch.reset();
  peek.reset();
  relay_sees.reset();

  // Revoke site-c: new CRL, broker restarted; site-c is out, a and b stay.
  f.must(f.script("fleet-ca", {"revoke", f.ca, "--site", "site-c", "--reason", "keyCompromise"}), "fleet-ca revoke");
  Run listed = f.script("fleet-ca", {"list", f.ca});
  f.must(listed, "fleet-ca list");
  CHECK_TRUE_TEXT(contains(listed.output, "revoked"), listed.output.c_str());
  CHECK_TRUE(f.broker.restart().ok());
  CHECK_TRUE(testing::wait_until([&] { return testing::tcp_port_open(f.broker_port); }, Millis(10'000)));
  // a and b come back and keep reporting; site-c is never heard from again,
  // and the relay counts it offline once it has been silent (no last will is
  // sent when the broker itself goes down).
  bool back = testing::wait_until(
      [&] {
        std::map<std::string, bool> s = f.relay_sites();
        return s["site-a"] && s["site-b"] && !s["site-c"];
      },
      Millis(60'000), Millis(250));
  CHECK_TRUE_TEXT(back, ("site-a and site-b online and site-c offline after the broker restart\n" + f.logs()).c_str());
  std::map<std::string, std::string> before = f.relay_state_at();
  testing::wait_until([] { return false; }, Millis(4000));
  std::map<std::string, std::string> after = f.relay_state_at();
  CHECK_TRUE_TEXT(before["site-a"] != after["site-a"], "site-a's state is no longer heard");
  CHECK_TRUE_TEXT(before["site-b"] != after["site-b"], "site-b's state is no longer heard");
  CHECK_EQUAL_TEXT(before["site-c"], after["site-c"], "the revoked site-c still reaches the relay");
  CHECK_FALSE_TEXT(f.relay_sites()["site-c"], "the relay still counts the revoked site-c online");
  CHECK_TRUE_TEXT(contains(read_file(f.dir.file("mosquitto.log")), "certificate verify failed"),
                  "the broker did not refuse site-c's certificate");
  const Gateway& c = f.gateways[2];
  CHECK_TRUE_TEXT(f.publish(f.tls(f.site_cert("site-c"), c.key()), "stockbridge/v1/site-c/up", "revoked") != 0,
                  "site-c's revoked certificate still connects");
  // The revoked key is refused for a new certificate too.
  Run reenrol = f.enroll(c, f.relay_url(), 10);
  CHECK_TRUE(reenrol.code != 0);
  CHECK_TRUE_TEXT(contains(reenrol.output, "step 3/8") && contains(reenrol.output, "revoked"), reenrol.output.c_str());

  // No private key of a gateway anywhere but in its own root.
  std::vector<std::string> needles, roots;
  for (const Gateway& g : f.gateways) {
    for (const std::string& l : key_lines(read_file(g.key()))) needles.push_back(l);
    needles.push_back(key_body(read_file(g.key())));
    roots.push_back(g.root);
  }
  CHECK_TRUE(needles.size() >= 6);
  std::vector<std::string> leaks = files_holding(f.dir.path(), roots, needles);
  std::string listing;
  for (const std::string& l : leaks) listing += l + "\n";
  CHECK_TRUE_TEXT(leaks.empty(), ("a gateway's private key was found outside its root:\n" + listing).c_str());
  // Nor in any gateway's root but its own.
  for (size_t i = 0; i < f.gateways.size(); ++i) {
    std::vector<std::string> others;
    for (size_t k = 0; k < f.gateways.size(); ++k)
      if (k != i) others.push_back(f.gateways[k].root);
    std::vector<std::string> mine = key_lines(read_file(f.gateways[i].key()));
    std::vector<std::string> in_others = files_holding(f.dir.path(), {f.gateways[i].root}, mine);
    CHECK_TRUE(in_others.empty());
  }
}

// With the relay unreachable, enroll says which step failed and why, and fails.
TEST(Enrolment, FailsPlainlyWhenTheRelayIsUnreachable) {
  Fleet f;
  f.make_ca();
  f.start_broker();
  Gateway& g = f.add_gateway("site-x");
  const std::string nobody = "http://127.0.0.1:" + std::to_string(testing::free_port());
  Run r = f.enroll(g, nobody, 5);
  CHECK_TRUE_TEXT(r.code != 0, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "[8/8] waiting for the agent's /readyz and the relay to see the site online"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "FAILED"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "step 8/8"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "relay's API at " + nobody + "/api/status did not answer"), r.output.c_str());
  // Steps 1 to 7 did their part: the agent runs with its certificate.
  CHECK_TRUE(contains(r.output, "[7/8] starting the agent ... ok"));
  CHECK_TRUE(::kill(g.pid(), 0) == 0);
}

// fleet-ca checks identities: a request for another site, an existing CA.
TEST(Enrolment, FleetCaRefusesWhatWouldConfuseIdentities) {
  Fleet f;
  f.make_ca();
  Run again = f.script("fleet-ca", {"init", f.ca});
  CHECK_TRUE(again.code != 0);
  CHECK_TRUE_TEXT(contains(again.output, "refusing to overwrite"), again.output.c_str());

  const std::string key = f.dir.file("gw.key"), csr = f.dir.file("gw.csr");
  f.must(run_program({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key},
             f.dir.file("genpkey.log")),
         "openssl genpkey");
  f.must(run_program({"openssl", "req", "-new", "-key", key, "-subj", "/CN=site-a", "-out", csr}, f.dir.file("req.log")), "openssl req");
  Run wrong = f.script("fleet-ca", {"sign", f.ca, csr, "--site", "site-b"});
  CHECK_TRUE(wrong.code != 0);
  CHECK_TRUE_TEXT(contains(wrong.output, "CN=site-a, not for site site-b"), wrong.output.c_str());

  f.must(run_program({"openssl", "req", "-new", "-key", key, "-subj", "/CN=relay-1", "-out", csr}, f.dir.file("req2.log")), "openssl req");
  Run clash = f.script("fleet-ca", {"sign", f.ca, csr, "--site", "relay-1"});
  CHECK_TRUE(clash.code != 0);
  CHECK_TRUE_TEXT(contains(clash.output, "already the identity of a relay"), clash.output.c_str());

  Run nothing = f.script("fleet-ca", {"revoke", f.ca, "--site", "site-z"});
  CHECK_TRUE(nothing.code != 0);
  CHECK_TRUE_TEXT(contains(nothing.output, "no certificate was ever issued"), nothing.output.c_str());
}
