// A fleet update as an operator runs it (provisioning/fleet-update), across
// three enrolled gateways with real agents, a TLS mosquitto and the relay.
//
// Each gateway is a local root directory: the stockbridge-agent package is
// really installed there by dpkg (--root), enroll configures it and starts the
// installed program, and fleet-update (--transport local) installs the new
// package with dpkg into that root and starts the new program. The new release
// is the agent built again with the next version (stockbridge-agent-next),
// packaged and signed with the fleet's release key.
//
// The third gateway's new version is made to fail its gate: as soon as it
// reports the new version, the test sends it an event of a warehouse it has no
// ERP location for, which it holds as a new exception (one of the gate's
// "no new errors"). It must be rolled back while the first two stay updated.
#include <atomic>
#include <chrono>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/provisioning/fleet_fixture.h"

using namespace sb;
using namespace sb::provisioning_test;

namespace {

const std::string kDebs = STOCKBRIDGE_DEBS_DIR;
const std::string kDebian12 = STOCKBRIDGE_DEBIAN12_BASE;
const std::string kNext = STOCKBRIDGE_NEXT_VERSION;
const std::string kCurrent = "0.1.0";

Run sh(const std::string& script, const std::string& log, Millis timeout = Millis(120'000)) {
  return run_program({"bash", "-c", script}, log, timeout);
}

std::string q(const std::string& s) {  // single-quoted for bash
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class Rollout {
 public:
  Fleet f;
  std::string keys = f.dir.file("release");
  std::string current, next, tampered, unsigned_next, inventory = f.dir.file("fleet.txt");

  Rollout() {
    f.make_ca();
    f.start_broker();
    f.start_relay();
    make_packages();
  }

  void must(const Run& r, const std::string& what) { f.must(r, what); }

  void make_packages() {
    std::string built = first_file(kDebs + "/current", "stockbridge-agent_");
    CHECK_TRUE_TEXT(!built.empty(), ("no stockbridge-agent package in " + kDebs + "/current").c_str());
    std::string arch = built.substr(built.rfind('_') + 1);
    arch = arch.substr(0, arch.find('.'));
    fs::create_directories(f.dir.file("pkgs/unsigned"));
    current = f.dir.file("pkgs/stockbridge-agent_" + kCurrent + "_" + arch + ".deb");
    next = f.dir.file("pkgs/stockbridge-agent_" + kNext + "_" + arch + ".deb");
    tampered = f.dir.file("pkgs/tampered/stockbridge-agent_" + kNext + "_" + arch + ".deb");
    unsigned_next = f.dir.file("pkgs/unsigned/stockbridge-agent_" + kNext + "_" + arch + ".deb");
    fs::create_directories(f.dir.file("pkgs/tampered"));
    fs::copy_file(built, current);
    const std::string maker = kSource + "/tests/provisioning/make_release.sh ";
    const std::string program = kBin + "/tests/provisioning/stockbridge-agent-next";
    must(sh(maker + q(built) + " " + q(program) + " " + kNext + " " + q(next), f.dir.file("make-next.log")), "make_release next");
    must(sh(maker + q(built) + " " + q(program) + " " + kNext + " " + q(tampered) + " tamper", f.dir.file("make-tampered.log")),
         "make_release tampered");
    fs::copy_file(next, unsigned_next);
    must(f.script("fleet-update", {"keygen", keys}), "fleet-update keygen");
    must(f.script("fleet-update", {"sign", "--key", keys + "/release.key", current, next}), "fleet-update sign");
    // The tampered package carries the signature made for the real one.
    fs::copy_file(next + ".sig", tampered + ".sig");
  }

  static std::string first_file(const std::string& dir, const std::string& prefix) {
    if (!fs::exists(dir)) return "";
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().rfind(prefix, 0) == 0) return e.path().string();
    return "";
  }

  // A gateway with the current package installed by dpkg into its root, then
  // enrolled; its agent is the installed program.
  Gateway& add_gateway(const std::string& site) {
    Gateway& g = f.add_gateway(site);
    const std::string db = g.root + "/var/lib/dpkg";
    must(sh("set -e; mkdir -p " + q(db) + "/info " + q(db) + "/updates " + q(db) + "/triggers; touch " + q(db) +
                "/status " + q(db) + "/available; dpkg --root=" + q(g.root) +
                " --log=/dev/null --force-not-root --force-script-chrootless --force-depends -i " + q(current) + " </dev/null",
            f.dir.file("install-" + site + ".log")),
         "dpkg --root install of " + site);
    Run r = f.enroll(g, f.relay_url(), 60, g.root + "/usr/bin/stockbridge-agent",
                     {"--release-pub", keys + "/release.pub", "--set", "rules.location_map=WH1=1"});
    CHECK_EQUAL_TEXT(0, r.code, ("enroll " + site + ":\n" + tail(r.output) + "\n" + f.logs()).c_str());
    CHECK_TRUE_TEXT(contains(r.output, "and the release key /etc/stockbridge/release.pub"), r.output.c_str());
    return g;
  }

  Result<Json> status(const Gateway& g) {
    Result<std::string> body = f.get("http://127.0.0.1:" + std::to_string(g.port) + "/api/status");
    if (!body.ok()) return body.status();
    return Json::parse(*body);
  }

  std::string reported_version(const Gateway& g) {
    Result<Json> s = status(g);
    return s.ok() ? s->get_string("version") : "(not answering: " + s.status().to_string() + ")";
  }

  int64_t figure(const Gateway& g, const std::string& section, const std::string& key) {
    Result<Json> s = status(g);
    int64_t n = -1;
    if (!s.ok() || !s->find(section) || !s->find(section)->find(key) || !s->find(section)->find(key)->as_int64(&n)) return -1;
    return n;
  }

  std::string installed_version(const Gateway& g) {
    Run r = sh("dpkg-query --admindir=" + q(g.root + "/var/lib/dpkg") + " -W -f='${Version}' stockbridge-agent",
               f.dir.file("query.log"));
    return r.code == 0 ? r.output : "(dpkg-query failed: " + r.output + ")";
  }

  // POSTs events to the gateway's intake; the HTTP status.
  int post_events(const Gateway& g, const std::string& warehouse, int first, int count) {
    std::string body = "{\"events\": [";
    for (int i = first; i < first + count; ++i) {
      if (i > first) body += ",";
      body += "{\"event_id\": \"clarus:" + g.site + ":adj:" + std::to_string(i) +
              "\", \"occurred_at\": \"2026-11-27T10:42:00Z\", \"stock_adjustment\": {\"sku\": \"SKU-0001\", "
              "\"warehouse\": \"" + warehouse + "\", \"location\": \"A-01-01\", \"quantity_delta\": -1, "
              "\"unit\": \"EA\", \"reason_code\": \"DAMAGED\"}}";
    }
    body += "]}";
    ClientRequest req;
    req.method = "POST";
    req.url = "http://127.0.0.1:" + std::to_string(g.port) + "/v1/events";
    req.body = body;
    req.timeout = Millis(10'000);
    Result<HttpResponse> r = f.http->send(req);
    return r.ok() ? r->status : -1;
  }

  Run update(std::vector<std::string> args) {
    std::vector<std::string> all = {"--inventory", inventory, "--transport", "local", "--gate-timeout", "60"};
    all.insert(all.end(), args.begin(), args.end());
    return f.script("fleet-update", all, Millis(300'000));
  }
};

// Does `act` once, as soon as the gateway reports the next version (from a
// thread of its own, while fleet-update runs).
class OnNewVersion {
 public:
  OnNewVersion(const Gateway& g, std::function<bool()> act)
      : thread_([this, port = g.port, act = std::move(act)] {
          std::unique_ptr<HttpClient> http = make_poco_http_client({});
          while (!stop_ && !done_) {
            ClientRequest req;
            req.url = "http://127.0.0.1:" + std::to_string(port) + "/api/status";
            req.timeout = Millis(2000);
            Result<HttpResponse> s = http->send(req);
            if (s.ok() && s->status == 200) {
              Result<Json> j = Json::parse(s->body);
              if (j.ok() && j->get_string("version") == kNext) done_ = act();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~OnNewVersion() { finish(); }
  bool done() {
    finish();
    return done_;
  }

 private:
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<bool> stop_{false}, done_{false};
  std::thread thread_;
};

// The line of the state file for a site: "site<TAB>result<TAB>from<TAB>to<TAB>detail".
std::string state_line(const std::string& state, const std::string& site) {
  std::istringstream in(read_file(state));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(site + "\t", 0) == 0) return line;
  return "";
}

// A line of fleet-update's progress about a site (after its time stamp).
std::string said(const std::string& site, const std::string& text) {
  std::string padded = site;
  padded.resize(std::max<size_t>(16, site.size()), ' ');
  return padded + " " + text;
}

// A line of its check of the gateways.
std::string checked(const std::string& site, const std::string& text) {
  std::string padded = "  " + site;
  padded.resize(std::max<size_t>(22, padded.size()), ' ');
  return padded + " " + text;
}

}  // namespace

TEST_GROUP(FleetUpdate){};

TEST(FleetUpdate, CanaryThenBatchTheThirdRolledBackThenResumed) {
  Rollout t;
  std::vector<Gateway*> gw;
  for (const char* site : {"site-1", "site-2", "site-3"}) gw.push_back(&t.add_gateway(site));
  {
    std::ofstream inv(t.inventory);
    inv << "# site   address   group   options\n"
        << "site-1 " << gw[0]->root << " canary port=" << gw[0]->port << "\n"
        << "site-2 " << gw[1]->root << " north port=" << gw[1]->port << "  # the first batch\n"
        << "site-3 " << gw[2]->root << " north port=" << gw[2]->port << "\n";
  }
  // Traffic before the rollout: every event reaches the relay.
  for (Gateway* g : gw) {
    CHECK_EQUAL(201, t.post_events(*g, "WH1", 1, 10));
    bool drained = testing::wait_until([&] { return t.figure(*g, "journal", "backlog") == 0; }, Millis(30'000));
    CHECK_TRUE_TEXT(drained, (g->site + " did not forward its events\n" + t.f.logs()).c_str());
    CHECK_EQUAL(kCurrent, t.reported_version(*g));
    CHECK_EQUAL(kCurrent, t.installed_version(*g));
  }
  const std::string state = t.f.dir.file("rollout.state");

  // An unsigned package is refused before any gateway is touched.
  Run r = t.update({"--package", t.unsigned_next, "--previous-package", t.current, "--state", state});
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "is not signed"), r.output.c_str());

  // Gateways that keep no copy of the package they run cannot be rolled back: blocked.
  r = t.update({"--package", t.next, "--dry-run", "--batch-size", "2"});
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "BLOCKED: no verified copy of its package " + kCurrent + " to roll back to"), r.output.c_str());

  // The dry run checks every gateway, prints the plan and changes nothing.
  r = t.update({"--package", t.next, "--previous-package", t.current, "--dry-run", "--batch-size", "2", "--state", state});
  CHECK_EQUAL_TEXT(0, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "wave 1 (canary): site-1\n"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "wave 2 (batch 1): site-2 site-3\n"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "ok: " + kCurrent + " -> " + kNext), r.output.c_str());
  CHECK_FALSE(fs::exists(state));
  for (Gateway* g : gw) {
    CHECK_EQUAL(kCurrent, t.installed_version(*g));
    CHECK_FALSE(fs::exists(g->root + "/var/lib/stockbridge-update/packages"));
  }

  // A package altered after signing: the canary's gateway refuses it; nothing is installed anywhere.
  const std::string tampered_state = t.f.dir.file("tampered.state");
  r = t.update({"--package", t.tampered, "--previous-package", t.current, "--gate-window", "3", "--state", tampered_state});
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "REFUSED by the gateway: the signature does not match the release key"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(state_line(tampered_state, "site-1"), "\trefused\t"), read_file(tampered_state).c_str());
  CHECK_TRUE_TEXT(contains(state_line(tampered_state, "site-2"), "\tpending\t"), read_file(tampered_state).c_str());
  CHECK_FALSE(contains(r.output, said("site-2", "sending")));
  for (Gateway* g : gw) {
    CHECK_EQUAL(kCurrent, t.installed_version(*g));
    CHECK_EQUAL(kCurrent, t.reported_version(*g));
    CHECK_FALSE(fs::exists(g->root + "/var/lib/stockbridge-update/incoming/stockbridge-agent_" + kNext + "_" +
                           t.next.substr(t.next.rfind('_') + 1)));
  }

  // The rollout. Site 3's new version gets a new exception as soon as it runs.
  OnNewVersion breaker(*gw[2], [&] { return t.post_events(*gw[2], "WH9", 100, 1) == 201; });
  r = t.update({"--package", t.next, "--previous-package", t.current, "--batch-size", "2", "--gate-window", "6",
                "--state", state});
  CHECK_TRUE_TEXT(breaker.done(), ("site-3 never reported " + kNext + ":\n" + r.output).c_str());
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  // The canary passed its gate before the batch began.
  size_t canary_passed = r.output.find(said("site-1", "gate passed"));
  size_t batch_began = r.output.find(said("site-2", "sending"));
  CHECK_TRUE_TEXT(canary_passed != std::string::npos && batch_began != std::string::npos && canary_passed < batch_began,
                  r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-3", "GATE FAILED: 1 new exception(s): UNMAPPED_LOCATION 1")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-3", "rolled back: " + kCurrent + " is installed and ready")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "the rollout STOPPED: a gateway failed its gate"), r.output.c_str());
  // The summary table: a header and a row per gateway.
  CHECK_TRUE_TEXT(contains(r.output, "SITE") && contains(r.output, "RESULT") && contains(r.output, "DETAIL"), r.output.c_str());
  for (const char* row : {"site-1 +canary +canary +0.1.0 +[0-9.]+ +updated ", "site-3 +north +batch 1 +0.1.0 +[0-9.]+ +rolled-back "})
    CHECK_TRUE_TEXT(std::regex_search(r.output, std::regex(row)), r.output.c_str());
  for (int i : {0, 1}) {
    CHECK_EQUAL_TEXT(kNext, t.installed_version(*gw[i]), gw[i]->site.c_str());
    CHECK_EQUAL_TEXT(kNext, t.reported_version(*gw[i]), gw[i]->site.c_str());
    CHECK_TRUE_TEXT(contains(state_line(state, gw[i]->site), "\tupdated\t" + kCurrent + "\t" + kNext), read_file(state).c_str());
  }
  CHECK_EQUAL(kCurrent, t.installed_version(*gw[2]));
  CHECK_EQUAL(kCurrent, t.reported_version(*gw[2]));
  CHECK_TRUE_TEXT(contains(state_line(state, "site-3"), "\trolled-back\t" + kCurrent + "\t" + kNext), read_file(state).c_str());
  // Nothing of site 3 was lost by the update and the rollback: the held event is still there.
  CHECK_EQUAL(1, t.figure(*gw[2], "exceptions", "open"));
  // Both packages are kept on an updated gateway, for its own rollback later.
  CHECK_TRUE(fs::exists(gw[0]->root + "/var/lib/stockbridge-update/packages/" + fs::path(t.next).filename().string()));
  CHECK_TRUE(fs::exists(gw[0]->root + "/var/lib/stockbridge-update/packages/" + fs::path(t.current).filename().string()));

  // Run again: the state file holds a rollout of this package; it is resumed only when asked.
  r = t.update({"--package", t.next, "--previous-package", t.current, "--batch-size", "2", "--state", state});
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "run again with --resume"), r.output.c_str());

  // The cause looked at (the exception is the site's to handle), the rollout is resumed: only site 3 is updated.
  r = t.update({"--package", t.next, "--previous-package", t.current, "--batch-size", "2", "--gate-window", "3",
                "--state", state, "--resume"});
  CHECK_EQUAL_TEXT(0, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, checked("site-1", "updated earlier (state file)")), r.output.c_str());
  CHECK_FALSE(contains(r.output, said("site-1", "sending")));
  CHECK_TRUE_TEXT(contains(r.output, said("site-3", "gate passed")), r.output.c_str());
  for (Gateway* g : gw) {
    CHECK_EQUAL_TEXT(kNext, t.installed_version(*g), g->site.c_str());
    CHECK_EQUAL_TEXT(kNext, t.reported_version(*g), g->site.c_str());
    CHECK_TRUE_TEXT(contains(state_line(state, g->site), "\tupdated\t"), read_file(state).c_str());
  }
  // After all that, every event is still accounted for: the 10 sent before are forwarded, site 3's held one is held.
  for (Gateway* g : gw) CHECK_EQUAL_TEXT(0, t.figure(*g, "journal", "backlog"), g->site.c_str());
  CHECK_EQUAL(1, t.figure(*gw[2], "exceptions", "open"));
}

