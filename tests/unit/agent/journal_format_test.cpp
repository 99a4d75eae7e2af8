// The journal's format across agent versions: a format-1 journal (the first
// release's) is migrated to format 2 on start with every event and seq kept;
// a journal of another site, or of a newer format, is refused and left as it
// was, byte for byte on disk.
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "agent/journal.h"
#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/support/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

v1::Event adjustment(const std::string& id, const std::string& site = "site-1") {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id(site);
  e.set_occurred_at_ms(1'764'172'800'000);
  e.set_business_key("stock:WH1:SKU-1");
  auto* a = e.mutable_stock_adjustment();
  a->set_sku("SKU-1");
  a->set_warehouse("WH1");
  a->set_quantity_delta(1);
  a->set_unit("EA");
  return e;
}

JournalOptions for_site(const std::string& site) {
  JournalOptions o;
  o.site_id = site;
  return o;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_GROUP(JournalFormat) {
  testing::TempDir dir{"journal-format"};
  std::unique_ptr<KvStore> store;
  std::unique_ptr<GroupCommitter> committer;
  ManualClock clock;

  void setup() override {
    log::set_level(log::Level::kError);
    reopen_store();
  }
  void teardown() override { close_store(); }
  void reopen_store() {
    close_store();
    LmdbOptions o;
    o.path = dir.file("journal");
    store = open_lmdb_store(o).value();
    committer = std::make_unique<GroupCommitter>(*store);
  }
  void close_store() {
    if (committer) committer->stop();
    committer.reset();
    store.reset();
  }
  Result<std::unique_ptr<Journal>> open(JournalOptions o) { return Journal::open(*store, *committer, clock, o); }
  std::string meta(const std::string& key) {
    std::string v;
    auto txn = store->read().value();
    Status s = txn->get(store->table("meta").value(), key, &v);
    return s.ok() ? v : "(absent)";
  }
  void set_meta(const std::string& key, const std::string* value) {
    auto w = store->write().value();
    TableId t = store->table("meta").value();
    Status s = value ? w->put(t, key, *value) : w->del(t, key);
    CHECK_TEXT(s.ok() || s.code() == Code::kNotFound, s.to_string().c_str());
    CHECK(w->commit().ok());
  }
  // A journal as the first release left it: format 1, no site in its meta,
  // `n` events of `site` of which the relay took the first `acked`.
  void write_format_1(int n, uint64_t acked, const std::string& site = "site-1") {
    {
      std::unique_ptr<Journal> j = open(for_site(site)).value();
      std::vector<v1::Event> events;
      for (int i = 0; i < n; ++i) events.push_back(adjustment("e" + std::to_string(i), site));
      CHECK(j->append(events).ok());
      CHECK(j->release_through(acked).ok());
    }
    const std::string one = "1";
    set_meta("format", &one);
    set_meta("site", nullptr);
  }
  std::vector<std::pair<uint64_t, std::string>> events_of(const Journal& j) {
    std::vector<std::pair<uint64_t, std::string>> out;
    CHECK(j.read(1, 1000, 1 << 20, [&](uint64_t seq, std::string_view b) { out.emplace_back(seq, peek_event_id(b)); }).ok());
    return out;
  }
};

TEST(JournalFormat, ANewJournalRecordsTheFormatAndItsSite) {
  std::unique_ptr<Journal> j = open(for_site("site-1")).value();
  STRCMP_EQUAL("2", meta("format").c_str());
  STRCMP_EQUAL("site-1", meta("site").c_str());
  STRCMP_EQUAL("site-1", j->site().c_str());
}

TEST(JournalFormat, AFormat1JournalIsMigratedKeepingEveryEventAndSeq) {
  write_format_1(5, 2);
  const std::string epoch = meta("epoch");
  std::unique_ptr<Journal> j = open(for_site("site-1")).value();
  STRCMP_EQUAL("2", meta("format").c_str());
  STRCMP_EQUAL("site-1", meta("site").c_str());
  STRCMP_EQUAL(epoch.c_str(), j->epoch().c_str());
  LONGS_EQUAL(5, j->last_seq());
  LONGS_EQUAL(2, j->acked_through());
  CHECK((std::vector<std::pair<uint64_t, std::string>>{{3, "e2"}, {4, "e3"}, {5, "e4"}}) == events_of(*j));
  std::vector<v1::Event> again = {adjustment("e4"), adjustment("e5")};  // ids are remembered across the migration
  auto r = j->append(again);
  CHECK(r.ok());
  CHECK((*r)[0].duplicate);
  LONGS_EQUAL(5, (*r)[0].seq);
  LONGS_EQUAL(6, (*r)[1].seq);
  j.reset();
  j = open(for_site("site-1")).value();  // a second start finds format 2: nothing more to do
  LONGS_EQUAL(6, j->last_seq());
}

TEST(JournalFormat, AJournalRecordingAnotherSiteIsRefusedAndLeftAsItWas) {
  open(for_site("site-1")).value().reset();
  Result<std::unique_ptr<Journal>> j = open(for_site("site-2"));
  CHECK_FALSE(j.ok());
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition), static_cast<int>(j.status().code()));
  const std::string m = j.status().message();
  CHECK_TEXT(m.find("the journal records site site-1, but site.id is site-2. Refusing to start") != std::string::npos,
             m.c_str());
  STRCMP_EQUAL("site-1", meta("site").c_str());
}

TEST(JournalFormat, AFormat1JournalWhoseEventsNameAnotherSiteIsNotMigrated) {
  write_format_1(3, 0, "site-1");
  Result<std::unique_ptr<Journal>> j = open(for_site("site-2"));
  CHECK_FALSE(j.ok());
  const std::string m = j.status().message();
  CHECK_TEXT(m.find("the journal's events name site site-1, but site.id is site-2") != std::string::npos, m.c_str());
  STRCMP_EQUAL("1", meta("format").c_str());
  STRCMP_EQUAL("(absent)", meta("site").c_str());
}

TEST(JournalFormat, ANewerFormatIsRefusedWithBothVersionsAndTheFilesStayByteIdentical) {
  {
    std::unique_ptr<Journal> j = open(for_site("site-1")).value();
    std::vector<v1::Event> events = {adjustment("a"), adjustment("b")};
    CHECK(j->append(events).ok());
  }
  const std::string three = "3";
  set_meta("format", &three);
  close_store();
  const std::string before = file_bytes(dir.file("journal/data.mdb"));
  CHECK(before.size() > 0);

  reopen_store();  // what a start does: open the store, then the journal
  Result<std::unique_ptr<Journal>> j = open(for_site("site-1"));
  CHECK_FALSE(j.ok());
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition), static_cast<int>(j.status().code()));
  const std::string m = j.status().message();
  CHECK_TEXT(m.find("written by a newer agent: it is of format 3, this agent supports formats 1 to 2") != std::string::npos,
             m.c_str());
  CHECK_TEXT(m.find("leaving the journal untouched") != std::string::npos, m.c_str());
  close_store();
  CHECK_TEXT(before == file_bytes(dir.file("journal/data.mdb")), "data.mdb changed");
}
