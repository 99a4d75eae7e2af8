// The admin command line as staff use it: what `exceptions list` and `show`
// print, what an action sends and leaves in the book, and the exit code and
// message for each way it can go wrong. The API behind it is the real routes
// on a memory-store book, reached through the Router (no sockets), except
// where a test needs a server that is not there.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "platform/core/log.h"
#include "platform/http/admin_cli.h"
#include "tests/unit/platform/http/exception_desk.h"
#include "tests/unit/platform/store/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;

namespace {

constexpr char kDefaultUrl[] = "http://127.0.0.1:8490";

// An HttpClient whose server is a Router in this process; records what it sent.
class RouterClient final : public HttpClient {
 public:
  explicit RouterClient(const Router& router) : router_(router) {}
  Result<HttpResponse> send(const ClientRequest& request) override {
    sent.push_back(request);
    const size_t scheme = request.url.find("://");
    if (scheme == std::string::npos) return Status::InvalidArgument("bad URL");
    const size_t path = request.url.find('/', scheme + 3);
    HttpRequest r;
    r.method = request.method;
    std::string target = path == std::string::npos ? "/" : request.url.substr(path);
    const size_t q = target.find('?');
    r.path = url_decode(target.substr(0, q));
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.headers = request.headers;
    r.headers.emplace_back("Host", request.url.substr(scheme + 3, path - scheme - 3));
    r.body = request.body;
    return router_.handle(std::move(r));
  }
  std::vector<ClientRequest> sent;

