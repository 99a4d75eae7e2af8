// Durable journal ingest, in-process: the agent's Journal on real LMDB with
// fsync, 300-byte events. (a) one thread appending 1,000 events per call;
// (b) 8 threads appending one event per call (group commit at work);
// (c) as (a), every event passing the site's checks (EdgeRules as the
// journal's gate, 5,000 ERP items known, none held); (d) what one view of the
// status page costs the journal with a backlog of 1,000,000 events: stats()
// and the backlog counted by event type over its oldest 50,000.
//   bench_journal [--seconds N]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "agent/journal.h"
#include "agent/rules/edge_rules.h"
#include "agent/rules/master_data.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/support/temp_dir.h"

using namespace sb;
using namespace sb::agent;

namespace {

// An event whose serialized size is about 300 bytes.
v1::Event event(uint64_t i) {
  v1::Event e;
  e.set_event_id("clarus:site-1:adj:" + std::to_string(i));
  e.set_site_id("site-1");
  e.set_occurred_at_ms(1'795'689'720'000 + static_cast<int64_t>(i));
  e.set_business_key("stock:WH1:SKU-" + std::to_string(i % 5000));
  auto* a = e.mutable_stock_adjustment();
  a->set_sku("SKU-" + std::to_string(i % 5000));
  a->set_warehouse("WH1");
  a->set_location("A-" + std::to_string(i % 97) + "-" + std::to_string(i % 13));
  a->set_quantity_delta(static_cast<int64_t>(i % 11) - 5);
  a->set_unit("EA");
  a->set_reason_code("CYCLE_COUNT_ADJUSTMENT");
  a->set_clarus_reference("stock-movement-" + std::to_string(i) + "-" + std::string(150, 'x'));
  return e;
}

struct Setup {
  testing::TempDir dir{"bench-journal"};
  std::unique_ptr<KvStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<MasterData> master;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<EdgeRules> rules;
  explicit Setup(bool checks = false) {
    LmdbOptions o;
    o.path = dir.file("journal");
    o.initial_map_bytes = 1ull << 30;
    o.max_map_bytes = 16ull << 30;
    store = std::move(open_lmdb_store(o).value());
    committer = std::make_unique<GroupCommitter>(*store);
    journal = std::move(Journal::open(*store, *committer, SystemClock::instance(), JournalOptions{50'000'000}).value());
    if (!checks) return;
    master = std::move(MasterData::open(*store, *committer).value());
    for (int i = 0; i < 5000; ++i) {
      v1::Command c;
      c.mutable_item_upsert()->set_sku("SKU-" + std::to_string(i));
      c.mutable_item_upsert()->set_active(true);
      (void)master->record(c);
    }
    book = std::move(ExceptionBook::open(*store, *committer, SystemClock::instance(), "exceptions").value());
    rules = std::move(EdgeRules::open(*store, *committer, *journal, *master, *book, {}).value());
    journal->set_gate(rules.get());
  }
};

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// (a) and (c): one thread, 1,000 events per append.
int one_thread(bool checks, double seconds) {
  Setup s(checks);
  uint64_t n = 0;
  double in_append = 0;  // making the test events is not the journal's work: time append() alone
  auto t0 = std::chrono::steady_clock::now();
  while (since(t0) < seconds) {
    std::vector<v1::Event> batch;
    batch.reserve(1000);
    for (int k = 0; k < 1000; ++k) batch.push_back(event(n++));
    auto a0 = std::chrono::steady_clock::now();
    if (!s.journal->append(batch).ok()) {
      std::fprintf(stderr, "append failed\n");
      return 1;
    }
    in_append += since(a0);
  }
  double t = since(t0);
  std::printf("journal, 1 thread x 1,000 events per append (durable%s): %.0f events/s in append() (%llu events, %llu commits; %.0f events/s counting test-event creation)\n",
              checks ? ", the site's checks on every event" : "", n / in_append, static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(s.committer->commits()), n / t);
  if (checks && s.rules->stats().held_events != 0) std::printf("  (unexpected: %llu events held)\n", static_cast<unsigned long long>(s.rules->stats().held_events));
  return 0;
}


// (d): the journal's part of a status page view, with a large backlog.
int status_read(uint64_t backlog) {
  Setup s;
  for (uint64_t n = 0; n < backlog;) {
    std::vector<v1::Event> batch;
    for (int k = 0; k < 10'000; ++k) batch.push_back(event(n++));
    if (!s.journal->append(batch).ok()) return 1;
  }
  constexpr int kViews = 20;
  double stats_s = 0, kinds_s = 0, reuse_s = 0;
  uint64_t counted = 0;
  for (int v = 0; v < kViews; ++v) {
    auto t0 = std::chrono::steady_clock::now();
    JournalStats js = s.journal->stats();
    stats_s += since(t0);
    auto t1 = std::chrono::steady_clock::now();
    Result<BacklogByKind> kinds = s.journal->backlog_by_kind(50'000);
    kinds_s += since(t1);
    if (!kinds.ok() || js.backlog != backlog) return 1;
    counted = kinds->counted;
    auto t2 = std::chrono::steady_clock::now();  // the next view, nothing freed: the count is reused
    if (!s.journal->backlog_by_kind(50'000, &*kinds).ok()) return 1;
    reuse_s += since(t2);
  }
  std::printf("status page view, backlog %llu events: stats() %.3f ms, backlog by type over the oldest %llu events %.1f ms counted afresh, %.3f ms when reused (mean of %d)\n",
              static_cast<unsigned long long>(backlog), stats_s * 1000 / kViews, static_cast<unsigned long long>(counted),
              kinds_s * 1000 / kViews, reuse_s * 1000 / kViews, kViews);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  std::printf("event size: %zu bytes serialized\n", event(123456).ByteSizeLong());

  if (int rc = one_thread(false, seconds); rc != 0) return rc;
  {
    Setup s;
    std::atomic<uint64_t> n{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    auto t0 = std::chrono::steady_clock::now();
    for (int th = 0; th < 8; ++th) {
      threads.emplace_back([&, th] {
        for (uint64_t k = 0; !stop; ++k) {
          std::vector<v1::Event> one{event(static_cast<uint64_t>(th) * 1'000'000'000ull + k)};
          if (s.journal->append(one).ok()) ++n;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    double t = since(t0);
    std::printf("journal, 8 threads x 1 event per append (durable, group commit): %.0f events/s, %.1f events per commit\n",
                n / t, static_cast<double>(n.load()) / static_cast<double>(std::max<uint64_t>(1, s.committer->commits())));
  }
  if (int rc = one_thread(true, seconds); rc != 0) return rc;
  return status_read(1'000'000);
}
