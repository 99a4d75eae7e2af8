// One behavioural suite, two stores: the LMDB store and its memory twin are
// opened behind StoreUnderTest so the same test body checks both.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "platform/store/kv_store.h"
#include "tests/unit/platform/store/temp_dir.h"

namespace sb::test {

class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual KvStore& store() = 0;
  // Replaces the store with an empty one whose space is small (bytes of map or data).
  virtual Status open_small(uint64_t initial_bytes, uint64_t cap_bytes) = 0;
  // Whether grow() can ever succeed once the store is full.
  virtual bool can_grow() const = 0;
};

class LmdbUnderTest final : public StoreUnderTest {
 public:
  LmdbUnderTest() : open_status_(reopen(LmdbOptions{})) {}
  const Status& open_status() const { return open_status_; }
  KvStore& store() override { return *store_; }
  Status open_small(uint64_t initial_bytes, uint64_t cap_bytes) override {
    LmdbOptions o;
    o.initial_map_bytes = initial_bytes;
    o.max_map_bytes = cap_bytes;
    store_.reset();
    return reopen(o, "small");
  }
  bool can_grow() const override { return true; }

  Status reopen(LmdbOptions o, const std::string& name = "db") {
    store_.reset();
    o.path = dir_.sub(name);
    auto s = open_lmdb_store(o);
    if (!s.ok()) return s.status();
    store_ = std::move(s).value();
    return Status::Ok();
  }
  void close() { store_.reset(); }
  std::string path(const std::string& name = "db") const { return dir_.sub(name); }

 private:
  TempDir dir_;
  std::unique_ptr<KvStore> store_;
  Status open_status_;
};

class MemoryUnderTest final : public StoreUnderTest {
 public:
  MemoryUnderTest() : store_(MemoryStore::create()) {}
  KvStore& store() override { return *store_; }
  Status open_small(uint64_t, uint64_t cap_bytes) override {
    store_ = MemoryStore::create(cap_bytes);
    return Status::Ok();
  }
  bool can_grow() const override { return false; }
  MemoryStore& memory() { return *store_; }

 private:
  std::unique_ptr<MemoryStore> store_;
};

}  // namespace sb::test
