// Commands Clarus refused, as exceptions: raised in the commit that holds the
// command, with the commands of its key held behind it; a retry puts them back
// in the queue in their order; applying resolves the exception; a discard drops
// the refused command (the relay hears DISCARDED) and queues those behind it;
// an item arriving retries the commands that name it.
#include <memory>
#include <string>
#include <vector>

#include "agent/downlink/command_journal.h"
#include "platform/core/log.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

v1::Command release(uint64_t seq, const std::string& id, const std::string& order, const std::string& sku) {
  v1::Command c;
  c.set_command_id(id);
  c.set_seq(seq);
  c.set_site_id("site-1");
  c.mutable_sales_order_release()->set_order_number(order);
  c.mutable_sales_order_release()->set_erp_order_id("so-" + order);
  v1::OrderLine* l = c.mutable_sales_order_release()->add_lines();
  l->set_sku(sku);
  l->set_quantity(1);
  return c;
}

v1::Command cancel(uint64_t seq, const std::string& id, const std::string& order) {
  v1::Command c;
  c.set_command_id(id);
  c.set_seq(seq);
  c.mutable_sales_order_cancel()->set_order_number(order);
  c.mutable_sales_order_cancel()->set_erp_order_id("so-" + order);
  return c;
}

v1::CommandOutcome outcome(const v1::Command& c, v1::CommandOutcome::Kind kind, const std::string& reason = "") {
  v1::CommandOutcome o;
  o.set_command_id(c.command_id());
  o.set_seq(c.seq());
  o.set_kind(kind);
  o.set_reason(reason);
  return o;
}

}  // namespace

TEST_GROUP(CommandExceptions) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<CommandJournal> journal;
  std::unique_ptr<ExceptionBook> book;

  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = CommandJournal::open(*store, *committer, SystemClock::instance()).value();
    book = ExceptionBook::open(*store, *committer, SystemClock::instance(), "exceptions").value();
    journal->set_exception_book(book.get());
  }
  void teardown() override {
    journal.reset();
    book.reset();
    committer.reset();
    store.reset();
  }
  void accept(std::vector<v1::Command> commands) {
    v1::DownlinkBatch b;
    b.set_site_id("site-1");
    b.set_downlink_epoch("e1");
    for (auto& c : commands) *b.add_commands() = c;
    CHECK(journal->accept(b).ok());
  }
  // Takes the next command and records `kind` for it; returns its id.
  std::string step(v1::CommandOutcome::Kind kind, const std::string& reason = "") {
    Result<std::optional<PendingCommand>> n = journal->next();
    CHECK(n.ok() && n->has_value());
    const PendingCommand& p = **n;
    CHECK(journal->finish(p.local_seq, p.command, outcome(p.command, kind, reason), {}).ok());
    return p.command.command_id();
  }
  std::string next_id() {
    Result<std::optional<PendingCommand>> n = journal->next();
    return n.ok() && n->has_value() ? (*n)->command.command_id() : "";
  }
};

TEST(CommandExceptions, ARefusedCommandIsAnExceptionAndARetryQueuesItsKeyInOrderThenApplyingResolvesIt) {
  accept({release(1, "c-1", "SO-1", "NEW-1"), cancel(2, "c-2", "SO-1")});
  STRCMP_EQUAL("c-1", step(v1::CommandOutcome::HELD, "product NEW-1 is not in Clarus").c_str());
  STRCMP_EQUAL("c-2", step(v1::CommandOutcome::HELD, "waits behind command c-1").c_str());
  ExceptionRecord x = book->find_subject("command", "c-1").value();
  STRCMP_EQUAL("CLARUS_REJECTED", x.cls.c_str());
  STRCMP_EQUAL("warehouse", x.owner.c_str());
  CHECK(x.reason.find("product NEW-1 is not in Clarus") != std::string::npos);
  CHECK_FALSE(book->find_subject("command", "c-2").ok());  // waiting behind, not refused itself
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition),
              static_cast<int>(journal->retry_held("c-2", ExceptionAction::by("wes", "test", "")).code()));

  CHECK(journal->retry_held("c-1", ExceptionAction::by("wes", "test", "product added in Clarus")).ok());
  CHECK(book->find_subject("command", "c-1")->state == ExceptionState::kRetrying);
  STRCMP_EQUAL("c-1", step(v1::CommandOutcome::APPLIED).c_str());
  STRCMP_EQUAL("c-2", step(v1::CommandOutcome::APPLIED).c_str());
  x = book->find_subject("command", "c-1").value();
  CHECK(x.state == ExceptionState::kResolved);
  STRCMP_EQUAL("wes", x.trail[1].who.c_str());
  LONGS_EQUAL(0, journal->stats().held);
}

