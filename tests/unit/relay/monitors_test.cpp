// The relay's monitors: each condition is raised once as an exception with
// its class, owner, site and a reason with the numbers, stays one exception
// over later sweeps, and resolves itself when the condition clears. A retry
// checks now; an edit is refused; a discard acknowledges the episode, also
// across a restart, until the condition has cleared once.
// A sweep that cannot read something resolves nothing of it; a restart while
// a site is offline does not restart its count; an order whose shipment came
// before its APPLIED outcome is not orphaned.
// The memory store twin (behind a wrapper whose reads of a table can be made
// to fail), a manual clock, the real ledger, outbox and book.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/log.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/command_outbox.h"
#include "relay/exception_actions.h"
#include "relay/ledger.h"
#include "relay/monitors.h"
#include "relay/poster.h"
#include "relay/watchlist.h"
#include "tests/unit/relay/relay_fixtures.h"
#include "tests/unit/relay/scripted_erp.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

constexpr int64_t kMinute = 60'000;

v1::Event shipment(uint64_t seq, const std::string& order) {
  v1::Event e;
  e.set_event_id("clarus:site-a:shipment:" + std::to_string(seq));
  e.set_site_id("site-a");
  e.set_seq(seq);
  e.set_business_key("order:" + order);
  v1::Shipment* s = e.mutable_shipment();
  s->set_order_reference(order);
  s->set_erp_order_id("77");
  s->set_clarus_shipment_id(std::to_string(900 + seq));
  return e;
}

v1::Event return_receipt(uint64_t seq) {
  v1::Event e;
  e.set_event_id("clarus:site-a:return:" + std::to_string(seq));
  e.set_site_id("site-a");
  e.set_seq(seq);
  e.set_business_key("rma:RMA-1");
  e.mutable_return_receipt()->set_rma_reference("RMA-1");
  e.mutable_return_receipt()->set_clarus_receipt_id("R" + std::to_string(seq));
  return e;
}

// The memory twin, with reads of chosen tables failing (a disk that answers
// EIO for some pages): what a sweep sees when a finder's read fails.
class FlakyReads : public KvStore {
 public:
  FlakyReads() : inner_(MemoryStore::create()) {}
  void fail_reads_of(std::set<std::string> tables) {
    std::lock_guard lock(mu_);
    failing_ = std::move(tables);
  }
  Status check(TableId t) {
    std::lock_guard lock(mu_);
    auto name = names_.find(t.handle);
    if (name != names_.end() && failing_.count(name->second)) return Status::IoError("reading " + name->second + " failed");
    return Status::Ok();
  }
  Result<TableId> table(const std::string& name) override {
    Result<TableId> t = inner_->table(name);
    std::lock_guard lock(mu_);
    if (t.ok()) names_[t->handle] = name;
    return t;
  }
  Result<std::unique_ptr<ReadTxn>> read() override;
  Result<std::unique_ptr<WriteTxn>> write() override { return inner_->write(); }
  Status grow() override { return inner_->grow(); }
  StoreStats stats() override { return inner_->stats(); }

 private:
  std::unique_ptr<MemoryStore> inner_;
  std::mutex mu_;
  std::map<unsigned, std::string> names_;
  std::set<std::string> failing_;
};

class FlakyRead : public ReadTxn {
 public:
  FlakyRead(std::unique_ptr<ReadTxn> inner, FlakyReads& store) : inner_(std::move(inner)), store_(store) {}
  Status get(TableId t, std::string_view key, std::string* value) override {
    SB_RETURN_IF_ERROR(store_.check(t));
    return inner_->get(t, key, value);
  }
  Status scan(TableId t, std::string_view from,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    SB_RETURN_IF_ERROR(store_.check(t));
    return inner_->scan(t, from, visit);
  }
  Status scan_back(TableId t, std::string_view from,
                   const std::function<bool(std::string_view, std::string_view)>& visit) override {
    SB_RETURN_IF_ERROR(store_.check(t));
    return inner_->scan_back(t, from, visit);
  }
  Result<uint64_t> count(TableId t) override {
    SB_RETURN_IF_ERROR(store_.check(t));
    return inner_->count(t);
  }

 private:
  std::unique_ptr<ReadTxn> inner_;
  FlakyReads& store_;
};

Result<std::unique_ptr<ReadTxn>> FlakyReads::read() {
  Result<std::unique_ptr<ReadTxn>> r = inner_->read();
  if (!r.ok()) return r.status();
  return std::unique_ptr<ReadTxn>(new FlakyRead(std::move(*r), *this));
}

