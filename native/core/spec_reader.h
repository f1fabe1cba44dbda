// Reads the settings of one JSON object (a network spec, meter options), naming the object and
// field in every error, and rejecting fields it does not know (so a typo such as "kernal" is an
// error, not a default).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "core/json.h"

namespace sj {

class SpecReader {
 public:
  SpecReader(const Json& object, std::string where);

  const std::string& where() const { return where_; }
  bool has(const char* key) const;
  int64_t integer(const char* key, std::optional<int64_t> fallback, int64_t min, int64_t max = INT64_MAX);
  // An integer (returned as one element) or an array of one of `lengths` integers, e.g. a
  // convolution's "padding": 1, [1, 2] or [1, 2, 1, 2].
  std::vector<int64_t> integers(const char* key, std::optional<std::vector<int64_t>> fallback, int64_t min, std::initializer_list<size_t> lengths);
  // An integer or a two-element array, e.g. "kernel": 3 or "kernel": [3, 5].
  std::pair<int64_t, int64_t> integerPair(const char* key, std::optional<std::pair<int64_t, int64_t>> fallback, int64_t min);
  std::vector<int64_t> integerList(const char* key, int64_t min);
  double number(const char* key, std::optional<double> fallback, double min, double max);
  bool flag(const char* key, std::optional<bool> fallback);
  std::string text(const char* key, std::optional<std::string> fallback);
  std::string choice(const char* key, std::optional<std::string> fallback, std::initializer_list<const char*> allowed);
  const Json* raw(const char* key);
  // Fails on any field that no call above has read.
  void rejectUnknownFields() const;
  // Runs fn; an sj::Error it throws is rethrown with this object's name in front (same code).
  template <class Fn>
  auto inContext(Fn&& fn) const -> decltype(fn()) {
    try {
      return fn();
    } catch (const Error& e) {
      throw Error(e.code(), where_ + ": " + e.what());
    }
  }
  // E_SHAPE unless the per-sample input has `rank` dimensions; `layout` names them.
  void requireRank(const std::vector<int64_t>& input, size_t rank, const char* layout) const;

 private:
  const Json* field(const char* key, bool required);
  [[noreturn]] void bad(const char* key, const std::string& expected, const Json& got) const;

  const Json& object_;
  std::string where_;
  std::set<std::string> read_;
};

}  // namespace sj
