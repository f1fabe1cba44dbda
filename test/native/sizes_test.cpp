// Element counts that cannot wrap (core/sizes.h), and the network's use of them: a spec whose
// sizes pass what can be addressed is E_SPEC naming the layer, never a wrapped count (issue 12:
// [65536]^4 flattened was a division by zero; [2^31, 2^31, 2] described memory figures of 0).
#include <cstdint>
#include <string>

#include "core/sizes.h"
#include "expect_error.h"
#include "harness.h"
#include "network/network.h"

namespace sj::testing {
namespace {

SJ_TEST(sizes_products_refuse_to_wrap) {
  SJ_CHECK(productWithin(3, 5) == 15, "3 x 5");
  SJ_CHECK(!productWithin(int64_t{1} << 32, int64_t{1} << 32), "2^64 wraps to 0 in 64 bits");
  SJ_CHECK(!productWithin(3, 6148914691236517888), "2^64 + 2048 wraps to 2048");
  SJ_CHECK(!productWithin(-1, 4), "negative factors");
  SJ_CHECK(productWithin(int64_t{1} << 20, int64_t{1} << 25) == kMaxElements, "the limit itself");
  SJ_CHECK(!productWithin(int64_t{1} << 20, (int64_t{1} << 25) + 1), "one past the limit");
  SJ_CHECK(elementsWithin({65536, 65536, 65536, 65536}) == std::nullopt, "[65536]^4");
  SJ_CHECK(elementsWithin({2, 3, 4}) == 24, "[2,3,4]");
  SJ_CHECK(elementsWithin({}) == 1, "a scalar");
}

NetworkOptions inspectOnly() {
  NetworkOptions o;
  o.threads = 1;
  o.allocate = false;
  return o;
}

SJ_TEST(sizes_network_refuses_unaddressable_specs) {
  expectError(ErrorCode::Spec, "spec: field 'input' [65536,65536,65536,65536] has more than 2^45 elements", [] {
    Network(R"({"input": [65536, 65536, 65536, 65536], "layers": [{"type": "flatten"}, {"type": "linear", "out": 4}]})", inspectOnly());
  });
  expectError(ErrorCode::Spec, "spec: field 'input'", [] { Network(R"({"input": [2147483648, 2147483648, 2], "layers": [{"type": "relu"}]})", inspectOnly()); });
  expectError(ErrorCode::Spec, "layers[1] (linear): parameter 'weight' [1048576,67108864]", [] {
    Network(R"({"input": [8192, 8192], "layers": [{"type": "flatten"}, {"type": "linear", "out": 1048576}]})", inspectOnly());
  });
  expectError(ErrorCode::Spec, "layers[0] (gru): the per-sample output", [] {
    Network(R"({"input": [4194304, 4], "layers": [{"type": "gru", "hidden": 8388608, "bidirectional": true}]})", inspectOnly());
  });
  expectError(ErrorCode::Spec, "layers[0] (attention_head): the per-sample logits", [] {
    Network(R"({"input": [4194304, 1], "layers": [{"type": "attention_head", "classes": 1073741824}]})", inspectOnly());
  });
  expectError(ErrorCode::Spec, "layers[0] (reshape): field 'shape' must hold positive integers below 2^53", [] {
    Network(R"({"input": [2048], "layers": [{"type": "reshape", "shape": [3, 6148914691236517888]}]})", inspectOnly());
  });
  // Dimensions that fit 2^53 but whose product passes the input's count are refused before it wraps.
  expectError(ErrorCode::Shape, "layers[0] (reshape): cannot reshape [2048]", [] {
    Network(R"({"input": [2048], "layers": [{"type": "reshape", "shape": [4294967296, 4294967296, -1]}]})", inspectOnly());
  });
  expectError(ErrorCode::Shape, "layers[0] (maxpool2d): pool2d: an input plane of 65536x65536 is too large for int32", [] {
    Network(R"({"input": [1, 65536, 65536], "layers": [{"type": "maxpool2d", "kernel": 2}]})", inspectOnly());
  });
}

SJ_TEST(sizes_network_refuses_batches_past_the_limit) {
  NetworkOptions o;
  o.threads = 1;
  Network net(R"({"input": [1], "layers": [{"type": "linear", "out": 16777216}]})", o);
  expectError(ErrorCode::Shape, "a batch of 4194304 samples needs a tensor of 4194304 x 16777216 values", [&] { net.batchOf(int64_t{1} << 22); });
  SJ_CHECK(net.batchOf(int64_t{1} << 21) == int64_t{1} << 21, "a batch at the limit");
}

}  // namespace
}  // namespace sj::testing
