#include "core/spec_reader.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace sj {

SpecReader::SpecReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object_.isObject()) fail(ErrorCode::Spec, where_, ": expected an object, got ", Json::typeName(object_.type()));
}

bool SpecReader::has(const char* key) const { return object_.find(key) != nullptr; }

const Json* SpecReader::field(const char* key, bool required) {
  read_.insert(key);
  const Json* v = object_.find(key);
  if (!v && required) fail(ErrorCode::Spec, where_, ": missing field '", key, "'");
  return v;
}

void SpecReader::bad(const char* key, const std::string& expected, const Json& got) const {
  std::string shown = got.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  fail(ErrorCode::Spec, where_, ": field '", key, "' must be ", expected, ", got ", shown);
}

static bool isInteger(const Json& v) { return v.isNumber() && std::floor(v.asNumber()) == v.asNumber() && std::fabs(v.asNumber()) < 9e15; }

int64_t SpecReader::integer(const char* key, std::optional<int64_t> fallback, int64_t min, int64_t max) {
  const Json* v = field(key, !fallback);
  if (!v) return *fallback;
  const std::string range = max == INT64_MAX ? "an integer >= " + std::to_string(min)
                                             : "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!isInteger(*v)) bad(key, range, *v);
  const int64_t i = static_cast<int64_t>(v->asNumber());
  if (i < min || i > max) bad(key, range, *v);
  return i;
}

std::vector<int64_t> SpecReader::integers(const char* key, std::optional<std::vector<int64_t>> fallback, int64_t min,
                                          std::initializer_list<size_t> lengths) {
  const Json* v = field(key, !fallback);
  if (!v) return *fallback;
  auto allowed = [&](const Json& item) { return isInteger(item) && item.asNumber() >= static_cast<double>(min); };
  if (allowed(*v)) return {static_cast<int64_t>(v->asNumber())};
  if (v->isArray() && std::find(lengths.begin(), lengths.end(), v->items().size()) != lengths.end() &&
      std::all_of(v->items().begin(), v->items().end(), allowed)) {
    std::vector<int64_t> out;
    for (const Json& item : v->items()) out.push_back(static_cast<int64_t>(item.asNumber()));
    return out;
  }
  std::string arrays;
  for (size_t length : lengths) arrays += (arrays.empty() ? "" : " or ") + std::to_string(length);
  const std::string of = lengths.size() == 1 && *lengths.begin() == 2 ? "a pair of them" : "an array of " + arrays + " of them";
  bad(key, "an integer >= " + std::to_string(min) + " or " + of, *v);
}

std::pair<int64_t, int64_t> SpecReader::integerPair(const char* key, std::optional<std::pair<int64_t, int64_t>> fallback, int64_t min) {
  const std::vector<int64_t> v =
      integers(key, fallback ? std::optional<std::vector<int64_t>>({fallback->first, fallback->second}) : std::nullopt, min, {2});
  return v.size() == 1 ? std::make_pair(v[0], v[0]) : std::make_pair(v[0], v[1]);
}

std::vector<int64_t> SpecReader::integerList(const char* key, int64_t min) {
  const Json* v = field(key, true);
  const std::string expected = "an array of integers >= " + std::to_string(min);
  if (!v->isArray()) bad(key, expected, *v);
  std::vector<int64_t> out;
  for (const Json& item : v->items()) {
    if (!isInteger(item) || item.asNumber() < static_cast<double>(min)) bad(key, expected, *v);
    out.push_back(static_cast<int64_t>(item.asNumber()));
  }
  return out;
}

double SpecReader::number(const char* key, std::optional<double> fallback, double min, double max) {
  const Json* v = field(key, !fallback);
  if (!v) return *fallback;
  std::string expected = "a number in [" + Json::number(min).dump() + ", " + Json::number(max).dump() + "]";
  if (!v->isNumber() || !(v->asNumber() >= min && v->asNumber() <= max)) bad(key, expected, *v);
  return v->asNumber();
}

bool SpecReader::flag(const char* key, std::optional<bool> fallback) {
  const Json* v = field(key, !fallback);
  if (!v) return *fallback;
  if (!v->isBool()) bad(key, "true or false", *v);
  return v->asBool();
}

std::string SpecReader::text(const char* key, std::optional<std::string> fallback) {
  const Json* v = field(key, !fallback);
  if (!v) return *fallback;
  if (!v->isString()) bad(key, "a string", *v);
  return v->asString();
}

std::string SpecReader::choice(const char* key, std::optional<std::string> fallback, std::initializer_list<const char*> allowed) {
  const Json* v = field(key, !fallback);
  if (!v) return *fallback;
  std::string expected = "one of";
  for (const char* a : allowed) expected += std::string(" \"") + a + "\"";
  if (!v->isString()) bad(key, expected, *v);
  for (const char* a : allowed)
    if (v->asString() == a) return a;
  bad(key, expected, *v);
}

const Json* SpecReader::raw(const char* key) { return field(key, false); }

void SpecReader::requireRank(const std::vector<int64_t>& input, size_t rank, const char* layout) const {
  if (input.size() == rank) return;
  std::string shown = "[";
  for (size_t i = 0; i < input.size(); ++i) shown += (i ? "," : "") + std::to_string(input[i]);
  fail(ErrorCode::Shape, where_, ": expects a per-sample input ", layout, ", got ", shown, "]");
}

void SpecReader::rejectUnknownFields() const {
  for (const auto& [key, value] : object_.members()) {
    if (!read_.count(key)) fail(ErrorCode::Spec, where_, ": unknown field '", key, "'");
  }
}

}  // namespace sj