SiteState site_state(bool online, uint64_t backlog = 0, int64_t oldest_ms = 0, int64_t received_at = 0) {
  SiteState s;
  s.state.set_site_id("site-a");
  s.state.set_online(online);
  s.state.set_backlog_events(backlog);
  s.state.set_oldest_unacked_ms(oldest_ms);
  s.received_at_ms = received_at;
  return s;
}

}  // namespace

TEST_GROUP(Monitors) {
  ManualClock clock;
  std::unique_ptr<FlakyReads> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<Watchlist> watchlist;
  std::unique_ptr<CommandOutbox> outbox;
  std::unique_ptr<Monitors> monitors;
  std::map<std::string, SiteState> sites;
  uint64_t next_seq = 1;

  void setup() override {
    log::set_level(log::Level::kError);
    store = std::make_unique<FlakyReads>();
    committer = std::make_unique<GroupCommitter>(*store);
    ledger = Ledger::open(*store, *committer, clock).value();
    book = ExceptionBook::open(*store, *committer, clock, "exceptions").value();
    start();
  }
  // Everything but the store, as a restarted relay opens it.
  void start() {
    watchlist = Watchlist::open(*store, *committer, clock).value();
    Watchlist* w = watchlist.get();
    ledger->set_intake_hook([w](WriteTxn& txn, const v1::Event& e) { return w->on_event_taken(txn, e); });
    outbox = CommandOutbox::open(*store, *committer, clock).value();
    outbox->set_hooks([w](WriteTxn& txn, const v1::Command& c) { return w->on_command_queued(txn, c); },
                      [w](WriteTxn& txn, const std::string& site, const v1::CommandOutcome& o) {
                        return w->on_command_outcome(txn, site, o);
                      });
    MonitorOptions o;
    o.orphaned_order_after = Millis(48 * 60 * kMinute);
    o.unposted_shipment_after = Millis(30 * kMinute);
    o.return_without_credit_after = Millis(3 * 24 * 60 * kMinute);
    o.backlog_events = 1000;
    o.backlog_age = Millis(30 * kMinute);
    o.offline_after = Millis(15 * kMinute);
    monitors = std::make_unique<Monitors>(*book, *ledger, *watchlist, *committer, [this] { return sites; }, clock, o);
  }
  void teardown() override {
    monitors.reset();
    outbox.reset();
    watchlist.reset();
    book.reset();
    ledger.reset();
    committer.reset();
    store.reset();
  }
  void advance(int64_t minutes) { clock.advance(Millis(minutes * kMinute)); }
  void sweep() {
    Status s = monitors->sweep();
    CHECK_TEXT(s.ok(), s.to_string().c_str());
  }
  uint64_t take(const v1::Event& e) {
    v1::Event copy = e;
    copy.set_seq(next_seq++);
    v1::UplinkBatch b = batch("site-a", "e1", {copy});
    Result<std::vector<IntakeResult>> r = ledger->accept({&b});
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    return r->front().fresh.at(0).ledger_seq;
  }
  std::vector<ExceptionRecord> of_class(const std::string& cls) {
    ExceptionFilter f;
    f.cls = cls;
    return book->list(f).value();
  }
  // The one exception of a class; fails unless there is exactly one.
  ExceptionRecord only(const std::string& cls) {
    std::vector<ExceptionRecord> all = of_class(cls);
    LONGS_EQUAL_TEXT(1, all.size(), cls.c_str());
    return all.at(0);
  }
  void release_and_apply(const std::string& order, const std::string& clarus_id) {
    release(order);
    applied("release:" + order, clarus_id);
  }
  // As the downlink records an agent's DownlinkAck.
  void applied(const std::string& command_id, const std::string& clarus_id) {
    v1::DownlinkAck ack;
    ack.set_site_id("site-a");
    ack.set_downlink_epoch(outbox->epoch());
    ack.set_acked_through_seq(outbox->stats("site-a").next_seq - 1);
    v1::CommandOutcome* o = ack.add_outcomes();
    o->set_command_id(command_id);
    o->set_kind(v1::CommandOutcome::APPLIED);
    o->set_clarus_id(clarus_id);
    o->set_at_ms(clock.wall_ms());
    CHECK_TRUE(outbox->ack("site-a", ack).ok());
  }
  void release(const std::string& order) {
    v1::Command c;
    c.set_command_id("release:" + order);
    c.mutable_sales_order_release()->set_order_number(order);
    c.mutable_sales_order_release()->set_erp_order_id("77");
    CHECK_TRUE(outbox->enqueue("site-a", c).ok());
  }
  size_t watched_orders() {
    size_t n = 0;
    CHECK_TRUE(watchlist->orders([&](const WatchedOrder&) { ++n; }).ok());
    return n;
  }
};

