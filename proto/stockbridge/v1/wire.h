// The wire contract beyond the messages: topic names and batch framing.
// Both the agent and the relay include this; neither includes the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "stockbridge/v1/stockbridge.pb.h"

namespace sb {
namespace v1 = ::stockbridge::v1;
}

namespace stockbridge::v1 {

// MQTT topics, one tree per site; QoS 1 throughout.
inline std::string up_topic(const std::string& site) { return "stockbridge/v1/" + site + "/up"; }
inline std::string ack_topic(const std::string& site) { return "stockbridge/v1/" + site + "/up/ack"; }
inline std::string down_topic(const std::string& site) { return "stockbridge/v1/" + site + "/down"; }
inline std::string down_ack_topic(const std::string& site) { return "stockbridge/v1/" + site + "/down/ack"; }
inline std::string state_topic(const std::string& site) { return "stockbridge/v1/" + site + "/state"; }
inline constexpr char kAllUpFilter[] = "stockbridge/v1/+/up";
inline constexpr char kAllStateFilter[] = "stockbridge/v1/+/state";
inline constexpr char kAllDownAckFilter[] = "stockbridge/v1/+/down/ack";

// The site id in "stockbridge/v1/{site}/..." ("" when the topic is not ours).
std::string site_of_topic(std::string_view topic);

// Builds a serialized UplinkBatch from already-serialized Events without
// parsing them again (the agent's drain path). The result parses as UplinkBatch.
class UplinkBatchWriter {
 public:
  UplinkBatchWriter(const std::string& site_id, const std::string& journal_epoch);
  void add_event(std::string_view event_bytes);
  // Finishes with sent_at and returns the bytes; the writer is empty afterwards.
  std::string finish(int64_t sent_at_ms);
  size_t events() const { return events_; }
  size_t bytes() const { return out_.size(); }

 private:
  std::string header_;
  std::string out_;
  size_t events_ = 0;
};

}  // namespace stockbridge::v1
