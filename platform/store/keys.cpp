#include <string>
#include <string_view>

#include "platform/store/kv_store.h"

namespace sb {

// Big-endian so that LMDB's bytewise key order is numeric order.
std::string encode_u64_key(uint64_t v) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i) {
    k[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return k;
}

uint64_t decode_u64_key(std::string_view k) {
  if (k.size() != 8) return 0;
  uint64_t v = 0;
  for (unsigned char c : k) v = (v << 8) | c;
  return v;
}

}  // namespace sb