TEST(Monitors, ASiteOfflineBeyondItsThresholdIsRaisedOnceAndResolvesWhenItIsBack) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(10);
  sweep();
  LONGS_EQUAL(0, of_class("SITE_OFFLINE").size());  // 10 minutes: within the threshold
  advance(10);
  sweep();
  sweep();
  ExceptionRecord x = only("SITE_OFFLINE");
  STRCMP_EQUAL("IT", x.owner.c_str());
  STRCMP_EQUAL("site-a", x.site.c_str());
  STRCMP_EQUAL("condition", x.subject_kind.c_str());
  STRCMP_EQUAL("SITE_OFFLINE/site-a", x.subject_id.c_str());
  CHECK_TEXT(x.reason.find("offline for 20 minutes") != std::string::npos, x.reason.c_str());
  LONGS_EQUAL(1, x.attempts);  // later sweeps leave it as it is
  LONGS_EQUAL(1, static_cast<long>(monitors->status().find("open")->find("SITE_OFFLINE")->as_double()));

  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());
  sweep();
  x = only("SITE_OFFLINE");
  CHECK_TRUE(x.state == ExceptionState::kResolved);
}

TEST(Monitors, ABacklogTooDeepOrTooOldIsRaisedAndResolvesWhenItDrains) {
  sites["site-a"] = site_state(true, 1500, clock.wall_ms() - 5 * kMinute, clock.wall_ms());
  sweep();
  ExceptionRecord x = only("BACKLOG");
  CHECK_TEXT(x.reason.find("1,500 events waiting") != std::string::npos, x.reason.c_str());
  CHECK_TEXT(x.reason.find("more than 1,000") != std::string::npos, x.reason.c_str());
  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());
  sweep();
  CHECK_TRUE(only("BACKLOG").state == ExceptionState::kResolved);

  // Few events, but the oldest has waited 45 minutes: a new episode, a new exception.
  sites["site-a"] = site_state(true, 12, clock.wall_ms() - 45 * kMinute, clock.wall_ms());
  sweep();
  std::vector<ExceptionRecord> all = of_class("BACKLOG");
  LONGS_EQUAL(2, all.size());
  CHECK_TRUE(all.at(0).state == ExceptionState::kOpen);
  CHECK_TEXT(all.at(0).reason.find("waited 45 minutes") != std::string::npos, all.at(0).reason.c_str());
}

TEST(Monitors, AShipmentNotPostedInTimeIsRaisedAndResolvesOncePosted) {
  const uint64_t seq = take(shipment(1, "SO-1"));
  advance(29);
  sweep();
  LONGS_EQUAL(0, of_class("UNPOSTED_SHIPMENT").size());
  advance(2);
  sweep();
  sweep();
  ExceptionRecord x = only("UNPOSTED_SHIPMENT");
  STRCMP_EQUAL("IT", x.owner.c_str());
  STRCMP_EQUAL("UNPOSTED_SHIPMENT/site-a/clarus:site-a:shipment:1", x.subject_id.c_str());
  CHECK_TEXT(x.reason.find("shipment 901 of order SO-1 reached the relay 31 minutes ago") != std::string::npos,
             x.reason.c_str());
  LONGS_EQUAL(1, x.attempts);

  CHECK_TRUE(ledger->mark_posted(seq, "clarus:site-a:shipment:1", "IF-1").ok());
  sweep();
  CHECK_TRUE(only("UNPOSTED_SHIPMENT").state == ExceptionState::kResolved);
}

TEST(Monitors, AHeldShipmentSaysWhyItWaits) {
  const uint64_t seq = take(shipment(1, "SO-1"));
  CHECK_TRUE(ledger->mark_held(seq, "clarus:site-a:shipment:1", "carrier XYZ is not in the ERP").ok());
  advance(31);
  sweep();
  ExceptionRecord x = only("UNPOSTED_SHIPMENT");
  CHECK_TEXT(x.reason.find("it is held: carrier XYZ is not in the ERP") != std::string::npos, x.reason.c_str());
}

