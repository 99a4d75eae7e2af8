#include "stockbridge/v1/wire.h"

namespace stockbridge::v1 {
namespace {

void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void bytes_field(std::string& out, int field, std::string_view value) {
  varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  varint(out, value.size());
  out.append(value.data(), value.size());
}

}  // namespace

std::string site_of_topic(std::string_view topic) {
  constexpr std::string_view prefix = "stockbridge/v1/";
  if (topic.substr(0, prefix.size()) != prefix) return {};
  topic.remove_prefix(prefix.size());
  auto slash = topic.find('/');
  return std::string(slash == std::string_view::npos ? std::string_view{} : topic.substr(0, slash));
}

UplinkBatchWriter::UplinkBatchWriter(const std::string& site_id, const std::string& journal_epoch) {
  bytes_field(header_, 1, site_id);
  bytes_field(header_, 2, journal_epoch);
  out_ = header_;
}

void UplinkBatchWriter::add_event(std::string_view event_bytes) {
  bytes_field(out_, 3, event_bytes);
  ++events_;
}

std::string UplinkBatchWriter::finish(int64_t sent_at_ms) {
  varint(out_, (4 << 3) | 0);
  varint(out_, static_cast<uint64_t>(sent_at_ms));
  std::string done = std::move(out_);
  out_.reserve(done.capacity());  // the next batch is likely as large
  out_ = header_;
  events_ = 0;
  return done;
}

}  // namespace stockbridge::v1
