#include <string>

#include "base/error.h"
#include "core/shape_text.h"
#include "core/sizes.h"
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
    {"conv2d", makeConv2dLayer},   {"conv1d", makeConv1dLayer},           {"batchnorm2d", makeBatchNorm2dLayer}, {"relu", makeReluLayer},
    {"sigmoid", makeSigmoidLayer}, {"softmax", makeSoftmaxLayer},         {"glu", makeGluLayer},
    {"maxpool2d", makeMaxPool2dLayer}, {"avgpool2d", makeAvgPool2dLayer}, {"dropout", makeDropoutLayer},
    {"linear", makeLinearLayer},   {"gru", makeGruLayer},                 {"lstm", makeLstmLayer},
    {"flatten", makeFlattenLayer},
    {"reshape", makeReshapeLayer}, {"permute", makePermuteLayer},         {"last_step", makeLastStepLayer},
    {"mean", makeMeanLayer},       {"attention_head", makeAttentionHeadLayer},
    {"gelu", makeGeluLayer},       {"silu", makeSiluLayer},               {"hardswish", makeHardswishLayer},
    {"hardsigmoid", makeHardsigmoidLayer}, {"clip", makeClipLayer},       {"leaky_relu", makeLeakyReluLayer},
    {"tanh", makeTanhLayer},       {"layer_norm", makeLayerNormLayer},
    {"reduce", makeReduceLayer},   {"log_softmax", makeLogSoftmaxLayer},
    {"slice", makeSliceLayer},     {"pad", makePadLayer},
};

// The layer types that take several inputs (graph networks).
using GraphMaker = std::unique_ptr<Layer> (*)(SpecReader&, const std::vector<Shape>&);
struct GraphEntry {
  const char* type;
  GraphMaker make;
};
constexpr GraphEntry kGraphLayers[] = {
    {"add", makeAddLayer}, {"sub", makeSubLayer}, {"mul", makeMulLayer}, {"div", makeDivLayer}, {"concat", makeConcatLayer},
    {"matmul", makeMatmulLayer},
};

// Every tensor a layer holds per sample, and each of its parameters, fits kMaxElements, so the
// sizes derived from them later (bytes, batches, saved gates) cannot wrap.
void requireAddressable(const std::string& where, const Layer& layer) {
  auto check = [&](const std::string& what, const Shape& shape) {
    if (!elementsWithin(shape)) fail(ErrorCode::Spec, where, ": ", what, " ", dims(shape), " has more than 2^45 elements, past what can be addressed");
  };
  check("the per-sample output", layer.outputShape());
  for (const Parameter& p : layer.parameters()) check("parameter '" + p.name + "'", p.shape);
}
}  // namespace

std::unique_ptr<Layer> makeLayer(const Json& spec, size_t index, const std::vector<Shape>& inputs) {
  const std::string where = "layers[" + std::to_string(index) + "]";
  if (!spec.isObject()) fail(ErrorCode::Spec, where, ": expected an object, got ", Json::typeName(spec.type()));
  const Json* type = spec.find("type");
  if (!type || !type->isString()) fail(ErrorCode::Spec, where, ": missing string field 'type'");
  auto build = [&](const char* name, auto&& make) {
    SpecReader reader(spec, where + " (" + name + ")");
    reader.raw("type");
    reader.raw("name");    // read by the network
    reader.raw("inputs");  // likewise
    std::unique_ptr<Layer> layer = make(reader);
    reader.rejectUnknownFields();
    requireAddressable(reader.where(), *layer);
    return layer;
  };
  for (const Entry& e : kLayers) {
    if (type->asString() != e.type) continue;
    return build(e.type, [&](SpecReader& reader) {
      if (inputs.size() != 1) reader.inContext([&] { fail(ErrorCode::Spec, "field 'inputs' names ", inputs.size(), " tensors; a ", e.type, " layer takes 1"); });
      return e.make(reader, inputs[0]);
    });
  }
  for (const GraphEntry& e : kGraphLayers) {
    if (type->asString() == e.type) return build(e.type, [&](SpecReader& reader) { return e.make(reader, inputs); });
  }
  std::string known;
  for (const Entry& e : kLayers) known += std::string(known.empty() ? "" : ", ") + e.type;
  for (const GraphEntry& e : kGraphLayers) known += std::string(", ") + e.type;
  fail(ErrorCode::Spec, where, ": unknown layer type '", type->asString(), "' (known: ", known, ")");
}

}  // namespace sj