// The new version crashes (kill -9) on the canary during its gate: it is rolled
// back, its journal intact, and the rollout stops before anything else. Then
// fleet-update itself is killed during the canary's gate, and the resumed run
// gates that canary again before going on.
TEST(FleetUpdate, ACanaryKilledDuringItsGateIsRolledBackWithItsJournal) {
  Rollout t;
  Gateway& g = t.add_gateway("site-k");
  Gateway& other = t.add_gateway("site-o");
  {
    std::ofstream inv(t.inventory);
    inv << "site-k " << g.root << " canary port=" << g.port << "\n"
        << "site-o " << other.root << " south port=" << other.port << "\n";
  }
  CHECK_EQUAL(201, t.post_events(g, "WH1", 1, 12));
  CHECK_TRUE(testing::wait_until([&] { return t.figure(g, "journal", "backlog") == 0; }, Millis(30'000)));
  const int64_t last_seq = t.figure(g, "journal", "last_seq");
  CHECK_EQUAL(12, last_seq);

  // Killed a moment after it answers, once fleet-update has seen it start.
  OnNewVersion crash(g, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return g.pid() > 0 && ::kill(g.pid(), SIGKILL) == 0;
  });
  Run r = t.update({"--package", t.next, "--previous-package", t.current, "--gate-window", "5",
                    "--state", t.f.dir.file("crash.state")});
  CHECK_TRUE_TEXT(crash.done(), r.output.c_str());
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(std::regex_search(r.output, std::regex("site-k +GATE FAILED: the agent is not running \\(it exited or was killed\\)")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-k", "rolled back: " + kCurrent + " is installed and ready")), r.output.c_str());
  CHECK_FALSE(contains(r.output, said("site-o", "sending")));
  CHECK_EQUAL(kCurrent, t.installed_version(g));
  CHECK_EQUAL(kCurrent, t.reported_version(g));
  CHECK_EQUAL(kCurrent, t.installed_version(other));
  // The journal after the crash and the rollback: every event, nothing waiting.
  CHECK_EQUAL(last_seq, t.figure(g, "journal", "last_seq"));
  CHECK_EQUAL(0, t.figure(g, "journal", "backlog"));
  CHECK_EQUAL(201, t.post_events(g, "WH1", 13, 1));
  CHECK_TRUE(testing::wait_until([&] { return t.figure(g, "journal", "backlog") == 0; }, Millis(30'000)));
  CHECK_EQUAL(last_seq + 1, t.figure(g, "journal", "last_seq"));

  // Resumed, and fleet-update itself is killed (kill -9) while the canary's gate runs.
  const std::string state = t.f.dir.file("crash.state");
  testing::Process run;
  {
    std::vector<std::string> argv = {kScripts + "fleet-update", "--inventory", t.inventory, "--transport", "local",
                                     "--package", t.next, "--previous-package", t.current, "--gate-timeout", "60",
                                     "--gate-window", "60", "--state", state, "--resume"};
    Status s = run.spawn(argv, {}, t.f.dir.file("killed-run.log"));
    CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
    const pid_t pid = run.pid();
    OnNewVersion kill_it(g, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      return ::kill(pid, SIGKILL) == 0;
    });
    // It ends by the kill (or, if the kill never came, after its 60 s window).
    run.wait_exit(Millis(150'000));
    CHECK_TRUE_TEXT(kill_it.done(), read_file(t.f.dir.file("killed-run.log")).c_str());
  }
  CHECK_TRUE_TEXT(contains(state_line(state, "site-k"), "\tinstalling\t" + kCurrent + "\t"), read_file(state).c_str());
  CHECK_EQUAL(kNext, t.installed_version(g));
  // Resumed again: the canary left half-way is gated again (not taken as done), then the rest.
  r = t.update({"--package", t.next, "--previous-package", t.current, "--gate-window", "2", "--state", state, "--resume"});
  CHECK_EQUAL_TEXT(0, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, checked("site-k", "left half-way by the last run (installing, " + kNext + " installed)")),
                  r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-k", "gate passed")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-o", "gate passed")), r.output.c_str());
  for (Gateway* x : {&g, &other}) {
    CHECK_EQUAL_TEXT(kNext, t.reported_version(*x), x->site.c_str());
    CHECK_TRUE_TEXT(contains(state_line(state, x->site), "\tupdated\t" + kCurrent + "\t" + kNext), read_file(state).c_str());
  }
  CHECK_EQUAL(last_seq + 1, t.figure(g, "journal", "last_seq"));
}

// A rollback that cannot complete: the canary's new agent dies during its gate
// and the copy of the old package kept on the gateway has been damaged, so the
// gateway refuses to install it. fleet-update says a person is needed (exit 3).
// Resumed with the old package given again, the gateway is put right.
TEST(FleetUpdate, ARollbackThatCannotCompleteNeedsAPerson) {
  Rollout t;
  Gateway& g = t.add_gateway("site-r");
  {
    std::ofstream inv(t.inventory);
    inv << "site-r " << g.root << " canary port=" << g.port << "\n";
  }
  const std::string state = t.f.dir.file("broken.state");
  const std::string kept = g.root + "/var/lib/stockbridge-update/packages/" + fs::path(t.current).filename().string();
  OnNewVersion breaker(g, [&] {
    std::ofstream(kept, std::ios::app) << "damaged";
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return g.pid() > 0 && ::kill(g.pid(), SIGKILL) == 0;
  });
  Run r = t.update({"--package", t.next, "--previous-package", t.current, "--gate-window", "5", "--state", state});
  CHECK_TRUE_TEXT(breaker.done(), r.output.c_str());
  CHECK_EQUAL_TEXT(3, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-r", "GATE FAILED: the agent is not running")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "ROLLBACK FAILED on site-r: it needs a person now"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, "REFUSED: the kept copy: the signature does not match"), r.output.c_str());
  CHECK_TRUE_TEXT(contains(state_line(state, "site-r"), "\trollback-failed\t" + kCurrent + "\t"), read_file(state).c_str());
  // The damaged copy was not installed: the new version is still there, its agent down.
  CHECK_EQUAL(kNext, t.installed_version(g));

  // Resumed: the damaged copy no longer counts, the old package is sent again
  // (verified), the new one installed again and gated.
  r = t.update({"--package", t.next, "--previous-package", t.current, "--gate-window", "2", "--state", state, "--resume"});
  CHECK_EQUAL_TEXT(0, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, checked("site-r", "left half-way by the last run (rollback-failed")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-r", "no verified copy of " + kCurrent + " kept there")), r.output.c_str());
  CHECK_EQUAL(kNext, t.reported_version(g));
  CHECK_TRUE_TEXT(contains(state_line(state, "site-r"), "\tupdated\t" + kCurrent + "\t" + kNext), read_file(state).c_str());
}

// Over ssh, into a real Debian 12 root: the gateway is a minimal Debian made by
// debootstrap, reached through an ssh stand-in that runs the command line
// there (chroot) as sshd would, with a systemctl stand-in that runs the unit
// (no service manager runs in a chroot). enroll generates the key there,
// installs the signed package with apt-get (its dependencies from the mirror)
// and starts the agent; fleet-update installs the new package with apt-get,
// the package's own postinst restarts the agent (deb-systemd-invoke), the
// gate fails on a new exception, the rollback is a real apt-get downgrade,
// and the resumed rollout updates it.
TEST(FleetUpdate, OverSshIntoADebianGateway) {
  if (::geteuid() != 0) FAIL("needs root (debootstrap, chroot)");
  Rollout t;
  Gateway& g = t.f.add_gateway("site-d");
  const std::string root = g.root;
  const std::string bin = t.f.dir.file("sshbin");
  struct Release {
    std::string root;
    ~Release() {
      std::string pid = read_file(root + "/run/stockbridge-agent.pid");
      if (!pid.empty()) ::kill(static_cast<pid_t>(std::stol(pid)), SIGKILL);
      run_program({"bash", kSource + "/tests/provisioning/debian_root.sh", "--release", root}, "/dev/null");
    }
  } release{root};
  t.must(run_program({"bash", kSource + "/tests/provisioning/debian_root.sh", kDebian12, root, "openssl", "curl"},
                     t.f.dir.file("debian-root.log"), Millis(400'000)),
         "debian_root.sh");
  fs::create_directories(root + "/run/systemd/system");
  fs::copy_file(kSource + "/tests/provisioning/systemctl_standin.sh", root + "/usr/bin/systemctl");
  fs::create_directories(bin);
  fs::copy_file(kSource + "/tests/provisioning/ssh_standin.sh", bin + "/ssh");
  const char* path = std::getenv("PATH");
  testing::Process::Env env = {{"PATH", bin + ":" + (path ? path : "/usr/bin:/bin")}, {"SSH_STANDIN_ROOT", root}};

  Run r = t.f.script("enroll",
                     {"--site", g.site, "--ca-dir", t.f.ca, "--broker-uri", t.f.broker_uri(), "--relay-url",
                      t.f.relay_url(), "--host", "root@gw-site-d", "--package", t.current, "--release-pub",
                      t.keys + "/release.pub", "--http-port", std::to_string(g.port), "--set", "rules.location_map=WH1=1",
                      "--set", "mqtt.keepalive=2s", "--set", "forward.state_interval=1s", "--timeout", "60"},
                     Millis(400'000), env);
  CHECK_EQUAL_TEXT(0, r.code, (r.output + "\n" + read_file(root + "/var/log/stockbridge-agent.log") + t.f.logs()).c_str());
  CHECK_TRUE_TEXT(contains(r.output, "signature verified on the gateway, kept for rollbacks"), r.output.c_str());
  CHECK_TRUE_TEXT(t.f.relay_sites()["site-d"], t.f.logs().c_str());
  // The key was made in the gateway's root and belongs to the agent's user there.
  CHECK_TRUE(fs::exists(root + "/etc/stockbridge/tls/agent.key"));
  const std::string query = "chroot " + q(root) + " dpkg-query -W -f='${Version}' stockbridge-agent";
  auto installed = [&] { return sh(query, t.f.dir.file("query.log")).output; };
  CHECK_EQUAL(kCurrent, installed());
  CHECK_EQUAL(kCurrent, t.reported_version(g));
  {
    std::ofstream inv(t.inventory);
    inv << "site-d root@gw-site-d canary port=" << g.port << "\n";
  }
  const std::string state = t.f.dir.file("ssh.state");
  auto rollout = [&](std::vector<std::string> more) {
    std::vector<std::string> args = {"--inventory", t.inventory, "--package", t.next, "--gate-timeout", "60",
                                      "--state", state};
    args.insert(args.end(), more.begin(), more.end());
    return t.f.script("fleet-update", args, Millis(400'000), env);
  };

  OnNewVersion breaker(g, [&] { return t.post_events(g, "WH9", 1, 1) == 201; });
  r = rollout({"--gate-window", "4"});
  CHECK_TRUE_TEXT(breaker.done(), r.output.c_str());
  CHECK_EQUAL_TEXT(1, r.code, r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-d", "GATE FAILED: 1 new exception(s): UNMAPPED_LOCATION 1")), r.output.c_str());
  CHECK_TRUE_TEXT(contains(r.output, said("site-d", "rolled back: " + kCurrent + " is installed and ready")), r.output.c_str());
  CHECK_EQUAL(kCurrent, installed());
  CHECK_EQUAL(kCurrent, t.reported_version(g));

  r = rollout({"--gate-window", "3", "--resume"});
  CHECK_EQUAL_TEXT(0, r.code, r.output.c_str());
  CHECK_EQUAL(kNext, installed());
  CHECK_EQUAL(kNext, t.reported_version(g));
  CHECK_TRUE_TEXT(contains(state_line(state, "site-d"), "\tupdated\t" + kCurrent + "\t" + kNext), read_file(state).c_str());
  // The journal was kept through both installs and the downgrade: the event held before is still held.
  CHECK_EQUAL(1, t.figure(g, "exceptions", "open"));
}
