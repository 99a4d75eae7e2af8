#include "record_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace sb::erpsim {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso8601(int64_t epoch_ms) {
  const int ms = static_cast<int>(epoch_ms % 1000);
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string key(const std::string& type, const std::string& id) { return type + "/" + id; }

}  // namespace

std::string RecordStore::stamp() {
  // Strictly increasing, a millisecond apart at least: two writes in one
  // millisecond must still be told apart by "lastModifiedDate > T".
  last_stamp_ms_ = std::max(now_ms(), last_stamp_ms_ + 1);
  return iso8601(last_stamp_ms_);
}

void RecordStore::upsert_master(const std::string& kind, MasterRecord record) {
  std::lock_guard lock(mutex_);
  record.last_modified = stamp();
  std::string id = record.id;
  master_[kind][id] = std::move(record);
}

std::optional<MasterRecord> RecordStore::find_master(const std::string& kind, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto table = master_.find(kind);
  if (table == master_.end()) return std::nullopt;
  auto it = table->second.find(id);
  if (it == table->second.end()) return std::nullopt;
  return it->second;
}

std::optional<MasterRecord> RecordStore::find_master_by_external_id(const std::string& kind,
                                                                    const std::string& eid) const {
  std::lock_guard lock(mutex_);
  auto table = master_.find(kind);
  if (table == master_.end() || eid.empty()) return std::nullopt;
  // Linear: master tables are thousands of rows and this is a simulator.
  for (const auto& [id, record] : table->second) {
    if (record.external_id == eid) return record;
  }
  return std::nullopt;
}

std::vector<MasterRecord> RecordStore::list_master(const std::string& kind) const {
  std::lock_guard lock(mutex_);
  std::vector<MasterRecord> out;
  auto table = master_.find(kind);
  if (table == master_.end()) return out;
  out.reserve(table->second.size());
  for (const auto& [id, record] : table->second) out.push_back(record);
  return out;
}

size_t RecordStore::master_count(const std::string& kind) const {
  std::lock_guard lock(mutex_);
  auto table = master_.find(kind);
  return table == master_.end() ? 0 : table->second.size();
}

CreateResult RecordStore::create(const std::string& type, const std::string& external_id,
                                 const std::string& tran_id_prefix, const std::string& body,
                                 bool unique_external_id) {
  std::lock_guard lock(mutex_);
  CreateResult result;
  // Checked and created under one lock: two concurrent posts of one
  // externalId must not both succeed.
  if (!external_id.empty()) {
    auto it = by_external_id_.find(key(type, external_id));
    if (it != by_external_id_.end() && unique_external_id) {
      result.duplicate_of = records_[it->second].id;
      return result;
    }
  }
  StoredRecord record;
  record.type = type;
  record.id = std::to_string(next_id_++);
  record.external_id = external_id;
  record.tran_id = tran_id_prefix + std::to_string(++tran_numbers_[type]);
  record.created_at = stamp();
  record.last_modified = record.created_at;
  record.body = body;
  size_t index = records_.size();
  records_.push_back(record);
  by_id_[key(type, record.id)] = index;
  if (!external_id.empty()) by_external_id_.emplace(key(type, external_id), index);  // keeps the first
  result.record = std::move(record);
  return result;
}

bool RecordStore::update(const std::string& type, const std::string& id, const std::string& body) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(key(type, id));
  if (it == by_id_.end()) return false;
  records_[it->second].body = body;
  records_[it->second].last_modified = stamp();
  return true;
}

std::optional<StoredRecord> RecordStore::find(const std::string& type, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(key(type, id));
  if (it == by_id_.end()) return std::nullopt;
  return records_[it->second];
}

std::optional<StoredRecord> RecordStore::find_by_external_id(const std::string& type,
                                                             const std::string& eid) const {
  std::lock_guard lock(mutex_);
  auto it = by_external_id_.find(key(type, eid));
  if (it == by_external_id_.end()) return std::nullopt;
  return records_[it->second];
}

std::vector<StoredRecord> RecordStore::ledger(const std::string& type, const std::string& after_id) const {
  std::lock_guard lock(mutex_);
  std::vector<StoredRecord> out;
  for (const auto& record : records_) {
    if (!type.empty() && record.type != type) continue;
    if (!after_id.empty() && !id_less(after_id, record.id)) continue;
    out.push_back(record);
  }
  return out;
}

void RecordStore::set_opening_stock(OpeningStock opening) {
  std::lock_guard lock(mutex_);
  opening.last_modified = stamp();
  auto key = std::make_pair(opening.item, opening.location);
  openings_[key] = std::move(opening);
}

std::vector<OpeningStock> RecordStore::opening_stock() const {
  std::lock_guard lock(mutex_);
  std::vector<OpeningStock> out;
  for (const auto& [key, opening] : openings_) out.push_back(opening);
  return out;
}

void RecordStore::clear_transactions() {
  std::lock_guard lock(mutex_);
  records_.clear();
  by_id_.clear();
  by_external_id_.clear();
  tran_numbers_.clear();
}

}  // namespace sb::erpsim
