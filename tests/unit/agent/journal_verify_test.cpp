// `journal verify` on a journal the real Journal and EdgeRules wrote (real
// LMDB in a scratch directory): a healthy one is clean with the right counts;
// damage written straight into its tables is reported as an error that says
// what and where; the command line opens it read-only and exits 0/1/2/3/4.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "agent/journal.h"
#include "agent/journal_verify.h"
#include "agent/rules/edge_rules.h"
#include "agent/rules/master_data.h"
#include "platform/core/json.h"
#include "platform/core/log.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/support/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

v1::Event adjustment(const std::string& id, const std::string& warehouse = "WH1") {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-1");
  e.set_occurred_at_ms(1'764'172'800'000);
  e.set_business_key("stock:" + warehouse + ":SKU-" + id);
  v1::StockAdjustment* a = e.mutable_stock_adjustment();
  a->set_sku("SKU-" + id);
  a->set_warehouse(warehouse);
  a->set_quantity_delta(2);
  a->set_unit("EA");
  return e;
}

// The findings in one string, to look for words in and to print on failure.
std::string findings_of(const JournalVerifyReport& r) {
  std::string out;
  for (const JournalFinding& f : r.findings)
    out += std::string(f.severity == JournalFinding::Severity::kError ? "error " : "warning ") + f.where + ": " + f.what + "\n";
  return out;
}

bool has(const std::string& text, const std::string& words) { return text.find(words) != std::string::npos; }

}  // namespace

