#include "network/weights_file.h"

#include <cinttypes>
#include <cstdio>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include "base/error.h"
#include "core/shape_text.h"
#include "core/sizes.h"
#include "io/atomic_file.h"

namespace sj {
namespace {

constexpr char kMagic[8] = {'S', 'E', 'D', 'J', 'W', 'T', '0', '1'};
static_assert(sizeof(float) == 4, "weights files store IEEE float32");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "weights files are little-endian and written as in memory");

// FNV-1a, 64-bit: a checksum that catches truncation and bit rot, fed in pieces.
struct Fnv1a64 {
  uint64_t value = 0xcbf29ce484222325ull;
  void add(const void* data, size_t n) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      value ^= bytes[i];
      value *= 0x100000001b3ull;
    }
  }
};

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// A JSON number that is a whole number in [0, 2^53): a size, offset or dimension of the file.
std::optional<int64_t> wholeNumber(const Json& v) {
  if (!v.isNumber() || !(v.asNumber() >= 0 && v.asNumber() < 9007199254740992.0) || std::floor(v.asNumber()) != v.asNumber()) return std::nullopt;
  return static_cast<int64_t>(v.asNumber());
}

Json shapeJson(const Shape& shape) {
  Json a = Json::array();
  for (int64_t d : shape) a.push(Json::number(static_cast<double>(d)));
  return a;
}

}  // namespace

void saveWeightsFile(const std::string& path, const Json& spec, const std::vector<WeightsTensor>& tensors, const Json& extra) {
  Json list = Json::array();
  uint64_t offset = 0;
  for (const WeightsTensor& t : tensors) {
    Json entry = Json::object();
    entry.set("name", Json::string(t.name));
    entry.set("shape", shapeJson(t.shape));
    entry.set("offset", Json::number(static_cast<double>(offset)));
    entry.set("count", Json::number(static_cast<double>(numel(t.shape))));
    list.push(entry);
    offset += static_cast<uint64_t>(numel(t.shape)) * 4;
  }
  Fnv1a64 sum;
  for (const WeightsTensor& t : tensors) sum.add(t.data, static_cast<size_t>(numel(t.shape)) * 4);
  Json header = Json::object();
  header.set("format", Json::string("sedjoule-weights"));
  header.set("version", Json::number(1));
  header.set("spec", spec);
  header.set("tensors", list);
  header.set("dataBytes", Json::number(static_cast<double>(offset)));
  header.set("checksum", Json::string(hex(sum.value)));
  for (const auto& [key, value] : extra.members()) header.set(key, value);
  const std::string text = header.dump();
  const uint64_t length = text.size();
  unsigned char lengthBytes[8];
  for (int i = 0; i < 8; ++i) lengthBytes[i] = static_cast<unsigned char>(length >> (8 * i));

  AtomicFileWriter out(path);
  out.write(kMagic, sizeof kMagic);
  out.write(lengthBytes, sizeof lengthBytes);
  out.write(text.data(), text.size());
  for (const WeightsTensor& t : tensors) out.write(t.data, static_cast<size_t>(numel(t.shape)) * 4);
  out.commit();
}