 private:
  const Router& router_;
};

// One run of the program's admin command line.
struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run cli(std::vector<std::string> args, HttpClient* http, const std::string& stdin_text = "") {
  args.insert(args.begin(), "stockbridge-agent");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  std::istringstream in(stdin_text);
  Run r;
  r.code = run_admin_command(static_cast<int>(args.size()), argv.data(), {"stockbridge-agent", 8490}, out, err, in,
                             http);
  r.out = out.str();
  r.err = err.str();
  return r;
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// The value printed after "label:" on its own line of `show`, or "<absent>".
std::string field(const std::string& out, const std::string& label) {
  std::istringstream lines_in(out);
  for (std::string line; std::getline(lines_in, line);) {
    if (line.rfind(label + ":", 0) != 0) continue;
    const size_t value = line.find_first_not_of(' ', label.size() + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "<absent>";
}

// A loopback port nothing listens on (bound, then closed at once).
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_GROUP(AdminCli) {
  std::unique_ptr<ExceptionDesk> desk;
  std::unique_ptr<RouterClient> api;
  ExceptionRecord sku, carrier;
  void setup() override {
    log::set_sink([](std::string_view) {});  // the refusals this test provokes are logged at warn
    for (const char* name : {"STOCKBRIDGE_URL", "STOCKBRIDGE_USER", "STOCKBRIDGE_PASSWORD"}) unsetenv(name);
    desk = std::make_unique<ExceptionDesk>();
    api = std::make_unique<RouterClient>(desk->router);
    sku = desk->hold("shipment:1", "UNKNOWN_SKU", "finance");
    carrier = desk->hold("shipment:2", "CARRIER_MISSING", "warehouse");
  }
  void teardown() override {
    for (const char* name : {"STOCKBRIDGE_URL", "STOCKBRIDGE_USER", "STOCKBRIDGE_PASSWORD"}) unsetenv(name);
    api.reset();
    desk.reset();
    log::set_sink(nullptr);
  }
  void as_admin() {
    setenv("STOCKBRIDGE_USER", kAdmin, 1);
    setenv("STOCKBRIDGE_PASSWORD", kAdminPassword, 1);
  }
};

TEST(AdminCli, AdminCommandsAreRecognised) {
  std::vector<std::string> args{"stockbridge-agent", "exceptions", "list"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  CHECK_TRUE(is_admin_command(3, argv.data()));
  args[1] = "hash-password";
  argv[1] = args[1].data();
  CHECK_TRUE(is_admin_command(3, argv.data()));
  args[1] = "--config";
  argv[1] = args[1].data();
  CHECK_FALSE(is_admin_command(3, argv.data()));
  CHECK_FALSE(is_admin_command(1, argv.data()));
}

TEST(AdminCli, ListPrintsATableRowPerException) {
  Run r = cli({"exceptions", "list"}, api.get());
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL("", r.err.c_str());
  std::istringstream out(r.out);
  std::string header, first, second;
  std::getline(out, header);
  std::getline(out, first);
  std::getline(out, second);
  CHECK_TRUE(header.rfind("ID", 0) == 0);
  for (const char* column : {"CLASS", "OWNER", "STATE", "AGE", "TRIES", "SUBJECT", "REASON"}) {
    STRCMP_CONTAINS(column, header.c_str());
  }
  // Newest first, every column under its heading.
  CHECK_TRUE(first.rfind(carrier.id, 0) == 0);
  STRCMP_CONTAINS("CARRIER_MISSING", first.c_str());
  STRCMP_CONTAINS("warehouse", first.c_str());
  STRCMP_CONTAINS("event shipment:2", first.c_str());
  STRCMP_CONTAINS("the shipment has no carrier code", first.c_str());
  CHECK_EQUAL(header.find("CLASS"), first.find("CARRIER_MISSING"));
  CHECK_EQUAL(header.find("REASON"), first.find("the shipment has no carrier code"));
  CHECK_TRUE(second.rfind(sku.id, 0) == 0);
  CHECK_EQUAL(header.find("OWNER"), second.find("finance"));
  STRCMP_CONTAINS("2 shown; not closed: 2 (0 retrying)", r.out.c_str());
  CHECK_EQUAL(1, api->sent.size());
  STRCMP_EQUAL("GET", api->sent[0].method.c_str());
  STRCMP_EQUAL("http://127.0.0.1:8490/api/exceptions", api->sent[0].url.c_str());
}

TEST(AdminCli, ListFiltersGoToTheServer) {
  Run r = cli({"exceptions", "list", "--class", "UNKNOWN_SKU", "--state=unclosed", "--owner", "finance"}, api.get());
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS(sku.id.c_str(), r.out.c_str());
  CHECK_FALSE(r.out.find(carrier.id) != std::string::npos);
  STRCMP_EQUAL("http://127.0.0.1:8490/api/exceptions?class=UNKNOWN_SKU&owner=finance&state=unclosed",
               api->sent[0].url.c_str());
  r = cli({"exceptions", "list", "--state", "discarded"}, api.get());
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("no exceptions match", r.out.c_str());
}

TEST(AdminCli, ALongReasonIsCutToFitTheTable) {
  ExceptionRaise long_one;
  long_one.cls = "UNKNOWN_SKU";
  long_one.owner = "finance";
  long_one.subject_kind = "event";
  long_one.subject_id = "shipment:3";
  long_one.reason = std::string(200, 'x');
  CHECK_TRUE(desk->book->raise(long_one).ok());
  Run r = cli({"exceptions", "list"}, api.get());
  CHECK_EQUAL(0, r.code);
  CHECK_FALSE(r.out.find(std::string(61, 'x')) != std::string::npos);
  STRCMP_CONTAINS((std::string(57, 'x') + "...").c_str(), r.out.c_str());
}

TEST(AdminCli, ListJsonPrintsWhatTheServerSent) {
  Run r = cli({"exceptions", "list", "--json"}, api.get());
  CHECK_EQUAL(0, r.code);
  Result<Json> j = Json::parse(r.out);
  CHECK_TRUE(j.ok());
  CHECK_EQUAL(2, j->find("exceptions")->items().size());
  CHECK_TRUE(j->find("counts") != nullptr);
}

TEST(AdminCli, ShowPrintsEveryFieldAndTheTrailOneLinePerAction) {
  as_admin();
  CHECK_EQUAL(0, cli({"exceptions", "edit", carrier.id, "carrier=UPS", "--note", "from the label"}, api.get()).code);
  Run r = cli({"exceptions", "show", carrier.id}, api.get());
  CHECK_EQUAL(0, r.code);
  for (const char* field : {"id:", "class:", "owner:", "state:", "subject kind:", "subject id:", "site:", "key:",
                            "reason:", "attempts:", "first seen:", "updated:", "detail:"}) {
    STRCMP_CONTAINS(field, r.out.c_str());
  }
  STRCMP_EQUAL("retrying", field(r.out, "state").c_str());
  STRCMP_EQUAL(carrier.id.c_str(), field(r.out, "id").c_str());
  STRCMP_EQUAL("the shipment has no carrier code", field(r.out, "reason").c_str());
  // What the program describes, beside the record's own fields.
  STRCMP_EQUAL("carrier, tracking_number", field(r.out, "editable").c_str());
  STRCMP_EQUAL("3", field(r.out, "waiting_behind").c_str());
  STRCMP_EQUAL("{\"event_id\":\"shipment:2\"}", field(r.out, "subject").c_str());
  const std::string trail = r.out.substr(r.out.find("trail:\n") + 7);
  CHECK_EQUAL(2, lines(trail));
  const std::string raised = trail.substr(0, trail.find('\n'));
  const std::string edit = trail.substr(trail.find('\n') + 1);
  STRCMP_CONTAINS("system", raised.c_str());
  STRCMP_CONTAINS("raised", raised.c_str());
  STRCMP_CONTAINS("alice", edit.c_str());
  STRCMP_CONTAINS("change: carrier: '' -> 'UPS'", edit.c_str());
  STRCMP_CONTAINS("note: from the label", edit.c_str());
}

TEST(AdminCli, RetrySendsAnAuthenticatedPostAndTheRecordMoves) {
  as_admin();
  Run r = cli({"exceptions", "retry", sku.id, "--note", "SKU added in the ERP"}, api.get());
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS((sku.id + " is now retrying").c_str(), r.out.c_str());
  STRCMP_CONTAINS("alice", r.out.c_str());
  const ClientRequest& sent = api->sent.back();
  STRCMP_EQUAL("POST", sent.method.c_str());
  STRCMP_EQUAL(("http://127.0.0.1:8490/api/exceptions/" + sku.id + "/retry").c_str(), sent.url.c_str());
  STRCMP_EQUAL(basic(kAdmin, kAdminPassword).c_str(), header_value(sent.headers, "Authorization").c_str());
  STRCMP_EQUAL("{\"note\":\"SKU added in the ERP\"}", sent.body.c_str());
  ExceptionRecord now = desk->record(sku.id);
  STRCMP_EQUAL("retrying", std::string(to_string(now.state)).c_str());
  STRCMP_EQUAL("SKU added in the ERP", now.trail.back().note.c_str());
}

TEST(AdminCli, UrlUserAndPasswordFileMayBeGivenAsOptions) {
  TempDir dir("sb-admin-cli");
  const std::string secret = dir.sub("password");
  { std::ofstream(secret) << kAdminPassword << "\n"; }
  setenv("STOCKBRIDGE_URL", "http://wrong.example:1", 1);
  Run r = cli({"exceptions", "discard", sku.id, "--reason", "shipped by hand", "--url", "http://10.0.0.5:8490/",
               "--user", kAdmin, "--password-file", secret},
              api.get());
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL(("http://10.0.0.5:8490/api/exceptions/" + sku.id + "/discard").c_str(), api->sent.back().url.c_str());
  STRCMP_EQUAL("{\"reason\":\"shipped by hand\"}", api->sent.back().body.c_str());
  STRCMP_EQUAL("discarded", std::string(to_string(desk->record(sku.id).state)).c_str());

  unsetenv("STOCKBRIDGE_URL");
  r = cli({"exceptions", "retry", carrier.id, "--user", kAdmin, "--password-file", dir.sub("missing")}, api.get());
  CHECK_EQUAL(2, r.code);
  STRCMP_CONTAINS("missing", r.err.c_str());
}

TEST(AdminCli, DiscardWithoutAReasonIsAUsageErrorAndSendsNothing) {
  as_admin();
  for (std::vector<std::string> args : {std::vector<std::string>{"exceptions", "discard", sku.id},
                                        std::vector<std::string>{"exceptions", "discard", sku.id, "--reason", " "}}) {
    Run r = cli(args, api.get());
    CHECK_EQUAL(2, r.code);
    STRCMP_CONTAINS("--reason", r.err.c_str());
    STRCMP_CONTAINS("usage:", r.err.c_str());
  }
  CHECK_EQUAL(0, api->sent.size());
}

TEST(AdminCli, BadUsageExits2WithTheUsage) {
  as_admin();
  const std::vector<std::vector<std::string>> bad = {
      {"exceptions"},
      {"exceptions", "frobnicate"},
      {"exceptions", "show"},
      {"exceptions", "show", "EX-1", "EX-2"},
      {"exceptions", "list", "--reason", "x"},
      {"exceptions", "list", "--state", "stuck"},
      {"exceptions", "list", "--limit", "lots"},
      {"exceptions", "retry", "EX-1", "--note"},
      {"exceptions", "edit", "EX-1"},
      {"exceptions", "edit", "EX-1", "carrier"},
  };
  for (const auto& args : bad) {
    Run r = cli(args, api.get());
    CHECK_EQUAL(2, r.code);
    STRCMP_CONTAINS("usage:", r.err.c_str());
  }
  CHECK_EQUAL(0, api->sent.size());
  Run help = cli({"exceptions", "--help"}, api.get());
  CHECK_EQUAL(0, help.code);
  STRCMP_CONTAINS("exceptions discard ID --reason TEXT", help.out.c_str());
}

TEST(AdminCli, AnActionWithoutCredentialsIsAUsageError) {
  Run r = cli({"exceptions", "retry", sku.id}, api.get());
  CHECK_EQUAL(2, r.code);
  STRCMP_CONTAINS("STOCKBRIDGE_PASSWORD", r.err.c_str());
  CHECK_EQUAL(0, api->sent.size());
}

TEST(AdminCli, ARefusalExits1WithTheProgramsReason) {
  as_admin();
  CHECK_EQUAL(0, cli({"exceptions", "discard", sku.id, "--reason", "duplicate"}, api.get()).code);
  Run r = cli({"exceptions", "retry", sku.id}, api.get());
  CHECK_EQUAL(1, r.code);
  STRCMP_CONTAINS("HTTP 409", r.err.c_str());
  STRCMP_CONTAINS("discarded", r.err.c_str());

  r = cli({"exceptions", "edit", carrier.id, "sku=X-9"}, api.get());
  CHECK_EQUAL(1, r.code);
  STRCMP_CONTAINS("field 'sku' cannot be edited", r.err.c_str());

  setenv("STOCKBRIDGE_PASSWORD", "not the password", 1);
  r = cli({"exceptions", "retry", carrier.id}, api.get());
  CHECK_EQUAL(1, r.code);
  STRCMP_CONTAINS("unknown user or wrong password", r.err.c_str());
  STRCMP_EQUAL("open", std::string(to_string(desk->record(carrier.id).state)).c_str());

  r = cli({"exceptions", "show", "EX-777777"}, api.get());
  CHECK_EQUAL(1, r.code);
  STRCMP_CONTAINS("no exception EX-777777", r.err.c_str());
}

TEST(AdminCli, AnUnreachableProgramExits3) {
  FakeHttpClient down([](const ClientRequest& r) -> Result<HttpResponse> {
    return Status::Unavailable("GET " + r.url + ": cannot connect: Connection refused");
  });
  Run r = cli({"exceptions", "list"}, &down);
  CHECK_EQUAL(3, r.code);
  STRCMP_CONTAINS("cannot reach http://127.0.0.1:8490: connection refused", r.err.c_str());
  STRCMP_EQUAL((kDefaultUrl + std::string("/api/exceptions")).c_str(), down.requests().at(0).url.c_str());
}

TEST(AdminCli, AnActionWithNoAnswerMayHaveBeenDoneAndSaysSo) {
  as_admin();
  FakeHttpClient silent([](const ClientRequest& r) -> Result<HttpResponse> {
    return Status::Timeout("POST " + r.url + ": Timeout");
  });
  Run r = cli({"exceptions", "retry", sku.id}, &silent);
  CHECK_EQUAL(3, r.code);
  STRCMP_CONTAINS("may or may not have been done", r.err.c_str());
  STRCMP_CONTAINS(("exceptions show " + sku.id).c_str(), r.err.c_str());
}

TEST(AdminCli, TheRealClientReportsARefusedConnection) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
  Run r = cli({"exceptions", "list", "--url", url}, nullptr);
  CHECK_EQUAL(3, r.code);
  STRCMP_CONTAINS(("cannot reach " + url + ": connection refused").c_str(), r.err.c_str());
}

TEST(AdminCli, HashPasswordPrintsALineTheUsersFileAccepts) {
  Run r = cli({"hash-password", "bob"}, nullptr, "battery staple\n");
  CHECK_EQUAL(0, r.code);
  CHECK_EQUAL(1, lines(r.out));
  Result<std::shared_ptr<AdminUsers>> users = AdminUsers::parse(r.out);
  CHECK_TRUE(users.ok());
  CHECK_TRUE((*users)->check("bob", "battery staple") == std::optional<std::string>("bob"));
  CHECK_FALSE((*users)->check("bob", "battery stapler").has_value());
  CHECK_FALSE(r.out.find("battery") != std::string::npos);
}

TEST(AdminCli, HashPasswordRefusesAShortPasswordOrNoName) {
  Run r = cli({"hash-password", "bob"}, nullptr, "short\n");
  CHECK_EQUAL(2, r.code);
  STRCMP_CONTAINS("at least 8", r.err.c_str());
  STRCMP_EQUAL("", r.out.c_str());
  r = cli({"hash-password"}, nullptr, "battery staple\n");
  CHECK_EQUAL(2, r.code);
  r = cli({"hash-password", "bob"}, nullptr, "");
  CHECK_EQUAL(2, r.code);
  STRCMP_CONTAINS("no password", r.err.c_str());
  r = cli({"hash-password", "bo:b"}, nullptr, "battery staple\n");
  CHECK_EQUAL(2, r.code);
  STRCMP_CONTAINS("':'", r.err.c_str());
}

TEST(AdminCli, StatusPrintsOneLinePerFigure) {
  desk->router.add("GET", "/api/status", [](const HttpRequest&) {
    return HttpResponse::json(200, R"({"state":"offline","journal":{"backlog":12,"last_seq":40},"recent":[{"a":1},{"a":2}],"sites":["s-1","s-2"],"note":null})");
  });
  Run r = cli({"status", "--url", "http://agent:8480"}, api.get());
  LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
  STRCMP_EQUAL("offline", field(r.out, "state").c_str());
  STRCMP_EQUAL("12", field(r.out, "journal.backlog").c_str());
  STRCMP_EQUAL("40", field(r.out, "journal.last_seq").c_str());
  STRCMP_EQUAL("[2 entries]", field(r.out, "recent").c_str());
  STRCMP_EQUAL("s-1, s-2", field(r.out, "sites").c_str());
  STRCMP_EQUAL("-", field(r.out, "note").c_str());
  Run raw = cli({"status", "--json", "--url", "http://agent:8480"}, api.get());
  CHECK_TRUE(raw.out.find("\"backlog\":12") != std::string::npos);
  LONGS_EQUAL(2, cli({"status", "--bogus"}, api.get()).code);
}

TEST(AdminCli, StatusOfAProgramNotRunningSaysItCannotBeReached) {
  Run r = cli({"status", "--url", "http://127.0.0.1:" + std::to_string(closed_port())}, nullptr);
  LONGS_EQUAL(3, r.code);
  CHECK_TRUE_TEXT(r.err.find("cannot reach") != std::string::npos, r.err.c_str());
}
