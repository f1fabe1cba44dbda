// Formats shapes for ledger rows and error messages: dims({8, 64, 128, 64}) -> "[8,64,128,64]".
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace sj {

inline std::string dims(std::initializer_list<int64_t> values) {
  std::string out = "[";
  bool first = true;
  for (int64_t v : values) {
    if (!first) out += ",";
    out += std::to_string(v);
    first = false;
  }
  return out + "]";
}

inline std::string dims(const std::vector<int64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(values[i]);
  }
  return out + "]";
}

}  // namespace sj
