// stockbridge-demo: the whole of Stockbridge on this machine, on embedded
// defaults. Starts mosquitto, the ERP simulator, the relay and the agent on
// free loopback ports, sends sample warehouse traffic (stock adjustments from
// two warehouses, a burst when a wave closes, one SKU the ERP does not know),
// and prints what happened every two seconds until Ctrl-C.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "tests/e2e/producer.h"
#include "tests/e2e/stack.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

double number(const sb::Result<sb::Json>& doc, std::initializer_list<const char*> path) {
  if (!doc.ok()) return -1;
  const sb::Json* cur = &*doc;
  for (const char* p : path) {
    cur = cur ? cur->find(p) : nullptr;
  }
  return cur && cur->is_number() ? cur->as_double() : -1;
}

int usage() {
  std::fprintf(stderr,
               "usage: stockbridge-demo --bin-dir BUILD_DIR [--duration SECONDS] [--rate EVENTS_PER_S]\n"
               "Runs the local stack with sample traffic; Ctrl-C stops it cleanly.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin_dir;
  int duration = 0;
  double rate = 50;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--bin-dir" && i + 1 < argc) {
      bin_dir = argv[++i];
    } else if (a == "--duration" && i + 1 < argc) {
      duration = std::atoi(argv[++i]);
    } else if (a == "--rate" && i + 1 < argc) {
      rate = std::atof(argv[++i]);
    } else {
      return usage();
    }
  }
  if (bin_dir.empty()) return usage();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  sb::e2e::StackOptions options;
  options.bin_dir = bin_dir;
  options.site_id = "demo-site";
  options.erp_latency_ms = 20;  // a little of the ERP's real slowness
  std::printf("Starting Stockbridge locally (mosquitto, ERP simulator, relay, agent)...\n");
  sb::e2e::Stack stack(options);
  sb::Status s = stack.start();
  if (!s.ok()) {
    std::fprintf(stderr, "demo: could not start the stack: %s\n", s.to_string().c_str());
    return 1;
  }
  std::printf("\n  agent intake     POST %s/v1/events\n", stack.agent_url().c_str());
  std::printf("  agent status     %s/api/status   (also /metrics, /healthz, /readyz)\n", stack.agent_url().c_str());
  std::printf("  relay status     %s/api/status\n", stack.relay_url().c_str());
  std::printf("  ERP simulator    %s/_sim/ledger  (every record the ERP holds)\n", stack.erp_url().c_str());
  std::printf("  MQTT broker      %s\n", stack.broker().uri().c_str());
  std::printf("  configs and data %s\n\n", stack.dir().c_str());
  std::printf("Sending stock adjustments at %.0f/s from WH1 and WH2, a burst of 500 now and then,\n"
              "and one adjustment for SKU-9999, which the ERP does not know (it will be held).\n"
              "Press Ctrl-C to stop.\n\n", rate);

  sb::ClientRequest unknown;
  unknown.method = "POST";
  unknown.url = stack.agent_url() + "/v1/events";
  unknown.body = R"({"event_id":"clarus:demo:unknown-sku","occurred_at":"2026-11-26T10:00:00Z","stock_adjustment":{"sku":"SKU-9999","warehouse":"WH1","location":"B-02-04","quantity_delta":-2,"reason_code":"DAMAGED"}})";
  (void)stack.http().send(unknown);

  sb::e2e::Producer steady({stack.agent_url(), "demo", 2, rate, 1, 500});
  steady.start(100'000'000);
  sb::e2e::Producer burst({stack.agent_url(), "demo-wave", 2, 0, 50, 500});
  uint64_t wave = 0;
  std::printf("%8s %10s %9s %10s %8s %6s %11s\n", "time", "accepted", "backlog", "forwarded", "posted", "held",
              "ERP records");
  const auto start = std::chrono::steady_clock::now();
  for (int tick = 0; !g_stop; ++tick) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    if (tick % 5 == 2) burst.start(500, (wave++) * 500);  // a wave closes
    auto agent = stack.agent_status();
    auto relay = stack.relay_status();
    int elapsed = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::steady_clock::now() - start).count());
    std::printf("%7ds %10.0f %9.0f %10.0f %8.0f %6.0f %11lld\n", elapsed, number(agent, {"intake", "accepted"}),
                number(agent, {"journal", "backlog"}), number(agent, {"forwarding", "relay_acked_through"}),
                number(relay, {"ledger", "posted"}), number(relay, {"ledger", "held"}),
                static_cast<long long>(stack.erp_created()));
    std::fflush(stdout);
    if (duration > 0 && elapsed >= duration) break;
  }
  steady.stop();
  burst.stop();
  // Let what was accepted reach the ERP before stopping.
  for (int i = 0; i < 50; ++i) {
    auto agent = stack.agent_status();
    auto relay = stack.relay_status();
    if (number(agent, {"journal", "backlog"}) == 0 &&
        number(relay, {"ledger", "pending"}) == number(relay, {"ledger", "held"}))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto agent = stack.agent_status();
  auto relay = stack.relay_status();
  std::printf("\ndemo finished: %.0f events accepted, %.0f posted to the ERP, %.0f held as exceptions "
              "(see the relay's status and the agent's recent outcomes)\n",
              number(agent, {"intake", "accepted"}), number(relay, {"ledger", "posted"}),
              number(relay, {"ledger", "held"}));
  std::printf("Stopping cleanly...\n");
  bool clean = stack.stop();
  std::printf(clean ? "All processes stopped.\n" : "A process did not stop cleanly; see the logs above.\n");
  return clean ? 0 : 1;
}
