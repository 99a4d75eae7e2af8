// ScriptedErp: an in-test ErpConnector. It holds records by external id like
// an ERP, answers post() from a per-event script (default: created), answers
// find() from what it holds, and records every call with its start and end
// time so tests can check order per key and overlap across keys.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relay/erp_connector.h"

namespace sb::relay::test {

class ScriptedErp final : public ErpConnector {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Call {
    std::string op;  // "post" or "find"
    std::string event_id;
    std::string key;
    uint64_t seq = 0;
    TimePoint start, end;
  };

  // The next post() of `event_id` answers `outcome`. `lands`: the ERP created
  // the record although the answer says otherwise (a timeout after the write).
  void script_post(const std::string& event_id, ErpOutcome outcome, bool lands = false) {
    std::lock_guard lock(mu_);
    script_[event_id].push_back({std::move(outcome), lands});
  }
  // How long each call takes, so calls of different keys can overlap.
  void set_delay(Millis d) {
    std::lock_guard lock(mu_);
    delay_ = d;
  }
  // The ERP already holds a record for this external id (an attempt before a crash landed).
  void hold_record(const std::string& event_id, const std::string& erp_id) {
    std::lock_guard lock(mu_);
    records_[event_id] = erp_id;
  }

  ErpOutcome post(const v1::Event& e) override {
    size_t i = begin("post", e);
    {
      std::lock_guard lock(mu_);
      bodies_[e.event_id()] = e;
    }
    ErpOutcome out = ErpOutcome::posted("");
    bool lands = true;
    {
      std::lock_guard lock(mu_);
      auto it = script_.find(e.event_id());
      if (it != script_.end() && !it->second.empty()) {
        out = it->second.front().outcome;
        lands = it->second.front().lands || out.kind == ErpOutcome::Kind::kPosted;
        it->second.pop_front();
      }
      if (lands) {
        if (records_.count(e.event_id())) {
          ++duplicate_posts_;  // what external ids exist to prevent
        } else {
          records_[e.event_id()] = "IA-" + std::to_string(++next_id_);
        }
        if (out.kind == ErpOutcome::Kind::kPosted) out.erp_id = records_[e.event_id()];
      }
    }
    end(i, e);
    return out;
  }

  // A coalesced net adjustment: recorded, then created like any post.
  struct Net {
    std::string event_id;
    int64_t quantity = 0;
    std::vector<std::string> covers;
  };
  ErpOutcome post_net(const v1::Event& net, const std::vector<std::string>& covers) override {
    {
      std::lock_guard lock(mu_);
      nets_.push_back({net.event_id(), net.stock_adjustment().quantity_delta(), covers});
    }
    return post(net);
  }
  std::vector<Net> nets() const {
    std::lock_guard lock(mu_);
    return nets_;
  }

  ErpOutcome find(const v1::Event& e) override {
    size_t i = begin("find", e);
    ErpOutcome out = ErpOutcome::not_found();
    {
      std::lock_guard lock(mu_);
      auto it = records_.find(e.event_id());
      if (it != records_.end()) out = ErpOutcome::posted(it->second);
    }
    end(i, e);
    return out;
  }

  std::string name() const override { return "scripted"; }
  void refresh_master_data() override {
    std::lock_guard lock(mu_);
    ++refreshes_;
  }
  int refreshes() const {
    std::lock_guard lock(mu_);
    return refreshes_;
  }
  // The event as last posted (what an edit changed reaches the ERP).
  v1::Event last_posted(const std::string& event_id) const {
    std::lock_guard lock(mu_);
    auto it = bodies_.find(event_id);
    return it == bodies_.end() ? v1::Event() : it->second;
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<Call> calls_of(const std::string& event_id) const {
    std::vector<Call> out;
    for (const Call& c : calls()) {
      if (c.event_id == event_id) out.push_back(c);
    }
    return out;
  }
  int posts_of(const std::string& event_id) const {
    int n = 0;
    for (const Call& c : calls_of(event_id)) n += c.op == "post";
    return n;
  }
  bool holds(const std::string& event_id, std::string* erp_id = nullptr) const {
    std::lock_guard lock(mu_);
    auto it = records_.find(event_id);
    if (it == records_.end()) return false;
    if (erp_id) *erp_id = it->second;
    return true;
  }
  size_t record_count() const {
    std::lock_guard lock(mu_);
    return records_.size();
  }
  int max_in_flight() const {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }
  void reset_max_in_flight() {
    std::lock_guard lock(mu_);
    max_in_flight_ = in_flight_;
  }
  // Times a call started while another call of the same business key was in flight.
  int same_key_overlaps() const {
    std::lock_guard lock(mu_);
    return same_key_overlaps_;
  }
  int duplicate_posts() const {
    std::lock_guard lock(mu_);
    return duplicate_posts_;
  }

 private:
  struct Step {
    ErpOutcome outcome;
    bool lands = false;
  };

  size_t begin(const char* op, const v1::Event& e) {
    Millis delay;
    size_t i;
    {
      std::lock_guard lock(mu_);
      if (++key_in_flight_[e.business_key()] > 1) ++same_key_overlaps_;
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
      calls_.push_back({op, e.event_id(), e.business_key(), e.seq(), std::chrono::steady_clock::now(), {}});
      i = calls_.size() - 1;
      delay = delay_;
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return i;
  }

  void end(size_t i, const v1::Event& e) {
    std::lock_guard lock(mu_);
    calls_[i].end = std::chrono::steady_clock::now();
    --key_in_flight_[e.business_key()];
    --in_flight_;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::deque<Step>> script_;
  std::map<std::string, std::string> records_;  // external id -> ERP id
  std::map<std::string, int> key_in_flight_;
  std::vector<Call> calls_;
  std::vector<Net> nets_;
  std::map<std::string, v1::Event> bodies_;
  int refreshes_ = 0;
  Millis delay_{0};
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  int same_key_overlaps_ = 0;
  int duplicate_posts_ = 0;
  int next_id_ = 0;
};

}  // namespace sb::relay::test
