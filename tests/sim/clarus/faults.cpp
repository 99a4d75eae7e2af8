#include "faults.h"

namespace sb::clarus_sim {
namespace {

Status read_rate(const Json& v, const std::string& key, double* out) {
  if (!v.is_number() || v.as_double() < 0 || v.as_double() > 1) {
    return Status::InvalidArgument(key + " must be a number from 0 to 1");
  }
  *out = v.as_double();
  return Status::Ok();
}

}  // namespace

Status FaultPlan::merge(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("faults must be a JSON object");
  FaultPlan next = *this;
  for (const auto& [key, v] : body.members()) {
    if (key == "error_5xx_rate") SB_RETURN_IF_ERROR(read_rate(v, key, &next.error_5xx_rate));
    else if (key == "reject_creates_rate") SB_RETURN_IF_ERROR(read_rate(v, key, &next.reject_creates_rate));
    else if (key == "drop_webhooks_rate") SB_RETURN_IF_ERROR(read_rate(v, key, &next.drop_webhooks_rate));
    else if (key == "duplicate_webhooks_rate") SB_RETURN_IF_ERROR(read_rate(v, key, &next.duplicate_webhooks_rate));
    else if (key == "latency_ms") {
      int64_t ms = 0;
      if (!v.is_number() || !v.as_int64(&ms) || ms < 0 || ms > 600000) {
        return Status::InvalidArgument("latency_ms must be an integer from 0 to 600000");
      }
      next.latency_ms = ms;
    } else if (key == "down") {
      if (!v.is_bool()) return Status::InvalidArgument("down must be true or false");
      next.down = v.as_bool();
    } else {
      return Status::InvalidArgument("unknown fault '" + key +
                                     "' (known: error_5xx_rate, latency_ms, reject_creates_rate, down, "
                                     "drop_webhooks_rate, duplicate_webhooks_rate)");
    }
  }
  *this = next;
  return Status::Ok();
}

Json FaultPlan::to_json() const {
  Json o = Json::object();
  o.set("error_5xx_rate", Json::number(error_5xx_rate));
  o.set("latency_ms", Json::number(latency_ms));
  o.set("reject_creates_rate", Json::number(reject_creates_rate));
  o.set("down", Json::boolean(down));
  o.set("drop_webhooks_rate", Json::number(drop_webhooks_rate));
  o.set("duplicate_webhooks_rate", Json::number(duplicate_webhooks_rate));
  return o;
}

}  // namespace sb::clarus_sim
