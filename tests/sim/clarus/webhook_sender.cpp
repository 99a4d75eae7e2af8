#include "webhook_sender.h"

#include <algorithm>

#include "platform/core/log.h"

namespace sb::clarus_sim {
namespace {

constexpr size_t kRecentKept = 200;

int64_t now_ms() { return SystemClock::instance().mono_ms(); }

}  // namespace

WebhookSender::WebhookSender(WebhookSenderOptions options, std::unique_ptr<HttpClient> client)
    : options_(options), client_(std::move(client)), rng_(options.seed ^ 0x5EB400C5u) {}

WebhookSender::~WebhookSender() { stop(); }

void WebhookSender::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::set_rates(double drop_rate, double duplicate_rate) {
  std::lock_guard lock(mutex_);
  drop_rate_ = drop_rate;
  duplicate_rate_ = duplicate_rate;
}

void WebhookSender::enqueue(std::vector<WebhookDelivery> deliveries) {
  if (deliveries.empty()) return;
  {
    std::lock_guard lock(mutex_);
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    for (auto& d : deliveries) {
      ++stats_.queued;
      if (roll(rng_) < drop_rate_) {
        ++stats_.dropped;
        log::info("clarus-sim", "webhook dropped", {{"trigger", d.trigger}, {"automation_id", d.automation_id}});
        continue;
      }
      bool twice = roll(rng_) < duplicate_rate_;
      Pending p{d, 0, now_ms(), false};
      queue_.push_back(p);
      if (twice) {
        ++stats_.duplicated;
        p.duplicate = true;
        queue_.push_back(std::move(p));
      }
    }
  }
  cv_.notify_all();
}

WebhookStats WebhookSender::stats() const {
  std::lock_guard lock(mutex_);
  WebhookStats s = stats_;
  s.pending = static_cast<int64_t>(queue_.size());
  return s;
}

void WebhookSender::reset_stats() {
  std::lock_guard lock(mutex_);
  stats_ = {};
  recent_.clear();
  queue_.clear();
}

Json WebhookSender::recent() const {
  std::lock_guard lock(mutex_);
  Json list = Json::array();
  for (const auto& r : recent_) list.push(r);
  return list;
}

void WebhookSender::record(const Pending& p, int status, const std::string& outcome) {
  Json r = Json::object();
  r.set("trigger", Json::string(p.delivery.trigger));
  r.set("automation_id", Json::number(p.delivery.automation_id));
  r.set("url", Json::string(p.delivery.url));
  r.set("status", Json::number(static_cast<int64_t>(status)));
  r.set("attempts", Json::number(static_cast<int64_t>(p.attempts)));
  r.set("duplicate", Json::boolean(p.duplicate));
  r.set("outcome", Json::string(outcome));
  recent_.push_back(std::move(r));
  if (recent_.size() > kRecentKept) recent_.pop_front();
}

void WebhookSender::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    auto next = std::min_element(queue_.begin(), queue_.end(),
                                 [](const Pending& a, const Pending& b) { return a.due_ms < b.due_ms; });
    int64_t wait = next->due_ms - now_ms();
    if (wait > 0) {
      cv_.wait_for(lock, Millis(wait));
      continue;
    }
    Pending p = std::move(*next);
    queue_.erase(next);
    lock.unlock();

    ++p.attempts;
    ClientRequest request;
    request.method = "POST";
    request.url = p.delivery.url;
    request.headers = p.delivery.headers;
    request.body = p.delivery.body;
    request.timeout = options_.timeout;
    auto answer = client_->send(request);
    int status = answer.ok() ? answer->status : 0;

    lock.lock();
    if (status >= 200 && status < 300) {
      ++stats_.delivered;
      record(p, status, "delivered");
      log::info("clarus-sim", "webhook delivered",
                {{"trigger", p.delivery.trigger}, {"automation_id", p.delivery.automation_id}, {"attempts", p.attempts}});
    } else if (p.attempts < options_.max_attempts && !stopping_) {
      ++stats_.retried;
      p.due_ms = now_ms() + options_.first_retry_delay.count() * (int64_t{1} << (p.attempts - 1));
      queue_.push_back(std::move(p));
    } else {
      ++stats_.failed;
      record(p, status, "failed");
      log::warn("clarus-sim", "webhook failed",
                {{"trigger", p.delivery.trigger}, {"url", p.delivery.url}, {"status", status},
                 {"error", answer.ok() ? std::string("HTTP ") + std::to_string(status) : answer.status().to_string()}});
    }
  }
}

}  // namespace sb::clarus_sim
