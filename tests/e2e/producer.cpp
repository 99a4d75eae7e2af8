#include "tests/e2e/producer.h"

#include <chrono>
#include <cstdio>

#include "platform/core/json.h"

namespace sb::e2e {

Producer::Producer(ProducerOptions options) : options_(std::move(options)) {}

Producer::~Producer() { stop(); }

std::string Producer::event_id(uint64_t i) const { return "clarus:" + options_.id_prefix + ":adj:" + std::to_string(i); }

ProducedEvent Producer::event(uint64_t i) const {
  char sku[16];
  std::snprintf(sku, sizeof sku, "SKU-%04d", static_cast<int>(i % static_cast<uint64_t>(options_.skus)) + 1);
  int64_t q = static_cast<int64_t>(i % 11) - 5;
  return {sku, (i / 7) % 2 ? "WH2" : "WH1", q == 0 ? 6 : q};
}

std::string Producer::event_json(uint64_t i) const {
  ProducedEvent e = event(i);
  return R"({"event_id":")" + event_id(i) + R"(","occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{"sku":")" +
         e.sku + R"(","warehouse":")" + e.warehouse + R"(","location":"A-01-01","quantity_delta":)" +
         std::to_string(e.quantity) + R"(,"unit":"EA","reason_code":"CYCLE_COUNT"}})";
}

void Producer::start(uint64_t count, uint64_t first) {
  stop();
  stopping_ = false;
  total_ += count;
  {
    std::lock_guard lock(mu_);
    ranges_.emplace_back(first, count);
  }
  for (int t = 0; t < options_.threads; ++t) {
    threads_.emplace_back([this, t, first, count] { run(t, first, count); });
  }
}

bool Producer::send(HttpClient& http, const std::vector<uint64_t>& numbers) {
  ClientRequest req;
  req.method = "POST";
  req.url = options_.agent_url + "/v1/events";
  req.timeout = Millis(5000);
  if (numbers.size() == 1) {
    req.body = event_json(numbers[0]);
  } else {
    req.body = "{\"events\":[";
    for (size_t k = 0; k < numbers.size(); ++k) {
      if (k) req.body += ',';
      req.body += event_json(numbers[k]);
    }
    req.body += "]}";
  }
  Result<HttpResponse> r = http.send(req);
  return r.ok() && (r->status == 200 || r->status == 201);
}

void Producer::run(int thread_index, uint64_t first, uint64_t count) {
  std::unique_ptr<HttpClient> http = make_poco_http_client({});
  const auto start = std::chrono::steady_clock::now();
  const double per_thread_rate = options_.rate > 0 ? options_.rate / options_.threads : 0;
  uint64_t sent = 0;
  // Thread t takes every threads-th group of `batch` events, so all threads share the range.
  const uint64_t group = static_cast<uint64_t>(options_.batch);
  for (uint64_t g = static_cast<uint64_t>(thread_index) * group; g < count && !stopping_;
       g += group * static_cast<uint64_t>(options_.threads)) {
    std::vector<uint64_t> numbers;
    for (uint64_t i = g; i < std::min(count, g + group); ++i) numbers.push_back(first + i);
    if (per_thread_rate > 0) {
      auto due = start + std::chrono::duration<double>(static_cast<double>(sent) / per_thread_rate);
      std::this_thread::sleep_until(due);
    }
    // Like Clarus: the same events again until the agent says it has them.
    while (!stopping_ && !send(*http, numbers)) {
      ++failed_;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (stopping_) return;
    {
      std::lock_guard lock(mu_);
      for (uint64_t n : numbers) acked_.insert(event_id(n));
    }
    acked_count_ += numbers.size();
    sent += numbers.size();
  }
}

bool Producer::wait(Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (acked_count_.load() < total_.load()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  return true;
}

void Producer::stop() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::map<std::string, ProducedEvent> Producer::produced() const {
  std::lock_guard lock(mu_);
  std::map<std::string, ProducedEvent> out;
  for (auto [first, count] : ranges_) {
    for (uint64_t i = first; i < first + count; ++i) out.emplace(event_id(i), event(i));
  }
  return out;
}

std::set<std::string> Producer::acknowledged() const {
  std::lock_guard lock(mu_);
  return acked_;
}

}  // namespace sb::e2e
