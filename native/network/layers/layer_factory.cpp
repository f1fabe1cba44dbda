#include <string>

#include "base/error.h"
#include "network/layers/layers.h"

namespace sj {

namespace {
using Maker = std::unique_ptr<Layer> (*)(SpecReader&, const Shape&);
struct Entry {
  const char* type;
  Maker make;
};
// The layer types a spec may name; docs/spec.md documents each.
constexpr Entry kLayers[] = {
    {"conv2d", makeConv2dLayer},   {"batchnorm2d", makeBatchNorm2dLayer}, {"relu", makeReluLayer},
    {"sigmoid", makeSigmoidLayer}, {"softmax", makeSoftmaxLayer},         {"glu", makeGluLayer},
    {"maxpool2d", makeMaxPool2dLayer}, {"avgpool2d", makeAvgPool2dLayer}, {"dropout", makeDropoutLayer},
    {"linear", makeLinearLayer},   {"gru", makeGruLayer},                 {"flatten", makeFlattenLayer},
    {"reshape", makeReshapeLayer}, {"permute", makePermuteLayer},         {"last_step", makeLastStepLayer},
    {"mean", makeMeanLayer},       {"attention_head", makeAttentionHeadLayer},
};
}  // namespace

std::unique_ptr<Layer> makeLayer(const Json& spec, size_t index, const Shape& input) {
  const std::string where = "layers[" + std::to_string(index) + "]";
  if (!spec.isObject()) fail(ErrorCode::Spec, where, ": expected an object, got ", Json::typeName(spec.type()));
  const Json* type = spec.find("type");
  if (!type || !type->isString()) fail(ErrorCode::Spec, where, ": missing string field 'type'");
  for (const Entry& e : kLayers) {
    if (type->asString() != e.type) continue;
    SpecReader reader(spec, where + " (" + e.type + ")");
    reader.raw("type");
    std::unique_ptr<Layer> layer = e.make(reader, input);
    reader.rejectUnknownFields();
    return layer;
  }
  std::string known;
  for (const Entry& e : kLayers) known += std::string(known.empty() ? "" : ", ") + e.type;
  fail(ErrorCode::Spec, where, ": unknown layer type '", type->asString(), "' (known: ", known, ")");
}

}  // namespace sj
