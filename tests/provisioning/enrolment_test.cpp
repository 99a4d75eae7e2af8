// Enrolment of gateways, as an operator does it, with the real scripts
// (provisioning/fleet-ca, broker-config, enroll), a real mosquitto with the
// rendered TLS configuration and ACL, the real relay and real agents.
//
// Each gateway is a local root directory (enroll --transport local): its key
// is made there and must not be found anywhere else.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/provisioning/fleet_fixture.h"

using namespace sb;
using namespace sb::provisioning_test;

namespace {

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
  // A reload (SIGHUP) makes the broker check new connections against the new CRL.
  CHECK_EQUAL(0, ::kill(f.broker.pid(), SIGHUP));
  bool reloaded = testing::wait_until([&] { return contains(read_file(f.dir.file("mosquitto.log")), "Reloading config"); },
                                      Millis(5000));
  CHECK_TRUE_TEXT(reloaded, f.broker.log_tail().c_str());
  {
    const Gateway& c = f.gateways[2];
    CHECK_TRUE_TEXT(f.publish(f.tls(f.site_cert("site-c"), c.key()), "stockbridge/v1/site-c/up", "revoked") != 0,
                    "after the reload, site-c's revoked certificate still makes a new connection");
  }
  // A restart drops the connection site-c's agent still holds.
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

  // A key (made when missing) and a certificate request for it with that CN, as a gateway or a relay's host makes them.
  int requests = 0;
  auto request = [&](const std::string& key, const std::string& cn, const std::string& csr) {
    const std::string n = std::to_string(++requests);
    if (!fs::exists(key))
      f.must(run_program({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key},
                         f.dir.file("genpkey-" + n + ".log")),
             "openssl genpkey");
    f.must(run_program({"openssl", "req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr}, f.dir.file("req-" + n + ".log")),
           "openssl req");
  };
  const std::string key = f.dir.file("gw.key"), csr = f.dir.file("gw.csr");
  request(key, "site-a", csr);
  Run wrong = f.script("fleet-ca", {"sign", f.ca, csr, "--site", "site-b"});
  CHECK_TRUE(wrong.code != 0);
  CHECK_TRUE_TEXT(contains(wrong.output, "CN=site-a, not for site site-b"), wrong.output.c_str());

  request(key, "relay-1", csr);
  Run clash = f.script("fleet-ca", {"sign", f.ca, csr, "--site", "relay-1"});
  CHECK_TRUE(clash.code != 0);
  CHECK_TRUE_TEXT(contains(clash.output, "already the identity of a relay"), clash.output.c_str());

  // A relay's own request (its key made on its host) is signed as a relay identity, and the
  // same checks hold: its CN, and no site may hold that identity.
  const std::string relay_key = f.dir.file("relay-2.key"), relay_csr = f.dir.file("relay-2.csr");
  request(relay_key, "relay-2", relay_csr);
  Run relay_wrong = f.script("fleet-ca", {"sign", f.ca, relay_csr, "--relay", "relay-3"});
  CHECK_TRUE(relay_wrong.code != 0);
  CHECK_TRUE_TEXT(contains(relay_wrong.output, "CN=relay-2, not for relay relay-3"), relay_wrong.output.c_str());
  Run relay_signed = f.script("fleet-ca", {"sign", f.ca, relay_csr, "--relay", "relay-2"});
  CHECK_EQUAL_TEXT(0, relay_signed.code, relay_signed.output.c_str());
  CHECK_TRUE_TEXT(contains(relay_signed.output, f.ca + "/relay/relay-2.crt"), relay_signed.output.c_str());
  Run subject = run_program({"openssl", "x509", "-in", f.ca + "/relay/relay-2.crt", "-noout", "-subject", "-ext", "extendedKeyUsage"},
                            f.dir.file("x509.log"));
  CHECK_TRUE_TEXT(contains(subject.output, "OU = relay, CN = relay-2") && contains(subject.output, "TLS Web Client Authentication"),
                  subject.output.c_str());
  Run listed = f.script("fleet-ca", {"list", f.ca});
  CHECK_TRUE_TEXT(contains(listed.output, "relay-2"), listed.output.c_str());
  request(key, "relay-2", csr);
  Run site_clash = f.script("fleet-ca", {"sign", f.ca, csr, "--site", "relay-2"});
  CHECK_TRUE(site_clash.code != 0);
  CHECK_TRUE_TEXT(contains(site_clash.output, "already the identity of a relay"), site_clash.output.c_str());

  Run nothing = f.script("fleet-ca", {"revoke", f.ca, "--site", "site-z"});
  CHECK_TRUE(nothing.code != 0);
  CHECK_TRUE_TEXT(contains(nothing.output, "no certificate was ever issued"), nothing.output.c_str());
}
