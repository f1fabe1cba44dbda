// Constructors of the layer types, one per file in this folder; layer_factory.cpp maps the spec's
// "type" to them. Each reads its own fields from the spec and checks its input shape.
#pragma once
#include <memory>
#include <vector>

#include "core/spec_reader.h"
#include "network/layer.h"

namespace sj {

std::unique_ptr<Layer> makeConv2dLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeConv1dLayer(SpecReader& spec, const Shape& input);  // conv2d_layer.cpp: a conv2d of height 1
std::unique_ptr<Layer> makeBatchNorm2dLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeReluLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeSigmoidLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeSoftmaxLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeLogSoftmaxLayer(SpecReader& spec, const Shape& input);  // softmax_layer.cpp
std::unique_ptr<Layer> makeGeluLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeSiluLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeHardswishLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeHardsigmoidLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeClipLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeLeakyReluLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeTanhLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeLayerNormLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeGluLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeMaxPool2dLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeAvgPool2dLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeDropoutLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeLinearLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeGruLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeLstmLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeFlattenLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeReshapeLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makePermuteLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeLastStepLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeMeanLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeReduceLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeSliceLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makePadLayer(SpecReader& spec, const Shape& input);
std::unique_ptr<Layer> makeAttentionHeadLayer(SpecReader& spec, const Shape& input);

// Layers of several inputs: add, sub, mul, div (binary_layers.cpp), concat and matmul.
std::unique_ptr<Layer> makeAddLayer(SpecReader& spec, const std::vector<Shape>& inputs);
std::unique_ptr<Layer> makeSubLayer(SpecReader& spec, const std::vector<Shape>& inputs);
std::unique_ptr<Layer> makeMulLayer(SpecReader& spec, const std::vector<Shape>& inputs);
std::unique_ptr<Layer> makeDivLayer(SpecReader& spec, const std::vector<Shape>& inputs);
std::unique_ptr<Layer> makeConcatLayer(SpecReader& spec, const std::vector<Shape>& inputs);
std::unique_ptr<Layer> makeMatmulLayer(SpecReader& spec, const std::vector<Shape>& inputs);

// A per-sample axis that may count from the end (-1: the last); E_SHAPE when out of range.
size_t resolveAxis(SpecReader& spec, const Shape& input, int64_t axis);

// Builds layer `index` of a spec from its JSON object, given the shapes of the tensors its
// "inputs" name (the network reads "name" and "inputs"; E_SPEC when a unary type gets more than one).
std::unique_ptr<Layer> makeLayer(const Json& spec, size_t index, const std::vector<Shape>& inputs);

}  // namespace sj