TEST(Monitors, AReturnWithNoCreditMemoInTimeIsRaisedAndResolvesWhenCredited) {
  const uint64_t seq = take(return_receipt(1));
  advance(3 * 24 * 60 + 1);
  sweep();
  ExceptionRecord x = only("RETURN_WITHOUT_CREDIT");
  STRCMP_EQUAL("finance", x.owner.c_str());
  CHECK_TEXT(x.reason.find("return R1 against RMA-1 was received at site-a 3 days ago and no credit memo") !=
                 std::string::npos,
             x.reason.c_str());
  LONGS_EQUAL(0, of_class("UNPOSTED_SHIPMENT").size());  // a return is not a shipment
  CHECK_TRUE(ledger->mark_posted(seq, "clarus:site-a:return:1", "CM-1").ok());
  sweep();
  CHECK_TRUE(only("RETURN_WITHOUT_CREDIT").state == ExceptionState::kResolved);
}

TEST(Monitors, AnOrderAppliedLongAgoWithNothingShippedIsOrphanedUntilAShipmentArrives) {
  release_and_apply("SO-1", "GO-55");
  advance(47 * 60);
  sweep();
  LONGS_EQUAL(0, of_class("ORPHANED_ORDER").size());
  advance(2 * 60);
  sweep();
  sweep();
  ExceptionRecord x = only("ORPHANED_ORDER");
  STRCMP_EQUAL("warehouse", x.owner.c_str());
  STRCMP_EQUAL("ORPHANED_ORDER/site-a/SO-1", x.subject_id.c_str());
  CHECK_TEXT(x.reason.find("Order SO-1 was released to site-a 49 hours ago (goods out GO-55") != std::string::npos,
             x.reason.c_str());
  LONGS_EQUAL(1, x.attempts);

  take(shipment(1, "SO-1"));
  sweep();
  CHECK_TRUE(only("ORPHANED_ORDER").state == ExceptionState::kResolved);
}

TEST(Monitors, AnOrderCancelledAtTheSiteIsNotOrphaned) {
  release_and_apply("SO-2", "GO-56");
  advance(49 * 60);
  sweep();
  only("ORPHANED_ORDER");
  v1::Command cancel;
  cancel.set_command_id("cancel:SO-2");
  cancel.mutable_sales_order_cancel()->set_order_number("SO-2");
  CHECK_TRUE(outbox->enqueue("site-a", cancel).ok());
  applied("cancel:SO-2", "GO-56");
  sweep();
  CHECK_TRUE(only("ORPHANED_ORDER").state == ExceptionState::kResolved);
}

TEST(Monitors, ARetryChecksNowAndResolvesOnlyWhenCleared) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(20);
  sweep();
  ExceptionRecord x = only("SITE_OFFLINE");
  CHECK_TRUE(monitors->check(x, "alice", "called the site").ok());
  x = only("SITE_OFFLINE");
  CHECK_TRUE(x.state == ExceptionState::kOpen);
  STRCMP_EQUAL("retry", x.trail.back().action.c_str());
  CHECK_TEXT(x.trail.back().note.find("called the site; checked now: Site site-a has been offline") != std::string::npos,
             x.trail.back().note.c_str());

  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());
  CHECK_TRUE(monitors->check(x, "alice", "").ok());
  x = only("SITE_OFFLINE");
  CHECK_TRUE(x.state == ExceptionState::kResolved);
  STRCMP_EQUAL("checked now: the condition has cleared", x.trail.back().note.c_str());
}

TEST(Monitors, ADiscardAcknowledgesTheEpisodeAcrossARestartUntilItClears) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(20);
  sweep();
  CHECK_TRUE(monitors->acknowledge(only("SITE_OFFLINE"), "alice", "the site is closed for the holiday").ok());
  CHECK_TRUE(only("SITE_OFFLINE").state == ExceptionState::kDiscarded);
  sweep();
  start();  // a restart: the acknowledgement is in the store
  sweep();
  LONGS_EQUAL(1, of_class("SITE_OFFLINE").size());

  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());  // back: the episode ends
  sweep();
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(16);
  sweep();
  std::vector<ExceptionRecord> all = of_class("SITE_OFFLINE");
  LONGS_EQUAL(2, all.size());
  CHECK_TRUE(all.at(0).state == ExceptionState::kOpen);
}

TEST(Monitors, ASiteNotHeardFromSinceARestartIsNeitherRaisedNorResolved) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(20);
  sweep();
  sites.clear();  // the relay restarted; the retained state has not arrived yet
  start();
  sweep();
  CHECK_TRUE(only("SITE_OFFLINE").state == ExceptionState::kOpen);
}