TEST_GROUP(JournalVerify) {
  testing::TempDir dir{"journal-verify"};
  std::unique_ptr<KvStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<MasterData> master;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<EdgeRules> rules;

  void setup() override {
    log::set_level(log::Level::kError);
    LmdbOptions o;
    o.path = path();
    store = open_lmdb_store(o).value();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = Journal::open(*store, *committer, SystemClock::instance(), JournalOptions{}).value();
    master = MasterData::open(*store, *committer).value();
    book = ExceptionBook::open(*store, *committer, SystemClock::instance(), "exceptions").value();
    EdgeRulesOptions ro;
    ro.location_map = {{"WH1", "1"}};  // an event of WH9 is held at the site
    rules = EdgeRules::open(*store, *committer, *journal, *master, *book, ro).value();
    journal->set_gate(rules.get());
  }
  void teardown() override { close(); }
  void close() {
    rules.reset();
    book.reset();
    master.reset();
    journal.reset();
    if (committer) committer->stop();
    committer.reset();
    store.reset();
  }
  std::string path() const { return dir.file("journal"); }

  // Ten events a0..a9 (seqs 1..10) and one held; the relay took seqs 1..4.
  void fill(int n = 10) {
    std::vector<v1::Event> events;
    for (int i = 0; i < n; ++i) events.push_back(adjustment("a" + std::to_string(i)));
    events.push_back(adjustment("held-1", "WH9"));
    Result<std::vector<AppendResult>> r = journal->append(events);
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    CHECK_TRUE(r->back().held);
    check_ok(journal->release_through(4));
  }
  void check_ok(const Status& s) { CHECK_TEXT(s.ok(), s.to_string().c_str()); }

  // Writes straight into a table, as damage would.
  void put(const char* table, const std::string& key, const std::string& value) {
    auto w = store->write().value();
    check_ok(w->put(store->table(table).value(), key, value));
    check_ok(w->commit());
  }
  void del(const char* table, const std::string& key) {
    auto w = store->write().value();
    check_ok(w->del(store->table(table).value(), key));
    check_ok(w->commit());
  }
  JournalVerifyReport verify(JournalVerifyOptions o = {}) {
    Result<JournalVerifyReport> r = verify_journal(*store, o);
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    return std::move(r).value();
  }
  // The command line, as site IT runs it; `args` after "journal verify".
  int run(std::vector<std::string> args, std::string* out, std::string* err = nullptr) {
    std::vector<std::string> all = {"stockbridge-agent", "journal", "verify"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    std::ostringstream o, e;
    int code = run_journal_command(static_cast<int>(argv.size()), argv.data(), o, e);
    *out = o.str();
    if (err) *err = e.str();
    return code;
  }
};

TEST(JournalVerify, AHealthyJournalIsCleanWithTheRightCounts) {
  fill();
  JournalVerifyReport r = verify();
  CHECK_TEXT(r.ok(), findings_of(r).c_str());
  UNSIGNED_LONGS_EQUAL(0, r.errors);
  UNSIGNED_LONGS_EQUAL(0, r.warnings);
  STRCMP_EQUAL("2", r.format_text.c_str());
  STRCMP_EQUAL(journal->epoch().c_str(), r.epoch.c_str());
  STRCMP_EQUAL("site-1", r.site.c_str());
  UNSIGNED_LONGS_EQUAL(10, r.last_seq);
  UNSIGNED_LONGS_EQUAL(4, r.acked_through);
  UNSIGNED_LONGS_EQUAL(6, r.unacked);
  UNSIGNED_LONGS_EQUAL(6, r.events);
  UNSIGNED_LONGS_EQUAL(1, r.held);
  UNSIGNED_LONGS_EQUAL(11, r.ids);  // ten journaled and the held one
  UNSIGNED_LONGS_EQUAL(4, r.freed);
  LONGLONGS_EQUAL(journal->stats().oldest_accepted_ms, r.oldest_accepted_ms);
  const std::string text = r.to_text();
  CHECK_TEXT(has(text, "journal OK: 6 events unacknowledged (seq 5..10), 1 held, 0 problems"), text.c_str());
}

TEST(JournalVerify, AMissingSeqIsAnErrorThatNamesIt) {
  fill();
  del("events", encode_u64_key(7));
  JournalVerifyReport r = verify();
  CHECK_FALSE(r.ok());
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error events: seq 7 missing"), f.c_str());
  CHECK_TEXT(has(f, "id a6 points to seq 7, which is not in the journal"), f.c_str());  // its id is left behind
  CHECK_TEXT(has(r.to_text(), "journal has problems: 2 errors"), r.to_text().c_str());
}

TEST(JournalVerify, AnEventThatDoesNotParseIsAnError) {
  fill();
  put("events", encode_u64_key(6), std::string("\xff\xff\xff\x01garbage", 11));
  JournalVerifyReport r = verify();
  CHECK_FALSE(r.ok());
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error events: seq 6 does not parse as an event (11 bytes)"), f.c_str());
  CHECK_TEXT(has(f, "id a5 points to seq 6, which holds an unreadable event"), f.c_str());
}

TEST(JournalVerify, AnIdIndexEntryPointingNowhereIsAnError) {
  fill();
  put("ids", "ghost", encode_u64_key(50));
  put("ids", "stray", encode_u64_key(8));  // seq 8 is a7's
  JournalVerifyReport r = verify();
  CHECK_FALSE(r.ok());
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error ids: id ghost points to seq 50, beyond last_seq 10"), f.c_str());
  CHECK_TEXT(has(f, "error ids: id stray points to seq 8, which holds event a7"), f.c_str());
  UNSIGNED_LONGS_EQUAL(2, r.errors);
}

TEST(JournalVerify, AMetaLastSeqBehindTheEventsIsAnError) {
  fill();
  put("meta", "last_seq", encode_u64_key(8));
  JournalVerifyReport r = verify();
  CHECK_FALSE(r.ok());
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error events: seqs 9..10 beyond last_seq 8: the meta record is behind the events"), f.c_str());
}

TEST(JournalVerify, EventsBelowAckedThroughAndAnEventOfAnotherSiteAreErrors) {
  fill();
  v1::Event e = adjustment("a2");
  e.set_seq(3);
  put("events", encode_u64_key(3), e.SerializeAsString());  // freed, yet still there
  v1::Event other = adjustment("a8");
  other.set_seq(9);
  other.set_site_id("site-2");
  put("events", encode_u64_key(9), other.SerializeAsString());
  JournalVerifyReport r = verify();
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error events: seq 3 at or below acked_through 4 (should have been freed)"), f.c_str());
  CHECK_TEXT(has(f, "error events: seq 9 (a8) is of site site-2, the journal's is site-1"), f.c_str());
}

TEST(JournalVerify, AHeldEventThatDoesNotParseIsAnError) {
  fill();
  std::string held_key;
  auto t = store->read().value();
  check_ok(t->scan(store->table("held_events").value(), "", [&](std::string_view k, std::string_view) {
    held_key = std::string(k);
    return false;
  }));
  t.reset();
  put("held_events", held_key, "not an event");
  JournalVerifyReport r = verify();
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error held: held event stock:WH9:SKU-held-1 #1 does not parse"), f.c_str());
  UNSIGNED_LONGS_EQUAL(1, r.held);
}

TEST(JournalVerify, ManyProblemsKeepTheFirstFiftyAndCountTheRest) {
  fill(200);
  {
    auto w = store->write().value();
    for (uint64_t seq = 6; seq <= 200; seq += 2) check_ok(w->del(store->table("events").value(), encode_u64_key(seq)));
    check_ok(w->commit());
  }
  JournalVerifyReport r = verify();
  UNSIGNED_LONGS_EQUAL(50, r.findings.size());
  UNSIGNED_LONGS_EQUAL(2 * 98, r.errors);  // each gap, and each id left pointing into it
  CHECK_TEXT(has(r.to_text(), "... and 146 more"), r.to_text().c_str());
}

TEST(JournalVerify, ALongCheckReportsProgress) {
  fill(5000);
  std::vector<std::string> lines;
  JournalVerifyOptions o;
  o.progress_every = Millis(0);
  o.progress = [&](const std::string& line) { lines.push_back(line); };
  JournalVerifyReport r = verify(o);
  CHECK_TRUE(r.ok());
  CHECK_FALSE(lines.empty());
  CHECK_TEXT(has(lines.front(), "journal verify: events 4096 of 4996 checked"), lines.front().c_str());
}

TEST(JournalVerify, TheCommandReadsTheJournalReadOnlyAndPrintsJson) {
  fill();
  close();  // one environment per path per process; the command is its own process in real use
  std::string out, err;
  LONGS_EQUAL(0, run({"--set", "journal.path=" + path(), "--set", "site.id=site-1", "--json"}, &out, &err));
  Result<Json> j = Json::parse(out);
  CHECK_TEXT(j.ok(), out.c_str());
  CHECK_TRUE(j->find("ok")->as_bool());
  STRCMP_EQUAL("6", j->find("counts")->find("unacknowledged")->as_string().c_str());
  STRCMP_EQUAL("1", j->find("counts")->find("held")->as_string().c_str());
  CHECK_TRUE(j->find("store")->get_string("map_bytes") != "0");
  LONGS_EQUAL(0, run({"--set", "journal.path=" + path()}, &out));
  CHECK_TEXT(has(out, "journal OK: 6 events unacknowledged (seq 5..10), 1 held, 0 problems"), out.c_str());
}

TEST(JournalVerify, TheCommandExitsOneOnErrorsAndNamesAnotherSite) {
  fill();
  close();
  std::string out;
  LONGS_EQUAL(1, run({"--set", "journal.path=" + path(), "--set", "site.id=site-9"}, &out));
  CHECK_TEXT(has(out, "seq 5 (a4) is of site site-1, the journal's is site-9"), out.c_str());
}

TEST(JournalVerify, TheRecordedSiteIsTheJournalsAndAnotherSiteIdIsAnError) {
  fill();
  put("meta", "site", "site-1");  // as the agent records it (format 2)
  JournalVerifyReport r = verify();
  CHECK_TEXT(r.ok(), findings_of(r).c_str());
  STRCMP_EQUAL("site-1", r.site.c_str());
  JournalVerifyOptions other;
  other.site_id = "site-9";
  r = verify(other);
  CHECK_FALSE(r.ok());
  const std::string f = findings_of(r);
  CHECK_TEXT(has(f, "error meta: the journal records site site-1, but site.id is site-9"), f.c_str());
}

TEST(JournalVerify, ANewerFormatExitsFourAndIsLeftUntouched) {
  fill();
  put("meta", "format", "3");
  close();
  std::string out, err;
  LONGS_EQUAL(4, run({"--set", "journal.path=" + path()}, &out, &err));
  CHECK_TEXT(has(out, "written by a newer agent (format 3; this agent reads up to format 2): not checked"), out.c_str());
  LONGS_EQUAL(4, run({"--set", "journal.path=" + path(), "--json"}, &out));
  CHECK_TEXT(has(out, "\"newer_format\":true"), out.c_str());
}

TEST(JournalVerify, UsageConfigAndOpenErrorsHaveTheirExitCodes) {
  std::string out, err;
  LONGS_EQUAL(2, run({"--frobnicate"}, &out, &err));
  CHECK_TEXT(has(err, "unknown or incomplete argument '--frobnicate'"), err.c_str());
  LONGS_EQUAL(2, run({"--set", "journal.pth=x"}, &out, &err));
  LONGS_EQUAL(2, run({"--config", dir.file("absent.conf")}, &out, &err));
  LONGS_EQUAL(3, run({"--set", "journal.path=" + dir.file("no-such-dir")}, &out, &err));
  CHECK_TEXT(has(err, "cannot open the journal at " + dir.file("no-such-dir") + ": "), err.c_str());
  CHECK_TEXT(has(err, "no such directory"), err.c_str());
}
