// `stockbridge-agent journal verify`, the real binary, against the journal of a
// real agent process: while that agent runs (a second process reading its
// LMDB environment) and again after kill -9 of it. No broker and no relay, so
// nothing is acknowledged and the counts hold still: the report must match
// what the agent's own /api/status says, and the check must exit 0 both times.
#include <fstream>
#include <memory>
#include <optional>
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

namespace {

const std::string kAgent = std::string(STOCKBRIDGE_BINARY_DIR) + "/agent/stockbridge-agent";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string event_json(int i, const char* warehouse) {
  return R"({"event_id":"verify-)" + std::to_string(i) + R"(","occurred_at":"2026-11-26T10:42:00Z",)"
         R"("stock_adjustment":{"sku":"SKU-)" + std::to_string(i % 7) + R"(","warehouse":")" + warehouse +
         R"(","quantity_delta":-1}})";
}

int64_t int_at(const Json& j, std::initializer_list<const char*> path) {
  const Json* at = &j;
  for (const char* key : path) {
    at = at ? at->find(key) : nullptr;
  }
  int64_t v = -1;
  if (!at || !at->as_int64(&v)) FAIL(("no integer at " + std::string(*path.begin()) + "... in " + j.dump()).c_str());
  return v;
}

}  // namespace

TEST_GROUP(JournalVerifyAgent) {
  testing::TempDir dir{"journal-verify-agent"};
  std::unique_ptr<HttpClient> http = make_poco_http_client({});
  uint16_t port = testing::free_port();
  testing::Process agent;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }

  Result<HttpResponse> send(const std::string& method, const std::string& path, const std::string& body = "") {
    ClientRequest req;
    req.method = method;
    req.url = url(path);
    req.body = body;
    req.timeout = Millis(5000);
    return http->send(req);
  }

  // Runs `journal verify --json` as its own process; returns its exit code and the report.
  int verify(Json* report, const std::string& log_name) {
    testing::Process p;
    const std::string log = dir.file(log_name);
    Status s = p.spawn({kAgent, "journal", "verify", "--config", dir.file("agent.conf"), "--json"}, {}, log);
    CHECK_TEXT(s.ok(), s.to_string().c_str());
    std::optional<int> code = p.wait_exit(Millis(60'000));
    CHECK_TEXT(code.has_value(), "journal verify did not finish within 60 s");
    std::istringstream lines(read_file(log));  // stdout and stderr share the log: the report is its JSON line
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("{\"ok\"", 0) != 0) continue;
      Result<Json> j = Json::parse(line);
      CHECK_TEXT(j.ok(), line.c_str());
      *report = *j;
      return *code;
    }
    FAIL(("no report in the output of journal verify:\n" + read_file(log)).c_str());
    return -1;
  }
};

TEST(JournalVerifyAgent, MatchesTheStatusOfARunningAgentAndOfOneKilledMidWay) {
  const uint16_t no_broker = testing::free_port();  // nothing listens: events stay unacknowledged
  std::ofstream(dir.file("agent.conf")) << "site.id = verify-1\n"
                                        << "journal.path = " << dir.file("journal") << "\n"
                                        << "intake.port = " << port << "\n"
                                        << "mqtt.server_uri = tcp://127.0.0.1:" << no_broker << "\n"
                                        << "rules.location_map = WH1=1\n"  // a WH9 event is held at the site
                                        << "log.level = warn\n";
  Status s = agent.spawn({kAgent, "--config", dir.file("agent.conf")}, {}, dir.file("agent.log"));
  CHECK_TEXT(s.ok(), s.to_string().c_str());
  bool up = testing::wait_until(
      [&] {
        Result<HttpResponse> r = send("GET", "/healthz");
        return !agent.running() || (r.ok() && r->status == 200);
      },
      Millis(20'000), Millis(50));
  CHECK_TEXT(up && agent.running(), agent.log_tail().c_str());

  constexpr int kBatches = 10, kPerBatch = 300;
  for (int b = 0; b < kBatches; ++b) {
    std::string body = "{\"events\":[";
    for (int i = 0; i < kPerBatch; ++i) body += (i ? "," : "") + event_json(b * kPerBatch + i, "WH1");
    body += "]}";
    Result<HttpResponse> r = send("POST", "/v1/events", body);
    CHECK_TEXT(r.ok() && r->status == 201, (r.ok() ? r->body : r.status().to_string()).c_str());
  }
  Result<HttpResponse> held = send("POST", "/v1/events", event_json(99'999, "WH9"));
  CHECK_TEXT(held.ok() && held->status / 100 == 2, (held.ok() ? held->body : held.status().to_string()).c_str());

  Result<HttpResponse> st = send("GET", "/api/status");
  CHECK_TEXT(st.ok() && st->status == 200, st.ok() ? st->body.c_str() : st.status().to_string().c_str());
  Result<Json> status = Json::parse(st->body);
  CHECK_TRUE(status.ok());
  const int64_t last_seq = int_at(*status, {"journal", "last_seq"});
  const int64_t backlog = int_at(*status, {"journal", "backlog"});
  LONGS_EQUAL(kBatches * kPerBatch, last_seq);
  LONGS_EQUAL(kBatches * kPerBatch, backlog);

  Json running;
  LONGS_EQUAL(0, verify(&running, "verify-running.log"));
  CHECK_TEXT(agent.running(), agent.log_tail().c_str());  // the check did not disturb it
  CHECK_TEXT(running.find("ok")->as_bool(), running.dump().c_str());
  LONGS_EQUAL(last_seq, int_at(running, {"last_seq"}));
  LONGS_EQUAL(int_at(*status, {"journal", "acked_through"}), int_at(running, {"acked_through"}));
  LONGS_EQUAL(backlog, int_at(running, {"counts", "unacknowledged"}));
  LONGS_EQUAL(backlog, int_at(running, {"counts", "events"}));
  LONGS_EQUAL(1, int_at(running, {"counts", "held"}));
  STRCMP_EQUAL(status->find("journal")->get_string("epoch").c_str(), running.get_string("epoch").c_str());
  STRCMP_EQUAL("verify-1", running.get_string("site").c_str());

  // The agent still takes events after the check (the check held no lock it needs).
  Result<HttpResponse> after = send("POST", "/v1/events", event_json(100'000, "WH1"));
  CHECK_TEXT(after.ok() && after->status == 201, (after.ok() ? after->body : after.status().to_string()).c_str());

  agent.kill9();
  Json killed;
  LONGS_EQUAL(0, verify(&killed, "verify-killed.log"));
  CHECK_TEXT(killed.find("ok")->as_bool(), killed.dump().c_str());
  LONGS_EQUAL(last_seq + 1, int_at(killed, {"last_seq"}));  // the acknowledged event survived kill -9
  LONGS_EQUAL(backlog + 1, int_at(killed, {"counts", "events"}));
  LONGS_EQUAL(1, int_at(killed, {"counts", "held"}));
}