TEST(Monitors, AnEditOfAConditionIsRefusedAndActionsReachTheMonitors) {
  ScriptedErp erp;
  Poster poster(*ledger, erp, clock, PosterOptions{}, [](const std::string&, const std::string&, const v1::EventOutcome&) {});
  RelayExceptionActions actions(*ledger, poster, monitors.get());
  sites["site-a"] = site_state(true, 5000, 0, clock.wall_ms());
  sweep();
  ExceptionRecord x = only("BACKLOG");
  CHECK_TRUE(actions.editable(x).empty());
  Status edit = actions.edit(x, {{"backlog", "0"}}, "alice", "");
  CHECK_TRUE(edit.code() == Code::kInvalidArgument);
  CHECK_TEXT(edit.message().find("nothing to edit") != std::string::npos, edit.message().c_str());
  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());
  CHECK_TRUE(actions.retry(x, "alice", "").ok());
  CHECK_TRUE(only("BACKLOG").state == ExceptionState::kResolved);
}

TEST(Monitors, EventsThatPostedAreForgottenSoTheWatchlistStaysSmall) {
  for (int i = 1; i <= 5; ++i) {
    const uint64_t seq = take(shipment(static_cast<uint64_t>(i), "SO-" + std::to_string(i)));
    CHECK_TRUE(ledger->mark_posted(seq, "clarus:site-a:shipment:" + std::to_string(i), "IF").ok());
  }
  sweep();
  size_t watched = 0;
  CHECK_TRUE(watchlist->events([&](const WatchedEvent&) { ++watched; }).ok());
  LONGS_EQUAL(0, watched);
}

// A restart brings the retained "offline" state again, received just now: the
// site has still been offline since it went, so its exception stays the one
// open exception and its reason counts from the first sighting.
TEST(Monitors, ARestartWhileASiteIsOfflineKeepsItsExceptionOpen) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(20);
  sweep();
  const std::string id = only("SITE_OFFLINE").id;
  start();
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  sweep();
  advance(1);
  sweep();
  ExceptionRecord x = only("SITE_OFFLINE");
  STRCMP_EQUAL(id.c_str(), x.id.c_str());
  CHECK_TRUE(x.state == ExceptionState::kOpen);
  CHECK_TRUE(monitors->check(x, "alice", "").ok());
  x = only("SITE_OFFLINE");
  CHECK_TRUE(x.state == ExceptionState::kOpen);
  CHECK_TEXT(x.trail.back().note.find("offline for 21 minutes") != std::string::npos, x.trail.back().note.c_str());

  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());
  sweep();
  CHECK_TRUE(only("SITE_OFFLINE").state == ExceptionState::kResolved);
}

TEST(Monitors, ARestartBeforeTheThresholdDoesNotRestartTheCount) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(10);
  sweep();  // first seen offline: recorded
  start();
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(6);
  sweep();
  ExceptionRecord x = only("SITE_OFFLINE");
  CHECK_TEXT(x.reason.find("offline for 16 minutes") != std::string::npos, x.reason.c_str());
}

TEST(Monitors, ADiscardedOfflineSiteIsNotRaisedAgainAfterARestart) {
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());
  advance(20);
  sweep();
  CHECK_TRUE(monitors->acknowledge(only("SITE_OFFLINE"), "alice", "the site is closed for the holiday").ok());
  start();
  sites["site-a"] = site_state(false, 0, 0, clock.wall_ms());  // the retained state, received anew
  sweep();
  advance(16);
  sweep();
  LONGS_EQUAL(1, of_class("SITE_OFFLINE").size());
  CHECK_TRUE(only("SITE_OFFLINE").state == ExceptionState::kDiscarded);
}

// An offline site's numbers are those of its last state: its backlog may grow
// meanwhile, so its BACKLOG is neither resolved nor raised until it is back.
TEST(Monitors, AnOfflineSitesBacklogIsNeitherRaisedNorResolved) {
  sites["site-a"] = site_state(true, 1500, clock.wall_ms() - 5 * kMinute, clock.wall_ms());
  sweep();
  const std::string id = only("BACKLOG").id;
  sites["site-a"] = site_state(false, 1500, clock.wall_ms() - 5 * kMinute, clock.wall_ms());
  sweep();
  advance(60);
  sweep();
  ExceptionRecord x = only("BACKLOG");
  STRCMP_EQUAL(id.c_str(), x.id.c_str());
  CHECK_TRUE(x.state == ExceptionState::kOpen);
  sites["site-a"] = site_state(true, 0, 0, clock.wall_ms());
  sweep();
  CHECK_TRUE(only("BACKLOG").state == ExceptionState::kResolved);
}

