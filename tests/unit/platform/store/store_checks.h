// Small helpers shared by the store tests. Include before the CppUTest headers;
// the CHECK_* macros below expand to CppUTest macros at their point of use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/store/kv_store.h"

#define CHECK_OK(expr)                                         \
  do {                                                         \
    ::sb::Status check_ok_ = (expr);                           \
    CHECK_TEXT(check_ok_.ok(), check_ok_.to_string().c_str()); \
  } while (0)

#define CHECK_CODE(expected, expr)                                                  \
  do {                                                                              \
    ::sb::Status check_code_ = (expr);                                              \
    STRCMP_EQUAL(::sb::code_name(expected), ::sb::code_name(check_code_.code()));   \
  } while (0)

namespace sb::test {

// A deterministic 300-byte record for key number `id`, so a reader can tell a
// whole record from a torn or foreign one.
inline std::string record_for(uint64_t id, size_t size = 300) {
  std::string v(size, '\0');
  uint64_t x = id * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    v[i] = static_cast<char>((x * 0x2545F4914F6CDD1Dull) >> 56);
  }
  return v;
}

inline Status put_all(KvStore& s, TableId t, const std::vector<std::pair<std::string, std::string>>& kvs) {
  auto w = s.write();
  if (!w.ok()) return w.status();
  for (const auto& [k, v] : kvs) SB_RETURN_IF_ERROR((*w)->put(t, k, v));
  return (*w)->commit();
}

// The committed value of key, or "<code name>" when it cannot be read.
inline std::string committed(KvStore& s, TableId t, std::string_view key) {
  auto r = s.read();
  if (!r.ok()) return std::string("<") + code_name(r.status().code()) + ">";
  std::string v;
  Status st = (*r)->get(t, key, &v);
  return st.ok() ? v : std::string("<") + code_name(st.code()) + ">";
}

inline uint64_t committed_count(KvStore& s, TableId t) {
  auto r = s.read();
  if (!r.ok()) return UINT64_MAX;
  auto n = (*r)->count(t);
  return n.ok() ? *n : UINT64_MAX;
}

// Keys visited, joined by ',' (stops after `limit`).
inline std::string scan_keys(ReadTxn& r, TableId t, std::string_view from, bool back = false,
                             size_t limit = SIZE_MAX) {
  std::string out;
  size_t n = 0;
  auto visit = [&](std::string_view k, std::string_view) {
    if (!out.empty()) out += ',';
    out.append(k);
    return ++n < limit;
  };
  Status s = back ? r.scan_back(t, from, visit) : r.scan(t, from, visit);
  if (!s.ok()) return "<" + s.to_string() + ">";
  return out;
}

}  // namespace sb::test