TEST(CommandExceptions, RefusedAgainAfterARetryIsTheSameExceptionWithOneMoreAttempt) {
  accept({release(1, "c-1", "SO-1", "NEW-1")});
  step(v1::CommandOutcome::HELD, "no such product");
  CHECK(journal->retry_held("c-1", ExceptionAction::by("wes", "test", "")).ok());
  step(v1::CommandOutcome::HELD, "still no such product");
  ExceptionRecord x = book->find_subject("command", "c-1").value();
  LONGS_EQUAL(2, x.attempts);
  CHECK(x.state == ExceptionState::kOpen);
  CHECK(x.reason.find("still no such product") != std::string::npos);
}

TEST(CommandExceptions, ADiscardDropsTheRefusedCommandTellsTheRelayAndQueuesThoseBehindIt) {
  accept({release(1, "c-1", "SO-1", "NEW-1"), cancel(2, "c-2", "SO-1")});
  step(v1::CommandOutcome::HELD, "bad address");
  step(v1::CommandOutcome::HELD, "waits behind command c-1");
  (void)journal->take_unreported();
  CHECK(journal->discard_held("c-1", ExceptionAction::by("dora", "test", "order re-keyed as SO-1B")).ok());
  STRCMP_EQUAL("c-2", next_id().c_str());
  std::vector<v1::CommandOutcome> told = journal->take_unreported();
  LONGS_EQUAL(1, told.size());
  CHECK_EQUAL(v1::CommandOutcome::DISCARDED, told[0].kind());
  STRCMP_EQUAL("order re-keyed as SO-1B", told[0].reason().c_str());
  ExceptionRecord x = book->find_subject("command", "c-1").value();
  CHECK(x.state == ExceptionState::kDiscarded);
  STRCMP_EQUAL("dora", x.trail.back().who.c_str());
}

TEST(CommandExceptions, AnItemArrivingRetriesOnlyTheCommandsThatNameIt) {
  accept({release(1, "c-1", "SO-1", "NEW-1"), release(2, "c-2", "SO-2", "NEW-2")});
  step(v1::CommandOutcome::HELD, "no product NEW-1");
  step(v1::CommandOutcome::HELD, "no product NEW-2");
  LONGS_EQUAL(1, journal->retry_held_for_sku("NEW-2", "item NEW-2 arrived from the ERP"));
  STRCMP_EQUAL("c-2", next_id().c_str());
  CHECK(book->find_subject("command", "c-1")->state == ExceptionState::kOpen);
  ExceptionRecord x = book->find_subject("command", "c-2").value();
  STRCMP_EQUAL("system", x.trail.back().who.c_str());
  STRCMP_EQUAL("item NEW-2 arrived from the ERP", x.trail.back().note.c_str());
}

TEST(CommandExceptions, ARetriedCommandGoesAheadOfALaterCommandOfItsKeyAlreadyQueued) {
  accept({release(1, "c-1", "SO-1", "NEW-1")});
  step(v1::CommandOutcome::HELD, "no product NEW-1");
  accept({release(2, "c-2", "SO-2", "SKU-1"), cancel(3, "c-3", "SO-1")});  // queued, not yet reached
  CHECK(journal->retry_held("c-1", ExceptionAction::by("wes", "test", "")).ok());
  // The release of SO-1 first, then the rest in their order: its cancel never overtakes it.
  STRCMP_EQUAL("c-1", step(v1::CommandOutcome::APPLIED).c_str());
  STRCMP_EQUAL("c-2", step(v1::CommandOutcome::APPLIED).c_str());
  STRCMP_EQUAL("c-3", step(v1::CommandOutcome::APPLIED).c_str());
  STRCMP_EQUAL("", next_id().c_str());
}

TEST(CommandExceptions, ACommandToldToWaitBehindAHoldThatEndedMeanwhileStaysQueued) {
  accept({cancel(1, "c-9", "SO-9")});
  // The applier saw a holder, but by the time the outcome is recorded the hold is gone.
  STRCMP_EQUAL("c-9", step(v1::CommandOutcome::HELD, std::string(kWaitsBehind) + "c-8 for order:SO-9").c_str());
  STRCMP_EQUAL("c-9", next_id().c_str());
  LONGS_EQUAL(0, journal->stats().held);
  CHECK_FALSE(book->find_subject("command", "c-9").ok());
}