// A read that fails is not an empty list: nothing of what could not be read
// is resolved or un-acknowledged, and the sweep says it failed.
TEST(Monitors, ASweepWhoseReadsFailResolvesNothingItCouldNotRead) {
  release_and_apply("SO-1", "GO-1");
  release_and_apply("SO-2", "GO-2");
  take(shipment(1, "SO-9"));
  advance(49 * 60);
  sweep();
  only("UNPOSTED_SHIPMENT");
  LONGS_EQUAL(2, of_class("ORPHANED_ORDER").size());
  for (const ExceptionRecord& r : of_class("ORPHANED_ORDER"))
    if (r.subject_id == "ORPHANED_ORDER/site-a/SO-2") CHECK_TRUE(monitors->acknowledge(r, "alice", "known").ok());

  store->fail_reads_of({"mon_orders", "mon_events"});
  Status s = monitors->sweep();
  CHECK_TRUE(s.code() == Code::kIoError);
  CHECK_TEXT(monitors->status().get_string("last_error").find("failed") != std::string::npos,
             monitors->status().dump().c_str());
  CHECK_TRUE(only("UNPOSTED_SHIPMENT").state == ExceptionState::kOpen);
  for (const ExceptionRecord& r : of_class("ORPHANED_ORDER"))
    CHECK_TRUE(r.state == (r.subject_id == "ORPHANED_ORDER/site-a/SO-1" ? ExceptionState::kOpen : ExceptionState::kDiscarded));
  store->fail_reads_of({"ids"});  // the watchlist reads, each event's custody state does not
  CHECK_TRUE(monitors->sweep().code() == Code::kIoError);
  ExceptionRecord unposted = only("UNPOSTED_SHIPMENT");
  CHECK_TRUE(monitors->check(unposted, "alice", "").ok());
  store->fail_reads_of({});

  CHECK_TRUE(only("UNPOSTED_SHIPMENT").state == ExceptionState::kOpen);
  CHECK_TEXT(only("UNPOSTED_SHIPMENT").trail.back().note.find("could not read") != std::string::npos,
             only("UNPOSTED_SHIPMENT").trail.back().note.c_str());
  for (const ExceptionRecord& r : of_class("ORPHANED_ORDER")) {
    if (r.subject_id == "ORPHANED_ORDER/site-a/SO-1") CHECK_TRUE(r.state == ExceptionState::kOpen);
    else CHECK_TRUE(r.state == ExceptionState::kDiscarded);
  }
  sweep();  // the reads work again: the acknowledgement was kept, nothing is raised twice
  LONGS_EQUAL(2, of_class("ORPHANED_ORDER").size());
  only("UNPOSTED_SHIPMENT");
}

// The Shipment (uplink thread) and the release's APPLIED outcome (downlink
// worker) are not ordered: after an outage the shipment may be taken first.
TEST(Monitors, AnOrderWhoseShipmentCameBeforeItsAppliedOutcomeIsNotOrphaned) {
  release("SO-1");
  take(shipment(1, "SO-1"));
  applied("release:SO-1", "GO-1");
  LONGS_EQUAL(0, watched_orders());
  advance(49 * 60);
  sweep();
  LONGS_EQUAL(0, of_class("ORPHANED_ORDER").size());

  // The marker is forgotten after 30 days: a release applied after that is watched again.
  advance(31 * 24 * 60);
  sweep();
  v1::Command again;
  again.set_command_id("release:SO-1:2");
  again.mutable_sales_order_release()->set_order_number("SO-1");
  CHECK_TRUE(outbox->enqueue("site-a", again).ok());
  applied("release:SO-1:2", "GO-2");
  LONGS_EQUAL(1, watched_orders());
}

// The outcome is indexed in the acknowledgement's commit: one commit, both or neither.
TEST(Monitors, AnAcknowledgementAndItsOutcomesLandInOneCommit) {
  release("SO-1");
  const uint64_t commits = store->stats().commits;
  applied("release:SO-1", "GO-1");
  LONGS_EQUAL(1, store->stats().commits - commits);
  LONGS_EQUAL(0, outbox->stats("site-a").waiting);
  LONGS_EQUAL(1, watched_orders());
}
