// The weights file: the spec and every parameter and buffer of a network, checksummed.
//
//   "SEDJWT01"            8 bytes, magic
//   header length         8 bytes, little-endian unsigned
//   header                JSON: {"format": "sedjoule-weights", "version": 1, "spec": {...},
//                                "tensors": [{"name", "shape", "offset", "count"}],
//                                "dataBytes": N, "checksum": "<FNV-1a 64 of the data, hex>"}
//   data                  float32 little-endian, tensors back to back
#pragma once
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

void saveWeightsFile(const std::string& path, const Json& spec, const std::vector<WeightsTensor>& tensors);
// Validates the whole file (magic, header, sizes, checksum, names, shapes) before writing any
// tensor, so a bad file leaves the network untouched. E_IO naming the path and what is wrong.
void loadWeightsFile(const std::string& path, const std::vector<WeightsTensor>& tensors);

}  // namespace sj