Json loadWeightsFile(const std::string& path, const std::vector<WeightsTensor>& tensors, WeightsExtras extras,
                     const std::function<void(const Json& header)>& checkHeader) {
  const std::vector<char> file = readWholeFile(path);
  if (file.size() < 16 || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) {
    fail(ErrorCode::Io, path, ": not a sedjoule weights file (", file.size() < 16 ? "too short" : "wrong magic bytes", ")");
  }
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= static_cast<uint64_t>(static_cast<unsigned char>(file[8 + i])) << (8 * i);
  if (length > file.size() - 16) fail(ErrorCode::Io, path, ": truncated header (", length, " bytes declared, ", file.size() - 16, " present)");
  Json header;
  try {
    header = Json::parse(std::string(file.data() + 16, static_cast<size_t>(length)));
  } catch (const Error& e) {
    fail(ErrorCode::Io, path, ": unreadable header: ", e.what());
  }
  const Json* list = header.find("tensors");
  const Json* dataBytes = header.find("dataBytes");
  const Json* checksum = header.find("checksum");
  if (!list || !list->isArray() || !dataBytes || !dataBytes->isNumber() || !checksum || !checksum->isString()) {
    fail(ErrorCode::Io, path, ": header lacks tensors, dataBytes or checksum");
  }
  const size_t dataStart = 16 + static_cast<size_t>(length);
  const std::optional<int64_t> declaredBytes = wholeNumber(*dataBytes);
  if (!declaredBytes) fail(ErrorCode::Io, path, ": dataBytes ", dataBytes->dump(), " is not a byte count");
  const uint64_t declared = static_cast<uint64_t>(*declaredBytes);
  if (file.size() - dataStart != declared) {
    fail(ErrorCode::Io, path, ": ", file.size() - dataStart, " data bytes present, header declares ", declared, " (truncated or extended file)");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(file.data() + dataStart);
  Fnv1a64 sum;
  sum.add(data, file.size() - dataStart);
  if (hex(sum.value) != checksum->asString()) fail(ErrorCode::Io, path, ": checksum mismatch (corrupted data)");

  struct Entry {
    Shape shape;
    size_t offset;
    size_t index;
  };
  std::map<std::string, Entry> entries;
  for (size_t i = 0; i < list->items().size(); ++i) {
    const Json& entry = list->items()[i];
    const Json* name = entry.find("name");
    const Json* shape = entry.find("shape");
    const Json* offset = entry.find("offset");
    if (!name || !name->isString() || !shape || !shape->isArray() || !offset || !offset->isNumber()) {
      fail(ErrorCode::Io, path, ": tensor entry ", i, " is malformed");
    }
    Shape fileShape;
    for (const Json& d : shape->items()) {
      const std::optional<int64_t> dim = wholeNumber(d);
      if (!dim) fail(ErrorCode::Io, path, ": tensor ", name->asString(), " has a malformed shape ", shape->dump());
      fileShape.push_back(*dim);
    }
    // Checked so that no header, however corrupt, points the copy outside the data.
    const std::optional<int64_t> at = wholeNumber(*offset);
    const std::optional<int64_t> count = elementsWithin(fileShape);
    if (!at || !count || static_cast<uint64_t>(*at) > declared || static_cast<uint64_t>(*count) * 4 > declared - static_cast<uint64_t>(*at)) {
      fail(ErrorCode::Io, path, ": tensor ", name->asString(), " lies outside the data");
    }
    entries[name->asString()] = Entry{fileShape, static_cast<size_t>(*at), i};
  }
  for (const WeightsTensor& t : tensors) {
    auto it = entries.find(t.name);
    if (it == entries.end()) fail(ErrorCode::Io, path, ": has no tensor ", t.name, " (", entries.size(), " tensors in the file, this network needs ", tensors.size(), ")");
    if (it->second.shape != t.shape) {
      fail(ErrorCode::Io, path, ": tensor ", t.name, " has shape ", dims(it->second.shape), " in the file but ", dims(t.shape), " in this network");
    }
  }
  if (entries.size() != tensors.size()) {
    std::vector<std::string> wanted;
    for (const WeightsTensor& t : tensors) wanted.push_back(t.name);
    for (const auto& [name, entry] : entries) {
      if (std::find(wanted.begin(), wanted.end(), name) != wanted.end()) continue;
      const bool optimizerState = name.rfind("optimizer.", 0) == 0;
      if (extras == WeightsExtras::Require || !optimizerState) fail(ErrorCode::Io, path, ": holds tensor ", name, ", which this network does not have");
    }
  }
  if (checkHeader) checkHeader(header);
  for (const WeightsTensor& t : tensors) std::memcpy(t.data, data + entries[t.name].offset, static_cast<size_t>(numel(t.shape)) * 4);
  return header;
}

}  // namespace sj
