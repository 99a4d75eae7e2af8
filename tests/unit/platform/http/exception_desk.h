// A desk for the exception API tests: a real ExceptionBook on the memory
// store, a users file with one admin, and ExceptionActions that do what a
// program's would to the book (state and trail through book.act) while
// recording each call, so a test can tell "refused before acting" from
// "acted and failed".
#pragma once

#include <Poco/Base64Encoder.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/http/admin_auth.h"
#include "platform/http/exception_routes.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

namespace sb::test {

inline constexpr char kAdmin[] = "alice";
inline constexpr char kAdminPassword[] = "correct horse";

inline std::string base64(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << s;
  enc.close();
  return out.str();
}

inline std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + base64(user + ":" + password);
}

class RecordingActions final : public ExceptionActions {
 public:
  explicit RecordingActions(ExceptionBook& book) : book_(book) {}

  std::vector<std::string> editable(const ExceptionRecord& r) const override {
    if (r.cls == "CARRIER_MISSING") return {"carrier", "tracking_number"};
    return {};
  }
  Json describe(const ExceptionRecord& r) override {
    Json j = Json::object();
    Json& subject = j.set("subject", Json::object());
    subject.set("event_id", Json::string(r.subject_id));
    j.set("waiting_behind", Json::number(int64_t{3}));
    return j;
  }
  Status retry(const ExceptionRecord& r, const std::string& who, const std::string& note) override {
    calls.push_back("retry " + r.id + " by " + who);
    if (!fail_next.ok()) return take_failure();
    return book_.act(r.id, ExceptionState::kRetrying, {0, who, "retry", note, ""}).status();
  }
  Status edit(const ExceptionRecord& r, const std::map<std::string, std::string>& patch, const std::string& who,
              const std::string& note) override {
    calls.push_back("edit " + r.id + " by " + who);
    if (!fail_next.ok()) return take_failure();
    std::string change;
    for (const auto& [field, value] : patch) change += (change.empty() ? "" : "; ") + field + ": '' -> '" + value + "'";
    return book_.act(r.id, ExceptionState::kRetrying, {0, who, "edit", note, change}).status();
  }
  Status discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) override {
    calls.push_back("discard " + r.id + " by " + who);
    if (!fail_next.ok()) return take_failure();
    return book_.act(r.id, ExceptionState::kDiscarded, {0, who, "discard", reason, ""}).status();
  }

  std::vector<std::string> calls;
  Status fail_next;  // when set, the next action answers this without touching the book

 private:
  Status take_failure() {
    Status s = fail_next;
    fail_next = Status::Ok();
    return s;
  }
  ExceptionBook& book_;
};

// Store, committer, book, users, actions and the router serving them.
struct ExceptionDesk {
  explicit ExceptionDesk(bool with_users = true) : store(MemoryStore::create()), committer(*store) {
    auto b = ExceptionBook::open(*store, committer, clock, "exc");
    CHECK_TRUE(b.ok());
    book = std::move(b).value();
    actions = std::make_unique<RecordingActions>(*book);
    std::string text = "# admins\n";
    if (with_users) {
      Result<std::string> line = make_password_line(kAdmin, kAdminPassword, 1000);
      CHECK_TRUE(line.ok());
      text += *line + "\n";
    }
    auto u = AdminUsers::parse(text);
    CHECK_TRUE(u.ok());
    users = *u;
    add_exception_routes(router, *book, users, *actions);
  }

  ExceptionRecord hold(const std::string& event_id, const std::string& cls, const std::string& owner = "warehouse",
                       const std::string& site = "lyon-1") {
    ExceptionRaise r;
    r.cls = cls;
    r.owner = owner;
    r.subject_kind = "event";
    r.subject_id = event_id;
    r.site = site;
    r.key = "SO-" + event_id;
    r.reason = cls == "CARRIER_MISSING" ? "the shipment has no carrier code" : "the item is not in the ERP";
    Result<ExceptionRecord> rec = book->raise(r);
    CHECK_TRUE(rec.ok());
    clock.advance(Millis(60'000));
    return rec.ok() ? *rec : ExceptionRecord{};
  }

  ExceptionRecord record(const std::string& id) {
    Result<ExceptionRecord> r = book->get(id);
    CHECK_TRUE(r.ok());
    return r.ok() ? *r : ExceptionRecord{};
  }

  ManualClock clock;
  std::unique_ptr<MemoryStore> store;
  GroupCommitter committer;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<RecordingActions> actions;
  std::shared_ptr<AdminUsers> users;
  Router router;
};

}  // namespace sb::test
