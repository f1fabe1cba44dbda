// View layers rename dimensions without moving data, so they run no kernel: the network passes
// their input buffer on as their output.
//   flatten: {}                   [d0, d1, ...] -> [d0 * d1 * ...]
//   reshape: {"shape": [...]}     any shape with the same element count; one entry may be -1
#include "base/error.h"
#include "core/shape_text.h"
#include "core/sizes.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class ViewLayer : public Layer {
 public:
  ViewLayer(const char* type, const Shape& input, const Shape& output) : Layer(input, output), type_(type) {}
  const char* type() const override { return type_; }
  bool isView() const override { return true; }
  void forward(KernelContext&, int64_t, const float*, float*) override {}
  void backward(KernelContext&, int64_t, const float*, const float*, const float*, float*) override {}

 private:
  const char* type_;
};

}  // namespace

std::unique_ptr<Layer> makeFlattenLayer(SpecReader&, const Shape& input) {
  return std::make_unique<ViewLayer>("flatten", input, Shape{numel(input)});
}

std::unique_ptr<Layer> makeReshapeLayer(SpecReader& spec, const Shape& input) {
  const Json* raw = spec.raw("shape");
  if (!raw || !raw->isArray() || raw->items().empty()) spec.inContext([&] { fail(ErrorCode::Spec, "field 'shape' must be a non-empty array of integers"); });
  Shape shape;
  int inferred = -1;
  const int64_t total = numel(input);
  std::optional<int64_t> known = 1;  // nullopt once the listed dimensions alone hold more than the input
  for (size_t i = 0; i < raw->items().size(); ++i) {
    const Json& d = raw->items()[i];
    const double v = d.isNumber() ? d.asNumber() : 0;
    if (v == -1 && inferred < 0) {
      inferred = static_cast<int>(i);
      shape.push_back(-1);
      continue;
    }
    // Below 2^53 so the cast is exact (a larger dimension cannot match an addressable input).
    if (!(v >= 1 && v < 9007199254740992.0) || v != static_cast<double>(static_cast<int64_t>(v))) {
      spec.inContext([&] { fail(ErrorCode::Spec, "field 'shape' must hold positive integers below 2^53 and at most one -1, got ", raw->dump()); });
    }
    shape.push_back(static_cast<int64_t>(v));
    if (known) known = productWithin(*known, shape.back(), total);
  }
  if (inferred >= 0 && known && total % *known == 0) shape[inferred] = total / *known;
  if (!known || (inferred >= 0 && shape[inferred] < 1) || elementsWithin(shape, total) != total) {
    spec.inContext([&] { fail(ErrorCode::Shape, "cannot reshape ", dims(input), " (", total, " elements) to ", raw->dump()); });
  }
  return std::make_unique<ViewLayer>("reshape", input, shape);
}

}  // namespace sj
