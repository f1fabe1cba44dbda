// The weights file: the spec and every parameter and buffer of a network, checksummed.
//
//   "SEDJWT01"            8 bytes, magic
//   header length         8 bytes, little-endian unsigned
//   header                JSON: {"format": "sedjoule-weights", "version": 1, "spec": {...},
//                                "tensors": [{"name", "shape", "offset", "count"}],
//                                "dataBytes": N, "checksum": "<FNV-1a 64 of the data, hex>",
//                                ...extra fields: a checkpoint adds "step" and "optimizer"}
//   data                  float32 little-endian, tensors back to back
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "network/layer.h"

namespace sj {

struct WeightsTensor {
  std::string name;
  Shape shape;
  float* data;  // read from on save, written to on load
};

// `extra`: fields added to the header (an object).
void saveWeightsFile(const std::string& path, const Json& spec, const std::vector<WeightsTensor>& tensors, const Json& extra);

// What a file may hold besides the requested tensors: a checkpoint's optimiser state may be
// ignored when only the weights are wanted, or every requested tensor and nothing else is required.
enum class WeightsExtras { Ignore, Require };

// Validates the whole file (magic, header, sizes, checksum, names, shapes) and runs
// `checkHeader` before writing any tensor, so a bad file leaves the network untouched. Tensors
// are matched by name. Returns the header. E_IO naming the path and what is wrong.
Json loadWeightsFile(const std::string& path, const std::vector<WeightsTensor>& tensors, WeightsExtras extras,
                     const std::function<void(const Json& header)>& checkHeader = nullptr);

}  // namespace sj
