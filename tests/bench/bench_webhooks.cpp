// Clarus webhook intake: how many webhooks per second the agent journals
// (fsync before the answer), and how long Clarus waits for each answer, with
// 8 and 64 senders; and the cost of a repeated webhook (a duplicate answers
// 200 without journaling). The agent runs as its own process with its Clarus
// adapter on (against the Clarus simulator); no broker, so nothing drains.
// Prints figures; never fails on timing.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/bench/http_load.h"
#include "tests/e2e/stack.h"

using namespace sb;

namespace {

std::string adjustment_webhook(uint64_t id) {
  return R"({"data":{"id":)" + std::to_string(id) +
         R"(,"type":"stock_adjustments","attributes":{"id":)" + std::to_string(id) +
         R"(,"quantity":-2,"adjustment_type":"negative","reason_code":{"id":"rc_1","code":"DAMAGED"},"product":{"id":7,"code":"SKU-0007"},"location":{"id":11,"code":"A-01-02"},"warehouse":{"id":1,"code":"WH1"},"stock_id":2,"created_at":"2026-11-26T10:42:00Z"}}})";
}

void report(const char* what, const bench::LoadResult& r) {
  std::printf("%-52s %9.0f webhooks/s   p50 %6.2f ms   p99 %6.2f ms   (%llu ok, %llu failed)\n", what,
              static_cast<double>(r.ok) / r.seconds, r.p50_ms, r.p99_ms, static_cast<unsigned long long>(r.ok),
              static_cast<unsigned long long>(r.failed));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin_dir;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--bin-dir") bin_dir = argv[i + 1];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  if (bin_dir.empty()) {
    std::fprintf(stderr, "usage: bench_webhooks --bin-dir BUILD_DIR [--seconds N]\n");
    return 2;
  }
  e2e::StackOptions o;
  o.bin_dir = bin_dir;
  o.with_clarus = true;
  o.clarus_webhooks = true;
  o.clarus_sweep_interval = "1h";  // the sweeps stay out of the way: this measures the webhook path
  o.agent_settings = {"intake.threads = 64", "journal.initial_map = 1GiB", "clarus.snapshot_interval = 0"};
  e2e::Stack stack(o);
  Status s = stack.start_clarus();
  if (s.ok()) s = stack.start_agent();
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s\n", s.to_string().c_str());
    return 1;
  }
  const uint16_t port = static_cast<uint16_t>(std::atoi(stack.agent_url().substr(stack.agent_url().rfind(':') + 1).c_str()));
  const std::string path = "/clarus/webhooks/" + stack.clarus_webhook_secret();
  const std::string headers =
      "X-ClarusWMS-Domain: acme.claruswms.co.uk\r\nX-ClarusWMS-API-Domain: clarus-api.com\r\n"
      "X-ClarusWMS-Subdomain: acme\r\nX-ClarusWMS-Automation-ID: 1004\r\nX-ClarusWMS-Integration-ID: 1004\r\n";
  for (int connections : {8, 64}) {
    const uint64_t base = static_cast<uint64_t>(connections) * 1'000'000'000ULL;
    bench::LoadResult r = bench::run_http_load(
        port, path, connections, seconds,
        [base](int c, uint64_t n) { return adjustment_webhook(base + static_cast<uint64_t>(c) * 10'000'000ULL + n); }, headers);
    char what[96];
    std::snprintf(what, sizeof what, "webhook intake, new facts, %d senders", connections);
    report(what, r);
  }
  // Clarus repeating what it already sent: answered from the id index, no fsync.
  bench::LoadResult dup = bench::run_http_load(
      port, path, 8, seconds, [](int c, uint64_t n) { return adjustment_webhook(8'000'000'000ULL + static_cast<uint64_t>(c) * 10'000'000ULL + n % 100); },
      headers);
  report("webhook intake, repeated facts (duplicates), 8 senders", dup);
  return stack.stop() ? 0 : 1;
}
