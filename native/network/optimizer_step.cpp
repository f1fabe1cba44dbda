#include "network/optimizer_step.h"

#include "base/error.h"
#include "kernels/optimizer.h"

namespace sj {

OptimizerConfig OptimizerConfig::fromSpec(const Json* value) {
  OptimizerConfig c;
  if (!value) return c;
  SpecReader r(*value, "optimizer");
  const std::string type = r.choice("type", std::nullopt, {"adam", "sgd"});
  if (type == "adam") {
    c.kind = Kind::Adam;
    c.lr = r.number("lr", 1e-3, 0.0, 1e6);
    if (const Json* betas = r.raw("betas")) {
      if (!betas->isArray() || betas->items().size() != 2 || !betas->items()[0].isNumber() || !betas->items()[1].isNumber()) {
        fail(ErrorCode::Spec, "optimizer: field 'betas' must be a pair of numbers, got ", betas->dump());
      }
      c.beta1 = betas->items()[0].asNumber();
      c.beta2 = betas->items()[1].asNumber();
    }
    c.eps = r.number("eps", 1e-8, 0.0, 1.0);
    c.weightDecay = r.number("weightDecay", 0.0, 0.0, 1e6);
    r.inContext([&] { AdamShape{1, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay}.validate(); });
  } else {
    c.kind = Kind::Sgd;
    c.lr = r.number("lr", std::nullopt, 0.0, 1e6);
    c.momentum = r.number("momentum", 0.0, 0.0, 1.0);
    c.dampening = r.number("dampening", 0.0, 0.0, 1.0);
    c.nesterov = r.flag("nesterov", false);
    c.weightDecay = r.number("weightDecay", 0.0, 0.0, 1e6);
    r.inContext([&] { SgdShape{1, c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov}.validate(); });
  }
  r.rejectUnknownFields();
  return c;
}

Json OptimizerConfig::toJson() const {
  Json o = Json::object();
  o.set("type", Json::string(kind == Kind::Adam ? "adam" : "sgd"));
  o.set("lr", Json::number(lr));
  if (kind == Kind::Adam) {
    o.set("betas", Json::array({Json::number(beta1), Json::number(beta2)}));
    o.set("eps", Json::number(eps));
  } else {
    o.set("momentum", Json::number(momentum));
    o.set("dampening", Json::number(dampening));
    o.set("nesterov", Json::boolean(nesterov));
  }
  o.set("weightDecay", Json::number(weightDecay));
  return o;
}

void optimizerStep(KernelContext& ctx, const OptimizerConfig& c, Parameter& p, int64_t step) {
  p.state1.reserve(ctx.device(), p.size(), "optimiser state of " + p.name);
  if (c.kind == OptimizerConfig::Kind::Adam) {
    p.state2.reserve(ctx.device(), p.size(), "optimiser state of " + p.name);
    const AdamShape s{p.size(), c.lr, c.beta1, c.beta2, c.eps, c.weightDecay};
    ctx.run("adam", KernelPass::Optimizer, s.describe(), adamCost(s),
            [&] { adamStep(ctx.pool(), s, step, p.value.data(), p.grad.data(), p.state1.data(), p.state2.data()); },
            [&] { cuda::adamStep(ctx.stream(), s, step, p.value.data(), p.grad.data(), p.state1.data(), p.state2.data()); });
  } else {
    const SgdShape s{p.size(), c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov};
    ctx.run("sgd", KernelPass::Optimizer, s.describe(), sgdCost(s, step),
            [&] { sgdStep(ctx.pool(), s, step, p.value.data(), p.grad.data(), p.state1.data()); },
            [&] { cuda::sgdStep(ctx.stream(), s, step, p.value.data(), p.grad.data(), p.state1.data()); });
  }
}

}  // namespace sj
