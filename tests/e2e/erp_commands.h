// ErpCommands: stands in for the relay's side of the downlink (which comes with
// the ERP issue): publishes DownlinkBatches of commands to a site over the real
// broker, with the relay's sequence numbers, and records the DownlinkAcks and
// command outcomes that come back. Sends again what is not acknowledged.
// Thread-safety: the methods may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/mqtt/transport.h"
#include "stockbridge/v1/wire.h"

namespace sb::e2e {

class ErpCommands {
 public:
  ErpCommands(const std::string& broker_uri, const std::string& site_id, const std::string& epoch = "erp-1");
  ~ErpCommands();
  Status start();
  void stop();  // before the broker goes away, so no "connection lost" is logged

  // Assigns the next seq and a command id (when empty), publishes it, and keeps
  // it until acknowledged.
  void send(v1::Command command);
  // Publishes every unacknowledged command again (what the relay does on a timer).
  void resend();

  uint64_t acked_through() const;
  uint64_t sent() const;
  std::map<std::string, v1::CommandOutcome> outcomes() const;  // by command id

  // Command builders with realistic contents.
  static v1::Command item(const std::string& sku, const std::string& description, int units_per_case = 0);
  static v1::Command order(const std::string& number, const std::vector<std::pair<std::string, int64_t>>& lines,
                           const std::string& carrier = "ROYALMAIL", const std::string& service = "RM1CLS");
  static v1::Command cancel(const std::string& number);
  static v1::Command purchase_order(const std::string& number, const std::vector<std::pair<std::string, int64_t>>& lines);
  static v1::Command return_authorisation(const std::string& number,
                                          const std::vector<std::pair<std::string, int64_t>>& lines);

 private:
  std::string site_, epoch_;
  std::unique_ptr<MessageTransport> link_;
  mutable std::mutex mu_;
  uint64_t next_seq_ = 1;
  uint64_t acked_ = 0;
  std::map<uint64_t, v1::Command> unacked_;
  std::map<std::string, v1::CommandOutcome> outcomes_;
};

}  // namespace sb::e2e
